/*
 * labels.c: "values" and "unknown", and looking a cell up in them (see
 * labels.h).
 *
 * A label is compared with a cell as the vocabulary compares labels, by
 * dahub/label.h's one rule: case, spaces and punctuation ignored, "&" read
 * as "and". Each label is folded once, at open(); the exact ones are kept
 * in an open-addressed index by their folded text, so a lookup folds the
 * cell once and probes, whatever the number of labels. Labels written with
 * a final '*' match cells that start with them, the longest first. The
 * index is built on the loop thread and only read after, by any number of
 * parse() threads.
 */
#include "labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/label.h"
#include "dahub/period.h"

#include "fields.h"
#include "options.h"

/* One label's meaning in "values": a code, null (leave the row out), or an
 * object with the code and more, or {"skip": "reason"}. */
static int target(struct mapping *m, size_t f, const json_t *v,
                  const char *path, struct map_target *t,
                  struct dahub_error *err) {
  const char *name = m->field[f].name;
  /* the field's own name gives the code: {"area": "E06000016", ...} */
  const char *const keys[] = {"service_id", "dimensions", "financial_year",
                              "skip",       name,         NULL};
  struct dahub_period p;
  char sub[MAP_PATH_MAX];
  json_t *kv;
  int rc;

  if (json_is_null(v)) {
    t->skip = 1;
    return 0;
  }
  if (json_is_string(v))
    return opt_string(v, path, &t->code, err);
  if (!json_is_object(v))
    return opt_bad_type(err, path, "a code, null, or an object", v);
  if ((rc = opt_only_keys(v, path, keys, m->say, err)) != 0)
    return rc;
  if ((kv = json_object_get(v, "skip")) != NULL) {
    if (json_object_size(v) != 1)
      return opt_bad(err, path, "\"skip\" stands alone");
    t->skip = 1;
    if ((rc = opt_join(sub, path, "skip", err)) != 0)
      return rc;
    return opt_string(kv, sub, &t->reason, err);
  }
  if ((rc = opt_join(sub, path, name, err)) != 0 ||
      (rc = opt_string(json_object_get(v, name), sub, &t->code, err)) != 0)
    return rc;
  if (f != MAP_SERVICE && (kv = json_object_get(v, "service_id")) != NULL &&
      ((rc = opt_join(sub, path, "service_id", err)) != 0 ||
       (rc = opt_string(kv, sub, &t->service_id, err)) != 0))
    return rc;
  if ((kv = json_object_get(v, "dimensions")) != NULL &&
      ((rc = opt_join(sub, path, "dimensions", err)) != 0 ||
       (rc = fields_dims(m, kv, sub, MAP_MAX_TARGET_DIMS, 1, &t->dims, err)) !=
           0))
    return rc;
  if ((kv = json_object_get(v, "financial_year")) != NULL) {
    if ((rc = opt_join(sub, path, "financial_year", err)) != 0 ||
        (rc = opt_string(kv, sub, &t->year, err)) != 0)
      return rc;
    if (dahub_period_parse(t->year, &p) != 0 || p.kind != DAHUB_PERIOD_YEAR)
      return opt_bad(err, sub, "expected a year id such as FY2024-25");
    if (m->layout != MAP_LONG && m->layout != MAP_WIDE)
      return opt_bad(err, sub, "only long and wide layouts have it");
  }
  return 0;
}

/* The hash of a folded label (FNV-1a; labels and cells are short). */
static uint64_t folded_hash(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Indexes the exact labels by their folded text. Two labels the same once
 * folded: the first wins, as a scan in order would find it first. */
static int label_index(struct map_labels *l) {
  size_t n = 16, i, k, mask;

  while (n < 2 * l->n)
    n *= 2;
  if ((l->slot = calloc(n, sizeof *l->slot)) == NULL)
    return -ENOMEM;
  l->n_slots = n;
  mask = n - 1;
  for (i = 0; i < l->n; i++) {
    const struct map_label *lab = &l->p[i];
    uint64_t h;

    if (lab->prefix) {
      l->any_prefix = 1;
      continue;
    }
    h = folded_hash(lab->folded, lab->folded_len);
    for (k = (size_t)h & mask; l->slot[k].label != 0; k = (k + 1) & mask)
      if (l->slot[k].hash == h && l->slot[k].len == lab->folded_len &&
          memcmp(l->slot[k].text, lab->folded, lab->folded_len) == 0)
        break;
    if (l->slot[k].label == 0) {
      l->slot[k].hash = h;
      l->slot[k].label = i + 1;
      l->slot[k].text = lab->folded;
      l->slot[k].len = lab->folded_len;
    }
  }
  return 0;
}

/* The labels of one field in "values". */
static int field_labels(struct mapping *m, size_t f, const json_t *obj,
                        const char *path, struct dahub_error *err) {
  struct map_labels *l = &m->field[f].values;
  const char *key;
  char sub[MAP_PATH_MAX], folded[DAHUB_LABEL_MAX];
  json_t *v;
  int rc, fl;

  if (!json_is_object(obj))
    return opt_bad_type(err, path, "an object", obj);
  if (json_object_size(obj) > MAP_MAX_LABELS)
    return opt_bad(err, path, "more than 60000 labels");
  if ((l->p = calloc(json_object_size(obj) + 1, sizeof *l->p)) == NULL)
    return opt_nomem(err);
  json_object_foreach((json_t *)obj, key, v) {
    struct map_label *lab = &l->p[l->n++];
    size_t len = strlen(key);

    if ((lab->key = strdup(key)) == NULL)
      return opt_nomem(err);
    if (len > 1 && key[len - 1] == '*') {
      lab->prefix = 1;
      lab->key[--len] = '\0';
    }
    if ((rc = opt_join(sub, path, key, err)) != 0)
      return rc;
    if ((fl = dahub_label_fold(lab->key, len, folded)) < 0)
      return opt_bad(err, sub, "a label longer than 255 characters");
    if ((lab->folded = strdup(folded)) == NULL)
      return opt_nomem(err);
    lab->folded_len = (size_t)fl;
    if ((rc = target(m, f, v, sub, &lab->t, err)) != 0)
      return rc;
  }
  if ((rc = label_index(l)) != 0)
    return opt_nomem(err);
  m->field[f].has_values = 1;
  return 0;
}

/* The field a key of section ("options.values") names; sub is its path. */
/* Calls one(m, i, v, path, err) for each key of obj (NULL: absent), an
 * object in section whose keys name fields, i the field's index and path
 * "section.key"; stops at the first error. */
static int each_field(struct mapping *m, const json_t *obj, const char *section,
                      int (*one)(struct mapping *m, size_t i, const json_t *v,
                                 const char *path, struct dahub_error *err),
                      struct dahub_error *err) {
  const char *key;
  json_t *v;
  char sub[MAP_PATH_MAX];
  size_t i = 0;
  int rc;

  if (obj != NULL && !json_is_object(obj))
    return opt_bad_type(err, section, "an object", obj);
  json_object_foreach((json_t *)obj, key, v) {
    if ((rc = opt_join(sub, section, key, err)) != 0 ||
        (rc = fields_get(m, key, 0, sub, &i, err)) != 0 ||
        (rc = one(m, i, v, sub, err)) != 0)
      return rc;
  }
  return 0;
}

/* "values": a field read from the file, its labels. */
static int values_one(struct mapping *m, size_t i, const json_t *v,
                      const char *path, struct dahub_error *err) {
  const struct map_field *f = &m->field[i];

  if (f->src != MAP_COLUMN && f->src != MAP_CELL && !f->from_keys)
    return opt_bad(err, path, "this field is not read from a column or cell");
  if (f->bands != NULL)
    return opt_bad(err, path, "this field is read into bands");
  return field_labels(m, i, v, path, err);
}

/* "unknown": what a label its values do not list does. */
static int unknown_one(struct mapping *m, size_t i, const json_t *v,
                       const char *path, struct dahub_error *err) {
  static const char *const unknowns[] = {"error", "skip", "keep", NULL};
  struct map_field *f = &m->field[i];
  size_t k;
  int rc;

  if ((rc = opt_choice(v, path, unknowns, &k, err)) != 0)
    return rc;
  if (strcmp(unknowns[k], "keep") == 0) {
    f->unknown = MAP_UNKNOWN_KEEP;
    return 0;
  }
  if (!f->has_values)
    return opt_bad(err, path, "options.values has no labels for this field");
  f->unknown =
      strcmp(unknowns[k], "skip") == 0 ? MAP_UNKNOWN_SKIP : MAP_UNKNOWN_ERROR;
  return 0;
}

/* "values" and "unknown": labels for fields read from the file. */
int labels_options(struct mapping *m, const json_t *values,
                   const json_t *unknown, struct dahub_error *err) {
  int rc = each_field(m, values, "options.values", values_one, err);

  return rc != 0 ? rc
                 : each_field(m, unknown, "options.unknown", unknown_one, err);
}

void labels_free(struct map_labels *l) {
  size_t i;

  if (l->p == NULL)
    return;
  for (i = 0; i < l->n; i++) {
    struct map_target *t = &l->p[i].t;

    free(l->p[i].key);
    free(l->p[i].folded);
    free(t->code);
    free(t->service_id);
    opt_pairs_free(&t->dims);
    free(t->year);
    free(t->reason);
  }
  free(l->p);
  free(l->slot);
}

const struct map_target *labels_find(const struct map_labels *l,
                                     const char *cell, size_t len) {
  const struct map_label *best = NULL;
  char folded[DAHUB_LABEL_MAX];
  int fl = dahub_label_fold(cell, len, folded);
  size_t i, mask = l->n_slots - 1, n;

  /* A cell too long to fold whole matches no exact label (none is that
   * long), but its folded start may still match a prefix label. */
  if (fl >= 0 && l->n_slots > 0) {
    uint64_t h = folded_hash(folded, (size_t)fl);

    for (i = (size_t)h & mask; l->slot[i].label != 0; i = (i + 1) & mask)
      if (l->slot[i].hash == h && l->slot[i].len == (size_t)fl &&
          memcmp(folded, l->slot[i].text, (size_t)fl) == 0)
        return &l->p[l->slot[i].label - 1].t;
  }
  if (!l->any_prefix)
    return NULL;
  n = fl >= 0 ? (size_t)fl : DAHUB_LABEL_MAX - 1;
  for (i = 0; i < l->n; i++)
    if (l->p[i].prefix && l->p[i].folded_len <= n &&
        memcmp(folded, l->p[i].folded, l->p[i].folded_len) == 0 &&
        (best == NULL || l->p[i].folded_len > best->folded_len))
      best = &l->p[i];
  return best != NULL ? &best->t : NULL;
}

/* Labels are matched as people read them: case and the spaces around
 * them do not count. */
static void trim(const char **s, const char **e) {
  while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
    (*s)++;
  while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' ||
                     (*e)[-1] == '\n'))
    (*e)--;
}

static char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int mapping_same(const char *cell, size_t len, const char *label) {
  const char *ce = cell + len, *le = label + strlen(label);

  trim(&cell, &ce);
  trim(&label, &le);
  if (ce - cell != le - label)
    return 0;
  for (; cell < ce; cell++, label++)
    if (ascii_lower(*cell) != ascii_lower(*label))
      return 0;
  return 1;
}

const char *mapping_lookup(const struct map_list *l, const char *cell,
                           size_t len) {
  size_t i;

  for (i = 0; i < l->n; i++)
    if (mapping_same(cell, len, l->p[i].key))
      return l->p[i].val;
  return NULL;
}
