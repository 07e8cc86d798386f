/*
 * pgstore_int.h: what the PostgreSQL store's own files share (pgstore.c,
 * pgstore_schema.c, pgstore_ingest.c). Nothing outside hub/store/pg
 * includes it but its tests: the module's surface is pgstore.h.
 */
#ifndef DAHUB_PGSTORE_INT_H
#define DAHUB_PGSTORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "pgstore.h"

/* The COPY buffer: rows are sent when it holds this much. */
#define PGSTORE_COPY_BUF (64u << 10)

#define PGSTORE_PATH_MAX 4096 /* the credential file's path */

struct pgstore {
  PGconn *conn;
  char conninfo_file[PGSTORE_PATH_MAX]; /* read again at every reconnect */
  int session_ok; /* the session made plain and on_connect done */
  pthread_mutex_t lock;
  char board[PGSTORE_BOARD_MAX + 1];
  int schema; /* the database's schema version, read or made at open */
  /* The open transaction's ingest, copied at begin. */
  int64_t ingest_id;
  int64_t n_obs;
  /* Inside a transaction of several calls (a file's, begin to commit or
   * rollback): a lost connection fails it, and is made again only after. */
  int in_txn;
  /* What a new connection needs besides the plain session (the staging
   * table, a leader's keepalives), at open and after every reconnect;
   * may be NULL. */
  int (*on_connect)(struct pgstore *ps, struct dahub_error *err);
  int copying; /* a COPY into the staging table is open */
  int failed;  /* a figure could not be handed over: commit rolls back */
  int fail_rc; /* ... with this code and fail_err */
  struct dahub_error fail_err;
  char feed[128];
  char file_name[256];
  size_t buf_used;
  char buf[PGSTORE_COPY_BUF];
};

/* A store struct for board's rows, its lock ready, connected with the
 * string in the credential file at path, the session plain; nothing else
 * done (no migration, no on_connect). On failure err names the file and
 * libpq's reason (never the string), or says what is wrong with board.
 * OUT: pgstore_close(). */
int pgstore_new(const char *conninfo_file, const char *board,
                struct pgstore **out, struct dahub_error *err);
/* The session as the store expects it (UTF-8, UTC, terse errors, a
 * server new enough), after every connect and reconnect. */
int pgstore_session_plain(struct pgstore *ps, struct dahub_error *err);

/* Row 0 of a result's columns for store_cols_*() (store_backend.h): the
 * text (NULL for SQL NULL) and the integer (0 for NULL) of column i. */
const char *pgstore_text(const void *res, int i);
int64_t pgstore_num(const void *res, int i);
/* store_call_row() on row 0 of res, ctx the caller's struct store_call:
 * the row function of every query that hands rows to a caller. */
int pgstore_call_row(void *ctx, const PGresult *res);
#define PGSTORE_COLS(res)                                                      \
  (&(struct store_cols){pgstore_text, pgstore_num, (res)})

/* Fills err from res's error (or the connection's, when res is NULL) for
 * the step named what: -EAGAIN when it is transient (a lost connection, a
 * server shutting down, a deadlock, a serialisation failure, out of
 * resources), else -EIO. Only the primary message and the SQLSTATE: a
 * detail or context line may quote a row's value. */
int pgstore_fail(struct pgstore *ps, const PGresult *res, const char *what,
                 struct dahub_error *err);
/* Takes the store for one top-level operation: its lock, and a
 * connection found lost (a server restarted or failed over since the last
 * call) made again, outside a file's transaction only. 0 holding the
 * lock; else a code with err, the lock not held. */
int pgstore_enter(struct pgstore *ps, struct dahub_error *err);
/* Gives the store back after pgstore_enter(). */
void pgstore_leave(struct pgstore *ps);
/* One statement as a top-level operation: entered, sql run with n text
 * parameters, and when it worked read(ctx, res) (NULL: nothing to read),
 * whose answer is returned; else the statement's code with err. */
int pgstore_once(struct pgstore *ps, const char *sql, int n,
                 const char *const *params,
                 int (*read)(void *ctx, const PGresult *res), void *ctx,
                 const char *what, struct dahub_error *err);

/* Runs sql (one statement or several) without parameters, the step named
 * what in err: 0 or a code with err. */
int pgstore_exec(struct pgstore *ps, const char *sql, const char *what,
                 struct dahub_error *err);
/* Runs sql with n text parameters (NULL: SQL NULL). OUT: PQclear() the
 * result, which is PGRES_COMMAND_OK or PGRES_TUPLES_OK; else NULL with err
 * filled and *code set. */
PGresult *pgstore_query(struct pgstore *ps, const char *sql, int n,
                        const char *const *params, const char *what, int *code,
                        struct dahub_error *err);

/* Brings the schema to latest with the first latest of migrations, every
 * pending one in one transaction under an advisory lock (two hubs starting
 * at once migrate once); refuses a database newer than n_migrations.
 * *version is the schema's version after. Exposed for the tests, which
 * migrate with lists of their own. */
int pgstore_migrate(struct pgstore *ps, const char *const *migrations,
                    int n_migrations, int latest, int *version,
                    struct dahub_error *err);
/* The schema version of the database without changing it, 0 when it has
 * none. */
int pgstore_schema_read(struct pgstore *ps, int *version,
                        struct dahub_error *err);
/* The migrations of pgstore_schema.c and their number. */
extern const char *const pgstore_migrations[];
extern const int pgstore_n_migrations;
/* The tables a hub writes, for pgstore_check(). */
extern const char *const pgstore_tables[];

/* The session's own staging table (pgstore_copy.c): made at open and
 * after a reconnect. */
int pgstore_session_setup(struct pgstore *ps, struct dahub_error *err);
/* Ends the open file's COPY, if any: sends the rest and reads the server's
 * answer. With why not NULL the COPY is abandoned (the transaction is then
 * aborted). */
int pgstore_copy_end(struct pgstore *ps, const char *why,
                     struct dahub_error *err);

/* Runs sql with n text parameters and calls row(ctx, res) for each row,
 * streamed (single-row mode), under the lock (pgstore.c); row
 * returns 0 to go on, non-zero to stop (returned; the rest is read and
 * dropped). */
int pgstore_each_row(struct pgstore *ps, const char *sql, int n,
                     const char *const *params,
                     int (*row)(void *ctx, const PGresult *res), void *ctx,
                     const char *what, struct dahub_error *err);
/* The deliveries of summary_id, pending and due at once, in the caller's
 * transaction (pgstore_outbox.c). */
int pgstore_outbox_add(struct pgstore *ps, const char *summary_id,
                       const struct store_outbox_new *out, size_t n,
                       struct dahub_error *err);

#endif
