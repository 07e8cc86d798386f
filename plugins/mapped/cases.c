/*
 * cases.c: the "cases" layout: one case per row, counted (see cases.h).
 *
 * Some partners send a case-level extract, one row per case, rather than
 * figures; the mapping says what to count (the language is in
 * cases_options.c). On the reader's thread, cases_ahead.c works out each
 * row's HMAC and codes ahead; this file counts each row into figures, on
 * parse()'s thread.
 *
 * Each count counts the rows whose date column holds a date, in the period
 * holding that date (a blank date: not counted, as an open case has no
 * closed date), by service and area: one figure with no breakdown, and one
 * per value of each dimension in "by" (one-way breakdowns, each adding up
 * to the figure). Dimensions that are fixed or read from a cell go on every
 * figure. With "distinct", a case reference counts once per figure however
 * many rows it has.
 *
 * The case reference is cases_ahead.c's, which keeps only its HMAC.
 *
 * Figures are added up in memory (agg.c) and emitted when the file ends,
 * each pointing at the first row that counted towards it. The plugin
 * cannot see the vocabulary's synonyms, so every field it groups by must
 * list its labels in "values" (two spellings of one district must not make
 * two figures); mapping.c insists.
 * What happens to them then is cases_emit.c's.
 */
#include "cases.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/period.h"
#include "dahub/plugin.h"

#include "agg.h"
#include "cases_ahead.h"
#include "cases_emit.h"
#include "figtab.h"
#include "memo.h"
#include "resolve.h"
#include "run.h"

#define PERIOD_CACHE 64 /* a file spans a few dozen periods at most */

/* A period's id, formatted once: snprintf for each row was a tenth of the
 * time. Direct-mapped by year and number; a clash formats again. */
struct period_id {
  int fy, n, used;
  uint16_t code; /* DATE_FIRST + fy * 16 + n */
  size_t len;
  uint64_t hash; /* agg_text_hash() of id */
  char id[DAHUB_PERIOD_ID_MAX];
};

#define FIG_SHARED 2 /* a row's own fields: its service and area */

#define FIG_USED ((uint64_t)1 << 63) /* in every key: 0 is an empty slot */

#define FIG_BY ((uint64_t)1 << 62) /* in a breakdown's key */

struct cases_run {
  struct agg agg;
  size_t ref_col;
  struct cases_prep *prep;
  size_t date_col[CASES_MAX_COUNTS];
  struct period_id period[PERIOD_CACHE];
  struct figtab fig; /* figures by a key of one word (figtab.h) */
  /* The fields read from a column that every figure of a row shares. */
  size_t shared[FIG_SHARED], n_shared;
};

/* What cases_row knows of a row's fields. */
struct row_fields {
  const char *val[MAP_MAX_FIELDS];
  const struct map_target *tg[MAP_MAX_FIELDS];
  int have[MAP_MAX_FIELDS];      /* 1: shared by every figure; 2: a breakdown */
  int raw[MAP_MAX_FIELDS];       /* the value is the cell's own text */
  uint16_t code[MAP_MAX_FIELDS]; /* column fields: the value's (memo.h) */
  const char *service;           /* the row's service, a label may set it */
  int service_raw;
  struct agg_key key; /* 1 KiB: once per row, not once per count */
};

/* ---- One file ---- */

/* 1 when every figure of a row carries field f: the service, the area,
 * and dimensions that are fixed or read from a cell (not a breakdown's). */
static int shared_field(const struct mapping *m, size_t f) {
  return f != MAP_PERIOD && f != MAP_MEASURE && f != MAP_YEAR &&
         (f < MAP_FIRST_DIM || m->field[f].src != MAP_COLUMN);
}

int cases_begin(struct run *r) {
  const struct map_cases *c = r->m->cases;
  size_t f;

  if ((r->cases = calloc(1, sizeof *r->cases)) == NULL ||
      (r->cases->prep = cases_prep_new(r)) == NULL)
    return dahub_error_set(r->err, -ENOMEM, 0, 0, "out of memory");
  agg_init(&r->cases->agg, c->max_groups, c->max_references);
  figtab_init(&r->cases->fig); /* or slower */
  /* Dimensions read from a column are breakdowns, so a row's own shared
   * fields can only be its service and its area. */
  for (f = 0; f < MAP_FIRST_DIM && f < r->m->n_fields; f++)
    if (shared_field(r->m, f) && r->m->field[f].src == MAP_COLUMN)
      r->cases->shared[r->cases->n_shared++] = f;
  return 0;
}

void cases_free(struct run *r) {
  if (r->cases == NULL)
    return;
  agg_close(&r->cases->agg);
  cases_prep_free(r->cases->prep);
  figtab_close(&r->cases->fig);
  free(r->cases);
  r->cases = NULL;
}

int cases_header(struct run *r, const struct dahub_csv_row *row) {
  const struct map_cases *c = r->m->cases;
  size_t i;
  int rc;

  r->cases->ref_col = NO_COL;
  if (c->reference != NULL &&
      (rc = mapped_find_column(r, row, c->reference, &r->cases->ref_col)) != 0)
    return rc;
  for (i = 0; i < c->n_count; i++)
    if ((rc = mapped_find_column(r, row, c->count[i].date,
                                 &r->cases->date_col[i])) != 0)
      return rc;
  cases_prep_start(r->cases->prep, r, r->cases->ref_col, r->cases->date_col);
  return 0;
}

void *cases_prepare_arg(const struct run *r) { return r->cases->prep; }

/* Field f of this row in rf: fixed, from a cell, or from its column (1, 0
 * to leave the row out, or an error, as mapped_resolve()). A column's
 * text is resolved by mapped_resolve(), the one path, with the code the
 * reader's thread worked out, if any, as its cache. */
static int field_value(struct run *r, const struct dahub_csv_row *row, size_t f,
                       struct row_fields *rf) {
  const struct map_field *mf = &r->m->field[f];
  const uint16_t *ahead = ahead_of(r);
  const char *text;
  size_t len;
  int rc;

  rf->tg[f] = NULL;
  rf->raw[f] = 0;
  rf->code[f] = MEMO_AHEAD_NONE;
  switch (mf->src) {
  case MAP_FIXED:
    rf->val[f] = mf->text;
    return 1;
  case MAP_CELL:
    rf->val[f] = r->cell[f];
    rf->tg[f] = r->cell_target[f];
    return 1;
  case MAP_COLUMN:
    if (ahead != NULL)
      rf->code[f] = ahead[f];
    text = mapped_cell(r, row, r->col[f], &len);
    rc = mapped_resolve(r, f, text, len, row->line, r->col[f], &rf->val[f],
                        &rf->tg[f], &rf->code[f]);
    rf->raw[f] = rc == 1 && rf->val[f] == text;
    return rc;
  default:
    rf->val[f] = NULL;
    return 1;
  }
}

/* The figure named by key, made if new (remembering this row's place). */
static int figure(struct run *r, const struct dahub_csv_row *row,
                  const struct agg_key *key, uint32_t col, size_t *index) {
  const struct map_cases *c = r->m->cases;
  int rc = agg_group(&r->cases->agg, key, row->line, col, index);

  if (rc == -E2BIG)
    return dahub_error_set(r->err, rc, row->line, col,
                           "more than %" PRIu64 " figures in one file "
                           "(options.cases.max_groups)",
                           c->max_groups);
  if (rc == -EINVAL)
    return dahub_error_set(r->err, rc, row->line, col,
                           "a figure's name is too long (codes longer than "
                           "1 KiB)");
  if (rc != 0)
    return dahub_error_set(r->err, rc, row->line, col, "out of memory");
  return 0;
}

/* One more case for figure index; with ref, recorded for the distinct
 * count that cases_end makes. */
static int count_one(struct run *r, const struct dahub_csv_row *row,
                     size_t index, uint32_t col, const uint8_t *ref) {
  struct agg *a = &r->cases->agg;
  int rc = ref != NULL ? agg_add_distinct(a, index, ref) : agg_add(a, index, 1);

  if (rc == 0)
    return 0;
  if (rc == -E2BIG) /* agg_add_distinct's bound on pairs recorded */
    return dahub_error_set(r->err, rc, row->line, col,
                           "more than %" PRIu64 " case references to count "
                           "in one file, repeats included (%d times "
                           "options.cases.max_references)",
                           a->max_recorded, AGG_RECORD_FACTOR);
  if (rc == -ENOMEM)
    return dahub_error_set(r->err, rc, row->line, col, "out of memory");
  if (rc == -EOVERFLOW)
    return dahub_error_set(r->err, rc, row->line, col,
                           "too many cases for one figure");
  /* not the file's fault (a full disk, no temporary folder): retried */
  return dahub_error_set(r->err, -EAGAIN, row->line, col,
                         "could not spill distinct case references to a "
                         "temporary file: %s",
                         strerror(-rc));
}

/* Appends the fixed dimensions a label's target adds. */
static void key_target_dims(struct agg *a, struct agg_key *k,
                            const struct map_target *t) {
  size_t i;

  for (i = 0; t != NULL && i < t->dims.n; i++) {
    agg_key_add_stable(a, k, t->dims.p[i].key);
    agg_key_add_stable(a, k, t->dims.p[i].val);
  }
}

/* Appends a field's value: remembered by address unless it is the row's. */
static void key_value(struct agg *a, struct agg_key *k, const char *v,
                      int row_text) {
  if (row_text)
    agg_key_add(k, v);
  else
    agg_key_add_stable(a, k, v);
}

/* The id of period p (of the mapping's kind), from the cache. */
static const struct period_id *period_id(struct run *r,
                                         const struct dahub_period *p) {
  unsigned slot = ((unsigned)p->fy * 13u + (unsigned)p->n) % PERIOD_CACHE;
  struct period_id *e = &r->cases->period[slot];

  if (!e->used || e->fy != p->fy || e->n != p->n) {
    dahub_period_format(p, e->id);
    e->len = strlen(e->id);
    e->hash = agg_text_hash(e->id, e->len);
    e->fy = p->fy;
    e->n = p->n;
    e->code = date_code(p);
    e->used = 1;
  }
  return e;
}

/* The date of count k in this row: 1 with its period's id in *out, 0 when
 * blank (not counted), negative on a bad date. */
static int count_period(struct run *r, const struct dahub_csv_row *row,
                        size_t k, const struct period_id **out) {
  const struct map_count *c = &r->m->cases->count[k];
  const uint16_t *ahead = ahead_of(r);
  uint16_t code = ahead != NULL ? ahead[r->m->n_fields + k] : DATE_NONE;
  size_t j = r->cases->date_col[k], len;
  const char *text;
  struct dahub_period p;
  int rc;

  /* The code worked out ahead is cases_date_code()'s, cached; without
   * one, the same call reads the cell as a person sees it (filled down),
   * and a bad date is an error here. */
  if (code == DATE_NONE) {
    text = mapped_cell(r, row, j, &len);
    if ((rc = cases_date_code(text, len, r->m->cases->period, &code)) != 0)
      return mapped_date_error(r, row->line, j, c->date, rc, text,
                               "31/05/2024 or 2024-05-31");
  }
  if (code == DATE_BLANK)
    return 0;
  date_of_code(code, r->m->cases->period, &p);
  *out = period_id(r, &p);
  return 1;
}

/* The row's share of a figure's key: service, area, and dimensions that
 * are fixed or read from a cell, with their labels' fixed dimensions. */
static void key_row_part(struct run *r, struct agg_key *key,
                         const struct row_fields *rf) {
  const struct mapping *m = r->m;
  struct agg *a = &r->cases->agg;
  size_t f;

  key_value(a, key, rf->service, rf->service_raw);
  key_value(a, key, rf->val[MAP_AREA], rf->raw[MAP_AREA]);
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++)
    if (rf->have[f] == 1) {
      agg_key_add_stable(a, key, m->field[f].name);
      key_value(a, key, rf->val[f], rf->raw[f]);
    }
  for (f = 0; f < m->n_fields; f++)
    if (rf->have[f] == 1)
      key_target_dims(a, key, rf->tg[f]);
}

/* The key of count cnt's figure for the period and the row, marked where
 * a breakdown would extend it. */
static void key_figure(struct run *r, struct agg_key *key,
                       const struct map_count *cnt,
                       const struct period_id *period,
                       const struct row_fields *rf, struct agg_mark *mark) {
  agg_key_start(key);
  agg_key_add_stable(&r->cases->agg, key, cnt->measure);
  agg_key_add_hashed(key, period->id, period->len, period->hash);
  key_row_part(r, key, rf);
  agg_key_mark(key, mark);
}

/* The key of count k's figure in the period, or 0: a code kept as written. */
static uint64_t fig_key(const struct cases_run *c, size_t k,
                        const struct period_id *period,
                        const struct row_fields *rf) {
  uint64_t key = FIG_USED | (uint64_t)k << 48 | (uint64_t)period->code << 32;
  size_t i;

  for (i = 0; i < c->n_shared; i++) {
    if (rf->code[c->shared[i]] == MEMO_AHEAD_NONE)
      return 0;
    key |= (uint64_t)rf->code[c->shared[i]] << (16 * i);
  }
  return key;
}

/* The key of figure base's breakdown by field f, or 0. */
static uint64_t fig_by_key(size_t base, size_t f, uint16_t code) {
  if (code == MEMO_AHEAD_NONE || base >= (size_t)1 << 24)
    return 0;
  return FIG_USED | FIG_BY | (uint64_t)base << 24 | (uint64_t)f << 16 | code;
}

/* Counts the row for count k in the period's figure, then in each of its
 * breakdowns. 0, 1 when a label leaves the rest of the row out, or an
 * error. */
static int count_row(struct run *r, const struct dahub_csv_row *row,
                     struct row_fields *rf, size_t k,
                     const struct period_id *period, const uint8_t *ref) {
  const struct mapping *m = r->m;
  const struct map_count *cnt = &m->cases->count[k];
  struct cases_run *c = r->cases;
  struct agg *a = &c->agg;
  uint32_t col = (uint32_t)(c->date_col[k] + 1);
  struct agg_key *key = &rf->key;
  struct agg_mark mark;
  size_t f, b, base, index;
  uint64_t fk = fig_key(c, k, period, rf);
  int built = 0, rc;

  if (!figtab_find(&c->fig, fk, &base)) {
    key_figure(r, key, cnt, period, rf, &mark);
    built = 1;
    if ((rc = figure(r, row, key, col, &base)) != 0)
      return rc;
    figtab_keep(&c->fig, fk, base);
  }
  if ((rc = count_one(r, row, base, col, ref)) != 0)
    return rc;
  for (b = 0; b < cnt->n_by; b++) {
    f = cnt->by[b];
    if (!rf->have[f]) { /* read a breakdown only for a row that counts */
      if ((rc = field_value(r, row, f, rf)) <= 0)
        return rc < 0 ? rc : 1; /* a label leaves the row out */
      rf->have[f] = 2;
    }
    fk = fig_by_key(base, f, rf->code[f]);
    if (!figtab_find(&c->fig, fk, &index)) {
      if (!built) { /* the figure's key, which each breakdown extends */
        key_figure(r, key, cnt, period, rf, &mark);
        built = 1;
      }
      agg_key_rewind(key, &mark);
      agg_key_add_stable(a, key, m->field[f].name);
      key_value(a, key, rf->val[f], rf->raw[f]);
      key_target_dims(a, key, rf->tg[f]);
      if ((rc = figure(r, row, key, col, &index)) != 0)
        return rc;
      figtab_keep(&c->fig, fk, index);
    }
    if ((rc = count_one(r, row, index, col, ref)) != 0)
      return rc;
  }
  return 0;
}

int cases_row(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const struct map_cases *c = m->cases;
  struct row_fields rf;
  uint8_t ref[32];
  int have_ref = 0, rc = 0;
  size_t f, k;

  if (mapped_row_skipped(r, row, ahead_of(r)))
    return 0;
  /* The mapping's fields only: half a KiB of memset for all that might be
   * was a tenth of this function's time. */
  memset(rf.have, 0, m->n_fields * sizeof rf.have[0]);
  memset(rf.val, 0, m->n_fields * sizeof rf.val[0]);
  memset(rf.tg, 0, m->n_fields * sizeof rf.tg[0]);
  /* What every figure of this row shares: service, area, and dimensions
   * that are fixed or read from a cell. */
  for (f = 0; f < m->n_fields; f++) {
    if (!shared_field(m, f))
      continue;
    if ((rc = field_value(r, row, f, &rf)) <= 0)
      goto out;
    rf.have[f] = 1;
  }
  rf.service = rf.val[MAP_SERVICE];
  rf.service_raw = rf.raw[MAP_SERVICE];
  for (f = 0; f < m->n_fields; f++)
    if (rf.tg[f] != NULL && rf.tg[f]->service_id != NULL) {
      rf.service = rf.tg[f]->service_id;
      rf.service_raw = 0;
    }
  for (k = 0; k < c->n_count; k++) {
    const struct period_id *period = NULL;

    if ((rc = count_period(r, row, k, &period)) <= 0 || period == NULL) {
      if (rc < 0)
        goto out;
      continue;
    }
    if (c->count[k].distinct && !have_ref) {
      if ((rc = cases_reference(r, row, r->cases->ref_col, ref)) != 0)
        goto out;
      have_ref = 1;
    }
    if ((rc = count_row(r, row, &rf, k, period,
                        c->count[k].distinct ? ref : NULL)) != 0)
      goto out;
  }
out:
  explicit_bzero(ref, sizeof ref);
  return rc < 0 ? rc : 0;
}

int cases_end(struct run *r) { return cases_emit(r, &r->cases->agg); }
