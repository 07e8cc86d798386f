/*
 * counters.c: per-feed counts of settled ingests (counters.h).
 *
 * Ingests run on worker threads, but their results are counted here only
 * from job_done() on the loop thread, so nothing needs a lock. A feed is
 * found by its name: a reload makes new feed structs, and an operator
 * expects the counts since start to go on across it. No file name is kept:
 * names may carry personal data, only times and outcomes.
 */
#include "counters.h"
#include "array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void counters_close(struct counters *c) {
  free(c->v);
  memset(c, 0, sizeof *c);
}

const struct feed_counters *counters_find(const struct counters *c,
                                          const char *feed) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->v[i].feed, feed) == 0)
      return &c->v[i];
  return NULL;
}

static struct feed_counters *counters_get(struct counters *c,
                                          const char *feed) {
  struct feed_counters *f = (struct feed_counters *)counters_find(c, feed);
  size_t len = strlen(feed);

  if (f != NULL)
    return f;
  if (len >= sizeof f->feed)
    return NULL;
  if (c->n == c->cap && array_grow(&c->v, &c->cap, sizeof *c->v, 16) != 0)
    return NULL;
  f = &c->v[c->n++];
  memset(f, 0, sizeof *f);
  memcpy(f->feed, feed, len + 1);
  return f;
}

int counters_add(struct counters *c, const char *feed,
                 const struct ingest_result *r, int64_t now_ms) {
  struct feed_counters *f = counters_get(c, feed);

  if (f == NULL)
    return -ENOMEM;
  f->ingest_seconds += r->ms / 1000.0;
  f->last_ms = now_ms;
  switch (r->outcome) {
  case INGEST_STORED:
    f->stored++;
    f->observations += r->observations;
    f->last = COUNTERS_STORED;
    f->last_ok_ms = now_ms;
    break;
  case INGEST_DUPLICATE:
    f->duplicate++;
    f->last = COUNTERS_DUPLICATE;
    f->last_ok_ms = now_ms;
    break;
  case INGEST_FAILED:
    f->failed++;
    f->last = COUNTERS_FAILED;
    break;
  case INGEST_RETRY:
    f->retries++;
    f->last = COUNTERS_RETRY;
    break;
  }
  return 0;
}

const char *counters_result_name(enum counters_result r) {
  static const char *const names[] = {NULL, "stored", "duplicate", "failed",
                                      "retry"};

  return (unsigned)r < sizeof names / sizeof *names ? names[r] : NULL;
}
