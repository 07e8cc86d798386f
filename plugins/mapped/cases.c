/*
 * cases.c: the "cases" layout: one case per row, counted (see cases.h).
 *
 * Some partners send a case-level extract, one row per case, rather than
 * figures. The mapping says what to count:
 *
 *   "layout": "cases",
 *   "columns": {"service_id": "service", "area": "district",
 *     "dimensions": {"risk_level": "dash_risk_at_intake",
 *       "age_band": {"column": "age_at_referral",
 *                    "bands": ["0-5", "6-10", ..., "85+"],
 *                    "blank": "not_known"}}},
 *   "values": {"area": {"Leicester City": "E06000016", "": "X_UNKNOWN"},
 *              "risk_level": {"High": "high", "": "not_assessed"}, ...},
 *   "cases": {
 *     "reference": "client_ref",   the case reference (distinct counts)
 *     "period": "quarter",         "month", "half" or "year"
 *     "periods": "latest",         or "all" (default): see below
 *     "count": [
 *       {"measure": "referrals_received", "date": "referral_date",
 *        "by": ["age_band", "risk_level"]},
 *       {"measure": "individuals_supported", "date": "date_first_contact",
 *        "distinct": true}],
 *     "max_references": 10000000,  (reference, figure) pairs kept
 *     "max_groups": 100000}        figures kept
 *
 * Each count counts the rows whose date column holds a date, in the period
 * holding that date (a blank date: not counted, as an open case has no
 * closed date), by service and area: one figure with no breakdown, and one
 * per value of each dimension in "by" (one-way breakdowns, each adding up
 * to the figure). Dimensions that are fixed or read from a cell go on every
 * figure. With "distinct", a case reference counts once per figure however
 * many rows it has.
 *
 * The case reference never leaves this file: it is passed straight to
 * host->pseudonymise (HMAC-SHA256 under the feed's key), and of the 32
 * bytes that come back only a 64-bit fingerprint is kept (agg.c), in memory
 * or an unlinked temporary file, until the file ends. It is not emitted,
 * logged, or quoted in any error.
 *
 * Figures are added up in memory (agg.c) and emitted when the file ends,
 * each pointing at the first row that counted towards it. The plugin
 * cannot see the vocabulary's synonyms, so every field it groups by must
 * list its labels in "values" (two spellings of one district must not make
 * two figures); mapping.c insists.
 *
 * "periods": "latest" keeps only the latest period found in the file, and
 * warns how many figures for earlier periods were left out: an extract of
 * the cases open in Q2 also holds cases referred in Q1, whose count would
 * otherwise replace the Q1 figures from the Q1 extract.
 */
#include "cases.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/period.h"
#include "dahub/plugin.h"

#include "agg.h"
#include "dates.h"
#include "fields.h"
#include "memo.h"
#include "options.h"
#include "resolve.h"
#include "run.h"

#define MAX_COUNTS 64
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

/* A figure found again by a key of one word, without building its text.
 * A file has few figures and many rows, and what tells a row's figures
 * apart, besides what the whole file shares (fixed fields, cells above
 * the header), is a few small numbers: the count, the period, and the
 * codes (memo.h) of the row's own fields, its service and area; for a
 * breakdown, the figure's number, the field and its code. Building the
 * key and looking it up was a fifth of the time of a case-level file. An
 * open-addressed table of slots of a key and a group, kept at most half
 * full. A figure
 * with a code kept as written, which has no number, is found by building
 * its key each time. */
#define FIG_SLOTS 4096 /* a power of two */
#define FIG_KEEP (FIG_SLOTS / 2)
#define FIG_SHARED 2 /* a row's own fields: its service and area */
#define FIG_USED ((uint64_t)1 << 63) /* in every key: 0 is an empty slot */
#define FIG_BY ((uint64_t)1 << 62)   /* in a breakdown's key */

struct fig_slot {
  uint64_t key;
  size_t group;
};

/* What cases_prepare() reads on the CSV reader's thread: cache lines of
 * their own, which this thread writes once, when the header is read, and
 * publishes through ready. In struct run, which this thread writes on
 * every row, each read missed. The memo is the reader thread's alone. */
struct cases_prep {
  _Alignas(64) const struct dahub_host *host;
  struct dahub_ctx *ctx;
  const struct mapping *m;
  struct memo *memo;
  atomic_int ready; /* 1: the header is read, what follows is set */
  size_t ref_col;   /* the reference to hash, or NO_COL: none */
  size_t field_col[MAP_MAX_FIELDS]; /* fields worked out ahead, or NO_COL */
  size_t count_col[MAX_COUNTS];     /* each count's date column, or NO_COL */
};

/* What cases_prepare() writes for a row, as row->prepared: the HMAC of its
 * case reference, then 16-bit codes, one per field of the mapping (memo.h)
 * and one per count: its date's period. The row's own thread need only
 * look them up. */
struct cases_ahead {
  uint8_t ref[AGG_REF_BYTES]; /* of the HMAC: what a count keeps of it */
  uint8_t has_ref;
  uint16_t code[]; /* m->n_fields, then m->cases->n_count */
};

_Static_assert(sizeof(struct cases_ahead) + 2 * (MAP_MAX_FIELDS + MAX_COUNTS) <=
                   DAHUB_CSV_PREPARE_MAX,
               "the codes of a row fit what the CSV reader carries");

/* A count's date ahead: not worked out, blank, or DATE_FIRST plus the
 * period's financial year * 16 plus its number (the years periods take,
 * 1900 to 2999, fit). */
#define DATE_NONE 0
#define DATE_BLANK 1
#define DATE_FIRST 2

static uint16_t date_code(const struct dahub_period *p) {
  return (uint16_t)(DATE_FIRST + p->fy * 16 + p->n);
}

static void date_of_code(uint16_t code, enum dahub_period_kind kind,
                         struct dahub_period *p) {
  p->kind = kind;
  p->fy = (code - DATE_FIRST) / 16;
  p->n = (code - DATE_FIRST) % 16;
}

/* The row's codes worked out ahead, or NULL. */
static const uint16_t *ahead_of(const struct dahub_csv_row *row) {
  const struct cases_ahead *a = row->prepared;

  return a != NULL ? a->code : NULL;
}

struct cases_run {
  struct agg agg;
  size_t ref_col;
  struct cases_prep *prep;
  size_t date_col[MAX_COUNTS];
  struct period_id period[PERIOD_CACHE];
  struct fig_slot *fig; /* FIG_SLOTS, or NULL: every key is built */
  size_t n_fig;
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

/* ---- Options ---- */

static int one_count(struct mapping *m, struct map_count *c, const json_t *v,
                     const char *path, struct dahub_error *err) {
  static const char *const keys[] = {"measure", "date", "by", "distinct", NULL};
  const json_t *by = json_object_get(v, "by"), *d;
  char sub[MAP_PATH_MAX], item[MAP_PATH_MAX];
  size_t i, f;
  int rc;

  if (!json_is_object(v))
    return opt_bad_type(err, path, "an object", v);
  if ((rc = opt_only_keys(v, path, keys, err)) != 0 ||
      (rc = opt_join(sub, path, "measure", err)) != 0 ||
      (rc = opt_string(json_object_get(v, "measure"), sub, &c->measure, err)) !=
          0 ||
      (rc = opt_join(sub, path, "date", err)) != 0 ||
      (rc = opt_string(json_object_get(v, "date"), sub, &c->date, err)) != 0 ||
      (rc = opt_join(sub, path, "by", err)) != 0)
    return rc;
  if (by != NULL && (!json_is_array(by) || json_array_size(by) > MAP_MAX_DIMS))
    return opt_bad_type(err, sub, "an array of dimension names", by);
  for (i = 0; i < json_array_size(by); i++) {
    if (snprintf(item, sizeof item, "%s[%zu]", sub, i) >= (int)sizeof item)
      return opt_bad(err, sub, "path too long");
    if (!json_is_string(json_array_get(by, i)))
      return opt_bad_type(err, item, "a dimension name", json_array_get(by, i));
    if ((rc = fields_get(m, json_string_value(json_array_get(by, i)), 0, item,
                         &f, err)) != 0)
      return rc;
    if (f < MAP_FIRST_DIM || m->field[f].src != MAP_COLUMN)
      return opt_bad(err, item,
                     "expected a dimension read from a column "
                     "(options.columns.dimensions)");
    c->by[c->n_by++] = f;
  }
  d = json_object_get(v, "distinct");
  if (d != NULL && !json_is_boolean(d)) {
    if ((rc = opt_join(sub, path, "distinct", err)) == 0)
      rc = opt_bad_type(err, sub, "true or false", d);
    return rc;
  }
  c->distinct = json_is_true(d);
  return 0;
}

int cases_options(struct mapping *m, const json_t *v, struct dahub_error *err) {
  static const char *const keys[] = {
      "reference",      "period",     "periods", "count",
      "max_references", "max_groups", NULL};
  struct map_cases *c;
  const json_t *count, *p;
  char path[MAP_PATH_MAX];
  size_t i, k, f;
  int rc;

  if (v == NULL)
    return opt_bad(err, "options.cases", "missing: a cases layout needs it");
  if (!json_is_object(v))
    return opt_bad_type(err, "options.cases", "an object", v);
  if ((rc = opt_only_keys(v, "options.cases", keys, err)) != 0)
    return rc;
  if ((m->cases = c = calloc(1, sizeof *c)) == NULL)
    return opt_nomem(err);
  if (json_object_get(v, "reference") != NULL &&
      (rc = opt_string(json_object_get(v, "reference"),
                       "options.cases.reference", &c->reference, err)) != 0)
    return rc;
  if ((rc = opt_period_kind(json_object_get(v, "period"),
                            "options.cases.period", &c->period, err)) != 0 ||
      (rc = opt_uint(json_object_get(v, "max_references"),
                     "options.cases.max_references", 1, 100000000, 10000000,
                     &c->max_references, err)) != 0 ||
      (rc = opt_uint(json_object_get(v, "max_groups"),
                     "options.cases.max_groups", 1, 10000000, 100000,
                     &c->max_groups, err)) != 0)
    return rc;
  if ((p = json_object_get(v, "periods")) != NULL) {
    if (!json_is_string(p) || (strcmp(json_string_value(p), "all") != 0 &&
                               strcmp(json_string_value(p), "latest") != 0))
      return opt_bad_type(err, "options.cases.periods", "\"all\" or \"latest\"",
                          p);
    c->latest = strcmp(json_string_value(p), "latest") == 0;
  }
  count = json_object_get(v, "count");
  if (!json_is_array(count) || json_array_size(count) == 0 ||
      json_array_size(count) > MAX_COUNTS)
    return opt_bad_type(err, "options.cases.count",
                        "an array of 1 to 64 counts", count);
  if ((c->count = calloc(json_array_size(count), sizeof *c->count)) == NULL)
    return opt_nomem(err);
  for (i = 0; i < json_array_size(count); i++) {
    (void)snprintf(path, sizeof path, "options.cases.count[%zu]", i);
    c->n_count = i + 1;
    if ((rc = one_count(m, &c->count[i], json_array_get(count, i), path,
                        err)) != 0)
      return rc;
    if (c->count[i].distinct && c->reference == NULL)
      return opt_bad(err, path,
                     "a distinct count needs options.cases.reference");
  }
  if (m->field[MAP_AREA].src == MAP_NONE)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "options: nothing gives area (add it to columns, "
                           "cells or fixed)");
  /* A dimension column no count uses is most likely a typo. */
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++) {
    int used = m->field[f].src != MAP_COLUMN;

    for (i = 0; !used && i < c->n_count; i++)
      for (k = 0; k < c->count[i].n_by; k++)
        used |= c->count[i].by[k] == f;
    if (!used)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "options.columns.dimensions.%s: no count "
                             "breaks down by it (add it to a count's \"by\")",
                             m->field[f].name);
  }
  return 0;
}

void cases_options_free(struct map_cases *c) {
  size_t i;

  if (c == NULL)
    return;
  for (i = 0; i < c->n_count; i++) {
    free(c->count[i].measure);
    free(c->count[i].date);
  }
  free(c->count);
  free(c->reference);
  free(c);
}

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
      (r->cases->prep = aligned_alloc(64, sizeof *r->cases->prep)) == NULL)
    return dahub_error_set(r->err, -ENOMEM, 0, 0, "out of memory");
  agg_init(&r->cases->agg, c->max_groups, c->max_references);
  r->cases->prep->host = r->host;
  r->cases->prep->ctx = r->ctx;
  r->cases->prep->m = r->m;
  r->cases->prep->memo = memo_new(r->m); /* or slower */
  atomic_init(&r->cases->prep->ready, 0);
  r->cases->fig = calloc(FIG_SLOTS, sizeof *r->cases->fig); /* or slower */
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
  if (r->cases->prep != NULL)
    memo_free(r->cases->prep->memo);
  free(r->cases->prep);
  free(r->cases->fig);
  free(r->cases);
  r->cases = NULL;
}

/* 1 when some count is distinct, and so needs every row's HMAC. */
int cases_distinct(const struct map_cases *c) {
  size_t i;

  for (i = 0; c != NULL && i < c->n_count; i++)
    if (c->count[i].distinct)
      return 1;
  return 0;
}

static int can_pseudonymise(const struct dahub_host *h) {
  return h->struct_size >= offsetof(struct dahub_host, pseudonymise) +
                               sizeof h->pseudonymise &&
         h->pseudonymise != NULL;
}

/* 1 when column j is a fill_down column: a blank cell there takes the
 * text above, which only the row's own thread knows. */
static int filled_down(const struct run *r, size_t j) {
  size_t k;

  for (k = 0; k < r->m->n_fill_down; k++)
    if (r->fill_col[k] == j)
      return 1;
  return 0;
}

/* Tells cases_prepare() which cells to work out ahead, and starts it. */
static void prep_start(struct run *r) {
  const struct mapping *m = r->m;
  struct cases_prep *p = r->cases->prep;
  size_t f, k;

  p->ref_col = cases_distinct(m->cases) && can_pseudonymise(r->host)
                   ? r->cases->ref_col
                   : NO_COL;
  for (f = 0; f < m->n_fields; f++) {
    const struct map_field *mf = &m->field[f];

    p->field_col[f] = NO_COL;
    if (f != MAP_PERIOD && f != MAP_MEASURE && f != MAP_YEAR &&
        mf->src == MAP_COLUMN && (mf->bands != NULL || mf->has_values) &&
        !filled_down(r, r->col[f]))
      p->field_col[f] = r->col[f];
  }
  for (k = 0; k < m->cases->n_count; k++)
    p->count_col[k] =
        filled_down(r, r->cases->date_col[k]) ? NO_COL : r->cases->date_col[k];
  atomic_store_explicit(&p->ready, 1, memory_order_release);
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
  prep_start(r);
  return 0;
}

/* Cell j of a row as mapped_cell() reads it, for a column that is not
 * filled down. */
static const char *cell_of(const struct dahub_csv_row *row, size_t j,
                           size_t *len) {
  *len = j < row->n ? row->len[j] : 0;
  return j < row->n ? row->field[j] : "";
}

/* Field f of this row in rf: fixed, from a cell, or resolved from its
 * column, as mapped_resolve() (1, 0 to leave the row out, or an error).
 * A column's value comes from its code, worked out ahead or now; only
 * what has none (an error, a code kept as written, which is the cell's
 * own text and lives only as long as the row) is resolved the long way. */
static int field_value(struct run *r, const struct dahub_csv_row *row, size_t f,
                       struct row_fields *rf) {
  const struct map_field *mf = &r->m->field[f];
  const uint16_t *ahead = ahead_of(row);
  const char *text = NULL;
  uint16_t code = ahead != NULL ? ahead[f] : MEMO_AHEAD_NONE;
  size_t len = 0;
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
    /* cases_prepare() reads the cells it may; the same here, without the
     * blank check mapped_cell() makes for cells filled down */
    if (code == MEMO_AHEAD_NONE && r->cases->prep->field_col[f] != NO_COL) {
      text = cell_of(row, r->col[f], &len);
      code = memo_ahead(r->memo, r->m, f, text, len);
    }
    rf->code[f] = code;
    if ((rc = memo_from_ahead(r->m, f, code, &rf->val[f], &rf->tg[f])) >= 0)
      return rc;
    if (text == NULL)
      text = mapped_cell(r, row, r->col[f], &len);
    rc = mapped_resolve(r, f, text, len, row->line, r->col[f], &rf->val[f],
                        &rf->tg[f]);
    rf->raw[f] = rc == 1 && rf->val[f] == text;
    return rc;
  default:
    rf->val[f] = NULL;
    return 1;
  }
}

/* A case reference without the spaces around it: *e - *s bytes. */
static void trim_reference(const char *text, size_t len, const char **s,
                           const char **e) {
  *s = text;
  *e = text + len;
  while (*s < *e && (**s == ' ' || **s == '\t'))
    ++*s;
  while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
    --*e;
}

/* The code of a count's date (DATE_*): blank or not, and with read, its
 * period's, if it has one. */
static uint16_t date_ahead(const struct dahub_csv_row *row, size_t j,
                           enum dahub_period_kind kind, int read) {
  struct dahub_period p;
  const char *text;
  size_t len;
  int y, m, d;

  if (j == NO_COL)
    return DATE_NONE;
  text = cell_of(row, j, &len);
  if (mapped_blank(text, len))
    return DATE_BLANK;
  if (!read || dates_parse(text, len, &y, &m, &d) != 0 ||
      dahub_period_of_date(y, m, d, kind, &p) != 0 || p.fy < 0 ||
      p.fy > (UINT16_MAX - DATE_FIRST - 15) / 16)
    return DATE_NONE;
  return date_code(&p);
}

/* The work on a row that the CSV reader's thread does as it reads the row
 * (options.prepare), while this one counts earlier rows: the HMAC of its
 * case reference, the largest part of a row's work, and what its fields'
 * labels and its dates resolve to (struct cases_ahead). Only what resolves
 * without a question is worked out: the row's own thread does the rest,
 * errors included. Cells filled down are left to it, as the text above is
 * its to know; so is a reference cell that is blank, and a row that no
 * distinct count counts, for want of a date, is not hashed. */
int cases_prepare(void *arg, const struct dahub_csv_row *row, void *out) {
  struct cases_prep *p = arg;
  struct cases_ahead *a = out;
  const struct mapping *m = p->m;
  const struct map_cases *c = m->cases;
  uint16_t *date = a->code + m->n_fields;
  const char *text, *s, *e;
  uint8_t hmac[32];
  size_t f, k, len;
  int dated = 0;

  if (!atomic_load_explicit(&p->ready, memory_order_acquire))
    return 0;
  /* In a hurry, the HMAC alone: the row's thread has time for the rest. */
  for (f = 0; f < m->n_fields; f++) {
    a->code[f] = MEMO_AHEAD_NONE;
    if (p->field_col[f] != NO_COL && !row->hurry) {
      text = cell_of(row, p->field_col[f], &len);
      a->code[f] = memo_ahead(p->memo, m, f, text, len);
    }
  }
  for (k = 0; k < c->n_count; k++) {
    date[k] = date_ahead(row, p->count_col[k], c->period, !row->hurry);
    dated |= c->count[k].distinct && date[k] != DATE_BLANK;
  }
  a->has_ref = 0;
  if (p->ref_col != NO_COL && p->ref_col < row->n && dated) {
    trim_reference(row->field[p->ref_col], row->len[p->ref_col], &s, &e);
    if (s < e && p->host->pseudonymise(p->ctx, s, (size_t)(e - s), hmac) == 0) {
      memcpy(a->ref, hmac, sizeof a->ref);
      a->has_ref = 1;
    }
    explicit_bzero(hmac, sizeof hmac);
  }
  return 1;
}

size_t cases_prepare_size(const struct mapping *m) {
  return sizeof(struct cases_ahead) +
         sizeof(uint16_t) * (m->n_fields + m->cases->n_count);
}

void *cases_prepare_arg(const struct run *r) { return r->cases->prep; }

/* The HMAC of the row's case reference, prepared or made now; the
 * reference itself is only borrowed from the CSV reader's buffer. */
static int reference(struct run *r, const struct dahub_csv_row *row,
                     uint8_t out[32]) {
  const struct dahub_host *h = r->host;
  size_t j = r->cases->ref_col, len;
  const char *text, *s, *e;
  const struct cases_ahead *a = row->prepared;
  int rc;

  if (a != NULL && a->has_ref) {
    memcpy(out, a->ref, sizeof a->ref);
    return 0;
  }
  text = mapped_cell(r, row, j, &len);
  trim_reference(text, len, &s, &e);
  if (s == e)
    return mapped_cell_error(r, row->line, j, r->m->cases->reference,
                             "a case reference", "",
                             "no case reference: a distinct count needs one");
  if (!can_pseudonymise(h))
    return dahub_error_set(r->err, -ENOTSUP, row->line, (uint32_t)(j + 1),
                           "this hub cannot pseudonymise case references");
  rc = h->pseudonymise(r->ctx, s, (size_t)(e - s), out);
  if (rc == -ENOKEY)
    return dahub_error_set(r->err, -EINVAL, row->line, (uint32_t)(j + 1),
                           "distinct cases are counted by a keyed HMAC of "
                           "the reference: give this feed an hmac_key_file");
  if (rc != 0)
    return dahub_error_set(r->err, -EIO, row->line, (uint32_t)(j + 1),
                           "the case reference could not be pseudonymised");
  return 0;
}

static size_t fig_slot(uint64_t key) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 52) & (FIG_SLOTS - 1);
}

/* The figure of key (0: none fits) remembered: 1 with *group, or 0. */
static int fig_find(const struct cases_run *c, uint64_t key, size_t *group) {
  size_t i;

  if (key == 0 || c->fig == NULL)
    return 0;
  for (i = fig_slot(key); c->fig[i].key != 0; i = (i + 1) & (FIG_SLOTS - 1))
    if (c->fig[i].key == key) {
      *group = c->fig[i].group;
      return 1;
    }
  return 0;
}

static void fig_keep(struct cases_run *c, uint64_t key, size_t group) {
  size_t i;

  if (key == 0 || c->fig == NULL || c->n_fig == FIG_KEEP)
    return;
  for (i = fig_slot(key); c->fig[i].key != 0; i = (i + 1) & (FIG_SLOTS - 1))
    ;
  c->fig[i].key = key;
  c->fig[i].group = group;
  c->n_fig++;
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
  const uint16_t *ahead = ahead_of(row);
  uint16_t code = ahead != NULL ? ahead[r->m->n_fields + k] : DATE_NONE;
  size_t j = r->cases->date_col[k], len;
  const char *text;
  struct dahub_period p;
  int y, m, d, rc;

  /* Worked out ahead, or now as cases_prepare() would; the long way below
   * reads a cell filled down, and has the errors. */
  if (code == DATE_NONE)
    code =
        date_ahead(row, r->cases->prep->count_col[k], r->m->cases->period, 1);
  if (code == DATE_BLANK)
    return 0;
  if (code != DATE_NONE) {
    date_of_code(code, r->m->cases->period, &p);
    *out = period_id(r, &p);
    return 1;
  }
  text = mapped_cell(r, row, j, &len);
  if (mapped_blank(text, len))
    return 0;
  rc = dates_parse(text, len, &y, &m, &d);
  if (rc == -ERANGE)
    return mapped_cell_error(r, row->line, j, c->date, "a real day", text,
                             "no such date");
  if (rc != 0 || dahub_period_of_date(y, m, d, r->m->cases->period, &p) != 0)
    return mapped_cell_error(r, row->line, j, c->date,
                             "a date such as 31/05/2024 or 2024-05-31", text,
                             "not a date");
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

  if (!fig_find(c, fk, &base)) {
    key_figure(r, key, cnt, period, rf, &mark);
    built = 1;
    if ((rc = figure(r, row, key, col, &base)) != 0)
      return rc;
    fig_keep(c, fk, base);
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
    if (!fig_find(c, fk, &index)) {
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
      fig_keep(c, fk, index);
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

  if (mapped_row_skipped(r, row, ahead_of(row)))
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
      if ((rc = reference(r, row, ref)) != 0)
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

/* The period of a figure: the second text of its key. */
static const char *group_period(const struct agg_group *g) {
  return g->key + strlen(g->key) + 1;
}

/* The distinct counts, made final before any figure is read. */
static int cases_finish(struct run *r) {
  const struct map_cases *c = r->m->cases;
  int rc = agg_finish(&r->cases->agg);

  if (rc == 0)
    return 0;
  if (rc == -E2BIG)
    return dahub_error_set(r->err, rc, 0, 0,
                           "more than %" PRIu64 " distinct case references "
                           "in one file (options.cases.max_references)",
                           c->max_references);
  if (rc == -ENOMEM)
    return dahub_error_set(r->err, rc, 0, 0, "out of memory");
  if (rc == -EOVERFLOW)
    return dahub_error_set(r->err, rc, 0, 0, "too many cases for one figure");
  return dahub_error_set(r->err, -EAGAIN, 0, 0,
                         "could not read distinct case references back from "
                         "a temporary file: %s",
                         strerror(-rc));
}

int cases_end(struct run *r) {
  const struct agg *a = &r->cases->agg;
  struct dahub_period p, latest = {0};
  char id[DAHUB_PERIOD_ID_MAX];
  uint64_t left_out = 0;
  int have = 0, rc;
  size_t i;

  if ((rc = cases_finish(r)) != 0)
    return rc;
  if (!r->m->cases->latest)
    return mapped_emit_groups(r, a, NULL, NULL);
  for (i = 0; i < a->n; i++) {
    if (dahub_period_parse(group_period(&a->g[i]), &p) != 0)
      continue;
    if (!have || p.fy > latest.fy || (p.fy == latest.fy && p.n > latest.n))
      latest = p;
    have = 1;
  }
  if (!have)
    return 0;
  dahub_period_format(&latest, id);
  if ((rc = mapped_emit_groups(r, a, id, &left_out)) != 0)
    return rc;
  if (left_out > 0)
    mapped_warn(r, 0, 0,
                "%" PRIu64 " figures for periods before %s were left out "
                "(options.cases.periods is \"latest\")",
                left_out, id);
  return 0;
}
