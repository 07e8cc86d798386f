/*
 * daemon_scan.c: what `dahub status` and the metrics need from the disk
 * and the store, read on the thread pool.
 *
 * Counting a spool folder's entries is a readdir of every entry, and a
 * partner who drops a hundred thousand files makes that long; which feeds
 * are late is a read of a year's deliveries. Neither may hold the loop,
 * which must go on claiming files, pinging the watchdog and answering
 * other clients. So a request on the status socket, or the metrics
 * textfile's timer, asks for a scan; one scan runs at a time, on libuv's
 * thread pool, through a store connection of its own (scan_store, used by
 * nothing else), and when it is in, daemon_status_scanned() answers on the
 * loop every client that asked before it began. Requests made while one
 * runs are served by the next, so a crowd of clients costs two scans at
 * most.
 *
 * The work callback touches only its scan: the generation it holds keeps
 * the feeds' paths and configuration alive; the counters, which change on
 * the loop, are read on the loop when the answer is made.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "daemon_int.h"
#include "log.h"
#include "summary.h"

#define WAITING_MAX 1000000ul /* a folder's count stops here */

/* Files in dir that the spool would take (uploads in progress are not
 * waiting); a folder that cannot be read counts nothing. */
static unsigned long count_files(const char *dir) {
  unsigned long n = 0;
  struct dirent *e;
  DIR *dh = opendir(dir);

  if (dh == NULL)
    return 0;
  while (n < WAITING_MAX && (e = readdir(dh)) != NULL)
    if ((e->d_type == DT_REG || e->d_type == DT_UNKNOWN) &&
        !spool_ignored_name(e->d_name))
      n++;
  (void)closedir(dh);
  return n;
}

static void scan_late(struct scan *sc) {
  const struct config *conf = sc->gen->rt->conf;
  struct dahub_error e = {0};

  sc->late = calloc(conf->n_feeds + 1, sizeof *sc->late);
  sc->periods = calloc(conf->n_feeds + 1, sizeof *sc->periods);
  if (sc->late == NULL || sc->periods == NULL ||
      summary_late_feeds(sc->store, conf, sc->now_ms / 1000, sc->late,
                         sc->periods, &e) != 0) {
    /* a busy store leaves lateness unknown, not the answer waiting */
    (void)snprintf(sc->late_error, sizeof sc->late_error, "%s",
                   sc->late && sc->periods ? e.msg : "out of memory");
    free(sc->late);
    free(sc->periods);
    sc->late = NULL;
    sc->periods = NULL;
  }
}

/* Thread pool: reads into sc only. */
static void scan_work(uv_work_t *req) {
  struct scan *sc = container_of(req, struct scan, req);
  const struct runtime *rt = sc->gen->rt;
  struct dahub_error e = {0};

  daemon_hooks_scan_sleep(sc->hook_ms);
  for (size_t i = 0; i < rt->n_feeds; i++) {
    const struct ingest_feed *f = &rt->feeds[i];
    struct scan_feed *sf = &sc->feeds[i];

    sf->waiting = count_files(f->incoming) + count_files(f->work);
    if (f->conf->pull != NULL)
      sf->pull_known =
          store_pull_state(sc->store, f->conf->name, &sf->ps, &e) == 0;
  }
  if (sc->read_late)
    scan_late(sc);
  sc->outbox_known = store_outbox_counts(sc->store, sc->outbox, &e) == 0;
}

static void scan_free(struct scan *sc) {
  if (sc == NULL)
    return;
  daemon_gen_put(sc->gen);
  free(sc->feeds);
  free(sc->late);
  free(sc->periods);
  free(sc);
}

static void scan_done(uv_work_t *req, int status) {
  struct scan *sc = container_of(req, struct scan, req);
  struct daemon *d = sc->d;

  d->scan = NULL;
  if (status == 0 && !atomic_load(&d->stopping))
    daemon_status_scanned(d, sc);
  scan_free(sc);
  if (atomic_load(&d->stopping))
    return;
  if (d->scan_again || status_waiting(d->status) > 0) {
    d->scan_again = 0;
    daemon_scan_request(d);
  }
}

void daemon_scan_request(struct daemon *d) {
  const struct runtime *rt = d->gen->rt;
  struct scan *sc;
  int rc = -ENOMEM;

  if (atomic_load(&d->stopping))
    return;
  if (d->scan != NULL) { /* asked after it began: the next one */
    d->scan_again = 1;
    return;
  }
  if ((sc = calloc(1, sizeof *sc)) == NULL ||
      (sc->feeds = calloc(rt->n_feeds + 1, sizeof *sc->feeds)) == NULL)
    goto fail;
  sc->d = d;
  sc->gen = daemon_gen_get(d->gen);
  sc->store = d->scan_store;
  sc->now_ms = store_now_ms();
  sc->before = d->status != NULL ? status_seq(d->status) : 0;
  sc->hook_ms = daemon_hooks_scan_ms(d);
  sc->read_late = daemon_status_late_due(d, sc->now_ms);
  if ((rc = uv_queue_work(&d->loop, &sc->req, scan_work, scan_done)) != 0)
    goto fail;
  d->scan = sc;
  return;
fail:
  scan_free(sc);
  log_event(LOG_WARNING, "status_scan_failed", "error=%s",
            rc == -ENOMEM ? "ENOMEM" : uv_err_name(rc));
  /* the clients waiting hear so now rather than at their timeout */
  daemon_status_unavailable(d);
}

void daemon_scan_stop(struct daemon *d) {
  /* a scan already running finishes; its answer is dropped (stopping) */
  if (d->scan != NULL)
    (void)uv_cancel((uv_req_t *)&d->scan->req);
}
