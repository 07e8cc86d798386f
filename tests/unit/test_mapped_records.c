/*
 * test_mapped_records.c: rows that are also records (records.c): the LCC
 * register's contracts and lots go to host->emit_record with dates as
 * yyyy-mm-dd and money in pence, beside the figures; a host without
 * emit_record gets a warning and the figures only.
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

static const char register_name[] =
    "lcc_commissioning_and_funding_register_2024-06.csv";

static void test_lcc_register_figures(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("lcc");
  size_t len, i, contracts = 0;
  char *data = read_sample(register_name, &len);
  static const struct {
    const char *period;
    int64_t value;
  } allocations[] = {{"FY2021-22", 1127205},
                     {"FY2022-23", 1130326},
                     {"FY2023-24", 1152936},
                     {"FY2024-25", 1174689}};
  int64_t tcv = 0;
  const struct got *g;

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  for (i = 0; i < 4; i++) {
    g = find(ctx, "E10000018", "funding_allocated", allocations[i].period);
    assert_int_equal(g->value, allocations[i].value);
    assert_int_equal(g->scale, 0); /* the hub brings money to pence */
    assert_int_equal(g->status, DAHUB_ACTUAL);
    assert_string_equal(g->dims, "funding_source=dluhc_da_act_part4");
  }
  assert_int_equal(count_obs(ctx, NULL, "funding_allocated", NULL, NULL), 4);
  for (i = 0; i < ctx->n; i++)
    if (strcmp(ctx->obs[i].measure, "contract_value_total") == 0) {
      assert_string_equal(ctx->obs[i].period, "FY2024-25");
      tcv += ctx->obs[i].value;
      contracts++;
    }
  assert_int_equal(contracts, 11);
  assert_int_equal(tcv, 1137041);
  g = find_dims(ctx, "E10000018", "expenditure", "FY2024-25",
                "lot=bame_support");
  assert_string_equal(g->service_id, "panahghar.sa_lot1_bame");
  assert_int_equal(g->value, 85000);
  /* The tier-2 row and the 2025-26 row are left out with their reasons;
   * no year-1 service (no amount) becomes a figure. */
  assert_int_equal(ctx->n_warn, 2);
  assert_int_equal(ctx->warn[0].line, 6);
  assert_string_equal(ctx->warn[0].msg,
                      "row left out: district allocations are approximate "
                      "and name no year (options.values.service_id)");
  assert_int_equal(ctx->warn[1].line, 7);
  for (i = 0; i < ctx->n; i++)
    assert_true(ctx->obs[i].line >= 2 && ctx->obs[i].line <= 22 &&
                ctx->obs[i].line != 6 && ctx->obs[i].line != 7);
  assert_int_equal(ctx->n, 4 + 11 + 3 + 1);
  free(data);
  free(opts);
}

static void test_lcc_register_contract_records(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("lcc");
  size_t len, i;
  char *data = read_sample(register_name, &len);
  const struct got_record *r;

  assert_int_equal(parse_bytes(ctx, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_rec, 11 + 3);
  for (i = 0; i < ctx->n_rec; i++)
    assert_string_equal(ctx->rec[i].kind, "contract");
  r = &ctx->rec[0];
  assert_int_equal(r->line, 8);
  assert_non_null(strstr(r->fields, "provider=Turning Point;"));
  assert_non_null(strstr(r->fields, "service_id=turning_point."
                                    "substance_misuse;"));
  assert_non_null(strstr(r->fields, "value_gbp=12486400;"));
  assert_non_null(strstr(r->fields, "end_date=2025-06-12;"));
  assert_non_null(strstr(r->fields, "financial_year=FY2024-25;"));
  /* No end date shown: an empty field, not a guess. */
  assert_non_null(strstr(ctx->rec[3].fields, "end_date=;"));
  /* Lot 1: its number and capacity. */
  r = &ctx->rec[11];
  assert_int_equal(r->line, 19);
  assert_non_null(strstr(r->fields, "lot=1;"));
  assert_non_null(strstr(r->fields, "value_gbp=8500000;"));
  assert_non_null(
      strstr(r->fields, "capacity=rooms for 6 adults and 3 children"));
  free(data);
  free(opts);
}

static void test_host_without_records_gets_the_figures(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *opts = feed_options("lcc");
  size_t len;
  char *data = read_sample(register_name, &len);

  assert_int_equal(
      parse_with(ctx, &fake_host_no_records, opts, data, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n_rec, 0);
  assert_int_equal(ctx->n, 19);
  assert_int_equal(ctx->n_warn, 3); /* once for records, two left-out rows */
  assert_non_null(find_warning(ctx, "this hub does not take records: "
                                    "contract records are left out (the "
                                    "figures are not)"));
  free(data);
  free(opts);
}

#define RECORDS                                                                \
  "{\"layout\": \"long\", \"header\": {\"row\": 1},"                           \
  " \"fixed\": {\"area\": \"E10000018\", \"period\": \"FY2024-25\","           \
  "   \"measure\": \"contract_value_total\"},"                                 \
  " \"columns\": {\"value\": \"Value\"},"                                      \
  " \"records\": {\"kind\": \"contract\","                                     \
  "   \"when\": {\"column\": \"Type\", \"equals\": \"contract\"},"             \
  "   \"fields\": {\"provider\": \"Provider\","                                \
  "     \"end_date\": {\"column\": \"Ends\", \"date\": true},"                 \
  "     \"value_gbp\": {\"column\": \"Value\", \"pence\": true}}}}"

static void test_record_fields_are_checked(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, RECORDS,
                              "Type,Provider,Ends,Value\n"
                              "contract, Freeva ,01/10/25,\"1,234.5\"\n"
                              "grant,Other,not a date,1\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n_rec, 1);
  assert_string_equal(ctx->rec[0].fields,
                      "provider=Freeva;end_date=2025-10-01;value_gbp=123450");
  assert_int_equal(ctx->n, 2);
  assert_int_equal(parse_text(ctx, RECORDS,
                              "Type,Provider,Ends,Value\n"
                              "contract,Freeva,31/06/2025,1\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 3);
  assert_string_equal(err.msg, "Ends: no such date");
  assert_int_equal(parse_text(ctx, RECORDS,
                              "Type,Provider,Ends,Value\n"
                              "contract,Freeva,,\"approx. 33,000\"\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.col, 4);
  assert_string_equal(err.msg, "Value: not an amount of money");
}

static void test_records_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"}, \"columns\": {\"value\": \"V\"},"
                    " \"records\": {\"kind\": \"contract\", \"fields\": "
                    "   {\"end\": {\"column\": \"E\", \"date\": true, "
                    "\"pence\": true}}}}",
                    "options.records.fields.end: a field is a date or money, "
                    "not both");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"}, \"columns\": {\"value\": \"V\"},"
                    " \"records\": {\"kind\": \"contract\", \"fields\": "
                    "   {\"sid\": {\"field\": \"service\"}}}}",
                    "options.records.fields.sid.field: no such field "
                    "(expected service_id, area, period, measure, "
                    "financial_year or a dimension named elsewhere in the "
                    "mapping)");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"}, \"columns\": {\"value\": \"V\"},"
                    " \"records\": {\"kind\": \"contract\", \"when\": "
                    "   {\"column\": \"T\"}, \"fields\": {\"p\": \"P\"}}}",
                    "options.records.when: expected one of \"in\" or "
                    "\"equals\"");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1},"
                    " \"fixed\": {\"area\": \"A\", \"period\": \"FY2024-25\","
                    "   \"measure\": \"m\"}, \"columns\": {\"value\": \"V\"},"
                    " \"records\": {\"kind\": \"contract\", \"fields\": {}}}",
                    "options.records.fields: expected an object of 1 to 32 "
                    "fields, found an object");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_records_option_errors),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_lcc_register_figures),
      T(test_lcc_register_contract_records),
      T(test_host_without_records_gets_the_figures),
      T(test_record_fields_are_checked),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
