/*
 * config_int.h: what the files of the configuration share: config.c
 * (hub.json, and the whole load), config_summary.c (its "summary" member),
 * config_store.c (its "store"), config_pull.c (a feed's "pull") and
 * config_feeds.c (feeds.d/). Not for any other module.
 */
#ifndef DAHUB_CONFIG_INT_H
#define DAHUB_CONFIG_INT_H

#include "config.h"
#include "jsonconf.h"

/* Sets the summary's defaults, before hub.json is read. */
void config_summary_defaults(struct summary_conf *s);

/* Reads hub.json's "summary" object o (NULL: absent) into c->summary,
 * over the defaults; errors go to jc. */
void config_load_summary(struct jsonconf *jc, struct config *c,
                         const char *base, const json_t *o);

/* Reads hub.json's "store" object o (NULL: absent, SQLite's file) into
 * c->store (config_store.c); errors go to jc. */
void config_load_store(struct jsonconf *jc, struct config *c, const char *base,
                       const json_t *o);
void config_store_free(struct store_conf *s);

/* Reads every feeds.d/NAME.json next to hub.json (folder base), in name
 * order, into c->feeds. 0, or negative with each error in errs. */
int config_load_feeds(struct config *c, const char *base, struct errlist *errs);
/* Reads a feed file's "pull" object o (NULL: none) into *out
 * (config_pull.c); errors go to jc. */
void config_load_pull(struct jsonconf *jc, const json_t *o, const char *base,
                      uint64_t max_file_bytes, struct pull_conf **out);
void config_pull_free(struct pull_conf *p);
/* Frees what a feed's entry holds (not the entry). */
void config_feed_clear(struct feed_conf *f);

#endif
