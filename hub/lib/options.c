/*
 * options.c: a JSON object checked against a table of its keys (see
 * dahub/options.h).
 *
 * One pass over the object's keys finds the unknown ones and checks the
 * known ones; one pass over the table finds the required keys that are
 * missing. Nothing stops at a problem: an officer fixing a file wants every
 * mistake of it at once, not one per attempt. Only running out of memory
 * ends the check early, since nothing after it could be trusted.
 *
 * An unknown key is most often a typo of a known one; the problem then
 * names it, by the edit distance (optimal string alignment: a swap of
 * neighbours is one edit, "hedaer" is one from "header"). Keys and choices are
 * short and few, so the quadratic distance of each pair costs nothing.
 */
#include "dahub/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *dahub_opt_found(const json_t *v) {
  if (v == NULL)
    return "nothing";
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "true/false";
  default:
    return "null";
  }
}

#define NEAR_MAX_LEN 64 /* longer words are not typos of a key */

static unsigned char lower(char c) {
  return (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

size_t dahub_opt_distance(const char *a, const char *b, size_t max) {
  size_t rows[3][NEAR_MAX_LEN + 1]; /* the last two rows and this one */
  size_t la = strlen(a), lb = strlen(b), i, j;

  if (la > NEAR_MAX_LEN || lb > NEAR_MAX_LEN ||
      (la > lb ? la - lb : lb - la) > max)
    return max + 1;
  for (j = 0; j <= lb; j++)
    rows[0][j] = j;
  for (i = 1; i <= la; i++) {
    size_t *prev2 = rows[(i + 1) % 3], *prev = rows[(i + 2) % 3],
           *cur = rows[i % 3], low;

    cur[0] = low = i;
    for (j = 1; j <= lb; j++) {
      size_t cost = lower(a[i - 1]) != lower(b[j - 1]), d = prev[j - 1] + cost;

      if (prev[j] + 1 < d)
        d = prev[j] + 1;
      if (cur[j - 1] + 1 < d)
        d = cur[j - 1] + 1;
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]) && prev2[j - 2] + 1 < d)
        d = prev2[j - 2] + 1; /* two neighbours swapped */
      cur[j] = d;
      if (d < low)
        low = d;
    }
    if (low > max) /* every path is already too long */
      return max + 1;
  }
  return rows[la % 3][lb] <= max ? rows[la % 3][lb] : max + 1;
}

/* The edits a person may make in a word of len characters. */
static size_t typo_edits(size_t len) { return len <= 4 ? 1 : len <= 8 ? 2 : 3; }

/* Keeps cand as *near when it is nearer word than *best. */
static void consider(const char *word, const char *cand, size_t *best,
                     const char **near) {
  size_t allowed = typo_edits(strlen(word)), d;

  if (strcmp(word, cand) == 0)
    return;
  d = dahub_opt_distance(word, cand, allowed);
  /* "a" is not a typo of "b": some of the candidate must be left */
  if (d <= allowed && d < *best && d < strlen(cand)) {
    *best = d;
    *near = cand;
  }
}

const char *dahub_opt_nearest(const char *word, const char *const *candidates) {
  const char *near = NULL;
  size_t best = SIZE_MAX;

  for (size_t i = 0; word != NULL && candidates[i] != NULL; i++)
    consider(word, candidates[i], &best, &near);
  return near;
}

/* The table's key word is most likely a typo of, or NULL. */
static const char *nearest_key(const char *word,
                               const struct dahub_opt *table) {
  const char *near = NULL;
  size_t best = SIZE_MAX;

  for (const struct dahub_opt *o = table; o->key != NULL; o++)
    consider(word, o->key, &best, &near);
  return near;
}

const char *dahub_opt_choices(const char *const *choices, char *buf, size_t n) {
  size_t used = 0;
  int w;

  if (n == 0)
    return buf;
  w = snprintf(buf, n, "one of ");
  for (size_t i = 0; w >= 0 && (size_t)w < n - used && choices[i] != NULL;
       i++) {
    used += (size_t)w;
    w = snprintf(buf + used, n - used, "%s%s", i > 0 ? ", " : "", choices[i]);
  }
  return buf; /* a list too long for buf is cut: snprintf ends it */
}

int dahub_opt_is_ident(const char *s, size_t max) {
  size_t n = 0;

  if (s == NULL)
    return 0;
  for (; s[n] != '\0'; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
          s[n] == '_'))
      return 0;
  return n > 0 && n <= max;
}

int dahub_opt_duration(const char *s, uint64_t max, uint64_t *seconds) {
  static const struct {
    char unit;
    uint64_t seconds;
  } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  uint64_t n = 0;
  size_t i = 0;

  /* at most 9 digits: no overflow before the bound is checked */
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    if (i == 9)
      return -EINVAL;
    n = n * 10 + (uint64_t)(s[i] - '0');
  }
  if (i == 0 || s[i] == '\0' || s[i + 1] != '\0')
    return -EINVAL;
  for (size_t u = 0; u < sizeof units / sizeof *units; u++)
    if (s[i] == units[u].unit) {
      if (n > max / units[u].seconds)
        return -EINVAL;
      *seconds = n * units[u].seconds;
      return 0;
    }
  return -EINVAL;
}

const char *dahub_opt_expected(const struct dahub_opt *o, char *buf, size_t n) {
  static const char *const words[] = {
      [DAHUB_OPT_STRING] = "a non-empty string",
      [DAHUB_OPT_IDENT] = "lower-case letters, digits and _",
      [DAHUB_OPT_BOOL] = "true or false",
      [DAHUB_OPT_DURATION] = "a duration such as \"30d\"",
      [DAHUB_OPT_OBJECT] = "an object",
      [DAHUB_OPT_ARRAY] = "an array",
      [DAHUB_OPT_ANY] = "a value"};

  if (o->expect != NULL)
    (void)snprintf(buf, n, "%s", o->expect);
  else if (o->type == DAHUB_OPT_UINT)
    (void)snprintf(buf, n, "a whole number from %llu to %llu",
                   (unsigned long long)o->min, (unsigned long long)o->max);
  else
    (void)snprintf(buf, n, "%s", words[o->type]);
  return buf;
}

static void *slot(void *dst, const struct dahub_opt *o) {
  return (char *)dst + o->offset;
}

int dahub_opt_keep(void *dst, const struct dahub_opt *o, const json_t *v) {
  char **at = slot(dst, o);
  char *copy = strdup(json_string_value(v));

  if (copy == NULL)
    return -ENOMEM;
  free(*at);
  *at = copy;
  return 0;
}

void dahub_opt_free(const struct dahub_opt *table, void *dst) {
  for (const struct dahub_opt *o = table; o->key != NULL; o++)
    if (o->set == dahub_opt_keep) {
      char **at = slot(dst, o);

      free(*at);
      *at = NULL;
    }
}

void dahub_opt_defaults(const struct dahub_opt *table, void *dst) {
  for (const struct dahub_opt *o = table; o->key != NULL; o++) {
    if (o->offset == DAHUB_OPT_NOWHERE)
      continue;
    if (o->type == DAHUB_OPT_UINT || o->type == DAHUB_OPT_DURATION)
      memcpy(slot(dst, o), &o->def, sizeof o->def);
    else if (o->type == DAHUB_OPT_BOOL)
      *(int *)slot(dst, o) = o->def != 0;
  }
}

/* Is v of the entry's JSON type? Meaning (range, ident, duration) is
 * checked after. */
static int right_type(const struct dahub_opt *o, const json_t *v) {
  switch (o->type) {
  case DAHUB_OPT_STRING:
  case DAHUB_OPT_IDENT:
  case DAHUB_OPT_DURATION:
    /* an embedded NUL would cut the text the hub keeps */
    return json_is_string(v) && json_string_length(v) > 0 &&
           strlen(json_string_value(v)) == json_string_length(v);
  case DAHUB_OPT_UINT:
    return json_is_integer(v);
  case DAHUB_OPT_BOOL:
    return json_is_boolean(v);
  case DAHUB_OPT_OBJECT:
    return json_is_object(v);
  case DAHUB_OPT_ARRAY:
    return json_is_array(v);
  default:
    return 1;
  }
}

/* Checks and stores one present value; the problem's kind, or -1. */
static int take(const struct dahub_opt *o, const json_t *v, void *dst) {
  uint64_t u = 0;
  int rc;

  if (!right_type(o, v))
    return DAHUB_OPT_WRONG_TYPE;
  if (o->type == DAHUB_OPT_UINT &&
      (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < o->min ||
       (uint64_t)json_integer_value(v) > o->max))
    return DAHUB_OPT_RANGE;
  if (o->type == DAHUB_OPT_IDENT &&
      !dahub_opt_is_ident(json_string_value(v), (size_t)o->max))
    return DAHUB_OPT_INVALID;
  if (o->type == DAHUB_OPT_DURATION &&
      dahub_opt_duration(json_string_value(v), o->max, &u) != 0)
    return DAHUB_OPT_INVALID;

  if (o->set != NULL) {
    rc = o->set(dst, o, v);
    if (rc == -ENOMEM)
      return DAHUB_OPT_NOMEM;
    return rc != 0 ? DAHUB_OPT_INVALID : -1;
  }
  if (o->offset == DAHUB_OPT_NOWHERE)
    return -1;
  switch (o->type) {
  case DAHUB_OPT_STRING:
  case DAHUB_OPT_IDENT:
    *(const char **)slot(dst, o) = json_string_value(v);
    break;
  case DAHUB_OPT_UINT:
    u = (uint64_t)json_integer_value(v);
    /* fall through */
  case DAHUB_OPT_DURATION:
    memcpy(slot(dst, o), &u, sizeof u);
    break;
  case DAHUB_OPT_BOOL:
    *(int *)slot(dst, o) = json_is_true(v);
    break;
  default:
    *(const json_t **)slot(dst, o) = v;
  }
  return -1;
}

static void report_one(dahub_opt_report_fn report, void *arg,
                       enum dahub_opt_problem_kind kind, const char *path,
                       const char *key, const struct dahub_opt *o,
                       const json_t *v, const char *near) {
  struct dahub_opt_problem p = {kind, path, key, o, v, near};
  char sub[DAHUB_OPT_PATH_MAX];

  if (key != NULL) {
    /* a cut path still names the object; better than none */
    (void)snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", key);
    p.path = sub;
  }
  report(arg, &p);
}

/* Checks and stores the present value v of o's key, reporting a problem. */
static int check_value(const struct dahub_opt *o, const json_t *v,
                       const char *path, void *dst, dahub_opt_report_fn report,
                       void *arg) {
  int kind = take(o, v, dst);

  if (kind < 0)
    return 0;
  report_one(report, arg, (enum dahub_opt_problem_kind)kind, path, o->key, o, v,
             NULL);
  return kind == DAHUB_OPT_NOMEM ? -ENOMEM : -EINVAL;
}

static int check_missing(const struct dahub_opt *o, const json_t *obj,
                         const char *path, dahub_opt_report_fn report,
                         void *arg) {
  if (!(o->flags & DAHUB_OPT_REQUIRED) ||
      (obj != NULL && json_object_get(obj, o->key) != NULL))
    return 0;
  report_one(report, arg, DAHUB_OPT_MISSING, path, o->key, o, NULL, NULL);
  return -EINVAL;
}

int dahub_opt_check(const json_t *obj, const char *path,
                    const struct dahub_opt *table, void *dst,
                    dahub_opt_report_fn report, void *arg) {
  const struct dahub_opt *o;
  const char *key;
  json_t *v;
  int rc = 0, r;

  dahub_opt_defaults(table, dst);
  if (obj != NULL && !json_is_object(obj)) {
    report_one(report, arg, DAHUB_OPT_NOT_OBJECT, path, NULL, NULL, obj, NULL);
    return -EINVAL;
  }
  /* jansson's iterator takes a non-const object; it is only read */
  json_object_foreach((json_t *)obj, key, v) {
    for (o = table; o->key != NULL; o++)
      if (strcmp(o->key, key) == 0)
        break;
    if (o->key == NULL) {
      report_one(report, arg, DAHUB_OPT_UNKNOWN, path, key, NULL, v,
                 nearest_key(key, table));
      rc = -EINVAL;
    } else if ((r = check_value(o, v, path, dst, report, arg)) == -ENOMEM) {
      return r;
    } else if (r != 0) {
      rc = r;
    }
  }
  for (o = table; o->key != NULL; o++)
    if (check_missing(o, obj, path, report, arg) != 0)
      rc = -EINVAL;
  return rc;
}

int dahub_opt_check_one(const json_t *obj, const char *path,
                        const struct dahub_opt *o, void *dst,
                        dahub_opt_report_fn report, void *arg) {
  const json_t *v = json_is_object(obj) ? json_object_get(obj, o->key) : NULL;
  const struct dahub_opt one[2] = {*o, {.key = NULL}};

  dahub_opt_defaults(one, dst);
  if (v != NULL)
    return check_value(o, v, path, dst, report, arg);
  return check_missing(o, NULL, path, report, arg);
}
