/*
 * test_store_writer.c: a file's figures written on the store's writer
 * thread, and the dictionaries of the narrow table, on a real SQLite file.
 *
 * Files here are larger than one batch of the writer (1,024 figures), so
 * the thread runs; what the store holds is read back through observations_v
 * on a connection of the test's own.
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
#include <sqlite3.h>

#include "fixture.h"
#include "store.h"
#include "store_fixture.h"

#define MANY 5000 /* figures: several batches */

static void begin(struct fixture *f, const char *file) {
  struct store_ingest in = {.feed = "freeva",
                            .source_id = "freeva",
                            .plugin = "mapped",
                            .plugin_version = "1",
                            .file_name = file,
                            .size_bytes = 1,
                            .received_at = "2024-07-12T09:30:00Z"};

  assert_int_equal(store_ingest_begin(f->st, &in, &f->err), 0);
}

/* Figure i of a file: its value i, its row i + 2, one of eight areas. */
static struct store_obs fig(int i, char raw[16]) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131",
                                      "E07000132", "E07000133", "E07000134",
                                      "E07000135", "X_UNKNOWN"};

  (void)snprintf(raw, 16, "%d", i);
  return (struct store_obs){.area_code = areas[i % 8],
                            .period = i % 2 ? "FY2024-25-Q1" : "FY2024-25-Q2",
                            .measure_id = "helpline_contacts",
                            .dimensions = "{}",
                            .unit = "count",
                            .status = DAHUB_ACTUAL,
                            .value = i,
                            .line = (uint32_t)i + 2,
                            .col = 3,
                            .raw = raw};
}

static void put_many(struct fixture *f, int n) {
  char raw[16];

  for (int i = 0; i < n; i++) {
    struct store_obs o = fig(i, raw);

    if (store_ingest_obs(f->st, &o, &f->err) != 0)
      fail_msg("figure %d: %s", i, f->err.msg);
  }
}

static int64_t commit(struct fixture *f, const char *sha) {
  struct store_match m;
  int64_t id = 0;

  if (store_ingest_commit(f->st, sha, &id, &m, &f->err) != 0)
    fail_msg("commit: %s", f->err.msg);
  return id;
}

/* Every figure of several batches is stored once, in the file's order,
 * with its text where one is kept (many rows an INSERT, and the rest of a
 * batch one by one). */
static void test_many_batches_store_every_figure_in_order(void **state) {
  struct fixture *f = *state;
  char raw[16];

  begin(f, "many.csv");
  for (int i = 0; i < MANY; i++) {
    struct store_obs o = fig(i, raw);

    if (i % 7 == 3) { /* kept beside the row */
      o.status = DAHUB_SUPPRESSED;
      o.bound = 5;
      o.raw = "<5";
    }
    if (store_ingest_obs(f->st, &o, &f->err) != 0)
      fail_msg("figure %d: %s", i, f->err.msg);
  }
  commit(f, "sha-many");
  assert_int_equal(query_int(f, "SELECT observations FROM ingests"), MANY);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v"), MANY);
  /* obs_id order is the file's: figure i at row i + 2 */
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v WHERE"
                                " locator <> 'r' || (obs_id + 1) || 'c3' OR"
                                " CASE WHEN (obs_id - 1) % 7 = 3"
                                " THEN value_status <> 'suppressed' OR"
                                " raw <> '<5' OR value IS NOT NULL"
                                " ELSE value <> obs_id - 1 OR raw <> value"
                                " END"),
                   0);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observation_texts"),
                   (MANY + 3) / 7);
  assert_int_equal(query_int(f, "SELECT count(*) FROM current_observations"),
                   MANY);
}

/* Records stored among many figures wait for the writer to leave the
 * connection: every record and every figure is there. */
static void test_records_among_figures_are_all_stored(void **state) {
  struct fixture *f = *state;
  char raw[16];

  begin(f, "mixed.csv");
  for (int i = 0; i < MANY; i++) {
    struct store_obs o = fig(i, raw);

    assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
    if (i % 100 == 99)
      assert_int_equal(store_ingest_record(f->st, "contract",
                                           "{\"name\":\"synthetic\"}",
                                           (uint32_t)i + 2, &f->err),
                       0);
  }
  commit(f, "sha-mixed");
  assert_int_equal(query_int(f, "SELECT count(*) FROM records"), MANY / 100);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v"), MANY);
}

/* An insert that fails on the writer's thread fails the file: nothing of
 * it is stored, and the store takes the next file. */
static void test_error_on_the_writer_rolls_the_file_back(void **state) {
  struct fixture *f = *state;
  struct store_obs o;
  struct store_match m;
  int64_t id;
  char raw[16];
  int rc = 0;

  begin(f, "bad.csv");
  put_many(f, 1500);
  o = fig(1500, raw);
  o.status = (enum dahub_status)7; /* refused by the table's CHECK */
  (void)store_ingest_obs(f->st, &o, &f->err);
  /* the error comes back from a later figure or from the commit */
  for (int i = 0; i < MANY && rc == 0; i++) {
    o = fig(i, raw);
    rc = store_ingest_obs(f->st, &o, &f->err);
  }
  if (rc == 0)
    rc = store_ingest_commit(f->st, "sha-bad", &id, &m, &f->err);
  else
    store_ingest_rollback(f->st);
  assert_int_equal(rc, -EIO);
  assert_non_null(strstr(f->err.msg, "CHECK constraint failed"));
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 0);
  begin(f, "good.csv");
  put_many(f, 2000);
  commit(f, "sha-good");
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v"), 2000);
}

/* A rollback while batches are still queued leaves nothing, and keys the
 * rolled-back file added to the dictionaries are not used again. */
static void test_rollback_mid_file_forgets_its_keys(void **state) {
  struct fixture *f = *state;
  struct store_obs o;
  char raw[16];

  begin(f, "first.csv");
  put_many(f, MANY);
  o = fig(0, raw);
  o.area_code = "E06000017"; /* met first in this file */
  o.dimensions = "{\"gender\":\"female\"}";
  assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  store_ingest_rollback(f->st);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations"), 0);
  assert_int_equal(query_int(f, "SELECT count(*) FROM areas"), 0);
  begin(f, "second.csv");
  assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  put_many(f, 10);
  commit(f, "sha-second");
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v WHERE"
                                " area_code = 'E06000017' AND dimensions ="
                                " '{\"gender\":\"female\"}'"),
                   1);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v"), 11);
}

/* A figure whose text is larger than a whole batch's is stored in its
 * place among the others. */
static void test_figure_larger_than_a_batch_keeps_its_place(void **state) {
  struct fixture *f = *state;
  size_t big = 64u << 10;
  char *text = malloc(big + 1), raw[16];
  struct store_obs o;

  assert_non_null(text);
  memset(text, 'x', big);
  text[big] = '\0';
  begin(f, "big.csv");
  put_many(f, 3000);
  o = fig(3000, raw);
  o.status = DAHUB_SUPPRESSED;
  o.raw = text;
  assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  for (int i = 3001; i < 3100; i++) {
    o = fig(i, raw);
    assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  }
  commit(f, "sha-big");
  free(text);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v"), 3100);
  assert_int_equal(query_int(f, "SELECT obs_id FROM observations_v WHERE"
                                " length(raw) = 65536"),
                   3001);
  assert_int_equal(query_int(f, "SELECT count(*) FROM observations_v WHERE"
                                " value_status = 'actual' AND"
                                " value <> obs_id - 1"),
                   0);
}

/* What the store makes of the partner's text: said again from the value
 * where it can be, kept beside the row where not; the same either way. */
static void test_raw_text_reads_back_as_written(void **state) {
  struct fixture *f = *state;
  static const struct {
    enum dahub_status status;
    int64_t value;
    int scale;
    const char *raw;
    int form;
  } t[] = {
      {DAHUB_ACTUAL, 31, 0, "31", 1},
      {DAHUB_ACTUAL, 1234, 0, "1,234", 2},
      {DAHUB_ACTUAL, -1234567, 0, "-1,234,567", 2},
      {DAHUB_ACTUAL, 123, 0, "1,23", 3},
      {DAHUB_ACTUAL, 123, 0, "123 ", 3},
      {DAHUB_ACTUAL, 5, 0, "05", 3},
      {DAHUB_ACTUAL, 125, 1, "12.5", 3},
      {DAHUB_ESTIMATED, 40, 0, "40", 1},
      {DAHUB_SUPPRESSED, 0, 0, "<5", 3},
      {DAHUB_MISSING, 0, 0, "", 3},
      {DAHUB_ACTUAL, 9, 0, NULL, 0},
  };
  char sql[256];
  char raw[16];

  begin(f, "texts.csv");
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    struct store_obs o = fig((int)i, raw);

    o.status = t[i].status;
    o.value = t[i].value;
    o.scale = t[i].scale;
    o.raw = t[i].raw;
    assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  }
  commit(f, "sha-texts");
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    (void)snprintf(sql, sizeof sql,
                   "SELECT count(*) FROM observations_v v JOIN observations o"
                   " USING(obs_id) WHERE obs_id = %zu AND o.text_form = %d"
                   " AND v.raw IS %s%s%s",
                   i + 1, t[i].form, t[i].raw ? "'" : "",
                   t[i].raw ? t[i].raw : "NULL", t[i].raw ? "'" : "");
    if (query_int(f, sql) != 1)
      fail_msg("%s", sql);
  }
  assert_int_equal(query_int(f, "SELECT count(*) FROM observation_texts"), 6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_many_batches_store_every_figure_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_records_among_figures_are_all_stored,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_error_on_the_writer_rolls_the_file_back, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback_mid_file_forgets_its_keys,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_figure_larger_than_a_batch_keeps_its_place, setup, teardown),
      cmocka_unit_test_setup_teardown(test_raw_text_reads_back_as_written,
                                      setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
