/*
 * dahub/period.h: UK financial-year periods, as text and as dates.
 *
 * A period id is FY<yyyy>-<yy> (April to March), optionally -Q1..-Q4
 * (Apr-Jun .. Jan-Mar), -H1/-H2 (Apr-Sep, Oct-Mar) or -M01..-M12 (April ..
 * March). Partners write periods many ways; dahub_period_from_text accepts
 * the common ones so a mapping can take a period from a cell. Pure functions,
 * no allocation: safe on any thread and in plugins (static library).
 */
#ifndef DAHUB_PERIOD_H
#define DAHUB_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/date.h" /* the days periods are made of */

enum dahub_period_kind {
  DAHUB_PERIOD_YEAR = 0,
  DAHUB_PERIOD_HALF = 1,
  DAHUB_PERIOD_QUARTER = 2,
  DAHUB_PERIOD_MONTH = 3,
};

struct dahub_period {
  int fy;                      /* the year the FY starts: 2024 for 2024-25 */
  enum dahub_period_kind kind; /* which part of it */
  int n;                       /* 1..2, 1..4, 1..12; 0 for a year */
};

/* Longest id: "FY2024-25-M12" plus NUL. */
#define DAHUB_PERIOD_ID_MAX 16

/* Parses a canonical id ("FY2024-25-Q1"). 0, or -EINVAL. */
int dahub_period_parse(const char *id, struct dahub_period *out);

/* Writes the canonical id into buf (DAHUB_PERIOD_ID_MAX bytes). */
void dahub_period_format(const struct dahub_period *p,
                         char buf[DAHUB_PERIOD_ID_MAX]);

/* Reads a period as partners write it: a canonical id, "Q1 2024/25",
 * "Q1 2024-25", "2024/25", "2023-24", "Reporting year 2023/24",
 * "Jul-Sep 2024", "Q1 2024/25 (1 April 2024 - 30 June 2024)". Only the first
 * period-like phrase counts. 0, or -EINVAL when none is found. */
int dahub_period_from_text(const char *s, size_t len, struct dahub_period *out);

/* The period of the given kind that holds a calendar date. 0, or -EINVAL for
 * an impossible date (31/02/2024). */
int dahub_period_of_date(int y, int m, int d, enum dahub_period_kind kind,
                         struct dahub_period *out);

/* First and last day (inclusive) as ISO dates "2024-04-01". */
void dahub_period_bounds(const struct dahub_period *p, char start[11],
                         char end[11]);

/* The same kind of period a step back into *out (which may be p): the
 * previous quarter, half or month (Q1 steps back to the last quarter of the
 * year before) or, with year set, the same period a year before. A year's
 * previous period is the year before. */
void dahub_period_step_back(const struct dahub_period *p, int year,
                            struct dahub_period *out);

/* The latest quarter that ended before t (UTC seconds), as its id: the
 * quarter holding t is not over yet. 0, or -EINVAL when t is outside the
 * years a period may have (id is then ""). */
int dahub_period_quarter_before(int64_t t, char id[DAHUB_PERIOD_ID_MAX]);

/* The fiscal months of a period as bits 0..11 (April = bit 0): two periods
 * of one year overlap when their masks share a bit. */
unsigned dahub_period_months(const struct dahub_period *p);

#endif
