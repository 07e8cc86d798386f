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

/* Line and column of the first `"key"` followed by a colon in the text. */
static void locate(const char *text, const char *key, unsigned *line,
                   unsigned *col) {
  size_t klen = strlen(key);
  const char *p = text;

  *line = *col = 0;
  while (text != NULL && (p = strchr(p, '"')) != NULL) {
    const char *q = p + 1 + klen;

    if (strncmp(p + 1, key, klen) == 0 && *q == '"') {
      q++;
      while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
        q++;
      if (*q == ':')
        break;
    }
    p++;
  }
  if (p == NULL)
    return;
  *line = 1;
  *col = 1;
  for (const char *s = text; s < p; s++) {
    if (*s == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

void jsonconf_error(struct jsonconf *jc, const char *key, const char *fmt,
                    ...) {
  char msg[512];
  unsigned line = 0, col = 0;
  va_list ap;

  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (key != NULL)
    locate(jc->text, key, &line, &col);
  errlist_add(jc->errs, jc->file, line, col, "%s", msg);
  jc->nerr++;
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
    if (keys[i] == NULL)
      jsonconf_error(jc, k, "%s%s%s: unknown key", path, path[0] ? "." : "", k);
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
