/*
 * jsonconf.c: strict JSON config reading with positions (see jsonconf.h).
 *
 * Duplicate keys are rejected by jansson (JSON_REJECT_DUPLICATES): with two
 * "settle_ms" lines, which one wins is a guess an officer should not have to
 * make.
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

/* Where a member key is written: its line and column. A light scan of the
 * text that knows strings and nesting, so "layout" inside "options" is not
 * taken for a top-level "layout". parent NULL: a key of the top-level
 * object, or failing that the first such key at any depth; else a key of
 * the first object written as the value of a key called parent. */
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
      if (depth-- == want)
        break; /* left the object without finding the key */
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
        strncmp(start + 1, parent, plen) == 0)
      want = depth + 1; /* its object opens next */
    else if ((size_t)(p - start - 1) == klen &&
             strncmp(start + 1, key, klen) == 0) {
      if (depth == want)
        hit = start;
      else if (any == NULL)
        any = start;
    }
  }
  if (hit == NULL)
    hit = parent == NULL ? any : NULL;
  if (hit == NULL)
    return;
  *line = 1;
  *col = 1;
  for (const char *s = text; s < hit; s++) {
    if (*s == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
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

void jsonconf_only(struct jsonconf *jc, const json_t *obj, const char *path,
                   const char *const *keys) {
  const char *k;
  json_t *v;

  json_object_foreach((json_t *)obj, k, v) {
    size_t i;

    (void)v;
    for (i = 0; keys[i] != NULL; i++)
      if (strcmp(keys[i], k) == 0)
        break;
    if (keys[i] == NULL) {
      const char *dot = strrchr(path, '.');

      /* the key belongs to the object named by the path's last part */
      jsonconf_error_in(jc, path[0] ? (dot ? dot + 1 : path) : NULL, k,
                        "%s%s%s: unknown key", path, path[0] ? "." : "", k);
    }
  }
}

const char *jsonconf_string(struct jsonconf *jc, const json_t *obj,
                            const char *key, int required) {
  const json_t *v = json_object_get(obj, key);

  if (v == NULL) {
    if (required)
      jsonconf_error(jc, NULL, "missing required key \"%s\"", key);
    return NULL;
  }
  if (!json_is_string(v) || json_string_length(v) == 0 ||
      strlen(json_string_value(v)) != json_string_length(v)) {
    jsonconf_error(jc, key, "%s: expected a non-empty string", key);
    return NULL;
  }
  return json_string_value(v);
}

void jsonconf_uint(struct jsonconf *jc, const json_t *obj, const char *key,
                   uint64_t min, uint64_t max, uint64_t *out) {
  const json_t *v = json_object_get(obj, key);
  json_int_t i;

  if (v == NULL)
    return;
  if (!json_is_integer(v)) {
    jsonconf_error(jc, key, "%s: expected a whole number", key);
    return;
  }
  i = json_integer_value(v);
  if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
    jsonconf_error(jc, key, "%s: expected %llu to %llu, found %lld", key,
                   (unsigned long long)min, (unsigned long long)max,
                   (long long)i);
    return;
  }
  *out = (uint64_t)i;
}

int jsonconf_is_ident(const char *s, size_t max) {
  size_t n = 0;

  if (s == NULL)
    return 0;
  for (; s[n] != '\0'; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
          s[n] == '_'))
      return 0;
  return n > 0 && n <= max;
}

void jsonconf_locate_path(const char *file, const char *path, unsigned *line,
                          unsigned *col) {
  char parent[128] = "", *text = NULL;
  const char *key = strrchr(path, '.'), *prev;
  size_t len;

  *line = *col = 0;
  if (key == NULL || fs_read_small(file, JSONCONF_MAX_BYTES, &text, &len) != 0)
    goto out;
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
