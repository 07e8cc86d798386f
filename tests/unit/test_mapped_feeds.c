/*
 * test_mapped_feeds.c: every bundled return (spool/<feed>/sample/) read by
 * its real mapping (conf/feeds.d/<feed>.json), with the figures the board
 * papers state. The hub's own checks (vocabulary, pence) are the e2e
 * tests' business (tests/e2e/test_feeds.py).
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

static const struct {
  const char *feed, *file;
  size_t observations, warnings;
} samples[] = {
    {"freeva", "freeva_LCC_quarterly_return_Q1_2024-25.csv", 72, 0},
    {"lwa", "lwa_case_level_extract_2024-25_Q1.csv", 114, 0},
    {"wall", "wall_safe_accommodation_return_2024-25_Q2.csv", 42, 0},
    {"rcc", "rutland_cc_DA_board_figures_2023-24.csv", 56, 9},
    {"lcc", "lcc_commissioning_and_funding_register_2024-06.csv", 19, 2},
    {"marac_llr", "marac_llr_county_quarterly_2024-25_Q1.json", 23, 0},
    {"turning_point", "turning_point_da_substance_misuse_Q1_2024-25.tsv", 24,
     0},
    {"leics_gate", "leics_gate_grt_quarterly_return_2024-25_Q1.xlsx", 28, 0},
    {"lgbt_centre", "lgbt_centre_monitoring_2024-25_Q1.csv", 13, 0},
    {"panahghar", "panahghar_sa_lot1_monthly_2024-25_Q1.csv", 15, 0},
    {"blaby_dc", "blaby_dc_hclic_da_2024-25_Q1.csv", 10, 0},
};

/* Parses a feed's bundled sample with its real mapping. */
static void parse_sample(struct dahub_ctx *ctx, const char *feed,
                         const char *file) {
  struct dahub_error err;
  char *opts = feed_options(feed);
  size_t len;
  char *data = read_spool_sample(feed, file, &len);

  if (parse_bytes(ctx, opts, data, len, &err) != DAHUB_OK)
    fail_msg("%s: %u:%u: %s", feed, err.line, err.col, err.msg);
  free(data);
  free(opts);
}

static void test_every_sample_reads_with_its_feed(void **state) {
  struct dahub_ctx *ctx = *state;
  size_t i;

  for (i = 0; i < sizeof samples / sizeof *samples; i++) {
    fake_reset(ctx);
    parse_sample(ctx, samples[i].feed, samples[i].file);
    if (ctx->n != samples[i].observations || ctx->n_warn != samples[i].warnings)
      fail_msg("%s: %zu observations, %zu warnings; expected %zu, %zu",
               samples[i].feed, ctx->n, ctx->n_warn, samples[i].observations,
               samples[i].warnings);
  }
}

static void test_freeva_charnwood_helpline_and_suppressed(void **state) {
  struct dahub_ctx *ctx = *state;
  const struct got *g;

  parse_sample(ctx, "freeva", samples[0].file);
  g = find(ctx, "E07000130", "helpline_contacts", "FY2024-25-Q1");
  assert_int_equal(g->value, 31);
  assert_string_equal(g->service_id, "freeva.male_helpline");
  g = find(ctx, "E07000133", "helpline_contacts", "FY2024-25-Q1");
  assert_int_equal(g->status, DAHUB_SUPPRESSED);
  assert_int_equal(g->bound, 5);
  /* Out of county / unknown, in the mapping's own code. */
  assert_int_equal(find(ctx, "X_UNKNOWN", "helpline_contacts", NULL)->value,
                   11);
}

static void test_rutland_half_years_year_and_shares(void **state) {
  struct dahub_ctx *ctx = *state;
  const struct got *g;

  parse_sample(ctx, "rcc", samples[3].file);
  g = find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24-H1");
  assert_int_equal(g->value, 86);
  assert_string_equal(g->raw, "86 (Q1+Q2)");
  assert_int_equal(
      find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24-H2")
          ->value,
      130);
  assert_int_equal(
      find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24")
          ->value,
      216);
  assert_int_equal(
      find(ctx, "E06000017", "cs_single_assessments_da_factor", "FY2023-24")
          ->value,
      70);
  /* Percentages kept as received, beside their counts. */
  assert_int_equal(find_dims(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24-Q1", "")
                       ->value,
                   31);
  assert_int_equal(find_dims(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24", "")
                       ->value,
                   32);
  assert_int_equal(find_dims(ctx, "E06000017", "cs_single_assessments_da_pct",
                             "FY2023-24-Q2", "da_subject=child")
                       ->value,
                   10);
  g = find(ctx, "E06000017", "asc_safeguarding_referrals", "FY2023-24");
  assert_int_equal(g->status, DAHUB_SUPPRESSED);
  assert_int_equal(g->bound, 10);
  /* The 2024/25 funding rows belong to FY2024-25, in pounds and pence. */
  g = find_dims(ctx, "E06000017", "funding_allocated", "FY2024-25",
                "funding_source=dluhc_da_act_part4");
  assert_int_equal(g->value, 63000);
  g = find_dims(ctx, "E06000017", "funding_allocated", "FY2024-25",
                "funding_source=council_in_house");
  assert_int_equal(g->value, 40935);
  g = find(ctx, "E06000017", "expenditure", "FY2023-24");
  assert_string_equal(g->service_id, "rcc.da_project_lead");
  assert_int_equal(g->value, 31410);
  /* Narrative rows are not figures. */
  assert_int_equal(count_obs(ctx, NULL, NULL, NULL, NULL), 56);
}

static void test_wall_semicolons_and_decimal_comma(void **state) {
  struct dahub_ctx *ctx = *state;
  const struct got *g;

  parse_sample(ctx, "wall", samples[2].file);
  g = find(ctx, "E10000018", "sa_average_stay_days", "FY2024-25-Q2");
  assert_string_equal(g->service_id, "wall.sa_lot3_refuge");
  assert_int_equal(g->value, 965);
  assert_int_equal(g->scale, 1);
  g = find_dims(ctx, "E10000018", "sa_households_unable_to_support",
                "FY2024-25-Q2", "unmet_reason=no_space");
  assert_int_equal(g->value, 17);
  g = find_dims(ctx, "E10000018", "sa_individuals_supported", "FY2024-25-Q2",
                "person_type=child");
  assert_int_equal(g->value, 14);
  assert_int_equal(
      find(ctx, "E10000018", "sa_bedspaces_available", NULL)->value, 9);
}

static void test_partners_without_samples(void **state) {
  struct dahub_ctx *ctx = *state;
  const struct got *g;

  parse_sample(ctx, "turning_point", samples[6].file);
  g = find(ctx, "North West Leicestershire", "referrals_received",
           "FY2024-25-Q1");
  assert_int_equal(g->value, 7);
  assert_int_equal(find(ctx, "Oadby & Wigston", "cases_closed", NULL)->status,
                   DAHUB_MISSING);
  fake_reset(ctx);
  parse_sample(ctx, "lgbt_centre", samples[8].file);
  g = find_dims(ctx, "E10000018", "individuals_supported", "FY2024-25-Q1",
                "gender=Woman;age_band=25-34");
  assert_int_equal(g->value, 9);
  fake_reset(ctx);
  parse_sample(ctx, "panahghar", samples[9].file);
  g = find_dims(ctx, "E10000018", "sa_households_unable_to_support",
                "FY2024-25-M03", "lot=bame_support;unmet_reason=no_space");
  assert_int_equal(g->value, 5);
  fake_reset(ctx);
  parse_sample(ctx, "blaby_dc", samples[10].file);
  g = find_dims(ctx, "E07000129", "homelessness_da_households", "FY2024-25-Q1",
                "homelessness_duty=relief");
  assert_int_equal(g->value, 12);
  assert_int_equal(count_obs(ctx, NULL, NULL, "FY2023-24-Q2", NULL), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_every_sample_reads_with_its_feed),
      T(test_freeva_charnwood_helpline_and_suppressed),
      T(test_rutland_half_years_year_and_shares),
      T(test_wall_semicolons_and_decimal_comma),
      T(test_partners_without_samples),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
