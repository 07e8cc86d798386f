/*
 * lp.h: the smallest and largest value of one variable over a polytope, the
 * question the disclosure audit asks of every hidden cell.
 *
 * Variables are >= 0 with no upper bound (counts); rows are lo <= a.x <= hi.
 * One problem is built once and then asked about one variable after another:
 * each answer starts from the previous basis (only the objective changes),
 * so a component of a few hundred hidden cells costs milliseconds, not a
 * fresh solve per question.
 *
 * Backed by COIN-OR CLP (Eclipse Public Licence: linking it puts no terms on
 * dahub's own code). Pure computation, one thread per problem.
 */
#ifndef DAHUB_LP_H
#define DAHUB_LP_H

#include <stddef.h>

struct lp;

/* n_vars >= 1. OUT: caller frees with lp_free(). 0, -ENOMEM or -E2BIG. */
int lp_new(size_t n_vars, struct lp **out);
/* NULL is a no-op. */
void lp_free(struct lp *lp);

/* Adds lo <= sum coef[i] * x[vars[i]] <= hi (-HUGE_VAL / HUGE_VAL for an
 * open side). Rows may only be added before the first lp_extreme(). 0,
 * -EINVAL (an unknown variable, n == 0, or after solving) or -ENOMEM. */
int lp_add_row(struct lp *lp, const size_t *vars, const double *coef, size_t n,
               double lo, double hi);

/*
 * A basis: one byte a column, then one a row, CLP's status (the low three
 * bits: LP_BASIC, LP_AT_LOWER, ...). Saved after one problem's questions
 * and handed to a similar one before its first, the first answer starts
 * from it rather than from the rows' slacks, which on a programme of
 * thousands of rows costs thousands of pivots.
 */
#define LP_BASIC 1
#define LP_AT_LOWER 3
/* Starts the first question from status (n_vars + rows bytes, copied),
 * before it is asked. 0; -EINVAL when it is asked already or status has
 * not one basic entry a row; -ENOMEM. */
int lp_start(struct lp *lp, const unsigned char *status);
/* The basis of the last answer into status (n_vars + rows bytes). 0, or
 * -ENODATA before any. */
int lp_basis(const struct lp *lp, unsigned char *status);

/*
 * The smallest (maximise 0) or largest (maximise 1) value of x[var]:
 * 0 with *value (HUGE_VAL when the maximum is unbounded); then, unless
 * unbounded, *point (n_vars values, valid until the next call) is a
 * solution that reaches it: a feasible point the caller may learn from.
 * -EDOM when the rows admit no point at all, -EIO when the solver gave up.
 */
int lp_extreme(struct lp *lp, size_t var, int maximise, double *value,
               const double **point);

/*
 * A point of the polytope as far as possible along weights (maximised),
 * with every x[i] held within [lower[i], upper[i]] (lower NULL: all 0;
 * HUGE_VAL: no cap) for this one question: bounds only shrink the
 * polytope, so the point is one of the rows' own. 0 with *point (n_vars values,
 * valid until the next call), -EDOM when no point meets the rows and bounds,
 * -EIO when the solver gave up.
 */
int lp_point(struct lp *lp, const double *weights, const double *lower,
             const double *upper, const double **point);

/* The rows' prices at the last question's answer (one a row, in the order
 * added; valid until the next call): how fast that answer moves as each
 * row's bound moves. A row priced 0 does not hold the answer where it is. */
const double *lp_prices(const struct lp *lp);

#endif
