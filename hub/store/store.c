/*
 * store.c: SQLite, the hub's memory (see store.h).
 *
 * Durability first: WAL with synchronous=FULL, because a file moves to done/
 * only after its commit and that order must hold across a power cut. An
 * ingest row is written at begin (its hash still NULL) so observations can
 * point at it; the commit sets the hash under UNIQUE(feed, sha256), which is
 * what makes "nothing counted twice" a property of the schema rather than
 * of our code. Supersession is a table, current_periods: for each feed and
 * period the ingest whose figures count now. Older ingests stay as history.
 *
 * The REFERENCES clauses document the schema but are not enforced
 * (foreign_keys=OFF): every row that points at an ingest is inserted by
 * this module inside that ingest's own transaction, so the check could
 * never fail, and it cost about 40 % of each insert on a large return.
 *
 * Threads: one connection, one mutex. A worker holds the mutex from
 * store_ingest_begin() to commit or rollback, and every other call holds it
 * for its length, so the connection is opened without SQLite's own mutex
 * (SQLITE_OPEN_NOMUTEX): taking two locks per call cost about a tenth of
 * an insert.
 */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
  Q_INGEST,
  Q_OBS,
  Q_FIND,
  Q_SET_HASH,
  Q_CURRENT,
  Q_RECEIPT,
  Q_EACH_CURRENT,
  Q_EACH_DELIVERY,
  Q_SUMMARY_LATEST,
  Q_SUMMARY_ADD,
  Q_RECORD,
  Q_EACH_RECORD,
  Q_PUB_ADD,
  Q_EACH_PUB,
  Q_COUNT,
};

static const char *const stmt_sql[Q_COUNT] = {
    [Q_INGEST] = "INSERT INTO ingests(feed, source_id, plugin, plugin_version,"
                 " file_name, size_bytes, received_at) VALUES(?,?,?,?,?,?,?)",
    [Q_OBS] = "INSERT INTO observations(ingest_id, feed, source_id, "
              "service_id, area_code, period, measure_id, dimensions, value, "
              "scale, value_status, bound, unit, locator, raw) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [Q_FIND] = "SELECT ingest_id, file_name, stored_at FROM ingests "
               "WHERE feed = ? AND sha256 = ?",
    [Q_SET_HASH] = "UPDATE ingests SET sha256 = ?, stored_at = ?, "
                   "observations = ? WHERE ingest_id = ?",
    [Q_CURRENT] = "INSERT INTO current_periods(feed, period, ingest_id) "
                  "SELECT feed, period, ingest_id FROM observations "
                  "WHERE ingest_id = ? GROUP BY period ON CONFLICT(feed, "
                  "period) DO UPDATE "
                  "SET ingest_id = excluded.ingest_id",
    [Q_RECEIPT] = "INSERT INTO receipts(feed, file_name, sha256, received_at,"
                  " outcome, ingest_id) VALUES(?,?,?,?,?,?)",
    [Q_EACH_CURRENT] =
        "SELECT feed, source_id, service_id, area_code, period, measure_id,"
        " dimensions, unit, value_status, value, scale, bound, ingest_id "
        "FROM current_observations WHERE substr(period, 1, length(?1)) = ?1"
        " ORDER BY obs_id",
    [Q_EACH_DELIVERY] =
        "SELECT o.feed, o.period, o.ingest_id, i.stored_at"
        " FROM observations o JOIN ingests i"
        " ON i.ingest_id = o.ingest_id WHERE i.sha256 IS NOT NULL AND"
        " substr(o.period, 1, length(?1)) = ?1"
        " GROUP BY o.feed, o.period, o.ingest_id"
        " ORDER BY o.feed, o.period, o.ingest_id",
    [Q_SUMMARY_LATEST] =
        "SELECT version, sha256 FROM summaries WHERE period = ?1 AND"
        " (?2 IS NULL OR meeting = ?2) ORDER BY version DESC LIMIT 1",
    [Q_SUMMARY_ADD] = "INSERT INTO summaries(period, version, meeting, sha256,"
                      " produced_at, folder) VALUES(?,?,?,?,?,?)",
    [Q_RECORD] = "INSERT INTO records(ingest_id, feed, kind, fields, locator)"
                 " VALUES(?,?,?,?,?)",
    /* the newest stored ingest of each feed that has records of the kind */
    [Q_EACH_RECORD] =
        "SELECT r.feed, r.fields, r.ingest_id FROM records r WHERE r.kind = ?1"
        " AND r.ingest_id = (SELECT max(r2.ingest_id) FROM records r2 JOIN"
        " ingests i ON i.ingest_id = r2.ingest_id WHERE r2.feed = r.feed AND"
        " r2.kind = ?1 AND i.sha256 IS NOT NULL) ORDER BY r.feed, r.record_id",
    [Q_PUB_ADD] = "INSERT INTO published_cells(summary_id, measure_id,"
                  " source_id, area_code, dimensions, value, scale, state,"
                  " threshold, ingests, whole, rule)"
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [Q_EACH_PUB] =
        "SELECT s.period, s.version, p.measure_id, p.source_id, p.area_code,"
        " p.dimensions, p.value, p.scale, p.state, p.threshold, p.ingests,"
        " p.whole, p.rule"
        " FROM published_cells p JOIN summaries s"
        " ON s.summary_id = p.summary_id"
        " WHERE substr(s.period, 1, length(?1)) = ?1"
        " ORDER BY s.period, s.version, p.rowid",
};

/* The schema a statement needs, where later than the first: a store opened
 * at an earlier version (tests of migrations) leaves it unprepared. */
static const int stmt_schema[Q_COUNT] = {[Q_PUB_ADD] = 6, [Q_EACH_PUB] = 6};

/* Each entry brings the schema from version i to i + 1. Only appended. */
static const char *const migrations[] = {
    "CREATE TABLE ingests("
    " ingest_id INTEGER PRIMARY KEY,"
    " feed TEXT NOT NULL, source_id TEXT NOT NULL,"
    " plugin TEXT NOT NULL, plugin_version TEXT NOT NULL,"
    " file_name TEXT NOT NULL, sha256 TEXT, size_bytes INTEGER NOT NULL,"
    " received_at TEXT NOT NULL, stored_at TEXT,"
    " observations INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(feed, sha256));"
    "CREATE TABLE observations("
    " obs_id INTEGER PRIMARY KEY,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " feed TEXT NOT NULL, source_id TEXT NOT NULL, service_id TEXT,"
    " area_code TEXT NOT NULL, period TEXT NOT NULL,"
    " measure_id TEXT NOT NULL, dimensions TEXT NOT NULL DEFAULT '{}',"
    " value INTEGER, scale INTEGER NOT NULL DEFAULT 0,"
    " value_status TEXT NOT NULL CHECK(value_status IN"
    "  ('actual','suppressed','missing','estimated')),"
    " bound INTEGER, unit TEXT NOT NULL, locator TEXT NOT NULL, raw TEXT);"
    "CREATE INDEX observations_by_ingest ON observations(ingest_id, period);"
    "CREATE INDEX observations_by_period ON observations(period, measure_id);"
    "CREATE TABLE current_periods("
    " feed TEXT NOT NULL, period TEXT NOT NULL,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " PRIMARY KEY(feed, period));"
    "CREATE VIEW current_observations AS SELECT o.* FROM observations o"
    " JOIN current_periods c ON c.feed = o.feed AND c.period = o.period"
    " AND c.ingest_id = o.ingest_id;"
    "CREATE TABLE receipts("
    " receipt_id INTEGER PRIMARY KEY,"
    " feed TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT,"
    " received_at TEXT NOT NULL,"
    " outcome TEXT NOT NULL CHECK(outcome IN ('stored','duplicate','failed')),"
    " ingest_id INTEGER REFERENCES ingests(ingest_id));",
    /* 2: board summaries, one row per version written */
    "CREATE TABLE summaries("
    " summary_id INTEGER PRIMARY KEY,"
    " period TEXT NOT NULL, version INTEGER NOT NULL, meeting TEXT,"
    " sha256 TEXT NOT NULL, produced_at TEXT NOT NULL, folder TEXT NOT NULL,"
    " UNIQUE(period, version));",
    /* 3: records that are not numbers (contracts of a register) */
    "CREATE TABLE records("
    " record_id INTEGER PRIMARY KEY,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " feed TEXT NOT NULL, kind TEXT NOT NULL, fields TEXT NOT NULL,"
    " locator TEXT NOT NULL);"
    "CREATE INDEX records_by_kind ON records(kind, feed, ingest_id);",
    /* 4: summaries find figures through current_periods and
     * observations_by_ingest; a second index only slowed every insert */
    "DROP INDEX observations_by_period;",
    /* 5: the status CHECK as comparisons, not IN: SQLite checks an IN list
     * by building a temporary b-tree for every row inserted, which was
     * most of the cost of storing a wide return */
    "CREATE TABLE observations_v5("
    " obs_id INTEGER PRIMARY KEY,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " feed TEXT NOT NULL, source_id TEXT NOT NULL, service_id TEXT,"
    " area_code TEXT NOT NULL, period TEXT NOT NULL,"
    " measure_id TEXT NOT NULL, dimensions TEXT NOT NULL DEFAULT '{}',"
    " value INTEGER, scale INTEGER NOT NULL DEFAULT 0,"
    " value_status TEXT NOT NULL CHECK(value_status = 'actual' OR"
    "  value_status = 'suppressed' OR value_status = 'missing' OR"
    "  value_status = 'estimated'),"
    " bound INTEGER, unit TEXT NOT NULL, locator TEXT NOT NULL, raw TEXT);"
    "INSERT INTO observations_v5 SELECT * FROM observations;"
    "DROP VIEW current_observations;"
    "DROP TABLE observations;"
    "ALTER TABLE observations_v5 RENAME TO observations;"
    "CREATE INDEX observations_by_ingest ON observations(ingest_id, period);"
    "CREATE VIEW current_observations AS SELECT o.* FROM observations o"
    " JOIN current_periods c ON c.feed = o.feed AND c.period = o.period"
    " AND c.ingest_id = o.ingest_id;",
    /* 6: every controlled cell of every summary version: its true count and
     * whether it was shown or hidden by which rule. Published summaries
     * carry one marker; the rule stays here, for the audit of later
     * versions and overlapping periods (and the board's auditor). */
    "CREATE TABLE published_cells("
    " summary_id INTEGER NOT NULL REFERENCES summaries(summary_id),"
    " measure_id TEXT NOT NULL, source_id TEXT NOT NULL,"
    " area_code TEXT NOT NULL, dimensions TEXT NOT NULL,"
    " value INTEGER NOT NULL, scale INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK(state = 'shown' OR state = 'primary' OR"
    "  state = 'secondary' OR state = 'source'),"
    " threshold INTEGER NOT NULL, ingests TEXT NOT NULL,"
    " whole INTEGER NOT NULL, rule INTEGER NOT NULL);"
    "CREATE INDEX published_cells_by_summary ON published_cells(summary_id);",
};

struct store {
  sqlite3 *db;
  sqlite3_stmt *q[Q_COUNT];
  pthread_mutex_t lock;
  /* The open transaction's ingest, copied at begin. */
  int64_t ingest_id;
  int64_t n_obs;
  char feed[128];
  char source_id[128];
  char file_name[256];
};

static const char *const status_names[] = {[DAHUB_ACTUAL] = "actual",
                                           [DAHUB_SUPPRESSED] = "suppressed",
                                           [DAHUB_MISSING] = "missing",
                                           [DAHUB_ESTIMATED] = "estimated"};

void store_now(char buf[32]) {
  struct tm tm;
  time_t t = time(NULL);

  (void)gmtime_r(&t, &tm);
  (void)strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Transient results mean the same work may succeed later. */
static int store_code(int rc) {
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_READONLY:
  case SQLITE_CANTOPEN:
  case SQLITE_PROTOCOL:
    return -EAGAIN;
  default:
    return -EIO;
  }
}

static int fail(struct store *st, int rc, const char *what,
                struct dahub_error *err) {
  int sys = sqlite3_system_errno(st->db);

  /* "disk I/O error" alone hides a full disk (ENOSPC) or a size limit
   * (EFBIG): say which when the OS told SQLite */
  if ((rc & 0xff) == SQLITE_IOERR && sys != 0)
    return dahub_error_set(err, store_code(rc), 0, 0, "store: %s: %s (%s)",
                           what, sqlite3_errmsg(st->db), strerror(sys));
  return dahub_error_set(err, store_code(rc), 0, 0, "store: %s: %s", what,
                         sqlite3_errmsg(st->db));
}

static int exec(struct store *st, const char *sql, struct dahub_error *err) {
  int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK ? 0 : fail(st, rc, "exec", err);
}

#define LATEST_SCHEMA ((int)(sizeof migrations / sizeof *migrations))
_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must name the last migration");

/* Reads the schema version and refuses one newer than ours, before anything
 * (even a journal mode) is changed in a store a newer dahub owns. */
static int schema_version(struct store *st, int *version,
                          struct dahub_error *err) {
  sqlite3_stmt *q = NULL;
  int rc;

  *version = 0;
  rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    *version = sqlite3_column_int(q, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_OK)
    return fail(st, rc, "read schema version", err);
  if (*version > LATEST_SCHEMA)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "store: schema version %d is newer than this dahub "
                           "(%d); refusing to touch it",
                           *version, LATEST_SCHEMA);
  return 0;
}

static int migrate(struct store *st, int version, int latest,
                   struct dahub_error *err) {
  char sql[64];
  int rc;

  for (; version < latest; version++) {
    if ((rc = exec(st, "BEGIN IMMEDIATE", err)) != 0)
      return rc;
    (void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
    if ((rc = exec(st, migrations[version], err)) != 0 ||
        (rc = exec(st, sql, err)) != 0) {
      (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
      return rc;
    }
    if ((rc = exec(st, "COMMIT", err)) != 0)
      return rc;
  }
  return 0;
}

int store_open(const char *path, struct store **out, struct dahub_error *err) {
  return store_open_version(path, LATEST_SCHEMA, out, err);
}

int store_open_version(const char *path, int latest, struct store **out,
                       struct dahub_error *err) {
  struct store *st = calloc(1, sizeof *st);
  int version, rc;

  *out = NULL;
  if (st == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: out of memory");
  if (pthread_mutex_init(&st->lock, NULL) != 0) {
    free(st);
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: mutex");
  }
  rc = sqlite3_open_v2(
      path, &st->db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    rc = dahub_error_set(err, store_code(rc), 0, 0, "store: open %s: %s", path,
                         st->db ? sqlite3_errmsg(st->db) : "out of memory");
    goto out;
  }
  (void)sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
  if ((rc = schema_version(st, &version, err)) != 0 ||
      (rc = exec(st,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-8192;",
                 err)) != 0 ||
      (rc = migrate(st, version, latest, err)) != 0)
    goto out;
  for (int i = 0; i < Q_COUNT; i++) {
    int r;

    if (stmt_schema[i] > latest)
      continue;
    r = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                           &st->q[i], NULL);
    if (r != SQLITE_OK) {
      rc = fail(st, r, "prepare", err);
      goto out;
    }
  }
  *out = st;
  st = NULL;
out:
  store_close(st);
  return rc;
}

void store_close(struct store *st) {
  if (st == NULL)
    return;
  for (int i = 0; i < Q_COUNT; i++)
    sqlite3_finalize(st->q[i]);
  (void)sqlite3_close(st->db);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

static void bind_text(sqlite3_stmt *q, int i, const char *s) {
  if (s == NULL)
    (void)sqlite3_bind_null(q, i);
  else
    (void)sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

/* Makes a prepared statement ready for its next use. */
static void stmt_release(sqlite3_stmt *q) {
  (void)sqlite3_reset(q);
  (void)sqlite3_clear_bindings(q);
}

/* Steps q once, expecting no row; resets it; 0 or a code with err. */
static int step_done(struct store *st, sqlite3_stmt *q, const char *what,
                     struct dahub_error *err) {
  int rc = sqlite3_step(q);

  rc = rc == SQLITE_DONE ? 0 : fail(st, rc, what, err);
  stmt_release(q);
  return rc;
}

int store_ingest_begin(struct store *st, const struct store_ingest *in,
                       struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_INGEST];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  if ((rc = exec(st, "BEGIN IMMEDIATE", err)) != 0)
    goto out;
  bind_text(q, 1, in->feed);
  bind_text(q, 2, in->source_id);
  bind_text(q, 3, in->plugin);
  bind_text(q, 4, in->plugin_version);
  bind_text(q, 5, in->file_name);
  (void)sqlite3_bind_int64(q, 6, (sqlite3_int64)in->size_bytes);
  bind_text(q, 7, in->received_at);
  if ((rc = step_done(st, q, "insert ingest", err)) != 0) {
    (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    goto out;
  }
  st->ingest_id = sqlite3_last_insert_rowid(st->db);
  st->n_obs = 0;
  (void)snprintf(st->feed, sizeof st->feed, "%s", in->feed);
  (void)snprintf(st->source_id, sizeof st->source_id, "%s", in->source_id);
  (void)snprintf(st->file_name, sizeof st->file_name, "%s", in->file_name);
  return 0; /* the caller holds the store until commit or rollback */
out:
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

/* Writes the decimal digits of n at p; returns the end. */
static char *put_uint(char *p, uint32_t n) {
  char tmp[10];
  size_t k = 0;

  do
    tmp[k++] = (char)('0' + n % 10);
  while ((n /= 10) != 0);
  while (k > 0)
    *p++ = tmp[--k];
  return p;
}

/* "r<line>c<col>": once per observation, where snprintf was a tenth of the
 * cost of storing a wide return. */
static void locator(char out[24], uint32_t line, uint32_t col) {
  char *p = out;

  *p++ = 'r';
  p = put_uint(p, line);
  *p++ = 'c';
  p = put_uint(p, col);
  *p = '\0';
}

int store_ingest_obs(struct store *st, const struct store_obs *o,
                     struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_OBS];
  char loc[32];
  int rc;

  locator(loc, o->line, o->col);
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  bind_text(q, 2, st->feed);
  bind_text(q, 3, st->source_id);
  bind_text(q, 4, o->service_id);
  bind_text(q, 5, o->area_code);
  bind_text(q, 6, o->period);
  bind_text(q, 7, o->measure_id);
  bind_text(q, 8, o->dimensions);
  if (o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED)
    (void)sqlite3_bind_int64(q, 9, o->value);
  else
    (void)sqlite3_bind_null(q, 9);
  (void)sqlite3_bind_int(q, 10, o->scale);
  bind_text(q, 11, status_names[o->status]);
  if (o->status == DAHUB_SUPPRESSED && o->bound > 0)
    (void)sqlite3_bind_int64(q, 12, o->bound);
  else
    (void)sqlite3_bind_null(q, 12);
  bind_text(q, 13, o->unit);
  bind_text(q, 14, loc);
  bind_text(q, 15, o->raw);
  if ((rc = step_done(st, q, "insert observation", err)) == 0)
    st->n_obs++;
  return rc;
}

static int find_hash(struct store *st, const char *feed, const char *sha256,
                     struct store_match *m, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_FIND];
  int rc;

  bind_text(q, 1, feed);
  bind_text(q, 2, sha256);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    m->ingest_id = sqlite3_column_int64(q, 0);
    (void)snprintf(m->file_name, sizeof m->file_name, "%s",
                   (const char *)sqlite3_column_text(q, 1));
    (void)snprintf(m->stored_at, sizeof m->stored_at, "%s",
                   sqlite3_column_text(q, 2)
                       ? (const char *)sqlite3_column_text(q, 2)
                       : "");
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "find hash", err);
  }
  stmt_release(q);
  return rc;
}

int store_find_hash(struct store *st, const char *feed, const char *sha256,
                    struct store_match *match, struct dahub_error *err) {
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  rc = find_hash(st, feed, sha256, match, err);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

void store_ingest_rollback(struct store *st) {
  (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  st->ingest_id = 0;
  (void)pthread_mutex_unlock(&st->lock);
}

int store_ingest_commit(struct store *st, const char *sha256,
                        int64_t *ingest_id, struct store_match *match,
                        struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SET_HASH];
  char now[32];
  int rc;

  /* Checked inside the transaction: two copies claimed at once cannot both
   * pass, and UNIQUE(feed, sha256) stands behind this anyway. */
  if ((rc = find_hash(st, st->feed, sha256, match, err)) != 0)
    goto out;
  store_now(now);
  bind_text(q, 1, sha256);
  bind_text(q, 2, now);
  (void)sqlite3_bind_int64(q, 3, st->n_obs);
  (void)sqlite3_bind_int64(q, 4, st->ingest_id);
  if ((rc = step_done(st, q, "record hash", err)) != 0)
    goto out;
  q = st->q[Q_CURRENT];
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  if ((rc = step_done(st, q, "make current", err)) != 0)
    goto out;
  q = st->q[Q_RECEIPT];
  bind_text(q, 1, st->feed);
  bind_text(q, 2, st->file_name);
  bind_text(q, 3, sha256);
  bind_text(q, 4, now);
  bind_text(q, 5, "stored");
  (void)sqlite3_bind_int64(q, 6, st->ingest_id);
  if ((rc = step_done(st, q, "receipt", err)) != 0 ||
      (rc = exec(st, "COMMIT", err)) != 0)
    goto out;
  *ingest_id = st->ingest_id;
  st->ingest_id = 0;
  (void)pthread_mutex_unlock(&st->lock);
  return 0;
out:
  store_ingest_rollback(st);
  return rc;
}

int store_receipt(struct store *st, const char *feed, const char *file_name,
                  const char *sha256, const char *outcome, int64_t ingest_id,
                  struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_RECEIPT];
  char now[32];
  int rc;

  store_now(now);
  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, feed);
  bind_text(q, 2, file_name);
  bind_text(q, 3, sha256);
  bind_text(q, 4, now);
  bind_text(q, 5, outcome);
  if (ingest_id > 0)
    (void)sqlite3_bind_int64(q, 6, ingest_id);
  else
    (void)sqlite3_bind_null(q, 6);
  rc = step_done(st, q, "receipt", err);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

static const char *column_text(sqlite3_stmt *q, int i) {
  return (const char *)sqlite3_column_text(q, i);
}

int store_each_current(struct store *st, const char *prefix,
                       int (*fn)(void *arg, const struct store_row *r),
                       void *arg, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_EACH_CURRENT];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, prefix);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_row r = {
        .feed = column_text(q, 0),
        .source_id = column_text(q, 1),
        .service_id = column_text(q, 2),
        .area_code = column_text(q, 3),
        .period = column_text(q, 4),
        .measure_id = column_text(q, 5),
        .dimensions = column_text(q, 6),
        .unit = column_text(q, 7),
        .value = sqlite3_column_int64(q, 9),
        .scale = sqlite3_column_int(q, 10),
        .bound = sqlite3_column_int64(q, 11),
        .ingest_id = sqlite3_column_int64(q, 12),
    };
    const char *status = column_text(q, 8);
    int stop;

    r.status = DAHUB_ACTUAL;
    for (int i = 0; i <= DAHUB_ESTIMATED; i++)
      if (status != NULL && strcmp(status, status_names[i]) == 0)
        r.status = (enum dahub_status)i;
    if ((stop = fn(arg, &r)) != 0) {
      rc = stop;
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "read observations", err);
out:
  stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_each_delivery(struct store *st, const char *prefix,
                        int (*fn)(void *arg, const char *feed,
                                  const char *period, int64_t ingest_id,
                                  const char *stored_at),
                        void *arg, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_EACH_DELIVERY];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, prefix);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int stop = fn(arg, column_text(q, 0), column_text(q, 1),
                  sqlite3_column_int64(q, 2), column_text(q, 3));
    if (stop != 0) {
      rc = stop;
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "read deliveries", err);
out:
  stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_summary_latest(struct store *st, const char *period,
                         const char *meeting, int *version, char sha256[65],
                         struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SUMMARY_LATEST];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, period);
  bind_text(q, 2, meeting);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    *version = sqlite3_column_int(q, 0);
    (void)snprintf(sha256, 65, "%s", column_text(q, 1));
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "read summaries", err);
  }
  stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

static const char *const pub_states[] = {"shown", "primary", "secondary",
                                         "source"};

int store_summary_add(struct store *st, const char *period, int version,
                      const char *meeting, const char *sha256,
                      const char *folder, const struct store_pub_cell *cells,
                      size_t n_cells, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SUMMARY_ADD];
  int64_t id;
  char now[32];
  int rc;

  store_now(now);
  (void)pthread_mutex_lock(&st->lock);
  if ((rc = exec(st, "BEGIN IMMEDIATE", err)) != 0)
    goto out;
  bind_text(q, 1, period);
  (void)sqlite3_bind_int(q, 2, version);
  bind_text(q, 3, meeting);
  bind_text(q, 4, sha256);
  bind_text(q, 5, now);
  bind_text(q, 6, folder);
  if ((rc = step_done(st, q, "record summary", err)) != 0)
    goto rollback;
  id = sqlite3_last_insert_rowid(st->db);
  q = st->q[Q_PUB_ADD];
  for (size_t i = 0; i < n_cells; i++) {
    const struct store_pub_cell *c = &cells[i];

    if (c->state < 0 || c->state > 3) {
      rc = dahub_error_set(err, -EINVAL, 0, 0, "record summary: bad state");
      goto rollback;
    }
    (void)sqlite3_bind_int64(q, 1, id);
    bind_text(q, 2, c->measure);
    bind_text(q, 3, c->source_id);
    bind_text(q, 4, c->area);
    bind_text(q, 5, c->dims);
    (void)sqlite3_bind_int64(q, 6, c->value);
    (void)sqlite3_bind_int(q, 7, c->scale);
    bind_text(q, 8, pub_states[c->state]);
    (void)sqlite3_bind_int64(q, 9, c->threshold);
    bind_text(q, 10, c->ingests);
    (void)sqlite3_bind_int(q, 11, c->whole != 0);
    (void)sqlite3_bind_int(q, 12, c->rule);
    if ((rc = step_done(st, q, "record summary cells", err)) != 0)
      goto rollback;
  }
  rc = exec(st, "COMMIT", err);
  if (rc == 0)
    goto out;
rollback:
  (void)exec(st, "ROLLBACK", NULL);
out:
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_each_published(struct store *st, const char *prefix,
                         int (*fn)(void *arg, const struct store_pub_cell *c),
                         void *arg, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_EACH_PUB];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, prefix);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *state = column_text(q, 8);
    struct store_pub_cell c = {
        .period = column_text(q, 0),
        .version = sqlite3_column_int(q, 1),
        .measure = column_text(q, 2),
        .source_id = column_text(q, 3),
        .area = column_text(q, 4),
        .dims = column_text(q, 5),
        .value = sqlite3_column_int64(q, 6),
        .scale = sqlite3_column_int(q, 7),
        .state = -1,
        .threshold = sqlite3_column_int64(q, 9),
        .ingests = column_text(q, 10),
        .whole = sqlite3_column_int(q, 11),
        .rule = sqlite3_column_int(q, 12),
    };
    int stop;

    for (int k = 0; k < 4; k++)
      if (strcmp(state, pub_states[k]) == 0)
        c.state = k;
    if ((stop = fn(arg, &c)) != 0) {
      rc = stop;
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "read published cells", err);
out:
  stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_ingest_record(struct store *st, const char *kind,
                        const char *fields_json, uint32_t line,
                        struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_RECORD];
  char loc[32];

  (void)snprintf(loc, sizeof loc, "r%u", line);
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  bind_text(q, 2, st->feed);
  bind_text(q, 3, kind);
  bind_text(q, 4, fields_json);
  bind_text(q, 5, loc);
  return step_done(st, q, "insert record", err);
}

int store_each_record(struct store *st, const char *kind,
                      int (*fn)(void *arg, const char *feed, const char *fields,
                                int64_t ingest_id),
                      void *arg, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_EACH_RECORD];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  bind_text(q, 1, kind);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int stop = fn(arg, column_text(q, 0), column_text(q, 1),
                  sqlite3_column_int64(q, 2));
    if (stop != 0) {
      rc = stop;
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fail(st, rc, "read records", err);
out:
  stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}
