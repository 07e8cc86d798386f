/*
 * disclosure_pinned.c: whether what was published fixes a weak cell
 * exactly (disclosure_impl.h), so the repair shows it rather than hiding
 * more for it, or refuses the summary when it is a small count.
 *
 * The audit's own programme treats every shown cell of this publication as
 * a constant; this one asks over the cell's region with only earlier
 * publications constant (or none, lines_only), which is the question the
 * repair needs: would any pattern of this publication keep the cell open?
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "disclosure_impl.h"
#include "lp.h"

#define EPS 1e-6

/* A published value, a constant of the reader's; with lines_only every
 * cell is an unknown. */
static int constant(const struct dcell *c, int lines_only) {
  return !lines_only && (c->flags & DISCLOSURE_CELL_FIXED) &&
         c->state == DISCLOSURE_SHOWN;
}

int disclosure_pinned(const struct disclosure *d, const struct incidence *inc,
                      size_t w, unsigned char *seen, size_t *queue, size_t *col,
                      int lines_only, int *pinned, size_t *lps) {
  size_t head = 0, tail = 0, widest = 1, *rowv = NULL;
  double *coef = NULL, lo = 0, hi = 0;
  const double *point;
  struct lp *lp = NULL;
  int rc;

  /* Every cell linked to w by lines, through cells that could still
   * change; what was published before stops the search. */
  queue[tail++] = w;
  seen[w] = 1;
  while (head < tail) {
    size_t h = queue[head++];

    for (size_t i = inc->start[h]; i < inc->start[h + 1]; i++) {
      const struct dline *l = &d->lines[inc->lines[i]];

      if (l->n + 1 > widest)
        widest = l->n + 1;
      for (size_t j = 0; j <= l->n; j++) {
        size_t id = d->slots[l->first + j];
        const struct dcell *c = &d->cells[id];

        if (!seen[id] && c->state != DISCLOSURE_SOURCE &&
            !constant(c, lines_only)) {
          seen[id] = 1;
          queue[tail++] = id;
        }
      }
    }
  }
  for (size_t k = 0; k < tail; k++)
    col[queue[k]] = k;
  rowv = malloc(widest * sizeof *rowv);
  coef = malloc(widest * sizeof *coef);
  rc = rowv == NULL || coef == NULL ? -ENOMEM : lp_new(tail, &lp);
  /* Each line once: from the first of its cells in the region, in queue
   * order. */
  for (size_t k = 0; rc == 0 && k < tail; k++) {
    size_t h = queue[k];

    for (size_t i = inc->start[h]; rc == 0 && i < inc->start[h + 1]; i++) {
      const struct dline *l = &d->lines[inc->lines[i]];
      size_t first = SIZE_MAX, n = 0;
      double rhs = 0;

      for (size_t j = 0; j <= l->n && first == SIZE_MAX; j++) {
        size_t id = d->slots[l->first + j];

        if (seen[id] && !constant(&d->cells[id], lines_only))
          first = id;
      }
      if (first != h)
        continue;
      for (size_t j = 0; j <= l->n; j++) {
        size_t id = d->slots[l->first + j];
        double sign = j == l->n ? -1.0 : 1.0;

        if (constant(&d->cells[id], lines_only)) {
          rhs -= sign * (double)d->cells[id].value;
        } else {
          rowv[n] = col[id];
          coef[n++] = sign;
        }
      }
      rc = lp_add_row(lp, rowv, coef, n, l->kind == LINE_LE ? -HUGE_VAL : rhs,
                      l->kind == LINE_GE ? HUGE_VAL : rhs);
    }
  }
  if (rc == 0 && (rc = lp_extreme(lp, col[w], 1, &hi, &point)) == 0) {
    ++*lps;
    if (hi < HUGE_VAL && (rc = lp_extreme(lp, col[w], 0, &lo, &point)) == 0)
      ++*lps;
  }
  if (rc == 0)
    *pinned = hi < HUGE_VAL && hi - lo < EPS;
  for (size_t k = 0; k < tail; k++)
    seen[queue[k]] = 0;
  lp_free(lp);
  free(coef);
  free(rowv);
  return rc == -EDOM ? -EIO : rc;
}
