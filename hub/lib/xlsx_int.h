/*
 * xlsx_int.h: what the XLSX reader's files share (see dahub/xlsx.h).
 *
 * xlsx_zip.c holds the zip and streams one part through a hardened expat
 * parser; xlsx_book.c reads the workbook, its relationships, the styles and
 * the shared strings at open; xlsx_sheet.c streams the sheet's rows and
 * xlsx_merge.c fills merged ranges; xlsx_date.c knows Excel's dates.
 */
#ifndef DAHUB_XLSX_INT_H
#define DAHUB_XLSX_INT_H

#include <expat.h>
#include <stddef.h>
#include <stdint.h>
#include <zip.h>

#include "dahub/xlsx.h"

/* The shared strings: one arena of NUL-ended strings and their offsets. */
struct xlsx_strtab {
  char *buf;
  size_t len, cap;
  uint32_t *off;
  size_t n, cap_n;
};

struct xlsx_sheet; /* xlsx_sheet.c */

struct dahub_xlsx {
  struct dahub_xlsx_options opt;
  zip_t *za;
  uint64_t expanded; /* declared sizes of the parts opened, added up */
  int date1904;
  char *sheet_name;
  char label[96]; /* "sheet \"Q1\"", for messages */
  char *sheet_part;
  char *shared_part, *styles_part;
  uint8_t *xf_date; /* per cell format (the s attribute): 1 if a date */
  size_t n_xf;
  struct xlsx_strtab sst;
  uint64_t held; /* bytes of text held for the whole sheet (max_shared) */
  struct xlsx_sheet *sheet;
  int failed; /* the code every later call returns, or 0 */
  struct dahub_error failed_err;
};

/* Element callbacks get the local name (any "x:" prefix dropped) and
 * return 0 to go on, 1 to pause the parse (xlsx_xml_run returns 1), or a
 * negative code after filling the reader's error. */
struct xlsx_xml_handlers {
  int (*start)(void *arg, const char *name, const char **attr);
  int (*end)(void *arg, const char *name);
  void (*text)(void *arg, const char *s, int len);
  void *arg;
};

struct xlsx_xml {
  XML_Parser p;
  zip_file_t *f;
  struct xlsx_xml_handlers h;
  struct dahub_xlsx *x;
  struct dahub_error *err;
  const char *label;  /* part or sheet, for messages */
  uint64_t size, got; /* declared and inflated bytes */
  uint32_t depth;
  int rc;    /* a handler's error, or a limit's */
  int state; /* 0 reading, 1 final chunk fed, 2 done */
};

/* Opens the zip in data and checks its entry count. */
int xlsx_zip_open(struct dahub_xlsx *x, const void *data, size_t len,
                  struct dahub_error *err);
/* Opens part for streaming: checks its sizes against the limits and makes
 * a parser that refuses DOCTYPE and deep nesting. -ENOENT if absent. */
int xlsx_xml_open(struct dahub_xlsx *x, const char *part, const char *label,
                  const struct xlsx_xml_handlers *h, struct xlsx_xml *xml,
                  struct dahub_error *err);
/* Parses on: 0 at the end of the part, 1 paused by a handler, negative on
 * an error (err filled). err replaces the one given at open. */
int xlsx_xml_run(struct xlsx_xml *xml, struct dahub_error *err);
void xlsx_xml_close(struct xlsx_xml *xml);
/* Opens, runs to the end and closes. */
int xlsx_xml_parse(struct dahub_xlsx *x, const char *part, const char *label,
                   const struct xlsx_xml_handlers *h, struct dahub_error *err);
/* The value of attribute name (local name) or NULL. */
const char *xlsx_attr(const char **attr, const char *name);
/* The local part of an XML name. */
const char *xlsx_local(const char *name);

/* Workbook, relationships, styles and shared strings (xlsx_book.c). */
int xlsx_book_read(struct dahub_xlsx *x, struct dahub_error *err);
void xlsx_book_free(struct dahub_xlsx *x);

/* The sheet's stream (xlsx_sheet.c). */
int xlsx_sheet_open(struct dahub_xlsx *x, struct dahub_error *err);
int xlsx_sheet_next(struct dahub_xlsx *x, struct dahub_xlsx_row *row,
                    struct dahub_error *err);
void xlsx_sheet_free(struct xlsx_sheet *s);

/* Parses "AB12" (row part optional): column 1..16384, row 0 if absent.
 * 0, or -1 when it is not a reference. */
int xlsx_parse_ref(const char *s, uint32_t *col, uint32_t *row);

/* Decodes Excel's _xHHHH_ escapes in s[0..len) in place (xlsx.c); the new
 * length. */
size_t xlsx_unescape(char *s, size_t len);

/* Dates (xlsx_date.c). */
int xlsx_builtin_is_date(uint32_t id);
int xlsx_format_is_date(const char *code);
/* Writes serial as ISO 8601 text under the date system; the length, or -1
 * when the serial is no date Excel shows (negative, past 9999). */
int xlsx_serial_text(double serial, int date1904, char *buf, size_t cap);

#endif
