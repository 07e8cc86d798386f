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
 * id, or the text itself. 1: *out is set; 0: leave this row out; negative:
 * an error naming line and column j.
 *
 * code (or NULL) is a cache in front of the path: on entry, the label's or
 * band's code (memo.h) already worked out for this text, on the CSV
 * reader's thread, or MEMO_AHEAD_NONE to work it out now; on return, the
 * code the text has, or MEMO_AHEAD_NONE when it has none. */
int mapped_resolve(struct run *r, size_t f, const char *text, size_t len,
                   uint32_t line, size_t j, const char **out,
                   const struct map_target **tg, uint16_t *code);

#endif
