/*
 * store_backend.h: one store interface, two backends.
 *
 * A file's way into the store (what hub/intake calls through store.h:
 * begin, figures, records, warnings, commit or rollback, the hash looked
 * up, a receipt) and the figures read back for the summary, as a table
 * of operations on an opaque backend: SQLite's
 * store (store.h) or PostgreSQL's (pgstore.h). Both keep the same promises
 * with the same types and codes: one transaction per file, a duplicate
 * answered 1 with the match, supersession with history. store.h's
 * functions are to dispatch through this table once struct store can
 * hold either backend (docs/postgresql.md, "What comes next"); until
 * then the daemon calls SQLite's directly and the table serves the tests
 * that hold both backends to one behaviour.
 */
#ifndef DAHUB_STORE_BACKEND_H
#define DAHUB_STORE_BACKEND_H

#include <stdint.h>

#include "store.h"

struct store_backend_ops {
  const char *name; /* "sqlite", "postgresql" */
  int (*ingest_begin)(void *be, const struct store_ingest *in,
                      struct dahub_error *err);
  int (*ingest_obs)(void *be, const struct store_obs *o,
                    struct dahub_error *err);
  int (*ingest_record)(void *be, const char *kind, const char *fields_json,
                       uint32_t line, struct dahub_error *err);
  int (*ingest_warnings)(void *be, unsigned count, unsigned cells,
                         const char *kept, struct dahub_error *err);
  int (*ingest_commit)(void *be, const char *sha256, int64_t *ingest_id,
                       struct store_match *match, struct dahub_error *err);
  void (*ingest_rollback)(void *be);
  int (*find_hash)(void *be, const char *feed, const char *sha256,
                   struct store_match *match, struct dahub_error *err);
  int (*receipt)(void *be, const char *feed, const char *file_name,
                 const char *sha256, const char *outcome, int64_t ingest_id,
                 struct dahub_error *err);
  /* The figures that count now, for the summary: store_each_current(). */
  int (*each_current)(void *be, const char *prefix,
                      int (*fn)(void *arg, const struct store_row *r),
                      void *arg, struct dahub_error *err);
  /* ... the deliveries behind them: store_each_delivery() */
  int (*each_delivery)(void *be, const char *prefix,
                       int (*fn)(void *arg, const char *feed,
                                 const char *period, int64_t ingest_id,
                                 const char *stored_at),
                       void *arg, struct dahub_error *err);
  /* ... and a register's records: store_each_record() */
  int (*each_record)(void *be, const char *kind,
                     int (*fn)(void *arg, const char *feed, const char *fields,
                               int64_t ingest_id),
                     void *arg, struct dahub_error *err);
  /* ... the warnings of the files behind them: store_each_warned() */
  int (*each_warned)(void *be, const char *prefix,
                     int (*fn)(void *arg, const struct store_warned *w),
                     void *arg, struct dahub_error *err);
  /* ... and of one file: store_warnings_of() */
  int (*warnings_of)(void *be, int64_t ingest_id, unsigned *count, char **kept,
                     struct dahub_error *err);
  /* For verification: each ingest's figures, store_each_ingest_count() */
  int (*each_ingest_count)(void *be,
                           int (*fn)(void *arg,
                                     const struct store_ingest_count *c),
                           void *arg, struct dahub_error *err);
  /* For retention: each file kept in done/, store_each_kept_file() */
  int (*each_kept_file)(void *be, const char *feed,
                        int (*fn)(void *arg, const char *file_name,
                                  const char *sha256, const char *received_at),
                        void *arg, struct dahub_error *err);
  /* Feeds fetched over HTTPS: store_pull_state(), _ok(), _failed(), _add() */
  int (*pull_state)(void *be, const char *feed, struct store_pull_state *out,
                    struct dahub_error *err);
  int (*pull_ok)(void *be, const char *feed, const char *etag,
                 const char *last_modified, int64_t now_ms,
                 struct dahub_error *err);
  int (*pull_failed)(void *be, const char *feed, int64_t now_ms,
                     const char *error, struct dahub_error *err);
  int (*pull_add)(void *be, const char *feed, const char *url, const char *etag,
                  const char *last_modified, const char *sha256, uint64_t bytes,
                  const char *file_name, struct dahub_error *err);
  /* Summaries and their cells, the audit log: store_summary_latest(),
   * store_summary_add(), store_each_published() */
  int (*summary_latest)(void *be, const char *period, const char *meeting,
                        int *version, char sha256[65], struct dahub_error *err);
  int (*summary_add)(void *be, const char *period, int version,
                     const char *meeting, const char *sha256,
                     const char *folder, const struct store_pub_cell *cells,
                     size_t n_cells, const struct store_outbox_new *out,
                     size_t n_out, struct dahub_error *err);
  int (*each_published)(void *be, const char *prefix,
                        int (*fn)(void *arg, const struct store_pub_cell *c),
                        void *arg, struct dahub_error *err);
  /* The outbox: store_outbox_report(), _due(), _next(), _claim(),
   * _update(), _defer(), _recover(), _retry(), _counts(), _each() */
  int (*outbox_report)(void *be, const char *destination, const char *key,
                       const char *feed, const char *folder, const char *file,
                       const char *recipient, struct dahub_error *err);
  int (*outbox_due)(void *be, int64_t now_ms, struct store_outbox_row *rows,
                    size_t max, size_t *n, struct dahub_error *err);
  int (*outbox_next)(void *be, int64_t *next_ms, struct dahub_error *err);
  int (*outbox_claim)(void *be, int64_t id, int64_t now_ms, int attempts,
                      int64_t lease_ms, struct dahub_error *err);
  int (*outbox_update)(void *be, int64_t id, enum outbox_state state,
                       int attempts, int64_t next_ms, long status,
                       const char *answer, struct dahub_error *err);
  int (*outbox_defer)(void *be, const char *destination, int64_t until_ms,
                      struct dahub_error *err);
  int (*outbox_recover)(void *be, int64_t now_ms, struct dahub_error *err);
  int (*outbox_retry)(void *be, int64_t id, int64_t now_ms,
                      struct dahub_error *err);
  int (*outbox_counts)(void *be, unsigned long counts[OUTBOX_NSTATES],
                       struct dahub_error *err);
  int (*outbox_each)(void *be,
                     int (*fn)(void *arg, const struct store_outbox_row *r),
                     void *arg, struct dahub_error *err);
  void (*close)(void *be);
};

/* A store of either kind: its operations and the backend they take. */
struct store_backend {
  const struct store_backend_ops *ops;
  void *be; /* struct store * or struct pgstore * */
};

/* be is a struct store *. */
extern const struct store_backend_ops store_backend_sqlite;
/* be is a struct pgstore *. */
extern const struct store_backend_ops store_backend_postgresql;

#endif
