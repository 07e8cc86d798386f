/*
 * xlsx_merge.h: merged ranges of the sheet (xlsx_merge.c).
 */
#ifndef DAHUB_XLSX_MERGE_H
#define DAHUB_XLSX_MERGE_H

#include "xlsx_int.h"

struct xlsx_merge {
  uint32_t r1, c1, r2, c2; /* c2 already cut to max_columns */
  int anchored;            /* the top-left value was read */
  enum dahub_xlsx_type type;
  char *text; /* the top-left cell's text, copied */
  size_t len;
};

struct xlsx_merges {
  struct xlsx_merge *m; /* sorted by first row */
  size_t n, cap;
  size_t next;    /* first range not yet active */
  size_t *active; /* ranges whose rows include the current one */
  size_t n_active;
};

/* Reads the sheet's <mergeCell> ranges (a pass before the rows, as Excel
 * writes them after the rows). */
int xlsx_merges_read(struct dahub_xlsx *x, struct xlsx_merges *ms,
                     struct dahub_error *err);
/* Makes the ranges active that cover row, and drops those that ended. */
void xlsx_merges_advance(struct xlsx_merges *ms, uint32_t row);
/* 1 if an active range with a value covers row below its first. */
int xlsx_merges_cover(const struct xlsx_merges *ms, uint32_t row);
/* Keeps a copy of range i's top-left value; counts it against max_shared. */
int xlsx_merges_anchor(struct dahub_xlsx *x, struct xlsx_merges *ms, size_t i,
                       enum dahub_xlsx_type type, const char *text, size_t len,
                       struct dahub_error *err);
void xlsx_merges_free(struct xlsx_merges *ms);

#endif
