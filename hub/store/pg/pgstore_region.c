/*
 * pgstore_region.c: several boards read as one store (pgstore_region.h).
 *
 * A board is read through a PostgreSQL store opened for it
 * (pgstore_open_version(), no migration), so each board's figures, files
 * and records are exactly what its own hub's summary reads: the same
 * queries, the same rules for what is current. One connection a board
 * (at most PGSTORE_REGION_MAX); the boards are read one after the other,
 * in the order of their names, so a summary made twice from the same rows
 * is the same document.
 *
 * A feed reaches the caller as "<board>/<feed>": the summary puts a
 * partner's figure together from its feed's parts, and two boards' feeds
 * of one name are two partners' returns, not parts of one. Their figures
 * of one cell then add up, as any two feeds' do. Ingest ids are the
 * database's, unique across boards, so a cell's list of ingests stays
 * unambiguous.
 *
 * Row-level security would let a role read a board it has no right to
 * as a board with nothing in it; a region's report must not be a smaller
 * table without saying so, so opening checks every board first: the
 * role's to read (or the tables' owner's) and holding a stored file.
 * Nothing is written: the region has no versions, cells, outbox or pulls
 * of its own; those reads answer none, and every write -EROFS.
 */
#include "pgstore_region.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgstore_int.h"

struct pgstore_region {
  size_t n;
  char boards[PGSTORE_REGION_MAX][PGSTORE_REGION_NAME];
  struct pgstore *ps[PGSTORE_REGION_MAX];
};

static int name_ok(const char *s, size_t len) {
  if (len == 0 || len >= PGSTORE_REGION_NAME)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return 0;
  return 1;
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

int pgstore_region_boards(const char *list, char (*boards)[PGSTORE_REGION_NAME],
                          size_t *n, struct dahub_error *err) {
  const char *p = list;

  *n = 0;
  for (;;) {
    size_t len = strcspn(p, ",");

    if (!name_ok(p, len))
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "boards: expected board names of 1 to %d "
                             "letters a-z, digits or '_', separated by "
                             "commas, found \"%.*s\"",
                             PGSTORE_REGION_NAME - 1, len > 64 ? 64 : (int)len,
                             p);
    if (*n == PGSTORE_REGION_MAX)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "boards: at most %d boards in one region",
                             PGSTORE_REGION_MAX);
    memcpy(boards[*n], p, len);
    boards[*n][len] = '\0';
    for (size_t i = 0; i < *n; i++)
      if (strcmp(boards[i], boards[*n]) == 0)
        return dahub_error_set(err, -EINVAL, 0, 0, "boards: %s is listed twice",
                               boards[i]);
    (*n)++;
    if (p[len] == '\0')
      break;
    p += len + 1;
  }
  /* one order whatever the list's: the same region is the same document */
  qsort(boards, *n, sizeof *boards, cmp_name);
  return 0;
}

/* Whether the role of r->ps[i] may read board i's rows and finds a stored
 * file there. */
static int check_board(struct pgstore_region *r, size_t i,
                       struct dahub_error *err) {
  static const char sql[] =
      "SELECT current_user, NOT row_security_active('ingests')"
      " OR EXISTS (SELECT 1 FROM board_roles WHERE role = current_user"
      "  AND board = $1),"
      " coalesce((SELECT string_agg(board, ',' ORDER BY board)"
      "  FROM board_roles WHERE role = current_user), ''),"
      " EXISTS (SELECT 1 FROM ingests WHERE board = $1"
      "  AND sha256 IS NOT NULL)";
  const char *params[1] = {r->boards[i]};
  PGresult *res;
  int rc;

  if ((res = pgstore_query(r->ps[i], sql, 1, params, "check boards", &rc,
                           err)) == NULL)
    return rc;
  if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
    rc = dahub_error_set(err, -EACCES, 0, 0,
                         "postgresql: role %s may not read board %s's rows "
                         "(its boards: %s)",
                         PQgetvalue(res, 0, 0), r->boards[i],
                         *PQgetvalue(res, 0, 2) ? PQgetvalue(res, 0, 2)
                                                : "none");
  else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0)
    rc = dahub_error_set(err, -ENOENT, 0, 0,
                         "postgresql: board %s has no stored file",
                         r->boards[i]);
  PQclear(res);
  return rc;
}

int pgstore_region_open(const char *conninfo_file, const char *const *boards,
                        size_t n, struct pgstore_region **out,
                        struct dahub_error *err) {
  struct pgstore_region *r = calloc(1, sizeof *r);
  int rc = 0;

  *out = NULL;
  if (r == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "postgresql: out of memory");
  if (n == 0 || n > PGSTORE_REGION_MAX) {
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "boards: expected 1 to %d boards, found %zu",
                         PGSTORE_REGION_MAX, n);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    if (!name_ok(boards[i], strlen(boards[i]))) {
      rc = dahub_error_set(err, -EINVAL, 0, 0,
                           "boards: \"%.64s\" is not a "
                           "board's name ([a-z0-9_]+)",
                           boards[i]);
      goto out;
    }
    (void)snprintf(r->boards[i], sizeof r->boards[i], "%s", boards[i]);
  }
  qsort(r->boards, n, sizeof r->boards[0], cmp_name);
  for (size_t i = 1; i < n; i++)
    if (strcmp(r->boards[i - 1], r->boards[i]) == 0) {
      rc = dahub_error_set(err, -EINVAL, 0, 0, "boards: %s is listed twice",
                           r->boards[i]);
      goto out;
    }
  r->n = n;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if ((rc = pgstore_open_version(conninfo_file, r->boards[i], 0, &r->ps[i],
                                   err)) != 0)
      break;
    if (pgstore_schema(r->ps[i]) != PGSTORE_SCHEMA_VERSION)
      rc = dahub_error_set(err, -EPROTO, 0, 0,
                           "postgresql: the database is at schema version "
                           "%d, this dahub reads %d (a hub of this dahub "
                           "brings it there when it opens)",
                           pgstore_schema(r->ps[i]), PGSTORE_SCHEMA_VERSION);
    else
      rc = check_board(r, i, err);
  }
  if (rc != 0)
    goto out;
  *out = r;
  r = NULL;
out:
  pgstore_region_close(r);
  return rc;
}

void pgstore_region_close(struct pgstore_region *r) {
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n; i++)
    pgstore_close(r->ps[i]);
  free(r);
}

/* ---- the summary's reads, board by board ---- */

/* The caller's callback and argument, and the board being read. */
struct walk {
  union {
    int (*current)(void *arg, const struct store_row *r);
    int (*delivery)(void *arg, const char *feed, const char *period,
                    int64_t ingest_id, const char *stored_at);
    int (*record)(void *arg, const char *feed, const char *fields,
                  int64_t ingest_id);
    int (*warned)(void *arg, const struct store_warned *w);
    int (*published)(void *arg, const char *board,
                     const struct store_pub_cell *c);
  } fn;
  void *arg;
  const char *board;
  char feed[PGSTORE_REGION_NAME + 256];
};

/* w->feed = "<board>/<feed>"; -EOVERFLOW when it does not fit (the walk
 * stops: a feed cut short could become another's). */
static int qualify(struct walk *w, const char *feed) {
  int len = snprintf(w->feed, sizeof w->feed, "%s/%s", w->board, feed);

  return len < 0 || (size_t)len >= sizeof w->feed ? -EOVERFLOW : 0;
}

/* What a walk's stop code means when the callback did not say. */
static int walk_end(int rc, struct dahub_error *err) {
  if (rc == -EOVERFLOW)
    return dahub_error_set(err, rc, 0, 0, "region: a feed's name is too long");
  return rc;
}

static int on_current(void *arg, const struct store_row *r) {
  struct walk *w = arg;
  struct store_row q = *r;

  if (qualify(w, r->feed) != 0)
    return -EOVERFLOW;
  q.feed = w->feed;
  return w->fn.current(w->arg, &q);
}

static int rg_each_current(void *be, const char *prefix,
                           int (*fn)(void *arg, const struct store_row *r),
                           void *arg, struct dahub_error *err) {
  struct pgstore_region *r = be;
  struct walk w = {.fn.current = fn, .arg = arg};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    w.board = r->boards[i];
    rc = pgstore_each_current(r->ps[i], prefix, on_current, &w, err);
  }
  return walk_end(rc, err);
}

static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest_id, const char *stored_at) {
  struct walk *w = arg;

  if (qualify(w, feed) != 0)
    return -EOVERFLOW;
  return w->fn.delivery(w->arg, w->feed, period, ingest_id, stored_at);
}

static int rg_each_delivery(void *be, const char *prefix,
                            int (*fn)(void *arg, const char *feed,
                                      const char *period, int64_t ingest_id,
                                      const char *stored_at),
                            void *arg, struct dahub_error *err) {
  struct pgstore_region *r = be;
  struct walk w = {.fn.delivery = fn, .arg = arg};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    w.board = r->boards[i];
    rc = pgstore_each_delivery(r->ps[i], prefix, on_delivery, &w, err);
  }
  return walk_end(rc, err);
}

static int on_record(void *arg, const char *feed, const char *fields,
                     int64_t ingest_id) {
  struct walk *w = arg;

  if (qualify(w, feed) != 0)
    return -EOVERFLOW;
  return w->fn.record(w->arg, w->feed, fields, ingest_id);
}

static int rg_each_record(void *be, const char *kind,
                          int (*fn)(void *arg, const char *feed,
                                    const char *fields, int64_t ingest_id),
                          void *arg, struct dahub_error *err) {
  struct pgstore_region *r = be;
  struct walk w = {.fn.record = fn, .arg = arg};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    w.board = r->boards[i];
    rc = pgstore_each_record(r->ps[i], kind, on_record, &w, err);
  }
  return walk_end(rc, err);
}

static int on_warned(void *arg, const struct store_warned *x) {
  struct walk *w = arg;
  struct store_warned q = *x;

  if (qualify(w, x->feed) != 0)
    return -EOVERFLOW;
  q.feed = w->feed;
  return w->fn.warned(w->arg, &q);
}

static int rg_each_warned(void *be, const char *prefix,
                          int (*fn)(void *arg, const struct store_warned *w),
                          void *arg, struct dahub_error *err) {
  struct pgstore_region *r = be;
  struct walk w = {.fn.warned = fn, .arg = arg};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    w.board = r->boards[i];
    rc = pgstore_each_warned(r->ps[i], prefix, on_warned, &w, err);
  }
  return walk_end(rc, err);
}

static int rg_warnings_of(void *be, int64_t ingest_id, unsigned *count,
                          char **kept, struct dahub_error *err) {
  struct pgstore_region *r = be;
  int rc = 0;

  /* an ingest id is one board's: the first board that has it answers */
  for (size_t i = 0; rc == 0 && i < r->n; i++)
    rc = pgstore_warnings_of(r->ps[i], ingest_id, count, kept, err);
  return rc;
}

static int on_published(void *arg, const struct store_pub_cell *c) {
  struct walk *w = arg;

  return w->fn.published(w->arg, w->board, c);
}

int pgstore_region_each_published(struct pgstore_region *r, const char *prefix,
                                  int (*fn)(void *arg, const char *board,
                                            const struct store_pub_cell *c),
                                  void *arg, struct dahub_error *err) {
  struct walk w = {.fn.published = fn, .arg = arg};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    w.board = r->boards[i];
    rc = pgstore_each_published(r->ps[i], prefix, on_published, &w, err);
  }
  return rc;
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
