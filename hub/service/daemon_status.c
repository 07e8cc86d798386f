/*
 * daemon_status.c: what `dahub status` and the metrics see of the daemon.
 *
 * The loop keeps per-feed counters (counters.c), fed from job_done() on
 * the loop thread. A request on the status socket (status.c) asks for a
 * scan (daemon_scan.c), which counts the spool folders' entries and reads
 * the outbox's counts by state and pulled feeds' state on the thread pool;
 * once it is in, the answer is made here, on the loop, from the scan and
 * the counters. Which feeds are late needs a year's deliveries, a longer
 * read: a scan makes it only when the last is older than LATE_KEEP_MS, or
 * a file was stored or the configuration reloaded since. A busy store
 * leaves those parts unknown rather than the client waiting.
 *
 * With metrics_textfile set, the Prometheus text is also written there
 * every metrics_interval_ms and soon after a file settles, from a scan as
 * well, on the thread pool (fs_write_atomic_mode(): a hidden temporary file
 * renamed over the old one, so node-exporter never reads half of it), one write
 * at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "daemon_int.h"
#include "fsutil.h"
#include "log.h"
#include "metrics.h"
#include "summary.h"

#define LATE_KEEP_MS 60000   /* late feeds are read again after a minute */
#define METRICS_SOON_MS 1000 /* a burst of files makes one textfile */

int daemon_status_late_due(struct daemon *d, int64_t now_ms) {
  if (d->late_gen == d->gen && now_ms - d->late_ms < LATE_KEEP_MS)
    return 0;
  /* tried now, whatever comes of it: a busy store is not asked again by
   * every request */
  d->late_gen = d->gen;
  d->late_ms = now_ms;
  return 1;
}

static void snapshot_feed(const struct daemon *d, const struct scan *sc,
                          size_t i, struct metrics_feed *mf) {
  const struct ingest_feed *f = &sc->gen->rt->feeds[i];
  const struct feed_counters *c = counters_find(&d->counters, f->conf->name);
  const struct scan_feed *sf = &sc->feeds[i];

  if (c != NULL)
    mf->c = *c;
  else
    (void)snprintf(mf->c.feed, sizeof mf->c.feed, "%s", f->conf->name);
  mf->waiting = sf->waiting;
  if (d->late != NULL && d->late_for == sc->gen) {
    mf->late = d->late[i];
    memcpy(mf->period, d->late_periods[i], sizeof mf->period);
  }
  if (f->conf->pull == NULL)
    return;
  mf->pull = 1;
  if (sf->pull_known) {
    mf->pull_ok_ms = sf->ps.ok_ms;
    mf->pull_failing_since_ms = sf->ps.failing_since_ms;
    mf->pull_failures = sf->ps.failures;
    mf->stale =
        pull_is_stale(f->conf->pull, sf->ps.failing_since_ms, sc->now_ms);
  }
}

/* The scan's feeds (those of the configuration it began with) with the
 * counters as they are now. OUT: s->feeds, the caller frees. */
static int snapshot(const struct daemon *d, const struct scan *sc,
                    struct metrics_snapshot *s) {
  const struct runtime *rt = sc->gen->rt;

  memset(s, 0, sizeof *s);
  s->now_ms = sc->now_ms;
  s->started_ms = d->started_ms;
  s->active = atomic_load(&d->active);
  if ((s->feeds = calloc(rt->n_feeds + 1, sizeof *s->feeds)) == NULL)
    return -ENOMEM;
  s->n_feeds = rt->n_feeds;
  for (size_t i = 0; i < rt->n_feeds; i++)
    snapshot_feed(d, sc, i, &s->feeds[i]);
  s->outbox_known = sc->outbox_known;
  if (s->outbox_known)
    memcpy(s->outbox, sc->outbox, sizeof s->outbox);
  return 0;
}

struct answering {
  const struct daemon *d;
  const struct scan *sc;
};

static int answer(void *arg, enum status_request req, char **text) {
  const struct answering *a = arg;
  struct metrics_snapshot s;
  int rc;

  if ((rc = snapshot(a->d, a->sc, &s)) != 0)
    return rc;
  rc = req == STATUS_REQ_METRICS ? metrics_text(&s, text)
                                 : metrics_json(&s, text);
  free(s.feeds);
  if (rc == 0 && req == STATUS_REQ_STATUS) {
    /* one line: a reader takes everything up to the close */
    size_t n = strlen(*text);
    char *t = realloc(*text, n + 2);

    if (t == NULL) {
      free(*text);
      *text = NULL;
      return -ENOMEM;
    }
    memcpy(t + n, "\n", 2);
    *text = t;
  }
  return rc;
}

struct textfile {
  uv_work_t req;
  struct daemon *d;
  char *path, *text;
  int rc;
};

static void textfile_work(uv_work_t *req) {
  struct textfile *t = container_of(req, struct textfile, req);
  char *dir = fs_dirname(t->path);
  const char *name = strrchr(t->path, '/');

  /* node-exporter reads it as another user: 0644 whatever the umask */
  t->rc = dir == NULL ? -ENOMEM
                      : fs_write_atomic_mode(dir, name ? name + 1 : t->path,
                                             t->text, strlen(t->text), 0644);
  free(dir);
}

static void textfile_done(uv_work_t *req, int status) {
  struct textfile *t = container_of(req, struct textfile, req);
  struct daemon *d = t->d;

  if (status == 0 && t->rc != 0 && !d->metrics_warned) {
    d->metrics_warned = 1; /* once, not every interval */
    log_event(LOG_WARNING, "metrics_textfile_failed", "path=%s error=%s",
              log_quote((char[300]){0}, 300, t->path), strerror(-t->rc));
  } else if (status == 0 && t->rc == 0) {
    d->metrics_warned = 0;
  }
  free(t->path);
  free(t->text);
  free(t);
  d->metrics_busy = 0;
  if (d->metrics_want) /* asked for while this one was written */
    daemon_scan_request(d);
}

/* The textfile from scan sc, written on the thread pool. */
static void textfile_write(struct daemon *d, const struct scan *sc) {
  const char *path = d->gen->rt->conf->metrics_textfile;
  struct metrics_snapshot s;
  struct textfile *t;

  if (path == NULL)
    return;
  if ((t = calloc(1, sizeof *t)) == NULL || (t->path = strdup(path)) == NULL ||
      snapshot(d, sc, &s) != 0)
    goto fail;
  if (metrics_text(&s, &t->text) != 0) {
    free(s.feeds);
    goto fail;
  }
  free(s.feeds);
  t->d = d;
  if (uv_queue_work(&d->loop, &t->req, textfile_work, textfile_done) != 0)
    goto fail;
  d->metrics_busy = 1;
  return;
fail:
  if (t != NULL) {
    free(t->path);
    free(t->text);
  }
  free(t);
  log_event(LOG_WARNING, "metrics_textfile_failed", "reason=\"no memory\"");
}

static void on_metrics_timer(uv_timer_t *tm) {
  struct daemon *d = container_of(tm, struct daemon, metrics_timer);

  d->metrics_want = 1; /* written once the scan is in */
  daemon_scan_request(d);
}

void daemon_status_scanned(struct daemon *d, struct scan *sc) {
  struct answering a = {.d = d, .sc = sc};

  if (sc->read_late && sc->late == NULL)
    log_event(LOG_DEBUG, "status_late_unknown", "error=%s",
              log_quote((char[300]){0}, 300, sc->late_error));
  if (sc->late != NULL && sc->gen == d->gen) {
    free(d->late);
    free(d->late_periods);
    d->late = sc->late;
    d->late_periods = sc->periods;
    sc->late = NULL; /* d's now */
    sc->periods = NULL;
    d->late_for = sc->gen;
  }
  if (d->metrics_want && !d->metrics_busy) {
    d->metrics_want = 0;
    textfile_write(d, sc);
  }
  if (d->status != NULL)
    status_answer(d->status, sc->before, answer, &a);
}

static int unavailable(void *arg, enum status_request req, char **text) {
  (void)arg;
  (void)req;
  (void)text;
  return -EAGAIN;
}

void daemon_status_unavailable(struct daemon *d) {
  if (d->status != NULL)
    status_answer(d->status, UINT64_MAX, unavailable, NULL);
}

static void want(void *arg) { daemon_scan_request(arg); }

void daemon_status_reloaded(struct daemon *d) {
  uint64_t every = d->gen->rt->conf->metrics_interval_ms;

  /* feeds and due days may have changed; and late[] is per feed of the
   * old configuration, whose generation may soon be freed */
  d->late_gen = NULL;
  free(d->late);
  free(d->late_periods);
  d->late = NULL;
  d->late_periods = NULL;
  d->late_for = NULL;
  if (d->gen->rt->conf->metrics_textfile == NULL) {
    (void)uv_timer_stop(&d->metrics_timer);
    return;
  }
  if (uv_timer_start(&d->metrics_timer, on_metrics_timer, 0, every) != 0)
    log_event(LOG_WARNING, "metrics_timer_failed", NULL);
}

void daemon_status_settled(struct daemon *d, const char *feed,
                           const struct ingest_result *res) {
  if (counters_add(&d->counters, feed, res, store_now_ms()) != 0)
    log_event(LOG_WARNING, "status_count_failed", "reason=\"no memory\"");
  if (res->outcome == INGEST_STORED)
    d->late_gen = NULL; /* read again: this file may be the late return */
  if (d->gen->rt->conf->metrics_textfile != NULL &&
      uv_timer_get_due_in(&d->metrics_timer) > METRICS_SOON_MS &&
      uv_timer_start(&d->metrics_timer, on_metrics_timer, METRICS_SOON_MS,
                     d->gen->rt->conf->metrics_interval_ms) != 0)
    log_event(LOG_WARNING, "metrics_timer_failed", NULL);
}

int daemon_status_start(struct daemon *d) {
  const char *path = d->gen->rt->conf->status_socket;
  struct dahub_error e = {0};
  int rc;

  d->started_ms = store_now_ms();
  if ((rc = uv_timer_init(&d->loop, &d->metrics_timer)) != 0)
    return rc;
  d->status_on = 1;
  daemon_status_reloaded(d);
  /* the daemon's work goes on without it: an error, not a stop */
  if (status_start(&d->loop, path, want, d, &d->status, &e) != 0)
    log_event(LOG_ERR, "status_socket_failed", "detail=%s",
              log_quote((char[600]){0}, 600, e.msg));
  else
    log_event(LOG_INFO, "status_socket", "path=%s",
              log_quote((char[600]){0}, 600, path));
  return 0;
}

void daemon_status_stop(struct daemon *d) {
  daemon_scan_stop(d);
  status_stop(d->status);
  d->status = NULL;
  if (d->status_on)
    uv_close((uv_handle_t *)&d->metrics_timer, NULL);
  d->status_on = 0;
}

void daemon_status_close(struct daemon *d) {
  counters_close(&d->counters);
  free(d->late);
  free(d->late_periods);
  d->late = NULL;
  d->late_periods = NULL;
}
