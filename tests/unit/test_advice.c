/*
 * test_advice.c: a failed file's problems in plain words (advice.c): where
 * as Excel shows it, each kind's own words, nothing of a personal feed's
 * cells, lines of at most 72 characters. All texts synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "advice.h"

static const struct advice_file AGGREGATE = {"turning_point", "q1.tsv", 0};
static const struct advice_file PERSONAL = {"lwa", "extract.csv", 1};

static struct dahub_error cell(uint32_t line, uint32_t col, const char *field,
                               const char *expected, const char *found,
                               const char *code, const char *msg) {
  struct dahub_error e = {0};

  (void)dahub_error_set(&e, -22, line, col, "%s", msg);
  dahub_error_detail(&e, field, expected, found);
  dahub_error_code(&e, code);
  return e;
}

/* The text with its line breaks as spaces, to compare sentences. */
static char *flat(char *text) {
  char *o = text;

  for (const char *p = text; *p != '\0'; p++) {
    char c = *p == '\n' ? ' ' : *p;

    if (c == ' ' && o > text && o[-1] == ' ')
      continue;
    *o++ = c;
  }
  *o = '\0';
  return text;
}

static void assert_contains(const char *text, const char *part) {
  if (strstr(text, part) == NULL)
    fail_msg("\"%s\" not in:\n%s", part, text);
}

static void assert_lines_fit(const char *text) {
  for (const char *p = text; *p != '\0';) {
    size_t n = strcspn(p, "\n");

    if (n > 72)
      fail_msg("a line of %zu characters in:\n%s", n, text);
    p += n + (p[n] == '\n');
  }
}

static void test_text_where_a_number_goes(void **state) {
  struct dahub_error e =
      cell(7, 3, "Count", "a number, blank, or <N / *", "about six",
           DAHUB_CODE_NOT_A_NUMBER, "Count: not a number");
  char *t = advice_text(&AGGREGATE, &e, 1, 1);

  (void)state;
  assert_non_null(t);
  assert_lines_fit(t);
  flat(t);
  assert_contains(t, "We could not take in your file \"q1.tsv\".");
  assert_contains(t, "Row 7, column C (Count): we expected a number and found "
                     "text (\"about six\"). Please enter a number, leave the "
                     "cell blank if you have no figure, or write <5 for a "
                     "small number.");
  assert_contains(t, "\"q1.tsv.error.json\"");
  free(t);
}

/* For a personal feed, found holds a description: not even that is said. */
static void test_a_personal_feed_is_not_quoted(void **state) {
  struct dahub_error e[2] = {
      cell(14, 28, "referral_date", "a date such as 13/06/2024",
           "text of 16 characters (letters and digits)", DAHUB_CODE_DATE,
           "referral_date: not a date"),
      cell(15, 2, "district", "a label listed in the mapping",
           "text of 8 characters (letters)", DAHUB_CODE_LABEL,
           "district: no code for this area")};
  char *t = advice_text(&PERSONAL, e, 2, 2);

  (void)state;
  assert_non_null(t);
  flat(t);
  assert_null(strstr(t, "characters"));
  assert_contains(t, "1. Row 14, column AB (referral_date): we expected a date "
                     "such as 13/06/2024 and found something else.");
  assert_contains(t, "2. Row 15, column B (district): we did not recognise "
                     "this entry.");
  free(t);
}

static void test_each_file_wide_kind_has_its_words(void **state) {
  static const struct {
    const char *code, *field, *expected, *found, *words;
  } kinds[] = {
      {DAHUB_CODE_EMPTY_FILE, "file", NULL, "nothing",
       "The file is empty: there is nothing in it."},
      {DAHUB_CODE_DELIMITER, "file", "tabs", "semicolons",
       "The columns of the file are separated by semicolons, but this return "
       "is read with its columns separated by tabs."},
      {DAHUB_CODE_NO_HEADER, "header", "a row starting with \"District\"", NULL,
       "we looked for a row starting with \"District\", the template's "
       "column headings."},
      {DAHUB_CODE_NO_FIGURES, "file", "rows of figures", "none",
       "the headings of the return but no rows of figures"},
      {DAHUB_CODE_TOO_LARGE, "file", "a smaller file", "200000000 bytes",
       "larger than we can accept"},
  };

  (void)state;
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    struct dahub_error e = cell(0, 0, kinds[i].field, kinds[i].expected,
                                kinds[i].found, kinds[i].code, "x");
    char *t = advice_text(&AGGREGATE, &e, 1, 1);

    assert_non_null(t);
    assert_lines_fit(t);
    assert_contains(flat(t), kinds[i].words);
    assert_null(strstr(t, "Row ")); /* nothing to point at */
    free(t);
  }
}

/* A missing column, with the headings found listed, unless personal. */
static void test_a_missing_column_lists_the_headings(void **state) {
  struct dahub_error e =
      cell(5, 1, "Count", "a column with this header",
           "District | Measure | Total", DAHUB_CODE_NO_COLUMN,
           "Count: the header has no such column");
  char *t = advice_text(&AGGREGATE, &e, 1, 1);

  (void)state;
  assert_contains(flat(t), "We found the row of column headings (row 5), but "
                           "no column called \"Count\". The headings there "
                           "are: District | Measure | Total.");
  free(t);
  t = advice_text(&PERSONAL, &e, 1, 1);
  assert_null(strstr(t, "District"));
  free(t);
}

/* An error of no known kind is said in its own message. */
static void test_an_unknown_kind_says_its_message(void **state) {
  struct dahub_error e = cell(3, 0, "", "a closing quote", NULL, "",
                              "a quote opened on line 3 is never closed");
  char *t = advice_text(&AGGREGATE, &e, 1, 1);

  (void)state;
  assert_contains(flat(t), "Row 3: a quote opened on line 3 is never closed. "
                           "We expected a closing quote.");
  free(t);
}

/* Twenty problems are worded; the rest are counted. */
static void test_many_problems_are_numbered_and_counted(void **state) {
  struct dahub_error e[25];
  char *t;

  (void)state;
  for (unsigned i = 0; i < 25; i++)
    e[i] = cell(10 + i, 2, "Count", "a number, blank, or <N / *", "n/k",
                DAHUB_CODE_NOT_A_NUMBER, "Count: not a number");
  t = advice_text(&AGGREGATE, e, 25, 40);
  assert_lines_fit(t);
  flat(t);
  assert_contains(t, "please correct the problems below");
  assert_contains(t, "20. Row 29, column B (Count)");
  assert_null(strstr(t, "21. "));
  assert_contains(t, "There are 20 more problems (the .error.json report lists "
                     "5 of them); please look through the whole file");
  free(t);
}

static void test_an_entry_set_aside_unread(void **state) {
  char *t = advice_refusal(&AGGREGATE, "a named pipe (FIFO)");

  (void)state;
  assert_lines_fit(t);
  assert_contains(flat(t), "We could not take in \"q1.tsv\": it is a named "
                           "pipe (FIFO), not an ordinary file, so it was set "
                           "aside without being opened.");
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_where_a_number_goes),
      cmocka_unit_test(test_a_personal_feed_is_not_quoted),
      cmocka_unit_test(test_each_file_wide_kind_has_its_words),
      cmocka_unit_test(test_a_missing_column_lists_the_headings),
      cmocka_unit_test(test_an_unknown_kind_says_its_message),
      cmocka_unit_test(test_many_problems_are_numbered_and_counted),
      cmocka_unit_test(test_an_entry_set_aside_unread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
