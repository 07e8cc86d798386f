/*
 * summary_parts.c: the period's figures, from the store's parts to cells.
 *
 * The current observations of the period's financial year are read; those
 * whose period lies within the one reported are kept. For each partner's
 * figure (feed, partner, service, measure, area, breakdown) the parts are
 * put together: the period itself when reported, else the largest parts
 * that do not overlap (a year from H1 + H2, a half from two quarters); a
 * level measure ("basis": "snapshot") takes its latest part. A figure
 * missing some months, or holding a part suppressed at source or left
 * blank, is "partial": the sum of what is known, never a guess. Each figure
 * then counts towards its cells (summary_cells.c keeps them), a service's
 * also towards its partner's figure by service, and disclosure control
 * (summary_control.c) decides which may be shown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "summary_int.h"

static int collect_row(void *arg, const struct store_row *r) {
  struct collect *c = arg;
  struct dahub_period p;
  struct part *pt;

  if (dahub_period_parse(r->period, &p) != 0 || p.fy != c->fy ||
      (dahub_period_months(&p) & ~c->period_mask) != 0)
    return 0; /* another year, or reaches outside the period */
  if (c->n == c->cap && array_grow(&c->v, &c->cap, sizeof *c->v, 256) != 0)
    return -ENOMEM;
  pt = &c->v[c->n];
  pt->feed = strings_intern(c->str, r->feed);
  pt->source = strings_intern(c->str, r->source_id);
  pt->service = strings_intern(c->str, r->service_id ? r->service_id : "");
  pt->measure = strings_intern(c->str, r->measure_id);
  pt->area = strings_intern(c->str, r->area_code);
  pt->dims = strings_intern(c->str, r->dimensions);
  if (pt->feed == NULL || pt->source == NULL || pt->service == NULL ||
      pt->measure == NULL || pt->area == NULL || pt->dims == NULL)
    return -ENOMEM;
  pt->mask = dahub_period_months(&p);
  pt->status = r->status;
  pt->value = r->value;
  pt->scale = r->scale;
  pt->ingest = r->ingest_id;
  c->n++;
  return 0;
}

static int part_key_cmp(const struct part *a, const struct part *b) {
  /* by content, not by address: the order decides cell ids and so the
   * disclosure engine's tie-breaks, which must not depend on the heap */
  const char *ka[] = {a->feed,    a->source, a->service,
                      a->measure, a->area,   a->dims};
  const char *kb[] = {b->feed,    b->source, b->service,
                      b->measure, b->area,   b->dims};

  for (int i = 0; i < 6; i++) {
    int k = ka[i] == kb[i] ? 0 : strcmp(ka[i], kb[i]);

    if (k != 0)
      return k;
  }
  return 0;
}

static int part_cmp(const void *x, const void *y) {
  const struct part *a = x, *b = y;
  int k = part_key_cmp(a, b);

  if (k != 0)
    return k;
  /* within a figure: the largest part first, then the latest */
  if (__builtin_popcount(a->mask) != __builtin_popcount(b->mask))
    return __builtin_popcount(b->mask) - __builtin_popcount(a->mask);
  return a->mask < b->mask ? 1 : (a->mask > b->mask ? -1 : 0);
}

/* One partner's figure for the period, assembled from its parts. */
struct figure {
  struct tally t;
  int whole; /* covers the period with no unknown part */
  int64_t ingests[MAX_INGESTS];
  int n_ingests;
};

static void add_ingest(int64_t *v, int *n, int64_t id) {
  for (int i = 0; i < *n; i++)
    if (v[i] == id)
      return;
  if (*n < MAX_INGESTS)
    v[(*n)++] = id;
}

static void take_part(struct figure *f, const struct part *p) {
  add_ingest(f->ingests, &f->n_ingests, p->ingest);
  tally_add(&f->t, p->status, p->value, p->scale);
}

/* Parts [a, b) are one figure's, largest first. */
static void assemble(const struct part *a, const struct part *b, int snapshot,
                     unsigned period_mask, struct figure *f) {
  unsigned covered = 0;

  memset(f, 0, sizeof *f);
  if (snapshot) {
    /* a level: the part that reaches latest in the period */
    const struct part *best = a;

    for (const struct part *p = a; p < b; p++)
      if (31 - __builtin_clz(p->mask) > 31 - __builtin_clz(best->mask))
        best = p;
    take_part(f, best);
    covered =
        (31 - __builtin_clz(best->mask)) == (31 - __builtin_clz(period_mask))
            ? period_mask
            : 0;
  } else {
    for (const struct part *p = a; p < b; p++) {
      if ((p->mask & covered) != 0)
        continue; /* overlaps a larger part already counted */
      covered |= p->mask;
      take_part(f, p);
    }
  }
  f->whole = covered == period_mask && f->t.source_parts == 0 &&
             f->t.missing_parts == 0 && !f->t.known.overflow;
}

static void cell_add(struct cell *c, const struct figure *f) {
  if (f->t.known_parts > 0) {
    num_add(&c->known, f->t.known.value, f->t.known.scale);
    c->known_parts++;
  } else if (f->t.source_parts > 0) {
    c->hidden_parts++;
  } else {
    c->missing_parts++;
  }
  c->estimated |= f->t.estimated;
  c->whole &= f->whole && !c->known.overflow;
  for (int i = 0; i < f->n_ingests; i++)
    add_ingest(c->ingests, &c->n_ingests, f->ingests[i]);
}

/* {"service":"<id>"}, canonical as the store writes dimensions, interned;
 * NULL when memory runs out. */
static const char *service_dims(struct build *b, const char *service) {
  json_t *o = json_pack("{s:s}", SUMMARY_SERVICE_DIM, service);
  char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  const char *dims = text != NULL ? strings_intern(&b->str, text) : NULL;

  free(text);
  json_decref(o);
  return dims;
}

/* A partner's figure of a named service also counts towards the partner's
 * partnership figure by service: a breakdown like any other, so
 * summary_lines.c tells disclosure control that the services add up to
 * (or, beside figures naming no service, stay below) the partner's total,
 * and a small service is protected as a small age band is. Totals only,
 * never crossed with another breakdown, and only for the partner itself:
 * all partners' figure of one service would repeat it. */
static int add_service(struct build *b, const struct part *p,
                       const struct figure *f) {
  const char *dims;
  struct cell *c;

  if (p->service[0] == '\0' || strcmp(p->dims, "{}") != 0)
    return 0;
  if ((dims = service_dims(b, p->service)) == NULL ||
      (c = cells_get(&b->cells, p->measure, p->source, b->all, dims)) == NULL)
    return -ENOMEM;
  c->m = vocab_measure(b->env->vocab, p->measure);
  cell_add(c, f);
  return 0;
}

static int add_figure(struct build *b, const struct part *p,
                      const struct figure *f) {
  const char *sources[] = {p->source, b->all};
  const char *up = summary_rollup(b->env, &b->str, p->area);
  const char *areas[] = {p->area, up, b->all};
  const struct vocab_measure *m = vocab_measure(b->env->vocab, p->measure);
  /* a percentage or an average is shown as received, never summed */
  int n_src = m != NULL && !m->additive ? 1 : 2;
  int n_area = m != NULL && !m->additive ? 1 : 3;

  for (int s = 0; s < n_src; s++)
    for (int a = 0; a < n_area; a++) {
      struct cell *c;

      if (areas[a] == NULL)
        continue;
      c = cells_get(&b->cells, p->measure, sources[s], areas[a], p->dims);
      if (c == NULL)
        return -ENOMEM;
      c->m = vocab_measure(b->env->vocab, p->measure);
      cell_add(c, f);
    }
  return n_area == 3 ? add_service(b, p, f) : 0;
}

static int build_cells(struct build *b) {
  struct part *v = b->parts.v;
  size_t n = b->parts.n;
  int rc;

  if (n > 0)
    qsort(v, n, sizeof *v, part_cmp);
  for (size_t i = 0, j; i < n; i = j) {
    const struct vocab_measure *m = vocab_measure(b->env->vocab, v[i].measure);
    struct figure f;

    for (j = i + 1; j < n && part_key_cmp(&v[i], &v[j]) == 0; j++)
      ;
    assemble(&v[i], &v[j], m != NULL && m->snapshot, b->parts.period_mask, &f);
    if (m != NULL && !m->additive && v[i].mask != b->parts.period_mask)
      continue; /* parts of an average do not make the period's average */
    if ((rc = add_figure(b, &v[i], &f)) != 0)
      return rc;
  }
  return 0;
}

void summary_build_free(struct build *b) {
  disclosure_free(b->disc);
  cells_free(&b->cells);
  cells_free(&b->same);
  free(b->parts.v);
  strings_free(&b->str);
}

int summary_compute(const struct summary_env *env, const struct dahub_period *p,
                    struct build *b, struct dahub_error *err) {
  char prefix[DAHUB_PERIOD_ID_MAX];
  struct dahub_period fy = {.fy = p->fy, .kind = DAHUB_PERIOD_YEAR};
  int rc;

  memset(b, 0, sizeof *b);
  b->env = env;
  b->period = *p;
  dahub_period_format(p, b->id);
  dahub_period_format(&fy, prefix);
  b->all = strings_intern(&b->str, ALL);
  b->parts.str = &b->str;
  b->parts.fy = p->fy;
  b->parts.period_mask = dahub_period_months(p);
  if (b->all == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  rc = store_each_current(env->store, prefix, collect_row, &b->parts, err);
  if (rc != 0)
    return rc;
  if ((rc = build_cells(b)) != 0)
    return dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  return summary_control(b, err);
}
