/*
 * test_pgstore_region.c: several boards of one PostgreSQL database read as
 * one store (pgstore_region.h, store_open_region()), on a real server
 * (tests/support/pg_cluster.sh), a database of its own per test.
 *
 * Two boards' hubs store a file each, both of a feed called "freeva", with
 * the same three cells; a region's reader, a role given both boards and
 * SELECT only, reads both boards' figures, each feed under its board's
 * name. A role without one of the boards, a board with nothing stored and
 * a malformed list are refused, naming what is wrong. Skipped (77) when
 * $DAHUB_TEST_PG names no server.
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

#include "fixture.h"
#include "pg_fixture.h"
#include "pgstore_region.h"

#define HASH_A                                                                 \
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Stores one file of feed "freeva" at board's hub (conninfo at path):
 * three counts of FY2024-25-Q1, one an area, base + i. */
static void store_file(struct pg_fixture *f, const char *path,
                       const char *board, int64_t base) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131"};
  const struct store_ingest in = {.feed = "freeva",
                                  .source_id = "freeva",
                                  .plugin = "mapped",
                                  .plugin_version = "1.0.0",
                                  .file_name = "q1.csv",
                                  .size_bytes = 100,
                                  .received_at = "2024-07-12T09:30:00Z"};
  struct pgstore *ps = NULL;
  struct store_match m;
  int64_t id;

  assert_int_equal(pgstore_open(path, board, &ps, &f->err), 0);
  assert_int_equal(pgstore_ingest_begin(ps, &in, &f->err), 0);
  for (int i = 0; i < 3; i++) {
    struct store_obs o = pg_count(areas[i], 0); /* on line 2 */

    o.value = base + i;
    assert_int_equal(pgstore_ingest_obs(ps, &o, &f->err), 0);
  }
  assert_int_equal(pgstore_ingest_commit(ps, HASH_A, &id, &m, &f->err), 0);
  pgstore_close(ps);
}

/* A role that reads boards (NULL-terminated) and writes nothing; its
 * conninfo file at path. */
static void reader_role(struct pg_fixture *f, const char *suffix,
                        const char *const *boards, char *path, size_t n) {
  char role[96], sql[1024];
  size_t used = 0;

  (void)snprintf(role, sizeof role, "%s_%s", f->db, suffix);
  used = (size_t)snprintf(sql, sizeof sql,
                          "SET client_min_messages = warning;"
                          "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN;"
                          "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;",
                          role, role, role);
  for (size_t i = 0; boards[i] != NULL; i++)
    used += (size_t)snprintf(sql + used, sizeof sql - used,
                             "INSERT INTO board_roles VALUES ('%s', '%s');",
                             role, boards[i]);
  assert_true(used < sizeof sql);
  (void)pg_query(f, sql);
  (void)snprintf(path, n, "%s/%s.conninfo", f->dir, suffix);
  pg_write_conninfo(f, path, role);
}

/* leics (10, 11, 12) and rutland (20, 21, 22), each by its own hub. */
static void two_boards(struct pg_fixture *f) {
  char a[80], b[80], path_a[256], path_b[256];

  pg_hub_role(f, "a", "leics", a, sizeof a, path_a, sizeof path_a);
  pg_hub_role(f, "b", "rutland", b, sizeof b, path_b, sizeof path_b);
  store_file(f, path_a, "leics", 10);
  store_file(f, path_b, "rutland", 20);
}

struct sums {
  char feeds[8][96];
  int64_t sum[8];
  size_t n, rows;
};

static int on_row(void *arg, const struct store_row *r) {
  struct sums *s = arg;
  size_t i;

  for (i = 0; i < s->n && strcmp(s->feeds[i], r->feed) != 0; i++)
    ;
  if (i == s->n) {
    assert_true(s->n < 8);
    (void)snprintf(s->feeds[s->n++], sizeof s->feeds[0], "%s", r->feed);
  }
  s->sum[i] += r->value;
  s->rows++;
  return 0;
}

static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest_id, const char *stored_at) {
  struct sums *s = arg;

  (void)period, (void)ingest_id, (void)stored_at;
  assert_true(s->n < 8);
  (void)snprintf(s->feeds[s->n++], sizeof s->feeds[0], "%s", feed);
  return 0;
}

static void test_region_reads_every_board_feeds_by_board(void **state) {
  struct pg_fixture *f = *state;
  const char *const boards[] = {"rutland", "leics"};
  struct store *st = NULL;
  struct sums s = {0}, d = {0};
  char path[256], sha[65];
  int version = -1;

  two_boards(f);
  reader_role(f, "region", (const char *[]){"leics", "rutland", NULL}, path,
              sizeof path);
  assert_int_equal(store_open_region(path, boards, 2, &st, &f->err), 0);
  assert_int_equal(store_each_current(st, "FY2024-25", on_row, &s, &f->err), 0);
  /* the boards in their names' order, each feed under its board */
  assert_int_equal(s.rows, 6);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.feeds[0], "leics/freeva");
  assert_int_equal(s.sum[0], 33);
  assert_string_equal(s.feeds[1], "rutland/freeva");
  assert_int_equal(s.sum[1], 63);
  assert_int_equal(
      store_each_delivery(st, "FY2024-25", on_delivery, &d, &f->err), 0);
  assert_int_equal(d.n, 2);
  assert_string_equal(d.feeds[0], "leics/freeva");
  assert_string_equal(d.feeds[1], "rutland/freeva");
  /* nothing of a region's own: no version, and nothing may be written */
  assert_int_equal(
      store_summary_latest(st, "FY2024-25-Q1", NULL, &version, sha, &f->err),
      0);
  assert_int_equal(store_summary_add(st, "FY2024-25-Q1", 1, NULL, HASH_A,
                                     "/tmp/x", NULL, 0, NULL, 0, &f->err),
                   -EROFS);
  assert_int_equal(
      store_receipt(st, "freeva", "x.csv", HASH_A, "failed", 0, &f->err),
      -EROFS);
  store_close(st);
}

struct published {
  char seen[4][96];
  size_t n;
};

static int on_published(void *arg, const char *board,
                        const struct store_pub_cell *c) {
  struct published *p = arg;

  assert_true(p->n < 4);
  (void)snprintf(p->seen[p->n++], sizeof p->seen[0], "%s %s v%d %s=%lld", board,
                 c->period, c->version, c->area, (long long)c->value);
  return 0;
}

/* What a reader of the boards' own papers holds: each board's published
 * cells, with its name, for the region's audit. */
static void test_region_reads_each_boards_published_cells(void **state) {
  struct pg_fixture *f = *state;
  const char *const boards[] = {"leics", "rutland"};
  struct store_pub_cell cell = {.measure = "helpline_contacts",
                                .source_id = "*",
                                .area = "E07000130",
                                .dims = "{}",
                                .ingests = "[]",
                                .whole = 1};
  struct published p = {0};
  struct store *st = NULL, *one = NULL;
  struct pgstore *ps = NULL;
  char path[256];

  two_boards(f);
  for (int i = 0; i < 2; i++) {
    cell.value = 100 + i;
    assert_int_equal(pgstore_open(f->conninfo_file, boards[i], &ps, &f->err),
                     0);
    assert_int_equal(pgstore_summary_add(ps, "FY2024-25-Q1", 1, NULL, HASH_A,
                                         "/tmp/x", &cell, 1, NULL, 0, &f->err),
                     0);
    pgstore_close(ps);
  }
  reader_role(f, "region", (const char *[]){"leics", "rutland", NULL}, path,
              sizeof path);
  assert_int_equal(store_open_region(path, boards, 2, &st, &f->err), 0);
  assert_int_equal(
      store_region_each_published(st, "FY2024-25", on_published, &p, &f->err),
      0);
  assert_int_equal(p.n, 2);
  assert_string_equal(p.seen[0], "leics FY2024-25-Q1 v1 E07000130=100");
  assert_string_equal(p.seen[1], "rutland FY2024-25-Q1 v1 E07000130=101");
  /* ... which are no version of the region's own */
  p.n = 0;
  assert_int_equal(store_each_published(st, "FY2024-25", NULL, NULL, &f->err),
                   0);
  store_close(st);
  /* a board's own store has no boards to read */
  assert_int_equal(
      store_open_postgresql(f->conninfo_file, "leics", &one, &f->err), 0);
  assert_int_equal(
      store_region_each_published(one, "FY2024-25", on_published, &p, &f->err),
      0);
  assert_int_equal(p.n, 0);
  store_close(one);
}

static void test_region_refuses_a_board_the_role_does_not_read(void **state) {
  struct pg_fixture *f = *state;
  const char *const boards[] = {"leics", "rutland"};
  struct store *st = NULL;
  char path[256];

  two_boards(f);
  reader_role(f, "leics_only", (const char *[]){"leics", NULL}, path,
              sizeof path);
  assert_int_equal(store_open_region(path, boards, 2, &st, &f->err), -EACCES);
  assert_null(st);
  assert_non_null(strstr(f->err.msg, "may not read board rutland's rows"));
  assert_non_null(strstr(f->err.msg, "its boards: leics"));
}

static void test_region_refuses_a_board_with_nothing_stored(void **state) {
  struct pg_fixture *f = *state;
  const char *const boards[] = {"leics", "nowhere"};
  struct store *st = NULL;

  two_boards(f);
  /* the owner reads every board: an unknown one is still named */
  assert_int_equal(store_open_region(f->conninfo_file, boards, 2, &st, &f->err),
                   -ENOENT);
  assert_null(st);
  assert_string_equal(f->err.msg,
                      "postgresql: board nowhere has no stored file");
}

static void test_region_board_list_is_checked(void **state) {
  char boards[PGSTORE_REGION_MAX][PGSTORE_REGION_NAME], many[256] = "";
  struct dahub_error err = {0};
  size_t n = 0;

  (void)state;
  assert_int_equal(pgstore_region_boards("leics,rutland", boards, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(boards[1], "rutland");
  assert_int_equal(pgstore_region_boards("leics", boards, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(pgstore_region_boards("leics,Rutland", boards, &n, &err),
                   -EINVAL);
  assert_non_null(strstr(err.msg, "found \"Rutland\""));
  assert_int_equal(pgstore_region_boards("leics,,rutland", boards, &n, &err),
                   -EINVAL);
  assert_int_equal(pgstore_region_boards("leics,", boards, &n, &err), -EINVAL);
  assert_int_equal(pgstore_region_boards("", boards, &n, &err), -EINVAL);
  assert_int_equal(pgstore_region_boards("a b", boards, &n, &err), -EINVAL);
  assert_int_equal(pgstore_region_boards("leics,leics", boards, &n, &err),
                   -EINVAL);
  assert_string_equal(err.msg, "boards: leics is listed twice");
  for (int i = 0; i <= PGSTORE_REGION_MAX; i++)
    (void)snprintf(many + strlen(many), sizeof many - strlen(many), "%sb%d",
                   i ? "," : "", i);
  assert_int_equal(pgstore_region_boards(many, boards, &n, &err), -EINVAL);
  assert_non_null(strstr(err.msg, "at most 16 boards"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_region_board_list_is_checked),
      cmocka_unit_test_setup_teardown(
          test_region_reads_every_board_feeds_by_board, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_region_reads_each_boards_published_cells, pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_region_refuses_a_board_the_role_does_not_read, pg_setup,
          pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_region_refuses_a_board_with_nothing_stored, pg_setup,
          pg_teardown),
  };

  pg_require_server("test_pgstore_region");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
