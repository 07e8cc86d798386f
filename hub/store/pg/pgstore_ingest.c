/*
 * pgstore_ingest.c: one partner file into PostgreSQL, as one transaction.
 *
 * pgstore_ingest_begin() takes the store (pgstore_enter(): a connection
 * lost since the last call is made again, as at every top-level call, but
 * never after begin), opens the
 * transaction and writes the ingest's row (its hash still NULL, so rows
 * can point at it). Figures are streamed by COPY into a staging table
 * (pgstore_copy.c). A connection lost after begin fails the file with
 * -EAGAIN at its next call: nothing of it is committed, and the file tried
 * again is stored once. pgstore_ingest_commit() ends the COPY
 * and then works in sets, as SQL does best: the codes the file met for the
 * first time go into the dictionaries, every figure into observations in
 * one INSERT ... SELECT (in the file's order, so obs_id order is the file's
 * as in SQLite), then, as store_ingest.c does: the hash is checked and set
 * under UNIQUE(board, feed, sha256), the file's periods become current for
 * its feed (the earlier ingest stays as history) and its receipt is
 * written; COMMIT. Any failure rolls all of it back.
 *
 * Two hubs may store the same file at once (spool intake may run on both,
 * docs/postgresql.md): the one that sets the hash second waits on the
 * unique index until the first commits, gets unique_violation, rolls back
 * and answers "duplicate" with the first's ingest, as if it had found the
 * hash. Dictionary codes are added, and periods made current, in one
 * order (table by table, sorted), so two files touching the same ones
 * wait for each other rather than deadlock.
 *
 * A record (a contract of a register) or the file's warnings end the COPY
 * and are inserted; the next figure starts a new COPY into the same
 * staging table.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files larger than this get statistics on their staging rows before the
 * set-based inserts: the planner then hashes rather than loops. */
#define ANALYZE_ABOVE 10000
/* The memory the sort of a large file's figures may take (the session's
 * default, 4 MB, sorts 200,000 figures on disk). */
#define SORT_MEM "64MB"

int pgstore_ingest_begin(struct pgstore *ps, const struct store_ingest *in,
                         struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO ingests(board, feed, source_id, plugin, plugin_version,"
      " file_name, size_bytes, received_at)"
      " VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ingest_id";
  char size[24];
  const char *params[8] = {ps->board,  in->feed,           in->source_id,
                           in->plugin, in->plugin_version, in->file_name,
                           size,       in->received_at};
  PGresult *res;
  int rc;

  if ((rc = pgstore_enter(ps, err)) != 0)
    return rc;
  if ((rc = pgstore_exec(ps, "BEGIN", "begin", err)) != 0)
    goto out;
  (void)snprintf(size, sizeof size, "%" PRIu64, in->size_bytes);
  if ((res = pgstore_query(ps, sql, 8, params, "insert ingest", &rc, err)) ==
      NULL) {
    PQclear(PQexec(ps->conn, "ROLLBACK"));
    goto out;
  }
  ps->ingest_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  ps->n_obs = 0;
  ps->in_txn = 1;
  ps->failed = 0;
  ps->copying = 0;
  ps->buf_used = 0;
  (void)snprintf(ps->feed, sizeof ps->feed, "%s", in->feed);
  (void)snprintf(ps->file_name, sizeof ps->file_name, "%s", in->file_name);
  return 0; /* the caller holds the store until commit or rollback */
out:
  pgstore_leave(ps);
  return rc;
}

/* One statement of the open file's besides its figures: the COPY is
 * ended first (the next figure starts another); a failure fails the
 * file. */
static int file_statement(struct pgstore *ps, const char *sql, int n,
                          const char *const *params, const char *what,
                          struct dahub_error *err) {
  PGresult *res;
  int rc;

  if (ps->failed) {
    *err = ps->fail_err;
    return ps->fail_rc;
  }
  if ((rc = pgstore_copy_end(ps, NULL, err)) == 0) {
    res = pgstore_query(ps, sql, n, params, what, &rc, err);
    PQclear(res);
  }
  if (rc != 0) {
    ps->failed = 1;
    ps->fail_rc = rc;
    ps->fail_err = *err;
  }
  return rc;
}

int pgstore_ingest_record(struct pgstore *ps, const char *kind,
                          const char *fields_json, uint32_t line,
                          struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO records(board, ingest_id, feed, kind, fields, locator)"
      " VALUES($1, $2, $3, $4, $5, $6)";
  char id[24], loc[32];
  const char *params[6] = {ps->board, id, ps->feed, kind, fields_json, loc};

  (void)snprintf(id, sizeof id, "%" PRId64, ps->ingest_id);
  (void)snprintf(loc, sizeof loc, "r%u", line);
  return file_statement(ps, sql, 6, params, "insert record", err);
}

int pgstore_ingest_warnings(struct pgstore *ps, unsigned count, unsigned cells,
                            const char *kept, struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO ingest_warnings(board, ingest_id, warnings, cells, kept)"
      " VALUES($1, $2, $3, $4, $5)";
  char id[24], n[16], c[16];
  const char *params[5] = {ps->board, id, n, c, kept};

  (void)snprintf(id, sizeof id, "%" PRId64, ps->ingest_id);
  (void)snprintf(n, sizeof n, "%u", count);
  (void)snprintf(c, sizeof c, "%u", cells);
  return file_statement(ps, sql, 5, params, "keep warnings", err);
}

/* A match read into the caller's struct: 1, or 0 without a row. */
static int match_row(void *ctx, const PGresult *res) {
  struct store_match *m = ctx;

  if (PQntuples(res) == 0)
    return 0;
  m->ingest_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  (void)snprintf(m->file_name, sizeof m->file_name, "%s",
                 PQgetvalue(res, 0, 1));
  (void)snprintf(m->stored_at, sizeof m->stored_at, "%s",
                 PQgetvalue(res, 0, 2));
  return 1;
}

static const char find_sql[] =
    "SELECT ingest_id, file_name, coalesce(to_char(stored_at,"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM ingests"
    " WHERE board = $1 AND feed = $2 AND sha256 = $3";

/* The same, inside the file's transaction (the store already held). */
static int find_hash(struct pgstore *ps, const char *feed, const char *sha256,
                     struct store_match *m, struct dahub_error *err) {
  const char *params[3] = {ps->board, feed, sha256};
  PGresult *res;
  int rc;

  if ((res = pgstore_query(ps, find_sql, 3, params, "find hash", &rc, err)) ==
      NULL)
    return rc;
  rc = match_row(m, res);
  PQclear(res);
  return rc;
}

int pgstore_find_hash(struct pgstore *ps, const char *feed, const char *sha256,
                      struct store_match *match, struct dahub_error *err) {
  const char *params[3] = {ps->board, feed, sha256};

  return pgstore_once(ps, find_sql, 3, params, match_row, match, "find hash",
                      err);
}

/* The file's transaction is over: the store is given back. */
static void file_over(struct pgstore *ps) {
  ps->ingest_id = 0;
  ps->in_txn = 0;
  pgstore_leave(ps);
}

void pgstore_ingest_rollback(struct pgstore *ps) {
  (void)pgstore_copy_end(ps, "rolled back", NULL);
  PQclear(PQexec(ps->conn, "ROLLBACK"));
  file_over(ps);
}

/* The staging rows into the tables: new codes into the dictionaries (in
 * one order: see the essay), then every figure, in the file's order. */
static const char *const commit_sql[] = {
    "INSERT INTO periods(period) SELECT DISTINCT s.period"
    " FROM pg_temp.obs_stage s WHERE NOT EXISTS (SELECT 1 FROM periods d"
    " WHERE d.period = s.period) ORDER BY 1 ON CONFLICT DO NOTHING",
    "INSERT INTO areas(area_code) SELECT DISTINCT s.area_code"
    " FROM pg_temp.obs_stage s WHERE NOT EXISTS (SELECT 1 FROM areas d"
    " WHERE d.area_code = s.area_code) ORDER BY 1 ON CONFLICT DO NOTHING",
    "INSERT INTO measures(measure_id, unit) SELECT DISTINCT s.measure_id,"
    " s.unit FROM pg_temp.obs_stage s WHERE NOT EXISTS (SELECT 1 FROM"
    " measures d WHERE d.measure_id = s.measure_id AND d.unit = s.unit)"
    " ORDER BY 1, 2 ON CONFLICT DO NOTHING",
    "INSERT INTO services(service_id) SELECT DISTINCT s.service_id"
    " FROM pg_temp.obs_stage s WHERE s.service_id IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM services d WHERE d.service_id = s.service_id)"
    " ORDER BY 1 ON CONFLICT DO NOTHING",
    "INSERT INTO breakdowns(dimensions) SELECT DISTINCT s.dimensions"
    " FROM pg_temp.obs_stage s WHERE NOT EXISTS (SELECT 1 FROM breakdowns d"
    " WHERE d.dimensions = s.dimensions) ORDER BY 1 ON CONFLICT DO NOTHING",
};

static const char obs_sql[] =
    "INSERT INTO observations(board, ingest_id, period_key, area_key,"
    " measure_key, service_key, breakdown_key, status, value, scale, bound,"
    " line, col, text_form, raw)"
    " SELECT $1, $2, p.period_key, a.area_key, m.measure_key, v.service_key,"
    " b.breakdown_key, s.status, s.value, s.scale, s.bound, s.line, s.col,"
    " s.text_form, s.raw FROM pg_temp.obs_stage s"
    " JOIN periods p ON p.period = s.period"
    " JOIN areas a ON a.area_code = s.area_code"
    " JOIN measures m ON m.measure_id = s.measure_id AND m.unit = s.unit"
    " JOIN breakdowns b ON b.dimensions = s.dimensions"
    " LEFT JOIN services v ON v.service_id = s.service_id"
    " ORDER BY s.seq";

/* Everything of the commit up to the hash: the staging rows stored. */
static int store_staged(struct pgstore *ps, struct dahub_error *err) {
  char id[24];
  const char *params[2] = {ps->board, id};
  PGresult *res;
  int rc;

  if ((rc = pgstore_copy_end(ps, NULL, err)) != 0)
    return rc;
  if (ps->n_obs == 0)
    return 0;
  /* statistics, so the planner hashes rather than loops, and room to
   * sort the file's order in memory rather than on disk */
  if (ps->n_obs > ANALYZE_ABOVE &&
      (rc = pgstore_exec(ps,
                         "ANALYZE pg_temp.obs_stage;"
                         " SET LOCAL work_mem = '" SORT_MEM "'",
                         "analyze", err)) != 0)
    return rc;
  for (size_t i = 0; i < sizeof commit_sql / sizeof *commit_sql; i++)
    if ((rc = pgstore_exec(ps, commit_sql[i], "add codes", err)) != 0)
      return rc;
  (void)snprintf(id, sizeof id, "%" PRId64, ps->ingest_id);
  if ((res = pgstore_query(ps, obs_sql, 2, params, "insert observations", &rc,
                           err)) == NULL)
    return rc;
  /* every staged row has its codes by now: a shortfall is a bug */
  if (strtoll(PQcmdTuples(res), NULL, 10) != ps->n_obs)
    rc = dahub_error_set(err, -EIO, 0, 0,
                         "postgresql: %s of %" PRId64 " figures stored",
                         PQcmdTuples(res), ps->n_obs);
  PQclear(res);
  return rc;
}

/* The hash, the current periods (in period order, so two hubs' files of
 * one feed lock them in one order) and the receipt: 0 when they are
 * written, 1 (with *m) when the board's feed holds the hash already, 2
 * when another hub stored it meanwhile (the caller rolls back, then finds
 * it). */
static int record_file(struct pgstore *ps, const char *sha256,
                       struct store_match *m, struct dahub_error *err) {
  static const char hash_sql[] =
      "UPDATE ingests SET sha256 = $1, stored_at = clock_timestamp(),"
      " observations = $2 WHERE ingest_id = $3";
  static const char current_sql[] =
      "INSERT INTO current_periods(board, feed, period, ingest_id)"
      " SELECT DISTINCT $1::text, $2::text, period, $3::bigint"
      " FROM pg_temp.obs_stage ORDER BY period ON CONFLICT (board, feed,"
      " period) DO UPDATE SET ingest_id = excluded.ingest_id";
  static const char receipt_sql[] =
      "INSERT INTO receipts(board, feed, file_name, sha256, received_at,"
      " outcome, ingest_id) VALUES($1, $2, $3, $4, $5, 'stored', $6)";
  char id[24], n[24], now[32];
  const char *hash_p[3] = {sha256, n, id};
  const char *current_p[3] = {ps->board, ps->feed, id};
  const char *receipt_p[6] = {ps->board, ps->feed, ps->file_name,
                              sha256,    now,      id};
  PGresult *res;
  int rc;

  /* Checked inside the transaction; UNIQUE(board, feed, sha256) stands
   * behind it for a hub that commits the same file at the same time. */
  if ((rc = find_hash(ps, ps->feed, sha256, m, err)) != 0)
    return rc;
  store_now(now);
  (void)snprintf(id, sizeof id, "%" PRId64, ps->ingest_id);
  (void)snprintf(n, sizeof n, "%" PRId64, ps->n_obs);
  /* stored_at to the microsecond, just before the commit: the order in
   * which files were stored, whichever hub stored them (the newest
   * records are read by it) */
  res = PQexecParams(ps->conn, hash_sql, 3, NULL, hash_p, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    if (state != NULL && strcmp(state, "23505") == 0)
      rc = 2; /* stored by another hub meanwhile */
    else
      rc = pgstore_fail(ps, res, "record hash", err);
    PQclear(res);
    return rc;
  }
  PQclear(res);
  res = pgstore_query(ps, current_sql, 3, current_p, "make current", &rc, err);
  PQclear(res);
  if (rc != 0)
    return rc;
  res = pgstore_query(ps, receipt_sql, 6, receipt_p, "receipt", &rc, err);
  PQclear(res);
  return rc;
}

int pgstore_ingest_commit(struct pgstore *ps, const char *sha256,
                          int64_t *ingest_id, struct store_match *match,
                          struct dahub_error *err) {
  int rc;

  if (ps->failed) {
    *err = ps->fail_err;
    rc = ps->fail_rc;
    goto out;
  }
  if ((rc = store_staged(ps, err)) != 0 ||
      (rc = record_file(ps, sha256, match, err)) != 0)
    goto out;
  if ((rc = pgstore_exec(ps, "COMMIT", "commit", err)) != 0)
    goto out;
  *ingest_id = ps->ingest_id;
  file_over(ps);
  return 0;
out:
  (void)pgstore_copy_end(ps, "rolled back", NULL);
  PQclear(PQexec(ps->conn, "ROLLBACK"));
  ps->ingest_id = 0;
  ps->in_txn = 0;
  if (rc == 2) {
    /* the other hub's commit is visible now that ours is rolled back */
    rc = find_hash(ps, ps->feed, sha256, match, err);
    if (rc == 0)
      rc = dahub_error_set(err, -EAGAIN, 0, 0,
                           "postgresql: record hash: another hub stored this "
                           "file at the same time, then it was gone");
  }
  pgstore_leave(ps);
  return rc;
}

int pgstore_receipt(struct pgstore *ps, const char *feed, const char *file_name,
                    const char *sha256, const char *outcome, int64_t ingest_id,
                    struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO receipts(board, feed, file_name, sha256, received_at,"
      " outcome, ingest_id) VALUES($1, $2, $3, $4, $5, $6, $7)";
  char now[32], id[24];
  const char *params[7] = {ps->board,
                           feed,
                           file_name,
                           sha256,
                           now,
                           outcome,
                           ingest_id > 0 ? id : NULL};

  store_now(now);
  (void)snprintf(id, sizeof id, "%" PRId64, ingest_id);
  return pgstore_once(ps, sql, 7, params, NULL, NULL, "receipt", err);
}
