/*
 * store.c: SQLite, the hub's memory (see store.h): opening and closing the
 * store, its prepared statements, and the helpers its other files share
 * (store_int.h): store_schema.c migrates, store_ingest.c writes a file's
 * figures, store_query.c reads them back, store_summary.c keeps what was
 * published, store_backup.c copies the store and store_verify.c checks it.
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
 * never store_fail, and it cost about 40 % of each insert on a large return.
 *
 * Threads: one connection, one mutex. A worker holds the mutex from
 * store_ingest_begin() to commit or rollback, and every other call holds it
 * for its length, so the connection is opened without SQLite's own mutex
 * (SQLITE_OPEN_NOMUTEX): taking two locks per call cost about a tenth of
 * an insert.
 */
#include "store_int.h"

#include "pgstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 5000

/* A figure's columns in the narrow table, and one row of values. Q_OBS_MANY
 * inserts STORE_OBS_MANY (32) rows at once. */
#define OBS_INSERT_COLUMNS                                                     \
  "(obs_id, ingest_id, period_key, area_key, measure_key, service_key,"        \
  " breakdown_key, status, value, scale, bound, line, col, text_form) "
#define OBS_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define OBS_ROWS_8                                                             \
  OBS_ROW "," OBS_ROW "," OBS_ROW "," OBS_ROW "," OBS_ROW "," OBS_ROW          \
          "," OBS_ROW "," OBS_ROW

/* A dictionary's key for a text, added if new (one text column). */
#define DICT_SQL(table, column, key)                                           \
  "INSERT INTO " table "(" column ") VALUES(?1) ON CONFLICT"                   \
  " DO UPDATE SET " column " = ?1 RETURNING " key

static const char *const stmt_sql[Q_COUNT] = {
    [Q_INGEST] = "INSERT INTO ingests(feed, source_id, plugin, plugin_version,"
                 " file_name, size_bytes, received_at) VALUES(?,?,?,?,?,?,?)",
    [Q_OBS] = "INSERT INTO observations" OBS_INSERT_COLUMNS "VALUES" OBS_ROW,
    [Q_OBS_MANY] =
        "INSERT INTO observations" OBS_INSERT_COLUMNS "VALUES" OBS_ROWS_8
        "," OBS_ROWS_8 "," OBS_ROWS_8 "," OBS_ROWS_8,
    [Q_NEXT_OBS] = "SELECT coalesce(max(obs_id), 0) + 1 FROM observations",
    [Q_FIND] = "SELECT ingest_id, file_name, stored_at FROM ingests "
               "WHERE feed = ? AND sha256 = ?",
    [Q_SET_HASH] = "UPDATE ingests SET sha256 = ?, stored_at = ?, "
                   "observations = ? WHERE ingest_id = ?",
    /* the periods through observations_by_ingest, then their texts;
     * "WHERE true" tells the parser that ON CONFLICT is the upsert's */
    [Q_CURRENT] = "INSERT INTO current_periods(feed, period, ingest_id) "
                  "SELECT ?2, p.period, ?1 FROM (SELECT DISTINCT period_key "
                  "FROM observations WHERE ingest_id = ?1) o JOIN periods p "
                  "ON p.period_key = o.period_key WHERE true "
                  "ON CONFLICT(feed, period) DO UPDATE "
                  "SET ingest_id = excluded.ingest_id",
    [Q_RECEIPT] = "INSERT INTO receipts(feed, file_name, sha256, received_at,"
                  " outcome, ingest_id) VALUES(?,?,?,?,?,?)",
    [Q_EACH_CURRENT] =
        "SELECT feed, source_id, service_id, area_code, period, measure_id,"
        " dimensions, unit, value_status, value, scale, bound, ingest_id "
        "FROM current_observations WHERE substr(period, 1, length(?1)) = ?1"
        " ORDER BY obs_id",
    [Q_EACH_DELIVERY] =
        "SELECT i.feed, p.period, o.ingest_id, i.stored_at"
        " FROM (SELECT DISTINCT ingest_id, period_key FROM observations) o"
        " JOIN ingests i ON i.ingest_id = o.ingest_id"
        " JOIN periods p ON p.period_key = o.period_key"
        " WHERE i.sha256 IS NOT NULL AND substr(p.period, 1, length(?1)) = ?1"
        " ORDER BY i.feed, p.period, o.ingest_id",
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
    [Q_OBS_TEXT] = "INSERT INTO observation_texts(obs_id, raw) VALUES(?,?)",
    /* DO UPDATE, not DO NOTHING: RETURNING answers only rows it touched */
    [Q_DICT_AREA] = DICT_SQL("areas", "area_code", "area_key"),
    [Q_DICT_PERIOD] = DICT_SQL("periods", "period", "period_key"),
    [Q_DICT_MEASURE] = "INSERT INTO measures(measure_id, unit) VALUES(?1, ?2)"
                       " ON CONFLICT DO UPDATE SET unit = ?2"
                       " RETURNING measure_key",
    [Q_DICT_SERVICE] = DICT_SQL("services", "service_id", "service_key"),
    [Q_DICT_BREAKDOWN] = DICT_SQL("breakdowns", "dimensions", "breakdown_key"),
};

/* The schema a statement needs, where later than the first: a store opened
 * at an earlier version (tests of migrations) leaves it unprepared. */
static const int stmt_schema[Q_COUNT] = {
    [Q_PUB_ADD] = 6,      [Q_EACH_PUB] = 6,       [Q_OBS_TEXT] = 9,
    [Q_DICT_AREA] = 9,    [Q_DICT_PERIOD] = 9,    [Q_DICT_MEASURE] = 9,
    [Q_DICT_SERVICE] = 9, [Q_DICT_BREAKDOWN] = 9, [Q_OBS_MANY] = 9,
    [Q_NEXT_OBS] = 9,
};

const char *const store_status_names[4] = {[DAHUB_ACTUAL] = "actual",
                                           [DAHUB_SUPPRESSED] = "suppressed",
                                           [DAHUB_MISSING] = "missing",
                                           [DAHUB_ESTIMATED] = "estimated"};

const char *const store_pub_states[4] = {"shown", "primary", "secondary",
                                         "source"};

const char *const store_outbox_states[OUTBOX_NSTATES] = {
    [OUTBOX_PENDING] = "pending",
    [OUTBOX_SENDING] = "sending",
    [OUTBOX_SENT] = "sent",
    [OUTBOX_RETRYING] = "retrying",
    [OUTBOX_PARKED] = "parked"};

int store_name_index(const char *s, const char *const *names, int n, int dflt) {
  for (int i = 0; s != NULL && i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return dflt;
}

/* sqlite3_column_*() take the statement unqualified but only read it. */
const char *store_sqlite_text(const void *q, int i) {
  return store_column_text((sqlite3_stmt *)q, i);
}

int64_t store_sqlite_num(const void *q, int i) {
  return sqlite3_column_int64((sqlite3_stmt *)q, i);
}

int store_call_sqlite(const struct store_call *c, sqlite3_stmt *q) {
  return store_call_row(c, STORE_SQLITE_COLS(q));
}

void store_now(char buf[32]) {
  struct tm tm;
  time_t t = time(NULL);

  (void)gmtime_r(&t, &tm);
  (void)strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t store_now_ms(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

int store_fail(struct store *st, int rc, const char *what,
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

int store_exec(struct store *st, const char *sql, struct dahub_error *err) {
  int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK ? 0 : store_fail(st, rc, "exec", err);
}
int store_open(const char *path, struct store **out, struct dahub_error *err) {
  return store_open_version(path, STORE_SCHEMA_VERSION, out, err);
}

/* A struct store with its lock and nothing else: where every way of
 * opening one begins. */
static int store_new(struct store **out, struct dahub_error *err) {
  struct store *st = calloc(1, sizeof *st);

  *out = NULL;
  if (st == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: out of memory");
  if (pthread_mutex_init(&st->lock, NULL) != 0) {
    free(st);
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: mutex");
  }
  *out = st;
  return 0;
}

int store_open_version(const char *path, int latest, struct store **out,
                       struct dahub_error *err) {
  struct store *st;
  int version, rc;

  *out = NULL;
  if ((rc = store_new(&st, err)) != 0)
    return rc;
  rc = sqlite3_open_v2(
      path, &st->db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    rc = dahub_error_set(err, store_code(rc), 0, 0, "store: open %s: %s", path,
                         st->db ? sqlite3_errmsg(st->db) : "out of memory");
    goto out;
  }
  (void)sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
  /* A 4 MiB page cache: the narrow table and its index grow at their right
   * edges, so a large file's pages go to the WAL as soon as with 8 MiB (the
   * same inserts took the same CPU time) and the daemon's peak stays well
   * under 32 MiB. */
  if ((rc = store_schema_version(st, &version, err)) != 0 ||
      (rc = store_exec(st,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-4096;",
                       err)) != 0 ||
      (rc = store_schema_migrate(st, version, latest, err)) != 0)
    goto out;
  st->schema = version > latest ? version : latest;
  if (store_dict_new(&st->dict) != 0 || store_writer_new(&st->writer) != 0) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "store: out of memory");
    goto out;
  }
  for (int i = 0; i < Q_COUNT; i++) {
    const char *sql = stmt_sql[i];
    int r;

    if (stmt_schema[i] > st->schema)
      continue;
    if (st->schema < STORE_SCHEMA_NARROW && store_legacy_sql(i) != NULL)
      sql = store_legacy_sql(i);
    r = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &st->q[i], NULL);
    if (r != SQLITE_OK) {
      rc = store_fail(st, r, "prepare", err);
      goto out;
    }
  }
  *out = st;
  st = NULL;
out:
  store_close(st);
  return rc;
}

int store_open_backend(const struct store_backend_ops *ops, void *be,
                       struct store **out, struct dahub_error *err) {
  int rc;

  if ((rc = store_new(out, err)) != 0) {
    ops->close(be);
    return rc;
  }
  (*out)->ops = ops;
  (*out)->be = be;
  return 0;
}

int store_open_postgresql(const char *conninfo_file, const char *board,
                          struct store **out, struct dahub_error *err) {
  struct pgstore *ps;
  int rc;

  *out = NULL;
  if ((rc = pgstore_open(conninfo_file, board, &ps, err)) != 0)
    return rc;
  return store_open_backend(&store_backend_postgresql, ps, out, err);
}

void store_close(struct store *st) {
  if (st == NULL)
    return;
  if (st->ops != NULL)
    st->ops->close(st->be);
  for (int i = 0; i < Q_COUNT; i++)
    sqlite3_finalize(st->q[i]);
  (void)sqlite3_close(st->db);
  store_dict_free(st->dict);
  store_writer_free(st->writer);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

void store_bind_text(sqlite3_stmt *q, int i, const char *s) {
  if (s == NULL)
    (void)sqlite3_bind_null(q, i);
  else
    (void)sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
}

void store_stmt_release(sqlite3_stmt *q) {
  (void)sqlite3_reset(q);
  (void)sqlite3_clear_bindings(q);
}

int store_step_done(struct store *st, sqlite3_stmt *q, const char *what,
                    struct dahub_error *err) {
  int rc = sqlite3_step(q);

  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, what, err);
  store_stmt_release(q);
  return rc;
}

/* Steps q to its end, calling row(c, q) on each row: 0 at the end, row's
 * non-zero to stop, or a store error with err. */
static int each_row(struct store *st, sqlite3_stmt *q,
                    int (*row)(const struct store_call *c, sqlite3_stmt *q),
                    const struct store_call *c, const char *what,
                    struct dahub_error *err) {
  int rc;

  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int stop = row(c, q);

    if (stop != 0)
      return stop;
  }
  return rc == SQLITE_DONE ? 0 : store_fail(st, rc, what, err);
}

int store_each(struct store *st, enum store_stmt id, const char *param,
               int (*row)(const struct store_call *c, sqlite3_stmt *q),
               const struct store_call *c, const char *what,
               struct dahub_error *err) {
  sqlite3_stmt *q = st->q[id];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  store_bind_text(q, 1, param);
  rc = each_row(st, q, row, c, what, err);
  store_stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

void store_set_busy_ms(struct store *st, int ms) {
  if (st->ops != NULL)
    return; /* PostgreSQL's: a statement waits as the server says */
  (void)sqlite3_busy_timeout(st->db, ms);
}

int store_prepare_locked(struct store *st, const char *sql, sqlite3_stmt **q,
                         const char *what, struct dahub_error *err) {
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  if ((rc = sqlite3_prepare_v2(st->db, sql, -1, q, NULL)) != SQLITE_OK) {
    rc = store_fail(st, rc, what, err);
    (void)pthread_mutex_unlock(&st->lock);
    return rc;
  }
  return 0;
}

int store_finish_locked(struct store *st, sqlite3_stmt *q, const char *what,
                        struct dahub_error *err) {
  int rc = sqlite3_step(q);

  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, what, err);
  if (rc == 0 && sqlite3_changes(st->db) == 0)
    rc = -ENOENT;
  sqlite3_finalize(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

/* Takes the lock and prepares sql (store_prepare_locked()) with ap's
 * arguments bound as types says (store_write()); now, the caller's, must
 * last until the statement is done with. */
static int prepare_args(struct store *st, const char *what,
                        struct dahub_error *err, const char *sql,
                        const char *types, va_list ap, char now[32],
                        sqlite3_stmt **q) {
  int rc;

  store_now(now);
  if ((rc = store_prepare_locked(st, sql, q, what, err)) != 0)
    return rc;
  for (int i = 0; types[i] != '\0'; i++) {
    if (types[i] == 's')
      store_bind_text(*q, i + 1, va_arg(ap, const char *));
    else if (types[i] == 'i')
      (void)sqlite3_bind_int(*q, i + 1, va_arg(ap, int));
    else if (types[i] == 'I')
      (void)sqlite3_bind_int64(*q, i + 1, va_arg(ap, int64_t));
    else
      store_bind_text(*q, i + 1, now); /* 'n': bound at the step */
  }
  return 0;
}

/* store_read() (store_write() when row is NULL), its arguments in ap. */
static int run(struct store *st, const char *what, struct dahub_error *err,
               int (*row)(const struct store_call *c, sqlite3_stmt *q),
               const struct store_call *c, const char *sql, const char *types,
               va_list ap) {
  sqlite3_stmt *q;
  char now[32];
  int rc;

  if ((rc = prepare_args(st, what, err, sql, types, ap, now, &q)) != 0)
    return rc;
  if (row == NULL)
    return store_finish_locked(st, q, what, err);
  rc = each_row(st, q, row, c, what, err);
  sqlite3_finalize(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_read(struct store *st, const char *what, struct dahub_error *err,
               int (*row)(const struct store_call *c, sqlite3_stmt *q),
               const struct store_call *c, const char *sql, const char *types,
               ...) {
  va_list ap;
  int rc;

  va_start(ap, types);
  rc = run(st, what, err, row, c, sql, types, ap);
  va_end(ap);
  return rc;
}
