/*
 * test_mapped.c: the mapped plugin's long and wide layouts, driven by the
 * fake host of test_mapped_host.c. The cases, json and records features
 * have their own files (test_mapped_cases.c, test_mapped_json.c,
 * test_mapped_more.c).
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
#include <jansson.h>

#include "test_mapped_host.h"

/* --- option checking --- */

#define LONG_OK                                                                \
  "\"layout\": \"long\", \"header\": {\"row\": 1}, "                           \
  "\"columns\": {\"area\": \"Area\", \"measure\": \"Measure\", "               \
  "\"value\": \"Count\"}, \"fixed\": {\"period\": \"FY2024-25-Q1\"}"

static void test_option_unknown_key_is_named(void **state) {
  (void)state;
  expect_open_error("{" LONG_OK ", \"colums\": {}}",
                    "options.colums: unknown key; did you mean `columns`?");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"rwo\": 5}}",
                    "options.header.rwo: unknown key; did you mean `row`?");
  expect_open_error(
      "{\"layout\": \"long\", \"header\": {\"row\": 1}, "
      "\"columns\": {\"dimensions\": {\"gender\": \"G\"}, "
      "\"valeu\": \"x\"}}",
      "options.columns.valeu: unknown key; did you mean `value`?");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 3}, "
                    "\"cells\": {\"period\": {\"row\": 1, \"column\": 2}}}",
                    "options.cells.period.column: unknown key");
}

/* open() returns one error: the first problem of the object, placed by its
 * path, and how many more the object has. */
static void test_option_problems_of_an_object_are_counted(void **state) {
  (void)state;
  expect_open_error(
      "{\"layout\": \"long\", \"header\": {\"rwo\": 5, "
      "\"mtach\": \"Area\", \"row\": 0}}",
      "options.header.rwo: unknown key; did you mean `row`? (and 2 "
      "more in "
      "options.header)");
  expect_open_error("{" LONG_OK ", \"decimal_comma\": 1, \"delimiter\": \"|\"}",
                    "options.decimal_comma: expected true or false, found a "
                    "number (and 1 more in options)");
}

static void test_option_wrong_type_says_what_was_expected(void **state) {
  struct dahub_error err;
  void *st;

  (void)state;
  expect_open_error("{" LONG_OK ", \"decimal_comma\": \"yes\"}",
                    "options.decimal_comma \"yes\": expected true or false");
  expect_open_error("{" LONG_OK ", \"delimiter\": \"|\"}",
                    "options.delimiter \"|\": expected one of \",\", \";\", "
                    "\"\\t\"");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": \"5\"}}",
                    "options.header.row \"5\": expected a whole number from 1");
  expect_open_error("{" LONG_OK ", \"fill_down\": \"Service\"}",
                    "options.fill_down \"Service\": expected a non-empty array "
                    "of strings");
  expect_open_error("{" LONG_OK ", \"values\": {\"measure\": {\"a\": 1}}}",
                    "options.values.measure.a: expected a code, null, or an "
                    "object, found a number");
  expect_open_error("[]", "options: expected an object (the mapping), found "
                          "an array");
  st = &err;
  assert_int_equal(dahub_plugin_v1.open(NULL, &st, &err), -EINVAL);
  assert_null(st);
  /* The path is also the error's field, for the report. */
  assert_int_equal(
      open_mapping("{" LONG_OK ", \"encoding\": \"latin1\"}", &st, &err),
      -EINVAL);
  assert_string_equal(err.field, "options.encoding");
  assert_string_equal(err.expected,
                      "one of utf-8, windows-1252, utf-16, utf-16le, utf-16be");
  assert_string_equal(err.found, "latin1");
}

static void test_option_rules_between_keys(void **state) {
  (void)state;
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1}, "
                    "\"columns\": {\"area\": \"A\", \"value\": \"V\"}, "
                    "\"fixed\": {\"period\": \"FY2024-25\"}}",
                    "options: nothing gives measure (add it to columns, "
                    "cells, fixed or across)");
  expect_open_error("{" LONG_OK ", \"cells\": {\"period\": "
                    "{\"row\": 1, \"col\": 1}}}",
                    "options.fixed.period: period already comes from "
                    "options.cells");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 2}, "
                    "\"columns\": {\"area\": \"A\", \"measure\": \"M\", "
                    "\"value\": \"V\"}, \"cells\": {\"period\": "
                    "{\"row\": 2, \"col\": 1}}}",
                    "options.cells: period is in row 2, not above the "
                    "header (row 2)");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1}, "
                    "\"columns\": {\"area\": \"A\", \"measure\": \"M\", "
                    "\"value\": \"V\"}, \"fixed\": {\"period\": \"Q1\"}}",
                    "options.fixed.period: expected a period id such as "
                    "FY2024-25-Q1");
  expect_open_error("{\"layout\": \"wide\", \"header\": {\"row\": 1}, "
                    "\"columns\": {\"area\": \"A\", \"measure\": \"M\"}, "
                    "\"across\": {\"field\": \"period\", \"columns\": "
                    "{\"Q1\": \"FY2023-24-Q1\", \"Q2\": \"Q2\"}}}",
                    "options.across.columns.Q2: expected a period id such "
                    "as FY2024-25-Q1");
  expect_open_error("{" LONG_OK ", \"across\": {\"field\": \"area\", "
                    "\"columns\": {\"A\": \"B\"}}}",
                    "options.across: only a wide layout has it");
  expect_open_error("{" LONG_OK ", \"values\": {\"period\": {\"a\": \"b\"}}}",
                    "options.values.period: this field is not read from a "
                    "column or cell");
  expect_open_error("{" LONG_OK ", \"unknown\": {\"area\": \"skip\"}}",
                    "options.unknown.area: options.values has no labels for "
                    "this field");
  expect_open_error("{" LONG_OK ", \"period_notes\": {\"Q1+Q2\": \"Q5\"}}",
                    "options.period_notes.Q1+Q2: expected FY, H1, H2, "
                    "Q1..Q4 or M01..M12");
  expect_open_error("{\"layout\": \"long\", \"header\": {\"row\": 1}, "
                    "\"columns\": {\"area\": \"A\", \"measure\": \"M\"}, "
                    "\"fixed\": {\"period\": \"FY2024-25\"}}",
                    "options.columns.value: a long layout needs the header "
                    "of its value column");
}

/* --- reading files --- */

static void test_long_layout(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"long\", \"header\": {\"row\": 1}, "
                 "\"columns\": {\"area\": \"District\", \"period\": "
                 "\"Quarter\", \"measure\": \"Measure\", \"value\": "
                 "\" count \", \"dimensions\": {\"gender\": \"Gender\"}}, "
                 "\"values\": {\"measure\": {\"Referrals received\": "
                 "\"referrals_received\"}}}",
                 "District,Quarter,Measure,Gender,Count\r\n"
                 "Blaby,Q1 2024/25,Referrals received,Female,12\r\n"
                 "NW Leics,Jul-Sep 2024,REFERRALS RECEIVED ,Male,<5\r\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 2);
  assert_string_equal(ctx->obs[0].area, "Blaby");
  assert_string_equal(ctx->obs[0].period, "FY2024-25-Q1");
  assert_string_equal(ctx->obs[0].measure, "referrals_received");
  assert_string_equal(ctx->obs[0].dims, "gender=Female");
  assert_null(ctx->obs[0].service_id);
  assert_int_equal(ctx->obs[0].status, DAHUB_ACTUAL);
  assert_int_equal(ctx->obs[0].value, 12);
  assert_int_equal(ctx->obs[0].line, 2);
  assert_int_equal(ctx->obs[0].col, 5);
  /* Labels go to the hub as written; it knows "NW Leics". */
  assert_string_equal(ctx->obs[1].area, "NW Leics");
  assert_string_equal(ctx->obs[1].period, "FY2024-25-Q2");
  assert_string_equal(ctx->obs[1].dims, "gender=Male");
  assert_int_equal(ctx->obs[1].status, DAHUB_SUPPRESSED);
  assert_int_equal(ctx->obs[1].bound, 5);
  assert_string_equal(ctx->obs[1].raw, "<5");
}

#define SIMPLE                                                                 \
  "{\"layout\": \"long\", \"header\": {\"match\": \"Area\"}, "                 \
  "\"columns\": {\"area\": \"Area\", \"value\": \"Count\"}, "                  \
  "\"fixed\": {\"period\": \"FY2024-25-Q1\", \"measure\": \"m\"}"

static void test_title_rows_above_header_are_skipped(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}",
                              "Partner X - quarterly return,,\n"
                              "Completed by:,Manager,\n"
                              ",,\n"
                              " area ,Count,Notes\n"
                              "Blaby,4,\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_string_equal(ctx->obs[0].area, "Blaby");
  assert_int_equal(ctx->obs[0].value, 4);
  assert_int_equal(ctx->obs[0].line, 5);
}

static void test_header_by_row_number(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"long\", \"header\": {\"row\": 3}, "
                 "\"columns\": {\"area\": \"Area\", \"value\": \"Count\"}, "
                 "\"fixed\": {\"period\": \"FY2024-25-Q1\", \"measure\": "
                 "\"m\"}}",
                 "Area,Count\n\"two\nlines\",1\nArea,Count\nBlaby,7\n", &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(ctx->obs[0].value, 7);
  assert_int_equal(ctx->obs[0].line, 5);
}

static void test_missing_header_is_an_error(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}", "Title\nDistrict,Count\n", &err),
                   DAHUB_FAIL);
  assert_string_equal(err.msg, "no header: no row starts with \"Area\"");
  assert_int_equal(parse_text(ctx, SIMPLE "}", "Area,Total\nBlaby,1\n", &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 1);
  assert_string_equal(err.field, "Count");
  assert_string_equal(err.msg, "Count: the header has no such column");
}

static void test_blank_rows_are_skipped(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx, SIMPLE "}",
                 "\nArea,Count\n,\n\nBlaby,1\n  ,  \nMelton,2\n,,,\n", &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 2);
  assert_string_equal(ctx->obs[1].area, "Melton");
  assert_int_equal(ctx->obs[1].line, 7);
}

static void test_blank_cell_is_missing_not_zero(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx, SIMPLE "}", "Area,Count\nBlaby,\nMelton\n", &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 2);
  assert_int_equal(ctx->obs[0].status, DAHUB_MISSING);
  assert_int_equal(ctx->obs[0].value, 0);
  /* A short row: the cell is not there at all, which is blank too. */
  assert_int_equal(ctx->obs[1].status, DAHUB_MISSING);
  assert_int_equal(ctx->obs[1].col, 2);
}

static void test_suppressed_cells_keep_bound(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}",
                              "Area,Count\nBlaby,<5\nMelton,*\nRutland,< 10\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_int_equal(ctx->obs[0].status, DAHUB_SUPPRESSED);
  assert_int_equal(ctx->obs[0].bound, 5);
  assert_int_equal(ctx->obs[1].status, DAHUB_SUPPRESSED);
  assert_int_equal(ctx->obs[1].bound, 0);
  assert_int_equal(ctx->obs[2].bound, 10);
}

static void test_thousands_separators_and_estimates(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}",
                              "Area,Count\nE10000018,\"1,127,205\"\n"
                              "E07000129,\"approx. 33,000\"\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->obs[0].value, 1127205);
  assert_int_equal(ctx->obs[0].status, DAHUB_ACTUAL);
  assert_int_equal(ctx->obs[1].value, 33000);
  assert_int_equal(ctx->obs[1].status, DAHUB_ESTIMATED);
  assert_string_equal(ctx->obs[1].raw, "approx. 33,000");
}

static void test_text_in_value_cell_fails_with_details(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}",
                              "Area,Count\nBlaby,4\nMelton,similar to Q2\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.field, "Count");
  assert_string_equal(err.expected, "a number, blank, or <N / *");
  assert_string_equal(err.found, "similar to Q2");
  assert_string_equal(err.msg, "Count: not a number");
}

static void test_400_digit_value_fails(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char csv[512];

  memcpy(csv, "Area,Count\nBlaby,", 17);
  memset(csv + 17, '9', 400);
  memcpy(csv + 417, "\n", 2);
  assert_int_equal(parse_text(ctx, SIMPLE "}", csv, &err), DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_string_equal(err.msg, "Count: number too large");
}

static void test_windows_1252_pound(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE ", \"encoding\": \"windows-1252\"}",
                              "Area,Count\nE06000017,\"\xA3"
                              "63,000\"\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->obs[0].value, 63000);
  assert_string_equal(ctx->obs[0].raw, "\xC2\xA3"
                                       "63,000");
}

/* Excel's "Unicode Text": UTF-16LE with a mark, tabs, read with the
 * feed's default encoding; without the mark, "utf-16" says so. */
static void test_unicode_text_export(void **state) {
  static const char le[] = "\xFF\xFE"
                           "A\0r\0e\0a\0\t\0C\0o\0u\0n\0t\0\r\0\n\0"
                           "E\0"
                           "0\0"
                           "6\0"
                           "0\0"
                           "0\0"
                           "0\0"
                           "0\0"
                           "1\0"
                           "7\0\t\0\xA3\0"
                           "6\0"
                           "3\0\r\0\n\0";
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_bytes(ctx, SIMPLE ", \"delimiter\": \"\\t\"}", le,
                               sizeof le - 1, &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(ctx->obs[0].value, 63);
  assert_string_equal(ctx->obs[0].raw, "\xC2\xA3"
                                       "63");
  fake_reset(ctx);
  assert_int_equal(parse_bytes(ctx,
                               SIMPLE ", \"delimiter\": \"\\t\", "
                                      "\"encoding\": \"utf-16\"}",
                               le + 2, sizeof le - 3, &err),
                   DAHUB_OK);
  assert_int_equal(ctx->obs[0].value, 63);
  fake_reset(ctx);
  assert_int_equal(parse_bytes(ctx, SIMPLE ", \"delimiter\": \"\\t\"}", le + 2,
                               sizeof le - 3, &err),
                   DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "set the feed's \"encoding\" to "
                                  "\"utf-16le\""));
}

static void test_semicolons_and_decimal_comma(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx, SIMPLE ", \"delimiter\": \";\", \"decimal_comma\": true}",
                 "Area;Count\nRefuge;96,5\nDispersed;63.000\n", &err),
      DAHUB_OK);
  assert_int_equal(ctx->obs[0].value, 965);
  assert_int_equal(ctx->obs[0].scale, 1);
  assert_int_equal(ctx->obs[1].value, 63000);
  assert_int_equal(ctx->obs[1].scale, 0);
}

static void test_csv_errors_fail_the_file(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}", "Area,Count\nBlaby,\"4\n", &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.msg, "never closed"));
}

#define LABELS                                                                 \
  "{\"layout\": \"long\", \"header\": {\"row\": 1}, "                          \
  "\"columns\": {\"area\": \"Area\", \"measure\": \"Measure\", "               \
  "\"value\": \"Count\"}, \"fixed\": {\"period\": \"FY2024-25-Q1\"}, "         \
  "\"values\": {\"measure\": {\"Calls handled\": \"helpline_contacts\"}}"

static void test_unknown_label_error_names_cell_and_text(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, LABELS "}",
                              "Area,Measure,Count\n"
                              "Blaby,calls handled,3\n"
                              "Blaby,Calls answered,4\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.field, "Measure");
  assert_string_equal(err.found, "Calls answered");
  assert_string_equal(err.msg, "Measure: no code for this measure: add it to "
                               "options.values.measure, or set "
                               "options.unknown.measure to \"skip\"");
}

static void test_unknown_label_skip(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx,
                              LABELS ", \"unknown\": {\"measure\": \"skip\"}}",
                              "Area,Measure,Count\n"
                              "Blaby,TOTAL,not a number\n"
                              "Blaby,Calls handled,4\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_string_equal(ctx->obs[0].measure, "helpline_contacts");
}

static void test_blank_key_is_error_unless_skipped(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SIMPLE "}", "Area,Count\n,5\n", &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 1);
  assert_string_equal(err.msg,
                      "Area: expected a value here, found a blank cell");
  assert_int_equal(parse_text(ctx, SIMPLE ", \"skip_if_blank\": [\"Area\"]}",
                              "Area,Count\n,5\nBlaby,6\n", &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_int_equal(ctx->obs[0].value, 6);
}

static void test_fill_down(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 "{\"layout\": \"long\", \"header\": {\"row\": 1}, "
                 "\"columns\": {\"service_id\": \"Service\", \"area\": "
                 "\"Area\", \"value\": \"Count\"}, \"fixed\": {\"period\": "
                 "\"FY2024-25-Q1\", \"measure\": \"m\"}, "
                 "\"fill_down\": [\"Service\"]}",
                 "Service,Area,Count\n"
                 "helpline,Blaby,1\n"
                 ",Melton,2\n"
                 "\n"
                 "  ,Rutland,3\n"
                 "counselling,Blaby,4\n"
                 ",Melton,5\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 5);
  assert_string_equal(ctx->obs[1].service_id, "helpline");
  assert_string_equal(ctx->obs[2].service_id, "helpline");
  assert_string_equal(ctx->obs[3].service_id, "counselling");
  assert_string_equal(ctx->obs[4].service_id, "counselling");
}

static void test_footer_ends_the_data(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx,
                 SIMPLE ", \"footer\": {\"match\": [\"Notes:\", \"Note:\"]}}",
                 "Area,Count\nBlaby,1\n,\n"
                 " note: figures under 5 are suppressed,x\n"
                 "Melton,not read\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 1);
}

static void test_hub_can_stop_the_file(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  ctx->stop_at = 1;
  assert_int_equal(
      parse_text(ctx, SIMPLE "}", "Area,Count\nBlaby,1\nMelton,2\n", &err),
      DAHUB_FAIL);
  assert_int_equal(ctx->n, 1);
}

static void test_long_line_limit_from_hub(void **state) {
  struct dahub_ctx *ctx = *state;
  static const char data[] = "Area,Count\nBlaby,123456789012345\n";
  struct fake_input f = {.data = data, .len = sizeof data - 1};
  struct dahub_error err;
  void *st;

  f.in.read = fake_read;
  f.in.max_line_bytes = 16;
  assert_int_equal(open_mapping(SIMPLE "}", &st, &err), 0);
  assert_int_equal(dahub_plugin_v1.parse(st, &f.in, &fake_host, ctx, &err),
                   DAHUB_FAIL);
  dahub_plugin_v1.close(st);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.msg, "longer than 16 bytes"));
}

/* The real Freeva return: districts across, a merged Service column, <5
 * cells, a TOTAL column and footnotes. */
static const char freeva_mapping[] =
    "{\"layout\": \"wide\", \"header\": {\"match\": \"Service\"},"
    " \"cells\": {\"period\": {\"row\": 2, \"col\": 2}},"
    " \"columns\": {\"service_id\": \"Service\", \"measure\": \"Measure\"},"
    " \"across\": {\"field\": \"area\", \"columns\": {"
    "   \"Blaby\": \"E07000129\", \"Charnwood\": \"E07000130\","
    "   \"Harborough\": \"E07000131\", \"Hinckley & Bosworth\": \"E07000132\","
    "   \"Melton\": \"E07000133\", \"NW Leics\": \"E07000134\","
    "   \"Oadby & Wigston\": \"E07000135\","
    "   \"Out of county / unknown\": \"X_OUT_OF_AREA\"}},"
    " \"values\": {"
    "   \"measure\": {"
    "     \"Calls, texts and emails handled\": \"helpline_contacts\","
    "     \"Individual men supported\": \"individuals_supported\","
    "     \"Individuals supported\": \"individuals_supported\","
    "     \"Referrals received\": \"referrals_received\","
    "     \"Clients starting counselling\": \"cases_opened\","
    "     \"Young people starting counselling\": \"children_supported\","
    "     \"Sessions delivered\": \"sessions_delivered\"},"
    "   \"service_id\": {"
    "     \"Helpline support for male victims\": \"freeva.male_helpline\","
    "     \"BAME advisor\": \"freeva.bame_advisor\","
    "     \"Counselling service for adults\": \"freeva.adult_counselling\","
    "     \"Counselling service for young people\": \"freeva.yp_counselling\""
    "   }},"
    " \"unknown\": {\"measure\": \"skip\"},"
    " \"fill_down\": [\"Service\"],"
    " \"footer\": {\"match\": [\"Notes:\", \"Note:\"]}}";

static void test_wide_layout_on_freeva_sample(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const struct got *g;
  size_t len, i;
  char *data = read_sample("freeva_LCC_quarterly_return_Q1_2024-25.csv", &len);

  assert_int_equal(parse_bytes(ctx, freeva_mapping, data, len, &err), DAHUB_OK);
  free(data);
  /* 9 data rows, one skipped ("Referred on" has no code), 8 districts. */
  assert_int_equal(ctx->n, 8 * 8);
  g = find(ctx, "E07000130", "helpline_contacts", NULL);
  assert_int_equal(g->status, DAHUB_ACTUAL);
  assert_int_equal(g->value, 31);
  assert_int_equal(g->scale, 0);
  assert_string_equal(g->service_id, "freeva.male_helpline");
  assert_string_equal(g->period, "FY2024-25-Q1");
  assert_string_equal(g->raw, "31");
  assert_int_equal(g->line, 6);
  assert_int_equal(g->col, 4);
  g = find(ctx, "E07000133", "helpline_contacts", NULL);
  assert_int_equal(g->status, DAHUB_SUPPRESSED);
  assert_int_equal(g->bound, 5);
  assert_string_equal(g->raw, "<5");
  /* Filled down from the merged Service cell above. */
  g = find(ctx, "E07000131", "individuals_supported", NULL);
  assert_string_equal(g->service_id, "freeva.male_helpline");
  assert_int_equal(g->status, DAHUB_SUPPRESSED);
  g = find(ctx, "E07000135", "cases_opened", NULL);
  assert_string_equal(g->service_id, "freeva.adult_counselling");
  /* BAME advisor's Oadby & Wigston is 11; its Out of county is blank. */
  g = find(ctx, "E07000135", "referrals_received", NULL);
  assert_int_equal(g->value, 11);
  g = find(ctx, "X_OUT_OF_AREA", "referrals_received", NULL);
  assert_int_equal(g->status, DAHUB_MISSING);
  /* No TOTAL column, nothing from the notes. */
  for (i = 0; i < ctx->n; i++) {
    assert_true(ctx->obs[i].col >= 3 && ctx->obs[i].col <= 10);
    assert_true(ctx->obs[i].line >= 6 && ctx->obs[i].line <= 14);
  }
}

static void test_period_taken_from_cell(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const char *mapping =
      "{\"layout\": \"long\", \"header\": {\"match\": \"Area\"},"
      " \"cells\": {\"period\": {\"row\": 2, \"col\": 2},"
      "             \"dimensions\": {\"lot\": {\"row\": 1, \"col\": 3}}},"
      " \"columns\": {\"area\": \"Area\", \"value\": \"Count\"},"
      " \"fixed\": {\"measure\": \"m\"}}";

  assert_int_equal(
      parse_text(ctx, mapping,
                 "Return,,generic\n"
                 "Quarter:,Q1 2024/25 (1 April 2024 - 30 June 2024),\n"
                 "Area,Count\nBlaby,3\n",
                 &err),
      DAHUB_OK);
  assert_int_equal(ctx->n, 1);
  assert_string_equal(ctx->obs[0].period, "FY2024-25-Q1");
  assert_string_equal(ctx->obs[0].dims, "lot=generic");
  /* A cell that holds no period names its place. */
  assert_int_equal(parse_text(ctx, mapping,
                              "Return,,generic\nQuarter:,to follow,\n"
                              "Area,Count\nBlaby,3\n",
                              &err),
                   DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.found, "to follow");
  assert_string_equal(err.msg, "period: not a period");
  /* The header came before the cell's row. */
  assert_int_equal(parse_text(ctx, mapping, "Area,Count\nBlaby,3\n", &err),
                   DAHUB_FAIL);
  assert_string_equal(err.msg, "options.cells.period: row 2 is not above the "
                               "header (row 1)");
}

/* The real Rutland return: Windows-1252, half-year cells in a quarter grid,
 * "£63,000" in the Year column. */
static void test_rutland_sample_period_notes_and_pounds(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  const struct got *g;
  size_t len;
  char *data = read_sample("rutland_cc_DA_board_figures_2023-24.csv", &len);
  const char *mapping =
      "{\"layout\": \"wide\", \"encoding\": \"windows-1252\","
      " \"header\": {\"match\": \"Section\"},"
      " \"columns\": {\"measure\": \"Indicator\"},"
      " \"fixed\": {\"area\": \"E06000017\"},"
      " \"across\": {\"field\": \"period\", \"columns\": {"
      "   \"Q1\": \"FY2023-24-Q1\", \"Q2\": \"FY2023-24-Q2\","
      "   \"Q3\": \"FY2023-24-Q3\", \"Q4\": \"FY2023-24-Q4\","
      "   \"Year\": \"FY2023-24\"}},"
      " \"values\": {\"measure\": {"
      "   \"Single assessments completed\": "
      "     \"cs_single_assessments_completed\","
      "   \"Referrals\": \"asc_referrals\","
      "   \"Domestic Abuse Fund (per year)\": \"funding_allocated\"}},"
      " \"unknown\": {\"measure\": \"skip\"},"
      " \"period_notes\": {\"Q1+Q2\": \"H1\", \"Q3+Q4\": \"H2\"},"
      " \"footer\": {\"match\": [\"Note\"]}}";

  assert_int_equal(parse_bytes(ctx, mapping, data, len, &err), DAHUB_OK);
  free(data);
  assert_int_equal(ctx->n, 3 * 5);
  g = find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24-H1");
  assert_int_equal(g->value, 86);
  assert_string_equal(g->raw, "86 (Q1+Q2)");
  assert_int_equal(g->line, 4);
  assert_int_equal(g->col, 3);
  g = find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24-H2");
  assert_int_equal(g->value, 130);
  g = find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24");
  assert_int_equal(g->value, 216);
  g = find(ctx, "E06000017", "cs_single_assessments_completed", "FY2023-24-Q2");
  assert_int_equal(g->status, DAHUB_MISSING);
  g = find(ctx, "E06000017", "asc_referrals", "FY2023-24-Q3");
  assert_int_equal(g->status, DAHUB_SUPPRESSED);
  assert_int_equal(g->bound, 10);
  g = find(ctx, "E06000017", "funding_allocated", "FY2023-24");
  assert_int_equal(g->value, 63000);
  assert_string_equal(g->raw, "\xC2\xA3"
                              "63,000");
}

static void test_unlisted_note_is_an_error(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(
      parse_text(ctx, SIMPLE "}", "Area,Count\nBlaby,86 (Q1+Q2)\n", &err),
      DAHUB_FAIL);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_string_equal(err.found, "86 (Q1+Q2)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_option_unknown_key_is_named),
      cmocka_unit_test(test_option_problems_of_an_object_are_counted),
      cmocka_unit_test(test_option_wrong_type_says_what_was_expected),
      cmocka_unit_test(test_option_rules_between_keys),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_long_layout),
      T(test_title_rows_above_header_are_skipped),
      T(test_header_by_row_number),
      T(test_missing_header_is_an_error),
      T(test_blank_rows_are_skipped),
      T(test_blank_cell_is_missing_not_zero),
      T(test_suppressed_cells_keep_bound),
      T(test_thousands_separators_and_estimates),
      T(test_text_in_value_cell_fails_with_details),
      T(test_400_digit_value_fails),
      T(test_windows_1252_pound),
      T(test_unicode_text_export),
      T(test_semicolons_and_decimal_comma),
      T(test_csv_errors_fail_the_file),
      T(test_unknown_label_error_names_cell_and_text),
      T(test_unknown_label_skip),
      T(test_blank_key_is_error_unless_skipped),
      T(test_fill_down),
      T(test_footer_ends_the_data),
      T(test_hub_can_stop_the_file),
      T(test_long_line_limit_from_hub),
      T(test_wide_layout_on_freeva_sample),
      T(test_period_taken_from_cell),
      T(test_rutland_sample_period_notes_and_pounds),
      T(test_unlisted_note_is_an_error),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
