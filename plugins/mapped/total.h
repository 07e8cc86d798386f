/*
 * total.h: checking a return's TOTAL column or row against its parts
 * (private to the mapped plugin; the language: docs/mapping.md).
 */
#ifndef MAPPED_TOTAL_H
#define MAPPED_TOTAL_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* What the parts of a total allow it to be: lo..hi, or at least lo when
 * open (a blank, "*" or text part could be anything). Only whole numbers
 * are checked: a decimal or a percentage turns checking off. */
struct total_range {
  int64_t lo, hi;
  int open;
  int off;
};

void total_start(struct total_range *t);
/* Adds one part, as the cell reads ("<5" is 0..4). */
void total_add(struct total_range *t, const char *cell, size_t len,
               unsigned number_flags);
/* Compares the total cell (line, column j) with its parts; a mismatch is a
 * warning "<what> does not add up: <parts_name> give ..., the total is
 * ...". A blank or text total is not checked. */
void total_check(struct run *r, const struct total_range *parts,
                 const char *cell, size_t len, uint32_t line, size_t j,
                 const char *what, const char *parts_name);

/* Wide layout, per data row: adds its cells to each across column's
 * parts and checks the row's total column. */
void total_row_parts(struct run *r, const struct dahub_csv_row *row);
/* 1 when the row is a total row: its cells are checked against the rows
 * above (since the header or the last total row), which start again. */
int total_row(struct run *r, const struct dahub_csv_row *row);

#endif
