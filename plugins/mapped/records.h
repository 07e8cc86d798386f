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

/* "records": rows that also become records through host->emit_record. */
struct map_record_field {
  char *name;   /* a field of the record kind: "end_date" */
  char *column; /* read from this column, or NULL: */
  size_t field; /* ... from the row's resolved field (MAP_SERVICE, ...) */
  int date;     /* the text is a date: written as yyyy-mm-dd */
  int pence;    /* the text is money: written as whole pence */
};

struct map_records {
  char *kind;        /* a record kind of the vocabulary: "contract" */
  char *when_column; /* only rows whose cell here is one of when_in */
  char **when_in;
  size_t n_when;
  struct map_record_field *f;
  size_t n;
};

struct run;

/* Checks "records" and adds it to m. 0, or -EINVAL/-ENOMEM with err. */
int records_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err);
void records_options_free(struct map_records *rec);

/* Finds the columns the records read, in the header row. */
int records_header(struct run *r, const struct dahub_csv_row *row);
/* A data row that was not left out, with its resolved fields (val) and
 * what their labels say (tg): hands it to host->emit_record when "when"
 * matches. 0, or negative with err. */
int records_row(struct run *r, const struct dahub_csv_row *row,
                const char *const *val, const struct map_target *const *tg);

#endif
