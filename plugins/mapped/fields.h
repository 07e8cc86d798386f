/*
 * fields.h: where each field of a mapping comes from: "columns", "cells",
 * "fixed", and bands (private to the mapped plugin).
 */
#ifndef MAPPED_FIELDS_H
#define MAPPED_FIELDS_H

#include <stddef.h>

#include <jansson.h>

#include "dahub/error.h"

#include "mapping.h"

/* The fields every mapping has (service_id ... financial_year), unread. */
int fields_init(struct mapping *m, struct dahub_error *err);
/* Frees what fields_init() and the rest of this file put in m's fields;
 * their "values" are labels_free()'s. */
void fields_free(struct mapping *m);

/* "columns", "cells" or "fixed" (src): the fields, "dimensions", and for
 * columns "value". obj may be NULL (absent). */
int fields_group(struct mapping *m, const json_t *obj, const char *path,
                 enum map_source src, struct dahub_error *err);

/* 1 when name is one of the fields every mapping has. */
int fields_is_std(const char *name);

/* The field called name; with is_dim, a new name adds a dimension. */
int fields_get(struct mapping *m, const char *name, int is_dim,
               const char *path, size_t *out, struct dahub_error *err);

/* Fixed dimensions (an object of name -> code): names are [a-z0-9_]+,
 * at most max; with against_fields, none may be a dimension the mapping
 * reads elsewhere (an observation has each dimension once). */
int fields_dims(const struct mapping *m, const json_t *obj, const char *path,
                size_t max, int against_fields, struct map_list *l,
                struct dahub_error *err);

/* The band of f holding the number in the cell. 0 with *code; -EINVAL not
 * a whole number; -ERANGE a number no band holds. A blank cell is the
 * caller's. */
int fields_band(const struct map_field *f, const char *cell, size_t len,
                const char **code);

#endif
