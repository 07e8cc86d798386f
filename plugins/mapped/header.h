/*
 * header.h: the rows of a file down to its header (header.c; private to
 * the mapped plugin).
 */
#ifndef MAPPED_HEADER_H
#define MAPPED_HEADER_H

#include "dahub/csv.h"

#include "run.h"

/* One row while r->in_data is 0: a row above the header (its "cells"
 * kept), or the header itself, whose columns are found and cells settled
 * (then r->in_data is 1). 0, or negative with r->err: a named column is
 * missing or twice there, a cell has no code. */
int header_take(struct run *r, const struct dahub_csv_row *row);

#endif
