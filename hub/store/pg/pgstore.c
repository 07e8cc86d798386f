/*
 * pgstore.c: the store in PostgreSQL (pgstore.h): the connection string
 * from its credential file, connecting, errors and statements
 * (pgstore_check.c: `dahub check`'s view).
 *
 * The connection string is a secret (it may hold a password): it is read
 * when a connection is made, checked by libpq's own parser before use, and
 * wiped once libpq has it. No message shows it: libpq's parser may quote a
 * fragment of a bad string, so that message is replaced by ours, and a
 * statement's error is cut to its primary message and SQLSTATE (a DETAIL
 * or CONTEXT line may quote a row's value, which is a partner's figure).
 *
 * The session is made plain at connect: UTF-8, times in UTC, terse errors,
 * and a staging table of its own (pgstore_copy.c). Every top-level call
 * after the open enters through pgstore_enter() (the migrations, at open,
 * do not need to), which makes a connection found lost (a
 * server restarted or failed over since the last call) again, so the
 * call works as if nothing happened. Inside a file's transaction it never
 * does: a connection lost during a file fails that file with -EAGAIN, and
 * the daemon tries it again; its hash is not recorded until the commit,
 * so it is stored once. pgstore_schema.c migrates, pgstore_ingest.c and
 * pgstore_copy.c write a file's figures.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"

/* Seconds to wait for the server when the string names no
 * connect_timeout: a hub must not hang at start on a dead address. */
#define CONNECT_TIMEOUT "10"
/* PostgreSQL 15: security_invoker views, so the reader's row-level
 * security applies through them. */
#define SERVER_MIN 150000

/* A bare word names a service of pg_service.conf. */
static int is_service_name(const char *s) {
  if (*s == '\0')
    return 0;
  for (; *s != '\0'; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
      return 0;
  return 1;
}

int pgstore_conninfo_read(const char *path, char **conninfo,
                          struct dahub_error *err) {
  PQconninfoOption *opts;
  char why[200], *value = NULL, *parse_msg = NULL;
  int rc;

  *conninfo = NULL;
  if ((rc = credential_read(path, &value, why, sizeof why)) != 0)
    return dahub_error_set(err, rc, 0, 0, "postgresql: %s", why);
  if (strchr(value, '=') == NULL && strstr(value, "://") == NULL &&
      is_service_name(value)) {
    size_t n = strlen(value) + sizeof "service=";
    char *s = malloc(n);

    if (s == NULL) {
      credential_free(value);
      return dahub_error_set(err, -ENOMEM, 0, 0, "postgresql: out of memory");
    }
    (void)snprintf(s, n, "service=%s", value);
    credential_free(value);
    value = s;
  }
  /* libpq's message may quote the string: ours names only the file */
  if ((opts = PQconninfoParse(value, &parse_msg)) == NULL) {
    if (parse_msg != NULL) {
      explicit_bzero(parse_msg, strlen(parse_msg));
      PQfreemem(parse_msg);
    }
    credential_free(value);
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "postgresql: %s is not a libpq connection string, "
                           "URI or service name (its text is not shown: it "
                           "may hold a password)",
                           path);
  }
  PQconninfoFree(opts);
  *conninfo = value;
  return 0;
}

/* The connection's last error, one line, trailing newline dropped. libpq
 * begins each attempt's lines with where it tried (`connection to server at
 * "127.0.0.1", port 5432 failed: `); that is dropped, since the reason after
 * it (a certificate not verified, no pg_hba.conf line for an unencrypted
 * session) is what names the problem and would otherwise not fit. */
static const char *conn_message(PGconn *conn, char *buf, size_t size) {
  static const char where[] = "connection to server ";
  const char *m = conn != NULL ? PQerrorMessage(conn) : "out of memory";
  size_t n = 0;

  if (m == NULL || *m == '\0')
    m = "no reason";
  buf[0] = '\0';
  while (*m != '\0' && n + 1 < size) {
    const char *eol = strchr(m, '\n'), *next = eol ? eol + 1 : m + strlen(m);
    const char *failed = strstr(m, " failed: ");
    size_t len;

    if (strncmp(m, where, sizeof where - 1) == 0 && failed != NULL &&
        (eol == NULL || failed < eol))
      m = failed + sizeof " failed: " - 1;
    len = (size_t)(next - m);
    if (len > size - 1 - n)
      len = size - 1 - n;
    memcpy(buf + n, m, len);
    n += len;
    buf[n] = '\0';
    m = next;
  }
  for (; n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ');)
    buf[--n] = '\0';
  for (char *p = buf; *p != '\0'; p++)
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  return buf;
}

/* Transient SQLSTATE classes: 08 connection, 40 rollback (deadlock,
 * serialisation), 53 resources (disk full, too many connections), 57
 * operator (shutdown, cancel), 58 system (I/O), 55P03 (lock not
 * available) and 25006 (a read-only transaction: a server still a standby
 * for a moment of a failover). */
static int transient(const char *state) {
  static const char *const classes[] = {"08", "40", "53", "57", "58"};

  if (state == NULL)
    return 0;
  for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
    if (strncmp(state, classes[i], 2) == 0)
      return 1;
  return strcmp(state, "55P03") == 0 || strcmp(state, "25006") == 0;
}

int pgstore_fail(struct pgstore *ps, const PGresult *res, const char *what,
                 struct dahub_error *err) {
  const char *state = NULL, *primary = NULL;
  char buf[200];
  int code;

  if (res != NULL) {
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  }
  code =
      transient(state) || PQstatus(ps->conn) != CONNECTION_OK ? -EAGAIN : -EIO;
  if (primary == NULL)
    return dahub_error_set(err, code, 0, 0, "postgresql: %s: %s", what,
                           conn_message(ps->conn, buf, sizeof buf));
  return dahub_error_set(err, code, 0, 0, "postgresql: %s: %s (SQLSTATE %s)",
                         what, primary, state != NULL ? state : "?");
}

PGresult *pgstore_query(struct pgstore *ps, const char *sql, int n,
                        const char *const *params, const char *what, int *code,
                        struct dahub_error *err) {
  PGresult *res = PQexecParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType s = PQresultStatus(res);

  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
    *code = 0;
    return res;
  }
  *code = pgstore_fail(ps, res, what, err);
  PQclear(res);
  return NULL;
}

int pgstore_each_row(struct pgstore *ps, const char *sql, int n,
                     const char *const *params,
                     int (*row)(void *ctx, const PGresult *res), void *ctx,
                     const char *what, struct dahub_error *err) {
  PGresult *res;
  int rc = 0, stop = 0;

  if ((rc = pgstore_enter(ps, err)) != 0)
    return rc;
  if (!PQsendQueryParams(ps->conn, sql, n, NULL, params, NULL, NULL, 0)) {
    rc = pgstore_fail(ps, NULL, what, err);
    goto out;
  }
  (void)PQsetSingleRowMode(ps->conn);
  while ((res = PQgetResult(ps->conn)) != NULL) {
    ExecStatusType s = PQresultStatus(res);

    if (s == PGRES_SINGLE_TUPLE && stop == 0 && rc == 0)
      stop = row(ctx, res); /* after a stop, the rest is read and dropped */
    else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0)
      rc = pgstore_fail(ps, res, what, err);
    PQclear(res);
  }
out:
  pgstore_leave(ps);
  return rc != 0 ? rc : stop;
}

/* Reads what the server sent an idle connection: nothing, unless it is
 * ending the session (its FATAL, then the end of the stream, which makes
 * libpq mark the connection lost). A read returns one packet at a time,
 * so it reads while there is more, a few times at most. */
static void read_idle(PGconn *conn) {
  for (int i = 0; i < 4 && PQstatus(conn) == CONNECTION_OK; i++) {
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

    if (poll(&p, 1, 0) != 1 || !PQconsumeInput(conn))
      break;
  }
}

static int connect_with(struct pgstore *ps, const char *path,
                        struct dahub_error *err);
static int session_ready(struct pgstore *ps, struct dahub_error *err);

/* Makes the connection good for a top-level operation. What the server
 * sent an idle connection is read first, so one it ended meanwhile (a
 * restart, a failover, pg_terminate_backend()) is known lost before a
 * statement is sent, and made again here rather than failing the call.
 * A transaction left open (a ROLLBACK that did not arrive) is ended: the
 * operation must not join it. Never inside a file's transaction
 * (ps->in_txn): a new connection there would carry on without the
 * figures already sent, so the file fails and is tried again whole. */
static int revive(struct pgstore *ps, struct dahub_error *err) {
  int rc;

  if (ps->in_txn)
    return PQstatus(ps->conn) == CONNECTION_OK
               ? 0
               : dahub_error_set(err, -EAGAIN, 0, 0,
                                 "postgresql: the connection was lost inside "
                                 "a file's transaction");
  read_idle(ps->conn);
  if (PQstatus(ps->conn) == CONNECTION_OK &&
      (PQtransactionStatus(ps->conn) == PQTRANS_INTRANS ||
       PQtransactionStatus(ps->conn) == PQTRANS_INERROR))
    PQclear(PQexec(ps->conn, "ROLLBACK"));
  if (PQstatus(ps->conn) == CONNECTION_OK &&
      PQtransactionStatus(ps->conn) == PQTRANS_IDLE) {
    if (ps->session_ok)
      return 0;
  } else {
    /* lost, or stuck in a command (a COPY that could not be ended): a
     * new connection, with the credential file read again, as a password
     * may have changed with the server's restart */
    ps->session_ok = 0;
    PQfinish(ps->conn);
    ps->conn = NULL;
    if ((rc = connect_with(ps, ps->conninfo_file, err)) != 0)
      return rc;
  }
  /* a session whose setup failed (a server still read-only after a
   * failover cannot make the staging table) is set up again */
  return session_ready(ps, err);
}

int pgstore_enter(struct pgstore *ps, struct dahub_error *err) {
  int rc;

  (void)pthread_mutex_lock(&ps->lock);
  if ((rc = revive(ps, err)) != 0)
    (void)pthread_mutex_unlock(&ps->lock);
  return rc;
}

void pgstore_leave(struct pgstore *ps) {
  (void)pthread_mutex_unlock(&ps->lock);
}

int pgstore_once(struct pgstore *ps, const char *sql, int n,
                 const char *const *params,
                 int (*read)(void *ctx, const PGresult *res), void *ctx,
                 const char *what, struct dahub_error *err) {
  PGresult *res;
  int rc;

  if ((rc = pgstore_enter(ps, err)) != 0)
    return rc;
  if ((res = pgstore_query(ps, sql, n, params, what, &rc, err)) != NULL &&
      read != NULL)
    rc = read(ctx, res);
  PQclear(res);
  pgstore_leave(ps);
  return rc;
}

int pgstore_exec(struct pgstore *ps, const char *sql, const char *what,
                 struct dahub_error *err) {
  /* PQexec, not PQexecParams: a migration is several statements */
  PGresult *res = PQexec(ps->conn, sql);
  ExecStatusType s = PQresultStatus(res);
  int code = 0;

  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
    code = pgstore_fail(ps, res, what, err);
  PQclear(res);
  return code;
}

/* The server's notices are not shown: a notice may quote a row's value,
 * and the FATAL a server sends an idle connection before it closes it (a
 * restart, pg_terminate_backend()) is read as one. The connection's loss
 * is what matters, and revive() notices it. */
static void drop_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

const char *pgstore_text(const void *res, int i) {
  return PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
}

int64_t pgstore_num(const void *res, int i) {
  return PQgetisnull(res, 0, i) ? 0 : strtoll(PQgetvalue(res, 0, i), NULL, 10);
}

int pgstore_call_row(void *ctx, const PGresult *res) {
  return store_call_row(ctx, PGSTORE_COLS(res));
}

/* The session as the store expects it, after every (re)connect. */
int pgstore_session_plain(struct pgstore *ps, struct dahub_error *err) {
  (void)PQsetNoticeProcessor(ps->conn, drop_notice, NULL);
  (void)PQsetErrorVerbosity(ps->conn, PQERRORS_TERSE);
  if (PQserverVersion(ps->conn) < SERVER_MIN)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "postgresql: the server is version %d; dahub "
                           "needs PostgreSQL 15 or later",
                           PQserverVersion(ps->conn));
  return pgstore_exec(ps, "SET TimeZone = 'UTC'", "session", err);
}

/* Connects with the string in path; on failure err names the file and
 * libpq's reason (which never holds the password). */
static int connect_with(struct pgstore *ps, const char *path,
                        struct dahub_error *err) {
  /* later values win; the string is expanded where dbname stands, so it
   * may set connect_timeout, but not the encoding */
  const char *const keys[] = {"connect_timeout", "dbname",
                              "fallback_application_name", "client_encoding",
                              NULL};
  const char *values[] = {CONNECT_TIMEOUT, NULL, "dahub", "UTF8", NULL};
  char *conninfo, buf[200];
  int rc;

  if ((rc = pgstore_conninfo_read(path, &conninfo, err)) != 0)
    return rc;
  values[1] = conninfo;
  ps->conn = PQconnectdbParams(keys, values, 1);
  credential_free(conninfo);
  if (ps->conn == NULL || PQstatus(ps->conn) != CONNECTION_OK)
    return dahub_error_set(err, -EAGAIN, 0, 0,
                           "postgresql: cannot connect with %s: %s", path,
                           conn_message(ps->conn, buf, sizeof buf));
  return 0;
}

/* A new connection's session made plain, then what the store's kind needs
 * (on_connect); session_ok says whether both were done. */
static int session_ready(struct pgstore *ps, struct dahub_error *err) {
  int rc = pgstore_session_plain(ps, err);

  if (rc != 0 && rc != -EPROTO)
    rc = -EAGAIN;
  if (rc == 0 && ps->on_connect != NULL)
    rc = ps->on_connect(ps, err);
  ps->session_ok = rc == 0;
  return rc;
}

int pgstore_new(const char *conninfo_file, const char *board,
                struct pgstore **out, struct dahub_error *err) {
  struct pgstore *ps;
  int rc;

  *out = NULL;
  /* a board name: letters, digits, '_', '-', '.'; what every row carries */
  if (board == NULL || strlen(board) > PGSTORE_BOARD_MAX ||
      !is_service_name(board))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "postgresql: board: expected 1 to %d letters, "
                           "digits, '_', '-' or '.'",
                           PGSTORE_BOARD_MAX);
  if ((ps = calloc(1, sizeof *ps)) == NULL ||
      pthread_mutex_init(&ps->lock, NULL) != 0) {
    free(ps);
    return dahub_error_set(err, -ENOMEM, 0, 0, "postgresql: out of memory");
  }
  (void)snprintf(ps->board, sizeof ps->board, "%s", board);
  if ((size_t)snprintf(ps->conninfo_file, sizeof ps->conninfo_file, "%s",
                       conninfo_file) >= sizeof ps->conninfo_file) {
    pgstore_close(ps);
    return dahub_error_set(err, -ENAMETOOLONG, 0, 0,
                           "postgresql: conninfo_file: path too long");
  }
  if ((rc = connect_with(ps, conninfo_file, err)) != 0 ||
      (rc = session_ready(ps, err)) != 0) {
    pgstore_close(ps);
    return rc;
  }
  *out = ps;
  return 0;
}

int pgstore_open(const char *conninfo_file, const char *board,
                 struct pgstore **out, struct dahub_error *err) {
  return pgstore_open_version(conninfo_file, board, PGSTORE_SCHEMA_VERSION, out,
                              err);
}

int pgstore_open_version(const char *conninfo_file, const char *board,
                         int latest, struct pgstore **out,
                         struct dahub_error *err) {
  struct pgstore *ps;
  int rc;

  if ((rc = pgstore_new(conninfo_file, board, &ps, err)) != 0)
    return rc;
  if (latest > 0)
    rc = pgstore_migrate(ps, pgstore_migrations, pgstore_n_migrations, latest,
                         &ps->schema, err);
  else
    rc = pgstore_schema_read(ps, &ps->schema, err);
  ps->on_connect = pgstore_session_setup;
  if (rc != 0 || (rc = pgstore_session_setup(ps, err)) != 0)
    goto out;
  *out = ps;
  ps = NULL;
out:
  pgstore_close(ps);
  return rc;
}

void pgstore_close(struct pgstore *ps) {
  if (ps == NULL)
    return;
  PQfinish(ps->conn);
  pthread_mutex_destroy(&ps->lock);
  free(ps);
}

int pgstore_schema(struct pgstore *ps) { return ps->schema; }
