/*
 * vocab_check.c: the vocabulary's judgement on a code a feed's options
 * name (vocab.h), before any file comes.
 *
 * A plugin lists the codes of its mapping (dahub/plugin.h, codes()); each
 * is what an observation of the file would carry, so it is judged as
 * validate.c would judge that observation: a measure by its id, an area
 * by its code or a label, a breakdown by its dimension and a code or
 * label of it. What the officer reads says what was found and what the
 * vocabulary has instead: the near one when there is one (a typo), the
 * whole list when it is short enough to read. Loop thread, at load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonconf.h"
#include "vocab_tables.h"

#define LIST_MAX 24 /* a longer list is not read: only the near one is said */

static const struct table *dim_table(const struct vocab *v, const char *dim) {
  struct table key = {.name = (char *)dim};

  if (v->n_dims == 0)
    return NULL;
  return bsearch(&key, v->dims, v->n_dims, sizeof key, table_cmp);
}

/* "; did you mean `x`?", or "" */
static void near_hint(char *buf, size_t n, const char *near) {
  if (near != NULL)
    (void)snprintf(buf, n, "; did you mean `%s`?", near);
  else if (n > 0)
    buf[0] = '\0';
}

/* msg = what, then the candidates listed (when few) and the near one. */
static int refuse(char *msg, size_t n, const char *what,
                  const char *const *names, size_t count, const char *code) {
  char list[512] = "", hint[96];

  near_hint(hint, sizeof hint, dahub_opt_nearest(code, names));
  if (count > 0 && count <= LIST_MAX)
    (void)snprintf(list, sizeof list, " (expected %s)",
                   dahub_opt_choices(names, (char[400]){0}, 400));
  (void)snprintf(msg, n, "%s%s%s", what, list, hint);
  return -EINVAL;
}

/* refuse() among the count names name(v, i) gives, listed when few and
 * listed is set. */
static int refuse_among(char *msg, size_t n, const char *what, const char *code,
                        const struct vocab *v, size_t count, int listed,
                        const char *(*name)(const struct vocab *v, size_t i)) {
  const char **names = calloc(count + 1, sizeof *names);
  int rc;

  if (names == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < count; i++)
    names[i] = name(v, i);
  rc = refuse(msg, n, what, names, listed ? count : 0, code);
  free(names);
  return rc;
}

static const char *measure_id(const struct vocab *v, size_t i) {
  return v->measures[i].id;
}

/* Each area's code, then its name. */
static const char *area_word(const struct vocab *v, size_t i) {
  return i % 2 == 0 ? v->area_info[i / 2].code : v->area_info[i / 2].name;
}

static const char *dim_name(const struct vocab *v, size_t i) {
  return v->dims[i].name;
}

static int check_measure(const struct vocab *v, const char *code, char *msg,
                         size_t n) {
  if (vocab_measure(v, code) != NULL)
    return 0;
  /* too many to list: the vocabulary file is where to look */
  return refuse_among(msg, n, "not a measure id of the vocabulary", code, v,
                      v->n_measures, 0, measure_id);
}

static int check_area(const struct vocab *v, const char *code, char *msg,
                      size_t n) {
  if (vocab_area(v, code) != NULL)
    return 0;
  /* the near one among codes and names: "Charnwod" is "Charnwood" */
  return refuse_among(msg, n,
                      "not an area code, or an area name or label, of the "
                      "vocabulary",
                      code, v, 2 * v->n_area_info, 0, area_word);
}

static int check_service(const char *code, char *msg, size_t n) {
  const char *dot = strchr(code, '.');
  char partner[65];

  if (dot != NULL && dot > code && (size_t)(dot - code) < sizeof partner &&
      jsonconf_is_ident(dot + 1, 64)) {
    memcpy(partner, code, (size_t)(dot - code));
    partner[dot - code] = '\0';
    if (jsonconf_is_ident(partner, 64))
      return 0;
  }
  (void)snprintf(msg, n,
                 "expected partner.service in lower-case letters, digits "
                 "and _ (\"freeva.male_helpline\")");
  return -EINVAL;
}

static int check_dimension(const struct vocab *v, const char *name, char *msg,
                           size_t n) {
  if (dim_table(v, name) != NULL)
    return 0;
  return refuse_among(msg, n, "not a dimension of the vocabulary", name, v,
                      v->n_dims, 1, dim_name);
}

static int check_dim_value(const struct vocab *v, const char *dim,
                           const char *code, char *msg, size_t n) {
  const struct table *t = dim_table(v, dim);
  char what[128];

  if (t == NULL) /* its name is said apart, as "dimensions" */
    return 0;
  if (vocab_dim_value(v, dim, code) != NULL)
    return 0;
  (void)snprintf(what, sizeof what, "not a code or label of %s", dim);
  return refuse(msg, n, what, (const char *const *)t->codes, t->n_codes, code);
}

/* A record kind, or a field of one ("records.contract"). */
static int check_record(const struct vocab *v, const char *kind,
                        const char *field, char *msg, size_t n) {
  const char *names[LIST_MAX + 1] = {NULL};
  const json_t *list = kind != NULL ? json_object_get(v->records, kind) : NULL;
  const char *k;
  json_t *f;
  size_t i = 0, count = 0;

  if (field == NULL ? vocab_record_field(v, kind, NULL)
                    : vocab_record_field(v, kind, field))
    return 0;
  if (field != NULL && list == NULL) /* the kind is said apart */
    return 0;
  if (field == NULL) {
    json_object_foreach(v->records, k, f) {
      if (count < LIST_MAX)
        names[count] = k;
      count++;
    }
  } else {
    json_array_foreach(list, i, f) {
      if (count < LIST_MAX)
        names[count] = json_string_value(f);
      count++;
    }
  }
  return refuse(msg, n,
                field == NULL ? "not a record kind of the vocabulary"
                              : "not a field of this record kind",
                names, count, field == NULL ? kind : field);
}

int vocab_check_code(const struct vocab *v, const char *field, const char *code,
                     char *msg, size_t n) {
  msg[0] = '\0';
  if (strcmp(field, "measure") == 0)
    return check_measure(v, code, msg, n);
  if (strcmp(field, "area") == 0)
    return check_area(v, code, msg, n);
  if (strcmp(field, "service_id") == 0)
    return check_service(code, msg, n);
  if (strcmp(field, "dimensions") == 0)
    return check_dimension(v, code, msg, n);
  if (strncmp(field, "dimensions.", 11) == 0)
    return check_dim_value(v, field + 11, code, msg, n);
  if (strcmp(field, "records") == 0)
    return check_record(v, code, NULL, msg, n);
  if (strncmp(field, "records.", 8) == 0)
    return check_record(v, field + 8, code, msg, n);
  return 0; /* a field this hub does not know: nothing to say of it */
}
