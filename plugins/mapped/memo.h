/*
 * memo.h: what each field's recent texts resolved to, and a field's value
 * worked out ahead in 16 bits (private to the mapped plugin).
 *
 * A file repeats a few labels on every row, so a memo remembers, per field,
 * the label or band that each recent text resolved to. A memo belongs to
 * one thread; the mapping it reads is shared and never changes.
 *
 * A code ("ahead") carries a field's value from the CSV reader's thread,
 * where cases_ahead.c works it out as the record is read, to the thread that
 * counts the row: MEMO_AHEAD_NONE (not worked out: resolve the text now,
 * which also gives any error), MEMO_AHEAD_BLANK (a blank cell of a field
 * with bands: their "blank" code), or MEMO_AHEAD_FIRST + i (label i of the
 * field's "values", or band i). The value it decodes to is the very
 * pointer that resolving the text gives, so callers may compare values by
 * address.
 */
#ifndef MAPPED_MEMO_H
#define MAPPED_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "mapping.h"

struct memo; /* opaque */

#define MEMO_AHEAD_NONE 0
#define MEMO_AHEAD_BLANK 1
#define MEMO_AHEAD_FIRST 2

/* A memo for every field of m, or NULL when out of memory: lookups through
 * a NULL memo go to the mapping each time, which is only slower. */
struct memo *memo_new(const struct mapping *m);
void memo_free(struct memo *memo);

/* labels_find() for field f of m, remembered. */
const struct map_target *memo_label(struct memo *memo, const struct mapping *m,
                                    size_t f, const char *text, size_t len);

/* The code of field f's text (a field with bands or "values"): only what
 * resolves without a question (a label found, a band holding the number, a
 * blank with a "blank" code); anything else is MEMO_AHEAD_NONE. */
uint16_t memo_ahead(struct memo *memo, const struct mapping *m, size_t f,
                    const char *text, size_t len);

/* Label i of field f for code, or NULL when code is not a label's. Inline,
 * as the thread that counts a row decodes each of its fields. */
static inline const struct map_target *
memo_ahead_label(const struct mapping *m, size_t f, uint16_t code) {
  const struct map_field *mf = &m->field[f];

  if (mf->bands != NULL || !mf->has_values || code < MEMO_AHEAD_FIRST ||
      (size_t)(code - MEMO_AHEAD_FIRST) >= mf->values.n)
    return NULL;
  return &mf->values.p[code - MEMO_AHEAD_FIRST].t;
}

/* What mapped_resolve() gives for the text that made code: 1 with *out
 * (and *tg, a label's target, or NULL), 0 when the label leaves the row
 * out, -1 for MEMO_AHEAD_NONE. */
static inline int memo_from_ahead(const struct mapping *m, size_t f,
                                  uint16_t code, const char **out,
                                  const struct map_target **tg) {
  const struct map_field *mf = &m->field[f];
  const struct map_target *t;

  *tg = NULL;
  if (code == MEMO_AHEAD_NONE)
    return -1;
  if (mf->bands != NULL) {
    *out = code == MEMO_AHEAD_BLANK ? mf->blank
                                    : mf->bands[code - MEMO_AHEAD_FIRST].code;
    return 1;
  }
  if ((t = memo_ahead_label(m, f, code)) == NULL)
    return -1;
  if (t->skip)
    return 0;
  *out = t->code;
  *tg = t;
  return 1;
}

#endif
