/*
 * disclosure.c: which cells of the published tables are hidden (see
 * disclosure.h); disclosure_audit.c proves the pattern holds.
 *
 * The summary builds one instance per publication, applies it, and hands
 * sinks only what disclosure_published() gives: suppression lives in the
 * core so that no sink can see, log or forward a value that should be
 * hidden.
 *
 * A line is an equation only when its members add up to its total in the
 * true figures; any other line is an inequality (a county is at least its
 * districts; recorded values add up to at most the total). Treating a
 * breakdown with unrecorded members as an equation would both hide
 * needlessly (protecting against a subtraction that gives nothing) and
 * mislead the audit; ignoring it would let the audit pass a cell that the
 * "at most" proves small. So inequalities force no secondary cell, but the
 * audit, the repairs and the thinning count them.
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
 *
 * Every choice depends only on the cells and lines in the order added, so
 * the same store publishes the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure_impl.h"

#define THIN_MIN_LPS 20000

enum {
  RULE_NONE = DISCLOSURE_RULE_NONE,
  RULE_PRIMARY = DISCLOSURE_RULE_PRIMARY,
  RULE_SECONDARY = DISCLOSURE_RULE_SECONDARY,
  RULE_AUDIT = DISCLOSURE_RULE_AUDIT,
  RULE_DETERMINED = DISCLOSURE_RULE_DETERMINED,
};

/* arr (*cap elements of size) with room for need, or NULL, arr untouched,
 * when memory runs out. need <= max, so no size overflows. */
static void *grow(void *arr, size_t *cap, size_t need, size_t size,
                  size_t max) {
  size_t cap2;
  void *p;

  if (need <= *cap)
    return arr;
  cap2 = *cap < 64 ? 64 : *cap;
  while (cap2 < need)
    cap2 = cap2 > max / 2 ? max : cap2 * 2;
  if ((p = realloc(arr, cap2 * size)) != NULL)
    *cap = cap2;
  return p;
}

int disclosure_new(struct disclosure **out) {
  struct disclosure *d;

  if ((d = calloc(1, sizeof *d)) == NULL)
    return -ENOMEM;
  d->weak = SIZE_MAX;
  *out = d;
  return 0;
}

void disclosure_free(struct disclosure *d) {
  if (d == NULL)
    return;
  free(d->cells);
  free(d->lines);
  free(d->slots);
  free(d);
}

int disclosure_add_cell(struct disclosure *d, const struct disclosure_cell *in,
                        size_t *id_out) {
  int source = (in->flags & DISCLOSURE_CELL_SOURCE) != 0;
  struct dcell *c;

  if ((!source && in->value < 0) || in->threshold < 0 || in->protection < 0 ||
      in->state > DISCLOSURE_SOURCE)
    return -EINVAL;
  if (d->n_cells >= DISCLOSURE_MAX_CELLS)
    return -E2BIG;
  c = grow(d->cells, &d->cap_cells, d->n_cells + 1, sizeof *c,
           DISCLOSURE_MAX_CELLS);
  if (c == NULL)
    return -ENOMEM;
  d->cells = c;
  c = &d->cells[d->n_cells];
  memset(c, 0, sizeof *c);
  c->value = source ? 0 : in->value;
  c->threshold = in->threshold;
  c->protection = in->protection > 0 ? in->protection : in->threshold;
  if (c->protection == 0)
    c->protection = 1;
  c->flags = in->flags;
  if (source)
    c->state = DISCLOSURE_SOURCE;
  else if (in->flags & DISCLOSURE_CELL_FIXED)
    c->state = (unsigned char)in->state;
  else
    c->state = DISCLOSURE_SHOWN;
  c->hi = INT64_MAX;
  d->published = 0;
  *id_out = d->n_cells++;
  return 0;
}

/* What the true values make of a line. */
static unsigned char line_kind(const struct disclosure *d,
                               const size_t *members, size_t n, size_t total) {
  int64_t sum = 0;

  for (size_t i = 0; i < n; i++)
    if (__builtin_add_overflow(sum, d->cells[members[i]].value, &sum))
      return LINE_NONE;
  if (sum == d->cells[total].value)
    return LINE_EQ;
  return sum < d->cells[total].value ? LINE_LE : LINE_GE;
}

int disclosure_add_line(struct disclosure *d, const size_t *members, size_t n,
                        size_t total) {
  size_t *slots;
  struct dline *lines;

  if (n == 0 || total >= d->n_cells ||
      d->cells[total].state == DISCLOSURE_SOURCE)
    return -EINVAL;
  /* n + 1 slots, compared without computing n + 1, which could wrap. */
  if (n >= DISCLOSURE_MAX_MEMBERSHIPS - d->n_slots)
    return -E2BIG;
  /* Checked before anything is stored, so an error adds nothing. A new epoch
   * per call: marks left by an earlier call, failed or not, never match. */
  d->epoch++;
  d->cells[total].mark = d->epoch;
  for (size_t i = 0; i < n; i++) {
    if (members[i] >= d->n_cells || d->cells[members[i]].mark == d->epoch ||
        d->cells[members[i]].state == DISCLOSURE_SOURCE)
      return -EINVAL; /* unknown, repeated, the total itself, or unknowable */
    d->cells[members[i]].mark = d->epoch;
  }
  slots = grow(d->slots, &d->cap_slots, d->n_slots + n + 1, sizeof *slots,
               DISCLOSURE_MAX_MEMBERSHIPS);
  if (slots == NULL)
    return -ENOMEM;
  d->slots = slots; /* kept even if lines fails: it is only spare room */
  /* A line has at least two slots, so there are at most half as many. */
  lines = grow(d->lines, &d->cap_lines, d->n_lines + 1, sizeof *lines,
               DISCLOSURE_MAX_MEMBERSHIPS / 2);
  if (lines == NULL)
    return -ENOMEM;
  d->lines = lines;
  memcpy(&d->slots[d->n_slots], members, n * sizeof *members);
  d->slots[d->n_slots + n] = total;
  d->lines[d->n_lines].first = d->n_slots;
  d->lines[d->n_lines].n = n;
  d->lines[d->n_lines].kind = line_kind(d, members, n, total);
  d->n_slots += n + 1;
  d->n_lines++;
  d->cells[total].total = 1;
  d->published = 0;
  return 0;
}

static void incidence_free(struct incidence *inc) {
  free(inc->start);
  free(inc->lines);
}

/* Fills inc; on error inc holds nothing to free. */
static int incidence_build(const struct disclosure *d, struct incidence *inc) {
  size_t c, i, k, pos;

  inc->start = calloc(d->n_cells + 1, sizeof *inc->start);
  /* + 1: malloc(0) may return NULL, which is not running out of memory. */
  inc->lines = malloc((d->n_slots + 1) * sizeof *inc->lines);
  if (inc->start == NULL || inc->lines == NULL) {
    incidence_free(inc);
    inc->start = inc->lines = NULL;
    return -ENOMEM;
  }
  /* Count into start[c + 1], sum to offsets, then fill with start[c] as
   * each cell's cursor; shifting back leaves start[c] at its first entry. */
  for (k = 0; k < d->n_lines; k++) {
    const struct dline *l = &d->lines[k];

    if (l->kind != LINE_NONE)
      for (i = 0; i <= l->n; i++)
        inc->start[d->slots[l->first + i] + 1]++;
  }
  for (c = 0; c < d->n_cells; c++)
    inc->start[c + 1] += inc->start[c];
  for (k = 0; k < d->n_lines; k++) {
    const struct dline *l = &d->lines[k];

    if (l->kind != LINE_NONE)
      for (i = 0; i <= l->n; i++)
        inc->lines[inc->start[d->slots[l->first + i]]++] = k;
  }
  pos = 0;
  for (c = 0; c < d->n_cells; c++) {
    size_t end = inc->start[c];

    inc->start[c] = pos;
    pos = end;
  }
  inc->start[d->n_cells] = pos;
  return 0;
}

static int is_fixed(const struct dcell *c) {
  return (c->flags & DISCLOSURE_CELL_FIXED) != 0;
}

static void primary(struct disclosure *d, int suppress_zeros) {
  d->published = 0;
  for (size_t i = 0; i < d->n_cells; i++) {
    struct dcell *c = &d->cells[i];

    c->rule = RULE_NONE;
    if (is_fixed(c) || c->state == DISCLOSURE_SOURCE)
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

static int can_hide(const struct dcell *c) {
  return c->state == DISCLOSURE_SHOWN && !is_fixed(c) &&
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

    if (!can_hide(&d->cells[id]))
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
static void secondary(struct disclosure *d, const struct incidence *inc,
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
static size_t capacity(struct disclosure *d) {
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

        if (!can_hide(c))
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

/*
 * For weak cell w: a shown cell to hide, searched outwards over the lines
 * from w (its own lines first, then the lines of the hidden cells met
 * there). The lowest tier wins wherever it is, so a headline total is taken
 * only when nothing else is left; within a tier, the nearest, then a value
 * that covers the shortfall, then the smallest. seen and queue have room
 * for n_cells; seen is all 0 on entry and on return.
 */
static size_t repair_pick(const struct disclosure *d,
                          const struct incidence *inc, size_t w,
                          unsigned char *seen, size_t *queue) {
  int64_t need = shortfall(&d->cells[w]);
  size_t head = 0, tail = 0, best = SIZE_MAX, level = 0;
  int best_rank = 0;

  queue[tail++] = w;
  seen[w] = 1;
  while (head < tail) {
    size_t level_end = tail;

    for (; head < level_end; head++) {
      size_t h = queue[head];

      for (size_t i = inc->start[h]; i < inc->start[h + 1]; i++) {
        const struct dline *l = &d->lines[inc->lines[i]];

        for (size_t j = 0; j <= l->n; j++) {
          size_t id = d->slots[l->first + j];
          const struct dcell *c = &d->cells[id];
          int rank;

          if (seen[id])
            continue;
          if (can_hide(c)) {
            /* levels past 1000 rank alike: far enough to be equal */
            rank = (tier(c, j == l->n) * 1024 +
                    (int)(level < 1000 ? level : 1000)) *
                       2 +
                   (c->value >= need ? 0 : 1);
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

static void count(const struct disclosure *d, struct disclosure_stats *st) {
  for (size_t i = 0; i < d->n_cells; i++) {
    if (is_fixed(&d->cells[i]))
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
static int repair(struct disclosure *d, const struct incidence *inc,
                  unsigned char *seen, size_t *queue, size_t *picks,
                  size_t *pos, int *changed, int *shown, size_t *lps) {
  size_t n_picks = 0;
  int rc;

  *changed = *shown = 0;
  for (size_t c = 0; c < d->n_cells; c++) {
    struct dcell *x = &d->cells[c];
    int pinned = 0, structural = 0;
    size_t p;

    if (!x->weak)
      continue;
    if (!is_fixed(x) && x->lo == x->hi &&
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
      x->rule = RULE_DETERMINED;
      *changed = *shown = 1;
    } else if ((p = repair_pick(d, inc, c, seen, queue)) != SIZE_MAX) {
      picks[n_picks++] = p;
    }
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
static void unhide(struct disclosure *d) {
  for (size_t c = 0; c < d->n_cells; c++)
    if (d->cells[c].rule == RULE_SECONDARY || d->cells[c].rule == RULE_AUDIT) {
      d->cells[c].state = DISCLOSURE_SHOWN;
      d->cells[c].rule = RULE_NONE;
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
 * by instances applied on two threads at once. */
static int by_worth(const void *x, const void *y, void *arg) {
  const struct disclosure *d = arg;
  size_t a = *(const size_t *)x, b = *(const size_t *)y;

  return worth_more(d, a, b) ? -1 : (worth_more(d, b, a) ? 1 : 0);
}

/*
 * Thins a passing pattern: each cell hidden beyond the primary ones, most
 * valuable first, is shown again if the pattern still passes without it
 * (an equation left with one hidden cell fails at once; otherwise the audit
 * of the groups around it decides). The repairs add cells one weakness at a
 * time and an early choice can be made redundant by a later one; this takes
 * back what is no longer needed. It may spend as many programmes as the
 * choosing did, and THIN_MIN_LPS more: on a large table a trial audits a
 * large group, and the board should not wait hours for a few cells. The
 * count of programmes is the same on every run, so is the result. mark has
 * room for n_cells, all 0.
 */
static int thin(struct disclosure *d, const struct incidence *inc,
                unsigned char *mark, size_t *order,
                struct disclosure_stats *st) {
  size_t n = 0, limit = 2 * st->lps + THIN_MIN_LPS;
  int rc = 0;

  for (size_t c = 0; c < d->n_cells; c++)
    if (d->cells[c].rule == RULE_SECONDARY || d->cells[c].rule == RULE_AUDIT)
      order[n++] = c;
  qsort_r(order, n, sizeof *order, by_worth, d);
  for (size_t k = 0; rc == 0 && k < n && st->lps < limit; k++) {
    size_t c = order[k], weak = 0;
    int lone = 0;

    d->cells[c].state = DISCLOSURE_SHOWN;
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
  return rc;
}

int disclosure_apply(struct disclosure *d, int suppress_zeros,
                     struct disclosure_stats *stats) {
  struct incidence inc = {NULL, NULL};
  struct disclosure_stats st = {0};
  unsigned char *seen = NULL;
  size_t *hidden = NULL, *queue = NULL, *picks = NULL, *pos = NULL;
  int rc, changed, shown;

  d->weak = SIZE_MAX;
  if ((rc = incidence_build(d, &inc)) != 0)
    goto out;
  rc = -ENOMEM;
  seen = calloc(d->n_cells + 1, 1);
  hidden = malloc((d->n_lines + 1) * sizeof *hidden);
  queue = malloc((d->n_lines + d->n_cells + 1) * sizeof *queue);
  picks = malloc((d->n_cells + 1) * sizeof *picks);
  pos = malloc((d->n_cells + 1) * sizeof *pos);
  if (seen == NULL || hidden == NULL || queue == NULL || picks == NULL ||
      pos == NULL)
    goto out;
  primary(d, suppress_zeros);
  /* Each round hides at least one more cell or shows a determined one for
   * good, and showing one starts the hiding again: at most as many rounds
   * as cells between two determined cells; in practice a handful in all. */
  for (;;) {
    size_t weak = 0;

    do
      secondary(d, &inc, hidden, queue);
    while (capacity(d) > 0);
    st.rounds++;
    d->weak = SIZE_MAX;
    if ((rc = disclosure_audit_run(d, NULL, &weak, &st.lps)) != 0)
      goto out;
    if (weak == 0)
      break;
    if ((rc = repair(d, &inc, seen, queue, picks, pos, &changed, &shown,
                     &st.lps)) != 0)
      goto out;
    if (!changed) {
      rc = -EDOM; /* d->weak names the first weak cell */
      goto out;
    }
    /* The cells hidden so far may have been hidden for the one just shown,
     * and may protect each other in pairs that thinning, one cell at a
     * time, cannot take back. A determined cell stays shown for good, so
     * starting the choice again from the primary cells ends. */
    if (shown)
      unhide(d);
  }
  /* Thinning audits groups with trial states; the last audit gives every
   * hidden cell its interval as published. */
  if ((rc = thin(d, &inc, seen, picks, &st)) != 0)
    goto out;
  {
    size_t weak = 0;

    if ((rc = disclosure_audit_run(d, NULL, &weak, &st.lps)) != 0)
      goto out;
    if (weak > 0) {
      rc = -EIO; /* thinning kept only passing states: cannot happen */
      goto out;
    }
  }
  count(d, &st);
  d->published = 1;
  rc = 0;
out:
  if (stats != NULL)
    *stats = st;
  free(pos);
  free(picks);
  free(queue);
  free(hidden);
  free(seen);
  incidence_free(&inc);
  return rc;
}

int disclosure_apply_primary(struct disclosure *d, int suppress_zeros) {
  primary(d, suppress_zeros);
  return 0;
}

enum disclosure_rule disclosure_rule(const struct disclosure *d, size_t id) {
  if (id >= d->n_cells)
    return DISCLOSURE_RULE_NONE;
  return (enum disclosure_rule)d->cells[id].rule;
}

int disclosure_audit(struct disclosure *d, size_t *weak) {
  size_t lps = 0;

  d->weak = SIZE_MAX;
  return disclosure_audit_run(d, NULL, weak, &lps);
}

size_t disclosure_weak(const struct disclosure *d) { return d->weak; }

int disclosure_bounds(const struct disclosure *d, size_t id, int64_t *lo,
                      int64_t *hi) {
  const struct dcell *c;

  if (id >= d->n_cells)
    return -EINVAL;
  c = &d->cells[id];
  if (!dcell_hidden(c) || c->state == DISCLOSURE_SOURCE)
    return -ENODATA;
  *lo = c->lo;
  *hi = c->hi;
  return 0;
}

enum disclosure_state disclosure_state(const struct disclosure *d, size_t id) {
  if (id >= d->n_cells)
    return DISCLOSURE_SOURCE;
  return (enum disclosure_state)d->cells[id].state;
}

int disclosure_published(const struct disclosure *d, size_t id,
                         int64_t *value) {
  if (id >= d->n_cells)
    return -EINVAL;
  if (!d->published)
    return -EAGAIN;
  if (dcell_hidden(&d->cells[id]))
    return -ENODATA;
  *value = d->cells[id].value;
  return 0;
}
