/*
 * disclosure_choose.c: which cells are hidden (disclosure_impl.h), in the
 * order disclosure_apply() runs the steps.
 *
 * Choosing is in three steps. Primary: exact counts below the threshold.
 * Secondary, as a worklist: an equation with exactly one hidden cell gives
 * that cell away by subtraction, so one more of its cells is hidden; a cell
 * only ever goes from shown to hidden, so a line reaches "exactly one" at
 * most once per pass and each pass is linear in the memberships. These two
 * steps are cheap and necessary, but not sufficient: a reader solves all
 * lines together and uses that counts are never negative. So the audit runs
 * next, and where it finds a weak cell, the repair hides one more shown cell
 * among the lines around it (the nearest lines first), then the worklist and
 * the audit run again, until the audit passes or nothing is left to hide.
 *
 * One case no hiding can mend: a cell fixed by what was published before
 * and the lines alone, whatever this publication shows or hides, such as a
 * 0 that is the difference of two cells other lines prove equal (a
 * partner's only district is its county), or a figure an earlier version
 * showed and nothing has changed since. Hiding it protects nothing, so it
 * is shown (counted as "determined"): that tells the reader nothing they
 * did not have. Not so a small count that published values give away: that
 * is a disclosure already made, and the summary is refused so that someone
 * looks at it. A cell that is only narrowed, or fixed with the help of a
 * value this publication could hide, is never shown that way either: if
 * nothing can be hidden for it, the summary is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure_impl.h"

#define THIN_WORK 500000 /* columns solved: a demo summary thins fully */

enum {
  RULE_NONE = DISCLOSURE_RULE_NONE,
  RULE_PRIMARY = DISCLOSURE_RULE_PRIMARY,
  RULE_SECONDARY = DISCLOSURE_RULE_SECONDARY,
  RULE_AUDIT = DISCLOSURE_RULE_AUDIT,
  RULE_DETERMINED = DISCLOSURE_RULE_DETERMINED,
};

void choose_primary(struct disclosure *d, int suppress_zeros) {
  d->published = 0;
  d->seen_stale = 1;
  for (size_t i = 0; i < d->n_cells; i++) {
    struct dcell *c = &d->cells[i];

    c->rule = RULE_NONE;
    c->missed = 0;
    if (dcell_fixed(c) || c->state == DISCLOSURE_SOURCE)
      continue;
    if (c->value < c->threshold && (c->value != 0 || suppress_zeros)) {
      c->state = DISCLOSURE_PRIMARY;
      c->rule = RULE_PRIMARY;
    } else {
      c->state = DISCLOSURE_SHOWN;
    }
  }
}

/*
 * How much a reader of the board pack loses when c is hidden, as a rank
 * (lower hides first): a non-zero member of a line, then a total, then a
 * zero (a hidden 0 adds no room downwards), a headline partnership total
 * last while anything else is left.
 */
static int tier(const struct dcell *c, int as_total) {
  if (c->flags & DISCLOSURE_CELL_HEADLINE)
    return 3;
  if (c->value == 0)
    return 2;
  return as_total || c->total ? 1 : 0;
}

/* Whether cell ia of rank ra hides before cell ib of rank rb (ib SIZE_MAX:
 * none yet); value then id break ties, so the choice depends on nothing but
 * the table. */
static int before(const struct disclosure *d, int ra, size_t ia, int rb,
                  size_t ib) {
  if (ib == SIZE_MAX || ra != rb)
    return ib == SIZE_MAX || ra < rb;
  if (d->cells[ia].value != d->cells[ib].value)
    return d->cells[ia].value < d->cells[ib].value;
  return ia < ib;
}

int choose_can_hide(const struct dcell *c) {
  return c->state == DISCLOSURE_SHOWN && !dcell_fixed(c) &&
         c->rule != RULE_DETERMINED;
}

/* The shown cell of line k to hide, or SIZE_MAX if none can be. */
static size_t pick(const struct disclosure *d, size_t k) {
  const struct dline *l = &d->lines[k];
  size_t best = SIZE_MAX;
  int best_rank = 0;

  for (size_t i = 0; i <= l->n; i++) {
    size_t id = d->slots[l->first + i];
    int rank;

    if (!choose_can_hide(&d->cells[id]))
      continue;
    rank = tier(&d->cells[id], i == l->n);
    if (before(d, rank, id, best_rank, best)) {
      best = id;
      best_rank = rank;
    }
  }
  return best;
}

/* Hides a second cell in every equation with exactly one hidden cell, to a
 * fixed point. hidden and queue have room for n_lines. */
void choose_secondary(struct disclosure *d, const struct incidence *inc,
                      size_t *hidden, size_t *queue) {
  size_t head = 0, tail = 0;

  for (size_t k = 0; k < d->n_lines; k++) {
    const struct dline *l = &d->lines[k];

    hidden[k] = 0;
    if (l->kind != LINE_EQ)
      continue;
    for (size_t i = 0; i <= l->n; i++)
      hidden[k] += dcell_hidden(&d->cells[d->slots[l->first + i]]);
    if (hidden[k] == 1)
      queue[tail++] = k;
  }
  /* A line enters the queue only when its count is or becomes one, which
   * happens once, so n_lines entries are enough. */
  while (head < tail) {
    size_t k = queue[head++], c;

    if (hidden[k] != 1 || (c = pick(d, k)) == SIZE_MAX)
      continue; /* already two, or nothing left to hide: the audit judges */
    d->cells[c].state = DISCLOSURE_SECONDARY;
    d->cells[c].rule = RULE_SECONDARY;
    for (size_t i = inc->start[c]; i < inc->start[c + 1]; i++)
      if (++hidden[inc->lines[i]] == 1 &&
          d->lines[inc->lines[i]].kind == LINE_EQ)
        queue[tail++] = inc->lines[i];
  }
}

/* What a small cell needs to reach upwards from 0: its threshold, and as
 * wide an interval as its protection. */
static int64_t reach(const struct dcell *c) {
  return c->threshold > c->protection ? c->threshold : c->protection;
}

/*
 * Room in each equation for its small members. A PRIMARY member can grow
 * only as far as the other hidden members can shrink (to 0), unless the
 * total is hidden too; where that room is short of what the cell must
 * reach, one more member is hidden (the smallest that closes the gap, else
 * the largest) until it is not. One line at a time: necessary, not enough,
 * but it leaves the audit little to mend, and on a large table each audit
 * round is what costs. Hiding only adds room elsewhere, so one pass over
 * the lines is enough. Returns how many cells it hid.
 */
size_t choose_capacity(struct disclosure *d) {
  size_t hid = 0;

  for (size_t k = 0; k < d->n_lines; k++) {
    const struct dline *l = &d->lines[k];

    if (l->kind != LINE_EQ ||
        dcell_hidden(&d->cells[d->slots[l->first + l->n]]))
      continue;
    for (;;) {
      int64_t room = 0, short_by = 0;
      size_t best = SIZE_MAX;

      for (size_t i = 0; i < l->n; i++) {
        const struct dcell *c = &d->cells[d->slots[l->first + i]];

        if (dcell_hidden(c) && c->state != DISCLOSURE_SOURCE)
          room += c->value;
      }
      for (size_t i = 0; i < l->n; i++) {
        const struct dcell *c = &d->cells[d->slots[l->first + i]];
        int64_t gap = reach(c) - c->value - (room - c->value);

        if (c->state == DISCLOSURE_PRIMARY && gap > short_by)
          short_by = gap;
      }
      if (short_by <= 0)
        break;
      for (size_t i = 0; i < l->n; i++) {
        size_t id = d->slots[l->first + i];
        const struct dcell *c = &d->cells[id], *b;

        if (!choose_can_hide(c))
          continue;
        if (best == SIZE_MAX) {
          best = id;
          continue;
        }
        b = &d->cells[best];
        if ((c->value >= short_by) != (b->value >= short_by)
                ? c->value >= short_by
                : (c->value >= short_by ? c->value < b->value
                                        : c->value > b->value))
          best = id;
      }
      if (best == SIZE_MAX)
        break; /* nothing left to hide here: the audit judges */
      d->cells[best].state = DISCLOSURE_SECONDARY;
      d->cells[best].rule = RULE_SECONDARY;
      hid++;
    }
  }
  return hid;
}

/* How far c's audited interval falls short: the smallest hidden value that
 * could close the gap. */
static int64_t shortfall(const struct dcell *c) {
  int64_t up, wide;

  if (c->state != DISCLOSURE_PRIMARY)
    return 1;
  up = c->hi >= c->threshold ? 0 : c->threshold - c->hi;
  wide = c->hi - c->lo >= c->protection ? 0 : c->protection - (c->hi - c->lo);
  return up > wide ? up : wide;
}

/* A repair's rank without distance: its tier, then whether it covers. */
static int priced_rank(const struct dcell *c, int64_t need) {
  return tier(c, c->total) * 2 + (c->value >= need ? 0 : 1);
}

int choose_better_repair(const struct disclosure *d, size_t w, size_t a,
                         size_t b) {
  int64_t need = shortfall(&d->cells[w]);

  return before(d, priced_rank(&d->cells[a], need), a,
                b != SIZE_MAX ? priced_rank(&d->cells[b], need) : 0, b);
}

/*
 * For weak cell w: a shown cell to hide, searched outwards over the lines
 * from w (its own lines first, then the lines of the hidden cells met
 * there). A headline total is taken only when nothing else is left. For a
 * cell found weak once or twice in a row, the lowest tier wins wherever it
 * is (a member before a total), then the nearest; a cell found weak a
 * third time has its room cut off near it, which far members never open
 * (on a board's summary the same cells stayed weak for scores of rounds
 * while the pattern grew), so from then on the nearest wins, then the
 * lowest tier. Then a value that covers the shortfall, then the smallest.
 * seen and queue have room for n_cells; seen is all 0 on entry and on
 * return.
 */
static size_t repair_pick(const struct disclosure *d,
                          const struct incidence *inc, size_t w,
                          unsigned char *seen, size_t *queue) {
  int64_t need = shortfall(&d->cells[w]);
  size_t head = 0, tail = 0, best = SIZE_MAX, level = 0;
  int best_rank = 0, nearest = d->cells[w].missed >= 2;

  queue[tail++] = w;
  seen[w] = 1;
  while (head < tail) {
    size_t level_end = tail;
    /* levels past 1000 rank alike: far enough to be equal */
    int far = (int)(level < 1000 ? level : 1000);

    for (; head < level_end; head++) {
      size_t h = queue[head];

      for (size_t i = inc->start[h]; i < inc->start[h + 1]; i++) {
        const struct dline *l = &d->lines[inc->lines[i]];

        for (size_t j = 0; j <= l->n; j++) {
          size_t id = d->slots[l->first + j];
          const struct dcell *c = &d->cells[id];

          if (seen[id])
            continue;
          if (choose_can_hide(c)) {
            int t = tier(c, j == l->n);
            int rank = t == 3    ? 4 * 1024 + far
                       : nearest ? far * 4 + t
                                 : t * 1024 + far;

            rank = rank * 2 + (c->value >= need ? 0 : 1);
            if (before(d, rank, id, best_rank, best)) {
              best = id;
              best_rank = rank;
            }
          } else if (dcell_hidden(c) && c->state != DISCLOSURE_SOURCE) {
            seen[id] = 1;
            queue[tail++] = id;
          }
        }
      }
    }
    level++;
  }
  for (size_t i = 0; i < tail; i++)
    seen[queue[i]] = 0;
  return best;
}

void choose_count(const struct disclosure *d, struct disclosure_stats *st) {
  for (size_t i = 0; i < d->n_cells; i++) {
    if (dcell_fixed(&d->cells[i]))
      continue; /* published before: counted then */
    if (d->cells[i].state == DISCLOSURE_SOURCE)
      st->source++;
    else if (d->cells[i].rule == RULE_PRIMARY && dcell_hidden(&d->cells[i]))
      st->primary++;
    else if (d->cells[i].rule == RULE_SECONDARY)
      st->secondary++;
    else if (d->cells[i].rule == RULE_AUDIT)
      st->audit++;
    else if (d->cells[i].rule == RULE_DETERMINED)
      st->determined++;
  }
}

/* One round of repairs after an audit that found weak cells: *changed 1
 * when some cell changed, 0 when nothing could; *shown 1 when a determined
 * cell was shown. pos has room for n_cells. */
int choose_repair(struct disclosure *d, const struct incidence *inc,
                  unsigned char *seen, size_t *queue, size_t *picks,
                  size_t *pos, int *changed, int *shown, size_t *lps) {
  size_t n_picks = 0;
  int rc;

  *changed = *shown = 0;
  for (size_t c = 0; c < d->n_cells; c++) {
    struct dcell *x = &d->cells[c];
    int pinned = 0, structural = 0;
    size_t p;

    if (!x->weak) {
      x->missed = 0;
      continue;
    }
    if (!dcell_fixed(x) && x->lo == x->hi &&
        (rc = disclosure_pinned(d, inc, c, seen, queue, pos, 0, &pinned,
                                lps)) != 0)
      return rc;
    if (pinned && x->state == DISCLOSURE_PRIMARY &&
        (rc = disclosure_pinned(d, inc, c, seen, queue, pos, 1, &structural,
                                lps)) != 0)
      return rc;
    if (pinned && x->state == DISCLOSURE_PRIMARY && !structural)
      continue; /* a small count published figures give away: refused */
    if (pinned) {
      x->state = DISCLOSURE_SHOWN; /* hiding it protects nothing */
      d->seen_stale = 1;
      x->rule = RULE_DETERMINED;
      *changed = *shown = 1;
    } else if ((p = x->fix) != SIZE_MAX && choose_can_hide(&d->cells[p])) {
      picks[n_picks++] = p; /* what the audit's prices say gives it room */
    } else if ((p = repair_pick(d, inc, c, seen, queue)) != SIZE_MAX) {
      picks[n_picks++] = p;
    }
    if (x->missed < 2)
      x->missed++;
  }
  /* Hidden after the search, so every weak cell chose from the same
   * pattern; two may well choose the same cell. */
  for (size_t i = 0; i < n_picks; i++) {
    d->cells[picks[i]].state = DISCLOSURE_SECONDARY;
    d->cells[picks[i]].rule = RULE_AUDIT;
    *changed = 1;
  }
  return 0;
}

/* Back to the primary pattern, determined cells kept shown. */
void choose_unhide(struct disclosure *d) {
  d->seen_stale = 1;
  for (size_t c = 0; c < d->n_cells; c++) {
    d->cells[c].missed = 0; /* the choice starts again */
    if (d->cells[c].rule == RULE_SECONDARY || d->cells[c].rule == RULE_AUDIT) {
      d->cells[c].state = DISCLOSURE_SHOWN;
      d->cells[c].rule = RULE_NONE;
    }
  }
}

/* Whether cell a is worth more to the board than cell b: shown first when
 * the pattern is thinned. The reverse of the order in which cells hide. */
static int worth_more(const struct disclosure *d, size_t a, size_t b) {
  int ta = tier(&d->cells[a], 0), tb = tier(&d->cells[b], 0);

  if (ta != tb)
    return ta > tb;
  if (d->cells[a].value != d->cells[b].value)
    return d->cells[a].value > d->cells[b].value;
  return a < b;
}

/* For qsort_r: a file static for qsort's missing context would be shared
 * by instances applied on two threads at once. The repairs' cells come
 * first: they were added one weakness at a time, and a later one often
 * makes an earlier one needless, while a cell the worklist hid closes a
 * line that still needs it. Within each, the most valuable first. */
static int by_worth(const void *x, const void *y, void *arg) {
  const struct disclosure *d = arg;
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  int ra = d->cells[a].rule == RULE_AUDIT, rb = d->cells[b].rule == RULE_AUDIT;

  if (ra != rb)
    return ra ? -1 : 1;
  return worth_more(d, a, b) ? -1 : (worth_more(d, b, a) ? 1 : 0);
}

/*
 * Thins a passing pattern: each cell hidden beyond the primary ones, the
 * repairs' first (by_worth), is shown again if the pattern still passes
 * without it (an equation left with one hidden cell fails at once;
 * otherwise a trial audit of the groups around it decides, which asks the
 * cells beside it first and stops at the first weak one). The repairs add
 * cells one weakness at a time and an early choice can be made redundant
 * by a later one; this takes back what is no longer needed. It may do
 * THIN_WORK (programmes times their columns), whatever the choosing
 * took: enough to thin a summary of the demo's size fully. No trial is made
 * in a group of more than d->thin_group_max hidden cells: a trial there
 * audits a programme of thousands of rows afresh, which on the benchmark's
 * 5,148-cell table gave back 3 of 2,241 hidden cells for three quarters of
 * the time, and the board should not wait for them. The work is the same on
 * every run, so is the result. mark has room for n_cells, all 0.
 */
int choose_thin(struct disclosure *d, const struct incidence *inc,
                unsigned char *mark, size_t *order,
                struct disclosure_stats *st) {
  size_t n = 0, limit = d->work + THIN_WORK;
  size_t *size = malloc((d->n_cells + 1) * sizeof *size);
  int rc = 0;

  if (size == NULL)
    return -ENOMEM;
  if ((rc = disclosure_group_sizes(d, size)) != 0)
    goto out;
  for (size_t c = 0; c < d->n_cells; c++)
    if ((d->cells[c].rule == RULE_SECONDARY ||
         d->cells[c].rule == RULE_AUDIT) &&
        size[c] <= d->thin_group_max)
      order[n++] = c;
  qsort_r(order, n, sizeof *order, by_worth, d);
  for (size_t k = 0; rc == 0 && k < n && d->work < limit; k++) {
    size_t c = order[k], weak = 0;
    int lone = 0;

    d->cells[c].state = DISCLOSURE_SHOWN; /* the trial audit starts its
                                              groups afresh (only) */
    for (size_t i = inc->start[c]; i < inc->start[c + 1]; i++) {
      const struct dline *l = &d->lines[inc->lines[i]];
      size_t hidden = 0;

      for (size_t j = 0; j <= l->n; j++) {
        size_t id = d->slots[l->first + j];

        if (dcell_hidden(&d->cells[id])) {
          hidden++;
          mark[id] = 1;
        }
      }
      lone |= l->kind == LINE_EQ && hidden == 1;
    }
    if (!lone)
      rc = disclosure_audit_run(d, mark, &weak, &st->lps);
    if (lone || weak > 0)
      d->cells[c].state = DISCLOSURE_SECONDARY;
    else
      d->cells[c].rule = RULE_NONE;
    for (size_t i = inc->start[c]; i < inc->start[c + 1]; i++) {
      const struct dline *l = &d->lines[inc->lines[i]];

      for (size_t j = 0; j <= l->n; j++)
        mark[d->slots[l->first + j]] = 0;
    }
  }
out:
  free(size);
  return rc;
}
