/*
 * labels.h: "values" (label -> code, per field) and "unknown", and looking
 * a cell up in them (private to the mapped plugin).
 */
#ifndef MAPPED_LABELS_H
#define MAPPED_LABELS_H

#include <stddef.h>

#include <jansson.h>

#include "dahub/error.h"

#include "mapping.h"

/* Reads "values" and "unknown" (either may be NULL) into m's fields, which
 * must already say where each comes from. 0, or -EINVAL / -ENOMEM with
 * err. */
int labels_options(struct mapping *m, const json_t *values,
                   const json_t *unknown, struct dahub_error *err);
void labels_free(struct map_labels *l);

/* What "values" says about a cell, both folded by dahub/label.h's rule (as
 * the vocabulary compares labels): the exact label first, then the longest
 * label written with a final '*' that the cell starts with; or NULL. */
const struct map_target *labels_find(const struct map_labels *l,
                                     const char *cell, size_t len);

#endif
