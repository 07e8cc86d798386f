/*
 * summary_json.c: the summary document's figures, rates and disclosure
 * note, as JSON.
 *
 * Only what disclosure control let through becomes a value: every other
 * cell gets a marker instead (cell_value()), one marker for all that is
 * confidential. Figures come in a fixed order (measure, partner, area,
 * breakdown), so the same figures always make the same document; changes
 * on an earlier period compare with what was published for it, never with
 * what the store holds now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "summary_int.h"

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

/* The figure's ingest ids, or NULL when memory runs out. */
static json_t *ingest_list(const int64_t *v, int n) {
  json_t *a = json_array();

  for (int i = 0; a != NULL && i < n; i++)
    if (json_array_append_new(a, json_integer(v[i])) != 0) {
      json_decref(a);
      a = NULL;
    }
  return a;
}

/* One figure as the document shows it, or NULL when memory runs out or
 * its breakdown cannot be read (*bad_dims set): a key left out, or a
 * breakdown shown as none, would publish a different figure. */
static json_t *figure_json(const struct build *b, const struct cell *c,
                           int *bad_dims) {
  struct num n;
  const char *marker;
  json_error_t je;
  json_t *o, *dims = json_loads(c->dims, 0, &je);
  int bad;

  /* Stored by us as JSON, so it parses unless memory ran out, which
   * jansson reports as a syntax error: either way the summary stops. */
  if (dims == NULL) {
    *bad_dims = 1;
    return NULL;
  }
  o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "measure", c->measure, "unit",
                c->m ? vocab_unit_name(c->m->unit) : "count", "source_id",
                c->source == b->all ? "all" : c->source, "area",
                c->area == b->all ? "all" : c->area, "area_name",
                area_name(b, c->area), "dimensions", dims);
  if (o == NULL)
    return NULL;
  if (cell_value(b, c, &n, &marker))
    bad =
        json_object_set_new(o, "value", num_json(&n)) != 0 ||
        (!c->whole && json_object_set_new(o, "partial", json_true()) != 0) ||
        (c->estimated && json_object_set_new(o, "estimated", json_true()) != 0);
  else
    bad = json_object_set_new(o, "value", json_null()) != 0 ||
          json_object_set_new(o, "marker", json_string(marker)) != 0;
  if (bad || json_object_set_new(o, "ingests",
                                 ingest_list(c->ingests, c->n_ingests)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int summary_whole_value(const struct build *b, const struct cell *c,
                        struct num *n) {
  const char *marker;

  return c != NULL && c->whole && cell_value(b, c, n, &marker);
}

/* The rate num / den of one partner in one area, or NULL when memory runs
 * out. */
static json_t *rate_json(const struct build *b, const struct vocab_rate *r,
                         const struct cell *num, const struct cell *den) {
  struct num nv, dv;
  json_t *o;
  int bad;

  o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rate", r->id, "source_id",
                den->source == b->all ? "all" : den->source, "area",
                den->area == b->all ? "all" : den->area, "area_name",
                area_name(b, den->area), "unit", "percent");
  if (o == NULL)
    return NULL;
  if (summary_whole_value(b, num, &nv) && summary_whole_value(b, den, &dv) &&
      dv.value > 0 && nv.scale == 0 && dv.scale == 0) {
    /* one decimal, rounded half up: 70 of 216 is 32.4 */
    struct num pct = {.value = (nv.value * 2000 / dv.value + 1) / 2,
                      .scale = 1};

    bad = json_object_set_new(o, "value", num_json(&pct)) != 0 ||
          json_object_set_new(o, "numerator", json_integer(nv.value)) != 0 ||
          json_object_set_new(o, "denominator", json_integer(dv.value)) != 0;
  } else {
    const char *m1 = NULL, *m2 = NULL;
    struct num t;
    int hidden = !cell_value(b, num, &t, &m1) || !cell_value(b, den, &t, &m2);

    bad = json_object_set_new(o, "value", json_null()) != 0 ||
          json_object_set_new(o, "marker",
                              json_string(hidden ? b->env->conf->summary.marker
                                                 : "not_computable")) != 0;
  }
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int summary_rates_json(struct build *b, json_t **out) {
  json_t *list = json_array();
  const struct vocab_rate *r;
  const char *none = strings_intern(&b->str, "{}");
  size_t n_rates;

  *out = NULL;
  if (list == NULL || none == NULL)
    goto fail;
  r = vocab_rates(b->env->vocab, &n_rates);
  for (size_t k = 0; k < n_rates; k++) {
    const char *num_id = strings_intern(&b->str, r[k].numerator);
    const char *den_id = strings_intern(&b->str, r[k].denominator);

    if (num_id == NULL || den_id == NULL)
      goto fail;
    for (size_t i = 0; i < b->cells.n; i++) {
      const struct cell *den = &b->cells.v[i], *num;

      if (den->measure != den_id || den->dims != none)
        continue;
      num = cells_find(&b->cells, num_id, den->source, den->area, none);
      if (num != NULL &&
          json_array_append_new(list, rate_json(b, &r[k], num, den)) != 0)
        goto fail;
    }
  }
  *out = list;
  return 0;
fail:
  json_decref(list);
  return -ENOMEM;
}

/* Adds {"previous": {...}} style comparisons to each figure: against the
 * newest published version of period old_id, where the figure was shown
 * and whole there. A comparison only repeats what was published. */
static int add_changes(struct build *b, struct cell **order, json_t *figs,
                       struct cells *old, const char *old_id, const char *key) {
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = order[i];
    const struct cell *o =
        cells_find(old, c->measure, c->source, c->area, c->dims);
    struct num now, then;
    json_t *cmp;

    if (o == NULL || !summary_whole_value(b, c, &now) ||
        o->state != DISCLOSURE_SHOWN || !o->whole || o->known_parts == 0)
      continue;
    then = o->known;
    if (now.scale != then.scale)
      continue;
    cmp = json_pack("{s:s, s:o, s:o}", "period", old_id, "value",
                    num_json(&then), "change",
                    num_json(&(struct num){.value = now.value - then.value,
                                           .scale = now.scale}));
    if (json_object_set_new(json_array_get(figs, i), key, cmp) != 0)
      return -ENOMEM;
  }
  return 0;
}

int summary_figures_json(struct build *b, struct cells *prev,
                         const char *prev_id, struct cells *ago,
                         const char *ago_id, struct summary_history *hist,
                         json_t **out, struct dahub_error *err) {
  struct cell **order = malloc((b->cells.n + 1) * sizeof *order);
  json_t *figs = json_array();
  int bad_dims = 0, rc = -ENOMEM;

  *out = NULL;
  if (order == NULL || figs == NULL)
    goto out;
  for (size_t i = 0; i < b->cells.n; i++)
    order[i] = &b->cells.v[i];
  qsort(order, b->cells.n, sizeof *order, cell_order);
  for (size_t i = 0; i < b->cells.n; i++)
    if (json_array_append_new(figs, figure_json(b, order[i], &bad_dims)) != 0)
      goto out;
  if (add_changes(b, order, figs, prev, prev_id, "previous") != 0 ||
      (ago_id != NULL &&
       add_changes(b, order, figs, ago, ago_id, "year_ago") != 0) ||
      summary_history_add(b, order, figs, hist) != 0)
    goto out;
  *out = figs;
  figs = NULL;
  rc = 0;
out:
  if (bad_dims)
    rc = dahub_error_set(err, -EBADMSG, 0, 0,
                         "summary: a stored breakdown could not be read (out "
                         "of memory, or not JSON); nothing published");
  else if (rc != 0)
    rc = dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  json_decref(figs);
  free(order);
  return rc;
}

int summary_disclosure_json(const struct build *b, json_t **out) {
  const struct summary_conf *s = &b->env->conf->summary;
  json_t *areas = json_object();
  size_t hidden = 0;

  *out = NULL;
  for (size_t i = 0; areas != NULL && i < s->n_area_thresholds; i++)
    if (json_object_set_new(
            areas, s->area_thresholds[i].area,
            json_integer((json_int_t)s->area_thresholds[i].threshold)) != 0) {
      json_decref(areas);
      return -ENOMEM;
    }
  for (size_t i = 0; i < b->cells.n; i++)
    if (b->cells.v[i].disc != SIZE_MAX &&
        disclosure_state(b->disc, b->cells.v[i].disc) != DISCLOSURE_SHOWN)
      hidden++;
  /* how many each rule hid, never which: that stays in the store. One
   * json_pack: it fails whole, taking areas with it, or not at all. */
  *out = json_pack("{s:I, s:b, s:o, s:s, s:I, s:{s:I, s:I, s:I}, s:I, s:I}",
                   "threshold", (json_int_t)s->threshold, "suppress_zeros",
                   s->suppress_zeros, "area_thresholds", areas, "marker",
                   s->marker, "hidden_cells", (json_int_t)hidden,
                   "hidden_by_rule", "primary", (json_int_t)b->stats.primary,
                   "secondary", (json_int_t)b->stats.secondary, "audit",
                   (json_int_t)b->stats.audit, "suppressed_at_source",
                   (json_int_t)b->stats.source, "shown_as_determined",
                   (json_int_t)b->stats.determined);
  return *out != NULL ? 0 : -ENOMEM;
}
