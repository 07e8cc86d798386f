/*
 * fuzz_number.c: one cell read as a number (hub/lib/number.c).
 *
 * Byte 0 bit 0 sets DAHUB_NUM_DECIMAL_COMMA; the rest is the cell, not
 * NUL-terminated. A NUMBER must come back the same when written plainly
 * ("-1234.50") and read again; a note must lie inside the cell.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dahub/number.h"
#include "fuzz.h"

/* Writes value / 10^scale with no grouping: -1250, 2 gives "-12.50". */
static void plain(const struct dahub_number *n, char *buf, size_t cap) {
  char digits[48];
  uint64_t mag =
      n->value < 0 ? (uint64_t)0 - (uint64_t)n->value : (uint64_t)n->value;
  /* At least scale + 1 digits, so there is one before the point. */
  int len = snprintf(digits, sizeof digits, "%0*" PRIu64, n->scale + 1, mag);
  int lead = len - n->scale;
  int w;

  fuzz_check(len > 0 && (size_t)len < sizeof digits, "digits fit");
  w = snprintf(buf, cap, "%s%.*s%s%s", n->value < 0 ? "-" : "", lead, digits,
               n->scale ? "." : "", digits + lead);
  fuzz_check(w > 0 && (size_t)w < cap, "plain form fits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct dahub_number n, again;
  const char *s = (const char *)data + 1;
  unsigned flags;
  size_t len;
  char buf[64];
  int rc;

  if (size < 1)
    return 0;
  flags = (data[0] & 1) ? DAHUB_NUM_DECIMAL_COMMA : 0;
  len = size - 1;
  rc = dahub_number_parse(s, len, flags, &n);
  fuzz_check(rc == 0 || rc == -ERANGE, "returns 0 or -ERANGE");
  if (rc == -ERANGE)
    fuzz_check(n.kind == DAHUB_NUM_TEXT, "-ERANGE leaves TEXT");
  fuzz_check(n.kind >= DAHUB_NUM_NUMBER && n.kind <= DAHUB_NUM_TEXT,
             "kind in range");
  if (n.note != NULL)
    fuzz_check(n.note >= s && n.note + n.note_len <= s + len,
               "note lies inside the cell");
  switch (n.kind) {
  case DAHUB_NUM_NUMBER:
    fuzz_check(n.scale <= 18, "at most 18 decimal places");
    plain(&n, buf, sizeof buf);
    fuzz_check(dahub_number_parse(buf, strlen(buf), 0, &again) == 0 &&
                   again.kind == DAHUB_NUM_NUMBER && again.value == n.value &&
                   again.scale == n.scale,
               "a number reads back the same written plainly");
    break;
  case DAHUB_NUM_SUPPRESSED:
    fuzz_check(n.bound >= 0, "a bound is not negative");
    break;
  case DAHUB_NUM_BLANK:
  case DAHUB_NUM_TEXT:
    fuzz_check(n.value == 0 && n.scale == 0 && n.note == NULL,
               "no value or note without a number");
    break;
  }
  return 0;
}
