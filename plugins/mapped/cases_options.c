/*
 * cases_options.c: the "cases" section of a cases layout's mapping: the
 * case reference, the period, and each count with its date column and
 * breakdowns. Read at open(), on the loop thread; the counting code
 * (cases.c) only reads it.
 *
 * A case-level extract has one row per case; the mapping says what to
 * count:
 *
 *   "layout": "cases",
 *   "columns": {"service_id": "service", "area": "district",
 *     "dimensions": {"risk_level": "dash_risk_at_intake",
 *       "age_band": {"column": "age_at_referral",
 *                    "bands": ["0-5", "6-10", ..., "85+"],
 *                    "blank": "not_known"}}},
 *   "values": {"area": {"Leicester City": "E06000016", "": "X_UNKNOWN"},
 *              "risk_level": {"High": "high", "": "not_assessed"}, ...},
 *   "cases": {
 *     "reference": "client_ref",   the case reference (distinct counts)
 *     "period": "quarter",         "month", "half" or "year"
 *     "periods": "latest",         or "all" (default): see below
 *     "count": [
 *       {"measure": "referrals_received", "date": "referral_date",
 *        "by": ["age_band", "risk_level"]},
 *       {"measure": "individuals_supported", "date": "date_first_contact",
 *        "distinct": true}],
 *     "max_references": 10000000,  (reference, figure) pairs kept
 *     "max_groups": 100000}        figures kept
 *
 */
#include "cases.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "options.h"

/* ---- Options ---- */

#define AT(field) offsetof(struct map_count, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt count_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"measure", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(measure), dahub_opt_keep, NULL, "the measure counted"},
  {"date", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(date), dahub_opt_keep, NULL, "the column whose date decides the period"},
  {"by", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "one-way breakdowns: dimension names"},
  {"distinct", DAHUB_OPT_BOOL, 0, 0, 0, 0, AT(distinct), NULL, NULL, "count distinct case references, not rows"},
  {.key = NULL}};
/* clang-format on */
#undef AT

static int set_periods(void *dst, const struct dahub_opt *o, const json_t *v) {
  struct map_cases *c = dst;

  (void)o;
  if (strcmp(json_string_value(v), "all") != 0 &&
      strcmp(json_string_value(v), "latest") != 0)
    return -EINVAL;
  c->latest = strcmp(json_string_value(v), "latest") == 0;
  return 0;
}

#define AT(field) offsetof(struct map_cases, field)
/* clang-format off */
static const struct dahub_opt cases_opts[] = {
  {"reference", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(reference), dahub_opt_keep, NULL, "the column of the case reference"},
  {"period", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "\"quarter\", \"month\", \"half\" or \"year\""},
  {"periods", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_periods, "\"all\" or \"latest\"", "every period, or only the file's latest"},
  {"count", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "what to count"},
  {"max_references", DAHUB_OPT_UINT, 0, 1, 100000000, 10000000, AT(max_references), NULL, NULL, "(reference, figure) pairs kept"},
  {"max_groups", DAHUB_OPT_UINT, 0, 1, 10000000, 100000, AT(max_groups), NULL, NULL, "figures kept"},
  {.key = NULL}};
/* clang-format on */
#undef AT

static int one_count(struct mapping *m, struct map_count *c, const json_t *v,
                     const char *path, struct dahub_error *err) {
  const json_t *by = json_object_get(v, "by");
  char sub[MAP_PATH_MAX], item[MAP_PATH_MAX];
  size_t i, f;
  int rc;

  if (!json_is_object(v))
    return opt_bad_type(err, path, "an object", v);
  if ((rc = opt_check(v, path, count_opts, c, m->say, err)) != 0 ||
      (rc = opt_join(sub, path, "by", err)) != 0)
    return rc;
  if (by != NULL && (!json_is_array(by) || json_array_size(by) > MAP_MAX_DIMS))
    return opt_bad_type(err, sub, "an array of dimension names", by);
  for (i = 0; i < json_array_size(by); i++) {
    if (snprintf(item, sizeof item, "%s[%zu]", sub, i) >= (int)sizeof item)
      return opt_bad(err, sub, "path too long");
    if (!json_is_string(json_array_get(by, i)))
      return opt_bad_type(err, item, "a dimension name", json_array_get(by, i));
    if ((rc = fields_get(m, json_string_value(json_array_get(by, i)), 0, item,
                         &f, err)) != 0)
      return rc;
    if (f < MAP_FIRST_DIM || m->field[f].src != MAP_COLUMN)
      return opt_bad(err, item,
                     "expected a dimension read from a column "
                     "(options.columns.dimensions)");
    c->by[c->n_by++] = f;
  }
  return 0;
}

int cases_options(struct mapping *m, const json_t *v, struct dahub_error *err) {
  struct map_cases *c;
  const json_t *count;
  char path[MAP_PATH_MAX];
  size_t i, k, f;
  int rc;

  m->cases = c =
      opt_section(v, "options.cases", "missing: a cases layout needs it",
                  cases_opts, sizeof *c, m->say, &rc, err);
  if (rc != 0 ||
      (rc = opt_period_kind(json_object_get(v, "period"),
                            "options.cases.period", &c->period, err)) != 0)
    return rc;
  count = json_object_get(v, "count");
  if ((c->count = opt_members(count, "options.cases.count", 0, CASES_MAX_COUNTS,
                              "counts", sizeof *c->count, &rc, err)) == NULL)
    return rc;
  for (i = 0; i < json_array_size(count); i++) {
    (void)snprintf(path, sizeof path, "options.cases.count[%zu]", i);
    c->n_count = i + 1;
    if ((rc = one_count(m, &c->count[i], json_array_get(count, i), path,
                        err)) != 0)
      return rc;
    if (c->count[i].distinct && c->reference == NULL)
      return opt_bad(err, path,
                     "a distinct count needs options.cases.reference");
  }
  if (m->field[MAP_AREA].src == MAP_NONE)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "options: nothing gives area (add it to columns, "
                           "cells or fixed)");
  /* A dimension column no count uses is most likely a typo. */
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++) {
    int used = m->field[f].src != MAP_COLUMN;

    for (i = 0; !used && i < c->n_count; i++)
      for (k = 0; k < c->count[i].n_by; k++)
        used |= c->count[i].by[k] == f;
    if (!used)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "options.columns.dimensions.%s: no count "
                             "breaks down by it (add it to a count's \"by\")",
                             m->field[f].name);
  }
  return 0;
}

void cases_options_free(struct map_cases *c) {
  size_t i;

  if (c == NULL)
    return;
  for (i = 0; i < c->n_count; i++)
    dahub_opt_free(count_opts, &c->count[i]);
  free(c->count);
  dahub_opt_free(cases_opts, c);
  free(c);
}

/* 1 when some count is distinct, and so needs every row's HMAC. */
int cases_distinct(const struct map_cases *c) {
  size_t i;

  for (i = 0; c != NULL && i < c->n_count; i++)
    if (c->count[i].distinct)
      return 1;
  return 0;
}
