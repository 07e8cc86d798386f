/*
 * board.h: the meeting calendar: which summaries are due, and sending them.
 *
 * For each board meeting in hub.json the summary of the latest quarter that
 * ended before it goes out `days_before` days ahead, and again (as a new
 * version) whenever a late correction changes it before the meeting.
 */
#ifndef DAHUB_BOARD_H
#define DAHUB_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "runtime.h"
#include "store.h"

/* Marks in due[] (n_meetings entries) the meetings whose summary window
 * holds now: from days_before ahead until the meeting (a meeting given as
 * a date lasts that whole day). Returns when to look again: the next window
 * opening, or INT64_MAX when no meeting is ahead. */
int64_t board_due(const struct summary_conf *s, int64_t now, int *due);

/* Publishes the summary for each due meeting (worker thread; the store
 * locks itself). Returns how many new versions were written; problems are
 * logged. */
int board_publish_due(const struct runtime *rt, struct store *st, int64_t now);

#endif
