/*
 * store_query.c: the figures the store holds, row by row, for the summary:
 * current observations, the deliveries behind them, and records (contracts
 * of a register). Each query runs through store_each(), which holds the
 * store's lock for its length; a row lent to a callback lives until it
 * returns.
 */
#include "store_int.h"

static int current_row(const struct store_call *e, sqlite3_stmt *q) {
  struct store_row r = {
      .feed = store_column_text(q, 0),
      .source_id = store_column_text(q, 1),
      .service_id = store_column_text(q, 2),
      .area_code = store_column_text(q, 3),
      .period = store_column_text(q, 4),
      .measure_id = store_column_text(q, 5),
      .dimensions = store_column_text(q, 6),
      .unit = store_column_text(q, 7),
      .status = (enum dahub_status)store_name_index(
          store_column_text(q, 8), store_status_names, 4, DAHUB_ACTUAL),
      .value = sqlite3_column_int64(q, 9),
      .scale = sqlite3_column_int(q, 10),
      .bound = sqlite3_column_int64(q, 11),
      .ingest_id = sqlite3_column_int64(q, 12),
  };

  return e->fn.current(e->arg, &r);
}

int store_sqlite_each_current(struct store *st, const char *prefix,
                              int (*fn)(void *arg, const struct store_row *r),
                              void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_CURRENT, prefix, current_row,
                    &(struct store_call){.fn.current = fn, .arg = arg},
                    "read observations", err);
}

static int delivery_row(const struct store_call *e, sqlite3_stmt *q) {
  return e->fn.delivery(e->arg, store_column_text(q, 0),
                        store_column_text(q, 1), sqlite3_column_int64(q, 2),
                        store_column_text(q, 3));
}

int store_sqlite_each_delivery(struct store *st, const char *prefix,
                               int (*fn)(void *arg, const char *feed,
                                         const char *period, int64_t ingest_id,
                                         const char *stored_at),
                               void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_DELIVERY, prefix, delivery_row,
                    &(struct store_call){.fn.delivery = fn, .arg = arg},
                    "read deliveries", err);
}

static int record_row(const struct store_call *e, sqlite3_stmt *q) {
  return e->fn.record(e->arg, store_column_text(q, 0), store_column_text(q, 1),
                      sqlite3_column_int64(q, 2));
}

int store_sqlite_each_record(struct store *st, const char *kind,
                             int (*fn)(void *arg, const char *feed,
                                       const char *fields, int64_t ingest_id),
                             void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_RECORD, kind, record_row,
                    &(struct store_call){.fn.record = fn, .arg = arg},
                    "read records", err);
}
