/*
 * pgstore_outbox.c: the deliveries a board's summary versions owe, and
 * failed files' reports, as store_outbox.c keeps them in SQLite (store.h).
 *
 * Rows are written with their summary (pgstore_summary.c) or by
 * pgstore_outbox_report(), and only ever move on; none is deleted. Several
 * hubs of one board may share the table: a row is claimed for an attempt
 * with pgstore_outbox_claim(), which takes it only while it is due and no
 * other hub holds it (FOR UPDATE SKIP LOCKED, then the due test again on
 * the row as it is now), so of two hubs claiming one row only one gets
 * it. Only the store's board is read or written, also for the tables'
 * owner. Each call is one statement, under the lock.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows that may still go. */
#define UNSETTLED "('pending', 'sending', 'retrying')"

/* A summary's delivery takes its period, version and folder from the
 * summary; a file's report has none, but its feed, folder and recipient. */
#define ROW_COLUMNS                                                            \
  "o.outbox_id, o.destination, o.key, coalesce(s.period, ''),"                 \
  " coalesce(s.version, 0), coalesce(s.folder, o.folder, ''), o.files,"        \
  " o.state, o.attempts, o.since_ms, o.next_ms, o.status,"                     \
  " coalesce(o.answer, ''),"                                                   \
  " to_char(o.updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"                  \
  " coalesce(o.feed, ''), coalesce(o.recipient, '')"                           \
  " FROM outbox o LEFT JOIN summaries s"                                       \
  " ON s.board = o.board AND s.summary_id = o.summary_id WHERE o.board = $1"

static int state_index(const char *s, int dflt) {
  return store_name_index(s, store_outbox_states, OUTBOX_NSTATES, dflt);
}

static int64_t num(const PGresult *res, int i) { return pgstore_num(res, i); }

/* Row 0 of res (ROW_COLUMNS) into r. */
static void read_row(const PGresult *res, struct store_outbox_row *r) {
  store_cols_outbox_row(PGSTORE_COLS(res), r);
}

/* The rows a statement changed, into the caller's long. */
static int changed_rows(void *ctx, const PGresult *res) {
  /* PQcmdTuples() takes a non-const result but only reads it */
  *(long *)ctx = strtol(PQcmdTuples((PGresult *)res), NULL, 10);
  return 0;
}

/* Runs one statement of n text parameters; *changed the rows it changed
 * (may be NULL). */
static int write_one(struct pgstore *ps, const char *sql, int n,
                     const char *const *params, long *changed,
                     struct dahub_error *err) {
  return pgstore_once(ps, sql, n, params, changed != NULL ? changed_rows : NULL,
                      changed, "update the outbox", err);
}

static int busy_row(void *ctx, const PGresult *res) {
  (void)ctx;
  return PQntuples(res) > 0 ? -EBUSY : -ENOENT;
}

/* -EBUSY when the board has row id, -ENOENT when not. */
static int busy_or_absent(struct pgstore *ps, const char *id,
                          struct dahub_error *err) {
  const char *params[2] = {ps->board, id};

  return pgstore_once(ps,
                      "SELECT 1 FROM outbox WHERE board = $1"
                      " AND outbox_id = $2",
                      2, params, busy_row, NULL, "read the outbox", err);
}

/* Rows into the caller's array, until it is full. */
struct due {
  struct store_outbox_row *rows;
  size_t max, *n;
};

static int due_row(void *ctx, const PGresult *res) {
  struct due *d = ctx;

  read_row(res, &d->rows[(*d->n)++]);
  return *d->n < d->max ? 0 : 1;
}

int pgstore_outbox_due(struct pgstore *ps, int64_t now_ms,
                       struct store_outbox_row *rows, size_t max, size_t *n,
                       struct dahub_error *err) {
  static const char sql[] =
      "SELECT " ROW_COLUMNS " AND o.state IN " UNSETTLED
      " AND o.next_ms <= $2 ORDER BY o.next_ms, o.outbox_id LIMIT $3";
  char now[24], lim[24];
  const char *params[3] = {ps->board, now, lim};
  struct due d = {rows, max, n};
  int rc;

  *n = 0;
  if (max == 0)
    return 0;
  (void)snprintf(now, sizeof now, "%" PRId64, now_ms);
  (void)snprintf(lim, sizeof lim, "%zu", max);
  rc =
      pgstore_each_row(ps, sql, 3, params, due_row, &d, "read the outbox", err);
  return rc == 1 ? 0 : rc;
}

/* The earliest due time, or 1 when nothing is pending. */
static int next_row(void *ctx, const PGresult *res) {
  if (PQgetisnull(res, 0, 0))
    return 1;
  *(int64_t *)ctx = num(res, 0);
  return 0;
}

int pgstore_outbox_next(struct pgstore *ps, int64_t *next_ms,
                        struct dahub_error *err) {
  const char *params[1] = {ps->board};

  return pgstore_once(ps,
                      "SELECT min(next_ms) FROM outbox WHERE board = $1"
                      " AND state IN " UNSETTLED,
                      1, params, next_row, next_ms, "read the outbox", err);
}

int pgstore_outbox_claim(struct pgstore *ps, int64_t id, int64_t now_ms,
                         int attempts, int64_t lease_ms,
                         struct dahub_error *err) {
  /* SKIP LOCKED: a row another hub is claiming right now is not waited
   * for; the outer WHERE tests the row again as it is when updated */
  static const char sql[] =
      "UPDATE outbox o SET state = 'sending', attempts = $4, next_ms = $5,"
      " updated_at = now() FROM (SELECT outbox_id FROM outbox"
      "  WHERE board = $1 AND outbox_id = $2 AND state IN " UNSETTLED
      "  AND next_ms <= $3 FOR UPDATE SKIP LOCKED) c"
      " WHERE o.outbox_id = c.outbox_id AND o.state IN " UNSETTLED
      " AND o.next_ms <= $3";
  char sid[24], now[24], att[16], lease[24];
  const char *params[5] = {ps->board, sid, now, att, lease};
  long changed = 0;
  int rc;

  (void)snprintf(sid, sizeof sid, "%" PRId64, id);
  (void)snprintf(now, sizeof now, "%" PRId64, now_ms);
  (void)snprintf(att, sizeof att, "%d", attempts);
  (void)snprintf(lease, sizeof lease, "%" PRId64, lease_ms);
  if ((rc = write_one(ps, sql, 5, params, &changed, err)) != 0)
    return rc;
  return changed > 0 ? 0 : busy_or_absent(ps, sid, err);
}

int pgstore_outbox_update(struct pgstore *ps, int64_t id,
                          enum outbox_state state, int attempts,
                          int64_t next_ms, long status, const char *answer,
                          struct dahub_error *err) {
  static const char sql[] =
      "UPDATE outbox SET state = $3, attempts = $4, next_ms = $5,"
      " status = $6, answer = $7, updated_at = now()"
      " WHERE board = $1 AND outbox_id = $2";
  char sid[24], att[16], next[24], st[24];
  const char *params[7] = {
      ps->board, sid, store_outbox_state_name(state), att, next, st, answer};
  long changed = 0;
  int rc;

  (void)snprintf(sid, sizeof sid, "%" PRId64, id);
  (void)snprintf(att, sizeof att, "%d", attempts);
  (void)snprintf(next, sizeof next, "%" PRId64, next_ms);
  (void)snprintf(st, sizeof st, "%ld", status);
  if ((rc = write_one(ps, sql, 7, params, &changed, err)) != 0)
    return rc;
  return changed > 0 ? 0 : -ENOENT;
}

int pgstore_outbox_defer(struct pgstore *ps, const char *destination,
                         int64_t until_ms, struct dahub_error *err) {
  static const char sql[] =
      "UPDATE outbox SET next_ms = greatest(next_ms, $3) WHERE board = $1"
      " AND destination = $2 AND state IN ('pending', 'retrying')";
  char until[24];
  const char *params[3] = {ps->board, destination, until};

  (void)snprintf(until, sizeof until, "%" PRId64, until_ms);
  return write_one(ps, sql, 3, params, NULL, err);
}

int pgstore_outbox_recover(struct pgstore *ps, int64_t now_ms,
                           struct dahub_error *err) {
  static const char sql[] = "UPDATE outbox SET next_ms = $2 WHERE board = $1"
                            " AND state = 'sending' AND next_ms > $2";
  char now[24];
  const char *params[2] = {ps->board, now};

  (void)snprintf(now, sizeof now, "%" PRId64, now_ms);
  return write_one(ps, sql, 2, params, NULL, err);
}

int pgstore_outbox_retry(struct pgstore *ps, int64_t id, int64_t now_ms,
                         struct dahub_error *err) {
  static const char sql[] =
      "UPDATE outbox SET state = 'pending', next_ms = $3, since_ms = $3,"
      " updated_at = now() WHERE board = $1 AND outbox_id = $2"
      " AND state = 'parked'";
  char sid[24], now[24];
  const char *params[3] = {ps->board, sid, now};
  long changed = 0;
  int rc;

  (void)snprintf(sid, sizeof sid, "%" PRId64, id);
  (void)snprintf(now, sizeof now, "%" PRId64, now_ms);
  if ((rc = write_one(ps, sql, 3, params, &changed, err)) != 0)
    return rc;
  /* nothing changed: no such row, or one that is not parked */
  return changed > 0 ? 0 : busy_or_absent(ps, sid, err);
}

static int count_row(void *ctx, const PGresult *res) {
  unsigned long *counts = ctx;
  int s = state_index(PQgetvalue(res, 0, 0), -1);

  if (s >= 0)
    counts[s] = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
  return 0;
}

int pgstore_outbox_counts(struct pgstore *ps,
                          unsigned long counts[OUTBOX_NSTATES],
                          struct dahub_error *err) {
  const char *params[1] = {ps->board};

  memset(counts, 0, OUTBOX_NSTATES * sizeof *counts);
  return pgstore_each_row(ps,
                          "SELECT state, count(*) FROM outbox"
                          " WHERE board = $1 GROUP BY state",
                          1, params, count_row, counts, "read the outbox", err);
}

/* The caller's callback, handed each row read into r. */
struct each {
  int (*fn)(void *arg, const struct store_outbox_row *r);
  void *arg;
  struct store_outbox_row r;
};

static int each_row(void *ctx, const PGresult *res) {
  struct each *e = ctx;

  read_row(res, &e->r);
  return e->fn(e->arg, &e->r);
}

int pgstore_outbox_each(struct pgstore *ps,
                        int (*fn)(void *arg, const struct store_outbox_row *r),
                        void *arg, struct dahub_error *err) {
  const char *params[1] = {ps->board};
  struct each *e = calloc(1, sizeof *e); /* a row is 2.6 KiB */
  int rc;

  if (e == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "read the outbox: no memory");
  e->fn = fn;
  e->arg = arg;
  rc = pgstore_each_row(ps, "SELECT " ROW_COLUMNS " ORDER BY o.outbox_id DESC",
                        1, params, each_row, e, "read the outbox", err);
  free(e);
  return rc;
}

int pgstore_outbox_add(struct pgstore *ps, const char *summary_id,
                       const struct store_outbox_new *out, size_t n,
                       struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO outbox(board, summary_id, destination, key, files, state,"
      " attempts, since_ms, next_ms, status, answer, updated_at)"
      " VALUES($1, $2, $3, $4, $5, 'pending', 0, $6, $6, 0, NULL, now())";
  char now[24];
  int rc = 0;

  (void)snprintf(now, sizeof now, "%" PRId64, store_now_ms());
  for (size_t i = 0; i < n && rc == 0; i++) {
    const char *params[6] = {ps->board,  summary_id,   out[i].destination,
                             out[i].key, out[i].files, now};

    PQclear(pgstore_query(ps, sql, 6, params, "record deliveries", &rc, err));
  }
  return rc;
}

int pgstore_outbox_report(struct pgstore *ps, const char *destination,
                          const char *key, const char *feed, const char *folder,
                          const char *file, const char *recipient,
                          struct dahub_error *err) {
  /* DO NOTHING: the same file's report after a crash between the move and
   * the row keeps its one row and key */
  static const char sql[] =
      "INSERT INTO outbox(board, summary_id, destination, key, files, state,"
      " attempts, since_ms, next_ms, status, answer, updated_at, feed, folder,"
      " recipient) VALUES($1, NULL, $2, $3, $4, 'pending', 0, $5, $5, 0,"
      " NULL, now(), $6, $7, $8) ON CONFLICT(board, key) DO NOTHING";
  char now[24];
  const char *params[8] = {ps->board, destination, key,    file,
                           now,       feed,        folder, recipient};

  (void)snprintf(now, sizeof now, "%" PRId64, store_now_ms());
  return write_one(ps, sql, 8, params, NULL, err);
}
