/*
 * test_mapped_periods.c: where a figure's period comes from beyond a
 * fixed id, a cell or a column: a financial year completing a part ("Q1",
 * "Year"), and the date in each row ("period_from_date"). The date forms
 * partners write are test_date.c's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_mapped_host.h"

#define YEAR_CELL                                                              \
  "{\"layout\": \"wide\", \"header\": {\"match\": \"Section\"},"               \
  " \"cells\": {\"financial_year\": {\"row\": 2, \"col\": 1}},"                \
  " \"fixed\": {\"area\": \"E06000017\"},"                                     \
  " \"columns\": {\"measure\": \"Indicator\"},"                                \
  " \"across\": {\"field\": \"period\", \"columns\": {"                        \
  "   \"Q1\": \"Q1\", \"Q2\": \"Q2\", \"Year\": \"FY\"}},"                     \
  " \"period_notes\": {\"Q1+Q2\": \"H1\"},"                                    \
  " \"values\": {\"measure\": {\"Assessments\": \"m\"}}}"

static void test_financial_year_completes_period_parts(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, YEAR_CELL,
                              "Rutland County Council,,,,\n"
                              "Reporting year 2023/24,,,,\n"
                              "Section,Indicator,Q1,Q2,Year\n"
                              "CS,Assessments,86 (Q1+Q2),,216\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_string_equal(ctx->obs[0].period, "FY2023-24-H1");
  assert_int_equal(ctx->obs[0].value, 86);
  assert_string_equal(ctx->obs[1].period, "FY2023-24-Q2");
  assert_string_equal(ctx->obs[2].period, "FY2023-24");
  assert_int_equal(ctx->obs[2].value, 216);
  fake_reset(ctx);
  /* Next year's file, same mapping: the year comes from the file. */
  assert_int_equal(parse_text(ctx, YEAR_CELL,
                              "Rutland,,,,\nReporting year 2024/25,,,,\n"
                              "Section,Indicator,Q1,Q2,Year\n"
                              "CS,Assessments,40,41,\n",
                              &err),
                   DAHUB_OK);
  assert_string_equal(ctx->obs[0].period, "FY2024-25-Q1");
  assert_string_equal(ctx->obs[2].period, "FY2024-25");
  /* A year cell that holds no year names its place. */
  assert_int_equal(parse_text(ctx, YEAR_CELL,
                              "Rutland,,,,\nReporting year: to follow,,,,\n"
                              "Section,Indicator,Q1,Q2,Year\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.msg, "financial_year: not a financial year");
}

static void test_period_part_needs_a_year(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"wide\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"},"
                    " \"columns\": {\"measure\": \"M\"},"
                    " \"across\": {\"field\": \"period\", \"columns\": {"
                    "   \"Q1\": \"Q1\"}}}",
                    "options.across.columns.Q1: expected a period id such as "
                    "FY2024-25-Q1");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\","
                    "   \"period\": \"Q5\", \"financial_year\": "
                    "\"FY2024-25\"},"
                    " \"columns\": {\"value\": \"V\"}}",
                    "options.fixed.period: expected a period id such as "
                    "FY2024-25-Q1");
}

#define DATES                                                                  \
  "{\"layout\": \"long\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"area\": \"E10000018\", \"measure\": \"m\"},"                 \
  " \"columns\": {\"period\": \"Date\", \"value\": \"Count\"},"                \
  " \"period_from_date\": \"%s\"}"

static void test_period_from_the_date_in_each_row(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[512];

  (void)snprintf(json, sizeof json, DATES, "quarter");
  assert_int_equal(parse_text(ctx, json,
                              "Date,Count\n13.06.2022,1\n01/08/2022,2\n"
                              "01/10/22,3\n2024-04-01,4\n31/03/2025,5\n",
                              &err),
                   DAHUB_OK);
  assert_string_equal(ctx->obs[0].period, "FY2022-23-Q1");
  assert_string_equal(ctx->obs[1].period, "FY2022-23-Q2");
  assert_string_equal(ctx->obs[2].period, "FY2022-23-Q3");
  assert_string_equal(ctx->obs[3].period, "FY2024-25-Q1");
  assert_string_equal(ctx->obs[4].period, "FY2024-25-Q4");
  fake_reset(ctx);
  (void)snprintf(json, sizeof json, DATES, "month");
  assert_int_equal(parse_text(ctx, json, "Date,Count\n01/05/2024,1\n", &err),
                   DAHUB_OK);
  assert_string_equal(ctx->obs[0].period, "FY2024-25-M02");
}

static void test_impossible_date_names_row_and_column(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[512];

  (void)snprintf(json, sizeof json, DATES, "quarter");
  assert_int_equal(
      parse_text(ctx, json, "Date,Count\n01/04/2024,1\n31/02/2024,2\n", &err),
      DAHUB_FAIL);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.field, "Date");
  assert_string_equal(err.found, "31/02/2024");
  assert_string_equal(err.msg, "Date: no such date");
  assert_int_equal(parse_text(ctx, json, "Date,Count\nQ1 2024/25,1\n", &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_string_equal(err.msg, "Date: not a date");
  assert_string_equal(err.expected, "a date such as 13/06/2024 or 2024-06-13");
}

static void test_period_from_date_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\","
                    "   \"period\": \"FY2024-25\"},"
                    " \"columns\": {\"value\": \"V\"},"
                    " \"period_from_date\": \"quarter\"}",
                    "options.period_from_date: the period must be read from "
                    "a column or a cell");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\"},"
                    " \"columns\": {\"value\": \"V\", \"period\": \"D\"},"
                    " \"period_from_date\": \"week\"}",
                    "options.period_from_date \"week\": expected one of "
                    "quarter, month, half, year");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_period_part_needs_a_year),
      cmocka_unit_test(test_period_from_date_option_errors),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_financial_year_completes_period_parts),
      T(test_period_from_the_date_in_each_row),
      T(test_impossible_date_names_row_and_column),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
