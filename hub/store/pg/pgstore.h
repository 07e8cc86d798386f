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
#include "store_backend.h"

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

/* Every operation of store_backend.h's table, as store.h's store_<name>()
 * with the same parameters, types and codes, on the store's board only:
 * pgstore_ingest_begin() ... pgstore_receipt(), pgstore_each_current(),
 * pgstore_pull_state(), pgstore_summary_add(), pgstore_outbox_due() and
 * the rest. Where they differ:
 * - pgstore_ingest_begin() holds the store until commit or rollback;
 *   figures go by COPY into a staging table of the session's, and an
 *   error rolls the file back at commit or rollback.
 * - pgstore_ingest_commit() answers 1 (rolled back, *match filled) when
 *   the board's feed holds sha256, stored by this hub or another.
 * - pgstore_each_record(): the records of the newest stored ingest by when
 *   it was stored, not by the largest id (two hubs' ids need not follow
 *   the order of their commits).
 * - pgstore_summary_add(): the version, its cells and its deliveries in
 *   one transaction, the cells sent as one pipeline.
 * - pgstore_outbox_claim(): of hubs of one board claiming one due row at
 *   once, only one gets it (0); the others -EBUSY, without waiting. */
#define PGSTORE_OP_DECLARE(name, params, args)                                 \
  int pgstore_##name STORE_OP_WITH(struct pgstore *ps, params);
STORE_BACKEND_OPS(PGSTORE_OP_DECLARE)
#undef PGSTORE_OP_DECLARE
void pgstore_ingest_rollback(struct pgstore *ps);

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
