/*
 * store_warnings.c: the warnings of a stored file (store.h).
 *
 * A file that is stored may still carry warnings: a text cell its mapping
 * leaves out, a TOTAL that does not add up, a row a label leaves out, a
 * text read as missing. They are kept with the ingest, in its transaction,
 * one row of ingest_warnings: how many in all, how many name a cell, and
 * the first ones (the ingest keeps a bounded number, ingest_int.h) as the
 * JSON array that is also written beside the file in done/. The summary
 * reads them back for its data notes, the ingest for a file it recovers.
 * Statements here are prepared per call: at most one insert a file, and
 * one read a summary.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int store_sqlite_ingest_warnings(struct store *st, unsigned count,
                                 unsigned cells, const char *kept,
                                 struct dahub_error *err) {
  sqlite3_stmt *q = NULL;
  int rc;

  /* the caller holds the store's lock, taken by store_ingest_begin(); the
   * connection is the writer's while it has figures to write */
  if (st->schema >= STORE_SCHEMA_NARROW &&
      (rc = store_writer_drain(st, err)) != 0)
    return rc;
  rc = sqlite3_prepare_v2(st->db,
                          "INSERT INTO ingest_warnings(ingest_id, warnings,"
                          " cells, kept) VALUES(?1, ?2, ?3, ?4)",
                          -1, &q, NULL);
  if (rc != SQLITE_OK) {
    rc = store_fail(st, rc, "keep warnings", err);
    sqlite3_finalize(q);
    return rc;
  }
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  (void)sqlite3_bind_int64(q, 2, count);
  (void)sqlite3_bind_int64(q, 3, cells);
  store_bind_text(q, 4, kept);
  rc = sqlite3_step(q);
  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "keep warnings", err);
  sqlite3_finalize(q);
  return rc;
}

/* What store_warnings_of() reads into. */
struct warnings_of {
  unsigned *count;
  char **kept;
};

static int warnings_of_row(const struct store_call *c, sqlite3_stmt *q) {
  const struct warnings_of *w = c->arg;
  const char *kept = store_column_text(q, 1);

  *w->count = (unsigned)sqlite3_column_int64(q, 0);
  *w->kept = strdup(kept != NULL ? kept : "[]");
  return *w->kept != NULL ? 1 : -ENOMEM;
}

int store_sqlite_warnings_of(struct store *st, int64_t ingest_id,
                             unsigned *count, char **kept,
                             struct dahub_error *err) {
  int rc;

  *count = 0;
  *kept = NULL;
  rc = store_read(
      st, "read warnings", err, warnings_of_row,
      &(struct store_call){.arg = &(struct warnings_of){count, kept}},
      "SELECT warnings, kept FROM ingest_warnings"
      " WHERE ingest_id = ?1",
      "I", ingest_id);
  if (rc == -ENOMEM)
    return dahub_error_set(err, -ENOMEM, 0, 0, "read warnings: out of memory");
  return rc; /* 1: found, 0: none kept */
}

int store_sqlite_each_warned(struct store *st, const char *prefix,
                             int (*fn)(void *arg, const struct store_warned *w),
                             void *arg, struct dahub_error *err) {
  return store_read(st, "read warnings", err, store_call_sqlite,
                    &(struct store_call){
                        .kind = STORE_CALL_WARNED, .fn.warned = fn, .arg = arg},
                    "SELECT c.feed, i.source_id, c.period, i.file_name,"
                    " w.ingest_id, w.warnings, w.cells, w.kept"
                    " FROM current_periods c JOIN ingest_warnings w"
                    " ON w.ingest_id = c.ingest_id"
                    " JOIN ingests i ON i.ingest_id = w.ingest_id"
                    " WHERE substr(c.period, 1, length(?1)) = ?1"
                    " ORDER BY c.feed, w.ingest_id, c.period",
                    "s", prefix);
}
