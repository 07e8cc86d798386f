/*
 * summary.c: what the board reads, computed from the store (summary.h).
 *
 * 1. Parts. The current observations of the period's financial year are
 *    read; those whose period lies within the one reported are kept. For
 *    each partner's figure (feed, partner, service, measure, area,
 *    breakdown) the
 *    parts are put together: the period itself when reported, else the
 *    largest parts that do not overlap (a year from H1 + H2, a half from two
 *    quarters); a level measure ("basis": "snapshot") takes its latest part.
 *    A figure missing some months, or holding a part suppressed at source or
 *    left blank, is "partial": the sum of what is known, never a guess.
 * 2. Cells. Each figure counts towards its own cell, its county's (a
 *    district rolls up into its E10 parent) and the partnership's ("*"),
 *    each for its partner and for all partners ("*").
 * 3. Disclosure control (disclosure.c), on counts only: every cell is a
 *    cell, every sum a line (districts -> county; areas -> partnership;
 *    partners -> all partners; breakdown values -> the figure's total), and
 *    only cells the engine calls SHOWN get a value in the document. A part
 *    suppressed at source has no value in any sum, so it is in no line.
 * 4. Rates, change on the previous period and on a year before (where both
 *    figures are shown and whole), completeness of the feeds, provenance.
 */
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dahub/period.h"
#include "disclosure.h"

#define COUNTY_PREFIX "E10" /* counties: districts roll up into them */
#define ALL "*"
#define MAX_INGESTS 16 /* provenance ids kept per figure */
#define MAX_SCALE 6

/* ---- Small helpers ---- */

/* Fiscal months of a period as bits 0..11 (April = bit 0). */
static unsigned months(const struct dahub_period *p) {
  int first = 1, len = 12;

  switch (p->kind) {
  case DAHUB_PERIOD_HALF:
    first = (p->n - 1) * 6 + 1;
    len = 6;
    break;
  case DAHUB_PERIOD_QUARTER:
    first = (p->n - 1) * 3 + 1;
    len = 3;
    break;
  case DAHUB_PERIOD_MONTH:
    first = p->n;
    len = 1;
    break;
  default:
    break;
  }
  return ((1u << len) - 1) << (first - 1);
}

static int popcount(unsigned m) { return __builtin_popcount(m); }

/* An exact decimal: value / 10^scale. */
struct num {
  int64_t value;
  int scale;
  int overflow;
};

static void num_add(struct num *acc, int64_t v, int scale) {
  if (scale > MAX_SCALE) {
    acc->overflow = 1;
    return;
  }
  while (acc->scale < scale)
    if (__builtin_mul_overflow(acc->value, 10, &acc->value) ||
        ++acc->scale > MAX_SCALE)
      acc->overflow = 1;
  for (int s = scale; s < acc->scale; s++)
    if (__builtin_mul_overflow(v, 10, &v))
      acc->overflow = 1;
  if (__builtin_add_overflow(acc->value, v, &acc->value))
    acc->overflow = 1;
}

static json_t *num_json(const struct num *n) {
  char buf[48];
  int64_t p = 1;

  if (n->scale == 0)
    return json_integer(n->value);
  for (int i = 0; i < n->scale; i++)
    p *= 10;
  (void)snprintf(buf, sizeof buf, "%s%lld.%0*lld", n->value < 0 ? "-" : "",
                 (long long)llabs(n->value / p), n->scale,
                 (long long)llabs(n->value % p));
  return json_string(buf);
}

/* ---- Interned strings: every key part is compared by pointer ---- */

struct strings {
  char **v;
  size_t n, cap;
};

static const char *intern(struct strings *s, const char *text) {
  char *copy;

  for (size_t i = s->n; i-- > 0;) /* recent first: rows come grouped */
    if (strcmp(s->v[i], text) == 0)
      return s->v[i];
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **v = realloc(s->v, cap * sizeof *v);

    if (v == NULL)
      return NULL;
    s->v = v;
    s->cap = cap;
  }
  if ((copy = strdup(text)) == NULL)
    return NULL;
  s->v[s->n++] = copy;
  return copy;
}

static void strings_free(struct strings *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
}

/* ---- 1. Parts ---- */

struct part {
  /* interned; service "" when the figure names none */
  const char *feed, *source, *service, *measure, *area, *dims;
  unsigned mask;
  enum dahub_status status;
  int64_t value;
  int scale;
  int64_t ingest;
};

struct collect {
  unsigned period_mask;
  int fy;
  struct strings *str;
  struct part *v;
  size_t n, cap;
  int oom;
};

static int collect_row(void *arg, const struct store_row *r) {
  struct collect *c = arg;
  struct dahub_period p;
  struct part *pt;

  if (dahub_period_parse(r->period, &p) != 0 || p.fy != c->fy ||
      (months(&p) & ~c->period_mask) != 0)
    return 0; /* another year, or reaches outside the period */
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct part *v = realloc(c->v, cap * sizeof *v);

    if (v == NULL)
      return -ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  pt = &c->v[c->n];
  pt->feed = intern(c->str, r->feed);
  pt->source = intern(c->str, r->source_id);
  pt->service = intern(c->str, r->service_id ? r->service_id : "");
  pt->measure = intern(c->str, r->measure_id);
  pt->area = intern(c->str, r->area_code);
  pt->dims = intern(c->str, r->dimensions);
  if (pt->feed == NULL || pt->source == NULL || pt->service == NULL ||
      pt->measure == NULL || pt->area == NULL || pt->dims == NULL)
    return -ENOMEM;
  pt->mask = months(&p);
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
  if (popcount(a->mask) != popcount(b->mask))
    return popcount(b->mask) - popcount(a->mask);
  return a->mask < b->mask ? 1 : (a->mask > b->mask ? -1 : 0);
}

/* One partner's figure for the period, assembled from its parts. */
struct figure {
  struct num known;  /* sum of the known parts */
  int known_parts;   /* parts with a value */
  int source_parts;  /* suppressed at source */
  int missing_parts; /* blank */
  int estimated;
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
  switch (p->status) {
  case DAHUB_ESTIMATED: /* an estimate is a value, flagged */
  case DAHUB_ACTUAL:
    f->estimated |= p->status == DAHUB_ESTIMATED;
    num_add(&f->known, p->value, p->scale);
    f->known_parts++;
    break;
  case DAHUB_SUPPRESSED:
    f->source_parts++;
    break;
  case DAHUB_MISSING:
    f->missing_parts++;
    break;
  }
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
  f->whole = covered == period_mask && f->source_parts == 0 &&
             f->missing_parts == 0 && !f->known.overflow;
}

/* ---- 2. Cells ---- */

struct cell {
  const char *measure, *source, *area, *dims; /* interned or ALL */
  struct num known;
  int known_parts, hidden_parts, missing_parts, estimated;
  int whole;
  int64_t ingests[MAX_INGESTS];
  int n_ingests;
  size_t disc; /* disclosure id, or SIZE_MAX when not controlled */
  const struct vocab_measure *m;
};

struct cells {
  struct cell *v;
  size_t n, cap;
  size_t *slot; /* open addressing: index + 1, 0 empty */
  size_t n_slot;
};

static size_t key_hash(const char *m, const char *s, const char *a,
                       const char *d) {
  size_t h = 1469598103934665603u;
  const char *k[] = {m, s, a, d};

  for (int i = 0; i < 4; i++) /* interned: hash the pointers */
    h = (h ^ (size_t)(uintptr_t)k[i]) * 1099511628211u;
  return h;
}

static struct cell *cell_find(struct cells *c, const char *m, const char *s,
                              const char *a, const char *d) {
  size_t i;

  if (c->n_slot == 0)
    return NULL;
  for (i = key_hash(m, s, a, d) & (c->n_slot - 1); c->slot[i];
       i = (i + 1) & (c->n_slot - 1)) {
    struct cell *x = &c->v[c->slot[i] - 1];

    if (x->measure == m && x->source == s && x->area == a && x->dims == d)
      return x;
  }
  return NULL;
}

static int cells_grow(struct cells *c) {
  size_t n_slot = c->n_slot ? c->n_slot * 2 : 1024;
  size_t *slot = calloc(n_slot, sizeof *slot);
  struct cell *v = realloc(c->v, (n_slot / 2) * sizeof *v);

  if (slot == NULL || v == NULL) {
    free(slot);
    if (v != NULL)
      c->v = v;
    return -ENOMEM;
  }
  c->v = v;
  c->cap = n_slot / 2;
  free(c->slot);
  c->slot = slot;
  c->n_slot = n_slot;
  for (size_t k = 0; k < c->n; k++) {
    struct cell *x = &c->v[k];
    size_t i = key_hash(x->measure, x->source, x->area, x->dims) & (n_slot - 1);

    while (slot[i])
      i = (i + 1) & (n_slot - 1);
    slot[i] = k + 1;
  }
  return 0;
}

static struct cell *cell_get(struct cells *c, const char *m, const char *s,
                             const char *a, const char *d) {
  struct cell *x = cell_find(c, m, s, a, d);
  size_t i;

  if (x != NULL)
    return x;
  if (c->n == c->cap && cells_grow(c) != 0)
    return NULL;
  x = &c->v[c->n];
  memset(x, 0, sizeof *x);
  x->measure = m;
  x->source = s;
  x->area = a;
  x->dims = d;
  x->whole = 1;
  x->disc = SIZE_MAX;
  for (i = key_hash(m, s, a, d) & (c->n_slot - 1); c->slot[i];
       i = (i + 1) & (c->n_slot - 1))
    ;
  c->slot[i] = ++c->n;
  return x;
}

static void cell_add(struct cell *c, const struct figure *f) {
  if (f->known_parts > 0) {
    num_add(&c->known, f->known.value, f->known.scale);
    c->known_parts++;
  } else if (f->source_parts > 0) {
    c->hidden_parts++;
  } else {
    c->missing_parts++;
  }
  c->estimated |= f->estimated;
  c->whole &= f->whole && !c->known.overflow;
  for (int i = 0; i < f->n_ingests; i++)
    add_ingest(c->ingests, &c->n_ingests, f->ingests[i]);
}

/* The area a figure also counts towards, or NULL. */
static const char *rollup(const struct summary_env *env, struct strings *str,
                          const char *area) {
  const struct vocab_area *a = vocab_area_info(env->vocab, area);

  if (a == NULL || a->parent == NULL ||
      strncmp(a->parent, COUNTY_PREFIX, strlen(COUNTY_PREFIX)) != 0)
    return NULL;
  return intern(str, a->parent);
}

struct build {
  const struct summary_env *env;
  struct dahub_period period;
  char id[DAHUB_PERIOD_ID_MAX];
  struct strings str;
  struct collect parts;
  struct cells cells;
  struct disclosure *disc;
  struct disclosure_stats stats;
  const char *all; /* interned ALL */
};

static int add_figure(struct build *b, const struct part *p,
                      const struct figure *f) {
  const char *sources[] = {p->source, b->all};
  const char *up = rollup(b->env, &b->str, p->area);
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
      c = cell_get(&b->cells, p->measure, sources[s], areas[a], p->dims);
      if (c == NULL)
        return -ENOMEM;
      c->m = vocab_measure(b->env->vocab, p->measure);
      cell_add(c, f);
    }
  return 0;
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

/* ---- 3. Disclosure control ---- */

static int is_controlled(const struct cell *c) {
  return c->m != NULL && c->m->unit == UNIT_COUNT;
}

/* A cell with a known value takes part in sums; one with none does not. */
static int in_sums(const struct cell *c) {
  return is_controlled(c) && c->known_parts > 0;
}

/* Lines are gathered by a key of the shared parts and a role. */
struct line {
  const char *k1, *k2, *k3, *k4, *k5; /* what the members share */
  int kind;
  size_t total; /* disclosure id or SIZE_MAX */
  size_t *members;
  size_t n, cap;
};

struct lines {
  struct line *v;
  size_t n, cap;
};

static struct line *line_get(struct lines *l, int kind, const char *k1,
                             const char *k2, const char *k3, const char *k4,
                             const char *k5) {
  for (size_t i = l->n; i-- > 0;) {
    struct line *x = &l->v[i];

    if (x->kind == kind && x->k1 == k1 && x->k2 == k2 && x->k3 == k3 &&
        x->k4 == k4 && x->k5 == k5)
      return x;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    struct line *v = realloc(l->v, cap * sizeof *v);

    if (v == NULL)
      return NULL;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n] = (struct line){.kind = kind,
                             .k1 = k1,
                             .k2 = k2,
                             .k3 = k3,
                             .k4 = k4,
                             .k5 = k5,
                             .total = SIZE_MAX};
  return &l->v[l->n++];
}

static int line_member(struct line *x, size_t id) {
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 8;
    size_t *v = realloc(x->members, cap * sizeof *v);

    if (v == NULL)
      return -ENOMEM;
    x->members = v;
    x->cap = cap;
  }
  x->members[x->n++] = id;
  return 0;
}

enum { LINE_COUNTY, LINE_PARTNERSHIP, LINE_PARTNERS, LINE_BREAKDOWN };

/* A breakdown is a member of one line per dimension it names: the same
 * figure with that dimension taken away is the line's total, so
 * {"age_band":"18-24","gender":"female"} adds up, with the other age bands,
 * to {"gender":"female"}. dims is canonical ({"a":"x","b":"y"}, sorted). */
static int breakdown_lines(struct build *b, struct lines *l,
                           const struct cell *c) {
  json_error_t je;
  json_t *dims = json_loads(c->dims, 0, &je);
  const char *name;
  json_t *v;
  int rc = 0;

  if (dims == NULL)
    return -EBADMSG; /* stored as canonical JSON: a damaged store */
  json_object_foreach(dims, name, v) {
    json_t *rest = json_deep_copy(dims);
    char *text;
    const char *rest_i, *dim_i;
    struct line *x;

    if (rest == NULL || json_object_del(rest, name) != 0 ||
        (text = json_dumps(rest, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
      json_decref(rest);
      rc = -ENOMEM;
      break;
    }
    rest_i = intern(&b->str, text);
    dim_i = intern(&b->str, name);
    free(text);
    json_decref(rest);
    if (rest_i == NULL || dim_i == NULL ||
        (x = line_get(l, LINE_BREAKDOWN, c->measure, c->source, c->area, rest_i,
                      dim_i)) == NULL) {
      rc = -ENOMEM;
      break;
    }
    if ((rc = line_member(x, c->disc)) != 0)
      break;
  }
  json_decref(dims);
  return rc;
}

static int place_in_lines(struct build *b, struct lines *l,
                          const struct cell *c) {
  const char *up = NULL;
  struct line *x;
  int rc = 0;

  if (c->area != b->all && (up = rollup(b->env, &b->str, c->area)) != NULL) {
    /* a district: member of its county */
    if ((x = line_get(l, LINE_COUNTY, c->measure, c->source, c->dims, up,
                      NULL)) == NULL ||
        (rc = line_member(x, c->disc)) != 0)
      return rc ? rc : -ENOMEM;
  } else if (c->area != b->all) {
    /* a county or an area outside any county: member of the partnership */
    if ((x = line_get(l, LINE_PARTNERSHIP, c->measure, c->source, c->dims, NULL,
                      NULL)) == NULL ||
        (rc = line_member(x, c->disc)) != 0)
      return rc ? rc : -ENOMEM;
  } else if ((x = line_get(l, LINE_PARTNERSHIP, c->measure, c->source, c->dims,
                           NULL, NULL)) != NULL) {
    x->total = c->disc;
  } else {
    return -ENOMEM;
  }
  /* A county that also reports figures of its own is not the sum of its
   * districts: the disclosure engine sees that from the values and keeps
   * the line as the inequality it is. */
  if (strncmp(c->area, COUNTY_PREFIX, strlen(COUNTY_PREFIX)) == 0) {
    x = line_get(l, LINE_COUNTY, c->measure, c->source, c->dims, c->area, NULL);
    if (x == NULL)
      return -ENOMEM;
    x->total = c->disc;
  }
  x = line_get(l, LINE_PARTNERS, c->measure, c->area, c->dims, NULL, NULL);
  if (x == NULL)
    return -ENOMEM;
  if (c->source == b->all)
    x->total = c->disc;
  else if ((rc = line_member(x, c->disc)) != 0)
    return rc;
  if (strcmp(c->dims, "{}") == 0)
    return 0;
  return breakdown_lines(b, l, c);
}

/* A breakdown line's total is the same figure without its dimension. */
static void breakdown_totals(struct build *b, struct lines *l) {
  for (size_t i = 0; i < l->n; i++) {
    struct line *x = &l->v[i];
    struct cell *t;

    if (x->kind != LINE_BREAKDOWN)
      continue;
    t = cell_find(&b->cells, x->k1, x->k2, x->k3, x->k4);
    if (t != NULL && in_sums(t))
      x->total = t->disc;
  }
}

static int control(struct build *b) {
  struct lines l = {0};
  int rc;

  if ((rc = disclosure_new(&b->disc)) != 0)
    return rc;
  for (size_t i = 0; i < b->cells.n; i++) {
    struct cell *c = &b->cells.v[i];
    struct disclosure_cell dc = {
        .value = c->known.value < 0 ? 0 : c->known.value,
        .threshold = (int64_t)config_threshold(b->env->conf, c->area),
        .protection = (int64_t)b->env->conf->summary.protection};

    if (!is_controlled(c) || (c->known_parts == 0 && c->hidden_parts == 0))
      continue;
    if (c->known_parts == 0)
      dc.flags |= DISCLOSURE_CELL_SOURCE;
    if (c->area == b->all && c->source == b->all && strcmp(c->dims, "{}") == 0)
      dc.flags |= DISCLOSURE_CELL_HEADLINE;
    if ((rc = disclosure_add_cell(b->disc, &dc, &c->disc)) != 0)
      goto out;
  }
  for (size_t i = 0; i < b->cells.n; i++)
    if (in_sums(&b->cells.v[i]) &&
        (rc = place_in_lines(b, &l, &b->cells.v[i])) != 0)
      goto out;
  breakdown_totals(b, &l);
  for (size_t i = 0; i < l.n; i++)
    if (l.v[i].total != SIZE_MAX && l.v[i].n > 0 &&
        (rc = disclosure_add_line(b->disc, l.v[i].members, l.v[i].n,
                                  l.v[i].total)) != 0)
      goto out;
  rc = disclosure_apply(b->disc, b->env->conf->summary.suppress_zeros,
                        &b->stats);
out:
  for (size_t i = 0; i < l.n; i++)
    free(l.v[i].members);
  free(l.v);
  return rc;
}

/* ---- 4. The document ---- */

static const char *area_name(const struct build *b, const char *area) {
  const struct vocab_area *a;

  if (area == b->all)
    return "Partnership (all areas)";
  a = vocab_area_info(b->env->vocab, area);
  return a != NULL ? a->name : area;
}

/* What a sink may show of a cell: 1 with *n, or 0 with *marker. */
static int cell_value(const struct build *b, const struct cell *c,
                      struct num *n, const char **marker) {
  int64_t v;

  *marker = NULL;
  if (c->known_parts == 0) {
    *marker = c->hidden_parts > 0 ? "suppressed_at_source" : "missing";
    return 0;
  }
  if (c->known.overflow) {
    *marker = "overflow";
    return 0;
  }
  if (!is_controlled(c)) {
    *n = c->known;
    return 1;
  }
  switch (disclosure_state(b->disc, c->disc)) {
  case DISCLOSURE_SHOWN:
    if (disclosure_published(b->disc, c->disc, &v) != 0)
      break;
    n->value = v;
    n->scale = c->known.scale;
    n->overflow = 0;
    return 1;
  case DISCLOSURE_SOURCE:
    *marker = "suppressed_at_source";
    return 0;
  default:
    break;
  }
  /* one marker for every confidential cell: which rule hid it would tell
   * a reader that a primary cell is small */
  *marker = b->env->conf->summary.marker;
  return 0;
}

static int cell_order(const void *x, const void *y) {
  const struct cell *a = *(const struct cell *const *)x;
  const struct cell *b = *(const struct cell *const *)y;
  int k;

  if ((k = strcmp(a->measure, b->measure)) != 0)
    return k;
  if ((k = strcmp(a->source, b->source)) != 0)
    return k;
  if ((k = strcmp(a->area, b->area)) != 0)
    return k;
  return strcmp(a->dims, b->dims);
}

static json_t *ingest_list(const int64_t *v, int n) {
  json_t *a = json_array();

  for (int i = 0; a != NULL && i < n; i++)
    (void)json_array_append_new(a, json_integer(v[i]));
  return a;
}

static json_t *figure_json(const struct build *b, const struct cell *c) {
  struct num n;
  const char *marker;
  json_error_t je;
  json_t *o, *dims = json_loads(c->dims, 0, &je);

  o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "measure", c->measure, "unit",
                c->m ? vocab_unit_name(c->m->unit) : "count", "source_id",
                c->source == b->all ? "all" : c->source, "area",
                c->area == b->all ? "all" : c->area, "area_name",
                area_name(b, c->area), "dimensions",
                dims ? dims : json_object());
  if (o == NULL)
    return NULL;
  if (cell_value(b, c, &n, &marker)) {
    (void)json_object_set_new(o, "value", num_json(&n));
    if (!c->whole)
      (void)json_object_set_new(o, "partial", json_true());
    if (c->estimated)
      (void)json_object_set_new(o, "estimated", json_true());
  } else {
    (void)json_object_set_new(o, "value", json_null());
    (void)json_object_set_new(o, "marker", json_string(marker));
  }
  (void)json_object_set_new(o, "ingests",
                            ingest_list(c->ingests, c->n_ingests));
  return o;
}

/* A shown, whole figure's value, for rates and changes. */
static int whole_value(const struct build *b, const struct cell *c,
                       struct num *n) {
  const char *marker;

  return c != NULL && c->whole && cell_value(b, c, n, &marker);
}

static json_t *rates_json(struct build *b) {
  json_t *out = json_array();
  const struct vocab_rate *r;
  const char *none = intern(&b->str, "{}");
  size_t n_rates;

  r = vocab_rates(b->env->vocab, &n_rates);
  for (size_t k = 0; out != NULL && none != NULL && k < n_rates; k++) {
    const char *num_id = intern(&b->str, r[k].numerator);
    const char *den_id = intern(&b->str, r[k].denominator);

    for (size_t i = 0; i < b->cells.n; i++) {
      const struct cell *den = &b->cells.v[i], *num;
      struct num nv, dv;
      json_t *o;

      if (den->measure != den_id || den->dims != none)
        continue;
      num = cell_find(&b->cells, num_id, den->source, den->area, none);
      if (num == NULL)
        continue;
      o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rate", r[k].id, "source_id",
                    den->source == b->all ? "all" : den->source, "area",
                    den->area == b->all ? "all" : den->area, "area_name",
                    area_name(b, den->area), "unit", "percent");
      if (o == NULL)
        break;
      if (whole_value(b, num, &nv) && whole_value(b, den, &dv) &&
          dv.value > 0 && nv.scale == 0 && dv.scale == 0) {
        /* one decimal, rounded half up: 70 of 216 is 32.4 */
        struct num pct = {.value = (nv.value * 2000 / dv.value + 1) / 2,
                          .scale = 1};

        (void)json_object_set_new(o, "value", num_json(&pct));
        (void)json_object_set_new(o, "numerator", json_integer(nv.value));
        (void)json_object_set_new(o, "denominator", json_integer(dv.value));
      } else {
        const char *m1 = NULL, *m2 = NULL;
        struct num t;
        int hidden =
            !cell_value(b, num, &t, &m1) || !cell_value(b, den, &t, &m2);

        (void)json_object_set_new(o, "value", json_null());
        (void)json_object_set_new(o, "marker",
                                  json_string(hidden
                                                  ? b->env->conf->summary.marker
                                                  : "not_computable"));
      }
      (void)json_array_append_new(out, o);
    }
  }
  return out;
}

static void free_build(struct build *b) {
  disclosure_free(b->disc);
  free(b->cells.v);
  free(b->cells.slot);
  free(b->parts.v);
  strings_free(&b->str);
}

/* Says why disclosure control stopped the summary (rc from control()). */
static int control_error(const struct build *b, int rc,
                         struct dahub_error *err) {
  size_t weak = rc == -EDOM ? disclosure_weak(b->disc) : SIZE_MAX;
  const struct cell *c = NULL;

  for (size_t i = 0; weak != SIZE_MAX && i < b->cells.n; i++)
    if (b->cells.v[i].disc == weak)
      c = &b->cells.v[i];
  switch (rc) {
  case 0:
    return 0;
  case -ENOMEM:
    return dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  case -EBADMSG:
    return dahub_error_set(err, rc, 0, 0,
                           "summary of %s: a stored breakdown is not valid "
                           "JSON; nothing published",
                           b->id);
  case -EDOM:
    if (c != NULL)
      return dahub_error_set(
          err, rc, 0, 0,
          "summary of %s: a hidden figure of %s (area %s, partner %s) could "
          "still be worked out from what is published, and no other cell "
          "can be hidden; nothing published",
          b->id, c->measure, c->area == b->all ? "all" : c->area,
          c->source == b->all ? "all" : c->source);
    return dahub_error_set(err, rc, 0, 0,
                           "summary of %s: the disclosure audit failed; "
                           "nothing published",
                           b->id);
  case -EIO:
    return dahub_error_set(err, rc, 0, 0,
                           "summary of %s: the disclosure audit's solver "
                           "could not finish; nothing published",
                           b->id);
  default:
    return dahub_error_set(err, rc, 0, 0,
                           "summary of %s: disclosure control failed (%s)",
                           b->id, strerror(-rc));
  }
}

/* Builds cells for period p (without the document). */
static int compute(const struct summary_env *env, const struct dahub_period *p,
                   struct build *b, struct dahub_error *err) {
  char prefix[DAHUB_PERIOD_ID_MAX];
  struct dahub_period fy = {.fy = p->fy, .kind = DAHUB_PERIOD_YEAR};
  int rc;

  memset(b, 0, sizeof *b);
  b->env = env;
  b->period = *p;
  dahub_period_format(p, b->id);
  dahub_period_format(&fy, prefix);
  b->all = intern(&b->str, ALL);
  b->parts.str = &b->str;
  b->parts.fy = p->fy;
  b->parts.period_mask = months(p);
  if (b->all == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  rc = store_each_current(env->store, prefix, collect_row, &b->parts, err);
  if (rc != 0)
    return rc;
  if ((rc = build_cells(b)) == 0)
    rc = control(b);
  return control_error(b, rc, err);
}

/* The same period a step back: previous quarter/half/month, previous year. */
static struct dahub_period step_back(const struct dahub_period *p, int year) {
  struct dahub_period q = *p;
  int per_year = p->kind == DAHUB_PERIOD_QUARTER ? 4
                 : p->kind == DAHUB_PERIOD_HALF  ? 2
                 : p->kind == DAHUB_PERIOD_MONTH ? 12
                                                 : 1;

  if (year || per_year == 1) {
    q.fy--;
    return q;
  }
  if (--q.n == 0) {
    q.n = per_year;
    q.fy--;
  }
  return q;
}

/* Adds {"previous": {...}} style comparisons to each figure. */
static void add_changes(struct build *b, struct cell **order, json_t *figs,
                        struct build *old, const char *key) {
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = order[i];
    const struct cell *o;
    struct num now, then;
    json_t *cmp;

    o = cell_find(&old->cells, intern(&old->str, c->measure),
                  c->source == b->all ? old->all : intern(&old->str, c->source),
                  c->area == b->all ? old->all : intern(&old->str, c->area),
                  intern(&old->str, c->dims));
    if (!whole_value(b, c, &now) || !whole_value(old, o, &then) ||
        now.scale != then.scale)
      continue;
    cmp = json_pack("{s:s, s:o, s:o}", "period", old->id, "value",
                    num_json(&then), "change",
                    num_json(&(struct num){.value = now.value - then.value,
                                           .scale = now.scale}));
    (void)json_object_set_new(json_array_get(figs, i), key, cmp);
  }
}

/* ---- Completeness ---- */

struct delivery {
  const struct build *b;
  /* feed name -> {"ids": [ingest ids], "per_period": {period: count},
   * "last_received": stored_at}; folded by delivery_fold() */
  json_t *feeds;
};

static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest, const char *stored) {
  struct delivery *d = arg;
  struct dahub_period p;
  json_t *f, *ids, *per, *v;
  size_t i;
  int seen = 0;

  if (dahub_period_parse(period, &p) != 0 || p.fy != d->b->period.fy ||
      (months(&p) & months(&d->b->period)) == 0)
    return 0;
  f = json_object_get(d->feeds, feed);
  if (f == NULL) {
    f = json_pack("{s:[], s:{}, s:s}", "ids", "per_period", "last_received",
                  "");
    if (f == NULL || json_object_set_new(d->feeds, feed, f) != 0)
      return -ENOMEM;
  }
  ids = json_object_get(f, "ids");
  json_array_foreach(ids, i, v) seen |= json_integer_value(v) == ingest;
  if (!seen && json_array_append_new(ids, json_integer(ingest)) != 0)
    return -ENOMEM;
  per = json_object_get(f, "per_period");
  (void)json_object_set_new(
      per, period,
      json_integer(json_integer_value(json_object_get(per, period)) + 1));
  if (stored != NULL &&
      strcmp(stored, json_string_value(json_object_get(f, "last_received"))) >
          0)
    (void)json_object_set_new(f, "last_received", json_string(stored));
  return 0;
}

/* One file is one ingest whatever periods it holds; a period delivered by
 * more than one ingest was corrected (the later ones superseded it). */
static void delivery_fold(json_t *f) {
  json_int_t most = 0;
  const char *k;
  json_t *v;

  json_object_foreach(json_object_get(f, "per_period"), k, v) {
    if (json_integer_value(v) > most)
      most = json_integer_value(v);
  }
  (void)json_object_set_new(
      f, "ingests",
      json_integer((json_int_t)json_array_size(json_object_get(f, "ids"))));
  (void)json_object_set_new(f, "corrections",
                            json_integer(most > 0 ? most - 1 : 0));
  (void)json_object_del(f, "ids");
  (void)json_object_del(f, "per_period");
}

static json_t *completeness(const struct build *b, struct dahub_error *err) {
  struct dahub_period fy = {.fy = b->period.fy, .kind = DAHUB_PERIOD_YEAR};
  struct delivery d = {.b = b, .feeds = json_object()};
  const struct config *conf = b->env->conf;
  char prefix[DAHUB_PERIOD_ID_MAX], start[11], end[11];
  int64_t end_t;
  json_t *out = json_array();

  dahub_period_format(&fy, prefix);
  dahub_period_bounds(&b->period, start, end);
  if (out == NULL || d.feeds == NULL ||
      store_each_delivery(b->env->store, prefix, on_delivery, &d, err) != 0 ||
      config_parse_time(end, &end_t) != 0) {
    json_decref(out);
    json_decref(d.feeds);
    return NULL;
  }
  end_t += 86400; /* the end date is inclusive */
  for (size_t i = 0; i < conf->n_feeds; i++) {
    const struct feed_conf *f = &conf->feeds[i];
    json_t *got = json_object_get(d.feeds, f->name), *o;
    int months_long = popcount(months(&b->period));
    const char *status;

    if (got != NULL) {
      status = "reported";
      delivery_fold(got);
    } else if (f->expect_months == 0 || f->expect_months > months_long)
      status = "not_expected";
    else if (b->env->now > end_t + (int64_t)f->due_days * 86400)
      status = "late";
    else
      status = "not_yet_due";
    o = json_pack("{s:s, s:s, s:s}", "feed", f->name, "source_id", f->source_id,
                  "status", status);
    if (o == NULL)
      continue;
    if (got != NULL)
      (void)json_object_update(o, got);
    else if (strcmp(status, "not_expected") != 0) {
      char due[32];
      time_t t = (time_t)(end_t + (int64_t)f->due_days * 86400 - 86400);
      struct tm tm;

      (void)gmtime_r(&t, &tm);
      (void)strftime(due, sizeof due, "%Y-%m-%d", &tm);
      (void)json_object_set_new(o, "due", json_string(due));
    }
    (void)json_array_append_new(out, o);
  }
  json_decref(d.feeds);
  return out;
}

/* ---- Contracts ---- */

struct contracts {
  json_t *list;
  char horizon[11]; /* ISO date: contracts ending by then are flagged */
  char today[11];
};

static int on_contract(void *arg, const char *feed, const char *fields,
                       int64_t ingest) {
  struct contracts *c = arg;
  json_error_t je;
  json_t *o = json_loads(fields, 0, &je);
  const char *end, *pence;

  if (o == NULL)
    return 0; /* stored by us as JSON: cannot happen, skip if it does */
  (void)json_object_set_new(o, "feed", json_string(feed));
  (void)json_object_set_new(o, "ingest", json_integer(ingest));
  pence = json_string_value(json_object_get(o, "value_gbp"));
  if (pence != NULL) { /* pence as text -> pounds and pence */
    char *tail;
    long long v = strtoll(pence, &tail, 10);

    if (*tail == '\0' && tail != pence)
      (void)json_object_set_new(
          o, "value_gbp", num_json(&(struct num){.value = v, .scale = 2}));
  }
  end = json_string_value(json_object_get(o, "end_date"));
  (void)json_object_set_new(o, "ending_soon",
                            json_boolean(end != NULL && strlen(end) == 10 &&
                                         strcmp(end, c->horizon) <= 0 &&
                                         strcmp(end, c->today) >= 0));
  return json_array_append_new(c->list, o) == 0 ? 0 : -ENOMEM;
}

static json_t *contracts_json(const struct build *b, struct dahub_error *err) {
  struct contracts c = {.list = json_array()};
  time_t now = (time_t)b->env->now, until;
  struct tm tm;

  if (c.list == NULL)
    return NULL;
  (void)gmtime_r(&now, &tm);
  (void)strftime(c.today, sizeof c.today, "%Y-%m-%d", &tm);
  tm.tm_mon += (int)b->env->conf->summary.contract_warning_months;
  until = timegm(&tm);
  (void)gmtime_r(&until, &tm);
  (void)strftime(c.horizon, sizeof c.horizon, "%Y-%m-%d", &tm);
  if (store_each_record(b->env->store, "contract", on_contract, &c, err) != 0) {
    json_decref(c.list);
    return NULL;
  }
  /* "as_of" is stamped by the caller after the content hash: a new day
   * alone is not a new summary */
  return json_pack("{s:I, s:o}", "warning_months",
                   (json_int_t)b->env->conf->summary.contract_warning_months,
                   "contracts", c.list);
}

/* ---- The whole document ---- */

static json_t *disclosure_json(const struct build *b) {
  const struct summary_conf *s = &b->env->conf->summary;
  json_t *o = json_pack("{s:I, s:b}", "threshold", (json_int_t)s->threshold,
                        "suppress_zeros", s->suppress_zeros);
  json_t *areas = json_object();
  size_t hidden = 0;

  for (size_t i = 0; i < s->n_area_thresholds; i++)
    (void)json_object_set_new(
        areas, s->area_thresholds[i].area,
        json_integer((json_int_t)s->area_thresholds[i].threshold));
  for (size_t i = 0; i < b->cells.n; i++)
    if (b->cells.v[i].disc != SIZE_MAX &&
        disclosure_state(b->disc, b->cells.v[i].disc) != DISCLOSURE_SHOWN)
      hidden++;
  (void)json_object_set_new(o, "area_thresholds", areas);
  (void)json_object_set_new(o, "marker", json_string(s->marker));
  (void)json_object_set_new(o, "hidden_cells",
                            json_integer((json_int_t)hidden));
  /* how many each rule hid, never which: that stays in the store */
  (void)json_object_set_new(o, "hidden_by_rule",
                            json_pack("{s:I, s:I, s:I}", "primary",
                                      (json_int_t)b->stats.primary, "secondary",
                                      (json_int_t)b->stats.secondary, "audit",
                                      (json_int_t)b->stats.audit));
  (void)json_object_set_new(o, "suppressed_at_source",
                            json_integer((json_int_t)b->stats.source));
  (void)json_object_set_new(o, "shown_as_determined",
                            json_integer((json_int_t)b->stats.determined));
  return o;
}

static json_t *period_json(const struct dahub_period *p) {
  char id[DAHUB_PERIOD_ID_MAX], start[11], end[11];
  char prev[DAHUB_PERIOD_ID_MAX], ago[DAHUB_PERIOD_ID_MAX];
  struct dahub_period q = step_back(p, 0), y = step_back(p, 1);

  dahub_period_format(p, id);
  dahub_period_format(&q, prev);
  dahub_period_format(&y, ago);
  dahub_period_bounds(p, start, end);
  return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "start", start, "end",
                   end, "previous", prev, "year_ago", ago);
}

int summary_build(const struct summary_env *env, const char *period,
                  json_t **out, struct dahub_error *err) {
  struct build b, prev, ago;
  struct dahub_period p, q, y;
  struct cell **order = NULL;
  json_t *doc = NULL, *figs = NULL, *comp, *contracts;
  int rc;

  *out = NULL;
  memset(&prev, 0, sizeof prev);
  memset(&ago, 0, sizeof ago);
  if (dahub_period_parse(period, &p) != 0)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "\"%.40s\" is not a period such as FY2024-25-Q4 "
                           "or FY2024-25",
                           period);
  q = step_back(&p, 0);
  y = step_back(&p, 1);
  if ((rc = compute(env, &p, &b, err)) != 0 ||
      (rc = compute(env, &q, &prev, err)) != 0 ||
      (rc = compute(env, &y, &ago, err)) != 0)
    goto out;
  rc = -ENOMEM;
  order = malloc((b.cells.n + 1) * sizeof *order);
  figs = json_array();
  if (order == NULL || figs == NULL)
    goto out;
  for (size_t i = 0; i < b.cells.n; i++)
    order[i] = &b.cells.v[i];
  qsort(order, b.cells.n, sizeof *order, cell_order);
  for (size_t i = 0; i < b.cells.n; i++)
    if (json_array_append_new(figs, figure_json(&b, order[i])) != 0)
      goto out;
  add_changes(&b, order, figs, &prev, "previous");
  if (memcmp(&q, &y, sizeof q) != 0)
    add_changes(&b, order, figs, &ago, "year_ago");
  if ((comp = completeness(&b, err)) == NULL) {
    rc = err->msg[0] ? -EIO : -ENOMEM;
    goto out;
  }
  if ((contracts = contracts_json(&b, err)) == NULL) {
    json_decref(comp);
    rc = err->msg[0] ? -EIO : -ENOMEM;
    goto out;
  }
  doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                  SUMMARY_SCHEMA, "period", period_json(&p), "disclosure",
                  disclosure_json(&b), "completeness", comp, "figures", figs,
                  "rates", rates_json(&b), "contracts", contracts);
  figs = NULL; /* doc owns it now, or it was freed with doc's failure */
  if (doc == NULL)
    goto out;
  *out = doc;
  rc = 0;
out:
  if (rc == -ENOMEM)
    (void)dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  json_decref(figs);
  free(order);
  free_build(&b);
  free_build(&prev);
  free_build(&ago);
  return rc;
}

void summary_quarter_before(int64_t t, char id[16]) {
  time_t tt = (time_t)t;
  struct tm tm;
  struct dahub_period p;

  (void)gmtime_r(&tt, &tm);
  (void)dahub_period_of_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                             DAHUB_PERIOD_QUARTER, &p);
  p = step_back(&p, 0); /* the quarter holding t is not over yet */
  dahub_period_format(&p, id);
}
