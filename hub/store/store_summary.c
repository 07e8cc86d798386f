/*
 * store_summary.c: the summaries the hub has published, and their cells.
 *
 * Each version of a period's summary is a row of summaries; its controlled
 * cells (true count, shown or hidden, by which rule) go in published_cells
 * in the same transaction, so the audit log never holds a version without
 * its cells or cells without their version. Later versions and overlapping
 * periods are checked against these cells (the disclosure audit).
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>

int store_sqlite_summary_latest(struct store *st, const char *period,
                                const char *meeting, int *version,
                                char sha256[65], struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SUMMARY_LATEST];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  store_bind_text(q, 1, period);
  store_bind_text(q, 2, meeting);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    *version = sqlite3_column_int(q, 0);
    (void)snprintf(sha256, 65, "%s", store_column_text(q, 1));
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "read summaries", err);
  }
  store_stmt_release(q);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_sqlite_summary_add(struct store *st, const char *period, int version,
                             const char *meeting, const char *sha256,
                             const char *folder,
                             const struct store_pub_cell *cells, size_t n_cells,
                             const struct store_outbox_new *out, size_t n_out,
                             struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SUMMARY_ADD];
  int64_t id;
  char now[32];
  int rc;

  store_now(now);
  (void)pthread_mutex_lock(&st->lock);
  if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
    goto out;
  store_bind_text(q, 1, period);
  (void)sqlite3_bind_int(q, 2, version);
  store_bind_text(q, 3, meeting);
  store_bind_text(q, 4, sha256);
  store_bind_text(q, 5, now);
  store_bind_text(q, 6, folder);
  if ((rc = store_step_done(st, q, "record summary", err)) != 0)
    goto rollback;
  id = sqlite3_last_insert_rowid(st->db);
  q = st->q[Q_PUB_ADD];
  for (size_t i = 0; i < n_cells; i++) {
    const struct store_pub_cell *c = &cells[i];

    if (c->state < 0 || c->state > 3) {
      rc = dahub_error_set(err, -EINVAL, 0, 0, "record summary: bad state");
      goto rollback;
    }
    (void)sqlite3_bind_int64(q, 1, id);
    store_bind_text(q, 2, c->measure);
    store_bind_text(q, 3, c->source_id);
    store_bind_text(q, 4, c->area);
    store_bind_text(q, 5, c->dims);
    (void)sqlite3_bind_int64(q, 6, c->value);
    (void)sqlite3_bind_int(q, 7, c->scale);
    store_bind_text(q, 8, store_pub_states[c->state]);
    (void)sqlite3_bind_int64(q, 9, c->threshold);
    store_bind_text(q, 10, c->ingests);
    (void)sqlite3_bind_int(q, 11, c->whole != 0);
    (void)sqlite3_bind_int(q, 12, c->rule);
    if ((rc = store_step_done(st, q, "record summary cells", err)) != 0)
      goto rollback;
  }
  if ((rc = store_outbox_add(st, id, out, n_out, err)) != 0)
    goto rollback;
  rc = store_exec(st, "COMMIT", err);
  if (rc == 0)
    goto out;
rollback:
  (void)store_exec(st, "ROLLBACK", NULL);
out:
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_sqlite_each_published(struct store *st, const char *prefix,
                                int (*fn)(void *arg,
                                          const struct store_pub_cell *c),
                                void *arg, struct dahub_error *err) {
  return store_each(st, Q_EACH_PUB, prefix, store_call_sqlite,
                    &(struct store_call){.kind = STORE_CALL_PUBLISHED,
                                         .fn.published = fn,
                                         .arg = arg},
                    "read published cells", err);
}
