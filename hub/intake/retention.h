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

/* Defaults where a feed does not say, in seconds. A partner's own file is
 * evidence for a year's returns and their late corrections (400 days: a
 * financial year and the next quarter's resubmissions); a bad file is kept
 * a quarter for its data lead to fix and send again. A file of personal
 * data leaves done/ once stored (its receipt, hash and provenance stay in
 * the store) and failed/ after 30 days. */
#define RETENTION_DONE_S (400ull * 86400)
#define RETENTION_FAILED_S (90ull * 86400)
#define RETENTION_PERSONAL_DONE_S 0ull
#define RETENTION_PERSONAL_FAILED_S (30ull * 86400)

struct retention_stats {
  unsigned long removed;  /* partner files removed (companions not counted) */
  unsigned long failures; /* files or folders that could not be dealt with */
};

/* How long f keeps a file in folder (RETENTION_DONE or RETENTION_FAILED),
 * in seconds: its "retain", else the default. 0: not at all. */
uint64_t retention_period(const struct ingest_feed *f, unsigned folder);

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
