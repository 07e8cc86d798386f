/*
 * xlsx_date.c: which cells are dates, and what day a serial number is.
 *
 * Excel stores a date as a number of days (the fraction is the time of day)
 * and shows it as a date only because the cell's number format says so:
 * one of the built-in formats (ids 14-22, 27-36, 45-47, 50-58) or a custom
 * code with day, month, year, hour or second letters outside quotes,
 * escapes and [brackets] (but [h], [mm], [ss], elapsed time, count).
 *
 * Two date systems. 1900: day 1 is 1900-01-01, and day 60 is 29 February
 * 1900, a day that never was: Lotus 1-2-3 took 1900 for a leap year and
 * Excel kept the mistake, so from day 61 (1900-03-01) on, a serial is one
 * more than the days since 1899-12-31. We show day 60 as Excel does,
 * "1900-02-29", and let whoever reads it as a date refuse it. Day 0 (a time
 * alone) is shown as the time. 1904 (old Mac workbooks): day 0 is
 * 1904-01-01, no gap. Times are rounded to the second, as Excel shows them.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xlsx_int.h"

int xlsx_builtin_is_date(uint32_t id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
         (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* 1 if [inside] is an elapsed-time token: h, mm, ss and longer runs. */
static int elapsed(const char *s, size_t n) {
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)s[i]) != tolower((unsigned char)s[0]))
      return 0;
  return strchr("hms", tolower((unsigned char)s[0])) != NULL;
}

int xlsx_format_is_date(const char *code) {
  for (const char *p = code; *p != '\0' && *p != ';'; p++) {
    const char *close;

    switch (*p) {
    case '"': /* literal text */
      close = strchr(p + 1, '"');
      if (close == NULL)
        return 0;
      p = close;
      break;
    case '\\': /* one literal character */
    case '_':  /* the width of the next character */
    case '*':  /* fill with the next character */
      if (p[1] == '\0')
        return 0;
      p++;
      break;
    case '[': /* colour, condition, locale, or elapsed time */
      close = strchr(p + 1, ']');
      if (close == NULL)
        return 0;
      if (elapsed(p + 1, (size_t)(close - p - 1)))
        return 1;
      p = close;
      break;
    default:
      if (strchr("dmyhsDMYHS", *p) != NULL)
        return 1;
    }
  }
  return 0;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil(long z, int *y, unsigned *m, unsigned *d) {
  long era, yy;
  unsigned doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned)(z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  yy = (long)yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

int xlsx_serial_text(double serial, int date1904, char *buf, size_t cap) {
  /* 9999-12-31, Excel's last day, in each system */
  double last = date1904 ? 2957003.0 : 2958465.0;
  long days, secs;
  unsigned m, d;
  int y, n;

  if (!isfinite(serial) || serial < 0 || serial >= last + 1)
    return -1;
  /* serial >= 0 here: truncation is floor, +0.5 rounds (no libm needed) */
  days = (long)serial;
  secs = (long)((serial - (double)days) * 86400.0 + 0.5);
  if (secs >= 86400) { /* 23:59:59.7 shows as the next day */
    days++;
    secs = 0;
  }
  if (!date1904 && days == 0)
    n = snprintf(buf, cap, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60,
                 secs % 60);
  else {
    if (!date1904 && days == 60) {
      y = 1900, m = 2, d = 29;
    } else if (date1904)
      civil(days - 24107, &y, &m, &d); /* 1904-01-01 is day -24107 */
    else
      civil(days - (days < 60 ? 25568 : 25569), &y, &m, &d);
    if (secs == 0)
      n = snprintf(buf, cap, "%04d-%02u-%02u", y, m, d);
    else
      n = snprintf(buf, cap, "%04d-%02u-%02uT%02ld:%02ld:%02ld", y, m, d,
                   secs / 3600, secs / 60 % 60, secs % 60);
  }
  return n > 0 && (size_t)n < cap ? n : -1;
}
