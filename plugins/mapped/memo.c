/*
 * memo.c: each field's recent texts, and values worked out ahead (memo.h).
 *
 * A hit costs one short compare instead of a folded hash and probe, which
 * was a tenth of the time of a case-level file. What is remembered is the
 * number of the mapping's label or band the text resolved to, so it
 * outlives the row; the text is copied, never kept as a pointer into the
 * reader. Direct-mapped: a clash only resolves again.
 */
#include "memo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "labels.h"
#include "run.h"

#define MEMO_SLOTS 64
#define MEMO_TEXT 30
#define MEMO_LABEL 1
#define MEMO_BAND 2

/* What is remembered is a code (memo.h): the number of the label or band
 * the text resolved to, which both the value and a row's figure key are
 * made from. */
struct memo_slot {
  unsigned char known, len; /* MEMO_LABEL | MEMO_BAND: what is remembered */
  uint16_t label;           /* MEMO_LABEL: the label's, or none */
  uint16_t band;            /* MEMO_BAND: the band's */
  char text[MEMO_TEXT];
};

struct memo {
  struct memo_slot slot[MEMO_SLOTS]; /* of one field: a memo is an array */
};

struct memo *memo_new(const struct mapping *m) {
  return calloc(m->n_fields + 1, sizeof(struct memo));
}

void memo_free(struct memo *memo) { free(memo); }

/* Up to 8 bytes of s, as one number, in whole loads: bytes stored one by
 * one and read back as a word stall the load, which was a fifth of the
 * time of a lookup. The ends of a short text overlap. */
static uint64_t word_of(const char *s, size_t len) {
  uint32_t lo, hi;

  if (len >= 4) {
    memcpy(&lo, s, 4);
    memcpy(&hi, s + len - 4, 4);
    return (uint64_t)hi << 32 | lo;
  }
  if (len == 0)
    return 0;
  return (uint64_t)(unsigned char)s[0] |
         (uint64_t)(unsigned char)s[len / 2] << 8 |
         (uint64_t)(unsigned char)s[len - 1] << 16;
}

/* The slot of field f for a text of at most MEMO_TEXT bytes: its first and
 * last eight bytes and its length, mixed. */
static struct memo_slot *slot_of(struct memo *memo, size_t f, const char *s,
                                 size_t len) {
  uint64_t a, b = 0, h;

  if (len > 8) {
    memcpy(&a, s, 8);
    memcpy(&b, s + len - 8, 8);
  } else {
    a = word_of(s, len);
  }
  h = (a ^ (b * 0xff51afd7ed558ccdull) ^ len) * 0x9E3779B97F4A7C15ull;
  return &memo[f].slot[h >> 58];
}

/* memcmp(a, b, len) == 0 for the short texts of the memo, in a few loads:
 * the call to memcmp was a third of the time of a hit. */
static inline int same_text(const char *a, const char *b, size_t len) {
  uint64_t x, y;
  size_t i;

  if (len <= 8)
    return word_of(a, len) == word_of(b, len);
  for (i = 0; i + 8 < len; i += 8) {
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y)
      return 0;
  }
  memcpy(&x, a + len - 8, 8);
  memcpy(&y, b + len - 8, 8);
  return x == y;
}

static int hit(const struct memo_slot *e, int what, const char *s, size_t len) {
  return (e->known & what) && e->len == len && same_text(e->text, s, len);
}

static void keep(struct memo_slot *e, int what, const char *s, size_t len) {
  e->known = (unsigned char)what;
  e->len = (unsigned char)len;
  memcpy(e->text, s, len);
}

/* MEMO_AHEAD_FIRST + i: a field has at most MAP_MAX_LABELS labels, and as
 * many bands (mapping.c), so every one of them has a code. */
static uint16_t code_of(size_t i) { return (uint16_t)(i + MEMO_AHEAD_FIRST); }

_Static_assert(MAP_MAX_LABELS + MEMO_AHEAD_FIRST <= UINT16_MAX,
               "a label's or band's number fits a code");

/* The code of the label of field f that text names, or none. */
static uint16_t label_code(struct memo *memo, const struct mapping *m, size_t f,
                           const char *text, size_t len) {
  const struct map_labels *l = &m->field[f].values;
  const struct map_target *t;
  struct memo_slot *e = NULL;
  uint16_t code = MEMO_AHEAD_NONE;

  if (memo != NULL && len <= MEMO_TEXT) {
    e = slot_of(memo, f, text, len);
    if (hit(e, MEMO_LABEL, text, len))
      return e->label;
  }
  /* t is the target of one of the field's labels: its number, by place */
  if ((t = labels_find(l, text, len)) != NULL)
    code = code_of((size_t)((const char *)t - (const char *)&l->p->t) /
                   sizeof *l->p);
  if (e != NULL) {
    keep(e, MEMO_LABEL, text, len);
    e->label = code;
  }
  return code;
}

/* The code of the band of field f holding text's number; none with *rc,
 * fields_band()'s error, when there is none. */
static uint16_t band_code(struct memo *memo, const struct mapping *m, size_t f,
                          const char *text, size_t len, int *rc) {
  const struct map_field *mf = &m->field[f];
  struct memo_slot *e = NULL;
  const char *band;
  size_t i;

  if (memo != NULL && len <= MEMO_TEXT) {
    e = slot_of(memo, f, text, len);
    if (hit(e, MEMO_BAND, text, len))
      return e->band;
  }
  if ((*rc = fields_band(mf, text, len, &band)) != 0)
    return MEMO_AHEAD_NONE;
  for (i = 0; i < mf->n_bands && mf->bands[i].code != band; i++)
    ;
  if (e != NULL) {
    keep(e, MEMO_BAND, text, len);
    e->band = code_of(i);
  }
  return code_of(i);
}

const struct map_target *memo_label(struct memo *memo, const struct mapping *m,
                                    size_t f, const char *text, size_t len) {
  uint16_t code = label_code(memo, m, f, text, len);

  return code != MEMO_AHEAD_NONE
             ? &m->field[f].values.p[code - MEMO_AHEAD_FIRST].t
             : NULL;
}

uint16_t memo_ahead(struct memo *memo, const struct mapping *m, size_t f,
                    const char *text, size_t len) {
  const struct map_field *mf = &m->field[f];
  int rc;

  /* In mapped_resolve()'s order: bands, then labels. */
  if (mf->bands != NULL) {
    if (mapped_blank(text, len))
      return mf->blank != NULL ? MEMO_AHEAD_BLANK : MEMO_AHEAD_NONE;
    return band_code(memo, m, f, text, len, &rc);
  }
  return mf->has_values ? label_code(memo, m, f, text, len) : MEMO_AHEAD_NONE;
}
