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
 * functions dispatch through this table, and the tests hold both
 * backends to one behaviour through it.
 */
#ifndef DAHUB_STORE_BACKEND_H
#define DAHUB_STORE_BACKEND_H

#include <stdint.h>

#include "store.h"

/* Every operation a backend has but ingest_rollback and close (which
 * return nothing), once: X(name, (params), (args)), the backend's own
 * first parameter left out. The table below, both backends' entries
 * (store_backend.c) and pgstore.h's declarations are made from it, so an
 * operation is added in one place. Each is store.h's store_<name>(). */
#define STORE_BACKEND_OPS(X)                                                   \
  /* a file's way in: store_ingest_begin() ... store_receipt() */              \
  X(ingest_begin, (const struct store_ingest *in, struct dahub_error *err),    \
    (in, err))                                                                 \
  X(ingest_obs, (const struct store_obs *o, struct dahub_error *err),          \
    (o, err))                                                                  \
  X(ingest_record,                                                             \
    (const char *kind, const char *fields_json, uint32_t line,                 \
     struct dahub_error *err),                                                 \
    (kind, fields_json, line, err))                                            \
  X(ingest_warnings,                                                           \
    (unsigned count, unsigned cells, const char *kept,                         \
     struct dahub_error *err),                                                 \
    (count, cells, kept, err))                                                 \
  X(ingest_commit,                                                             \
    (const char *sha256, int64_t *ingest_id, struct store_match *match,        \
     struct dahub_error *err),                                                 \
    (sha256, ingest_id, match, err))                                           \
  X(find_hash,                                                                 \
    (const char *feed, const char *sha256, struct store_match *match,          \
     struct dahub_error *err),                                                 \
    (feed, sha256, match, err))                                                \
  X(receipt,                                                                   \
    (const char *feed, const char *file_name, const char *sha256,              \
     const char *outcome, int64_t ingest_id, struct dahub_error *err),         \
    (feed, file_name, sha256, outcome, ingest_id, err))                        \
  /* what the summary reads: store_each_current(), _delivery(), _record(),     \
   * _warned(), store_warnings_of() */                                         \
  X(each_current,                                                              \
    (const char *prefix, int (*fn)(void *arg, const struct store_row *r),      \
     void *arg, struct dahub_error *err),                                      \
    (prefix, fn, arg, err))                                                    \
  X(each_delivery,                                                             \
    (const char *prefix,                                                       \
     int (*fn)(void *arg, const char *feed, const char *period,                \
               int64_t ingest_id, const char *stored_at),                      \
     void *arg, struct dahub_error *err),                                      \
    (prefix, fn, arg, err))                                                    \
  X(each_record,                                                               \
    (const char *kind,                                                         \
     int (*fn)(void *arg, const char *feed, const char *fields,                \
               int64_t ingest_id),                                             \
     void *arg, struct dahub_error *err),                                      \
    (kind, fn, arg, err))                                                      \
  X(each_warned,                                                               \
    (const char *prefix, int (*fn)(void *arg, const struct store_warned *w),   \
     void *arg, struct dahub_error *err),                                      \
    (prefix, fn, arg, err))                                                    \
  X(warnings_of,                                                               \
    (int64_t ingest_id, unsigned *count, char **kept,                          \
     struct dahub_error *err),                                                 \
    (ingest_id, count, kept, err))                                             \
  /* verification and retention: store_each_ingest_count(),                    \
   * store_each_kept_file() */                                                 \
  X(each_ingest_count,                                                         \
    (int (*fn)(void *arg, const struct store_ingest_count *c), void *arg,      \
     struct dahub_error *err),                                                 \
    (fn, arg, err))                                                            \
  X(each_kept_file,                                                            \
    (const char *feed,                                                         \
     int (*fn)(void *arg, const char *file_name, const char *sha256,           \
               const char *received_at),                                       \
     void *arg, struct dahub_error *err),                                      \
    (feed, fn, arg, err))                                                      \
  /* feeds fetched over HTTPS: store_pull_state(), _ok(), _failed(), _add() */ \
  X(pull_state,                                                                \
    (const char *feed, struct store_pull_state *out, struct dahub_error *err), \
    (feed, out, err))                                                          \
  X(pull_ok,                                                                   \
    (const char *feed, const char *etag, const char *last_modified,            \
     int64_t now_ms, struct dahub_error *err),                                 \
    (feed, etag, last_modified, now_ms, err))                                  \
  X(pull_failed,                                                               \
    (const char *feed, int64_t now_ms, const char *error,                      \
     struct dahub_error *err),                                                 \
    (feed, now_ms, error, err))                                                \
  X(pull_add,                                                                  \
    (const char *feed, const char *url, const char *etag,                      \
     const char *last_modified, const char *sha256, uint64_t bytes,            \
     const char *file_name, struct dahub_error *err),                          \
    (feed, url, etag, last_modified, sha256, bytes, file_name, err))           \
  /* summaries and their cells, the audit log: store_summary_latest(), _add(), \
   * store_each_published() */                                                 \
  X(summary_latest,                                                            \
    (const char *period, const char *meeting, int *version, char sha256[65],   \
     struct dahub_error *err),                                                 \
    (period, meeting, version, sha256, err))                                   \
  X(summary_add,                                                               \
    (const char *period, int version, const char *meeting, const char *sha256, \
     const char *folder, const struct store_pub_cell *cells, size_t n_cells,   \
     const struct store_outbox_new *out, size_t n_out,                         \
     struct dahub_error *err),                                                 \
    (period, version, meeting, sha256, folder, cells, n_cells, out, n_out,     \
     err))                                                                     \
  X(each_published,                                                            \
    (const char *prefix, int (*fn)(void *arg, const struct store_pub_cell *c), \
     void *arg, struct dahub_error *err),                                      \
    (prefix, fn, arg, err))                                                    \
  /* the outbox: store_outbox_report(), _due(), _next(), _claim(), _update(),  \
   * _defer(), _recover(), _retry(), _counts(), _each() */                     \
  X(outbox_report,                                                             \
    (const char *destination, const char *key, const char *feed,               \
     const char *folder, const char *file, const char *recipient,              \
     struct dahub_error *err),                                                 \
    (destination, key, feed, folder, file, recipient, err))                    \
  X(outbox_due,                                                                \
    (int64_t now_ms, struct store_outbox_row * rows, size_t max, size_t * n,   \
     struct dahub_error * err),                                                \
    (now_ms, rows, max, n, err))                                               \
  X(outbox_next, (int64_t * next_ms, struct dahub_error * err),                \
    (next_ms, err))                                                            \
  X(outbox_claim,                                                              \
    (int64_t id, int64_t now_ms, int attempts, int64_t lease_ms,               \
     struct dahub_error *err),                                                 \
    (id, now_ms, attempts, lease_ms, err))                                     \
  X(outbox_update,                                                             \
    (int64_t id, enum outbox_state state, int attempts, int64_t next_ms,       \
     long status, const char *answer, struct dahub_error *err),                \
    (id, state, attempts, next_ms, status, answer, err))                       \
  X(outbox_defer,                                                              \
    (const char *destination, int64_t until_ms, struct dahub_error *err),      \
    (destination, until_ms, err))                                              \
  X(outbox_recover, (int64_t now_ms, struct dahub_error * err), (now_ms, err)) \
  X(outbox_retry, (int64_t id, int64_t now_ms, struct dahub_error * err),      \
    (id, now_ms, err))                                                         \
  X(outbox_counts,                                                             \
    (unsigned long counts[OUTBOX_NSTATES], struct dahub_error *err),           \
    (counts, err))                                                             \
  X(outbox_each,                                                               \
    (int (*fn)(void *arg, const struct store_outbox_row *r), void *arg,        \
     struct dahub_error *err),                                                 \
    (fn, arg, err))

/* (first, params...): a parameter list with first put before params. */
#define STORE_OP_LIST(...) __VA_ARGS__
#define STORE_OP_WITH(first, list) (first, STORE_OP_LIST list)

struct store_backend_ops {
  const char *name; /* "sqlite", "postgresql" */
#define STORE_OP_MEMBER(name, params, args)                                    \
  int(*name) STORE_OP_WITH(void *be, params);
  STORE_BACKEND_OPS(STORE_OP_MEMBER)
#undef STORE_OP_MEMBER
  void (*ingest_rollback)(void *be);
  void (*close)(void *be);
};

/* What both backends read back alike. */

/* The value_status texts of the schema, by enum dahub_status. */
extern const char *const store_status_names[4];
/* A published cell's state texts, by struct store_pub_cell's state. */
extern const char *const store_pub_states[4];
/* The outbox's state texts, by enum outbox_state. */
extern const char *const store_outbox_states[OUTBOX_NSTATES];

/* The index of s in names[0..n), or dflt when s is NULL or not there: a
 * text column read back as the enum it was written from. */
int store_name_index(const char *s, const char *const *names, int n, int dflt);

/* A caller's callback and its argument, for a query that hands rows to
 * a caller (store_each() and store_read() in SQLite, pgstore_each_row() in
 * PostgreSQL): kind says which member of fn it is, and so which columns
 * the query selects (store_call_row()). */
enum store_call_kind {
  STORE_CALL_CURRENT,   /* store_cols_row()'s */
  STORE_CALL_DELIVERY,  /* feed, period, ingest_id, stored_at */
  STORE_CALL_RECORD,    /* feed, fields, ingest_id */
  STORE_CALL_PUBLISHED, /* store_cols_pub_cell()'s */
  STORE_CALL_WARNED,    /* store_cols_warned()'s */
  STORE_CALL_COUNT,     /* ingest_id, feed, file_name, observations,
                           committed (0 or 1), the rows pointing at it */
  STORE_CALL_KEPT,      /* file_name, sha256, received_at */
};

struct store_call {
  enum store_call_kind kind;
  union {
    int (*current)(void *arg, const struct store_row *r);
    int (*delivery)(void *arg, const char *feed, const char *period,
                    int64_t ingest_id, const char *stored_at);
    int (*record)(void *arg, const char *feed, const char *fields,
                  int64_t ingest_id);
    int (*published)(void *arg, const struct store_pub_cell *c);
    int (*warned)(void *arg, const struct store_warned *w);
    int (*count)(void *arg, const struct store_ingest_count *c);
    int (*kept)(void *arg, const char *file_name, const char *sha256,
                const char *received_at);
  } fn;
  void *arg;
};

/* A row being read, as either backend reads a column: text(q, i) is
 * column i's text (NULL for SQL NULL), num(q, i) its integer (0 for NULL).
 * The store_cols_*() functions (store_rows.c) fill a caller's struct from
 * it, the columns in the order both backends select them. */
struct store_cols {
  const char *(*text)(const void *q, int i);
  int64_t (*num)(const void *q, int i);
  const void *q;
};

/* feed, source_id, service_id, area_code, period, measure_id, dimensions,
 * unit, value_status, value, scale, bound, ingest_id */
void store_cols_row(const struct store_cols *c, struct store_row *r);
/* feed, source_id, period, file_name, ingest_id, warnings, cells, kept */
void store_cols_warned(const struct store_cols *c, struct store_warned *w);
/* period, version, measure_id, source_id, area_code, dimensions, value,
 * scale, state, threshold, ingests, whole, rule */
void store_cols_pub_cell(const struct store_cols *c, struct store_pub_cell *p);
/* outbox_id, destination, key, period, version, folder, files, state,
 * attempts, since_ms, next_ms, status, answer, updated_at, feed,
 * recipient; texts copied, "" for NULL */
void store_cols_outbox_row(const struct store_cols *c,
                           struct store_outbox_row *r);

/* Reads the row c's kind selects and hands it to c's callback: its
 * answer (0 to go on, non-zero to stop). */
int store_call_row(const struct store_call *c, const struct store_cols *cols);

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
