/*
 * jsondoc.c: the "json" layout: a JSON document of items, summed into
 * figures (see jsondoc.h).
 *
 * Some returns are JSON: the MARAC sends one object per meeting, each with
 * its date, counts, and objects of counts by area or by category. The
 * mapping names the array of items, the date of each, and what to add up:
 *
 *   "layout": "json",
 *   "fixed": {"area": "X_LLR", "service_id": "marac_llr.county_marac"},
 *   "json": {
 *     "items": "meetings",         dotted path of the array ("" when the
 *                                  document is the array)
 *     "date": "meeting_date",      dotted path, in each item, of its date;
 *     "period": "quarter",         the period holding it ("month", ...)
 *     "sum": [
 *       {"measure": "marac_meetings_held"},          no key: counts items
 *       {"measure": "marac_repeat_cases", "key": "repeat_cases"},
 *       {"measure": "marac_cases_discussed",
 *        "key": "cases_by_local_authority", "by": "area"},  an object:
 *                                  its keys give the area (or service_id,
 *                                  or a dimension), its numbers the parts
 *       {"measure": "marac_cases_with_characteristic",
 *        "key": "perpetrators_aged_17_or_under",
 *        "dimensions": {"characteristic": "perpetrator_under_18"}}],
 *     "check": {"quarter_totals.cases_discussed": "marac_cases_discussed"},
 *                                  a total in the document, checked against
 *                                  the sum of that measure (a warning)
 *     "max_bytes": 16777216,       the largest document read
 *     "max_groups": 100000},       figures kept
 *   "unknown": {"area": "keep", "characteristic": "keep"}
 *
 * Figures are summed per period over the items, in memory (agg.c), and
 * emitted at the end. As in the cases layout, the plugin adds up by code,
 * so a field read from keys needs its labels in "values", or "keep" when
 * the document already writes codes (GSS codes) or one label per code.
 * Every number added must be a whole number of 0 or more; anything else
 * fails the file, naming its path ("meetings[3].repeat_cases"). A JSON
 * value has no line of its own once parsed, so the observations carry row
 * 0, column 0; parse errors name the line and column jansson found.
 *
 * The document is read whole, up to max_bytes, then parsed by jansson
 * (duplicate keys refused): MARAC returns are a few kilobytes.
 */
#include "jsondoc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"
#include "dahub/period.h"

#include "agg.h"
#include "labels.h"
#include "run.h"

#define JPATH_MAX 512

#define READ_CHUNK (64u << 10)

/* ---- One document ---- */

/* The value at a dotted path below v ("" is v itself), or NULL. */
static json_t *at(json_t *v, const char *path) {
  char part[256];
  const char *p = path, *dot;
  size_t n;

  if (*path == '\0')
    return v;
  while (v != NULL) {
    dot = strchr(p, '.');
    n = dot != NULL ? (size_t)(dot - p) : strlen(p);
    if (n >= sizeof part)
      return NULL;
    memcpy(part, p, n);
    part[n] = '\0';
    v = json_object_get(v, part);
    if (dot == NULL)
      break;
    p = dot + 1;
  }
  return v;
}

/* buf = a.b, cut if need be: paths only name places in messages. */
static void join_path(char *buf, size_t n, const char *a, const char *b) {
  if (snprintf(buf, n, "%s.%s", a, b) < 0)
    buf[0] = '\0';
}

/* An error about the value at path (no line: JSON values have none). */
static int path_error(struct run *r, int code, const char *path,
                      const char *expected, const char *found,
                      const char *msg) {
  int rc = dahub_error_set(r->err, code, 0, 0, "%s: %s", path, msg);

  dahub_error_detail(r->err, path, expected, found);
  return rc;
}

/* jansson's reason ends with the text it stopped at, "invalid token near
 * 'Jane'": that text is the document's, and goes in found. */
static int syntax_error(struct run *r, const json_error_t *jerr) {
  static const char near[] = " near '";
  const char *at = strstr(jerr->text, near), *tok;
  size_t len;
  char token[JSON_ERROR_TEXT_LENGTH];
  int rc;

  if (at == NULL)
    return dahub_error_set(r->err, -EINVAL, (uint32_t)jerr->line,
                           (uint32_t)jerr->column, "not JSON: %s", jerr->text);
  tok = at + sizeof near - 1;
  len = strlen(tok);
  if (len > 0 && tok[len - 1] == '\'')
    len--;
  memcpy(token, tok, len);
  token[len] = '\0';
  rc = dahub_error_set(r->err, -EINVAL, (uint32_t)jerr->line,
                       (uint32_t)jerr->column, "not JSON: %.*s",
                       (int)(at - jerr->text), jerr->text);
  dahub_error_detail(r->err, NULL, "JSON", token);
  return rc;
}

static int read_all(struct run *r, struct dahub_input *in, uint64_t max,
                    char **out, size_t *len) {
  size_t cap = READ_CHUNK, used = 0;
  char *buf = malloc(cap), *nb;
  ssize_t n;

  *out = NULL;
  while (buf != NULL) {
    if (used == cap) {
      cap = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
      if ((nb = realloc(buf, cap)) == NULL)
        break;
      buf = nb;
    }
    n = in->read(in, buf + used, cap - used);
    if (n < 0) {
      free(buf);
      return dahub_error_set(r->err, (int)n, 0, 0,
                             "the file could not be read");
    }
    if (n == 0) {
      *out = buf;
      *len = used;
      return 0;
    }
    used += (size_t)n;
    if (used > max) {
      free(buf);
      return dahub_error_set(r->err, -EFBIG, 0, 0,
                             "the document is larger than options.json."
                             "max_bytes (%" PRIu64 " bytes)",
                             max);
    }
  }
  free(buf);
  return dahub_error_set(r->err, -ENOMEM, 0, 0, "out of memory");
}

/* The code an object's key gives field f: as mapped_resolve(). path is
 * the object's: a key is the document's text, so it goes in found alone. */
static int key_code(struct run *r, size_t f, const char *key, const char *path,
                    const char **out, const struct map_target **tg) {
  const struct map_field *mf = &r->m->field[f];
  const struct map_target *t;
  char msg[192];

  *tg = NULL;
  *out = key;
  if (!mf->has_values)
    return 1; /* "keep": mapping.c insists on one or the other */
  if ((t = labels_find(&mf->values, key, strlen(key))) != NULL) {
    if (t->skip) {
      /* a label of the mapping: the officer's words, fit to quote */
      if (t->reason != NULL)
        mapped_warn(r, 0, 0, "%s.%s: left out: %s (options.values.%s)", path,
                    key, t->reason, mf->name);
      return 0;
    }
    *out = t->code;
    *tg = t;
    return 1;
  }
  if (mf->unknown == MAP_UNKNOWN_SKIP)
    return 0;
  if (mf->unknown == MAP_UNKNOWN_KEEP)
    return 1;
  (void)snprintf(msg, sizeof msg,
                 "no code for this %s: add it to options.values.%s, or set "
                 "options.unknown.%s",
                 mf->name, mf->name, mf->name);
  return path_error(r, -EINVAL, path, "a label listed in the mapping", key,
                    msg);
}

static int whole(struct run *r, const json_t *v, const char *path,
                 int64_t *out) {
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return path_error(r, -EINVAL, path, "a whole number of 0 or more",
                      v == NULL ? "nothing" : "something else",
                      "expected a whole number of 0 or more");
  *out = (int64_t)json_integer_value(v);
  return 0;
}

/* Adds n to the figure named by key. */
static int add(struct run *r, struct agg *a, const struct agg_key *key,
               int64_t n, const char *path) {
  size_t index;
  int rc = agg_group(a, key, 0, 0, &index);

  if (rc == 0)
    rc = agg_add(a, index, n);
  if (rc == 0)
    return 0;
  if (rc == -E2BIG)
    return path_error(r, rc, path, NULL, NULL,
                      "too many figures in one document "
                      "(options.json.max_groups)");
  if (rc == -ENOMEM)
    return dahub_error_set(r->err, rc, 0, 0, "out of memory");
  return path_error(r, rc, path, NULL, NULL,
                    rc == -EOVERFLOW ? "a sum too large" : "a code too long");
}

/* The name of one figure of sum s: measure, period, service, area, then
 * the fixed dimensions, the sum's own, and the key's with its label's. */
static void figure_key(const struct mapping *m, const struct map_sum *s,
                       const char *period, const char *code,
                       const struct map_target *tg, struct agg_key *k) {
  const char *service = m->field[MAP_SERVICE].text;
  const char *area = m->field[MAP_AREA].text;
  size_t f, i;

  if (s->by == MAP_SERVICE)
    service = code;
  else if (s->by == MAP_AREA)
    area = code;
  if (tg != NULL && tg->service_id != NULL)
    service = tg->service_id;
  agg_key_start(k);
  agg_key_add(k, s->measure);
  agg_key_add(k, period);
  agg_key_add(k, service);
  agg_key_add(k, area);
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++)
    if (m->field[f].src == MAP_FIXED) {
      agg_key_add(k, m->field[f].name);
      agg_key_add(k, m->field[f].text);
    }
  for (i = 0; i < s->dims.n; i++) {
    agg_key_add(k, s->dims.p[i].key);
    agg_key_add(k, s->dims.p[i].val);
  }
  if (s->by != MAP_NO_FIELD && s->by >= MAP_FIRST_DIM) {
    agg_key_add(k, m->field[s->by].name);
    agg_key_add(k, code);
  }
  for (i = 0; tg != NULL && i < tg->dims.n; i++) {
    agg_key_add(k, tg->dims.p[i].key);
    agg_key_add(k, tg->dims.p[i].val);
  }
}

/* One sum of one item: a count of the item, a number, or an object of
 * numbers by key. */
static int sum_item(struct run *r, struct agg *a, const struct map_sum *s,
                    json_t *item, const char *period, const char *ipath) {
  const struct mapping *m = r->m;
  char path[JPATH_MAX], kpath[JPATH_MAX];
  const struct map_target *tg;
  struct agg_key key;
  const char *k, *code;
  json_t *v, *kv;
  int64_t n = 0;
  size_t nth = 0;
  int rc;

  if (s->key == NULL) {
    figure_key(m, s, period, NULL, NULL, &key);
    return add(r, a, &key, 1, ipath);
  }
  join_path(path, sizeof path, ipath, s->key);
  v = at(item, s->key);
  if (s->by == MAP_NO_FIELD) {
    if ((rc = whole(r, v, path, &n)) != 0)
      return rc;
    figure_key(m, s, period, NULL, NULL, &key);
    return add(r, a, &key, n, path);
  }
  if (!json_is_object(v))
    return path_error(r, -EINVAL, path, "an object of counts",
                      v == NULL ? "nothing" : "something else",
                      "expected an object of counts");
  json_object_foreach(v, k, kv) {
    nth++;
    if ((rc = key_code(r, s->by, k, path, &code, &tg)) < 0)
      return rc;
    if (rc == 0)
      continue; /* a label that says skip */
    /* A key that matched a label of the mapping may name the place; one
     * kept as written is the document's text, named by its position. */
    if (tg != NULL)
      join_path(kpath, sizeof kpath, path, k);
    else if (snprintf(kpath, sizeof kpath, "%s (key %zu)", path, nth) < 0)
      kpath[0] = '\0';
    if ((rc = whole(r, kv, kpath, &n)) != 0)
      return rc;
    figure_key(m, s, period, code, tg, &key);
    if ((rc = add(r, a, &key, n, kpath)) != 0)
      return rc;
  }
  return 0;
}

/* The period of an item, from its date. */
static int item_period(struct run *r, json_t *item, const char *ipath,
                       char buf[DAHUB_PERIOD_ID_MAX]) {
  const struct map_json *j = r->m->json;
  json_t *d = at(item, j->date);
  char path[JPATH_MAX];
  struct dahub_period p;
  const char *s = json_string_value(d);
  int y, m, day, rc;

  join_path(path, sizeof path, ipath, j->date);
  if (s == NULL)
    return path_error(r, -EINVAL, path, "a date such as 2024-04-04",
                      d == NULL ? "nothing" : "something else",
                      "expected a date");
  rc = dahub_date_parse(s, strlen(s), &y, &m, &day);
  if (rc == -ERANGE)
    return path_error(r, -EINVAL, path, "a real day", s, "no such date");
  if (rc != 0 || dahub_period_of_date(y, m, day, j->period, &p) != 0)
    return path_error(r, -EINVAL, path, "a date such as 2024-04-04", s,
                      "not a date");
  dahub_period_format(&p, buf);
  return 0;
}

/* "check": a total in the document against the sum of its measure. */
static void check_totals(struct run *r, json_t *doc, const struct agg *a) {
  const struct map_json *j = r->m->json;
  size_t i, g;

  for (i = 0; i < j->check.n; i++) {
    json_t *t = at(doc, j->check.p[i].key);
    int64_t sum = 0;
    int overflow = 0;

    if (!json_is_integer(t)) {
      mapped_warn(r, 0, 0, "%s: no whole number here to check %s against",
                  j->check.p[i].key, j->check.p[i].val);
      continue;
    }
    for (g = 0; g < a->n; g++)
      if (strcmp(a->g[g].key, j->check.p[i].val) == 0)
        overflow |= __builtin_add_overflow(sum, a->g[g].value, &sum);
    if (!overflow && sum != (int64_t)json_integer_value(t))
      mapped_warn(r, 0, 0,
                  "%s does not add up: the items give %" PRId64
                  ", the total is %" PRId64,
                  j->check.p[i].key, sum, (int64_t)json_integer_value(t));
  }
}

int jsondoc_parse(struct run *r, struct dahub_input *in) {
  const struct map_json *j = r->m->json;
  char ipath[JPATH_MAX], period[DAHUB_PERIOD_ID_MAX];
  json_error_t jerr;
  json_t *doc = NULL, *items, *item;
  struct agg a;
  char *buf = NULL;
  size_t len = 0, off = 0, i, k;
  int rc;

  agg_init(&a, j->max_groups, 0);
  if ((rc = read_all(r, in, j->max_bytes, &buf, &len)) != 0)
    goto out;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
    off = 3; /* a byte order mark */
  doc = json_loadb(buf + off, len - off, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL) {
    rc = syntax_error(r, &jerr);
    goto out;
  }
  items = at(doc, j->items);
  if (!json_is_array(items)) {
    rc = path_error(r, -EINVAL, j->items[0] ? j->items : "(the document)",
                    "an array of items", items ? "something else" : "nothing",
                    "expected an array of items");
    goto out;
  }
  json_array_foreach(items, i, item) {
    (void)snprintf(ipath, sizeof ipath, "%s[%zu]", j->items[0] ? j->items : "",
                   i);
    if (!json_is_object(item)) {
      rc = path_error(r, -EINVAL, ipath, "an object", "something else",
                      "expected an object");
      goto out;
    }
    if ((rc = item_period(r, item, ipath, period)) != 0)
      goto out;
    for (k = 0; k < j->n_sum; k++)
      if ((rc = sum_item(r, &a, &j->sum[k], item, period, ipath)) != 0)
        goto out;
  }
  check_totals(r, doc, &a);
  rc = mapped_emit_groups(r, &a, NULL, NULL);
out:
  json_decref(doc);
  free(buf);
  agg_close(&a);
  return rc;
}
