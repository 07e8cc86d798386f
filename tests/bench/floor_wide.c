/*
 * floor_wide.c: the least storing a wide return's figures can cost, for
 * the benchmark: SQLite's own cost for the store's schema.
 *
 *   dahub_floor_wide RETURN.csv STORE.sqlite [bare]
 *
 * Reads the benchmark's wide return (gen.py wide: services and measures
 * down, eight areas across, "1,234", "<5" or blank in a cell) into memory
 * untimed, each figure already as the keys and numbers the store keeps,
 * and makes STORE.sqlite with the store's schema (store_open) and its
 * dictionaries filled. Then times what is left: opening the store as the
 * store does (WAL, synchronous=FULL, its page cache), and inserting every
 * figure in one transaction, commit included, with one prepared statement
 * of 32 rows as the store inserts them (one of a row for a remainder).
 * No validation, no dictionary lookups, no side table of texts: those are
 * dahub's work on top of this.
 *
 * With "bare", the table alone: its index on (ingest, period) is dropped
 * before the clock starts. The store cannot do without it (the current
 * figures and supersession read through it), but it tells how far below
 * the floor any row-a-figure store in SQLite could go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

#define AREAS 8
#define MEASURES 8
#define MANY 32 /* rows a statement, as the store's STORE_OBS_MANY */

/* gen.py's, in its order */
static const char *const measures[MEASURES] = {
    "referrals_received", "referrals_accepted",   "individuals_supported",
    "cases_opened",       "cases_closed",         "helpline_contacts",
    "sessions_delivered", "professionals_trained"};

struct fig {
  int period, service, measure, area, status, text_form;
  long long value, bound;
  unsigned line, col;
};

static double now_s(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next field of a CSV line at *p (quotes as gen.py writes them) into
 * out; returns 0 at the end of the line. */
static int field(const char **p, char *out, size_t cap) {
  const char *s = *p;
  size_t n = 0;

  if (*s == '\r' || *s == '\n' || *s == '\0')
    return 0;
  if (*s == '"') {
    for (s++; *s != '\0' && *s != '"'; s++)
      if (n + 1 < cap)
        out[n++] = *s;
    if (*s == '"')
      s++;
  } else {
    for (; *s != ',' && *s != '\r' && *s != '\n' && *s != '\0'; s++)
      if (n + 1 < cap)
        out[n++] = *s;
  }
  out[n] = '\0';
  if (*s == ',') /* a line's end stays, so the next call says so */
    s++;
  *p = s;
  return 1;
}

static int measure_of(const char *s) {
  for (int i = 0; i < MEASURES; i++)
    if (strcmp(s, measures[i]) == 0)
      return i + 1;
  return -1;
}

/* A cell as the store keeps it: blank missing, "<5" suppressed (bound 5),
 * else a whole number, written with or without thousands commas. */
static void cell(const char *s, struct fig *f) {
  long long v = 0;
  int commas = 0;

  if (*s == '\0') {
    f->status = 2;
    f->text_form = 3;
    return;
  }
  if (*s == '<') {
    f->status = 1;
    f->bound = strtoll(s + 1, NULL, 10);
    f->text_form = 3;
    return;
  }
  for (; *s != '\0'; s++)
    if (*s == ',')
      commas = 1;
    else
      v = v * 10 + (*s - '0');
  f->status = 0;
  f->value = v;
  f->text_form = commas ? 2 : 1;
}

/* Every figure of the return at path: 0 with *out (free()) and *n. */
static int read_return(const char *path, struct fig **out, size_t *n) {
  FILE *fp = fopen(path, "rb");
  static char line[4096];
  char f[64];
  size_t cap = 1 << 20, k = 0;
  struct fig *figs = malloc(cap * sizeof *figs);
  unsigned lineno = 0;
  int header = 0;

  if (fp == NULL || figs == NULL)
    return -1;
  while (fgets(line, sizeof line, fp) != NULL) {
    const char *p = line;
    int svc, meas, fy, q;
    char period[32];

    lineno++;
    if (!header) {
      header = strncmp(line, "Service,", 8) == 0;
      continue;
    }
    if (!field(&p, f, sizeof f) || sscanf(f, "Service %d", &svc) != 1)
      continue;
    (void)field(&p, f, sizeof f);
    meas = measure_of(f);
    (void)field(&p, period, sizeof period);
    if (meas < 0 || sscanf(period, "FY%d-%*d-Q%d", &fy, &q) != 2)
      return -1;
    for (int a = 0; a < AREAS; a++) {
      if (k == cap) {
        struct fig *more = realloc(figs, 2 * cap * sizeof *figs);

        if (more == NULL)
          return -1;
        figs = more;
        cap *= 2;
      }
      figs[k] = (struct fig){.period = (fy - 1900) * 4 + q,
                             .service = svc,
                             .measure = meas,
                             .area = a + 1,
                             .line = lineno,
                             .col = (unsigned)a + 4};
      (void)field(&p, f, sizeof f);
      cell(f, &figs[k]);
      k++;
    }
  }
  (void)fclose(fp);
  *out = figs;
  *n = k;
  return 0;
}

static int exec(sqlite3 *db, const char *sql) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return 0;
  fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
  return -1;
}

/* The store's schema at path, and its dictionaries filled (untimed). */
static int make_store(const char *path, int bare) {
  struct dahub_error err = {0};
  struct store *st;
  sqlite3 *db;
  int rc;

  if (store_open(path, &st, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  store_close(st);
  if (sqlite3_open(path, &db) != SQLITE_OK)
    return -1;
  rc = exec(db, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                " SELECT i + 1 FROM n WHERE i < 4400)"
                " INSERT INTO periods SELECT i, 'p' || i FROM n;"
                " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                " FROM n WHERE i < 99) INSERT INTO services"
                " SELECT i, 'bench.s' || i FROM n;"
                " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                " FROM n WHERE i < 8) INSERT INTO areas SELECT i, 'a' || i"
                " FROM n; INSERT INTO measures SELECT area_key, 'm' ||"
                " area_key, 'count' FROM areas;"
                " INSERT INTO breakdowns VALUES(1, '{}'); COMMIT");
  if (rc == 0 && bare)
    rc = exec(db, "DROP INDEX observations_by_ingest");
  (void)sqlite3_close(db);
  return rc;
}

/* One statement inserting k rows of figures (k as the store's multi-row
 * insert, or 1 for what is left over), into sql. */
static void insert_sql(char *sql, size_t cap, int k) {
  size_t len = (size_t)snprintf(
      sql, cap,
      "INSERT INTO observations(obs_id, ingest_id, period_key, area_key,"
      " measure_key, service_key, breakdown_key, status, value, scale, bound,"
      " line, col, text_form) VALUES");

  for (int r = 0; r < k && len < cap; r++)
    len +=
        (size_t)snprintf(sql + len, cap - len,
                         "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", r > 0 ? "," : "");
}

/* Binds figure f (obs_id id) at parameters at + 1 ... at + 14. */
static void bind_fig(sqlite3_stmt *q, int at, const struct fig *f,
                     long long id) {
  (void)sqlite3_bind_int64(q, at + 1, id);
  (void)sqlite3_bind_int64(q, at + 2, 1);
  (void)sqlite3_bind_int(q, at + 3, f->period);
  (void)sqlite3_bind_int(q, at + 4, f->area);
  (void)sqlite3_bind_int(q, at + 5, f->measure);
  (void)sqlite3_bind_int(q, at + 6, f->service);
  (void)sqlite3_bind_int(q, at + 7, 1);
  (void)sqlite3_bind_int(q, at + 8, f->status);
  if (f->status == 0)
    (void)sqlite3_bind_int64(q, at + 9, f->value);
  else
    (void)sqlite3_bind_null(q, at + 9);
  (void)sqlite3_bind_int(q, at + 10, 0);
  if (f->status == 1)
    (void)sqlite3_bind_int64(q, at + 11, f->bound);
  else
    (void)sqlite3_bind_null(q, at + 11);
  (void)sqlite3_bind_int(q, at + 12, (int)f->line);
  (void)sqlite3_bind_int(q, at + 13, (int)f->col);
  (void)sqlite3_bind_int(q, at + 14, f->text_form);
}

int main(int argc, char **argv) {
  static char sql[MANY * 40 + 256];
  struct fig *figs = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL, *one = NULL;
  size_t n = 0, i = 0;
  double t0, t;
  int rc = 1;

  if (argc != 3 && !(argc == 4 && strcmp(argv[3], "bare") == 0)) {
    fprintf(stderr, "usage: dahub_floor_wide RETURN.csv STORE.sqlite [bare]\n");
    return 2;
  }
  (void)remove(argv[2]);
  if (read_return(argv[1], &figs, &n) != 0 ||
      make_store(argv[2], argc == 4) != 0) {
    fprintf(stderr, "dahub_floor_wide: cannot read %s or make %s\n", argv[1],
            argv[2]);
    goto out;
  }
  t0 = now_s();
  if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK ||
      exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               " PRAGMA cache_size=-4096; BEGIN IMMEDIATE;"
               " INSERT INTO ingests(feed, source_id, plugin, plugin_version,"
               " file_name, size_bytes, received_at) VALUES('bench_wide',"
               " 'bench', 'floor', '1', 'wide.csv', 0, '')") != 0)
    goto out;
  insert_sql(sql, sizeof sql, MANY);
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) !=
      SQLITE_OK)
    goto out;
  insert_sql(sql, sizeof sql, 1);
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &one, NULL) !=
      SQLITE_OK)
    goto out;
  while (i < n) {
    size_t k = n - i >= MANY ? MANY : 1;
    sqlite3_stmt *s = k == MANY ? q : one;

    for (size_t r = 0; r < k; r++)
      bind_fig(s, 14 * (int)r, &figs[i + r], (long long)(i + r + 1));
    if (sqlite3_step(s) != SQLITE_DONE) {
      fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
      goto out;
    }
    (void)sqlite3_reset(s);
    i += k;
  }
  if (exec(db, "COMMIT") != 0)
    goto out;
  t = now_s() - t0;
  printf("floor %.3f s (%zu observations inserted, %.2f us each)\n", t, n,
         t / (double)n * 1e6);
  rc = 0;
out:
  sqlite3_finalize(q);
  sqlite3_finalize(one);
  (void)sqlite3_close(db);
  free(figs);
  return rc;
}
