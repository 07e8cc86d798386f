/*
 * daemon.c: `dahub serve`, the event loop that ties the stages together.
 *
 * One libuv loop on the main thread owns every handle: the spools' watchers
 * and timers, the signals, the watchdog. Each claimed file becomes a job on
 * libuv's thread pool (ingest_run), so parsing, hashing, SQLite and fsync
 * never block the loop. A job that ends in RETRY stays in work/ and is
 * tried again after a capped exponential backoff with full jitter.
 *
 * Start: the store is opened, work/ is recovered (each file left there by a
 * crash is ingested again, or just moved on when its hash is already
 * stored), and only then READY=1 and the spools start. Stop (SIGTERM or
 * SIGINT): STOPPING=1, no new claims, queued jobs are cancelled (their files
 * stay in work/), running ones see `stopping` at their next read and roll
 * back; nothing is half-stored. If that takes longer than the grace period
 * the process exits anyway: an uncommitted transaction is simply not there
 * after a crash either.
 *
 * Each claimed file is a job (daemon_jobs.c); the meeting calendar
 * (daemon_board.c) and retention sweeps (daemon_retention.c) run on the
 * thread pool beside them, one at a time each. Deliveries and pulls run on
 * a loop of their own in the wire thread (daemon_wire.c), as their store
 * calls may wait; a stop waits for it without holding this loop. On
 * PostgreSQL a second hub of the board may run as a standby: the calendar,
 * deliveries and pulls run only on the active one (daemon_leader.c).
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon_int.h"
#include "fsutil.h"
#include "log.h"
#include "storeconf.h"

struct generation *daemon_gen_get(struct generation *g) {
  g->refs++;
  return g;
}

void daemon_gen_put(struct generation *g) {
  if (g == NULL || --g->refs > 0)
    return;
  runtime_free(g->rt);
  free(g->rt);
  free(g);
}

struct generation *daemon_gen_new(struct daemon *d, struct runtime *rt) {
  struct generation *g = calloc(1, sizeof *g);

  if (g == NULL) {
    runtime_free(rt);
    free(rt);
    return NULL;
  }
  g->rt = rt;
  g->refs = 1;
  g->env =
      (struct ingest_env){.vocab = rt->vocab,
                          .store = d->store,
                          .max_file_bytes = rt->conf->max_file_bytes,
                          .max_line_bytes = (uint32_t)rt->conf->max_line_bytes,
                          .max_errors = (uint32_t)rt->conf->max_errors,
                          .stopping = &d->stopping,
                          .feedback_via = rt->conf->feedback_via};
  return g;
}

static void on_extend(uv_timer_t *t) {
  (void)t;
  (void)sd_notify(0, "EXTEND_TIMEOUT_USEC=" EXTEND_USEC);
}

static void on_watchdog(uv_timer_t *t) {
  (void)t;
  (void)sd_notify(0, "WATCHDOG=1");
}

/* Watches the spool of every feed of the current generation. */
static void start_spools(struct daemon *d) {
  const struct runtime *rt = d->gen->rt;

  free(d->spools);
  d->spools = calloc(rt->n_feeds + 1, sizeof *d->spools);
  if (d->spools == NULL) {
    log_event(LOG_ERR, "spool_failed", "reason=\"out of memory\"");
    return;
  }
  for (size_t i = 0; i < rt->n_feeds; i++) {
    int rc = spool_start(&d->loop, &rt->feeds[i], rt->conf->settle_ms,
                         rt->conf->rescan_ms, daemon_on_claim,
                         daemon_on_refused, d, &d->spools[i]);
    if (rc != 0)
      log_event(LOG_ERR, "spool_failed", "feed=%s error=%s",
                rt->feeds[i].conf->name, uv_err_name(rc));
  }
}

static void stop_spools(struct daemon *d) {
  for (size_t i = 0; d->spools != NULL && d->spools[i] != NULL; i++)
    spool_stop(d->spools[i]); /* frees itself once its handles close */
  free(d->spools);
  d->spools = NULL;
}

void daemon_become_ready(struct daemon *d) {
  const struct runtime *rt = d->gen->rt;

  if (d->ready || atomic_load(&d->stopping))
    return;
  d->ready = 1;
  (void)uv_timer_stop(&d->extend);
  start_spools(d);
  daemon_retention_schedule(d, 0); /* once now that work/ is recovered */
  (void)sd_notify(0, "READY=1\nSTATUS=Watching spool folders");
  log_event(LOG_INFO, "ready", "feeds=%zu meetings=%zu pid=%ld", rt->n_feeds,
            rt->conf->summary.n_meetings, (long)getpid());
  daemon_board_soon(d, 0);
}

static void log_reload_error(const char *msg, void *arg) {
  char q[600];

  (void)arg;
  log_event(LOG_ERR, "reload_error", "detail=%s", log_quote(q, sizeof q, msg));
}

/* SIGHUP: the configuration is loaded and checked whole; only then are the
 * spools moved over to it. Files already claimed finish with the
 * configuration they started with (their generation stays alive until
 * they are done). Anything wrong: the running configuration stays. */
static void reload(struct daemon *d) {
  struct runtime *rt = calloc(1, sizeof *rt);
  const struct config *old = d->gen->rt->conf;
  struct errlist errs = {0};
  struct generation *g;
  struct dahub_error e = {0};
  int rc;

  (void)sd_notify(0, "RELOADING=1");
  rc = rt == NULL ? -ENOMEM
                  : runtime_load(rt, d->config_path, d->plugin_dir, &errs);
  errlist_each(&errs, log_reload_error, NULL);
  errlist_clear(&errs);
  if (rc == 0 && (strcmp(rt->conf->spool_dir, old->spool_dir) != 0 ||
                  !storeconf_same(rt->conf, old))) {
    log_event(LOG_ERR, "reload_error",
              "detail=\"spool_dir, state_dir and store change only on "
              "restart\"");
    rc = -EINVAL;
  }
  for (size_t i = 0; rc == 0 && i < rt->n_feeds; i++)
    if ((rc = spool_prepare(&rt->feeds[i], rt->conf->spool_dir, &e)) != 0)
      log_event(LOG_ERR, "reload_error", "feed=%s detail=%s",
                rt->feeds[i].conf->name, log_quote((char[300]){0}, 300, e.msg));
  if (rc != 0) {
    if (rt != NULL)
      runtime_free(rt);
    free(rt);
    log_event(LOG_ERR, "reload_refused",
              "detail=\"the running configuration stays\"");
    (void)sd_notify(0, "READY=1");
    return;
  }
  if ((g = daemon_gen_new(d, rt)) == NULL) {
    log_event(LOG_ERR, "reload_refused", "detail=\"out of memory\"");
    (void)sd_notify(0, "READY=1");
    return;
  }
  stop_spools(d);
  /* the wire thread holds the old one until it reads g */
  daemon_wire_configure(d, g);
  daemon_gen_put(d->gen);
  d->gen = g;
  daemon_status_reloaded(d);
  log_set_level(d->log_level >= 0 ? d->log_level : g->rt->conf->log_level);
  if (d->ready) {
    start_spools(d);
    daemon_retention_schedule(d, g->rt->conf->retention_check_ms);
  }
  (void)sd_notify(0, "READY=1");
  log_event(LOG_NOTICE, "reloaded", "feeds=%zu meetings=%zu", g->rt->n_feeds,
            g->rt->conf->summary.n_meetings);
  daemon_board_soon(d, 0);
}

static void on_hup(uv_signal_t *s, int signum) {
  struct daemon *d = s->data;

  (void)signum;
  if (!atomic_load(&d->stopping))
    reload(d);
}

static void on_grace(uv_timer_t *t) {
  (void)t;
  log_event(LOG_WARNING, "shutdown_grace_expired",
            "detail=\"work in progress abandoned; its files stay in work/ "
            "and are ingested at the next start\"");
  _exit(EXIT_SUCCESS);
}

static void on_signal(uv_signal_t *s, int signum) {
  struct daemon *d = s->data;

  if (atomic_exchange(&d->stopping, 1))
    return;
  (void)sd_notify(0, "STOPPING=1");
  log_event(LOG_NOTICE, "stopping", "signal=%d", signum);
  stop_spools(d);
  daemon_status_stop(d);
  /* a row on the wire goes again next start, a fetch cut short keeps
   * nothing; the loop runs on until the wire thread has ended */
  daemon_wire_stop(d);
  uv_close((uv_handle_t *)&d->board_timer, NULL);
  uv_close((uv_handle_t *)&d->retention_timer, NULL);
  uv_close((uv_handle_t *)&d->extend, NULL);
  if (d->board_busy)
    (void)uv_cancel((uv_req_t *)&d->board_work);
  if (d->retention_busy) /* a running sweep sees `stopping` between files */
    (void)uv_cancel((uv_req_t *)&d->retention_work);
  uv_close((uv_handle_t *)&d->sig_term, NULL);
  uv_close((uv_handle_t *)&d->sig_int, NULL);
  uv_close((uv_handle_t *)&d->sig_hup, NULL);
  if (d->watchdog_on)
    uv_close((uv_handle_t *)&d->watchdog, NULL);
  daemon_hooks_stop(d);
  for (struct job *j = d->jobs.next, *n; j != &d->jobs; j = n) {
    n = j->next;
    if (j->running)
      (void)uv_cancel((uv_req_t *)&j->req); /* fails if already running */
    else
      daemon_job_free(j); /* waiting for a retry: its file stays in work/ */
  }
  /* unref: the grace timer alone must not keep the loop alive */
  if (uv_timer_start(&d->grace, on_grace, d->gen->rt->conf->shutdown_grace_ms,
                     0) == 0)
    uv_unref((uv_handle_t *)&d->grace);
}

static int start_signals(struct daemon *d) {
  int rc;

  d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
  if ((rc = uv_signal_init(&d->loop, &d->sig_term)) != 0 ||
      (rc = uv_signal_init(&d->loop, &d->sig_int)) != 0 ||
      (rc = uv_signal_init(&d->loop, &d->sig_hup)) != 0 ||
      (rc = uv_signal_start(&d->sig_term, on_signal, SIGTERM)) != 0 ||
      (rc = uv_signal_start(&d->sig_int, on_signal, SIGINT)) != 0 ||
      (rc = uv_signal_start(&d->sig_hup, on_hup, SIGHUP)) != 0)
    return rc;
  return 0;
}

static void start_watchdog(struct daemon *d) {
  uint64_t usec = 0;

  if (sd_watchdog_enabled(0, &usec) <= 0 || usec < 2000)
    return;
  if (uv_timer_init(&d->loop, &d->watchdog) == 0 &&
      uv_timer_start(&d->watchdog, on_watchdog, 0, usec / 2000) == 0)
    d->watchdog_on = 1;
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* Opens the configured store (storeconf.h) three times: the ingests', the
 * wire thread's and the status scans'. The state folder is made whichever it
 * is: it holds the status socket too. Errors are for the journal. */
static int open_store(struct daemon *d, const struct config *conf) {
  struct dahub_error e = {0};
  int rc;

  if ((rc = fs_mkdirs(conf->state_dir, 0750)) != 0) {
    log_event(LOG_ERR, "state_dir_failed", "error=%s", strerror(-rc));
    return rc;
  }
  if ((rc = storeconf_open(conf, &d->store, &e)) != 0 ||
      (rc = storeconf_open(conf, &d->loop_store, &e)) != 0 ||
      (rc = storeconf_open(conf, &d->scan_store, &e)) != 0) {
    log_event(LOG_ERR, "store_failed", "error=%s",
              log_quote((char[300]){0}, 300, e.msg));
    return rc ? rc : -EIO;
  }
  /* the wire thread's own connection: the ingests' lock and long write
   * transactions are on the other one */
  store_set_busy_ms(d->loop_store, WIRE_BUSY_MS);
  /* the status scans': off the loop, but a client is waiting */
  store_set_busy_ms(d->scan_store, SCAN_BUSY_MS);
  return 0;
}

int daemon_serve(struct runtime *rt, const char *config_path,
                 const char *plugin_dir, int log_level) {
  struct daemon *d = calloc(1, sizeof *d);
  struct outbox_stats delivered;
  struct dahub_error e = {0};
  int rc;

  if (d == NULL) {
    runtime_free(rt);
    free(rt);
    return -ENOMEM;
  }
  d->config_path = config_path;
  d->plugin_dir = plugin_dir;
  d->log_level = log_level;
  d->jobs.next = d->jobs.prev = &d->jobs;
  for (size_t i = 0; i < rt->n_feeds; i++)
    if ((rc = spool_prepare(&rt->feeds[i], rt->conf->spool_dir, &e)) != 0) {
      log_event(LOG_ERR, "spool_failed", "feed=%s error=%s",
                rt->feeds[i].conf->name, log_quote((char[300]){0}, 300, e.msg));
      runtime_free(rt);
      free(rt);
      goto out;
    }
  if ((rc = open_store(d, rt->conf)) != 0) {
    runtime_free(rt);
    free(rt);
    goto out;
  }
  if ((d->gen = daemon_gen_new(d, rt)) == NULL) { /* rt is freed */
    rc = -ENOMEM;
    goto out;
  }
  /* a file has one hub; on PostgreSQL the wire thread's leader says */
  atomic_store(&d->active, !storeconf_is_postgresql(rt->conf));
  srandom((unsigned)getpid());
  /* A full disk or a file size limit must fail a write (EFBIG: the store
   * answers retry), not kill the daemon with SIGXFSZ mid-transaction. */
  (void)signal(SIGXFSZ, SIG_IGN);
  if ((rc = uv_loop_init(&d->loop)) != 0)
    goto out;
  if ((rc = uv_timer_init(&d->loop, &d->grace)) != 0 ||
      (rc = uv_timer_init(&d->loop, &d->board_timer)) != 0 ||
      (rc = uv_timer_init(&d->loop, &d->retention_timer)) != 0 ||
      (rc = uv_timer_init(&d->loop, &d->extend)) != 0 ||
      (rc = start_signals(d)) != 0) {
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    goto loop_out;
  }
  start_watchdog(d);
  daemon_hooks_start(d);
  if ((rc = daemon_wire_start(d)) != 0) /* logged */
    goto loop_out;
  if ((rc = daemon_status_start(d)) != 0) {
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    goto loop_out;
  }
  for (size_t i = 0; i < rt->n_feeds; i++)
    if (spool_each_work(&rt->feeds[i], daemon_on_recover, d) != 0)
      log_event(LOG_ERR, "recovery_scan_failed", "feed=%s",
                rt->feeds[i].conf->name);
  if (d->recovering > 0) {
    log_event(LOG_NOTICE, "recovering", "files=%zu", d->recovering);
    /* a large file left in work/ may take longer than systemd waits for
     * READY=1: ask for more time while recovery goes on */
    (void)sd_notify(0, "EXTEND_TIMEOUT_USEC=" EXTEND_USEC);
    if (uv_timer_start(&d->extend, on_extend, EXTEND_MS, EXTEND_MS) != 0)
      log_event(LOG_WARNING, "extend_timer_failed", NULL);
  } else {
    daemon_become_ready(d);
  }
  (void)uv_run(&d->loop, UV_RUN_DEFAULT);
  delivered = daemon_wire_stats(d);
  log_event(LOG_INFO, "stopped",
            "stored=%lu duplicates=%lu failed=%lu retries=%lu removed=%lu "
            "remove_failures=%lu delivered=%lu delivery_retries=%lu "
            "parked=%lu",
            d->stored, d->duplicates, d->failed, d->retries, d->removed,
            d->remove_failures, delivered.sent, delivered.retries,
            delivered.parked);
  rc = 0;
loop_out:
  daemon_status_stop(d); /* a no-op after a signal stopped it */
  daemon_wire_close(d);  /* the thread has ended, unless start failed */
  uv_walk(&d->loop, close_walk, NULL);
  (void)uv_run(&d->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&d->loop) != 0)
    log_event(LOG_WARNING, "loop_not_empty", NULL);
out:
  daemon_status_close(d);
  daemon_wire_free(d);
  daemon_gen_put(d->gen); /* every job is done: this is the last reference */
  store_close(d->store);
  store_close(d->loop_store);
  store_close(d->scan_store);
  free(d->spools);
  free(d);
  return rc;
}
