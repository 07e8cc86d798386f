/*
 * pgstore_query.c: the figures the PostgreSQL store holds, row by row, as
 * store_query.c reads them from SQLite: the same rows in the same order,
 * the same struct store_row lent to the same callback.
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
#include <stdlib.h>
#include <string.h>

/* current_observations' value_status, by enum dahub_status. */
static const char *const status_names[] = {
    [DAHUB_ACTUAL] = "actual",
    [DAHUB_SUPPRESSED] = "suppressed",
    [DAHUB_MISSING] = "missing",
    [DAHUB_ESTIMATED] = "estimated",
};

static enum dahub_status status_of(const char *s) {
  for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
    if (strcmp(s, status_names[i]) == 0)
      return (enum dahub_status)i;
  return DAHUB_ACTUAL;
}

/* Column i of the row, NULL for SQL NULL. */
static const char *text_or_null(const PGresult *res, int i) {
  return PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
}

static int64_t int_or_0(const PGresult *res, int i) {
  return PQgetisnull(res, 0, i) ? 0 : strtoll(PQgetvalue(res, 0, i), NULL, 10);
}

int pgstore_each_current(struct pgstore *ps, const char *prefix,
                         int (*fn)(void *arg, const struct store_row *r),
                         void *arg, struct dahub_error *err) {
  static const char sql[] =
      "SELECT feed, source_id, service_id, area_code, period, measure_id,"
      " dimensions, unit, value_status, value, scale, bound, ingest_id"
      " FROM current_observations WHERE board = $1"
      " AND left(period, length($2)) = $2 ORDER BY obs_id";
  const char *params[2] = {ps->board, prefix};
  PGresult *res;
  int rc = 0, stop = 0;

  (void)pthread_mutex_lock(&ps->lock);
  if (!PQsendQueryParams(ps->conn, sql, 2, NULL, params, NULL, NULL, 0)) {
    rc = pgstore_fail(ps, NULL, "read observations", err);
    goto out;
  }
  (void)PQsetSingleRowMode(ps->conn);
  while ((res = PQgetResult(ps->conn)) != NULL) {
    ExecStatusType s = PQresultStatus(res);

    if (s == PGRES_SINGLE_TUPLE && stop == 0 && rc == 0) {
      struct store_row r = {
          .feed = text_or_null(res, 0),
          .source_id = text_or_null(res, 1),
          .service_id = text_or_null(res, 2),
          .area_code = text_or_null(res, 3),
          .period = text_or_null(res, 4),
          .measure_id = text_or_null(res, 5),
          .dimensions = text_or_null(res, 6),
          .unit = text_or_null(res, 7),
          .status = status_of(PQgetvalue(res, 0, 8)),
          .value = int_or_0(res, 9),
          .scale = (int)int_or_0(res, 10),
          .bound = int_or_0(res, 11),
          .ingest_id = int_or_0(res, 12),
      };

      stop = fn(arg, &r); /* the rest is read and dropped */
    } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0) {
      rc = pgstore_fail(ps, res, "read observations", err);
    }
    PQclear(res);
  }
out:
  (void)pthread_mutex_unlock(&ps->lock);
  return rc != 0 ? rc : stop;
}
