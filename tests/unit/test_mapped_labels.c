/*
 * test_mapped_labels.c: what "values" labels may say (a code, a code with
 * fixed dimensions, a service or a year; null; a skip with a reason; a
 * prefix with '*'), "unknown": "keep", "text", "missing" and bands, under
 * the fake host of test_mapped_host.c.
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

/* Measures as rows, two accommodation columns, WALL-like. */
#define WIDE_HEAD                                                              \
  "{\"layout\": \"wide\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"area\": \"E10000018\", \"period\": \"FY2024-25-Q2\"},"       \
  " \"columns\": {\"measure\": \"Measure\"},"                                  \
  " \"across\": {\"field\": \"service_id\", \"columns\": {"                    \
  "   \"Refuge\": \"wall.refuge\", \"Dispersed\": \"wall.dispersed\"}}"

static void test_label_gives_measure_and_dimensions(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const struct got *g;

  assert_int_equal(
      parse_text(ctx,
                 WIDE_HEAD
                 ", \"values\": {\"measure\": {"
                 " \"Individuals supported - women\": {\"measure\":"
                 "  \"sa_individuals_supported\", \"dimensions\":"
                 "  {\"person_type\": \"woman\"}},"
                 " \"Households unable to be supported - no space\":"
                 "  {\"measure\": \"sa_households_unable_to_support\","
                 "   \"dimensions\": {\"unmet_reason\": \"no_space\"}},"
                 " \"Households supported\": "
                 "\"sa_households_supported\"}}}",
                 "Measure,Refuge,Dispersed\n"
                 "Households supported,12,3\n"
                 "Individuals supported - women,12,<5\n"
                 "Households unable to be supported - no space,17,\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 6);
  g = find_dims(ctx, "E10000018", "sa_individuals_supported", NULL,
                "person_type=woman");
  assert_string_equal(g->service_id, "wall.refuge");
  assert_int_equal(g->value, 12);
  assert_int_equal(g->line, 3);
  assert_int_equal(g->col, 2);
  g = find_dims(ctx, "E10000018", "sa_households_unable_to_support", NULL,
                "unmet_reason=no_space");
  assert_int_equal(g->value, 17);
  /* A plain code adds no dimension. */
  g = find_dims(ctx, "E10000018", "sa_households_supported", NULL, "");
  assert_int_equal(g->value, 12);
  assert_int_equal(count_obs(ctx, NULL, NULL, NULL, "person_type=woman"), 2);
}

static void test_label_with_star_matches_a_prefix(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *mapping =
      WIDE_HEAD ", \"values\": {\"measure\": {"
                " \"Bedspaces available at*\": \"sa_bedspaces_available\","
                " \"Bedspaces available at 30/09/2024 (male)*\": "
                "\"sa_bedspaces_male\","
                " \"Households supported\": \"sa_households_supported\"}}}";

  assert_int_equal(parse_text(ctx, mapping,
                              "Measure,Refuge,Dispersed\n"
                              "Bedspaces available at 31/12/2024,9,2\n"
                              "bedspaces available at 30/09/2024 (male) ,1,0\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 4);
  assert_string_equal(ctx->obs[0].measure, "sa_bedspaces_available");
  /* The longest prefix wins. */
  assert_string_equal(ctx->obs[2].measure, "sa_bedspaces_male");
  fake_reset(ctx);
  /* A prefix is not a wildcard in the middle: the label must start it. */
  assert_int_equal(parse_text(ctx, mapping,
                              "Measure,Refuge,Dispersed\n"
                              "Total bedspaces available at 31/12,9,2\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.found, "Total bedspaces available at 31/12");
}

static void test_null_label_leaves_row_out_silently(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx,
                              WIDE_HEAD ", \"values\": {\"measure\": {"
                                        " \"Ethnicity of victims\": null,"
                                        " \"Households supported\": "
                                        "\"sa_households_supported\"}}}",
                              "Measure,Refuge,Dispersed\n"
                              "Ethnicity of victims,All White British,\n"
                              "Households supported,12,3\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 2);
  assert_int_equal(ctx->n_warn, 0);
  assert_int_equal(ctx->obs[0].line, 3);
}

static void test_skip_label_warns_with_its_reason(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"long\", \"header\": {\"row\": 1},"
                 " \"fixed\": {\"area\": \"E10000018\", \"measure\": "
                 "\"funding_allocated\"},"
                 " \"columns\": {\"service_id\": \"Service\", \"period\": "
                 "\"Year\", \"value\": \"Amount\"},"
                 " \"values\": {\"service_id\": {"
                 "   \"Tier 1\": \"lcc.tier1\","
                 "   \"Tier 2 (each district)\": {\"skip\": \"approximate, "
                 "no year\"}}}}",
                 "Service,Year,Amount\n"
                 "Tier 1,2024-25,\"1,174,689\"\n"
                 "Tier 2 (each district),each year,\"approx. 33,000\"\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(ctx->n_warn, 1);
  assert_int_equal(ctx->warn[0].line, 3);
  assert_int_equal(ctx->warn[0].col, 1);
  assert_string_equal(ctx->warn[0].msg, "row left out: approximate, no year "
                                        "(options.values.service_id)");
}

/* A label that leaves its row out wins over an unknown label in another
 * column of that row: the register's year-1 rows have services no mapping
 * lists, and are left out by their record type. */
static void test_skip_wins_over_unknown_label_elsewhere(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *mapping =
      "{\"layout\": \"long\", \"header\": {\"row\": 1},"
      " \"fixed\": {\"area\": \"E10000018\", \"period\": \"FY2024-25\"},"
      " \"columns\": {\"measure\": \"Type\", \"service_id\": \"Service\","
      "   \"value\": \"Amount\"},"
      " \"values\": {\"measure\": {\"contract\": \"contract_value_total\","
      "   \"year1\": null},"
      "   \"service_id\": {\"Helpline\": \"freeva.male_helpline\"}}}";

  assert_int_equal(parse_text(ctx, mapping,
                              "Type,Service,Amount\n"
                              "year1,Something unlisted,\n"
                              "contract,Helpline,\"114,816\"\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(ctx->obs[0].value, 114816);
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, mapping,
                              "Type,Service,Amount\n"
                              "contract,Something unlisted,5\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.field, "Service");
  assert_string_equal(err.found, "Something unlisted");
}

static void test_label_sets_service_and_financial_year(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const struct got *g;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"wide\", \"header\": {\"row\": 1},"
                 " \"fixed\": {\"area\": \"E06000017\"},"
                 " \"columns\": {\"measure\": \"Indicator\"},"
                 " \"across\": {\"field\": \"period\", \"columns\": {"
                 "   \"Q1\": \"FY2023-24-Q1\", \"Year\": \"FY2023-24\"}},"
                 " \"values\": {\"measure\": {"
                 "   \"Spent on MARAC\": {\"measure\": \"expenditure\","
                 "     \"service_id\": \"marac_llr.county_marac\","
                 "     \"financial_year\": \"FY2024-25\"},"
                 "   \"Referrals\": \"asc_safeguarding_referrals\"}}}",
                 "Indicator,Q1,Year\n"
                 "Referrals,<10,<10\n"
                 "Spent on MARAC,,\"2,500\"\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 4);
  g = find(ctx, "E06000017", "expenditure", "FY2024-25");
  assert_int_equal(g->value, 2500);
  assert_string_equal(g->service_id, "marac_llr.county_marac");
  /* Its blank Q1 cell is missing in the same (moved) year. */
  g = find(ctx, "E06000017", "expenditure", "FY2024-25-Q1");
  assert_int_equal(g->status, DAHUB_MISSING);
  g = find(ctx, "E06000017", "asc_safeguarding_referrals", "FY2023-24");
  assert_null(g->service_id);
}

static void test_unknown_keep_passes_text_as_written(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *mapping =
      "{\"layout\": \"long\", \"header\": {\"row\": 1},"
      " \"fixed\": {\"measure\": \"m\", \"period\": \"FY2024-25-Q1\"},"
      " \"columns\": {\"area\": \"Area\", \"value\": \"Count\"},"
      " \"values\": {\"area\": {\"City\": \"E06000016\"}},"
      " \"unknown\": {\"area\": \"%s\"}}";
  char json[512];

  (void)snprintf(json, sizeof json, mapping, "keep");
  assert_int_equal(
      parse_text(ctx, json, "Area,Count\ncity,1\nNW Leics,2\n", &err),
      DAHUB_OK);
  assert_string_equal(ctx->obs[0].area, "E06000016");
  assert_string_equal(ctx->obs[1].area, "NW Leics"); /* the hub resolves it */
  fake_reset(ctx);
  (void)snprintf(json, sizeof json, mapping, "error");
  assert_int_equal(
      parse_text(ctx, json, "Area,Count\ncity,1\nNW Leics,2\n", &err),
      DAHUB_FAIL);
  assert_string_equal(err.msg, "Area: no code for this area: add it to "
                               "options.values.area, or set "
                               "options.unknown.area to \"skip\"");
}

#define TEXT_HEAD                                                              \
  "{\"layout\": \"wide\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"area\": \"E06000017\"},"                                     \
  " \"columns\": {\"measure\": \"Indicator\"},"                                \
  " \"across\": {\"field\": \"period\", \"columns\": {"                        \
  "   \"Q1\": \"FY2023-24-Q1\", \"Q2\": \"FY2023-24-Q2\"}},"                   \
  " \"values\": {\"measure\": {"                                               \
  "   \"Risk factor: parent/carer\": {\"measure\": "                           \
  "\"cs_single_assessments_da_pct\", \"dimensions\": {\"da_subject\": "        \
  "\"parent_carer\"}},"                                                        \
  "   \"Referrals\": \"asc_safeguarding_referrals\"}}"

static void test_text_cells_skipped_per_measure_with_warning(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *csv = "Indicator,Q1,Q2\n"
                    "Risk factor: parent/carer,similar to Q2,12%\n"
                    "Referrals,<10,see chart\n";

  assert_int_equal(parse_text(ctx,
                              TEXT_HEAD
                              ", \"text\": {\"cs_single_assessments_da_pct\": "
                              "\"skip\"}}",
                              csv, &err),
                   DAHUB_FAIL);
  /* The listed measure's text was skipped, with a warning naming the
   * place but not quoting the cell; the other measure's text still fails. */
  assert_int_equal(ctx->n_warn, 1);
  assert_int_equal(ctx->warn[0].line, 2);
  assert_int_equal(ctx->warn[0].col, 2);
  assert_string_equal(ctx->warn[0].msg,
                      "Q1: text where a number belongs, left out "
                      "(options.text)");
  assert_null(strstr(ctx->seen, "similar"));
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 3);
  assert_string_equal(err.found, "see chart");
  assert_string_equal(err.msg, "Q2: not a number");
  fake_reset(ctx);
  assert_int_equal(
      parse_text(ctx, TEXT_HEAD ", \"text\": \"skip\"}", csv, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 2);
  assert_int_equal(ctx->n, 2);
  /* A percentage received as such is kept as the number it says. */
  assert_int_equal(find_dims(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24-Q2", "da_subject=parent_carer")
                       ->value,
                   12);
}

/* "missing": a text the mapping names is a figure missing, not a text:
 * compared as labels are ("n/a", "N / A"), but one of punctuation alone
 * only as written ("-", not "--"); the warning gives the mapping's word,
 * never the cell's. A text it does not name is still what "text" says. */
static void test_missing_texts_are_missing_with_a_warning(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *csv = "Indicator,Q1,Q2\n"
                    "Referrals,n/a,N / A\n"
                    "Risk factor: parent/carer,-,--\n";

  assert_int_equal(parse_text(ctx,
                              TEXT_HEAD ", \"missing\": [\"N/A\", \"-\"],"
                                        " \"text\": \"skip\"}",
                              csv, &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_int_equal(
      find(ctx, "E06000017", "asc_safeguarding_referrals", "FY2023-24-Q1")
          ->status,
      DAHUB_MISSING);
  assert_int_equal(
      find(ctx, "E06000017", "asc_safeguarding_referrals", "FY2023-24-Q2")
          ->status,
      DAHUB_MISSING);
  assert_int_equal(find_dims(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24-Q1", "da_subject=parent_carer")
                       ->status,
                   DAHUB_MISSING);
  assert_int_equal(count_obs(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24-Q2", NULL),
                   0);
  assert_int_equal(ctx->n_warn, 4);
  assert_int_equal(ctx->warn[0].line, 2);
  assert_int_equal(ctx->warn[0].col, 2);
  assert_string_equal(ctx->warn[0].msg,
                      "Q1: \"N/A\" read as missing, no figure "
                      "(options.missing)");
  assert_string_equal(ctx->warn[1].msg,
                      "Q2: \"N/A\" read as missing, no figure "
                      "(options.missing)");
  assert_string_equal(ctx->warn[2].msg,
                      "Q1: \"-\" read as missing, no figure (options.missing)");
  assert_string_equal(ctx->warn[3].msg,
                      "Q2: text where a number belongs, left out "
                      "(options.text)");
  assert_null(strstr(ctx->warn[0].msg, "n/a"));
  /* without "text": "skip", a text "missing" does not name fails the file */
  fake_reset(ctx);
  assert_int_equal(
      parse_text(ctx, TEXT_HEAD ", \"missing\": [\"N/A\", \"-\"]}", csv, &err),
      DAHUB_FAIL);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 3);
  assert_string_equal(err.msg, "Q2: not a number");
}

#define BANDS                                                                  \
  "{\"layout\": \"long\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"area\": \"E10000018\", \"period\": \"FY2024-25-Q1\","        \
  "   \"measure\": \"referrals_received\"},"                                   \
  " \"columns\": {\"value\": \"Count\", \"dimensions\": {\"age_band\": "       \
  "   {\"column\": \"Age\", \"bands\": [\"0-15\", \"16-17\", \"18-64\", "      \
  "\"65+\"]%s}}}}"

static void test_bands_put_a_number_in_its_band(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[512];

  (void)snprintf(json, sizeof json, BANDS, ", \"blank\": \"not_known\"");
  assert_int_equal(parse_text(ctx, json,
                              "Age,Count\n17,1\n16,2\n64,3\n 92 ,4\n,5\n0,6\n",
                              &err),
                   DAHUB_OK);
  assert_string_equal(ctx->obs[0].dims, "age_band=16-17");
  assert_string_equal(ctx->obs[1].dims, "age_band=16-17");
  assert_string_equal(ctx->obs[2].dims, "age_band=18-64");
  assert_string_equal(ctx->obs[3].dims, "age_band=65+");
  assert_string_equal(ctx->obs[4].dims, "age_band=not_known");
  assert_string_equal(ctx->obs[5].dims, "age_band=0-15");
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, json, "Age,Count\n17.5,1\n", &err),
                   DAHUB_FAIL);
  assert_string_equal(err.msg, "Age: not a whole number");
  assert_string_equal(err.found, "17.5");
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 1);
  (void)snprintf(json, sizeof json, BANDS, "");
  assert_int_equal(parse_text(ctx, json, "Age,Count\n,1\n", &err), DAHUB_FAIL);
  assert_string_equal(err.msg, "Age: expected a number here, found a blank "
                               "cell");
}

/* Each field remembers its recent texts (mapped.c): many labels, texts
 * that share their first and last eight bytes and length (the same memo
 * slot), case and spaces as partners vary them, a text too long to be
 * remembered, and bands, must each resolve as if looked up afresh. */
#define ROWS 500 /* within the fake host's MAX_OBS; 151 texts, 3 spellings */
static void test_remembered_labels_resolve_like_fresh_ones(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t cap = 1 << 16, used = 0, row, n = 0;
  char *json = malloc(cap), *csv = malloc(cap * 4), label[64];
  int i;

  assert_non_null(json);
  assert_non_null(csv);
  used += (size_t)snprintf(
      json + used, cap - used,
      "{\"layout\": \"long\", \"header\": {\"row\": 1},"
      " \"fixed\": {\"measure\": \"m\", \"period\": \"FY2024-25-Q1\"},"
      " \"columns\": {\"area\": \"Area\", \"value\": \"Count\","
      "  \"dimensions\": {\"age_band\": {\"column\": \"Age\","
      "   \"bands\": [\"0-15\", \"16-17\", \"18-64\", \"65+\"]}}},"
      " \"values\": {\"area\": {");
  for (i = 0; i < 150; i++)
    used += (size_t)snprintf(json + used, cap - used,
                             "%s\"Place %04d middle end\": \"code_%d\"",
                             i ? ", " : "", i, i);
  used += (size_t)snprintf(json + used, cap - used,
                           ", \"A place whose name is longer than thirty "
                           "bytes\": \"code_long\"}}}");
  assert_true(used < cap);
  used = (size_t)snprintf(csv, cap * 4, "Area,Count,Age\n");
  for (row = 0; row < ROWS; row++) {
    i = (int)((row * 37) % 151);
    if (i == 150)
      (void)snprintf(label, sizeof label,
                     "a place whose name is longer than thirty bytes");
    else
      (void)snprintf(label, sizeof label,
                     row % 3 == 0   ? "Place %04d middle end"
                     : row % 3 == 1 ? " place %04d MIDDLE end "
                                    : "PLACE %04d middle END",
                     i);
    used += (size_t)snprintf(csv + used, cap * 4 - used, "%s,%zu,%zu\n", label,
                             row, (row * 7) % 90);
  }
  assert_true(used < cap * 4);
  assert_int_equal(parse_text(ctx, json, csv, &err), DAHUB_OK);
  assert_int_equal(ctx->n, ROWS);
  for (row = 0; row < ROWS; row++) {
    const struct got *g = &ctx->obs[row];
    size_t age = (row * 7) % 90;
    char want[32];

    i = (int)((row * 37) % 151);
    if (i == 150)
      (void)snprintf(want, sizeof want, "code_long");
    else
      (void)snprintf(want, sizeof want, "code_%d", i);
    assert_string_equal(g->area, want);
    assert_int_equal(g->value, (int64_t)row);
    (void)snprintf(want, sizeof want, "age_band=%s",
                   age <= 15   ? "0-15"
                   : age <= 17 ? "16-17"
                   : age <= 64 ? "18-64"
                               : "65+");
    assert_string_equal(g->dims, want);
    n++;
  }
  assert_int_equal(n, ROWS);
  free(json);
  free(csv);
}
#undef ROWS

static void test_label_option_errors(void **state) {
  (void)state;
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": "
                              "{\"measure\": \"m\", \"dimension\": {}}}}}",
                    "options.values.measure.x.dimension: unknown key; did you "
                    "mean `dimensions`?");
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": "
                              "{\"dimensions\": {\"a\": \"b\"}}}}}",
                    "options.values.measure.x.measure: expected a non-empty "
                    "string, found nothing");
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": "
                              "{\"skip\": \"why\", \"measure\": \"m\"}}}}",
                    "options.values.measure.x: \"skip\" stands alone");
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": "
                              "{\"measure\": \"m\", \"financial_year\": "
                              "\"FY2024-25-Q1\"}}}}",
                    "options.values.measure.x.financial_year: expected a "
                    "year id such as FY2024-25");
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": "
                              "{\"measure\": \"m\", \"dimensions\": "
                              "{\"Person type\": \"woman\"}}}}}",
                    "options.values.measure.x.dimensions.Person type: a "
                    "dimension name is [a-z0-9_]+");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\"},"
                    " \"columns\": {\"measure\": \"M\", \"value\": \"V\","
                    "   \"dimensions\": {\"gender\": \"G\"}},"
                    " \"values\": {\"measure\": {\"x\": {\"measure\": \"m\","
                    "   \"dimensions\": {\"gender\": \"female\"}}}}}",
                    "options.values.measure.x.dimensions.gender: the mapping "
                    "reads this dimension elsewhere: a figure has each "
                    "dimension once");
  expect_open_error(WIDE_HEAD ", \"values\": {\"measure\": {\"x\": 5}}}",
                    "options.values.measure.x: expected a code, null, or an "
                    "object, found a number");
  expect_open_error(WIDE_HEAD ", \"unknown\": {\"measure\": \"pass\"}}",
                    "options.unknown.measure \"pass\": expected one of error, "
                    "skip, keep");
  expect_open_error(WIDE_HEAD ", \"text\": \"ignore\"}",
                    "options.text \"ignore\": expected one of error, skip");
  expect_open_error(WIDE_HEAD ", \"unknown\": {\"measure\": \"kepp\"}}",
                    "options.unknown.measure \"kepp\": expected one of error, "
                    "skip, keep; did you mean `keep`?");
  expect_open_error(WIDE_HEAD ", \"text\": {\"m\": true}}",
                    "options.text.m: expected one of error, skip, found "
                    "true/false");
  expect_open_error(WIDE_HEAD ", \"missing\": \"N/A\"}",
                    "options.missing \"N/A\": expected a non-empty array of "
                    "strings");
  expect_open_error(WIDE_HEAD ", \"missing\": [\"N/A\", \"\"]}",
                    "options.missing[1] \"\": expected a non-empty string");
  expect_open_error("{\"layout\": \"json\", \"missing\": [\"N/A\"]}",
                    "options.missing: only the CSV layouts have it");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"missing\": [\"N/A\"]}",
                    "options.missing: only the long and wide layouts have "
                    "value cells");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"},"
                    " \"columns\": {\"value\": \"V\", \"dimensions\": "
                    "   {\"age_band\": {\"column\": \"Age\", \"bands\": "
                    "   [\"0-17\", \"15-24\"]}}}}",
                    "options.columns.dimensions.age_band.bands: two bands "
                    "overlap");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"},"
                    " \"columns\": {\"value\": \"V\", \"dimensions\": "
                    "   {\"age_band\": {\"column\": \"Age\", \"bands\": "
                    "   [\"under 18\"]}}}}",
                    "options.columns.dimensions.age_band.bands: a band is "
                    "\"lo-hi\" or \"lo+\"");
}

/* A field's labels and bands are each known by a 16-bit number: more than
 * 60,000 are refused when the mapping is read. */
static void test_labels_and_bands_are_bounded(void **state) {
  size_t cap = (size_t)4 << 20, n, i;
  char *json = malloc(cap);

  (void)state;
  assert_non_null(json);
  n = (size_t)sprintf(json, WIDE_HEAD ", \"values\": {\"measure\": {");
  for (i = 0; i <= 60000; i++)
    n += (size_t)sprintf(json + n, "%s\"label %zu\": \"m%zu\"", i ? "," : "", i,
                         i);
  (void)sprintf(json + n, "}}}");
  expect_open_error(json, "options.values.measure: more than 60000 labels");
  n = (size_t)sprintf(json, "{\"layout\": \"long\", \"header\": {\"row\": 1},"
                            " \"fixed\": {\"area\": \"A\", \"period\": "
                            "\"FY2024-25\", \"measure\": \"m\"},"
                            " \"columns\": {\"value\": \"V\", \"dimensions\":"
                            " {\"age\": {\"column\": \"Age\", \"bands\": [");
  for (i = 0; i <= 60000; i++)
    n += (size_t)sprintf(json + n, "%s\"%zu-%zu\"", i ? "," : "", i, i);
  (void)sprintf(json + n, "]}}}}");
  expect_open_error(json, "options.columns.dimensions.age.bands: more than "
                          "60000 bands");
  free(json);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_label_option_errors),
      cmocka_unit_test(test_labels_and_bands_are_bounded),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_label_gives_measure_and_dimensions),
      T(test_label_with_star_matches_a_prefix),
      T(test_null_label_leaves_row_out_silently),
      T(test_skip_label_warns_with_its_reason),
      T(test_skip_wins_over_unknown_label_elsewhere),
      T(test_label_sets_service_and_financial_year),
      T(test_unknown_keep_passes_text_as_written),
      T(test_text_cells_skipped_per_measure_with_warning),
      T(test_missing_texts_are_missing_with_a_warning),
      T(test_bands_put_a_number_in_its_band),
      T(test_remembered_labels_resolve_like_fresh_ones),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
