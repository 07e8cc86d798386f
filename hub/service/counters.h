/*
 * counters.h: what the daemon has done per feed since it started, for
 * `dahub status` and the metrics. Loop thread only.
 */
#ifndef DAHUB_COUNTERS_H
#define DAHUB_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ingest.h"

enum counters_result {
  COUNTERS_NONE, /* nothing settled since start */
  COUNTERS_STORED,
  COUNTERS_DUPLICATE,
  COUNTERS_FAILED,
  COUNTERS_RETRY,
};

struct feed_counters {
  char feed[CONFIG_NAME_MAX + 1];
  unsigned long stored, duplicate, failed, retries;
  uint64_t observations; /* of the files stored */
  double ingest_seconds; /* every ingest's, whatever its outcome */
  enum counters_result last;
  int64_t last_ms;    /* when the last file settled, 0: none */
  int64_t last_ok_ms; /* the last stored or duplicate, 0: none */
};

/* Kept by feed name, so counts live on across a reload. */
struct counters {
  struct feed_counters *v;
  size_t n, cap;
};

void counters_close(struct counters *c);
/* The feed's counters, or NULL when there are none yet. */
const struct feed_counters *counters_find(const struct counters *c,
                                          const char *feed);
/* Counts one settled ingest of feed at now_ms. 0 or -ENOMEM. */
int counters_add(struct counters *c, const char *feed,
                 const struct ingest_result *r, int64_t now_ms);
/* "stored", "duplicate", "failed", "retry", or NULL for none. */
const char *counters_result_name(enum counters_result r);

#endif
