/*
 * store_query.c: the figures the store holds, row by row, for the summary:
 * current observations, the deliveries behind them, and records (contracts
 * of a register). Each query runs through store_each(), which holds the
 * store's lock for its length; a row lent to a callback lives until it
 * returns.
 */
#include "store_int.h"

int store_sqlite_each_current(struct store *st, const char *prefix,
                              int (*fn)(void *arg, const struct store_row *r),
                              void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_CURRENT, prefix, store_call_sqlite,
                    &(struct store_call){.kind = STORE_CALL_CURRENT,
                                         .fn.current = fn,
                                         .arg = arg},
                    "read observations", err);
}

int store_sqlite_each_delivery(struct store *st, const char *prefix,
                               int (*fn)(void *arg, const char *feed,
                                         const char *period, int64_t ingest_id,
                                         const char *stored_at),
                               void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_DELIVERY, prefix, store_call_sqlite,
                    &(struct store_call){.kind = STORE_CALL_DELIVERY,
                                         .fn.delivery = fn,
                                         .arg = arg},
                    "read deliveries", err);
}

int store_sqlite_each_record(struct store *st, const char *kind,
                             int (*fn)(void *arg, const char *feed,
                                       const char *fields, int64_t ingest_id),
                             void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_RECORD, kind, store_call_sqlite,
                    &(struct store_call){
                        .kind = STORE_CALL_RECORD, .fn.record = fn, .arg = arg},
                    "read records", err);
}
