/*
 * book.h: what the xlsx sink's files share: the workbook being built, its
 * formats, and the two sheets (figures.c, notes.c).
 */
#ifndef DAHUB_XLSX_BOOK_H
#define DAHUB_XLSX_BOOK_H

#include <stddef.h>

#include <jansson.h>
#include <xlsxwriter.h>

#include "dahub/error.h"

/* The board pack's words for the markers that are not confidential, so an
 * officer reads the same marker in the pack and the workbook. */
#define BOOK_LOW_MARKER "[low]"
#define BOOK_MISSING_MARKER "[x]"
#define BOOK_MAX_DECIMALS 3
#define BOOK_MAX_WIDTH 60 /* characters: a longer text wraps, not the sheet */

struct book {
  lxw_workbook *wb;
  const json_t *summary; /* borrowed */
  const char *marker;    /* the confidential marker, from the summary */
  lxw_format *header, *title, *bold, *text, *marker_cell;
  lxw_format *number[BOOK_MAX_DECIMALS + 1]; /* by decimal places */
};

/* Widest text seen per column, for the column widths. */
struct widths {
  size_t w[16];
};

/* The sheet of figures and rates. 0, or negative with err. */
int book_figures(struct book *b, struct dahub_error *err);
/* The sheet of completeness, markers and data notes. 0, or negative. */
int book_notes(struct book *b, struct dahub_error *err);

/* Writes text at (row, col) in fmt and widens col in w to fit it. Strings
 * are written as strings, never as formulas, whatever they start with. */
int book_text(struct book *b, lxw_worksheet *ws, struct widths *w,
              lxw_row_t row, lxw_col_t col, const char *text, lxw_format *fmt);
/* Writes a JSON number (an integer, or a decimal the summary gives as a
 * string such as "32.4") as a number cell; 1 when v was one, 0 when not
 * (nothing written), negative on error. */
int book_number(struct book *b, lxw_worksheet *ws, struct widths *w,
                lxw_row_t row, lxw_col_t col, const json_t *v);
/* Sets each column of ws to its widest text, between its header's and
 * BOOK_MAX_WIDTH. */
int book_widths(lxw_worksheet *ws, const struct widths *w, size_t n);
/* The library's error as the sink's. */
int book_error(struct dahub_error *err, lxw_error e, const char *what);

#endif
