/*
 * pull.c: scheduled HTTPS fetches of partners' returns (pull.h): when each
 * feed is fetched, and what a fetch's outcome means.
 *
 * One timer per pulled feed (the fetch itself is pull_fetch.c). A body
 * the feed already holds, or a 304, stores nothing; a new one goes into
 * incoming/. A failed fetch is tried again sooner than the next regular
 * one, with growing delays; a feed failing longer than its stale_after is
 * logged stale (and shows so in completeness).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "pull_int.h"

#define RETRY_BASE_MS 5000   /* the first retry of a failed fetch */
#define START_SPREAD_MS 5000 /* overdue feeds at start: within this */

static int64_t now_ms(void) { return store_now_ms(); }

static uint64_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603u; /* FNV-1a: stable across runs */

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

int64_t pull_next_ms(const struct pull_conf *c, const char *feed,
                     int64_t now_ms) {
  if (c->daily_minute >= 0) {
    /* Local time on purpose, the one place the hub reads it: an officer's
     * "daily": "02:00" means 02:00 on the wall clock where the server is,
     * winter and summer alike, so the next such minute comes from
     * localtime_r() and mktime(), which follow the clock changes (a fixed
     * UTC hour would pull at 03:00 all summer). This only decides when to
     * fetch. Every period and date a figure is reckoned by is UTC, worked
     * out in hub/lib/date.c and period.c, and never by these calls. */
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    time_t at;

    (void)localtime_r(&t, &tm);
    tm.tm_hour = c->daily_minute / 60;
    tm.tm_min = c->daily_minute % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    if ((at = mktime(&tm)) <= t) {
      tm.tm_mday++; /* mktime normalises the day and the clock change */
      tm.tm_isdst = -1;
      at = mktime(&tm);
    }
    return (int64_t)at * 1000;
  }
  {
    int64_t every = (int64_t)c->every_s * 1000;
    int64_t phase = (int64_t)(name_hash(feed) % (uint64_t)every);
    int64_t k = (now_ms - phase) / every;

    return phase + (k + 1) * every;
  }
}

int pull_is_stale(const struct pull_conf *c, int64_t failing_since_ms,
                  int64_t now_ms) {
  return failing_since_ms > 0 &&
         now_ms - failing_since_ms >= (int64_t)c->stale_after_s * 1000;
}

static void on_timer(uv_timer_t *t);

static void arm(struct pull_feed *f, int64_t at_ms) {
  int64_t wait = at_ms - now_ms();

  if (!f->p->closing && !f->removed)
    (void)uv_timer_start(&f->timer, on_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

static void failed(struct fetch *x, const char *why) {
  struct pull_feed *f = x->f;
  struct store_pull_state ps;
  struct dahub_error err = {0};
  int64_t now = now_ms(), retry;
  char quoted[CURL_ERROR_SIZE * 2 + 64];
  uint64_t r = 0;

  f->failures++;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
    r = (uint64_t)now;
  /* Later each time, from a small share of the interval up to the whole
   * of it: equal jitter, so the waits grow while feeds stay spread. */
  {
    uint64_t every = f->conf->every_s * 1000,
             base = every / 8 < RETRY_BASE_MS ? every / 8 : RETRY_BASE_MS,
             ceiling = base ? base : 1;

    for (unsigned i = 1; i < f->failures && ceiling < every; i++)
      ceiling *= 2;
    if (ceiling > every)
      ceiling = every;
    retry = now + (int64_t)(ceiling / 2 + r % (ceiling / 2 + 1));
  }
  log_event(LOG_WARNING, "pull_failed",
            "feed=%s url=%s reason=%s failures=%u next_in_ms=%" PRId64, f->name,
            x->url, log_quote(quoted, sizeof quoted, why), f->failures,
            retry - now);
  if (store_pull_failed(f->p->st, f->name, now, why, &err) != 0)
    log_event(LOG_ERR, "pull_record_failed", "feed=%s error=%s", f->name,
              err.msg);
  else if (store_pull_state(f->p->st, f->name, &ps, &err) == 0 &&
           pull_is_stale(f->conf, ps.failing_since_ms, now) &&
           !f->stale_logged) {
    f->stale_logged = 1;
    log_event(LOG_WARNING, "pull_stale",
              "feed=%s failing_for_s=%" PRId64 " stale_after_s=%" PRIu64,
              f->name, (now - ps.failing_since_ms) / 1000,
              f->conf->stale_after_s);
  }
  arm(f, retry);
}

static void worked(struct fetch *x, long status) {
  struct pull_feed *f = x->f;
  struct dahub_error err = {0};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  char sha[65], name[NAME_MAX + 1] = "";
  struct store_match m;
  int64_t now = now_ms();
  int rc = 0;

  if (status == 200) {
    if (fsync(x->fd) != 0 || EVP_DigestFinal_ex(x->sha, md, &len) != 1) {
      failed(x, "cannot write the body to the spool");
      return;
    }
    for (unsigned i = 0; i < len && i < 32; i++)
      (void)snprintf(sha + 2 * i, 3, "%02x", md[i]);
    if (strcmp(sha, f->last_sha) == 0)
      rc = 1;
    else if ((rc = store_find_hash(f->p->st, f->name, sha, &m, &err)) < 0) {
      failed(x, "the store is unavailable");
      return;
    }
    if (rc == 0 && pull_fetch_hand_over(x, sha, name, sizeof name) != 0) {
      failed(x, "cannot move the body into incoming/");
      return;
    }
    if (rc == 0)
      (void)snprintf(f->last_sha, sizeof f->last_sha, "%s", sha);
  }
  f->failures = 0;
  f->stale_logged = 0;
  if (store_pull_ok(f->p->st, f->name, status == 200 ? x->etag : NULL,
                    status == 200 ? x->last_modified : NULL, now, &err) != 0)
    log_event(LOG_ERR, "pull_record_failed", "feed=%s error=%s", f->name,
              err.msg);
  if (name[0] != '\0')
    log_event(LOG_INFO, "pull_stored",
              "feed=%s url=%s status=%ld bytes=%" PRIu64 " ms=%" PRId64
              " file=%s",
              f->name, x->url, status, x->bytes, now - x->started_ms, name);
  else
    log_event(LOG_INFO, "pull_unchanged",
              "feed=%s url=%s status=%ld bytes=%" PRIu64 " ms=%" PRId64
              " reason=%s",
              f->name, x->url, status, x->bytes, now - x->started_ms,
              status == 304 ? "not_modified" : "same_sha256");
  arm(f, pull_next_ms(f->conf, f->name, now));
}

static void feed_closed(uv_handle_t *h) { free(h->data); }

static void on_done(CURL *easy, CURLcode result, void *arg) {
  struct fetch *x = arg;
  struct pull_feed *f = x->f;
  long status = 0;
  char why[CURL_ERROR_SIZE + 64];

  f->running = NULL;
  (void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  if (f->p->closing || f->removed) {
    /* stopping, or the feed left the configuration: nothing is kept */
  } else if (x->too_big) {
    (void)snprintf(why, sizeof why, "body_over_max_bytes(%" PRIu64 ")",
                   x->max_bytes);
    failed(x, why);
  } else if (result == CURLE_FILESIZE_EXCEEDED) {
    (void)snprintf(why, sizeof why, "body_over_max_bytes(%" PRIu64 ")",
                   x->max_bytes);
    failed(x, why);
  } else if (x->write_failed) {
    (void)snprintf(why, sizeof why, "spool_write(%s)",
                   strerror(x->write_failed));
    failed(x, why);
  } else if (result != CURLE_OK) {
    (void)snprintf(why, sizeof why, "%s",
                   x->error[0] ? x->error : curl_easy_strerror(result));
    failed(x, why);
  } else if (status == 200 && !x->framed) {
    /* ended by the connection closing: a cut would pass for the end */
    failed(x, "the server sent no length for the body");
  } else if (status != 200 && status != 304) {
    (void)snprintf(why, sizeof why, "status_%ld", status);
    failed(x, why);
  } else {
    worked(x, status);
  }
  pull_fetch_free(x);
  if (f->removed)
    uv_close((uv_handle_t *)&f->timer, feed_closed);
}

static void on_timer(uv_timer_t *t) {
  struct pull_feed *f = t->data;
  char why[300] = "";

  if (f->running != NULL || f->p->closing || f->removed)
    return;
  if (pull_fetch_start(f, on_done, why, sizeof why) != 0) {
    struct fetch x = {.f = f, .fd = -1};

    policy_url_for_log(f->conf->url, x.url, sizeof x.url);
    failed(&x, why);
  }
}

/* The first fetch: soon when the last good one is older than an interval
 * (or there is none), else at the next regular time. */
static void first(struct pull_feed *f) {
  struct store_pull_state ps;
  struct dahub_error err = {0};
  int64_t now = now_ms();

  if (store_pull_state(f->p->st, f->name, &ps, &err) != 0 ||
      now - ps.ok_ms > (int64_t)f->conf->every_s * 1000)
    arm(f, now + (int64_t)(name_hash(f->name) % START_SPREAD_MS));
  else
    arm(f, pull_next_ms(f->conf, f->name, now));
}

void pulls_configure(struct pulls *p, const struct ingest_feed *feeds,
                     size_t n) {
  struct pull_feed **pp = &p->feeds;

  for (struct pull_feed *f = p->feeds; f != NULL; f = f->next)
    f->removed = 1;
  for (size_t i = 0; i < n; i++) {
    const struct feed_conf *c = feeds[i].conf;
    struct pull_feed *f;
    int fresh;

    if (c->pull == NULL)
      continue;
    for (f = p->feeds; f != NULL; f = f->next)
      if (f->removed && strcmp(f->name, c->name) == 0)
        break;
    if ((fresh = f == NULL)) {
      if ((f = calloc(1, sizeof *f)) == NULL ||
          uv_timer_init(p->loop, &f->timer) != 0) {
        free(f);
        log_event(LOG_ERR, "pull_failed", "feed=%s reason=out_of_memory",
                  c->name);
        continue;
      }
      f->p = p;
      f->timer.data = f;
      (void)snprintf(f->name, sizeof f->name, "%s", c->name);
      f->next = p->feeds;
      p->feeds = f;
    }
    f->removed = 0;
    f->conf = c->pull;
    (void)snprintf(f->incoming, sizeof f->incoming, "%s", feeds[i].incoming);
    /* a feed already scheduled keeps its timer and its backoff */
    if (fresh)
      first(f);
  }
  /* feeds no longer pulled: closed now, or when their fetch ends */
  while (*pp != NULL) {
    struct pull_feed *f = *pp;

    if (!f->removed) {
      pp = &f->next;
      continue;
    }
    *pp = f->next;
    (void)uv_timer_stop(&f->timer);
    if (f->running == NULL)
      uv_close((uv_handle_t *)&f->timer, feed_closed);
  }
}

int pulls_new(uv_loop_t *loop, struct store *st, struct pulls **out) {
  struct pulls *p;
  int rc;

  *out = NULL;
  if ((p = calloc(1, sizeof *p)) == NULL)
    return -ENOMEM;
  p->loop = loop;
  p->st = st;
  if ((rc = transfers_new(loop, &p->xfers)) != 0) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void pulls_close(struct pulls *p) {
  if (p == NULL)
    return;
  p->closing = 1;
  for (struct pull_feed *f = p->feeds; f != NULL; f = f->next)
    f->removed = 1;
  transfers_close(p->xfers); /* each running fetch ends in on_done */
  while (p->feeds != NULL) {
    struct pull_feed *f = p->feeds;

    p->feeds = f->next;
    if (!uv_is_closing((uv_handle_t *)&f->timer))
      uv_close((uv_handle_t *)&f->timer, feed_closed);
  }
  free(p);
}
