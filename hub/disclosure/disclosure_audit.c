/*
 * disclosure_audit.c: the reader's attack on one group of linked hidden
 * cells, as a linear programme (disclosure_groups.c finds the groups).
 *
 * The reader knows every shown value, every line that holds (an equation),
 * which way each other line misses (an inequality) and that counts are
 * never negative. Every hidden cell is a variable >= 0;
 * each line with a hidden cell is a row, its shown cells moved to the
 * right-hand side. Lines with no hidden cell are constants and tell nothing.
 *
 * For each variable the reader's interval is [min, max] over the polytope.
 * Solving two programmes per cell is what a careful reader does; we solve
 * fewer: every solution is a point the reader cannot rule out, so each cell
 * keeps the range of values seen at points so far (starting at the true
 * values, which satisfy every line), and a cell whose seen range is already
 * wide enough needs no programme of its own. Only a cell that is still
 * narrow gets its exact maximum, then its exact minimum. Counts are whole,
 * so the interval is rounded inwards before it is judged. A cell that fails
 * is priced for its repair while its programme is at hand.
 *
 * The ranges seen outlive one audit (disclosure_impl.h, seen): a repair
 * only hides more, which leaves every point found before a point of the
 * wider polytope, so the next round asks only about cells the last one did
 * not already show wide enough, and a group with none left solves nothing.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure_impl.h"
#include "lp.h"

#define EPS 1e-6

/* Whole-number interval of [lo, hi]; hi HUGE_VAL is open. */
static void rounded(double lo, double hi, int64_t *l, int64_t *h) {
  *l = (int64_t)ceil(lo - EPS);
  *h = hi >= 9.0e18 ? INT64_MAX : (int64_t)floor(hi + EPS);
}

/* Whether a reader who can narrow c to [lo, hi] learns too much. */
static int protected(const struct dcell *c, double lo, double hi) {
  int64_t l, h;

  rounded(lo, hi, &l, &h);
  if (c->state == DISCLOSURE_PRIMARY)
    return h >= c->threshold && (h == INT64_MAX || h - l >= c->protection);
  return h > l;
}

struct group {
  const struct disclosure *d;
  const size_t *vars; /* cell ids, the programme's columns in order */
  size_t n;
  double *seen_lo, *seen_hi;
  size_t *lps;
  size_t *work; /* programmes solved times their columns */
};

static void learn(struct group *g, const double *point) {
  for (size_t k = 0; k < g->n; k++) {
    size_t id = g->vars[k];

    if (point[k] < g->seen_lo[id])
      g->seen_lo[id] = point[k];
    if (point[k] > g->seen_hi[id])
      g->seen_hi[id] = point[k];
  }
}

/* Whether column k of g is protected by what has been seen. */
static int seen_enough(const struct group *g, size_t k) {
  size_t id = g->vars[k];

  return protected(&g->d->cells[id], g->seen_lo[id], g->seen_hi[id]);
}

/*
 * A few points first, each pushing every cell of the group one way at once:
 * all up (each capped just above what it needs, so that one cell's growth
 * cannot take the whole sum), all down, and two mixtures. On a table most
 * cells then already have a wide enough range seen, and only the few left
 * need a programme of their own.
 */
#define SURVEY_MIN 8     /* smaller groups go straight to their cells */
#define SURVEY_PASSES 16 /* all up, all down, then mixtures */

static int survey(struct group *g, struct lp *lp, int from, int to) {
  double *w = malloc(g->n * sizeof *w), *cap = malloc(g->n * sizeof *cap);
  const double *point;
  int rc = 0;

  if (w == NULL || cap == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  for (size_t k = 0; k < g->n; k++) {
    const struct dcell *c = &g->d->cells[g->vars[k]];

    cap[k] =
        (double)c->value + (double)c->threshold + (double)c->protection + 1;
  }
  for (int pass = from; rc == 0 && pass < to; pass++) {
    uint64_t r = 0x9e3779b97f4a7c15u * (uint64_t)(pass + 1);

    for (size_t k = 0; k < g->n; k++) {
      r ^= r << 13; /* xorshift: the same signs every run */
      r ^= r >> 7;
      r ^= r << 17;
      w[k] = pass == 0 ? 1.0 : pass == 1 ? -1.0 : (r & 1 ? 1.0 : -1.0);
    }
    if ((rc = lp_point(lp, w, NULL, cap, &point)) == 0) {
      ++*g->lps;
      *g->work += g->n;
      learn(g, point);
    }
  }
out:
  free(cap);
  free(w);
  return rc;
}

/* What cell k still needs to be seen at, down (up 0) or up: 1 with *t,
 * or 0 when it is protected already or that way cannot help. */
static int target(const struct group *g, size_t k, int up, int64_t *t) {
  size_t id = g->vars[k];
  const struct dcell *c = &g->d->cells[id];
  int64_t l, h;

  if (seen_enough(g, k))
    return 0;
  rounded(g->seen_lo[id], g->seen_hi[id], &l, &h);
  if (c->state == DISCLOSURE_PRIMARY)
    *t = up ? (l + c->protection > c->threshold ? l + c->protection
                                                : c->threshold)
            : 0;
  else
    *t = up ? c->value + 1 : c->value - 1;
  return up ? *t > h : *t < l && *t >= 0;
}

/*
 * Many cells' questions in one programme: every cell that still needs to
 * go one way is pushed that way at once, each held at what it needs (so
 * that one cell's room is not spent on going further than it must), and
 * the point is learnt from. Cells that share room reach their targets in
 * turns, so rounds repeat while they settle cells; what is left gets
 * programmes of its own.
 */
#define BATCH_ROUNDS 24

static int batches(struct group *g, struct lp *lp) {
  double *w = malloc(g->n * sizeof *w), *lower = malloc(g->n * sizeof *lower),
         *upper = malloc(g->n * sizeof *upper);
  const double *point;
  int rc = 0;

  if (w == NULL || lower == NULL || upper == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  for (int up = 0; up <= 1; up++) {
    size_t before = SIZE_MAX;

    for (int round = 0; rc == 0 && round < BATCH_ROUNDS; round++) {
      size_t wanting = 0;
      uint64_t r = 0x9e3779b97f4a7c15u * (uint64_t)(round + 1);

      for (size_t k = 0; k < g->n; k++) {
        int64_t t;

        w[k] = 0;
        lower[k] = 0;
        upper[k] = HUGE_VAL;
        if (!target(g, k, up, &t))
          continue;
        r ^= r << 13; /* xorshift: the same weights every run */
        r ^= r >> 7;
        r ^= r << 17;
        /* unequal weights: ties between cells that share room are
         * broken a different way each round */
        w[k] = (up ? 1.0 : -1.0) * (1.0 + (double)(r % 1024) / 1024.0);
        if (up)
          upper[k] = (double)t;
        else
          lower[k] = (double)t;
        wanting++;
      }
      if (wanting == 0 || wanting >= before)
        break;
      before = wanting;
      if ((rc = lp_point(lp, w, lower, upper, &point)) != 0)
        break;
      ++*g->lps;
      *g->work += g->n;
      learn(g, point);
    }
  }
out:
  free(upper);
  free(lower);
  free(w);
  return rc;
}

/* Audits column k of g's programme lp: sets its cell's lo, hi, weak. */
static int audit_var(struct group *g, struct lp *lp, size_t k, int *weak) {
  struct dcell *c = &g->d->cells[g->vars[k]];
  const double *point;
  double lo = g->seen_lo[g->vars[k]], hi = g->seen_hi[g->vars[k]], v;
  int rc;

  if (!protected(c, lo, hi)) {
    if ((rc = lp_extreme(lp, k, 1, &v, &point)) != 0)
      return rc;
    ++*g->lps;
    *g->work += g->n;
    if (point != NULL)
      learn(g, point);
    hi = v;
    lo = g->seen_lo[g->vars[k]];
  }
  /* a small cell that cannot reach its threshold fails whatever its least */
  if (!protected(c, lo, hi) &&
      !(c->state == DISCLOSURE_PRIMARY && hi < (double)c->threshold - EPS)) {
    if ((rc = lp_extreme(lp, k, 0, &v, &point)) != 0)
      return rc;
    ++*g->lps;
    *g->work += g->n;
    learn(g, point);
    lo = v;
  }
  rounded(lo, hi, &c->lo, &c->hi);
  *weak = !protected(c, lo, hi);

  c->weak = (unsigned char)*weak;
  return 0;
}

/* Audits column k; a weak cell is counted and, unless this is a trial,
 * priced for its repair. */
static int check(struct group *g, struct lp *lp, size_t k, const size_t *glines,
                 size_t n_lines, struct audit_scratch *s) {
  int weak, rc;

  if ((rc = audit_var(g, lp, k, &weak)) != 0 || !weak)
    return rc;
  if (s->first == NULL &&
      (rc = audit_price(g->d, lp, g->vars, g->n, glines, n_lines, k, s)) != 0)
    return rc;
  ++s->n_weak;
  if (s->first_weak == SIZE_MAX)
    s->first_weak = g->vars[k];
  return 0;
}

/*
 * A large group's questions in two chains, each on its own copy of the
 * programme and of the values seen: half the survey's points, and half the
 * cells still short after the batches. Neither reads what the other finds
 * until both are done, so the result is the same whether the second chain
 * runs on a thread of its own (s->helper: the audit has a core to spare)
 * or after the first; a table of one large group, which the threads of
 * disclosure_groups.c cannot share out, then takes two cores.
 */
#define SPLIT_MIN 256 /* hidden cells: a group worth two chains */

struct chain {
  struct group g; /* its seen_lo and seen_hi its own */
  struct lp *lp;
  struct audit_scratch s;
  const size_t *glines;
  size_t n_lines;
  const size_t *asks; /* columns to check, when from == to */
  size_t n_asks;
  int from, to; /* survey passes */
  int rc;
};

static void *chain_run(void *arg) {
  struct chain *c = arg;

  if (c->from < c->to)
    c->rc = survey(&c->g, c->lp, c->from, c->to);
  for (size_t i = 0; c->rc == 0 && i < c->n_asks; i++)
    c->rc = check(&c->g, c->lp, c->asks[i], c->glines, c->n_lines, &c->s);
  return NULL;
}

/* Runs a's work (the survey's first passes, or the first cells) beside
 * chain b's, which starts from the values a has seen so far, and takes in
 * what b saw once both are done. */
static int beside(struct group *a, struct lp *lp, struct chain *b,
                  const size_t *asks, size_t n_asks, int helper,
                  struct audit_scratch *s) {
  pthread_t t;
  int started, rc = 0;

  for (size_t k = 0; k < a->n; k++) {
    size_t id = a->vars[k];

    b->g.seen_lo[id] = a->seen_lo[id];
    b->g.seen_hi[id] = a->seen_hi[id];
  }
  b->rc = 0;
  started = helper && pthread_create(&t, NULL, chain_run, b) == 0;
  if (b->from < b->to)
    rc = survey(a, lp, 0, b->from);
  for (size_t i = 0; rc == 0 && i < n_asks; i++)
    rc = check(a, lp, asks[i], b->glines, b->n_lines, s);
  if (started)
    pthread_join(t, NULL);
  else
    chain_run(b);
  for (size_t k = 0; k < a->n; k++) {
    size_t id = a->vars[k];

    if (b->g.seen_lo[id] < a->seen_lo[id])
      a->seen_lo[id] = b->g.seen_lo[id];
    if (b->g.seen_hi[id] > a->seen_hi[id])
      a->seen_hi[id] = b->g.seen_hi[id];
  }
  return rc != 0 ? rc : b->rc;
}

static int in_two(struct group *a, struct lp *lp, const size_t *glines,
                  size_t n_lines, const size_t *col, struct audit_scratch *s,
                  size_t left) {
  struct disclosure *d = (struct disclosure *)a->d;
  size_t n_cells = d->n_cells, *asks = NULL, n_asks = 0, half;
  struct chain b = {.g = *a, .glines = glines, .n_lines = n_lines};
  double *seen = malloc((2 * n_cells + 1) * sizeof *seen);
  unsigned char *done = NULL;
  int rc = -ENOMEM;

  b.s.score = calloc(n_cells + 1, sizeof *b.s.score);
  b.s.mark = calloc(n_cells + 1, 1);
  b.s.touched = malloc((n_cells + 1) * sizeof *b.s.touched);
  b.s.first_weak = SIZE_MAX;
  asks = malloc((a->n + 1) * sizeof *asks);
  done = calloc(a->n + 1, 1);
  if (seen == NULL || b.s.score == NULL || b.s.mark == NULL ||
      b.s.touched == NULL || asks == NULL || done == NULL)
    goto out;
  b.g.seen_lo = seen;
  b.g.seen_hi = seen + n_cells;
  b.g.lps = &b.s.lps;
  b.g.work = &b.s.work;
  if ((rc = lp_new(a->n, &b.lp)) != 0 ||
      (rc = audit_rows(d, b.lp, glines, n_lines, col, s->rowv, s->coef)) != 0 ||
      (rc = audit_start_basis(d, b.lp, a->vars, a->n, glines, n_lines)) != 0)
    goto out;
  if (left >= SURVEY_MIN && 4 * left >= a->n) {
    b.from = SURVEY_PASSES / 2;
    b.to = SURVEY_PASSES;
    if ((rc = beside(a, lp, &b, NULL, 0, s->helper, s)) != 0)
      goto out;
    b.from = b.to = 0;
  }
  if (left >= SURVEY_MIN && (rc = batches(a, lp)) != 0)
    goto out;
  for (size_t k = 0; k < a->n; k++)
    if (!seen_enough(a, k)) {
      asks[n_asks++] = k;
      done[k] = 1;
    }
  half = n_asks / 2;
  b.asks = asks + half;
  b.n_asks = n_asks - half;
  if ((rc = beside(a, lp, &b, asks, half, s->helper, s)) != 0)
    goto out;
  /* every other cell was seen wide enough: its interval, no programme */
  for (size_t k = 0; rc == 0 && k < a->n; k++)
    if (!done[k])
      rc = check(a, lp, k, glines, n_lines, s);
  s->lps += b.s.lps;
  s->work += b.s.work;
  s->n_weak += b.s.n_weak;
  if (s->first_weak == SIZE_MAX)
    s->first_weak = b.s.first_weak;
out:
  lp_free(b.lp);
  free(done);
  free(asks);
  free(b.s.touched);
  free(b.s.mark);
  free(b.s.score);
  free(seen);
  return rc;
}

int audit_group(struct disclosure *d, const size_t *vars, size_t n,
                const size_t *glines, size_t n_lines, const size_t *col,
                struct audit_scratch *s) {
  struct group gr = {.d = d,
                     .vars = vars,
                     .n = n,
                     .seen_lo = d->seen,
                     .seen_hi = d->seen + d->n_cells,
                     .lps = &s->lps,
                     .work = &s->work};
  struct lp *lp = NULL;
  size_t left = 0;
  int rc, trial = s->first != NULL;

  /* what earlier audits saw may leave nothing to ask: then no programme */
  for (size_t k = 0; k < n; k++)
    left += !seen_enough(&gr, k);
  rc = left > 0 ? lp_new(n, &lp) : 0;
  if (left > 0 && rc == 0)
    rc = audit_rows(d, lp, glines, n_lines, col, s->rowv, s->coef);
  if (left > 0 && rc == 0)
    rc = audit_start_basis(d, lp, vars, n, glines, n_lines);
  /* A trial fails, when it does, next to the cell it shows: those cells
   * first, and a trial stops at its first weak cell, a few programmes
   * instead of the group's all. */
  for (size_t k = 0; trial && rc == 0 && s->n_weak == 0 && k < n; k++)
    if (s->first[vars[k]])
      rc = check(&gr, lp, k, glines, n_lines, s);
  if (trial && s->n_weak > 0)
    goto out;
  if (rc == 0 && !trial && n >= SPLIT_MIN) {
    rc = in_two(&gr, lp, glines, n_lines, col, s, left);
    goto out;
  }
  if (rc == 0 && left >= SURVEY_MIN && 4 * left >= n)
    rc = survey(&gr, lp, 0, SURVEY_PASSES);
  if (rc == 0 && left >= SURVEY_MIN)
    rc = batches(&gr, lp);
  for (size_t k = 0; rc == 0 && k < n && !(trial && s->n_weak > 0); k++)
    rc = check(&gr, lp, k, glines, n_lines, s);
out:
  if (rc == 0 && lp != NULL)
    rc = audit_keep_basis(d, lp, vars, n, glines, n_lines);
  lp_free(lp);
  if (rc == -EDOM)
    rc = -EIO; /* the true values satisfy every row: the solver erred */
  return rc;
}
