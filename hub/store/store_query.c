/*
 * store_query.c: the figures the store holds, row by row, for the summary:
 * current observations, the deliveries behind them, and records (contracts
 * of a register). Each query runs through store_each(), which holds the
 * store's lock for its length; a row lent to a callback lives until it
 * returns.
 */
#include "store_int.h"

#include <string.h>

struct each_current {
  int (*fn)(void *arg, const struct store_row *r);
  void *arg;
};

static int current_row(void *arg, sqlite3_stmt *q) {
  struct each_current *e = arg;
  struct store_row r = {
      .feed = store_column_text(q, 0),
      .source_id = store_column_text(q, 1),
      .service_id = store_column_text(q, 2),
      .area_code = store_column_text(q, 3),
      .period = store_column_text(q, 4),
      .measure_id = store_column_text(q, 5),
      .dimensions = store_column_text(q, 6),
      .unit = store_column_text(q, 7),
      .value = sqlite3_column_int64(q, 9),
      .scale = sqlite3_column_int(q, 10),
      .bound = sqlite3_column_int64(q, 11),
      .ingest_id = sqlite3_column_int64(q, 12),
  };
  const char *status = store_column_text(q, 8);

  r.status = DAHUB_ACTUAL;
  for (int i = 0; i <= DAHUB_ESTIMATED; i++)
    if (status != NULL && strcmp(status, store_status_names[i]) == 0)
      r.status = (enum dahub_status)i;
  return e->fn(e->arg, &r);
}

int store_each_current(struct store *st, const char *prefix,
                       int (*fn)(void *arg, const struct store_row *r),
                       void *arg, struct dahub_error *err) {
  struct each_current e = {fn, arg};

  return store_each(st, Q_EACH_CURRENT, prefix, current_row, &e,
                    "read observations", err);
}

struct each_delivery {
  int (*fn)(void *arg, const char *feed, const char *period, int64_t ingest_id,
            const char *stored_at);
  void *arg;
};

static int delivery_row(void *arg, sqlite3_stmt *q) {
  struct each_delivery *e = arg;

  return e->fn(e->arg, store_column_text(q, 0), store_column_text(q, 1),
               sqlite3_column_int64(q, 2), store_column_text(q, 3));
}

int store_each_delivery(struct store *st, const char *prefix,
                        int (*fn)(void *arg, const char *feed,
                                  const char *period, int64_t ingest_id,
                                  const char *stored_at),
                        void *arg, struct dahub_error *err) {
  struct each_delivery e = {fn, arg};

  return store_each(st, Q_EACH_DELIVERY, prefix, delivery_row, &e,
                    "read deliveries", err);
}

struct each_record {
  int (*fn)(void *arg, const char *feed, const char *fields, int64_t ingest_id);
  void *arg;
};

static int record_row(void *arg, sqlite3_stmt *q) {
  struct each_record *e = arg;

  return e->fn(e->arg, store_column_text(q, 0), store_column_text(q, 1),
               sqlite3_column_int64(q, 2));
}

int store_each_record(struct store *st, const char *kind,
                      int (*fn)(void *arg, const char *feed, const char *fields,
                                int64_t ingest_id),
                      void *arg, struct dahub_error *err) {
  struct each_record e = {fn, arg};

  return store_each(st, Q_EACH_RECORD, kind, record_row, &e, "read records",
                    err);
}
