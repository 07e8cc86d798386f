/*
 * test_number.c: one cell, read as partners write numbers.
 *
 * The cases are the cells of the sample returns (Freeva, Rutland, WALL, the
 * LCC register) and the edges around them: overflow, bad grouping, signs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dahub/number.h"

static struct dahub_number parse_ok(const char *s, unsigned flags) {
  struct dahub_number n;

  assert_int_equal(dahub_number_parse(s, strlen(s), flags, &n), 0);
  return n;
}

static void expect_number(const char *s, unsigned flags, int64_t value,
                          uint8_t scale) {
  struct dahub_number n = parse_ok(s, flags);

  assert_int_equal(n.kind, DAHUB_NUM_NUMBER);
  assert_int_equal(n.value, value);
  assert_int_equal(n.scale, scale);
}

static void expect_kind(const char *s, unsigned flags,
                        enum dahub_num_kind kind) {
  struct dahub_number n = parse_ok(s, flags);

  assert_int_equal(n.kind, kind);
}

static void test_plain_integers(void **state) {
  (void)state;
  expect_number("31", 0, 31, 0);
  expect_number("0", 0, 0, 0);
  expect_number("007", 0, 7, 0);
  expect_number(" 14 ", 0, 14, 0);
  expect_number("\xC2\xA0"
                "14\xC2\xA0",
                0, 14, 0); /* Excel's no-break spaces */
  expect_number("-3", 0, -3, 0);
  expect_number("+3", 0, 3, 0);
}

static void test_blank_is_missing_not_zero(void **state) {
  struct dahub_number n;

  (void)state;
  expect_kind("", 0, DAHUB_NUM_BLANK);
  expect_kind("   ", 0, DAHUB_NUM_BLANK);
  expect_kind("\t\r\n", 0, DAHUB_NUM_BLANK);
  n = parse_ok(" ", 0);
  assert_int_equal(n.value, 0);
  assert_int_not_equal(n.kind, DAHUB_NUM_NUMBER);
}

static void test_suppressed_with_bound(void **state) {
  struct dahub_number n;

  (void)state;
  n = parse_ok("<5", 0);
  assert_int_equal(n.kind, DAHUB_NUM_SUPPRESSED);
  assert_int_equal(n.bound, 5);
  n = parse_ok("< 5", 0);
  assert_int_equal(n.kind, DAHUB_NUM_SUPPRESSED);
  assert_int_equal(n.bound, 5);
  n = parse_ok(" <10 ", 0);
  assert_int_equal(n.kind, DAHUB_NUM_SUPPRESSED);
  assert_int_equal(n.bound, 10);
  n = parse_ok("*", 0);
  assert_int_equal(n.kind, DAHUB_NUM_SUPPRESSED);
  assert_int_equal(n.bound, 0);
  expect_kind("<", 0, DAHUB_NUM_TEXT);
  expect_kind("<5.5", 0, DAHUB_NUM_TEXT);
  expect_kind("<five", 0, DAHUB_NUM_TEXT);
  expect_kind("**", 0, DAHUB_NUM_TEXT);
}

static void test_thousands_separators(void **state) {
  (void)state;
  expect_number("1,127,205", 0, 1127205, 0);
  expect_number("33,000", 0, 33000, 0);
  expect_number("1,000.5", 0, 10005, 1);
  expect_number("63.000", DAHUB_NUM_DECIMAL_COMMA, 63000, 0);
  expect_number("1.127.205,25", DAHUB_NUM_DECIMAL_COMMA, 112720525, 2);
}

static void test_malformed_grouping_is_text(void **state) {
  (void)state;
  expect_kind("1,2,3", 0, DAHUB_NUM_TEXT);
  expect_kind("12,34", 0, DAHUB_NUM_TEXT);
  expect_kind("1234,567", 0, DAHUB_NUM_TEXT);
  expect_kind("1,2345", 0, DAHUB_NUM_TEXT);
  expect_kind("1,", 0, DAHUB_NUM_TEXT);
  expect_kind(",5", 0, DAHUB_NUM_TEXT);
  expect_kind("1.", 0, DAHUB_NUM_TEXT);
  expect_kind(".5", 0, DAHUB_NUM_TEXT);
  /* A decimal point in a decimal-comma file is not a guess. */
  expect_kind("1.5", DAHUB_NUM_DECIMAL_COMMA, DAHUB_NUM_TEXT);
  expect_kind("96,5", 0, DAHUB_NUM_TEXT);
}

static void test_decimals_are_exact(void **state) {
  (void)state;
  expect_number("96,5", DAHUB_NUM_DECIMAL_COMMA, 965, 1);
  expect_number("96.50", 0, 9650, 2);
  expect_number("0.000000000000000001", 0, 1, 18);
  expect_number("-12.5", 0, -125, 1);
}

static void test_pound_sign(void **state) {
  struct dahub_number n;

  (void)state;
  n = parse_ok("\xC2\xA3"
               "63,000",
               0);
  assert_int_equal(n.kind, DAHUB_NUM_NUMBER);
  assert_int_equal(n.value, 63000);
  assert_int_equal(n.currency, 1);
  expect_number("\xC2\xA3 1,174,689", 0, 1174689, 0);
  expect_number("-\xC2\xA3"
                "5",
                0, -5, 0);
  expect_number("\xC2\xA3-5", 0, -5, 0);
  expect_number("\xC2\xA3"
                "63.000",
                DAHUB_NUM_DECIMAL_COMMA, 63000, 0);
  expect_kind("\xC2\xA3", 0, DAHUB_NUM_TEXT);
  expect_kind("5\xC2\xA3", 0, DAHUB_NUM_TEXT);
}

static void test_percent_is_flagged(void **state) {
  struct dahub_number n;

  (void)state;
  n = parse_ok("31%", 0);
  assert_int_equal(n.kind, DAHUB_NUM_NUMBER);
  assert_int_equal(n.value, 31);
  assert_int_equal(n.percent, 1);
  n = parse_ok("33.33 %", 0);
  assert_int_equal(n.value, 3333);
  assert_int_equal(n.scale, 2);
  assert_int_equal(n.percent, 1);
  assert_int_equal(parse_ok("31", 0).percent, 0);
}

static void test_approx_is_estimated(void **state) {
  struct dahub_number n;

  (void)state;
  n = parse_ok("approx. 33,000", 0);
  assert_int_equal(n.kind, DAHUB_NUM_NUMBER);
  assert_int_equal(n.value, 33000);
  assert_int_equal(n.estimated, 1);
  assert_int_equal(parse_ok("Approximately 12", 0).estimated, 1);
  assert_int_equal(parse_ok("c. 40", 0).estimated, 1);
  assert_int_equal(parse_ok("~7", 0).estimated, 1);
  assert_int_equal(parse_ok("approx \xC2\xA3"
                            "33,000",
                            0)
                       .value,
                   33000);
  assert_int_equal(parse_ok("33,000", 0).estimated, 0);
  expect_kind("approx.", 0, DAHUB_NUM_TEXT);
}

static void test_note_in_brackets_is_returned(void **state) {
  struct dahub_number n;
  const char *cell = "86 (Q1+Q2)";

  (void)state;
  n = parse_ok(cell, 0);
  assert_int_equal(n.kind, DAHUB_NUM_NUMBER);
  assert_int_equal(n.value, 86);
  assert_int_equal(n.note_len, 5);
  assert_ptr_equal(n.note, cell + 4);
  assert_memory_equal(n.note, "Q1+Q2", 5);
  n = parse_ok("<5 ( provisional )", 0);
  assert_int_equal(n.kind, DAHUB_NUM_SUPPRESSED);
  assert_memory_equal(n.note, "provisional", n.note_len);
  assert_null(parse_ok("86", 0).note);
}

static void test_other_text_is_text(void **state) {
  struct dahub_number n;

  (void)state;
  expect_kind("similar to Q2", 0, DAHUB_NUM_TEXT);
  expect_kind("little/none", 0, DAHUB_NUM_TEXT);
  expect_kind("77-92", 0, DAHUB_NUM_TEXT);
  expect_kind("-", 0, DAHUB_NUM_TEXT);
  expect_kind("(5)", 0, DAHUB_NUM_TEXT);
  expect_kind("5 5", 0, DAHUB_NUM_TEXT);
  expect_kind("--5", 0, DAHUB_NUM_TEXT);
  n = parse_ok("see chart (increase from Q3)", 0);
  assert_int_equal(n.kind, DAHUB_NUM_TEXT);
  assert_null(n.note);
}

static void test_400_digits_is_an_error_not_ub(void **state) {
  char big[401];
  struct dahub_number n;

  (void)state;
  memset(big, '9', 400);
  big[400] = '\0';
  assert_int_equal(dahub_number_parse(big, 400, 0, &n), -ERANGE);
  assert_int_equal(n.kind, DAHUB_NUM_TEXT);
  big[0] = '<';
  assert_int_equal(dahub_number_parse(big, 400, 0, &n), -ERANGE);
  assert_int_equal(n.kind, DAHUB_NUM_TEXT);
  /* Many leading zeros are still a small number. */
  memset(big, '0', 399);
  big[399] = '7';
  assert_int_equal(dahub_number_parse(big, 400, 0, &n), 0);
  assert_int_equal(n.value, 7);
  /* A long number followed by words is text, not "too large". */
  assert_int_equal(
      dahub_number_parse("123456789012345678901234 apples", 31, 0, &n), 0);
  assert_int_equal(n.kind, DAHUB_NUM_TEXT);
}

static void test_int64_edges(void **state) {
  struct dahub_number n;

  (void)state;
  expect_number("9223372036854775807", 0, INT64_MAX, 0);
  expect_number("-9223372036854775807", 0, -INT64_MAX, 0);
  expect_number("9,223,372,036,854,775,807", 0, INT64_MAX, 0);
  assert_int_equal(dahub_number_parse("9223372036854775808", 19, 0, &n),
                   -ERANGE);
  assert_int_equal(dahub_number_parse("0.0000000000000000001", 21, 0, &n),
                   -ERANGE);
}

static void test_length_is_respected(void **state) {
  struct dahub_number n;

  (void)state;
  /* Not NUL-terminated where it ends: only the first 2 bytes count. */
  assert_int_equal(dahub_number_parse("12345", 2, 0, &n), 0);
  assert_int_equal(n.value, 12);
  assert_int_equal(dahub_number_parse("<5", 1, 0, &n), 0);
  assert_int_equal(n.kind, DAHUB_NUM_TEXT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_integers),
      cmocka_unit_test(test_blank_is_missing_not_zero),
      cmocka_unit_test(test_suppressed_with_bound),
      cmocka_unit_test(test_thousands_separators),
      cmocka_unit_test(test_malformed_grouping_is_text),
      cmocka_unit_test(test_decimals_are_exact),
      cmocka_unit_test(test_pound_sign),
      cmocka_unit_test(test_percent_is_flagged),
      cmocka_unit_test(test_approx_is_estimated),
      cmocka_unit_test(test_note_in_brackets_is_returned),
      cmocka_unit_test(test_other_text_is_text),
      cmocka_unit_test(test_400_digits_is_an_error_not_ub),
      cmocka_unit_test(test_int64_edges),
      cmocka_unit_test(test_length_is_respected),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
