/*
 * cases_ahead.h: the work on a row of a cases layout that the CSV reader's
 * thread does ahead, as it reads the row (private to the cases layout).
 *
 * What it leaves in the row is a cache in front of the row's own thread:
 * the HMAC of the case reference, and a 16-bit code per field (memo.h) and
 * per count's date, each standing for what resolving the text would give.
 * A code that is not there (DATE_NONE, MEMO_AHEAD_NONE) only means the
 * row's thread resolves the text itself, by the same path, errors
 * included.
 */
#ifndef MAPPED_CASES_AHEAD_H
#define MAPPED_CASES_AHEAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dahub/csv_fast.h"
#include "dahub/period.h"
#include "dahub/plugin.h"

#include "agg.h"
#include "cases.h"
#include "run.h"

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
  size_t field_col[MAP_MAX_FIELDS];   /* fields worked out ahead, or NO_COL */
  size_t count_col[CASES_MAX_COUNTS]; /* each count's date column, or NO_COL */
};

/* What cases_prepare() writes for a row, as r->prepared: the HMAC of its
 * case reference, then 16-bit codes, one per field of the mapping (memo.h)
 * and one per count: its date's period. The row's own thread need only
 * look them up. */
struct cases_ahead {
  uint8_t ref[AGG_REF_BYTES]; /* of the HMAC: what a count keeps of it */
  uint8_t has_ref;
  uint16_t code[]; /* m->n_fields, then m->cases->n_count */
};

_Static_assert(sizeof(struct cases_ahead) +
                       2 * (MAP_MAX_FIELDS + CASES_MAX_COUNTS) <=
                   DAHUB_CSV_PREPARE_MAX,
               "the codes of a row fit what the CSV reader carries");

/* A count's date ahead: not worked out, blank, or DATE_FIRST plus the
 * period's financial year * 16 plus its number (the years periods take,
 * 1900 to 2999, fit). */
#define DATE_NONE 0

#define DATE_BLANK 1
#define DATE_FIRST 2

static inline uint16_t date_code(const struct dahub_period *p) {
  return (uint16_t)(DATE_FIRST + p->fy * 16 + p->n);
}

static inline void date_of_code(uint16_t code, enum dahub_period_kind kind,
                                struct dahub_period *p) {
  p->kind = kind;
  p->fy = (code - DATE_FIRST) / 16;
  p->n = (code - DATE_FIRST) % 16;
}

/* The codes of the row being read worked out ahead, or NULL. */
static inline const uint16_t *ahead_of(const struct run *r) {
  const struct cases_ahead *a = r->prepared;

  return a != NULL ? a->code : NULL;
}

/* The state cases_prepare() reads, for one file's run, or NULL when out
 * of memory. */
struct cases_prep *cases_prep_new(const struct run *r);
void cases_prep_free(struct cases_prep *p);

/* Tells cases_prepare() which cells to work out ahead (ref_col, the case
 * reference's column or NO_COL; date_col, each count's date column), and
 * starts it: called once the header is read. */
void cases_prep_start(struct cases_prep *p, const struct run *r, size_t ref_col,
                      const size_t *date_col);

/* The HMAC of the case reference in column j of the row (HMAC-SHA256
 * under the feed's key, host->pseudonymise): worked out ahead, or made
 * now by the same path. 0, or an error naming the cell. */
int cases_reference(struct run *r, const struct dahub_csv_row *row, size_t j,
                    uint8_t out[32]);

/* The code of a date cell (DATE_*) in a period of kind: 0 with *code
 * (DATE_BLANK for a blank cell), -ERANGE for no such day, -EINVAL for no
 * date (or one beyond what a code holds). The one reading of a count's
 * date, on either thread. */
int cases_date_code(const char *text, size_t len, enum dahub_period_kind kind,
                    uint16_t *code);

#endif
