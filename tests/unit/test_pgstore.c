/*
 * test_pgstore.c: the PostgreSQL store, on a real server
 * (tests/support/pg_cluster.sh), a database of its own per test.
 *
 * The store is written through its API only; what it holds is read back
 * on a connection of the test's own. Files come as three figures (one for
 * each of three areas) so a count says which file's rows are meant.
 * Skipped (77) when $DAHUB_TEST_PG names no server.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "credential.h"
#include "fixture.h"
#include "pg_fixture.h"
#include "pgstore_int.h"

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

/* Begins an ingest on ps and hands over three counts for period, value
 * base+i. */
static void put_three_on(struct pgstore *ps, struct dahub_error *err,
                         const char *feed, const char *file, const char *period,
                         int64_t base) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131"};

  assert_int_equal(pgstore_ingest_begin(ps, ingest_of(feed, file), err), 0);
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

    assert_int_equal(pgstore_ingest_obs(ps, &o, err), 0);
  }
}

static void put_three(struct pg_fixture *f, const char *feed, const char *file,
                      const char *period, int64_t base) {
  put_three_on(f->ps, &f->err, feed, file, period, base);
}

/* Commits, expecting success; returns the ingest id. */
static int64_t commit_ok(struct pg_fixture *f, const char *sha256) {
  struct store_match m;
  int64_t id = -1;
  int rc = pgstore_ingest_commit(f->ps, sha256, &id, &m, &f->err);

  if (rc != 0)
    fail_msg("commit: %d %s", rc, f->err.msg);
  assert_true(id > 0);
  return id;
}

/* ---- schema and migrations ---- */

static void test_open_creates_schema(void **state) {
  struct pg_fixture *f = *state;

  assert_int_equal(pgstore_schema(f->ps), PGSTORE_SCHEMA_VERSION);
  assert_int_equal(pg_query_int(f, "SELECT max(version) FROM "
                                   "schema_migrations"),
                   PGSTORE_SCHEMA_VERSION);
  for (int i = 0; pgstore_tables[i] != NULL; i++) {
    char sql[128];

    (void)snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL",
                   pgstore_tables[i]);
    assert_string_equal(pg_query(f, sql), "t");
  }
  assert_string_equal(pg_query(f, "SELECT count(*) FROM pg_views WHERE "
                                  "viewname IN ('observations_v', "
                                  "'current_observations')"),
                      "2");
}

static void test_reopen_migrates_nothing_and_keeps_rows(void **state) {
  struct pg_fixture *f = *state;
  const char *applied;
  char before[512];

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  applied = pg_query(f, "SELECT string_agg(applied_at::text, ',' ORDER BY "
                        "version) FROM schema_migrations");
  (void)snprintf(before, sizeof before, "%s", applied);
  pgstore_close(f->ps);
  f->ps = NULL;
  assert_int_equal(pgstore_open(f->conninfo_file, "leics", &f->ps, &f->err), 0);
  assert_int_equal(pgstore_schema(f->ps), PGSTORE_SCHEMA_VERSION);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM schema_migrations"),
                   PGSTORE_SCHEMA_VERSION);
  assert_string_equal(pg_query(f, "SELECT string_agg(applied_at::text, ',' "
                                  "ORDER BY version) FROM schema_migrations"),
                      before);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
}

static void test_open_at_version_0_creates_nothing(void **state) {
  struct pg_fixture *f = *state;

  assert_int_equal(
      pgstore_open_version(f->conninfo_file, "leics", 0, &f->ps, &f->err), 0);
  assert_int_equal(pgstore_schema(f->ps), 0);
  assert_string_equal(pg_query(f, "SELECT to_regclass('ingests') IS NULL"),
                      "t");
}

/* A list of migrations of the test's own: the third fails half-way. */
static const char *const steps_bad[] = {
    "CREATE TABLE t1(a integer)",
    "CREATE TABLE t2(a integer); INSERT INTO t1 VALUES (2)",
    "CREATE TABLE t3(a integer); INSERT INTO t1 VALUES (3); SELECT 1 / 0",
};
static const char *const steps_good[] = {
    "CREATE TABLE t1(a integer)",
    "CREATE TABLE t2(a integer); INSERT INTO t1 VALUES (2)",
    "CREATE TABLE t3(a integer); INSERT INTO t1 VALUES (3)",
};

static void
test_pending_migrations_run_in_order_in_one_transaction(void **state) {
  struct pg_fixture *f = *state;
  int version = -1;

  assert_int_equal(
      pgstore_open_version(f->conninfo_file, "leics", 0, &f->ps, &f->err), 0);
  assert_int_equal(pgstore_migrate(f->ps, steps_bad, 3, 1, &version, &f->err),
                   0);
  assert_int_equal(version, 1);
  /* 2 and 3 at once: 3 fails, so 2 is not kept either */
  assert_int_not_equal(
      pgstore_migrate(f->ps, steps_bad, 3, 3, &version, &f->err), 0);
  assert_non_null(strstr(f->err.msg, "migration 3"));
  assert_string_equal(pg_query(f, "SELECT string_agg(version::text, ',' "
                                  "ORDER BY version) FROM schema_migrations"),
                      "1");
  assert_string_equal(pg_query(f, "SELECT to_regclass('t2') IS NULL"), "t");
  assert_string_equal(pg_query(f, "SELECT count(*) FROM t1"), "0");
  /* fixed, they run in order, each with its row */
  assert_int_equal(pgstore_migrate(f->ps, steps_good, 3, 3, &version, &f->err),
                   0);
  assert_int_equal(version, 3);
  assert_string_equal(pg_query(f, "SELECT string_agg(version::text, ',' "
                                  "ORDER BY version) FROM schema_migrations"),
                      "1,2,3");
  assert_string_equal(pg_query(f, "SELECT string_agg(a::text, ',' ORDER BY a)"
                                  " FROM t1"),
                      "2,3");
  /* and again: nothing to do */
  assert_int_equal(pgstore_migrate(f->ps, steps_good, 3, 3, &version, &f->err),
                   0);
  assert_int_equal(version, 3);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM t1"), 2);
}

static void test_newer_schema_is_refused_untouched(void **state) {
  struct pg_fixture *f = *state;

  pgstore_close(f->ps);
  f->ps = NULL;
  (void)pg_query(f, "INSERT INTO schema_migrations(version) VALUES (99)");
  assert_int_equal(pgstore_open(f->conninfo_file, "leics", &f->ps, &f->err),
                   -EPROTO);
  assert_null(f->ps);
  assert_non_null(strstr(f->err.msg, "newer"));
  assert_int_equal(pg_query_int(f, "SELECT max(version) FROM "
                                   "schema_migrations"),
                   99);
}

/* ---- a file's ingest ---- */

static void test_file_is_stored_with_all_its_figures(void **state) {
  struct pg_fixture *f = *state;
  char sql[256], want[256];
  int64_t id;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  id = commit_ok(f, HASH_A);
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM observations WHERE ingest_id = %lld "
                 "AND board = 'leics'",
                 (long long)id);
  assert_int_equal(pg_query_int(f, sql), 3);
  (void)snprintf(sql, sizeof sql,
                 "SELECT concat_ws('|', board, sha256, observations, "
                 "file_name, plugin, plugin_version, size_bytes, received_at,"
                 " stored_at IS NOT NULL) FROM ingests WHERE ingest_id = %lld",
                 (long long)id);
  assert_string_equal(pg_query(f, sql),
                      "leics|" HASH_A "|3|q1.csv|mapped|1.0.0|1234|"
                      "2024-07-12 09:30:00+00|t");
  assert_string_equal(
      pg_query(f, "SELECT concat_ws('|', feed, source_id, area_code, period,"
                  " measure_id, dimensions, value, scale, value_status, unit,"
                  " locator, raw, coalesce(service_id, 'NULL'),"
                  " coalesce(bound::text, 'NULL')) FROM current_observations"
                  " WHERE area_code = 'E07000130'"),
      "freeva|freeva|E07000130|FY2024-25-Q1|helpline_contacts|"
      "{\"gender\":\"female\"}|11|0|actual|count|r4c3|31|NULL|NULL");
  (void)snprintf(want, sizeof want, "leics|freeva|q1.csv|%s|stored|%lld",
                 HASH_A, (long long)id);
  assert_string_equal(pg_query(f, "SELECT concat_ws('|', board, feed, "
                                  "file_name, sha256, outcome, ingest_id) "
                                  "FROM receipts"),
                      want);
}

/* What each kind of figure and text reads back as, through the view. */
static void test_texts_and_statuses_read_back_as_given(void **state) {
  struct pg_fixture *f = *state;
  const struct store_obs o[] = {
      {.area_code = "E07000129",
       .period = "FY2024-25-Q1",
       .measure_id = "refuge_nights",
       .unit = "count",
       .dimensions = "{\"age_band\":\"25-34\"}",
       .status = DAHUB_ACTUAL,
       .value = -1234567,
       .line = 2,
       .col = 2,
       .raw = "-1,234,567"},
      {.area_code = "E07000130",
       .period = "FY2024-25-Q1",
       .measure_id = "refuge_nights",
       .unit = "count",
       .dimensions = "{}",
       .status = DAHUB_SUPPRESSED,
       .bound = 5,
       .line = 3,
       .col = 2,
       .raw = "<5",
       .service_id = "freeva.refuge"},
      {.area_code = "E07000131",
       .period = "FY2024-25-Q1",
       .measure_id = "spend",
       .unit = "gbp",
       .dimensions = "{}",
       .status = DAHUB_ESTIMATED,
       .value = 1250,
       .scale = 2,
       .line = 4,
       .col = 2,
       .raw = "approx.\t12.50\\ \"x\"\r\nnext"},
      {.area_code = "E07000132",
       .period = "FY2024-25-Q1",
       .measure_id = "refuge_nights",
       .unit = "count",
       .dimensions = "{}",
       .status = DAHUB_MISSING,
       .line = 5,
       .col = 2,
       .raw = NULL},
  };

  assert_int_equal(
      pgstore_ingest_begin(f->ps, ingest_of("freeva", "q.csv"), &f->err), 0);
  for (size_t i = 0; i < sizeof o / sizeof *o; i++)
    assert_int_equal(pgstore_ingest_obs(f->ps, &o[i], &f->err), 0);
  commit_ok(f, HASH_A);
#define ROW_OF(loc)                                                            \
  "SELECT concat_ws('|', coalesce(value::text, 'NULL'), scale, value_status,"  \
  " coalesce(bound::text, 'NULL'), coalesce(service_id, 'NULL'), dimensions,"  \
  " measure_id, unit) FROM observations_v WHERE locator = '" loc "'"
  assert_string_equal(pg_query(f, ROW_OF("r2c2")),
                      "-1234567|0|actual|NULL|NULL|{\"age_band\":\"25-34\"}|"
                      "refuge_nights|count");
  assert_string_equal(pg_query(f, ROW_OF("r3c2")),
                      "NULL|0|suppressed|5|freeva.refuge|{}|refuge_nights|"
                      "count");
  assert_string_equal(pg_query(f, ROW_OF("r4c2")),
                      "1250|2|estimated|NULL|NULL|{}|spend|gbp");
  assert_string_equal(pg_query(f, ROW_OF("r5c2")),
                      "NULL|0|missing|NULL|NULL|{}|refuge_nights|count");
#undef ROW_OF
  /* the partner's text: said again from the value, or kept as it came */
  assert_string_equal(
      pg_query(f, "SELECT raw FROM observations_v WHERE locator = 'r2c2'"),
      "-1,234,567");
  assert_string_equal(
      pg_query(f, "SELECT text_form FROM observations WHERE line = 2"), "2");
  assert_string_equal(
      pg_query(f, "SELECT raw FROM observations_v WHERE locator = 'r3c2'"),
      "<5");
  assert_string_equal(
      pg_query(f, "SELECT raw FROM observations_v WHERE locator = 'r4c2'"),
      o[2].raw);
  assert_string_equal(pg_query(f, "SELECT raw IS NULL FROM observations_v "
                                  "WHERE locator = 'r5c2'"),
                      "t");
}

static void test_same_file_again_is_a_duplicate(void **state) {
  struct pg_fixture *f = *state;
  struct store_match m;
  int64_t first, id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  first = commit_ok(f, HASH_A);
  put_three(f, "freeva", "q1 again.csv", "FY2024-25-Q1", 10);
  memset(&m, 0, sizeof m);
  assert_int_equal(pgstore_ingest_commit(f->ps, HASH_A, &id, &m, &f->err), 1);
  assert_int_equal(m.ingest_id, first);
  assert_string_equal(m.file_name, "q1.csv");
  assert_int_equal(strlen(m.stored_at), 20); /* "2024-07-12T09:30:00Z" */
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM receipts"), 1);
  /* the daemon notes what became of it, and of a file that failed */
  assert_int_equal(pgstore_receipt(f->ps, "freeva", "q1 again.csv", HASH_A,
                                   "duplicate", first, &f->err),
                   0);
  assert_int_equal(
      pgstore_receipt(f->ps, "freeva", "bad.csv", NULL, "failed", 0, &f->err),
      0);
  assert_string_equal(
      pg_query(f, "SELECT string_agg(concat_ws(':', board, file_name, outcome,"
                  " ingest_id = (SELECT min(ingest_id) FROM ingests),"
                  " coalesce(sha256, 'NULL')), ',' ORDER BY receipt_id)"
                  " FROM receipts WHERE outcome <> 'stored'"),
      "leics:q1 again.csv:duplicate:t:" HASH_A ",leics:bad.csv:failed:NULL");
  /* the store is free again: the next file goes in */
  put_three(f, "freeva", "q2.csv", "FY2024-25-Q2", 20);
  commit_ok(f, HASH_B);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 6);
  assert_int_equal(pgstore_find_hash(f->ps, "freeva", HASH_B, &m, &f->err), 1);
  assert_string_equal(m.file_name, "q2.csv");
  assert_int_equal(pgstore_find_hash(f->ps, "lwa", HASH_B, &m, &f->err), 0);
}

static void test_same_file_of_another_board_or_feed_is_stored(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore *other = NULL;
  struct store_match m;
  int64_t id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  put_three(f, "lwa", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(pgstore_open(f->conninfo_file, "rutland", &other, &f->err),
                   0);
  put_three_on(other, &f->err, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  assert_int_equal(pgstore_ingest_commit(other, HASH_A, &id, &m, &f->err), 0);
  assert_int_equal(pgstore_find_hash(other, "lwa", HASH_A, &m, &f->err), 0);
  pgstore_close(other);
  assert_string_equal(pg_query(f, "SELECT string_agg(board || ':' || n, ','"
                                  " ORDER BY board) FROM (SELECT board,"
                                  " count(*) n FROM current_observations"
                                  " GROUP BY board) c"),
                      "leics:6,rutland:3");
}

static void test_correction_supersedes_and_history_is_kept(void **state) {
  struct pg_fixture *f = *state;
  char sql[256];
  int64_t first, second;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  first = commit_ok(f, HASH_A);
  put_three(f, "freeva", "q1 corrected.csv", "FY2024-25-Q1", 20);
  second = commit_ok(f, HASH_B);
  assert_int_equal(pg_query_int(f, "SELECT sum(value) FROM "
                                   "current_observations"),
                   20 + 21 + 22);
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM current_observations WHERE "
                 "ingest_id = %lld",
                 (long long)second);
  assert_int_equal(pg_query_int(f, sql), 3);
  /* history: the first file and its figures are all still there */
  (void)snprintf(sql, sizeof sql,
                 "SELECT sum(value) FROM observations_v WHERE ingest_id = "
                 "%lld",
                 (long long)first);
  assert_int_equal(pg_query_int(f, sql), 10 + 11 + 12);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests WHERE "
                                   "sha256 IS NOT NULL"),
                   2);
  /* another period, or another feed, supersedes nothing of it */
  put_three(f, "freeva", "q2.csv", "FY2024-25-Q2", 30);
  commit_ok(f,
            "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
  put_three(f, "lwa", "q1.csv", "FY2024-25-Q1", 40);
  commit_ok(f, HASH_A);
  assert_string_equal(
      pg_query(f, "SELECT string_agg(feed || ' ' || period || ' ' || s, ','"
                  " ORDER BY feed, period) FROM (SELECT feed, period,"
                  " sum(value) s FROM current_observations GROUP BY feed,"
                  " period) c"),
      "freeva FY2024-25-Q1 63,freeva FY2024-25-Q2 93,lwa FY2024-25-Q1 123");
}

static void test_rollback_leaves_nothing(void **state) {
  struct pg_fixture *f = *state;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  pgstore_ingest_rollback(f->ps);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM areas"), 0);
  /* and the store is free again */
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
}

/* A figure the server refuses at commit (a text that is not UTF-8) after
 * good ones and a record: the whole file is rolled back, codes too. */
static void test_commit_failing_halfway_leaves_nothing(void **state) {
  struct pg_fixture *f = *state;
  struct store_obs bad = {.area_code = "E07000129",
                          .period = "FY2024-25-Q1",
                          .measure_id = "helpline_contacts",
                          .dimensions = "{}",
                          .unit = "count",
                          .status = DAHUB_SUPPRESSED,
                          .line = 9,
                          .col = 2,
                          .raw = "<5 \xff\xfe"};
  struct store_match m;
  int64_t id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  assert_int_equal(
      pgstore_ingest_record(f->ps, "contract", "{\"id\":\"c1\"}", 3, &f->err),
      0);
  assert_int_equal(pgstore_ingest_obs(f->ps, &bad, &f->err), 0);
  assert_int_equal(pgstore_ingest_commit(f->ps, HASH_A, &id, &m, &f->err),
                   -EIO);
  assert_non_null(strstr(f->err.msg, "copy figures"));
  assert_null(strstr(f->err.msg, "<5")); /* no cell text in the message */
  assert_int_equal(id, -1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM records"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM areas"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM current_periods"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM receipts"), 0);
  /* the same file, whole, goes in afterwards */
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
}

/* The server ends the connection mid-file (a restart, a failover): the
 * file fails as transient, nothing of it is kept, and the next file
 * connects again and is stored. */
static void test_connection_lost_mid_file_is_retried(void **state) {
  struct pg_fixture *f = *state;
  struct store_match m;
  char sql[128];
  int64_t id = -1;

  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  (void)snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, 5000)",
                 PQbackendPID(f->ps->conn));
  assert_string_equal(pg_query(f, sql), "t");
  assert_int_equal(pgstore_ingest_commit(f->ps, HASH_A, &id, &m, &f->err),
                   -EAGAIN);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 0);
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM current_observations"),
                   3);
}

/* A transaction left open on the connection (a ROLLBACK that never
 * arrived), even a failed one: the next file does not join it. */
static void test_next_file_does_not_join_a_stale_transaction(void **state) {
  struct pg_fixture *f = *state;

  PQclear(PQexec(f->ps->conn, "BEGIN"));
  PQclear(PQexec(f->ps->conn, "SELECT 1 / 0"));
  assert_int_equal(PQtransactionStatus(f->ps->conn), PQTRANS_INERROR);
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(PQtransactionStatus(f->ps->conn), PQTRANS_IDLE);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
}

/* The store connections on the test's database (the test's own reader
 * has no application name). */
#define DAHUB_BACKENDS                                                         \
  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"   \
  " AND application_name = 'dahub'"

/* The hub is killed (SIGKILL) in the middle of a file, its figures half
 * sent: the server rolls the file back, and the file tried again is
 * stored once. */
static void test_hub_killed_mid_file_leaves_nothing(void **state) {
  struct pg_fixture *f = *state;
  struct timespec nap = {0, 20 * 1000 * 1000};
  int fds[2], status;
  char got = 0;
  pid_t pid;

  assert_int_equal(pipe(fds), 0);
  if ((pid = fork()) == 0) {
    struct pgstore *ps = NULL;
    struct dahub_error err;
    char ok = '1';

    if (pgstore_open(f->conninfo_file, "leics", &ps, &err) != 0 ||
        pgstore_ingest_begin(ps, ingest_of("freeva", "q1.csv"), &err) != 0)
      ok = '0';
    for (int i = 0; ok == '1' && i < 20000; i++) { /* several COPY pieces */
      struct store_obs o = pg_count("E07000129", i);

      if (pgstore_ingest_obs(ps, &o, &err) != 0)
        ok = '0';
    }
    if (write(fds[1], &ok, 1) != 1)
      _exit(1);
    for (;;)
      (void)pause(); /* mid-file until killed */
  }
  assert_true(pid > 0);
  assert_int_equal(read(fds[0], &got, 1), 1);
  (void)close(fds[0]);
  (void)close(fds[1]);
  assert_int_equal(got, '1');
  /* its ingest row is there, uncommitted: invisible */
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 0);
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  /* the server ends the killed hub's backend, its transaction with it:
   * only this test's store is left (5 s at most) */
  for (int i = 0; i < 250 && pg_query_int(f, DAHUB_BACKENDS) > 1; i++)
    (void)nanosleep(&nap, NULL);
  assert_int_equal(pg_query_int(f, DAHUB_BACKENDS), 1);
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  commit_ok(f, HASH_A);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
}

/* Many figures: the COPY is sent in many pieces, statistics are taken, and
 * the figures keep the file's order. */
static void test_large_file_keeps_every_figure_in_order(void **state) {
  struct pg_fixture *f = *state;
  enum { N = 30000 };
  char dims[64];

  assert_int_equal(
      pgstore_ingest_begin(f->ps, ingest_of("freeva", "big.csv"), &f->err), 0);
  for (int i = 0; i < N; i++) {
    struct store_obs o = {.area_code = i % 2 ? "E07000129" : "E07000130",
                          .period = "FY2024-25-Q1",
                          .measure_id = "helpline_contacts",
                          .dimensions = dims,
                          .unit = "count",
                          .status = DAHUB_ACTUAL,
                          .value = i,
                          .line = (uint32_t)(i + 2),
                          .col = 2,
                          .raw = NULL};

    (void)snprintf(dims, sizeof dims, "{\"case\":\"%d\"}", i % 500);
    assert_int_equal(pgstore_ingest_obs(f->ps, &o, &f->err), 0);
  }
  commit_ok(f, HASH_A);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), N);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM breakdowns"), 500);
  assert_int_equal(pg_query_int(f, "SELECT sum(value) FROM "
                                   "current_observations"),
                   (long long)N * (N - 1) / 2);
  /* obs_id order is the file's */
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM (SELECT line, lag("
                                   "line) OVER (ORDER BY obs_id) prev FROM "
                                   "observations) x WHERE prev >= line"),
                   0);
}

/* Another hub stores the same file at the very moment this one commits:
 * this one waits on the unique index, finds the other's once it commits,
 * and answers duplicate with the other's ingest. */
struct racer {
  struct pg_fixture *f;
  int rc;
  int64_t id;
  struct store_match m;
  struct dahub_error err;
};

static void *commit_racer(void *arg) {
  struct racer *r = arg;

  r->rc = pgstore_ingest_commit(r->f->ps, HASH_A, &r->id, &r->m, &r->err);
  return NULL;
}

static void test_same_file_from_two_hubs_at_once_is_stored_once(void **state) {
  struct pg_fixture *f = *state;
  struct racer r = {.f = f, .id = -1};
  PGconn *other = pg_connect_admin(f->db);
  struct timespec nap = {0, 20 * 1000 * 1000};
  long long other_id;
  pthread_t t;
  char sql[256];

  (void)pg_run(other, "BEGIN");
  other_id = strtoll(
      pg_run(other, "INSERT INTO ingests(board, feed, source_id, plugin,"
                    " plugin_version, file_name, sha256, size_bytes,"
                    " received_at, stored_at) VALUES('leics', 'freeva',"
                    " 'freeva', 'mapped', '1.0.0', 'other hub.csv', '" HASH_A
                    "', 1, now(), now()) RETURNING ingest_id"),
      NULL, 10);
  put_three(f, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  assert_int_equal(pthread_create(&t, NULL, commit_racer, &r), 0);
  /* until our commit waits for the other's row lock (10 s at most) */
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND "
                 "wait_event_type = 'Lock'",
                 PQbackendPID(f->ps->conn));
  for (int i = 0; i < 500 && pg_query_int(f, sql) == 0; i++)
    (void)nanosleep(&nap, NULL);
  assert_int_equal(pg_query_int(f, sql), 1);
  (void)pg_run(other, "COMMIT");
  assert_int_equal(pthread_join(t, NULL), 0);
  PQfinish(other);
  if (r.rc != 1)
    fail_msg("commit: %d %s", r.rc, r.err.msg);
  assert_int_equal(r.m.ingest_id, other_id);
  assert_string_equal(r.m.file_name, "other hub.csv");
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 0);
}

/* ---- the connection string's file ---- */

static void test_conninfo_file_errors_are_clear(void **state) {
  struct pg_fixture *f = *state;
  char path[256], big[CREDENTIAL_MAX + 64];
  struct pgstore *ps = NULL;

  (void)snprintf(path, sizeof path, "%s/missing.conninfo", f->dir);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -ENOENT);
  assert_non_null(strstr(f->err.msg, path));

  (void)snprintf(path, sizeof path, "%s/big.conninfo", f->dir);
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  pg_write_file(path, big, 0600);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EFBIG);
  assert_non_null(strstr(f->err.msg, "larger than"));

  (void)snprintf(path, sizeof path, "%s/open.conninfo", f->dir);
  pg_write_conninfo(f, path, NULL);
  assert_int_equal(chmod(path, 0644), 0);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EACCES);
  assert_non_null(strstr(f->err.msg, "chmod 600"));
  assert_int_equal(chmod(path, 0640), 0);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EACCES);

  /* a string libpq cannot parse: its text (a password) is not shown */
  (void)snprintf(path, sizeof path, "%s/bad.conninfo", f->dir);
  pg_write_file(path, "host=/nowhere password=my s3cret-pw\n", 0600);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EINVAL);
  assert_non_null(strstr(f->err.msg, "not a libpq connection string"));
  assert_null(strstr(f->err.msg, "s3cret"));

  /* a server that is not there: transient, and no password either */
  pg_write_file(path, "host=/nowhere/at/all password=s3cret-pw\n", 0600);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EAGAIN);
  assert_non_null(strstr(f->err.msg, "cannot connect"));
  assert_null(strstr(f->err.msg, "s3cret"));

  /* two lines */
  pg_write_file(path, "host=/tmp\nhost=/tmp\n", 0600);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EINVAL);
  assert_null(ps);

  /* a bare word is a service name of pg_service.conf */
  pg_write_file(path, "no_such_dahub_service\n", 0600);
  assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), -EAGAIN);
  assert_non_null(strstr(f->err.msg, "no_such_dahub_service"));

  /* a URI works as a key=value string does (when the test server is
   * named by host=, as pg_cluster.sh names it) */
  if (strstr(pg_admin_conninfo(), "host=") != NULL) {
    char uri[512], host[256] = "";

    (void)sscanf(strstr(pg_admin_conninfo(), "host="), "host=%255s", host);
    (void)snprintf(uri, sizeof uri, "postgresql:///%s?host=%s&user=postgres\n",
                   f->db, host);
    pg_write_file(path, uri, 0600);
    assert_int_equal(pgstore_open(path, "leics", &ps, &f->err), 0);
    assert_int_equal(pgstore_schema(ps), PGSTORE_SCHEMA_VERSION);
    pgstore_close(ps);
    ps = NULL;
  }

  /* a board name that could not be a row's */
  assert_int_equal(pgstore_open(f->conninfo_file, "leics; drop", &ps, &f->err),
                   -EINVAL);
  assert_null(ps);
}

static int last_record_file(void *arg, const char *feed, const char *fields,
                            int64_t ingest_id) {
  (void)feed;
  (void)ingest_id;
  (void)snprintf(arg, 64, "%s", fields);
  return 0;
}

/* Two hubs of one board store files of one feed at once: the one begun
 * first but committed last counts, for its periods and for its records,
 * though its ingest id is the smaller. */
static void test_last_commit_counts_whichever_hub_began_first(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore *other = NULL;
  struct store_match m;
  int64_t early = -1, late = -1;
  char fields[64] = "";

  assert_int_equal(pgstore_open(f->conninfo_file, "leics", &other, &f->err), 0);
  put_three(f, "freeva", "slow.csv", "FY2024-25-Q1", 10);
  assert_int_equal(
      pgstore_ingest_record(f->ps, "contract", "{\"v\":\"slow\"}", 2, &f->err),
      0);
  put_three_on(other, &f->err, "freeva", "quick.csv", "FY2024-25-Q1", 20);
  assert_int_equal(
      pgstore_ingest_record(other, "contract", "{\"v\":\"quick\"}", 2, &f->err),
      0);
  assert_int_equal(pgstore_ingest_commit(other, HASH_B, &early, &m, &f->err),
                   0);
  late = commit_ok(f, HASH_A);
  assert_true(late < early); /* begun first */
  assert_int_equal(pg_query_int(f, "SELECT sum(value) FROM "
                                   "current_observations"),
                   10 + 11 + 12);
  assert_int_equal(
      pgstore_each_record(other, "contract", last_record_file, fields, &f->err),
      0);
  assert_string_equal(fields, "{\"v\":\"slow\"}");
  pgstore_close(other);
}

/* ---- many boards, one database ---- */

static void test_a_hub_reads_and_writes_only_its_own_board(void **state) {
  struct pg_fixture *f = *state;
  char a[80], b[80], path_a[256], path_b[256], sql[512];
  struct pgstore *hub_a = NULL, *hub_b = NULL, *wrong = NULL;
  struct store_match m;
  int64_t id_a = -1, id_b = -1;

  pg_hub_role(f, "a", "leics", a, sizeof a, path_a, sizeof path_a);
  pg_hub_role(f, "b", "rutland", b, sizeof b, path_b, sizeof path_b);
  assert_int_equal(pgstore_open(path_a, "leics", &hub_a, &f->err), 0);
  assert_int_equal(pgstore_open(path_b, "rutland", &hub_b, &f->err), 0);
  put_three_on(hub_a, &f->err, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  assert_int_equal(pgstore_ingest_commit(hub_a, HASH_A, &id_a, &m, &f->err), 0);
  /* the same file at the other board is the other board's, not a
   * duplicate, and tells nothing of the first */
  assert_int_equal(pgstore_find_hash(hub_b, "freeva", HASH_A, &m, &f->err), 0);
  put_three_on(hub_b, &f->err, "freeva", "q1.csv", "FY2024-25-Q1", 20);
  assert_int_equal(pgstore_ingest_commit(hub_b, HASH_A, &id_b, &m, &f->err), 0);
  pgstore_close(hub_a);
  pgstore_close(hub_b);

  /* b reads only its own rows, through the tables and the views */
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM ingests"), "1");
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM observations"),
                      "3");
  assert_string_equal(pg_as_role(f, b,
                                 "SELECT sum(value) FROM "
                                 "current_observations"),
                      "63");
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM receipts"), "1");
  assert_string_equal(pg_as_role(f, b,
                                 "SELECT string_agg(board, ',') FROM "
                                 "board_roles"),
                      "rutland");
  /* ... and none of a's pulls */
  (void)pg_query(f, "INSERT INTO pull_state(board, feed, failures,"
                    " updated_at) VALUES('leics', 'lwa', 0, now())");
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM pull_state"), "0");
  assert_string_equal(pg_as_role(f, a, "SELECT count(*) FROM pull_state"), "1");
  /* ... changes none of a's */
  assert_string_equal(pg_as_role(f, b, "UPDATE ingests SET file_name = 'x'"),
                      "changed 1");
  assert_string_equal(pg_as_role(f, a,
                                 "SELECT string_agg(file_name, ',') FROM "
                                 "ingests"),
                      "q1.csv");
  (void)snprintf(sql, sizeof sql,
                 "UPDATE ingests SET file_name = 'y' WHERE ingest_id = %lld",
                 (long long)id_a);
  assert_string_equal(pg_as_role(f, b, sql), "changed 0");
  /* its current figures cannot be pointed at a's file */
  (void)snprintf(sql, sizeof sql, "UPDATE current_periods SET ingest_id = %lld",
                 (long long)id_a);
  assert_non_null(strstr(pg_as_role(f, b, sql), "foreign key"));
  assert_non_null(strstr(pg_as_role(f, b, "UPDATE observations SET value = 0"),
                         "permission denied"));
  assert_string_equal(pg_as_role(f, b, "UPDATE ingests SET board = 'leics'"),
                      "error: new row violates row-level security policy "
                      "for table \"ingests\"");
  /* ... writes none for a, and cannot give itself a's board */
  assert_non_null(strstr(pg_as_role(f, b,
                                    "INSERT INTO receipts(board, feed,"
                                    " file_name, received_at, outcome)"
                                    " VALUES('leics', 'freeva', 'x.csv',"
                                    " now(), 'failed')"),
                         "row-level security"));
  assert_non_null(strstr(pg_as_role(f, b,
                                    "INSERT INTO board_roles VALUES"
                                    " (current_user, 'leics')"),
                         "row-level security"));
  assert_string_equal(
      pg_as_role(f, b, "UPDATE board_roles SET board = 'leics'"),
      "error: permission denied for table board_roles");
  assert_non_null(strstr(pg_as_role(f, b, "DELETE FROM observations"),
                         "permission denied"));
  /* a hub configured with another board's name stores nothing */
  assert_int_equal(pgstore_open(path_b, "leics", &wrong, &f->err), 0);
  assert_int_equal(
      pgstore_ingest_begin(wrong, ingest_of("freeva", "q2.csv"), &f->err),
      -EIO);
  assert_non_null(strstr(f->err.msg, "row-level security"));
  pgstore_close(wrong);
  /* the owner (a single board's hub, or the region's reporting) sees all */
  assert_string_equal(pg_query(f, "SELECT string_agg(board || ':' || s, ','"
                                  " ORDER BY board) FROM (SELECT board,"
                                  " sum(value) s FROM current_observations"
                                  " GROUP BY board) x"),
                      "leics:33,rutland:63");
  (void)snprintf(sql, sizeof sql, "DROP OWNED BY %s, %s; DROP ROLE %s, %s", a,
                 b, a, b);
  (void)pg_query(f, sql);
}

/* ---- what `dahub check` will say ---- */

static void test_check_reports_schema_and_rights(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore_check c;
  char role[80], sql[512], path[256];
  struct pgstore *hub = NULL;
  int64_t id = -1;
  struct store_match m;

  /* before any open: connected, no schema, and the superuser may make it */
  assert_int_equal(pgstore_check(f->conninfo_file, "leics", &c, &f->err), 0);
  assert_int_equal(c.connected, 1);
  assert_true(c.server_version >= 150000);
  assert_string_equal(c.user, "postgres");
  assert_int_equal(c.schema, 0);
  assert_int_equal(c.latest, PGSTORE_SCHEMA_VERSION);
  assert_int_equal(c.can_write, 1);
  assert_int_equal(c.board_ok, 1);

  assert_int_equal(pgstore_open(f->conninfo_file, "leics", &f->ps, &f->err), 0);
  assert_int_equal(pgstore_check(f->conninfo_file, "leics", &c, &f->err), 0);
  assert_int_equal(c.schema, PGSTORE_SCHEMA_VERSION);
  assert_int_equal(c.can_write, 1);
  assert_int_equal(c.all_boards, 1); /* the owner */
  assert_int_equal(c.board_ok, 1);

  /* a role that may only read */
  (void)snprintf(role, sizeof role, "%s_ro", f->db);
  (void)snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP ROLE IF EXISTS %s; "
                 "CREATE ROLE %s LOGIN; "
                 "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s",
                 role, role, role);
  (void)pg_query(f, sql);
  (void)snprintf(path, sizeof path, "%s/ro.conninfo", f->dir);
  pg_write_conninfo(f, path, role);
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), -EACCES);
  assert_int_equal(c.connected, 1);
  assert_string_equal(c.user, role);
  assert_int_equal(c.schema, PGSTORE_SCHEMA_VERSION);
  assert_int_equal(c.can_write, 0);
  assert_string_equal(c.cannot_write, "ingests");
  assert_non_null(strstr(f->err.msg, "may not write table ingests"));

  /* given what a hub needs (no right to create anything), the role checks
   * clean and opens the migrated store; it stores a file once its board
   * is its own (board_roles), and not before */
  (void)snprintf(
      sql, sizeof sql,
      "GRANT INSERT ON ALL TABLES IN SCHEMA public TO %s; "
      "GRANT UPDATE ON ingests, current_periods, pull_state, outbox TO %s",
      role, role);
  (void)pg_query(f, sql);
  /* the lease's two columns too, for the active hub */
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), -EACCES);
  assert_string_equal(c.cannot_write, "board_leases");
  (void)snprintf(sql, sizeof sql,
                 "GRANT UPDATE(holder_pid, renewed_at) ON board_leases TO %s",
                 role);
  (void)pg_query(f, sql);
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), -EACCES);
  assert_int_equal(c.can_write, 1);
  assert_int_equal(c.all_boards, 0);
  assert_int_equal(c.board_ok, 0);
  assert_non_null(strstr(f->err.msg, "may not write board leics's rows "
                                     "(its boards: none)"));
  (void)snprintf(sql, sizeof sql,
                 "SELECT has_schema_privilege('%s', 'public', 'CREATE')", role);
  assert_string_equal(pg_query(f, sql), "f");
  assert_int_equal(pgstore_open(path, "leics", &hub, &f->err), 0);
  assert_int_equal(
      pgstore_ingest_begin(hub, ingest_of("freeva", "q1.csv"), &f->err), -EIO);
  assert_non_null(strstr(f->err.msg, "row-level security"));
  (void)snprintf(sql, sizeof sql,
                 "INSERT INTO board_roles VALUES ('%s', 'leics'),"
                 " ('%s', 'leics-archive')",
                 role, role);
  (void)pg_query(f, sql);
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), 0);
  assert_int_equal(c.board_ok, 1);
  assert_string_equal(c.boards, "leics,leics-archive");
  assert_int_equal(pgstore_check(path, "rutland", &c, &f->err), -EACCES);
  assert_non_null(strstr(f->err.msg, "(its boards: leics,leics-archive)"));
  put_three_on(hub, &f->err, "freeva", "q1.csv", "FY2024-25-Q1", 10);
  if (pgstore_ingest_commit(hub, HASH_A, &id, &m, &f->err) != 0)
    fail_msg("commit as the hub's role: %s", f->err.msg);
  pgstore_close(hub);

  /* without UPDATE on ingests the hash cannot be recorded */
  (void)snprintf(sql, sizeof sql, "REVOKE UPDATE ON ingests FROM %s", role);
  (void)pg_query(f, sql);
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), -EACCES);
  assert_string_equal(c.cannot_write, "ingests");
  (void)snprintf(sql, sizeof sql, "DROP OWNED BY %s; DROP ROLE %s", role, role);
  (void)pg_query(f, sql);
}

static void test_check_of_a_newer_schema_fails(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore_check c;

  (void)pg_query(f, "INSERT INTO schema_migrations(version) VALUES (99)");
  assert_int_equal(pgstore_check(f->conninfo_file, "leics", &c, &f->err),
                   -EPROTO);
  assert_int_equal(c.schema, 99);
  assert_int_equal(c.connected, 1);
}

static void test_check_of_no_server_says_so(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore_check c;
  char path[256];

  (void)snprintf(path, sizeof path, "%s/gone.conninfo", f->dir);
  pg_write_file(path, "host=/nowhere/at/all connect_timeout=2\n", 0600);
  assert_int_equal(pgstore_check(path, "leics", &c, &f->err), -EAGAIN);
  assert_int_equal(c.connected, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_creates_schema, pg_setup,
                                      pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_reopen_migrates_nothing_and_keeps_rows, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_open_at_version_0_creates_nothing,
                                      pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_pending_migrations_run_in_order_in_one_transaction,
          pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(test_newer_schema_is_refused_untouched,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_file_is_stored_with_all_its_figures,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_texts_and_statuses_read_back_as_given, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_same_file_again_is_a_duplicate,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_same_file_of_another_board_or_feed_is_stored, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_correction_supersedes_and_history_is_kept, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, pg_setup,
                                      pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_commit_failing_halfway_leaves_nothing, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_connection_lost_mid_file_is_retried,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_next_file_does_not_join_a_stale_transaction, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(test_hub_killed_mid_file_leaves_nothing,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_large_file_keeps_every_figure_in_order, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_same_file_from_two_hubs_at_once_is_stored_once, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_last_commit_counts_whichever_hub_began_first, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_a_hub_reads_and_writes_only_its_own_board, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(test_conninfo_file_errors_are_clear,
                                      pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(test_check_reports_schema_and_rights,
                                      pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(test_check_of_a_newer_schema_fails,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_check_of_no_server_says_so,
                                      pg_setup_empty, pg_teardown),
  };

  pg_require_server("test_pgstore");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
