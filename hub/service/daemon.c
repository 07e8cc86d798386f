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
 * Retention (retention.c) sweeps done/ and failed/ on the thread pool, one
 * sweep at a time: once after start-up recovery, then every
 * retention_check_ms, and right after a file settles into done/ of a feed
 * that keeps nothing there (only those folders: they stay near empty, so
 * that sweep is cheap however busy the feed).
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "board.h"
#include "common.h"
#include "fsutil.h"
#include "log.h"
#include "retention.h"
#include "spool.h"
#include "store.h"

#define BOARD_SETTLE_MS 1000     /* a burst of files makes one summary */
#define BOARD_RECHECK_MS 3600000 /* look at the calendar at least hourly */
#define EXTEND_MS 10000          /* while recovering, every 10 s ... */
#define EXTEND_USEC "30000000"   /* ... ask systemd for 30 s more */
#define RETRY_BASE_MS 1000
#define RETRY_CAP_MS 300000
#define RETENTION_ALL 1u   /* every feed's done/ and failed/ */
#define RETENTION_QUICK 2u /* done/ of the feeds that keep nothing there */

/* One loaded configuration. Jobs and summary work hold a reference, so a
 * reload can swap in a new one while files of the old one finish. */
struct generation {
  struct runtime *rt;
  struct ingest_env env;
  unsigned refs;
};

struct job {
  uv_work_t req;
  uv_timer_t retry;
  struct daemon *d;
  struct generation *gen;
  struct ingest_feed *feed;
  char name[NAME_MAX + 1];
  int recovered; /* check the hash first: it may be our own commit */
  int recovery;  /* part of start-up: READY=1 waits for it */
  int running;   /* queued on the thread pool */
  unsigned attempts;
  struct ingest_result res;
  struct job *next, *prev;
};

struct daemon {
  uv_loop_t loop;
  struct generation *gen;               /* the current configuration */
  const char *config_path, *plugin_dir; /* to load it again on SIGHUP */
  struct store *store;
  atomic_int stopping;
  uv_signal_t sig_term, sig_int, sig_hup;
  uv_timer_t watchdog, grace, extend;
  int watchdog_on;
  struct spool **spools;
  struct job jobs; /* list head of live jobs */
  size_t recovering;
  int ready;
  /* The meeting calendar: one summary job at a time. */
  uv_timer_t board_timer;
  uv_work_t board_work;
  struct generation *board_gen; /* held while board_work runs */
  int board_busy, board_again;
  /* Retention: one sweep at a time; a request while one runs is kept in
   * retention_want and made when it ends. */
  uv_timer_t retention_timer;
  uv_work_t retention_work;
  struct generation *retention_gen; /* held while retention_work runs */
  unsigned retention_scope;         /* RETENTION_ALL/_QUICK of that sweep */
  unsigned retention_want;
  int retention_busy;
  struct retention_stats retention_last; /* of that sweep */
  unsigned long stored, duplicates, failed, retries, removed, remove_failures;
};

static void job_queue(struct job *j);
static void retention_request(struct daemon *d, unsigned scope);

static struct generation *gen_get(struct generation *g) {
  g->refs++;
  return g;
}

static void gen_put(struct generation *g) {
  if (g == NULL || --g->refs > 0)
    return;
  runtime_free(g->rt);
  free(g->rt);
  free(g);
}

/* A generation for a loaded runtime (ownership moves in). NULL: no memory,
 * and rt was freed. */
static struct generation *gen_new(struct daemon *d, struct runtime *rt) {
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
                          .stopping = &d->stopping};
  return g;
}
static void board_soon(struct daemon *d, uint64_t ms);

static void job_closed(uv_handle_t *h) {
  struct job *j = container_of((uv_timer_t *)h, struct job, retry);

  free(j);
}

static void job_free(struct job *j) {
  gen_put(j->gen);
  j->gen = NULL;
  j->prev->next = j->next;
  j->next->prev = j->prev;
  uv_close((uv_handle_t *)&j->retry, job_closed);
}

static void job_work(uv_work_t *req) {
  struct job *j = container_of(req, struct job, req);

  ingest_run(&j->gen->env, j->feed, j->name, j->recovered, &j->res);
}

static void become_ready(struct daemon *d);

static void job_retry(uv_timer_t *t) {
  job_queue(container_of(t, struct job, retry));
}

static uint64_t backoff_ms(unsigned attempts) {
  uint64_t cap = RETRY_BASE_MS;

  for (unsigned i = 0; i < attempts && cap < RETRY_CAP_MS; i++)
    cap *= 2;
  if (cap > RETRY_CAP_MS)
    cap = RETRY_CAP_MS;
  /* Full jitter: many files failing together do not retry together. */
  return RETRY_BASE_MS / 2 + (uint64_t)random() % cap;
}

static void job_done(uv_work_t *req, int status) {
  struct job *j = container_of(req, struct job, req);
  struct daemon *d = j->d;
  char q[320];

  j->running = 0;
  if (j->recovery) {
    j->recovery = 0;
    if (--d->recovering == 0)
      become_ready(d);
  }
  if (status == UV_ECANCELED || atomic_load(&d->stopping)) {
    if (status == UV_ECANCELED)
      log_event(LOG_NOTICE, "file_left_for_restart", "feed=%s file=%s",
                j->feed->conf->name, log_quote(q, sizeof q, j->name));
    job_free(j);
    return;
  }
  if ((j->res.outcome == INGEST_STORED || j->res.outcome == INGEST_DUPLICATE) &&
      retention_period(j->feed, RETENTION_DONE) == 0)
    retention_request(d, RETENTION_QUICK); /* personal data: gone at once */
  switch (j->res.outcome) {
  case INGEST_STORED:
    d->stored++;
    board_soon(d, BOARD_SETTLE_MS); /* a late correction may change it */
    break;
  case INGEST_DUPLICATE:
    d->duplicates++;
    break;
  case INGEST_FAILED:
    d->failed++;
    break;
  case INGEST_RETRY: {
    uint64_t ms = backoff_ms(j->attempts++);
    int rc;

    d->retries++;
    j->recovered = 1; /* a commit may have happened before the trouble */
    rc = uv_timer_start(&j->retry, job_retry, ms, 0);
    log_event(LOG_WARNING, "retry_scheduled",
              "feed=%s file=%s attempt=%u in_ms=%llu", j->feed->conf->name,
              log_quote(q, sizeof q, j->name), j->attempts,
              (unsigned long long)ms);
    if (rc == 0)
      return;
    log_event(LOG_ERR, "retry_failed", "feed=%s error=%s file_stays_in=work",
              j->feed->conf->name, uv_err_name(rc));
    break;
  }
  }
  job_free(j);
}

static void job_queue(struct job *j) {
  int rc = uv_queue_work(&j->d->loop, &j->req, job_work, job_done);

  if (rc != 0) {
    log_event(LOG_ERR, "queue_failed", "feed=%s error=%s file_stays_in=work",
              j->feed->conf->name, uv_err_name(rc));
    return;
  }
  j->running = 1;
}

static void job_new(struct daemon *d, struct ingest_feed *f, const char *name,
                    int recovery) {
  struct job *j = calloc(1, sizeof *j);
  size_t len = strlen(name);

  if (j == NULL || len >= sizeof j->name ||
      uv_timer_init(&d->loop, &j->retry) != 0) {
    free(j);
    log_event(LOG_ERR, "job_failed",
              "feed=%s reason=\"out of memory\" "
              "file_stays_in=work",
              f->conf->name);
    return;
  }
  j->d = d;
  j->gen = gen_get(d->gen);
  j->feed = f;
  memcpy(j->name, name, len + 1);
  j->recovered = recovery;
  j->recovery = recovery;
  j->next = d->jobs.next;
  j->prev = &d->jobs;
  d->jobs.next->prev = j;
  d->jobs.next = j;
  if (recovery)
    d->recovering++;
  job_queue(j);
}

static void on_claim(void *arg, struct ingest_feed *f, const char *name) {
  job_new(arg, f, name, 0);
}

static void on_recover(void *arg, struct ingest_feed *f, const char *name) {
  job_new(arg, f, name, 1);
}

/* ---- The meeting calendar ---- */

static void board_work(uv_work_t *req) {
  struct daemon *d = container_of(req, struct daemon, board_work);

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
  gen_put(d->board_gen);
  d->board_gen = NULL;
  if (atomic_load(&d->stopping))
    return;
  if (d->board_again) {
    d->board_again = 0;
    board_check(d);
    return;
  }
  if (next != INT64_MAX && (uint64_t)(next - now) * 1000 < ms)
    ms = (uint64_t)(next - now) * 1000 + 1000;
  if (d->gen->rt->conf->summary.n_meetings > 0)
    board_soon(d, ms);
}

static void board_check(struct daemon *d) {
  int rc;

  if (d->board_busy) {
    d->board_again = 1;
    return;
  }
  d->board_gen = gen_get(d->gen);
  rc = uv_queue_work(&d->loop, &d->board_work, board_work, board_done);
  if (rc == 0) {
    d->board_busy = 1;
  } else {
    gen_put(d->board_gen);
    d->board_gen = NULL;
    log_event(LOG_ERR, "summary_queue_failed", "error=%s", uv_err_name(rc));
  }
}

static void on_board_timer(uv_timer_t *t) {
  board_check(container_of(t, struct daemon, board_timer));
}

/* Looks at the calendar in ms, or sooner if already planned sooner. */
static void board_soon(struct daemon *d, uint64_t ms) {
  if (d->gen->rt->conf->summary.n_meetings == 0 || atomic_load(&d->stopping))
    return;
  if (uv_is_active((uv_handle_t *)&d->board_timer) &&
      uv_timer_get_due_in(&d->board_timer) <= ms)
    return;
  if (uv_timer_start(&d->board_timer, on_board_timer, ms, 0) != 0)
    log_event(LOG_ERR, "summary_timer_failed", NULL);
}

/* ---- Retention ---- */

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
  d->retention_gen = gen_get(d->gen);
  rc = uv_queue_work(&d->loop, &d->retention_work, retention_work,
                     retention_done);
  if (rc == 0) {
    d->retention_busy = 1;
    return;
  }
  gen_put(d->retention_gen);
  d->retention_gen = NULL;
  d->remove_failures++;
  log_event(LOG_WARNING, "retention_queue_failed", "error=%s", uv_err_name(rc));
}

static void retention_done(uv_work_t *req, int status) {
  struct daemon *d = container_of(req, struct daemon, retention_work);

  (void)status; /* cancelled at shutdown: the next start sweeps anyway */
  d->retention_busy = 0;
  gen_put(d->retention_gen);
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
static void retention_request(struct daemon *d, unsigned scope) {
  if (atomic_load(&d->stopping))
    return;
  d->retention_want |= scope;
  if (!d->retention_busy)
    retention_start(d);
}

static void on_retention_timer(uv_timer_t *t) {
  retention_request(container_of(t, struct daemon, retention_timer),
                    RETENTION_ALL);
}

/* Sweeps after first_ms, then every retention_check_ms of the current
 * configuration. */
static void retention_schedule(struct daemon *d, uint64_t first_ms) {
  uint64_t every = d->gen->rt->conf->retention_check_ms;
  int rc =
      uv_timer_start(&d->retention_timer, on_retention_timer, first_ms, every);

  if (rc != 0)
    log_event(LOG_WARNING, "retention_timer_failed", "error=%s",
              uv_err_name(rc));
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
                         rt->conf->rescan_ms, on_claim, d, &d->spools[i]);
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

static void become_ready(struct daemon *d) {
  const struct runtime *rt = d->gen->rt;

  if (d->ready || atomic_load(&d->stopping))
    return;
  d->ready = 1;
  (void)uv_timer_stop(&d->extend);
  start_spools(d);
  retention_schedule(d, 0); /* once now that work/ is recovered */
  (void)sd_notify(0, "READY=1\nSTATUS=Watching spool folders");
  log_event(LOG_INFO, "ready", "feeds=%zu meetings=%zu pid=%ld", rt->n_feeds,
            rt->conf->summary.n_meetings, (long)getpid());
  board_soon(d, 0);
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
                  strcmp(rt->conf->state_dir, old->state_dir) != 0)) {
    log_event(LOG_ERR, "reload_error",
              "detail=\"spool_dir and state_dir change only on restart\"");
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
  if ((g = gen_new(d, rt)) == NULL) {
    log_event(LOG_ERR, "reload_refused", "detail=\"out of memory\"");
    (void)sd_notify(0, "READY=1");
    return;
  }
  stop_spools(d);
  gen_put(d->gen);
  d->gen = g;
  if (d->ready) {
    start_spools(d);
    retention_schedule(d, g->rt->conf->retention_check_ms);
  }
  (void)sd_notify(0, "READY=1");
  log_event(LOG_NOTICE, "reloaded", "feeds=%zu meetings=%zu", g->rt->n_feeds,
            g->rt->conf->summary.n_meetings);
  board_soon(d, 0);
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
  for (struct job *j = d->jobs.next, *n; j != &d->jobs; j = n) {
    n = j->next;
    if (j->running)
      (void)uv_cancel((uv_req_t *)&j->req); /* fails if already running */
    else
      job_free(j); /* waiting for a retry: its file stays in work/ */
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

/* Opens the store in the state folder; errors are for the journal. */
static int open_store(struct daemon *d, const char *state_dir) {
  char path[PATH_MAX];
  struct dahub_error e = {0};
  int rc;

  if ((rc = fs_mkdirs(state_dir, 0750)) != 0) {
    log_event(LOG_ERR, "state_dir_failed", "error=%s", strerror(-rc));
    return rc;
  }
  if ((rc = fs_join(path, sizeof path, state_dir, "dahub.sqlite")) != 0 ||
      (rc = store_open(path, &d->store, &e)) != 0) {
    log_event(LOG_ERR, "store_failed", "error=%s",
              log_quote((char[300]){0}, 300, e.msg));
    return rc ? rc : -EIO;
  }
  return 0;
}

int daemon_serve(struct runtime *rt, const char *config_path,
                 const char *plugin_dir) {
  struct daemon *d = calloc(1, sizeof *d);
  struct dahub_error e = {0};
  int rc;

  if (d == NULL) {
    runtime_free(rt);
    free(rt);
    return -ENOMEM;
  }
  d->config_path = config_path;
  d->plugin_dir = plugin_dir;
  d->jobs.next = d->jobs.prev = &d->jobs;
  for (size_t i = 0; i < rt->n_feeds; i++)
    if ((rc = spool_prepare(&rt->feeds[i], rt->conf->spool_dir, &e)) != 0) {
      log_event(LOG_ERR, "spool_failed", "feed=%s error=%s",
                rt->feeds[i].conf->name, log_quote((char[300]){0}, 300, e.msg));
      runtime_free(rt);
      free(rt);
      goto out;
    }
  if ((rc = open_store(d, rt->conf->state_dir)) != 0) {
    runtime_free(rt);
    free(rt);
    goto out;
  }
  if ((d->gen = gen_new(d, rt)) == NULL) { /* rt is freed */
    rc = -ENOMEM;
    goto out;
  }
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
  for (size_t i = 0; i < rt->n_feeds; i++)
    if (spool_each_work(&rt->feeds[i], on_recover, d) != 0)
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
    become_ready(d);
  }
  (void)uv_run(&d->loop, UV_RUN_DEFAULT);
  log_event(LOG_INFO, "stopped",
            "stored=%lu duplicates=%lu failed=%lu retries=%lu removed=%lu "
            "remove_failures=%lu",
            d->stored, d->duplicates, d->failed, d->retries, d->removed,
            d->remove_failures);
  rc = 0;
loop_out:
  uv_walk(&d->loop, close_walk, NULL);
  (void)uv_run(&d->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&d->loop) != 0)
    log_event(LOG_WARNING, "loop_not_empty", NULL);
out:
  gen_put(d->gen); /* every job is done: this is the last reference */
  store_close(d->store);
  free(d->spools);
  free(d);
  return rc;
}
