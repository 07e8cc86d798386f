/*
 * test_store_outbox_backends.c: summaries, their cells (the audit log)
 * and the outbox through both backends' operations (store_backend.h): the
 * same calls give the same answers and read back the same rows, on
 * SQLite's store and on PostgreSQL's.
 *
 * The PostgreSQL half runs on the throwaway server $DAHUB_TEST_PG names
 * (tests/support/pg_cluster.sh) and is skipped without one.
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
#include "store_backend.h"
#include "store_fixture.h"

#define P "FY2024-25-Q1"

/* Lines of text the callbacks append to. */
struct lines {
  char text[2048];
  int64_t now;
  int stop_after; /* 0: never */
  int n;
};

static void append(struct lines *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void append(struct lines *w, const char *fmt, ...) {
  size_t used = strlen(w->text);
  va_list ap;

  va_start(ap, fmt);
  (void)vsnprintf(w->text + used, sizeof w->text - used, fmt, ap);
  va_end(ap);
}

static int add_cell(void *arg, const struct store_pub_cell *c) {
  struct lines *w = arg;

  append(w, "%s|%d|%s|%s|%s|%s|%lld|%d|%d|%lld|%s|%d|%d\n", c->period,
         c->version, c->measure, c->source_id, c->area, c->dims,
         (long long)c->value, c->scale, c->state, (long long)c->threshold,
         c->ingests, c->whole, c->rule);
  return ++w->n == w->stop_after ? 5 : 0;
}

/* A row, its times relative to w->now; ids differ between backends. */
static void row_line(struct lines *w, const struct store_outbox_row *r) {
  append(w, "%s|%s|%s|%d|%s|%s|%s|%d|%lld|%ld|%s|%s|%s|%zu\n", r->destination,
         r->key, r->period, r->version, r->folder, r->files,
         store_outbox_state_name(r->state), r->attempts,
         (long long)(r->next_ms - w->now), r->status, r->answer, r->feed,
         r->recipient, strlen(r->updated_at));
}

static int add_row(void *arg, const struct store_outbox_row *r) {
  struct lines *w = arg;

  row_line(w, r);
  return ++w->n == w->stop_after ? 6 : 0;
}

/* The id of the row of key, from outbox_each(). */
struct find {
  const char *key;
  int64_t id;
};

static int find_row(void *arg, const struct store_outbox_row *r) {
  struct find *k = arg;

  if (strcmp(r->key, k->key) == 0)
    k->id = r->id;
  return 0;
}

static int64_t id_of(const struct store_backend *b, const char *key) {
  struct dahub_error err = {0};
  struct find k = {key, -1};

  assert_int_equal(b->ops->outbox_each(b->be, find_row, &k, &err), 0);
  assert_true(k.id > 0);
  return k.id;
}

static const struct store_pub_cell cells[] = {
    {.measure = "helpline_contacts",
     .source_id = "freeva",
     .area = "E07000129",
     .dims = "{}",
     .value = 12,
     .state = 0,
     .threshold = 5,
     .ingests = "[1]",
     .whole = 1,
     .rule = 0},
    {.measure = "helpline_contacts",
     .source_id = "*",
     .area = "*",
     .dims = "{\"age\":\"16-17\"}",
     .value = 3,
     .scale = 1,
     .state = 1,
     .threshold = 5,
     .ingests = "[1,2]",
     .whole = 0,
     .rule = 2},
};

/* Three versions of two periods; one with a bad cell and one again are
 * refused and leave nothing; the latest and the audit log read back. */
static void run_summaries(const struct store_backend *b) {
  static const struct store_outbox_new out[] = {
      {"web", "k1", "summary.csv\nsummary.pdf"},
      {"mail", "k2", "summary.pdf"},
  };
  struct store_pub_cell bad = cells[0];
  struct dahub_error err = {0};
  struct lines w = {0};
  char sha[65] = "";
  int version = 0;

  assert_int_equal(b->ops->summary_latest(b->be, P, NULL, &version, sha, &err),
                   0);
  assert_int_equal(b->ops->summary_add(b->be, P, 1, "2024-07", "s1",
                                       "/out/" P "/v1", cells, 2, out, 2, &err),
                   0);
  assert_int_equal(b->ops->summary_add(b->be, P, 2, NULL, "s2", "/out/" P "/v2",
                                       cells + 1, 1, NULL, 0, &err),
                   0);
  assert_int_equal(b->ops->summary_add(b->be, "FY2025-26-Q1", 1, NULL, "s3",
                                       "/out/next/v1", cells, 1, NULL, 0, &err),
                   0);
  /* a bad state, or a version again: refused, nothing of it kept */
  bad.state = 4;
  assert_int_equal(
      b->ops->summary_add(b->be, P, 3, NULL, "s4", "/x", &bad, 1, out, 1, &err),
      -EINVAL);
  assert_true(
      b->ops->summary_add(b->be, P, 2, NULL, "s5", "/y", cells, 1,
                          (struct store_outbox_new[]){{"web", "k9", "f"}}, 1,
                          &err) < 0);
  assert_int_equal(b->ops->summary_latest(b->be, P, NULL, &version, sha, &err),
                   1);
  assert_int_equal(version, 2);
  assert_string_equal(sha, "s2");
  assert_int_equal(
      b->ops->summary_latest(b->be, P, "2024-07", &version, sha, &err), 1);
  assert_int_equal(version, 1);
  assert_string_equal(sha, "s1");
  assert_int_equal(
      b->ops->summary_latest(b->be, P, "2024-10", &version, sha, &err), 0);
  assert_int_equal(
      b->ops->each_published(b->be, "FY2024-25", add_cell, &w, &err), 0);
  assert_string_equal(
      w.text, P "|1|helpline_contacts|freeva|E07000129|{}|12|0|0|5|[1]|1|0\n" P
                "|1|helpline_contacts|*|*|{\"age\":\"16-17\"}|3|1|1|5|[1,2]|0|"
                "2\n" P "|2|helpline_contacts|*|*|{\"age\":\"16-17\"}|3|1|1|5|"
                "[1,2]|0|2\n");
  w = (struct lines){.stop_after = 2};
  assert_int_equal(b->ops->each_published(b->be, "FY", add_cell, &w, &err), 5);
}

/* The outbox after run_summaries(): a report, then rows due, claimed,
 * settled, deferred, recovered, parked and retried. */
static void run_outbox(const struct store_backend *b) {
  struct store_outbox_row rows[4];
  struct dahub_error err = {0};
  int64_t now = store_now_ms() + 1000, k1, k2, k3, next = 0;
  unsigned long counts[OUTBOX_NSTATES];
  struct lines w = {.now = now};
  size_t n = 0;

  assert_int_equal(b->ops->outbox_report(b->be, "board_mail", "k3", "freeva",
                                         "/failed", "x.csv.error.txt",
                                         "officer@example.org", &err),
                   0);
  /* the same report again: one row, one key */
  assert_int_equal(b->ops->outbox_report(b->be, "board_mail", "k3", "freeva",
                                         "/failed", "x.csv.error.txt",
                                         "officer@example.org", &err),
                   0);
  k1 = id_of(b, "k1");
  k2 = id_of(b, "k2");
  k3 = id_of(b, "k3");
  assert_int_equal(b->ops->outbox_due(b->be, now, rows, 2, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_true(rows[0].id == k1 && rows[1].id == k2);
  assert_int_equal(b->ops->outbox_due(b->be, now - 60000, rows, 4, &n, &err),
                   0);
  assert_int_equal(n, 0);
  /* a claim takes a due row once; not a row not due, nor none */
  assert_int_equal(b->ops->outbox_claim(b->be, k1, now, 1, now + 60000, &err),
                   0);
  assert_int_equal(b->ops->outbox_claim(b->be, k1, now, 1, now + 60000, &err),
                   -EBUSY);
  assert_int_equal(
      b->ops->outbox_claim(b->be, k2, now - 60000, 1, now + 60000, &err),
      -EBUSY);
  assert_int_equal(
      b->ops->outbox_claim(b->be, k3 + 100, now, 1, now + 60000, &err),
      -ENOENT);
  assert_int_equal(b->ops->outbox_due(b->be, now, rows, 4, &n, &err), 0);
  assert_int_equal(n, 2);
  /* k1 fails and retries later; its destination backs off; k2 is left
   * sending (a crash), then recovered */
  assert_int_equal(b->ops->outbox_update(b->be, k1, OUTBOX_RETRYING, 1,
                                         now + 5000, 503, "busy", &err),
                   0);
  assert_int_equal(
      b->ops->outbox_update(b->be, k3 + 100, OUTBOX_SENT, 1, 0, 0, NULL, &err),
      -ENOENT);
  assert_int_equal(b->ops->outbox_defer(b->be, "web", now + 10000, &err), 0);
  assert_int_equal(b->ops->outbox_defer(b->be, "nowhere", now, &err), 0);
  assert_int_equal(b->ops->outbox_claim(b->be, k2, now, 1, now + 60000, &err),
                   0);
  assert_int_equal(b->ops->outbox_recover(b->be, now, &err), 0);
  assert_int_equal(b->ops->outbox_recover(b->be, now, &err), 0);
  assert_int_equal(b->ops->outbox_next(b->be, &next, &err), 0);
  assert_true(next <= now);
  /* k3 parks, then goes again; a row not parked, or none, does not */
  assert_int_equal(b->ops->outbox_update(b->be, k3, OUTBOX_PARKED, 2, 0, 550,
                                         "no such mailbox", &err),
                   0);
  assert_int_equal(b->ops->outbox_retry(b->be, k1, now, &err), -EBUSY);
  assert_int_equal(b->ops->outbox_retry(b->be, k3 + 100, now, &err), -ENOENT);
  assert_int_equal(b->ops->outbox_counts(b->be, counts, &err), 0);
  assert_true(counts[OUTBOX_PENDING] == 0 && counts[OUTBOX_SENDING] == 1 &&
              counts[OUTBOX_RETRYING] == 1 && counts[OUTBOX_PARKED] == 1 &&
              counts[OUTBOX_SENT] == 0);
  assert_int_equal(b->ops->outbox_retry(b->be, k3, now, &err), 0);
  assert_int_equal(
      b->ops->outbox_update(b->be, k2, OUTBOX_SENT, 1, now, 200, NULL, &err),
      0);
  assert_int_equal(b->ops->outbox_each(b->be, add_row, &w, &err), 0);
  assert_string_equal(
      w.text, "board_mail|k3||0|/failed|x.csv.error.txt|pending|2|0|550|no "
              "such mailbox|freeva|officer@example.org|20\n"
              "mail|k2|" P "|1|/out/" P "/v1|summary.pdf|sent|1|0|200|||"
              "|20\n"
              "web|k1|" P "|1|/out/" P "/v1|summary.csv\nsummary.pdf|retrying|"
              "1|10000|503|busy|||20\n");
  w = (struct lines){.now = now, .stop_after = 1};
  assert_int_equal(b->ops->outbox_each(b->be, add_row, &w, &err), 6);
  assert_int_equal(b->ops->outbox_counts(b->be, counts, &err), 0);
  assert_true(counts[OUTBOX_PENDING] == 1 && counts[OUTBOX_SENT] == 1 &&
              counts[OUTBOX_RETRYING] == 1 && counts[OUTBOX_PARKED] == 0);
  assert_int_equal(b->ops->outbox_next(b->be, &next, &err), 0);
  assert_int_equal(next, now);
}

static void test_sqlite_backend(void **state) {
  struct fixture *f = *state;
  struct store_backend b = {&store_backend_sqlite, f->st};

  run_summaries(&b);
  run_outbox(&b);
}

static void test_postgresql_backend(void **state) {
  struct pg_fixture *f = *state;
  struct store_backend b = {&store_backend_postgresql, NULL};

  if (f == NULL) {
    print_message("skipped: DAHUB_TEST_PG is not set (scripts/test.sh starts "
                  "a PostgreSQL for the tests)\n");
    skip();
  }
  b.be = f->ps;
  run_summaries(&b);
  run_outbox(&b);
}

static int pg_setup_or_skip(void **state) {
  if (pg_admin_conninfo() == NULL) {
    *state = NULL;
    return 0;
  }
  return pg_setup(state);
}

/* store.h's own calls on a store that holds PostgreSQL's
 * (store_open_postgresql()): each goes to the PostgreSQL backend, with the
 * same answers. */
static void test_postgresql_through_store_h(void **state) {
  struct pg_fixture *f = *state;
  struct store *st = NULL;
  struct store_backend b = {&store_backend_sqlite, NULL};

  if (f == NULL) {
    print_message("skipped: DAHUB_TEST_PG is not set\n");
    skip();
  }
  assert_int_equal(
      store_open_postgresql(f->conninfo_file, "leics", &st, &f->err), 0);
  b.be = st;
  run_summaries(&b);
  run_outbox(&b);
  store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sqlite_backend, setup, teardown),
      cmocka_unit_test_setup_teardown(test_postgresql_backend, pg_setup_or_skip,
                                      pg_teardown),
      cmocka_unit_test_setup_teardown(test_postgresql_through_store_h,
                                      pg_setup_or_skip, pg_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
