/*
 * ingest.h: one file through parse, validate and store, then settled.
 *
 * Runs on a worker thread. Everything it touches is its own or read-only,
 * except the store (which has its own lock) and the file itself, which the
 * spool handed over by renaming it into work/.
 */
#ifndef DAHUB_INGEST_H
#define DAHUB_INGEST_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "dahub/plugin.h"
#include "plugin_host.h"
#include "store.h"
#include "vocab.h"

/* A feed ready to take files: its config, its plugin and the plugin's state
 * for it, and its spool folders. */
struct ingest_feed {
  const struct feed_conf *conf;
  const struct plugin *plugin;
  void *state;
  uint8_t *hmac_key; /* the feed's secret, or NULL (owned by the runtime) */
  size_t hmac_key_len;
  int personal; /* its files hold data about people: cells never quoted */
  char incoming[PATH_MAX], work[PATH_MAX], done[PATH_MAX], failed[PATH_MAX];
};

struct ingest_env {
  const struct vocab *vocab;
  struct store *store; /* NULL for a dry run (dahub try) */
  uint64_t max_file_bytes;
  uint32_t max_line_bytes;
  uint32_t max_errors;
  const atomic_int *stopping; /* non-zero: abandon work, keep files safe */
  /* The e-mail delivery that takes a failed file's report to its feed's
   * contact (hub.json's feedback_via), or NULL: none is sent. */
  const char *feedback_via;
  /* Dry run only: each valid observation, borrowed for the call. */
  void (*on_obs)(void *arg, const struct ingest_feed *f,
                 const struct store_obs *o);
  /* Dry run only: each valid record (kind, fields as JSON text). */
  void (*on_record)(void *arg, const char *kind, const char *fields,
                    uint32_t line);
  /* Dry run only: each error and warning, for the officer. */
  void (*on_problem)(void *arg, const char *kind, const struct dahub_error *e);
  void *arg;
};

enum ingest_outcome {
  INGEST_STORED,
  INGEST_DUPLICATE,
  INGEST_FAILED,
  INGEST_RETRY, /* still in work/: transient trouble or shutting down */
};

struct ingest_result {
  enum ingest_outcome outcome;
  char sha256[65];
  uint64_t bytes;
  uint64_t observations;
  int64_t ingest_id;
  unsigned errors, warnings;
  struct dahub_error first; /* the first error, for the log */
  char final_name[NAME_MAX + 1];
  double ms;
};

/* Ingests work/<name> of f and moves it to done/ or failed/ (with its
 * report), or leaves it in work/ for RETRY. recovered: found in work/ at
 * start, so a known hash means our own commit, not a duplicate. */
void ingest_run(const struct ingest_env *env, const struct ingest_feed *f,
                const char *name, int recovered, struct ingest_result *r);

/* Dry run of path for f: observations and problems go to env->on_obs and
 * env->on_problem; nothing is stored or moved. */
void ingest_try(const struct ingest_env *env, const struct ingest_feed *f,
                const char *path, struct ingest_result *r);

const char *ingest_outcome_name(enum ingest_outcome o);

/* Writes failed/<final_name>.error.json for an entry of incoming/ that is
 * not a file (kind: "a symbolic link", ...), which the spool moved into
 * failed/ unread. Loop thread. 0, or negative errno. */
int ingest_write_refusal(const struct ingest_feed *f, const char *final_name,
                         const char *kind);

#endif
