/*
 * run.h: one parse() of the mapped plugin, shared by the layouts (private
 * to the plugin). mapped.c reads the CSV layouts row by row and hands each
 * data row to its layout: figures.c (long, wide), cases.c (counted);
 * jsondoc.c sums a JSON document, records.c hands rows on as records,
 * total.c checks totals. All of them work on the struct run of one file,
 * on parse()'s worker thread, and only read the mapping.
 */
#ifndef MAPPED_RUN_H
#define MAPPED_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/csv.h"
#include "dahub/plugin.h"

#include "mapping.h"

#define NO_COL SIZE_MAX

/* Dimensions one observation may carry: its dimension fields, and what
 * the labels of its fields add. The hub takes fewer; it says so. */
#define OBS_DIMS_MAX (MAP_MAX_DIMS + 4 * MAP_MAX_TARGET_DIMS)

struct agg;
struct cases_run;
struct total_range;
struct memo;

/* What one parse() knows about its file; the mapping itself is shared. */
struct run {
  const struct mapping *m;
  const struct dahub_host *host;
  struct dahub_ctx *ctx;
  struct dahub_error *err;
  uint32_t rows;              /* records read: the spreadsheet row number */
  int in_data;                /* the header has been read */
  size_t col[MAP_MAX_FIELDS]; /* COLUMN fields: their place in a row */
  char *cell[MAP_MAX_FIELDS]; /* CELL fields: the text, then its code */
  const struct map_target *cell_target[MAP_MAX_FIELDS]; /* ... its label */
  uint32_t cell_line[MAP_MAX_FIELDS];
  size_t value_col; /* long layout */
  size_t *across;   /* wide: the place of each m->across column */
  size_t *fill_col; /* fill_down columns, and the last text seen there */
  char **fill_text;
  size_t *skip_col;
  size_t total_col;                 /* "total": the total column, or NO_COL */
  size_t total_row_col;             /* ... the column marking a total row */
  struct total_range *col_totals;   /* wide: each across column's parts */
  size_t when_col;                  /* "records": the "when" column */
  size_t *record_col;               /* ... and each field's column */
  int records_off;                  /* the host takes no records: warned */
  struct cases_run *cases;          /* the cases layout's counts */
  const void *prepared;             /* row's work done ahead: cases_ahead.h */
  struct memo *memo;                /* recent texts of each field: memo.c */
  int can_skip[MAP_MAX_FIELDS];     /* a label of the field leaves rows out */
  char period[DAHUB_PERIOD_ID_MAX]; /* a period read from a column */
  char year[DAHUB_PERIOD_ID_MAX];   /* a financial year read from one */
  char noted[DAHUB_PERIOD_ID_MAX];  /* the period an observation gets */
  /* The rows above the header, for saying why none was found: */
  int sheet;              /* read from an .xlsx: no delimiter to doubt */
  uint32_t text_rows;     /* rows with any text */
  uint32_t split_rows;    /* ... that the feed's delimiter split in cells */
  uint32_t delim_rows[3]; /* ... with a ",", ";" or tab inside a cell */
};

/* A cell the data lead must fix: line, column j (0-based), the column's
 * header, what was expected and found. Returns -EINVAL. */
int mapped_cell_error(struct run *r, uint32_t line, size_t j, const char *field,
                      const char *expected, const char *found, const char *msg);

/* The same, saying what kind of problem it is (a DAHUB_CODE_*). */
int mapped_cell_error_code(struct run *r, const char *code, uint32_t line,
                           size_t j, const char *field, const char *expected,
                           const char *found, const char *msg);

/* A date cell the data lead must fix: rc is dahub_date_parse()'s (-ERANGE: no
 * such day; else not a date), example a date as the column would hold
 * one ("31/05/2024 or 2024-05-31"). Returns -EINVAL. */
int mapped_date_error(struct run *r, uint32_t line, size_t j, const char *field,
                      int rc, const char *text, const char *example);

/* A note for the ingest report; never quote cell text that could be
 * personal in it. */
void mapped_warn(struct run *r, uint32_t line, uint32_t col, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/* 1 when the len bytes at s are only spaces. */
int mapped_blank(const char *s, size_t len);

/* Cell j of the row as a person sees it: "" past the end of a short row,
 * and the text above for a blank cell in a fill_down column. */
const char *mapped_cell(const struct run *r, const struct dahub_csv_row *row,
                        size_t j, size_t *len);

/* Counts a row above the header, for mapped_no_header(). */
void mapped_above_header(struct run *r, const struct dahub_csv_row *row);

/* The file ended without its header: says why, as best it can tell (the
 * file is empty, its cells are split by another delimiter, or the header
 * is not there). Returns -EINVAL. */
int mapped_no_header(struct run *r);

/* The place of the column headed name; exactly one must match. A missing
 * one is named with the headers the row has (or with the delimiter the
 * file seems to use, when the row is one cell). */
int mapped_find_column(struct run *r, const struct dahub_csv_row *row,
                       const char *name, size_t *out);

/* 1 when a label of the row says to leave it out (warned, with a reason
 * if the label gives one): checked before anything else is read. ahead:
 * each field's code as worked out on the CSV reader's thread (memo.h), or
 * NULL. */
int mapped_row_skipped(struct run *r, const struct dahub_csv_row *row,
                       const uint16_t *ahead);

/* Hands one observation to the hub. 0, or -ECANCELED with err set when the
 * hub says stop. */
int mapped_emit(struct run *r, const struct dahub_obs *o);

/* Emits every figure of an aggregate (cases.c, jsondoc.c) in the order
 * they were first seen; with only_period, the others are counted in
 * *left_out instead. */
int mapped_emit_groups(struct run *r, const struct agg *a,
                       const char *only_period, uint64_t *left_out);

#endif
