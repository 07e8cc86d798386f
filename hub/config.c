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

#include "fsutil.h"
#include "jsonconf.h"

static const char *const hub_keys[] = {
    "spool_dir",  "state_dir",         "plugin_dir", "vocabulary",
    "settle_ms",  "rescan_ms",         "limits",     "shutdown_grace_ms",
    "description", NULL};
static const char *const limit_keys[] = {"max_file_bytes", "max_line_bytes",
                                         "max_errors", NULL};
static const char *const feed_keys[] = {"name",       "source_id", "service_id",
                                        "plugin",     "options",   "description",
                                        NULL};

static void feed_clear(struct feed_conf *f) {
  free(f->name);
  free(f->source_id);
  free(f->service_id);
  free(f->plugin);
  free(f->file);
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

static char *ident_member(struct jsonconf *jc, const json_t *o,
                          const char *key, int required) {
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

static int load_feed(struct config *c, const char *path,
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
  opts = json_object_get(jc.root, "options");
  if (opts != NULL && !json_is_object(opts))
    jsonconf_error(&jc, "options", "options: expected an object");
  else
    f->options = json_incref(opts);
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
    errlist_add(errs, dir, 0, 0, "cannot read the feeds folder: %s",
                strerror(errno));
    free(dir);
    return -errno;
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
        if (load_feed(c, p, errs) != 0)
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

int config_load(const char *path, const char *plugin_dir,
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
  c->max_file_bytes = 100u << 20;
  c->max_line_bytes = 1u << 20;
  c->max_errors = 100;
  rc = load_hub(c, base, plugin_dir, errs);
  if (load_feeds(c, base, errs) != 0 && rc == 0)
    rc = -EINVAL;
  if (rc == 0 && c->n_feeds == 0) {
    errlist_add(errs, path, 0, 0, "no feeds defined in feeds.d/");
    rc = -EINVAL;
  }
  if (rc == 0) {
    *out = c;
    c = NULL;
  }
out:
  free(base);
  config_free(c);
  return rc;
}
