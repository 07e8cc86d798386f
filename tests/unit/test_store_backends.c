/*
 * test_store_backends.c: one store interface, two backends
 * (store_backend.h): the same files, handed to SQLite's store and to
 * PostgreSQL's through the same table of operations, leave the same
 * answers and the same tables, read back with the same SQL.
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

#define HASH_A                                                                 \
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B                                                                 \
  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Reads the first column of the first row of sql from the backend's
 * database. */
typedef const char *(*reader_fn)(void *arg, const char *sql);

/* A file of three figures of period, values base+i, with a record. */
static int put_file(const struct store_backend *b, const char *file,
                    const char *period, int64_t base, struct dahub_error *err) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131"};
  struct store_ingest in = {.feed = "freeva",
                            .source_id = "freeva",
                            .plugin = "mapped",
                            .plugin_version = "1.0.0",
                            .file_name = file,
                            .size_bytes = 99,
                            .received_at = "2024-07-12T09:30:00Z"};
  int rc;

  if ((rc = b->ops->ingest_begin(b->be, &in, err)) != 0)
    return rc;
  for (int i = 0; i < 3; i++) {
    struct store_obs o = {.area_code = areas[i],
                          .period = period,
                          .measure_id = "helpline_contacts",
                          .dimensions = "{}",
                          .unit = "count",
                          .status = DAHUB_ACTUAL,
                          .value = base + i,
                          .line = 2,
                          .col = (uint32_t)(2 + i),
                          .raw = i == 2 ? "about 12" : NULL};

    if ((rc = b->ops->ingest_obs(b->be, &o, err)) != 0)
      return rc;
    if (i == 0 && (rc = b->ops->ingest_record(b->be, "contract",
                                              "{\"id\":\"c1\"}", 3, err)) != 0)
      return rc;
  }
  return 0;
}

/* What each_current() lends, one line a figure; the ingest's id as "B"
 * when it is the one asked about (ids differ between backends). */
struct rows {
  char text[1024];
  int64_t ingest_id, first;
  int stop_after; /* 0: never */
  int n;
};

static int add_row(void *arg, const struct store_row *r) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used,
                 "%s|%s|%s|%s|%s|%s|%s|%s|%d|%lld|%d|%lld|%s\n", r->feed,
                 r->source_id, r->service_id ? r->service_id : "NULL",
                 r->area_code, r->period, r->measure_id, r->dimensions, r->unit,
                 (int)r->status, (long long)r->value, r->scale,
                 (long long)r->bound, r->ingest_id == w->ingest_id ? "B" : "?");
  return ++w->n == w->stop_after ? 7 : 0;
}

/* What each_delivery() and each_record() lend, one line each; ingest ids
 * as "A" (first) and "B" (ingest_id), the time by its length. */
static const char *which(const struct rows *w, int64_t id) {
  return id == w->ingest_id ? "B" : id == w->first ? "A" : "?";
}

static int add_delivery(void *arg, const char *feed, const char *period,
                        int64_t ingest_id, const char *stored_at) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used, "%s|%s|%s|%zu\n", feed,
                 period, which(w, ingest_id), strlen(stored_at));
  return 0;
}

static int add_record(void *arg, const char *feed, const char *fields,
                      int64_t ingest_id) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used, "%s|%s|%s\n", feed,
                 fields, which(w, ingest_id));
  return 0;
}

static int add_warned(void *arg, const struct store_warned *r) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used,
                 "%s|%s|%s|%s|%s|%u|%u|%s\n", r->feed, r->source_id, r->period,
                 r->file_name, which(w, r->ingest_id), r->count, r->cells,
                 r->kept);
  return 0;
}

static int add_count(void *arg, const struct store_ingest_count *c) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used,
                 "%s|%s|%s|%lld|%d|%lld\n", which(w, c->ingest_id), c->feed,
                 c->file_name, (long long)c->recorded, c->committed,
                 (long long)c->stored);
  return 0;
}

static int add_kept(void *arg, const char *file_name, const char *sha256,
                    const char *received_at) {
  struct rows *w = arg;
  size_t used = strlen(w->text);

  (void)snprintf(w->text + used, sizeof w->text - used, "%s|%s|%zu\n",
                 file_name, sha256, strlen(received_at));
  return 0;
}

/* The current figures of FY2024-25, as the summary reads them: the
 * correction's, in the file's order; another year's left out; a walk
 * stopped by its callback returns the callback's code and leaves the store
 * usable. */
static void read_back(const struct store_backend *b, int64_t first,
                      int64_t corrected) {
  struct dahub_error err = {0};
  struct store_match m;
  struct rows w = {.ingest_id = corrected};
  unsigned count;
  char *kept;
  int64_t id;

  assert_int_equal(put_file(b, "next year.csv", "FY2025-26-Q1", 50, &err), 0);
  assert_int_equal(b->ops->ingest_warnings(b->be, 3, 2, "[\"w\"]", &err), 0);
  assert_int_equal(b->ops->ingest_commit(b->be, "cc", &id, &m, &err), 0);
  assert_int_equal(b->ops->each_current(b->be, "FY2024-25", add_row, &w, &err),
                   0);
  assert_string_equal(
      w.text,
      "freeva|freeva|NULL|E07000129|FY2024-25-Q1|helpline_contacts|{}|count|0|"
      "20|0|0|B\n"
      "freeva|freeva|NULL|E07000130|FY2024-25-Q1|helpline_contacts|{}|count|0|"
      "21|0|0|B\n"
      "freeva|freeva|NULL|E07000131|FY2024-25-Q1|helpline_contacts|{}|count|0|"
      "22|0|0|B\n");
  w = (struct rows){.stop_after = 2};
  assert_int_equal(b->ops->each_current(b->be, "FY", add_row, &w, &err), 7);
  assert_int_equal(w.n, 2);
  assert_int_equal(b->ops->find_hash(b->be, "freeva", "cc", &m, &err), 1);
  /* the deliveries behind FY2024-25: both files of Q1, the superseded one
   * too; the records: the newest file's */
  w = (struct rows){.ingest_id = corrected, .first = first};
  assert_int_equal(
      b->ops->each_delivery(b->be, "FY2024-25", add_delivery, &w, &err), 0);
  assert_string_equal(w.text, "freeva|FY2024-25-Q1|A|20\n"
                              "freeva|FY2024-25-Q1|B|20\n");
  w = (struct rows){.ingest_id = id};
  assert_int_equal(b->ops->each_record(b->be, "contract", add_record, &w, &err),
                   0);
  assert_string_equal(w.text, "freeva|{\"id\":\"c1\"}|B\n");
  /* warnings: of the files that count now (the superseded first file's
   * are moot), and of one file */
  w = (struct rows){.ingest_id = id};
  assert_int_equal(b->ops->each_warned(b->be, "FY", add_warned, &w, &err), 0);
  assert_string_equal(w.text, "freeva|freeva|FY2025-26-Q1|next year.csv|B|3|2|"
                              "[\"w\"]\n");
  assert_int_equal(b->ops->warnings_of(b->be, first, &count, &kept, &err), 1);
  assert_int_equal(count, 2);
  assert_string_equal(kept, "[]");
  free(kept);
  assert_int_equal(b->ops->warnings_of(b->be, corrected, &count, &kept, &err),
                   0);
  assert_null(kept);
  /* for verification, each ingest with its figures; for retention, each
   * file kept in done/ */
  w = (struct rows){.ingest_id = corrected, .first = first};
  assert_int_equal(b->ops->each_ingest_count(b->be, add_count, &w, &err), 0);
  assert_string_equal(w.text, "A|freeva|q1.csv|3|1|3\n"
                              "B|freeva|q1 fixed.csv|3|1|3\n"
                              "?|freeva|next year.csv|3|1|3\n");
  w = (struct rows){0};
  assert_int_equal(b->ops->each_kept_file(b->be, "freeva", add_kept, &w, &err),
                   0);
  assert_string_equal(w.text, "q1.csv|" HASH_A "|20\n"
                              "q1 fixed.csv|" HASH_B "|20\n"
                              "next year.csv|cc|20\n");
}

/* The files, then what the tables hold, one line each: the same text for
 * both backends. */
static void run_files(const struct store_backend *b, reader_fn read,
                      void *arg) {
  static const char *const reads[] = {
      "SELECT count(*) FROM observations",
      "SELECT sum(value) FROM current_observations",
      "SELECT value FROM current_observations WHERE area_code = 'E07000130'",
      "SELECT raw FROM current_observations WHERE area_code = 'E07000131'",
      "SELECT count(*) FROM ingests WHERE sha256 IS NOT NULL",
      "SELECT count(*) FROM records",
      "SELECT warnings FROM ingest_warnings",
      "SELECT count(*) FROM receipts WHERE outcome = 'stored'",
      "SELECT count(*) FROM receipts WHERE outcome = 'failed'",
  };
  static const char *const want[] = {"6", "63", "21", "about 12", "2",
                                     "2", "2",  "2",  "1"};
  struct dahub_error err = {0};
  struct store_match m = {0};
  int64_t first = -1, id = -1;

  assert_int_equal(put_file(b, "q1.csv", "FY2024-25-Q1", 10, &err), 0);
  assert_int_equal(b->ops->ingest_warnings(b->be, 2, 1, "[]", &err), 0);
  assert_int_equal(b->ops->ingest_commit(b->be, HASH_A, &first, &m, &err), 0);
  /* the same file again: a duplicate, with the first's ingest */
  assert_int_equal(put_file(b, "again.csv", "FY2024-25-Q1", 10, &err), 0);
  assert_int_equal(b->ops->ingest_commit(b->be, HASH_A, &id, &m, &err), 1);
  assert_int_equal(m.ingest_id, first);
  assert_string_equal(m.file_name, "q1.csv");
  /* a correction supersedes it */
  assert_int_equal(put_file(b, "q1 fixed.csv", "FY2024-25-Q1", 20, &err), 0);
  assert_int_equal(b->ops->ingest_commit(b->be, HASH_B, &id, &m, &err), 0);
  assert_true(id > first);
  assert_int_equal(b->ops->find_hash(b->be, "freeva", HASH_B, &m, &err), 1);
  assert_int_equal(m.ingest_id, id);
  assert_int_equal(b->ops->find_hash(b->be, "lwa", HASH_B, &m, &err), 0);
  /* a file rolled back leaves nothing; a failed one its receipt */
  assert_int_equal(put_file(b, "q2.csv", "FY2024-25-Q2", 30, &err), 0);
  b->ops->ingest_rollback(b->be);
  assert_int_equal(
      b->ops->receipt(b->be, "freeva", "bad.csv", NULL, "failed", 0, &err), 0);
  for (size_t i = 0; i < sizeof reads / sizeof *reads; i++)
    if (strcmp(read(arg, reads[i]), want[i]) != 0)
      fail_msg("%s: %s: got %s, want %s", b->ops->name, reads[i],
               read(arg, reads[i]), want[i]);
  read_back(b, first, id);
}

static void pull_line(const struct store_backend *b, char *out, size_t size) {
  struct store_pull_state p;
  struct dahub_error err = {0};
  int rc = b->ops->pull_state(b->be, "lwa", &p, &err);

  (void)snprintf(out, size, "%d|%s|%s|%lld|%lld|%d|%s", rc, p.etag,
                 p.last_modified, (long long)p.ok_ms,
                 (long long)p.failing_since_ms, p.failures, p.last_sha256);
}

/* A pulled feed's state through fetches that work, fail, and answer 304,
 * and a body's provenance: the same in both. */
static void run_pulls(const struct store_backend *b) {
  struct dahub_error err = {0};
  char line[512];

  pull_line(b, line, sizeof line);
  assert_string_equal(line, "1|||0|0|0|");
  assert_int_equal(b->ops->pull_ok(b->be, "lwa", "\"e1\"", "lm1", 1000, &err),
                   0);
  assert_int_equal(b->ops->pull_add(b->be, "lwa", "https://x/lwa", "\"e1\"",
                                    "lm1", "s1", 99, "lwa-1.csv", &err),
                   0);
  pull_line(b, line, sizeof line);
  assert_string_equal(line, "0|\"e1\"|lm1|1000|0|0|s1");
  assert_int_equal(b->ops->pull_failed(b->be, "lwa", 2000, "timeout", &err), 0);
  assert_int_equal(b->ops->pull_failed(b->be, "lwa", 3000, "timeout", &err), 0);
  pull_line(b, line, sizeof line);
  assert_string_equal(line, "0|\"e1\"|lm1|1000|2000|2|s1");
  assert_int_equal(b->ops->pull_ok(b->be, "lwa", NULL, NULL, 4000, &err), 0);
  pull_line(b, line, sizeof line);
  assert_string_equal(line, "0|\"e1\"|lm1|4000|0|0|s1");
  /* a feed whose first fetch failed */
  assert_int_equal(b->ops->pull_failed(b->be, "mar", 5000, "dns", &err), 0);
  assert_int_equal(
      b->ops->pull_state(b->be, "mar", &(struct store_pull_state){0}, &err), 0);
}

static const char *read_sqlite(void *arg, const char *sql) {
  return query(arg, sql);
}

static const char *read_pg(void *arg, const char *sql) {
  return pg_query(arg, sql);
}

static void test_sqlite_backend(void **state) {
  struct fixture *f = *state;
  struct store_backend b = {&store_backend_sqlite, f->st};

  run_files(&b, read_sqlite, f);
  run_pulls(&b);
}

static void test_postgresql_backend(void **state) {
  struct pg_fixture *f = *state;
  struct store_backend b = {&store_backend_postgresql, f->ps};

  run_files(&b, read_pg, f);
  run_pulls(&b);
}

static int pg_setup_or_skip(void **state) {
  if (pg_admin_conninfo() == NULL) {
    *state = NULL;
    return 0;
  }
  return pg_setup(state);
}

static void test_postgresql_backend_or_skip(void **state) {
  if (*state == NULL) {
    print_message("skipped: DAHUB_TEST_PG is not set (scripts/test.sh starts "
                  "a PostgreSQL for the tests)\n");
    skip();
  }
  test_postgresql_backend(state);
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
  run_files(&b, read_pg, f);
  run_pulls(&b);
  store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sqlite_backend, setup, teardown),
      cmocka_unit_test_setup_teardown(test_postgresql_backend_or_skip,
                                      pg_setup_or_skip, pg_teardown),
      cmocka_unit_test_setup_teardown(test_postgresql_through_store_h,
                                      pg_setup_or_skip, pg_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
