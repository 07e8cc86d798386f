/*
 * store_legacy.c: writing to a store left at a schema before the narrow
 * observations table (store_schema.c, 9).
 *
 * store_open_version() can stop a store's migrations early, so the tests
 * of a migration build the store the way the dahub of that schema did:
 * every sample ingested, then migrated and compared. These are that
 * dahub's statements and its insert of an observation; a store opened at
 * the latest schema never uses them.
 */
#include "store_int.h"

#include <stdio.h>

/* The statements whose SQL changed with the narrow table, as they were. */
static const char *const legacy_sql[Q_COUNT] = {
    [Q_OBS] = "INSERT INTO observations(ingest_id, feed, source_id, "
              "service_id, area_code, period, measure_id, dimensions, value, "
              "scale, value_status, bound, unit, locator, raw) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [Q_CURRENT] = "INSERT INTO current_periods(feed, period, ingest_id) "
                  "SELECT feed, period, ingest_id FROM observations "
                  "WHERE ingest_id = ?1 GROUP BY period ON CONFLICT(feed, "
                  "period) DO UPDATE "
                  "SET ingest_id = excluded.ingest_id",
    [Q_EACH_DELIVERY] =
        "SELECT o.feed, o.period, o.ingest_id, i.stored_at"
        " FROM observations o JOIN ingests i"
        " ON i.ingest_id = o.ingest_id WHERE i.sha256 IS NOT NULL AND"
        " substr(o.period, 1, length(?1)) = ?1"
        " GROUP BY o.feed, o.period, o.ingest_id"
        " ORDER BY o.feed, o.period, o.ingest_id",
};

const char *store_legacy_sql(enum store_stmt id) { return legacy_sql[id]; }

int store_legacy_obs(struct store *st, const struct store_obs *o,
                     struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_OBS];
  char loc[32];
  int rc;

  (void)snprintf(loc, sizeof loc, "r%uc%u", o->line, o->col);
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  store_bind_text(q, 2, st->feed);
  store_bind_text(q, 3, st->source_id);
  store_bind_text(q, 4, o->service_id);
  store_bind_text(q, 5, o->area_code);
  store_bind_text(q, 6, o->period);
  store_bind_text(q, 7, o->measure_id);
  store_bind_text(q, 8, o->dimensions);
  if (o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED)
    (void)sqlite3_bind_int64(q, 9, o->value);
  else
    (void)sqlite3_bind_null(q, 9);
  (void)sqlite3_bind_int(q, 10, o->scale);
  store_bind_text(q, 11, store_status_names[o->status]);
  if (o->status == DAHUB_SUPPRESSED && o->bound > 0)
    (void)sqlite3_bind_int64(q, 12, o->bound);
  else
    (void)sqlite3_bind_null(q, 12);
  store_bind_text(q, 13, o->unit);
  store_bind_text(q, 14, loc);
  store_bind_text(q, 15, o->raw);
  if ((rc = store_step_done(st, q, "insert observation", err)) == 0)
    st->n_obs++;
  return rc;
}
