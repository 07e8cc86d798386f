/*
 * store_textform.c: which of a figure's partner texts must be kept
 * (store_textform.h).
 *
 * The views say the text again (store_schema.c, 9; pg/pgstore_schema.c):
 * form 1 is the value's plain digits, 2 the value with thousands commas (as
 * SQLite's printf('%,d') writes it), 3 a text kept beside the figure. Only
 * a whole value can be said again; "12.50", "<5" and "approx. 40" are kept.
 */
#include "store_textform.h"

#include <string.h>

int store_text_form(const struct store_obs *o) {
  char digits[24], *d = digits + sizeof digits;
  const char *r = o->raw;
  uint64_t u;
  size_t n;

  if (r == NULL)
    return STORE_TEXT_NONE;
  if ((o->status != DAHUB_ACTUAL && o->status != DAHUB_ESTIMATED) ||
      o->scale != 0)
    return STORE_TEXT_KEPT;
  u = o->value < 0 ? 0 - (uint64_t)o->value : (uint64_t)o->value;
  do
    *--d = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  n = (size_t)(digits + sizeof digits - d);
  if (o->value < 0 && *r++ != '-')
    return STORE_TEXT_KEPT;
  if (strlen(r) == n && memcmp(r, d, n) == 0)
    return STORE_TEXT_DIGITS;
  for (size_t i = 0; i < n; i++) { /* 1,234,567: a comma before each group */
    if (i > 0 && (n - i) % 3 == 0 && *r++ != ',')
      return STORE_TEXT_KEPT;
    if (*r++ != d[i])
      return STORE_TEXT_KEPT;
  }
  return *r == '\0' && n > 3 ? STORE_TEXT_COMMAS : STORE_TEXT_KEPT;
}
