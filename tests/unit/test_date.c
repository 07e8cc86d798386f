/*
 * test_date.c: calendar dates (hub/lib/date.c), table by table.
 *
 * The forms partners write dates in, the days that exist, and day and
 * month arithmetic checked against what timegm()/gmtime_r() answer, since
 * the hub worked dates out with those before and figures must not move.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dahub/date.h"

static void test_dates_as_partners_write_them(void **state) {
  static const struct {
    const char *text;
    int y, m, d;
  } ok[] = {
      {"13.06.2022", 2022, 6, 13}, {"01/08/2022", 2022, 8, 1},
      {"01/10/22", 2022, 10, 1},   {"1/8/2022", 2022, 8, 1},
      {"2024-04-01", 2024, 4, 1},  {" 29/02/2024 ", 2024, 2, 29},
      {"13-06-2022", 2022, 6, 13}, {"31/12/99", 2099, 12, 31},
  };
  static const char *const not_dates[] = {
      "",           "2 years",    "09/03/2022 (year 1 money sent)",
      "2024/04/01", "01/08-2022", "1.8",
      "13.06.202",  "123/01/2024"};
  static const char *const no_such_day[] = {"31/02/2024", "29/02/2023",
                                            "2024-13-01", "00/01/2024"};
  int y, m, d;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof ok / sizeof *ok; i++) {
    assert_int_equal(
        dahub_date_parse(ok[i].text, strlen(ok[i].text), &y, &m, &d), 0);
    assert_int_equal(y, ok[i].y);
    assert_int_equal(m, ok[i].m);
    assert_int_equal(d, ok[i].d);
  }
  for (i = 0; i < sizeof not_dates / sizeof *not_dates; i++)
    assert_int_equal(
        dahub_date_parse(not_dates[i], strlen(not_dates[i]), &y, &m, &d),
        -EINVAL);
  for (i = 0; i < sizeof no_such_day / sizeof *no_such_day; i++)
    assert_int_equal(
        dahub_date_parse(no_such_day[i], strlen(no_such_day[i]), &y, &m, &d),
        -ERANGE);
}

static void test_days_in_months_and_valid_dates(void **state) {
  static const struct {
    int y, m, days, valid_31;
  } months[] = {
      {2024, 1, 31, 1}, {2024, 2, 29, 0},  {2023, 2, 28, 0},  {2000, 2, 29, 0},
      {1900, 2, 28, 0}, {2024, 4, 30, 0},  {2024, 12, 31, 1}, {2024, 0, 0, 0},
      {2024, 13, 0, 0}, {1899, 12, 31, 0}, {3000, 1, 31, 0},  {2999, 12, 31, 1},
  };

  (void)state;
  for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
    assert_int_equal(dahub_date_month_days(months[i].y, months[i].m),
                     months[i].days);
    assert_int_equal(dahub_date_valid(months[i].y, months[i].m, 31),
                     months[i].valid_31);
    if (months[i].days > 0 && months[i].valid_31 == 0 && months[i].y >= 1900 &&
        months[i].y <= 2999)
      assert_true(dahub_date_valid(months[i].y, months[i].m, months[i].days));
  }
  assert_false(dahub_date_valid(2024, 1, 0));
}

static void test_days_since_1970(void **state) {
  static const struct {
    int y, m, d;
    int64_t days;
  } days[] = {
      {1970, 1, 1, 0},        {1969, 12, 31, -1},    {2000, 2, 29, 11016},
      {2000, 3, 1, 11017},    {2024, 2, 29, 19782},  {1900, 3, 1, -25508},
      {2999, 12, 31, 376199}, {1600, 1, 1, -135140},
  };
  int y, m, d;

  (void)state;
  for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
    assert_int_equal(dahub_date_days(days[i].y, days[i].m, days[i].d),
                     days[i].days);
    dahub_date_from_days(days[i].days, &y, &m, &d);
    assert_int_equal(y, days[i].y);
    assert_int_equal(m, days[i].m);
    assert_int_equal(d, days[i].d);
  }
  /* a day past the month's end runs on, as timegm() has it */
  assert_int_equal(dahub_date_days(2023, 2, 31), dahub_date_days(2023, 3, 3));
}

/* Every day from 1900 to 2100 agrees with gmtime_r() at midnight, at noon
 * and one second before the next midnight. */
static void test_date_of_time_agrees_with_gmtime(void **state) {
  const int64_t first = dahub_date_days(1900, 1, 1) * 86400;
  const int64_t last = dahub_date_days(2100, 12, 31) * 86400;
  struct tm tm;
  int y, m, d;

  (void)state;
  for (int64_t t = first; t <= last; t += 86400) {
    const int64_t at[3] = {t, t + 43200, t + 86399};

    for (int k = 0; k < 3; k++) {
      time_t tt = (time_t)at[k];

      assert_non_null(gmtime_r(&tt, &tm));
      dahub_date_of_time(at[k], &y, &m, &d);
      assert_int_equal(y, tm.tm_year + 1900);
      assert_int_equal(m, tm.tm_mon + 1);
      assert_int_equal(d, tm.tm_mday);
    }
  }
}

static void test_add_months(void **state) {
  static const struct {
    int y, m, d, months;
    const char *to;
  } moves[] = {
      {2024, 11, 15, 3, "2025-02-15"},  {2024, 1, 31, 1, "2024-03-02"},
      {2023, 1, 31, 1, "2023-03-03"},   {2024, 3, 31, -1, "2024-03-02"},
      {2024, 5, 10, -17, "2022-12-10"}, {2024, 8, 31, 6, "2025-03-03"},
      {2024, 4, 1, 0, "2024-04-01"},    {2024, 12, 1, 12, "2025-12-01"},
      {2024, 1, 1, -1, "2023-12-01"},   {2024, 6, 30, 120, "2034-06-30"},
  };
  char iso[DAHUB_DATE_ISO_MAX];

  (void)state;
  for (size_t i = 0; i < sizeof moves / sizeof *moves; i++) {
    struct tm tm = {.tm_year = moves[i].y - 1900,
                    .tm_mon = moves[i].m - 1 + moves[i].months,
                    .tm_mday = moves[i].d};
    time_t t = timegm(&tm);
    int y = moves[i].y, m = moves[i].m, d = moves[i].d;

    dahub_date_add_months(&y, &m, &d, moves[i].months);
    dahub_date_format(y, m, d, iso);
    assert_string_equal(iso, moves[i].to);
    /* and as the hub had it, through timegm() */
    assert_non_null(gmtime_r(&t, &tm));
    assert_int_equal(y, tm.tm_year + 1900);
    assert_int_equal(m, tm.tm_mon + 1);
    assert_int_equal(d, tm.tm_mday);
  }
}

static void test_format_is_iso(void **state) {
  static const struct {
    int y, m, d;
    const char *iso;
  } dates[] = {
      {2024, 4, 1, "2024-04-01"},
      {1999, 12, 31, "1999-12-31"},
      {987, 1, 2, "0987-01-02"},
  };
  char iso[DAHUB_DATE_ISO_MAX];

  (void)state;
  for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
    dahub_date_format(dates[i].y, dates[i].m, dates[i].d, iso);
    assert_string_equal(iso, dates[i].iso);
  }
}

/* Times as dahub writes them, checked against timegm(); anything else is
 * refused whole: junk after it, fields of the wrong width, days and times
 * that do not exist. */
static void test_parse_time(void **state) {
  static const char *const ok[] = {
      "2024-07-12T09:30:00Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z",
      "1900-03-01T12:00:00Z", "2999-12-31T23:59:59Z", "2024-09-27",
      "2024-02-29",
  };
  static const char *const bad[] = {
      "",
      "2024-07-12T09:30:00Z ",
      "2024-07-12T09:30:00Zjunk",
      "2024-07-12T09:30:00",
      "2024-07-12 09:30:00Z",
      "2024-07-12x",
      "2024-07-12T",
      "2024-02-31T00:00:00Z",
      "2023-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-04-00",
      "2024-07-12T24:00:00Z",
      "2024-07-12T09:60:00Z",
      "2024-07-12T09:30:60Z",
      "2024-7-12T09:30:00Z",
      "2024-07-1T09:30:00Z",
      "24-07-12T09:30:00Z",
      "02024-07-12T09:30:00Z",
      "2024-07-12T9:30:00Z",
      "2024-07-12T09:3:00Z",
      "2024-07-12T09:30:0Z",
      " 2024-07-12",
      "+024-07-12",
      "12/07/2024",
      "1899-12-31",
  };
  int64_t t;

  (void)state;
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    assert_non_null(strptime(
        ok[i], strlen(ok[i]) > 10 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm));
    assert_int_equal(dahub_date_parse_time(ok[i], &t), 0);
    assert_int_equal(t, (int64_t)timegm(&tm));
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    t = 42;
    assert_int_equal(dahub_date_parse_time(bad[i], &t), -EINVAL);
    assert_int_equal(t, 42); /* untouched on error */
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates_as_partners_write_them),
      cmocka_unit_test(test_days_in_months_and_valid_dates),
      cmocka_unit_test(test_days_since_1970),
      cmocka_unit_test(test_date_of_time_agrees_with_gmtime),
      cmocka_unit_test(test_add_months),
      cmocka_unit_test(test_format_is_iso),
      cmocka_unit_test(test_parse_time),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
