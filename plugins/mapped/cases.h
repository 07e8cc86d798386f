/*
 * cases.h: the "cases" layout, one case per row, counted into figures
 * (private to the mapped plugin).
 */
#ifndef MAPPED_CASES_H
#define MAPPED_CASES_H

#include <jansson.h>

#include "dahub/csv_fast.h"
#include "dahub/error.h"

#include "mapping.h"

/* "cases": one count of the cases layout. */
struct map_count {
  char *measure;
  char *date;              /* the column whose date decides the period */
  size_t by[MAP_MAX_DIMS]; /* one-way breakdowns: dimension fields */
  size_t n_by;
  int distinct; /* count distinct case references, not rows */
};

struct map_cases {
  char *reference; /* the column of the case reference, or NULL */
  enum dahub_period_kind period;
  int latest; /* "periods": "latest": only the file's latest period */
  struct map_count *count;
  size_t n_count;
  uint64_t max_references; /* (reference, figure) pairs kept */
  uint64_t max_groups;     /* figures kept */
};

/* Counts one cases layout may make. */
#define CASES_MAX_COUNTS 64

struct run;

/* Checks "cases" and adds it to m. 0, or -EINVAL/-ENOMEM with err. */
int cases_options(struct mapping *m, const json_t *v, struct dahub_error *err);
void cases_options_free(struct map_cases *c);

/* One file: set up, header, each data row, then emit; cases_free always. */
int cases_begin(struct run *r);
int cases_header(struct run *r, const struct dahub_csv_row *row);
int cases_row(struct run *r, const struct dahub_csv_row *row);
int cases_end(struct run *r);

/* 1 when some count of c (or NULL) is distinct. */
int cases_distinct(const struct map_cases *c);

/* The CSV reader's prepare() (dahub/csv_fast.h), for cases_prepare_size(m)
 * bytes: on the reader's thread, the HMAC of the row's case reference and
 * what its fields and dates resolve to; arg is cases_prepare_arg(r), once
 * cases_begin() has succeeded. */
int cases_prepare(void *arg, const struct dahub_csv_row *row, int hurry,
                  void *out);
void *cases_prepare_arg(const struct run *r);
size_t cases_prepare_size(const struct mapping *m);
void cases_free(struct run *r);

#endif
