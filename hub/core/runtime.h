/*
 * runtime.h: everything a command needs, loaded and checked together.
 *
 * The config, the vocabulary, the plugins the feeds name, and for each feed
 * its plugin state. `dahub check`, `dahub try` and `dahub serve` all start
 * here, so what check accepts is exactly what serve will run.
 */
#ifndef DAHUB_RUNTIME_H
#define DAHUB_RUNTIME_H

#include "config.h"
#include "errlist.h"
#include "ingest.h"
#include "plugin_host.h"
#include "vocab.h"

struct runtime {
  struct config *conf;
  struct vocab *vocab;
  struct plugin *plugins; /* one per distinct plugin name */
  size_t n_plugins;
  struct ingest_feed *feeds; /* one per conf->feeds, same order */
  size_t n_feeds;
  struct runtime_sink {
    const struct plugin *plugin;
    void *state;
  } sinks[CONFIG_MAX_SINKS]; /* conf->summary.sinks, same order */
  size_t n_sinks;
};

/* Loads it all; every problem goes to errs. 0, or negative.
 * OUT: runtime_free() whatever the result. */
int runtime_load(struct runtime *rt, const char *config_path,
                 const char *plugin_dir, struct errlist *errs);
void runtime_free(struct runtime *rt);

struct ingest_feed *runtime_feed(struct runtime *rt, const char *name);

#endif
