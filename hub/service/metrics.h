/*
 * metrics.h: the daemon's state as `dahub status` shows it: JSON for the
 * status socket's "status" and Prometheus text for its "metrics" and the
 * textfile. Counts, times, states and feed names only: no figure and no
 * file name ever gets here.
 */
#ifndef DAHUB_METRICS_H
#define DAHUB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "store.h"

struct metrics_feed {
  struct feed_counters c; /* since start; zero when nothing settled */
  unsigned long waiting;  /* files in incoming/ and work/ */
  int late;               /* no return for period past its due days */
  char period[16];        /* the latest quarter past its due days */
  int pull;               /* fetched over HTTPS too */
  int stale;              /* pull: failing longer than its stale_after */
  int64_t pull_ok_ms;     /* pull: the last fetch that worked, 0: never */
  int64_t pull_failing_since_ms; /* 0: not failing */
  int pull_failures;             /* in a row */
};

struct metrics_snapshot {
  int64_t now_ms, started_ms;
  int active; /* runs the calendar, deliveries and pulls (else a standby) */
  struct metrics_feed *feeds;
  size_t n_feeds;
  int outbox_known; /* 0: the store was busy, counts unknown */
  unsigned long outbox[OUTBOX_NSTATES];
};

/* The snapshot as a JSON object text. OUT: *out, the caller frees. 0 or
 * -ENOMEM. */
int metrics_json(const struct metrics_snapshot *s, char **out);
/* The snapshot in the Prometheus text exposition format (0.0.4).
 * OUT: *out, NUL-terminated, the caller frees. 0 or -ENOMEM. */
int metrics_text(const struct metrics_snapshot *s, char **out);

#endif
