/*
 * mapped_open.h: one mapping read from a feed's options (mapped_open.c;
 * private to the mapped plugin).
 */
#ifndef MAPPED_OPEN_H
#define MAPPED_OPEN_H

#include <jansson.h>

#include "dahub/plugin.h"

#include "mapping.h"
#include "options.h"

/* The feed's options o, section by section (mapping.h, struct
 * map_reading): what every layout shares, the layout's own, the labels
 * (which need to know where each field comes from), records, then what
 * must hold of the whole. Every problem is said to say (when not NULL),
 * read on past the first as struct map_reading says. OUT:
 * mapped_options_free(). */
int mapped_open_one(const json_t *o, const struct opt_say *say,
                    struct mapping **out, struct dahub_error *err);

/* The mapping and what each layout adds to it; NULL is a no-op. */
void mapped_options_free(struct mapping *m);

#endif
