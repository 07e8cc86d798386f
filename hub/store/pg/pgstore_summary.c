/*
 * pgstore_summary.c: the summaries a board's hub has published and their
 * cells (the audit log the disclosure control reads back), as
 * store_summary.c keeps them in SQLite (store.h).
 *
 * A version, its cells and the deliveries it owes (pgstore_outbox.c) are
 * written in one transaction, so the audit log never holds a version
 * without its cells, nor a version without its deliveries. Two hubs of one
 * board writing the same version of a period: the second is refused by
 * UNIQUE(board, period, version) and leaves nothing. Only the store's
 * board is read or written, also for the tables' owner.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The newest version into the caller's: 1, or 0 without a row. */
struct latest {
  int *version;
  char *sha256;
};

static int latest_row(void *ctx, const PGresult *res) {
  const struct latest *l = ctx;

  if (PQntuples(res) == 0)
    return 0;
  *l->version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
  (void)snprintf(l->sha256, 65, "%s", PQgetvalue(res, 0, 1));
  return 1;
}

int pgstore_summary_latest(struct pgstore *ps, const char *period,
                           const char *meeting, int *version, char sha256[65],
                           struct dahub_error *err) {
  static const char sql[] =
      "SELECT version, sha256 FROM summaries WHERE board = $1"
      " AND period = $2 AND ($3::text IS NULL OR meeting = $3)"
      " ORDER BY version DESC LIMIT 1";
  const char *params[3] = {ps->board, period, meeting};
  struct latest l = {version, sha256};

  return pgstore_once(ps, sql, 3, params, latest_row, &l, "read summaries",
                      err);
}

/* The cells of summary id, in the caller's transaction, sent as one
 * pipeline (libpq's pipeline mode): a large summary's audit log costs one
 * round trip to the server, not one a cell. Every state is checked before
 * anything is sent. */
static int add_cells(struct pgstore *ps, const char *id,
                     const struct store_pub_cell *cells, size_t n,
                     struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO published_cells(board, summary_id, measure_id, source_id,"
      " area_code, dimensions, value, scale, state, threshold, ingests, whole,"
      " rule) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
  static const char what[] = "record summary cells";
  int rc = 0, nulls = 0;
  PGresult *res;

  for (size_t i = 0; i < n; i++)
    if (cells[i].state < 0 || cells[i].state > 3)
      return dahub_error_set(err, -EINVAL, 0, 0, "record summary: bad state");
  if (n == 0)
    return 0;
  if (!PQenterPipelineMode(ps->conn))
    return pgstore_fail(ps, NULL, what, err);
  for (size_t i = 0; i < n && rc == 0; i++) {
    const struct store_pub_cell *c = &cells[i];
    char value[24], scale[16], threshold[24], whole[4], rule[16];
    const char *params[13] = {
        ps->board,    id,         c->measure,
        c->source_id, c->area,    c->dims,
        value,        scale,      store_pub_states[c->state],
        threshold,    c->ingests, whole,
        rule};

    (void)snprintf(value, sizeof value, "%" PRId64, c->value);
    (void)snprintf(scale, sizeof scale, "%d", c->scale);
    (void)snprintf(threshold, sizeof threshold, "%" PRId64, c->threshold);
    (void)snprintf(whole, sizeof whole, "%d", c->whole != 0);
    (void)snprintf(rule, sizeof rule, "%d", c->rule);
    if (!PQsendQueryParams(ps->conn, sql, 13, NULL, params, NULL, NULL, 0))
      rc = pgstore_fail(ps, NULL, what, err);
  }
  if (!PQpipelineSync(ps->conn) && rc == 0)
    rc = pgstore_fail(ps, NULL, what, err);
  /* every result up to the sync's, the first error kept (those after it
   * are aborted); a NULL ends one statement's results, two in a row or a
   * lost connection mean nothing more will come */
  while (nulls < 2 && PQstatus(ps->conn) == CONNECTION_OK) {
    ExecStatusType s;

    if ((res = PQgetResult(ps->conn)) == NULL) {
      nulls++;
      continue;
    }
    nulls = 0;
    s = PQresultStatus(res);
    if (s == PGRES_FATAL_ERROR && rc == 0)
      rc = pgstore_fail(ps, res, what, err);
    PQclear(res);
    if (s == PGRES_PIPELINE_SYNC)
      break;
  }
  if (PQstatus(ps->conn) != CONNECTION_OK && rc == 0)
    rc = pgstore_fail(ps, NULL, what, err);
  if (!PQexitPipelineMode(ps->conn) && rc == 0)
    rc = pgstore_fail(ps, NULL, what, err);
  return rc;
}

int pgstore_summary_add(struct pgstore *ps, const char *period, int version,
                        const char *meeting, const char *sha256,
                        const char *folder, const struct store_pub_cell *cells,
                        size_t n_cells, const struct store_outbox_new *out,
                        size_t n_out, struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO summaries(board, period, version, meeting, sha256,"
      " produced_at, folder) VALUES($1, $2, $3, $4, $5, now(), $6)"
      " RETURNING summary_id";
  char v[16], id[24];
  const char *params[6] = {ps->board, period, v, meeting, sha256, folder};
  PGresult *res;
  int rc;

  (void)snprintf(v, sizeof v, "%d", version);
  if ((rc = pgstore_enter(ps, err)) != 0)
    return rc;
  if ((rc = pgstore_exec(ps, "BEGIN", "record summary", err)) != 0)
    goto out;
  ps->in_txn = 1;
  if ((res = pgstore_query(ps, sql, 6, params, "record summary", &rc, err)) ==
      NULL)
    goto rollback;
  (void)snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
  PQclear(res);
  if ((rc = add_cells(ps, id, cells, n_cells, err)) != 0)
    goto rollback;
  if ((rc = pgstore_outbox_add(ps, id, out, n_out, err)) != 0)
    goto rollback;
  if ((rc = pgstore_exec(ps, "COMMIT", "record summary", err)) == 0)
    goto out;
rollback:
  (void)pgstore_exec(ps, "ROLLBACK", "record summary", NULL);
out:
  ps->in_txn = 0;
  pgstore_leave(ps);
  return rc;
}

int pgstore_each_published(struct pgstore *ps, const char *prefix,
                           int (*fn)(void *arg, const struct store_pub_cell *c),
                           void *arg, struct dahub_error *err) {
  static const char sql[] =
      "SELECT s.period, s.version, p.measure_id, p.source_id, p.area_code,"
      " p.dimensions, p.value, p.scale, p.state, p.threshold, p.ingests,"
      " p.whole, p.rule FROM published_cells p JOIN summaries s"
      " ON s.board = p.board AND s.summary_id = p.summary_id"
      " WHERE p.board = $1 AND left(s.period, length($2)) = $2"
      " ORDER BY s.period COLLATE \"C\", s.version, p.cell_id";
  const char *params[2] = {ps->board, prefix};
  struct store_call p = {
      .kind = STORE_CALL_PUBLISHED, .fn.published = fn, .arg = arg};

  return pgstore_each_row(ps, sql, 2, params, pgstore_call_row, &p,
                          "read published cells", err);
}
