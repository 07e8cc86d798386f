/*
 * test_status.c: the status socket's request line and the texts it
 * answers with (the socket itself runs in tests/e2e/test_status.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "status.h"
#include "status_client.h"

static enum status_request parse(const char *s) {
  return status_parse_request(s, strlen(s));
}

static void test_a_request_is_one_known_word_and_a_newline(void **state) {
  (void)state;
  assert_int_equal(parse("status\n"), STATUS_REQ_STATUS);
  assert_int_equal(parse("metrics\r\n"), STATUS_REQ_METRICS);
  assert_int_equal(parse("status"), STATUS_REQ_INCOMPLETE);
  assert_int_equal(parse(""), STATUS_REQ_INCOMPLETE);
  assert_int_equal(parse("Status\n"), STATUS_REQ_BAD);
  assert_int_equal(parse("status now\n"), STATUS_REQ_BAD);
  assert_int_equal(parse("\n"), STATUS_REQ_BAD);
  assert_int_equal(status_parse_request("status\0\n", 8), STATUS_REQ_BAD);
}

static void test_a_full_line_without_newline_is_refused(void **state) {
  char buf[STATUS_MAX_LINE];

  (void)state;
  memset(buf, 'x', sizeof buf);
  assert_int_equal(status_parse_request(buf, sizeof buf - 1),
                   STATUS_REQ_INCOMPLETE);
  assert_int_equal(status_parse_request(buf, sizeof buf), STATUS_REQ_BAD);
}

static struct metrics_snapshot two_feeds(struct metrics_feed f[2]) {
  memset(f, 0, 2 * sizeof *f);
  strcpy(f[0].c.feed, "freeva");
  f[0].c.stored = 3;
  f[0].c.failed = 1;
  f[0].c.observations = 120;
  f[0].c.ingest_seconds = 0.25;
  f[0].c.last = COUNTERS_FAILED;
  f[0].c.last_ms = 1733572800500;
  f[0].c.last_ok_ms = 1733572800000;
  f[0].waiting = 2;
  strcpy(f[1].c.feed, "lwa");
  f[1].late = 1;
  strcpy(f[1].period, "FY2024-25-Q2");
  return (struct metrics_snapshot){.now_ms = 1733572900000,
                                   .started_ms = 1733570000000,
                                   .feeds = f,
                                   .n_feeds = 2,
                                   .outbox_known = 1,
                                   .outbox = {4, 0, 7, 1, 2}};
}

/* The text fn makes of two feeds; the caller frees it. */
static char *text_of(int (*fn)(const struct metrics_snapshot *, char **),
                     int outbox_known) {
  struct metrics_feed f[2];
  struct metrics_snapshot s = two_feeds(f);
  char *t = NULL;

  s.outbox_known = outbox_known;
  assert_int_equal(fn(&s, &t), 0);
  assert_non_null(t);
  return t;
}

static void test_metrics_text_has_types_labels_and_values(void **state) {
  char *t = text_of(metrics_text, 1);

  (void)state;
  assert_non_null(strstr(t, "# TYPE dahub_files_stored_total counter\n"
                            "dahub_files_stored_total{feed=\"freeva\"} 3\n"
                            "dahub_files_stored_total{feed=\"lwa\"} 0\n"));
  assert_non_null(
      strstr(t, "dahub_observations_stored_total{feed=\"freeva\"} 120\n"));
  assert_non_null(strstr(t, "dahub_ingest_seconds_total{feed=\"freeva\"} "
                            "0.250\n"));
  assert_non_null(strstr(t, "# TYPE dahub_files_waiting gauge\n"
                            "dahub_files_waiting{feed=\"freeva\"} 2\n"));
  assert_non_null(strstr(t, "dahub_feed_late{feed=\"lwa\"} 1\n"));
  assert_non_null(strstr(t, "dahub_last_success_timestamp_seconds{feed="
                            "\"freeva\"} 1733572800.000\n"));
  assert_non_null(strstr(t, "dahub_deliveries{state=\"pending\"} 4\n"));
  assert_non_null(strstr(t, "dahub_deliveries{state=\"sent\"} 7\n"));
  assert_non_null(strstr(t, "dahub_deliveries{state=\"parked\"} 2\n"));
  assert_int_equal(t[strlen(t) - 1], '\n');
  free(t);
}

static void test_metrics_leave_out_an_outbox_not_read(void **state) {
  char *t = text_of(metrics_text, 0);

  (void)state;
  assert_null(strstr(t, "dahub_deliveries"));
  free(t);
  t = text_of(metrics_json, 0);
  assert_non_null(strstr(t, "\"outbox\":null"));
  free(t);
}

static void test_status_json_has_times_results_and_backlog(void **state) {
  char *t = text_of(metrics_json, 1);

  (void)state;
  assert_non_null(strstr(t, "{\"feed\":\"freeva\",\"last_result\":\"failed\","
                            "\"last_at\":\"2024-12-07T12:00:00Z\","
                            "\"last_success\":\"2024-12-07T12:00:00Z\","
                            "\"stored\":3,\"duplicate\":0,\"failed\":1,"));
  assert_non_null(strstr(t, "\"feed\":\"lwa\",\"last_result\":null,"
                            "\"last_at\":null,\"last_success\":null,"));
  assert_non_null(strstr(t, "\"late\":true,\"period\":\"FY2024-25-Q2\""));
  assert_non_null(strstr(t, "\"outbox\":{\"pending\":4,\"sending\":0,"
                            "\"sent\":7,\"retrying\":1,\"parked\":2}"));
  free(t);
}

/* What `dahub status` prints of json; the caller frees it. */
static char *table_of(const char *json) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  assert_non_null(f);
  assert_int_equal(status_client_print(json, f), 0);
  assert_int_equal(fclose(f), 0);
  return buf;
}

static void
test_the_table_names_each_feeds_quarter_when_they_differ(void **state) {
  char *t = table_of("{\"feeds\":["
                     "{\"feed\":\"freeva\",\"late\":false,"
                     "\"period\":\"FY2024-25-Q2\"},"
                     "{\"feed\":\"lwa\",\"late\":true,"
                     "\"period\":\"FY2024-25-Q2\"}]}");

  (void)state;
  assert_non_null(strstr(t, " ok\nlwa "));
  assert_non_null(strstr(t, " late\n(failed: since start; return: for "
                            "FY2024-25-Q2)\n"));
  free(t);
  /* lwa's due days are longer: judged on the quarter before */
  t = table_of("{\"feeds\":["
               "{\"feed\":\"freeva\",\"late\":false,"
               "\"period\":\"FY2024-25-Q2\"},"
               "{\"feed\":\"lwa\",\"late\":true,"
               "\"period\":\"FY2024-25-Q1\"}]}");
  assert_non_null(strstr(t, " ok FY2024-25-Q2\nlwa "));
  assert_non_null(strstr(t, " late FY2024-25-Q1\n(failed: since start; "
                            "return: for the latest quarter past each "
                            "feed's due days)\n"));
  free(t);
}

/* The board's active hub, or a standby: in the JSON, the metrics and the
 * table. */
static void test_the_role_is_active_or_standby(void **state) {
  struct metrics_feed f[2];
  struct metrics_snapshot s = two_feeds(f);
  char *t = NULL;

  (void)state;
  s.active = 1;
  assert_int_equal(metrics_json(&s, &t), 0);
  assert_non_null(strstr(t, "\"started\":\"2024-12-07T11:13:20Z\","
                            "\"role\":\"active\",\"feeds\":["));
  free(t);
  assert_int_equal(metrics_text(&s, &t), 0);
  assert_non_null(strstr(t, "# TYPE dahub_active gauge\ndahub_active 1\n"));
  free(t);
  s.active = 0;
  assert_int_equal(metrics_json(&s, &t), 0);
  assert_non_null(strstr(t, "\"role\":\"standby\""));
  free(t);
  assert_int_equal(metrics_text(&s, &t), 0);
  assert_non_null(strstr(t, "\ndahub_active 0\n"));
  free(t);
  t = table_of("{\"role\":\"standby\",\"feeds\":[]}");
  assert_non_null(strstr(t, "\nrole: standby (another hub of the board "));
  free(t);
  t = table_of("{\"role\":\"active\",\"feeds\":[]}");
  assert_non_null(strstr(t, "\nrole: active\n"));
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_request_is_one_known_word_and_a_newline),
      cmocka_unit_test(test_a_full_line_without_newline_is_refused),
      cmocka_unit_test(test_metrics_text_has_types_labels_and_values),
      cmocka_unit_test(test_metrics_leave_out_an_outbox_not_read),
      cmocka_unit_test(test_status_json_has_times_results_and_backlog),
      cmocka_unit_test(
          test_the_table_names_each_feeds_quarter_when_they_differ),
      cmocka_unit_test(test_the_role_is_active_or_standby),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
