/*
 * completeness.c: which partners' returns are in for a summary's period,
 * late or not yet due (summary_int.h).
 *
 * A feed has reported when any of its ingests holds figures for a period
 * inside the summary's; one file is one ingest whatever periods it holds,
 * and a period delivered by more than one ingest was corrected. A feed that
 * has not is late once its due days after the period's end have passed,
 * unless it is not expected for a period this long.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"
#include "pull.h"
#include "summary_int.h"

/* A feed the hub fetches whose fetches have failed longer than its
 * stale_after: "stale": true, so the board knows its figures may be old. */
static int mark_stale(const struct build *b, const struct feed_conf *f,
                      json_t *o, struct dahub_error *err) {
  struct store_pull_state ps;
  int rc = store_pull_state(b->env->store, f->name, &ps, err);

  if (rc < 0)
    return rc;
  /* The report's clock is in whole seconds: whole seconds on both sides,
   * so a feed the daemon has already logged stale is stale here too. */
  if (rc == 0 &&
      pull_is_stale(f->pull, ps.failing_since_ms / 1000 * 1000,
                    b->env->now * 1000) &&
      json_object_set_new(o, "stale", json_true()) != 0)
    return dahub_error_set(err, -ENOMEM, 0, 0, "summary: out of memory");
  return 0;
}

int summary_within(const struct dahub_period *in, const char *period,
                   struct dahub_period *p) {
  return dahub_period_parse(period, p) == 0 && p->fy == in->fy &&
         (dahub_period_months(p) & dahub_period_months(in)) != 0;
}

struct delivery {
  const struct build *b;
  /* feed name -> {"ids": [ingest ids], "per_period": {period: count},
   * "last_received": stored_at}; folded by delivery_fold() */
  json_t *feeds;
};

static int on_delivery(void *arg, const char *feed, const char *period,
                       int64_t ingest, const char *stored) {
  struct delivery *d = arg;
  struct dahub_period p;
  json_t *f, *ids, *per, *v;
  size_t i;
  int seen = 0;

  if (!summary_within(&d->b->period, period, &p))
    return 0;
  f = json_object_get(d->feeds, feed);
  if (f == NULL) {
    f = json_pack("{s:[], s:{}, s:s}", "ids", "per_period", "last_received",
                  "");
    if (f == NULL || json_object_set_new(d->feeds, feed, f) != 0)
      return -ENOMEM;
  }
  ids = json_object_get(f, "ids");
  json_array_foreach(ids, i, v) seen |= json_integer_value(v) == ingest;
  if (!seen && json_array_append_new(ids, json_integer(ingest)) != 0)
    return -ENOMEM;
  per = json_object_get(f, "per_period");
  if (json_object_set_new(
          per, period,
          json_integer(json_integer_value(json_object_get(per, period)) + 1)) !=
      0)
    return -ENOMEM;
  if (stored != NULL &&
      strcmp(stored, json_string_value(json_object_get(f, "last_received"))) >
          0 &&
      json_object_set_new(f, "last_received", json_string(stored)) != 0)
    return -ENOMEM;
  return 0;
}

/* One file is one ingest whatever periods it holds; a period delivered by
 * more than one ingest was corrected (the later ones superseded it). */
static int delivery_fold(json_t *f) {
  json_int_t most = 0;
  const char *k;
  json_t *v;

  json_object_foreach(json_object_get(f, "per_period"), k, v) {
    if (json_integer_value(v) > most)
      most = json_integer_value(v);
  }
  if (json_object_set_new(f, "ingests",
                          json_integer((json_int_t)json_array_size(
                              json_object_get(f, "ids")))) != 0 ||
      json_object_set_new(f, "corrections",
                          json_integer(most > 0 ? most - 1 : 0)) != 0)
    return -ENOMEM;
  (void)json_object_del(f, "ids"); /* both there: made in on_delivery() */
  (void)json_object_del(f, "per_period");
  return 0;
}

/* The partner of each feed with current figures in the year: feed ->
 * source_id. */
static int on_source(void *arg, const struct store_row *r) {
  json_t *sources = arg;

  if (json_object_get(sources, r->feed) != NULL)
    return 0;
  return json_object_set_new(sources, r->feed, json_string(r->source_id)) == 0
             ? 0
             : -ENOMEM;
}

static int cmp_key(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A region's completeness (env->region): the region reads no board's
 * feeds.d, so it knows neither their feeds nor their due days. It lists
 * every board's feed ("<board>/<feed>") with current figures in the
 * period's financial year: "reported" when some lie within the period
 * (with its ingests, corrections and last file, as a board's), else
 * "not_reported". Whether that is late is its board's summary's to say. */
static int completeness_region(const struct build *b, const char *prefix,
                               struct delivery *d, json_t *list,
                               struct dahub_error *err) {
  json_t *sources = json_object(), *src;
  const char **names = NULL;
  const char *feed;
  size_t n = 0;
  int rc = -ENOMEM;

  if (sources == NULL ||
      (rc = store_each_current(b->env->store, prefix, on_source, sources,
                               err)) != 0)
    goto out;
  rc = -ENOMEM;
  json_object_foreach(d->feeds, feed, src) {
    if (json_object_get(sources, feed) == NULL &&
        json_object_set_new(sources, feed, json_string("")) != 0)
      goto out;
  }
  if ((names = calloc(json_object_size(sources) + 1, sizeof *names)) == NULL)
    goto out;
  json_object_foreach(sources, feed, src) names[n++] = feed;
  qsort(names, n, sizeof *names, cmp_key);
  for (size_t i = 0; i < n; i++) {
    json_t *got = json_object_get(d->feeds, names[i]);
    json_t *o = json_pack("{s:s, s:s, s:s}", "feed", names[i], "source_id",
                          json_string_value(json_object_get(sources, names[i])),
                          "status", got != NULL ? "reported" : "not_reported");

    if (o == NULL || (got != NULL && (delivery_fold(got) != 0 ||
                                      json_object_update(o, got) != 0))) {
      json_decref(o);
      goto out;
    }
    if (json_array_append_new(list, o) != 0)
      goto out;
  }
  rc = 0;
out:
  free(names);
  json_decref(sources);
  return rc;
}

int summary_completeness(const struct build *b, json_t **out,
                         struct dahub_error *err) {
  struct dahub_period fy = {.fy = b->period.fy, .kind = DAHUB_PERIOD_YEAR};
  struct delivery d = {.b = b, .feeds = json_object()};
  const struct config *conf = b->env->conf;
  char prefix[DAHUB_PERIOD_ID_MAX], start[11], end[11];
  int64_t end_t;
  json_t *list = json_array(), *o = NULL;
  int rc = -ENOMEM;

  *out = NULL;
  dahub_period_format(&fy, prefix);
  dahub_period_bounds(&b->period, start, end);
  if (list == NULL || d.feeds == NULL ||
      (rc = store_each_delivery(b->env->store, prefix, on_delivery, &d, err)) !=
          0)
    goto out;
  if (b->env->region) {
    if ((rc = completeness_region(b, prefix, &d, list, err)) != 0)
      goto out;
    *out = list;
    list = NULL;
    goto out;
  }
  if (dahub_date_parse_time(end, &end_t) != 0) {
    rc = dahub_error_set(err, -EINVAL, 0, 0, "summary: period end %s", end);
    goto out;
  }
  rc = -ENOMEM;
  end_t += 86400; /* the end date is inclusive */
  for (size_t i = 0; i < conf->n_feeds; i++) {
    const struct feed_conf *f = &conf->feeds[i];
    json_t *got = json_object_get(d.feeds, f->name);
    int months_long = __builtin_popcount(dahub_period_months(&b->period));
    const char *status;

    if (got != NULL) {
      status = "reported";
      if (delivery_fold(got) != 0)
        goto out;
    } else if (f->expect_months == 0 || f->expect_months > months_long)
      status = "not_expected";
    else if (b->env->now > end_t + (int64_t)f->due_days * 86400)
      status = "late";
    else
      status = "not_yet_due";
    o = json_pack("{s:s, s:s, s:s}", "feed", f->name, "source_id", f->source_id,
                  "status", status);
    if (o == NULL)
      goto out;
    if (got != NULL) {
      if (json_object_update(o, got) != 0)
        goto out;
    } else if (strcmp(status, "not_expected") != 0) {
      char due[DAHUB_DATE_ISO_MAX];
      int y, m, day;

      dahub_date_of_time(end_t + (int64_t)f->due_days * 86400 - 86400, &y, &m,
                         &day);
      dahub_date_format(y, m, day, due);
      if (json_object_set_new(o, "due", json_string(due)) != 0)
        goto out;
    }
    if (f->pull != NULL && (rc = mark_stale(b, f, o, err)) != 0)
      goto out;
    rc = json_array_append_new(list, o) != 0 ? -ENOMEM : 0;
    o = NULL; /* the list's now, or freed by the failed append */
    if (rc != 0)
      goto out;
  }
  *out = list;
  list = NULL;
  rc = 0;
out:
  json_decref(o);
  json_decref(list);
  json_decref(d.feeds);
  return rc;
}

struct feeds_seen {
  const struct config *conf;
  const struct dahub_period *q; /* per feed: the quarter it is judged on */
  int *seen;
};

static int on_feed_delivery(void *arg, const char *feed, const char *period,
                            int64_t ingest, const char *stored) {
  struct feeds_seen *fs = arg;
  struct dahub_period p;

  (void)ingest;
  (void)stored;
  for (size_t i = 0; i < fs->conf->n_feeds; i++)
    if (strcmp(fs->conf->feeds[i].name, feed) == 0 &&
        summary_within(&fs->q[i], period, &p))
      fs->seen[i] = 1;
  return 0;
}

/* The quarter feed f is judged on at now: the latest whose due days have
 * passed. Into q and id; its end (exclusive) into *end_t. */
static int judged_quarter(const struct feed_conf *f, int64_t now,
                          struct dahub_period *q, char id[16], int64_t *end_t,
                          struct dahub_error *err) {
  char start[11], end[11];

  if (dahub_period_quarter_before(now - (int64_t)f->due_days * 86400, id) !=
          0 ||
      dahub_period_parse(id, q) != 0)
    return dahub_error_set(err, -EINVAL, 0, 0, "late: period %s", id);
  dahub_period_bounds(q, start, end);
  if (dahub_date_parse_time(end, end_t) != 0)
    return dahub_error_set(err, -EINVAL, 0, 0, "late: period end %s", end);
  *end_t += 86400; /* the end date is inclusive */
  return 0;
}

int summary_late_feeds(struct store *st, const struct config *conf, int64_t now,
                       int *late, char (*periods)[16],
                       struct dahub_error *err) {
  struct dahub_period *q = calloc(conf->n_feeds + 1, sizeof *q);
  int64_t *end_t = calloc(conf->n_feeds + 1, sizeof *end_t);
  struct feeds_seen fs = {.conf = conf, .q = q, .seen = late};
  char prefix[DAHUB_PERIOD_ID_MAX];
  int rc = 0;

  memset(late, 0, conf->n_feeds * sizeof *late);
  if (q == NULL || end_t == NULL) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "late: out of memory");
    goto out;
  }
  for (size_t i = 0; rc == 0 && i < conf->n_feeds; i++)
    rc =
        judged_quarter(&conf->feeds[i], now, &q[i], periods[i], &end_t[i], err);
  /* one read of each financial year a judged quarter lies in (two at
   * most: due days are under a year); late[] holds "seen" until the loop
   * below turns it round */
  for (size_t i = 0; rc == 0 && i < conf->n_feeds; i++) {
    struct dahub_period fy = {.fy = q[i].fy, .kind = DAHUB_PERIOD_YEAR};
    size_t j;

    for (j = 0; j < i && q[j].fy != q[i].fy; j++)
      ;
    if (j < i) /* that year was read already */
      continue;
    dahub_period_format(&fy, prefix);
    rc = store_each_delivery(st, prefix, on_feed_delivery, &fs, err);
  }
  if (rc != 0)
    goto out;
  for (size_t i = 0; i < conf->n_feeds; i++) {
    const struct feed_conf *f = &conf->feeds[i];

    /* a quarter's summary expects only the feeds due at least quarterly */
    late[i] = !late[i] && f->expect_months != 0 && f->expect_months <= 3 &&
              now > end_t[i] + (int64_t)f->due_days * 86400;
  }
out:
  free(q);
  free(end_t);
  return rc;
}
