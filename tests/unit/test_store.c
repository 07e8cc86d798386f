/*
 * test_store.c: the SQLite store, on a real file in a temporary folder.
 *
 * The store is written through its API only; what it holds is read back
 * through a second, read-only connection, as `dahub report` and an officer
 * with sqlite3 would see it. Observations come in batches of three (one
 * figure for each of three areas) so a count says which ingest's rows are
 * meant.
 */
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
#include <sqlite3.h>

#include "fixture.h"
#include "store.h"
#include "store_fixture.h"

#define HASH_A                                                                 \
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B                                                                 \
  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const struct store_ingest *ingest_of(const char *feed,
                                            const char *file) {
  static struct store_ingest in;

  in = (struct store_ingest){.feed = feed,
                             .source_id = feed,
                             .plugin = "mapped",
                             .plugin_version = "1.0.0",
                             .file_name = file,
                             .size_bytes = 1234,
                             .received_at = "2024-07-12T09:30:00Z"};
  return &in;
}

/* Begins an ingest and stores three counts for period, value base+i. */
static void put_three(struct fixture *f, const char *feed, const char *file,
                      const char *period, int64_t base) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131"};

  assert_int_equal(store_ingest_begin(f->st, ingest_of(feed, file), &f->err),
                   0);
  for (int i = 0; i < 3; i++) {
    struct store_obs o = {.area_code = areas[i],
                          .period = period,
                          .measure_id = "helpline_contacts",
                          .dimensions = "{\"gender\":\"female\"}",
                          .unit = "count",
                          .status = DAHUB_ACTUAL,
                          .value = base + i,
                          .line = 4,
                          .col = (uint32_t)(2 + i),
                          .raw = "31"};

    assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  }
}

/* Commits, expecting success; returns the ingest id. */
static int64_t commit_ok(struct fixture *f, const char *sha256) {
  struct store_match m;
  int64_t id = -1;
  int rc = store_ingest_commit(f->st, sha256, &id, &m, &f->err);

  if (rc != 0)
    fail_msg("commit: %d %s", rc, f->err.msg);
  assert_true(id > 0);
  return id;
}

static void test_open_creates_schema(void **state) {
  struct fixture *f = *state;

  assert_int_equal(query_int(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
  assert_int_equal(query_int(f, "SELECT count(*) FROM sqlite_master WHERE "
                                "type = 'table' AND name IN ('ingests', "
                                "'observations', 'current_periods', "
                                "'receipts')"),
                   4);
  assert_int_equal(query_int(f, "SELECT count(*) FROM sqlite_master WHERE "
                                "type = 'view' AND name = "
                                "'current_observations'"),
                   1);
  assert_string_equal(query(f, "PRAGMA journal_mode"), "wal");
}

static void test_reopen_keeps_schema_and_rows(void **state) {
  struct fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
  assert_int_equal(query_int(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 3);
}

static void test_ingest_commits_its_observations(void **state) {
  struct fixture *f = *state;
  char sql[256];
  int64_t id;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  id = commit_ok(f, HASH_A);
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM observations WHERE ingest_id = %lld",
                 (long long)id);
  assert_int_equal(query_int(f, sql), 3);
  (void)snprintf(sql, sizeof sql,
                 "SELECT sha256 || '|' || observations || '|' || file_name || "
                 "'|' || plugin || '|' || plugin_version || '|' || "
                 "size_bytes || '|' || (stored_at IS NOT NULL) FROM ingests "
                 "WHERE ingest_id = %lld",
                 (long long)id);
  assert_string_equal(query(f, sql), HASH_A "|3|q1.csv|mapped|1.0.0|1234|1");
  assert_string_equal(
      query(f, "SELECT feed || '|' || source_id || '|' || area_code || '|' || "
               "period || '|' || measure_id || '|' || dimensions || '|' || "
               "value || '|' || scale || '|' || value_status || '|' || unit "
               "|| '|' || locator || '|' || raw || '|' || "
               "ifnull(service_id, 'NULL') || '|' || ifnull(bound, 'NULL') "
               "FROM observations_v WHERE area_code = 'E07000130'"),
      "freeva|freeva|E07000130|FY2024-25-Q1|helpline_contacts|"
      "{\"gender\":\"female\"}|11|0|actual|count|r4c3|31|NULL|NULL");
}

static void test_commit_writes_a_stored_receipt(void **state) {
  struct fixture *f = *state;
  char want[256];
  int64_t id;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  id = commit_ok(f, HASH_A);
  (void)snprintf(want, sizeof want, "freeva|q1.csv|%s|stored|%lld", HASH_A,
                 (long long)id);
  assert_string_equal(query(f, "SELECT feed || '|' || file_name || '|' || "
                               "sha256 || '|' || outcome || '|' || ingest_id "
                               "FROM receipts"),
                      want);
}

static void test_same_hash_same_feed_is_a_duplicate(void **state) {
  struct fixture *f = *state;
  struct store_match m;
  int64_t first, id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  first = commit_ok(f, HASH_A);
  put_three(f, "freeva", "q1 again.csv", "FY2024-25-Q1", 10);
  memset(&m, 0, sizeof m);
  assert_int_equal(store_ingest_commit(f->st, HASH_A, &id, &m, &f->err), 1);
  assert_int_equal(m.ingest_id, first);
  assert_string_equal(m.file_name, "q1.csv");
  assert_true(strlen(m.stored_at) == 20); /* "2024-07-12T09:30:00Z" */
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 3);
  assert_int_equal(query_int(f, "SELECT count(*) FROM ingests"), 1);
}

static void test_store_is_free_after_a_duplicate(void **state) {
  struct fixture *f = *state;
  struct store_match m;
  int64_t id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  put_three(f, "freeva", "q1 again.csv", "FY2024-25-Q1", 10);
  assert_int_equal(store_ingest_commit(f->st, HASH_A, &id, &m, &f->err), 1);
  /* The duplicate gave the store back: the next ingest goes in. */
  put_three(f, "freeva", "q2.csv", "FY2024-25-Q2", 20);
  commit_ok(f, HASH_B);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 6);
}

static void test_same_hash_other_feed_is_not_a_duplicate(void **state) {
  struct fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  put_three(f, "lwa", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_observations"),
                   6);
}

static void test_correction_supersedes_same_period(void **state) {
  struct fixture *f = *state;
  char sql[256];
  int64_t first, second;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  first = commit_ok(f, HASH_A);
  put_three(f, "freeva", "q1 corrected.csv", "FY2024-25-Q1", 100);
  second = commit_ok(f, HASH_B);
  assert_true(second != first);
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM current_observations WHERE ingest_id "
                 "= %lld",
                 (long long)second);
  assert_int_equal(query_int(f, sql), 3);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_observations"),
                   3);
  assert_string_equal(query(f, "SELECT group_concat(value, ',') FROM (SELECT "
                               "value FROM current_observations ORDER BY "
                               "value)"),
                      "100,101,102");
  /* History is kept. */
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 6);
}

static void test_other_period_does_not_supersede(void **state) {
  struct fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  put_three(f, "freeva", "q2.csv", "FY2024-25-Q2", 20);
  commit_ok(f, HASH_B);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_observations"),
                   6);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_periods"), 2);
}

static void test_other_feed_does_not_supersede(void **state) {
  struct fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  put_three(f, "lwa", "q1.csv", "FY2024-25-Q1", 20);
  commit_ok(f, HASH_B);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_observations"),
                   6);
}

static void test_rollback_leaves_nothing(void **state) {
  struct fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  store_ingest_rollback(f->st);
  assert_int_equal(query_int(f, "SELECT count(*) FROM ingests"), 0);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 0);
  assert_int_equal(query_int(f, "SELECT count(*) FROM receipts"), 0);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_periods"), 0);
  /* And the store is free for the next ingest. */
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 3);
}

static void test_find_hash(void **state) {
  struct fixture *f = *state;
  struct store_match m;
  int64_t id;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  id = commit_ok(f, HASH_A);
  memset(&m, 0, sizeof m);
  assert_int_equal(store_find_hash(f->st, "freeva", HASH_A, &m, &f->err), 1);
  assert_int_equal(m.ingest_id, id);
  assert_string_equal(m.file_name, "q1.csv");
  assert_int_equal(store_find_hash(f->st, "freeva", HASH_B, &m, &f->err), 0);
  assert_int_equal(store_find_hash(f->st, "lwa", HASH_A, &m, &f->err), 0);
}

static void test_receipts_record_each_outcome(void **state) {
  struct fixture *f = *state;
  int64_t id;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  id = commit_ok(f, HASH_A);
  assert_int_equal(store_receipt(f->st, "freeva", "q1 (2).csv", HASH_A,
                                 "duplicate", id, &f->err),
                   0);
  assert_int_equal(
      store_receipt(f->st, "freeva", "bad.csv", NULL, "failed", 0, &f->err), 0);
  assert_string_equal(
      query(f, "SELECT group_concat(r, ';') FROM (SELECT file_name || '|' || "
               "outcome || '|' || ifnull(sha256, 'NULL') || '|' || "
               "ifnull(ingest_id, 'NULL') AS r FROM receipts ORDER BY "
               "receipt_id)"),
      "q1.csv|stored|" HASH_A "|1;q1 (2).csv|duplicate|" HASH_A
      "|1;bad.csv|failed|NULL|NULL");
}

static void test_receipt_with_unknown_outcome_is_refused(void **state) {
  struct fixture *f = *state;

  assert_int_equal(
      store_receipt(f->st, "freeva", "x.csv", NULL, "lost", 0, &f->err), -EIO);
  assert_int_equal(query_int(f, "SELECT count(*) FROM receipts"), 0);
}

static void test_missing_and_suppressed_store_no_number(void **state) {
  struct fixture *f = *state;
  struct store_obs o = {.area_code = "E07000130",
                        .period = "FY2024-25-Q1",
                        .measure_id = "helpline_contacts",
                        .dimensions = "{}",
                        .unit = "count",
                        .status = DAHUB_MISSING,
                        .value = 0,
                        .line = 5,
                        .col = 2};

  assert_int_equal(
      store_ingest_begin(f->st, ingest_of("freeva", "q1.csv"), &f->err), 0);
  assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  o.status = DAHUB_SUPPRESSED;
  o.bound = 5;
  o.raw = "<5";
  o.col = 3;
  assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  commit_ok(f, HASH_A);
  assert_string_equal(
      query(f, "SELECT group_concat(r, ';') FROM (SELECT value_status || '|' "
               "|| ifnull(value, 'NULL') || '|' || ifnull(bound, 'NULL') AS r "
               "FROM observations_v ORDER BY obs_id)"),
      "missing|NULL|NULL;suppressed|NULL|5");
}

static int count_row(void *arg, const struct store_outbox_row *r) {
  (void)r;
  (*(int *)arg)++;
  return 0;
}

/* A store made before 11 keeps its deliveries (ids, keys, states) through
 * the rebuild of the outbox; after it, a failed file's report is a row of
 * its own, with its feed, folder and one recipient, recorded once per key,
 * and read back beside the summaries' rows. */
static void test_outbox_takes_reports_and_keeps_deliveries(void **state) {
  struct fixture *f = *state;
  struct store_outbox_row rows[4];
  sqlite3 *db;
  size_t n = 0;
  int listed = 0;

  assert_int_equal(store_open_version(f->path, 8, &f->st, &f->err), 0);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "INSERT INTO summaries(summary_id, period, version, "
                   "produced_at, sha256, folder) VALUES(5, 'FY2024-25-Q1', 1, "
                   "'2024-07-01T00:00:00Z', 'x', '/outbox/FY2024-25-Q1/v1');"
                   "INSERT INTO outbox(outbox_id, summary_id, destination, key,"
                   " files, state, attempts, since_ms, next_ms, status,"
                   " answer, updated_at) VALUES(7, 5, 'board_mail', 'k1',"
                   " 'summary.json', 'sent', 1, 1, 0, 250, NULL, 'now')",
                   NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
  assert_string_equal(query(f, "SELECT outbox_id || ' ' || key || ' ' || state"
                               " || ' ' || summary_id FROM outbox"),
                      "7 k1 sent 5");
  assert_int_equal(store_outbox_report(f->st, "board_mail", "k2", "freeva",
                                       "/spool/freeva/failed",
                                       "q1.csv.error.txt",
                                       "lead@freeva.example", &f->err),
                   0);
  /* the same key again (a retried settle): still one row */
  assert_int_equal(store_outbox_report(f->st, "board_mail", "k2", "freeva",
                                       "/spool/freeva/failed",
                                       "q1.csv.error.txt",
                                       "lead@freeva.example", &f->err),
                   0);
  assert_int_equal(
      store_outbox_due(f->st, store_now_ms() + 1, rows, 4, &n, &f->err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(rows[0].key, "k2");
  assert_string_equal(rows[0].feed, "freeva");
  assert_string_equal(rows[0].folder, "/spool/freeva/failed");
  assert_string_equal(rows[0].files, "q1.csv.error.txt");
  assert_string_equal(rows[0].recipient, "lead@freeva.example");
  assert_string_equal(rows[0].period, "");
  assert_int_equal(store_outbox_each(f->st, count_row, &listed, &f->err), 0);
  assert_int_equal(listed, 2);
}

/* A store made by the schema before 5 keeps its observations, and what is
 * current, through the rebuild of the observations table. */
static void test_migration_keeps_observations(void **state) {
  struct fixture *f = *state;

  assert_int_equal(store_open_version(f->path, 4, &f->st, &f->err), 0);
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(query_int(f, "PRAGMA user_version"), 4);
  assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
  assert_int_equal(query_int(f, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
  assert_string_equal(
      query(f, "SELECT group_concat(area_code || '=' || value, ';') FROM "
               "(SELECT * FROM current_observations ORDER BY obs_id)"),
      "E07000129=10;E07000130=11;E07000131=12");
  assert_int_equal(query_int(f, "SELECT count(*) FROM sqlite_master WHERE "
                                "name = 'observations_by_ingest'"),
                   1);
}

/* The status is still checked, without a temporary b-tree per insert (an
 * IN list in a CHECK builds one for every row: it made storing a wide
 * return several times slower). */
static void test_status_check_builds_nothing_per_row(void **state) {
  struct fixture *f = *state;
  sqlite3 *db;
  sqlite3_stmt *q;
  int steps = 0;

  assert_int_equal(query_int(f, "SELECT count(*) FROM sqlite_master WHERE name"
                                " = 'observations' AND (sql LIKE '% IN (%'"
                                " OR sql LIKE '% IN(%')"),
                   0);
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_not_equal(
      sqlite3_exec(db,
                   "INSERT INTO observations(ingest_id, period_key, area_key,"
                   " measure_key, breakdown_key, status, scale, line, col,"
                   " text_form) VALUES(1, 1, 1, 1, 1, 4, 0, 1, 1, 0)",
                   NULL, NULL, NULL),
      SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "CHECK constraint failed"));
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "EXPLAIN INSERT INTO observations("
                                      "ingest_id, period_key, area_key,"
                                      " measure_key, breakdown_key, status,"
                                      " scale, line, col, text_form)"
                                      " VALUES(?,?,?,?,?,?,?,?,?,?)",
                                      -1, &q, NULL),
                   SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *op = (const char *)sqlite3_column_text(q, 1);

    assert_string_not_equal(op, "OpenEphemeral");
    steps++;
  }
  assert_true(steps > 10);
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_newer_schema_is_refused(void **state) {
  struct fixture *f = *state;
  sqlite3 *db;
  char sql[64];

  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  (void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 STORE_SCHEMA_VERSION + 1);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  assert_int_equal(store_open(f->path, &f->st, &f->err), -EPROTO);
  assert_null(f->st);
  assert_non_null(strstr(f->err.msg, "newer than this dahub"));
  assert_int_equal(query_int(f, "PRAGMA user_version"),
                   STORE_SCHEMA_VERSION + 1);
  assert_string_equal(
      query(f, "SELECT count(*) FROM sqlite_master WHERE name = 'ingests'"),
      "0");
}

/* "Refusing to touch it" means the file is as the newer dahub left it:
 * not even its journal mode changed. */
static void test_newer_schema_is_left_untouched(void **state) {
  struct fixture *f = *state;
  sqlite3 *db;
  char sql[64];

  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  (void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 STORE_SCHEMA_VERSION + 1);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  assert_int_equal(store_open(f->path, &f->st, &f->err), -EPROTO);
  assert_string_equal(query(f, "PRAGMA journal_mode"), "delete");
}

static void test_file_that_is_not_a_database_is_refused(void **state) {
  struct fixture *f = *state;
  FILE *fp = fopen(f->path, "w");

  assert_non_null(fp);
  fputs("area,contacts\nE07000130,31\n"
        "this is a CSV file someone saved as dahub.db, not SQLite\n",
        fp);
  assert_int_equal(fclose(fp), 0);
  assert_true(store_open(f->path, &f->st, &f->err) < 0);
  assert_null(f->st);
  assert_non_null(strstr(f->err.msg, "store: "));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_creates_schema, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reopen_keeps_schema_and_rows, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ingest_commits_its_observations,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_commit_writes_a_stored_receipt,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_hash_same_feed_is_a_duplicate,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_store_is_free_after_a_duplicate,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_same_hash_other_feed_is_not_a_duplicate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_correction_supersedes_same_period,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_other_period_does_not_supersede,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_other_feed_does_not_supersede, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_find_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_receipts_record_each_outcome, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_receipt_with_unknown_outcome_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_missing_and_suppressed_store_no_number, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_outbox_takes_reports_and_keeps_deliveries, setup_empty,
          teardown),
      cmocka_unit_test_setup_teardown(test_migration_keeps_observations,
                                      setup_empty, teardown),
      cmocka_unit_test_setup_teardown(test_status_check_builds_nothing_per_row,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup_empty,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_newer_schema_is_left_untouched,
                                      setup_empty, teardown),
      cmocka_unit_test_setup_teardown(
          test_file_that_is_not_a_database_is_refused, setup_empty, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
