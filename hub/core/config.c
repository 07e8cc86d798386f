/*
 * config.c: reads hub.json and feeds.d/NAME.json (see config.h): hub.json
 * here, its "summary" member in config_summary.c, the feeds in
 * config_feeds.c.
 *
 * Relative paths in hub.json are relative to the folder that holds it, so
 * the same tree works from any working directory. Feed files are read in
 * name order so errors and start-up are the same on every run. Every limit
 * an outside input meets is set here, with a bound on the bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "fsutil.h"

static const char *const hub_keys[] = {
    "spool_dir",  "state_dir",          "plugin_dir",
    "vocabulary", "settle_ms",          "rescan_ms",
    "limits",     "shutdown_grace_ms",  "description",
    "summary",    "retention_check_ms", "deliveries", NULL};
static const char *const limit_keys[] = {"max_file_bytes", "max_line_bytes",
                                         "max_errors", NULL};

void config_free(struct config *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n_feeds; i++)
    config_feed_clear(&c->feeds[i]);
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
  config_load_summary(&jc, c, base, json_object_get(jc.root, "summary"));
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
  if (config_load_feeds(c, base, errs) != 0 && rc == 0)
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
