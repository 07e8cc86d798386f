/*
 * fuzz_period.c: the period and date parsers (hub/lib/period.c, date.c).
 *
 * The input is read four ways: as a canonical id (NUL-terminated), as a
 * period written by a partner (dahub_period_from_text, not terminated), as
 * a date written by a partner (dahub_date_parse), and for dates: "D/M/Y" at
 * its start, and its first four bytes as a year, month and day. Dates are
 * checked against timegm(), and must count to days and back and write as
 * ISO text that reads back; every period found must format back to itself
 * and hold the dates it was made from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dahub/date.h"
#include "dahub/period.h"
#include "fuzz.h"

/* The reference: years 1900..2999 (the hub's range), and a day that
 * timegm() does not have to carry into the next month. */
static int date_valid_ref(int y, int m, int d) {
  struct tm tm;

  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
    return 0;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = 12;
  (void)timegm(&tm);
  return tm.tm_mday == d && tm.tm_mon == m - 1;
}

static void check_period(const struct dahub_period *p) {
  struct dahub_period again;
  char id[DAHUB_PERIOD_ID_MAX], start[11], end[11];
  int y, m, d;

  fuzz_check(p->fy >= 1900 && p->fy < 2999, "financial year in range");
  switch (p->kind) {
  case DAHUB_PERIOD_YEAR:
    fuzz_check(p->n == 0, "a year has n 0");
    break;
  case DAHUB_PERIOD_HALF:
    fuzz_check(p->n >= 1 && p->n <= 2, "half 1..2");
    break;
  case DAHUB_PERIOD_QUARTER:
    fuzz_check(p->n >= 1 && p->n <= 4, "quarter 1..4");
    break;
  case DAHUB_PERIOD_MONTH:
    fuzz_check(p->n >= 1 && p->n <= 12, "month 1..12");
    break;
  default:
    fuzz_check(0, "kind in range");
  }
  dahub_period_format(p, id);
  fuzz_check(dahub_period_parse(id, &again) == 0 && again.fy == p->fy &&
                 again.kind == p->kind && again.n == p->n,
             "a period formats to an id that parses back to it");
  dahub_period_bounds(p, start, end);
  fuzz_check(sscanf(start, "%4d-%2d-%2d", &y, &m, &d) == 3 &&
                 dahub_date_valid(y, m, d) && d == 1,
             "a period starts on the first of a month");
  fuzz_check(sscanf(end, "%4d-%2d-%2d", &y, &m, &d) == 3 &&
                 dahub_date_valid(y, m, d) && !dahub_date_valid(y, m, d + 1),
             "a period ends on the last day of a month");
  fuzz_check(strcmp(start, end) < 0, "a period starts before it ends");
}

static void check_date(int y, int m, int d) {
  struct dahub_period p;
  char iso[32], start[11], end[11];
  int valid = date_valid_ref(y, m, d);

  fuzz_check(dahub_date_valid(y, m, d) == valid, "date validity as timegm");
  if (valid) {
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    int y2, m2, d2;

    dahub_date_from_days(dahub_date_days(y, m, d), &y2, &m2, &d2);
    fuzz_check(y2 == y && m2 == m && d2 == d,
               "days since 1970 count back to the date");
    fuzz_check(dahub_date_days(y, m, d) * 86400 == (int64_t)timegm(&tm),
               "days since 1970 as timegm");
    dahub_date_format(y, m, d, iso);
    fuzz_check(dahub_date_parse(iso, strlen(iso), &y2, &m2, &d2) == 0 &&
                   y2 == y && m2 == m && d2 == d,
               "a date writes as ISO text that reads back");
  }
  for (int k = DAHUB_PERIOD_YEAR; k <= DAHUB_PERIOD_MONTH + 1; k++) {
    int rc = dahub_period_of_date(y, m, d, (enum dahub_period_kind)k, &p);
    /* January to March 1900 belong to FY1899-00, April to December 2999
     * to FY2999-00: outside the ids dahub_period_parse accepts. */
    int want = valid && k <= DAHUB_PERIOD_MONTH && !(y == 1900 && m < 4) &&
               !(y == 2999 && m >= 4);

    fuzz_check((rc == 0) == want, "period_of_date for valid dates only");
    if (rc != 0)
      continue;
    fuzz_check(p.kind == (enum dahub_period_kind)k, "the kind asked for");
    check_period(&p);
    (void)snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    dahub_period_bounds(&p, start, end);
    fuzz_check(strcmp(start, iso) <= 0 && strcmp(iso, end) <= 0,
               "the period holds its date");
  }
}

/* Up to 9 digits at *s; -1 if there are none. */
static int number_at(const char **s, const char *e) {
  int v = 0, n = 0;

  while (*s < e && **s >= '0' && **s <= '9' && n < 9) {
    v = v * 10 + (**s - '0');
    (*s)++;
    n++;
  }
  return n > 0 ? v : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data, *e = s + size, *q = s;
  struct dahub_period p;
  char *text;
  int d, m, y;

  /* A canonical id: it must format back to exactly the same text. */
  if ((text = malloc(size + 1)) == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (dahub_period_parse(text, &p) == 0) {
    char id[DAHUB_PERIOD_ID_MAX];

    check_period(&p);
    dahub_period_format(&p, id);
    fuzz_check(strcmp(id, text) == 0, "a canonical id formats to itself");
  }
  free(text);

  if (dahub_period_from_text(s, size, &p) == 0)
    check_period(&p);

  if (dahub_date_parse(s, size, &y, &m, &d) == 0) {
    fuzz_check(dahub_date_valid(y, m, d), "a date read is a day that exists");
    check_date(y, m, d);
  }

  /* "31/02/2024" */
  if ((d = number_at(&q, e)) >= 0 && q < e && *q++ == '/' &&
      (m = number_at(&q, e)) >= 0 && q < e && *q++ == '/' &&
      (y = number_at(&q, e)) >= 0)
    check_date(y, m, d);
  if (size >= 4)
    check_date(1890 + ((data[0] << 8) | data[1]) % 1120, data[2] % 14,
               data[3] % 33);
  return 0;
}
