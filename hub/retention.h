/*
 * retention.h: removing partner files from done/ and failed/ once a feed's
 * "retain" period is over.
 *
 * retention_sweep() does the file-system work of one feed and may run on
 * any thread (the daemon runs it on libuv's thread pool); when to sweep is
 * the daemon's business.
 */
#ifndef DAHUB_RETENTION_H
#define DAHUB_RETENTION_H

#include <stdatomic.h>
#include <stdint.h>

#include "ingest.h"

/* Which of a feed's folders a sweep looks at. */
#define RETENTION_DONE 1u
#define RETENTION_FAILED 2u

struct retention_stats {
  unsigned long removed;  /* partner files removed (companions not counted) */
  unsigned long failures; /* files or folders that could not be dealt with */
};

/* Removes from f's done/ and/or failed/ (which) every partner file whose
 * age (now minus its mtime, epoch seconds) has reached the feed's retain
 * period, together with its <name>.error.json and <name>.duplicate.json.
 * Each removal is logged at info, each failure at warning, and both are
 * added to *st. Only regular files directly inside those two folders are
 * ever removed; links are never followed. Stops early once *stop (may be
 * NULL) is non-zero. */
void retention_sweep(const struct ingest_feed *f, unsigned which, int64_t now,
                     const atomic_int *stop, struct retention_stats *st);

#endif
