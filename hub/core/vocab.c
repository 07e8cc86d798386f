/*
 * vocab.c: answers questions about the vocabulary (see vocab.h), which
 * vocab_load.c loads.
 *
 * Labels are compared after folding by dahub/label.h's rule, which the
 * mapped plugin's "values" share: ASCII lower case, "&" read as "and", "+"
 * as "plus", every other punctuation mark as a space, runs of spaces as
 * one. So "Hinckley & Bosworth", "hinckley and bosworth" and
 * "Hinckley  and Bosworth" are one label, while "85+" and "85" are not. Each
 * table is a sorted array searched by bsearch: loads once, no allocation on
 * lookup. Two codes claiming one label is a load error, never a guess.
 */
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "vocab_tables.h"

static const char *const unit_names[] = {
    [UNIT_COUNT] = "count", [UNIT_PERCENT] = "percent",
    [UNIT_GBP] = "gbp",     [UNIT_BEDSPACES] = "bedspaces",
    [UNIT_FTE] = "fte",     [UNIT_SESSIONS] = "sessions",
    [UNIT_DAYS] = "days",   [UNIT_DAYS + 1] = NULL};

const char *vocab_unit_name(enum vocab_unit u) { return unit_names[u]; }
const char *const *vocab_unit_names(void) { return unit_names; }
int vocab_unit_whole(enum vocab_unit u) {
  return u == UNIT_COUNT || u == UNIT_BEDSPACES || u == UNIT_SESSIONS;
}

int vocab_unit_signed(enum vocab_unit u) { return u == UNIT_GBP; }

int vocab_record_field(const struct vocab *v, const char *kind,
                       const char *field) {
  const json_t *fields = json_object_get(v->records, kind), *f;
  size_t i;

  if (fields == NULL)
    return 0;
  if (field == NULL)
    return 1;
  json_array_foreach(fields, i, f) {
    if (strcmp(json_string_value(f), field) == 0)
      return 1;
  }
  return 0;
}

const struct vocab_measure *vocab_measure(const struct vocab *v,
                                          const char *id) {
  struct vocab_measure key = {.id = id};

  if (v->n_measures == 0) /* none loaded (its errors are being counted) */
    return NULL;
  return bsearch(&key, v->measures, v->n_measures, sizeof key, measure_cmp);
}

static const char *table_find(const struct table *t, const char *label) {
  struct label key = {0};
  char folded[DAHUB_LABEL_MAX];
  const struct label *l;

  if (label == NULL || t->n_labels == 0 || fold(label, folded) != 0)
    return NULL;
  key.key = folded;
  l = bsearch(&key, t->labels, t->n_labels, sizeof key, label_cmp);
  return l != NULL ? l->code : NULL;
}

const char *vocab_area(const struct vocab *v, const char *label) {
  return table_find(&v->areas, label);
}

static const struct table *find_dim(const struct vocab *v, const char *dim) {
  struct table key = {.name = (char *)dim};

  if (v->n_dims == 0)
    return NULL;
  return bsearch(&key, v->dims, v->n_dims, sizeof key, table_cmp);
}

int vocab_has_dim(const struct vocab *v, const char *dim) {
  return find_dim(v, dim) != NULL;
}

const char *vocab_dim_value(const struct vocab *v, const char *dim,
                            const char *label) {
  const struct table *t = find_dim(v, dim);

  return t != NULL ? table_find(t, label) : NULL;
}

const struct vocab_area *vocab_area_info(const struct vocab *v,
                                         const char *code) {
  struct vocab_area key = {.code = code};

  if (v->n_area_info == 0)
    return NULL;
  return bsearch(&key, v->area_info, v->n_area_info, sizeof key, area_info_cmp);
}

const struct vocab_rate *vocab_rates(const struct vocab *v, size_t *n) {
  *n = v->n_rates;
  return v->rates;
}
