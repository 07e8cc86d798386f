/*
 * summary_control.c: disclosure control of a summary's cells (summary_int.h).
 *
 * Every count cell of the period goes to the disclosure engine, with its
 * lines (summary_lines.c) and with what was published before for the year
 * (published.c); what the engine decides is the only way a value reaches
 * the document. When the newest published version of the period was made
 * from exactly the same figures, its pattern is kept: the same figures
 * always give the same summary, so a report run again writes nothing new.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summary_int.h"

/* A cell with a value or a marker: what the audit log keeps. */
int summary_logged(const struct cell *c) {
  return (c->known_parts > 0 || c->hidden_parts > 0) && !c->known.overflow;
}

static int ingest_keys(struct build *b) {
  for (size_t i = 0; i < b->cells.n; i++)
    if ((b->cells.v[i].ingests_key =
             published_ingests_key(b, &b->cells.v[i])) == NULL)
      return -ENOMEM;
  return 0;
}

/* Whether last, the newest published version of b's period, was made from
 * exactly b's figures: the same cells, values, parts and ingests, and the
 * same thresholds. */
static int same_figures(struct build *b, struct cells *last) {
  size_t n = 0;

  if (last->n == 0)
    return 0;
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = &b->cells.v[i], *o;

    if (!summary_logged(c))
      continue;
    n++;
    o = cells_find(last, c->measure, c->source, c->area, c->dims);
    if (o == NULL || o->known.value != c->known.value ||
        o->known.scale != c->known.scale || o->whole != c->whole ||
        o->ingests_key != c->ingests_key ||
        (o->state == DISCLOSURE_SOURCE) != (c->known_parts == 0) ||
        o->threshold != (int64_t)config_threshold(b->env->conf, c->area))
      return 0;
  }
  return n == last->n;
}

/* The rule that made a cell as it is: as published before when the figures
 * are the same, else as the engine decided now. */
int summary_rule_of(struct build *b, const struct cell *c) {
  const struct cell *o;

  if (b->same.n > 0 &&
      (o = cells_find(&b->same, c->measure, c->source, c->area, c->dims)))
    return o->rule;
  return c->disc != SIZE_MAX ? (int)disclosure_rule(b->disc, c->disc)
                             : DISCLOSURE_RULE_NONE;
}

/* The stats of a kept pattern, from the rules it was published with. */
static void count_rules(struct build *b) {
  struct disclosure_stats *st = &b->stats;

  st->primary = st->secondary = st->audit = st->determined = st->source = 0;
  for (size_t i = 0; i < b->cells.n; i++) {
    const struct cell *c = &b->cells.v[i];

    if (c->disc == SIZE_MAX)
      continue;
    if (disclosure_state(b->disc, c->disc) == DISCLOSURE_SOURCE) {
      st->source++;
      continue;
    }
    switch (summary_rule_of(b, c)) {
    case DISCLOSURE_RULE_PRIMARY:
      st->primary++;
      break;
    case DISCLOSURE_RULE_SECONDARY:
      st->secondary++;
      break;
    case DISCLOSURE_RULE_AUDIT:
      st->audit++;
      break;
    case DISCLOSURE_RULE_DETERMINED:
      st->determined++;
      break;
    default:
      break;
    }
  }
}

static int control(struct build *b, struct dahub_error *err) {
  struct timespec t0, t1;
  int rc;

  (void)clock_gettime(CLOCK_MONOTONIC, &t0);
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
    if (b->same.n > 0) { /* the figures were published: keep their pattern */
      const struct cell *o =
          cells_find(&b->same, c->measure, c->source, c->area, c->dims);

      dc.flags |= DISCLOSURE_CELL_FIXED;
      dc.state = (enum disclosure_state)o->state;
    }
    if ((rc = disclosure_add_cell(b->disc, &dc, &c->disc)) != 0)
      return rc;
  }
  if ((rc = summary_lines(b, &b->cells)) != 0 ||
      (rc = published_context(b, err)) != 0)
    return rc;
  rc = disclosure_apply(b->disc, b->env->conf->summary.suppress_zeros,
                        &b->stats);
  if (rc == 0 && b->same.n > 0)
    count_rules(b);
  (void)clock_gettime(CLOCK_MONOTONIC, &t1);
  b->control_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  return rc;
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

int summary_control(struct build *b, struct dahub_error *err) {
  int rc;

  if ((rc = ingest_keys(b)) == 0 &&
      (rc = published_latest(b, &b->period, &b->same, err)) == 0 &&
      !same_figures(b, &b->same))
    cells_free(&b->same);
  if (rc == 0)
    rc = control(b, err);
  if (rc == -EDOM && b->same.n > 0) {
    /* the kept pattern no longer passes (a stronger protection since):
     * choose again from scratch */
    cells_free(&b->same);
    disclosure_free(b->disc);
    b->disc = NULL;
    rc = control(b, err);
  }
  if (rc != 0 && err != NULL && err->msg[0] != '\0' && rc != -EDOM &&
      rc != -ENOMEM)
    return rc; /* the store said why */
  return control_error(b, rc, err);
}
