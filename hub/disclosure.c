/*
 * disclosure.c: primary and secondary suppression of small counts (see
 * disclosure.h).
 *
 * The summary builds one instance per published table set, applies it, and
 * hands sinks only what disclosure_published() gives: suppression lives in
 * the core so that no sink can see, log or forward a value that should be
 * hidden.
 *
 * A line is an equation, members + total, only when its total is exact; a
 * partial total is a lower bound and tells an attacker nothing exact. The
 * attacker we defend against subtracts along such lines, one at a time,
 * using what each step told them in the next: what a reader of a board paper
 * can do by hand. They can start only on a line with exactly one unknown
 * cell, so the invariant after disclosure_apply() is: every line with an
 * exact total has zero hidden cells or at least two. SOURCE cells count as
 * hidden there, so a partner's "<5" cannot be worked out from our table
 * either.
 *
 * Secondary suppression is a worklist rather than sweeps over all lines: a
 * cell only ever goes from shown to hidden, so a line's hidden count only
 * grows, and it reaches exactly one at most once (at the start, or when it
 * goes from zero to one). Each line is queued at most once and each hiding
 * visits the lines of its cell once: time and memory linear in cells plus
 * memberships, no recursion. The result depends only on the order of adds,
 * so a summary run twice publishes the same table.
 *
 * Not modelled: solving several lines together (a hidden cell that is the
 * only link between two closed groups of hidden cells is determined), and
 * the bounds that counts being >= 0 give. A shown partial cell in a line
 * with an exact total counts as known, as if the attacker had its true
 * value: an assumption that can only make us hide more, never less.
 */
#include "disclosure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cell {
  int64_t value; /* 0 for SOURCE: never read */
  int64_t threshold;
  size_t mark;         /* add_line's duplicate check: last epoch seen */
  unsigned char exact; /* 0: a lower bound */
  unsigned char source;
  unsigned char state; /* enum disclosure_state */
};

/* slots[first .. first + n - 1] are the members, slots[first + n] the
 * total. */
struct line {
  size_t first;
  size_t n;
};

struct disclosure {
  struct cell *cells;
  size_t n_cells, cap_cells;
  struct line *lines;
  size_t n_lines, cap_lines;
  size_t *slots;
  size_t n_slots, cap_slots;
  size_t epoch;  /* one per add_line call, so a failed call leaves no marks */
  int published; /* 1 after a full apply with nothing added since */
};

/* The lines with an exact total each cell is in (members and totals alike),
 * as compressed rows: cell c's are lines[start[c] .. start[c + 1] - 1]. Only
 * exact lines are equations, so only they are indexed. */
struct incidence {
  size_t *start;
  size_t *lines;
};

/* arr (*cap elements of size) with room for need, or NULL, arr untouched,
 * when memory runs out. need <= max, so no size overflows: max * size is a
 * few tens of MB. */
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

  if ((d = malloc(sizeof *d)) == NULL)
    return -ENOMEM;
  memset(d, 0, sizeof *d);
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

int disclosure_add_cell(struct disclosure *d, int64_t value, int exact,
                        int64_t threshold, int source_suppressed,
                        size_t *id_out) {
  struct cell *c;

  if ((!source_suppressed && value < 0) || threshold < 0)
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
  c->value = source_suppressed ? 0 : value;
  c->threshold = threshold;
  c->exact = exact != 0;
  c->source = source_suppressed != 0;
  c->state = c->source ? DISCLOSURE_SOURCE : DISCLOSURE_SHOWN;
  d->published = 0;
  *id_out = d->n_cells++;
  return 0;
}

int disclosure_add_line(struct disclosure *d, const size_t *members, size_t n,
                        size_t total) {
  size_t *slots;
  struct line *lines;
  size_t i;

  if (n == 0 || total >= d->n_cells)
    return -EINVAL;
  /* n + 1 slots, compared without computing n + 1, which could wrap. */
  if (n >= DISCLOSURE_MAX_MEMBERSHIPS - d->n_slots)
    return -E2BIG;
  /* Checked before anything is stored, so an error adds nothing. A new epoch
   * per call: marks left by an earlier call, failed or not, never match. */
  d->epoch++;
  d->cells[total].mark = d->epoch;
  for (i = 0; i < n; i++) {
    if (members[i] >= d->n_cells || d->cells[members[i]].mark == d->epoch)
      return -EINVAL; /* unknown, repeated, or the total itself */
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
  d->n_slots += n + 1;
  d->n_lines++;
  d->published = 0;
  return 0;
}

static int line_exact(const struct disclosure *d, const struct line *l) {
  return d->cells[d->slots[l->first + l->n]].exact;
}

static void incidence_free(struct incidence *inc) {
  free(inc->start);
  free(inc->lines);
}

/* Fills inc; on error inc holds nothing to free. */
static int incidence_build(const struct disclosure *d, struct incidence *inc) {
  size_t c, i, k, pos;

  inc->start = malloc((d->n_cells + 1) * sizeof *inc->start);
  /* + 1: malloc(0) may return NULL, which is not running out of memory. */
  inc->lines = malloc((d->n_slots + 1) * sizeof *inc->lines);
  if (inc->start == NULL || inc->lines == NULL) {
    incidence_free(inc);
    inc->start = inc->lines = NULL;
    return -ENOMEM;
  }
  memset(inc->start, 0, (d->n_cells + 1) * sizeof *inc->start);
  /* Count into start[c + 1], sum to offsets, then fill with start[c] as
   * each cell's cursor; shifting back leaves start[c] at its first entry. */
  for (k = 0; k < d->n_lines; k++) {
    const struct line *l = &d->lines[k];

    if (line_exact(d, l))
      for (i = 0; i <= l->n; i++)
        inc->start[d->slots[l->first + i] + 1]++;
  }
  for (c = 0; c < d->n_cells; c++)
    inc->start[c + 1] += inc->start[c];
  for (k = 0; k < d->n_lines; k++) {
    const struct line *l = &d->lines[k];

    if (line_exact(d, l))
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

static int is_hidden(const struct cell *c) {
  return c->state != DISCLOSURE_SHOWN;
}

static void primary(struct disclosure *d, int suppress_zeros) {
  size_t i;

  d->published = 0;
  for (i = 0; i < d->n_cells; i++) {
    struct cell *c = &d->cells[i];

    if (c->source)
      c->state = DISCLOSURE_SOURCE;
    else if (c->exact && c->value < c->threshold &&
             (c->value != 0 || suppress_zeros))
      c->state = DISCLOSURE_PRIMARY;
    else
      c->state = DISCLOSURE_SHOWN;
  }
}

/*
 * The SHOWN cell of l to hide, or SIZE_MAX if none is left. Ranks: a
 * non-zero member (the smallest hides the least information a reader
 * wants), then the total (hiding it spreads into the lines it is a member
 * of), then a zero member (a hidden 0 is often guessed: tables are full of
 * them). Ties by value, then lowest id, so the choice is deterministic.
 */
static size_t pick(const struct disclosure *d, const struct line *l) {
  size_t best = SIZE_MAX, i;
  int best_rank = 0;

  for (i = 0; i <= l->n; i++) {
    size_t id = d->slots[l->first + i];
    const struct cell *c = &d->cells[id];
    int rank;

    if (is_hidden(c))
      continue;
    if (i == l->n)
      rank = 1;
    else
      rank = c->value > 0 ? 0 : 2;
    if (best == SIZE_MAX || rank < best_rank ||
        (rank == best_rank &&
         (c->value < d->cells[best].value ||
          (c->value == d->cells[best].value && id < best)))) {
      best = id;
      best_rank = rank;
    }
  }
  return best;
}

static int secondary(struct disclosure *d) {
  struct incidence inc = {NULL, NULL};
  size_t *hidden = NULL, *queue = NULL;
  size_t head = 0, tail = 0, i, k;
  int rc;

  if ((rc = incidence_build(d, &inc)) != 0)
    goto out;
  hidden = malloc((d->n_lines + 1) * sizeof *hidden);
  queue = malloc((d->n_lines + 1) * sizeof *queue);
  if (hidden == NULL || queue == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  for (k = 0; k < d->n_lines; k++) {
    const struct line *l = &d->lines[k];

    hidden[k] = 0;
    if (!line_exact(d, l))
      continue;
    for (i = 0; i <= l->n; i++)
      hidden[k] += is_hidden(&d->cells[d->slots[l->first + i]]);
    if (hidden[k] == 1)
      queue[tail++] = k;
  }
  /* A line enters the queue only when its count is or becomes one, which
   * happens once, so n_lines entries are enough. */
  while (head < tail) {
    size_t c;

    k = queue[head++];
    if (hidden[k] != 1)
      continue; /* another line's choice already hid a second cell here */
    /* Every line has two cells or more, so with one hidden one is shown. */
    c = pick(d, &d->lines[k]);
    d->cells[c].state = DISCLOSURE_SECONDARY;
    for (i = inc.start[c]; i < inc.start[c + 1]; i++)
      if (++hidden[inc.lines[i]] == 1)
        queue[tail++] = inc.lines[i];
  }
  rc = 0;
out:
  free(queue);
  free(hidden);
  incidence_free(&inc);
  return rc;
}

int disclosure_apply_primary(struct disclosure *d, int suppress_zeros) {
  primary(d, suppress_zeros);
  return 0;
}

int disclosure_apply(struct disclosure *d, int suppress_zeros) {
  int rc;

  primary(d, suppress_zeros);
  if ((rc = secondary(d)) != 0)
    return rc;
  d->published = 1;
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
  if (is_hidden(&d->cells[id]))
    return -ENODATA;
  *value = d->cells[id].value;
  return 0;
}

int disclosure_recoverable(const struct disclosure *d, size_t *out) {
  struct incidence inc = {NULL, NULL};
  size_t *unknown = NULL, *queue = NULL;
  unsigned char *known = NULL;
  size_t head = 0, tail = 0, n = 0, i, k;
  int rc;

  if ((rc = incidence_build(d, &inc)) != 0)
    goto out;
  unknown = malloc((d->n_lines + 1) * sizeof *unknown);
  queue = malloc((d->n_lines + 1) * sizeof *queue);
  known = malloc(d->n_cells + 1);
  if (unknown == NULL || queue == NULL || known == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  for (i = 0; i < d->n_cells; i++)
    known[i] = !is_hidden(&d->cells[i]);
  for (k = 0; k < d->n_lines; k++) {
    const struct line *l = &d->lines[k];

    unknown[k] = 0;
    if (!line_exact(d, l))
      continue;
    for (i = 0; i <= l->n; i++)
      unknown[k] += !known[d->slots[l->first + i]];
    if (unknown[k] == 1)
      queue[tail++] = k;
  }
  /* Counts only fall, so each line reaches one once: n_lines entries. */
  while (head < tail) {
    const struct line *l;
    size_t c = SIZE_MAX;

    k = queue[head++];
    if (unknown[k] != 1)
      continue; /* learnt meanwhile through another line */
    l = &d->lines[k];
    for (i = 0; i <= l->n && c == SIZE_MAX; i++)
      if (!known[d->slots[l->first + i]])
        c = d->slots[l->first + i];
    known[c] = 1;
    if (d->cells[c].state == DISCLOSURE_PRIMARY ||
        d->cells[c].state == DISCLOSURE_SECONDARY)
      n++;
    for (i = inc.start[c]; i < inc.start[c + 1]; i++)
      if (--unknown[inc.lines[i]] == 1)
        queue[tail++] = inc.lines[i];
  }
  *out = n;
  rc = 0;
out:
  free(known);
  free(queue);
  free(unknown);
  incidence_free(&inc);
  return rc;
}
