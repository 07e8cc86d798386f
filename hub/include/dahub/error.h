/*
 * dahub/error.h: how the hub and plugins say what went wrong.
 *
 * A function returns 0 or a negative errno-style code for the program, and
 * fills a struct dahub_error for the person who will read the reason: the
 * data lead (in failed/<name>.error.json) or the officer (in `dahub check`).
 * Everything here is static inline so a plugin needs no hub symbol.
 */
#ifndef DAHUB_ERROR_H
#define DAHUB_ERROR_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct dahub_error {
  char where[256];    /* file as the user knows it, or empty */
  uint32_t line, col; /* 1-based; 0 when not about a position */
  char field[64];     /* column header or config key, or empty */
  char expected[128]; /* what would have been right, or empty */
  char found[128];    /* what was there (cell text), or empty: the only
                         place for the file's text (dahub/plugin.h) */
  char msg[256];      /* one sentence for a person */
  /* What kind of problem it is, for programs and for the plain words the
   * data lead reads (failed/<name>.error.txt): one of the DAHUB_CODE_*
   * below, or empty when none fits (the message is then shown as it is).
   * Appended: a plugin built before it leaves it as the hub zeroed it. */
  char code[32];
};

/* The kinds of problem the hub words for a data lead; set with
 * dahub_error_code() after dahub_error_set(). */
#define DAHUB_CODE_EMPTY_FILE "empty_file"     /* nothing in the file */
#define DAHUB_CODE_NO_FIGURES "no_figures"     /* a header, no rows */
#define DAHUB_CODE_TOO_LARGE "too_large"       /* over the size limit */
#define DAHUB_CODE_NOT_A_FILE "not_a_file"     /* a link, pipe or device */
#define DAHUB_CODE_ENCODING "wrong_encoding"   /* not text of the encoding */
#define DAHUB_CODE_DELIMITER "wrong_delimiter" /* cells split by another */
#define DAHUB_CODE_NO_HEADER "no_header"       /* the template's header */
#define DAHUB_CODE_NO_COLUMN "no_column"       /* a column of the template */
#define DAHUB_CODE_NO_SHEET "no_sheet"         /* a sheet of the workbook */
#define DAHUB_CODE_NOT_A_NUMBER "not_a_number" /* text where a figure goes */
#define DAHUB_CODE_PERIOD "bad_period"         /* no period can be read */
#define DAHUB_CODE_DATE "bad_date"             /* no date can be read */
#define DAHUB_CODE_LABEL "unknown_label"       /* a label nobody listed */
#define DAHUB_CODE_BLANK "blank_cell"          /* blank, where text goes */
#define DAHUB_CODE_BAD_VALUE "bad_value" /* a figure its measure cannot be */

/* A cell's delimiter, as found for DAHUB_CODE_DELIMITER's found and
 * expected: words of the hub's, never a cell's text, so kept as they are
 * for any feed (hub/intake/redact.c). */
#define DAHUB_DELIM_COMMAS "commas"
#define DAHUB_DELIM_SEMICOLONS "semicolons"
#define DAHUB_DELIM_TABS "tabs"

/* found may list several cells (a header row's): each is followed by this
 * byte, so that the hub quotes, cuts or describes each by itself. */
#define DAHUB_FOUND_SEP '\x1f'

/* Fills e (may be NULL) with a position and a message; returns code, so that
 * "return dahub_error_set(err, -EINVAL, line, col, "...")" reads naturally.
 * field/expected/found and code are cleared: set them after with
 * dahub_error_detail and dahub_error_code. */
static inline int dahub_error_set(struct dahub_error *e, int code,
                                  uint32_t line, uint32_t col, const char *fmt,
                                  ...) __attribute__((format(printf, 5, 6)));

static inline int dahub_error_set(struct dahub_error *e, int code,
                                  uint32_t line, uint32_t col, const char *fmt,
                                  ...) {
  va_list ap;

  if (e == NULL)
    return code;
  e->line = line;
  e->col = col;
  e->field[0] = e->expected[0] = e->found[0] = e->code[0] = '\0';
  va_start(ap, fmt);
  (void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

/* Copies s into dst (n bytes), cut if need be at a UTF-8 character
 * boundary, always NUL-ended. s may be NULL (copied as ""). */
static inline void dahub_error_copy(char *dst, size_t n, const char *s) {
  size_t len = s != NULL ? strlen(s) : 0;

  if (len >= n) {
    len = n - 1;
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
      len--; /* do not split a character */
  }
  if (len > 0)
    memcpy(dst, s, len);
  dst[len] = '\0';
}

/* Adds what a data lead needs to fix a cell; any argument may be NULL. */
static inline void dahub_error_detail(struct dahub_error *e, const char *field,
                                      const char *expected, const char *found) {
  if (e == NULL)
    return;
  dahub_error_copy(e->field, sizeof e->field, field);
  dahub_error_copy(e->expected, sizeof e->expected, expected);
  dahub_error_copy(e->found, sizeof e->found, found);
}

/* Says what kind of problem e is (a DAHUB_CODE_*); e may be NULL. */
static inline void dahub_error_code(struct dahub_error *e, const char *code) {
  if (e != NULL)
    dahub_error_copy(e->code, sizeof e->code, code);
}

#endif
