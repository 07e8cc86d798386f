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
  int rc;

  if (json_is_string(found)) /* quoted: what the hub read, as written */
    return opt_bad_value(err, path, expected, json_string_value(found), NULL);
  rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: expected %s, found %s", path,
                       expected, dahub_opt_found(found));
  dahub_error_detail(err, path, expected, dahub_opt_found(found));
  return rc;
}

int opt_bad_value(struct dahub_error *err, const char *path,
                  const char *expected, const char *found, const char *near) {
  int rc;

  if (near != NULL)
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "%s \"%.64s\": expected %s; did you mean `%s`?", path,
                         found, expected, near);
  else
    rc = dahub_error_set(err, -EINVAL, 0, 0, "%s \"%.64s\": expected %s", path,
                         found, expected);
  dahub_error_detail(err, path, expected, found);
  return rc;
}

int opt_choice(const json_t *v, const char *path, const char *const *choices,
               size_t *out, struct dahub_error *err) {
  const char *s = json_string_value(v);
  char want[160];

  for (*out = 0; s != NULL && choices[*out] != NULL; (*out)++)
    if (strcmp(s, choices[*out]) == 0)
      return 0;
  (void)dahub_opt_choices(choices, want, sizeof want);
  if (s == NULL)
    return opt_bad_type(err, path, want, v != NULL ? v : json_null());
  return opt_bad_value(err, path, want, s, dahub_opt_nearest(s, choices));
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

/* The problems of one object. open() can return a single error, and its
 * message is one line in the hub's list, placed at file:line:col by the
 * option's path (err->field). Joining every problem into that line would
 * cut them at 256 bytes and point at only one of them anyway; so err keeps
 * the first, whole and placed, and counts the others, and each problem,
 * the first too, is said on its own to a hub that listens (say), which
 * places every one. */
struct opt_sink {
  struct dahub_error *err;
  const struct opt_say *say;
  unsigned n;  /* problems found */
  int unknown; /* err holds an unknown key */
};

/* One problem in words, into e. */
static void opt_word(struct dahub_error *e, const struct dahub_opt_problem *p) {
  char want[128], hint[96];

  if (p->near != NULL)
    (void)snprintf(hint, sizeof hint, "unknown key; did you mean `%s`?",
                   p->near);
  if (p->kind == DAHUB_OPT_NOMEM)
    (void)opt_nomem(e);
  else if (p->kind == DAHUB_OPT_UNKNOWN)
    (void)opt_bad(e, p->path, p->near != NULL ? hint : "unknown key");
  else if (p->kind == DAHUB_OPT_INVALID && json_is_string(p->value))
    (void)opt_bad_value(e, p->path,
                        dahub_opt_expected(p->opt, want, sizeof want),
                        json_string_value(p->value), p->near);
  else if (p->kind == DAHUB_OPT_NOT_OBJECT)
    (void)opt_bad_type(e, p->path, "an object", p->value);
  else
    (void)opt_bad_type(e, p->path,
                       dahub_opt_expected(p->opt, want, sizeof want), p->value);
}

static void opt_report(void *arg, const struct dahub_opt_problem *p) {
  struct opt_sink *s = arg;
  struct dahub_error one = {0};

  opt_word(&one, p);
  if (s->say != NULL)
    s->say->fn(s->say->arg, &one);
  /* an unknown key is most likely the typo behind the rest: it wins */
  if (s->n++ > 0 && (s->unknown || p->kind != DAHUB_OPT_UNKNOWN))
    return;
  if (s->err != NULL) { /* all but where, which is the hub's */
    s->err->line = one.line;
    s->err->col = one.col;
    memcpy(s->err->field, one.field, sizeof one.field);
    memcpy(s->err->expected, one.expected, sizeof one.expected);
    memcpy(s->err->found, one.found, sizeof one.found);
    memcpy(s->err->msg, one.msg, sizeof one.msg);
    memcpy(s->err->code, one.code, sizeof one.code);
  }
  s->unknown = p->kind == DAHUB_OPT_UNKNOWN;
}

int opt_check(const json_t *obj, const char *path,
              const struct dahub_opt *table, void *dst,
              const struct opt_say *say, struct dahub_error *err) {
  struct opt_sink s = {err, say, 0, 0};
  int rc = dahub_opt_check(obj, path, table, dst, opt_report, &s);
  size_t len;

  if (s.n > 1 && err != NULL && rc != -ENOMEM &&
      (len = strlen(err->msg)) < sizeof err->msg)
    (void)snprintf(err->msg + len, sizeof err->msg - len,
                   " (and %u more in %s)", s.n - 1,
                   path[0] != '\0' ? path : "options");
  return rc;
}

void *opt_section(const json_t *v, const char *path, const char *missing,
                  const struct dahub_opt *table, size_t size,
                  const struct opt_say *say, int *rc, struct dahub_error *err) {
  void *dst;

  if (v == NULL && missing != NULL)
    *rc = opt_bad(err, path, missing);
  else if (!json_is_object(v))
    *rc = opt_bad_type(err, path, "an object", v);
  else if ((dst = calloc(1, size)) == NULL)
    *rc = opt_nomem(err);
  else {
    *rc = opt_check(v, path, table, dst, say, err);
    return dst;
  }
  return NULL;
}

void *opt_members(const json_t *v, const char *path, int object, size_t max,
                  const char *what, size_t size, int *rc,
                  struct dahub_error *err) {
  size_t n = object ? json_object_size(v) : json_array_size(v);
  char want[96];
  void *arr;

  *rc = 0;
  if (!(object ? json_is_object(v) : json_is_array(v)) || n == 0 || n > max) {
    (void)snprintf(want, sizeof want, "an %s of 1 to %zu %s",
                   object ? "object" : "array", max, what);
    *rc = opt_bad_type(err, path, want, v);
    return NULL;
  }
  if ((arr = calloc(n, size)) == NULL)
    *rc = opt_nomem(err);
  return arr;
}

int opt_only_keys(const json_t *obj, const char *path,
                  const char *const *allowed, const struct opt_say *say,
                  struct dahub_error *err) {
  struct dahub_opt table[48];
  size_t n = 0;

  /* any value: the caller checks each key's own */
  for (; allowed[n] != NULL; n++) {
    if (n + 1 >= sizeof table / sizeof *table) /* the plugin's own lists */
      return dahub_error_set(err, -E2BIG, 0, 0, "%s: too many keys to check",
                             path);
    table[n] = (struct dahub_opt){
        .key = allowed[n], .type = DAHUB_OPT_ANY, .offset = DAHUB_OPT_NOWHERE};
  }
  table[n] = (struct dahub_opt){.key = NULL};
  return opt_check(obj, path, table, NULL, say, err);
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
  const struct dahub_opt o = {.key = "",
                              .type = DAHUB_OPT_UINT,
                              .min = min,
                              .max = max,
                              .def = def,
                              .offset = 0};
  char want[96];

  *out = def;
  if (v == NULL)
    return 0;
  /* one value, not an object's member: checked as the entry alone */
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      (uint64_t)json_integer_value(v) < min ||
      (uint64_t)json_integer_value(v) > max)
    return opt_bad_type(err, path, dahub_opt_expected(&o, want, sizeof want),
                        v);
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
  static const char *const names[] = {"quarter", "month", "half", "year", NULL};
  size_t i;
  int rc;

  *out = DAHUB_PERIOD_QUARTER;
  if (v == NULL)
    return 0;
  if ((rc = opt_choice(v, path, names, &i, err)) != 0)
    return rc;
  *out = kinds[i].kind;
  return 0;
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
