/*
 * pgstore_pull.c: what the PostgreSQL store keeps of the feeds a board's
 * hub fetches, as store_pull.c keeps it in SQLite (store.h).
 *
 * pull_state is one row per board and feed, rewritten by every fetch:
 * enough for the next conditional request and to tell since when fetching
 * has failed, so both survive a restart, and a standby that becomes the
 * active hub goes on from them. pulls is the provenance of each fetched
 * body, never rewritten. Each call is one statement, under the lock.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs one statement of n text parameters, no rows wanted. */
static int write_one(struct pgstore *ps, const char *sql, int n,
                     const char *const *params, struct dahub_error *err) {
  return pgstore_once(ps, sql, n, params, NULL, NULL, "record a pull", err);
}

/* The state's row into the caller's struct; 1 when there is none. */
static int state_row(void *ctx, const PGresult *res) {
  struct store_pull_state *out = ctx;

  if (PQntuples(res) == 0)
    return 1;
  (void)snprintf(out->etag, sizeof out->etag, "%s", PQgetvalue(res, 0, 0));
  (void)snprintf(out->last_modified, sizeof out->last_modified, "%s",
                 PQgetvalue(res, 0, 1));
  out->ok_ms = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
  out->failing_since_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
  out->failures = (int)strtol(PQgetvalue(res, 0, 4), NULL, 10);
  (void)snprintf(out->last_sha256, sizeof out->last_sha256, "%s",
                 PQgetvalue(res, 0, 5));
  return 0;
}

int pgstore_pull_state(struct pgstore *ps, const char *feed,
                       struct store_pull_state *out, struct dahub_error *err) {
  static const char sql[] =
      "SELECT coalesce(etag, ''), coalesce(last_modified, ''),"
      " coalesce(ok_ms, 0), coalesce(failing_since_ms, 0), failures,"
      " coalesce((SELECT sha256 FROM pulls WHERE board = $1 AND feed = $2"
      "  ORDER BY pull_id DESC LIMIT 1), '')"
      " FROM pull_state WHERE board = $1 AND feed = $2";
  const char *params[2] = {ps->board, feed};

  memset(out, 0, sizeof *out);
  return pgstore_once(ps, sql, 2, params, state_row, out, "read pull state",
                      err);
}

int pgstore_pull_ok(struct pgstore *ps, const char *feed, const char *etag,
                    const char *last_modified, int64_t now_ms,
                    struct dahub_error *err) {
  static const char same[] = /* a 304: the same validators */
      "INSERT INTO pull_state(board, feed, ok_ms, failing_since_ms, failures,"
      " error, updated_at) VALUES($1, $2, $3, NULL, 0, NULL, now())"
      " ON CONFLICT(board, feed) DO UPDATE SET ok_ms = $3,"
      " failing_since_ms = NULL, failures = 0, error = NULL,"
      " updated_at = now()";
  static const char fresh[] =
      "INSERT INTO pull_state(board, feed, ok_ms, failing_since_ms, failures,"
      " error, updated_at, etag, last_modified)"
      " VALUES($1, $2, $3, NULL, 0, NULL, now(), $4, $5)"
      " ON CONFLICT(board, feed) DO UPDATE SET etag = $4, last_modified = $5,"
      " ok_ms = $3, failing_since_ms = NULL, failures = 0, error = NULL,"
      " updated_at = now()";
  char ms[24];
  const char *params[5] = {ps->board, feed, ms, etag, last_modified};

  (void)snprintf(ms, sizeof ms, "%" PRId64, now_ms);
  if (etag == NULL && last_modified == NULL)
    return write_one(ps, same, 3, params, err);
  return write_one(ps, fresh, 5, params, err);
}

int pgstore_pull_failed(struct pgstore *ps, const char *feed, int64_t now_ms,
                        const char *error, struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO pull_state(board, feed, failing_since_ms, failures, error,"
      " updated_at) VALUES($1, $2, $3, 1, $4, now())"
      " ON CONFLICT(board, feed) DO UPDATE SET"
      " failing_since_ms = coalesce(pull_state.failing_since_ms, $3),"
      " failures = pull_state.failures + 1, error = $4, updated_at = now()";
  char ms[24];
  const char *params[4] = {ps->board, feed, ms, error};

  (void)snprintf(ms, sizeof ms, "%" PRId64, now_ms);
  return write_one(ps, sql, 4, params, err);
}

int pgstore_pull_add(struct pgstore *ps, const char *feed, const char *url,
                     const char *etag, const char *last_modified,
                     const char *sha256, uint64_t bytes, const char *file_name,
                     struct dahub_error *err) {
  static const char sql[] =
      "INSERT INTO pulls(board, feed, url, etag, last_modified, sha256, bytes,"
      " file_name, fetched_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, now())";
  char n[24];
  const char *params[8] = {ps->board,     feed,   url, etag,
                           last_modified, sha256, n,   file_name};

  (void)snprintf(n, sizeof n, "%" PRIu64, bytes);
  return write_one(ps, sql, 8, params, err);
}
