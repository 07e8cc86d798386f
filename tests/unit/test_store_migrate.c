/*
 * test_store_migrate.c: the narrow observations table (schema 9) brought
 * to a store made by the schema before it, in place.
 *
 * The old store is built as that dahub built it: opened with its
 * migrations stopped at 8, every bundled sample return (spool/<feed>/
 * sample/) read by its real feed and plugin and validated (ingest_try),
 * each figure stored through the store's API, plus texts the samples lack
 * (thousands commas, a negative, "12.50", a blank, a locator no dahub
 * wrote). Then it is opened as today's dahub opens it, and every
 * observation, read through the views, must be what it was, column for
 * column. A kill -9 at any moment of the migration leaves either the old
 * store whole or the new one complete.
 */
#include <errno.h>
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
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fixture.h"
#include "ingest.h"
#include "runtime.h"
#include "store.h"

#ifndef DAHUB_BUILD_DIR_DEFAULT
#define DAHUB_BUILD_DIR_DEFAULT "build"
#endif
#define OLD_SCHEMA 8

static const struct {
  const char *feed, *file;
} samples[] = {
    {"freeva", "freeva_LCC_quarterly_return_Q1_2024-25.csv"},
    {"lwa", "lwa_case_level_extract_2024-25_Q1.csv"},
    {"wall", "wall_safe_accommodation_return_2024-25_Q2.csv"},
    {"rcc", "rutland_cc_DA_board_figures_2023-24.csv"},
    {"lcc", "lcc_commissioning_and_funding_register_2024-06.csv"},
    {"marac_llr", "marac_llr_county_quarterly_2024-25_Q1.json"},
    {"turning_point", "turning_point_da_substance_misuse_Q1_2024-25.tsv"},
    {"leics_gate", "leics_gate_grt_quarterly_return_2024-25_Q1.xlsx"},
    {"lgbt_centre", "lgbt_centre_monitoring_2024-25_Q1.csv"},
    {"panahghar", "panahghar_sa_lot1_monthly_2024-25_Q1.csv"},
    {"blaby_dc", "blaby_dc_hclic_da_2024-25_Q1.csv"},
};
#define N_SAMPLES (sizeof samples / sizeof *samples)

/* Every column the views promise, NULL told apart from '' by quote(). */
#define ROW_SQL                                                                \
  "SELECT group_concat(r, char(10)) FROM (SELECT quote(obs_id) || '|' ||"      \
  " quote(ingest_id) || '|' || quote(feed) || '|' || quote(source_id) ||"      \
  " '|' || quote(service_id) || '|' || quote(area_code) || '|' ||"             \
  " quote(period) || '|' || quote(measure_id) || '|' || quote(dimensions) ||"  \
  " '|' || quote(value) || '|' || quote(scale) || '|' ||"                      \
  " quote(value_status) || '|' || quote(bound) || '|' || quote(unit) ||"       \
  " '|' || quote(locator) || '|' || quote(raw) AS r FROM %s ORDER BY obs_id)"

struct fx {
  char dir[64];
  char store[128];
  struct runtime rt;
  struct store *st;
  int failed; /* a store call in a callback failed */
  struct dahub_error err;
};

static void write_file(const char *path, const char *text, size_t len) {
  FILE *fp = fopen(path, "wb");

  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, len, fp), len);
  assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  char *buf;
  long n;

  if (fp == NULL)
    fail_msg("cannot read %s", path);
  assert_int_equal(fseek(fp, 0, SEEK_END), 0);
  n = ftell(fp);
  assert_true(n >= 0);
  rewind(fp);
  buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = '\0';
  (void)fclose(fp);
  *len = (size_t)n;
  return buf;
}

/* A configuration of the sample feeds in dir, as conf/ has them, with
 * the build's plugins and the checkout's vocabulary. */
static void write_config(struct fx *f) {
  char path[1024], src[1024], text[2048];
  const char *build = getenv("DAHUB_BUILD_DIR");
  size_t len;
  char *data;

  (void)snprintf(path, sizeof path, "%s/feeds.d", f->dir);
  assert_int_equal(mkdir(path, 0700), 0);
  (void)snprintf(path, sizeof path, "%s/keys", f->dir);
  assert_int_equal(mkdir(path, 0700), 0);
  for (size_t i = 0; i < N_SAMPLES; i++) {
    (void)snprintf(src, sizeof src, "%s/conf/feeds.d/%s.json",
                   fixture_source_dir(), samples[i].feed);
    data = read_file(src, &len);
    (void)snprintf(path, sizeof path, "%s/feeds.d/%s.json", f->dir,
                   samples[i].feed);
    write_file(path, data, len);
    free(data);
  }
  (void)snprintf(src, sizeof src, "%s/conf/keys/lwa.key", fixture_source_dir());
  data = read_file(src, &len);
  (void)snprintf(path, sizeof path, "%s/keys/lwa.key", f->dir);
  write_file(path, data, len);
  free(data);
  assert_int_equal(chmod(path, 0600), 0);
  (void)snprintf(text, sizeof text,
                 "{\"spool_dir\": \"spool\", \"state_dir\": \"state\","
                 " \"plugin_dir\": \"%s/plugins\","
                 " \"vocabulary\": \"%s/conf/vocabulary.json\"}\n",
                 build != NULL ? build : DAHUB_BUILD_DIR_DEFAULT,
                 fixture_source_dir());
  (void)snprintf(path, sizeof path, "%s/hub.json", f->dir);
  write_file(path, text, strlen(text));
}

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  struct errlist errs = {0};
  char path[128];

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-migrate-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(f->store, sizeof f->store, "%s/dahub.sqlite", f->dir);
  write_config(f);
  (void)snprintf(path, sizeof path, "%s/hub.json", f->dir);
  if (runtime_load(&f->rt, path, NULL, &errs) != 0) {
    errlist_each(&errs, fixture_print_error, NULL);
    errlist_clear(&errs);
    runtime_free(&f->rt);
    fixture_remove_tree(f->dir);
    free(f);
    return -1;
  }
  errlist_clear(&errs);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;

  store_close(f->st);
  runtime_free(&f->rt);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* The first column of the first row of sql, on a connection of its own;
 * caller frees. */
static char *query(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  char *out;

  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  out = strdup(sqlite3_column_text(q, 0) != NULL
                   ? (const char *)sqlite3_column_text(q, 0)
                   : "");
  assert_non_null(out);
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  return out;
}

static long long query_int(const char *path, const char *sql) {
  char *s = query(path, sql);
  long long n = strtoll(s, NULL, 10);

  free(s);
  return n;
}

/* Every row of table (or view) as text, one a line. */
static char *dump(const char *path, const char *table) {
  char sql[1024];

  (void)snprintf(sql, sizeof sql, ROW_SQL, table);
  return query(path, sql);
}

static void store_obs_cb(void *arg, const struct ingest_feed *feed,
                         const struct store_obs *o) {
  struct fx *f = arg;

  (void)feed;
  if (store_ingest_obs(f->st, o, &f->err) != 0)
    f->failed = 1;
}

static void store_record_cb(void *arg, const char *kind, const char *fields,
                            uint32_t line) {
  struct fx *f = arg;

  if (store_ingest_record(f->st, kind, fields, line, &f->err) != 0)
    f->failed = 1;
}

static void commit(struct fx *f, const char *sha256) {
  struct store_match m;
  int64_t id;

  if (store_ingest_commit(f->st, sha256, &id, &m, &f->err) != 0)
    fail_msg("commit: %s", f->err.msg);
}

/* One sample read by its feed as `dahub try` reads it, each figure that
 * passed validation stored in one ingest. */
static void ingest_sample(struct fx *f, size_t i) {
  struct ingest_feed *feed = runtime_feed(&f->rt, samples[i].feed);
  struct ingest_env env = {.vocab = f->rt.vocab,
                           .max_file_bytes = 1 << 24,
                           .max_line_bytes = 1 << 20,
                           .max_errors = 100,
                           .on_obs = store_obs_cb,
                           .on_record = store_record_cb,
                           .arg = f};
  struct store_ingest in = {.feed = samples[i].feed,
                            .plugin = "mapped",
                            .plugin_version = "1",
                            .file_name = samples[i].file,
                            .size_bytes = 1,
                            .received_at = "2024-07-12T09:30:00Z"};
  struct ingest_result r;
  char path[1024];

  assert_non_null(feed);
  in.source_id = feed->conf->source_id;
  (void)snprintf(path, sizeof path, "%s/spool/%s/sample/%s",
                 fixture_source_dir(), samples[i].feed, samples[i].file);
  assert_int_equal(store_ingest_begin(f->st, &in, &f->err), 0);
  ingest_try(&env, feed, path, &r);
  if (r.outcome != INGEST_STORED || f->failed)
    fail_msg("%s: %s %s", samples[i].file, r.first.msg, f->err.msg);
  assert_true(r.observations > 0 || strcmp(samples[i].feed, "lcc") == 0);
  commit(f, r.sha256);
}

/* Texts and a locator the samples do not have, one figure each. */
static void ingest_texts(struct fx *f) {
  static const struct {
    enum dahub_status status;
    int64_t value, bound;
    int scale;
    const char *raw;
  } t[] = {
      {DAHUB_ACTUAL, 1234, 0, 0, "1,234"},
      {DAHUB_ACTUAL, 1234567, 0, 0, "1,234,567"},
      {DAHUB_ACTUAL, 1234, 0, 0, "1234"},
      {DAHUB_ACTUAL, 1234, 0, 0, " 1234"},
      {DAHUB_ACTUAL, -5, 0, 0, "-5"},
      {DAHUB_ACTUAL, -1234, 0, 0, "-1,234"},
      {DAHUB_ACTUAL, 125, 0, 1, "12.50"},
      {DAHUB_ACTUAL, 7, 0, 0, NULL},
      {DAHUB_ESTIMATED, 40, 0, 0, "approx. 40"},
      {DAHUB_SUPPRESSED, 0, 5, 0, "<5"},
      {DAHUB_SUPPRESSED, 0, 0, 0, "*"},
      {DAHUB_MISSING, 0, 0, 0, ""},
  };
  struct store_ingest in = {.feed = "synthetic",
                            .source_id = "synthetic",
                            .plugin = "mapped",
                            .plugin_version = "1",
                            .file_name = "texts.csv",
                            .size_bytes = 1,
                            .received_at = "2024-07-12T09:30:00Z"};
  sqlite3 *db;

  assert_int_equal(store_ingest_begin(f->st, &in, &f->err), 0);
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    struct store_obs o = {.area_code = "E07000130",
                          .period = "FY2024-25-Q3",
                          .measure_id = "helpline_contacts",
                          .dimensions = "{}",
                          .unit = "count",
                          .status = t[i].status,
                          .value = t[i].value,
                          .scale = t[i].scale,
                          .bound = t[i].bound,
                          .line = (uint32_t)i + 2,
                          .col = 3,
                          .raw = t[i].raw};

    assert_int_equal(store_ingest_obs(f->st, &o, &f->err), 0);
  }
  commit(f, "synthetic-texts");
  /* a locator as another program may have written one */
  assert_int_equal(sqlite3_open(f->store, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE observations SET locator = 'Sheet1!B7'"
                                " WHERE obs_id = (SELECT max(obs_id) FROM"
                                " observations)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The store at OLD_SCHEMA with every sample in it; *before and *current
 * its observations and current observations as text. */
static void build_old_store(struct fx *f, char **before, char **current) {
  assert_int_equal(store_open_version(f->store, OLD_SCHEMA, &f->st, &f->err),
                   0);
  for (size_t i = 0; i < N_SAMPLES; i++)
    ingest_sample(f, i);
  ingest_texts(f);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(query_int(f->store, "PRAGMA user_version"), OLD_SCHEMA);
  *before = dump(f->store, "observations");
  *current = dump(f->store, "current_observations");
}

static void test_migration_keeps_every_observation(void **state) {
  struct fx *f = *state;
  char *before, *current, *after;

  build_old_store(f, &before, &current);
  assert_true(query_int(f->store, "SELECT count(*) FROM observations") >= 400);
  assert_int_equal(store_open(f->store, &f->st, &f->err), 0);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(query_int(f->store, "PRAGMA user_version"),
                   STORE_SCHEMA_VERSION);
  after = dump(f->store, "observations_v");
  assert_string_equal(after, before);
  free(after);
  after = dump(f->store, "current_observations");
  assert_string_equal(after, current);
  free(after);
  /* and the texts went where they could be said again, or beside */
  assert_true(query_int(f->store, "SELECT count(*) FROM observations"
                                  " WHERE text_form = 1") > 0);
  assert_int_equal(query_int(f->store, "SELECT count(*) FROM observations"
                                       " WHERE text_form = 2"),
                   3);
  assert_true(query_int(f->store, "SELECT count(*) FROM observation_texts"
                                  " WHERE raw IS NOT NULL") > 0);
  assert_int_equal(query_int(f->store, "SELECT count(*) FROM"
                                       " observation_texts WHERE locator ="
                                       " 'Sheet1!B7'"),
                   1);
  free(before);
  free(current);
}

/* What today's dahub stores, read through the views, is what the old one
 * stored and the migration kept: the same figures, byte for byte. */
static void test_new_store_reads_as_migrated_one(void **state) {
  struct fx *f = *state;
  char *migrated, *fresh;

  assert_int_equal(store_open(f->store, &f->st, &f->err), 0);
  for (size_t i = 0; i < N_SAMPLES; i++)
    ingest_sample(f, i);
  store_close(f->st);
  f->st = NULL;
  fresh = dump(f->store, "observations_v");
  fixture_remove_tree(f->store);
  (void)unlink(f->store);
  assert_int_equal(store_open_version(f->store, OLD_SCHEMA, &f->st, &f->err),
                   0);
  for (size_t i = 0; i < N_SAMPLES; i++)
    ingest_sample(f, i);
  store_close(f->st);
  f->st = NULL;
  assert_int_equal(store_open(f->store, &f->st, &f->err), 0);
  store_close(f->st);
  f->st = NULL;
  migrated = dump(f->store, "observations_v");
  assert_string_equal(fresh, migrated);
  free(fresh);
  free(migrated);
}

static void copy_file(const char *from, const char *to) {
  size_t len;
  char *data = read_file(from, &len);

  write_file(to, data, len);
  free(data);
}

/* Opens (and so migrates) path in a child, killed with SIGKILL after
 * delay_us, or left to finish. */
static void migrate_killed(const char *path, long delay_us) {
  pid_t pid = fork();
  int status;

  assert_true(pid >= 0);
  if (pid == 0) {
    struct store *st;
    struct dahub_error e;

    _exit(store_open(path, &st, &e) == 0 ? 0 : 1);
  }
  if (delay_us >= 0) {
    struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};

    (void)nanosleep(&ts, NULL);
    (void)kill(pid, SIGKILL);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* Killed at any moment of the migration, the store is the old one whole
 * or the new one complete: never between, never damaged. */
static void test_kill_during_migration_leaves_old_or_new(void **state) {
  struct fx *f = *state;
  char old[160], *before, *current, *after, *seen;
  int olds = 0, news = 0;
  struct timespec t0, t1;
  long took_us;

  build_old_store(f, &before, &current);
  /* more rows, so that the migration takes long enough to be hit */
  {
    sqlite3 *db;

    assert_int_equal(sqlite3_open(f->store, &db), SQLITE_OK);
    for (int i = 0; i < 7; i++)
      assert_int_equal(
          sqlite3_exec(db,
                       "INSERT INTO observations SELECT NULL, ingest_id, feed,"
                       " source_id, service_id, area_code, period, measure_id,"
                       " dimensions, value, scale, value_status, bound, unit,"
                       " locator, raw FROM observations",
                       NULL, NULL, NULL),
          SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
  }
  free(before);
  before = dump(f->store, "observations");
  (void)snprintf(old, sizeof old, "%s.old", f->store);
  copy_file(f->store, old);
  (void)clock_gettime(CLOCK_MONOTONIC, &t0);
  migrate_killed(f->store, -1);
  (void)clock_gettime(CLOCK_MONOTONIC, &t1);
  took_us =
      (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
  after = dump(f->store, "observations_v");
  assert_string_equal(after, before);
  /* kills ever later, from the first moments to past the commit: the
   * machine's pace varies, so until the new store has been seen */
  for (long delay = took_us / 20; news == 0 && delay < 20 * took_us + 100000;
       delay = delay * 3 / 2 + 1000) {
    char wal[192], shm[192];

    (void)snprintf(wal, sizeof wal, "%s-wal", f->store);
    (void)snprintf(shm, sizeof shm, "%s-shm", f->store);
    (void)unlink(wal);
    (void)unlink(shm);
    copy_file(old, f->store);
    migrate_killed(f->store, delay);
    if (query_int(f->store, "PRAGMA user_version") == OLD_SCHEMA) {
      olds++;
      seen = dump(f->store, "observations");
    } else {
      news++;
      assert_int_equal(query_int(f->store, "PRAGMA user_version"),
                       STORE_SCHEMA_VERSION);
      seen = dump(f->store, "observations_v");
    }
    assert_string_equal(seen, before);
    free(seen);
    seen = query(f->store, "PRAGMA integrity_check");
    assert_string_equal(seen, "ok");
    free(seen);
  }
  print_message("migration of %lld rows in %ld us; after a kill: %d old, %d "
                "new\n",
                query_int(old, "SELECT count(*) FROM observations"), took_us,
                olds, news);
  assert_true(olds > 0);
  assert_true(news > 0);
  free(before);
  free(current);
  free(after);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_migration_keeps_every_observation,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_new_store_reads_as_migrated_one,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_kill_during_migration_leaves_old_or_new, setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
