/*
 * dahub/number.h: what one cell of a partner return says.
 *
 * A cell is a number ("1,127,205", "96,5", "£63,000", "31%", "approx.
 * 33,000", "86 (Q1+Q2)"), blank (not reported: never zero), suppressed at
 * source ("<5", "< 10", "*") or text ("similar to Q2"). Numbers are exact:
 * an int64 and a count of decimal places, no floating point. Pure function,
 * no allocation: safe on any thread and in plugins (static library).
 */
#ifndef DAHUB_NUMBER_H
#define DAHUB_NUMBER_H

#include <stddef.h>
#include <stdint.h>

enum dahub_num_kind {
  DAHUB_NUM_NUMBER = 0,     /* value / 10^scale */
  DAHUB_NUM_BLANK = 1,      /* empty or only spaces: missing */
  DAHUB_NUM_SUPPRESSED = 2, /* "<5": bound 5; "*": bound 0 */
  DAHUB_NUM_TEXT = 3,       /* anything else, or a number too large */
};

/* Flags for dahub_number_parse. */
#define DAHUB_NUM_DECIMAL_COMMA 1u /* "96,5" is 96.5, "63.000" 63000 */

struct dahub_number {
  enum dahub_num_kind kind;
  int64_t value;     /* NUMBER: -12.50 is value -1250, scale 2 */
  uint8_t scale;     /* NUMBER: decimal places as written, at most 18 */
  int64_t bound;     /* SUPPRESSED: 5 for "<5", 0 for "*" */
  uint8_t percent;   /* a trailing '%' was there */
  uint8_t estimated; /* "approx.", "approximately", "circa", "c.", "~" */
  uint8_t currency;  /* a leading '£' was there */
  const char *note;  /* NUMBER or SUPPRESSED: the text inside a trailing
                        "(...)", trimmed, pointing into the cell; or NULL */
  size_t note_len;
};

/* Reads len bytes of s (UTF-8, need not be NUL-terminated). Spaces around
 * the cell, a leading '-' or '+', a '£', thousands separators in groups of
 * three (',' or, with DAHUB_NUM_DECIMAL_COMMA, '.') are accepted; a badly
 * grouped number ("1,2,3") is TEXT. Returns 0 with out filled, or -ERANGE
 * when a number does not fit (more than 18 decimal places or beyond int64):
 * out->kind is then TEXT, so a caller that only looks at kind stays safe. */
int dahub_number_parse(const char *s, size_t len, unsigned flags,
                       struct dahub_number *out);

#endif
