/*
 * config.c: reads hub.json and feeds.d/NAME.json (see config.h).
 *
 * Relative paths in hub.json are relative to the folder that holds it, so
 * the same tree works from any working directory. Feed files are read in
 * name order so errors and start-up are the same on every run. Every limit
 * an outside input meets is set here, with a bound on the bound.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dahub/period.h"
#include "fsutil.h"
#include "jsonconf.h"

static const char *const hub_keys[] = {
    "spool_dir",  "state_dir",          "plugin_dir",
    "vocabulary", "settle_ms",          "rescan_ms",
    "limits",     "shutdown_grace_ms",  "description",
    "summary",    "retention_check_ms", "deliveries", NULL};
static const char *const summary_keys[] = {
    "outbox_dir",     "sinks",      "threshold",   "area_thresholds",
    "suppress_zeros", "meetings",   "days_before", "contract_warning_months",
    "marker",         "protection", NULL};
static const char *const limit_keys[] = {"max_file_bytes", "max_line_bytes",
                                         "max_errors", NULL};
static const char *const feed_keys[] = {
    "name",          "source_id",   "service_id", "plugin",
    "options",       "description", "expect",     "due_days",
    "hmac_key_file", "personal",    "retain",     NULL};
static const char *const retain_keys[] = {"done", "failed", NULL};

static void feed_clear(struct feed_conf *f) {
  free(f->name);
  free(f->source_id);
  free(f->service_id);
  free(f->plugin);
  free(f->file);
  free(f->hmac_key_file);
  json_decref(f->options);
}

void config_free(struct config *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n_feeds; i++)
    feed_clear(&c->feeds[i]);
  free(c->feeds);
  free(c->path);
  free(c->spool_dir);
  free(c->state_dir);
  free(c->plugin_dir);
  free(c->vocabulary);
  free(c->summary.outbox_dir);
  for (size_t i = 0; i < c->summary.n_sinks; i++)
    free(c->summary.sinks[i]);
  destinations_free(c->deliveries, c->n_deliveries);
  free(c);
}

const struct feed_conf *config_feed(const struct config *c, const char *name) {
  for (size_t i = 0; i < c->n_feeds; i++)
    if (strcmp(c->feeds[i].name, name) == 0)
      return &c->feeds[i];
  return NULL;
}

/* A path member resolved against base; required. */
static char *path_member(struct jsonconf *jc, const char *base,
                         const char *key) {
  const char *v = jsonconf_string(jc, jc->root, key, 1);
  char *r;

  if (v == NULL)
    return NULL;
  r = fs_resolve(base, v);
  if (r == NULL)
    jsonconf_error(jc, key, "%s: path too long", key);
  return r;
}

int config_parse_time(const char *s, int64_t *t) {
  struct tm tm;
  const char *end;
  int y, mo, d;

  memset(&tm, 0, sizeof tm);
  end = strptime(s, "%Y-%m-%d", &tm);
  if (end == NULL)
    return -EINVAL;
  if (*end == 'T') {
    end = strptime(end + 1, "%H:%M:%S", &tm);
    if (end == NULL || strcmp(end, "Z") != 0)
      return -EINVAL;
  } else if (*end != '\0') {
    return -EINVAL;
  }
  y = tm.tm_year + 1900;
  mo = tm.tm_mon + 1;
  d = tm.tm_mday;
  if (!dahub_date_valid(y, mo, d))
    return -EINVAL;
  *t = (int64_t)timegm(&tm);
  return 0;
}

int config_parse_duration(const char *s, uint64_t *seconds) {
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
      if (n > CONFIG_RETAIN_MAX_S / units[u].seconds)
        return -EINVAL;
      *seconds = n * units[u].seconds;
      return 0;
    }
  return -EINVAL;
}

uint64_t config_threshold(const struct config *c, const char *area) {
  for (size_t i = 0; i < c->summary.n_area_thresholds; i++)
    if (strcmp(c->summary.area_thresholds[i].area, area) == 0)
      return c->summary.area_thresholds[i].threshold;
  return c->summary.threshold;
}

static void load_meetings(struct jsonconf *jc, struct summary_conf *s,
                          const json_t *m) {
  const json_t *v;
  size_t i;

  if (m == NULL)
    return;
  if (!json_is_array(m) || json_array_size(m) > CONFIG_MAX_MEETINGS) {
    jsonconf_error(jc, "meetings",
                   "summary.meetings: expected an array of at most %d dates",
                   CONFIG_MAX_MEETINGS);
    return;
  }
  json_array_foreach(m, i, v) {
    const char *text = json_string_value(v);
    size_t k = s->n_meetings;
    int64_t t;

    if (text == NULL || strlen(text) >= sizeof s->meeting_ids[0] ||
        config_parse_time(text, &t) != 0) {
      jsonconf_error(jc, "meetings",
                     "summary.meetings[%zu]: expected a date such as "
                     "\"2024-09-27\" or \"2024-09-27T10:00:00Z\"",
                     i);
      continue;
    }
    /* kept in time order, each with its text as written: "2024-09-27" is a
     * whole day, "2024-09-27T00:00:00Z" an instant */
    while (k > 0 && s->meetings[k - 1] > t) {
      s->meetings[k] = s->meetings[k - 1];
      memcpy(s->meeting_ids[k], s->meeting_ids[k - 1],
             sizeof s->meeting_ids[k]);
      k--;
    }
    s->meetings[k] = t;
    memcpy(s->meeting_ids[k], text, strlen(text) + 1);
    s->n_meetings++;
  }
}

/* A marker stands where a number would: it must never read as one. */
static int marker_ok(const char *k) {
  int digits = 1;

  for (const char *p = k; *p != '\0'; p++) {
    if (*p < 0x20 || *p > 0x7e)
      return 0;
    if (!(*p >= '0' && *p <= '9') && *p != '.' && *p != '-' && *p != ' ')
      digits = 0;
  }
  return !digits;
}

static void load_summary(struct jsonconf *jc, struct config *c,
                         const char *base, const json_t *o) {
  struct summary_conf *s = &c->summary;
  const json_t *sinks, *at, *v;
  const char *k;
  size_t i;

  if (o == NULL)
    return;
  if (!json_is_object(o)) {
    jsonconf_error(jc, "summary", "summary: expected an object");
    return;
  }
  jsonconf_only(jc, o, "summary", summary_keys);
  k = jsonconf_string(jc, o, "outbox_dir", 0);
  if (k != NULL) {
    free(s->outbox_dir);
    s->outbox_dir = fs_resolve(base, k);
  }
  jsonconf_uint(jc, o, "threshold", 1, 1000, &s->threshold);
  jsonconf_uint(jc, o, "protection", 0, 1000, &s->protection);
  k = jsonconf_string(jc, o, "marker", 0);
  if (k != NULL &&
      (strlen(k) == 0 || strlen(k) >= sizeof s->marker || !marker_ok(k)))
    jsonconf_error(jc, "marker",
                   "marker: expected 1 to %zu printable ASCII characters "
                   "that are not a number",
                   sizeof s->marker - 1);
  else if (k != NULL)
    memcpy(s->marker, k, strlen(k) + 1);
  jsonconf_uint(jc, o, "days_before", 0, 365, &s->days_before);
  jsonconf_uint(jc, o, "contract_warning_months", 0, 120,
                &s->contract_warning_months);
  v = json_object_get(o, "suppress_zeros");
  if (v != NULL && !json_is_boolean(v))
    jsonconf_error(jc, "suppress_zeros",
                   "suppress_zeros: expected true or "
                   "false");
  else if (v != NULL)
    s->suppress_zeros = json_is_true(v);
  sinks = json_object_get(o, "sinks");
  if (sinks != NULL) {
    for (i = 0; i < s->n_sinks; i++)
      free(s->sinks[i]);
    s->n_sinks = 0;
    if (!json_is_array(sinks) || json_array_size(sinks) > CONFIG_MAX_SINKS)
      jsonconf_error(jc, "sinks",
                     "sinks: expected an array of at most %d "
                     "plugin names",
                     CONFIG_MAX_SINKS);
    else
      json_array_foreach(sinks, i, v) {
        if (!jsonconf_is_ident(json_string_value(v), CONFIG_NAME_MAX))
          jsonconf_error(jc, "sinks", "sinks[%zu]: expected a plugin name", i);
        else
          s->sinks[s->n_sinks++] = strdup(json_string_value(v));
      }
  }
  at = json_object_get(o, "area_thresholds");
  if (at != NULL && (!json_is_object(at) ||
                     json_object_size(at) > CONFIG_MAX_AREA_THRESHOLDS)) {
    jsonconf_error(jc, "area_thresholds",
                   "area_thresholds: expected an "
                   "object of area codes and numbers");
  } else if (at != NULL) {
    json_object_foreach((json_t *)at, k, v) {
      struct area_threshold *a = &s->area_thresholds[s->n_area_thresholds];

      if (!json_is_integer(v) || json_integer_value(v) < 1 ||
          json_integer_value(v) > 1000 || strlen(k) >= sizeof a->area) {
        jsonconf_error(jc, k, "area_thresholds.%s: expected 1 to 1000", k);
        continue;
      }
      memcpy(a->area, k, strlen(k) + 1);
      a->threshold = (uint64_t)json_integer_value(v);
      s->n_area_thresholds++;
    }
  }
  load_meetings(jc, s, json_object_get(o, "meetings"));
}

static int load_hub(struct config *c, const char *base, const char *plugin_dir,
                    struct errlist *errs) {
  struct jsonconf jc;
  const json_t *limits;
  int rc;

  if ((rc = jsonconf_load(&jc, c->path, errs)) != 0)
    goto out;
  jsonconf_only(&jc, jc.root, "", hub_keys);
  c->spool_dir = path_member(&jc, base, "spool_dir");
  c->state_dir = path_member(&jc, base, "state_dir");
  c->vocabulary = path_member(&jc, base, "vocabulary");
  if (plugin_dir != NULL)
    c->plugin_dir = strdup(plugin_dir);
  else
    c->plugin_dir = path_member(&jc, base, "plugin_dir");
  jsonconf_uint(&jc, jc.root, "settle_ms", 0, 600000, &c->settle_ms);
  jsonconf_uint(&jc, jc.root, "rescan_ms", 50, 3600000, &c->rescan_ms);
  jsonconf_uint(&jc, jc.root, "shutdown_grace_ms", 0, 600000,
                &c->shutdown_grace_ms);
  /* from a tenth of a second (for tests) to a day */
  jsonconf_uint(&jc, jc.root, "retention_check_ms", 100, 86400000,
                &c->retention_check_ms);
  c->summary.outbox_dir = fs_resolve(base, "../outbox");
  load_summary(&jc, c, base, json_object_get(jc.root, "summary"));
  (void)destinations_load(&jc, json_object_get(jc.root, "deliveries"), base,
                          c->summary.sinks, c->summary.n_sinks,
                          &c->deliveries, &c->n_deliveries);
  limits = json_object_get(jc.root, "limits");
  if (limits != NULL && !json_is_object(limits)) {
    jsonconf_error(&jc, "limits", "limits: expected an object");
  } else if (limits != NULL) {
    jsonconf_only(&jc, limits, "limits", limit_keys);
    jsonconf_uint(&jc, limits, "max_file_bytes", 1, UINT64_C(1) << 40,
                  &c->max_file_bytes);
    jsonconf_uint(&jc, limits, "max_line_bytes", 64, 64u << 20,
                  &c->max_line_bytes);
    jsonconf_uint(&jc, limits, "max_errors", 1, 10000, &c->max_errors);
  }
  rc = jc.nerr > 0 ? -EINVAL : 0;
out:
  jsonconf_close(&jc);
  return rc;
}

static char *ident_member(struct jsonconf *jc, const json_t *o, const char *key,
                          int required) {
  const char *v = jsonconf_string(jc, o, key, required);

  if (v == NULL)
    return NULL;
  if (!jsonconf_is_ident(v, CONFIG_NAME_MAX)) {
    jsonconf_error(jc, key,
                   "%s: expected lower-case letters, digits and _ (at most "
                   "%d), found \"%s\"",
                   key, CONFIG_NAME_MAX, v);
    return NULL;
  }
  return strdup(v);
}

/* "retain": {"done": "0d", "failed": "30d"}: how long files stay in done/
 * and failed/. A folder left out keeps CONFIG_RETAIN_DEFAULT: its default
 * is retention.c's to decide, once the feed's plugin has said whether its
 * files are personal data. */
static void load_retain(struct jsonconf *jc, struct feed_conf *f) {
  const char *const folders[] = {"done", "failed"};
  uint64_t *const out[] = {&f->retain_done_s, &f->retain_failed_s};
  const json_t *r = json_object_get(jc->root, "retain");

  f->retain_done_s = f->retain_failed_s = CONFIG_RETAIN_DEFAULT;
  if (r == NULL)
    return;
  if (!json_is_object(r)) {
    jsonconf_error(jc, "retain",
                   "retain: expected an object such as "
                   "{\"done\": \"400d\", \"failed\": \"90d\"}");
    return;
  }
  jsonconf_only(jc, r, "retain", retain_keys);
  for (size_t i = 0; i < 2; i++) {
    const json_t *v = json_object_get(r, folders[i]);

    if (v == NULL)
      continue;
    if (!json_is_string(v) ||
        config_parse_duration(json_string_value(v), out[i]) != 0)
      jsonconf_error_in(jc, "retain", folders[i],
                        "retain.%s: expected a duration such as \"30d\", "
                        "\"12h\", \"15m\" or \"45s\", at most 3650d",
                        folders[i]);
  }
}

/* "expect": "quarterly" (default), "half-yearly", "annual" or "none". */
static void load_expect(struct jsonconf *jc, struct feed_conf *f) {
  static const struct {
    const char *name;
    int months;
  } kinds[] = {
      {"quarterly", 3}, {"half-yearly", 6}, {"annual", 12}, {"none", 0}};
  const char *e = jsonconf_string(jc, jc->root, "expect", 0);
  size_t i;

  jsonconf_uint(jc, jc->root, "due_days", 0, 366, &f->due_days);
  if (e == NULL)
    return;
  for (i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(e, kinds[i].name) == 0)
      break;
  if (i == sizeof kinds / sizeof *kinds)
    jsonconf_error(jc, "expect",
                   "expect: expected quarterly, half-yearly, "
                   "annual or none, found \"%s\"",
                   e);
  else
    f->expect_months = kinds[i].months;
}

/* "personal": true says the feed's files hold data about people, so no
 * report, log line or `dahub try` may quote their cells (redact.h). A
 * case-level plugin says so itself; this is for any other feed. */
static void load_personal(struct jsonconf *jc, struct feed_conf *f) {
  const json_t *v = json_object_get(jc->root, "personal");

  if (v == NULL)
    return;
  if (!json_is_boolean(v))
    jsonconf_error(jc, "personal", "personal: expected true or false");
  else
    f->personal = json_is_true(v);
}

static int load_feed(struct config *c, const char *base, const char *path,
                     struct errlist *errs) {
  struct feed_conf *f = &c->feeds[c->n_feeds];
  struct jsonconf jc;
  const char *svc;
  json_t *opts;
  int rc;

  memset(f, 0, sizeof *f);
  if ((rc = jsonconf_load(&jc, path, errs)) != 0)
    goto out;
  jsonconf_only(&jc, jc.root, "", feed_keys);
  f->name = ident_member(&jc, jc.root, "name", 1);
  f->source_id = ident_member(&jc, jc.root, "source_id", 1);
  f->plugin = ident_member(&jc, jc.root, "plugin", 1);
  svc = jsonconf_string(&jc, jc.root, "service_id", 0);
  if (svc != NULL)
    f->service_id = strdup(svc);
  svc = jsonconf_string(&jc, jc.root, "hmac_key_file", 0);
  if (svc != NULL && (f->hmac_key_file = fs_resolve(base, svc)) == NULL)
    jsonconf_error(&jc, "hmac_key_file", "hmac_key_file: path too long");
  f->expect_months = 3;
  f->due_days = 30;
  load_expect(&jc, f);
  load_personal(&jc, f);
  opts = json_object_get(jc.root, "options");
  if (opts != NULL && !json_is_object(opts))
    jsonconf_error(&jc, "options", "options: expected an object");
  else
    f->options = json_incref(opts);
  load_retain(&jc, f);
  f->file = strdup(path);
  if (f->name != NULL && config_feed(c, f->name) != NULL)
    jsonconf_error(&jc, "name", "feed \"%s\" is defined twice", f->name);
  rc = jc.nerr > 0 ? -EINVAL : 0;
out:
  jsonconf_close(&jc);
  if (rc == 0 && f->file != NULL)
    c->n_feeds++;
  else
    feed_clear(f);
  return rc;
}

static int is_json_name(const char *n) {
  size_t len = strlen(n);

  return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

static int load_feeds(struct config *c, const char *base,
                      struct errlist *errs) {
  struct dirent **list = NULL;
  char *dir = fs_resolve(base, "feeds.d");
  int n, rc = 0;

  if (dir == NULL)
    return -ENOMEM;
  n = scandir(dir, &list, NULL, alphasort);
  if (n < 0) {
    rc = -errno;
    errlist_add(errs, dir, 0, 0, "cannot read the feeds folder: %s",
                strerror(-rc));
    free(dir);
    return rc;
  }
  c->feeds = calloc(CONFIG_MAX_FEEDS, sizeof *c->feeds);
  if (c->feeds == NULL)
    rc = -ENOMEM;
  for (int i = 0; i < n; i++) {
    char *p;

    if (rc != -ENOMEM && is_json_name(list[i]->d_name)) {
      if (c->n_feeds == CONFIG_MAX_FEEDS) {
        errlist_add(errs, dir, 0, 0, "more than %d feeds", CONFIG_MAX_FEEDS);
        rc = -E2BIG;
      } else if ((p = fs_resolve(dir, list[i]->d_name)) == NULL) {
        rc = -ENOMEM;
      } else {
        if (load_feed(c, base, p, errs) != 0)
          rc = -EINVAL;
        free(p);
      }
    }
    free(list[i]);
  }
  free(list);
  free(dir);
  return rc;
}

static int load(const char *path, const char *plugin_dir, int partial,
                struct config **out, struct errlist *errs) {
  struct config *c = calloc(1, sizeof *c);
  char *base = NULL;
  int rc;

  *out = NULL;
  if (c == NULL || (c->path = strdup(path)) == NULL ||
      (base = fs_dirname(path)) == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  c->settle_ms = 1000;
  c->rescan_ms = 5000;
  c->shutdown_grace_ms = 10000;
  c->retention_check_ms = 3600000;
  c->max_file_bytes = 100u << 20;
  c->max_line_bytes = 1u << 20;
  c->max_errors = 100;
  c->summary.threshold = 5;
  memcpy(c->summary.marker, CONFIG_DEFAULT_MARKER,
         sizeof CONFIG_DEFAULT_MARKER);
  c->summary.suppress_zeros = 1;
  c->summary.days_before = 7;
  c->summary.contract_warning_months = 6;
  c->summary.sinks[0] = strdup("json");
  c->summary.sinks[1] = strdup("csv");
  c->summary.n_sinks = 2;
  rc = load_hub(c, base, plugin_dir, errs);
  if (load_feeds(c, base, errs) != 0 && rc == 0)
    rc = -EINVAL;
  if (rc == 0 && c->n_feeds == 0) {
    errlist_add(errs, path, 0, 0, "no feeds defined in feeds.d/");
    rc = -EINVAL;
  }
  /* a partial config needs its paths: without them nothing can be checked */
  if (rc == 0 || (partial && rc != -ENOMEM && c->spool_dir && c->state_dir &&
                  c->plugin_dir && c->vocabulary)) {
    *out = c;
    c = NULL;
  }
out:
  free(base);
  config_free(c);
  return rc;
}

int config_load(const char *path, const char *plugin_dir, struct config **out,
                struct errlist *errs) {
  return load(path, plugin_dir, 0, out, errs);
}

int config_load_partial(const char *path, const char *plugin_dir,
                        struct config **out, struct errlist *errs) {
  return load(path, plugin_dir, 1, out, errs);
}
