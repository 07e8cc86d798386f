/*
 * summary.h: the board summary of one period, from the store.
 *
 * The result is a JSON document (schema "dahub.summary/1", described in the
 * README) that has already been through disclosure control: sinks render it
 * and can publish nothing that should have been hidden.
 */
#ifndef DAHUB_SUMMARY_H
#define DAHUB_SUMMARY_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "dahub/error.h"
#include "disclosure.h"
#include "store.h"
#include "vocab.h"

#define SUMMARY_SCHEMA "dahub.summary/1"

struct summary_env {
  const struct config *conf;
  const struct vocab *vocab;
  struct store *store;
  int64_t now; /* UTC seconds: decides which missing returns are late */
  /* 1: store reads several boards as one (store_open_region()), whose
   * feeds conf does not list: completeness lists the feeds it finds */
  int region;
};

/* The audit log of one summary: each cell's true figure and whether it was
 * shown or hidden, and by which rule. Kept in the store, never published. */
struct summary_log {
  struct store_pub_cell *cells; /* owned: summary_log_free() */
  size_t n;
  struct disclosure_stats stats; /* what each rule hid, the audit's work */
  double control_ms;             /* disclosure control, audit included */
};

/* Builds the summary of period ("FY2024-25-Q1", "FY2024-25", ...), audited
 * against every summary of its year recorded in the store.
 * OUT: *out, a new JSON object the caller json_decref()s, and (log not
 * NULL) *log, to record with the version. 0, -EINVAL for a bad period,
 * -EDOM when disclosure control cannot protect it, or a store error, with
 * err; on error nothing is returned. */
int summary_build(const struct summary_env *env, const char *period,
                  json_t **out, struct summary_log *log,
                  struct dahub_error *err);
void summary_log_free(struct summary_log *log);

/* Which of conf's feeds are late at now: late[i] 1 or 0 for
 * conf->feeds[i], as the completeness of the summary of periods[i] would
 * say, periods[i] being the latest quarter whose due days have passed for
 * that feed. So a feed that missed a quarter stays late until the next
 * quarter is due, not only until it ends. 0, or a store error with err.
 * One read of each year's deliveries those quarters lie in. */
int summary_late_feeds(struct store *st, const struct config *conf, int64_t now,
                       int *late, char (*periods)[16], struct dahub_error *err);

#endif
