/*
 * jsondoc.h: the "json" layout, a JSON document of items summed into
 * figures (private to the mapped plugin).
 */
#ifndef MAPPED_JSONDOC_H
#define MAPPED_JSONDOC_H

#include <jansson.h>

#include "dahub/error.h"
#include "dahub/plugin.h"

#include "mapping.h"

struct run;

/* Checks "json" and adds it to m. 0, or -EINVAL/-ENOMEM with err. */
int jsondoc_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err);
void jsondoc_options_free(struct map_json *j);

/* Reads the whole input (at most max_bytes), sums and emits. 0, or
 * negative with err. */
int jsondoc_parse(struct run *r, struct dahub_input *in);

#endif
