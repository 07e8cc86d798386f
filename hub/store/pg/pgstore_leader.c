/*
 * pgstore_leader.c: which of a board's hubs is the active one
 * (pgstore.h), when two run against one PostgreSQL.
 *
 * The active hub is the one whose leader connection's backend holds the
 * board's lease row (board_leases, migration 5): holder_pid. A try takes
 * the row when it has no holder, when the holder's backend is gone (its
 * pid is not in pg_stat_activity), or when the holder has not tried for
 * LEASE; the holder's own try renews it. All in one statement (an upsert
 * whose update is conditional), so two standbys trying at once are
 * serialised by the row, and only one takes it.
 *
 * The row is under the board policy (row-level security): only a role of
 * the board can see, take, renew or lock it, so another board's role can
 * neither become a board's active hub nor keep the board's hubs from
 * becoming active. A session advisory lock cannot promise that: any role
 * may take any key, and a key in use is shown to all in pg_locks. A hub's
 * role gets UPDATE on the row's two columns only (docs/postgresql.md):
 * LOCK TABLE in a mode that would block the row's updates needs UPDATE on
 * the whole table. The try waits LOCK_WAIT at most for the row (another
 * hub of the board taking it at that moment), never longer.
 *
 * When the active hub stops, is killed (even with SIGKILL) or its
 * connection is ended, its backend ends at once and the standby's next try
 * takes the row. A hub whose host vanishes is noticed by the server's TCP
 * keepalives, which this connection sets short (tcp_keepalives_*, for a TCP
 * connection; a unix socket's peer is always known): its backend ends
 * within about 25 s. LEASE covers a backend that lives on without its
 * hub's tries (a pid the system gave again to another backend). The
 * connection is one of its own, kept idle, so no long ingest can delay a
 * try. What the active hub does (the calendar, deliveries, pulls) is not
 * here.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A holder that has not tried for this long may be replaced: the active
 * hub must try more often than this. */
#define LEASE "60 seconds"
/* The longest a try waits on the row (another hub of the board taking
 * it), and so the longest a try takes once connected. */
#define LOCK_WAIT "2s"

struct pgstore_leader {
  struct pgstore *ps;
};

/* Notice a dead peer within about 10 + 3 * 5 = 25 s (TCP connections),
 * and never wait long on the lease row; at open and after every
 * reconnect. */
static int leader_session(struct pgstore *ps, struct dahub_error *err) {
  return pgstore_exec(ps,
                      "SET tcp_keepalives_idle = 10;"
                      "SET tcp_keepalives_interval = 5;"
                      "SET tcp_keepalives_count = 3;"
                      "SET lock_timeout = '" LOCK_WAIT "'",
                      "active hub: session", err);
}

int pgstore_leader_open(const char *conninfo_file, const char *board,
                        struct pgstore_leader **out, struct dahub_error *err) {
  struct pgstore_leader *l;
  int rc;

  *out = NULL;
  if ((l = calloc(1, sizeof *l)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "postgresql: out of memory");
  /* the lease table may not be there yet, if this opens before the
   * store: the schema is brought to the latest here too (only read when
   * it is there) */
  if ((rc = pgstore_new(conninfo_file, board, &l->ps, err)) != 0 ||
      (rc = pgstore_migrate(l->ps, pgstore_migrations, pgstore_n_migrations,
                            PGSTORE_SCHEMA_VERSION, &l->ps->schema, err)) !=
          0 ||
      (rc = leader_session(l->ps, err)) != 0) {
    pgstore_leader_close(l);
    return rc;
  }
  l->ps->on_connect = leader_session;
  *out = l;
  return 0;
}

void pgstore_leader_close(struct pgstore_leader *l) {
  static const char sql[] =
      "UPDATE board_leases SET holder_pid = NULL"
      " WHERE board = $1 AND holder_pid = pg_backend_pid()";

  if (l == NULL)
    return;
  /* given up at once, so a standby's next try has it, rather than when
   * the server has ended the closed connection's backend */
  if (l->ps != NULL && PQstatus(l->ps->conn) == CONNECTION_OK) {
    const char *params[1] = {l->ps->board};

    PQclear(PQexecParams(l->ps->conn, sql, 1, NULL, params, NULL, NULL, 0));
  }
  pgstore_close(l->ps);
  free(l);
}

/* 1 when the statement took or renewed the row (it returned it). */
static int took_row(void *ctx, const PGresult *res) {
  (void)ctx;
  return PQntuples(res) > 0;
}

int pgstore_leader_try(struct pgstore_leader *l, struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO board_leases AS l(board, holder_pid, renewed_at)"
      " VALUES($1, pg_backend_pid(), now()) ON CONFLICT(board) DO UPDATE"
      " SET holder_pid = excluded.holder_pid, renewed_at = excluded.renewed_at"
      " WHERE l.holder_pid IS NULL OR l.holder_pid = pg_backend_pid()"
      " OR l.renewed_at < now() - interval '" LEASE "'"
      " OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a"
      "  WHERE a.pid = l.holder_pid)"
      " RETURNING true";
  const char *params[1] = {l->ps->board};

  /* a connection lost since the last try is made again first (a new
   * backend, so a new pid): the lease is then ours again only if no other
   * hub took it meanwhile */
  return pgstore_once(l->ps, sql, 1, params, took_row, NULL, "active hub", err);
}
