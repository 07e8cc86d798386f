/*
 * options.c: checks on the JSON of a feed's options (see options.h).
 *
 * Every section of a mapping, and each layout's own section, reads its keys
 * through these, so a mistake reads the same wherever it is: the option's
 * path, what was expected and what was found ("options.header.row:
 * expected a whole number from 1, found a string"), also in err's detail
 * for `dahub check`. They run on the loop thread, at open().
 */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/options.h"

/* "options.header.rwo: unknown key"; the path also goes in err->field. */
int opt_bad(struct dahub_error *err, const char *path, const char *what) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: %s", path, what);

  dahub_error_detail(err, path, NULL, NULL);
  return rc;
}

int opt_bad_type(struct dahub_error *err, const char *path,
                 const char *expected, const json_t *found) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: expected %s, found %s",
                           path, expected, dahub_opt_found(found));

  dahub_error_detail(err, path, expected, dahub_opt_found(found));
  return rc;
}

int opt_nomem(struct dahub_error *err) {
  return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
}

int opt_join(char *buf, const char *path, const char *key,
             struct dahub_error *err) {
  int n = snprintf(buf, MAP_PATH_MAX, "%s.%s", path, key);

  if (n < 0 || n >= MAP_PATH_MAX)
    return opt_bad(err, path, "a key is too long");
  return 0;
}

int opt_only_keys(const json_t *obj, const char *path,
                  const char *const *allowed, struct dahub_error *err) {
  const char *key;
  const char *const *a;
  json_t *v;
  char sub[MAP_PATH_MAX];
  int rc;

  /* jansson's iterator takes a non-const object; it is only read. */
  json_object_foreach((json_t *)obj, key, v) {
    for (a = allowed; *a != NULL && strcmp(*a, key) != 0; a++)
      ;
    if (*a != NULL)
      continue;
    if ((rc = opt_join(sub, path, key, err)) != 0)
      return rc;
    return opt_bad(err, sub, "unknown key");
  }
  return 0;
}

int opt_string(const json_t *v, const char *path, char **out,
               struct dahub_error *err) {
  if (!json_is_string(v) || json_string_length(v) == 0)
    return opt_bad_type(err, path, "a non-empty string", v);
  if ((*out = strdup(json_string_value(v))) == NULL)
    return opt_nomem(err);
  return 0;
}

int opt_pairs(const json_t *obj, const char *path, struct map_list *l,
              struct dahub_error *err) {
  const char *key;
  json_t *v;
  char sub[MAP_PATH_MAX];

  if (!json_is_object(obj))
    return opt_bad_type(err, path, "an object", obj);
  if ((l->p = calloc(json_object_size(obj) + 1, sizeof *l->p)) == NULL)
    return opt_nomem(err);
  json_object_foreach((json_t *)obj, key, v) {
    int rc;

    if ((rc = opt_join(sub, path, key, err)) != 0 ||
        (rc = opt_string(v, sub, &l->p[l->n].val, err)) != 0)
      return rc;
    if ((l->p[l->n++].key = strdup(key)) == NULL)
      return opt_nomem(err);
  }
  return 0;
}

int opt_strings(const json_t *arr, const char *path, char ***out, size_t *n,
                struct dahub_error *err) {
  char sub[MAP_PATH_MAX];
  size_t i;

  if (!json_is_array(arr) || json_array_size(arr) == 0)
    return opt_bad_type(err, path, "a non-empty array of strings", arr);
  if ((*out = calloc(json_array_size(arr), sizeof **out)) == NULL)
    return opt_nomem(err);
  for (i = 0; i < json_array_size(arr); i++) {
    int rc;

    if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) >= (int)sizeof sub)
      return opt_bad(err, path, "path too long");
    if ((rc = opt_string(json_array_get(arr, i), sub, &(*out)[i], err)) != 0)
      return rc;
    *n = i + 1;
  }
  return 0;
}

int opt_uint(const json_t *v, const char *path, uint64_t min, uint64_t max,
             uint64_t def, uint64_t *out, struct dahub_error *err) {
  char expected[96];

  if (v == NULL) {
    *out = def;
    return 0;
  }
  (void)snprintf(expected, sizeof expected, "a whole number from %llu to %llu",
                 (unsigned long long)min, (unsigned long long)max);
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      (uint64_t)json_integer_value(v) < min ||
      (uint64_t)json_integer_value(v) > max)
    return opt_bad_type(err, path, expected, v);
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

int opt_period_kind(const json_t *v, const char *path,
                    enum dahub_period_kind *out, struct dahub_error *err) {
  static const struct {
    const char *name;
    enum dahub_period_kind kind;
  } kinds[] = {{"quarter", DAHUB_PERIOD_QUARTER},
               {"month", DAHUB_PERIOD_MONTH},
               {"half", DAHUB_PERIOD_HALF},
               {"year", DAHUB_PERIOD_YEAR}};
  const char *s = json_string_value(v);
  size_t i;

  *out = DAHUB_PERIOD_QUARTER;
  if (v == NULL)
    return 0;
  for (i = 0; s != NULL && i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(s, kinds[i].name) == 0) {
      *out = kinds[i].kind;
      return 0;
    }
  return opt_bad_type(err, path, "\"quarter\", \"month\", \"half\" or \"year\"",
                      v);
}

void opt_pairs_free(struct map_list *l) {
  size_t i;

  if (l->p == NULL)
    return;
  for (i = 0; i < l->n; i++) {
    free(l->p[i].key);
    free(l->p[i].val);
  }
  /* opt_pairs() may stop between a val and its key: that is p[n]. */
  free(l->p[l->n].val);
  free(l->p);
  l->p = NULL;
  l->n = 0;
}

void opt_strings_free(char **s, size_t n) {
  size_t i;

  if (s == NULL)
    return;
  for (i = 0; i < n; i++)
    free(s[i]);
  free(s);
}
