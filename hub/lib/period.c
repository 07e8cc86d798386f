/*
 * period.c: UK financial-year periods (see dahub/period.h).
 *
 * The financial year runs April to March, so month arithmetic is done on a
 * "fiscal month" 1..12 where 1 is April. Calendar dates (which days exist,
 * how they are written) are date.c's: a period is a span of them. Everything
 * is pure and bounded: no allocation, no locale, years limited to 1900..2999
 * so that arithmetic on them can never overflow.
 */
#include "dahub/period.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define YEAR_MIN 1900
#define YEAR_MAX 2999

static const char *const month_names[12] = {"jan", "feb", "mar", "apr",
                                            "may", "jun", "jul", "aug",
                                            "sep", "oct", "nov", "dec"};

/* Fiscal month 1..12 (April = 1) of a calendar month 1..12. */
static int fiscal_month(int m) { return m >= 4 ? m - 3 : m + 9; }

int dahub_period_of_date(int y, int m, int d, enum dahub_period_kind kind,
                         struct dahub_period *out) {
  int fm;

  if (!dahub_date_valid(y, m, d))
    return -EINVAL;
  fm = fiscal_month(m);
  out->fy = m >= 4 ? y : y - 1;
  out->kind = kind;
  switch (kind) {
  case DAHUB_PERIOD_YEAR:
    out->n = 0;
    break;
  case DAHUB_PERIOD_HALF:
    out->n = (fm - 1) / 6 + 1;
    break;
  case DAHUB_PERIOD_QUARTER:
    out->n = (fm - 1) / 3 + 1;
    break;
  case DAHUB_PERIOD_MONTH:
    out->n = fm;
    break;
  default:
    return -EINVAL;
  }
  /* the year must format and parse back: FY2999-00 would not */
  return out->fy >= YEAR_MIN && out->fy < YEAR_MAX ? 0 : -EINVAL;
}

/* Reads exactly n digits at s; -1 if they are not all digits. */
static int digits(const char *s, int n) {
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int dahub_period_parse(const char *id, struct dahub_period *out) {
  size_t len = strlen(id);
  int fy, yy, n;

  /* FY2024-25 is 9 characters; a part adds "-Q1" (3) or "-M01" (4). */
  if ((len != 9 && len != 12 && len != 13) || strncmp(id, "FY", 2) != 0 ||
      id[6] != '-')
    return -EINVAL;
  fy = digits(id + 2, 4);
  yy = digits(id + 7, 2);
  if (fy < YEAR_MIN || fy >= YEAR_MAX || yy != (fy + 1) % 100)
    return -EINVAL;
  out->fy = fy;
  out->kind = DAHUB_PERIOD_YEAR;
  out->n = 0;
  if (len == 9)
    return 0;
  if (id[9] != '-')
    return -EINVAL;
  if (len == 12 && id[10] == 'Q') {
    n = digits(id + 11, 1);
    if (n < 1 || n > 4)
      return -EINVAL;
    out->kind = DAHUB_PERIOD_QUARTER;
  } else if (len == 12 && id[10] == 'H') {
    n = digits(id + 11, 1);
    if (n < 1 || n > 2)
      return -EINVAL;
    out->kind = DAHUB_PERIOD_HALF;
  } else if (len == 13 && id[10] == 'M') {
    n = digits(id + 11, 2);
    if (n < 1 || n > 12)
      return -EINVAL;
    out->kind = DAHUB_PERIOD_MONTH;
  } else {
    return -EINVAL;
  }
  out->n = n;
  return 0;
}

void dahub_period_format(const struct dahub_period *p,
                         char buf[DAHUB_PERIOD_ID_MAX]) {
  /* Parsed periods have four-digit years and n <= 12; the moduli also tell
   * the compiler every form fits the buffer. */
  unsigned fy = (unsigned)p->fy % 10000u, yy = (fy + 1u) % 100u,
           n = (unsigned)p->n % 100u;

  switch (p->kind) {
  case DAHUB_PERIOD_HALF:
    (void)snprintf(buf, DAHUB_PERIOD_ID_MAX, "FY%04u-%02u-H%u", fy, yy, n);
    break;
  case DAHUB_PERIOD_QUARTER:
    (void)snprintf(buf, DAHUB_PERIOD_ID_MAX, "FY%04u-%02u-Q%u", fy, yy, n);
    break;
  case DAHUB_PERIOD_MONTH:
    (void)snprintf(buf, DAHUB_PERIOD_ID_MAX, "FY%04u-%02u-M%02u", fy, yy, n);
    break;
  default:
    (void)snprintf(buf, DAHUB_PERIOD_ID_MAX, "FY%04u-%02u", fy, yy);
    break;
  }
}

/* Fiscal months [first, last] covered by a period, 1..12. */
static void fiscal_span(const struct dahub_period *p, int *first, int *last) {
  switch (p->kind) {
  case DAHUB_PERIOD_HALF:
    *first = (p->n - 1) * 6 + 1;
    *last = *first + 5;
    break;
  case DAHUB_PERIOD_QUARTER:
    *first = (p->n - 1) * 3 + 1;
    *last = *first + 2;
    break;
  case DAHUB_PERIOD_MONTH:
    *first = *last = p->n;
    break;
  default:
    *first = 1;
    *last = 12;
    break;
  }
}

/* Calendar year and month of a fiscal month of a financial year. */
static void calendar_month(int fy, int fm, int *y, int *m) {
  *m = fm <= 9 ? fm + 3 : fm - 9;
  *y = fm <= 9 ? fy : fy + 1;
}

void dahub_period_bounds(const struct dahub_period *p, char start[11],
                         char end[11]) {
  int first, last, y, m;

  fiscal_span(p, &first, &last);
  calendar_month(p->fy, first, &y, &m);
  dahub_date_format(y, m, 1, start);
  calendar_month(p->fy, last, &y, &m);
  dahub_date_format(y, m, dahub_date_month_days(y, m), end);
}

/* ---- Reading periods as people write them ---- */

/* A year written "2024/25", "2024-25" or "2024/2025" at s (len bytes left):
 * returns the start year and sets *used, or -1. */
static int fy_phrase(const char *s, size_t len, size_t *used) {
  int y, y2;

  if (len < 7)
    return -1;
  y = digits(s, 4);
  if (y < YEAR_MIN || y >= YEAR_MAX || (s[4] != '/' && s[4] != '-'))
    return -1;
  if (len >= 9 && digits(s + 5, 4) == y + 1) {
    *used = 9;
    return y;
  }
  y2 = digits(s + 5, 2);
  if (y2 != (y + 1) % 100 || (len > 7 && isdigit((unsigned char)s[7])))
    return -1;
  *used = 7;
  return y;
}

/* Month name at s ("Jul", "July"): 1..12, or 0. */
static int month_at(const char *s, size_t len) {
  if (len < 3)
    return 0;
  for (int i = 0; i < 12; i++)
    if (strncasecmp(s, month_names[i], 3) == 0)
      return i + 1;
  return 0;
}

/* "Jul-Sep 2024" / "July - September 2024": a quarter named by its months. */
static int month_range(const char *s, size_t len, struct dahub_period *out) {
  size_t i = 0;
  int m1, m2, y;

  m1 = month_at(s, len);
  if (m1 == 0)
    return -1;
  while (i < len && isalpha((unsigned char)s[i]))
    i++;
  while (i < len && (s[i] == ' ' || s[i] == '-'))
    i++;
  m2 = month_at(s + i, len - i);
  if (m2 == 0)
    return -1;
  while (i < len && isalpha((unsigned char)s[i]))
    i++;
  while (i < len && s[i] == ' ')
    i++;
  if (len - i < 4 || (y = digits(s + i, 4)) < YEAR_MIN)
    return -1;
  /* A quarter's months are consecutive and aligned on fiscal quarters. */
  if ((fiscal_month(m1) - 1) % 3 != 0 ||
      fiscal_month(m2) != fiscal_month(m1) + 2)
    return -1;
  return dahub_period_of_date(y, m1, 1, DAHUB_PERIOD_QUARTER, out);
}

/* A canonical id at p, the longest that ends at a word boundary. */
static int canonical_at(const char *p, size_t left, struct dahub_period *out) {
  static const size_t lens[] = {13, 12, 9};
  char id[DAHUB_PERIOD_ID_MAX];

  for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
    size_t n = lens[k];

    /* "FY2024-25-Q5" is no year followed by "-Q5": a '-' ends no id */
    if (n > left || (n < left && (isalnum((unsigned char)p[n]) || p[n] == '-')))
      continue;
    memcpy(id, p, n);
    id[n] = '\0';
    if (dahub_period_parse(id, out) == 0)
      return 1;
  }
  return 0;
}

int dahub_period_from_text(const char *s, size_t len,
                           struct dahub_period *out) {
  size_t used;
  int fy;

  for (size_t i = 0; i < len; i++) {
    const char *p = s + i;
    size_t left = len - i;

    if (i > 0 && isalnum((unsigned char)s[i - 1]))
      continue; /* phrases start at a word boundary */
    if (left >= 9 && p[0] == 'F' && p[1] == 'Y' && canonical_at(p, left, out))
      return 0;
    if (left >= 2 && (p[0] == 'Q' || p[0] == 'q') &&
        isdigit((unsigned char)p[1]) &&
        (left == 2 || !isalnum((unsigned char)p[2]))) {
      size_t j = 2;

      while (j < left && p[j] == ' ')
        j++;
      fy = fy_phrase(p + j, left - j, &used);
      if (fy >= 0 && (p[1] < '1' || p[1] > '4'))
        return -EINVAL; /* "Q5 2024/25": no such quarter, not the year */
      if (fy >= 0) {
        out->fy = fy;
        out->kind = DAHUB_PERIOD_QUARTER;
        out->n = p[1] - '0';
        return 0;
      }
    }
    if (isdigit((unsigned char)p[0])) {
      fy = fy_phrase(p, left, &used);
      if (fy >= 0) {
        out->fy = fy;
        out->kind = DAHUB_PERIOD_YEAR;
        out->n = 0;
        return 0;
      }
    }
    if (isalpha((unsigned char)p[0]) && month_range(p, left, out) == 0)
      return 0;
  }
  return -EINVAL;
}

void dahub_period_step_back(const struct dahub_period *p, int year,
                            struct dahub_period *out) {
  struct dahub_period q = *p;
  int per_year = p->kind == DAHUB_PERIOD_QUARTER ? 4
                 : p->kind == DAHUB_PERIOD_HALF  ? 2
                 : p->kind == DAHUB_PERIOD_MONTH ? 12
                                                 : 1;

  if (year || per_year == 1) {
    q.fy--;
  } else if (--q.n == 0) {
    q.n = per_year;
    q.fy--;
  }
  *out = q;
}

int dahub_period_quarter_before(int64_t t, char id[DAHUB_PERIOD_ID_MAX]) {
  struct dahub_period p;
  int y, m, d;

  dahub_date_of_time(t, &y, &m, &d);
  if (dahub_period_of_date(y, m, d, DAHUB_PERIOD_QUARTER, &p) != 0) {
    id[0] = '\0';
    return -EINVAL;
  }
  dahub_period_step_back(&p, 0, &p);
  dahub_period_format(&p, id);
  return 0;
}

unsigned dahub_period_months(const struct dahub_period *p) {
  int first = 1, len = 12;

  switch (p->kind) {
  case DAHUB_PERIOD_HALF:
    first = (p->n - 1) * 6 + 1;
    len = 6;
    break;
  case DAHUB_PERIOD_QUARTER:
    first = (p->n - 1) * 3 + 1;
    len = 3;
    break;
  case DAHUB_PERIOD_MONTH:
    first = p->n;
    len = 1;
    break;
  default:
    break;
  }
  return ((1u << len) - 1) << (first - 1);
}
