/*
 * pgstore_leader.c: which of a board's hubs is the active one
 * (pgstore.h), when two run against one PostgreSQL.
 *
 * The active hub is the one whose connection holds the board's
 * session-level advisory lock. The lock lives exactly as long as that
 * connection: when the hub stops, is killed (even with SIGKILL) or its
 * backend is ended, the server drops it at once and the standby's next
 * try takes it. A hub whose host vanishes is noticed by the server's TCP
 * keepalives, which this connection sets short (tcp_keepalives_*, for a
 * TCP connection; a unix socket's peer is always known). The connection is
 * one of its own, kept idle, so no long ingest can delay a try, and no
 * rollback of a file can give the lock away.
 *
 * The key is the board's name hashed to 64 bits (hashtextextended) under
 * a prefix of dahub's own, so two boards share a lock only by a 64-bit
 * collision. A try while holding the lock does not take it again (session
 * locks count): it checks that the connection is still up, since a lost
 * connection has lost the lock, and then tries anew after reconnecting.
 * What the active hub does (the calendar, deliveries, pulls) is not here.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgstore_leader {
  struct pgstore *ps;
  int held; /* this connection holds the board's lock */
};

/* Notice a dead peer within about 10 + 3 * 5 = 25 s (TCP connections). */
static const char keepalives[] = "SET tcp_keepalives_idle = 10;"
                                 "SET tcp_keepalives_interval = 5;"
                                 "SET tcp_keepalives_count = 3";

int pgstore_leader_open(const char *conninfo_file, const char *board,
                        struct pgstore_leader **out, struct dahub_error *err) {
  struct pgstore_leader *l;
  int rc;

  *out = NULL;
  if (!pgstore_board_ok(board))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "postgresql: board: expected 1 to %d letters, "
                           "digits, '_', '-' or '.'",
                           PGSTORE_BOARD_MAX);
  if ((l = calloc(1, sizeof *l)) == NULL || (l->ps = pgstore_alloc()) == NULL) {
    free(l);
    return dahub_error_set(err, -ENOMEM, 0, 0, "postgresql: out of memory");
  }
  (void)snprintf(l->ps->board, sizeof l->ps->board, "%s", board);
  if ((rc = pgstore_connect(l->ps, conninfo_file, err)) != 0 ||
      (rc = pgstore_exec(l->ps, keepalives, "keepalives", err)) != 0) {
    pgstore_leader_close(l);
    return rc;
  }
  *out = l;
  return 0;
}

void pgstore_leader_close(struct pgstore_leader *l) {
  if (l == NULL)
    return;
  /* given up at once, so a standby's next try has it: the server ends a
   * closed connection's backend, and so its lock, a moment later */
  if (l->held && PQstatus(l->ps->conn) == CONNECTION_OK)
    PQclear(PQexec(l->ps->conn, "SELECT pg_advisory_unlock_all()"));
  pgstore_close(l->ps);
  free(l);
}

int pgstore_leader_try(struct pgstore_leader *l, struct dahub_error *err) {
  static const char sql[] =
      "SELECT pg_try_advisory_lock(hashtextextended('dahub active hub: ' ||"
      " $1, 0))";
  const char *params[1] = {l->ps->board};
  PGresult *res;
  int rc;

  if (l->held) {
    /* still ours while the connection lives */
    if ((res = pgstore_query(l->ps, "SELECT 1", 0, NULL, "active hub", &rc,
                             err)) != NULL) {
      PQclear(res);
      return 1;
    }
    l->held = 0; /* the connection is gone, and the lock with it */
  }
  if (PQstatus(l->ps->conn) != CONNECTION_OK) {
    PQreset(l->ps->conn);
    if (PQstatus(l->ps->conn) != CONNECTION_OK)
      return pgstore_fail(l->ps, NULL, "active hub: reconnect", err);
    if ((rc = pgstore_session_plain(l->ps, err)) != 0 ||
        (rc = pgstore_exec(l->ps, keepalives, "keepalives", err)) != 0)
      return rc;
  }
  if ((res = pgstore_query(l->ps, sql, 1, params, "active hub", &rc, err)) ==
      NULL)
    return rc;
  l->held = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
  PQclear(res);
  return l->held;
}
