/*
 * test_period.c: UK financial-year periods as ids, as partners write them,
 * and as dates.
 *
 * Periods are compared through their canonical id ("FY2024-25-Q1"), so an
 * assertion states the whole period at once.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dahub/period.h"

static const char *id_of(const struct dahub_period *p) {
  static char buf[DAHUB_PERIOD_ID_MAX];

  dahub_period_format(p, buf);
  return buf;
}

static void expect_text(const char *text, const char *id) {
  struct dahub_period p;

  memset(&p, 0xff, sizeof p);
  if (dahub_period_from_text(text, strlen(text), &p) != 0)
    fail_msg("no period found in \"%s\"", text);
  assert_string_equal(id_of(&p), id);
}

static void expect_no_period(const char *text) {
  struct dahub_period p = {0};

  if (dahub_period_from_text(text, strlen(text), &p) != -EINVAL)
    fail_msg("found %s in \"%s\"", id_of(&p), text);
}

static void expect_date(int y, int m, int d, enum dahub_period_kind kind,
                        const char *id) {
  struct dahub_period p;

  assert_int_equal(dahub_period_of_date(y, m, d, kind, &p), 0);
  assert_string_equal(id_of(&p), id);
}

static void expect_bounds(const char *id, const char *start, const char *end) {
  struct dahub_period p;
  char s[11], e[11];

  assert_int_equal(dahub_period_parse(id, &p), 0);
  dahub_period_bounds(&p, s, e);
  assert_string_equal(s, start);
  assert_string_equal(e, end);
}

static void test_every_kind_round_trips(void **state) {
  static const struct {
    enum dahub_period_kind kind;
    int max;
  } kinds[] = {{DAHUB_PERIOD_YEAR, 0},
               {DAHUB_PERIOD_HALF, 2},
               {DAHUB_PERIOD_QUARTER, 4},
               {DAHUB_PERIOD_MONTH, 12}};
  static const int years[] = {1900, 1999, 2023, 2024, 2099, 2998};

  (void)state;
  for (size_t y = 0; y < sizeof years / sizeof *years; y++)
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
      for (int n = kinds[k].max ? 1 : 0; n <= kinds[k].max; n++) {
        struct dahub_period p = {years[y], kinds[k].kind, n}, q;
        char id[DAHUB_PERIOD_ID_MAX];

        dahub_period_format(&p, id);
        assert_int_equal(dahub_period_parse(id, &q), 0);
        assert_int_equal(q.fy, p.fy);
        assert_int_equal(q.kind, p.kind);
        assert_int_equal(q.n, p.n);
      }
}

static void test_format_writes_canonical_ids(void **state) {
  struct dahub_period p = {2024, DAHUB_PERIOD_YEAR, 0};

  (void)state;
  assert_string_equal(id_of(&p), "FY2024-25");
  p = (struct dahub_period){2024, DAHUB_PERIOD_HALF, 2};
  assert_string_equal(id_of(&p), "FY2024-25-H2");
  p = (struct dahub_period){2024, DAHUB_PERIOD_QUARTER, 1};
  assert_string_equal(id_of(&p), "FY2024-25-Q1");
  p = (struct dahub_period){2024, DAHUB_PERIOD_MONTH, 3};
  assert_string_equal(id_of(&p), "FY2024-25-M03");
  p = (struct dahub_period){1999, DAHUB_PERIOD_MONTH, 12};
  assert_string_equal(id_of(&p), "FY1999-00-M12");
}

static void test_parse_rejects_malformed_ids(void **state) {
  static const char *const bad[] = {
      "FY2024-26",
      "FY2024-25-Q5",
      "2024-25",
      "FY2024-25-Q0",
      "FY2024-25-H3",
      "FY2024-25-H0",
      "FY2024-25-M13",
      "FY2024-25-M00",
      "FY2024-25-M1",
      "FY2024-25-M001",
      "fy2024-25",
      "FY2024/25",
      "FY2024-25-q1",
      "FY2024-25-X1",
      "FY2024-25Q1",
      "FY2024-25 Q1",
      "FY2024-25-Q1 ",
      " FY2024-25",
      "FY202A-25",
      "FY2024-2A",
      "FY1899-00",
      "FY2999-00",
      "",
      "FY",
  };
  struct dahub_period p;

  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (dahub_period_parse(bad[i], &p) != -EINVAL)
      fail_msg("accepted \"%s\"", bad[i]);
}

static void test_from_text_quarter_with_its_dates(void **state) {
  (void)state;
  expect_text("Q1 2024/25 (1 April 2024 - 30 June 2024)", "FY2024-25-Q1");
}

static void test_from_text_reporting_year(void **state) {
  (void)state;
  expect_text("Reporting year 2023/24", "FY2023-24");
}

static void test_from_text_month_range(void **state) {
  (void)state;
  expect_text("Jul-Sep 2024", "FY2024-25-Q2");
  expect_text("Jan-Mar 2025", "FY2024-25-Q4");
  expect_text("October - December 2024", "FY2024-25-Q3");
}

static void test_from_text_hyphenated_year(void **state) {
  (void)state;
  expect_text("2024-25", "FY2024-25");
  expect_text("2024/2025", "FY2024-25");
}

static void test_from_text_quarter_and_year(void **state) {
  (void)state;
  expect_text("Q3 2024-25", "FY2024-25-Q3");
  expect_text("q4 2023/24", "FY2023-24-Q4");
}

static void test_from_text_canonical_id(void **state) {
  (void)state;
  expect_text("FY2024-25-M03", "FY2024-25-M03");
  expect_text("FY2023-24-H2", "FY2023-24-H2");
}

/* A canonical id is a period-like phrase like any other: a label before it
 * or a space after it (an untrimmed cell) must not hide it. */
static void test_from_text_canonical_id_within_text(void **state) {
  (void)state;
  expect_text("FY2024-25-Q1 ", "FY2024-25-Q1");
  expect_text("Period: FY2024-25-Q1", "FY2024-25-Q1");
  expect_text("Reporting period FY2023-24", "FY2023-24");
}

static void test_from_text_rejects_what_is_no_period(void **state) {
  (void)state;
  expect_no_period("");
  expect_no_period("similar to Q2");
  expect_no_period("2024-26");
  expect_no_period("Jul-Aug 2024"); /* two months are no quarter */
  expect_no_period("Aug-Oct 2024"); /* not a financial quarter */
  expect_no_period("2024-04-01");   /* a date, not a year */
}

/* "Q5 2024/25" is a typo of a quarter: read as the whole year, its
 * figures would count for four quarters. */
static void test_from_text_no_such_quarter_is_no_period(void **state) {
  (void)state;
  expect_no_period("Q5 2024/25");
  expect_no_period("Q0 2024/25");
  expect_no_period("Return for q7 2024-25");
  expect_text("Q4 2024/25", "FY2024-25-Q4");
  expect_text("Q12 report, 2024/25", "FY2024-25"); /* Q12 is no quarter */
}

static void test_of_date_last_day_of_year_is_q4(void **state) {
  (void)state;
  expect_date(2025, 3, 31, DAHUB_PERIOD_QUARTER, "FY2024-25-Q4");
}

static void test_of_date_first_day_of_year_is_q1(void **state) {
  (void)state;
  expect_date(2024, 4, 1, DAHUB_PERIOD_QUARTER, "FY2024-25-Q1");
}

static void test_of_date_every_kind(void **state) {
  (void)state;
  expect_date(2024, 2, 29, DAHUB_PERIOD_YEAR, "FY2023-24");
  expect_date(2024, 2, 29, DAHUB_PERIOD_HALF, "FY2023-24-H2");
  expect_date(2024, 2, 29, DAHUB_PERIOD_QUARTER, "FY2023-24-Q4");
  expect_date(2024, 2, 29, DAHUB_PERIOD_MONTH, "FY2023-24-M11");
  expect_date(2023, 9, 30, DAHUB_PERIOD_HALF, "FY2023-24-H1");
  expect_date(2023, 10, 1, DAHUB_PERIOD_HALF, "FY2023-24-H2");
  expect_date(2024, 4, 30, DAHUB_PERIOD_MONTH, "FY2024-25-M01");
}

static void test_of_date_rejects_impossible_dates(void **state) {
  struct dahub_period p;

  (void)state;
  assert_int_equal(dahub_period_of_date(2023, 2, 29, DAHUB_PERIOD_QUARTER, &p),
                   -EINVAL);
  assert_int_equal(dahub_period_of_date(2024, 2, 31, DAHUB_PERIOD_QUARTER, &p),
                   -EINVAL);
  assert_int_equal(dahub_period_of_date(2024, 4, 31, DAHUB_PERIOD_MONTH, &p),
                   -EINVAL);
  assert_int_equal(dahub_period_of_date(2024, 13, 1, DAHUB_PERIOD_MONTH, &p),
                   -EINVAL);
  assert_int_equal(dahub_period_of_date(2024, 1, 0, DAHUB_PERIOD_MONTH, &p),
                   -EINVAL);
}

static void test_date_valid_knows_leap_years(void **state) {
  (void)state;
  assert_true(dahub_date_valid(2024, 2, 29));
  assert_true(dahub_date_valid(2000, 2, 29));
  assert_false(dahub_date_valid(2023, 2, 29));
  assert_false(dahub_date_valid(1900, 2, 29));
  assert_false(dahub_date_valid(2024, 2, 30));
  assert_true(dahub_date_valid(2024, 12, 31));
}

static void test_bounds_of_second_half(void **state) {
  (void)state;
  expect_bounds("FY2023-24-H2", "2023-10-01", "2024-03-31");
}

static void test_bounds_of_february_in_leap_year(void **state) {
  (void)state;
  expect_bounds("FY2023-24-M11", "2024-02-01", "2024-02-29");
  expect_bounds("FY2024-25-M11", "2025-02-01", "2025-02-28");
}

static void test_bounds_of_year_and_quarters(void **state) {
  (void)state;
  expect_bounds("FY2024-25", "2024-04-01", "2025-03-31");
  expect_bounds("FY2024-25-Q1", "2024-04-01", "2024-06-30");
  expect_bounds("FY2024-25-Q3", "2024-10-01", "2024-12-31");
  expect_bounds("FY2024-25-Q4", "2025-01-01", "2025-03-31");
  expect_bounds("FY2024-25-H1", "2024-04-01", "2024-09-30");
  expect_bounds("FY2024-25-M12", "2025-03-01", "2025-03-31");
}

/* A step back stays in the period's kind and crosses into the year before
 * from its first part; a year back keeps the part. */
static void test_step_back(void **state) {
  static const struct {
    const char *id;
    const char *prev, *year_ago;
  } cases[] = {
      {"FY2024-25-Q1", "FY2023-24-Q4", "FY2023-24-Q1"},
      {"FY2024-25-Q3", "FY2024-25-Q2", "FY2023-24-Q3"},
      {"FY2024-25-H1", "FY2023-24-H2", "FY2023-24-H1"},
      {"FY2024-25-M01", "FY2023-24-M12", "FY2023-24-M01"},
      {"FY2024-25-M07", "FY2024-25-M06", "FY2023-24-M07"},
      {"FY2024-25", "FY2023-24", "FY2023-24"},
  };
  struct dahub_period p, q;
  char id[DAHUB_PERIOD_ID_MAX];

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(dahub_period_parse(cases[i].id, &p), 0);
    dahub_period_step_back(&p, 0, &q);
    dahub_period_format(&q, id);
    assert_string_equal(id, cases[i].prev);
    dahub_period_step_back(&p, 1, &q);
    dahub_period_format(&q, id);
    assert_string_equal(id, cases[i].year_ago);
    dahub_period_step_back(&p, 0, &p); /* out may be p */
    dahub_period_format(&p, id);
    assert_string_equal(id, cases[i].prev);
  }
}

/* The quarter before a time: the quarter holding it is not over yet. */
static void test_quarter_before(void **state) {
  char id[DAHUB_PERIOD_ID_MAX];

  (void)state;
  /* 2024-07-01T00:00:00Z is the first second of FY2024-25-Q2 */
  assert_int_equal(dahub_period_quarter_before(1719792000, id), 0);
  assert_string_equal(id, "FY2024-25-Q1");
  assert_int_equal(dahub_period_quarter_before(1719791999, id), 0);
  assert_string_equal(id, "FY2023-24-Q4");
  /* 1800-01-01: no period has such a year */
  assert_int_equal(dahub_period_quarter_before(-5364662400LL, id), -EINVAL);
  assert_string_equal(id, "");
}

/* Months as bits, April first: parts of a year overlap as their months do. */
static void test_months(void **state) {
  static const struct {
    const char *id;
    unsigned mask;
  } cases[] = {
      {"FY2024-25", 0xfffu},     {"FY2024-25-H1", 0x03fu},
      {"FY2024-25-H2", 0xfc0u},  {"FY2024-25-Q1", 0x007u},
      {"FY2024-25-Q4", 0xe00u},  {"FY2024-25-M01", 0x001u},
      {"FY2024-25-M12", 0x800u},
  };
  struct dahub_period p;

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(dahub_period_parse(cases[i].id, &p), 0);
    assert_int_equal(dahub_period_months(&p), cases[i].mask);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_round_trips),
      cmocka_unit_test(test_format_writes_canonical_ids),
      cmocka_unit_test(test_parse_rejects_malformed_ids),
      cmocka_unit_test(test_from_text_quarter_with_its_dates),
      cmocka_unit_test(test_from_text_reporting_year),
      cmocka_unit_test(test_from_text_month_range),
      cmocka_unit_test(test_from_text_hyphenated_year),
      cmocka_unit_test(test_from_text_quarter_and_year),
      cmocka_unit_test(test_from_text_canonical_id),
      cmocka_unit_test(test_from_text_canonical_id_within_text),
      cmocka_unit_test(test_from_text_rejects_what_is_no_period),
      cmocka_unit_test(test_from_text_no_such_quarter_is_no_period),
      cmocka_unit_test(test_of_date_last_day_of_year_is_q4),
      cmocka_unit_test(test_of_date_first_day_of_year_is_q1),
      cmocka_unit_test(test_of_date_every_kind),
      cmocka_unit_test(test_of_date_rejects_impossible_dates),
      cmocka_unit_test(test_date_valid_knows_leap_years),
      cmocka_unit_test(test_bounds_of_second_half),
      cmocka_unit_test(test_bounds_of_february_in_leap_year),
      cmocka_unit_test(test_bounds_of_year_and_quarters),
      cmocka_unit_test(test_step_back),
      cmocka_unit_test(test_quarter_before),
      cmocka_unit_test(test_months),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
