/*
 * published.c: what a reader already holds when a summary goes out
 * (summary_int.h).
 *
 * A reader keeps every version of every summary of the year: a corrected
 * quarter beside the first version of it, the quarters beside their half
 * and their year. The audit log in the store (published_cells) keeps each
 * version's cells with their true values and states, so the audit of a new
 * summary can stand where that reader stands: each table published before
 * goes into the disclosure engine as fixed cells (states as published,
 * hidden ones protected like new ones), with the lines of its own sums, and
 * with what ties the tables together:
 *
 * - versions: a cell whose published list of ingests is the same in two
 *   versions of a period has the same value in both, and the reader can see
 *   that; such a pair is a line of one member;
 * - time: a year is the sum of its halves or its quarters, a half of its
 *   quarters, a quarter of its months (a level such as bedspaces is its
 *   last part instead); each way the newest versions tile a period is a
 *   line.
 *
 * A region's summary adds what its boards published of the year
 * (published_boards()): a reader of the boards' papers can add them up.
 *
 * As everywhere, the engine keeps a line only where the true values make it
 * hold. Only the summary's own financial year is read: periods of another
 * year share no month, so no line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "summary_int.h"

#define MAX_TABLES 512 /* versions of a year's periods, all together */
#define MAX_TILINGS 32 /* ways to tile one period that are kept as lines */
#define N_SLOTS 19     /* the year, 2 halves, 4 quarters, 12 months */

struct table {
  char period[DAHUB_PERIOD_ID_MAX];
  struct dahub_period p;
  int version;
  int board; /* a region's summary: which board's (1, 2, ...), else 0 */
  struct cells cells;
};

struct tables {
  struct build *b;
  const char *only; /* keep this period only, or NULL */
  struct table *v;
  size_t n, cap;
  int board;           /* the board being read: its number */
  char board_name[72]; /* ... and its name */
};

static void tables_free(struct tables *t) {
  for (size_t i = 0; i < t->n; i++)
    cells_free(&t->v[i].cells);
  free(t->v);
}

static int cmp_id(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

  return a < b ? -1 : a > b;
}

const char *published_ingests_key(struct build *b, const struct cell *c) {
  int64_t ids[MAX_INGESTS];
  char buf[MAX_INGESTS * 21 + 3];
  size_t len = 1;

  memcpy(ids, c->ingests, (size_t)c->n_ingests * sizeof *ids);
  qsort(ids, (size_t)c->n_ingests, sizeof *ids, cmp_id);
  buf[0] = '[';
  for (int i = 0; i < c->n_ingests; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", i ? "," : "",
                            (long long)ids[i]);
  (void)snprintf(buf + len, sizeof buf - len, "]");
  return strings_intern(&b->str, buf);
}

static int on_row(void *arg, const struct store_pub_cell *r) {
  struct tables *ts = arg;
  struct strings *str = &ts->b->str;
  struct table *t = ts->n ? &ts->v[ts->n - 1] : NULL;
  const char *m, *s, *a, *d;
  struct dahub_period p;
  struct cell *c;

  if (ts->only != NULL && strcmp(r->period, ts->only) != 0)
    return 0;
  if (r->state < 0 || dahub_period_parse(r->period, &p) != 0)
    return -EBADMSG; /* written by us: a damaged store */
  if (t == NULL || t->version != r->version || t->board != ts->board ||
      strcmp(t->period, r->period)) {
    if (ts->n == MAX_TABLES)
      return -E2BIG;
    if (ts->n == ts->cap && array_grow(&ts->v, &ts->cap, sizeof *ts->v, 8) != 0)
      return -ENOMEM;
    t = &ts->v[ts->n++];
    memset(t, 0, sizeof *t);
    (void)snprintf(t->period, sizeof t->period, "%s", r->period);
    t->p = p;
    t->version = r->version;
    t->board = ts->board;
  }
  m = strings_intern(str, r->measure);
  s = strings_intern(str, r->source_id);
  a = strings_intern(str, r->area);
  d = strings_intern(str, r->dims);
  if (m == NULL || s == NULL || a == NULL || d == NULL ||
      (c = cells_get(&t->cells, m, s, a, d)) == NULL ||
      (c->ingests_key = strings_intern(str, r->ingests)) == NULL)
    return -ENOMEM;
  c->m = vocab_measure(ts->b->env->vocab, m);
  c->known.value = r->value;
  c->known.scale = r->scale;
  if (r->state == DISCLOSURE_SOURCE)
    c->hidden_parts = 1;
  else
    c->known_parts = 1;
  c->whole = r->whole;
  c->state = r->state;
  c->rule = r->rule;
  c->threshold = r->threshold;
  return 0;
}

/* A cell of a board's own summary (a region's): by board, then as
 * on_row(). */
static int on_board_row(void *arg, const char *board,
                        const struct store_pub_cell *r) {
  struct tables *ts = arg;

  if (strcmp(board, ts->board_name) != 0) {
    (void)snprintf(ts->board_name, sizeof ts->board_name, "%s", board);
    ts->board++;
  }
  return on_row(arg, r);
}

/* The tables published of periods with prefix (only: that one), or with
 * boards set, the boards' own tables of a region's summary. */
static int load(struct build *b, const char *prefix, const char *only,
                int boards, struct tables *ts, struct dahub_error *err) {
  int rc;

  memset(ts, 0, sizeof *ts);
  ts->b = b;
  ts->only = only;
  rc = boards ? store_region_each_published(b->env->store, prefix, on_board_row,
                                            ts, err)
              : store_each_published(b->env->store, prefix, on_row, ts, err);
  if (rc == -E2BIG)
    (void)dahub_error_set(err, rc, 0, 0,
                          "summary of %s: more than %d summary versions of "
                          "the year to audit against",
                          b->id, MAX_TABLES);
  else if (rc == -EBADMSG)
    (void)dahub_error_set(err, rc, 0, 0,
                          "summary of %s: the store's record of published "
                          "cells is damaged",
                          b->id);
  if (rc != 0)
    tables_free(ts);
  return rc;
}

/* Adds t's controlled cells as fixed, then its lines. */
static int add_table(struct build *b, struct table *t) {
  int rc;

  for (size_t i = 0; i < t->cells.n; i++) {
    struct cell *c = &t->cells.v[i];
    struct disclosure_cell dc = {.value = c->known.value,
                                 .threshold = c->threshold,
                                 .protection =
                                     (int64_t)b->env->conf->summary.protection,
                                 .flags = DISCLOSURE_CELL_FIXED,
                                 .state = (enum disclosure_state)c->state};

    if (!is_controlled(c) || c->known.value < 0 || c->state > 3)
      continue;
    if (c->state == DISCLOSURE_SOURCE)
      dc.flags |= DISCLOSURE_CELL_SOURCE;
    if ((rc = disclosure_add_cell(b->disc, &dc, &c->disc)) != 0)
      return rc;
  }
  return summary_lines(b, &t->cells);
}

/* A line of one member: a cell of older equals its twin in newer when the
 * same ingests made both. */
static int link_versions(struct build *b, struct cells *older,
                         struct cells *newer) {
  for (size_t i = 0; i < newer->n; i++) {
    struct cell *x = &newer->v[i];
    struct cell *o = cells_find(older, x->measure, x->source, x->area, x->dims);
    int rc;

    if (o == NULL || !in_sums(o) || !in_sums(x) ||
        o->ingests_key != x->ingests_key)
      continue;
    if ((rc = disclosure_add_line(b->disc, &o->disc, 1, x->disc)) != 0)
      return rc;
  }
  return 0;
}

/* Where a period of the year sits: 0 the year, 1-2 halves, 3-6 quarters,
 * 7-18 months; children of slot s are the next level's parts. */
static int slot_of(const struct dahub_period *p) {
  switch (p->kind) {
  case DAHUB_PERIOD_HALF:
    return p->n;
  case DAHUB_PERIOD_QUARTER:
    return 2 + p->n;
  case DAHUB_PERIOD_MONTH:
    return 6 + p->n;
  default:
    return 0;
  }
}

static int children(int slot, int *out) {
  if (slot == 0) {
    out[0] = 1;
    out[1] = 2;
    return 2;
  }
  if (slot <= 2) {
    out[0] = 2 * slot + 1;
    out[1] = 2 * slot + 2;
    return 2;
  }
  if (slot <= 6) {
    for (int k = 0; k < 3; k++)
      out[k] = 7 + (slot - 3) * 3 + k;
    return 3;
  }
  return 0;
}

struct tiling {
  int n;
  int part[12]; /* slots, in month order */
};

static size_t tilings(struct cells *const *latest, int slot,
                      struct tiling *out);

/* The ways slot is tiled by published parts of its children, at most
 * MAX_TILINGS: the product of each child's own tilings. */
static size_t split(struct cells *const *latest, int slot, struct tiling *out) {
  struct tiling acc[MAX_TILINGS], sub[MAX_TILINGS], next[MAX_TILINGS];
  int kids[3], n_kids = children(slot, kids);
  size_t na = 1;

  if (n_kids == 0)
    return 0;
  acc[0].n = 0;
  for (int k = 0; k < n_kids; k++) {
    size_t ns = tilings(latest, kids[k], sub), nn = 0;

    for (size_t i = 0; i < na; i++)
      for (size_t j = 0; j < ns && nn < MAX_TILINGS; j++) {
        next[nn] = acc[i];
        memcpy(&next[nn].part[next[nn].n], sub[j].part,
               (size_t)sub[j].n * sizeof *sub[j].part);
        next[nn++].n += sub[j].n;
      }
    memcpy(acc, next, nn * sizeof *acc);
    na = nn;
  }
  memcpy(out, acc, na * sizeof *acc);
  return na;
}

/* The ways to tile slot: itself when published, or through its children. */
static size_t tilings(struct cells *const *latest, int slot,
                      struct tiling *out) {
  struct tiling rest[MAX_TILINGS];
  size_t n = 0, nr;

  if (latest[slot] != NULL)
    out[n++] = (struct tiling){.n = 1, .part = {slot}};
  nr = split(latest, slot, rest);
  for (size_t i = 0; i < nr && n < MAX_TILINGS; i++)
    out[n++] = rest[i];
  return n;
}

/* Each cell of period whole as the sum of its twins in a tiling's parts
 * (a level: as its twin in the last part). */
static int time_lines(struct build *b, struct cells *const *latest, int whole) {
  struct tiling ts[MAX_TILINGS];
  size_t n = split(latest, whole, ts);
  struct cells *w = latest[whole];

  for (size_t k = 0; k < n; k++)
    for (size_t i = 0; i < w->n; i++) {
      struct cell *c = &w->v[i];
      size_t members[12];
      int np = 0, rc;

      if (!in_sums(c))
        continue;
      for (int j = 0; j < ts[k].n; j++) {
        struct cell *x = cells_find(latest[ts[k].part[j]], c->measure,
                                    c->source, c->area, c->dims);

        if (x == NULL || !in_sums(x))
          break;
        members[np++] = x->disc;
      }
      if (np != ts[k].n)
        continue; /* a part without this figure: no line */
      rc = c->m->snapshot
               ? disclosure_add_line(b->disc, &members[np - 1], 1, c->disc)
               : disclosure_add_line(b->disc, members, (size_t)np, c->disc);
      if (rc != 0)
        return rc;
    }
  return 0;
}

/* The sums over time of every period latest holds. */
static int all_time_lines(struct build *b, struct cells *const *latest) {
  int rc = 0;

  for (int s = 0; rc == 0 && s < N_SLOTS; s++)
    if (latest[s] != NULL)
      rc = time_lines(b, latest, s);
  return rc;
}

/* Each cell of b's period as the sum of its twins in newest[1..n], the
 * boards' newest tables of that period (NULL: none published). */
static int region_lines(struct build *b, struct cells *const *newest, int n) {
  size_t *members = calloc((size_t)n + 1, sizeof *members);
  int rc = members == NULL ? -ENOMEM : 0;

  for (size_t i = 0; rc == 0 && i < b->cells.n; i++) {
    const struct cell *x = &b->cells.v[i];
    size_t np = 0;

    if (!in_sums(x))
      continue;
    for (int k = 1; k <= n; k++) {
      const struct cell *o =
          newest[k] == NULL
              ? NULL
              : cells_find(newest[k], x->measure, x->source, x->area, x->dims);

      if (o != NULL && in_sums(o))
        members[np++] = o->disc;
    }
    if (np > 0)
      rc = disclosure_add_line(b->disc, members, np, x->disc);
  }
  free(members);
  return rc;
}

/* A region's summary (env->region): what its boards published of the
 * year, as a reader of their own papers holds it beside the region's.
 * Each board's tables go in as that board's own audit puts them (fixed
 * cells, their lines, versions linked, sums over time, apart from the
 * other boards'), and each cell of the region's period is the sum of its
 * twins in the boards' newest versions of that period (a board without
 * the cell adds nothing to it; where that is not so the engine drops the
 * line). So adding up the boards' figures cannot undo a cell the region
 * hides. A board that published the period only as parts of others (a
 * year, its other quarters) is tied to the region's table through no
 * line. */
static int published_boards(struct build *b, const char *prefix,
                            struct dahub_error *err) {
  struct cells *latest[N_SLOTS] = {NULL}, **newest = NULL;
  struct tables ts;
  int rc, board = 0;

  if ((rc = load(b, prefix, NULL, 1, &ts, err)) != 0)
    return rc;
  if ((newest = calloc((size_t)ts.board + 1, sizeof *newest)) == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < ts.n; i++) {
    struct table *t = &ts.v[i];

    if (t->board != board) { /* a board's tables end: its sums over time */
      if ((rc = all_time_lines(b, latest)) != 0)
        goto out;
      memset(latest, 0, sizeof latest);
      board = t->board;
    }
    if ((rc = add_table(b, t)) != 0)
      goto out;
    if (i > 0 && ts.v[i - 1].board == board &&
        strcmp(ts.v[i - 1].period, t->period) == 0 &&
        (rc = link_versions(b, &ts.v[i - 1].cells, &t->cells)) != 0)
      goto out;
    latest[slot_of(&t->p)] = &t->cells;
    if (strcmp(t->period, b->id) == 0)
      newest[board] = &t->cells;
  }
  if ((rc = all_time_lines(b, latest)) == 0)
    rc = region_lines(b, newest, ts.board);
out:
  free(newest);
  tables_free(&ts);
  return rc;
}

int published_context(struct build *b, struct dahub_error *err) {
  struct dahub_period fy = {.fy = b->period.fy, .kind = DAHUB_PERIOD_YEAR};
  struct cells *latest[N_SLOTS] = {NULL};
  char prefix[DAHUB_PERIOD_ID_MAX];
  struct table *mine = NULL; /* the newest earlier version of b's period */
  struct tables ts;
  int rc;

  dahub_period_format(&fy, prefix);
  if ((rc = load(b, prefix, NULL, 0, &ts, err)) != 0)
    return rc;
  for (size_t i = 0; i < b->cells.n; i++)
    if ((b->cells.v[i].ingests_key =
             published_ingests_key(b, &b->cells.v[i])) == NULL) {
      rc = -ENOMEM;
      goto out;
    }
  for (size_t i = 0; i < ts.n; i++) {
    struct table *t = &ts.v[i];

    if ((rc = add_table(b, t)) != 0)
      goto out;
    /* tables come by period, then version: the last one seen is newest */
    if (i > 0 && strcmp(ts.v[i - 1].period, t->period) == 0 &&
        (rc = link_versions(b, &ts.v[i - 1].cells, &t->cells)) != 0)
      goto out;
    latest[slot_of(&t->p)] = &t->cells;
    if (strcmp(t->period, b->id) == 0)
      mine = t;
  }
  if (mine != NULL && (rc = link_versions(b, &mine->cells, &b->cells)) != 0)
    goto out;
  latest[slot_of(&b->period)] = &b->cells;
  if ((rc = all_time_lines(b, latest)) == 0 && b->env->region)
    rc = published_boards(b, prefix, err);
out:
  tables_free(&ts);
  return rc;
}

int published_latest(struct build *b, const struct dahub_period *p,
                     struct cells *t, struct dahub_error *err) {
  char id[DAHUB_PERIOD_ID_MAX];
  struct tables ts;
  int rc;

  memset(t, 0, sizeof *t);
  dahub_period_format(p, id);
  if ((rc = load(b, id, id, 0, &ts, err)) != 0)
    return rc;
  if (ts.n > 0) { /* versions ascend: the last is newest; keep it */
    *t = ts.v[ts.n - 1].cells;
    ts.n--;
  }
  tables_free(&ts);
  return 0;
}
