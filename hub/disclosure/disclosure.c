/*
 * disclosure.c: the cells and lines of the published tables, and the order
 * of the work that decides which cells are hidden (see disclosure.h);
 * disclosure_choose.c makes the choices, disclosure_audit.c proves them.
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
 * Every choice depends only on the cells and lines in the order added, so
 * the same store publishes the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure_impl.h"

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
  d->thin_group_max = DISCLOSURE_THIN_GROUP_MAX;
  *out = d;
  return 0;
}

void disclosure_free(struct disclosure *d) {
  if (d == NULL)
    return;
  free(d->cells);
  free(d->lines);
  free(d->slots);
  free(d->seen);
  free(d->basis);
  free(d);
}

void disclosure_set_threads(struct disclosure *d, int threads) {
  d->threads = threads > 0 ? threads : 0;
}

void disclosure_set_thin_group_max(struct disclosure *d, size_t max_group) {
  d->thin_group_max = max_group;
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
  c->fix = SIZE_MAX;
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

int disclosure_apply(struct disclosure *d, int suppress_zeros,
                     struct disclosure_stats *stats) {
  struct incidence inc = {NULL, NULL};
  struct disclosure_stats st = {0};
  unsigned char *seen = NULL;
  size_t *hidden = NULL, *queue = NULL, *picks = NULL, *pos = NULL;
  int rc, changed, shown;

  d->weak = SIZE_MAX;
  d->work = 0;
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
  d->inc = &inc;
  choose_primary(d, suppress_zeros);
  /* Each round hides at least one more cell or shows a determined one for
   * good, and showing one starts the hiding again: at most as many rounds
   * as cells between two determined cells; in practice a handful in all. */
  for (;;) {
    size_t weak = 0;

    do
      choose_secondary(d, &inc, hidden, queue);
    while (choose_capacity(d) > 0);
    st.rounds++;
    d->weak = SIZE_MAX;
    if ((rc = disclosure_audit_run(d, NULL, &weak, &st.lps)) != 0)
      goto out;
    if (weak == 0)
      break;
    if ((rc = choose_repair(d, &inc, seen, queue, picks, pos, &changed, &shown,
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
      choose_unhide(d);
  }
  /* Thinning audits groups with trial states; the last audit gives every
   * hidden cell its interval as published. */
  if ((rc = choose_thin(d, &inc, seen, picks, &st)) != 0)
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
  choose_count(d, &st);
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
  d->inc = NULL;
  incidence_free(&inc);
  return rc;
}

int disclosure_apply_primary(struct disclosure *d, int suppress_zeros) {
  choose_primary(d, suppress_zeros);
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
  d->seen_stale = 1; /* the caller may have set any states */
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
