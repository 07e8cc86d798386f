/*
 * daemon_jobs.c: each claimed file as a job on libuv's thread pool.
 *
 * The spool hands a file over (claimed from incoming/, or found in work/
 * at start); its job runs ingest_run() on a worker, then settles on the
 * loop thread: counted, a summary and a sweep asked for when it was
 * stored, or for RETRY a timer set for a capped exponential backoff with
 * full jitter, the file staying in work/ meanwhile. A job holds a
 * reference to its generation, so a reload never pulls the configuration
 * from under a file that started with it.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "daemon_int.h"
#include "log.h"

static void job_queue(struct job *j);

static void job_closed(uv_handle_t *h) {
  struct job *j = container_of((uv_timer_t *)h, struct job, retry);

  free(j);
}

void daemon_job_free(struct job *j) {
  daemon_gen_put(j->gen);
  j->gen = NULL;
  j->prev->next = j->next;
  j->next->prev = j->prev;
  uv_close((uv_handle_t *)&j->retry, job_closed);
}

static void job_work(uv_work_t *req) {
  struct job *j = container_of(req, struct job, req);

  ingest_run(&j->gen->env, j->feed, j->name, j->recovered, &j->res);
}

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
      daemon_become_ready(d);
  }
  if (status == UV_ECANCELED || atomic_load(&d->stopping)) {
    if (status == UV_ECANCELED)
      log_event(LOG_NOTICE, "file_left_for_restart", "feed=%s file=%s",
                j->feed->conf->name, log_quote(q, sizeof q, j->name));
    daemon_job_free(j);
    return;
  }
  daemon_status_settled(d, j->feed->conf->name, &j->res);
  if ((j->res.outcome == INGEST_STORED || j->res.outcome == INGEST_DUPLICATE) &&
      retention_period(j->feed, RETENTION_DONE) == 0)
    daemon_retention_request(d,
                             RETENTION_QUICK); /* personal data: gone at once */
  switch (j->res.outcome) {
  case INGEST_STORED:
    d->stored++;
    daemon_board_soon(d, BOARD_SETTLE_MS); /* a late correction may change it */
    break;
  case INGEST_DUPLICATE:
    d->duplicates++;
    break;
  case INGEST_FAILED:
    d->failed++;
    /* its report may be on its way to the feed's contact (ingest.c) */
    if (j->feed->conf->contact != NULL)
      daemon_wire_kick(d);
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
  daemon_job_free(j);
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
  j->gen = daemon_gen_get(d->gen);
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

void daemon_on_claim(void *arg, struct ingest_feed *f, const char *name) {
  job_new(arg, f, name, 0);
}

void daemon_on_recover(void *arg, struct ingest_feed *f, const char *name) {
  job_new(arg, f, name, 1);
}

/* A link, pipe or device the spool moved into failed/: counted as a failed
 * file, as it is one for the data lead who dropped it. */
void daemon_on_refused(void *arg, struct ingest_feed *f) {
  struct ingest_result r;

  memset(&r, 0, sizeof r);
  r.outcome = INGEST_FAILED;
  daemon_status_settled(arg, f->conf->name, &r);
}
