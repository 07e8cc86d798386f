/*
 * records.h: rows of a return that are also records, such as the
 * contracts of a commissioning register (private to the mapped plugin).
 */
#ifndef MAPPED_RECORDS_H
#define MAPPED_RECORDS_H

#include <jansson.h>

#include "dahub/csv.h"
#include "dahub/error.h"

#include "mapping.h"

struct run;

/* Checks "records" and adds it to m. 0, or -EINVAL/-ENOMEM with err. */
int records_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err);
void records_options_free(struct map_records *rec);

/* Finds the columns the records read, in the header row. */
int records_header(struct run *r, const struct dahub_csv_row *row);
/* A data row that was not left out, with its resolved fields: hands it to
 * host->emit_record when "when" matches. 0, or negative with err. */
int records_row(struct run *r, const struct dahub_csv_row *row,
                const char *const *val);

#endif
