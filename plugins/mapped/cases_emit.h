/*
 * cases_emit.h: the figures a cases layout counted, emitted when the file
 * ends (private to the cases layout).
 */
#ifndef MAPPED_CASES_EMIT_H
#define MAPPED_CASES_EMIT_H

#include "agg.h"
#include "run.h"

/* Makes a's distinct counts final, then emits its figures (only the
 * latest period's with "periods": "latest"). 0, or an error in r->err:
 * -EAGAIN when a temporary file failed (not the file's fault). */
int cases_emit(struct run *r, struct agg *a);

#endif
