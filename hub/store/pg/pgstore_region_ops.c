/*
 * pgstore_region_ops.c: a region's store as store.h's backend
 * (store_backend_region, pgstore_region.h): the summary's reads go to the
 * boards (pgstore_region.c); what a region does not have answers none,
 * and every write -EROFS, since a region records nothing of its own.
 *
 * Each entry gives the opaque backend its type and calls the region's
 * function, as store_backend.c's do: a call through a function pointer of
 * another type is undefined, so no cast of functions here.
 */
#include "pgstore_region.h"

#include <errno.h>
#include <string.h>

static int rg_each_current(void *be, const char *prefix,
                           int (*fn)(void *arg, const struct store_row *r),
                           void *arg, struct dahub_error *err) {
  return pgstore_region_each_current(be, prefix, fn, arg, err);
}
static int rg_each_delivery(void *be, const char *prefix,
                            int (*fn)(void *arg, const char *feed,
                                      const char *period, int64_t ingest_id,
                                      const char *stored_at),
                            void *arg, struct dahub_error *err) {
  return pgstore_region_each_delivery(be, prefix, fn, arg, err);
}
static int rg_each_record(void *be, const char *kind,
                          int (*fn)(void *arg, const char *feed,
                                    const char *fields, int64_t ingest_id),
                          void *arg, struct dahub_error *err) {
  return pgstore_region_each_record(be, kind, fn, arg, err);
}
static int rg_each_warned(void *be, const char *prefix,
                          int (*fn)(void *arg, const struct store_warned *w),
                          void *arg, struct dahub_error *err) {
  return pgstore_region_each_warned(be, prefix, fn, arg, err);
}
static int rg_warnings_of(void *be, int64_t ingest_id, unsigned *count,
                          char **kept, struct dahub_error *err) {
  return pgstore_region_warnings_of(be, ingest_id, count, kept, err);
}

/* ---- what a region does not have ---- */

static int read_only(struct dahub_error *err) {
  return dahub_error_set(err, -EROFS, 0, 0,
                         "region: a region's store is read only");
}

static int rg_begin(void *be, const struct store_ingest *in,
                    struct dahub_error *err) {
  (void)be, (void)in;
  return read_only(err);
}
static int rg_obs(void *be, const struct store_obs *o,
                  struct dahub_error *err) {
  (void)be, (void)o;
  return read_only(err);
}
static int rg_record(void *be, const char *kind, const char *fields_json,
                     uint32_t line, struct dahub_error *err) {
  (void)be, (void)kind, (void)fields_json, (void)line;
  return read_only(err);
}
static int rg_warnings(void *be, unsigned count, unsigned cells,
                       const char *kept, struct dahub_error *err) {
  (void)be, (void)count, (void)cells, (void)kept;
  return read_only(err);
}
static int rg_commit(void *be, const char *sha256, int64_t *ingest_id,
                     struct store_match *match, struct dahub_error *err) {
  (void)be, (void)sha256, (void)ingest_id, (void)match;
  return read_only(err);
}
static void rg_rollback(void *be) { (void)be; }
static int rg_find_hash(void *be, const char *feed, const char *sha256,
                        struct store_match *match, struct dahub_error *err) {
  (void)be, (void)feed, (void)sha256, (void)match;
  return read_only(err);
}
static int rg_receipt(void *be, const char *feed, const char *file_name,
                      const char *sha256, const char *outcome,
                      int64_t ingest_id, struct dahub_error *err) {
  (void)be, (void)feed, (void)file_name, (void)sha256, (void)outcome,
      (void)ingest_id;
  return read_only(err);
}
static int rg_each_ingest_count(void *be,
                                int (*fn)(void *arg,
                                          const struct store_ingest_count *c),
                                void *arg, struct dahub_error *err) {
  (void)be, (void)fn, (void)arg;
  return dahub_error_set(err, -ENOTSUP, 0, 0,
                         "region: verify each board with its own hub");
}
static int rg_each_kept_file(void *be, const char *feed,
                             int (*fn)(void *arg, const char *file_name,
                                       const char *sha256,
                                       const char *received_at),
                             void *arg, struct dahub_error *err) {
  (void)be, (void)feed, (void)fn, (void)arg;
  return dahub_error_set(err, -ENOTSUP, 0, 0,
                         "region: retention is each board's own hub's");
}
/* A region fetches nothing: every feed is one never fetched by it. */
static int rg_pull_state(void *be, const char *feed,
                         struct store_pull_state *out,
                         struct dahub_error *err) {
  (void)be, (void)feed, (void)err;
  memset(out, 0, sizeof *out);
  return 1;
}
static int rg_pull_ok(void *be, const char *feed, const char *etag,
                      const char *last_modified, int64_t now_ms,
                      struct dahub_error *err) {
  (void)be, (void)feed, (void)etag, (void)last_modified, (void)now_ms;
  return read_only(err);
}
static int rg_pull_failed(void *be, const char *feed, int64_t now_ms,
                          const char *error, struct dahub_error *err) {
  (void)be, (void)feed, (void)now_ms, (void)error;
  return read_only(err);
}
static int rg_pull_add(void *be, const char *feed, const char *url,
                       const char *etag, const char *last_modified,
                       const char *sha256, uint64_t bytes,
                       const char *file_name, struct dahub_error *err) {
  (void)be, (void)feed, (void)url, (void)etag, (void)last_modified,
      (void)sha256, (void)bytes, (void)file_name;
  return read_only(err);
}
/* No version of a region is recorded: none is the latest. */
static int rg_summary_latest(void *be, const char *period, const char *meeting,
                             int *version, char sha256[65],
                             struct dahub_error *err) {
  (void)be, (void)period, (void)meeting, (void)err;
  *version = 0;
  sha256[0] = '\0';
  return 0;
}
static int rg_summary_add(void *be, const char *period, int version,
                          const char *meeting, const char *sha256,
                          const char *folder,
                          const struct store_pub_cell *cells, size_t n_cells,
                          const struct store_outbox_new *out, size_t n_out,
                          struct dahub_error *err) {
  (void)be, (void)period, (void)version, (void)meeting, (void)sha256,
      (void)folder, (void)cells, (void)n_cells, (void)out, (void)n_out;
  return read_only(err);
}
/* ... and so no cell of one was published. */
static int rg_each_published(void *be, const char *prefix,
                             int (*fn)(void *arg,
                                       const struct store_pub_cell *c),
                             void *arg, struct dahub_error *err) {
  (void)be, (void)prefix, (void)fn, (void)arg, (void)err;
  return 0;
}
static int rg_outbox_report(void *be, const char *destination, const char *key,
                            const char *feed, const char *folder,
                            const char *file, const char *recipient,
                            struct dahub_error *err) {
  (void)be, (void)destination, (void)key, (void)feed, (void)folder, (void)file,
      (void)recipient;
  return read_only(err);
}
static int rg_outbox_due(void *be, int64_t now_ms,
                         struct store_outbox_row *rows, size_t max, size_t *n,
                         struct dahub_error *err) {
  (void)be, (void)now_ms, (void)rows, (void)max, (void)err;
  *n = 0;
  return 0;
}
static int rg_outbox_next(void *be, int64_t *next_ms, struct dahub_error *err) {
  (void)be, (void)next_ms, (void)err;
  return 1;
}
static int rg_outbox_claim(void *be, int64_t id, int64_t now_ms, int attempts,
                           int64_t lease_ms, struct dahub_error *err) {
  (void)be, (void)id, (void)now_ms, (void)attempts, (void)lease_ms;
  return read_only(err);
}
static int rg_outbox_update(void *be, int64_t id, enum outbox_state state,
                            int attempts, int64_t next_ms, long status,
                            const char *answer, struct dahub_error *err) {
  (void)be, (void)id, (void)state, (void)attempts, (void)next_ms, (void)status,
      (void)answer;
  return read_only(err);
}
static int rg_outbox_defer(void *be, const char *destination, int64_t until_ms,
                           struct dahub_error *err) {
  (void)be, (void)destination, (void)until_ms;
  return read_only(err);
}
static int rg_outbox_recover(void *be, int64_t now_ms,
                             struct dahub_error *err) {
  (void)be, (void)now_ms;
  return read_only(err);
}
static int rg_outbox_retry(void *be, int64_t id, int64_t now_ms,
                           struct dahub_error *err) {
  (void)be, (void)id, (void)now_ms;
  return read_only(err);
}
static int rg_outbox_counts(void *be, unsigned long counts[OUTBOX_NSTATES],
                            struct dahub_error *err) {
  (void)be, (void)err;
  memset(counts, 0, OUTBOX_NSTATES * sizeof *counts);
  return 0;
}
static int
rg_outbox_each(void *be, int (*fn)(void *arg, const struct store_outbox_row *r),
               void *arg, struct dahub_error *err) {
  (void)be, (void)fn, (void)arg, (void)err;
  return 0;
}
static void rg_close(void *be) { pgstore_region_close(be); }

const struct store_backend_ops store_backend_region = {
    .name = "postgresql-region",
    .ingest_begin = rg_begin,
    .ingest_obs = rg_obs,
    .ingest_record = rg_record,
    .ingest_warnings = rg_warnings,
    .ingest_commit = rg_commit,
    .ingest_rollback = rg_rollback,
    .find_hash = rg_find_hash,
    .receipt = rg_receipt,
    .each_current = rg_each_current,
    .each_delivery = rg_each_delivery,
    .each_record = rg_each_record,
    .each_warned = rg_each_warned,
    .warnings_of = rg_warnings_of,
    .each_ingest_count = rg_each_ingest_count,
    .each_kept_file = rg_each_kept_file,
    .pull_state = rg_pull_state,
    .pull_ok = rg_pull_ok,
    .pull_failed = rg_pull_failed,
    .pull_add = rg_pull_add,
    .summary_latest = rg_summary_latest,
    .summary_add = rg_summary_add,
    .each_published = rg_each_published,
    .outbox_report = rg_outbox_report,
    .outbox_due = rg_outbox_due,
    .outbox_next = rg_outbox_next,
    .outbox_claim = rg_outbox_claim,
    .outbox_update = rg_outbox_update,
    .outbox_defer = rg_outbox_defer,
    .outbox_recover = rg_outbox_recover,
    .outbox_retry = rg_outbox_retry,
    .outbox_counts = rg_outbox_counts,
    .outbox_each = rg_outbox_each,
    .close = rg_close,
};
