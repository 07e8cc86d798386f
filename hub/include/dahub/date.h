/*
 * dahub/date.h: calendar dates, as partners write them and as dahub keeps
 * them ("2024-04-01", UTC).
 *
 * The one home of date arithmetic for the hub and for C plugins: reading a
 * date from a cell, checking it, writing it as ISO 8601, the date of a
 * timestamp and counting months and days. Financial-year periods are built
 * on these in dahub/period.h. Pure functions, no allocation, no locale, no
 * time zone but UTC: safe on any thread and in plugins (static library).
 */
#ifndef DAHUB_DATE_H
#define DAHUB_DATE_H

#include <stddef.h>
#include <stdint.h>

/* "2024-04-01" plus NUL. */
#define DAHUB_DATE_ISO_MAX 11

/* Checks a calendar date (leap years included, years 1900..2999): 1 valid,
 * 0 not. */
int dahub_date_valid(int y, int m, int d);

/* Days in month m (1..12) of year y; 0 for a month that does not exist. */
int dahub_date_month_days(int y, int m);

/* Reads len bytes of s as one date: 13.06.2022, 01/08/2022, 1/8/2022,
 * 01/10/22 (a two-digit year is 20yy), 13-06-2022 (day first) or 2024-04-01
 * (ISO, year first). Spaces around it are ignored; anything else makes it
 * not a date. 0 with *y, *m, *d set; -EINVAL when it is not written as a
 * date; -ERANGE when it is, but no such day exists (31/02/2024). */
int dahub_date_parse(const char *s, size_t len, int *y, int *m, int *d);

/* Writes the date as "2024-04-01" (each part taken modulo its width, so
 * the text never overflows buf). */
void dahub_date_format(int y, int m, int d, char buf[DAHUB_DATE_ISO_MAX]);

/* Days from 1970-01-01 to the date; any y, m 1..12, any d (a day past the
 * month's end runs on into the next, as timegm() does). */
int64_t dahub_date_days(int y, int m, int d);

/* Reads a UTC time as dahub writes it, "2024-07-12T09:30:00Z", or a date
 * alone, "2024-07-12" (its first second), into *t, seconds since the epoch.
 * Strict, since a time read wrongly moves a deadline: every field has its
 * exact width, nothing may follow, the day must exist (dahub_date_valid)
 * and the time of day lie in 00:00:00..23:59:59. 0, or -EINVAL. */
int dahub_date_parse_time(const char *s, int64_t *t);

/* The date `days` days after 1970-01-01 (negative: before). */
void dahub_date_from_days(int64_t days, int *y, int *m, int *d);

/* The UTC date of a time in seconds since the epoch. */
void dahub_date_of_time(int64_t t, int *y, int *m, int *d);

/* Moves a date `months` months on (negative: back). A day the new month
 * lacks runs on into the next (31 January + 1 month = 2 or 3 March), as
 * timegm() normalises it, so dates agree with times counted in seconds. */
void dahub_date_add_months(int *y, int *m, int *d, int months);

#endif
