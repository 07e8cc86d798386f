/*
 * test_mapped_shapes.c: one feed, several templates (shapes.c). A file is
 * read with the first shape whose header fits; the note for `dahub try`
 * says which, and why the ones before it did not; a file no shape fits
 * fails with each shape's reason as a warning. The start of the file is
 * read again with the shape chosen, however large the file.
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

/* 2023: one figure per row. 2024: districts across, a title row above. */
#define SHAPE_2023                                                             \
  "{\"name\": \"2023 template\", \"layout\": \"long\","                        \
  " \"header\": {\"match\": \"Area\"},"                                        \
  " \"columns\": {\"area\": \"Area\", \"period\": \"Quarter\","                \
  "   \"value\": \"Count\"},"                                                  \
  " \"fixed\": {\"measure\": \"helpline_contacts\"}}"
#define SHAPE_2024                                                             \
  "{\"name\": \"2024 template\", \"layout\": \"wide\", \"delimiter\": \";\","  \
  " \"header\": {\"row\": 2}, \"cells\": {\"period\": {\"row\": 1, "           \
  "\"col\": 2}},"                                                              \
  " \"fixed\": {\"measure\": \"helpline_contacts\"},"                          \
  " \"across\": {\"field\": \"area\", \"columns\": {\"Blaby\": "               \
  "\"E07000129\", \"Charnwood\": \"E07000130\"}}}"
#define SHAPES "{\"shapes\": [" SHAPE_2023 ", " SHAPE_2024 "]}"

static void test_each_file_read_with_the_shape_that_fits(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SHAPES,
                              "Area,Quarter,Count\n"
                              "E07000129,FY2023-24-Q4,12\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(
      find(ctx, "E07000129", "helpline_contacts", "FY2023-24-Q4")->value, 12);
  assert_string_equal(ctx->notes, "read with shape 1 (\"2023 template\")\n");
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, SHAPES,
                              "Quarter;FY2024-25-Q1\n"
                              "Service;Blaby;Charnwood\n"
                              "Helpline;7;9\n",
                              &err),
                   DAHUB_OK);
  assert_int_equal(ctx->n, 2);
  assert_int_equal(
      find(ctx, "E07000130", "helpline_contacts", "FY2024-25-Q1")->value, 9);
  assert_string_equal(ctx->notes,
                      "read with shape 2 (\"2024 template\")\n"
                      "shape 1 (\"2023 template\") does not fit: no header: "
                      "no row starts with \"Area\" (the file has semicolons; "
                      "the feed reads \",\")\n");
  assert_int_equal(ctx->n_warn, 0);
}

/* The header is there but a column is not: the reason names it. */
static void test_reason_names_the_missing_column(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx,
                              "{\"shapes\": [" SHAPE_2023
                              ", {\"layout\": \"long\", \"header\": "
                              "{\"match\": \"Area\"}, \"columns\": "
                              "{\"area\": \"Area\", \"value\": \"Calls\"}, "
                              "\"fixed\": {\"measure\": \"m\", \"period\": "
                              "\"FY2024-25-Q2\"}}]}",
                              "Area,Calls\nE07000129,5\n", &err),
                   DAHUB_OK);
  assert_string_equal(ctx->notes,
                      "read with shape 2\n"
                      "shape 1 (\"2023 template\") does not fit: Quarter: "
                      "the header has no such column\n");
  assert_int_equal(find(ctx, "E07000129", "m", "FY2024-25-Q2")->value, 5);
}

static void test_a_file_no_shape_fits_fails_saying_why(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  assert_int_equal(parse_text(ctx, SHAPES, "District,Calls\nBlaby,4\n", &err),
                   DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "fits none of the feed's 2 shapes"));
  assert_int_equal(ctx->n, 0);
  assert_int_equal(ctx->n_warn, 2);
  assert_string_equal(ctx->warn[0].msg,
                      "shape 1 (\"2023 template\") does not fit: no header: "
                      "no row starts with \"Area\"");
  assert_non_null(strstr(ctx->warn[1].msg, "shape 2 (\"2024 template\") "
                                           "does not fit: "));
  assert_non_null(strstr(ctx->warn[1].msg, "Blaby"));
}

/* Each shape reads the file its own way: here UTF-16 and tabs. */
static void test_shapes_with_their_own_encoding_and_delimiter(void **state) {
  static const char text[] = "\xFF\xFE"
                             "A\0r\0e\0a\0\t\0Q\0u\0a\0r\0t\0e\0r\0\t\0"
                             "C\0o\0u\0n\0t\0\n\0"
                             "E\0"
                             "0\0"
                             "7\0"
                             "0\0"
                             "0\0"
                             "0\0"
                             "1\0"
                             "2\0"
                             "9\0\t\0Q\0"
                             "1\0\t\0"
                             "3\0\n\0";
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;

  enum dahub_outcome out;

  out = parse_bytes(ctx,
                    "{\"shapes\": [" SHAPE_2023 ", {\"layout\": \"long\", "
                    "\"delimiter\": \"\\t\", \"header\": {\"match\": "
                    "\"Area\"}, \"columns\": {\"area\": \"Area\", \"value\": "
                    "\"Count\"}, \"fixed\": {\"measure\": \"m\", "
                    "\"period\": \"FY2024-25-Q1\"}}]}",
                    text, sizeof text - 1, &err);
  assert_int_equal(out, DAHUB_OK);
  assert_true(strstr(ctx->notes, "read with shape 2\n") == ctx->notes);
  assert_int_equal(find(ctx, "E07000129", "m", "FY2024-25-Q1")->value, 3);
}

/* A file far larger than what is kept to try shapes: its start is read
 * again, then the rest, every row once. */
static void test_large_file_read_whole_after_the_choice(void **state) {
  const size_t rows = 150000;
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *csv = malloc(rows * 32 + 64);
  size_t n = 0, i;

  assert_non_null(csv);
  n += (size_t)sprintf(csv, "Quarter;FY2024-25-Q1\nService;Blaby;Charnwood\n");
  for (i = 0; i < rows; i++)
    n += (size_t)sprintf(csv + n, "Helpline %zu;%zu;1\n", i, i % 1000);
  assert_true(n > 3u << 20);
  ctx->count_only = 1;
  assert_int_equal(parse_bytes(ctx, SHAPES, csv, n, &err), DAHUB_OK);
  assert_int_equal(ctx->n, rows * 2);
  free(csv);
}

/* Where the header must be for a shape to be tried: the first 1,000 rows
 * and the first 1 MiB. */
static void test_header_too_far_down(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  size_t n = 0, i;
  char *csv = malloc(2u << 20);

  assert_non_null(csv);
  for (i = 0; i < 1000; i++)
    n += (size_t)sprintf(csv + n, "note\n");
  n += (size_t)sprintf(csv + n, "Area,Quarter,Count\nE07000129,Q1,1\n");
  assert_int_equal(parse_bytes(ctx, SHAPES, csv, n, &err), DAHUB_FAIL);
  assert_non_null(strstr(ctx->warn[0].msg, "no header in the first 1000 rows"));
  fake_reset(ctx);
  for (n = 0, i = 0; i < 900; i++) { /* 900 title rows of 1.2 KiB */
    memset(csv + n, 'x', 1200);
    csv[n + 1200] = '\n';
    n += 1201;
  }
  n += (size_t)sprintf(csv + n, "Area,Quarter,Count\nE07000129,Q1,1\n");
  assert_int_equal(parse_bytes(ctx, SHAPES, csv, n, &err), DAHUB_FAIL);
  assert_non_null(strstr(ctx->warn[0].msg, "no header in the first 1024 KiB"));
  free(csv);
}

static void test_shape_option_errors(void **state) {
  (void)state;
  expect_open_error("{\"shapes\": [" SHAPE_2023 "], \"delimiter\": \";\"}",
                    "options.delimiter: with \"shapes\", every key goes "
                    "inside a shape");
  expect_open_error("{\"shapes\": []}", "options.shapes: expected a list of 1 "
                                        "to 16 mappings, found an array");
  expect_open_error("{\"shapes\": [" SHAPE_2023 ", 3]}",
                    "options.shapes[1]: expected an object (a mapping), "
                    "found a number");
  expect_open_error("{\"shapes\": [" SHAPE_2023 ", {\"name\": \"\"}]}",
                    "options.shapes[1].name \"\": expected a name of 1 to 64 "
                    "characters");
  expect_open_error("{\"shapes\": [" SHAPE_2023 ", {\"layout\": \"long\", "
                    "\"header\": {\"rwo\": 1}}]}",
                    "options.shapes[1].header.rwo: unknown key; did you mean "
                    "`row`?");
  expect_open_error("{\"shapes\": [" SHAPE_2023
                    ", {\"layout\": \"json\", \"json\": {}}]}",
                    "options.shapes[1].layout: a json layout has no header "
                    "to tell shapes apart");
}

/* What open_each() says: each problem's message and path, in order. */
struct said {
  char msg[4][256];
  char field[4][64];
  unsigned n;
};

static void said_one(void *arg, const struct dahub_error *e) {
  struct said *s = arg;

  if (s->n < 4) {
    (void)snprintf(s->msg[s->n], sizeof s->msg[0], "%s", e->msg);
    (void)snprintf(s->field[s->n], sizeof s->field[0], "%s", e->field);
  }
  s->n++;
}

static int open_each(const char *json, struct said *s,
                     struct dahub_error *err) {
  json_t *options = json_loads(json, 0, NULL);
  void *st = NULL;
  int rc;

  assert_non_null(options);
  memset(s, 0, sizeof *s);
  memset(err, 0, sizeof *err);
  rc = dahub_plugin_v1.open_each(options, &st, said_one, s, err);
  json_decref(options);
  dahub_plugin_v1.close(st);
  return rc;
}

/* open_each() says every problem of a shape's object, each under the
 * shape's path, where open() says the first and how many more. */
static void test_every_problem_of_a_shape_is_said(void **state) {
  struct dahub_error err;
  struct said s;

  (void)state;
  assert_int_equal(open_each("{\"shapes\": [" SHAPE_2023
                             ", {\"layout\": \"long\", \"header\": "
                             "{\"rwo\": 1, \"row\": 0}}]}",
                             &s, &err),
                   -EINVAL);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.msg[0], "options.shapes[1].header.rwo: unknown key; "
                                "did you mean `row`?");
  assert_string_equal(s.field[0], "options.shapes[1].header.rwo");
  assert_string_equal(s.msg[1], "options.shapes[1].header.row: expected a "
                                "whole number from 1, found a number");
  assert_string_equal(s.field[1], "options.shapes[1].header.row");
  /* err is open()'s: the first, and the count */
  assert_non_null(strstr(err.msg, "options.shapes[1].header.rwo: unknown key; "
                                  "did you mean `row`? (and 1 more in "));
  /* a problem no table found, only err holds, is said too */
  assert_int_equal(open_each("{\"shapes\": [" SHAPE_2023 ", 3]}", &s, &err),
                   -EINVAL);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.msg[0], "options.shapes[1]: expected an object (a "
                                "mapping), found a number");
  /* good options: nothing said */
  assert_int_equal(open_each(SHAPES, &s, &err), 0);
  assert_int_equal(s.n, 0);
}

/* Read on past a problem, open_each() says the other sections' own
 * problems, but nothing a section giving fields would make up: a json
 * layout's sums need an area, which a misspelt "fixed" leaves out, so they
 * wait for the typo to be mended. */
static void test_nothing_made_up_after_a_typo(void **state) {
  struct dahub_error err;
  struct said s;

  (void)state;
  assert_int_equal(
      open_each("{\"layout\": \"json\", \"fixed\": {\"aera\": \"X_LLR\"},"
                " \"json\": {\"items\": \"meetings\", \"date\": \"date\","
                " \"sum\": [{\"measure\": \"marac_meetings_held\"}]},"
                " \"unknown\": {\"area\": \"keep\"}}",
                &s, &err),
      -EINVAL);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.msg[0],
                      "options.fixed.aera: unknown key; did you mean `area`?");
  /* once it is mended, the sums' own problem is said */
  assert_int_equal(
      open_each("{\"layout\": \"json\", \"fixed\": {\"area\": \"X_LLR\"},"
                " \"json\": {\"items\": \"meetings\", \"date\": \"date\","
                " \"sum\": [{\"measrue\": \"marac_meetings_held\"}]},"
                " \"unknown\": {\"area\": \"keep\"}}",
                &s, &err),
      -EINVAL);
  assert_true(s.n >= 1);
  assert_non_null(strstr(s.msg[0], "options.json.sum[0].measrue"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shape_option_errors),
      cmocka_unit_test(test_every_problem_of_a_shape_is_said),
      cmocka_unit_test(test_nothing_made_up_after_a_typo),
#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)
      T(test_each_file_read_with_the_shape_that_fits),
      T(test_reason_names_the_missing_column),
      T(test_a_file_no_shape_fits_fails_saying_why),
      T(test_shapes_with_their_own_encoding_and_delimiter),
      T(test_large_file_read_whole_after_the_choice),
      T(test_header_too_far_down),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
