/*
 * pg_fixture.h: a PostgreSQL database of its own for each test.
 *
 * $DAHUB_TEST_PG is the connection string of a superuser of a throwaway
 * server (tests/support/pg_cluster.sh starts one; scripts/test.sh sets
 * it). Each test gets a new database on it, a credential file (mode 600)
 * naming that database in a temporary folder, and a connection of the
 * test's own to read back what the store wrote, as an officer with psql
 * would see it; teardown drops the database. Without $DAHUB_TEST_PG the
 * test program says why and exits 77, which ctest counts as skipped.
 * Static, for one test file each; include after <cmocka.h> and
 * "fixture.h".
 */
#ifndef DAHUB_TEST_PG_FIXTURE_H
#define DAHUB_TEST_PG_FIXTURE_H

#include <fcntl.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pgstore.h"

#define PG_SKIP 77

struct pg_fixture {
  char dir[64];
  char conninfo_file[128];
  char db[64];
  struct pgstore *ps;
  PGconn *db_conn; /* the test's own, to read back */
  struct dahub_error err;
};

/* The superuser's connection string, or NULL when there is no server. */
static inline const char *pg_admin_conninfo(void) {
  const char *s = getenv("DAHUB_TEST_PG");

  return s != NULL && *s != '\0' ? s : NULL;
}

/* Exits 77 (skipped) with the reason when there is no server. */
static inline void pg_require_server(const char *test) {
  if (pg_admin_conninfo() != NULL)
    return;
  (void)printf("%s: skipped: DAHUB_TEST_PG is not set (scripts/test.sh "
               "starts a PostgreSQL for the tests with "
               "tests/support/pg_cluster.sh)\n",
               test);
  exit(PG_SKIP);
}

/* A connection as the superuser, to dbname (NULL: the admin's own). */
static inline PGconn *pg_connect_admin(const char *dbname) {
  const char *keys[] = {"dbname", "dbname", NULL};
  const char *values[] = {pg_admin_conninfo(), dbname, NULL};
  PGconn *c;

  if (dbname == NULL)
    keys[1] = NULL;
  c = PQconnectdbParams(keys, values, 1);
  if (PQstatus(c) != CONNECTION_OK)
    fail_msg("connect to the test server: %s", PQerrorMessage(c));
  return c;
}

/* Runs sql on c, failing the test if it fails; the first column of the
 * first row as text ("" for NULL, "(no row)" for none). */
static inline const char *pg_run(PGconn *c, const char *sql) {
  static char buf[512];
  PGresult *res = PQexec(c, sql);
  ExecStatusType s = PQresultStatus(res);

  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    (void)snprintf(buf, sizeof buf, "%s", PQresultErrorMessage(res));
    PQclear(res);
    fail_msg("%s: %s", sql, buf);
  }
  if (s == PGRES_TUPLES_OK && PQntuples(res) > 0)
    (void)snprintf(buf, sizeof buf, "%s", PQgetvalue(res, 0, 0));
  else
    (void)snprintf(buf, sizeof buf, "(no row)");
  PQclear(res);
  return buf;
}

/* Writes text to path with mode. */
static inline void pg_write_file(const char *path, const char *text,
                                 mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  assert_int_equal(fchmod(fd, mode), 0);
  assert_int_equal(close(fd), 0);
}

/* The credential file for the test's database as user (NULL: the
 * superuser). */
static inline void pg_write_conninfo(struct pg_fixture *f, const char *path,
                                     const char *user) {
  char text[1024];

  (void)snprintf(text, sizeof text, "%s dbname=%s%s%s\n", pg_admin_conninfo(),
                 f->db, user != NULL ? " user=" : "", user != NULL ? user : "");
  pg_write_file(path, text, 0600);
}

/* Figure i of a file of counts: helpline contacts of area in FY2024-25-Q1,
 * value i, on line i + 2. */
static inline struct store_obs pg_count(const char *area, int i) {
  return (struct store_obs){.area_code = area,
                            .period = "FY2024-25-Q1",
                            .measure_id = "helpline_contacts",
                            .dimensions = "{}",
                            .unit = "count",
                            .status = DAHUB_ACTUAL,
                            .value = i,
                            .line = (uint32_t)i + 2,
                            .col = 2};
}

/* A new database and its credential file; the store is not opened. */
static inline int pg_setup_empty(void **state) {
  static unsigned n;
  struct pg_fixture *f = calloc(1, sizeof *f);
  char sql[128];
  PGconn *admin;

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-pgtest-XXXXXX");
  if (mkdtemp(f->dir) == NULL) {
    free(f);
    return -1;
  }
  (void)snprintf(f->db, sizeof f->db, "dahub_t%ld_%u", (long)getpid(), ++n);
  (void)snprintf(f->conninfo_file, sizeof f->conninfo_file, "%s/pg.conninfo",
                 f->dir);
  admin = pg_connect_admin(NULL);
  (void)snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->db);
  (void)pg_run(admin, sql);
  PQfinish(admin);
  pg_write_conninfo(f, f->conninfo_file, NULL);
  f->db_conn = pg_connect_admin(f->db);
  *state = f;
  return 0;
}

static inline int pg_teardown(void **state) {
  struct pg_fixture *f = *state;
  char sql[128];
  PGconn *admin;

  if (f == NULL)
    return 0;
  pgstore_close(f->ps);
  PQfinish(f->db_conn);
  admin = pg_connect_admin(NULL);
  (void)snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                 f->db);
  (void)pg_run(admin, sql);
  PQfinish(admin);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* The same, with the store opened for board "leics". */
static inline int pg_setup(void **state) {
  struct pg_fixture *f;

  if (pg_setup_empty(state) != 0)
    return -1;
  f = *state;
  if (pgstore_open(f->conninfo_file, "leics", &f->ps, &f->err) != 0) {
    print_message("%s\n", f->err.msg);
    pg_teardown(state);
    *state = NULL;
    return -1;
  }
  return 0;
}

/* The first column of the first row of sql in the test's database. */
static inline const char *pg_query(struct pg_fixture *f, const char *sql) {
  return pg_run(f->db_conn, sql);
}

static inline long long pg_query_int(struct pg_fixture *f, const char *sql) {
  return strtoll(pg_query(f, sql), NULL, 10);
}

/* A hub's role for board: the rights a hub needs and nothing more (no
 * CREATE, no DELETE), its board in board_roles, its conninfo file at
 * path. The role's name is the database's with suffix. */
static inline void pg_hub_role(struct pg_fixture *f, const char *suffix,
                               const char *board, char *role, size_t role_size,
                               char *path, size_t path_size) {
  char sql[4096];

  (void)snprintf(role, role_size, "%s_%s", f->db, suffix);
  (void)snprintf(
      sql, sizeof sql,
      "SET client_min_messages = warning;"
      "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN;"
      "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO %s;"
      "GRANT UPDATE ON ingests, current_periods, pull_state, outbox TO %s;"
      "GRANT UPDATE(holder_pid, renewed_at) ON board_leases TO %s;"
      "INSERT INTO board_roles VALUES ('%s', '%s')",
      role, role, role, role, role, role, board);
  (void)pg_query(f, sql);
  (void)snprintf(path, path_size, "%s/%s.conninfo", f->dir, suffix);
  pg_write_conninfo(f, path, role);
}

/* What role sees of sql, on a connection of its own. */
static inline const char *pg_as_role(struct pg_fixture *f, const char *role,
                                     const char *sql) {
  static char buf[512];
  const char *keys[] = {"dbname", "dbname", "user", NULL};
  const char *values[] = {pg_admin_conninfo(), f->db, role, NULL};
  PGconn *c = PQconnectdbParams(keys, values, 1);
  PGresult *res;

  if (PQstatus(c) != CONNECTION_OK)
    fail_msg("connect as %s: %s", role, PQerrorMessage(c));
  res = PQexec(c, sql);
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
    (void)snprintf(buf, sizeof buf, "%s", PQgetvalue(res, 0, 0));
  else if (PQresultStatus(res) == PGRES_COMMAND_OK)
    (void)snprintf(buf, sizeof buf, "changed %s", PQcmdTuples(res));
  else
    (void)snprintf(buf, sizeof buf, "error: %s",
                   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
  PQclear(res);
  PQfinish(c);
  return buf;
}

#endif
