/*
 * test_sinks.c: the json and csv sinks, loaded as the hub loads them
 * (plugin_load from $DAHUB_BUILD_DIR/plugins), rendering a small summary
 * written here in the "dahub.summary/1" shape. The output is read back byte
 * by byte: what Excel and board reporting receive.
 *
 * All figures are synthetic.
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

#include "common.h"
#include "plugin_host.h"
#include "sink_out.h"

#ifndef DAHUB_BUILD_DIR_DEFAULT
#define DAHUB_BUILD_DIR_DEFAULT "build"
#endif

/* Refuses every write: a full disk, a payload over the hub's limit. */
static int out_refuse(struct dahub_output *o, const void *p, size_t n) {
  (void)o;
  (void)p;
  (void)n;
  return -EFBIG;
}

struct fx {
  struct plugin csv, json;
  void *csv_state, *json_state;
  struct sink_out got;
  json_t *doc;
};

static const char *plugin_dir(void) {
  static char dir[512];
  const char *b = getenv("DAHUB_BUILD_DIR");

  (void)snprintf(dir, sizeof dir, "%s/plugins",
                 b != NULL ? b : DAHUB_BUILD_DIR_DEFAULT);
  return dir;
}

/* The small summary: Blaby by gender with comparisons, names that would
 * be formulas in Excel, a hidden figure, a partial one, a rate. */
static const char summary_text[] =
    "{\"schema\": \"dahub.summary/1\","
    " \"period\": {\"id\": \"FY2024-25-Q1\", \"start\": \"2024-04-01\","
    "  \"end\": \"2024-06-30\", \"previous\": \"FY2023-24-Q4\","
    "  \"year_ago\": \"FY2023-24-Q1\"},"
    " \"disclosure\": {\"threshold\": 5, \"suppress_zeros\": true,"
    "  \"area_thresholds\": {\"E06000017\": 10}, \"hidden_cells\": 1},"
    " \"completeness\": [{\"feed\": \"p1\", \"source_id\": \"p1\","
    "  \"status\": \"reported\", \"ingests\": 1, \"corrections\": 0,"
    "  \"last_received\": \"2024-07-20T09:00:00Z\"}],"
    " \"figures\": ["
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000129\", \"area_name\": "
    "\"Blaby\","
    "   \"dimensions\": {\"gender\": \"female\"}, \"value\": 12,"
    "   \"ingests\": [1],"
    "   \"previous\": {\"period\": \"FY2023-24-Q4\", \"value\": 15, "
    "\"change\": -3},"
    "   \"year_ago\": {\"period\": \"FY2023-24-Q1\", \"value\": 12, "
    "\"change\": 0}},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000130\","
    "   \"area_name\": \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\","
    "   \"dimensions\": {}, \"value\": 40, \"ingests\": [1]},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000131\", \"area_name\": \"+44 "
    "116\","
    "   \"dimensions\": {}, \"value\": null, \"marker\": \"suppressed\","
    "   \"ingests\": [1]},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000132\", \"area_name\": "
    "\"-2+3\","
    "   \"dimensions\": {}, \"value\": 9, \"partial\": true, \"ingests\": "
    "[1]},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000133\", \"area_name\": "
    "\"@SUM(A1)\","
    "   \"dimensions\": {\"age_band\": \"25-34\", \"gender\": \"male\"},"
    "   \"value\": 7, \"ingests\": [1]},"
    "  {\"measure\": \"expenditure\", \"unit\": \"gbp\","
    "   \"source_id\": \"p1\", \"area\": \"E07000134\","
    "   \"area_name\": \"\\tTab\", \"dimensions\": {}, \"value\": "
    "\"-1250.50\","
    "   \"ingests\": [1], \"previous\": {\"period\": \"FY2023-24-Q4\","
    "   \"value\": \"100.00\", \"change\": \"-1350.50\"}},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000135\","
    "   \"area_name\": \"Say \\\"hi\\\", all\", \"dimensions\": {},"
    "   \"value\": 0, \"ingests\": [1]}"
    " ],"
    " \"rates\": ["
    "  {\"rate\": \"cs_single_assessments_da_share\", \"source_id\": \"rcc\","
    "   \"area\": \"E06000017\", \"area_name\": \"Rutland\", \"unit\": "
    "\"percent\","
    "   \"value\": \"32.4\", \"numerator\": 70, \"denominator\": 216}"
    " ],"
    " \"contracts\": {\"as_of\": \"2024-07-20\", \"warning_months\": 6,"
    "  \"contracts\": []}}";

#define HEADER                                                                 \
  "period,area,area_name,source_id,measure,unit,dimensions,value,marker,"      \
  "partial,previous_value,change_on_previous,year_ago_value,"                  \
  "change_on_year_ago\r\n"

static const char *const rows[] = {
    "FY2024-25-Q1,E07000129,Blaby,p1,referrals_received,count,gender=female,"
    "12,,,15,-3,12,0\r\n",
    "FY2024-25-Q1,E07000130,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",p1,"
    "referrals_received,count,,40,,,,,,\r\n",
    "FY2024-25-Q1,E07000131,'+44 116,p1,referrals_received,count,,,"
    "suppressed,,,,,\r\n",
    "FY2024-25-Q1,E07000132,'-2+3,p1,referrals_received,count,,9,,yes,,,,\r\n",
    "FY2024-25-Q1,E07000133,'@SUM(A1),p1,referrals_received,count,"
    "age_band=25-34;gender=male,7,,,,,,\r\n",
    "FY2024-25-Q1,E07000134,'\tTab,p1,expenditure,gbp,,-1250.50,,,100.00,"
    "-1350.50,,\r\n",
    "FY2024-25-Q1,E07000135,\"Say \"\"hi\"\", all\",p1,referrals_received,"
    "count,,0,,,,,,\r\n",
    "FY2024-25-Q1,E06000017,Rutland,rcc,cs_single_assessments_da_share,"
    "percent,,32.4,,,,,,\r\n",
};
#define N_ROWS (sizeof rows / sizeof *rows)

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  struct dahub_error err = {0};
  json_error_t je;

  if (f == NULL)
    return -1;
  *state = f; /* also when a step below fails */
  if (plugin_load(plugin_dir(), "csv", &f->csv, &err) != 0 ||
      plugin_load(plugin_dir(), "json", &f->json, &err) != 0) {
    print_message("%s (is DAHUB_BUILD_DIR set?)\n", err.msg);
    return -1;
  }
  if (f->csv.desc.open(NULL, &f->csv_state, &err) != 0 ||
      f->json.desc.open(NULL, &f->json_state, &err) != 0) {
    print_message("open: %s\n", err.msg);
    return -1;
  }
  f->doc = json_loads(summary_text, 0, &je);
  if (f->doc == NULL) {
    print_message("the test's summary: %d:%d %s\n", je.line, je.column,
                  je.text);
    return -1;
  }
  f->got.out.write = sink_out_write;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;

  f->csv.desc.close(f->csv_state);
  f->json.desc.close(f->json_state);
  plugin_unload(&f->csv);
  plugin_unload(&f->json);
  json_decref(f->doc);
  free(f->got.data);
  free(f);
  return 0;
}

static void render(struct fx *f, struct plugin *p, void *st, json_t *doc) {
  struct dahub_error err = {0};

  f->got.len = 0;
  if (p->desc.render(st, doc, &f->got.out, &err) != DAHUB_OK)
    fail_msg("%s render: %s", p->desc.name, err.msg);
  assert_non_null(f->got.data);
}

/* ---- csv ---- */

static void test_csv_is_a_sink_with_its_extension(void **state) {
  struct fx *f = *state;

  assert_int_equal(f->csv.desc.kind, DAHUB_KIND_SINK);
  assert_string_equal(f->csv.desc.name, "csv");
  assert_string_equal(f->csv.desc.extension, "csv");
  assert_int_equal(f->json.desc.kind, DAHUB_KIND_SINK);
  assert_string_equal(f->json.desc.extension, "json");
}

static void test_csv_starts_with_bom_then_header(void **state) {
  struct fx *f = *state;

  render(f, &f->csv, f->csv_state, f->doc);
  assert_memory_equal(f->got.data, "\xEF\xBB\xBF", 3);
  assert_true(f->got.len > 3 + strlen(HEADER));
  assert_memory_equal(f->got.data + 3, HEADER, strlen(HEADER));
  /* one BOM only */
  assert_null(strstr(f->got.data + 3, "\xEF\xBB\xBF"));
}

static void test_csv_lines_end_with_crlf(void **state) {
  struct fx *f = *state;
  size_t lines = 0;

  render(f, &f->csv, f->csv_state, f->doc);
  for (size_t i = 0; i < f->got.len; i++)
    if (f->got.data[i] == '\n') {
      assert_true(i > 0 && f->got.data[i - 1] == '\r');
      lines++;
    } else if (f->got.data[i] == '\r') {
      assert_true(i + 1 < f->got.len && f->got.data[i + 1] == '\n');
    }
  assert_int_equal(f->got.data[f->got.len - 1], '\n');
  assert_int_equal(lines, 1 + N_ROWS);
}

static void test_csv_rows_exactly(void **state) {
  struct fx *f = *state;
  const char *p;

  render(f, &f->csv, f->csv_state, f->doc);
  p = f->got.data + 3 + strlen(HEADER);
  for (size_t i = 0; i < N_ROWS; i++) {
    size_t n = strlen(rows[i]);

    if (strncmp(p, rows[i], n) != 0) {
      const char *end = strstr(p, "\r\n");

      fail_msg("row %zu:\n  got  %.*s\n  want %s", i, end ? (int)(end - p) : 60,
               p, rows[i]);
    }
    p += n;
  }
  assert_int_equal(*p, '\0');
}

static void test_csv_escapes_formula_cells_not_negative_numbers(void **state) {
  struct fx *f = *state;

  render(f, &f->csv, f->csv_state, f->doc);
  /* each formula start gets an apostrophe */
  assert_non_null(strstr(f->got.data, ",\"'=HYPERLINK("));
  assert_non_null(strstr(f->got.data, ",'+44 116,"));
  assert_non_null(strstr(f->got.data, ",'-2+3,"));
  assert_non_null(strstr(f->got.data, ",'@SUM(A1),"));
  assert_non_null(strstr(f->got.data, ",'\tTab,"));
  /* no cell starts with a bare formula character */
  assert_null(strstr(f->got.data, ",=HYPERLINK"));
  assert_null(strstr(f->got.data, ",\"=HYPERLINK"));
  assert_null(strstr(f->got.data, ",+44"));
  assert_null(strstr(f->got.data, ",@SUM"));
  /* numbers stay numbers: a fall of 3, money below zero */
  assert_non_null(strstr(f->got.data, ",15,-3,12,0\r\n"));
  assert_non_null(strstr(f->got.data, ",-1250.50,"));
  assert_non_null(strstr(f->got.data, ",-1350.50,"));
  assert_null(strstr(f->got.data, "'-3"));
  assert_null(strstr(f->got.data, "'-1"));
}

static void test_csv_doubles_quotes_inside_a_quoted_cell(void **state) {
  struct fx *f = *state;

  render(f, &f->csv, f->csv_state, f->doc);
  assert_non_null(strstr(f->got.data, ",\"Say \"\"hi\"\", all\","));
}

/* Cells built here one by one: each starting character, alone and with
 * more after it. */
static void test_csv_escapes_each_formula_start(void **state) {
  struct fx *f = *state;
  const struct {
    const char *name, *cell;
  } cases[] = {
      {"=1+1", "'=1+1"},
      {"+1", "'+1"},
      {"-", "'-"},
      {"-1-1", "'-1-1"},
      {"@", "'@"},
      {"-3", "-3"},
      {"-0.5", "-0.5"},
      {"3", "3"},
      {"Melton", "Melton"},
      {"a=b", "a=b"},
      {"=A1,B1", "\"'=A1,B1\""},
      {"\rX", "\"'\rX\""},
      {"--1", "'--1"},
  };

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *fig = json_array_get(json_object_get(f->doc, "figures"), 0);
    char want[128];

    (void)json_object_set_new(fig, "area_name", json_string(cases[i].name));
    render(f, &f->csv, f->csv_state, f->doc);
    (void)snprintf(want, sizeof want, ",E07000129,%s,p1,", cases[i].cell);
    if (strstr(f->got.data, want) == NULL)
      fail_msg("area_name \"%s\": want the cell %s", cases[i].name,
               cases[i].cell);
  }
}

static void test_csv_without_a_period_fails(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};

  (void)json_object_del(f->doc, "period");
  f->got.len = 0;
  assert_int_equal(f->csv.desc.render(f->csv_state, f->doc, &f->got.out, &err),
                   DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "period"));
}

static void test_csv_refused_output_fails(void **state) {
  struct fx *f = *state;
  struct dahub_output refuse = {.write = out_refuse};
  struct dahub_error err = {0};

  assert_int_equal(f->csv.desc.render(f->csv_state, f->doc, &refuse, &err),
                   DAHUB_FAIL);
  assert_int_equal(f->json.desc.render(f->json_state, f->doc, &refuse, &err),
                   DAHUB_FAIL);
}

static void test_csv_takes_no_options(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};
  json_t *opt = json_pack("{s:s}", "delimiter", ";");
  void *st = NULL;

  assert_int_not_equal(f->csv.desc.open(opt, &st, &err), 0);
  assert_non_null(strstr(err.msg, "csv"));
  assert_int_not_equal(f->json.desc.open(opt, &st, &err), 0);
  json_decref(opt);
}

/* ---- json ---- */

static void test_json_parses_back_equal(void **state) {
  struct fx *f = *state;
  json_error_t je;
  json_t *back;

  render(f, &f->json, f->json_state, f->doc);
  assert_int_equal(f->got.data[f->got.len - 1], '\n');
  back = json_loads(f->got.data, 0, &je);
  if (back == NULL)
    fail_msg("json sink output does not parse: %d:%d %s", je.line, je.column,
             je.text);
  assert_true(json_equal(back, f->doc));
  json_decref(back);
}

static void test_json_keeps_the_built_key_order(void **state) {
  struct fx *f = *state;

  render(f, &f->json, f->json_state, f->doc);
  assert_memory_equal(f->got.data, "{\n  \"schema\": \"dahub.summary/1\",\n",
                      strlen("{\n  \"schema\": \"dahub.summary/1\",\n"));
  /* period before figures before rates, as built */
  assert_true(strstr(f->got.data, "\"period\"") <
              strstr(f->got.data, "\"figures\""));
  assert_true(strstr(f->got.data, "\"figures\"") <
              strstr(f->got.data, "\"rates\""));
}

static void test_json_keeps_unicode_and_hidden_markers(void **state) {
  struct fx *f = *state;
  json_t *fig = json_array_get(json_object_get(f->doc, "figures"), 0);
  json_error_t je;
  json_t *back;

  (void)json_object_set_new(fig, "area_name",
                            json_string("Hinckley \xE2\x80\x93 Bosworth"));
  render(f, &f->json, f->json_state, f->doc);
  assert_non_null(strstr(f->got.data, "Hinckley \xE2\x80\x93 Bosworth"));
  back = json_loads(f->got.data, 0, &je);
  assert_non_null(back);
  fig = json_array_get(json_object_get(back, "figures"), 2);
  assert_true(json_is_null(json_object_get(fig, "value")));
  assert_string_equal(json_string_value(json_object_get(fig, "marker")),
                      "suppressed");
  json_decref(back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
      T(test_csv_is_a_sink_with_its_extension),
      T(test_csv_starts_with_bom_then_header),
      T(test_csv_lines_end_with_crlf),
      T(test_csv_rows_exactly),
      T(test_csv_escapes_formula_cells_not_negative_numbers),
      T(test_csv_doubles_quotes_inside_a_quoted_cell),
      T(test_csv_escapes_each_formula_start),
      T(test_csv_without_a_period_fails),
      T(test_csv_refused_output_fails),
      T(test_csv_takes_no_options),
      T(test_json_parses_back_equal),
      T(test_json_keeps_the_built_key_order),
      T(test_json_keeps_unicode_and_hidden_markers),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
