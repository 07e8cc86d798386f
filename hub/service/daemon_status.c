/*
 * daemon_status.c: what `dahub status` and the metrics see of the daemon.
 *
 * The loop keeps per-feed counters (counters.c), fed from job_done() on
 * the loop thread. A request on the status socket (status.c) gets a
 * snapshot made on the spot from those counters and quick reads: the
 * spool folders' entries, and through the loop's own store connection
 * (short busy timeout, as for deliveries) the outbox's counts by state and
 * pulled feeds' state. Which feeds are late needs a year's deliveries, a
 * longer read: it is kept for LATE_KEEP_MS, or until a file is stored or
 * the configuration reloaded. A busy store leaves those parts unknown
 * rather than making the loop wait.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "log.h"
#include "metrics.h"
#include "summary.h"

#define LATE_KEEP_MS 60000    /* late feeds are read again after a minute */
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

static void read_late(struct daemon *d, int64_t now_ms) {
  const struct config *conf = d->gen->rt->conf;
  struct dahub_error e = {0};
  int *late = calloc(conf->n_feeds + 1, sizeof *late);
  int rc;

  if (late == NULL)
    return;
  rc = summary_late_feeds(d->loop_store, conf, now_ms / 1000, late,
                          d->late_period, &e);
  if (rc != 0) {
    log_event(LOG_DEBUG, "status_late_unknown", "error=%s",
              log_quote((char[300]){0}, 300, e.msg));
    free(late);
    return;
  }
  free(d->late);
  d->late = late;
  d->late_gen = d->gen;
  d->late_ms = now_ms;
}

static void snapshot_feed(struct daemon *d, size_t i, int64_t now_ms,
                          struct metrics_feed *mf) {
  const struct ingest_feed *f = &d->gen->rt->feeds[i];
  const struct feed_counters *c = counters_find(&d->counters, f->conf->name);
  struct store_pull_state ps;
  struct dahub_error e = {0};

  if (c != NULL)
    mf->c = *c;
  else
    (void)snprintf(mf->c.feed, sizeof mf->c.feed, "%s", f->conf->name);
  mf->waiting = count_files(f->incoming) + count_files(f->work);
  if (d->late != NULL && d->late_gen == d->gen) {
    mf->late = d->late[i];
    memcpy(mf->period, d->late_period, sizeof mf->period);
  }
  if (f->conf->pull == NULL)
    return;
  mf->pull = 1;
  if (store_pull_state(d->loop_store, f->conf->name, &ps, &e) == 0) {
    mf->pull_ok_ms = ps.ok_ms;
    mf->pull_failing_since_ms = ps.failing_since_ms;
    mf->pull_failures = ps.failures;
    mf->stale = pull_is_stale(f->conf->pull, ps.failing_since_ms, now_ms);
  }
}

/* OUT: s->feeds, the caller frees. */
static int snapshot(struct daemon *d, struct metrics_snapshot *s) {
  const struct runtime *rt = d->gen->rt;
  struct dahub_error e = {0};

  memset(s, 0, sizeof *s);
  s->now_ms = store_now_ms();
  s->started_ms = d->started_ms;
  if ((s->feeds = calloc(rt->n_feeds + 1, sizeof *s->feeds)) == NULL)
    return -ENOMEM;
  s->n_feeds = rt->n_feeds;
  if (d->late == NULL || d->late_gen != d->gen ||
      s->now_ms - d->late_ms >= LATE_KEEP_MS)
    read_late(d, s->now_ms);
  for (size_t i = 0; i < rt->n_feeds; i++)
    snapshot_feed(d, i, s->now_ms, &s->feeds[i]);
  s->outbox_known = store_outbox_counts(d->loop_store, s->outbox, &e) == 0;
  return 0;
}

static int answer(void *arg, enum status_request req, char **text) {
  struct metrics_snapshot s;
  int rc;

  if ((rc = snapshot(arg, &s)) != 0)
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

void daemon_status_reloaded(struct daemon *d) {
  d->late_gen = NULL; /* feeds and due days may have changed */
}

void daemon_status_settled(struct daemon *d, const struct job *j) {
  if (counters_add(&d->counters, j->feed->conf->name, &j->res,
                   store_now_ms()) != 0)
    log_event(LOG_WARNING, "status_count_failed", "reason=\"no memory\"");
  if (j->res.outcome == INGEST_STORED)
    d->late_gen = NULL; /* read again: this file may be the late return */
}

int daemon_status_start(struct daemon *d) {
  const char *path = d->gen->rt->conf->status_socket;
  struct dahub_error e = {0};

  d->started_ms = store_now_ms();
  /* the daemon's work goes on without it: an error, not a stop */
  if (status_start(&d->loop, path, answer, d, &d->status, &e) != 0)
    log_event(LOG_ERR, "status_socket_failed", "detail=%s",
              log_quote((char[600]){0}, 600, e.msg));
  else
    log_event(LOG_INFO, "status_socket", "path=%s",
              log_quote((char[600]){0}, 600, path));
  return 0;
}

void daemon_status_stop(struct daemon *d) {
  status_stop(d->status);
  d->status = NULL;
}

void daemon_status_close(struct daemon *d) {
  counters_close(&d->counters);
  free(d->late);
  d->late = NULL;
}
