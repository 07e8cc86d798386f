/*
 * disclosure_groups.c: the audit over a whole table. Hidden cells that share
 * no line, directly or through other hidden cells, cannot inform each other,
 * so each group of linked cells (a union-find component) is a programme of
 * its own: this file finds the groups and hands each to audit_group()
 * (disclosure_audit.c).
 *
 * A large summary has several large groups (one a measure, typically), and
 * a programme's time grows much faster than its size, so they are audited
 * on several threads. A group reads the table and writes only its own cells
 * (their intervals, flags and seen ranges), and each thread has its own
 * scratch, so the result does not depend on which thread took which group:
 * the first weak cell and the counts are gathered in group order afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disclosure_impl.h"

#define PARALLEL_MIN 64 /* hidden cells: a group worth a thread of its own */
#define THREADS_MAX 4

static size_t uf_find(size_t *parent, size_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]]; /* halve the path as we go */
    x = parent[x];
  }
  return x;
}

/* The group of line k's hidden cells (all in one), or SIZE_MAX when it has
 * none or tells nothing. */
static size_t line_group(const struct disclosure *d, size_t k,
                         const size_t *group_of) {
  const struct dline *l = &d->lines[k];

  if (l->kind == LINE_NONE)
    return SIZE_MAX;
  for (size_t i = 0; i <= l->n; i++)
    if (group_of[d->slots[l->first + i]] != SIZE_MAX)
      return group_of[d->slots[l->first + i]];
  return SIZE_MAX;
}

/* The groups: cells and lines of group g are vars[vstart[g] ..
 * vstart[g + 1] - 1] and glines[lstart[g] .. lstart[g + 1] - 1]; col[c] is
 * cell c's column in its group's programme. */
struct groups {
  size_t n_groups, widest;
  size_t *vstart, *vars, *lstart, *glines, *col;
  size_t *group_of; /* per cell, SIZE_MAX for one not audited */
};

static void groups_free(struct groups *gs) {
  free(gs->vstart);
  free(gs->vars);
  free(gs->lstart);
  free(gs->glines);
  free(gs->col);
  free(gs->group_of);
}

/* Links the audited cells of each line in parent (n_cells entries): its
 * roots are then the groups. *widest: the most cells a line has. */
static void link_lines(const struct disclosure *d, size_t *parent,
                       size_t *widest) {
  for (size_t c = 0; c < d->n_cells; c++)
    parent[c] = c;
  for (size_t k = 0; k < d->n_lines; k++) {
    const struct dline *l = &d->lines[k];
    size_t first = SIZE_MAX;

    if (l->kind == LINE_NONE)
      continue;
    if (l->n + 1 > *widest)
      *widest = l->n + 1;
    for (size_t i = 0; i <= l->n; i++) {
      size_t c = d->slots[l->first + i];

      if (!dcell_audited(&d->cells[c]))
        continue;
      if (first == SIZE_MAX)
        first = c;
      else
        parent[uf_find(parent, c)] = uf_find(parent, first);
    }
  }
}

int disclosure_group_sizes(const struct disclosure *d, size_t *size) {
  size_t n = d->n_cells, widest = 1, *parent = malloc((n + 1) * sizeof *parent);

  if (parent == NULL)
    return -ENOMEM;
  link_lines(d, parent, &widest);
  memset(size, 0, n * sizeof *size);
  for (size_t c = 0; c < n; c++)
    if (dcell_audited(&d->cells[c]))
      size[uf_find(parent, c)]++;
  for (size_t c = 0; c < n; c++)
    size[c] = dcell_audited(&d->cells[c]) ? size[uf_find(parent, c)] : 0;
  free(parent);
  return 0;
}

/* Fills gs; also clears the weak flag and fix of every audited cell. 0 or
 * -ENOMEM (gs then holds what to free). */
static int groups_find(struct disclosure *d, struct groups *gs) {
  size_t n = d->n_cells, *parent = NULL, *group_of;
  int rc = -ENOMEM;

  memset(gs, 0, sizeof *gs);
  gs->widest = 1;
  parent = malloc((n + 1) * sizeof *parent);
  group_of = gs->group_of = malloc((n + 1) * sizeof *group_of);
  gs->col = malloc((n + 1) * sizeof *gs->col);
  gs->vars = malloc((n + 1) * sizeof *gs->vars);
  gs->glines = malloc((d->n_lines + 1) * sizeof *gs->glines);
  if (parent == NULL || group_of == NULL || gs->col == NULL ||
      gs->vars == NULL || gs->glines == NULL)
    goto out;
  link_lines(d, parent, &gs->widest);
  /* Number the groups; cells by group (a counting sort). */
  for (size_t c = 0; c < n; c++)
    group_of[c] = SIZE_MAX;
  for (size_t c = 0; c < n; c++) {
    size_t r;

    if (!dcell_audited(&d->cells[c]))
      continue;
    d->cells[c].weak = 0;
    d->cells[c].fix = SIZE_MAX;
    r = uf_find(parent, c);
    if (group_of[r] == SIZE_MAX)
      group_of[r] = gs->n_groups++;
    group_of[c] = group_of[r];
  }
  gs->vstart = calloc(gs->n_groups + 2, sizeof *gs->vstart);
  gs->lstart = calloc(gs->n_groups + 2, sizeof *gs->lstart);
  if (gs->vstart == NULL || gs->lstart == NULL)
    goto out;
  for (size_t c = 0; c < n; c++)
    if (group_of[c] != SIZE_MAX)
      gs->vstart[group_of[c] + 2]++;
  for (size_t g = 0; g < gs->n_groups; g++)
    gs->vstart[g + 2] += gs->vstart[g + 1];
  for (size_t c = 0; c < n; c++)
    if (group_of[c] != SIZE_MAX)
      gs->col[c] = gs->vstart[group_of[c] + 1]++;
  /* The cursors moved each start to the next group's. */
  for (size_t c = 0; c < n; c++)
    if (group_of[c] != SIZE_MAX)
      gs->vars[gs->col[c]] = c;
  /* Lines by group, as the cells. */
  for (size_t k = 0; k < d->n_lines; k++) {
    size_t g = line_group(d, k, group_of);

    if (g != SIZE_MAX)
      gs->lstart[g + 2]++;
  }
  for (size_t g = 0; g < gs->n_groups; g++)
    gs->lstart[g + 2] += gs->lstart[g + 1];
  for (size_t k = 0; k < d->n_lines; k++) {
    size_t g = line_group(d, k, group_of);

    if (g != SIZE_MAX)
      gs->glines[gs->lstart[g + 1]++] = k;
  }
  /* Columns are numbered within each group. */
  for (size_t g = 0; g < gs->n_groups; g++)
    for (size_t k = gs->vstart[g]; k < gs->vstart[g + 1]; k++)
      gs->col[gs->vars[k]] = k - gs->vstart[g];
  rc = 0;
out:
  free(parent);
  return rc;
}

/* The groups to audit, largest first (so that threads finish together),
 * taken one at a time by whichever thread is free. */
struct job {
  struct disclosure *d;
  const struct groups *gs;
  const size_t *order;
  size_t n_order;
  size_t *first_weak; /* per group */
  pthread_mutex_t lock;
  size_t next; /* under lock */
  int rc;      /* under lock: the first error, which stops the rest */
};

struct worker {
  struct job *job;
  struct audit_scratch s;
  pthread_t thread;
};

static void *work(void *arg) {
  struct worker *w = arg;
  struct job *job = w->job;
  const struct groups *gs = job->gs;

  for (;;) {
    size_t k, g;
    int rc;

    pthread_mutex_lock(&job->lock);
    k = job->rc == 0 ? job->next++ : job->n_order;
    pthread_mutex_unlock(&job->lock);
    if (k >= job->n_order)
      return NULL;
    g = job->order[k];
    w->s.first_weak = SIZE_MAX;
    rc = audit_group(job->d, &gs->vars[gs->vstart[g]],
                     gs->vstart[g + 1] - gs->vstart[g],
                     &gs->glines[gs->lstart[g]],
                     gs->lstart[g + 1] - gs->lstart[g], gs->col, &w->s);
    job->first_weak[g] = w->s.first_weak;
    if (rc != 0) {
      pthread_mutex_lock(&job->lock);
      if (job->rc == 0)
        job->rc = rc;
      pthread_mutex_unlock(&job->lock);
    }
  }
}

static int scratch_new(struct audit_scratch *s, size_t n_cells, size_t widest) {
  memset(s, 0, sizeof *s);
  s->rowv = malloc(widest * sizeof *s->rowv);
  s->coef = malloc(widest * sizeof *s->coef);
  s->score = calloc(n_cells + 1, sizeof *s->score);
  s->mark = calloc(n_cells + 1, 1);
  s->touched = malloc((n_cells + 1) * sizeof *s->touched);
  return s->rowv && s->coef && s->score && s->mark && s->touched ? 0 : -ENOMEM;
}

static void scratch_free(struct audit_scratch *s) {
  free(s->rowv);
  free(s->coef);
  free(s->score);
  free(s->mark);
  free(s->touched);
}

/* How many cores the audit may use: d->threads, or one a core. */
static long cores_for(const struct disclosure *d) {
  long cores = d->threads > 0 ? d->threads : sysconf(_SC_NPROCESSORS_ONLN);

  if (cores < 1)
    cores = 1;
  return cores > THREADS_MAX ? THREADS_MAX : cores;
}

/* How many threads: one per large group, at most one per core. */
static size_t threads_for(const struct disclosure *d, const struct groups *gs,
                          const size_t *order, size_t n_order) {
  long cores = cores_for(d);
  size_t large = 0;

  for (size_t k = 0; k < n_order; k++)
    large += gs->vstart[order[k] + 1] - gs->vstart[order[k]] >= PARALLEL_MIN;
  return large < 2 ? 1 : large < (size_t)cores ? large : (size_t)cores;
}

/* For qsort_r: group ids by size, largest first, ties by id. */
static int by_size(const void *x, const void *y, void *arg) {
  const struct groups *gs = arg;
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  size_t na = gs->vstart[a + 1] - gs->vstart[a];
  size_t nb = gs->vstart[b + 1] - gs->vstart[b];

  if (na != nb)
    return na > nb ? -1 : 1;
  return a < b ? -1 : (a > b ? 1 : 0);
}

int disclosure_audit_run(struct disclosure *d, const unsigned char *only,
                         size_t *n_weak, size_t *lps) {
  size_t n = d->n_cells, n_threads = 0, started = 0;
  struct worker w[THREADS_MAX];
  struct groups gs;
  struct job job = {.d = d, .gs = &gs};
  unsigned char *wanted = NULL;
  size_t *order = NULL;
  int rc;

  *n_weak = 0;
  memset(w, 0, sizeof w);
  if (only == NULL) /* flags left by an earlier audit would mislead repair */
    for (size_t c = 0; c < n; c++)
      d->cells[c].weak = 0;
  if (d->seen_cells != n) {
    free(d->seen);
    d->seen_cells = 0;
    if ((d->seen = malloc((2 * n + 1) * sizeof *d->seen)) == NULL)
      return -ENOMEM;
    d->seen_cells = n;
    d->seen_stale = 1;
  }
  if (d->basis_size != n + d->n_lines) {
    free(d->basis);
    d->basis_size = 0;
    if ((d->basis = calloc(n + d->n_lines + 1, 1)) == NULL)
      return -ENOMEM;
    d->basis_size = n + d->n_lines;
  }
  if (d->seen_stale) { /* the true values: a point of every polytope */
    for (size_t c = 0; c < n; c++)
      d->seen[c] = d->seen[n + c] = (double)d->cells[c].value;
    if (d->basis_size > 0) /* no cell and no line: no basis either */
      memset(d->basis, 0, d->basis_size);
  }
  d->seen_stale = 0;
  if ((rc = groups_find(d, &gs)) != 0)
    goto out;
  rc = -ENOMEM;
  wanted = calloc(gs.n_groups + 1, 1);
  order = malloc((gs.n_groups + 1) * sizeof *order);
  job.first_weak = malloc((gs.n_groups + 1) * sizeof *job.first_weak);
  if (wanted == NULL || order == NULL || job.first_weak == NULL)
    goto out;
  for (size_t c = 0; c < n; c++)
    if (gs.group_of[c] != SIZE_MAX && (only == NULL || only[c]))
      wanted[gs.group_of[c]] = 1;
  for (size_t g = 0; g < gs.n_groups; g++) {
    job.first_weak[g] = SIZE_MAX;
    if (wanted[g])
      order[job.n_order++] = g;
  }
  /* A trial shows one cell, whose hidden neighbours are the marks: points
   * found before may have moved it, so its groups (every part its old
   * group fell into holds a mark) start from the true values; any other
   * group never had it as a variable and keeps what it saw. */
  if (only != NULL)
    for (size_t c = 0; c < n; c++)
      if (gs.group_of[c] != SIZE_MAX && wanted[gs.group_of[c]])
        d->seen[c] = d->seen[n + c] = (double)d->cells[c].value;
  qsort_r(order, job.n_order, sizeof *order, by_size, &gs);
  job.order = order;
  n_threads = threads_for(d, &gs, order, job.n_order);
  for (size_t t = 0; t < n_threads; t++) {
    w[t].job = &job;
    if (scratch_new(&w[t].s, n, gs.widest) != 0) {
      n_threads = t + 1; /* the ones before have theirs: free it all */
      goto out;
    }
    w[t].s.first = only;
  }
  /* one thread for every group: a large one may take a second core */
  if (n_threads == 1 && cores_for(d) > 1)
    w[0].s.helper = 1;
  if (pthread_mutex_init(&job.lock, NULL) != 0)
    goto out;
  /* Threads 1.. start; this one is thread 0. One that cannot start leaves
   * its groups to the others. */
  for (started = 1; started < n_threads; started++)
    if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0)
      break;
  work(&w[0]);
  for (size_t t = 1; t < started; t++)
    pthread_join(w[t].thread, NULL);
  pthread_mutex_destroy(&job.lock);
  rc = job.rc;
  for (size_t t = 0; t < started; t++) {
    *lps += w[t].s.lps;
    d->work += w[t].s.work;
    *n_weak += w[t].s.n_weak;
  }
  for (size_t g = 0; g < gs.n_groups && d->weak == SIZE_MAX; g++)
    d->weak = job.first_weak[g];
out:
  for (size_t t = 0; t < n_threads; t++)
    scratch_free(&w[t].s);
  free(order);
  free(wanted);
  free(job.first_weak);
  groups_free(&gs);
  return rc;
}
