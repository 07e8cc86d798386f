/*
 * summary.c: what the board reads, computed from the store (summary.h).
 *
 * 1. Parts. The current observations of the period's financial year are
 *    read; those whose period lies within the one reported are kept. For
 *    each partner's figure (feed, partner, service, measure, area,
 *    breakdown) the parts are put together: the period itself when
 *    reported, else the largest parts that do not overlap (a year from
 *    H1 + H2, a half from two quarters); a level measure ("basis":
 *    "snapshot") takes its latest part. A figure missing some months, or
 *    holding a part suppressed at source or left blank, is "partial": the
 *    sum of what is known, never a guess.
 * 2. Cells (summary_cells.c). Each figure counts towards its own cell, its
 *    county's (a district rolls up into its E10 parent) and the
 *    partnership's ("*"), each for its partner and for all partners ("*").
 * 3. Disclosure control (summary_control.c), on counts only; only cells
 *    the engine calls SHOWN get a value in the document.
 * 4. The document: figures, rates, change on the previous period and on a
 *    year before as published, completeness (completeness.c), contracts
 *    (contracts.c), and the audit log the store keeps with the version.
 */
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summary_int.h"

/* ---- Small helpers ---- */

/* ---- 1. Parts ---- */

static int collect_row(void *arg, const struct store_row *r) {
  struct collect *c = arg;
  struct dahub_period p;
  struct part *pt;

  if (dahub_period_parse(r->period, &p) != 0 || p.fy != c->fy ||
      (summary_months(&p) & ~c->period_mask) != 0)
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
  pt->feed = strings_intern(c->str, r->feed);
  pt->source = strings_intern(c->str, r->source_id);
  pt->service = strings_intern(c->str, r->service_id ? r->service_id : "");
  pt->measure = strings_intern(c->str, r->measure_id);
  pt->area = strings_intern(c->str, r->area_code);
  pt->dims = strings_intern(c->str, r->dimensions);
  if (pt->feed == NULL || pt->source == NULL || pt->service == NULL ||
      pt->measure == NULL || pt->area == NULL || pt->dims == NULL)
    return -ENOMEM;
  pt->mask = summary_months(&p);
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
  const char *none = strings_intern(&b->str, "{}");
  size_t n_rates;

  r = vocab_rates(b->env->vocab, &n_rates);
  for (size_t k = 0; out != NULL && none != NULL && k < n_rates; k++) {
    const char *num_id = strings_intern(&b->str, r[k].numerator);
    const char *den_id = strings_intern(&b->str, r[k].denominator);

    for (size_t i = 0; i < b->cells.n; i++) {
      const struct cell *den = &b->cells.v[i], *num;
      struct num nv, dv;
      json_t *o;

      if (den->measure != den_id || den->dims != none)
        continue;
      num = cells_find(&b->cells, num_id, den->source, den->area, none);
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
  cells_free(&b->cells);
  cells_free(&b->same);
  free(b->parts.v);
  strings_free(&b->str);
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
  b->all = strings_intern(&b->str, ALL);
  b->parts.str = &b->str;
  b->parts.fy = p->fy;
  b->parts.period_mask = summary_months(p);
  if (b->all == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  rc = store_each_current(env->store, prefix, collect_row, &b->parts, err);
  if (rc != 0)
    return rc;
  if ((rc = build_cells(b)) != 0)
    return dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  return summary_control(b, err);
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
/* Adds {"previous": {...}} style comparisons to each figure: against the
 * newest published version of period old_id, where the figure was shown
 * and whole there. A comparison only repeats what was published. */
static void add_changes(struct build *b, struct cell **order, json_t *figs,
                        struct cells *old, const char *old_id,
                        const char *key) {
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = order[i];
    const struct cell *o =
        cells_find(old, c->measure, c->source, c->area, c->dims);
    struct num now, then;
    json_t *cmp;

    if (o == NULL || !whole_value(b, c, &now) || o->state != DISCLOSURE_SHOWN ||
        !o->whole || o->known_parts == 0)
      continue;
    then = o->known;
    if (now.scale != then.scale)
      continue;
    cmp = json_pack("{s:s, s:o, s:o}", "period", old_id, "value",
                    num_json(&then), "change",
                    num_json(&(struct num){.value = now.value - then.value,
                                           .scale = now.scale}));
    (void)json_object_set_new(json_array_get(figs, i), key, cmp);
  }
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

void summary_log_free(struct summary_log *log) {
  if (log == NULL)
    return;
  for (size_t i = 0; i < log->n; i++) {
    free((char *)log->cells[i].measure);
    free((char *)log->cells[i].source_id);
    free((char *)log->cells[i].area);
    free((char *)log->cells[i].dims);
    free((char *)log->cells[i].ingests);
  }
  free(log->cells);
  log->cells = NULL;
  log->n = 0;
}

/* Every cell with a value or a marker, its true figure and its state, for
 * the store: what the audit of a later summary stands on. */
static int make_log(struct build *b, struct summary_log *log) {
  memset(log, 0, sizeof *log);
  log->stats = b->stats;
  log->control_ms = b->control_ms;
  if ((log->cells = calloc(b->cells.n + 1, sizeof *log->cells)) == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = &b->cells.v[i];
    struct store_pub_cell *x = &log->cells[log->n];

    if (!summary_logged(c))
      continue; /* missing: published as such, nothing to keep */
    x->measure = strdup(c->measure);
    x->source_id = strdup(c->source);
    x->area = strdup(c->area);
    x->dims = strdup(c->dims);
    x->ingests = strdup(c->ingests_key ? c->ingests_key : "[]");
    log->n++;
    if (x->measure == NULL || x->source_id == NULL || x->area == NULL ||
        x->dims == NULL || x->ingests == NULL) {
      summary_log_free(log);
      return -ENOMEM;
    }
    x->value = c->known.value;
    x->scale = c->known.scale;
    x->whole = c->whole;
    x->threshold = (int64_t)config_threshold(b->env->conf, c->area);
    x->rule = summary_rule_of(b, c);
    if (c->disc != SIZE_MAX)
      x->state = (int)disclosure_state(b->disc, c->disc);
    else
      x->state = c->known_parts > 0 ? DISCLOSURE_SHOWN : DISCLOSURE_SOURCE;
  }
  return 0;
}

int summary_build(const struct summary_env *env, const char *period,
                  json_t **out, struct summary_log *log,
                  struct dahub_error *err) {
  struct cells prev = {0}, ago = {0};
  struct dahub_period p, q, y;
  struct cell **order = NULL;
  json_t *doc = NULL, *figs = NULL, *comp, *contracts;
  char q_id[DAHUB_PERIOD_ID_MAX], y_id[DAHUB_PERIOD_ID_MAX];
  struct build b;
  int rc;

  *out = NULL;
  memset(&b, 0, sizeof b);
  if (log != NULL)
    memset(log, 0, sizeof *log);
  if (dahub_period_parse(period, &p) != 0)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "\"%.40s\" is not a period such as FY2024-25-Q4 "
                           "or FY2024-25",
                           period);
  q = step_back(&p, 0);
  y = step_back(&p, 1);
  dahub_period_format(&q, q_id);
  dahub_period_format(&y, y_id);
  if ((rc = compute(env, &p, &b, err)) != 0 ||
      (rc = published_latest(&b, &q, &prev, err)) != 0 ||
      (rc = published_latest(&b, &y, &ago, err)) != 0)
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
  add_changes(&b, order, figs, &prev, q_id, "previous");
  if (memcmp(&q, &y, sizeof q) != 0)
    add_changes(&b, order, figs, &ago, y_id, "year_ago");
  if ((comp = summary_completeness(&b, err)) == NULL) {
    rc = err->msg[0] ? -EIO : -ENOMEM;
    goto out;
  }
  if ((contracts = summary_contracts(&b, err)) == NULL) {
    json_decref(comp);
    rc = err->msg[0] ? -EIO : -ENOMEM;
    goto out;
  }
  doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                  SUMMARY_SCHEMA, "period", period_json(&p), "disclosure",
                  disclosure_json(&b), "completeness", comp, "figures", figs,
                  "rates", rates_json(&b), "contracts", contracts);
  figs = NULL; /* doc owns it now, or it was freed with doc's failure */
  if (doc == NULL || (log != NULL && make_log(&b, log) != 0)) {
    json_decref(doc);
    doc = NULL;
    goto out;
  }
  *out = doc;
  rc = 0;
out:
  if (rc == -ENOMEM)
    (void)dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  json_decref(figs);
  free(order);
  cells_free(&prev);
  cells_free(&ago);
  free_build(&b);
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
