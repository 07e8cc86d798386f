/*
 * pgstore_query.c: the figures the PostgreSQL store holds, row by row, as
 * store_query.c reads them from SQLite for the summary: current figures,
 * the deliveries behind them, records (contracts of a register), and the
 * warnings of stored files (as store_warnings.c reads them), and for
 * verification and retention each ingest's count and each kept file (as
 * store_verify.c reads them). The same rows in the same order, lent to the
 * same callbacks.
 *
 * Rows are streamed (libpq's single-row mode), so a year of a large
 * collection never sits whole in memory. Only the store's board is read,
 * also for a role that row-level security does not bind (the tables'
 * owner). A callback that stops the walk leaves the rest of the rows to be
 * read and dropped: the connection is ready for the next statement when
 * the call returns. The lock is held for the call's length.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As SQLite's store writes a time (store_now()). */
#define ISO_UTC(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int64_t int_or_0(const PGresult *res, int i) {
  return pgstore_num(res, i);
}

/* Runs sql with the board as $1 and param as $2 (none when NULL), and
 * hands each row to c (pgstore_each_row()). */
static int each_row(struct pgstore *ps, const char *sql, const char *param,
                    const struct store_call *c, const char *what,
                    struct dahub_error *err) {
  const char *params[2] = {ps->board, param};

  return pgstore_each_row(ps, sql, param != NULL ? 2 : 1, params,
                          pgstore_call_row, (void *)c, what, err);
}

int pgstore_each_current(struct pgstore *ps, const char *prefix,
                         int (*fn)(void *arg, const struct store_row *r),
                         void *arg, struct dahub_error *err) {
  static const char sql[] =
      "SELECT feed, source_id, service_id, area_code, period, measure_id,"
      " dimensions, unit, value_status, value, scale, bound, ingest_id"
      " FROM current_observations WHERE board = $1"
      " AND left(period, length($2)) = $2 ORDER BY obs_id";

  return each_row(ps, sql, prefix,
                  &(struct store_call){
                      .kind = STORE_CALL_CURRENT, .fn.current = fn, .arg = arg},
                  "read observations", err);
}

int pgstore_each_delivery(struct pgstore *ps, const char *prefix,
                          int (*fn)(void *arg, const char *feed,
                                    const char *period, int64_t ingest_id,
                                    const char *stored_at),
                          void *arg, struct dahub_error *err) {
  static const char sql[] = "SELECT i.feed, p.period, o.ingest_id, " ISO_UTC(
      "i.stored_at") " FROM (SELECT DISTINCT ingest_id, period_key FROM "
                     "observations"
                     "  WHERE board = $1) o"
                     " JOIN ingests i ON i.ingest_id = o.ingest_id"
                     " JOIN periods p ON p.period_key = o.period_key"
                     " WHERE i.sha256 IS NOT NULL AND left(p.period, "
                     "length($2)) = $2"
                     " ORDER BY i.feed, p.period, o.ingest_id";

  return each_row(ps, sql, prefix,
                  &(struct store_call){.kind = STORE_CALL_DELIVERY,
                                       .fn.delivery = fn,
                                       .arg = arg},
                  "read deliveries", err);
}

int pgstore_each_record(struct pgstore *ps, const char *kind,
                        int (*fn)(void *arg, const char *feed,
                                  const char *fields, int64_t ingest_id),
                        void *arg, struct dahub_error *err) {
  /* the newest stored ingest of each feed with records of the kind: by
   * when it was stored, which two hubs' ingest ids need not follow */
  static const char sql[] =
      "SELECT r.feed, r.fields, r.ingest_id FROM records r"
      " WHERE r.board = $1 AND r.kind = $2 AND r.ingest_id = ("
      "  SELECT r2.ingest_id FROM records r2"
      "  JOIN ingests i ON i.ingest_id = r2.ingest_id"
      "  WHERE r2.board = $1 AND r2.feed = r.feed AND r2.kind = $2"
      "  AND i.sha256 IS NOT NULL"
      "  ORDER BY i.stored_at DESC, i.ingest_id DESC LIMIT 1)"
      " ORDER BY r.feed, r.record_id";

  return each_row(ps, sql, kind,
                  &(struct store_call){
                      .kind = STORE_CALL_RECORD, .fn.record = fn, .arg = arg},
                  "read records", err);
}

int pgstore_each_warned(struct pgstore *ps, const char *prefix,
                        int (*fn)(void *arg, const struct store_warned *w),
                        void *arg, struct dahub_error *err) {
  static const char sql[] =
      "SELECT c.feed, i.source_id, c.period, i.file_name, w.ingest_id,"
      " w.warnings, w.cells, w.kept"
      " FROM current_periods c JOIN ingest_warnings w"
      " ON w.ingest_id = c.ingest_id"
      " JOIN ingests i ON i.ingest_id = w.ingest_id"
      " WHERE c.board = $1 AND left(c.period, length($2)) = $2"
      " ORDER BY c.feed, w.ingest_id, c.period";

  return each_row(ps, sql, prefix,
                  &(struct store_call){
                      .kind = STORE_CALL_WARNED, .fn.warned = fn, .arg = arg},
                  "read warnings", err);
}

/* A file's warnings into the caller's struct: 1, or 0 without a row. */
struct warnings_of {
  unsigned *count;
  char **kept;
  struct dahub_error *err;
};

static int warnings_row(void *ctx, const PGresult *res) {
  const struct warnings_of *w = ctx;

  if (PQntuples(res) == 0)
    return 0;
  *w->count = (unsigned)int_or_0(res, 0);
  if ((*w->kept = strdup(PQgetvalue(res, 0, 1))) == NULL)
    return dahub_error_set(w->err, -ENOMEM, 0, 0,
                           "read warnings: out of memory");
  return 1;
}

int pgstore_warnings_of(struct pgstore *ps, int64_t ingest_id, unsigned *count,
                        char **kept, struct dahub_error *err) {
  static const char sql[] = "SELECT warnings, kept FROM ingest_warnings"
                            " WHERE board = $1 AND ingest_id = $2";
  char id[24];
  const char *params[2] = {ps->board, id};
  struct warnings_of w = {count, kept, err};

  *count = 0;
  *kept = NULL;
  (void)snprintf(id, sizeof id, "%lld", (long long)ingest_id);
  return pgstore_once(ps, sql, 2, params, warnings_row, &w, "read warnings",
                      err);
}

int pgstore_each_ingest_count(struct pgstore *ps,
                              int (*fn)(void *arg,
                                        const struct store_ingest_count *c),
                              void *arg, struct dahub_error *err) {
  static const char sql[] =
      "SELECT i.ingest_id, i.feed, i.file_name, i.observations,"
      " (i.sha256 IS NOT NULL)::int, (SELECT count(*) FROM observations o"
      "  WHERE o.ingest_id = i.ingest_id)"
      " FROM ingests i WHERE i.board = $1 ORDER BY i.ingest_id";

  return each_row(ps, sql, NULL,
                  &(struct store_call){
                      .kind = STORE_CALL_COUNT, .fn.count = fn, .arg = arg},
                  "count observations", err);
}

int pgstore_each_kept_file(struct pgstore *ps, const char *feed,
                           int (*fn)(void *arg, const char *file_name,
                                     const char *sha256,
                                     const char *received_at),
                           void *arg, struct dahub_error *err) {
  /* stored and duplicate files both settle in done/ (ingest.c) */
  static const char sql[] = "SELECT file_name, sha256, " ISO_UTC(
      "received_at") " FROM receipts"
                     " WHERE board = $1 AND feed = $2 AND sha256 IS NOT NULL"
                     " AND outcome IN ('stored', 'duplicate') ORDER BY "
                     "receipt_id";

  return each_row(
      ps, sql, feed,
      &(struct store_call){.kind = STORE_CALL_KEPT, .fn.kept = fn, .arg = arg},
      "receipts", err);
}
