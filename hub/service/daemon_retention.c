/*
 * daemon_retention.c: retention sweeps of done/ and failed/ (retention.c)
 * on the thread pool, one sweep at a time: once after start-up recovery,
 * then every retention_check_ms, and right after a file settles into done/
 * of a feed that keeps nothing there (only those folders: they stay near
 * empty, so that sweep is cheap however busy the feed). A request while a
 * sweep runs is kept and made when it ends.
 */
#include <time.h>

#include "common.h"
#include "daemon_int.h"
#include "log.h"

static void retention_work(uv_work_t *req) {
  struct daemon *d = container_of(req, struct daemon, retention_work);
  const struct runtime *rt = d->retention_gen->rt;
  int64_t now = (int64_t)time(NULL);

  for (size_t i = 0; i < rt->n_feeds && !atomic_load(&d->stopping); i++) {
    const struct ingest_feed *f = &rt->feeds[i];
    unsigned which = 0;

    if (d->retention_scope & RETENTION_ALL)
      which = RETENTION_DONE | RETENTION_FAILED;
    else if (retention_period(f, RETENTION_DONE) == 0)
      which = RETENTION_DONE;
    if (which != 0)
      retention_sweep(f, which, now, &d->stopping, &d->retention_last);
  }
}

static void retention_done(uv_work_t *req, int status);

static void retention_start(struct daemon *d) {
  int rc;

  d->retention_scope = d->retention_want;
  d->retention_want = 0;
  d->retention_last = (struct retention_stats){0};
  d->retention_gen = daemon_gen_get(d->gen);
  rc = uv_queue_work(&d->loop, &d->retention_work, retention_work,
                     retention_done);
  if (rc == 0) {
    d->retention_busy = 1;
    return;
  }
  daemon_gen_put(d->retention_gen);
  d->retention_gen = NULL;
  d->remove_failures++;
  log_event(LOG_WARNING, "retention_queue_failed", "error=%s", uv_err_name(rc));
}

static void retention_done(uv_work_t *req, int status) {
  struct daemon *d = container_of(req, struct daemon, retention_work);

  (void)status; /* cancelled at shutdown: the next start sweeps anyway */
  d->retention_busy = 0;
  daemon_gen_put(d->retention_gen);
  d->retention_gen = NULL;
  d->removed += d->retention_last.removed;
  d->remove_failures += d->retention_last.failures;
  if (d->retention_last.failures > 0)
    log_event(LOG_WARNING, "retention_incomplete",
              "removed=%lu failures=%lu detail=\"tried again at the next "
              "sweep\"",
              d->retention_last.removed, d->retention_last.failures);
  if (d->retention_want != 0 && !atomic_load(&d->stopping))
    retention_start(d);
}

/* Asks for a sweep of scope; made now, or when the running one ends. */
void daemon_retention_request(struct daemon *d, unsigned scope) {
  if (atomic_load(&d->stopping))
    return;
  d->retention_want |= scope;
  if (!d->retention_busy)
    retention_start(d);
}

static void on_retention_timer(uv_timer_t *t) {
  daemon_retention_request(container_of(t, struct daemon, retention_timer),
                           RETENTION_ALL);
}

/* Sweeps after first_ms, then every retention_check_ms of the current
 * configuration. */
void daemon_retention_schedule(struct daemon *d, uint64_t first_ms) {
  uint64_t every = d->gen->rt->conf->retention_check_ms;
  int rc =
      uv_timer_start(&d->retention_timer, on_retention_timer, first_ms, every);

  if (rc != 0)
    log_event(LOG_WARNING, "retention_timer_failed", "error=%s",
              uv_err_name(rc));
}
