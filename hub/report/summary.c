/*
 * summary.c: what the board reads, computed from the store (summary.h).
 *
 * 1. Parts and cells (summary_parts.c): each partner's figure for the
 *    period from the parts it was reported in; each figure counts towards
 *    its own cell, its county's (a district rolls up into its E10 parent)
 *    and the partnership's ("*"), each for its partner and for all
 *    partners ("*").
 * 2. Disclosure control (summary_control.c), on counts only; only cells
 *    the engine calls SHOWN get a value in the document.
 * 3. The document, put together here: figures, rates and the disclosure
 *    note (summary_json.c), change on the previous period and on a year
 *    before as published, completeness (completeness.c), the data notes
 *    (summary_notes.c), contracts (contracts.c), the allocations of the
 *    last eight years (allocations.c); and the audit log the store keeps
 *    with the version.
 */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"
#include "summary_int.h"

/* The period and its neighbours, or NULL when memory runs out (the
 * document's json_pack then fails whole). */
static json_t *period_json(const struct dahub_period *p) {
  char id[DAHUB_PERIOD_ID_MAX], start[11], end[11];
  char prev[DAHUB_PERIOD_ID_MAX], ago[DAHUB_PERIOD_ID_MAX];
  struct dahub_period q, y;

  dahub_period_step_back(p, 0, &q);
  dahub_period_step_back(p, 1, &y);
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
  struct summary_history *hist = calloc(1, sizeof *hist);
  struct dahub_period p, q, y;
  json_t *doc = NULL, *figs = NULL, *comp = NULL, *contracts = NULL;
  json_t *rates = NULL, *disc = NULL, *alloc = NULL, *notes = NULL;
  char q_id[DAHUB_PERIOD_ID_MAX], y_id[DAHUB_PERIOD_ID_MAX];
  struct build b;
  int rc;

  *out = NULL;
  memset(&b, 0, sizeof b);
  if (log != NULL)
    memset(log, 0, sizeof *log);
  if (hist == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "summary: out of memory");
  if (dahub_period_parse(period, &p) != 0) {
    free(hist);
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "\"%.40s\" is not a period such as FY2024-25-Q4 "
                           "or FY2024-25",
                           period);
  }
  dahub_period_step_back(&p, 0, &q);
  dahub_period_step_back(&p, 1, &y);
  dahub_period_format(&q, q_id);
  dahub_period_format(&y, y_id);
  /* Every part is made before the document: each reports its own failure,
   * so none can go missing from it unnoticed. */
  if ((rc = summary_compute(env, &p, &b, err)) != 0 ||
      (rc = published_latest(&b, &q, &prev, err)) != 0 ||
      (rc = published_latest(&b, &y, &ago, err)) != 0 ||
      (rc = summary_history_load(&b, &p, hist, err)) != 0 ||
      /* a year's previous period is the year before: compared once */
      (rc = summary_figures_json(&b, &prev, q_id, &ago,
                                 memcmp(&q, &y, sizeof q) != 0 ? y_id : NULL,
                                 hist, &figs, err)) != 0 ||
      (rc = summary_completeness(&b, &comp, err)) != 0 ||
      (rc = summary_notes(&b, comp, &notes, err)) != 0 ||
      (rc = summary_contracts(&b, &contracts, err)) != 0 ||
      (rc = summary_allocations(&b, &alloc, err)) != 0 ||
      (rc = summary_rates_json(&b, &rates)) != 0 ||
      (rc = summary_disclosure_json(&b, &disc)) != 0)
    goto out;
  doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                  SUMMARY_SCHEMA, "period", period_json(&p), "disclosure", disc,
                  "completeness", comp, "figures", figs, "rates", rates,
                  "contracts", contracts, "allocations", alloc);
  /* doc owns them now, or they were freed with doc's failure */
  disc = comp = figs = rates = contracts = alloc = NULL;
  if (doc == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  /* only when there are some: a summary without warnings stays as it was */
  if (json_array_size(notes) > 0 && json_object_set(doc, "notes", notes) != 0) {
    rc = -ENOMEM;
    goto out;
  }
  if (log != NULL && (rc = make_log(&b, log)) != 0)
    goto out;
  *out = doc;
  doc = NULL;
  rc = 0;
out:
  if (rc == -ENOMEM)
    (void)dahub_error_set(err, rc, 0, 0, "summary: out of memory");
  json_decref(doc);
  json_decref(disc);
  json_decref(comp);
  json_decref(figs);
  json_decref(rates);
  json_decref(contracts);
  json_decref(alloc);
  json_decref(notes);
  cells_free(&prev);
  cells_free(&ago);
  summary_history_free(hist);
  free(hist);
  summary_build_free(&b);
  return rc;
}
