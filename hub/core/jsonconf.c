/*
 * jsonconf.c: strict JSON config reading with positions (see jsonconf.h).
 *
 * Duplicate keys are rejected by jansson (JSON_REJECT_DUPLICATES): with two
 * "settle_ms" lines, which one wins is a guess an officer should not have to
 * make.
 *
 * An object's keys are checked against its option table (dahub/options.h),
 * the same check a plugin's options get; here each problem is worded as
 * the hub's messages always were and placed at its key in the file.
 */
#include "jsonconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

int jsonconf_load(struct jsonconf *jc, const char *path, struct errlist *errs) {
  json_error_t je;
  size_t len = 0;
  int rc;

  memset(jc, 0, sizeof *jc);
  jc->file = path;
  jc->errs = errs;
  rc = fs_read_small(path, JSONCONF_MAX_BYTES, &jc->text, &len);
  if (rc == -EFBIG) {
    jsonconf_error(jc, NULL, "larger than %u bytes", JSONCONF_MAX_BYTES);
    return rc;
  }
  if (rc != 0) {
    jsonconf_error(jc, NULL, "cannot read: %s", strerror(-rc));
    return rc;
  }
  jc->root = json_loadb(jc->text, len, JSON_REJECT_DUPLICATES, &je);
  if (jc->root == NULL) {
    errlist_add(errs, path, je.line > 0 ? (unsigned)je.line : 0,
                je.column > 0 ? (unsigned)je.column : 0, "%s", je.text);
    jc->nerr++;
    return -EINVAL;
  }
  if (!json_is_object(jc->root)) {
    jsonconf_error(jc, NULL, "expected a JSON object at the top");
    return -EINVAL;
  }
  return 0;
}

void jsonconf_close(struct jsonconf *jc) {
  json_decref(jc->root);
  free(jc->text);
  jc->root = NULL;
  jc->text = NULL;
}

/* The line and column of pos in text, 1-based. */
static void position(const char *text, const char *pos, unsigned *line,
                     unsigned *col) {
  *line = 1;
  *col = 1;
  for (const char *s = text; s < pos; s++) {
    if (*s == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

/* Where a member key is written: its line and column. A light scan of the
 * text that knows strings and nesting, so "layout" inside "options" is not
 * taken for a top-level "layout". parent NULL: a key of the top-level
 * object, or failing that the first such key at any depth; else a key of
 * the first object that holds it written as the value of a key called
 * parent. */
static void locate(const char *text, const char *parent, const char *key,
                   unsigned *line, unsigned *col) {
  size_t klen = strlen(key), plen = parent ? strlen(parent) : 0;
  const char *p, *any = NULL, *hit = NULL;
  int depth = 0, want = parent ? -1 : 1; /* depth the key must be at */

  *line = *col = 0;
  for (p = text; p != NULL && *p != '\0' && hit == NULL; p++) {
    const char *start, *q;

    if (*p == '{' || *p == '[') {
      depth++;
      continue;
    }
    if (*p == '}' || *p == ']') {
      /* Left the object without finding the key: a later object under a
       * key of the same name may hold it, as the second of a feed's
       * shapes holds "header.rwo" when the first has a good "header". */
      if (depth-- == want)
        want = -1;
      continue;
    }
    if (*p != '"')
      continue;
    start = p++;
    while (*p != '\0' && *p != '"')
      p += (*p == '\\' && p[1] != '\0') ? 2 : 1;
    if (*p == '\0')
      break;
    for (q = p + 1; *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'; q++)
      ;
    if (*q != ':')
      continue; /* a value, not a key */
    if (parent != NULL && want < 0 && (size_t)(p - start - 1) == plen &&
        strncmp(start + 1, parent, plen) == 0) {
      const char *v = q + 1;

      while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
        v++;
      if (*v == '{')      /* a parent of that name whose value is no object */
        want = depth + 1; /* its object opens next */
    } else if ((size_t)(p - start - 1) == klen &&
               strncmp(start + 1, key, klen) == 0) {
      if (depth == want)
        hit = start;
      else if (any == NULL)
        any = start;
    }
  }
  if (hit == NULL)
    hit = parent == NULL ? any : NULL;
  if (hit != NULL)
    position(text, hit, line, col);
}

static void error_at(struct jsonconf *jc, const char *parent, const char *key,
                     const char *fmt, va_list ap) {
  unsigned line = 0, col = 0;
  char msg[512];

  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  if (key != NULL)
    locate(jc->text, parent, key, &line, &col);
  errlist_add(jc->errs, jc->file, line, col, "%s", msg);
  jc->nerr++;
}

void jsonconf_error(struct jsonconf *jc, const char *key, const char *fmt,
                    ...) {
  va_list ap;

  va_start(ap, fmt);
  error_at(jc, NULL, key, fmt, ap);
  va_end(ap);
}

void jsonconf_error_in(struct jsonconf *jc, const char *parent, const char *key,
                       const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  error_at(jc, parent, key, fmt, ap);
  va_end(ap);
}

/* s as a message may quote it: at most 80 bytes, a control character
 * (a line break in a value) as '?', so that one error stays one line. */
static const char *printable(const char *s, char out[84]) {
  size_t n = 0;

  for (; s[n] != '\0' && n < 80; n++)
    out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
  out[n] = '\0';
  return out;
}

/* Where a check's problems go, and how they are named. */
struct report_ctx {
  struct jsonconf *jc;
  const char *parent; /* the object's key, where its keys are; NULL: top */
  enum jsonconf_naming naming;
  const char *path; /* the object's, dotted; "" at the top */
};

/* One problem, worded as the hub's messages always were (tests and
 * officers' notes quote them). */
static void report(void *arg, const struct dahub_opt_problem *p) {
  const struct report_ctx *r = arg;
  const struct dahub_opt *o = p->opt;
  const char *name = r->naming == JSONCONF_BY_PATH ? p->path : p->key;
  char want[128], found[84];

  char hint[96] = "";

  if (p->near != NULL)
    (void)snprintf(hint, sizeof hint, "; did you mean `%s`?", p->near);
  switch (p->kind) {
  case DAHUB_OPT_UNKNOWN:
    jsonconf_error_in(r->jc, r->parent, p->key, "%s: unknown key%s", p->path,
                      hint);
    return;
  case DAHUB_OPT_MISSING:
    /* a nested object's is named, at its key: the file may have several
     * objects that would need that key */
    if (r->parent != NULL && r->naming == JSONCONF_BY_PATH)
      jsonconf_error(r->jc, r->parent, "%s: missing required key \"%s\"",
                     r->path, p->key);
    else
      jsonconf_error(r->jc, NULL, "missing required key \"%s\"", p->key);
    return;
  case DAHUB_OPT_NOT_OBJECT:
    jsonconf_error(r->jc, r->parent, "%s: expected an object", p->path);
    return;
  case DAHUB_OPT_NOMEM:
    jsonconf_error(r->jc, NULL, "out of memory");
    return;
  case DAHUB_OPT_RANGE:
    jsonconf_error_in(r->jc, r->parent, p->key,
                      "%s: expected %llu to %llu, found %lld", name,
                      (unsigned long long)o->min, (unsigned long long)o->max,
                      (long long)json_integer_value(p->value));
    return;
  default:
    break;
  }
  /* a value of the wrong type was always named by its type alone */
  if (p->kind == DAHUB_OPT_WRONG_TYPE &&
      (o->type == DAHUB_OPT_STRING || o->type == DAHUB_OPT_IDENT))
    jsonconf_error_in(r->jc, r->parent, p->key,
                      "%s: expected a non-empty string", name);
  else if (p->kind == DAHUB_OPT_WRONG_TYPE && o->type == DAHUB_OPT_UINT)
    jsonconf_error_in(r->jc, r->parent, p->key, "%s: expected a whole number",
                      name);
  else if (o->type == DAHUB_OPT_IDENT)
    jsonconf_error_in(r->jc, r->parent, p->key,
                      "%s: expected lower-case letters, digits and _ (at "
                      "most %llu), found \"%s\"",
                      name, (unsigned long long)o->max,
                      json_string_value(p->value));
  else if (p->kind == DAHUB_OPT_INVALID && json_is_string(p->value))
    /* the value quoted: the officer sees what the hub read */
    jsonconf_error_in(r->jc, r->parent, p->key, "%s \"%s\": expected %s%s",
                      name, printable(json_string_value(p->value), found),
                      dahub_opt_expected(o, want, sizeof want), hint);
  else
    jsonconf_error_in(r->jc, r->parent, p->key, "%s: expected %s", name,
                      dahub_opt_expected(o, want, sizeof want));
}

static struct report_ctx report_to(struct jsonconf *jc, const char *path,
                                   enum jsonconf_naming naming) {
  const char *dot = strrchr(path, '.');
  struct report_ctx r = {jc, NULL, naming, path};

  /* the keys belong to the object named by the path's last part */
  if (path[0] != '\0')
    r.parent = dot != NULL ? dot + 1 : path;
  return r;
}

int jsonconf_check(struct jsonconf *jc, const json_t *obj, const char *path,
                   enum jsonconf_naming naming, const struct dahub_opt *table,
                   void *dst) {
  struct report_ctx r = report_to(jc, path, naming);

  return dahub_opt_check(obj, path, table, dst, report, &r);
}

void jsonconf_only(struct jsonconf *jc, const json_t *obj, const char *path,
                   const char *const *keys) {
  struct dahub_opt *table;
  size_t n = 0;

  if (!json_is_object(obj))
    return; /* the caller says what obj should have been */
  while (keys[n] != NULL)
    n++;
  if ((table = calloc(n + 1, sizeof *table)) == NULL) {
    jsonconf_error(jc, NULL, "out of memory");
    return;
  }
  /* any value: the caller checks each key's own */
  for (size_t i = 0; i < n; i++)
    table[i] = (struct dahub_opt){
        .key = keys[i], .type = DAHUB_OPT_ANY, .offset = DAHUB_OPT_NOWHERE};
  (void)jsonconf_check(jc, obj, path, JSONCONF_BY_KEY, table, NULL);
  free(table);
}

/* The member key of obj by the one-entry table o, into dst. */
static void check_one(struct jsonconf *jc, const json_t *obj,
                      const struct dahub_opt *o, void *dst) {
  struct report_ctx r = {jc, NULL, JSONCONF_BY_KEY, ""};

  (void)dahub_opt_check_one(obj, "", o, dst, report, &r);
}

const char *jsonconf_string(struct jsonconf *jc, const json_t *obj,
                            const char *key, int required) {
  const struct dahub_opt o = {.key = key,
                              .type = DAHUB_OPT_STRING,
                              .flags = required ? DAHUB_OPT_REQUIRED : 0,
                              .offset = 0};
  const char *s = NULL;

  check_one(jc, obj, &o, &s);
  return s;
}

void jsonconf_uint(struct jsonconf *jc, const json_t *obj, const char *key,
                   uint64_t min, uint64_t max, uint64_t *out) {
  const struct dahub_opt o = {.key = key,
                              .type = DAHUB_OPT_UINT,
                              .min = min,
                              .max = max,
                              .def = *out,
                              .offset = 0};

  check_one(jc, obj, &o, out);
}

/* Past the string that starts at p ('"'): its closing quote, or NULL. */
static const char *string_end(const char *p) {
  for (p++; *p != '\0' && *p != '"'; p += (*p == '\\' && p[1] != '\0') ? 2 : 1)
    ;
  return *p == '"' ? p : NULL;
}

/* The member key (klen bytes) of the object that opens at obj ('{'): where
 * its name is written, or NULL. Members of objects within are not its. */
static const char *member(const char *obj, const char *key, size_t klen) {
  int depth = 0;

  for (const char *p = obj; *p != '\0'; p++) {
    const char *end, *q;

    if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (--depth == 0)
        return NULL;
    } else if (*p == '"') {
      if ((end = string_end(p)) == NULL)
        return NULL;
      for (q = end + 1; *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n';
           q++)
        ;
      if (depth == 1 && *q == ':' && (size_t)(end - p - 1) == klen &&
          strncmp(p + 1, key, klen) == 0)
        return p;
      p = end;
    }
  }
  return NULL;
}

/* The path followed from the top, key by key ("options.values.measure.
 * Cases closed"): where its last key is written, or NULL when a key has a
 * dot of its own or an index, or is not found. */
static const char *walk(const char *text, const char *path) {
  const char *obj = text, *at = NULL, *p = path;

  while (*obj == ' ' || *obj == '\t' || *obj == '\r' || *obj == '\n')
    obj++;
  while (*obj == '{') {
    const char *dot = strchr(p, '.');
    size_t klen = dot != NULL ? (size_t)(dot - p) : strlen(p);

    if ((at = member(obj, p, klen)) == NULL || dot == NULL)
      return at;
    p = dot + 1;
    obj = strchr(string_end(at), ':') + 1; /* member() saw the colon */
    while (*obj == ' ' || *obj == '\t' || *obj == '\r' || *obj == '\n')
      obj++;
  }
  return NULL;
}

void jsonconf_locate_path(const char *file, const char *path, unsigned *line,
                          unsigned *col) {
  char parent[128] = "", *text = NULL;
  const char *key = strrchr(path, '.'), *prev;
  size_t len;

  *line = *col = 0;
  if (key == NULL || fs_read_small(file, JSONCONF_MAX_BYTES, &text, &len) != 0)
    goto out;
  if ((prev = walk(text, path)) != NULL) {
    position(text, prev, line, col);
    goto out;
  }
  /* the parent is the part before the key: "header" in options.header.rwo */
  for (prev = key; prev > path && prev[-1] != '.'; prev--)
    ;
  if ((size_t)(key - prev) >= sizeof parent)
    goto out;
  memcpy(parent, prev, (size_t)(key - prev));
  parent[key - prev] = '\0';
  locate(text, parent, key + 1, line, col);
out:
  free(text);
}
