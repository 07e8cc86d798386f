/*
 * store_outbox.c: the deliveries summary versions owe (store.h).
 *
 * Rows are written by store_summary_add() in the version's transaction, or
 * by store_outbox_report() for a failed file's report to its feed's
 * contact, and only ever move on from there; none is deleted, so `dahub
 * deliveries` can always say what became of each. Statements are prepared per
 * call: they run a few times a minute at most, and a store opened at an older
 * schema (the migration tests) never prepares them.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *store_outbox_state_name(enum outbox_state s) {
  return (unsigned)s < OUTBOX_NSTATES ? store_outbox_states[s] : "?";
}

/* A summary's delivery takes its period, version and folder from the
 * summary; a file's report has none, but its feed, folder and recipient. */
#define ROW_COLUMNS                                                            \
  "o.outbox_id, o.destination, o.key, s.period, s.version,"                    \
  " coalesce(s.folder, o.folder), o.files, o.state, o.attempts, o.since_ms,"   \
  " o.next_ms, o.status, o.answer, o.updated_at, o.feed, o.recipient"          \
  " FROM outbox o LEFT JOIN summaries s ON s.summary_id = o.summary_id"

static void read_row(sqlite3_stmt *q, struct store_outbox_row *r) {
  store_cols_outbox_row(STORE_SQLITE_COLS(q), r);
}

/* Rows into the caller's array, until it is full. */
struct due {
  struct store_outbox_row *rows;
  size_t max, *n;
};

static int due_row(const struct store_call *c, sqlite3_stmt *q) {
  struct due *d = c->arg;

  read_row(q, &d->rows[(*d->n)++]);
  return *d->n < d->max ? 0 : 1;
}

int store_sqlite_outbox_due(struct store *st, int64_t now_ms,
                            struct store_outbox_row *rows, size_t max,
                            size_t *n, struct dahub_error *err) {
  struct due d = {rows, max, n};
  int rc;

  *n = 0;
  rc = store_read(
      st, "read the outbox", err, due_row, &(struct store_call){.arg = &d},
      "SELECT " ROW_COLUMNS " WHERE o.state IN ('pending','sending','retrying')"
      " AND o.next_ms <= ?1 ORDER BY o.next_ms, o.outbox_id"
      " LIMIT ?2",
      "II", now_ms, (int64_t)max);
  return rc == 1 ? 0 : rc;
}

static int next_row(const struct store_call *c, sqlite3_stmt *q) {
  if (sqlite3_column_type(q, 0) == SQLITE_NULL)
    return 0; /* min() of nothing */
  *(int64_t *)c->arg = sqlite3_column_int64(q, 0);
  return 1;
}

int store_sqlite_outbox_next(struct store *st, int64_t *next_ms,
                             struct dahub_error *err) {
  int rc = store_read(st, "read the outbox", err, next_row,
                      &(struct store_call){.arg = next_ms},
                      "SELECT min(next_ms) FROM outbox"
                      " WHERE state IN ('pending','sending','retrying')",
                      "");

  return rc == 1 ? 0 : rc == 0 ? 1 : rc; /* 1: nothing pending */
}

int store_sqlite_outbox_update(struct store *st, int64_t id,
                               enum outbox_state state, int attempts,
                               int64_t next_ms, long status, const char *answer,
                               struct dahub_error *err) {
  return store_write(st, "update the outbox", err,
                     "UPDATE outbox SET state = ?2, attempts = ?3,"
                     " next_ms = ?4, status = ?5, answer = ?6,"
                     " updated_at = ?7 WHERE outbox_id = ?1",
                     "IsiIIsn", id, store_outbox_state_name(state), attempts,
                     next_ms, (int64_t)status, answer);
}

/* -EBUSY when row id exists, else -ENOENT; the store is unlocked. */
static int busy_or_absent(struct store *st, int64_t id,
                          struct dahub_error *err) {
  sqlite3_stmt *q;
  int rc;

  if ((rc = store_prepare_locked(
           st, "SELECT state FROM outbox WHERE outbox_id = ?1", &q,
           "read the outbox", err)) != 0)
    return rc;
  (void)sqlite3_bind_int64(q, 1, id);
  rc = sqlite3_step(q) == SQLITE_ROW ? -EBUSY : -ENOENT;
  sqlite3_finalize(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_sqlite_outbox_claim(struct store *st, int64_t id, int64_t now_ms,
                              int attempts, int64_t lease_ms,
                              struct dahub_error *err) {
  int rc = store_write(st, "claim a delivery", err,
                       "UPDATE outbox SET state = 'sending', attempts = ?3,"
                       " next_ms = ?4, updated_at = ?5 WHERE outbox_id = ?1"
                       " AND state IN ('pending','sending','retrying')"
                       " AND next_ms <= ?2",
                       "IIiIn", id, now_ms, attempts, lease_ms);

  return rc == -ENOENT ? busy_or_absent(st, id, err) : rc;
}

int store_sqlite_outbox_defer(struct store *st, const char *destination,
                              int64_t until_ms, struct dahub_error *err) {
  int rc = store_write(st, "update the outbox", err,
                       "UPDATE outbox SET next_ms = max(next_ms, ?2)"
                       " WHERE destination = ?1"
                       " AND state IN ('pending','retrying')",
                       "sI", destination, until_ms);

  return rc == -ENOENT ? 0 : rc;
}

int store_sqlite_outbox_recover(struct store *st, int64_t now_ms,
                                struct dahub_error *err) {
  int rc = store_write(st, "update the outbox", err,
                       "UPDATE outbox SET next_ms = ?1"
                       " WHERE state = 'sending' AND next_ms > ?1",
                       "I", now_ms);

  return rc == -ENOENT ? 0 : rc;
}

int store_sqlite_outbox_retry(struct store *st, int64_t id, int64_t now_ms,
                              struct dahub_error *err) {
  int rc = store_write(st, "update the outbox", err,
                       "UPDATE outbox SET state = 'pending', next_ms = ?2,"
                       " since_ms = ?2, updated_at = ?3"
                       " WHERE outbox_id = ?1 AND state = 'parked'",
                       "IIn", id, now_ms);

  /* nothing changed: no such row, or one that is not parked */
  return rc == -ENOENT ? busy_or_absent(st, id, err) : rc;
}

static int count_row(const struct store_call *c, sqlite3_stmt *q) {
  unsigned long *counts = c->arg;
  int s = store_name_index(store_column_text(q, 0), store_outbox_states,
                           OUTBOX_NSTATES, -1);

  if (s >= 0)
    counts[s] = (unsigned long)sqlite3_column_int64(q, 1);
  return 0;
}

int store_sqlite_outbox_counts(struct store *st,
                               unsigned long counts[OUTBOX_NSTATES],
                               struct dahub_error *err) {
  memset(counts, 0, OUTBOX_NSTATES * sizeof *counts);
  return store_read(st, "read the outbox", err, count_row,
                    &(struct store_call){.arg = counts},
                    "SELECT state, count(*) FROM outbox GROUP BY state", "");
}

/* The caller's callback, handed each row read into r. */
struct each {
  int (*fn)(void *arg, const struct store_outbox_row *r);
  void *arg;
  struct store_outbox_row r;
};

static int each_outbox_row(const struct store_call *c, sqlite3_stmt *q) {
  struct each *e = c->arg;

  read_row(q, &e->r);
  return e->fn(e->arg, &e->r);
}

int store_sqlite_outbox_each(struct store *st,
                             int (*fn)(void *arg,
                                       const struct store_outbox_row *r),
                             void *arg, struct dahub_error *err) {
  struct each e = {.fn = fn, .arg = arg};

  return store_read(st, "read the outbox", err, each_outbox_row,
                    &(struct store_call){.arg = &e},
                    "SELECT " ROW_COLUMNS " ORDER BY o.outbox_id DESC", "");
}

/* The deliveries of summary id, pending and due at once (in the caller's
 * transaction). */
int store_outbox_add(struct store *st, int64_t summary_id,
                     const struct store_outbox_new *out, size_t n,
                     struct dahub_error *err) {
  sqlite3_stmt *q;
  char now[32];
  int64_t now_ms;
  int rc;

  if (n == 0)
    return 0;
  store_now(now);
  now_ms = store_now_ms();
  if ((rc = sqlite3_prepare_v2(
           st->db,
           "INSERT INTO outbox(summary_id, destination, key, files, state,"
           " attempts, since_ms, next_ms, status, answer, updated_at)"
           " VALUES(?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5, 0, NULL, ?6)",
           -1, &q, NULL)) != SQLITE_OK)
    return store_fail(st, rc, "record deliveries", err);
  for (size_t i = 0; i < n && rc == 0; i++) {
    (void)sqlite3_bind_int64(q, 1, summary_id);
    store_bind_text(q, 2, out[i].destination);
    store_bind_text(q, 3, out[i].key);
    store_bind_text(q, 4, out[i].files);
    (void)sqlite3_bind_int64(q, 5, now_ms);
    store_bind_text(q, 6, now);
    rc =
        sqlite3_step(q) == SQLITE_DONE
            ? 0
            : store_fail(st, sqlite3_errcode(st->db), "record deliveries", err);
    (void)sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  return rc;
}

int store_sqlite_outbox_report(struct store *st, const char *destination,
                               const char *key, const char *feed,
                               const char *folder, const char *file,
                               const char *recipient, struct dahub_error *err) {
  int64_t now_ms = store_now_ms();
  /* OR IGNORE: the same file's report after a crash between the move and
   * the row keeps its one row and key (UNIQUE) */
  int rc = store_write(st, "record a report's delivery", err,
                       "INSERT OR IGNORE INTO outbox(summary_id, destination,"
                       " key, files, state, attempts, since_ms, next_ms,"
                       " status, answer, updated_at, feed, folder, recipient)"
                       " VALUES(NULL, ?1, ?2, ?3, 'pending', 0, ?4, ?4, 0,"
                       " NULL, ?5, ?6, ?7, ?8)",
                       "sssInsss", destination, key, file, now_ms, feed, folder,
                       recipient);

  return rc == -ENOENT ? 0 : rc;
}
