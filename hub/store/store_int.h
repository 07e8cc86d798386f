/*
 * store_int.h: what the store's own files share (store.c, store_schema.c,
 * store_ingest.c, store_query.c, store_summary.c, store_backup.c,
 * store_verify.c). Nothing outside
 * hub/store includes it: the module's surface is store.h.
 */
#ifndef DAHUB_STORE_INT_H
#define DAHUB_STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "store_backend.h"

/* The statements, prepared once at open (store.c holds their SQL). */
enum store_stmt {
  Q_INGEST,
  Q_OBS,
  Q_FIND,
  Q_SET_HASH,
  Q_CURRENT,
  Q_RECEIPT,
  Q_EACH_CURRENT,
  Q_EACH_DELIVERY,
  Q_SUMMARY_LATEST,
  Q_SUMMARY_ADD,
  Q_RECORD,
  Q_EACH_RECORD,
  Q_PUB_ADD,
  Q_EACH_PUB,
  Q_OBS_TEXT,
  Q_OBS_MANY,
  Q_NEXT_OBS,
  Q_DICT_AREA, /* the dictionaries, in enum store_dict_id's order */
  Q_DICT_PERIOD,
  Q_DICT_MEASURE,
  Q_DICT_SERVICE,
  Q_DICT_BREAKDOWN,
  Q_COUNT,
};

/* The schema that made observations narrow (store_schema.c, 9): a store
 * opened at an earlier one (tests of migrations) is written the old way
 * (store_legacy.c). */
#define STORE_SCHEMA_NARROW 9

/* Figures a multi-row insert takes (Q_OBS_MANY): one statement for many
 * rows keeps SQLite's cursors where the last row left them, and costs
 * about half as much a figure as a statement each. */
#define STORE_OBS_MANY 32

/* The dictionaries of the narrow observations table. */
enum store_dict_id {
  DICT_AREA,
  DICT_PERIOD,
  DICT_MEASURE, /* a measure with its unit */
  DICT_SERVICE,
  DICT_BREAKDOWN,
};

struct store_dict;
struct store_writer;

struct store {
  /* Another backend's operations and its store (store_open_postgresql()):
   * when set, every call of store.h goes there and the rest is unused. */
  const struct store_backend_ops *ops;
  void *be;
  sqlite3 *db;
  sqlite3_stmt *q[Q_COUNT];
  pthread_mutex_t lock;
  int schema; /* the schema version the statements were prepared for */
  struct store_dict *dict;     /* keys met so far (store_dict.c) */
  struct store_writer *writer; /* an ingest's figures (store_writer.c) */
  /* The open transaction's ingest, copied at begin. */
  int64_t ingest_id;
  int64_t n_obs;
  int64_t next_obs_id; /* the narrow table's next obs_id */
  char feed[128];
  char source_id[128];
  char file_name[256];
};

/* Fills err from SQLite's result rc for the step named what; returns
 * -EAGAIN (transient) or -EIO. */
int store_fail(struct store *st, int rc, const char *what,
               struct dahub_error *err);
/* Runs sql without results: 0 or a code with err. */
int store_exec(struct store *st, const char *sql, struct dahub_error *err);

/* A struct store whose every call goes to ops on be (another backend's
 * store, opened by the caller). On an error be is closed with ops->close,
 * so the caller has nothing left to free. */
int store_open_backend(const struct store_backend_ops *ops, void *be,
                       struct store **out, struct dahub_error *err);

/* Reads the file's schema version; refuses one newer than this dahub
 * (store_schema.c). Called before anything, even the journal mode, is
 * changed. */
int store_schema_version(struct store *st, int *version,
                         struct dahub_error *err);
/* Brings the schema from version to latest, a transaction a step. */
int store_schema_migrate(struct store *st, int version, int latest,
                         struct dahub_error *err);

/* Binds s, or NULL when s is NULL; s must outlive the statement's use. */
void store_bind_text(sqlite3_stmt *q, int i, const char *s);
/* Makes a prepared statement ready for its next use. */
void store_stmt_release(sqlite3_stmt *q);
/* Steps q once, expecting no row; releases it; 0 or a code with err. */
int store_step_done(struct store *st, sqlite3_stmt *q, const char *what,
                    struct dahub_error *err);

static inline const char *store_column_text(sqlite3_stmt *q, int i) {
  return (const char *)sqlite3_column_text(q, i);
}

/* A SQLite row's columns for store_cols_*() (store_backend.h): q is the
 * sqlite3_stmt * on the row. */
const char *store_sqlite_text(const void *q, int i);
int64_t store_sqlite_num(const void *q, int i);
/* store_call_row() on a SQLite row: the row function of every query that
 * hands rows to a caller's struct store_call. */
int store_call_sqlite(const struct store_call *c, sqlite3_stmt *q);
#define STORE_SQLITE_COLS(stmt)                                                \
  (&(struct store_cols){store_sqlite_text, store_sqlite_num, (stmt)})

/* Runs statement id with param bound to ?1, holding the store's lock, and
 * calls row(c, q) on each row; row returns 0 to go on, non-zero to stop
 * (returned). what names the query in err. Every query that hands rows to
 * a caller goes through here, so all release and unlock alike. */
int store_each(struct store *st, enum store_stmt id, const char *param,
               int (*row)(const struct store_call *c, sqlite3_stmt *q),
               const struct store_call *c, const char *what,
               struct dahub_error *err);

/* For statements run now and then, prepared per call (the outbox, pulls):
 * takes the lock and prepares sql; on failure unlocks and fills err. */
int store_prepare_locked(struct store *st, const char *sql, sqlite3_stmt **q,
                         const char *what, struct dahub_error *err);
/* Steps such a q to its end, expecting no row; finalizes it and unlocks.
 * -ENOENT when it changed no row. */
int store_finish_locked(struct store *st, sqlite3_stmt *q, const char *what,
                        struct dahub_error *err);

/* Runs one statement that returns no row, prepared per call: its
 * parameters ?1, ?2 ... in order, one letter of types each: 's' a text
 * (const char *, NULL binds NULL), 'i' an int, 'I' an int64_t, 'n' the
 * time now (no argument). 0, -ENOENT when it changed no row, or a store
 * error with err. store_read() without a row function. */
#define store_write(st, what, err, sql, ...)                                   \
  store_read(st, what, err, NULL, NULL, sql, __VA_ARGS__)

/* Runs one statement that returns rows, prepared per call, its parameters
 * bound as store_write()'s, and calls row(c, q) on each row while it
 * returns 0 (c->arg is the caller's, for rows read into its own struct):
 * 0 at the end, row's non-zero to stop, or a store error with err; with
 * row NULL, store_write(). The store's lock is held throughout. */
int store_read(struct store *st, const char *what, struct dahub_error *err,
               int (*row)(const struct store_call *c, sqlite3_stmt *q),
               const struct store_call *c, const char *sql, const char *types,
               ...);

/* PRAGMA integrity_check on any connection (store_backup.c checks its
 * copy with it too); see store_integrity(). */
void store_integrity_db(sqlite3 *db,
                        void (*problem)(void *arg, const char *msg), void *arg,
                        unsigned *n);

/* OUT: store_dict_free(). 0 or -ENOMEM. */
int store_dict_new(struct store_dict **out);
void store_dict_free(struct store_dict *d);
/* The key of (a, b) in dictionary id (b is the unit of DICT_MEASURE, NULL
 * for the others), added to it if new, inside the open transaction. */
int store_dict_key(struct store *st, enum store_dict_id id, const char *a,
                   const char *b, int64_t *key, struct dahub_error *err);
/* Forgets every key: those added by a transaction rolled back are gone. */
void store_dict_forget(struct store_dict *d);

/* Inserts o into the narrow table, its keys looked up, inside the open
 * transaction: on the writer's thread, or the ingest's when the writer is
 * not running (store_writer.c). */
int store_obs_insert(struct store *st, const struct store_obs *o,
                     struct dahub_error *err);
/* The same for STORE_OBS_MANY figures at once, in one statement. */
int store_obs_insert_many(struct store *st, const struct store_obs *o,
                          struct dahub_error *err);

/* The writer thread of an ingest's figures (store_writer.c). OUT:
 * store_writer_free(). 0 or -ENOMEM. */
int store_writer_new(struct store_writer **out);
void store_writer_free(struct store_writer *w);
/* Copies o into the batch being filled, handing full batches to the
 * writer; answers the writer's first error, if any. */
int store_writer_put(struct store *st, const struct store_obs *o,
                     struct dahub_error *err);
/* Waits until the writer has written every batch handed over (the batch
 * being filled stays), so that the connection is the caller's until it
 * hands over the next: 0, or the writer's first error. */
int store_writer_drain(struct store *st, struct dahub_error *err);
/* Writes what is left and stops the writer: 0, or its first error. */
int store_writer_finish(struct store *st, struct dahub_error *err);
/* Stops the writer, dropping what is not written yet (a rollback). */
void store_writer_abandon(struct store *st);

/* An observation into a store left at a schema before
 * STORE_SCHEMA_NARROW (store_legacy.c). */
int store_legacy_obs(struct store *st, const struct store_obs *o,
                     struct dahub_error *err);
/* The SQL of statement id at such a schema, or NULL when it is the same. */
const char *store_legacy_sql(enum store_stmt id);

/* SQLite's own of every operation of store_backend.h's table: what
 * store.h's store_<name>() runs on a store that holds no other backend
 * (store_backend.c). In store_ingest.c,
 * store_query.c, store_warnings.c, store_verify.c, store_pull.c,
 * store_summary.c and store_outbox.c. */
#define STORE_SQLITE_DECLARE(name, params, args)                               \
  int store_sqlite_##name STORE_OP_WITH(struct store *st, params);
STORE_BACKEND_OPS(STORE_SQLITE_DECLARE)
#undef STORE_SQLITE_DECLARE

/* Records the deliveries of summary summary_id, pending and due now, in
 * the caller's transaction (store_outbox.c). */
int store_outbox_add(struct store *st, int64_t summary_id,
                     const struct store_outbox_new *out, size_t n,
                     struct dahub_error *err);

#endif
