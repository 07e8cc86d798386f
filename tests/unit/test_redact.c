/*
 * test_redact.c: what an error report may say of a cell (redact.c).
 *
 * For a feed of personal data a cell is described, never quoted; for any
 * other it is quoted, at most 40 characters of it. All texts synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

static struct dahub_error with_found(const char *found) {
  struct dahub_error e = {0};

  (void)dahub_error_set(&e, -22, 3, 2, "referral_date: not a date");
  dahub_error_detail(&e, "referral_date", "a date such as 31/05/2024", found);
  return e;
}

static void test_a_reference_is_described_not_quoted(void **state) {
  struct dahub_error e = with_found("LWA-2024-0001234");

  (void)state;
  redact_error(&e, 1);
  assert_string_equal(
      e.found, "text of 16 characters (letters, digits and other characters)");
  /* the rest of the error still tells the data lead where and why */
  assert_string_equal(e.field, "referral_date");
  assert_string_equal(e.msg, "referral_date: not a date");
  assert_int_equal(e.line, 3);
  assert_int_equal(e.col, 2);
}

static void test_a_name_is_described_not_quoted(void **state) {
  struct dahub_error e = with_found("Jane Exampleperson");

  (void)state;
  redact_error(&e, 1);
  assert_string_equal(e.found, "text of 18 characters (letters and spaces)");
}

static void test_no_byte_of_the_cell_stays_in_found(void **state) {
  char long_name[120];
  struct dahub_error e;

  (void)state;
  memset(long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  e = with_found(long_name);
  redact_error(&e, 1);
  /* past the description's end, the field is zeroed, not the old tail */
  for (size_t i = strlen(e.found); i < sizeof e.found; i++)
    assert_int_equal(e.found[i], 0);
}

static void test_one_character_and_digits(void **state) {
  char out[128];

  (void)state;
  redact_describe(out, sizeof out, "7");
  assert_string_equal(out, "text of 1 character (digits)");
  redact_describe(out, sizeof out, "Zo\xC3\xAB");
  assert_string_equal(out, "text of 3 characters (letters and other "
                           "characters)");
}

/* A plugin's found holds at most 127 bytes: one that long may have been
 * cut, and the description must not claim an exact length. */
static void test_a_found_that_may_have_been_cut_says_or_more(void **state) {
  char cell[200];
  struct dahub_error e;

  (void)state;
  memset(cell, 'a', sizeof cell - 1);
  cell[sizeof cell - 1] = '\0';
  e = with_found(cell); /* dahub_error_detail cuts it to 127 bytes */
  redact_error(&e, 1);
  assert_string_equal(e.found, "text of 127 characters or more (letters)");
}

static void test_other_feeds_quote_at_most_40_characters(void **state) {
  const char *text = "This comment runs on well past forty characters, "
                     "surely";
  struct dahub_error e = with_found(text);

  (void)state;
  redact_error(&e, 0);
  assert_int_equal(strlen(e.found), REDACT_QUOTE_MAX);
  assert_memory_equal(e.found, text, REDACT_QUOTE_MAX);
  e = with_found("Atlantis");
  redact_error(&e, 0);
  assert_string_equal(e.found, "Atlantis");
}

static void test_the_cut_keeps_whole_characters(void **state) {
  char text[200] = "", out[128];

  (void)state;
  for (int i = 0; i < 45; i++)
    memcpy(text + 2 * i, "\xC3\xA9", 2); /* é: two bytes each */
  redact_cut(out, sizeof out, text, 40);
  assert_int_equal(strlen(out), 80); /* 40 characters */
  redact_cut(out, 8, text, 40);      /* the buffer is shorter still */
  assert_int_equal(strlen(out), 6);
}

static void test_our_own_words_are_kept(void **state) {
  struct dahub_error e = with_found("(none)");

  (void)state;
  redact_error(&e, 1);
  assert_string_equal(e.found, "(none)");
  e = with_found("something else");
  redact_error(&e, 1);
  assert_string_equal(e.found, "something else");
  e = with_found("");
  redact_error(&e, 1);
  assert_string_equal(e.found, "");
  redact_error(NULL, 1);
}

/* A header row's cells (a list, dahub/error.h): each cut by itself and
 * shown "a | b | c"; for a personal feed only counted. */
static void test_a_list_of_cells_is_cut_cell_by_cell(void **state) {
  struct dahub_error e = {0};
  char found[128];

  (void)state;
  (void)snprintf(found, sizeof found, "District%cMeasure%c%s%c",
                 DAHUB_FOUND_SEP, DAHUB_FOUND_SEP,
                 "A heading far longer than forty characters, cut",
                 DAHUB_FOUND_SEP);
  (void)dahub_error_set(&e, -22, 5, 1, "Count: the header has no such column");
  dahub_error_detail(&e, "Count", "a column with this header", found);
  redact_error(&e, 0);
  assert_string_equal(e.found, "District | Measure | A heading far longer than "
                               "forty characte");
  dahub_error_detail(&e, "Count", "a column with this header", found);
  redact_error(&e, 1);
  assert_string_equal(e.found, "3 cells, not quoted (the feed holds data about "
                               "people)");
  assert_null(strstr(e.found, "District"));
}

/* The names of delimiters are ours, kept for any feed. */
static void test_delimiter_names_are_kept(void **state) {
  struct dahub_error e = with_found(DAHUB_DELIM_TABS);

  (void)state;
  redact_error(&e, 1);
  assert_string_equal(e.found, "tabs");
  assert_int_equal(redact_placeholder("semicolons"), 1);
  assert_int_equal(redact_placeholder("Semicolons!"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_reference_is_described_not_quoted),
      cmocka_unit_test(test_a_name_is_described_not_quoted),
      cmocka_unit_test(test_no_byte_of_the_cell_stays_in_found),
      cmocka_unit_test(test_one_character_and_digits),
      cmocka_unit_test(test_a_found_that_may_have_been_cut_says_or_more),
      cmocka_unit_test(test_other_feeds_quote_at_most_40_characters),
      cmocka_unit_test(test_the_cut_keeps_whole_characters),
      cmocka_unit_test(test_our_own_words_are_kept),
      cmocka_unit_test(test_a_list_of_cells_is_cut_cell_by_cell),
      cmocka_unit_test(test_delimiter_names_are_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
