/*
 * number.c: read one cell of a partner return as a number, exactly.
 *
 * Called by source plugins for every value cell, on worker threads. The
 * cell is looked at from the outside in: spaces (and the no-break space
 * Excel uses) are trimmed, then a trailing "(note)" is set aside, then the
 * rest must be one of: "*" or "<N" (suppressed at source, with its bound),
 * or an optional estimate word, sign and '£', digits, an optional '%'.
 * Anything else is TEXT, never a guess: "1,2,3" is not 123, and "1.5" in a
 * decimal-comma file is not 15.
 *
 * Digits accumulate into an int64 with an overflow check before each step,
 * so 400 digits are an error result, not undefined behaviour. The scale is
 * the number of decimal places written, so "96,50" keeps its 2 places; no
 * floating point is involved anywhere.
 */
#include "dahub/number.h"

#include <errno.h>
#include <string.h>

#define NUM_MAX_SCALE 18

static int num_digit(char c) { return c >= '0' && c <= '9'; }

static int num_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The length of the space at p (a no-break space U+00A0 is two bytes), or
 * 0 if there is none. */
static size_t num_space(const char *p, const char *e) {
  if (p == e)
    return 0;
  if (num_ascii_space(*p))
    return 1;
  if (e - p >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
    return 2;
  return 0;
}

/* The same, for the space that ends just before e. */
static size_t num_space_before(const char *p, const char *e) {
  if (p == e)
    return 0;
  if (num_ascii_space(e[-1]))
    return 1;
  if (e - p >= 2 && (unsigned char)e[-2] == 0xC2 &&
      (unsigned char)e[-1] == 0xA0)
    return 2;
  return 0;
}

static void num_trim(const char **pp, const char **ep) {
  size_t n;

  while ((n = num_space(*pp, *ep)) != 0)
    *pp += n;
  while ((n = num_space_before(*pp, *ep)) != 0)
    *ep -= n;
}

static void num_skip_spaces(const char **pp, const char *e) {
  size_t n;

  while ((n = num_space(*pp, e)) != 0)
    *pp += n;
}

/* Case-insensitive ASCII prefix; advances *pp past it when it matches. */
static int num_word(const char **pp, const char *e, const char *w) {
  size_t i, n = strlen(w);

  if ((size_t)(e - *pp) < n)
    return 0;
  for (i = 0; i < n; i++) {
    char c = (*pp)[i];

    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != w[i])
      return 0;
  }
  *pp += n;
  return 1;
}

/* Adds one digit; sets *over instead of overflowing. */
static void num_push(uint64_t *v, char c, int *over) {
  unsigned d = (unsigned)(c - '0');

  if (*over || *v > ((uint64_t)INT64_MAX - d) / 10) {
    *over = 1;
    return;
  }
  *v = *v * 10 + d;
}

/* Reads "1234", "1,234,567" or "1.234.567" (decimal comma), then optional
 * decimals. 0 with *pp advanced, or -1 when the shape is not a number. An
 * overflow only sets *over: the caller decides whether the cell was a number
 * at all before calling it one that is too large. */
static int num_digits(const char **pp, const char *e, unsigned flags,
                      uint64_t *v, unsigned *scale, int *over) {
  char group = (flags & DAHUB_NUM_DECIMAL_COMMA) ? '.' : ',';
  char point = (flags & DAHUB_NUM_DECIMAL_COMMA) ? ',' : '.';
  const char *p = *pp;
  size_t lead = 0;

  *v = 0;
  *scale = 0;
  for (; p < e && num_digit(*p); p++, lead++)
    num_push(v, *p, over);
  if (lead == 0)
    return -1;
  if (p < e && *p == group) {
    if (lead > 3)
      return -1;
    while (p < e && *p == group) {
      /* Exactly three digits after each separator, and no fourth. */
      if (e - p < 4 || !num_digit(p[1]) || !num_digit(p[2]) ||
          !num_digit(p[3]) || (e - p > 4 && num_digit(p[4])))
        return -1;
      num_push(v, p[1], over);
      num_push(v, p[2], over);
      num_push(v, p[3], over);
      p += 4;
    }
  }
  if (p < e && *p == point) {
    p++;
    if (p == e || !num_digit(*p))
      return -1;
    for (; p < e && num_digit(*p); p++) {
      num_push(v, *p, over);
      if (++*scale > NUM_MAX_SCALE)
        *over = 1;
    }
  }
  *pp = p;
  return 0;
}

/* Sets aside a trailing "(...)": "86 (Q1+Q2)" leaves "86" and "Q1+Q2". */
static void num_note(const char *p, const char **ep, struct dahub_number *out) {
  const char *e = *ep, *open = NULL, *q, *np, *ne;

  if (e == p || e[-1] != ')')
    return;
  for (q = p; q < e - 1; q++)
    if (*q == '(')
      open = q;
  if (open == NULL || open == p)
    return;
  np = open + 1;
  ne = e - 1;
  num_trim(&np, &ne);
  out->note = np;
  out->note_len = (size_t)(ne - np);
  *ep = open;
}

static int num_text(struct dahub_number *out, int code) {
  out->kind = DAHUB_NUM_TEXT;
  out->value = 0;
  out->scale = 0;
  out->bound = 0;
  out->note = NULL;
  out->note_len = 0;
  return code;
}

int dahub_number_parse(const char *s, size_t len, unsigned flags,
                       struct dahub_number *out) {
  const char *p = s, *e = s + len;
  uint64_t v;
  unsigned scale;
  int neg = 0, over = 0;

  memset(out, 0, sizeof *out);
  num_trim(&p, &e);
  if (p == e) {
    out->kind = DAHUB_NUM_BLANK;
    return 0;
  }
  num_note(p, &e, out);
  num_trim(&p, &e);
  if (e - p == 1 && *p == '*') {
    out->kind = DAHUB_NUM_SUPPRESSED;
    return 0;
  }
  if (*p == '<') {
    p++;
    num_skip_spaces(&p, e);
    if (num_digits(&p, e, flags, &v, &scale, &over) != 0 || scale != 0 ||
        p != e)
      return num_text(out, 0);
    if (over)
      return num_text(out, -ERANGE);
    out->kind = DAHUB_NUM_SUPPRESSED;
    out->bound = (int64_t)v;
    return 0;
  }
  /* Longest first: "approx" would leave the '.' of "approx." behind. */
  if (num_word(&p, e, "approximately") || num_word(&p, e, "approx.") ||
      num_word(&p, e, "approx") || num_word(&p, e, "circa") ||
      num_word(&p, e, "c.") || num_word(&p, e, "~")) {
    out->estimated = 1;
    num_skip_spaces(&p, e);
  }
  if (p < e && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  if (num_word(&p, e, "\xC2\xA3")) { /* £ in UTF-8 */
    out->currency = 1;
    num_skip_spaces(&p, e);
    if (p < e && (*p == '-' || *p == '+') && !neg)
      neg = *p++ == '-';
  }
  if (num_digits(&p, e, flags, &v, &scale, &over) != 0)
    return num_text(out, 0);
  num_skip_spaces(&p, e);
  if (p < e && *p == '%') {
    out->percent = 1;
    p++;
  }
  if (p != e)
    return num_text(out, 0);
  if (over)
    return num_text(out, -ERANGE);
  out->kind = DAHUB_NUM_NUMBER;
  out->value = neg ? -(int64_t)v : (int64_t)v;
  out->scale = (uint8_t)scale;
  return 0;
}
