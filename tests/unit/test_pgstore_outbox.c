/*
 * test_pgstore_outbox.c: what is PostgreSQL's own in its summaries and
 * outbox (pgstore_summary.c, pgstore_outbox.c): hubs sharing a board's
 * outbox claim each due delivery once, a claim does not wait on another
 * hub's, and one board's role can neither see nor change another's
 * summaries, cells or deliveries.
 *
 * Runs on the throwaway server $DAHUB_TEST_PG names
 * (tests/support/pg_cluster.sh); exits 77 (skipped) without one.
 */
#include <errno.h>
#include <pthread.h>
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

#define HUBS 4
#define ROWS 12

static const struct store_pub_cell cell = {.measure = "helpline_contacts",
                                           .source_id = "freeva",
                                           .area = "E07000129",
                                           .dims = "{}",
                                           .value = 3,
                                           .state = 1,
                                           .threshold = 5,
                                           .ingests = "[1]",
                                           .rule = 1};

/* One hub: its own connection, claiming every due row it finds. */
struct hub {
  struct pgstore *ps;
  pthread_barrier_t *go;
  int64_t now;
  int claimed[ROWS + 1]; /* by outbox_id */
  int failed;
};

static void *claim_all(void *arg) {
  struct hub *h = arg;
  struct dahub_error err = {0};

  (void)pthread_barrier_wait(h->go);
  for (int64_t id = 1; id <= ROWS; id++) {
    int rc = pgstore_outbox_claim(h->ps, id, h->now, 1, h->now + 60000, &err);

    if (rc == 0)
      h->claimed[id]++;
    else if (rc != -EBUSY)
      h->failed++;
  }
  return NULL;
}

/* Four hubs of one board, each on its own connection, claim the same
 * twelve due deliveries at once: each is claimed by exactly one. */
static void test_hubs_claim_each_delivery_once(void **state) {
  struct pg_fixture *f = *state;
  struct store_outbox_new out[ROWS];
  char keys[ROWS][8];
  struct hub hubs[HUBS];
  pthread_t t[HUBS];
  pthread_barrier_t go;
  int64_t now = store_now_ms() + 1000;

  for (int i = 0; i < ROWS; i++) {
    (void)snprintf(keys[i], sizeof keys[i], "k%d", i);
    out[i] = (struct store_outbox_new){"web", keys[i], "summary.csv"};
  }
  assert_int_equal(pgstore_summary_add(f->ps, "FY2024-25-Q1", 1, NULL, "s",
                                       "/out/v1", &cell, 1, out, ROWS, &f->err),
                   0);
  assert_int_equal(pg_query_int(f, "SELECT max(outbox_id) FROM outbox"), ROWS);
  assert_int_equal(pthread_barrier_init(&go, NULL, HUBS), 0);
  for (int i = 0; i < HUBS; i++) {
    hubs[i] = (struct hub){.go = &go, .now = now};
    assert_int_equal(
        pgstore_open(f->conninfo_file, "leics", &hubs[i].ps, &f->err), 0);
  }
  for (int i = 0; i < HUBS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, claim_all, &hubs[i]), 0);
  for (int i = 0; i < HUBS; i++)
    assert_int_equal(pthread_join(t[i], NULL), 0);
  (void)pthread_barrier_destroy(&go);
  for (int id = 1; id <= ROWS; id++) {
    int n = 0;

    for (int i = 0; i < HUBS; i++)
      n += hubs[i].claimed[id];
    assert_int_equal(n, 1);
  }
  for (int i = 0; i < HUBS; i++) {
    assert_int_equal(hubs[i].failed, 0);
    pgstore_close(hubs[i].ps);
  }
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM outbox"
                                   " WHERE state = 'sending' AND attempts = 1"),
                   ROWS);
}

/* A row another hub is claiming (its transaction holds the row) is not
 * waited for: the claim answers -EBUSY at once, and the row is claimable
 * once that hub let it go without claiming it. */
static void test_a_claim_skips_a_row_being_claimed(void **state) {
  struct pg_fixture *f = *state;
  struct store_outbox_new out = {"web", "k1", "summary.csv"};
  int64_t now = store_now_ms() + 1000;

  assert_int_equal(pgstore_summary_add(f->ps, "FY2024-25-Q1", 1, NULL, "s",
                                       "/out/v1", &cell, 1, &out, 1, &f->err),
                   0);
  (void)pg_query(f, "SET lock_timeout = '30s'; BEGIN;"
                    "SELECT outbox_id FROM outbox FOR UPDATE");
  assert_int_equal(pgstore_outbox_claim(f->ps, 1, now, 1, now + 60000, &f->err),
                   -EBUSY);
  (void)pg_query(f, "ROLLBACK");
  assert_int_equal(pgstore_outbox_claim(f->ps, 1, now, 1, now + 60000, &f->err),
                   0);
  assert_int_equal(pgstore_outbox_claim(f->ps, 1, now, 1, now + 60000, &f->err),
                   -EBUSY);
}

/* Two boards' hubs: each writes its summary, cells and deliveries; the
 * other's role sees none of them, changes none, and cannot write a row
 * under the other's name; its store reads none and claims none. */
static void
test_a_board_sees_only_its_own_summaries_and_deliveries(void **state) {
  struct pg_fixture *f = *state;
  char a[80], b[80], path_a[256], path_b[256], sql[512];
  struct pgstore *hub_a = NULL, *hub_b = NULL;
  struct store_outbox_new out = {"web", "k1", "summary.csv"};
  unsigned long counts[OUTBOX_NSTATES];
  struct store_outbox_row rows[2];
  int64_t now = store_now_ms() + 1000, id_a;
  char sha[65];
  int version;
  size_t n;

  pg_hub_role(f, "a", "leics", a, sizeof a, path_a, sizeof path_a);
  pg_hub_role(f, "b", "rutland", b, sizeof b, path_b, sizeof path_b);
  assert_int_equal(pgstore_open(path_a, "leics", &hub_a, &f->err), 0);
  assert_int_equal(pgstore_open(path_b, "rutland", &hub_b, &f->err), 0);
  assert_int_equal(pgstore_summary_add(hub_a, "FY2024-25-Q1", 1, NULL, "sa",
                                       "/a/v1", &cell, 1, &out, 1, &f->err),
                   0);
  assert_int_equal(pgstore_outbox_report(hub_a, "mail", "r1", "freeva", "/f",
                                         "x.error.txt", "o@example.org",
                                         &f->err),
                   0);
  /* the same key at the other board is its own, not a clash */
  assert_int_equal(pgstore_summary_add(hub_b, "FY2024-25-Q1", 1, NULL, "sb",
                                       "/b/v1", &cell, 1, &out, 1, &f->err),
                   0);
  id_a = strtoll(pg_query(f, "SELECT outbox_id FROM outbox"
                             " WHERE board = 'leics' AND key = 'k1'"),
                 NULL, 10);

  /* b's role sees only its own rows */
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM summaries"), "1");
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM published_cells"),
                      "1");
  assert_string_equal(pg_as_role(f, b, "SELECT count(*) FROM outbox"), "1");
  assert_string_equal(
      pg_as_role(f, b, "SELECT string_agg(DISTINCT board, ',') FROM outbox"),
      "rutland");
  /* ... changes none of a's, and writes none under a's name */
  (void)snprintf(sql, sizeof sql,
                 "UPDATE outbox SET state = 'sent' WHERE outbox_id = %lld",
                 (long long)id_a);
  assert_string_equal(pg_as_role(f, b, sql), "changed 0");
  assert_non_null(strstr(
      pg_as_role(f, b,
                 "INSERT INTO summaries(board, period, version, sha256,"
                 " produced_at, folder) VALUES ('leics', 'FY2024-25-Q2', 1,"
                 " 'x', now(), '/x')"),
      "row-level security"));
  assert_non_null(strstr(
      pg_as_role(f, b,
                 "INSERT INTO outbox(board, destination, key, files, state,"
                 " attempts, since_ms, next_ms, status, updated_at, feed,"
                 " recipient) VALUES ('leics', 'mail', 'r2', 'f', 'pending',"
                 " 0, 0, 0, 0, now(), 'freeva', 'x@example.org')"),
      "row-level security"));
  assert_string_equal(pg_query(f, "SELECT state FROM outbox WHERE board ="
                                  " 'leics' AND key = 'k1'"),
                      "pending");

  /* b's store: its own summary and delivery only; a's row is none of its */
  assert_int_equal(pgstore_summary_latest(hub_b, "FY2024-25-Q1", NULL, &version,
                                          sha, &f->err),
                   1);
  assert_string_equal(sha, "sb");
  assert_int_equal(pgstore_outbox_due(hub_b, now, rows, 2, &n, &f->err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(rows[0].folder, "/b/v1");
  assert_int_equal(pgstore_outbox_counts(hub_b, counts, &f->err), 0);
  assert_int_equal(counts[OUTBOX_PENDING], 1);
  assert_int_equal(
      pgstore_outbox_claim(hub_b, id_a, now, 1, now + 60000, &f->err), -ENOENT);
  assert_int_equal(pgstore_outbox_update(hub_b, id_a, OUTBOX_SENT, 1, now, 200,
                                         NULL, &f->err),
                   -ENOENT);
  assert_int_equal(pgstore_outbox_counts(hub_a, counts, &f->err), 0);
  assert_int_equal(counts[OUTBOX_PENDING], 2);
  /* a's role claims, settles and defers its own, with only a hub's rights */
  assert_int_equal(
      pgstore_outbox_claim(hub_a, id_a, now, 1, now + 60000, &f->err), 0);
  assert_int_equal(pgstore_outbox_update(hub_a, id_a, OUTBOX_PARKED, 1, now,
                                         500, "gave up", &f->err),
                   0);
  assert_int_equal(pgstore_outbox_retry(hub_a, id_a, now, &f->err), 0);
  assert_int_equal(pgstore_outbox_defer(hub_a, "web", now + 5000, &f->err), 0);
  assert_int_equal(pgstore_outbox_recover(hub_a, now, &f->err), 0);
  assert_string_equal(pg_query(f, "SELECT state || ' ' || (next_ms - since_ms)"
                                  " FROM outbox WHERE board = 'leics'"
                                  " AND key = 'k1'"),
                      "pending 5000");
  assert_string_equal(pg_query(f, "SELECT state || ' ' || (next_ms - since_ms)"
                                  " FROM outbox WHERE board = 'rutland'"),
                      "pending 0");
  pgstore_close(hub_a);
  pgstore_close(hub_b);
}

/* A database at version 3, with a board's rows, gains migration 4 at the
 * next open: its rows stay, and a summary and its delivery are recorded. */
static void test_a_store_at_version_3_gains_the_outbox(void **state) {
  struct pg_fixture *f = *state;
  struct store_outbox_new out = {"web", "k1", "summary.csv"};
  struct store_pull_state p;

  assert_int_equal(
      pgstore_open_version(f->conninfo_file, "leics", 3, &f->ps, &f->err), 0);
  assert_int_equal(pgstore_schema(f->ps), 3);
  assert_string_equal(pg_query(f, "SELECT to_regclass('outbox') IS NULL"), "t");
  assert_int_equal(pgstore_pull_ok(f->ps, "lwa", "e1", NULL, 1000, &f->err), 0);
  pgstore_close(f->ps);
  f->ps = NULL;
  assert_int_equal(pgstore_open(f->conninfo_file, "leics", &f->ps, &f->err), 0);
  assert_int_equal(pgstore_schema(f->ps), PGSTORE_SCHEMA_VERSION);
  assert_int_equal(pgstore_pull_state(f->ps, "lwa", &p, &f->err), 0);
  assert_string_equal(p.etag, "e1");
  assert_int_equal(pgstore_summary_add(f->ps, "FY2024-25-Q1", 1, NULL, "s",
                                       "/out/v1", &cell, 1, &out, 1, &f->err),
                   0);
  assert_string_equal(pg_query(f, "SELECT string_agg(version::text, ','"
                                  " ORDER BY version) FROM schema_migrations"),
                      "1,2,3,4,5");
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM outbox"), 1);
}

/* What each_published() lends: how many, their values' sum, the first
 * and the last value. */
struct tally {
  long n;
  int64_t sum, first, last;
};

static int tally_cell(void *arg, const struct store_pub_cell *c) {
  struct tally *t = arg;

  if (t->n++ == 0)
    t->first = c->value;
  t->sum += c->value;
  t->last = c->value;
  return 0;
}

/* A large summary's cells go to the server in one pipeline: a cell the
 * server refuses half-way leaves no version, no cell and no delivery, and
 * the connection usable; then all of them are kept, in their order. */
static void test_many_cells_in_one_pipeline(void **state) {
  struct pg_fixture *f = *state;
  enum { N = 3000 };
  struct store_pub_cell *many = calloc(N, sizeof *many);
  struct store_outbox_new out = {"web", "k1", "summary.csv"};
  struct tally t = {0};
  char sha[65];
  int version;

  assert_non_null(many);
  for (int i = 0; i < N; i++) {
    many[i] = cell;
    many[i].value = i;
  }
  many[N / 2].measure = NULL; /* NOT NULL: the server refuses it */
  assert_int_equal(pgstore_summary_add(f->ps, "FY2024-25-Q1", 1, NULL, "s",
                                       "/out/v1", many, N, &out, 1, &f->err),
                   -EIO);
  assert_non_null(strstr(f->err.msg, "record summary cells"));
  assert_int_equal(pgstore_summary_latest(f->ps, "FY2024-25-Q1", NULL, &version,
                                          sha, &f->err),
                   0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM published_cells"), 0);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM outbox"), 0);
  many[N / 2].measure = "helpline_contacts";
  assert_int_equal(pgstore_summary_add(f->ps, "FY2024-25-Q1", 1, NULL, "s",
                                       "/out/v1", many, N, &out, 1, &f->err),
                   0);
  assert_int_equal(pgstore_each_published(f->ps, "FY", tally_cell, &t, &f->err),
                   0);
  assert_int_equal(t.n, N);
  assert_int_equal(t.sum, (int64_t)N * (N - 1) / 2);
  assert_int_equal(t.first, 0);
  assert_int_equal(t.last, N - 1);
  assert_int_equal(pg_query_int(f, "SELECT count(*) FROM outbox"), 1);
  free(many);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_many_cells_in_one_pipeline, pg_setup,
                                      pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_a_store_at_version_3_gains_the_outbox, pg_setup_empty,
          pg_teardown),
      cmocka_unit_test_setup_teardown(test_hubs_claim_each_delivery_once,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(test_a_claim_skips_a_row_being_claimed,
                                      pg_setup, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_a_board_sees_only_its_own_summaries_and_deliveries, pg_setup,
          pg_teardown),
  };

  pg_require_server("test_pgstore_outbox");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
