/*
 * jsondoc_options.c: the "json" section of a json layout's mapping (see
 * jsondoc.c for the language): where the items are, their dates, and each
 * sum with its breakdown and fixed dimensions. Read at open(), on the
 * loop thread; the summing code only reads it.
 */
#include "jsondoc.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "options.h"

#define MAX_SUMS 64

/* ---- Options ---- */

#define AT(field) offsetof(struct map_sum, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt sum_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"measure", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(measure), dahub_opt_keep, NULL, "the measure summed"},
  {"key", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(key), dahub_opt_keep, NULL, "dotted path within an item; none: count items"},
  {"by", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the field an object's keys give"},
  {"dimensions", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "fixed dimensions: name -> code"},
  {.key = NULL}};
/* clang-format on */
#undef AT

#define AT(field) offsetof(struct map_json, field)
/* clang-format off */
static const struct dahub_opt json_opts[] = {
  {"items", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "dotted path of the array of items"},
  {"date", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(date), dahub_opt_keep, NULL, "dotted path of each item's date"},
  {"period", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "\"quarter\", \"month\", \"half\" or \"year\""},
  {"sum", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the figures: 1 to 64 sums"},
  {"check", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "dotted path of a total -> measure"},
  {"max_bytes", DAHUB_OPT_UINT, 0, 1024, 1u << 30, 16u << 20, AT(max_bytes), NULL, NULL, "a larger document is refused"},
  {"max_groups", DAHUB_OPT_UINT, 0, 1, 10000000, 100000, AT(max_groups), NULL, NULL, "figures kept"},
  {.key = NULL}};
/* clang-format on */
#undef AT

static int one_sum(struct mapping *m, struct map_sum *s, const json_t *v,
                   const char *path, struct dahub_error *err) {
  const json_t *by = json_object_get(v, "by"), *dims;
  char sub[MAP_PATH_MAX];
  const char *name;
  size_t i;
  int rc;

  s->by = MAP_NO_FIELD;
  if (!json_is_object(v))
    return opt_bad_type(err, path, "an object", v);
  if ((rc = opt_check(v, path, sum_opts, s, m->say, err)) != 0)
    return rc;
  if (by != NULL) {
    if ((rc = opt_join(sub, path, "by", err)) != 0)
      return rc;
    if (s->key == NULL)
      return opt_bad(err, sub,
                     "\"by\" reads the keys of an object: give "
                     "its \"key\"");
    if ((name = json_string_value(by)) == NULL)
      return opt_bad_type(err, sub, "a field or dimension name", by);
    if (strcmp(name, "period") == 0 || strcmp(name, "measure") == 0 ||
        strcmp(name, "financial_year") == 0)
      return opt_bad(err, sub, "expected area, service_id or a dimension");
    if ((rc = fields_get(m, name,
                         strcmp(name, "area") != 0 &&
                             strcmp(name, "service_id") != 0,
                         sub, &s->by, err)) != 0)
      return rc;
    if (s->by >= MAP_FIRST_DIM && m->field[s->by].src != MAP_NONE)
      return opt_bad(err, sub, "this dimension is fixed for every figure");
    m->field[s->by].from_keys = 1;
  }
  if ((dims = json_object_get(v, "dimensions")) != NULL) {
    if ((rc = opt_join(sub, path, "dimensions", err)) != 0 ||
        (rc = fields_dims(m, dims, sub, MAP_MAX_TARGET_DIMS, 0, &s->dims,
                          err)) != 0)
      return rc;
    for (i = 0; i < s->dims.n; i++) {
      size_t f;

      for (f = MAP_FIRST_DIM; f < m->n_fields; f++)
        if (strcmp(m->field[f].name, s->dims.p[i].key) == 0 &&
            (f == s->by || m->field[f].src != MAP_NONE))
          return opt_bad(err, sub, "a dimension given twice for one figure");
    }
  }
  return 0;
}

int jsondoc_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err) {
  struct map_json *j;
  const json_t *sum, *items;
  char path[MAP_PATH_MAX];
  size_t i, k;
  int rc;

  m->json = j =
      opt_section(v, "options.json", "missing: a json layout needs it",
                  json_opts, sizeof *j, m->say, &rc, err);
  if (rc != 0)
    return rc;
  items = json_object_get(v, "items");
  if (!json_is_string(items))
    return opt_bad_type(err, "options.json.items",
                        "a dotted path (\"\" for the document)", items);
  if ((j->items = strdup(json_string_value(items))) == NULL)
    return opt_nomem(err);
  if ((rc = opt_period_kind(json_object_get(v, "period"), "options.json.period",
                            &j->period, err)) != 0)
    return rc;
  sum = json_object_get(v, "sum");
  if ((j->sum = opt_members(sum, "options.json.sum", 0, MAX_SUMS, "sums",
                            sizeof *j->sum, &rc, err)) == NULL)
    return rc;
  for (i = 0; i < json_array_size(sum); i++) {
    (void)snprintf(path, sizeof path, "options.json.sum[%zu]", i);
    j->n_sum = i + 1;
    if ((rc = one_sum(m, &j->sum[i], json_array_get(sum, i), path, err)) != 0)
      return rc;
    if (m->field[MAP_AREA].src == MAP_NONE && j->sum[i].by != MAP_AREA)
      return opt_bad(err, path,
                     "no area: add \"by\": \"area\", or options.fixed.area");
  }
  if (json_object_get(v, "check") != NULL &&
      (rc = opt_pairs(json_object_get(v, "check"), "options.json.check",
                      &j->check, err)) != 0)
    return rc;
  for (i = 0; i < j->check.n; i++) {
    for (k = 0; k < j->n_sum && strcmp(j->sum[k].measure, j->check.p[i].val);
         k++)
      ;
    if (k == j->n_sum) {
      if ((rc = opt_join(path, "options.json.check", j->check.p[i].key, err)) ==
          0)
        rc = opt_bad(err, path, "no sum has this measure");
      return rc;
    }
  }
  return 0;
}

void jsondoc_options_free(struct map_json *j) {
  size_t i;

  if (j == NULL)
    return;
  for (i = 0; i < j->n_sum; i++) {
    dahub_opt_free(sum_opts, &j->sum[i]);
    opt_pairs_free(&j->sum[i].dims);
  }
  free(j->sum);
  opt_pairs_free(&j->check);
  free(j->items);
  dahub_opt_free(json_opts, j);
  free(j);
}
