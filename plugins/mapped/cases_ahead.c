/*
 * cases_ahead.c: the work on a row of a cases layout done on the CSV
 * reader's thread (see cases_ahead.h).
 *
 * The reader calls cases_prepare() as it reads each row (its prepare()),
 * while the counting thread counts earlier rows. It reads only what the
 * header made ready (struct cases_prep, published through ready) and its
 * own memo, never the counting thread's struct run.
 *
 * The case reference never leaves this file: it is passed straight to
 * host->pseudonymise (HMAC-SHA256 under the feed's key), and of the 32
 * bytes that come back only a 64-bit fingerprint is kept (agg_distinct.c),
 * in memory or an unlinked temporary file, until the file ends. It is not
 * emitted, logged, or quoted in any error.
 */
#include "cases_ahead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"

#include "memo.h"

static int can_pseudonymise(const struct dahub_host *h) {
  return h->struct_size >= offsetof(struct dahub_host, pseudonymise) +
                               sizeof h->pseudonymise &&
         h->pseudonymise != NULL;
}

/* Cell j of a row as mapped_cell() reads it, for a column that is not
 * filled down. */
const char *cases_cell(const struct dahub_csv_row *row, size_t j, size_t *len) {
  *len = j < row->n ? row->len[j] : 0;
  return j < row->n ? row->field[j] : "";
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

void cases_prep_start(struct cases_prep *p, const struct run *r, size_t ref_col,
                      const size_t *date_col) {
  const struct mapping *m = r->m;
  size_t f, k;

  p->ref_col =
      cases_distinct(m->cases) && can_pseudonymise(r->host) ? ref_col : NO_COL;
  for (f = 0; f < m->n_fields; f++) {
    const struct map_field *mf = &m->field[f];

    p->field_col[f] = NO_COL;
    if (f != MAP_PERIOD && f != MAP_MEASURE && f != MAP_YEAR &&
        mf->src == MAP_COLUMN && (mf->bands != NULL || mf->has_values) &&
        !filled_down(r, r->col[f]))
      p->field_col[f] = r->col[f];
  }
  for (k = 0; k < m->cases->n_count; k++)
    p->count_col[k] = filled_down(r, date_col[k]) ? NO_COL : date_col[k];
  atomic_store_explicit(&p->ready, 1, memory_order_release);
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

/* The HMAC of a case reference, trimmed: the one way to it, on either
 * thread. 0; -ENODATA for a blank reference; else pseudonymise()'s code. */
static int hmac_of(const struct dahub_host *h, struct dahub_ctx *ctx,
                   const char *text, size_t len, uint8_t out[32]) {
  const char *s, *e;

  trim_reference(text, len, &s, &e);
  if (s == e)
    return -ENODATA;
  return h->pseudonymise(ctx, s, (size_t)(e - s), out);
}

int cases_date_code(const char *text, size_t len, enum dahub_period_kind kind,
                    uint16_t *code) {
  struct dahub_period p;
  int y, m, d, rc;

  *code = DATE_BLANK;
  if (mapped_blank(text, len))
    return 0;
  if ((rc = dahub_date_parse(text, len, &y, &m, &d)) != 0)
    return rc == -ERANGE ? -ERANGE : -EINVAL;
  if (dahub_period_of_date(y, m, d, kind, &p) != 0 || p.fy < 0 ||
      p.fy > (UINT16_MAX - DATE_FIRST - 15) / 16)
    return -EINVAL;
  *code = date_code(&p);
  return 0;
}

/* The code of a count's date in column j, as far as the reader's thread
 * works it out, by cases_date_code(): without read, only a blank's (a
 * glance, where reading the date would keep the parser waiting). */
static uint16_t date_ahead(const struct dahub_csv_row *row, size_t j,
                           enum dahub_period_kind kind, int read) {
  const char *text;
  uint16_t code;
  size_t len;

  if (j == NO_COL)
    return DATE_NONE;
  text = cases_cell(row, j, &len);
  if (!read && !mapped_blank(text, len))
    return DATE_NONE;
  return cases_date_code(text, len, kind, &code) == 0 ? code : DATE_NONE;
}

/* The work on a row that the CSV reader's thread does as it reads the row
 * (struct dahub_csv_fast), while this one counts earlier rows: the HMAC of its
 * case reference, the largest part of a row's work, and what its fields'
 * labels and its dates resolve to (struct cases_ahead). Only what resolves
 * without a question is worked out: the row's own thread does the rest,
 * errors included. Cells filled down are left to it, as the text above is
 * its to know; so is a reference cell that is blank, and a row that no
 * distinct count counts, for want of a date, is not hashed. */
int cases_prepare(void *arg, const struct dahub_csv_row *row, int hurry,
                  void *out) {
  struct cases_prep *p = arg;
  struct cases_ahead *a = out;
  const struct mapping *m = p->m;
  const struct map_cases *c = m->cases;
  uint16_t *date = a->code + m->n_fields;
  const char *text;
  uint8_t hmac[32];
  size_t f, k, len;
  int dated = 0;

  if (!atomic_load_explicit(&p->ready, memory_order_acquire))
    return 0;
  /* In a hurry, the HMAC alone: the row's thread has time for the rest. */
  for (f = 0; f < m->n_fields; f++) {
    a->code[f] = MEMO_AHEAD_NONE;
    if (p->field_col[f] != NO_COL && !hurry) {
      text = cases_cell(row, p->field_col[f], &len);
      a->code[f] = memo_ahead(p->memo, m, f, text, len);
    }
  }
  for (k = 0; k < c->n_count; k++) {
    date[k] = date_ahead(row, p->count_col[k], c->period, !hurry);
    dated |= c->count[k].distinct && date[k] != DATE_BLANK;
  }
  a->has_ref = 0;
  if (p->ref_col != NO_COL && p->ref_col < row->n && dated) {
    if (hmac_of(p->host, p->ctx, row->field[p->ref_col], row->len[p->ref_col],
                hmac) == 0) {
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

struct cases_prep *cases_prep_new(const struct run *r) {
  struct cases_prep *p = aligned_alloc(64, sizeof *p);

  if (p == NULL)
    return NULL;
  memset(p, 0, sizeof *p);
  p->host = r->host;
  p->ctx = r->ctx;
  p->m = r->m;
  p->memo = memo_new(r->m); /* or slower */
  atomic_init(&p->ready, 0);
  return p;
}

void cases_prep_free(struct cases_prep *p) {
  if (p == NULL)
    return;
  memo_free(p->memo);
  free(p);
}

int cases_reference(struct run *r, const struct dahub_csv_row *row, size_t j,
                    uint8_t out[32]) {
  const struct cases_ahead *a = r->prepared;
  const char *text, *s, *e;
  size_t len;
  int rc;

  if (a != NULL && a->has_ref) { /* worked out ahead */
    memcpy(out, a->ref, sizeof a->ref);
    return 0;
  }
  text = mapped_cell(r, row, j, &len);
  trim_reference(text, len, &s, &e);
  if (s == e)
    return mapped_cell_error(r, row->line, j, r->m->cases->reference,
                             "a case reference", "",
                             "no case reference: a distinct count needs one");
  rc = can_pseudonymise(r->host) ? hmac_of(r->host, r->ctx, text, len, out)
                                 : -ENOTSUP;
  if (rc == -ENOTSUP)
    return dahub_error_set(r->err, -ENOTSUP, row->line, (uint32_t)(j + 1),
                           "this hub cannot pseudonymise case references");
  if (rc == -ENOKEY)
    return dahub_error_set(r->err, -EINVAL, row->line, (uint32_t)(j + 1),
                           "distinct cases are counted by a keyed HMAC of "
                           "the reference: give this feed an hmac_key_file");
  if (rc != 0)
    return dahub_error_set(r->err, -EIO, row->line, (uint32_t)(j + 1),
                           "the case reference could not be pseudonymised");
  return 0;
}
