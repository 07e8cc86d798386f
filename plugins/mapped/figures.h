/*
 * figures.h: the long and wide layouts, a figure in each value cell
 * (private to the mapped plugin).
 */
#ifndef MAPPED_FIGURES_H
#define MAPPED_FIGURES_H

#include <jansson.h>

#include "dahub/csv.h"
#include "dahub/error.h"

#include "mapping.h"
#include "run.h"

/* The wide layout's "across" and "total", after mapping_new(), before
 * "values". 0, or -EINVAL / -ENOMEM with err. */
int figures_options(struct mapping *m, const json_t *options,
                    struct dahub_error *err);
/* What must hold once every section is read: each period code is one. */
int figures_check(const struct mapping *m, struct dahub_error *err);

/* A data row's fields (val, and in tg what their labels say), unless a
 * label leaves the row out: 1 go on; 0 leave it out; negative an error
 * naming the cell. */
int figures_fields(struct run *r, const struct dahub_csv_row *row,
                   const char **val, const struct map_target **tg);
/* One observation per value cell of a row figures_fields() read (val's
 * "across" field is set for each). 0, or an error naming the cell. */
int figures_emit(struct run *r, const struct dahub_csv_row *row,
                 const char **val, const struct map_target *const *tg);

#endif
