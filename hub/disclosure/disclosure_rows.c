/*
 * disclosure_rows.c: a group's programme as disclosure_audit.c asks it:
 * its rows, the basis it starts from and leaves behind, and the prices
 * that choose a weak cell's repair.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "disclosure_impl.h"
#include "lp.h"

#define EPS 1e-6

/* Whether hiding shown cell j leaves it alone in some equation of its own:
 * that line would fix it, so it could give no room (unknown: 0). */
static int alone_somewhere(const struct disclosure *d, size_t j) {
  const struct incidence *inc = d->inc;

  if (inc == NULL)
    return 0;
  for (size_t i = inc->start[j]; i < inc->start[j + 1]; i++) {
    const struct dline *l = &d->lines[inc->lines[i]];
    size_t others = 0;

    if (l->kind != LINE_EQ)
      continue;
    for (size_t m = 0; m <= l->n && others == 0; m++) {
      size_t id = d->slots[l->first + m];

      others += id != j && dcell_hidden(&d->cells[id]);
    }
    if (others == 0)
      return 1;
  }
  return 0;
}

/*
 * For weak column k: the shown cell that, hidden, would give it room. Its
 * failing side is asked again (from the basis that answered it: no
 * pivots), and each shown cell of the group's rows is priced by the rows
 * it is in: rows that hold the answer where it is have a price, the rest
 * none. A cell that would be alone in a line of its own could not move, so
 * it is passed over. The best priced cell by the board's order becomes the
 * cell's fix,
 * which the repair takes rather than the nearest cell by distance alone,
 * which on a large table often opens no room at all. s's score and mark
 * are left all 0.
 */
int audit_price(const struct disclosure *d, struct lp *lp, const size_t *vars,
                size_t n, const size_t *glines, size_t n_rows, size_t k,
                struct audit_scratch *s) {
  double *score = s->score;
  unsigned char *mark = s->mark;
  size_t *touched = s->touched;
  struct dcell *c = &d->cells[vars[k]];
  int up = c->state != DISCLOSURE_PRIMARY || c->hi < c->threshold, rc;
  const double *point, *y;
  size_t n_touched = 0, best = SIZE_MAX;
  double v;

  if ((rc = lp_extreme(lp, k, up, &v, &point)) != 0)
    return rc;
  s->lps++;
  s->work += n;
  if ((y = lp_prices(lp)) == NULL)
    return 0;
  for (size_t r = 0; r < n_rows; r++) {
    const struct dline *l = &d->lines[glines[r]];

    if (fabs(y[r]) < EPS)
      continue;
    for (size_t i = 0; i <= l->n; i++) {
      size_t id = d->slots[l->first + i];

      /* a headline total is left to the repair's search, which takes it
       * only when nothing else is left */
      if (!choose_can_hide(&d->cells[id]) ||
          (d->cells[id].flags & DISCLOSURE_CELL_HEADLINE))
        continue;
      if (!mark[id]) {
        mark[id] = 1;
        touched[n_touched++] = id;
      }
      score[id] += (i == l->n ? -1.0 : 1.0) * y[r];
    }
  }
  for (size_t i = 0; i < n_touched; i++) {
    size_t id = touched[i];

    if (fabs(score[id]) > EPS && choose_better_repair(d, vars[k], id, best) &&
        !alone_somewhere(d, id))
      best = id;
    score[id] = 0;
    mark[id] = 0;
  }
  c->fix = best;
  return 0;
}

/* One row per line of the group: members +1, total -1, shown cells moved
 * to the right; an equation or an inequality. col[c] is cell c's column. */
int audit_rows(const struct disclosure *d, struct lp *lp, const size_t *glines,
               size_t n_lines, const size_t *col, size_t *vars, double *coef) {
  for (size_t r = 0; r < n_lines; r++) {
    const struct dline *l = &d->lines[glines[r]];
    double rhs = 0;
    size_t n = 0;
    int rc;

    for (size_t i = 0; i <= l->n; i++) {
      const struct dcell *c = &d->cells[d->slots[l->first + i]];
      double sign = i == l->n ? -1.0 : 1.0;

      if (dcell_audited(c)) {
        vars[n] = col[d->slots[l->first + i]];
        coef[n++] = sign;
      } else {
        rhs -= sign * (double)c->value;
      }
    }
    /* members - total = 0, <= 0 or >= 0 */
    if ((rc =
             lp_add_row(lp, vars, coef, n, l->kind == LINE_LE ? -HUGE_VAL : rhs,
                        l->kind == LINE_GE ? HUGE_VAL : rhs)) != 0)
      return rc;
  }
  return 0;
}

/* Starts the group's programme from the basis its cells and lines ended
 * the last round with: a column new to the group at 0 (not basic), a row
 * new to it with its slack basic. When that is not a basis (a cell shown
 * since, groups that split), the programme starts afresh. */
int audit_start_basis(const struct disclosure *d, struct lp *lp,
                      const size_t *vars, size_t n, const size_t *glines,
                      size_t n_lines) {
  unsigned char *b = malloc(n + n_lines + 1);
  int rc;

  if (b == NULL)
    return -ENOMEM;
  for (size_t k = 0; k < n; k++)
    b[k] = d->basis[vars[k]] ? d->basis[vars[k]] : LP_AT_LOWER;
  for (size_t r = 0; r < n_lines; r++) {
    unsigned char was = d->basis[d->n_cells + glines[r]];

    b[n + r] = was ? was : LP_BASIC;
  }
  rc = lp_start(lp, b);
  free(b);
  return rc == -EINVAL ? 0 : rc;
}

/* Keeps the basis the group's programme ended with, for the next round:
 * each group writes only its own cells and lines. */
int audit_keep_basis(struct disclosure *d, const struct lp *lp,
                     const size_t *vars, size_t n, const size_t *glines,
                     size_t n_lines) {
  unsigned char *b = malloc(n + n_lines + 1);

  if (b == NULL)
    return -ENOMEM;
  if (lp_basis(lp, b) == 0) {
    for (size_t k = 0; k < n; k++)
      d->basis[vars[k]] = b[k];
    for (size_t r = 0; r < n_lines; r++)
      d->basis[d->n_cells + glines[r]] = b[n + r];
  }
  free(b);
  return 0;
}
