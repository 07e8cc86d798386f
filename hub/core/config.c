/*
 * config.c: reads hub.json and feeds.d/NAME.json (see config.h): hub.json
 * here, its "summary" member in config_summary.c, its "store" in
 * config_store.c, the feeds in config_feeds.c.
 *
 * Relative paths in hub.json are relative to the folder that holds it, so
 * the same tree works from any working directory. Feed files are read in
 * name order so errors and start-up are the same on every run. Every limit
 * an outside input meets is set here, with a bound on the bound.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "fsutil.h"
#include "log.h"

static int set_log_level(void *dst, const struct dahub_opt *o,
                         const json_t *v) {
  return log_level_parse(json_string_value(v),
                         (int *)((char *)dst + o->offset));
}

/* hub.json. The paths are copied, then resolved against its folder;
 * "summary" and "deliveries" have their own readers. */
#define AT(field) offsetof(struct config, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt hub_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"spool_dir", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(spool_dir), dahub_opt_keep, NULL, "the partners' incoming folders"},
  {"state_dir", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(state_dir), dahub_opt_keep, NULL, "the SQLite store (without \"store\"), the status socket"},
  /* the command line's wins; absent, the folder plugins are installed in */
  {"plugin_dir", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(plugin_dir), dahub_opt_keep, NULL, "where the plugins' .so files are"},
  {"vocabulary", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(vocabulary), dahub_opt_keep, NULL, "the measures and codes of figures"},
  {"settle_ms", DAHUB_OPT_UINT, 0, 0, 600000, 1000, AT(settle_ms), NULL, NULL, "a file is taken once it stopped growing this long"},
  {"rescan_ms", DAHUB_OPT_UINT, 0, 50, 3600000, 5000, AT(rescan_ms), NULL, NULL, "the spool is listed again this often"},
  {"shutdown_grace_ms", DAHUB_OPT_UINT, 0, 0, 600000, 10000, AT(shutdown_grace_ms), NULL, NULL, "work in hand may end this long after a stop"},
  /* from a tenth of a second (for tests) to a day */
  {"retention_check_ms", DAHUB_OPT_UINT, 0, 100, 86400000, 3600000, AT(retention_check_ms), NULL, NULL, "old files are looked for this often"},
  {"log_level", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(log_level), set_log_level, LOG_LEVEL_NAMES, "what the journal gets: this priority and more urgent"},
  {"status_socket", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(status_socket), dahub_opt_keep, NULL, "the status socket; default status.sock in state_dir"},
  {"metrics_textfile", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(metrics_textfile), dahub_opt_keep, NULL, "Prometheus text written here (node-exporter's textfile folder)"},
  {"metrics_interval_ms", DAHUB_OPT_UINT, 0, 1000, 3600000, 15000, AT(metrics_interval_ms), NULL, NULL, "the metrics textfile is written this often"},
  {"limits", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "bounds on a partner's file (limit_opts)"},
  {"store", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "where the figures are kept; absent, SQLite in state_dir (config_store.c)"},
  {"summary", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the board summary (config_summary.c)"},
  {"deliveries", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "where summaries are sent (destinations.c)"},
  {"feedback_via", DAHUB_OPT_IDENT, 0, 0, 64, 0, AT(feedback_via), dahub_opt_keep, "the name of an e-mail delivery", "sends a failed file's report to its feed's contact"},
  {"description", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a note for the people who keep the file"},
  {.key = NULL}};

static const struct dahub_opt limit_opts[] = {
  {"max_file_bytes", DAHUB_OPT_UINT, 0, 1, UINT64_C(1) << 40, 100u << 20, AT(max_file_bytes), NULL, NULL, "a partner's file larger is refused"},
  {"max_line_bytes", DAHUB_OPT_UINT, 0, 64, 64u << 20, 1u << 20, AT(max_line_bytes), NULL, NULL, "a line longer is refused"},
  {"max_errors", DAHUB_OPT_UINT, 0, 1, 10000, 100, AT(max_errors), NULL, NULL, "a file's report lists at most this many errors"},
  {.key = NULL}};
/* clang-format on */
#undef AT

void config_free(struct config *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n_feeds; i++)
    config_feed_clear(&c->feeds[i]);
  free(c->feeds);
  free(c->path);
  dahub_opt_free(hub_opts, c); /* the folders, files and names it kept */
  free(c->summary.outbox_dir);
  for (size_t i = 0; i < c->summary.n_sinks; i++)
    free(c->summary.sinks[i]);
  json_decref(c->summary.sink_options);
  config_store_free(&c->store);
  destinations_free(c->deliveries, c->n_deliveries);
  free(c);
}

const struct feed_conf *config_feed(const struct config *c, const char *name) {
  for (size_t i = 0; i < c->n_feeds; i++)
    if (strcmp(c->feeds[i].name, name) == 0)
      return &c->feeds[i];
  return NULL;
}

/* A path as written, made absolute against base in place. */
static void resolve(struct jsonconf *jc, const char *base, const char *key,
                    char **path) {
  char *r;

  if (*path == NULL)
    return;
  r = fs_resolve(base, *path);
  free(*path);
  *path = r;
  if (r == NULL)
    jsonconf_error(jc, key, "%s: path too long", key);
}

/* "feedback_via" names one of the deliveries, an e-mail one: its server,
 * sender and login carry the reports; its "to" and payloads do not. */
static void check_feedback_via(struct jsonconf *jc, const struct config *c) {
  size_t i;

  /* a delivery that carries no summary is for the reports, or for nothing */
  for (i = 0; i < c->n_deliveries; i++)
    if (c->deliveries[i].n_payloads == 0 &&
        (c->feedback_via == NULL ||
         strcmp(c->deliveries[i].name, c->feedback_via) != 0))
      jsonconf_error_in(jc, "deliveries", "payloads",
                        "deliveries[%zu].payloads: expected 1 to %d sink "
                        "names (none only for feedback_via's delivery)",
                        i, DEST_MAX_PAYLOADS);
  if (c->feedback_via == NULL)
    return;
  for (i = 0; i < c->n_deliveries; i++)
    if (strcmp(c->deliveries[i].name, c->feedback_via) == 0)
      break;
  if (i == c->n_deliveries)
    jsonconf_error(jc, "feedback_via",
                   "feedback_via \"%s\": no delivery of that name in "
                   "\"deliveries\"",
                   c->feedback_via);
  else if (c->deliveries[i].kind != DEST_SMTP)
    jsonconf_error(jc, "feedback_via",
                   "feedback_via \"%s\": a report goes by e-mail, and that "
                   "delivery is https",
                   c->feedback_via);
}

static int load_hub(struct config *c, const char *base, const char *plugin_dir,
                    struct errlist *errs) {
  struct jsonconf jc;
  int rc;

  if ((rc = jsonconf_load(&jc, c->path, errs)) != 0)
    goto out;
  (void)jsonconf_check(&jc, jc.root, "", JSONCONF_BY_KEY, hub_opts, c);
  resolve(&jc, base, "spool_dir", &c->spool_dir);
  resolve(&jc, base, "state_dir", &c->state_dir);
  resolve(&jc, base, "vocabulary", &c->vocabulary);
  resolve(&jc, base, "status_socket", &c->status_socket);
  resolve(&jc, base, "metrics_textfile", &c->metrics_textfile);
  if (c->status_socket == NULL && c->state_dir != NULL &&
      (c->status_socket = fs_resolve(c->state_dir, "status.sock")) == NULL)
    jsonconf_error(&jc, "state_dir", "status_socket: path too long");
  if (c->status_socket != NULL && strlen(c->status_socket) >= 108)
    jsonconf_error(&jc, "status_socket",
                   "status_socket: %s: a socket path has at most 107 bytes",
                   c->status_socket);
  if (plugin_dir != NULL) {
    free(c->plugin_dir);
    c->plugin_dir = strdup(plugin_dir);
  } else if (json_object_get(jc.root, "plugin_dir") == NULL) {
    /* an installed hub finds the plugins installed with it */
    free(c->plugin_dir);
    if ((c->plugin_dir = strdup(DAHUB_DEFAULT_PLUGIN_DIR)) == NULL)
      jsonconf_error(&jc, NULL, "out of memory");
  } else {
    resolve(&jc, base, "plugin_dir", &c->plugin_dir);
  }
  config_load_store(&jc, c, base, json_object_get(jc.root, "store"));
  c->summary.outbox_dir = fs_resolve(base, "../outbox");
  config_load_summary(&jc, c, base, json_object_get(jc.root, "summary"));
  (void)destinations_load(&jc, json_object_get(jc.root, "deliveries"), base,
                          c->summary.sinks, c->summary.n_sinks, &c->deliveries,
                          &c->n_deliveries);
  check_feedback_via(&jc, c);
  (void)jsonconf_check(&jc, json_object_get(jc.root, "limits"), "limits",
                       JSONCONF_BY_KEY, limit_opts, c);
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
  /* the feeds are read even when hub.json is not, and need its limits */
  dahub_opt_defaults(hub_opts, c);
  dahub_opt_defaults(limit_opts, c);
  c->log_level = LOG_INFO;
  config_summary_defaults(&c->summary);
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
