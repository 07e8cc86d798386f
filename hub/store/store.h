/*
 * store.h: the SQLite store of ingests and observations.
 *
 * One ingest is one transaction: store_ingest_begin() takes the store for
 * the caller's thread (BEGIN IMMEDIATE, under the store's mutex), the
 * observations are handed over one by one (copied: their strings are
 * borrowed for the call only) and written on the store's own thread, and
 * store_ingest_commit() (which waits for them) or store_ingest_rollback()
 * gives it back. A store_ingest_obs() error may be a figure's handed over
 * earlier: the file is rolled back either way. Any other call takes the mutex
 * for its own length. Codes: 0, -EAGAIN for a transient cause (busy, locked,
 * disk full, I/O: try again later), -EIO otherwise; err says which.
 */
#ifndef DAHUB_STORE_H
#define DAHUB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/error.h"
#include "dahub/plugin.h"

#define STORE_SCHEMA_VERSION 11

struct store;

/* An observation after validation: every string a vocabulary code. */
struct store_obs {
  const char *service_id; /* or NULL */
  const char *area_code;
  const char *period;
  const char *measure_id;
  const char *dimensions; /* canonical JSON object, "{}" when none */
  const char *unit;
  enum dahub_status status;
  int64_t value; /* for ACTUAL/ESTIMATED */
  int scale;
  int64_t bound; /* for SUPPRESSED, 0 when unknown */
  uint32_t line, col;
  const char *raw; /* or NULL */
};

struct store_ingest {
  const char *feed, *source_id, *plugin, *plugin_version, *file_name;
  uint64_t size_bytes;
  const char *received_at; /* ISO 8601 UTC */
};

/* The earlier ingest a duplicate matches. */
struct store_match {
  int64_t ingest_id;
  char file_name[256];
  char stored_at[32];
};

/* Opens (creating and migrating) the store at path. OUT: store_close(). */
int store_open(const char *path, struct store **out, struct dahub_error *err);
/* As store_open, migrating no further than schema version latest (for the
 * tests of migrations). */
int store_open_version(const char *path, int latest, struct store **out,
                       struct dahub_error *err);
/* A store whose every call goes to PostgreSQL's (pgstore.h): the
 * connection string in conninfo_file, the rows of board. Not for backup,
 * store_integrity() or store_foreign_keys() (-ENOTSUP; PostgreSQL has
 * its own). OUT: store_close(). */
int store_open_postgresql(const char *conninfo_file, const char *board,
                          struct store **out, struct dahub_error *err);
/* A read-only store of several boards' rows in one PostgreSQL database,
 * read as one table for a region's summary (pgstore_region.h): feeds
 * as "<board>/<feed>", no versions, writes -EROFS. OUT: store_close(). */
int store_open_region(const char *conninfo_file, const char *const *boards,
                      size_t n, struct store **out, struct dahub_error *err);
void store_close(struct store *st);
/* How long a statement waits for another connection's write (ms): an
 * ingest holds SQLite's write lock for a whole file, so each of the
 * daemon's connections waits as long as its thread can afford; what finds
 * the store busy answers -EAGAIN and is tried again. */
void store_set_busy_ms(struct store *st, int ms);

int store_ingest_begin(struct store *st, const struct store_ingest *in,
                       struct dahub_error *err);
int store_ingest_obs(struct store *st, const struct store_obs *o,
                     struct dahub_error *err);
/* Adds a record (a contract of a register): kind and its fields as a JSON
 * object text, inside the open ingest. */
int store_ingest_record(struct store *st, const char *kind,
                        const char *fields_json, uint32_t line,
                        struct dahub_error *err);

/* Calls fn with the fields (JSON text) of each record of kind from the
 * newest stored ingest of each feed that has such records. */
int store_each_record(struct store *st, const char *kind,
                      int (*fn)(void *arg, const char *feed, const char *fields,
                                int64_t ingest_id),
                      void *arg, struct dahub_error *err);

/* Records the file's hash and makes its periods current for its feed.
 * 1 (rolled back, *match filled) when the feed already holds that hash;
 * 0 committed with *ingest_id; negative on error (rolled back). */
int store_ingest_commit(struct store *st, const char *sha256,
                        int64_t *ingest_id, struct store_match *match,
                        struct dahub_error *err);
void store_ingest_rollback(struct store *st);

/* 1 with *match when feed already holds sha256, 0 when not, negative. */
int store_find_hash(struct store *st, const char *feed, const char *sha256,
                    struct store_match *match, struct dahub_error *err);

/* Notes what became of a file: "stored", "duplicate" or "failed". */
int store_receipt(struct store *st, const char *feed, const char *file_name,
                  const char *sha256, const char *outcome, int64_t ingest_id,
                  struct dahub_error *err);

/* One current observation, borrowed for the callback. */
struct store_row {
  const char *feed, *source_id, *service_id, *area_code, *period;
  const char *measure_id, *dimensions, *unit;
  enum dahub_status status;
  int64_t value; /* ACTUAL/ESTIMATED */
  int scale;
  int64_t bound;
  int64_t ingest_id;
};

/* Calls fn for each current observation whose period id starts with
 * prefix ("FY2024-25" gives that year and all its parts). fn returns 0 to
 * go on, non-zero to stop (returned). Takes the store for its length. */
int store_each_current(struct store *st, const char *prefix,
                       int (*fn)(void *arg, const struct store_row *r),
                       void *arg, struct dahub_error *err);

/* Each (feed, period, ingest) with figures for a period with that prefix,
 * over the whole history (superseded ingests too), with when it was
 * stored. */
int store_each_delivery(struct store *st, const char *prefix,
                        int (*fn)(void *arg, const char *feed,
                                  const char *period, int64_t ingest_id,
                                  const char *stored_at),
                        void *arg, struct dahub_error *err);

/* The newest summary version of a period: 1 with *version and sha filled,
 * 0 when there is none. With meeting not NULL, only those made for it. */
int store_summary_latest(struct store *st, const char *period,
                         const char *meeting, int *version, char sha256[65],
                         struct dahub_error *err);
/* One cell of a summary version, as the audit log keeps it. */
struct store_pub_cell {
  const char *period; /* filled by store_each_published() */
  int version;        /* likewise */
  const char *measure, *source_id, *area, *dims; /* "*" for all */
  int64_t value; /* the true figure (what was known of it) */
  int scale;     /* value / 10^scale */
  int state;     /* enum disclosure_state: shown, primary, ... */
  int64_t threshold;
  const char *ingests; /* the ingest ids the summary listed, JSON */
  int whole;           /* the figure covered the period with nothing unknown */
  int rule;            /* enum disclosure_rule: why it was as it was */
};

/* A delivery of a summary version, as store_summary_add() records it. */
struct store_outbox_new {
  const char *destination; /* hub.json's delivery name */
  const char *key;         /* policy_key(): unique, stable */
  const char *files;       /* names in the version's folder, one a line */
};

/* Records a summary version written to folder, its cells (the audit log)
 * and its deliveries (pending, due at once), in one transaction: a
 * version is never recorded without the deliveries it owes. */
int store_summary_add(struct store *st, const char *period, int version,
                      const char *meeting, const char *sha256,
                      const char *folder, const struct store_pub_cell *cells,
                      size_t n_cells, const struct store_outbox_new *out,
                      size_t n_out, struct dahub_error *err);

/* ---- the outbox: deliveries of summary versions (store_outbox.c) ---- */

enum outbox_state {
  OUTBOX_PENDING,
  OUTBOX_SENDING,
  OUTBOX_SENT,
  OUTBOX_RETRYING,
  OUTBOX_PARKED,
};
#define OUTBOX_NSTATES 5

/* The state's name in the store and in `dahub deliveries`. */
const char *store_outbox_state_name(enum outbox_state s);

struct store_outbox_row {
  int64_t id;
  char destination[64];
  char key[33];
  char period[32]; /* a summary's; "" for a file's report */
  int version;
  char folder[1024];
  char files[512];
  char feed[64];       /* a file's report: its feed, else "" */
  char recipient[256]; /* ... and the one address it goes to, else "" */
  enum outbox_state state;
  int attempts;
  int64_t since_ms; /* recorded, or last re-driven: give_up_after's start */
  int64_t next_ms;  /* due (pending, retrying), or the lease's end (sending) */
  long status;      /* the last HTTP status or SMTP reply, 0: none */
  char answer[600]; /* what the server said, or why it is parked */
  char updated_at[32];
};

/* A failed file's plain-words report (folder/file, a .error.txt) to the
 * feed's contact, pending and due at once. A key already recorded is
 * not recorded twice: 0 either way, or a store error. */
int store_outbox_report(struct store *st, const char *destination,
                        const char *key, const char *feed, const char *folder,
                        const char *file, const char *recipient,
                        struct dahub_error *err);

/* Unsettled rows (pending, sending, retrying) due at now_ms, oldest first,
 * at most max into rows. 0 with *n. */
int store_outbox_due(struct store *st, int64_t now_ms,
                     struct store_outbox_row *rows, size_t max, size_t *n,
                     struct dahub_error *err);
/* The earliest next_ms of the unsettled rows: 0 with *next_ms, 1 when
 * there are none. */
int store_outbox_next(struct store *st, int64_t *next_ms,
                      struct dahub_error *err);
/* Moves row id on. answer may be NULL. 0, -ENOENT or a store error. */
int store_outbox_update(struct store *st, int64_t id, enum outbox_state state,
                        int attempts, int64_t next_ms, long status,
                        const char *answer, struct dahub_error *err);
/* Claims row id for one attempt: sending, attempts, its lease ending at
 * lease_ms, if it is still unsettled and due at now_ms. Of hubs sharing a
 * store, only one claims a due row. 0 claimed, -EBUSY not (another has
 * it, or it settled or is not due), -ENOENT no such row, or a store
 * error. */
int store_outbox_claim(struct store *st, int64_t id, int64_t now_ms,
                       int attempts, int64_t lease_ms, struct dahub_error *err);
/* Every unsettled row of destination waits until at least until_ms. */
int store_outbox_defer(struct store *st, const char *destination,
                       int64_t until_ms, struct dahub_error *err);
/* Rows left sending (a crash or stop mid-attempt) are due at now_ms. */
int store_outbox_recover(struct store *st, int64_t now_ms,
                         struct dahub_error *err);
/* A parked row goes again: pending, due now, give_up_after counted from
 * now; attempts are kept. 0, -ENOENT (no such row) or -EBUSY (not parked). */
int store_outbox_retry(struct store *st, int64_t id, int64_t now_ms,
                       struct dahub_error *err);
/* How many rows are in each state: counts[state], for `dahub status`. */
int store_outbox_counts(struct store *st, unsigned long counts[OUTBOX_NSTATES],
                        struct dahub_error *err);
/* Every row, newest first; fn returns non-zero to stop (returned). */
int store_outbox_each(struct store *st,
                      int (*fn)(void *arg, const struct store_outbox_row *r),
                      void *arg, struct dahub_error *err);

/* Calls fn for each recorded cell of every summary version of a period
 * with that prefix ("FY2024-25": the year and its parts), by period, then
 * version; fn returns non-zero to stop (returned). A state the store does
 * not know reads as -1. */
int store_each_published(struct store *st, const char *prefix,
                         int (*fn)(void *arg, const struct store_pub_cell *c),
                         void *arg, struct dahub_error *err);
/* On a region's store (store_open_region()), each cell of every board's
 * own summary versions of a period with that prefix, with its board (by
 * board, then as store_each_published()); on any other store, none. */
int store_region_each_published(struct store *st, const char *prefix,
                                int (*fn)(void *arg, const char *board,
                                          const struct store_pub_cell *c),
                                void *arg, struct dahub_error *err);

/* ---- feeds fetched over HTTPS (store_pull.c) ---- */

struct store_pull_state {
  char etag[256];           /* of the last body fetched, "" when none */
  char last_modified[64];   /* likewise */
  int64_t ok_ms;            /* the last fetch that worked, 0: never */
  int64_t failing_since_ms; /* the first failure since, 0: not failing */
  int failures;             /* in a row */
  char last_sha256[65];     /* of the last body handed to the spool, or "" */
};

/* 0 with *out filled, 1 when the feed was never fetched. */
int store_pull_state(struct store *st, const char *feed,
                     struct store_pull_state *out, struct dahub_error *err);
/* A fetch that worked: not failing any more. etag and last_modified (NULL:
 * keep the stored ones, as after a 304) are what the next request sends. */
int store_pull_ok(struct store *st, const char *feed, const char *etag,
                  const char *last_modified, int64_t now_ms,
                  struct dahub_error *err);
/* A fetch that failed: failing since the first such, one more in a row.
 * error is for the operator (no credential). */
int store_pull_failed(struct store *st, const char *feed, int64_t now_ms,
                      const char *error, struct dahub_error *err);
/* A fetched body handed to the spool as file_name: its provenance. */
int store_pull_add(struct store *st, const char *feed, const char *url,
                   const char *etag, const char *last_modified,
                   const char *sha256, uint64_t bytes, const char *file_name,
                   struct dahub_error *err);

/* ---- backup and verification (store_backup.c, store_verify.c) ---- */

/* Opens the store at path as it is: nothing created, nothing migrated (a
 * newer schema is refused). For `dahub backup` and `dahub verify`.
 * OUT: store_close(). */
int store_open_existing(const char *path, struct store **out,
                        struct dahub_error *err);
/* A consistent copy of the store at src_path, made while the daemon may
 * write, checked and fsynced, then renamed to dest. An existing dest is
 * refused (-EEXIST) unless force. 0 or a code with err. */
int store_backup(const char *src_path, const char *dest, int force,
                 struct dahub_error *err);
/* PRAGMA integrity_check: problem(arg, msg) for each problem it names (a
 * page too damaged to walk is one), *n their number. */
void store_integrity(struct store *st,
                     void (*problem)(void *arg, const char *msg), void *arg,
                     unsigned *n);
/* PRAGMA foreign_key_check: problem() for each row pointing at nothing. */
int store_foreign_keys(struct store *st,
                       void (*problem)(void *arg, const char *msg), void *arg,
                       unsigned *n, struct dahub_error *err);

/* An ingest and its observations: what it recorded at commit, and the
 * rows that point at it now. */
struct store_ingest_count {
  int64_t ingest_id;
  const char *feed, *file_name;
  int64_t recorded;
  int committed; /* its hash was recorded: a whole, stored file */
  int64_t stored;
};
/* Every ingest, oldest first; fn returns non-zero to stop (returned). */
int store_each_ingest_count(struct store *st,
                            int (*fn)(void *arg,
                                      const struct store_ingest_count *c),
                            void *arg, struct dahub_error *err);
/* Each file of feed that settled in done/ (stored or a duplicate), from
 * its receipt, oldest first: its name, SHA-256 and when it was received. */
int store_each_kept_file(struct store *st, const char *feed,
                         int (*fn)(void *arg, const char *file_name,
                                   const char *sha256, const char *received_at),
                         void *arg, struct dahub_error *err);

/* ---- the warnings of a stored file (store_warnings.c) ---- */

/* Keeps the warnings of the open ingest, in its transaction (between
 * store_ingest_begin() and commit, so a rollback takes them too): count of
 * them all, cells of those that name a cell, kept the JSON array of the
 * first ones. 0, or a code with err. */
int store_ingest_warnings(struct store *st, unsigned count, unsigned cells,
                          const char *kept, struct dahub_error *err);

/* The warnings kept with ingest_id: 1 with *count and *kept (the caller
 * frees it), 0 when it had none. */
int store_warnings_of(struct store *st, int64_t ingest_id, unsigned *count,
                      char **kept, struct dahub_error *err);

/* The warnings of an ingest that holds current figures of period, borrowed
 * for the callback. */
struct store_warned {
  const char *feed, *source_id, *period, *file_name;
  int64_t ingest_id;
  unsigned count, cells;
  const char *kept; /* the JSON array of the first ones */
};
/* Each (period, ingest) with warnings whose period id starts with prefix,
 * current figures only (a superseded file's warnings are moot), by feed,
 * then ingest. fn returns 0 to go on, non-zero to stop (returned). */
int store_each_warned(struct store *st, const char *prefix,
                      int (*fn)(void *arg, const struct store_warned *w),
                      void *arg, struct dahub_error *err);

/* ISO 8601 UTC now, "2024-07-12T09:30:00Z". */
void store_now(char buf[32]);
/* Now in milliseconds since 1970 (UTC), as the outbox keeps times. */
int64_t store_now_ms(void);

#endif
