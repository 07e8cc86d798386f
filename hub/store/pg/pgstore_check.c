/*
 * pgstore_check.c: what `dahub check` says of a PostgreSQL store
 * (pgstore_check() in pgstore.h): whether the server answers, its version,
 * the role, the schema's version, whether the role may write every table a
 * hub writes, and whether the hub's board is one of the role's. It reads
 * only: a role without a right is named, not tried.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first table of pgstore_tables the role may not write as a hub
 * does (insert everywhere; update the ingest's hash, the current periods,
 * the pull state, the outbox and the board's lease), or "" when it may
 * write them all. */
static int first_unwritable(struct pgstore *ps, char *out, size_t size,
                            struct dahub_error *err) {
  static const char sql[] =
      "SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n)"
      /* a table a later migration makes is the role's to make, if it
       * may create (the owner, whose next open migrates) */
      " WHERE CASE WHEN to_regclass(t) IS NULL"
      "  THEN NOT has_schema_privilege(current_schema(), 'CREATE')"
      "  WHEN t IN ('ingests', 'current_periods', 'pull_state', 'outbox')"
      "  THEN NOT (has_table_privilege(t, 'INSERT')"
      "   AND has_table_privilege(t, 'UPDATE'))"
      "  WHEN t = 'board_leases'" /* its two columns only: see leader.c */
      "  THEN NOT (has_table_privilege(t, 'INSERT')"
      "   AND has_column_privilege(t, 'holder_pid', 'UPDATE')"
      "   AND has_column_privilege(t, 'renewed_at', 'UPDATE'))"
      "  ELSE NOT has_table_privilege(t, 'INSERT') END"
      " ORDER BY n LIMIT 1";
  char list[512] = "{";
  const char *params[1] = {list};
  PGresult *res;
  int code;

  for (int i = 0; pgstore_tables[i] != NULL; i++) {
    size_t n = strlen(list);

    (void)snprintf(list + n, sizeof list - n, "%s%s", i > 0 ? "," : "",
                   pgstore_tables[i]);
  }
  (void)snprintf(list + strlen(list), sizeof list - strlen(list), "}");
  if ((res = pgstore_query(ps, sql, 1, params, "check rights", &code, err)) ==
      NULL)
    return code;
  (void)snprintf(out, size, "%s",
                 PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
  PQclear(res);
  return 0;
}

/* Whether the role may write board's rows: not bound by the policies of
 * migration 2 (the tables' owner, a superuser), or board is one of its
 * own in board_roles. */
static int check_board(struct pgstore *ps, const char *board,
                       struct pgstore_check *out, struct dahub_error *err) {
  static const char sql[] =
      "SELECT NOT row_security_active('ingests'),"
      " coalesce((SELECT string_agg(board, ',' ORDER BY board)"
      "  FROM board_roles WHERE role = current_user), ''),"
      " EXISTS (SELECT 1 FROM board_roles WHERE role = current_user"
      "  AND board = $1)";
  const char *params[1] = {board};
  PGresult *res;
  int rc;

  if (out->schema < 2) { /* no policies yet */
    out->all_boards = out->board_ok = 1;
    return 0;
  }
  if ((res = pgstore_query(ps, sql, 1, params, "check boards", &rc, err)) ==
      NULL)
    return rc;
  out->all_boards = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
  (void)snprintf(out->boards, sizeof out->boards, "%s", PQgetvalue(res, 0, 1));
  out->board_ok = out->all_boards || strcmp(PQgetvalue(res, 0, 2), "t") == 0;
  PQclear(res);
  if (!out->board_ok)
    return dahub_error_set(err, -EACCES, 0, 0,
                           "postgresql: role %s may not write board %s's "
                           "rows (its boards: %s)",
                           out->user, board,
                           out->boards[0] != '\0' ? out->boards : "none");
  return 0;
}

int pgstore_check(const char *conninfo_file, const char *board,
                  struct pgstore_check *out, struct dahub_error *err) {
  struct pgstore *ps = NULL;
  PGresult *res = NULL;
  int rc;

  memset(out, 0, sizeof *out);
  out->latest = PGSTORE_SCHEMA_VERSION;
  if ((rc = pgstore_new(conninfo_file, board, &ps, err)) != 0)
    return rc;
  out->connected = 1;
  out->server_version = PQserverVersion(ps->conn);
  if ((res = pgstore_query(ps,
                           "SELECT current_user,"
                           " has_schema_privilege(current_schema(), 'CREATE')",
                           0, NULL, "check role", &rc, err)) == NULL)
    goto out;
  (void)snprintf(out->user, sizeof out->user, "%s", PQgetvalue(res, 0, 0));
  if ((rc = pgstore_schema_read(ps, &out->schema, err)) != 0)
    goto out;
  if (out->schema > out->latest) {
    rc = dahub_error_set(err, -EPROTO, 0, 0,
                         "postgresql: schema version %d is newer than this "
                         "dahub (%d)",
                         out->schema, out->latest);
    goto out;
  }
  if (out->schema == 0) {
    /* nothing to write yet: the first open makes the schema, and owns
     * it, so no board's policy binds it */
    out->can_write = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    out->all_boards = out->board_ok = out->can_write;
    if (!out->can_write)
      rc = dahub_error_set(err, -EACCES, 0, 0,
                           "postgresql: no dahub schema, and role %s may not "
                           "create one in its schema",
                           out->user);
    goto out;
  }
  if ((rc = first_unwritable(ps, out->cannot_write, sizeof out->cannot_write,
                             err)) != 0)
    goto out;
  out->can_write = out->cannot_write[0] == '\0';
  if (!out->can_write) {
    rc = dahub_error_set(err, -EACCES, 0, 0,
                         "postgresql: role %s may not write table %s",
                         out->user, out->cannot_write);
    goto out;
  }
  rc = check_board(ps, board, out, err);
out:
  PQclear(res);
  pgstore_close(ps);
  return rc;
}
