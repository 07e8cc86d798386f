/*
 * test_vocab.c: the vocabulary the hub ships (conf/vocabulary.json) and the
 * labels partners really write.
 *
 * Most tests share one load of the real file, found through
 * DAHUB_SOURCE_DIR. The load-failure tests write a small vocabulary of
 * their own into a temporary folder; a test that the same small file loads
 * without its fault shows the failure is the fault's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#include "vocab.h"

static int setup_real(void **state) {
  struct vocab *v;

  if (fixture_load_vocab(&v) != 0)
    return -1;
  *state = v;
  return 0;
}

static int teardown_real(void **state) {
  vocab_free(*state);
  return 0;
}

/* assert_string_equal, but a NULL lookup fails instead of crashing. */
static void expect_code(const char *got, const char *want) {
  if (got == NULL)
    fail_msg("no code, expected \"%s\"", want);
  assert_string_equal(got, want);
}

/* --- the shipped vocabulary --- */

static enum vocab_unit unit_of(const struct vocab *v, const char *id) {
  const struct vocab_measure *m = vocab_measure(v, id);

  if (m == NULL)
    fail_msg("no measure \"%s\"", id);
  assert_string_equal(m->id, id);
  return m->unit;
}

static void test_measure_has_its_unit(void **state) {
  const struct vocab *v = *state;

  assert_int_equal(unit_of(v, "helpline_contacts"), UNIT_COUNT);
  assert_int_equal(unit_of(v, "funding_allocated"), UNIT_GBP);
  assert_int_equal(unit_of(v, "expenditure"), UNIT_GBP);
  assert_int_equal(unit_of(v, "sa_bedspaces_available"), UNIT_BEDSPACES);
  assert_int_equal(unit_of(v, "sessions_delivered"), UNIT_SESSIONS);
  assert_int_equal(unit_of(v, "share_of"), UNIT_PERCENT);
}

static void test_unknown_measure_is_null(void **state) {
  const struct vocab *v = *state;

  assert_null(vocab_measure(v, "helpline_calls"));
  assert_null(vocab_measure(v, "Helpline_Contacts")); /* ids are exact */
  assert_null(vocab_measure(v, ""));
}

static void test_unit_rules(void **state) {
  (void)state;
  assert_string_equal(vocab_unit_name(UNIT_GBP), "gbp");
  assert_string_equal(vocab_unit_name(UNIT_COUNT), "count");
  assert_true(vocab_unit_whole(UNIT_COUNT));
  assert_true(vocab_unit_whole(UNIT_BEDSPACES));
  assert_true(vocab_unit_whole(UNIT_SESSIONS));
  assert_false(vocab_unit_whole(UNIT_GBP));
  assert_false(vocab_unit_whole(UNIT_FTE));
  assert_true(vocab_unit_signed(UNIT_GBP));
  assert_false(vocab_unit_signed(UNIT_COUNT));
  assert_false(vocab_unit_signed(UNIT_PERCENT));
}

static void test_area_codes_name_themselves(void **state) {
  const struct vocab *v = *state;

  expect_code(vocab_area(v, "E07000130"), "E07000130");
  expect_code(vocab_area(v, "X_UNKNOWN"), "X_UNKNOWN");
}

static void test_area_labels_become_codes(void **state) {
  const struct vocab *v = *state;

  expect_code(vocab_area(v, "NW Leics"), "E07000134");
  expect_code(vocab_area(v, "Hinckley & Bosworth"), "E07000132");
  expect_code(vocab_area(v, "Oadby & Wigston"), "E07000135");
  expect_code(vocab_area(v, "Charnwood"), "E07000130");
}

static void test_area_labels_fold_case_spaces_and_ampersand(void **state) {
  const struct vocab *v = *state;

  expect_code(vocab_area(v, "hinckley and bosworth"), "E07000132");
  expect_code(vocab_area(v, "  HINCKLEY  &  BOSWORTH "), "E07000132");
  expect_code(vocab_area(v, "nw-leics"), "E07000134");
  expect_code(vocab_area(v, "Out of county / unknown"), "X_UNKNOWN");
}

static void test_dimension_labels_become_codes(void **state) {
  const struct vocab *v = *state;

  assert_true(vocab_has_dim(v, "gender"));
  assert_true(vocab_has_dim(v, "ethnicity"));
  expect_code(vocab_dim_value(v, "gender", "F"), "female");
  expect_code(vocab_dim_value(v, "gender", "female"), "female");
  expect_code(vocab_dim_value(v, "ethnicity", "White - British"),
              "white_british");
  expect_code(vocab_dim_value(v, "ethnicity", "White British"),
              "white_british");
  expect_code(vocab_dim_value(v, "ethnicity", "white_british"),
              "white_british");
}

/* Partners' spreadsheets write "White – British" with an en dash as often
 * as with a hyphen: a dash is punctuation like any other. */
static void test_dimension_label_with_en_dash(void **state) {
  const struct vocab *v = *state;

  expect_code(vocab_dim_value(v, "ethnicity", "White \u2013 British"),
              "white_british");
}

static void test_plus_is_not_dropped(void **state) {
  const struct vocab *v = *state;

  expect_code(vocab_dim_value(v, "age_band", "85+"), "85+");
  assert_null(vocab_dim_value(v, "age_band", "85"));
  expect_code(vocab_dim_value(v, "age_band", "25-34"), "25-34");
}

static void test_label_of_one_dimension_is_not_another_s(void **state) {
  const struct vocab *v = *state;

  /* "M" is male for gender, nothing for ethnicity. */
  expect_code(vocab_dim_value(v, "gender", "M"), "male");
  assert_null(vocab_dim_value(v, "ethnicity", "M"));
}

static void test_unknown_labels_are_null(void **state) {
  const struct vocab *v = *state;

  assert_null(vocab_area(v, "Narnia"));
  assert_null(vocab_area(v, ""));
  assert_null(vocab_area(v, " - "));
  assert_null(vocab_area(v, NULL));
  assert_null(vocab_dim_value(v, "gender", "Z"));
  assert_null(vocab_dim_value(v, "gender", NULL));
  assert_false(vocab_has_dim(v, "shoe_size"));
  assert_null(vocab_dim_value(v, "shoe_size", "F"));
}

/* --- vocabularies written for the test --- */

struct tmpvocab {
  char dir[64];
  char path[128];
  struct errlist errs;
  struct vocab *v;
};

static int setup_tmp(void **state) {
  struct tmpvocab *t = calloc(1, sizeof *t);

  if (t == NULL)
    return -1;
  (void)snprintf(t->dir, sizeof t->dir, "/tmp/dahub-vocab-XXXXXX");
  if (mkdtemp(t->dir) == NULL)
    return -1;
  (void)snprintf(t->path, sizeof t->path, "%s/vocabulary.json", t->dir);
  *state = t;
  return 0;
}

static int teardown_tmp(void **state) {
  struct tmpvocab *t = *state;

  vocab_free(t->v);
  errlist_clear(&t->errs);
  (void)unlink(t->path);
  (void)rmdir(t->dir);
  free(t);
  return 0;
}

/* A small vocabulary; the two areas' and two genders' labels are given. */
static int load_small(struct tmpvocab *t, const char *charnwood,
                      const char *harborough, const char *female,
                      const char *male) {
  FILE *fp = fopen(t->path, "w");

  assert_non_null(fp);
  fprintf(
      fp,
      "{\n"
      "  \"measures\": {\"helpline_contacts\": {\"unit\": \"count\"}},\n"
      "  \"areas\": {\n"
      "    \"E07000130\": {\"name\": \"Charnwood\", \"labels\": [\"%s\"]},\n"
      "    \"E07000131\": {\"name\": \"Harborough\", \"labels\": [\"%s\"]}\n"
      "  },\n"
      "  \"dimensions\": {\n"
      "    \"gender\": {\"female\": [\"%s\"], \"male\": [\"%s\"]}\n"
      "  }\n"
      "}\n",
      charnwood, harborough, female, male);
  assert_int_equal(fclose(fp), 0);
  return vocab_load(t->path, &t->v, &t->errs);
}

struct search {
  const char *part;
  int found;
};

static void find_part(const char *msg, void *arg) {
  struct search *s = arg;

  if (strstr(msg, s->part) != NULL)
    s->found = 1;
}

static void expect_error_part(struct tmpvocab *t, const char *part) {
  struct search s = {part, 0};

  errlist_each(&t->errs, find_part, &s);
  if (!s.found) {
    errlist_each(&t->errs, fixture_print_error, NULL);
    fail_msg("no error containing \"%s\"", part);
  }
}

static void test_small_vocabulary_loads(void **state) {
  struct tmpvocab *t = *state;

  assert_int_equal(load_small(t, "Loughborough", "Market Harborough", "F", "M"),
                   0);
  assert_int_equal(errlist_count(&t->errs), 0);
  expect_code(vocab_area(t->v, "loughborough"), "E07000130");
  expect_code(vocab_dim_value(t->v, "gender", "m"), "male");
}

static void test_area_label_naming_two_codes_fails_to_load(void **state) {
  struct tmpvocab *t = *state;

  assert_int_equal(load_small(t, "Twin", "twin", "F", "M"), -EINVAL);
  assert_null(t->v);
  expect_error_part(t, "areas: label \"twin\" names both ");
}

static void test_label_folding_to_another_code_fails_to_load(void **state) {
  struct tmpvocab *t = *state;

  /* "Charnwood & Co" and "charnwood and co" are one label. */
  assert_int_equal(
      load_small(t, "Charnwood & Co", "charnwood and co", "F", "M"), -EINVAL);
  assert_null(t->v);
  expect_error_part(t, "label \"charnwood and co\" names both ");
}

static void test_dimension_label_naming_two_codes_fails_to_load(void **state) {
  struct tmpvocab *t = *state;

  assert_int_equal(load_small(t, "Loughborough", "Market Harborough", "X", "x"),
                   -EINVAL);
  assert_null(t->v);
  expect_error_part(t, "gender: label \"x\" names both ");
}

static void write_text(struct tmpvocab *t, const char *text) {
  FILE *fp = fopen(t->path, "w");

  assert_non_null(fp);
  assert_true(fputs(text, fp) >= 0);
  assert_int_equal(fclose(fp), 0);
}

static void test_unknown_unit_fails_to_load(void **state) {
  struct tmpvocab *t = *state;

  write_text(t, "{\n"
                "  \"measures\": {\"helpline_contacts\": {\"unit\": "
                "\"calls\"}},\n"
                "  \"areas\": {\"E07000130\": {\"name\": \"Charnwood\"}},\n"
                "  \"dimensions\": {\"gender\": {\"female\": [\"F\"]}}\n"
                "}\n");
  assert_int_equal(vocab_load(t->path, &t->v, &t->errs), -EINVAL);
  assert_null(t->v);
  expect_error_part(t,
                    "measures.helpline_contacts.unit \"calls\": expected one "
                    "of count, percent, gbp, bedspaces, fte, sessions, days");
}

/* Every part's mistakes at once: a bad unit does not hide a label two
 * codes claim, nor a bad code of a later dimension. */
static void test_every_part_s_errors_are_listed(void **state) {
  struct tmpvocab *t = *state;

  write_text(t, "{\n"
                "  \"measures\": {\"helpline_contacts\": {\"unit\": "
                "\"nights\", \"basis\": \"snapshots\"}},\n"
                "  \"areas\": {\"E07000130\": {\"name\": \"Charnwood\"}},\n"
                "  \"dimensions\": {\"gender\": {\"female\": [\"M\"], "
                "\"male\": [\"M\"]},\n"
                "    \"risk_level\": {\"Very High\": []}}\n"
                "}\n");
  assert_int_equal(vocab_load(t->path, &t->v, &t->errs), -EINVAL);
  expect_error_part(t, "measures.helpline_contacts.unit \"nights\": expected "
                       "one of count");
  expect_error_part(t, "gender: label \"m\" names both female and male");
  expect_error_part(t, "risk_level: code \"Very High\": expected lower-case");
  assert_int_equal(errlist_count(&t->errs), 3);
}

/* A code is stored and published as it is, so one that JSON or CSV would
 * have to escape (a quote, a capital, a space) is refused, each named. */
static void test_codes_that_would_need_escaping_fail_to_load(void **state) {
  static const char *const bad[] = {"fe\\\"male", "Female", "not known", ""};
  struct tmpvocab *t = *state;
  char text[512];

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    (void)snprintf(text, sizeof text,
                   "{\n"
                   "  \"measures\": {\"helpline_contacts\": {\"unit\": "
                   "\"count\"}},\n"
                   "  \"areas\": {\"E07000130\": {\"name\": \"Charnwood\"}},\n"
                   "  \"dimensions\": {\"gender\": {\"%s\": [\"F\"]}}\n"
                   "}\n",
                   bad[i]);
    write_text(t, text);
    assert_int_equal(vocab_load(t->path, &t->v, &t->errs), -EINVAL);
    assert_null(t->v);
    expect_error_part(t, "lower-case letters, digits and _ + - . only");
    errlist_clear(&t->errs);
  }
  write_text(t,
             "{\n"
             "  \"measures\": {\"helpline_contacts\": {\"unit\": "
             "\"count\"}},\n"
             "  \"areas\": {\"Charnwood\": {\"name\": \"Charnwood\"}},\n"
             "  \"dimensions\": {\"age_band\": {\"85+\": [], \"18-24\": []}}\n"
             "}\n");
  assert_int_equal(vocab_load(t->path, &t->v, &t->errs), -EINVAL);
  expect_error_part(t, "areas: code \"Charnwood\": expected an ONS GSS code");
}

/* The summary publishes a partner's figures by service as a breakdown
 * called "service": a dimension of that name would merge with them. */
static void test_dimension_called_service_fails_to_load(void **state) {
  struct tmpvocab *t = *state;

  write_text(t, "{\n"
                "  \"measures\": {\"helpline_contacts\": {\"unit\": "
                "\"count\"}},\n"
                "  \"areas\": {\"E07000130\": {\"name\": \"Charnwood\"}},\n"
                "  \"dimensions\": {\"service\": {\"helpline\": []}}\n"
                "}\n");
  assert_int_equal(vocab_load(t->path, &t->v, &t->errs), -EINVAL);
  assert_null(t->v);
  expect_error_part(t, "dimensions.service: the name is the summary's own");
}

/* A dimension declared before its codes are agreed ("trans_status": {})
 * is a table without labels: it loads, and knows no value. */
static void test_dimension_without_codes_loads(void **state) {
  struct tmpvocab *t = *state;

  write_text(t, "{\n"
                "  \"measures\": {\"helpline_contacts\": {\"unit\": "
                "\"count\"}},\n"
                "  \"areas\": {\"E07000130\": {\"name\": \"Charnwood\"}},\n"
                "  \"dimensions\": {\"trans_status\": {}}\n"
                "}\n");
  assert_int_equal(vocab_load(t->path, &t->v, &t->errs), 0);
  assert_true(vocab_has_dim(t->v, "trans_status"));
  assert_null(vocab_dim_value(t->v, "trans_status", "trans"));
}

int main(void) {
  const struct CMUnitTest real[] = {
      cmocka_unit_test(test_measure_has_its_unit),
      cmocka_unit_test(test_unknown_measure_is_null),
      cmocka_unit_test(test_unit_rules),
      cmocka_unit_test(test_area_codes_name_themselves),
      cmocka_unit_test(test_area_labels_become_codes),
      cmocka_unit_test(test_area_labels_fold_case_spaces_and_ampersand),
      cmocka_unit_test(test_dimension_labels_become_codes),
      cmocka_unit_test(test_dimension_label_with_en_dash),
      cmocka_unit_test(test_plus_is_not_dropped),
      cmocka_unit_test(test_label_of_one_dimension_is_not_another_s),
      cmocka_unit_test(test_unknown_labels_are_null),
  };
  const struct CMUnitTest written[] = {
      cmocka_unit_test_setup_teardown(test_small_vocabulary_loads, setup_tmp,
                                      teardown_tmp),
      cmocka_unit_test_setup_teardown(
          test_area_label_naming_two_codes_fails_to_load, setup_tmp,
          teardown_tmp),
      cmocka_unit_test_setup_teardown(
          test_label_folding_to_another_code_fails_to_load, setup_tmp,
          teardown_tmp),
      cmocka_unit_test_setup_teardown(
          test_dimension_label_naming_two_codes_fails_to_load, setup_tmp,
          teardown_tmp),
      cmocka_unit_test_setup_teardown(test_every_part_s_errors_are_listed,
                                      setup_tmp, teardown_tmp),
      cmocka_unit_test_setup_teardown(test_unknown_unit_fails_to_load,
                                      setup_tmp, teardown_tmp),
      cmocka_unit_test_setup_teardown(
          test_codes_that_would_need_escaping_fail_to_load, setup_tmp,
          teardown_tmp),
      cmocka_unit_test_setup_teardown(test_dimension_without_codes_loads,
                                      setup_tmp, teardown_tmp),
      cmocka_unit_test_setup_teardown(
          test_dimension_called_service_fails_to_load, setup_tmp, teardown_tmp),
  };
  int failed = 0;

  failed += cmocka_run_group_tests_name("shipped vocabulary", real, setup_real,
                                        teardown_real);
  failed +=
      cmocka_run_group_tests_name("written vocabularies", written, NULL, NULL);
  return failed;
}
