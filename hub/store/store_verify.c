/*
 * store_verify.c: what `dahub verify` asks of the store (store.h): its
 * foreign keys, each ingest's recorded count of observations against the
 * rows that point at it, and the files each feed's receipts say went to
 * done/.
 *
 * The REFERENCES clauses are not enforced (store.c says why), but they
 * are declared, so PRAGMA foreign_key_check can still say whether every
 * row points at something. Counts go through observations_by_ingest, one
 * index walk for the whole store. Run on a connection of its own
 * (store_open_existing), on the command's thread: nothing here writes.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int store_foreign_keys(struct store *st,
                       void (*problem)(void *arg, const char *msg), void *arg,
                       unsigned *n, struct dahub_error *err) {
  sqlite3_stmt *q = NULL;
  int rc;

  if (st->ops != NULL)
    return dahub_error_set(err, -ENOTSUP, 0, 0,
                           "foreign_key_check is SQLite's: not for a "
                           "PostgreSQL store");

  *n = 0;
  rc = sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &q, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    char msg[256];

    rc = SQLITE_OK;
    (void)snprintf(msg, sizeof msg, "%s row %lld points at no row of %s",
                   store_column_text(q, 0),
                   (long long)sqlite3_column_int64(q, 1),
                   store_column_text(q, 2));
    (*n)++;
    problem(arg, msg);
  }
  rc = rc == SQLITE_DONE || rc == SQLITE_OK
           ? 0
           : store_fail(st, rc, "foreign_key_check", err);
  sqlite3_finalize(q);
  return rc;
}

/* Runs sql with feed bound to ?1 (when not NULL) and hands each row to
 * row(arg, q); row returns non-zero to stop (returned). */
static int each_row(struct store *st, const char *sql, const char *feed,
                    int (*row)(void *arg, sqlite3_stmt *q), void *arg,
                    const char *what, struct dahub_error *err) {
  sqlite3_stmt *q = NULL;
  int rc;

  if ((rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL)) != SQLITE_OK)
    return store_fail(st, rc, what, err);
  if (feed != NULL)
    store_bind_text(q, 1, feed);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int stop = row(arg, q);

    if (stop != 0) {
      sqlite3_finalize(q);
      return stop;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, what, err);
  sqlite3_finalize(q);
  return rc;
}

struct count_call {
  int (*fn)(void *arg, const struct store_ingest_count *c);
  void *arg;
};

static int count_row(void *arg, sqlite3_stmt *q) {
  const struct count_call *c = arg;
  const char *feed = store_column_text(q, 1), *name = store_column_text(q, 2);
  struct store_ingest_count ic = {.ingest_id = sqlite3_column_int64(q, 0),
                                  .feed = feed ? feed : "",
                                  .file_name = name ? name : "",
                                  .recorded = sqlite3_column_int64(q, 3),
                                  .committed = sqlite3_column_int(q, 4),
                                  .stored = sqlite3_column_int64(q, 5)};

  return c->fn(c->arg, &ic);
}

int store_sqlite_each_ingest_count(
    struct store *st, int (*fn)(void *arg, const struct store_ingest_count *c),
    void *arg, struct dahub_error *err) {
  struct count_call c = {fn, arg};

  return each_row(st,
                  "SELECT i.ingest_id, i.feed, i.file_name, i.observations,"
                  " i.sha256 IS NOT NULL, (SELECT count(*) FROM observations o"
                  " WHERE o.ingest_id = i.ingest_id) FROM ingests i"
                  " ORDER BY i.ingest_id",
                  NULL, count_row, &c, "count observations", err);
}

struct kept_call {
  int (*fn)(void *arg, const char *file_name, const char *sha256,
            const char *received_at);
  void *arg;
};

static int kept_row(void *arg, sqlite3_stmt *q) {
  const struct kept_call *c = arg;

  return c->fn(c->arg, store_column_text(q, 0), store_column_text(q, 1),
               store_column_text(q, 2));
}

int store_sqlite_each_kept_file(struct store *st, const char *feed,
                                int (*fn)(void *arg, const char *file_name,
                                          const char *sha256,
                                          const char *received_at),
                                void *arg, struct dahub_error *err) {
  struct kept_call c = {fn, arg};

  /* stored and duplicate files both settle in done/ (ingest.c) */
  return each_row(st,
                  "SELECT file_name, sha256, received_at FROM receipts"
                  " WHERE feed = ?1 AND sha256 IS NOT NULL AND"
                  " (outcome = 'stored' OR outcome = 'duplicate')"
                  " ORDER BY receipt_id",
                  feed, kept_row, &c, "receipts", err);
}
