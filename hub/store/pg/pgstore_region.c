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
 * Nothing is written (pgstore_region_ops.c answers every write -EROFS):
 * the region has no versions, cells, outbox or pulls of its own. The
 * boards' own published cells are read for the region's audit only,
 * with their board's name (pgstore_region_each_published()).
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

/* Sorts n boards into one order whatever the list's (the same region is
 * the same document), and refuses one listed twice. */
static int sort_unique(char (*boards)[PGSTORE_REGION_NAME], size_t n,
                       struct dahub_error *err) {
  qsort(boards, n, sizeof *boards, cmp_name);
  for (size_t i = 1; i < n; i++)
    if (strcmp(boards[i - 1], boards[i]) == 0)
      return dahub_error_set(err, -EINVAL, 0, 0, "boards: %s is listed twice",
                             boards[i]);
  return 0;
}

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
    (*n)++;
    if (p[len] == '\0')
      break;
    p += len + 1;
  }
  return sort_unique(boards, *n, err);
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
  if ((rc = sort_unique(r->boards, n, err)) != 0)
    goto out;
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

/* The caller's callback and argument (call: its kind says which read),
 * and the board being read. A published cell goes to published instead,
 * with its board's name, since the region's audit needs it. */
struct walk {
  struct store_call call;
  int (*published)(void *arg, const char *board,
                   const struct store_pub_cell *c);
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

static int on_current(void *arg, const struct store_row *r);
static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest_id, const char *stored_at);
static int on_record(void *arg, const char *feed, const char *fields,
                     int64_t ingest_id);
static int on_warned(void *arg, const struct store_warned *x);
static int on_published(void *arg, const struct store_pub_cell *c);

/* Reads what w->call's kind names of every board in turn, param its
 * period prefix or record kind, lending each row to w's callback with the
 * board it is of. */
static int each_board(struct pgstore_region *r, const char *param,
                      struct walk *w, struct dahub_error *err) {
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < r->n; i++) {
    struct pgstore *ps = r->ps[i];

    w->board = r->boards[i];
    switch (w->call.kind) {
    case STORE_CALL_CURRENT:
      rc = pgstore_each_current(ps, param, on_current, w, err);
      break;
    case STORE_CALL_DELIVERY:
      rc = pgstore_each_delivery(ps, param, on_delivery, w, err);
      break;
    case STORE_CALL_RECORD:
      rc = pgstore_each_record(ps, param, on_record, w, err);
      break;
    case STORE_CALL_WARNED:
      rc = pgstore_each_warned(ps, param, on_warned, w, err);
      break;
    case STORE_CALL_PUBLISHED:
      rc = pgstore_each_published(ps, param, on_published, w, err);
      break;
    default: /* a region reads no counts or kept files */
      rc = -EINVAL;
      break;
    }
  }
  return walk_end(rc, err);
}

static int on_current(void *arg, const struct store_row *r) {
  struct walk *w = arg;
  struct store_row q = *r;

  if (qualify(w, r->feed) != 0)
    return -EOVERFLOW;
  q.feed = w->feed;
  return w->call.fn.current(w->call.arg, &q);
}

int pgstore_region_each_current(struct pgstore_region *r, const char *prefix,
                                int (*fn)(void *arg, const struct store_row *r),
                                void *arg, struct dahub_error *err) {
  return each_board(
      r, prefix,
      &(struct walk){
          .call = {.kind = STORE_CALL_CURRENT, .fn.current = fn, .arg = arg}},
      err);
}

static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest_id, const char *stored_at) {
  struct walk *w = arg;

  if (qualify(w, feed) != 0)
    return -EOVERFLOW;
  return w->call.fn.delivery(w->call.arg, w->feed, period, ingest_id,
                             stored_at);
}

int pgstore_region_each_delivery(struct pgstore_region *r, const char *prefix,
                                 int (*fn)(void *arg, const char *feed,
                                           const char *period,
                                           int64_t ingest_id,
                                           const char *stored_at),
                                 void *arg, struct dahub_error *err) {
  return each_board(
      r, prefix,
      &(struct walk){
          .call = {.kind = STORE_CALL_DELIVERY, .fn.delivery = fn, .arg = arg}},
      err);
}

static int on_record(void *arg, const char *feed, const char *fields,
                     int64_t ingest_id) {
  struct walk *w = arg;

  if (qualify(w, feed) != 0)
    return -EOVERFLOW;
  return w->call.fn.record(w->call.arg, w->feed, fields, ingest_id);
}

int pgstore_region_each_record(struct pgstore_region *r, const char *kind,
                               int (*fn)(void *arg, const char *feed,
                                         const char *fields, int64_t ingest_id),
                               void *arg, struct dahub_error *err) {
  return each_board(
      r, kind,
      &(struct walk){
          .call = {.kind = STORE_CALL_RECORD, .fn.record = fn, .arg = arg}},
      err);
}

static int on_warned(void *arg, const struct store_warned *x) {
  struct walk *w = arg;
  struct store_warned q = *x;

  if (qualify(w, x->feed) != 0)
    return -EOVERFLOW;
  q.feed = w->feed;
  return w->call.fn.warned(w->call.arg, &q);
}

int pgstore_region_each_warned(struct pgstore_region *r, const char *prefix,
                               int (*fn)(void *arg,
                                         const struct store_warned *w),
                               void *arg, struct dahub_error *err) {
  return each_board(
      r, prefix,
      &(struct walk){
          .call = {.kind = STORE_CALL_WARNED, .fn.warned = fn, .arg = arg}},
      err);
}

int pgstore_region_warnings_of(struct pgstore_region *r, int64_t ingest_id,
                               unsigned *count, char **kept,
                               struct dahub_error *err) {
  int rc = 0;

  /* an ingest id is one board's: the first board that has it answers */
  for (size_t i = 0; rc == 0 && i < r->n; i++)
    rc = pgstore_warnings_of(r->ps[i], ingest_id, count, kept, err);
  return rc;
}

static int on_published(void *arg, const struct store_pub_cell *c) {
  struct walk *w = arg;

  return w->published(w->call.arg, w->board, c);
}

int pgstore_region_each_published(struct pgstore_region *r, const char *prefix,
                                  int (*fn)(void *arg, const char *board,
                                            const struct store_pub_cell *c),
                                  void *arg, struct dahub_error *err) {
  return each_board(
      r, prefix,
      &(struct walk){.call = {.kind = STORE_CALL_PUBLISHED, .arg = arg},
                     .published = fn},
      err);
}
