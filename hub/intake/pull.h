/*
 * pull.h: feeds the hub fetches over HTTPS, on the loop it is given (the
 * daemon's wire thread's, hub/service/daemon_wire.c), whose thread alone
 * calls it.
 *
 * A fetched body is written beside the feed's incoming/ files under a
 * dotted name the spool ignores, checked (whole, within its cap), and only
 * then renamed into incoming/: from there it is claimed, parsed, validated,
 * deduplicated and stored exactly as a file a partner dropped. A body the
 * feed already holds (same SHA-256) or a 304 stores nothing.
 */
#ifndef DAHUB_PULL_H
#define DAHUB_PULL_H

#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "ingest.h"
#include "store.h"

struct pulls;

/* 0, -ENOMEM or -EIO. */
int pulls_new(uv_loop_t *loop, struct store *st, struct pulls **out);

/* The feeds of the current configuration; those with a "pull" are
 * scheduled (a feed already scheduled keeps its time and backoff, and reads
 * the new settings from then on). They must stay valid until the next call
 * or pulls_close(). */
void pulls_configure(struct pulls *p, const struct ingest_feed *feeds,
                     size_t n);

/* Stops: running fetches end and store nothing; handles close and p is
 * freed as the loop runs on. NULL is a no-op. */
void pulls_close(struct pulls *p);

/* When feed's next regular fetch is due after now_ms (ms since 1970): every
 * interval at a phase fixed by a hash of the feed's name, so feeds do not
 * all fire at once; or daily at the local time given. */
int64_t pull_next_ms(const struct pull_conf *c, const char *feed,
                     int64_t now_ms);

/* Whether a feed whose fetches have failed since failing_since_ms (0: not
 * failing) is stale at now_ms. */
int pull_is_stale(const struct pull_conf *c, int64_t failing_since_ms,
                  int64_t now_ms);

#endif
