/*
 * date.c: calendar dates (see dahub/date.h).
 *
 * Partners' spreadsheets write the same day many ways, and Excel exports
 * whatever the sender's regional settings said. We accept the UK forms,
 * day first, with '/', '.' or '-' between the parts, and ISO 8601 (year
 * first, '-' only). US month-first dates cannot be told apart from UK ones
 * and are not guessed at: 04/05/2024 is the 4th of May.
 *
 * Day counts use the proleptic Gregorian calendar through the era
 * arithmetic of H. Hinnant's days_from_civil, not timegm()/gmtime_r():
 * those depend on the C library's time_t range and, for gmtime_r, can fail
 * and leave their output unset; here every input has an answer, and a day
 * past a month's end runs on as timegm() would, so a date moved by months
 * here agrees with one the hub used to work out in seconds. Years a date
 * may hold are 1900..2999 (dahub_date_valid), which bounds the arithmetic
 * on them in period.c. Pure code: no allocation, no locale, any thread.
 */
#include "dahub/date.h"

#include <errno.h>
#include <stdio.h>

#define YEAR_MIN 1900
#define YEAR_MAX 2999

int dahub_date_month_days(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap;

  if (m < 1 || m > 12)
    return 0;
  leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return days[m - 1] + (m == 2 && leap);
}

int dahub_date_valid(int y, int m, int d) {
  if (y < YEAR_MIN || y > YEAR_MAX || d < 1)
    return 0;
  return d <= dahub_date_month_days(y, m);
}

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

int dahub_date_parse(const char *s, size_t len, int *y, int *m, int *d) {
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

void dahub_date_format(int y, int m, int d, char buf[DAHUB_DATE_ISO_MAX]) {
  (void)snprintf(buf, DAHUB_DATE_ISO_MAX, "%04u-%02u-%02u",
                 (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* Floor division: the era and day of a negative count round down. */
static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t dahub_date_days(int y, int m, int d) {
  /* Years start in March, so a leap day is the last of its year. */
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = floor_div(yy, 400);
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at s; -1 when they are not all digits. */
static int fixed(const char *s, int n) {
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (!is_digit(s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int dahub_date_parse_time(const char *s, int64_t *t) {
  int y, m, d, hh = 0, mm = 0, ss = 0;

  /* each check stops at the first character that differs, so none reads
   * past the NUL of a short string */
  if ((y = fixed(s, 4)) < 0 || s[4] != '-' || (m = fixed(s + 5, 2)) < 0 ||
      s[7] != '-' || (d = fixed(s + 8, 2)) < 0)
    return -EINVAL;
  if (s[10] == 'T') {
    if ((hh = fixed(s + 11, 2)) < 0 || s[13] != ':' ||
        (mm = fixed(s + 14, 2)) < 0 || s[16] != ':' ||
        (ss = fixed(s + 17, 2)) < 0 || s[19] != 'Z' || s[20] != '\0')
      return -EINVAL;
  } else if (s[10] != '\0') {
    return -EINVAL;
  }
  if (!dahub_date_valid(y, m, d) || hh > 23 || mm > 59 || ss > 59)
    return -EINVAL;
  *t = dahub_date_days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
  return 0;
}

void dahub_date_from_days(int64_t days, int *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;

  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

void dahub_date_of_time(int64_t t, int *y, int *m, int *d) {
  dahub_date_from_days(floor_div(t, 86400), y, m, d);
}

void dahub_date_add_months(int *y, int *m, int *d, int months) {
  int64_t total = (int64_t)*y * 12 + (*m - 1) + months;
  int64_t ny = floor_div(total, 12);

  dahub_date_from_days(dahub_date_days((int)ny, (int)(total - ny * 12) + 1, *d),
                       y, m, d);
}
