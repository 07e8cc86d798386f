/*
 * test_mapped_cases.c: the cases layout (cases.c): one case per row,
 * counted by the date that decides each count's period, by service and
 * area with one-way breakdowns; distinct people by a pseudonymised case
 * reference that never leaves the plugin; memory bounded.
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

/* The sum of the figures that match (NULL matches any). */
static int64_t total(const struct dahub_ctx *ctx, const char *measure,
                     const char *dims) {
  int64_t sum = 0;
  size_t i;

  for (i = 0; i < ctx->n; i++)
    if (strcmp(ctx->obs[i].measure, measure) == 0 &&
        (dims == NULL || strcmp(ctx->obs[i].dims, dims) == 0))
      sum += ctx->obs[i].value;
  return sum;
}

static void test_lwa_sample_counted_by_the_real_mapping(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("lwa");
  size_t len, i;
  char *data = read_sample("lwa_case_level_extract_2024-25_Q1.csv", &len);
  const struct got *g;

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_warn, 0);
  /* 28 referrals, each in one figure with no breakdown and once in each
   * of three breakdowns; 3 closures; 24 people with a first contact. */
  assert_int_equal(total(ctx, "referrals_received", ""), 28);
  assert_int_equal(total(ctx, "referrals_received", NULL), 4 * 28);
  assert_int_equal(total(ctx, "cases_closed", ""), 3);
  assert_int_equal(total(ctx, "cases_closed", "end_reason=moved_out_of_area"),
                   3);
  assert_int_equal(total(ctx, "individuals_supported", ""), 24);
  /* GP and Health Visitor are both primary health: one figure each. */
  assert_int_equal(
      total(ctx, "referrals_received", "referral_source=health_primary"), 9);
  /* Outreach in Blaby: three referrals, the first on row 4 (referral_date
   * is column 3). */
  g = find_dims(ctx, "E07000129", "referrals_received", "FY2024-25-Q1", "");
  assert_string_equal(g->service_id, "lwa.outreach");
  assert_int_equal(g->value, 3);
  assert_int_equal(g->line, 4);
  assert_int_equal(g->col, 3);
  assert_null(g->raw);
  /* The blank district is X_UNKNOWN; a blank age is not_known; 17 is in
   * 16-17 and 19 in 18-24. */
  g = find_dims(ctx, "X_UNKNOWN", "referrals_received", "FY2024-25-Q1",
                "age_band=16-17");
  assert_string_equal(g->service_id, "lwa.yp_idva");
  assert_int_equal(g->value, 2);
  assert_int_equal(total(ctx, "referrals_received", "age_band=18-24"), 3);
  assert_int_equal(total(ctx, "referrals_received", "risk_level=not_assessed"),
                   4);
  for (i = 0; i < ctx->n; i++)
    assert_string_equal(ctx->obs[i].period, "FY2024-25-Q1");
  /* The case references went to pseudonymise() only: no text the plugin
   * handed over holds one. */
  assert_int_equal(ctx->n_pseudo, 24);
  assert_null(strstr(ctx->seen, "LWA-"));
  assert_null(strstr(ctx->seen, "586889"));
  free(data);
  free(opts);
}

#define CASES                                                                  \
  "{\"layout\": \"cases\", \"header\": {\"row\": 1},"                          \
  " \"columns\": {\"area\": \"District\", \"dimensions\": {"                   \
  "   \"end_reason\": \"Reason\"}},"                                           \
  " \"fixed\": {\"service_id\": \"lwa.outreach\"},"                            \
  " \"values\": {\"area\": {\"Blaby\": \"E07000129\", \"Melton\": "            \
  "\"E07000133\"}, \"end_reason\": {\"Moved\": \"moved_out_of_area\", "        \
  "\"\": \"not_known\"}},"                                                     \
  " \"cases\": {\"reference\": \"Ref\", \"count\": ["                          \
  "   {\"measure\": \"referrals_received\", \"date\": \"Referred\"},"          \
  "   {\"measure\": \"cases_closed\", \"date\": \"Closed\", \"by\": "          \
  "[\"end_reason\"]},"                                                         \
  "   {\"measure\": \"individuals_supported\", \"date\": \"Contact\", "        \
  "\"distinct\": true}]%s}}"

#define CASES_HEADER "Ref,District,Referred,Contact,Closed,Reason\n"

static void test_distinct_reference_counts_once(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, "");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER
                              "A-1,Blaby,01/04/2024,02/04/2024,,\n"
                              "A-1,Blaby,05/05/2024,06/05/2024,20/06/2024,\n"
                              "B-2,Blaby,10/05/2024,,,\n"
                              "C-3,Melton,10/05/2024,11/05/2024,,\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(
      find_dims(ctx, "E07000129", "referrals_received", NULL, "")->value, 3);
  /* A-1 twice is one person; B-2 had no contact yet. */
  assert_int_equal(
      find_dims(ctx, "E07000129", "individuals_supported", NULL, "")->value, 1);
  assert_int_equal(
      find_dims(ctx, "E07000133", "individuals_supported", NULL, "")->value, 1);
  /* A blank closed date: not closed. A blank reason: not_known. */
  assert_int_equal(
      find_dims(ctx, "E07000129", "cases_closed", NULL, "end_reason=not_known")
          ->value,
      1);
  assert_int_equal(count_obs(ctx, NULL, "cases_closed", NULL, NULL), 2);
  assert_null(strstr(ctx->seen, "A-1"));
}

/* A file long enough for the CSV reader's thread: the case references are
 * hashed there as it reads (cases_prepare), and the counts are exactly
 * those of the rows. Each reference is hashed once, and a row no distinct
 * count counts (no contact date) not at all. */
static void test_references_hashed_on_the_readers_thread(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024], *data;
  size_t len = 0, i, cap = (size_t)8 << 20, contacts = 0;

  (void)snprintf(json, sizeof json, CASES, "");
  data = malloc(cap);
  assert_non_null(data);
  len += (size_t)sprintf(data, CASES_HEADER);
  /* 100,000 rows (5 MiB: the reader hands over 1 MiB at a time, and only
   * rows read after the header was can be prepared), 700 people; every 7th
   * row has no contact yet */
  for (i = 0; i < 100000; i++) {
    int contact = i % 7 != 0;

    len += (size_t)sprintf(data + len,
                           "%05u,%s,%02u/05/2024,%s,,   padding to "
                           "make the rows longer\n",
                           (unsigned)(i % 700), i % 2 ? "Blaby" : "Melton",
                           (unsigned)(1 + i % 28), contact ? "30/05/2024" : "");
    contacts += (size_t)contact;
  }
  assert_true(len > (size_t)4 << 20 && len < cap);
  assert_int_equal(parse_bytes(ctx, json, data, len, &err), DAHUB_OK);
  assert_int_equal(total(ctx, "referrals_received", ""), 100000);
  /* Reference r is on rows r + 700k: one district (700 is even), and
   * contact or none on all of them (700 is a multiple of 7). Of the 350
   * references in each district, the 50 that are multiples of 7 are no
   * one supported yet. */
  assert_int_equal(
      find_dims(ctx, "E07000129", "individuals_supported", NULL, "")->value,
      300);
  assert_int_equal(
      find_dims(ctx, "E07000133", "individuals_supported", NULL, "")->value,
      300);
  assert_int_equal(atomic_load(&ctx->n_pseudo), contacts);
  assert_true(atomic_load(&ctx->n_pseudo_elsewhere) > contacts / 2);
  free(data);
}

static void test_no_key_means_no_distinct_count(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, "");
  ctx->no_key = 1;
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,01/04/2024,,,\n"
                                           "A-1,Blaby,05/05/2024,06/05/2024,,"
                                           "\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.msg, "distinct cases are counted by a keyed HMAC of "
                               "the reference: give this feed an "
                               "hmac_key_file");
  assert_null(strstr(err.found, "A-1"));
  assert_int_equal(ctx->n, 0);
}

static void test_blank_reference_is_an_error_without_text(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, "");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER " ,Blaby,01/04/2024,02/04/2024,,\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.field, "Ref");
  assert_string_equal(err.msg,
                      "Ref: no case reference: a distinct count needs one");
}

static void test_case_dates_and_labels_are_checked(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, "");
  assert_int_equal(
      parse_text(ctx, json, CASES_HEADER "A-1,Blaby,31/02/2024,,,\n", &err),
      DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 3);
  assert_string_equal(err.found, "31/02/2024");
  assert_string_equal(err.msg, "Referred: no such date");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,01/04/2024,,2 June,\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.col, 5);
  assert_string_equal(err.msg, "Closed: not a date");
  assert_int_equal(
      parse_text(ctx, json, CASES_HEADER "A-1,Leics,01/04/2024,,,\n", &err),
      DAHUB_FAIL);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.found, "Leics");
  assert_string_equal(err.msg, "District: no code for this area: add it to "
                               "options.values.area, or set "
                               "options.unknown.area to \"skip\"");
  /* A breakdown is read only for a row that counts: no closed date, so
   * its unknown reason does not matter. */
  fake_reset(ctx);
  assert_int_equal(
      parse_text(ctx, json, CASES_HEADER "A-1,Blaby,01/04/2024,,,Gone\n", &err),
      DAHUB_OK);
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,01/04/2024,,"
                                           "01/05/2024,Gone\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.col, 6);
  assert_string_equal(err.found, "Gone");
}

/* The hub describes a personal feed's cells rather than quote them: the
 * plugin says a case-level feed is one, and puts a cell's text in found
 * only, where the hub finds it. */
static void test_a_case_level_feed_is_personal(void **state) {
  void *st = NULL;
  struct dahub_error err;
  char json[1024];

  (void)state;
  (void)snprintf(json, sizeof json, CASES, "");
  assert_int_equal(open_mapping(json, &st, &err), 0);
  assert_non_null(dahub_plugin_v1.personal);
  assert_int_equal(dahub_plugin_v1.personal(st), 1);
  dahub_plugin_v1.close(st);
  assert_int_equal(
      open_mapping("{\"header\": {\"row\": 1}, \"layout\": \"long\","
                   " \"columns\": {\"area\": \"Area\", \"period\": \"P\","
                   " \"measure\": \"M\", \"value\": \"V\"}}",
                   &st, &err),
      0);
  assert_int_equal(dahub_plugin_v1.personal(st), 0);
  dahub_plugin_v1.close(st);
}

static void test_case_errors_hold_the_cell_in_found_only(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];
  static const char *const rows[] = {
      /* a reference typed into the referral date */
      "A-1,Blaby,LWA-2024-0001234,,,\n",
      /* a name shifted into the district */
      "A-1,Jane Exampleperson,01/04/2024,,,\n",
      /* ... into the closed date */
      "A-1,Blaby,01/04/2024,,Jane Exampleperson,\n",
      /* ... into the reason of a closed case */
      "A-1,Blaby,01/04/2024,,01/05/2024,Jane Exampleperson\n",
  };

  (void)snprintf(json, sizeof json, CASES, "");
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    char csv[256];

    (void)snprintf(csv, sizeof csv, "%s%s", CASES_HEADER, rows[i]);
    fake_reset(ctx);
    assert_int_equal(parse_text(ctx, json, csv, &err), DAHUB_FAIL);
    assert_true(strstr(err.found, "LWA-2024") != NULL ||
                strstr(err.found, "Exampleperson") != NULL);
    assert_null(strstr(err.msg, "LWA-2024"));
    assert_null(strstr(err.msg, "Exampleperson"));
    assert_null(strstr(err.field, "Exampleperson"));
    assert_null(strstr(err.expected, "Exampleperson"));
    assert_int_equal(ctx->n_warn, 0);
  }
}

static void test_latest_period_only_with_a_warning(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, ", \"periods\": \"latest\"");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,15/03/2024,16/03/2024,,\n"
                                           "B-2,Blaby,15/04/2024,,,\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_string_equal(ctx->obs[0].period, "FY2024-25-Q1");
  assert_string_equal(ctx->obs[0].measure, "referrals_received");
  assert_int_equal(ctx->obs[0].line, 3);
  assert_int_equal(ctx->n_warn, 1);
  assert_string_equal(ctx->warn[0].msg,
                      "2 figures for periods before FY2024-25-Q1 were left "
                      "out (options.cases.periods is \"latest\")");
  fake_reset(ctx);
  (void)snprintf(json, sizeof json, CASES, "");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,15/03/2024,16/03/2024,,\n"
                                           "B-2,Blaby,15/04/2024,,,\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_string_equal(ctx->obs[0].period, "FY2023-24-Q4");
}

/* Codes written in the file itself ("unknown": "keep") live only as long
 * as their row, unlike the mapping's codes whose hashes are remembered by
 * address: many of them, of many lengths, each still makes one figure. */
static void test_codes_kept_as_written_make_one_figure_each(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  enum { CODES = 300, TIMES = 3 };
  size_t cap = CODES * TIMES * 48 + 64, used, i, k;
  char *csv = malloc(cap), code[32];

  assert_non_null(csv);
  used = (size_t)snprintf(csv, cap, "District,D\n");
  for (k = 0; k < TIMES; k++)
    for (i = 0; i < CODES; i++) {
      size_t n = (i * 7 + k * 13) % CODES; /* each k, another order */

      used +=
          (size_t)snprintf(csv + used, cap - used, "Z%.*s%zu,0%zu/05/2024\n",
                           (int)(n % 7), "-------", n, k + 1);
    }
  assert_true(used < cap);
  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                 " \"columns\": {\"area\": \"District\"},"
                 " \"unknown\": {\"area\": \"keep\"},"
                 " \"cases\": {\"count\": [{\"measure\": \"m\","
                 " \"date\": \"D\"}]}}",
                 csv, &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, CODES);
  for (i = 0; i < ctx->n; i++)
    assert_int_equal(ctx->obs[i].value, TIMES);
  (void)snprintf(code, sizeof code, "Z%zu", (size_t)0);
  assert_int_equal(count_obs(ctx, code, "m", NULL, NULL), 1);
  free(csv);
}

static void test_memory_bounds_are_errors(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[1024];

  (void)snprintf(json, sizeof json, CASES, ", \"max_groups\": 2");
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,01/04/2024,,,\n"
                                           "B-2,Melton,01/04/2024,,,\n"
                                           "C-3,Blaby,01/07/2024,,,\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 4);
  assert_string_equal(err.msg, "more than 2 figures in one file "
                               "(options.cases.max_groups)");
  assert_int_equal(ctx->n, 0); /* nothing is emitted before the end */
  /* Two people, one of them twice, are two references: within the limit.
   * A third is one too many, known only once the file has been read. */
  (void)snprintf(json, sizeof json, CASES, ", \"max_references\": 2");
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER
                              "A-1,Blaby,01/04/2024,01/04/2024,,\n"
                              "A-1,Blaby,01/05/2024,01/05/2024,,\n"
                              "B-2,Blaby,01/04/2024,01/04/2024,,\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(
      find_dims(ctx, "E07000129", "individuals_supported", NULL, "")->value, 2);
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, json,
                              CASES_HEADER "A-1,Blaby,01/04/2024,01/04/2024,,\n"
                                           "A-1,Blaby,01/05/2024,01/05/2024,,\n"
                                           "B-2,Blaby,01/04/2024,01/04/2024,,\n"
                                           "C-3,Blaby,01/04/2024,01/04/2024,,"
                                           "\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 0);
  assert_int_equal(ctx->n, 0);
  assert_string_equal(err.msg, "more than 2 distinct case references in one "
                               "file (options.cases.max_references)");
}

/* A mapping with every kind of field the reader's thread works out ahead:
 * labels (one leaving the row out with a reason), bands with a blank code,
 * a column filled down, and dates. */
#define AHEAD                                                                  \
  "{\"layout\": \"cases\", \"header\": {\"row\": 1},"                          \
  " \"fill_down\": [\"Service\"],"                                             \
  " \"columns\": {\"service_id\": \"Service\", \"area\": \"District\","        \
  "   \"dimensions\": {\"age_band\": {\"column\": \"Age\", \"bands\": "        \
  "     [\"0-17\", \"18-64\", \"65+\"], \"blank\": \"not_known\"},"            \
  "   \"end_reason\": \"Reason\"}},"                                           \
  " \"values\": {\"service_id\": {\"Outreach\": \"lwa.outreach\", "            \
  "   \"IDVA\": \"lwa.idva\", \"Pilot\": {\"skip\": \"not reported\"}},"       \
  "  \"area\": {\"Blaby\": \"E07000129\", \"Melton\": \"E07000133\", "         \
  "   \"\": \"X_UNKNOWN\"},"                                                   \
  "  \"end_reason\": {\"Moved\": \"moved_out_of_area\", \"\": "                \
  "\"not_known\"}},"                                                           \
  " \"cases\": {\"reference\": \"Ref\", \"count\": ["                          \
  "   {\"measure\": \"referrals_received\", \"date\": \"Referred\", "          \
  "    \"by\": [\"age_band\"]},"                                               \
  "   {\"measure\": \"cases_closed\", \"date\": \"Closed\", "                  \
  "    \"by\": [\"end_reason\"]},"                                             \
  "   {\"measure\": \"individuals_supported\", \"date\": \"Contact\", "        \
  "    \"distinct\": true}]}}"
#define AHEAD_HEADER "Ref,Service,District,Age,Referred,Contact,Closed,Reason\n"
#define AHEAD_CHUNK 500 /* rows: 30 KiB, which the reader reads inline */

/* Row i of the file below. References repeat within a chunk of rows only,
 * and a chunk's first row names its service, so each chunk can be read on
 * its own. Every 5,000th row is of a pilot, left out with a warning. */
static int ahead_row(char *out, size_t i) {
  static const char *const service[] = {"Outreach", "IDVA"};
  static const char *const area[] = {"Blaby", "Melton", ""};
  static const char *const age[] = {"", "17", "30", "70", " 45 "};
  unsigned day = (unsigned)(1 + i % 28), month = (unsigned)(4 + i % 6);
  const char *svc = i % 5000 == 8 ? "Pilot" : service[i / 3 % 2];
  char when[16], closed[16];

  if (i % 3 == 1 && i % AHEAD_CHUNK != 0 && i % 5000 != 8 && i % 5000 != 9)
    svc = ""; /* filled down, never from a pilot's row */
  (void)snprintf(when, sizeof when, "%02u/%02u/2024", day, month);
  (void)snprintf(closed, sizeof closed, "%02u/%02u/2024", day, month + 1);
  return sprintf(out, "R%05u,%s,%s,%s,%s,%s,%s,%s\n",
                 (unsigned)(i / AHEAD_CHUNK * 1000 + i % 37), svc, area[i % 3],
                 age[i % 5], when, i % 7 ? when : "", i % 10 == 3 ? closed : "",
                 i % 20 == 3 ? "Moved" : "");
}

/* Figures keyed by what names them, added up. */
struct sums {
  char key[MAX_OBS][384];
  int64_t value[MAX_OBS];
  size_t n;
};

static void add_figures(struct sums *s, const struct dahub_ctx *ctx) {
  char key[384];
  size_t i, k;

  for (i = 0; i < ctx->n; i++) {
    const struct got *g = &ctx->obs[i];

    (void)snprintf(key, sizeof key, "%s|%s|%s|%s|%s", g->service_id, g->area,
                   g->period, g->measure, g->dims);
    for (k = 0; k < s->n && strcmp(s->key[k], key) != 0; k++)
      ;
    if (k == s->n) {
      assert_true(s->n < MAX_OBS);
      (void)snprintf(s->key[s->n++], sizeof key, "%s", key);
    }
    s->value[k] += g->value;
  }
}

/* A file long enough for the CSV reader's thread, which works out each
 * row's labels, bands and dates as it reads them (cases_prepare): the
 * figures and warnings are exactly those of the same rows read a chunk at
 * a time, inline, where nothing is worked out ahead. */
static void test_rows_worked_out_ahead_count_as_read_inline(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  static struct sums whole, parts;
  size_t rows = 100000, cap = (size_t)8 << 20, len = 0, i, k, warnings = 0;
  char *data = malloc(cap), *chunk = malloc(64 << 10);
  int64_t referred = 0;

  assert_non_null(data);
  assert_non_null(chunk);
  memset(&whole, 0, sizeof whole);
  memset(&parts, 0, sizeof parts);
  len += (size_t)sprintf(data, AHEAD_HEADER);
  for (i = 0; i < rows; i++)
    len += (size_t)ahead_row(data + len, i);
  assert_true(len < cap);
  assert_int_equal(parse_bytes(ctx, AHEAD, data, len, &err), DAHUB_OK);
  add_figures(&whole, ctx);
  assert_int_equal(ctx->n_warn, rows / 5000);
  assert_true(atomic_load(&ctx->n_pseudo_elsewhere) > 0);
  for (i = 0; i < rows; i += AHEAD_CHUNK) {
    size_t n = (size_t)sprintf(chunk, AHEAD_HEADER);

    for (k = i; k < i + AHEAD_CHUNK; k++)
      n += (size_t)ahead_row(chunk + n, k);
    fake_reset(ctx);
    assert_int_equal(parse_bytes(ctx, AHEAD, chunk, n, &err), DAHUB_OK);
    assert_int_equal(atomic_load(&ctx->n_pseudo_elsewhere), 0);
    add_figures(&parts, ctx);
    warnings += ctx->n_warn;
  }
  assert_int_equal(warnings, rows / 5000);
  assert_int_equal(whole.n, parts.n);
  for (k = 0; k < parts.n; k++) {
    for (i = 0; i < whole.n && strcmp(whole.key[i], parts.key[k]) != 0; i++)
      ;
    assert_true(i < whole.n);
    assert_int_equal(whole.value[i], parts.value[k]);
    if (strstr(parts.key[k], "|referrals_received|") != NULL &&
        strstr(parts.key[k], "age_band") == NULL)
      referred += parts.value[k];
  }
  /* every row but the pilots' is a referral; the bands were read too */
  assert_int_equal(referred, (int64_t)(rows - rows / 5000));
  free(chunk);
  free(data);
}

/* Far into a long file, where labels and dates are worked out ahead: a
 * cell that does not resolve is still the row's own thread's to report,
 * with its line and column. */
static void test_rows_worked_out_ahead_keep_their_errors(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  static const struct {
    size_t row;
    const char *from, *to, *msg;
    uint32_t col;
  } bad[] = {
      {90000, "Blaby", "Leics",
       "District: no code for this area: add it to options.values.area, or "
       "set options.unknown.area to \"skip\"",
       3},
      {90001, ",17,", ",old,", "Age: not a whole number", 4},
      {95000, "/2024,", "/2023x,", "Referred: not a date", 5},
      {95001, "26/07/2024", "31/02/2024", "Referred: no such date", 5},
  };
  size_t rows = 100000, cap = (size_t)8 << 20, len, i, k;
  char *data = malloc(cap), line[256], *p;

  assert_non_null(data);
  for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    len = (size_t)sprintf(data, AHEAD_HEADER);
    for (i = 0; i < rows; i++) {
      if (i != bad[k].row) {
        len += (size_t)ahead_row(data + len, i);
        continue;
      }
      (void)ahead_row(line, i);
      p = strstr(line, bad[k].from);
      assert_non_null(p);
      len += (size_t)sprintf(data + len, "%.*s%s%s", (int)(p - line), line,
                             bad[k].to, p + strlen(bad[k].from));
    }
    fake_reset(ctx);
    assert_int_equal(parse_bytes(ctx, AHEAD, data, len, &err), DAHUB_FAIL);
    assert_int_equal(err.line, bad[k].row + 2);
    assert_int_equal(err.col, bad[k].col);
    assert_string_equal(err.msg, bad[k].msg);
  }
  free(data);
}

static void test_cases_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}}",
                    "options.cases: missing: a cases layout needs it");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}, \"cases\": {\"count\": "
                    "[{\"measure\": \"m\", \"date\": \"D\", \"distinct\": "
                    "true}]}}",
                    "options.cases.count[0]: a distinct count needs "
                    "options.cases.reference");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}, \"cases\": {\"count\": "
                    "[{\"measure\": \"m\", \"date\": \"D\", \"by\": "
                    "[\"area\"]}]}}",
                    "options.cases.count[0].by[0]: expected a dimension read "
                    "from a column (options.columns.dimensions)");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}, \"columns\": "
                    "{\"dimensions\": {\"gender\": \"Gender\"}},"
                    " \"cases\": {\"count\": [{\"measure\": \"m\", \"date\": "
                    "\"D\"}]}}",
                    "options.columns.dimensions.gender: no count breaks down "
                    "by it (add it to a count's \"by\")");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"columns\": {\"area\": \"District\"},"
                    " \"cases\": {\"count\": [{\"measure\": \"m\", \"date\": "
                    "\"D\"}]}}",
                    "options.values.area: figures are added up by area, so "
                    "list its labels here (or set options.unknown.area to "
                    "\"keep\" when the file already writes codes)");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\"},"
                    " \"cases\": {\"count\": [{\"measure\": \"m\", \"date\": "
                    "\"D\"}]}}",
                    "options: a cases layout takes period from the dates it "
                    "reads");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}, \"cases\": {\"count\": "
                    "[{\"measure\": \"m\", \"date\": \"D\"}], "
                    "\"max_references\": 0}}",
                    "options.cases.max_references: expected a whole number "
                    "from 1 to 100000000, found a number");
  expect_open_error("{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\"}, \"cases\": {\"count\": "
                    "[{\"measure\": \"m\", \"date\": \"D\"}], "
                    "\"periods\": \"last\"}}",
                    "options.cases.periods \"last\": expected \"all\" or "
                    "\"latest\"");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases_option_errors),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_lwa_sample_counted_by_the_real_mapping),
      T(test_distinct_reference_counts_once),
      T(test_references_hashed_on_the_readers_thread),
      T(test_no_key_means_no_distinct_count),
      T(test_blank_reference_is_an_error_without_text),
      T(test_case_dates_and_labels_are_checked),
      T(test_a_case_level_feed_is_personal),
      T(test_case_errors_hold_the_cell_in_found_only),
      T(test_latest_period_only_with_a_warning),
      T(test_memory_bounds_are_errors),
      T(test_codes_kept_as_written_make_one_figure_each),
      T(test_rows_worked_out_ahead_count_as_read_inline),
      T(test_rows_worked_out_ahead_keep_their_errors),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
