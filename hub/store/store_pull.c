/*
 * store_pull.c: what the hub keeps of the feeds it fetches (store.h).
 *
 * pull_state is one row per feed, rewritten by every fetch: enough for the
 * next conditional request and to tell since when fetching has failed, so
 * both survive a restart. pulls is the provenance of each fetched body,
 * never rewritten.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int pull_state_row(const struct store_call *c, sqlite3_stmt *q) {
  struct store_pull_state *out = c->arg;
  const char *etag = store_column_text(q, 0), *lm = store_column_text(q, 1),
             *sha = store_column_text(q, 5);

  (void)snprintf(out->etag, sizeof out->etag, "%s", etag ? etag : "");
  (void)snprintf(out->last_modified, sizeof out->last_modified, "%s",
                 lm ? lm : "");
  out->ok_ms = sqlite3_column_int64(q, 2);
  out->failing_since_ms = sqlite3_column_int64(q, 3);
  out->failures = sqlite3_column_int(q, 4);
  (void)snprintf(out->last_sha256, sizeof out->last_sha256, "%s",
                 sha ? sha : "");
  return 1; /* the feed's one row */
}

int store_sqlite_pull_state(struct store *st, const char *feed,
                            struct store_pull_state *out,
                            struct dahub_error *err) {
  int rc;

  memset(out, 0, sizeof *out);
  rc = store_read(st, "read pull state", err, pull_state_row,
                  &(struct store_call){.arg = out},
                  "SELECT etag, last_modified, ok_ms, failing_since_ms,"
                  " failures, (SELECT sha256 FROM pulls WHERE feed = ?1"
                  "  ORDER BY pull_id DESC LIMIT 1)"
                  " FROM pull_state WHERE feed = ?1",
                  "s", feed);
  return rc == 1 ? 0 : rc == 0 ? 1 : rc; /* 1: none yet */
}

int store_sqlite_pull_ok(struct store *st, const char *feed, const char *etag,
                         const char *last_modified, int64_t now_ms,
                         struct dahub_error *err) {
  if (etag == NULL && last_modified == NULL) /* a 304: the same validators */
    return store_write(
        st, "record a pull", err,
        "INSERT INTO pull_state(feed, ok_ms, failing_since_ms, failures,"
        " error, updated_at) VALUES(?1, ?2, NULL, 0, NULL, ?3)"
        " ON CONFLICT(feed) DO UPDATE SET ok_ms = ?2,"
        " failing_since_ms = NULL, failures = 0, error = NULL,"
        " updated_at = ?3",
        "sIn", feed, now_ms);
  return store_write(
      st, "record a pull", err,
      "INSERT INTO pull_state(feed, etag, last_modified, ok_ms,"
      " failing_since_ms, failures, error, updated_at)"
      " VALUES(?1, ?2, ?3, ?4, NULL, 0, NULL, ?5)"
      " ON CONFLICT(feed) DO UPDATE SET etag = ?2, last_modified = ?3,"
      " ok_ms = ?4, failing_since_ms = NULL, failures = 0, error = NULL,"
      " updated_at = ?5",
      "sssIn", feed, etag, last_modified, now_ms);
}

int store_sqlite_pull_failed(struct store *st, const char *feed, int64_t now_ms,
                             const char *error, struct dahub_error *err) {
  return store_write(st, "record a pull", err,
                     "INSERT INTO pull_state(feed, failing_since_ms, failures,"
                     " error, updated_at) VALUES(?1, ?2, 1, ?3, ?4)"
                     " ON CONFLICT(feed) DO UPDATE SET"
                     " failing_since_ms = coalesce(failing_since_ms, ?2),"
                     " failures = failures + 1, error = ?3, updated_at = ?4",
                     "sIsn", feed, now_ms, error);
}

int store_sqlite_pull_add(struct store *st, const char *feed, const char *url,
                          const char *etag, const char *last_modified,
                          const char *sha256, uint64_t bytes,
                          const char *file_name, struct dahub_error *err) {
  return store_write(
      st, "record a pull", err,
      "INSERT INTO pulls(feed, url, etag, last_modified, sha256, bytes,"
      " file_name, fetched_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      "sssssIsn", feed, url, etag, last_modified, sha256, (int64_t)bytes,
      file_name);
}
