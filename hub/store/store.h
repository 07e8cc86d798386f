/*
 * store.h: the SQLite store of ingests and observations.
 *
 * One ingest is one transaction: store_ingest_begin() takes the store for
 * the caller's thread (BEGIN IMMEDIATE, under the store's mutex), the
 * observations go in one by one, and store_ingest_commit() or
 * store_ingest_rollback() gives it back. Any other call takes the mutex for
 * its own length. Codes: 0, -EAGAIN for a transient cause (busy, locked,
 * disk full, I/O: try again later), -EIO otherwise; err says which.
 */
#ifndef DAHUB_STORE_H
#define DAHUB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/error.h"
#include "dahub/plugin.h"

#define STORE_SCHEMA_VERSION 6

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
void store_close(struct store *st);

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

/* Records a summary version written to folder, and its cells (the audit
 * log), in one transaction. */
int store_summary_add(struct store *st, const char *period, int version,
                      const char *meeting, const char *sha256,
                      const char *folder, const struct store_pub_cell *cells,
                      size_t n_cells, struct dahub_error *err);

/* Calls fn for each recorded cell of every summary version of a period
 * with that prefix ("FY2024-25": the year and its parts), by period, then
 * version; fn returns non-zero to stop (returned). A state the store does
 * not know reads as -1. */
int store_each_published(struct store *st, const char *prefix,
                         int (*fn)(void *arg, const struct store_pub_cell *c),
                         void *arg, struct dahub_error *err);

/* ISO 8601 UTC now, "2024-07-12T09:30:00Z". */
void store_now(char buf[32]);

#endif
