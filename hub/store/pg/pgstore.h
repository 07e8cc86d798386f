/*
 * pgstore.h: the store in PostgreSQL 15, for many hubs and many boards in
 * one database (docs/postgresql.md).
 *
 * The same guarantees as the SQLite store (store.h), with the same types:
 * one transaction per file, begun by pgstore_ingest_begin() and ended by
 * pgstore_ingest_commit() or pgstore_ingest_rollback(); the same content of
 * a feed is stored once, under UNIQUE(board, feed, sha256), whichever hub
 * commits it first; a later file of a feed makes its periods current for
 * that feed and the earlier one stays as history. Every row carries the
 * board the store was opened for, and this connection writes only that
 * board's rows; a role that does not own the tables is held to its own
 * boards by the server too (row-level security, pgstore_schema.c, 2).
 * Every call may wait on the network: worker threads only, never the
 * daemon's loop.
 *
 * The connection string is read from a credential file (credential.h:
 * owner-only, one line, at most CREDENTIAL_MAX bytes) and never logged or
 * shown: errors name the file, not its content. One connection, one mutex,
 * as in the SQLite store: a worker holds it from begin to commit or
 * rollback, every other call for its own length. Codes: 0, -EAGAIN for a
 * transient cause (the server down or restarting, a lost connection, a
 * deadlock: try again later), -EIO otherwise, or as each function says;
 * err says which.
 */
#ifndef DAHUB_PGSTORE_H
#define DAHUB_PGSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/error.h"
#include "store.h"

/* The migrations this dahub knows (pgstore_schema.c). */
#define PGSTORE_SCHEMA_VERSION 5
/* A board's name: what every row carries. */
#define PGSTORE_BOARD_MAX 64

struct pgstore;

/* The connection string in the credential file at path: a libpq
 * key=value string, a postgresql:// URI, or a bare word taken as a service
 * name (pg_service.conf). 0 with *conninfo (credential_free() it), or
 * -ENOENT, -EACCES (others may read it), -EFBIG, -EINVAL (not one line, or
 * not a connection string) with err; never the content in err. */
int pgstore_conninfo_read(const char *path, char **conninfo,
                          struct dahub_error *err);

/* Connects with the connection string in conninfo_file and brings the
 * schema to the latest version, for board's rows. OUT: pgstore_close(). */
int pgstore_open(const char *conninfo_file, const char *board,
                 struct pgstore **out, struct dahub_error *err);
/* As pgstore_open, migrating no further than latest (0: not at all). */
int pgstore_open_version(const char *conninfo_file, const char *board,
                         int latest, struct pgstore **out,
                         struct dahub_error *err);
/* Closes the connection; an open ingest is rolled back by the server.
 * NULL is a no-op. */
void pgstore_close(struct pgstore *ps);

/* The schema version the database is at. */
int pgstore_schema(struct pgstore *ps);

/* As store_ingest_begin(): opens the file's transaction with its ingest
 * row, and holds the store until commit or rollback. */
int pgstore_ingest_begin(struct pgstore *ps, const struct store_ingest *in,
                         struct dahub_error *err);
/* Hands one figure over, copied (COPY into a staging table of the
 * session's); an error rolls the file back at commit or rollback. */
int pgstore_ingest_obs(struct pgstore *ps, const struct store_obs *o,
                       struct dahub_error *err);
/* As store_ingest_record(): a record of kind (its fields as JSON text). */
int pgstore_ingest_record(struct pgstore *ps, const char *kind,
                          const char *fields_json, uint32_t line,
                          struct dahub_error *err);
/* As store_ingest_warnings(): the open file's warnings, in its
 * transaction. */
int pgstore_ingest_warnings(struct pgstore *ps, unsigned count, unsigned cells,
                            const char *kept, struct dahub_error *err);
/* As store_ingest_commit(): 0 committed with *ingest_id; 1 (rolled back,
 * *match filled) when the board's feed already holds sha256, stored by
 * this hub or another; negative on error (rolled back). */
int pgstore_ingest_commit(struct pgstore *ps, const char *sha256,
                          int64_t *ingest_id, struct store_match *match,
                          struct dahub_error *err);
void pgstore_ingest_rollback(struct pgstore *ps);

/* 1 with *match when the board's feed holds sha256, 0 when not. */
int pgstore_find_hash(struct pgstore *ps, const char *feed, const char *sha256,
                      struct store_match *match, struct dahub_error *err);
/* As store_receipt(): what became of a file that stored nothing. */
int pgstore_receipt(struct pgstore *ps, const char *feed, const char *file_name,
                    const char *sha256, const char *outcome, int64_t ingest_id,
                    struct dahub_error *err);

/* As store_each_current(): each current figure of the board whose period
 * id starts with prefix, in the order stored; fn returns 0 to go on,
 * non-zero to stop (returned). */
int pgstore_each_current(struct pgstore *ps, const char *prefix,
                         int (*fn)(void *arg, const struct store_row *r),
                         void *arg, struct dahub_error *err);

/* As store_each_delivery(): each (feed, period, ingest) of the board with
 * figures for a period with that prefix, superseded ingests too, with when
 * it was stored. */
int pgstore_each_delivery(struct pgstore *ps, const char *prefix,
                          int (*fn)(void *arg, const char *feed,
                                    const char *period, int64_t ingest_id,
                                    const char *stored_at),
                          void *arg, struct dahub_error *err);
/* As store_each_record(): the records of kind from the newest stored
 * ingest (by when it was stored) of each of the board's feeds that has
 * such records. */
int pgstore_each_record(struct pgstore *ps, const char *kind,
                        int (*fn)(void *arg, const char *feed,
                                  const char *fields, int64_t ingest_id),
                        void *arg, struct dahub_error *err);

/* As store_each_warned(): the warnings of each file of the board that
 * holds current figures of a period with that prefix. */
int pgstore_each_warned(struct pgstore *ps, const char *prefix,
                        int (*fn)(void *arg, const struct store_warned *w),
                        void *arg, struct dahub_error *err);
/* As store_warnings_of(): 1 with *count and *kept (the caller frees it)
 * when the board's ingest_id has warnings, 0 when not. */
int pgstore_warnings_of(struct pgstore *ps, int64_t ingest_id, unsigned *count,
                        char **kept, struct dahub_error *err);

/* As store_each_ingest_count(): each of the board's ingests, oldest
 * first, with the figures it recorded and those that point at it. */
int pgstore_each_ingest_count(struct pgstore *ps,
                              int (*fn)(void *arg,
                                        const struct store_ingest_count *c),
                              void *arg, struct dahub_error *err);
/* As store_each_kept_file(): each file of the board's feed that settled
 * in done/ (stored or a duplicate), from its receipt, oldest first. */
int pgstore_each_kept_file(struct pgstore *ps, const char *feed,
                           int (*fn)(void *arg, const char *file_name,
                                     const char *sha256,
                                     const char *received_at),
                           void *arg, struct dahub_error *err);

/* ---- feeds fetched over HTTPS (pgstore_pull.c), as store.h's ---- */

/* 0 with *out filled, 1 when the board's feed was never fetched. */
int pgstore_pull_state(struct pgstore *ps, const char *feed,
                       struct store_pull_state *out, struct dahub_error *err);
/* A fetch that worked; etag and last_modified NULL: keep the stored ones
 * (a 304). */
int pgstore_pull_ok(struct pgstore *ps, const char *feed, const char *etag,
                    const char *last_modified, int64_t now_ms,
                    struct dahub_error *err);
/* A fetch that failed: failing since the first such, one more in a row. */
int pgstore_pull_failed(struct pgstore *ps, const char *feed, int64_t now_ms,
                        const char *error, struct dahub_error *err);
/* A fetched body handed to the spool as file_name: its provenance. */
int pgstore_pull_add(struct pgstore *ps, const char *feed, const char *url,
                     const char *etag, const char *last_modified,
                     const char *sha256, uint64_t bytes, const char *file_name,
                     struct dahub_error *err);

/* ---- summaries and their cells (pgstore_summary.c), as store.h's ---- */

/* The board's newest summary version of period (with meeting not NULL,
 * of those made for it): 1 with *version and sha256, 0 when none. */
int pgstore_summary_latest(struct pgstore *ps, const char *period,
                           const char *meeting, int *version, char sha256[65],
                           struct dahub_error *err);
/* A summary version, its cells (the audit log) and its deliveries
 * (pending, due at once), in one transaction. */
int pgstore_summary_add(struct pgstore *ps, const char *period, int version,
                        const char *meeting, const char *sha256,
                        const char *folder, const struct store_pub_cell *cells,
                        size_t n_cells, const struct store_outbox_new *out,
                        size_t n_out, struct dahub_error *err);
/* Each recorded cell of the board's summary versions of a period with
 * that prefix, by period, then version, then as recorded. */
int pgstore_each_published(struct pgstore *ps, const char *prefix,
                           int (*fn)(void *arg, const struct store_pub_cell *c),
                           void *arg, struct dahub_error *err);

/* ---- the outbox (pgstore_outbox.c), as store.h's ---- */

int pgstore_outbox_report(struct pgstore *ps, const char *destination,
                          const char *key, const char *feed, const char *folder,
                          const char *file, const char *recipient,
                          struct dahub_error *err);
int pgstore_outbox_due(struct pgstore *ps, int64_t now_ms,
                       struct store_outbox_row *rows, size_t max, size_t *n,
                       struct dahub_error *err);
int pgstore_outbox_next(struct pgstore *ps, int64_t *next_ms,
                        struct dahub_error *err);
/* Of hubs of one board claiming one due row at once, only one gets it (0);
 * the others -EBUSY, without waiting for it. */
int pgstore_outbox_claim(struct pgstore *ps, int64_t id, int64_t now_ms,
                         int attempts, int64_t lease_ms,
                         struct dahub_error *err);
int pgstore_outbox_update(struct pgstore *ps, int64_t id,
                          enum outbox_state state, int attempts,
                          int64_t next_ms, long status, const char *answer,
                          struct dahub_error *err);
int pgstore_outbox_defer(struct pgstore *ps, const char *destination,
                         int64_t until_ms, struct dahub_error *err);
int pgstore_outbox_recover(struct pgstore *ps, int64_t now_ms,
                           struct dahub_error *err);
int pgstore_outbox_retry(struct pgstore *ps, int64_t id, int64_t now_ms,
                         struct dahub_error *err);
int pgstore_outbox_counts(struct pgstore *ps,
                          unsigned long counts[OUTBOX_NSTATES],
                          struct dahub_error *err);
int pgstore_outbox_each(struct pgstore *ps,
                        int (*fn)(void *arg, const struct store_outbox_row *r),
                        void *arg, struct dahub_error *err);

/* ---- two hubs for one board: which is active (pgstore_leader.c) ---- */

struct pgstore_leader;

/* A connection of its own for the board's active-hub lease; nothing is
 * taken yet. OUT: pgstore_leader_close(). */
int pgstore_leader_open(const char *conninfo_file, const char *board,
                        struct pgstore_leader **out, struct dahub_error *err);
/* Tries to be, or stay, the board's active hub: 1 it is (this
 * connection's backend holds the board's lease row, now renewed), 0
 * another hub is, negative when the server cannot be reached or the role
 * has not the board (then it is not active). Takes the lease as soon as
 * the active hub's connection ends, or when the active hub has not tried
 * for 60 s. Waits 2 s at most on the row; may wait up to the connect
 * timeout to reconnect. */
int pgstore_leader_try(struct pgstore_leader *l, struct dahub_error *err);
/* Gives the lease up (if held) and closes. NULL is a no-op. */
void pgstore_leader_close(struct pgstore_leader *l);

/* What `dahub check` says of a PostgreSQL store. */
struct pgstore_check {
  int connected;          /* the server answered and let us in */
  int server_version;     /* PQserverVersion(): 150020 for 15.20 */
  char user[64];          /* the role we are */
  int schema;             /* the schema version there, 0: none */
  int latest;             /* PGSTORE_SCHEMA_VERSION */
  int can_write;          /* the role may insert into every table */
  char cannot_write[128]; /* else the first table it may not insert into */
  int all_boards;         /* not bound by the boards' policies (the owner) */
  char boards[256];       /* else the role's boards, comma-separated */
  int board_ok;           /* the role may write board's rows */
};

/* Connects with the connection string in conninfo_file and reads, without
 * changing anything, what struct pgstore_check holds for a hub of board.
 * 0 when the store is usable as it is (connected, schema not newer than
 * latest, every table writable, board the role's; an older schema is
 * migrated at open); else a code with err saying what is wrong, and out
 * filled as far as it got. */
int pgstore_check(const char *conninfo_file, const char *board,
                  struct pgstore_check *out, struct dahub_error *err);

#endif
