/*
 * doc.h: reading the board summary ("dahub.summary/1", docs/summaries.md)
 * for the pack: its figures as cells a reader may see, and the words for
 * periods, dates, measures and numbers.
 *
 * A cell is either a number the summary shows or a marker: a figure whose
 * value is null is never given a number here, so nothing after this module
 * can draw or print one.
 */
#ifndef BOARDPACK_DOC_H
#define BOARDPACK_DOC_H

#include <stddef.h>

#include <jansson.h>

#include "dahub/error.h"

/* Bounds on what the pack reads, far above a real partnership's. */
#define DOC_MAX_FIGURES 200000u
#define DOC_MAX_CONTRACTS 1000u
#define DOC_MAX_FEEDS 500u
#define DOC_MAX_SERIES 200u

enum cell_kind {
  CELL_SHOWN,        /* a number the board may read */
  CELL_CONFIDENTIAL, /* hidden by disclosure control: the summary's marker */
  CELL_LOW,          /* suppressed by the partner ("<5") */
  CELL_MISSING       /* not reported, or not a number */
};

struct cell {
  enum cell_kind kind;
  double amount; /* CELL_SHOWN: for a bar's length; else 0 */
  char text[48]; /* CELL_SHOWN: "1,174,689", "£90,000.00", "32.4%"; else
                    the marker as the pack shows it */
  int partial;   /* CELL_SHOWN: a part of it was not reported */
};

struct doc {
  const json_t *root;
  const json_t *figures, *rates, *completeness, *contracts;
  const json_t *allocations; /* allocations.series: funding by year */
  const char *marker;        /* disclosure.marker: "[c]" by default */
  const char *period_id;     /* "FY2024-25-Q1" */
};

#define DOC_LOW_MARKER "[low]"
#define DOC_MISSING_MARKER "[x]"

/* Checks the summary's shape and sizes. 0, or -EINVAL with err. */
int doc_open(const json_t *summary, struct doc *d, struct dahub_error *err);

/* The cell of a figure (or rate) object, in its own unit. */
void doc_cell(const struct doc *d, const json_t *fig, struct cell *c);
/* The same in unit (NULL: the figure's own), for a value whose unit its
 * list gives once (an allocation's year). */
void doc_cell_in(const struct doc *d, const json_t *fig, const char *unit,
                 struct cell *c);
/* The cell of a value as the summary writes one (12, "32.4") in unit;
 * CELL_MISSING when it is not a number. */
void doc_value_cell(const json_t *v, const char *unit, struct cell *c);
/* The cell of a number written as text (a contract's "90000.00") in unit;
 * CELL_MISSING when it is not a number. */
void doc_text_cell(const char *num, const char *unit, struct cell *c);
/* A comparison's value or change ({"value": 12}), as a signed number for
 * words: 0 when it is not a number the summary shows. */
int doc_change(const json_t *cmp, const char *unit, char *text, size_t n,
               int *sign);

/* Which partners a figure is for, to doc_match(). */
enum doc_partners {
  DOC_ANY_PARTNER,  /* any source_id */
  DOC_ALL_PARTNERS, /* source_id "all" */
  DOC_ONE_PARTNER   /* a partner's own */
};

/* 1 when figure f is of measure (NULL: any), for who, in area (NULL: any),
 * and, with total set, not broken down. */
int doc_match(const json_t *f, const char *measure, enum doc_partners who,
              const char *area, int total);
/* Adds s to seen (*n of cap) unless it is there already or seen is full:
 * 1 when added. */
int doc_seen_add(const char **seen, size_t *n, size_t cap, const char *s);

/* The figure of measure for source ("all") and area ("all"), with no
 * breakdown (dim NULL) or broken down by dim only, with that value. */
const json_t *doc_find(const struct doc *d, const char *measure,
                       const char *source, const char *area, const char *dim,
                       const char *value);
/* The only key of a figure's dimensions, or NULL when it has none or more
 * than one; *value its value. */
const char *doc_single_dim(const json_t *fig, const char **value);

/* "1174689" -> "1,174,689"; "-3.50" -> "-3.50". s must be a number as the
 * summary writes one: -?[0-9]+(.[0-9]+)?. 0, or -EINVAL. */
int doc_group_digits(const char *s, char *buf, size_t n);
/* "referrals_received" -> "Referrals received". */
void doc_words(const char *id, char *buf, size_t n);
/* "freeva.male_helpline" -> "Male helpline": a service without its
 * partner's name, in words. */
void doc_service_words(const char *id, char *buf, size_t n);
/* A breakdown in words: {"age_band": "25-34", "gender": "female"} ->
 * "Age band 25-34, gender female"; {"service": "freeva.male_helpline"} ->
 * "Service male helpline"; {} -> "". */
void doc_dims_words(const json_t *dims, char *buf, size_t n);
/* "2024-06-30" -> "30 June 2024" (with_year 0: "30 June"). 0, or -EINVAL. */
int doc_date_words(const char *iso, int with_year, char *buf, size_t n);
/* Days since 1970-01-01 of a day of the proleptic Gregorian calendar. */
long doc_days(int y, int m, int d);
/* The year, month and day of a day since 1970-01-01 (doc_days()'s inverse). */
void doc_civil(long days, int *y, int *m, int *d);
/* "2025-06-12" as days since 1970-01-01. 0, or -EINVAL. */
int doc_date_days(const char *iso, long *days);
/* The day of a date or a time ("2024-07-10T09:00:00Z") in words, with
 * its year. 0, or -EINVAL. */
int doc_day_words(const char *stamp, char *buf, size_t n);
/* The summary's period: "Q1 2024/25, 1 April – 30 June 2024". 0, or
 * -EINVAL. */
int doc_period_words(const json_t *period, char *buf, size_t n);
/* "FY2023-24-Q4" -> "Q4 2023/24". 0, or -EINVAL. */
int doc_period_name(const char *id, char *buf, size_t n);

#endif
