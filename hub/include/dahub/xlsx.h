/*
 * dahub/xlsx.h: a streaming reader for partner returns saved as .xlsx.
 *
 * An .xlsx is a zip holding XML parts: the workbook (sheet names, the date
 * system), its relationships (which part is which sheet), the styles (which
 * cells show a date), the shared strings and one part per sheet. The reader
 * opens the zip with libzip from the caller's bytes (a zip's directory is at
 * its end, so the compressed file is needed whole), reads the small parts at
 * open, and then streams the chosen sheet through expat one row at a time:
 * the expanded sheet never sits in memory, only the row being read, the
 * shared-string table (bounded by max_shared_bytes) and the merged ranges.
 *
 * Each row comes back dense from column A to its last cell, as text: shared
 * and inline strings (rich-text runs joined, Excel's _xHHHH_ escapes of
 * control characters decoded), numbers as Excel wrote them
 * ("31", "0.25", "1E-3"), booleans as TRUE/FALSE, error cells as Excel shows
 * them ("#N/A"), the cached value of a formula, and dates (a number whose
 * format is a date format, built-in or custom) as ISO 8601 text under the
 * workbook's date system, 1900 (with Excel's fictitious 29 February 1900) or
 * 1904. A merged range's value fills every cell of the range. Rows that the
 * sheet leaves out are not returned; row numbers say where each row is.
 *
 * Hostile input is refused, not survived by luck: too many zip entries, an
 * expanded size or compression ratio beyond the limits (checked from the zip
 * directory before inflating and again while inflating), any DOCTYPE (so no
 * entities, internal or external), XML nested too deep, too many columns,
 * too long a row. Every error says which part, and in a sheet which sheet
 * and cell; line and col are the cell's row and column (1-based) when known.
 * Pure code, no globals: one reader per thread.
 */
#ifndef DAHUB_XLSX_H
#define DAHUB_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/error.h"

struct dahub_xlsx_options {
  const char *sheet;      /* by name (borrowed during open); NULL: number */
  uint32_t sheet_number;  /* 1-based, in the workbook's order; 0 means 1 */
  uint32_t max_entries;   /* files in the zip */
  uint64_t max_expanded;  /* bytes of the parts read, inflated, added up */
  uint32_t max_ratio;     /* inflated/compressed, for parts over 1 MiB */
  uint32_t max_shared;    /* bytes held for the shared-string table */
  uint32_t max_columns;   /* the last column a cell may be in */
  uint32_t max_row_bytes; /* text of one row, all cells together */
  uint32_t max_depth;     /* XML elements nested */
  uint32_t max_merges;    /* merged ranges in the sheet */
};

enum dahub_xlsx_type {
  DAHUB_XLSX_BLANK = 0, /* no cell, or a cell with no value: text "" */
  DAHUB_XLSX_NUMBER,    /* as Excel wrote it: "31", "-0.5", "1.5E-3" */
  DAHUB_XLSX_TEXT,      /* shared, inline, or a formula's text result */
  DAHUB_XLSX_BOOL,      /* "TRUE" or "FALSE" */
  DAHUB_XLSX_ERROR,     /* "#N/A", "#DIV/0!", ... */
  DAHUB_XLSX_DATE,      /* "2024-04-01", "2024-04-01T09:30:00", "09:30:00" */
};

struct dahub_xlsx_cell {
  enum dahub_xlsx_type type;
  const char *text; /* NUL-terminated UTF-8 */
  size_t len;       /* its length in bytes */
};

/* One row, borrowed from the reader until the next call. */
struct dahub_xlsx_row {
  uint32_t row;                       /* 1-based, as Excel numbers rows */
  size_t n;                           /* cells, from column A */
  const struct dahub_xlsx_cell *cell; /* cell[i]: column i + 1 */
};

struct dahub_xlsx; /* opaque */

#define DAHUB_XLSX_DEFAULT_MAX_EXPANDED (128u << 20) /* 128 MiB */
#define DAHUB_XLSX_DEFAULT_MAX_SHARED (16u << 20)    /* 16 MiB */
#define DAHUB_XLSX_MAX_COLUMNS 16384u                /* XFD, Excel's last */

/* Fills o with the defaults: sheet 1; 1,000 entries; 128 MiB expanded;
 * ratio 200; 16 MiB of shared strings; 4,096 columns; 1 MiB a row; depth
 * 64; 10,000 merged ranges. */
void dahub_xlsx_options_init(struct dahub_xlsx_options *o);

/* 1 when the first bytes look like a zip (the caller then opens it to learn
 * whether it holds a workbook), else 0. */
int dahub_xlsx_sniff(const void *head, size_t len);

/* Opens the workbook in data[0..len) (borrowed: it must outlive the
 * reader), reads its workbook, relationships, styles and shared strings,
 * and finds the sheet. 0; or -EINVAL (bad option), -ENOENT (no such sheet),
 * -EMSGSIZE (a limit), -EILSEQ (not an xlsx, or malformed), -ENOMEM, with
 * err. OUT: caller frees *out with dahub_xlsx_free(). */
int dahub_xlsx_open(const struct dahub_xlsx_options *opt, const void *data,
                    size_t len, struct dahub_xlsx **out,
                    struct dahub_error *err);

/* The chosen sheet's name, borrowed from the reader. */
const char *dahub_xlsx_sheet_name(const struct dahub_xlsx *x);

/* Reads the next row into row. 1: a row; 0: end of sheet; negative: an
 * error (codes as for open) with err naming sheet and cell. After an error
 * the reader returns the same code again. */
int dahub_xlsx_next(struct dahub_xlsx *x, struct dahub_xlsx_row *row,
                    struct dahub_error *err);

/* Writes a cell's A1 reference ("C7") into buf (at least 16 bytes). */
void dahub_xlsx_ref(char *buf, size_t cap, uint32_t row, uint32_t col);

/* Puts 'sheet "NAME" cell C7: ' (or 'row 7' when e->col is 0) before
 * e->msg, so that an error about a cell of a sheet names it as Excel does;
 * nothing when e is about no row, or already names its sheet (as this
 * reader's errors do). The message is cut at a character boundary. */
void dahub_xlsx_locate(struct dahub_error *e, const char *sheet);

/* Reads an A1 reference as a person writes it: "C7", "c7" or "$C$7"
 * (1-based row and column, within Excel's 1,048,576 rows and 16,384
 * columns). 0, or -EINVAL for anything else. */
int dahub_xlsx_parse_a1(const char *s, uint32_t *row, uint32_t *col);

/* Frees the reader at any point. NULL is a no-op. */
void dahub_xlsx_free(struct dahub_xlsx *x);

#endif
