/*
 * test_mapped_json.c: the json layout (jsondoc.c): a document of items
 * (MARAC meetings) summed per period of each item's date, by area or a
 * dimension from an object's keys, with its own totals checked.
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

static void test_marac_sample_summed_by_the_real_mapping(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("marac_llr");
  size_t len, i;
  char *data = read_sample("marac_llr_county_quarterly_2024-25_Q1.json", &len);
  int64_t cases = 0;

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 0); /* quarter_totals agree */
  assert_int_equal(ctx->n, 23);
  for (i = 0; i < ctx->n; i++) {
    assert_string_equal(ctx->obs[i].period, "FY2024-25-Q1");
    assert_int_equal(ctx->obs[i].status, DAHUB_ACTUAL);
    if (strcmp(ctx->obs[i].measure, "marac_cases_discussed") == 0)
      cases += ctx->obs[i].value;
  }
  assert_int_equal(cases, 175);
  assert_int_equal(find(ctx, "X_LLR", "marac_meetings_held", NULL)->value, 7);
  assert_int_equal(find(ctx, "E07000129", "marac_cases_discussed", NULL)->value,
                   34);
  assert_int_equal(find(ctx, "E06000017", "marac_cases_discussed", NULL)->value,
                   9);
  assert_int_equal(find(ctx, "X_LLR", "marac_repeat_cases", NULL)->value, 56);
  assert_int_equal(
      find(ctx, "X_LLR", "marac_children_in_households", NULL)->value, 214);
  assert_int_equal(find_dims(ctx, "X_LLR", "marac_referrals_by_agency", NULL,
                             "referral_source=Police")
                       ->value,
                   110);
  assert_int_equal(find_dims(ctx, "X_LLR", "marac_cases_with_characteristic",
                             NULL, "characteristic=BAME")
                       ->value,
                   18);
  assert_int_equal(find_dims(ctx, "X_LLR", "marac_cases_with_characteristic",
                             NULL, "characteristic=perpetrator_under_18")
                       ->value,
                   2);
  /* A document total that disagrees is a warning, not an error. */
  fake_reset(ctx);
  memcpy(strstr(data, "\"cases_discussed\": 175"), "\"cases_discussed\": 176",
         22);
  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 1);
  assert_string_equal(ctx->warn[0].msg,
                      "quarter_totals.cases_discussed does not add up: the "
                      "items give 175, the total is 176");
  free(data);
  free(opts);
}

#define DOC                                                                    \
  "{\"layout\": \"json\", \"fixed\": {\"area\": \"X_LLR\"},"                   \
  " \"json\": {\"items\": \"meetings\", \"date\": \"date\","                   \
  "   \"sum\": [{\"measure\": \"marac_meetings_held\"},"                       \
  "     {\"measure\": \"marac_repeat_cases\", \"key\": \"counts.repeats\"},"   \
  "     {\"measure\": \"marac_cases_discussed\", \"key\": \"by_la\","          \
  "      \"by\": \"area\"}]%s},"                                               \
  " \"values\": {\"area\": {\"Blaby\": \"E07000129\", \"Rutland\": "           \
  "\"E06000017\", \"City\": {\"skip\": \"heard at the City MARAC\"}}}}"

static void test_items_summed_per_period_of_their_dates(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, DOC, "");
  assert_int_equal(
      parse_text(ctx, json,
                 "{\"meetings\": ["
                 " {\"date\": \"2024-06-27\", \"counts\": {\"repeats\": 2},"
                 "  \"by_la\": {\"Blaby\": 3, \"City\": 4}},"
                 " {\"date\": \"04/07/2024\", \"counts\": {\"repeats\": 1},"
                 "  \"by_la\": {\"Blaby\": 1, \"Rutland\": 2}},"
                 " {\"date\": \"18.07.2024\", \"counts\": {\"repeats\": 0},"
                 "  \"by_la\": {\"blaby\": 5}}]}",
                 &err),
      DAHUB_OK);
  assert_int_equal(
      find(ctx, "X_LLR", "marac_meetings_held", "FY2024-25-Q1")->value, 1);
  assert_int_equal(
      find(ctx, "X_LLR", "marac_meetings_held", "FY2024-25-Q2")->value, 2);
  assert_int_equal(
      find(ctx, "X_LLR", "marac_repeat_cases", "FY2024-25-Q2")->value, 1);
  assert_int_equal(
      find(ctx, "E07000129", "marac_cases_discussed", "FY2024-25-Q2")->value,
      6);
  /* The City label says skip, with its reason. */
  assert_int_equal(count_obs(ctx, "City", NULL, NULL, NULL), 0);
  assert_int_equal(ctx->n_warn, 1);
  assert_string_equal(ctx->warn[0].msg,
                      "meetings[0].by_la.City: left out: heard at the City "
                      "MARAC (options.values.area)");
  assert_int_equal(ctx->obs[0].line, 0); /* JSON values have no line */
}

static void test_json_errors_name_the_path(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, DOC, "");
  assert_int_equal(parse_text(ctx, json,
                              "{\"meetings\": [{\"date\": \"2024-04-04\","
                              " \"counts\": {\"repeats\": 2.5},"
                              " \"by_la\": {}}]}",
                              &err),
                   DAHUB_FAIL);
  assert_string_equal(err.field, "meetings[0].counts.repeats");
  assert_string_equal(err.msg, "meetings[0].counts.repeats: expected a whole "
                               "number of 0 or more");
  assert_int_equal(parse_text(ctx, json,
                              "{\"meetings\": [{\"date\": \"2024-04-04\","
                              " \"counts\": {\"repeats\": 1},"
                              " \"by_la\": {\"Melton\": 3}}]}",
                              &err),
                   DAHUB_FAIL);
  /* The key is the document's text: in found only, where the hub can
   * cut or describe it, not in the path. */
  assert_string_equal(err.found, "Melton");
  assert_string_equal(err.field, "meetings[0].by_la");
  assert_string_equal(err.msg, "meetings[0].by_la: no code for this "
                               "area: add it to options.values.area, or set "
                               "options.unknown.area");
  assert_int_equal(parse_text(ctx, json,
                              "{\"meetings\": [{\"date\": \"2024-02-30\"}]}",
                              &err),
                   DAHUB_FAIL);
  assert_string_equal(err.msg, "meetings[0].date: no such date");
  assert_int_equal(parse_text(ctx, json, "{\"meetings\": {}}", &err),
                   DAHUB_FAIL);
  assert_string_equal(err.msg, "meetings: expected an array of items");
  assert_int_equal(
      parse_text(ctx, json, "{\"meetings\": [\n{\"date\": ]}", &err),
      DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.msg, "not JSON: "));
  /* jansson names the text it stopped at: that goes in found, not msg */
  assert_int_equal(parse_text(ctx, json,
                              "{\"meetings\": [{\"date\": Exampleperson}]}",
                              &err),
                   DAHUB_FAIL);
  assert_null(strstr(err.msg, "Exampleperson"));
  assert_non_null(strstr(err.msg, "not JSON: "));
  assert_non_null(strstr(err.found, "Exampleperson"));
  assert_int_equal(
      parse_text(ctx, json, "{\"meetings\": [], \"meetings\": []}", &err),
      DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "duplicate"));
}

/* A key kept as written ("unknown": "keep") is the document's text: an
 * error about its count names it by position, not by the key. */
static void test_a_kept_key_is_named_by_its_position(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"json\", \"fixed\": {\"area\": \"X_LLR\"},"
                 " \"json\": {\"items\": \"meetings\", \"date\": \"date\","
                 "   \"sum\": [{\"measure\": \"marac_referrals_by_agency\","
                 "     \"key\": \"by_agency\", \"by\": \"referral_source\"}]},"
                 " \"unknown\": {\"referral_source\": \"keep\"}}",
                 "{\"meetings\": [{\"date\": \"2024-04-04\","
                 " \"by_agency\": {\"police\": 2, \"Jane Exampleperson\": "
                 "\"x\"}}]}",
                 &err),
      DAHUB_FAIL);
  assert_string_equal(err.field, "meetings[0].by_agency (key 2)");
  assert_null(strstr(err.msg, "Exampleperson"));
}

static void test_document_size_is_bounded(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024], *doc = malloc(4096);

  assert_non_null(doc);
  memset(doc, ' ', 4095);
  memcpy(doc, "{\"meetings\": []}", 16);
  doc[4095] = '\0';
  (void)snprintf(json, sizeof json, DOC, ", \"max_bytes\": 2048");
  assert_int_equal(parse_text(ctx, json, doc, &err), DAHUB_FAIL);
  assert_string_equal(err.msg, "the document is larger than "
                               "options.json.max_bytes (2048 bytes)");
  doc[2048] = '\0';
  assert_int_equal(parse_text(ctx, json, doc, &err), DAHUB_OK);
  free(doc);
}

static void test_json_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"json\", \"fixed\": {\"area\": \"A\"}}",
                    "options.json: missing: a json layout needs it");
  expect_open_error("{\"layout\": \"json\", \"header\": {\"row\": 1},"
                    " \"json\": {}}",
                    "options.header: only the CSV layouts have it");
  expect_open_error("{\"layout\": \"json\", \"json\": {\"items\": \"m\","
                    " \"date\": \"d\", \"sum\": [{\"measure\": \"x\"}]}}",
                    "options.json.sum[0]: no area: add \"by\": \"area\", or "
                    "options.fixed.area");
  expect_open_error("{\"layout\": \"json\", \"fixed\": {\"area\": \"A\"},"
                    " \"json\": {\"items\": \"m\", \"date\": \"d\","
                    " \"sum\": [{\"measure\": \"x\", \"by\": \"area\"}]}}",
                    "options.json.sum[0].by: \"by\" reads the keys of an "
                    "object: give its \"key\"");
  expect_open_error("{\"layout\": \"json\", \"fixed\": {\"area\": \"A\"},"
                    " \"json\": {\"items\": \"m\", \"date\": \"d\","
                    " \"sum\": [{\"measure\": \"x\"}],"
                    " \"check\": {\"totals.y\": \"y\"}}}",
                    "options.json.check.totals.y: no sum has this measure");
  expect_open_error("{\"layout\": \"json\", \"fixed\": {\"area\": \"A\"},"
                    " \"json\": {\"items\": \"m\", \"date\": \"d\","
                    " \"sum\": [{\"measure\": \"x\", \"key\": \"k\","
                    "   \"by\": \"gender\"}]}}",
                    "options.values.gender: figures are added up by gender, "
                    "so list its labels here (or set options.unknown.gender "
                    "to \"keep\" when the file already writes codes)");
  expect_open_error("{\"layout\": \"json\", \"fixed\": {\"area\": \"A\"},"
                    " \"json\": {\"items\": \"m\", \"date\": \"d\","
                    " \"sum\": [{\"measure\": \"x\", \"key\": \"k\","
                    "   \"by\": \"gender\", \"dimensions\": {\"gender\": "
                    "\"male\"}}]},"
                    " \"unknown\": {\"gender\": \"keep\"}}",
                    "options.json.sum[0].dimensions: a dimension given twice "
                    "for one figure");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_option_errors),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_marac_sample_summed_by_the_real_mapping),
      T(test_items_summed_per_period_of_their_dates),
      T(test_json_errors_name_the_path),
      T(test_a_kept_key_is_named_by_its_position),
      T(test_document_size_is_bounded),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
