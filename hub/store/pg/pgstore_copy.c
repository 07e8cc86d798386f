/*
 * pgstore_copy.c: a file's figures into PostgreSQL, streamed by COPY.
 *
 * Figures go to a staging table of the session's own (pg_temp.obs_stage,
 * emptied at every commit or rollback) with COPY in text form: one stream
 * for the whole file, sent PGSTORE_COPY_BUF at a time, so the server parses
 * rows in bulk rather than a statement each. pgstore_ingest.c opens and
 * ends the file's transaction around them, and at commit moves the staged
 * rows into observations in one statement. A record or the file's warnings
 * end the stream (pgstore_copy_end()); the next figure starts another.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store_textform.h"

int pgstore_session_setup(struct pgstore *ps, struct dahub_error *err) {
  return pgstore_exec(
      ps,
      "CREATE TEMP TABLE IF NOT EXISTS obs_stage("
      " seq bigint NOT NULL, period text NOT NULL, area_code text NOT NULL,"
      " measure_id text NOT NULL, unit text NOT NULL, service_id text,"
      " dimensions text NOT NULL, status smallint NOT NULL, value bigint,"
      " scale smallint NOT NULL, bound bigint, line integer NOT NULL,"
      " col integer NOT NULL, text_form smallint NOT NULL, raw text)"
      " ON COMMIT DELETE ROWS",
      "staging table", err);
}

/* Sends what the COPY buffer holds. */
static int copy_flush(struct pgstore *ps, struct dahub_error *err) {
  if (ps->buf_used > 0 &&
      PQputCopyData(ps->conn, ps->buf, (int)ps->buf_used) != 1)
    return pgstore_fail(ps, NULL, "copy figures", err);
  ps->buf_used = 0;
  return 0;
}

static int copy_bytes(struct pgstore *ps, const char *s, size_t n,
                      struct dahub_error *err) {
  while (n > 0) {
    size_t room = sizeof ps->buf - ps->buf_used, k = n < room ? n : room;
    int rc;

    memcpy(ps->buf + ps->buf_used, s, k);
    ps->buf_used += k;
    s += k;
    n -= k;
    if (ps->buf_used == sizeof ps->buf && (rc = copy_flush(ps, err)) != 0)
      return rc;
  }
  return 0;
}

/* One column of COPY's text form, then sep: \N for NULL; a backslash, tab,
 * newline or carriage return escaped, so no text can end a column or a
 * row early. */
static int copy_text(struct pgstore *ps, const char *s, char sep,
                     struct dahub_error *err) {
  const char *run;
  int rc;

  if (s == NULL)
    return copy_bytes(ps, sep == '\n' ? "\\N\n" : "\\N\t", 3, err);
  for (run = s;; s++) {
    const char *esc = NULL;

    switch (*s) {
    case '\\':
      esc = "\\\\";
      break;
    case '\t':
      esc = "\\t";
      break;
    case '\n':
      esc = "\\n";
      break;
    case '\r':
      esc = "\\r";
      break;
    case '\0':
      if ((rc = copy_bytes(ps, run, (size_t)(s - run), err)) != 0)
        return rc;
      return copy_bytes(ps, &sep, 1, err);
    default:
      continue;
    }
    if ((rc = copy_bytes(ps, run, (size_t)(s - run), err)) != 0 ||
        (rc = copy_bytes(ps, esc, 2, err)) != 0)
      return rc;
    run = s + 1;
  }
}

/* An integer column, or \N when has is 0. */
static int copy_int(struct pgstore *ps, int has, int64_t v, char sep,
                    struct dahub_error *err) {
  char num[24];

  if (!has)
    return copy_text(ps, NULL, sep, err);
  (void)snprintf(num, sizeof num, "%" PRId64, v);
  return copy_text(ps, num, sep, err);
}

static int copy_start(struct pgstore *ps, struct dahub_error *err) {
  PGresult *res = PQexec(ps->conn, "COPY pg_temp.obs_stage FROM STDIN");
  int rc = 0;

  if (PQresultStatus(res) != PGRES_COPY_IN)
    rc = pgstore_fail(ps, res, "copy figures", err);
  else
    ps->copying = 1;
  PQclear(res);
  return rc;
}

int pgstore_copy_end(struct pgstore *ps, const char *why,
                     struct dahub_error *err) {
  PGresult *res;
  int rc = 0;

  if (!ps->copying)
    return 0;
  ps->copying = 0;
  if (why == NULL)
    rc = copy_flush(ps, err);
  ps->buf_used = 0;
  if (PQputCopyEnd(ps->conn, rc == 0 ? why : "not sent whole") != 1 && rc == 0)
    rc = pgstore_fail(ps, NULL, "copy figures", err);
  while ((res = PQgetResult(ps->conn)) != NULL) {
    ExecStatusType s = PQresultStatus(res);

    if (s != PGRES_COMMAND_OK && rc == 0 && why == NULL)
      rc = pgstore_fail(ps, res, "copy figures", err);
    PQclear(res);
    /* still copying: the end did not reach the server, and asking again
     * would answer the same for ever; the next begin resets the
     * connection, whose transaction the server then rolls back */
    if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH)
      break;
  }
  return rc;
}

/* One figure as a row of obs_stage, in its columns' order. */
static int copy_obs(struct pgstore *ps, const struct store_obs *o,
                    struct dahub_error *err) {
  int has_value = o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED;
  int form = store_text_form(o);
  int rc;

  if ((rc = copy_int(ps, 1, ps->n_obs + 1, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->period, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->area_code, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->measure_id, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->unit, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->service_id, '\t', err)) != 0 ||
      (rc = copy_text(ps, o->dimensions != NULL ? o->dimensions : "{}", '\t',
                      err)) != 0 ||
      (rc = copy_int(ps, 1, (int64_t)o->status, '\t', err)) != 0 ||
      (rc = copy_int(ps, has_value, o->value, '\t', err)) != 0 ||
      (rc = copy_int(ps, 1, o->scale, '\t', err)) != 0 ||
      (rc = copy_int(ps, o->status == DAHUB_SUPPRESSED && o->bound > 0,
                     o->bound, '\t', err)) != 0 ||
      (rc = copy_int(ps, 1, o->line, '\t', err)) != 0 ||
      (rc = copy_int(ps, 1, o->col, '\t', err)) != 0 ||
      (rc = copy_int(ps, 1, form, '\t', err)) != 0 ||
      (rc = copy_text(ps, form == STORE_TEXT_KEPT ? o->raw : NULL, '\n',
                      err)) != 0)
    return rc;
  ps->n_obs++;
  return 0;
}

int pgstore_ingest_obs(struct pgstore *ps, const struct store_obs *o,
                       struct dahub_error *err) {
  int rc;

  if (ps->failed) {
    *err = ps->fail_err;
    return ps->fail_rc;
  }
  if (o->period == NULL || o->area_code == NULL || o->measure_id == NULL ||
      o->unit == NULL)
    rc = dahub_error_set(err, -EINVAL, o->line, o->col,
                         "postgresql: a figure without its period, area, "
                         "measure or unit");
  else if ((rc = ps->copying ? 0 : copy_start(ps, err)) == 0)
    rc = copy_obs(ps, o, err);
  if (rc != 0) {
    ps->failed = 1;
    ps->fail_rc = rc;
    ps->fail_err = *err;
  }
  return rc;
}
