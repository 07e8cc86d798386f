/*
 * daemon_board.c: the meeting calendar of `dahub serve`.
 *
 * A timer looks at the calendar (board.h) at least hourly, soon after a
 * file is stored (a late correction may change a summary) and at each
 * meeting's due time; the summaries due are made on the thread pool, one
 * run at a time: a check asked for while one runs is made when it ends.
 *
 * Only the board's active hub looks (d->active): a standby sharing its
 * PostgreSQL store would otherwise make the same meeting's summary a second
 * time. A hub that becomes active looks at once, so a window that opened
 * while the other hub was dying is not missed; one that stops being active
 * stops its timer, and a run already on the thread pool checks again just
 * before it begins.
 */
#include <time.h>

#include "board.h"
#include "common.h"
#include "daemon_int.h"
#include "log.h"

static void board_work(uv_work_t *req) {
  struct daemon *d = container_of(req, struct daemon, board_work);

  if (atomic_load(&d->active))
    (void)board_publish_due(d->board_gen->rt, d->store, (int64_t)time(NULL));
}

static void board_check(struct daemon *d);

static void board_done(uv_work_t *req, int status) {
  struct daemon *d = container_of(req, struct daemon, board_work);
  int due[CONFIG_MAX_MEETINGS];
  int64_t now = (int64_t)time(NULL);
  int64_t next = board_due(&d->gen->rt->conf->summary, now, due);
  uint64_t ms = BOARD_RECHECK_MS;

  (void)status;
  d->board_busy = 0;
  daemon_gen_put(d->board_gen);
  d->board_gen = NULL;
  if (atomic_load(&d->stopping))
    return;
  daemon_wire_kick(d); /* a version may have been recorded */
  if (d->board_again) {
    d->board_again = 0;
    board_check(d);
    return;
  }
  if (next != INT64_MAX && (uint64_t)(next - now) * 1000 < ms)
    ms = (uint64_t)(next - now) * 1000 + 1000;
  if (d->gen->rt->conf->summary.n_meetings > 0)
    daemon_board_soon(d, ms);
}

static void board_check(struct daemon *d) {
  int rc;

  if (!atomic_load(&d->active))
    return;
  if (d->board_busy) {
    d->board_again = 1;
    return;
  }
  d->board_gen = daemon_gen_get(d->gen);
  rc = uv_queue_work(&d->loop, &d->board_work, board_work, board_done);
  if (rc == 0) {
    d->board_busy = 1;
  } else {
    daemon_gen_put(d->board_gen);
    d->board_gen = NULL;
    log_event(LOG_ERR, "summary_queue_failed", "error=%s", uv_err_name(rc));
  }
}

static void on_board_timer(uv_timer_t *t) {
  board_check(container_of(t, struct daemon, board_timer));
}

/* Looks at the calendar in ms, or sooner if already planned sooner. */
void daemon_board_soon(struct daemon *d, uint64_t ms) {
  if (d->gen->rt->conf->summary.n_meetings == 0 || atomic_load(&d->stopping) ||
      !atomic_load(&d->active))
    return;
  if (uv_is_active((uv_handle_t *)&d->board_timer) &&
      uv_timer_get_due_in(&d->board_timer) <= ms)
    return;
  if (uv_timer_start(&d->board_timer, on_board_timer, ms, 0) != 0)
    log_event(LOG_ERR, "summary_timer_failed", NULL);
}

void daemon_board_role(struct daemon *d) {
  if (atomic_load(&d->stopping))
    return;
  if (atomic_load(&d->active)) {
    if (d->ready) /* else at ready, once work/ is recovered */
      daemon_board_soon(d, 0);
  } else {
    (void)uv_timer_stop(&d->board_timer);
  }
}
