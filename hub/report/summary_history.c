/*
 * summary_history.c: what a figure is set beside from earlier publications
 * (summary_int.h): the partnership's totals over the last eight quarters
 * (a "trend": the seven quarters before, then the figure itself), and the
 * value a corrected figure had in the last version of the same period.
 *
 * Both only repeat what was published: the newest published version of
 * each period (published_latest()), and only where a cell was shown there
 * and whole, as the changes on the previous quarter are (summary_json.c).
 * A hidden or partial cell of an earlier table gives nothing, so a reader
 * learns no value the board was not already given; a figure hidden now
 * gets no history either. Nothing is recomputed from the store.
 */
#include <errno.h>
#include <string.h>

#include "summary_int.h"

int summary_history_load(struct build *b, const struct dahub_period *p,
                         struct summary_history *h, struct dahub_error *err) {
  struct dahub_period q = *p;
  int rc;

  memset(h, 0, sizeof *h);
  if ((rc = published_latest(b, p, &h->last, err)) != 0)
    return rc;
  if (p->kind != DAHUB_PERIOD_QUARTER)
    return 0; /* a trend is of quarters, as the board reads them */
  for (size_t i = 0; i < SUMMARY_TREND_QUARTERS; i++) {
    dahub_period_step_back(&q, 0, &q);
    dahub_period_format(&q, h->quarter_ids[i]);
    if ((rc = published_latest(b, &q, &h->quarters[i], err)) != 0)
      return rc;
    h->n_quarters++;
  }
  return 0;
}

void summary_history_free(struct summary_history *h) {
  if (h == NULL)
    return;
  for (size_t i = 0; i < h->n_quarters; i++)
    cells_free(&h->quarters[i]);
  cells_free(&h->last);
  memset(h, 0, sizeof *h);
}

/* The value of c's cell in an earlier table t, as published: 1 with *then
 * when it was shown there, whole, and in the same decimals as now. */
static int published_value(struct cells *t, const struct cell *c,
                           const struct num *now, struct num *then) {
  const struct cell *o = cells_find(t, c->measure, c->source, c->area, c->dims);

  if (o == NULL || o->state != DISCLOSURE_SHOWN || !o->whole ||
      o->known_parts == 0 || o->known.scale != now->scale)
    return 0;
  *then = o->known;
  return 1;
}

/* [{"period": "FY2023-24-Q2", "value": 12}, ...], oldest first, or NULL
 * when no quarter before has the figure. *bad on running out of memory. */
static json_t *trend_json(struct summary_history *h, const struct cell *c,
                          const struct num *now, int *bad) {
  json_t *list = NULL;

  for (size_t k = h->n_quarters; k-- > 0;) {
    struct num then;

    if (!published_value(&h->quarters[k], c, now, &then))
      continue;
    if (list == NULL && (list = json_array()) == NULL) {
      *bad = 1;
      return NULL;
    }
    if (json_array_append_new(list, json_pack("{s:s, s:o}", "period",
                                              h->quarter_ids[k], "value",
                                              num_json(&then))) != 0) {
      *bad = 1;
      json_decref(list);
      return NULL;
    }
  }
  return list;
}

int summary_history_add(struct build *b, struct cell **order, json_t *figs,
                        struct summary_history *h) {
  const char *none = strings_intern(&b->str, "{}");

  if (none == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = order[i];
    json_t *fig = json_array_get(figs, i), *trend;
    struct num now, then;
    int bad = 0;

    if (!summary_whole_value(b, c, &now))
      continue;
    if (c->source == b->all && c->area == b->all && c->dims == none &&
        (trend = trend_json(h, c, &now, &bad)) != NULL &&
        json_object_set_new(fig, "trend", trend) != 0)
      return -ENOMEM;
    if (bad)
      return -ENOMEM;
    if (published_value(&h->last, c, &now, &then) && then.value != now.value &&
        json_object_set_new(
            fig, "last_version",
            json_pack("{s:o, s:o}", "value", num_json(&then), "change",
                      num_json(&(struct num){.value = now.value - then.value,
                                             .scale = now.scale}))) != 0)
      return -ENOMEM;
  }
  return 0;
}
