/*
 * test_mapped_xlsx.c: the mapped plugin reading a partner's .xlsx.
 *
 * The workbook is made by tests/unit/xlsx/make_xlsx.py (openpyxl) into the
 * folder named by DAHUB_XLSX_FIXTURES. It holds the same return as the CSV
 * text below, cell for cell, on its second sheet, with a title merged
 * across the top and a district merged down two rows: read with the same
 * mapping, both must give the same observations, at the same rows and
 * columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_mapped_host.h"

#define MAPPING(sheet)                                                         \
  "{\"layout\": \"long\", " sheet "\"header\": {\"row\": 3}, "                 \
  "\"columns\": {\"area\": \"District\", \"period\": \"Quarter\", "            \
  "\"measure\": \"Measure\", \"value\": \"Count\", "                           \
  "\"dimensions\": {\"gender\": \"Gender\"}}, "                                \
  "\"values\": {\"measure\": {\"Referrals received\": "                        \
  "\"referrals_received\"}}, \"fill_down\": [\"District\"]}"

/* The same return as CSV; the merged district is filled down. */
static const char csv[] =
    "Referrals by district,,,,\r\n"
    ",,,,\r\n"
    "District,Quarter,Measure,Gender,Count\r\n"
    "Blaby,Q1 2024/25,Referrals received,Female,12\r\n"
    ",Q1 2024/25,Referrals received,Male,<5\r\n"
    "NW Leics,Jul-Sep 2024,Referrals received,Female,7\r\n";

static char *read_book(const char *name, size_t *len) {
  const char *dir = getenv("DAHUB_XLSX_FIXTURES");
  char path[512];
  char *buf;
  FILE *f;
  long n;

  assert_non_null(dir);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  assert_non_null(f = fopen(path, "rb"));
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  assert_true((n = ftell(f)) > 0);
  rewind(f);
  assert_non_null(buf = malloc((size_t)n));
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Parses the workbook with the mapping; checks it gives what the CSV does. */
static void expect_as_csv(struct dahub_ctx *ctx, const char *mapping) {
  struct dahub_error err;
  struct got want[8];
  size_t n, len;
  char *book;

  assert_int_equal(parse_text(ctx, mapping, csv, &err), DAHUB_OK);
  n = ctx->n;
  assert_int_equal(n, 3);
  memcpy(want, ctx->obs, n * sizeof *want); /* strings live in ctx */
  book = read_book("return.xlsx", &len);
  if (parse_bytes(ctx, mapping, book, len, &err) != DAHUB_OK)
    fail_msg("%u:%u: %s", err.line, err.col, err.msg);
  assert_int_equal(ctx->n, 2 * n);
  for (size_t i = 0; i < n; i++) {
    const struct got *a = &ctx->obs[i], *b = &ctx->obs[n + i];

    assert_string_equal(a->area, b->area);
    assert_string_equal(a->period, b->period);
    assert_string_equal(a->measure, b->measure);
    assert_string_equal(a->dims, b->dims);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->value, b->value);
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->col, b->col);
  }
  assert_string_equal(ctx->obs[n + 1].area, "Blaby"); /* the merge's */
  assert_int_equal(ctx->obs[n + 1].status, DAHUB_SUPPRESSED);
  free(book);
}

static void test_xlsx_sheet_by_name_reads_as_its_csv(void **state) {
  expect_as_csv(*state, MAPPING("\"sheet\": \"q1 return\", "));
}

static void test_xlsx_sheet_by_number_reads_as_its_csv(void **state) {
  expect_as_csv(*state, MAPPING("\"sheet\": 2, "));
}

static void test_xlsx_missing_sheet_fails_naming_the_sheets(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t len;
  char *book = read_book("return.xlsx", &len);

  assert_int_equal(
      parse_bytes(ctx, MAPPING("\"sheet\": \"Q2 return\", "), book, len, &err),
      DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "no sheet named \"Q2 return\"; the "
                                  "workbook has \"Cover\", \"Q1 return\""));
  free(book);
}

static void test_xlsx_first_sheet_when_none_is_named(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t len;
  char *book = read_book("return.xlsx", &len);

  /* the cover sheet has one row: no header on row 3 */
  assert_int_equal(parse_bytes(ctx, MAPPING(""), book, len, &err), DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "no header: the file has 1 rows"));
  free(book);
}

static void test_sheet_option_is_checked(void **state) {
  (void)state;
  expect_open_error(MAPPING("\"sheet\": 0, "),
                    "options.sheet: expected a sheet's name, or its number "
                    "from 1, found a number");
}

/* The measure from the title cell, named as Excel names it: "$A$1". */
#define TITLE_MAPPING                                                          \
  "{\"layout\": \"long\", \"sheet\": 2, \"header\": {\"row\": 3}, "            \
  "\"columns\": {\"area\": \"District\", \"period\": \"Quarter\", "            \
  "\"value\": \"Count\"}, \"cells\": {\"measure\": \"$A$1\"}, "                \
  "\"values\": {\"measure\": {\"Referrals by district\": "                     \
  "\"referrals_received\"}}, \"fill_down\": [\"District\"]}"

static void test_cells_by_a1_reference(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t len;
  char *book = read_book("return.xlsx", &len);

  assert_int_equal(parse_bytes(ctx, TITLE_MAPPING, book, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_int_equal(
      find(ctx, "NW Leics", "referrals_received", "FY2024-25-Q2")->value, 7);
  fake_reset(ctx);
  /* the same cell of the same return as CSV */
  assert_int_equal(parse_text(ctx, TITLE_MAPPING, csv, &err), DAHUB_OK);
  assert_int_equal(ctx->n, 3);
  assert_int_equal(
      find(ctx, "NW Leics", "referrals_received", "FY2024-25-Q2")->value, 7);
  free(book);
}

static void test_a1_reference_is_checked(void **state) {
  static const char *const bad[] = {"2B", "XFE1", "B0", "B2C"};
  char json[256], msg[200];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof bad / sizeof *bad; i++) {
    (void)snprintf(json, sizeof json,
                   "{\"layout\": \"long\", \"header\": {\"row\": 3}, "
                   "\"columns\": {\"area\": \"A\", \"value\": \"V\"}, "
                   "\"fixed\": {\"measure\": \"m\"}, \"cells\": "
                   "{\"period\": \"%s\"}}",
                   bad[i]);
    (void)snprintf(msg, sizeof msg,
                   "options.cells.period \"%s\": expected a cell such as "
                   "\"B2\" (column letters, then the row number)",
                   bad[i]);
    expect_open_error(json, msg);
  }
}

/* The plugin tells the host which sheet it reads, so that the hub names
 * a bad cell as Excel does (the hub's tests check the wording); a CSV
 * file has no sheet. */
static void test_the_host_learns_the_sheet(void **state) {
  static const char gender_as_value[] =
      "{\"layout\": \"long\", \"sheet\": 2, \"header\": {\"row\": 3}, "
      "\"columns\": {\"area\": \"District\", \"period\": \"Quarter\", "
      "\"value\": \"Gender\"}, \"fixed\": {\"measure\": \"m\"}, "
      "\"fill_down\": [\"District\"]}";
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t len;
  char *book = read_book("return.xlsx", &len);

  assert_int_equal(parse_bytes(ctx, gender_as_value, book, len, &err),
                   DAHUB_FAIL);
  assert_string_equal(ctx->sheet, "Q1 return");
  assert_int_equal(err.line, 4);
  assert_int_equal(err.col, 4);
  assert_string_equal(err.msg, "Gender: not a number");
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, gender_as_value, csv, &err), DAHUB_FAIL);
  assert_string_equal(ctx->sheet, "");
  free(book);
}

/* The shared-string table is held whole while the sheet is read: a feed
 * bounds it, and the error says which key raises the bound. */
static void test_shared_strings_bounded_by_the_feed(void **state) {
  static const char mapping[] =
      "{\"layout\": \"long\", \"header\": {\"row\": 1}, %s"
      "\"columns\": {\"area\": \"Area\", \"value\": \"Count\"}, "
      "\"fixed\": {\"measure\": \"m\", \"period\": \"FY2024-25-Q1\"}}";
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char json[512];
  size_t len;
  char *book = read_book("many-strings.xlsx", &len);

  (void)snprintf(json, sizeof json, mapping, "\"max_shared_mib\": 1, ");
  assert_int_equal(parse_bytes(ctx, json, book, len, &err), DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "shared strings: more than 1048576 bytes"));
  assert_non_null(strstr(err.msg, "\"max_shared_mib\": 1"));
  fake_reset(ctx);
  ctx->count_only = 1;
  (void)snprintf(json, sizeof json, mapping, "");
  assert_int_equal(parse_bytes(ctx, json, book, len, &err), DAHUB_OK);
  assert_int_equal(ctx->n, 15000);
  expect_open_error("{\"layout\": \"long\", \"max_shared_mib\": 0}",
                    "options.max_shared_mib: expected a whole number from 1 "
                    "to 1024, found a number");
  free(book);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_xlsx_sheet_by_name_reads_as_its_csv,
                                      fake_setup, fake_teardown),
      cmocka_unit_test_setup_teardown(
          test_xlsx_sheet_by_number_reads_as_its_csv, fake_setup,
          fake_teardown),
      cmocka_unit_test_setup_teardown(
          test_xlsx_missing_sheet_fails_naming_the_sheets, fake_setup,
          fake_teardown),
      cmocka_unit_test_setup_teardown(test_xlsx_first_sheet_when_none_is_named,
                                      fake_setup, fake_teardown),
      cmocka_unit_test(test_sheet_option_is_checked),
      cmocka_unit_test_setup_teardown(test_cells_by_a1_reference, fake_setup,
                                      fake_teardown),
      cmocka_unit_test(test_a1_reference_is_checked),
      cmocka_unit_test_setup_teardown(test_the_host_learns_the_sheet,
                                      fake_setup, fake_teardown),
      cmocka_unit_test_setup_teardown(test_shared_strings_bounded_by_the_feed,
                                      fake_setup, fake_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
