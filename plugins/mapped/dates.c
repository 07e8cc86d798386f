/*
 * dates.c: one cell read as a calendar date (see dates.h).
 *
 * Partners' spreadsheets write the same day many ways, and Excel exports
 * whatever the sender's regional settings said. We accept the UK forms,
 * day first, with '/', '.' or '-' between the parts, and ISO 8601 (year
 * first, '-' only). US month-first dates cannot be told apart from UK ones
 * and are not guessed at: 04/05/2024 is the 4th of May.
 *
 * Whether the day exists (leap years included) is dahub_date_valid's call,
 * so the hub and every plugin agree on what a date is. Pure code: no
 * allocation, no locale, safe on any thread.
 */
#include "dates.h"

#include <errno.h>

#include "dahub/period.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Reads 1 to max digits at *p (not past e) into *out; advances *p.
 * Returns how many digits were read. */
static int number(const char **p, const char *e, int max, int *out) {
  int n = 0;

  *out = 0;
  while (*p < e && n < max && is_digit(**p)) {
    *out = *out * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  return n;
}

int dates_parse(const char *s, size_t len, int *y, int *m, int *d) {
  const char *p = s, *e = s + len;
  int a, b, c, na, nb, nc;
  char sep;

  while (p < e && (*p == ' ' || *p == '\t'))
    p++;
  while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    e--;
  na = number(&p, e, 4, &a);
  if (na == 0 || p == e || (*p != '/' && *p != '.' && *p != '-'))
    return -EINVAL;
  sep = *p++;
  nb = number(&p, e, 2, &b);
  if (nb == 0 || p == e || *p != sep)
    return -EINVAL;
  p++;
  nc = number(&p, e, 4, &c);
  if (p != e || nc == 0)
    return -EINVAL;
  if (na == 4) { /* ISO: 2024-04-01 */
    if (sep != '-' || nc > 2)
      return -EINVAL;
    *y = a;
    *m = b;
    *d = c;
  } else { /* day first: 13.06.2022, 01/10/22 */
    if (na > 2 || (nc != 2 && nc != 4))
      return -EINVAL;
    *y = nc == 2 ? 2000 + c : c;
    *m = b;
    *d = a;
  }
  return dahub_date_valid(*y, *m, *d) ? 0 : -ERANGE;
}
