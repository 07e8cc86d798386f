/*
 * resolve.h: what the text of a field becomes (private to the mapped
 * plugin).
 */
#ifndef MAPPED_RESOLVE_H
#define MAPPED_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* Turns the text of field f into what the observation carries: the code
 * "values" gives (and its label's target in *tg, or NULL), a band, a period
 * id, or the text itself; with code (or NULL), a label's or band's code
 * (memo.h), else MEMO_AHEAD_NONE. 1: *out is set; 0: leave this row out;
 * negative: an error naming line and column j. */
int mapped_resolve(struct run *r, size_t f, const char *text, size_t len,
                   uint32_t line, size_t j, const char **out,
                   const struct map_target **tg, uint16_t *code);

#endif
