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

/* "json": one entry of "sum". */
struct map_sum {
  char *measure;
  char *key;            /* dotted path within an item; NULL: count items */
  size_t by;            /* the field an object's keys give, or MAP_NO_FIELD */
  struct map_list dims; /* fixed dimensions: name -> code */
};

struct map_json {
  char *items; /* dotted path of the array of items; "" for the document */
  char *date;  /* dotted path of each item's date */
  enum dahub_period_kind period;
  struct map_sum *sum;
  size_t n_sum;
  struct map_list check; /* dotted path of a total -> measure */
  uint64_t max_bytes;
  uint64_t max_groups;
};

struct run;

/* Checks "json" and adds it to m. 0, or -EINVAL/-ENOMEM with err. */
int jsondoc_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err);
void jsondoc_options_free(struct map_json *j);

/* Reads the whole input (at most max_bytes), sums and emits. 0, or
 * negative with err. */
int jsondoc_parse(struct run *r, struct dahub_input *in);

#endif
