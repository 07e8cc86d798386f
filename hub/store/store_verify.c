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

int store_sqlite_each_ingest_count(
    struct store *st, int (*fn)(void *arg, const struct store_ingest_count *c),
    void *arg, struct dahub_error *err) {
  return store_read(
      st, "count observations", err, store_call_sqlite,
      &(struct store_call){
          .kind = STORE_CALL_COUNT, .fn.count = fn, .arg = arg},
      "SELECT i.ingest_id, i.feed, i.file_name, i.observations,"
      " i.sha256 IS NOT NULL, (SELECT count(*) FROM observations o"
      " WHERE o.ingest_id = i.ingest_id) FROM ingests i"
      " ORDER BY i.ingest_id",
      "");
}

int store_sqlite_each_kept_file(struct store *st, const char *feed,
                                int (*fn)(void *arg, const char *file_name,
                                          const char *sha256,
                                          const char *received_at),
                                void *arg, struct dahub_error *err) {
  /* stored and duplicate files both settle in done/ (ingest.c) */
  return store_read(
      st, "receipts", err, store_call_sqlite,
      &(struct store_call){.kind = STORE_CALL_KEPT, .fn.kept = fn, .arg = arg},
      "SELECT file_name, sha256, received_at FROM receipts"
      " WHERE feed = ?1 AND sha256 IS NOT NULL AND"
      " (outcome = 'stored' OR outcome = 'duplicate')"
      " ORDER BY receipt_id",
      "s", feed);
}
