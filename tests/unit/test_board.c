/*
 * test_board.c: the meeting calendar (board_due) and publishing for it
 * (board_publish_due, report_publish).
 *
 * The calendar tests load hub.json with config_load(), so meeting ids are
 * the ones the daemon sees. The publishing tests load the whole runtime
 * (config, vocabulary, the real json and csv sinks from
 * $DAHUB_BUILD_DIR/plugins), fill a real store in a mkdtemp folder and look
 * at the outbox folder the way board reporting would.
 *
 * All figures are synthetic.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "board.h"
#include "config.h"
#include "dahub/date.h"
#include "errlist.h"
#include "fixture.h"
#include "report.h"
#include "runtime.h"
#include "store.h"

#ifndef DAHUB_SOURCE_DIR_DEFAULT
#define DAHUB_SOURCE_DIR_DEFAULT "."
#endif
#ifndef DAHUB_BUILD_DIR_DEFAULT
#define DAHUB_BUILD_DIR_DEFAULT "build"
#endif

#define DAY INT64_C(86400)
#define Q1 "FY2024-25-Q1"
#define BLABY "E07000129"

struct fx {
  char dir[64];
  char hub[128];
  struct config *conf; /* calendar tests */
  struct runtime rt;   /* publishing tests */
  int rt_loaded;
  struct store *st;
  int files;
};

static const char *env_or(const char *name, const char *dflt) {
  const char *s = getenv(name);

  return s != NULL ? s : dflt;
}

static void print_errline(const char *msg, void *arg) {
  (void)arg;
  print_message("%s\n", msg);
}

static int64_t at(const char *iso) {
  int64_t t;

  if (dahub_date_parse_time(iso, &t) != 0)
    fail_msg("bad time in the test: %s", iso);
  return t;
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");

  assert_non_null(fp);
  assert_true(fputs(text, fp) >= 0);
  assert_int_equal(fclose(fp), 0);
}

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  char path[256];

  if (f == NULL)
    return -1;
  *state = f; /* also when a step below fails */
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-board-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(path, sizeof path, "%s/feeds.d", f->dir);
  if (mkdir(path, 0700) != 0)
    return -1;
  (void)snprintf(f->hub, sizeof f->hub, "%s/hub.json", f->dir);
  return 0;
}

static void close_runtime(struct fx *f) {
  if (f->rt_loaded)
    runtime_free(&f->rt);
  f->rt_loaded = 0;
  store_close(f->st);
  f->st = NULL;
}

static int teardown(void **state) {
  struct fx *f = *state;

  close_runtime(f);
  config_free(f->conf);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* hub.json with a summary section of meetings (a JSON array text) and
 * days_before, and one feed "p1" of the mapped plugin. */
static void write_config(struct fx *f, const char *meetings, int days_before) {
  char text[2048], path[256];

  (void)snprintf(text, sizeof text,
                 "{\n"
                 "  \"spool_dir\": \"spool\",\n"
                 "  \"state_dir\": \"state\",\n"
                 "  \"plugin_dir\": \"%s/plugins\",\n"
                 "  \"vocabulary\": \"%s/conf/vocabulary.json\",\n"
                 "  \"summary\": {\n"
                 "    \"outbox_dir\": \"outbox\",\n"
                 "    \"sinks\": [\"json\", \"csv\"],\n"
                 "    \"threshold\": 5,\n"
                 "    \"area_thresholds\": {\"E06000017\": 10},\n"
                 "    \"suppress_zeros\": true,\n"
                 "    \"meetings\": %s,\n"
                 "    \"days_before\": %d\n"
                 "  }\n"
                 "}\n",
                 env_or("DAHUB_BUILD_DIR", DAHUB_BUILD_DIR_DEFAULT),
                 env_or("DAHUB_SOURCE_DIR", DAHUB_SOURCE_DIR_DEFAULT), meetings,
                 days_before);
  write_file(f->hub, text);
  (void)snprintf(path, sizeof path, "%s/feeds.d/p1.json", f->dir);
  write_file(path,
             "{\"name\": \"p1\", \"source_id\": \"p1\", \"plugin\": "
             "\"mapped\", \"options\": {\"delimiter\": \",\", \"header\": "
             "{\"row\": 1}, \"layout\": \"long\", \"columns\": {\"area\": "
             "\"Area\", \"period\": \"Period\", \"measure\": \"Measure\", "
             "\"value\": \"Value\"}}}\n");
}

static const struct summary_conf *calendar(struct fx *f, const char *meetings,
                                           int days_before) {
  struct errlist errs = {0};

  write_config(f, meetings, days_before);
  config_free(f->conf);
  f->conf = NULL;
  if (config_load(f->hub, NULL, &f->conf, &errs) != 0) {
    errlist_each(&errs, print_errline, NULL);
    errlist_clear(&errs);
    fail_msg("the test's config does not load");
  }
  errlist_clear(&errs);
  return &f->conf->summary;
}

/* ---- The calendar ---- */

static void test_date_meeting_window_runs_to_the_end_of_its_day(void **state) {
  struct fx *f = *state;
  const struct summary_conf *s = calendar(f, "[\"2024-09-27\"]", 10);
  int due[1];

  assert_int_equal(s->n_meetings, 1);
  assert_string_equal(s->meeting_ids[0], "2024-09-27");
  /* a second before the window: not due, wake when it opens */
  assert_int_equal(board_due(s, at("2024-09-16T23:59:59Z"), due),
                   at("2024-09-17"));
  assert_int_equal(due[0], 0);
  /* from 10 days before, to the end of the meeting day */
  assert_int_equal(board_due(s, at("2024-09-17"), due), INT64_MAX);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2024-09-27T23:59:59Z"), due);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2024-09-28"), due);
  assert_int_equal(due[0], 0);
}

static void test_datetime_meeting_window_ends_at_its_time(void **state) {
  struct fx *f = *state;
  const struct summary_conf *s = calendar(f, "[\"2024-12-13T10:00:00Z\"]", 1);
  int due[1];

  assert_string_equal(s->meeting_ids[0], "2024-12-13T10:00:00Z");
  assert_int_equal(board_due(s, at("2024-12-12T09:59:59Z"), due),
                   at("2024-12-12T10:00:00Z"));
  assert_int_equal(due[0], 0);
  (void)board_due(s, at("2024-12-12T10:00:00Z"), due);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2024-12-13T09:59:59Z"), due);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2024-12-13T10:00:00Z"), due);
  assert_int_equal(due[0], 0);
}

static void test_days_before_zero_is_the_meeting_day_only(void **state) {
  struct fx *f = *state;
  const struct summary_conf *s = calendar(f, "[\"2025-03-28\"]", 0);
  int due[1];

  (void)board_due(s, at("2025-03-27T23:59:59Z"), due);
  assert_int_equal(due[0], 0);
  (void)board_due(s, at("2025-03-28T08:00:00Z"), due);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2025-03-29"), due);
  assert_int_equal(due[0], 0);
}

static void test_next_wake_is_the_next_window_opening(void **state) {
  struct fx *f = *state;
  /* out of order in hub.json: the calendar sorts them */
  const struct summary_conf *s = calendar(
      f, "[\"2025-03-28\", \"2024-09-27\", \"2024-12-13T14:30:00Z\"]", 7);
  int due[3];

  assert_int_equal(s->n_meetings, 3);
  assert_string_equal(s->meeting_ids[0], "2024-09-27");
  assert_string_equal(s->meeting_ids[1], "2024-12-13T14:30:00Z");
  assert_string_equal(s->meeting_ids[2], "2025-03-28");
  assert_int_equal(board_due(s, at("2024-06-01"), due), at("2024-09-20"));
  assert_int_equal(due[0] + due[1] + due[2], 0);
  /* inside the first window: the next to open is the second's */
  assert_int_equal(board_due(s, at("2024-09-25"), due),
                   at("2024-12-06T14:30:00Z"));
  assert_int_equal(due[0], 1);
  assert_int_equal(due[1] + due[2], 0);
  assert_int_equal(board_due(s, at("2024-12-10"), due), at("2025-03-21"));
  assert_int_equal(due[1], 1);
  /* after the last meeting, nothing is ahead */
  assert_int_equal(board_due(s, at("2025-04-01"), due), INT64_MAX);
  assert_int_equal(due[0] + due[1] + due[2], 0);
}

static void test_no_meetings_means_nothing_ahead(void **state) {
  struct fx *f = *state;
  const struct summary_conf *s = calendar(f, "[]", 7);
  int due[1] = {7};

  assert_int_equal(board_due(s, at("2024-09-25"), due), INT64_MAX);
  assert_int_equal(due[0], 7); /* untouched: there is no meeting */
}

/* A meeting at midnight given with a time is that instant, not a day: its
 * window closes at 00:00, as for any other time. */
static void test_midnight_meeting_time_is_not_a_whole_day(void **state) {
  struct fx *f = *state;
  const struct summary_conf *s = calendar(f, "[\"2024-09-27T00:00:00Z\"]", 1);
  int due[1];

  (void)board_due(s, at("2024-09-26T12:00:00Z"), due);
  assert_int_equal(due[0], 1);
  (void)board_due(s, at("2024-09-27T12:00:00Z"), due);
  assert_int_equal(due[0], 0);
  /* and the summary names the meeting as hub.json wrote it */
  assert_string_equal(s->meeting_ids[0], "2024-09-27T00:00:00Z");
}

/* ---- Publishing ---- */

static void load_runtime(struct fx *f) {
  struct errlist errs = {0};
  struct dahub_error err = {0};
  char path[256];

  close_runtime(f);
  if (runtime_load(&f->rt, f->hub, NULL, &errs) != 0) {
    errlist_each(&errs, print_errline, NULL);
    errlist_clear(&errs);
    runtime_free(&f->rt);
    fail_msg("the runtime does not load (is DAHUB_BUILD_DIR set?)");
  }
  errlist_clear(&errs);
  f->rt_loaded = 1;
  assert_int_equal(f->rt.n_sinks, 2);
  (void)snprintf(path, sizeof path, "%s/dahub.sqlite", f->dir);
  if (store_open(path, &f->st, &err) != 0)
    fail_msg("store: %s", err.msg);
}

/* Stores one return of p1: referrals_received in Blaby for period, broken
 * down as dims (canonical JSON as the store keeps it, or not). */
static void ingest_dims(struct fx *f, const char *period, int64_t value,
                        const char *dims) {
  struct store_ingest in = {.feed = "p1",
                            .source_id = "p1",
                            .plugin = "mapped",
                            .plugin_version = "test",
                            .file_name = "return.csv",
                            .size_bytes = 10,
                            .received_at = "2024-07-20T09:00:00Z"};
  struct store_obs o = {.area_code = BLABY,
                        .period = period,
                        .measure_id = "referrals_received",
                        .dimensions = dims,
                        .unit = "count",
                        .status = DAHUB_ACTUAL,
                        .value = value,
                        .line = 2,
                        .col = 4};
  struct dahub_error err = {0};
  struct store_match match;
  int64_t id;
  char hash[65];

  (void)snprintf(hash, sizeof hash, "%064x", (unsigned)++f->files);
  if (store_ingest_begin(f->st, &in, &err) != 0 ||
      store_ingest_obs(f->st, &o, &err) != 0 ||
      store_ingest_commit(f->st, hash, &id, &match, &err) != 0)
    fail_msg("ingest: %s", err.msg);
}

static void ingest(struct fx *f, const char *period, int64_t value) {
  ingest_dims(f, period, value, "{}");
}

static int exists(struct fx *f, const char *rel) {
  char path[512];
  struct stat sb;

  (void)snprintf(path, sizeof path, "%s/%s", f->dir, rel);
  return stat(path, &sb) == 0;
}

/* Names in dir (relative to the fixture), sorted, joined by spaces. */
static const char *listing(struct fx *f, const char *rel) {
  static char out[1024];
  char path[512];
  struct dirent **names;
  int n;

  out[0] = '\0';
  (void)snprintf(path, sizeof path, "%s/%s", f->dir, rel);
  n = scandir(path, &names, NULL, alphasort);
  if (n < 0)
    return "(none)";
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      size_t len = strlen(out);

      (void)snprintf(out + len, sizeof out - len, "%s%s", len ? " " : "",
                     names[i]->d_name);
    }
    free(names[i]);
  }
  free(names);
  return out;
}

static json_t *load_json(struct fx *f, const char *rel) {
  char path[512];
  json_error_t je;
  json_t *doc;

  (void)snprintf(path, sizeof path, "%s/%s", f->dir, rel);
  doc = json_load_file(path, 0, &je);
  if (doc == NULL)
    fail_msg("%s: %s", path, je.text);
  return doc;
}

/* referrals_received for p1 in Blaby in a published summary.json. */
static int64_t blaby(json_t *doc) {
  json_t *x;
  size_t i;

  json_array_foreach(json_object_get(doc, "figures"), i, x) {
    if (strcmp(json_string_value(json_object_get(x, "source_id")), "p1") == 0 &&
        strcmp(json_string_value(json_object_get(x, "area")), BLABY) == 0 &&
        json_object_size(json_object_get(x, "dimensions")) == 0)
      return json_integer_value(json_object_get(x, "value"));
  }
  fail_msg("no Blaby figure");
  return -1;
}

static void test_due_meeting_is_published_once(void **state) {
  struct fx *f = *state;
  json_t *doc;

  write_config(f, "[\"2024-09-27\", \"2024-12-13\"]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  /* before the window: nothing */
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-16")), 0);
  assert_false(exists(f, "outbox"));
  /* in it: the quarter before the meeting, version 1 */
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20")), 1);
  assert_string_equal(listing(f, "outbox"), Q1);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
  assert_string_equal(listing(f, "outbox/" Q1 "/v1"),
                      "summary.csv summary.json");
  doc = load_json(f, "outbox/" Q1 "/v1/summary.json");
  assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
  assert_string_equal(json_string_value(json_object_get(doc, "meeting")),
                      "2024-09-27");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(doc, "period"), "id")),
      Q1);
  assert_int_equal(blaby(doc), 40);
  json_decref(doc);
  /* asked again, the same hour: nothing new */
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20T01:00:00Z")),
                   0);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
}

static void test_restart_publishes_nothing_again(void **state) {
  struct fx *f = *state;

  write_config(f, "[\"2024-09-27\"]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20")), 1);
  load_runtime(f); /* as after a restart: a new runtime, the store reopened */
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20T00:05:00Z")),
                   0);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
}

static void test_late_correction_before_the_meeting_is_v2(void **state) {
  struct fx *f = *state;
  json_t *doc;

  write_config(f, "[\"2024-09-27\"]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20")), 1);
  ingest(f, Q1, 46); /* a corrected return for the same period */
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20T02:00:00Z")),
                   1);
  assert_string_equal(listing(f, "outbox/" Q1), "v1 v2");
  doc = load_json(f, "outbox/" Q1 "/v2/summary.json");
  assert_int_equal(json_integer_value(json_object_get(doc, "version")), 2);
  assert_string_equal(json_string_value(json_object_get(doc, "meeting")),
                      "2024-09-27");
  assert_int_equal(blaby(doc), 46);
  json_decref(doc);
  doc = load_json(f, "outbox/" Q1 "/v1/summary.json");
  assert_int_equal(blaby(doc), 40); /* v1 is kept as it was sent */
  json_decref(doc);
}

static void test_correction_after_the_meeting_makes_no_version(void **state) {
  struct fx *f = *state;

  write_config(f, "[\"2024-09-27\"]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20")), 1);
  ingest(f, Q1, 46);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-28")), 0);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
}

/* The same figures asked for on another day of the window are the same
 * summary: a restart the next morning must not send a second version. */
static void test_same_figures_next_day_are_not_a_new_version(void **state) {
  struct fx *f = *state;

  write_config(f, "[\"2024-09-27\"]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-20")), 1);
  load_runtime(f);
  assert_int_equal(board_publish_due(&f->rt, f->st, at("2024-09-21T08:00:00Z")),
                   0);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
}

static void test_report_publish_twice_is_unchanged(void **state) {
  struct fx *f = *state;
  struct report_result res;
  struct dahub_error err = {0};
  char want[512];

  write_config(f, "[]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  assert_int_equal(
      report_publish(&f->rt, f->st, Q1, NULL, at("2024-09-20"), &res, &err), 0);
  assert_int_equal(res.version, 1);
  assert_int_equal(res.fresh, 1);
  (void)snprintf(want, sizeof want, "%s/outbox/" Q1 "/v1", f->dir);
  assert_string_equal(res.folder, want);
  assert_int_equal(report_publish(&f->rt, f->st, Q1, NULL,
                                  at("2024-09-20T00:10:00Z"), &res, &err),
                   0);
  assert_int_equal(res.version, 1);
  assert_int_equal(res.fresh, 0);
  assert_string_equal(res.folder, want);
  assert_string_equal(listing(f, "outbox/" Q1), "v1");
  /* a new figure: version 2 */
  ingest(f, Q1, 41);
  assert_int_equal(report_publish(&f->rt, f->st, Q1, NULL,
                                  at("2024-09-20T00:20:00Z"), &res, &err),
                   0);
  assert_int_equal(res.version, 2);
  assert_int_equal(res.fresh, 1);
  assert_string_equal(listing(f, "outbox/" Q1), "v1 v2");
  assert_string_equal(listing(f, "outbox/" Q1 "/v2"),
                      "summary.csv summary.json");
}

static void test_report_refuses_a_bad_period_and_writes_nothing(void **state) {
  struct fx *f = *state;
  struct report_result res;
  struct dahub_error err = {0};

  write_config(f, "[]", 10);
  load_runtime(f);
  assert_int_equal(report_publish(&f->rt, f->st, "FY2024-26", NULL,
                                  at("2024-09-20"), &res, &err),
                   -EINVAL);
  assert_non_null(strstr(err.msg, "FY2024-26"));
  assert_false(exists(f, "outbox"));
}

/* A breakdown the store holds but nobody can read (a damaged file, or a
 * code written by hand): its lines cannot be known, so disclosure control
 * would fail open. The summary stops instead, saying why; nothing is
 * written. */
static void test_unreadable_breakdown_stops_the_summary(void **state) {
  struct fx *f = *state;
  struct report_result res;
  struct dahub_error err = {0};

  write_config(f, "[]", 10);
  load_runtime(f);
  ingest(f, Q1, 40);
  ingest_dims(f, Q1, 3, "{\"gender\":\"fe\"male\"}");
  assert_int_equal(
      report_publish(&f->rt, f->st, Q1, NULL, at("2024-09-20"), &res, &err),
      -EBADMSG);
  assert_non_null(strstr(err.msg, "breakdown is not valid JSON"));
  assert_non_null(strstr(err.msg, Q1));
  assert_false(exists(f, "outbox"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
      T(test_date_meeting_window_runs_to_the_end_of_its_day),
      T(test_datetime_meeting_window_ends_at_its_time),
      T(test_days_before_zero_is_the_meeting_day_only),
      T(test_next_wake_is_the_next_window_opening),
      T(test_no_meetings_means_nothing_ahead),
      T(test_midnight_meeting_time_is_not_a_whole_day),
      T(test_due_meeting_is_published_once),
      T(test_restart_publishes_nothing_again),
      T(test_late_correction_before_the_meeting_is_v2),
      T(test_correction_after_the_meeting_makes_no_version),
      T(test_same_figures_next_day_are_not_a_new_version),
      T(test_report_publish_twice_is_unchanged),
      T(test_report_refuses_a_bad_period_and_writes_nothing),
      T(test_unreadable_breakdown_stops_the_summary),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
