/*
 * cases_emit.c: the figures of a cases layout when its file ends (see
 * cases_emit.h), on parse()'s thread.
 *
 * The distinct counts are made final first (agg_finish(): the references
 * kept in memory or spilled to a temporary file are counted), so no figure
 * is read half counted. Each figure then goes out through
 * mapped_emit_groups() (run.c), pointing at the first row that counted
 * towards it.
 *
 * "periods": "latest" keeps only the latest period found in the file, and
 * warns how many figures for earlier periods were left out: an extract of
 * the cases open in Q2 also holds cases referred in Q1, whose count would
 * otherwise replace the Q1 figures from the Q1 extract.
 */
#include "cases_emit.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "dahub/period.h"

#include "cases.h"

/* The period of a figure: the second text of its key. */
static const char *group_period(const struct agg_group *g) {
  return g->key + strlen(g->key) + 1;
}

/* The distinct counts, made final before any figure is read. */
static int finish(struct run *r, struct agg *a) {
  const struct map_cases *c = r->m->cases;
  int rc = agg_finish(a);

  if (rc == 0)
    return 0;
  if (rc == -E2BIG)
    return dahub_error_set(r->err, rc, 0, 0,
                           "more than %" PRIu64 " distinct case references "
                           "in one file (options.cases.max_references)",
                           c->max_references);
  if (rc == -ENOMEM)
    return dahub_error_set(r->err, rc, 0, 0, "out of memory");
  if (rc == -EOVERFLOW)
    return dahub_error_set(r->err, rc, 0, 0, "too many cases for one figure");
  return dahub_error_set(r->err, -EAGAIN, 0, 0,
                         "could not read distinct case references back from "
                         "a temporary file: %s",
                         strerror(-rc));
}

int cases_emit(struct run *r, struct agg *a) {
  struct dahub_period p, latest = {0};
  char id[DAHUB_PERIOD_ID_MAX];
  uint64_t left_out = 0;
  int have = 0, rc;
  size_t i;

  if ((rc = finish(r, a)) != 0)
    return rc;
  if (!r->m->cases->latest)
    return mapped_emit_groups(r, a, NULL, NULL);
  for (i = 0; i < a->n; i++) {
    if (dahub_period_parse(group_period(&a->g[i]), &p) != 0)
      continue;
    if (!have || p.fy > latest.fy || (p.fy == latest.fy && p.n > latest.n))
      latest = p;
    have = 1;
  }
  if (!have)
    return 0;
  dahub_period_format(&latest, id);
  if ((rc = mapped_emit_groups(r, a, id, &left_out)) != 0)
    return rc;
  if (left_out > 0)
    mapped_warn(r, 0, 0,
                "%" PRIu64 " figures for periods before %s were left out "
                "(options.cases.periods is \"latest\")",
                left_out, id);
  return 0;
}
