/*
 * test_validate.c: one observation from a plugin, judged by the shipped
 * vocabulary (conf/vocabulary.json, found through DAHUB_SOURCE_DIR).
 *
 * Every test starts from one good observation (a count of helpline contacts
 * for Charnwood in FY2024-25-Q1, found at line 14, column 3) and changes
 * the one thing it is about. A rejection is checked in full: the code, and
 * the error's line, column, field, expected and found, because that is the
 * data lead's report.
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

#include "fixture.h"

#include "validate.h"

static int setup(void **state) {
  struct vocab *v;

  if (fixture_load_vocab(&v) != 0)
    return -1;
  *state = v;
  return 0;
}

static int teardown(void **state) {
  vocab_free(*state);
  return 0;
}

static struct dahub_obs good(void) {
  return (struct dahub_obs){
      .area = "E07000130",
      .period = "FY2024-25-Q1",
      .measure = "helpline_contacts",
      .status = DAHUB_ACTUAL,
      .value = 31,
      .scale = 0,
      .line = 14,
      .col = 3,
      .raw = "31",
  };
}

static struct validated out;
static struct dahub_error err;

static int check(const struct vocab *v, const struct dahub_obs *o) {
  memset(&out, 0x55, sizeof out);
  memset(&err, 0, sizeof err);
  return validate_obs(v, o, NULL, &out, &err);
}

static void expect_ok(const struct vocab *v, const struct dahub_obs *o) {
  if (check(v, o) != 0)
    fail_msg("refused: %s (field %s, found %s)", err.msg, err.field, err.found);
}

static void expect_refused(const struct vocab *v, const struct dahub_obs *o,
                           const char *field, const char *expected,
                           const char *found, const char *msg) {
  assert_int_equal(check(v, o), -EINVAL);
  assert_int_equal(err.line, o->line);
  assert_int_equal(err.col, o->col);
  assert_string_equal(err.field, field);
  assert_string_equal(err.expected, expected);
  assert_string_equal(err.found, found);
  assert_string_equal(err.msg, msg);
}

static void test_good_observation_is_normalised(void **state) {
  struct dahub_obs o = good();

  expect_ok(*state, &o);
  assert_null(out.obs.service_id);
  assert_string_equal(out.obs.area_code, "E07000130");
  assert_string_equal(out.obs.period, "FY2024-25-Q1");
  assert_string_equal(out.obs.measure_id, "helpline_contacts");
  assert_string_equal(out.obs.dimensions, "{}");
  assert_string_equal(out.obs.unit, "count");
  assert_int_equal(out.obs.status, DAHUB_ACTUAL);
  assert_int_equal(out.obs.value, 31);
  assert_int_equal(out.obs.scale, 0);
  assert_int_equal(out.obs.line, 14);
  assert_int_equal(out.obs.col, 3);
  assert_string_equal(out.obs.raw, "31");
}

static void test_area_label_becomes_code(void **state) {
  struct dahub_obs o = good();

  o.area = "NW Leics";
  expect_ok(*state, &o);
  assert_string_equal(out.obs.area_code, "E07000134");
}

static void test_unknown_measure_is_refused(void **state) {
  struct dahub_obs o = good();

  o.measure = "helpline_calls";
  expect_refused(*state, &o, "measure", "a measure of the vocabulary",
                 "helpline_calls", "unknown measure");
}

static void test_missing_measure_is_refused(void **state) {
  struct dahub_obs o = good();

  o.measure = NULL;
  expect_refused(*state, &o, "measure", "a measure of the vocabulary", "(none)",
                 "unknown measure");
}

static void test_unknown_area_is_refused(void **state) {
  struct dahub_obs o = good();

  o.area = "Narnia";
  expect_refused(*state, &o, "area", "an area code or a known area name",
                 "Narnia", "unknown area");
}

static void test_unknown_dimension_is_refused(void **state) {
  const struct dahub_dim d[] = {{"shoe_size", "9", 0}};
  struct dahub_obs o = good();

  o.dims = d;
  o.n_dims = 1;
  expect_refused(*state, &o, "dimension", "a dimension of the vocabulary",
                 "shoe_size", "unknown dimension");
}

static void test_unknown_dimension_value_is_refused(void **state) {
  const struct dahub_dim d[] = {{"gender", "Z", 0}};
  struct dahub_obs o = good();

  o.dims = d;
  o.n_dims = 1;
  expect_refused(*state, &o, "gender", "a value of this dimension", "Z",
                 "unknown value for this dimension");
}

static void test_bad_periods_are_refused(void **state) {
  static const char *const bad[] = {"FY2024-26", "FY2024-25-Q5", "2024-25",
                                    "Q1 2024/25"};

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct dahub_obs o = good();

    o.period = bad[i];
    expect_refused(*state, &o, "period", "a period such as FY2024-25-Q1",
                   bad[i], "bad period");
  }
}

static void test_every_period_kind_is_accepted(void **state) {
  static const char *const ok[] = {"FY2024-25", "FY2024-25-H2", "FY2024-25-Q4",
                                   "FY2024-25-M12"};

  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    struct dahub_obs o = good();

    o.period = ok[i];
    expect_ok(*state, &o);
    assert_string_equal(out.obs.period, ok[i]);
  }
}

static void test_negative_count_is_refused(void **state) {
  struct dahub_obs o = good();

  o.value = -3;
  o.raw = "-3";
  expect_refused(*state, &o, "value", "zero or more", "-3",
                 "a negative figure for a measure that cannot be negative");
}

static void test_negative_money_is_allowed(void **state) {
  struct dahub_obs o = good();

  o.measure = "expenditure";
  o.value = -125050; /* -£1,250.50: a refund */
  o.scale = 2;
  expect_ok(*state, &o);
  assert_string_equal(out.obs.unit, "gbp");
  assert_int_equal(out.obs.value, -125050);
  assert_int_equal(out.obs.scale, 2);
}

static void test_fraction_for_count_is_refused(void **state) {
  struct dahub_obs o = good();

  o.value = 125; /* 12.5 */
  o.scale = 1;
  o.raw = "12.5";
  expect_refused(*state, &o, "value", "a whole number", "12.5",
                 "a fraction for a measure that counts whole things");
}

static void test_trailing_zero_does_not_make_fraction_whole(void **state) {
  struct dahub_obs o = good();

  o.value = 1250; /* "12.50" is 12.5: still a fraction */
  o.scale = 2;
  o.raw = "12.50";
  expect_refused(*state, &o, "value", "a whole number", "12.50",
                 "a fraction for a measure that counts whole things");
}

static void test_zero_fraction_count_is_whole(void **state) {
  struct dahub_obs o = good();

  o.value = 1200; /* "12.00" */
  o.scale = 2;
  expect_ok(*state, &o);
  assert_int_equal(out.obs.value, 12);
  assert_int_equal(out.obs.scale, 0);
}

static void test_fraction_for_bedspaces_is_refused(void **state) {
  struct dahub_obs o = good();

  o.measure = "sa_bedspaces_available";
  o.value = 15;
  o.scale = 1;
  o.raw = "1.5";
  expect_refused(*state, &o, "value", "a whole number", "1.5",
                 "a fraction for a measure that counts whole things");
}

static void test_whole_pounds_become_pence(void **state) {
  struct dahub_obs o = good();

  o.measure = "funding_allocated";
  o.value = 63000; /* "£63,000" */
  o.scale = 0;
  expect_ok(*state, &o);
  assert_int_equal(out.obs.value, 6300000);
  assert_int_equal(out.obs.scale, 2);
}

static void test_money_with_one_place_becomes_pence(void **state) {
  struct dahub_obs o = good();

  o.measure = "funding_allocated";
  o.value = 125; /* "12.5" */
  o.scale = 1;
  expect_ok(*state, &o);
  assert_int_equal(out.obs.value, 1250);
  assert_int_equal(out.obs.scale, 2);
}

static void test_money_with_trailing_zeros_becomes_pence(void **state) {
  struct dahub_obs o = good();

  o.measure = "funding_allocated";
  o.value = 12500; /* "12.500" */
  o.scale = 3;
  expect_ok(*state, &o);
  assert_int_equal(out.obs.value, 1250);
  assert_int_equal(out.obs.scale, 2);
}

static void test_money_below_a_penny_is_refused(void **state) {
  struct dahub_obs o = good();

  o.measure = "funding_allocated";
  o.value = 12345; /* "12.345" */
  o.scale = 3;
  o.raw = "12.345";
  expect_refused(*state, &o, "value", "pounds and pence", "12.345",
                 "money with more than two decimal places");
}

static void test_money_too_large_for_pence_is_refused(void **state) {
  struct dahub_obs o = good();

  o.measure = "funding_allocated";
  o.value = INT64_MAX / 10; /* fits as pounds, not as pence */
  o.raw = NULL;
  expect_refused(*state, &o, "value", "a smaller amount", "(a number)",
                 "amount too large");
}

static void test_percent_keeps_its_places(void **state) {
  struct dahub_obs o = good();

  o.measure = "share_of";
  o.value = 965; /* "96.5%" */
  o.scale = 1;
  expect_ok(*state, &o);
  assert_string_equal(out.obs.unit, "percent");
  assert_int_equal(out.obs.value, 965);
  assert_int_equal(out.obs.scale, 1);
}

static void test_dimensions_become_sorted_canonical_json(void **state) {
  const struct dahub_dim d[] = {{"gender", "F", 0}, {"age_band", "25-34", 0}};
  struct dahub_obs o = good();

  o.dims = d;
  o.n_dims = 2;
  expect_ok(*state, &o);
  assert_string_equal(out.obs.dimensions,
                      "{\"age_band\":\"25-34\",\"gender\":\"female\"}");
}

static void test_same_breakdown_in_any_order_is_equal(void **state) {
  const struct dahub_dim d1[] = {{"ethnicity", "White - British", 0},
                                 {"gender", "Woman", 0},
                                 {"age_band", "18-24", 0}};
  const struct dahub_dim d2[] = {{"age_band", "18-24", 0},
                                 {"gender", "female", 0},
                                 {"ethnicity", "white_british", 0}};
  struct dahub_obs o = good();
  char first[VALIDATE_DIMS_MAX];

  o.dims = d1;
  o.n_dims = 3;
  expect_ok(*state, &o);
  (void)snprintf(first, sizeof first, "%s", out.obs.dimensions);
  o.dims = d2;
  expect_ok(*state, &o);
  assert_string_equal(out.obs.dimensions, first);
  assert_string_equal(first, "{\"age_band\":\"18-24\",\"ethnicity\":"
                             "\"white_british\",\"gender\":\"female\"}");
}

static void test_same_dimension_twice_is_refused(void **state) {
  const struct dahub_dim d[] = {{"gender", "F", 0}, {"gender", "M", 0}};
  struct dahub_obs o = good();

  o.dims = d;
  o.n_dims = 2;
  expect_refused(*state, &o, "gender", "each dimension once", "gender",
                 "the same dimension twice");
}

static void test_too_many_dimensions_are_refused(void **state) {
  const struct dahub_dim d[VALIDATE_MAX_DIMS + 1] = {{"gender", "F", 0}};
  struct dahub_obs o = good();

  o.dims = d;
  o.n_dims = VALIDATE_MAX_DIMS + 1;
  expect_refused(*state, &o, "dimensions", "at most 8 breakdowns", "(none)",
                 "too many breakdowns for one figure");
}

static void test_missing_value_is_not_checked_as_a_number(void **state) {
  struct dahub_obs o = good();

  o.status = DAHUB_MISSING;
  o.value = -1; /* meaningless for a blank cell: not a negative count */
  o.scale = 3;
  o.raw = "";
  expect_ok(*state, &o);
  assert_int_equal(out.obs.status, DAHUB_MISSING);
}

static void test_suppressed_keeps_its_bound(void **state) {
  struct dahub_obs o = good();

  o.status = DAHUB_SUPPRESSED;
  o.bound = 5;
  o.raw = "<5";
  expect_ok(*state, &o);
  assert_int_equal(out.obs.status, DAHUB_SUPPRESSED);
  assert_int_equal(out.obs.bound, 5);
}

static void test_negative_suppression_bound_is_refused(void **state) {
  struct dahub_obs o = good();

  o.status = DAHUB_SUPPRESSED;
  o.bound = -5;
  o.raw = "<-5";
  expect_refused(*state, &o, "value", "a suppression bound of zero or more",
                 "<-5", "bad suppression bound");
}

static void test_estimated_is_checked_like_actual(void **state) {
  struct dahub_obs o = good();

  o.status = DAHUB_ESTIMATED;
  o.value = -40;
  o.raw = "approx. -40";
  expect_refused(*state, &o, "value", "zero or more", "approx. -40",
                 "a negative figure for a measure that cannot be negative");
}

static void test_unknown_status_is_refused(void **state) {
  struct dahub_obs o = good();

  o.status = (enum dahub_status)7;
  expect_refused(*state, &o, "value_status",
                 "actual, suppressed, missing or estimated", "(none)",
                 "bad value status from the plugin");
}

static void test_default_service_stands_in(void **state) {
  struct dahub_obs o = good();

  memset(&err, 0, sizeof err);
  assert_int_equal(validate_obs(*state, &o, "freeva.male_helpline", &out, &err),
                   0);
  assert_string_equal(out.obs.service_id, "freeva.male_helpline");
  o.service_id = "freeva.bame_advisor"; /* the observation's own wins */
  assert_int_equal(validate_obs(*state, &o, "freeva.male_helpline", &out, &err),
                   0);
  assert_string_equal(out.obs.service_id, "freeva.bame_advisor");
}

static void test_bad_service_ids_are_refused(void **state) {
  static const char *const bad[] = {
      "freeva",  "Freeva.helpline",      ".helpline",
      "freeva.", "freeva.male.helpline", "freeva.male helpline"};

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct dahub_obs o = good();

    o.service_id = bad[i];
    expect_refused(*state, &o, "service_id", "partner.service in lower case",
                   bad[i], "bad service id");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_observation_is_normalised),
      cmocka_unit_test(test_area_label_becomes_code),
      cmocka_unit_test(test_unknown_measure_is_refused),
      cmocka_unit_test(test_missing_measure_is_refused),
      cmocka_unit_test(test_unknown_area_is_refused),
      cmocka_unit_test(test_unknown_dimension_is_refused),
      cmocka_unit_test(test_unknown_dimension_value_is_refused),
      cmocka_unit_test(test_bad_periods_are_refused),
      cmocka_unit_test(test_every_period_kind_is_accepted),
      cmocka_unit_test(test_negative_count_is_refused),
      cmocka_unit_test(test_negative_money_is_allowed),
      cmocka_unit_test(test_fraction_for_count_is_refused),
      cmocka_unit_test(test_trailing_zero_does_not_make_fraction_whole),
      cmocka_unit_test(test_zero_fraction_count_is_whole),
      cmocka_unit_test(test_fraction_for_bedspaces_is_refused),
      cmocka_unit_test(test_whole_pounds_become_pence),
      cmocka_unit_test(test_money_with_one_place_becomes_pence),
      cmocka_unit_test(test_money_with_trailing_zeros_becomes_pence),
      cmocka_unit_test(test_money_below_a_penny_is_refused),
      cmocka_unit_test(test_money_too_large_for_pence_is_refused),
      cmocka_unit_test(test_percent_keeps_its_places),
      cmocka_unit_test(test_dimensions_become_sorted_canonical_json),
      cmocka_unit_test(test_same_breakdown_in_any_order_is_equal),
      cmocka_unit_test(test_same_dimension_twice_is_refused),
      cmocka_unit_test(test_too_many_dimensions_are_refused),
      cmocka_unit_test(test_missing_value_is_not_checked_as_a_number),
      cmocka_unit_test(test_suppressed_keeps_its_bound),
      cmocka_unit_test(test_negative_suppression_bound_is_refused),
      cmocka_unit_test(test_estimated_is_checked_like_actual),
      cmocka_unit_test(test_unknown_status_is_refused),
      cmocka_unit_test(test_default_service_stands_in),
      cmocka_unit_test(test_bad_service_ids_are_refused),
  };

  return cmocka_run_group_tests(tests, setup, teardown);
}
