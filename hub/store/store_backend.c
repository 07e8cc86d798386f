/*
 * store_backend.c: the two backends' operations (store_backend.h).
 *
 * Each entry is a wrapper that gives the opaque backend its type and calls
 * the backend's own function, nothing more: a call through a function
 * pointer of another type is undefined, so no cast of functions here.
 */
#include "store_backend.h"

#include "pgstore.h"

static int sq_begin(void *be, const struct store_ingest *in,
                    struct dahub_error *err) {
  return store_ingest_begin(be, in, err);
}
static int sq_obs(void *be, const struct store_obs *o,
                  struct dahub_error *err) {
  return store_ingest_obs(be, o, err);
}
static int sq_record(void *be, const char *kind, const char *fields_json,
                     uint32_t line, struct dahub_error *err) {
  return store_ingest_record(be, kind, fields_json, line, err);
}
static int sq_warnings(void *be, unsigned count, unsigned cells,
                       const char *kept, struct dahub_error *err) {
  return store_ingest_warnings(be, count, cells, kept, err);
}
static int sq_commit(void *be, const char *sha256, int64_t *ingest_id,
                     struct store_match *match, struct dahub_error *err) {
  return store_ingest_commit(be, sha256, ingest_id, match, err);
}
static void sq_rollback(void *be) { store_ingest_rollback(be); }
static int sq_find_hash(void *be, const char *feed, const char *sha256,
                        struct store_match *match, struct dahub_error *err) {
  return store_find_hash(be, feed, sha256, match, err);
}
static int sq_receipt(void *be, const char *feed, const char *file_name,
                      const char *sha256, const char *outcome,
                      int64_t ingest_id, struct dahub_error *err) {
  return store_receipt(be, feed, file_name, sha256, outcome, ingest_id, err);
}
static int sq_each_current(void *be, const char *prefix,
                           int (*fn)(void *arg, const struct store_row *r),
                           void *arg, struct dahub_error *err) {
  return store_each_current(be, prefix, fn, arg, err);
}
static int sq_each_delivery(void *be, const char *prefix,
                            int (*fn)(void *arg, const char *feed,
                                      const char *period, int64_t ingest_id,
                                      const char *stored_at),
                            void *arg, struct dahub_error *err) {
  return store_each_delivery(be, prefix, fn, arg, err);
}
static int sq_each_record(void *be, const char *kind,
                          int (*fn)(void *arg, const char *feed,
                                    const char *fields, int64_t ingest_id),
                          void *arg, struct dahub_error *err) {
  return store_each_record(be, kind, fn, arg, err);
}
static int sq_each_warned(void *be, const char *prefix,
                          int (*fn)(void *arg, const struct store_warned *w),
                          void *arg, struct dahub_error *err) {
  return store_each_warned(be, prefix, fn, arg, err);
}
static int sq_warnings_of(void *be, int64_t ingest_id, unsigned *count,
                          char **kept, struct dahub_error *err) {
  return store_warnings_of(be, ingest_id, count, kept, err);
}
static int sq_each_ingest_count(void *be,
                                int (*fn)(void *arg,
                                          const struct store_ingest_count *c),
                                void *arg, struct dahub_error *err) {
  return store_each_ingest_count(be, fn, arg, err);
}
static int sq_each_kept_file(void *be, const char *feed,
                             int (*fn)(void *arg, const char *file_name,
                                       const char *sha256,
                                       const char *received_at),
                             void *arg, struct dahub_error *err) {
  return store_each_kept_file(be, feed, fn, arg, err);
}
static int sq_pull_state(void *be, const char *feed,
                         struct store_pull_state *out,
                         struct dahub_error *err) {
  return store_pull_state(be, feed, out, err);
}
static int sq_pull_ok(void *be, const char *feed, const char *etag,
                      const char *last_modified, int64_t now_ms,
                      struct dahub_error *err) {
  return store_pull_ok(be, feed, etag, last_modified, now_ms, err);
}
static int sq_pull_failed(void *be, const char *feed, int64_t now_ms,
                          const char *error, struct dahub_error *err) {
  return store_pull_failed(be, feed, now_ms, error, err);
}
static int sq_pull_add(void *be, const char *feed, const char *url,
                       const char *etag, const char *last_modified,
                       const char *sha256, uint64_t bytes,
                       const char *file_name, struct dahub_error *err) {
  return store_pull_add(be, feed, url, etag, last_modified, sha256, bytes,
                        file_name, err);
}
static void sq_close(void *be) { store_close(be); }

/* ---- summaries and the outbox ---- */
static int sq_summary_latest(void *be, const char *period, const char *meeting,
                             int *version, char sha256[65],
                             struct dahub_error *err) {
  return store_summary_latest(be, period, meeting, version, sha256, err);
}
static int sq_summary_add(void *be, const char *period, int version,
                          const char *meeting, const char *sha256,
                          const char *folder,
                          const struct store_pub_cell *cells, size_t n_cells,
                          const struct store_outbox_new *out, size_t n_out,
                          struct dahub_error *err) {
  return store_summary_add(be, period, version, meeting, sha256, folder, cells,
                           n_cells, out, n_out, err);
}
static int sq_each_published(void *be, const char *prefix,
                             int (*fn)(void *arg,
                                       const struct store_pub_cell *c),
                             void *arg, struct dahub_error *err) {
  return store_each_published(be, prefix, fn, arg, err);
}
static int sq_outbox_report(void *be, const char *destination, const char *key,
                            const char *feed, const char *folder,
                            const char *file, const char *recipient,
                            struct dahub_error *err) {
  return store_outbox_report(be, destination, key, feed, folder, file,
                             recipient, err);
}
static int sq_outbox_due(void *be, int64_t now_ms,
                         struct store_outbox_row *rows, size_t max, size_t *n,
                         struct dahub_error *err) {
  return store_outbox_due(be, now_ms, rows, max, n, err);
}
static int sq_outbox_next(void *be, int64_t *next_ms, struct dahub_error *err) {
  return store_outbox_next(be, next_ms, err);
}
static int sq_outbox_claim(void *be, int64_t id, int64_t now_ms, int attempts,
                           int64_t lease_ms, struct dahub_error *err) {
  return store_outbox_claim(be, id, now_ms, attempts, lease_ms, err);
}
static int sq_outbox_update(void *be, int64_t id, enum outbox_state state,
                            int attempts, int64_t next_ms, long status,
                            const char *answer, struct dahub_error *err) {
  return store_outbox_update(be, id, state, attempts, next_ms, status, answer,
                             err);
}
static int sq_outbox_defer(void *be, const char *destination, int64_t until_ms,
                           struct dahub_error *err) {
  return store_outbox_defer(be, destination, until_ms, err);
}
static int sq_outbox_recover(void *be, int64_t now_ms,
                             struct dahub_error *err) {
  return store_outbox_recover(be, now_ms, err);
}
static int sq_outbox_retry(void *be, int64_t id, int64_t now_ms,
                           struct dahub_error *err) {
  return store_outbox_retry(be, id, now_ms, err);
}
static int sq_outbox_counts(void *be, unsigned long counts[OUTBOX_NSTATES],
                            struct dahub_error *err) {
  return store_outbox_counts(be, counts, err);
}
static int
sq_outbox_each(void *be, int (*fn)(void *arg, const struct store_outbox_row *r),
               void *arg, struct dahub_error *err) {
  return store_outbox_each(be, fn, arg, err);
}

const struct store_backend_ops store_backend_sqlite = {
    .name = "sqlite",
    .ingest_begin = sq_begin,
    .ingest_obs = sq_obs,
    .ingest_record = sq_record,
    .ingest_warnings = sq_warnings,
    .ingest_commit = sq_commit,
    .ingest_rollback = sq_rollback,
    .find_hash = sq_find_hash,
    .receipt = sq_receipt,
    .each_current = sq_each_current,
    .each_delivery = sq_each_delivery,
    .each_record = sq_each_record,
    .each_warned = sq_each_warned,
    .warnings_of = sq_warnings_of,
    .each_ingest_count = sq_each_ingest_count,
    .each_kept_file = sq_each_kept_file,
    .pull_state = sq_pull_state,
    .pull_ok = sq_pull_ok,
    .pull_failed = sq_pull_failed,
    .pull_add = sq_pull_add,
    .summary_latest = sq_summary_latest,
    .summary_add = sq_summary_add,
    .each_published = sq_each_published,
    .outbox_report = sq_outbox_report,
    .outbox_due = sq_outbox_due,
    .outbox_next = sq_outbox_next,
    .outbox_claim = sq_outbox_claim,
    .outbox_update = sq_outbox_update,
    .outbox_defer = sq_outbox_defer,
    .outbox_recover = sq_outbox_recover,
    .outbox_retry = sq_outbox_retry,
    .outbox_counts = sq_outbox_counts,
    .outbox_each = sq_outbox_each,
    .close = sq_close,
};

static int pg_begin(void *be, const struct store_ingest *in,
                    struct dahub_error *err) {
  return pgstore_ingest_begin(be, in, err);
}
static int pg_obs(void *be, const struct store_obs *o,
                  struct dahub_error *err) {
  return pgstore_ingest_obs(be, o, err);
}
static int pg_record(void *be, const char *kind, const char *fields_json,
                     uint32_t line, struct dahub_error *err) {
  return pgstore_ingest_record(be, kind, fields_json, line, err);
}
static int pg_warnings(void *be, unsigned count, unsigned cells,
                       const char *kept, struct dahub_error *err) {
  return pgstore_ingest_warnings(be, count, cells, kept, err);
}
static int pg_commit(void *be, const char *sha256, int64_t *ingest_id,
                     struct store_match *match, struct dahub_error *err) {
  return pgstore_ingest_commit(be, sha256, ingest_id, match, err);
}
static void pg_rollback(void *be) { pgstore_ingest_rollback(be); }
static int pg_find_hash(void *be, const char *feed, const char *sha256,
                        struct store_match *match, struct dahub_error *err) {
  return pgstore_find_hash(be, feed, sha256, match, err);
}
static int pg_receipt(void *be, const char *feed, const char *file_name,
                      const char *sha256, const char *outcome,
                      int64_t ingest_id, struct dahub_error *err) {
  return pgstore_receipt(be, feed, file_name, sha256, outcome, ingest_id, err);
}
static int pg_each_current(void *be, const char *prefix,
                           int (*fn)(void *arg, const struct store_row *r),
                           void *arg, struct dahub_error *err) {
  return pgstore_each_current(be, prefix, fn, arg, err);
}
static int pg_each_delivery(void *be, const char *prefix,
                            int (*fn)(void *arg, const char *feed,
                                      const char *period, int64_t ingest_id,
                                      const char *stored_at),
                            void *arg, struct dahub_error *err) {
  return pgstore_each_delivery(be, prefix, fn, arg, err);
}
static int pg_each_record(void *be, const char *kind,
                          int (*fn)(void *arg, const char *feed,
                                    const char *fields, int64_t ingest_id),
                          void *arg, struct dahub_error *err) {
  return pgstore_each_record(be, kind, fn, arg, err);
}
static int pg_each_warned(void *be, const char *prefix,
                          int (*fn)(void *arg, const struct store_warned *w),
                          void *arg, struct dahub_error *err) {
  return pgstore_each_warned(be, prefix, fn, arg, err);
}
static int pg_warnings_of(void *be, int64_t ingest_id, unsigned *count,
                          char **kept, struct dahub_error *err) {
  return pgstore_warnings_of(be, ingest_id, count, kept, err);
}
static int pg_each_ingest_count(void *be,
                                int (*fn)(void *arg,
                                          const struct store_ingest_count *c),
                                void *arg, struct dahub_error *err) {
  return pgstore_each_ingest_count(be, fn, arg, err);
}
static int pg_each_kept_file(void *be, const char *feed,
                             int (*fn)(void *arg, const char *file_name,
                                       const char *sha256,
                                       const char *received_at),
                             void *arg, struct dahub_error *err) {
  return pgstore_each_kept_file(be, feed, fn, arg, err);
}
static int pg_pull_state(void *be, const char *feed,
                         struct store_pull_state *out,
                         struct dahub_error *err) {
  return pgstore_pull_state(be, feed, out, err);
}
static int pg_pull_ok(void *be, const char *feed, const char *etag,
                      const char *last_modified, int64_t now_ms,
                      struct dahub_error *err) {
  return pgstore_pull_ok(be, feed, etag, last_modified, now_ms, err);
}
static int pg_pull_failed(void *be, const char *feed, int64_t now_ms,
                          const char *error, struct dahub_error *err) {
  return pgstore_pull_failed(be, feed, now_ms, error, err);
}
static int pg_pull_add(void *be, const char *feed, const char *url,
                       const char *etag, const char *last_modified,
                       const char *sha256, uint64_t bytes,
                       const char *file_name, struct dahub_error *err) {
  return pgstore_pull_add(be, feed, url, etag, last_modified, sha256, bytes,
                          file_name, err);
}
/* ---- summaries and the outbox ---- */
static int pg_summary_latest(void *be, const char *period, const char *meeting,
                             int *version, char sha256[65],
                             struct dahub_error *err) {
  return pgstore_summary_latest(be, period, meeting, version, sha256, err);
}
static int pg_summary_add(void *be, const char *period, int version,
                          const char *meeting, const char *sha256,
                          const char *folder,
                          const struct store_pub_cell *cells, size_t n_cells,
                          const struct store_outbox_new *out, size_t n_out,
                          struct dahub_error *err) {
  return pgstore_summary_add(be, period, version, meeting, sha256, folder,
                             cells, n_cells, out, n_out, err);
}
static int pg_each_published(void *be, const char *prefix,
                             int (*fn)(void *arg,
                                       const struct store_pub_cell *c),
                             void *arg, struct dahub_error *err) {
  return pgstore_each_published(be, prefix, fn, arg, err);
}
static int pg_outbox_report(void *be, const char *destination, const char *key,
                            const char *feed, const char *folder,
                            const char *file, const char *recipient,
                            struct dahub_error *err) {
  return pgstore_outbox_report(be, destination, key, feed, folder, file,
                               recipient, err);
}
static int pg_outbox_due(void *be, int64_t now_ms,
                         struct store_outbox_row *rows, size_t max, size_t *n,
                         struct dahub_error *err) {
  return pgstore_outbox_due(be, now_ms, rows, max, n, err);
}
static int pg_outbox_next(void *be, int64_t *next_ms, struct dahub_error *err) {
  return pgstore_outbox_next(be, next_ms, err);
}
static int pg_outbox_claim(void *be, int64_t id, int64_t now_ms, int attempts,
                           int64_t lease_ms, struct dahub_error *err) {
  return pgstore_outbox_claim(be, id, now_ms, attempts, lease_ms, err);
}
static int pg_outbox_update(void *be, int64_t id, enum outbox_state state,
                            int attempts, int64_t next_ms, long status,
                            const char *answer, struct dahub_error *err) {
  return pgstore_outbox_update(be, id, state, attempts, next_ms, status, answer,
                               err);
}
static int pg_outbox_defer(void *be, const char *destination, int64_t until_ms,
                           struct dahub_error *err) {
  return pgstore_outbox_defer(be, destination, until_ms, err);
}
static int pg_outbox_recover(void *be, int64_t now_ms,
                             struct dahub_error *err) {
  return pgstore_outbox_recover(be, now_ms, err);
}
static int pg_outbox_retry(void *be, int64_t id, int64_t now_ms,
                           struct dahub_error *err) {
  return pgstore_outbox_retry(be, id, now_ms, err);
}
static int pg_outbox_counts(void *be, unsigned long counts[OUTBOX_NSTATES],
                            struct dahub_error *err) {
  return pgstore_outbox_counts(be, counts, err);
}
static int
pg_outbox_each(void *be, int (*fn)(void *arg, const struct store_outbox_row *r),
               void *arg, struct dahub_error *err) {
  return pgstore_outbox_each(be, fn, arg, err);
}
static void pg_close(void *be) { pgstore_close(be); }

const struct store_backend_ops store_backend_postgresql = {
    .name = "postgresql",
    .ingest_begin = pg_begin,
    .ingest_obs = pg_obs,
    .ingest_record = pg_record,
    .ingest_warnings = pg_warnings,
    .ingest_commit = pg_commit,
    .ingest_rollback = pg_rollback,
    .find_hash = pg_find_hash,
    .receipt = pg_receipt,
    .each_current = pg_each_current,
    .each_delivery = pg_each_delivery,
    .each_record = pg_each_record,
    .each_warned = pg_each_warned,
    .warnings_of = pg_warnings_of,
    .each_ingest_count = pg_each_ingest_count,
    .each_kept_file = pg_each_kept_file,
    .pull_state = pg_pull_state,
    .pull_ok = pg_pull_ok,
    .pull_failed = pg_pull_failed,
    .pull_add = pg_pull_add,
    .summary_latest = pg_summary_latest,
    .summary_add = pg_summary_add,
    .each_published = pg_each_published,
    .outbox_report = pg_outbox_report,
    .outbox_due = pg_outbox_due,
    .outbox_next = pg_outbox_next,
    .outbox_claim = pg_outbox_claim,
    .outbox_update = pg_outbox_update,
    .outbox_defer = pg_outbox_defer,
    .outbox_recover = pg_outbox_recover,
    .outbox_retry = pg_outbox_retry,
    .outbox_counts = pg_outbox_counts,
    .outbox_each = pg_outbox_each,
    .close = pg_close,
};
