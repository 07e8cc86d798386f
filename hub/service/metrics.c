/*
 * metrics.c: a snapshot of the daemon's state in words (metrics.h).
 *
 * The snapshot is made on the loop thread (daemon_status.c) and turned
 * into text here, with no I/O, so the formats can be tested alone. The
 * Prometheus names follow its conventions: counters end in _total, times
 * are seconds since 1970 in gauges, one label feed="..." per feed (feed
 * names are [a-z0-9_], escaped all the same) and state="..." per outbox
 * state.
 */
#include "metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* ISO 8601 UTC of ms since 1970, or JSON null for 0 (never). */
static json_t *json_time(int64_t ms) {
  char buf[32];
  time_t t = (time_t)(ms / 1000);
  struct tm tm;

  if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
    return json_null();
  (void)strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *feed_json(const struct metrics_feed *f) {
  const char *last = counters_result_name(f->c.last);
  json_t *o = json_pack(
      "{s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:b, s:s}",
      "feed", f->c.feed, "last_result", last ? json_string(last) : json_null(),
      "last_at", json_time(f->c.last_ms), "last_success",
      json_time(f->c.last_ok_ms), "stored", (json_int_t)f->c.stored,
      "duplicate", (json_int_t)f->c.duplicate, "failed",
      (json_int_t)f->c.failed, "store_retries", (json_int_t)f->c.retries,
      "observations", (json_int_t)f->c.observations, "ingest_seconds",
      f->c.ingest_seconds, "waiting", (json_int_t)f->waiting, "late", f->late,
      "period", f->period);

  if (o != NULL && f->pull &&
      json_object_set_new(
          o, "pull",
          json_pack("{s:o, s:o, s:i, s:b}", "last_ok", json_time(f->pull_ok_ms),
                    "failing_since", json_time(f->pull_failing_since_ms),
                    "failures", f->pull_failures, "stale", f->stale)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int metrics_json(const struct metrics_snapshot *s, char **out) {
  json_t *doc =
      json_pack("{s:s, s:o, s:o, s:s, s:[]}", "schema", "dahub.status/1", "now",
                json_time(s->now_ms), "started", json_time(s->started_ms),
                "role", s->active ? "active" : "standby", "feeds");
  json_t *feeds = doc ? json_object_get(doc, "feeds") : NULL;
  json_t *ob = NULL;
  int rc = -ENOMEM;

  *out = NULL;
  if (feeds == NULL)
    goto out;
  for (size_t i = 0; i < s->n_feeds; i++)
    if (json_array_append_new(feeds, feed_json(&s->feeds[i])) != 0)
      goto out;
  if (s->outbox_known) {
    if ((ob = json_object()) == NULL)
      goto out;
    for (int st = 0; st < OUTBOX_NSTATES; st++)
      if (json_object_set_new(ob, store_outbox_state_name(st),
                              json_integer((json_int_t)s->outbox[st])) != 0)
        goto out;
  }
  if (json_object_set_new(doc, "outbox", ob ? ob : json_null()) != 0) {
    ob = NULL; /* freed by the failed set */
    goto out;
  }
  ob = NULL;
  if ((*out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
    rc = 0;
out:
  json_decref(ob);
  json_decref(doc);
  return rc;
}

/* A growing text; a failed append sets failed and keeps what it had. */
struct text {
  char *buf;
  size_t len, cap;
  int failed;
};

static void add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...) {
  va_list ap;

  for (;;) {
    if (t->failed)
      return;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf ? t->buf + t->len : NULL,
                      t->buf ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      t->failed = 1;
      return;
    }
    if (t->buf != NULL && (size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap < t->len + (size_t)n + 1)
      cap *= 2;
    char *b = realloc(t->buf, cap);
    if (b == NULL) {
      t->failed = 1;
      return;
    }
    t->buf = b;
    t->cap = cap;
  }
}

/* A label value as the exposition format wants it: \\, \" and \n. */
static const char *label(char *buf, size_t size, const char *s) {
  size_t o = 0;

  for (; *s != '\0' && o + 3 < size; s++) {
    if (*s == '\\' || *s == '"' || *s == '\n')
      buf[o++] = '\\';
    buf[o++] = *s == '\n' ? 'n' : *s;
  }
  buf[o] = '\0';
  return buf;
}

/* How a per-feed field is read and written. */
enum field { ULONG, U64, SECONDS, FLAG, TIME };

/* One per-feed metric: its HELP and TYPE, then one line per feed with the
 * field at offset in struct metrics_feed. */
static void per_feed(struct text *t, const struct metrics_snapshot *s,
                     const char *name, const char *type, const char *help,
                     enum field k, size_t offset) {
  char l[2 * CONFIG_NAME_MAX + 4];

  add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  for (size_t i = 0; i < s->n_feeds; i++) {
    const struct metrics_feed *f = &s->feeds[i];
    const void *p = (const char *)f + offset;

    add(t, "%s{feed=\"%s\"} ", name, label(l, sizeof l, f->c.feed));
    switch (k) {
    case ULONG:
      add(t, "%lu\n", *(const unsigned long *)p);
      break;
    case U64:
      add(t, "%llu\n", (unsigned long long)*(const uint64_t *)p);
      break;
    case SECONDS:
      add(t, "%.3f\n", *(const double *)p);
      break;
    case FLAG:
      add(t, "%d\n", *(const int *)p);
      break;
    case TIME:
      add(t, "%.3f\n", (double)*(const int64_t *)p / 1000.0);
      break;
    }
  }
}

#define AT(field) offsetof(struct metrics_feed, field)

static const struct feed_metric {
  const char *name, *type, *help;
  enum field field;
  size_t offset;
} feed_metrics[] = {
    {"dahub_files_stored_total", "counter", "Files stored since start.", ULONG,
     AT(c.stored)},
    {"dahub_files_duplicate_total", "counter",
     "Files already stored, not counted again, since start.", ULONG,
     AT(c.duplicate)},
    {"dahub_files_failed_total", "counter",
     "Files refused (moved to failed/) since start.", ULONG, AT(c.failed)},
    {"dahub_observations_stored_total", "counter",
     "Observations of the files stored since start.", U64, AT(c.observations)},
    {"dahub_ingest_seconds_total", "counter",
     "Time spent ingesting files since start.", SECONDS, AT(c.ingest_seconds)},
    {"dahub_store_retries_total", "counter",
     "Ingests put off by a busy or failing store since start.", ULONG,
     AT(c.retries)},
    {"dahub_files_waiting", "gauge", "Files in incoming/ and work/.", ULONG,
     AT(waiting)},
    {"dahub_feed_late", "gauge",
     "1 when the return for the latest quarter past its due days is missing.",
     FLAG, AT(late)},
    {"dahub_feed_stale", "gauge",
     "1 when a pulled feed has failed longer than its stale_after.", FLAG,
     AT(stale)},
    {"dahub_last_success_timestamp_seconds", "gauge",
     "When a file of the feed was last stored or recognised, 0: not since "
     "start.",
     TIME, AT(c.last_ok_ms)},
};

int metrics_text(const struct metrics_snapshot *s, char **out) {
  struct text t = {0};

  *out = NULL;
  for (size_t i = 0; i < sizeof feed_metrics / sizeof *feed_metrics; i++) {
    const struct feed_metric *m = &feed_metrics[i];

    per_feed(&t, s, m->name, m->type, m->help, m->field, m->offset);
  }
  if (s->outbox_known) {
    add(&t, "# HELP dahub_deliveries Deliveries in the outbox by state.\n"
            "# TYPE dahub_deliveries gauge\n");
    for (int st = 0; st < OUTBOX_NSTATES; st++)
      add(&t, "dahub_deliveries{state=\"%s\"} %lu\n",
          store_outbox_state_name(st), s->outbox[st]);
  }
  add(&t,
      "# HELP dahub_active 1 when this hub is its board's active one (it "
      "runs the meeting calendar, the deliveries and the pulls), 0 when a "
      "standby.\n"
      "# TYPE dahub_active gauge\n"
      "dahub_active %d\n",
      s->active ? 1 : 0);
  add(&t,
      "# HELP dahub_start_time_seconds When the daemon started.\n"
      "# TYPE dahub_start_time_seconds gauge\n"
      "dahub_start_time_seconds %.3f\n",
      (double)s->started_ms / 1000.0);
  if (t.failed) {
    free(t.buf);
    return -ENOMEM;
  }
  *out = t.buf;
  return 0;
}
