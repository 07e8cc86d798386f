/*
 * vocab_load.c: loads the vocabulary (see vocab.h), once, at start and on
 * reload, on the loop thread.
 *
 * Every label is folded (dahub/label.h) and every table sorted, so that
 * vocab.c answers with one bsearch and no allocation. Two codes claiming
 * one label is a load error, never a guess; every error is counted, with
 * its place in the file, before the load is refused.
 */
#include "vocab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "jsonconf.h"
#include "vocab_tables.h"

static void table_free(struct table *t) {
  for (size_t i = 0; i < t->n_codes; i++)
    free(t->codes[i]);
  for (size_t i = 0; i < t->n_labels; i++)
    free(t->labels[i].key);
  free(t->codes);
  free(t->labels);
  free(t->name);
}

void vocab_free(struct vocab *v) {
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->n_measures; i++)
    free((char *)v->measures[i].id);
  free(v->measures);
  for (size_t i = 0; i < v->n_area_info; i++) {
    free((char *)v->area_info[i].name);
    free((char *)v->area_info[i].parent);
  }
  free(v->area_info);
  for (size_t i = 0; i < v->n_rates; i++) {
    free((char *)v->rates[i].id);
    free((char *)v->rates[i].numerator);
    free((char *)v->rates[i].denominator);
  }
  free(v->rates);
  json_decref(v->records);
  table_free(&v->areas);
  for (size_t i = 0; i < v->n_dims; i++)
    table_free(&v->dims[i]);
  free(v->dims);
  free(v);
}

static int add_label(struct jsonconf *jc, struct table *t, const char *label,
                     const char *code) {
  char key[DAHUB_LABEL_MAX];

  if (fold(label, key) != 0) {
    jsonconf_error(jc, code, "%s: label \"%.60s\" is empty or too long",
                   t->name, label);
    return -EINVAL;
  }
  if (t->n_labels == t->cap_labels &&
      array_grow(&t->labels, &t->cap_labels, sizeof *t->labels, 32) != 0)
    return -ENOMEM;
  t->labels[t->n_labels].key = strdup(key);
  if (t->labels[t->n_labels].key == NULL)
    return -ENOMEM;
  t->labels[t->n_labels++].code = code;
  return 0;
}

/* Whether code may stand in the store and in every summary as it is: a
 * dimension's code is lower case, digits and _ + - . ("18-24", "85+"); an
 * area's an ONS GSS code (E07000129) or a pseudo code (X_UNKNOWN). Nothing
 * that JSON or a CSV would have to escape, so no code can break the
 * canonical breakdown the store keeps and disclosure control reads. */
static int code_ok(const char *code, int area) {
  size_t n = strlen(code);

  if (n == 0 || n > 64)
    return 0;
  if (area && code[0] == 'X' && code[1] == '_') {
    for (size_t i = 2; i < n; i++)
      if (!((code[i] >= 'A' && code[i] <= 'Z') ||
            (code[i] >= '0' && code[i] <= '9') || code[i] == '_'))
        return 0;
    return n > 2;
  }
  if (area) {
    if (n != 9 || strchr("EWSN", code[0]) == NULL)
      return 0;
    for (size_t i = 1; i < n; i++)
      if (code[i] < '0' || code[i] > '9')
        return 0;
    return 1;
  }
  for (size_t i = 0; i < n; i++)
    if (!((code[i] >= 'a' && code[i] <= 'z') ||
          (code[i] >= '0' && code[i] <= '9') || strchr("_+-.", code[i])))
      return 0;
  return 1;
}

/* 1 when code may be added to t; else 0, the error counted (the load fails
 * at the end, with every bad code named). */
static int check_code(struct jsonconf *jc, const struct table *t,
                      const char *code, int area) {
  if (code_ok(code, area))
    return 1;
  jsonconf_error(jc, code, "%s: code \"%.60s\": expected %s", t->name, code,
                 area ? "an ONS GSS code such as E07000129, or X_ and capitals"
                      : "lower-case letters, digits and _ + - . only");
  return 0;
}

/* Adds code (and itself as a label) and its labels (a JSON array). */
static int add_code(struct jsonconf *jc, struct table *t, const char *code,
                    const json_t *labels) {
  const json_t *l;
  size_t i;
  char *c;
  int rc;

  if ((c = strdup(code)) == NULL)
    return -ENOMEM;
  t->codes[t->n_codes++] = c;
  if ((rc = add_label(jc, t, c, c)) != 0)
    return rc;
  if (labels != NULL && !json_is_array(labels)) {
    jsonconf_error(jc, code, "%s.%s: expected an array of labels", t->name,
                   code);
    return -EINVAL;
  }
  json_array_foreach(labels, i, l) {
    if (!json_is_string(l)) {
      jsonconf_error(jc, code, "%s.%s: labels must be strings", t->name, code);
      return -EINVAL;
    }
    if ((rc = add_label(jc, t, json_string_value(l), c)) != 0)
      return rc;
  }
  return 0;
}

/* Sorts labels; the same label twice for one code is dropped, for two codes
 * an error. */
static int table_seal(struct jsonconf *jc, struct table *t) {
  size_t o = 0;

  if (t->n_labels == 0)
    return jc->nerr > 0 ? -EINVAL : 0;
  qsort(t->labels, t->n_labels, sizeof *t->labels, label_cmp);
  for (size_t i = 0; i < t->n_labels; i++) {
    if (o > 0 && strcmp(t->labels[o - 1].key, t->labels[i].key) == 0) {
      if (strcmp(t->labels[o - 1].code, t->labels[i].code) != 0)
        jsonconf_error(jc, t->labels[i].code,
                       "%s: label \"%s\" names both %s and %s", t->name,
                       t->labels[i].key, t->labels[o - 1].code,
                       t->labels[i].code);
      free(t->labels[i].key);
      continue;
    }
    t->labels[o++] = t->labels[i];
  }
  t->n_labels = o;
  return jc->nerr > 0 ? -EINVAL : 0;
}

static const char *const bases[] = {"flow", "snapshot", "average", NULL};

/* measures.<id>.<key> "<found>": expected one of ...; did you mean `x`? */
static void bad_choice(struct jsonconf *jc, const char *id, const char *key,
                       const char *found, const char *const *choices) {
  const char *near = dahub_opt_nearest(found, choices);
  char want[160];

  jsonconf_error(jc, id, "measures.%s.%s \"%.60s\": expected %s%s%s%s", id, key,
                 found, dahub_opt_choices(choices, want, sizeof want),
                 near ? "; did you mean `" : "", near ? near : "",
                 near ? "`?" : "");
}

/* A section of the file, key, that must be an object: an array of one
 * element of size bytes a member and one more, zeroed; NULL with *rc
 * -EINVAL (said) or -ENOMEM. */
static void *section(struct jsonconf *jc, const char *key, const json_t *obj,
                     size_t size, int *rc) {
  void *arr;

  if (!json_is_object(obj)) {
    jsonconf_error(jc, key, "%s: expected an object", key);
    *rc = -EINVAL;
    return NULL;
  }
  if ((arr = calloc(json_object_size(obj) + 1, size)) == NULL)
    *rc = -ENOMEM;
  return arr;
}

static int load_measures(struct jsonconf *jc, struct vocab *v,
                         const json_t *m) {
  const char *id;
  json_t *def;
  int rc;

  if ((v->measures = section(jc, "measures", m, sizeof *v->measures, &rc)) ==
      NULL)
    return rc;
  json_object_foreach((json_t *)m, id, def) {
    static const char *const keys[] = {"unit", "family", "definition", "basis",
                                       NULL};
    const char *unit, *basis;
    size_t u;

    if (!jsonconf_is_ident(id, 64) || !json_is_object(def)) {
      jsonconf_error(jc, id,
                     "measures.%s: expected an identifier with an "
                     "object",
                     id);
      continue;
    }
    jsonconf_only(jc, def, id, keys);
    unit = jsonconf_string(jc, def, "unit", 1);
    for (u = 0; unit != NULL && u <= UNIT_DAYS; u++) /* UNIT_DAYS: the last */
      if (strcmp(unit, vocab_unit_name((enum vocab_unit)u)) == 0)
        break;
    if (unit == NULL || u > UNIT_DAYS) {
      if (unit != NULL)
        bad_choice(jc, id, "unit", unit, vocab_unit_names());
      continue;
    }
    basis = jsonconf_string(jc, def, "basis", 0);
    if (basis != NULL && strcmp(basis, "flow") != 0 &&
        strcmp(basis, "snapshot") != 0 && strcmp(basis, "average") != 0)
      bad_choice(jc, id, "basis", basis, bases);
    v->measures[v->n_measures].snapshot =
        basis != NULL && strcmp(basis, "snapshot") == 0;
    /* a percentage or an average means nothing added to another */
    v->measures[v->n_measures].additive =
        (basis == NULL || strcmp(basis, "average") != 0) &&
        (enum vocab_unit)u != UNIT_PERCENT;
    v->measures[v->n_measures].id = strdup(id);
    if (v->measures[v->n_measures].id == NULL)
      return -ENOMEM;
    v->measures[v->n_measures++].unit = (enum vocab_unit)u;
  }
  qsort(v->measures, v->n_measures, sizeof *v->measures, measure_cmp);
  return 0;
}

static int table_init(struct table *t, const char *name, size_t n) {
  t->name = strdup(name);
  t->codes = calloc(n + 1, sizeof *t->codes);
  return t->name != NULL && t->codes != NULL ? 0 : -ENOMEM;
}

/* Keeps the name and parent of the area just added to v->areas. */
static int add_area_info(struct jsonconf *jc, struct vocab *v,
                         const json_t *def, const char *name) {
  struct vocab_area *ai = &v->area_info[v->n_area_info];
  const char *code = v->areas.codes[v->areas.n_codes - 1];
  const char *parent = jsonconf_string(jc, def, "parent", 0);

  ai->code = code;
  ai->name = strdup(name != NULL ? name : code);
  ai->parent = parent != NULL ? strdup(parent) : NULL;
  v->n_area_info++;
  if (ai->name == NULL || (parent != NULL && ai->parent == NULL))
    return -ENOMEM;
  return 0;
}

static int load_areas(struct jsonconf *jc, struct vocab *v, const json_t *a) {
  const char *code;
  json_t *def;
  int rc;

  if ((v->area_info = section(jc, "areas", a, sizeof *v->area_info, &rc)) ==
      NULL)
    return rc;
  if ((rc = table_init(&v->areas, "areas", json_object_size(a))) != 0)
    return rc;
  json_object_foreach((json_t *)a, code, def) {
    static const char *const keys[] = {"name",   "level",    "parent",
                                       "labels", "in_scope", NULL};
    const char *name;

    if (!json_is_object(def)) {
      jsonconf_error(jc, code, "areas.%s: expected an object", code);
      continue;
    }
    jsonconf_only(jc, def, code, keys);
    if (!check_code(jc, &v->areas, code, 1))
      continue;
    if ((rc = add_code(jc, &v->areas, code, json_object_get(def, "labels"))) !=
        0)
      return rc;
    name = jsonconf_string(jc, def, "name", 1);
    if ((rc = add_area_info(jc, v, def, name)) != 0)
      return rc;
    if (name != NULL &&
        (rc = add_label(jc, &v->areas, name,
                        v->areas.codes[v->areas.n_codes - 1])) != 0)
      return rc;
  }
  qsort(v->area_info, v->n_area_info, sizeof *v->area_info, area_info_cmp);
  for (size_t i = 0; i < v->n_area_info; i++)
    if (v->area_info[i].parent != NULL &&
        vocab_area_info(v, v->area_info[i].parent) == NULL)
      jsonconf_error(jc, v->area_info[i].code,
                     "areas.%s.parent: \"%s\" is not an area",
                     v->area_info[i].code, v->area_info[i].parent);
  return table_seal(jc, &v->areas);
}

static void load_records(struct jsonconf *jc, struct vocab *v, json_t *r) {
  const char *kind;
  json_t *fields, *f;
  size_t i;

  if (r == NULL)
    return;
  if (!json_is_object(r)) {
    jsonconf_error(jc, "records", "records: expected an object");
    return;
  }
  json_object_foreach(r, kind, fields) {
    if (!jsonconf_is_ident(kind, 64) || !json_is_array(fields)) {
      jsonconf_error(jc, kind, "records.%s: expected an array of field names",
                     kind);
      continue;
    }
    json_array_foreach(fields, i, f) {
      if (!jsonconf_is_ident(json_string_value(f), 64))
        jsonconf_error(jc, kind, "records.%s[%zu]: expected a field name", kind,
                       i);
    }
  }
  v->records = json_incref(r);
}

static int load_rates(struct jsonconf *jc, struct vocab *v, const json_t *r) {
  const char *id;
  json_t *def;
  int rc;

  if (r == NULL)
    return 0;
  if ((v->rates = section(jc, "rates", r, sizeof *v->rates, &rc)) == NULL)
    return rc;
  json_object_foreach((json_t *)r, id, def) {
    static const char *const keys[] = {"numerator", "denominator", "definition",
                                       NULL};
    struct vocab_rate *rate = &v->rates[v->n_rates];
    const char *num, *den;

    if (!jsonconf_is_ident(id, 64) || !json_is_object(def)) {
      jsonconf_error(jc, id, "rates.%s: expected an identifier with an object",
                     id);
      continue;
    }
    jsonconf_only(jc, def, id, keys);
    num = jsonconf_string(jc, def, "numerator", 1);
    den = jsonconf_string(jc, def, "denominator", 1);
    if (num == NULL || den == NULL)
      continue;
    if (vocab_measure(v, num) == NULL || vocab_measure(v, den) == NULL) {
      jsonconf_error(jc, id,
                     "rates.%s: numerator and denominator must be "
                     "measures",
                     id);
      continue;
    }
    rate->id = strdup(id);
    rate->numerator = strdup(num);
    rate->denominator = strdup(den);
    v->n_rates++;
    if (rate->id == NULL || rate->numerator == NULL ||
        rate->denominator == NULL)
      return -ENOMEM;
  }
  return 0;
}

static int load_dims(struct jsonconf *jc, struct vocab *v, const json_t *d) {
  const char *name;
  json_t *codes;
  int rc;

  if ((v->dims = section(jc, "dimensions", d, sizeof *v->dims, &rc)) == NULL)
    return rc;
  json_object_foreach((json_t *)d, name, codes) {
    struct table *t = &v->dims[v->n_dims];
    const char *code;
    json_t *labels;

    if (!jsonconf_is_ident(name, 64) || !json_is_object(codes)) {
      jsonconf_error(jc, name, "dimensions.%s: expected an object of codes",
                     name);
      continue;
    }
    if (strcmp(name, "service") == 0) {
      /* the summary publishes a partner's figures by service under this
       * name (summary_int.h): a dimension of it would merge with them */
      jsonconf_error(jc, name,
                     "dimensions.service: the name is the summary's own (a "
                     "partner's figures by service); choose another");
      continue;
    }
    v->n_dims++;
    if ((rc = table_init(t, name, json_object_size(codes))) != 0)
      return rc;
    json_object_foreach(codes, code, labels) {
      if (!check_code(jc, t, code, 0))
        continue;
      if ((rc = add_code(jc, t, code, labels)) != 0)
        return rc;
    }
    /* its errors are counted in jc: the next dimension is read too */
    (void)table_seal(jc, t);
  }
  qsort(v->dims, v->n_dims, sizeof *v->dims, table_cmp);
  return 0;
}

int vocab_load(const char *path, struct vocab **out, struct errlist *errs) {
  static const char *const keys[] = {"version",    "measures", "areas",
                                     "dimensions", "rates",    "description",
                                     "records",    NULL};
  struct vocab *v = calloc(1, sizeof *v);
  struct jsonconf jc;
  int rc;

  *out = NULL;
  if (v == NULL)
    return -ENOMEM;
  if ((rc = jsonconf_load(&jc, path, errs)) != 0)
    goto out;
  jsonconf_only(&jc, jc.root, "", keys);
  /* each part even after another's errors: the officer sees them all (a
   * part's errors are counted in jc, its return says only what to stop
   * for: no memory) */
  rc = load_measures(&jc, v, json_object_get(jc.root, "measures"));
  if (rc != -ENOMEM)
    rc = load_areas(&jc, v, json_object_get(jc.root, "areas"));
  if (rc != -ENOMEM)
    rc = load_rates(&jc, v, json_object_get(jc.root, "rates"));
  if (rc != -ENOMEM) {
    load_records(&jc, v, json_object_get(jc.root, "records"));
    rc = load_dims(&jc, v, json_object_get(jc.root, "dimensions"));
  }
  if (rc != -ENOMEM && jc.nerr > 0)
    rc = -EINVAL;
  if (rc == -ENOMEM)
    errlist_add(errs, path, 0, 0, "out of memory");
out:
  jsonconf_close(&jc);
  if (rc == 0)
    *out = v;
  else
    vocab_free(v);
  return rc;
}
