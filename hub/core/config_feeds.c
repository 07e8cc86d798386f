/*
 * config_feeds.c: feeds.d/NAME.json, one file a feed (see config.h).
 *
 * Feed files are read in name order so errors and start-up are the same on
 * every run; a name defined twice is an error in the second file. A
 * feed's options are kept as JSON for its plugin's open() to check: the
 * hub knows only the members every feed has.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "fsutil.h"

static const char *const feed_keys[] = {
    "name",          "source_id",   "service_id", "plugin",
    "options",       "description", "expect",     "due_days",
    "hmac_key_file", "personal",    "retain",     "pull",
    NULL};
static const char *const retain_keys[] = {"done", "failed", NULL};

void config_feed_clear(struct feed_conf *f) {
  free(f->name);
  free(f->source_id);
  free(f->service_id);
  free(f->plugin);
  free(f->file);
  free(f->hmac_key_file);
  json_decref(f->options);
  config_pull_free(f->pull);
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
  config_load_pull(&jc, json_object_get(jc.root, "pull"), base,
                   c->max_file_bytes, &f->pull);
  f->file = strdup(path);
  if (f->name != NULL && config_feed(c, f->name) != NULL)
    jsonconf_error(&jc, "name", "feed \"%s\" is defined twice", f->name);
  rc = jc.nerr > 0 ? -EINVAL : 0;
out:
  jsonconf_close(&jc);
  if (rc == 0 && f->file != NULL)
    c->n_feeds++;
  else
    config_feed_clear(f);
  return rc;
}

static int is_json_name(const char *n) {
  size_t len = strlen(n);

  return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

int config_load_feeds(struct config *c, const char *base,
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
