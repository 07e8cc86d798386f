/*
 * config.h: the hub's configuration, hub.json plus feeds.d/NAME.json.
 *
 * Loaded whole or not at all: config_load() collects every error and returns
 * a config only when there are none, so a reload can keep the old one.
 */
#ifndef DAHUB_CONFIG_H
#define DAHUB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errlist.h"

#define CONFIG_MAX_FEEDS 256
#define CONFIG_NAME_MAX 64

struct feed_conf {
  char *name;       /* [a-z0-9_]+, also the spool folder's name */
  char *source_id;  /* partner id stored with every observation */
  char *service_id; /* fixed service, or NULL */
  char *plugin;     /* plugin name */
  char *file;       /* the feeds.d file it came from, for messages */
  json_t *options;  /* handed to the plugin's open(); may be NULL */
};

struct config {
  char *path;       /* hub.json as given */
  char *spool_dir;  /* absolute or relative to the cwd, resolved */
  char *state_dir;
  char *plugin_dir;
  char *vocabulary;
  uint64_t settle_ms;
  uint64_t rescan_ms;
  uint64_t shutdown_grace_ms;
  uint64_t max_file_bytes;
  uint64_t max_line_bytes;
  uint64_t max_errors;
  struct feed_conf *feeds;
  size_t n_feeds;
};

/* Loads path and the feeds.d folder beside it. plugin_dir, when not NULL,
 * overrides the file's. 0 with *out set, or negative with errs filled.
 * OUT: caller frees with config_free(). */
int config_load(const char *path, const char *plugin_dir,
                struct config **out, struct errlist *errs);
void config_free(struct config *c);

/* The feed called name, or NULL. */
const struct feed_conf *config_feed(const struct config *c, const char *name);

#endif
