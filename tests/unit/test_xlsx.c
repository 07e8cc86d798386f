/*
 * test_xlsx.c: the xlsx sink, loaded as the hub loads it (plugin_load from
 * $DAHUB_BUILD_DIR/plugins), rendering a small synthetic summary: a whole
 * zip comes out, the same summary gives the same bytes however much later
 * it is rendered (the workbook's time is the summary's, not the clock's),
 * and a summary it cannot read or an output that refuses bytes is a
 * failure with a message, not a crash. What is inside the workbook is read
 * back with openpyxl by the end-to-end test (tests/e2e/test_xlsx.py).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "common.h"
#include "plugin_host.h"
#include "sink_out.h"

#ifndef DAHUB_BUILD_DIR_DEFAULT
#define DAHUB_BUILD_DIR_DEFAULT "build"
#endif

struct fx {
  struct plugin xlsx;
  void *state;
  json_t *doc;
};

static const char summary_text[] =
    "{\"schema\": \"dahub.summary/1\","
    " \"period\": {\"id\": \"FY2024-25-Q1\", \"start\": \"2024-04-01\","
    "  \"end\": \"2024-06-30\", \"previous\": \"FY2023-24-Q4\","
    "  \"year_ago\": \"FY2023-24-Q1\"},"
    " \"disclosure\": {\"threshold\": 5, \"marker\": \"[c]\","
    "  \"area_thresholds\": {}, \"hidden_cells\": 1},"
    " \"completeness\": [{\"feed\": \"p1\", \"source_id\": \"p1\","
    "  \"status\": \"reported\", \"ingests\": 1, \"corrections\": 0,"
    "  \"last_received\": \"2024-07-20T09:00:00Z\"}],"
    " \"figures\": ["
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000129\", \"area_name\": "
    "\"Blaby\", \"dimensions\": {}, \"value\": 12, \"ingests\": [1]},"
    "  {\"measure\": \"referrals_received\", \"unit\": \"count\","
    "   \"source_id\": \"p1\", \"area\": \"E07000130\", \"area_name\": "
    "\"Charnwood\", \"dimensions\": {}, \"value\": null, \"marker\": "
    "\"[c]\", \"ingests\": [1]}],"
    " \"rates\": [],"
    " \"version\": 1, \"generated_at\": \"2024-07-21T10:00:00Z\"}";

static const char *plugin_dir(void) {
  static char dir[512];
  const char *b = getenv("DAHUB_BUILD_DIR");

  (void)snprintf(dir, sizeof dir, "%s/plugins",
                 b != NULL ? b : DAHUB_BUILD_DIR_DEFAULT);
  return dir;
}

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  struct dahub_error err = {0};
  json_error_t je;

  if (f == NULL)
    return -1;
  *state = f;
  if (plugin_load(plugin_dir(), "xlsx", &f->xlsx, &err) != 0 ||
      f->xlsx.desc.open(NULL, &f->state, &err) != 0) {
    print_message("%s (is DAHUB_BUILD_DIR set?)\n", err.msg);
    return -1;
  }
  if ((f->doc = json_loads(summary_text, 0, &je)) == NULL) {
    print_message("the test's summary: %d:%d %s\n", je.line, je.column,
                  je.text);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;

  if (f->xlsx.handle != NULL) {
    f->xlsx.desc.close(f->state);
    plugin_unload(&f->xlsx);
  }
  json_decref(f->doc);
  free(f);
  return 0;
}

/* OUT: the caller frees got->data. */
static enum dahub_outcome render(struct fx *f, const json_t *doc,
                                 struct sink_out *got,
                                 struct dahub_error *err) {
  memset(got, 0, sizeof *got);
  got->out.write = sink_out_write;
  return f->xlsx.desc.render(f->state, doc, &got->out, err);
}

static void test_is_a_sink_of_xlsx_files_taking_no_options(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};
  json_t *opts = json_pack("{s:s}", "title", "x");
  void *st = NULL;

  assert_int_equal(f->xlsx.desc.kind, DAHUB_KIND_SINK);
  assert_string_equal(f->xlsx.desc.extension, "xlsx");
  assert_null(f->xlsx.desc.file_name); /* summary.xlsx */
  assert_int_equal(f->xlsx.desc.open(opts, &st, &err), -EINVAL);
  assert_non_null(strstr(err.msg, "takes no options"));
  json_decref(opts);
}

static void test_renders_a_whole_zip(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};
  struct sink_out got;

  assert_int_equal(render(f, f->doc, &got, &err), DAHUB_OK);
  assert_true(got.len > 22);
  assert_memory_equal(got.data, "PK\x03\x04", 4);
  /* the end of the central directory: the zip was closed, not cut */
  assert_memory_equal(got.data + got.len - 22, "PK\x05\x06", 4);
  free(got.data);
}

static void test_same_summary_same_bytes_a_second_later(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};
  struct sink_out a, b, c;
  json_t *later = json_deep_copy(f->doc);

  assert_int_equal(render(f, f->doc, &a, &err), DAHUB_OK);
  /* past a second boundary: a clock in the file would now differ */
  (void)nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 100000000}, NULL);
  assert_int_equal(render(f, f->doc, &b, &err), DAHUB_OK);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.data, b.data, a.len);
  /* and the time is the summary's: another generated_at, other bytes */
  json_object_set_new(later, "generated_at",
                      json_string("2024-07-22T10:00:00Z"));
  assert_int_equal(render(f, later, &c, &err), DAHUB_OK);
  assert_true(c.len != a.len || memcmp(a.data, c.data, a.len) != 0);
  free(a.data);
  free(b.data);
  free(c.data);
  json_decref(later);
}

static void test_a_summary_without_period_or_marker_fails(void **state) {
  struct fx *f = *state;
  const char *const keys[] = {"period", "disclosure"};

  for (size_t i = 0; i < 2; i++) {
    struct dahub_error err = {0};
    struct sink_out got;
    json_t *bad = json_deep_copy(f->doc);

    json_object_del(bad, keys[i]);
    assert_int_equal(render(f, bad, &got, &err), DAHUB_FAIL);
    assert_non_null(strstr(err.msg, "xlsx: summary has no"));
    assert_int_equal(got.len, 0);
    free(got.data);
    json_decref(bad);
  }
}

static int refuse(struct dahub_output *o, const void *p, size_t n) {
  (void)o;
  (void)p;
  (void)n;
  return -EFBIG;
}

static void test_an_output_that_refuses_is_a_failure(void **state) {
  struct fx *f = *state;
  struct dahub_error err = {0};
  struct dahub_output out = {.write = refuse};

  assert_int_equal(f->xlsx.desc.render(f->state, f->doc, &out, &err),
                   DAHUB_FAIL);
  assert_non_null(strstr(err.msg, "output refused"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_is_a_sink_of_xlsx_files_taking_no_options),
      cmocka_unit_test(test_renders_a_whole_zip),
      cmocka_unit_test(test_same_summary_same_bytes_a_second_later),
      cmocka_unit_test(test_a_summary_without_period_or_marker_fails),
      cmocka_unit_test(test_an_output_that_refuses_is_a_failure),
  };

  return cmocka_run_group_tests(tests, setup, teardown);
}
