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
};

/* Fills e (may be NULL) with a position and a message; returns code, so that
 * "return dahub_error_set(err, -EINVAL, line, col, "...")" reads naturally.
 * field/expected/found are cleared: set them after with dahub_error_detail. */
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
  e->field[0] = e->expected[0] = e->found[0] = '\0';
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

#endif
