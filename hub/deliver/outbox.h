/*
 * outbox.h: delivers recorded summaries on the loop it is given (the
 * daemon's wire thread's, hub/service/daemon_wire.c), whose thread alone
 * calls it.
 *
 * The store's outbox rows are the truth: a row is written with the summary
 * version it carries, before any attempt, and every attempt moves it on
 * (pending -> sending -> sent | retrying | parked). After a crash, rows
 * left pending or sending go again with the same key, so a receiver that
 * honours the key sees one delivery. This module only decides when to try
 * a row and what its answer means.
 */
#ifndef DAHUB_DELIVER_OUTBOX_H
#define DAHUB_DELIVER_OUTBOX_H

#include <stddef.h>

#include <uv.h>

#include "destinations.h"
#include "store.h"

#define OUTBOX_RUNNING_MAX 4 /* attempts in flight at once */

struct outbox;

struct outbox_stats {
  unsigned long sent, retries, parked;
};

/* With recover, rows left sending (a crash's) are due at once: right only
 * when no other hub may be sending them, as for SQLite's single hub.
 * Without, such a row is due when its lease ends, as a board's hubs on
 * PostgreSQL need: a row another hub has on the wire is never taken from
 * it. 0, -ENOMEM or -EIO (the store's error is logged). */
int outbox_new(uv_loop_t *loop, struct store *st, int recover,
               struct outbox **out);

/* The destinations rows go to, from the current configuration; they must
 * stay valid until the next call or outbox_close(). Looks for due rows. */
void outbox_configure(struct outbox *o, const struct destination *dests,
                      size_t n);

/* Looks for due rows now: a summary was just recorded, or an operator
 * asked for a retry. */
void outbox_kick(struct outbox *o);

/* Counts since start. */
struct outbox_stats outbox_stats(const struct outbox *o);

/* Stops: running attempts are ended (their rows stay sending and go again
 * at the next start); handles close and o is freed as the loop runs on.
 * NULL is a no-op. */
void outbox_close(struct outbox *o);

#endif
