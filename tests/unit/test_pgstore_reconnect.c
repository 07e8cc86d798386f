/*
 * test_pgstore_reconnect.c: a PostgreSQL store (through store.h, as the
 * daemon's code holds it) whose connection is lost.
 *
 * Between calls (the server ended the session: pg_terminate_backend(), a
 * restart, a failover), the next call makes the connection again and
 * answers as if nothing happened. Inside a file's ingest, the file fails
 * with -EAGAIN and a reason, leaves nothing, and the same file tried
 * again is stored once. The first two run on $DAHUB_TEST_PG's server; the
 * restart runs on a private cluster of the test's own
 * (tests/support/pg_cluster.sh start, restart, stop), never the shared
 * one, and is skipped without PostgreSQL 15's binaries.
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

#include "fixture.h"
#include "pg_fixture.h"
#include "store.h"

#define HASH_A                                                                 \
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* The store's own connections to db, ended by the server; each waits
 * until its backend is gone, so the end is on the socket when the store
 * next looks. */
static void end_store_sessions(PGconn *admin, const char *db) {
  char sql[256];

  (void)snprintf(sql, sizeof sql,
                 "SELECT count(pg_terminate_backend(pid, 5000))"
                 " FROM pg_stat_activity WHERE datname = '%s'"
                 " AND application_name = 'dahub'",
                 db);
  assert_string_equal(pg_run(admin, sql), "1");
}

static const struct store_ingest ingest = {.feed = "freeva",
                                           .source_id = "freeva",
                                           .plugin = "mapped",
                                           .plugin_version = "1.0.0",
                                           .file_name = "q1.csv",
                                           .size_bytes = 1234,
                                           .received_at =
                                               "2024-07-12T09:30:00Z"};

/* Hands over figures first..first+n-1 of the file (count i is i). */
static int put_figures(struct store *st, int first, int n,
                       struct dahub_error *err) {
  for (int i = first; i < first + n; i++) {
    char area[16];
    struct store_obs o = pg_count(area, i);
    int rc;

    (void)snprintf(area, sizeof area, "E%08d", i);
    if ((rc = store_ingest_obs(st, &o, err)) != 0)
      return rc;
  }
  return 0;
}

/* The whole file of n figures, stored: the ingest's id. */
static int64_t store_file(struct store *st, int n, struct dahub_error *err) {
  struct store_match m;
  int64_t id = 0;
  int rc;

  if ((rc = store_ingest_begin(st, &ingest, err)) != 0)
    fail_msg("begin: %d %s", rc, err->msg);
  if ((rc = put_figures(st, 0, n, err)) != 0)
    fail_msg("figures: %d %s", rc, err->msg);
  if ((rc = store_ingest_commit(st, HASH_A, &id, &m, err)) != 0)
    fail_msg("commit: %d %s", rc, err->msg);
  return id;
}

static int count_row(void *arg, const struct store_row *r) {
  (void)r;
  ++*(int *)arg;
  return 0;
}

/* A database of its own on $DAHUB_TEST_PG's server; none (the test
 * skipped) without one. */
static int open_db(void **state) {
  *state = NULL;
  return pg_admin_conninfo() != NULL ? pg_setup_empty(state) : 0;
}

static struct store *store_of(struct pg_fixture *f) {
  struct store *st = NULL;

  if (store_open_postgresql(f->conninfo_file, "leics", &st, &f->err) != 0)
    fail_msg("open: %s", f->err.msg);
  return st;
}

/* Each kind of call after the server ended the session: a read of rows,
 * a read of one row, a write, and a file's begin. */
static void test_a_session_lost_between_calls_is_made_again(void **state) {
  struct pg_fixture *f = *state;
  struct store_pull_state ps;
  unsigned long counts[OUTBOX_NSTATES];
  struct store_match m;
  struct store *st;
  int n = 0;

  if (f == NULL)
    skip();
  st = store_of(f);
  assert_true(store_file(st, 3, &f->err) > 0);

  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_each_current(st, "FY2024", count_row, &n, &f->err), 0);
  assert_int_equal(n, 3);
  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_find_hash(st, "freeva", HASH_A, &m, &f->err), 1);
  assert_string_equal(m.file_name, "q1.csv");
  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_pull_ok(st, "freeva", "\"v1\"", NULL, 1000, &f->err),
                   0);
  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_pull_state(st, "freeva", &ps, &f->err), 0);
  assert_string_equal(ps.etag, "\"v1\"");
  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_outbox_counts(st, counts, &f->err), 0);
  end_store_sessions(f->db_conn, f->db);
  /* the same file again: a duplicate, found on the new connection */
  assert_int_equal(store_ingest_begin(st, &ingest, &f->err), 0);
  assert_int_equal(put_figures(st, 0, 3, &f->err), 0);
  assert_int_equal(store_ingest_commit(st, HASH_A, &(int64_t){0}, &m, &f->err),
                   1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 1);
  store_close(st);
}

/* A reconnect reads the credential file again, so a password changed
 * with the server's restart is used without restarting the hub. (The
 * test's server trusts its socket: what changes here is the string's
 * application_name, which the server shows.) */
static void test_a_reconnect_reads_the_credential_file_again(void **state) {
  struct pg_fixture *f = *state;
  char text[1024], sql[256];
  struct store *st;
  int n = 0;

  if (f == NULL)
    skip();
  st = store_of(f);
  assert_true(store_file(st, 3, &f->err) > 0);
  (void)snprintf(text, sizeof text, "%s dbname=%s application_name=dahub_new\n",
                 pg_admin_conninfo(), f->db);
  pg_write_file(f->conninfo_file, text, 0600);
  end_store_sessions(f->db_conn, f->db);
  assert_int_equal(store_each_current(st, "FY2024", count_row, &n, &f->err), 0);
  assert_int_equal(n, 3);
  (void)snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
                 " AND application_name = 'dahub_new'",
                 f->db);
  assert_string_equal(pg_run(f->db_conn, sql), "1");
  store_close(st);
}

/* A new session whose setup fails (the role may not make its staging
 * table for a moment, as on a server still read-only during a failover)
 * is set up again at the next call, not used without its staging table. */
static void test_a_failed_session_setup_is_made_again(void **state) {
  struct pg_fixture *f = *state;
  unsigned long counts[OUTBOX_NSTATES];
  char role[128], path[512], sql[256];
  struct store *st = NULL;

  if (f == NULL)
    skip();
  store_close(store_of(f)); /* the schema, made by its owner */
  pg_hub_role(f, "hub", "leics", role, sizeof role, path, sizeof path);
  if (store_open_postgresql(path, "leics", &st, &f->err) != 0)
    fail_msg("open as %s: %s", role, f->err.msg);
  (void)snprintf(sql, sizeof sql, "REVOKE TEMPORARY ON DATABASE %s FROM PUBLIC",
                 f->db);
  (void)pg_run(f->db_conn, sql);
  end_store_sessions(f->db_conn, f->db);
  assert_int_not_equal(store_outbox_counts(st, counts, &f->err), 0);
  (void)snprintf(sql, sizeof sql, "GRANT TEMPORARY ON DATABASE %s TO PUBLIC",
                 f->db);
  (void)pg_run(f->db_conn, sql);
  assert_true(store_file(st, 3, &f->err) > 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 3);
  store_close(st);
}

/* Lost inside a file: the file fails (never carried on over a new
 * connection without what was sent), and is then stored once. */
static void test_a_session_lost_inside_a_file_fails_it(void **state) {
  struct pg_fixture *f = *state;
  struct store_match m;
  struct store *st;
  int64_t id = 0;
  int rc;

  if (f == NULL)
    skip();
  st = store_of(f);
  assert_int_equal(store_ingest_begin(st, &ingest, &f->err), 0);
  assert_int_equal(put_figures(st, 0, 2000, &f->err), 0);
  end_store_sessions(f->db_conn, f->db);
  if ((rc = put_figures(st, 2000, 2000, &f->err)) == 0)
    rc = store_ingest_commit(st, HASH_A, &id, &m, &f->err);
  else
    store_ingest_rollback(st);
  assert_int_equal(rc, -EAGAIN);
  assert_non_null(strstr(f->err.msg, "postgresql: "));
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 0);

  assert_true(store_file(st, 4000, &f->err) > 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM ingests"), 1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM observations"), 4000);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM receipts"), 1);
  store_close(st);
}

/* ---- a restart of the server mid-ingest, on a cluster of its own ---- */

struct cluster {
  char dir[64];
  char conninfo[256];
  char conninfo_file[128];
};

/* Runs pg_cluster.sh cmd on c's folder; start fills c->conninfo. */
static int cluster_do(struct cluster *c, const char *cmd) {
  char line[512];
  FILE *p;
  int rc;

  (void)snprintf(line, sizeof line, "sh %s %s %s", PG_CLUSTER_SH, cmd, c->dir);
  if ((p = popen(line, "r")) == NULL)
    return -1;
  if (fgets(c->conninfo, sizeof c->conninfo, p) != NULL)
    c->conninfo[strcspn(c->conninfo, "\n")] = '\0';
  rc = pclose(p);
  return rc == 0 ? 0 : -1;
}

static int count_of(PGconn *c, const char *table) {
  char sql[128];

  (void)snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  return atoi(pg_run(c, sql));
}

/* The test's own cluster: started by the setup, stopped (and its folder
 * removed) by the teardown, whatever the test did. */
static struct cluster restart_cluster;

static int cluster_setup(void **state) {
  struct cluster *c = &restart_cluster;
  const char *bin = getenv("PG_BIN");
  char initdb[256], text[400];

  *state = NULL;
  (void)snprintf(initdb, sizeof initdb, "%s/initdb",
                 bin != NULL ? bin : "/usr/lib/postgresql/15/bin");
  if (access(initdb, X_OK) != 0)
    return 0; /* no PostgreSQL 15 binaries: skipped */
  (void)snprintf(c->dir, sizeof c->dir, "/tmp/dahub-pgrestart-XXXXXX");
  if (mkdtemp(c->dir) == NULL || cluster_do(c, "start") != 0)
    return -1;
  (void)snprintf(c->conninfo_file, sizeof c->conninfo_file, "%.*s.conninfo",
                 (int)sizeof c->dir - 1, c->dir);
  (void)snprintf(text, sizeof text, "%s\n", c->conninfo);
  pg_write_file(c->conninfo_file, text, 0600);
  *state = c;
  return 0;
}

static int cluster_teardown(void **state) {
  struct cluster *c = *state;

  if (c == NULL)
    return 0;
  (void)unlink(c->conninfo_file);
  return cluster_do(c, "stop");
}

/* The file's figures half sent, the server restarts (pg_ctl restart -m
 * fast: every session ended, as in a failover); the file fails, nothing
 * of it is left, and tried again it is stored once. */
static void test_a_server_restart_mid_ingest(void **state) {
  struct cluster *c = *state;
  struct dahub_error err;
  struct store_match m;
  struct store *st = NULL;
  int64_t id = 0;
  PGconn *reader;
  int rc;

  if (c == NULL)
    skip();
  if (store_open_postgresql(c->conninfo_file, "leics", &st, &err) != 0)
    fail_msg("open: %s", err.msg);
  assert_int_equal(store_ingest_begin(st, &ingest, &err), 0);
  assert_int_equal(put_figures(st, 0, 3000, &err), 0);
  assert_int_equal(cluster_do(c, "restart"), 0);
  if ((rc = put_figures(st, 3000, 3000, &err)) == 0)
    rc = store_ingest_commit(st, HASH_A, &id, &m, &err);
  else
    store_ingest_rollback(st);
  assert_int_equal(rc, -EAGAIN);
  print_message("the file failed: %s\n", err.msg);

  reader = PQconnectdb(c->conninfo);
  assert_int_equal(PQstatus(reader), CONNECTION_OK);
  assert_int_equal(count_of(reader, "ingests"), 0);
  assert_int_equal(count_of(reader, "observations"), 0);
  assert_int_equal(count_of(reader, "receipts"), 0);
  /* tried again, on the restarted server: stored once */
  assert_true(store_file(st, 6000, &err) > 0);
  assert_int_equal(count_of(reader, "ingests"), 1);
  assert_int_equal(count_of(reader, "observations"), 6000);
  assert_int_equal(count_of(reader, "receipts"), 1);
  /* and once only: the same file again is a duplicate */
  assert_int_equal(store_ingest_begin(st, &ingest, &err), 0);
  assert_int_equal(put_figures(st, 0, 6000, &err), 0);
  assert_int_equal(store_ingest_commit(st, HASH_A, &id, &m, &err), 1);
  assert_int_equal(count_of(reader, "ingests"), 1);
  PQfinish(reader);
  store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_a_session_lost_between_calls_is_made_again, open_db,
          pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_a_session_lost_inside_a_file_fails_it, open_db, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_a_reconnect_reads_the_credential_file_again, open_db,
          pg_teardown),
      cmocka_unit_test_setup_teardown(test_a_failed_session_setup_is_made_again,
                                      open_db, pg_teardown),
      cmocka_unit_test_setup_teardown(test_a_server_restart_mid_ingest,
                                      cluster_setup, cluster_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
