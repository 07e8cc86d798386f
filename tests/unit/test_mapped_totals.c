/*
 * test_mapped_totals.c: a TOTAL column or row is checked against its parts,
 * allowing for suppressed cells, warned about when it does not add up, and
 * never emitted (total.c).
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

#define TOTAL_COLUMN                                                           \
  "{\"layout\": \"wide\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"period\": \"FY2024-25-Q1\", \"measure\": \"m\"},"            \
  " \"columns\": {\"service_id\": \"Service\"},"                               \
  " \"across\": {\"field\": \"area\", \"columns\": {"                          \
  "   \"Blaby\": \"E07000129\", \"Melton\": \"E07000133\"}},"                  \
  " \"total\": {\"column\": \"TOTAL\"}}"

static void test_total_column_checked_with_suppressed_bounds(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t i;

  assert_int_equal(parse_text(ctx, TOTAL_COLUMN,
                              "Service,Blaby,Melton,TOTAL\n"
                              "a.ok,10,<5,12\n"     /* 10..14 holds 12 */
                              "a.high,10,<5,20\n"   /* 10..14, not 20 */
                              "a.blank,10,,5\n"     /* at least 10, not 5 */
                              "a.both,<5,<5,<5\n"   /* 0..8 meets 0..4 */
                              "a.hidden,10,10,<5\n" /* 20, not 0..4 */
                              "a.none,10,<5,\n"     /* no total: no check */
                              "a.dec,1.5,2,9\n",    /* decimals: no check */
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n_warn, 3);
  assert_int_equal(ctx->warn[0].line, 3);
  assert_int_equal(ctx->warn[0].col, 4);
  assert_string_equal(ctx->warn[0].msg, "TOTAL does not add up: the columns "
                                        "give 10 to 14, the total is 20");
  assert_int_equal(ctx->warn[1].line, 4);
  assert_string_equal(ctx->warn[1].msg, "TOTAL does not add up: the columns "
                                        "give at least 10, the total is 5");
  assert_int_equal(ctx->warn[2].line, 6);
  assert_string_equal(ctx->warn[2].msg, "TOTAL does not add up: the columns "
                                        "give 20, the total is 0 to 4");
  /* The total is never a figure: two per row, none from column 4. */
  assert_int_equal(ctx->n, 14);
  for (i = 0; i < ctx->n; i++)
    assert_true(ctx->obs[i].col == 2 || ctx->obs[i].col == 3);
}

static void test_freeva_total_column_adds_up(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("freeva");
  size_t len, i;
  char *data = read_sample("freeva_LCC_quarterly_return_Q1_2024-25.csv", &len);
  char *seven;

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 0);
  assert_int_equal(ctx->n, 9 * 8);
  for (i = 0; i < ctx->n; i++)
    assert_int_not_equal(ctx->obs[i].col, 11);
  /* Melton's helpline "<5" is 0..4: a TOTAL of 107 cannot be right. */
  fake_reset(ctx);
  seven = strstr(data, "<5,12,6,11,103");
  assert_non_null(seven);
  memcpy(seven + 11, "107", 3);
  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 1);
  assert_int_equal(ctx->warn[0].line, 6);
  assert_int_equal(ctx->warn[0].col, 11);
  assert_string_equal(ctx->warn[0].msg, "TOTAL does not add up: the columns "
                                        "give 100 to 104, the total is 107");
  free(data);
  free(opts);
}

#define TOTAL_ROW                                                              \
  "{\"layout\": \"wide\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"period\": \"FY2024-25-Q1\"},"                                \
  " \"columns\": {\"area\": \"Area\"},"                                        \
  " \"across\": {\"field\": \"measure\", \"columns\": {"                       \
  "   \"Referrals\": \"referrals_received\", \"Supported\": "                  \
  "\"individuals_supported\"}},"                                               \
  " \"total\": {\"row\": {\"column\": \"Area\", \"match\": \"Total\"}}}"

static void test_total_row_checks_the_rows_above(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t i;

  assert_int_equal(parse_text(ctx, TOTAL_ROW,
                              "Area,Referrals,Supported\n"
                              "Blaby,2,3\n"
                              "Melton,<5,4\n"
                              " total ,5,9\n" /* 2..6 holds 5; 7 is not 9 */
                              "Charnwood,6,1\n"
                              "Total,6,1\n", /* only the rows since the last */
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n_warn, 1);
  assert_int_equal(ctx->warn[0].line, 4);
  assert_int_equal(ctx->warn[0].col, 3);
  assert_string_equal(ctx->warn[0].msg,
                      "Supported, Total row does not add up: the rows above "
                      "give 7, the total is 9");
  assert_int_equal(ctx->n, 6);
  for (i = 0; i < ctx->n; i++)
    assert_int_not_equal(ctx->obs[i].line, 4);
}

static void test_gate_total_row_adds_up(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("leics_gate");
  size_t len;
  char *data = read_spool_sample(
      "leics_gate", "leics_gate_grt_quarterly_return_2024-25_Q1.xlsx", &len);

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 0);
  assert_int_equal(ctx->n, 7 * 4);
  /* Areas pass as written; the hub knows "Charnwood". */
  assert_int_equal(
      find(ctx, "Charnwood", "professionals_trained", "FY2024-25-Q1")->value,
      12);
  free(data);
  free(opts);
}

static void test_total_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\","
                    "   \"period\": \"FY2024-25\"},"
                    " \"columns\": {\"value\": \"V\"},"
                    " \"total\": {\"column\": \"TOTAL\"}}",
                    "options.total: only a wide layout has it");
  expect_open_error("{\"layout\": \"wide\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\"},"
                    " \"across\": {\"field\": \"period\", \"columns\": "
                    "   {\"Q1\": \"FY2024-25-Q1\"}},"
                    " \"total\": {}}",
                    "options.total: expected \"column\", \"row\" or both");
  expect_open_error("{\"layout\": \"wide\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"measure\": \"m\"},"
                    " \"across\": {\"field\": \"period\", \"columns\": "
                    "   {\"Q1\": \"FY2024-25-Q1\"}},"
                    " \"total\": {\"row\": \"Total\"}}",
                    "options.total.row \"Total\": expected an object "
                    "{\"column\": C, \"match\": T}");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_total_option_errors),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_total_column_checked_with_suppressed_bounds),
      T(test_freeva_total_column_adds_up),
      T(test_total_row_checks_the_rows_above),
      T(test_gate_total_row_adds_up),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
