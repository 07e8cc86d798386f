/*
 * lp.c: extremes of one variable over a polytope, on COIN-OR CLP (lp.h).
 *
 * Rows are gathered in row-major arrays and handed to CLP at the first
 * question, in one Clp_addRows: CLP copies them, so ours are freed then.
 * Every question changes only the objective (one coefficient) and its sense,
 * so the previous optimal basis stays primal feasible and the primal simplex
 * starts from it. CLP's own messages are silenced (log level 0): a daemon's
 * stderr carries only our log lines.
 */
#include "lp.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coin/Clp_C_Interface.h>

/* A component of hidden cells is far smaller; this bounds int indices. */
#define LP_MAX 10000000u

struct lp {
  Clp_Simplex *model;
  size_t n_vars;
  double *obj; /* all 0 but the variable asked about */
  size_t asked;
  double *open;         /* n_vars HUGE_VAL: the columns' own upper bounds */
  double *zero;         /* n_vars 0: the columns' own lower bounds */
  int loaded;           /* rows handed to CLP: no more may be added */
  unsigned char *start; /* a basis to start from, until loaded; or NULL */
  /* The last question answered, as lp_extreme() asked it (var, maximise),
   * or SIZE_MAX: asked again, it is answered as it stands, with no call
   * into CLP (which would factorise the basis again, for no pivot). */
  size_t last;
  int last_max;
  /* rows, row-major, until loaded */
  CoinBigIndex *starts;
  int *cols;
  double *coef, *lo, *hi;
  size_t n_rows, cap_rows, n_elems, cap_elems;
};

int lp_new(size_t n_vars, struct lp **out) {
  struct lp *lp;

  *out = NULL;
  if (n_vars == 0 || n_vars > LP_MAX)
    return -E2BIG;
  if ((lp = calloc(1, sizeof *lp)) == NULL)
    return -ENOMEM;
  lp->n_vars = n_vars;
  lp->last = SIZE_MAX;
  lp->obj = calloc(n_vars, sizeof *lp->obj);
  lp->open = malloc(n_vars * sizeof *lp->open);
  lp->zero = calloc(n_vars, sizeof *lp->zero);
  lp->starts = malloc(sizeof *lp->starts);
  if (lp->obj == NULL || lp->open == NULL || lp->zero == NULL ||
      lp->starts == NULL) {
    lp_free(lp);
    return -ENOMEM;
  }
  for (size_t i = 0; i < n_vars; i++)
    lp->open[i] = HUGE_VAL;
  lp->starts[0] = 0;
  *out = lp;
  return 0;
}

static void rows_free(struct lp *lp) {
  free(lp->starts);
  free(lp->cols);
  free(lp->coef);
  free(lp->lo);
  free(lp->hi);
  lp->starts = NULL;
  lp->cols = NULL;
  lp->coef = lp->lo = lp->hi = NULL;
}

void lp_free(struct lp *lp) {
  if (lp == NULL)
    return;
  if (lp->model != NULL)
    Clp_deleteModel(lp->model);
  rows_free(lp);
  free(lp->start);
  free(lp->obj);
  free(lp->open);
  free(lp->zero);
  free(lp);
}

/* Room for one more row of n elements. Each array that grows is kept even
 * when a later one fails: it is only spare room, and the caps are raised
 * only once all have grown. */
static int room(struct lp *lp, size_t n) {
  if (lp->n_rows + 2 > lp->cap_rows) {
    size_t cap = lp->cap_rows ? lp->cap_rows * 2 : 64;
    CoinBigIndex *s = realloc(lp->starts, cap * sizeof *s);
    double *lo, *hi;

    if (s == NULL)
      return -ENOMEM;
    lp->starts = s;
    if ((lo = realloc(lp->lo, cap * sizeof *lo)) == NULL)
      return -ENOMEM;
    lp->lo = lo;
    if ((hi = realloc(lp->hi, cap * sizeof *hi)) == NULL)
      return -ENOMEM;
    lp->hi = hi;
    lp->cap_rows = cap;
  }
  if (lp->n_elems + n > lp->cap_elems) {
    size_t cap = lp->cap_elems ? lp->cap_elems : 256;
    int *c;
    double *v;

    while (cap < lp->n_elems + n)
      cap *= 2;
    if ((c = realloc(lp->cols, cap * sizeof *c)) == NULL)
      return -ENOMEM;
    lp->cols = c;
    if ((v = realloc(lp->coef, cap * sizeof *v)) == NULL)
      return -ENOMEM;
    lp->coef = v;
    lp->cap_elems = cap;
  }
  return 0;
}

int lp_add_row(struct lp *lp, const size_t *vars, const double *coef, size_t n,
               double lo, double hi) {
  if (lp->loaded || n == 0 || n > LP_MAX - lp->n_elems || lp->n_rows >= LP_MAX)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (vars[i] >= lp->n_vars)
      return -EINVAL;
  if (room(lp, n) != 0)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++) {
    lp->cols[lp->n_elems + i] = (int)vars[i];
    lp->coef[lp->n_elems + i] = coef[i];
  }
  lp->n_elems += n;
  lp->lo[lp->n_rows] = lo;
  lp->hi[lp->n_rows] = hi;
  lp->starts[++lp->n_rows] = (CoinBigIndex)lp->n_elems;
  return 0;
}

/* Hands the rows to CLP: n_vars columns in [0, inf), objective 0. */
static int load(struct lp *lp) {
  CoinBigIndex *empty = NULL;
  int rc = -ENOMEM;

  if ((lp->model = Clp_newModel()) == NULL)
    return -ENOMEM;
  Clp_setLogLevel(lp->model, 0);
  Clp_scaling(lp->model, 0); /* coefficients are all 1 and -1 */
  if ((empty = calloc(lp->n_vars + 1, sizeof *empty)) == NULL)
    goto out;
  Clp_loadProblem(lp->model, (int)lp->n_vars, 0, empty, NULL, NULL, lp->zero,
                  lp->open, lp->obj, NULL, NULL);
  if (lp->n_rows > 0)
    Clp_addRows(lp->model, (int)lp->n_rows, lp->lo, lp->hi, lp->starts,
                lp->cols, lp->coef);
  rows_free(lp);
  if (lp->start != NULL)
    Clp_copyinStatus(lp->model, lp->start);
  free(lp->start);
  lp->start = NULL;
  lp->loaded = 1;
  rc = 0;
out:
  free(empty);
  return rc;
}

int lp_start(struct lp *lp, const unsigned char *status) {
  size_t n = lp->n_vars + lp->n_rows, basic = 0;

  if (lp->loaded)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    basic += (status[i] & 7) == LP_BASIC;
  if (basic != lp->n_rows)
    return -EINVAL; /* not a basis of these rows */
  free(lp->start);
  if ((lp->start = malloc(n)) == NULL)
    return -ENOMEM;
  memcpy(lp->start, status, n);
  return 0;
}

int lp_basis(const struct lp *lp, unsigned char *status) {
  const unsigned char *b;

  if (!lp->loaded || (b = Clp_statusArray(lp->model)) == NULL)
    return -ENODATA;
  memcpy(status, b, lp->n_vars + lp->n_rows);
  return 0;
}

int lp_extreme(struct lp *lp, size_t var, int maximise, double *value,
               const double **point) {
  int rc, status;

  if (var >= lp->n_vars)
    return -EINVAL;
  if (!lp->loaded && (rc = load(lp)) != 0)
    return rc;
  if (var == lp->last && maximise == lp->last_max) {
    *point = Clp_getColSolution(lp->model);
    *value = (*point)[var];
    return 0;
  }
  lp->last = SIZE_MAX;
  lp->obj[lp->asked] = 0;
  lp->obj[var] = 1;
  lp->asked = var;
  Clp_chgObjCoefficients(lp->model, lp->obj);
  Clp_setOptimizationDirection(lp->model, maximise ? -1 : 1);
  (void)Clp_primal(lp->model, 0);
  status = Clp_status(lp->model);
  if (status == 2 && maximise) {
    /* dual infeasible: no finite maximum, the variable can grow for ever */
    *value = HUGE_VAL;
    *point = NULL;
    return 0;
  }
  if (status == 1)
    return -EDOM;
  if (status != 0)
    return -EIO;
  *point = Clp_getColSolution(lp->model);
  *value = (*point)[var];
  lp->last = var;
  lp->last_max = maximise;
  return 0;
}

int lp_point(struct lp *lp, const double *weights, const double *lower,
             const double *upper, const double **point) {
  int rc, status;

  if (!lp->loaded && (rc = load(lp)) != 0)
    return rc;
  lp->last = SIZE_MAX;
  Clp_chgObjCoefficients(lp->model, weights);
  if (lower != NULL)
    Clp_chgColumnLower(lp->model, lower);
  Clp_chgColumnUpper(lp->model, upper);
  Clp_setOptimizationDirection(lp->model, -1);
  (void)Clp_primal(lp->model, 0);
  status = Clp_status(lp->model);
  if (lower != NULL)
    Clp_chgColumnLower(lp->model, lp->zero);
  Clp_chgColumnUpper(lp->model, lp->open);
  /* the next lp_extreme() sets its own objective from lp->obj */
  Clp_chgObjCoefficients(lp->model, lp->obj);
  if (status == 1)
    return -EDOM;
  if (status != 0)
    return -EIO;
  *point = Clp_getColSolution(lp->model);
  return 0;
}

const double *lp_prices(const struct lp *lp) {
  return lp->model != NULL ? Clp_getRowPrice(lp->model) : NULL;
}
