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

#include "destinations.h"
#include "errlist.h"

#define CONFIG_MAX_FEEDS 256
#define CONFIG_NAME_MAX 64
#define CONFIG_RETAIN_DEFAULT UINT64_MAX
#define CONFIG_RETAIN_MAX_S (3650ull * 86400) /* ten years */

#define PULL_MAX_HEADERS 16

/* A feed the hub fetches over HTTPS ("pull"), as well as its spool. */
struct pull_conf {
  char *url;
  uint64_t every_s; /* the interval; 86400 with daily */
  int daily_minute; /* minutes after local midnight, or -1: every_s */
  char *headers[PULL_MAX_HEADERS]; /* "Name: value" lines */
  size_t n_headers;
  char *auth_file; /* credential: the Authorization header's value */
  char *ca_file;   /* NULL: the system's CAs */
  uint64_t max_bytes;
  uint64_t timeout_s;
  uint64_t stale_after_s; /* failing this long: stale in completeness */
  char ext[8];            /* the spooled file's: the URL's, else "csv" */
};

struct feed_conf {
  char *name;       /* [a-z0-9_]+, also the spool folder's name */
  char *source_id;  /* partner id stored with every observation */
  char *service_id; /* fixed service, or NULL */
  char *plugin;     /* plugin name */
  char *file;       /* the feeds.d file it came from, for messages */
  json_t *options;  /* handed to the plugin's open(); may be NULL */
  /* Seconds a file stays in done/ and failed/ ("retain"; 0: not at all),
   * or CONFIG_RETAIN_DEFAULT where the file does not say: the default then
   * depends on whether the feed is personal (retention_period()). */
  uint64_t retain_done_s;
  uint64_t retain_failed_s;
  char *hmac_key_file; /* secret for pseudonymising case references, or NULL */
  int expect_months;   /* a return is due every 3, 6 or 12 months; 0: never */
  uint64_t due_days;   /* days after a period's end before it is late */
  int personal;        /* "personal": its cells are never quoted */
  char *contact;       /* who gets a failed file's report by e-mail, or NULL */
  struct pull_conf *pull; /* fetched over HTTPS too, or NULL */
};

#define CONFIG_MAX_MEETINGS 64
#define CONFIG_MAX_SINKS 8
#define CONFIG_MAX_AREA_THRESHOLDS 64

struct area_threshold {
  char area[32];
  uint64_t threshold;
};

#define CONFIG_DEFAULT_MARKER "[c]"

/* The board summary: what it hides, where it goes, when. */
struct summary_conf {
  char *outbox_dir;
  char *sinks[CONFIG_MAX_SINKS]; /* sink plugin names */
  size_t n_sinks;
  json_t *sink_options; /* {"<sink>": {...}} handed to its open(), or NULL */
  uint64_t threshold;   /* counts below this are hidden */
  struct area_threshold area_thresholds[CONFIG_MAX_AREA_THRESHOLDS];
  size_t n_area_thresholds;
  int suppress_zeros;
  uint64_t protection; /* the narrowest interval a reader may learn of a
                          small count; 0: its threshold */
  char marker[16];     /* published for every confidential cell */
  int64_t meetings[CONFIG_MAX_MEETINGS];     /* UTC epoch seconds, ascending */
  char meeting_ids[CONFIG_MAX_MEETINGS][32]; /* as written in hub.json */
  size_t n_meetings;
  uint64_t days_before;             /* the summary goes out this long before */
  uint64_t contract_warning_months; /* flag contracts ending this soon */
};

#define CONFIG_BOARD_MAX 63 /* PostgreSQL's longest name */

/* Where the figures are kept ("store"): SQLite's file dahub.sqlite in
 * state_dir, or a PostgreSQL database when pg_conninfo_file is set. */
struct store_conf {
  char *pg_conninfo_file; /* credential file of the connection string */
  char *pg_board;         /* [a-z0-9_]+: the board every row carries */
};

struct config {
  char *path;      /* hub.json as given */
  char *spool_dir; /* absolute or relative to the cwd, resolved */
  char *state_dir;
  char *plugin_dir;
  char *vocabulary;
  uint64_t settle_ms;
  uint64_t rescan_ms;
  uint64_t shutdown_grace_ms;
  uint64_t retention_check_ms; /* how often done/ and failed/ are swept */
  int log_level;               /* LOG_ERR..LOG_DEBUG: what the journal gets */
  char *status_socket;         /* `dahub status` asks here (resolved) */
  char *metrics_textfile;      /* Prometheus text written here, or NULL */
  /* the textfile is written this often, and soon after a file settles */
  uint64_t metrics_interval_ms;
  uint64_t max_file_bytes;
  uint64_t max_line_bytes;
  uint64_t max_errors;
  struct summary_conf summary;
  struct store_conf store;
  struct destination *deliveries; /* where summaries go (hub.json) */
  size_t n_deliveries;
  /* the e-mail delivery that sends a failed file's plain-words report to
   * its feed's "contact" ("feedback_via"), or NULL: none is sent */
  char *feedback_via;
  struct feed_conf *feeds;
  size_t n_feeds;
};

/* Loads path and the feeds.d folder beside it. plugin_dir, when not NULL,
 * overrides the file's; with neither, it is DAHUB_DEFAULT_PLUGIN_DIR. 0 with
 * *out set, or negative with errs filled. OUT: caller frees with config_free().
 */
int config_load(const char *path, const char *plugin_dir, struct config **out,
                struct errlist *errs);
/* The same, but with errors still fills *out with what did load (feeds with
 * errors left out), so `dahub check` can go on and check the vocabulary
 * and plugins too. The result is negative all the same. */
int config_load_partial(const char *path, const char *plugin_dir,
                        struct config **out, struct errlist *errs);
void config_free(struct config *c);

/* The threshold for an area code (per-area override or the default). */
uint64_t config_threshold(const struct config *c, const char *area);

/* "30d", "12h", "15m" or "45s" -> seconds, at most CONFIG_RETAIN_MAX_S.
 * 0 with *seconds, or -EINVAL. */
int config_parse_duration(const char *s, uint64_t *seconds);

/* The feed called name, or NULL. */
const struct feed_conf *config_feed(const struct config *c, const char *name);

#endif
