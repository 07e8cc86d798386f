/*
 * test_summary.c: the board summary, from a real store to the document.
 *
 * Each test writes hub.json and feeds.d/ into its own mkdtemp folder, loads
 * them with config_load() and the vocabulary from
 * $DAHUB_SOURCE_DIR/conf/vocabulary.json, fills a real SQLite store through
 * the ingest API with synthetic observations, calls summary_build() and
 * reads the JSON document as a sink would.
 *
 * Disclosure is judged by the test's own attacker (struct attack), not by
 * disclosure_recoverable(): it reads only the published figures of the
 * document, writes down the additive relations a reader of a board paper
 * knows (districts add up to the county, areas to the partnership, partners
 * to all partners, a breakdown to its total) and solves any relation with
 * one unknown, again and again. A property test runs it over 200 random
 * stores from a fixed seed.
 *
 * All figures are synthetic.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include <jansson.h>

#include "config.h"
#include "errlist.h"
#include "store.h"
#include "summary.h"
#include "vocab.h"

#ifndef DAHUB_SOURCE_DIR_DEFAULT
#define DAHUB_SOURCE_DIR_DEFAULT "."
#endif

#define COUNTY "E10000018"
#define BLABY "E07000129"
#define CHARNWOOD "E07000130"
#define HARBOROUGH "E07000131"
#define MELTON "E07000133"
#define RUTLAND "E06000017"
#define UNKNOWN_AREA "X_UNKNOWN"
#define NODIMS "{}"
#define CONFIDENTIAL CONFIG_DEFAULT_MARKER /* every hidden cell's marker */
#define FEMALE "{\"gender\":\"female\"}"
#define MALE "{\"gender\":\"male\"}"

static const char *const districts[] = {
    "E07000129", "E07000130", "E07000131", "E07000132",
    "E07000133", "E07000134", "E07000135",
};
#define N_DISTRICTS (sizeof districts / sizeof *districts)

/* The default summary section: threshold 5, Rutland 10. */
#define SUMMARY_DEFAULT                                                        \
  "{\"threshold\": 5, \"area_thresholds\": {\"E06000017\": 10},"               \
  " \"suppress_zeros\": true}"

/* ---- Fixture ---- */

struct fx {
  char dir[64];
  struct config *conf;
  struct vocab *vocab;
  struct store *st;
  int files;   /* ingests so far: makes each file's hash unique */
  int64_t now; /* the summary's "now" */
  json_t *doc; /* the last summary, freed by the next or teardown */
  char *text;  /* doc dumped compact */
};

static int64_t at(const char *iso) {
  int64_t t;

  if (config_parse_time(iso, &t) != 0)
    fail_msg("bad time in the test: %s", iso);
  return t;
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");

  assert_non_null(fp);
  assert_int_equal(fputs(text, fp) >= 0, 1);
  assert_int_equal(fclose(fp), 0);
}

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  char path[512];
  struct dahub_error err = {0};

  if (f == NULL)
    return -1;
  *state = f; /* also when a step below fails */
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-summary-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(path, sizeof path, "%s/feeds.d", f->dir);
  if (mkdir(path, 0700) != 0)
    return -1;
  (void)snprintf(path, sizeof path, "%s/dahub.sqlite", f->dir);
  if (store_open(path, &f->st, &err) != 0) {
    print_message("store: %s\n", err.msg);
    return -1;
  }
  if (fixture_load_vocab(&f->vocab) != 0)
    return -1;
  f->now = at("2026-01-15T12:00:00Z");
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;

  json_decref(f->doc);
  free(f->text);
  store_close(f->st);
  vocab_free(f->vocab);
  config_free(f->conf);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* A feeds.d entry. expect: "quarterly", "annual", ... or NULL (default). */
struct feed_def {
  const char *name, *source, *expect;
  int due_days; /* -1: default */
};

/* Writes hub.json with summary (a JSON object text) and feeds.d/, then
 * loads them. */
static void fx_config(struct fx *f, const char *summary,
                      const struct feed_def *feeds, size_t n_feeds) {
  char path[512], text[4096];
  struct errlist errs = {0};

  (void)snprintf(text, sizeof text,
                 "{\n  \"spool_dir\": \"spool\",\n  \"state_dir\": "
                 "\"state\",\n  \"vocabulary\": \"%s/conf/vocabulary.json\",\n"
                 "  \"summary\": %s\n}\n",
                 fixture_source_dir(), summary);
  (void)snprintf(path, sizeof path, "%s/hub.json", f->dir);
  write_file(path, text);
  for (size_t i = 0; i < n_feeds; i++) {
    char extra[128] = "";
    int w = 0;

    if (feeds[i].expect != NULL)
      w = snprintf(extra, sizeof extra, ", \"expect\": \"%s\"",
                   feeds[i].expect);
    if (feeds[i].due_days >= 0)
      (void)snprintf(extra + w, sizeof extra - (size_t)w, ", \"due_days\": %d",
                     feeds[i].due_days);
    (void)snprintf(text, sizeof text,
                   "{\"name\": \"%s\", \"source_id\": \"%s\", \"plugin\": "
                   "\"mapped\"%s}\n",
                   feeds[i].name, feeds[i].source, extra);
    (void)snprintf(path, sizeof path, "%s/feeds.d/%s.json", f->dir,
                   feeds[i].name);
    write_file(path, text);
  }
  config_free(f->conf);
  f->conf = NULL;
  (void)snprintf(path, sizeof path, "%s/hub.json", f->dir);
  if (config_load(path, "/nonexistent-plugins", &f->conf, &errs) != 0) {
    errlist_each(&errs, fixture_print_error, NULL);
    errlist_clear(&errs);
    fail_msg("the test's config does not load");
  }
  errlist_clear(&errs);
}

/* The usual partners: p1, p2, p3, each a quarterly feed of its own name. */
static const struct feed_def three_partners[] = {
    {"p1", "p1", NULL, -1},
    {"p2", "p2", NULL, -1},
    {"p3", "p3", NULL, -1},
};

static void fx_default(struct fx *f) {
  fx_config(f, SUMMARY_DEFAULT, three_partners, 3);
}

/* One observation: ACTUAL unless status says otherwise. */
struct ob {
  const char *area, *period, *measure, *dims;
  int64_t value;
  enum dahub_status status;
  int scale;
};

static const char *unit_of(struct fx *f, const char *measure) {
  const struct vocab_measure *m = vocab_measure(f->vocab, measure);

  if (m == NULL)
    fail_msg("measure %s is not in the vocabulary", measure);
  return vocab_unit_name(m->unit);
}

/* Stores obs[0..n-1] as one file of feed (partner = its source_id), each
 * of services[i] (services NULL: none). Returns the ingest id. */
static int64_t fx_ingest_services(struct fx *f, const char *feed,
                                  const struct ob *obs,
                                  const char *const *services, size_t n) {
  const struct feed_conf *fc = config_feed(f->conf, feed);
  struct store_ingest in = {0};
  struct dahub_error err = {0};
  struct store_match match;
  char name[64], hash[65];
  int64_t id = 0;

  assert_non_null(fc);
  f->files++;
  (void)snprintf(name, sizeof name, "%s-%d.csv", feed, f->files);
  (void)snprintf(hash, sizeof hash, "%064x", (unsigned)f->files);
  in.feed = feed;
  in.source_id = fc->source_id;
  in.plugin = "mapped";
  in.plugin_version = "test";
  in.file_name = name;
  in.size_bytes = 100;
  in.received_at = "2024-07-20T09:00:00Z";
  if (store_ingest_begin(f->st, &in, &err) != 0)
    fail_msg("ingest_begin: %s", err.msg);
  for (size_t i = 0; i < n; i++) {
    struct store_obs o = {
        .area_code = obs[i].area,
        .period = obs[i].period,
        .measure_id = obs[i].measure,
        .dimensions = obs[i].dims != NULL ? obs[i].dims : NODIMS,
        .unit = unit_of(f, obs[i].measure),
        .status = obs[i].status,
        .value = obs[i].status == DAHUB_SUPPRESSED ? 0 : obs[i].value,
        .scale = obs[i].scale,
        .bound = obs[i].status == DAHUB_SUPPRESSED ? 5 : 0,
        .line = (uint32_t)i + 2,
        .col = 1,
        .raw = "synthetic",
        .service_id = services != NULL ? services[i] : NULL,
    };

    if (store_ingest_obs(f->st, &o, &err) != 0) {
      store_ingest_rollback(f->st);
      fail_msg("ingest_obs: %s", err.msg);
    }
  }
  if (store_ingest_commit(f->st, hash, &id, &match, &err) != 0)
    fail_msg("ingest_commit: %s", err.msg);
  return id;
}

static int64_t fx_ingest(struct fx *f, const char *feed, const struct ob *obs,
                         size_t n) {
  return fx_ingest_services(f, feed, obs, NULL, n);
}

/* One observation as its own file. */
static int64_t fx_one(struct fx *f, const char *feed, const char *area,
                      const char *period, const char *measure, int64_t value) {
  struct ob o = {area, period, measure, NODIMS, value, DAHUB_ACTUAL, 0};

  return fx_ingest(f, feed, &o, 1);
}

/* Builds the summary of period into f->doc (and f->text), and its audit
 * log into *log unless NULL. */
static json_t *fx_build(struct fx *f, const char *period,
                        struct summary_log *log) {
  struct summary_env env = {
      .conf = f->conf, .vocab = f->vocab, .store = f->st, .now = f->now};
  struct dahub_error err = {0};
  json_t *doc = NULL;
  int rc;

  json_decref(f->doc);
  free(f->text);
  f->doc = NULL;
  f->text = NULL;
  rc = summary_build(&env, period, &doc, log, &err);
  if (rc != 0)
    fail_msg("summary_build(%s): %d %s", period, rc, err.msg);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "schema")),
                      "dahub.summary/1");
  f->doc = doc;
  f->text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  assert_non_null(f->text);
  return doc;
}

static json_t *fx_summary(struct fx *f, const char *period) {
  return fx_build(f, period, NULL);
}

/* As `dahub report` does: builds the summary of period and records it with
 * its audit log as the next version, so later summaries see it published. */
static json_t *fx_publish(struct fx *f, const char *period) {
  struct summary_log log;
  struct dahub_error err = {0};
  char sha[65];
  int version = 0;
  json_t *doc = fx_build(f, period, &log);

  if (store_summary_latest(f->st, period, NULL, &version, sha, &err) < 0 ||
      store_summary_add(f->st, period, version + 1, NULL, "0", "outbox",
                        log.cells, log.n, NULL, 0, &err) != 0)
    fail_msg("recording %s: %s", period, err.msg);
  summary_log_free(&log);
  return doc;
}

/* ---- Reading the document ---- */

static int dims_match(const json_t *dims, const char *want) {
  char *have = json_dumps(dims, JSON_COMPACT | JSON_SORT_KEYS);
  int same = have != NULL && strcmp(have, want) == 0;

  free(have);
  return same;
}

/* The figure for measure, partner ("all" for all partners), area ("all" for
 * the partnership) and breakdown, or NULL. */
static json_t *find_fig(json_t *doc, const char *measure, const char *source,
                        const char *area, const char *dims) {
  json_t *figs = json_object_get(doc, "figures"), *x, *found = NULL;
  size_t i, matches = 0;

  json_array_foreach(figs, i, x) {
    if (strcmp(json_string_value(json_object_get(x, "measure")), measure) ==
            0 &&
        strcmp(json_string_value(json_object_get(x, "source_id")), source) ==
            0 &&
        strcmp(json_string_value(json_object_get(x, "area")), area) == 0 &&
        dims_match(json_object_get(x, "dimensions"), dims)) {
      found = x;
      matches++;
    }
  }
  if (matches > 1)
    fail_msg("%zu figures for %s %s %s %s", matches, measure, source, area,
             dims);
  return found;
}

static json_t *fig(struct fx *f, const char *measure, const char *source,
                   const char *area, const char *dims) {
  json_t *x = find_fig(f->doc, measure, source, area, dims);

  if (x == NULL)
    fail_msg("no figure for %s %s %s %s", measure, source, area, dims);
  return x;
}

/* The value of a shown figure (an integer). */
static int64_t value_of(struct fx *f, const char *measure, const char *source,
                        const char *area, const char *dims) {
  json_t *x = fig(f, measure, source, area, dims);
  json_t *v = json_object_get(x, "value");

  if (!json_is_integer(v)) {
    char *t = json_dumps(x, JSON_COMPACT);

    fail_msg("%s %s %s %s is not shown: %s", measure, source, area, dims, t);
  }
  return json_integer_value(v);
}

/* The marker of a hidden figure; its value must be null. */
static const char *marker_of(struct fx *f, const char *measure,
                             const char *source, const char *area,
                             const char *dims) {
  json_t *x = fig(f, measure, source, area, dims);
  const char *m = json_string_value(json_object_get(x, "marker"));

  if (!json_is_null(json_object_get(x, "value")) || m == NULL) {
    char *t = json_dumps(x, JSON_COMPACT);

    fail_msg("%s %s %s %s is not hidden: %s", measure, source, area, dims, t);
  }
  return m;
}

static json_t *find_rate(json_t *doc, const char *rate, const char *source,
                         const char *area) {
  json_t *x;
  size_t i;

  json_array_foreach(json_object_get(doc, "rates"), i, x) {
    if (strcmp(json_string_value(json_object_get(x, "rate")), rate) == 0 &&
        strcmp(json_string_value(json_object_get(x, "source_id")), source) ==
            0 &&
        strcmp(json_string_value(json_object_get(x, "area")), area) == 0)
      return x;
  }
  return NULL;
}

static json_t *feed_status(struct fx *f, const char *feed) {
  json_t *x;
  size_t i;

  json_array_foreach(json_object_get(f->doc, "completeness"), i, x) {
    if (strcmp(json_string_value(json_object_get(x, "feed")), feed) == 0)
      return x;
  }
  fail_msg("feed %s is not in completeness", feed);
  return NULL;
}

static const char *status_of(struct fx *f, const char *feed) {
  return json_string_value(json_object_get(feed_status(f, feed), "status"));
}

static const char *period_field(struct fx *f, const char *key) {
  return json_string_value(
      json_object_get(json_object_get(f->doc, "period"), key));
}

/* ---- The attacker ---- */

#define ATT_CELLS 4096
#define ATT_RELS 4096
#define ATT_MEMBERS 64

struct acell {
  char measure[48], source[16], area[16], dims[96];
  const json_t *dj; /* dims, borrowed from the document */
  int known;        /* published value */
  int ours;         /* hidden by the summary: must stay unknown */
  int64_t value;
  int has_truth;
  int64_t truth; /* the test's own figure, when it has one */
};

struct arel {
  size_t members[ATT_MEMBERS], n, total;
  const char *kind;
};

struct attack {
  struct acell c[ATT_CELLS];
  size_t n;
  struct arel r[ATT_RELS];
  size_t n_rel;
  int breakdowns; /* breakdowns add up to their total in this data */
  char leak[512]; /* the first recovered hidden cell */
  size_t recovered;
};

static int is_district(const char *area) {
  for (size_t i = 0; i < N_DISTRICTS; i++)
    if (strcmp(area, districts[i]) == 0)
      return 1;
  return 0;
}

/* Reads the count figures of doc that take part in sums: shown ones, and
 * ones we hid. A figure suppressed at source, or missing, is in no sum. */
static void attack_read(struct attack *a, json_t *doc) {
  json_t *x;
  size_t i;

  a->n = 0;
  a->n_rel = 0;
  a->recovered = 0;
  a->leak[0] = '\0';
  json_array_foreach(json_object_get(doc, "figures"), i, x) {
    const char *unit = json_string_value(json_object_get(x, "unit"));
    const char *marker = json_string_value(json_object_get(x, "marker"));
    json_t *v = json_object_get(x, "value");
    char *dims;
    struct acell *c;

    if (strcmp(unit, "count") != 0)
      continue;
    if (marker != NULL && (strcmp(marker, "suppressed_at_source") == 0 ||
                           strcmp(marker, "missing") == 0))
      continue;
    if (marker != NULL && strcmp(marker, CONFIDENTIAL) != 0)
      fail_msg("unexpected marker %s", marker);
    assert_true(a->n < ATT_CELLS);
    c = &a->c[a->n++];
    memset(c, 0, sizeof *c);
    (void)snprintf(c->measure, sizeof c->measure, "%s",
                   json_string_value(json_object_get(x, "measure")));
    (void)snprintf(c->source, sizeof c->source, "%s",
                   json_string_value(json_object_get(x, "source_id")));
    (void)snprintf(c->area, sizeof c->area, "%s",
                   json_string_value(json_object_get(x, "area")));
    c->dj = json_object_get(x, "dimensions");
    dims = json_dumps(c->dj, JSON_COMPACT | JSON_SORT_KEYS);
    (void)snprintf(c->dims, sizeof c->dims, "%s", dims);
    free(dims);
    if (marker == NULL) {
      assert_true(json_is_integer(v));
      c->known = 1;
      c->value = json_integer_value(v);
    } else {
      assert_true(json_is_null(v));
      c->ours = 1;
    }
  }
}

static void attack_rel(struct attack *a, const char *kind, long total,
                       const size_t *members, size_t n) {
  struct arel *r;

  if (total < 0 || n == 0)
    return;
  assert_true(a->n_rel < ATT_RELS);
  assert_true(n <= ATT_MEMBERS);
  r = &a->r[a->n_rel++];
  r->kind = kind;
  r->total = (size_t)total;
  r->n = n;
  memcpy(r->members, members, n * sizeof *members);
}

/* 1 when member is total's breakdown with one more dimension (the same
 * values for total's own), that dimension's name in out. */
static int extra_dim(const json_t *total, const json_t *member, char *out) {
  const char *k;
  json_t *v;

  if (json_object_size(member) != json_object_size(total) + 1)
    return 0;
  json_object_foreach((json_t *)total, k, v) {
    if (!json_equal(v, json_object_get(member, k)))
      return 0;
  }
  json_object_foreach((json_t *)member, k, v) {
    if (json_object_get(total, k) == NULL) {
      (void)snprintf(out, 64, "%s", k);
      return 1;
    }
  }
  return 0;
}

/* The relations a reader knows, built from the cells alone. */
static void attack_relations(struct attack *a) {
  for (size_t i = 0; i < a->n; i++) {
    const struct acell *t = &a->c[i];
    size_t m[ATT_MEMBERS], n = 0;

    /* districts -> county */
    if (strcmp(t->area, COUNTY) == 0) {
      for (size_t j = 0; j < a->n; j++)
        if (is_district(a->c[j].area) &&
            strcmp(a->c[j].measure, t->measure) == 0 &&
            strcmp(a->c[j].source, t->source) == 0 &&
            strcmp(a->c[j].dims, t->dims) == 0)
          m[n++] = j;
      attack_rel(a, "county", (long)i, m, n);
    }
    /* areas -> partnership, with the county, and with its districts */
    if (strcmp(t->area, "all") == 0) {
      size_t m2[ATT_MEMBERS], n2 = 0;

      n = 0;
      for (size_t j = 0; j < a->n; j++) {
        const struct acell *c = &a->c[j];

        if (strcmp(c->area, "all") == 0 || strcmp(c->measure, t->measure) ||
            strcmp(c->source, t->source) || strcmp(c->dims, t->dims))
          continue;
        if (!is_district(c->area))
          m[n++] = j;
        if (strcmp(c->area, COUNTY) != 0)
          m2[n2++] = j;
      }
      attack_rel(a, "partnership", (long)i, m, n);
      attack_rel(a, "partnership_by_district", (long)i, m2, n2);
    }
    /* partners -> all partners */
    if (strcmp(t->source, "all") == 0) {
      n = 0;
      for (size_t j = 0; j < a->n; j++)
        if (strcmp(a->c[j].source, "all") != 0 &&
            strcmp(a->c[j].measure, t->measure) == 0 &&
            strcmp(a->c[j].area, t->area) == 0 &&
            strcmp(a->c[j].dims, t->dims) == 0)
          m[n++] = j;
      attack_rel(a, "partners", (long)i, m, n);
    }
    /* breakdown values -> the figure without that breakdown, at any depth:
     * age bands within women add up to women */
    if (a->breakdowns) {
      char seen[8][64], dn[64];
      size_t n_seen = 0;

      for (size_t j = 0; j < a->n; j++) {
        const struct acell *c = &a->c[j];
        size_t k;

        if (strcmp(c->measure, t->measure) || strcmp(c->source, t->source) ||
            strcmp(c->area, t->area) || !extra_dim(t->dj, c->dj, dn))
          continue;
        for (k = 0; k < n_seen; k++)
          if (strcmp(seen[k], dn) == 0)
            break;
        if (k < n_seen || n_seen == 8)
          continue;
        (void)snprintf(seen[n_seen++], sizeof seen[0], "%s", dn);
        n = 0;
        for (size_t l = 0; l < a->n; l++) {
          char dl[64];

          if (strcmp(a->c[l].measure, t->measure) ||
              strcmp(a->c[l].source, t->source) ||
              strcmp(a->c[l].area, t->area) ||
              !extra_dim(t->dj, a->c[l].dj, dl) || strcmp(dl, dn) != 0)
            continue;
          assert_true(n < ATT_MEMBERS);
          m[n++] = l;
        }
        attack_rel(a, "breakdown", (long)i, m, n);
      }
    }
  }
}

static const char *cell_name(const struct acell *c, char *buf, size_t n) {
  (void)snprintf(buf, n, "%s/%s/%s/%s", c->measure, c->source, c->area,
                 c->dims);
  return buf;
}

/* Solves one-unknown relations to a fixed point. A relation with no unknown
 * must add up: that checks the summary's sums as well. Returns how many
 * hidden cells became known. */
static size_t attack_run(struct attack *a) {
  int progress = 1;

  while (progress) {
    progress = 0;
    for (size_t k = 0; k < a->n_rel; k++) {
      struct arel *r = &a->r[k];
      size_t unknown = 0, which = 0;
      int64_t sum = 0;

      for (size_t i = 0; i <= r->n; i++) {
        size_t id = i < r->n ? r->members[i] : r->total;

        if (!a->c[id].known) {
          unknown++;
          which = id;
        }
      }
      if (unknown == 0) {
        for (size_t i = 0; i < r->n; i++)
          sum += a->c[r->members[i]].value;
        if (sum != a->c[r->total].value) {
          char b[256];

          fail_msg("%s relation does not add up at %s: members %lld, total "
                   "%lld",
                   r->kind, cell_name(&a->c[r->total], b, sizeof b),
                   (long long)sum, (long long)a->c[r->total].value);
        }
        continue;
      }
      if (unknown != 1)
        continue;
      for (size_t i = 0; i < r->n; i++)
        if (r->members[i] != which)
          sum += a->c[r->members[i]].value;
      if (which == r->total)
        a->c[which].value = sum;
      else
        a->c[which].value = a->c[r->total].value - sum;
      a->c[which].known = 1;
      progress = 1;
      if (a->c[which].ours) {
        if (a->recovered++ == 0) {
          char b[256];

          (void)snprintf(a->leak, sizeof a->leak,
                         "%s recovered as %lld through a %s relation",
                         cell_name(&a->c[which], b, sizeof b),
                         (long long)a->c[which].value, r->kind);
        }
        if (a->c[which].has_truth)
          assert_int_equal(a->c[which].value, a->c[which].truth);
      }
    }
  }
  return a->recovered;
}

/* Runs the attacker on f->doc; fails naming the first leak. */
static void assert_nothing_recoverable(struct fx *f, int breakdowns) {
  struct attack *a = calloc(1, sizeof *a);
  char msg[600];
  size_t n;

  assert_non_null(a);
  a->breakdowns = breakdowns;
  attack_read(a, f->doc);
  attack_relations(a);
  n = attack_run(a);
  (void)snprintf(msg, sizeof msg, "%zu hidden cells recoverable; first: %s",
                 a->recovered, a->leak);
  free(a);
  if (n != 0)
    fail_msg("%s", msg);
}

/* ---- Aggregation ---- */

static void test_areas_roll_up_to_county_and_partnership(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 10, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {RUTLAND, q, m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {UNKNOWN_AREA, q, m, NODIMS, 40, DAHUB_ACTUAL, 0},
  };
  const struct ob p2[] = {
      {BLABY, q, m, NODIMS, 15, DAHUB_ACTUAL, 0},
      {MELTON, q, m, NODIMS, 25, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  (void)fx_ingest(f, "p2", p2, 2);
  fx_summary(f, q);
  /* each partner, each area */
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 10);
  assert_int_equal(value_of(f, m, "p1", CHARNWOOD, NODIMS), 20);
  assert_int_equal(value_of(f, m, "p1", RUTLAND, NODIMS), 30);
  assert_int_equal(value_of(f, m, "p1", UNKNOWN_AREA, NODIMS), 40);
  assert_int_equal(value_of(f, m, "p2", BLABY, NODIMS), 15);
  assert_int_equal(value_of(f, m, "p2", MELTON, NODIMS), 25);
  /* the county: its districts only */
  assert_int_equal(value_of(f, m, "p1", COUNTY, NODIMS), 30);
  assert_int_equal(value_of(f, m, "p2", COUNTY, NODIMS), 40);
  assert_int_equal(value_of(f, m, "all", COUNTY, NODIMS), 70);
  /* the partnership: every area */
  assert_int_equal(value_of(f, m, "p1", "all", NODIMS), 100);
  assert_int_equal(value_of(f, m, "p2", "all", NODIMS), 40);
  assert_int_equal(value_of(f, m, "all", "all", NODIMS), 140);
  /* all partners, per area */
  assert_int_equal(value_of(f, m, "all", BLABY, NODIMS), 25);
  assert_int_equal(value_of(f, m, "all", CHARNWOOD, NODIMS), 20);
  assert_int_equal(value_of(f, m, "all", MELTON, NODIMS), 25);
  assert_int_equal(value_of(f, m, "all", RUTLAND, NODIMS), 30);
  /* no cell for an area nobody reported */
  assert_null(find_fig(f->doc, m, "p2", RUTLAND, NODIMS));
  assert_null(find_fig(f->doc, m, "p1", HARBOROUGH, NODIMS));
  /* names */
  assert_string_equal(json_string_value(json_object_get(
                          fig(f, m, "all", COUNTY, NODIMS), "area_name")),
                      "Leicestershire");
  assert_string_equal(json_string_value(json_object_get(
                          fig(f, m, "all", "all", NODIMS), "area_name")),
                      "Partnership (all areas)");
  assert_string_equal(json_string_value(json_object_get(
                          fig(f, m, "p1", BLABY, NODIMS), "unit")),
                      "count");
  assert_nothing_recoverable(f, 0);
}

static void test_every_district_rolls_into_the_county(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q2", *m = "helpline_contacts";
  struct ob obs[N_DISTRICTS];
  int64_t want = 0;

  fx_default(f);
  for (size_t i = 0; i < N_DISTRICTS; i++) {
    obs[i] = (struct ob){districts[i], q, m, NODIMS, 100 + (int64_t)i * 11,
                         DAHUB_ACTUAL, 0};
    want += obs[i].value;
  }
  (void)fx_ingest(f, "p1", obs, N_DISTRICTS);
  fx_summary(f, q);
  assert_int_equal(value_of(f, m, "p1", COUNTY, NODIMS), want);
  assert_int_equal(value_of(f, m, "all", "all", NODIMS), want);
  assert_int_equal(value_of(f, m, "p1", "E07000135", NODIMS), 166);
}

static void test_breakdowns_are_figures_of_their_own(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {BLABY, q, m, FEMALE, 12, DAHUB_ACTUAL, 0},
      {BLABY, q, m, MALE, 8, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, FEMALE, 21, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, MALE, 9, DAHUB_ACTUAL, 0},
  };
  json_t *want;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 6);
  fx_summary(f, q);
  assert_int_equal(value_of(f, m, "p1", BLABY, FEMALE), 12);
  assert_int_equal(value_of(f, m, "p1", BLABY, MALE), 8);
  assert_int_equal(value_of(f, m, "p1", COUNTY, FEMALE), 33);
  assert_int_equal(value_of(f, m, "p1", COUNTY, MALE), 17);
  assert_int_equal(value_of(f, m, "all", "all", FEMALE), 33);
  assert_int_equal(value_of(f, m, "p1", COUNTY, NODIMS), 50);
  want = json_pack("{s:s}", "gender", "female");
  assert_true(json_equal(
      json_object_get(fig(f, m, "p1", BLABY, FEMALE), "dimensions"), want));
  json_decref(want);
  assert_nothing_recoverable(f, 1);
}

static void test_provenance_lists_the_ingests_of_a_figure(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  int64_t a, b;
  json_t *ing;

  fx_default(f);
  a = fx_one(f, "p1", BLABY, q, m, 10);
  b = fx_one(f, "p2", BLABY, q, m, 20);
  fx_summary(f, q);
  ing = json_object_get(fig(f, m, "p1", BLABY, NODIMS), "ingests");
  assert_int_equal(json_array_size(ing), 1);
  assert_int_equal(json_integer_value(json_array_get(ing, 0)), a);
  ing = json_object_get(fig(f, m, "all", BLABY, NODIMS), "ingests");
  assert_int_equal(json_array_size(ing), 2);
  assert_int_equal(json_integer_value(json_array_get(ing, 0)) +
                       json_integer_value(json_array_get(ing, 1)),
                   a + b);
}

/* ---- Period arithmetic ---- */

static void check_period(struct fx *f, const char *id, const char *start,
                         const char *end, const char *prev, const char *ago) {
  fx_summary(f, id);
  assert_string_equal(period_field(f, "id"), id);
  assert_string_equal(period_field(f, "start"), start);
  assert_string_equal(period_field(f, "end"), end);
  assert_string_equal(period_field(f, "previous"), prev);
  assert_string_equal(period_field(f, "year_ago"), ago);
}

static void test_period_previous_and_year_ago(void **state) {
  struct fx *f = *state;

  fx_default(f);
  check_period(f, "FY2024-25-Q1", "2024-04-01", "2024-06-30", "FY2023-24-Q4",
               "FY2023-24-Q1");
  check_period(f, "FY2024-25-Q2", "2024-07-01", "2024-09-30", "FY2024-25-Q1",
               "FY2023-24-Q2");
  check_period(f, "FY2024-25-Q3", "2024-10-01", "2024-12-31", "FY2024-25-Q2",
               "FY2023-24-Q3");
  check_period(f, "FY2024-25-Q4", "2025-01-01", "2025-03-31", "FY2024-25-Q3",
               "FY2023-24-Q4");
  check_period(f, "FY2024-25", "2024-04-01", "2025-03-31", "FY2023-24",
               "FY2023-24");
  check_period(f, "FY2024-25-H1", "2024-04-01", "2024-09-30", "FY2023-24-H2",
               "FY2023-24-H1");
  check_period(f, "FY2024-25-H2", "2024-10-01", "2025-03-31", "FY2024-25-H1",
               "FY2023-24-H2");
}

static void test_bad_period_is_refused(void **state) {
  struct fx *f = *state;
  struct summary_env env;
  struct dahub_error err = {0};
  json_t *doc = (json_t *)1;
  const char *bad[] = {"FY2024-26", "FY2024-25-Q5", "2024-25",
                       "",          "FY2024-25-H3", "FY2024-25-Q1/../x"};

  fx_default(f);
  env = (struct summary_env){
      .conf = f->conf, .vocab = f->vocab, .store = f->st, .now = f->now};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    memset(&err, 0, sizeof err);
    assert_int_equal(summary_build(&env, bad[i], &doc, NULL, &err), -EINVAL);
    assert_null(doc);
    assert_non_null(strstr(err.msg, "is not a period"));
  }
}

static void test_year_from_halves_or_quarters(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, "FY2024-25-Q1", m, NODIMS, 10, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q2", m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q3", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q4", m, NODIMS, 40, DAHUB_ACTUAL, 0},
  };
  const struct ob p2[] = {
      {BLABY, "FY2024-25-H1", m, NODIMS, 50, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-H2", m, NODIMS, 60, DAHUB_ACTUAL, 0},
  };
  /* three quarters only: Q4 missing */
  const struct ob p3[] = {
      {BLABY, "FY2024-25-Q1", m, NODIMS, 7, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q2", m, NODIMS, 8, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q3", m, NODIMS, 9, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  (void)fx_ingest(f, "p2", p2, 2);
  (void)fx_ingest(f, "p3", p3, 3);
  fx_summary(f, "FY2024-25");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 100);
  assert_null(json_object_get(fig(f, m, "p1", BLABY, NODIMS), "partial"));
  assert_int_equal(value_of(f, m, "p2", BLABY, NODIMS), 110);
  assert_null(json_object_get(fig(f, m, "p2", BLABY, NODIMS), "partial"));
  assert_int_equal(value_of(f, m, "p3", BLABY, NODIMS), 24);
  assert_true(
      json_is_true(json_object_get(fig(f, m, "p3", BLABY, NODIMS), "partial")));
  /* a total holding a partial figure is partial too */
  assert_int_equal(value_of(f, m, "all", BLABY, NODIMS), 234);
  assert_true(json_is_true(
      json_object_get(fig(f, m, "all", BLABY, NODIMS), "partial")));
  /* a half from its quarters */
  fx_summary(f, "FY2024-25-H2");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 70);
  assert_int_equal(value_of(f, m, "p2", BLABY, NODIMS), 60);
  assert_int_equal(value_of(f, m, "p3", BLABY, NODIMS), 9);
  assert_true(
      json_is_true(json_object_get(fig(f, m, "p3", BLABY, NODIMS), "partial")));
  /* a quarter does not borrow from a half that reaches outside it */
  fx_summary(f, "FY2024-25-Q1");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 10);
  assert_null(find_fig(f->doc, m, "p2", BLABY, NODIMS));
}

static void test_reported_year_wins_over_its_parts(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, "FY2024-25", m, NODIMS, 123, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q1", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q2", m, NODIMS, 30, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 3);
  fx_summary(f, "FY2024-25");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 123);
  assert_null(json_object_get(fig(f, m, "p1", BLABY, NODIMS), "partial"));
}

/* A percentage or an average is shown as received, never added up over
 * areas, partners or the parts of a year. */
static void test_averages_and_percentages_are_never_summed(void **state) {
  struct fx *f = *state;
  const char *avg = "sa_average_stay_days";
  const char *pct = "cs_single_assessments_da_pct";
  const struct ob obs[] = {
      {BLABY, "FY2024-25-Q1", avg, NODIMS, 90, DAHUB_ACTUAL, 0},
      {CHARNWOOD, "FY2024-25-Q1", avg, NODIMS, 120, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q1", pct, NODIMS, 31, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q2", pct, NODIMS, 34, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", obs, 4);
  (void)fx_summary(f, "FY2024-25-Q1");
  assert_int_equal(value_of(f, avg, "p1", BLABY, NODIMS), 90);
  assert_int_equal(value_of(f, avg, "p1", CHARNWOOD, NODIMS), 120);
  assert_null(find_fig(f->doc, avg, "p1", "all", NODIMS));
  assert_null(find_fig(f->doc, avg, "all", BLABY, NODIMS));
  assert_null(find_fig(f->doc, avg, "p1", "E10000018", NODIMS));
  (void)fx_summary(f, "FY2024-25-H1");
  assert_null(find_fig(f->doc, pct, "p1", RUTLAND, NODIMS));
}

static void test_snapshot_year_is_its_last_quarter(void **state) {
  struct fx *f = *state;
  const char *bed = "sa_bedspaces_available", *open = "caseload_open_at_end";
  const struct ob p1[] = {
      {RUTLAND, "FY2024-25-Q1", bed, NODIMS, 12, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q2", bed, NODIMS, 13, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q3", bed, NODIMS, 14, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q4", bed, NODIMS, 15, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q1", open, NODIMS, 31, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q2", open, NODIMS, 32, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q3", open, NODIMS, 33, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q4", open, NODIMS, 34, DAHUB_ACTUAL, 0},
  };
  /* p2 has no Q4: its year level is not known */
  const struct ob p2[] = {
      {BLABY, "FY2024-25-Q1", open, NODIMS, 40, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q3", open, NODIMS, 42, DAHUB_ACTUAL, 0},
  };
  /* p3 sent a half and then the last quarter: the quarter is the level */
  const struct ob p3[] = {
      {BLABY, "FY2024-25-H1", open, NODIMS, 20, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q4", open, NODIMS, 25, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 8);
  (void)fx_ingest(f, "p2", p2, 2);
  (void)fx_ingest(f, "p3", p3, 2);
  fx_summary(f, "FY2024-25");
  assert_int_equal(value_of(f, bed, "p1", RUTLAND, NODIMS), 15);
  assert_int_equal(value_of(f, open, "p3", BLABY, NODIMS), 25);
  assert_null(json_object_get(fig(f, open, "p3", BLABY, NODIMS), "partial"));
  /* all partners: the sum of the partners' levels */
  assert_int_equal(value_of(f, open, "all", BLABY, NODIMS), 34 + 42 + 25);
  assert_string_equal(json_string_value(json_object_get(
                          fig(f, bed, "p1", RUTLAND, NODIMS), "unit")),
                      "bedspaces");
  assert_int_equal(value_of(f, open, "p1", BLABY, NODIMS), 34);
  assert_null(json_object_get(fig(f, open, "p1", BLABY, NODIMS), "partial"));
  assert_int_equal(value_of(f, open, "p2", BLABY, NODIMS), 42);
  assert_true(json_is_true(
      json_object_get(fig(f, open, "p2", BLABY, NODIMS), "partial")));
  fx_summary(f, "FY2024-25-H1");
  assert_int_equal(value_of(f, bed, "p1", RUTLAND, NODIMS), 13);
  assert_int_equal(value_of(f, open, "p1", BLABY, NODIMS), 32);
}

static void test_quarter_before_a_meeting(void **state) {
  char id[16];
  const struct {
    const char *meeting, *quarter;
  } cases[] = {
      {"2024-09-27", "FY2024-25-Q1"},
      {"2024-12-13", "FY2024-25-Q2"},
      {"2025-03-28", "FY2024-25-Q3"},
      {"2025-06-20", "FY2024-25-Q4"},
      {"2024-04-01", "FY2023-24-Q4"},
      {"2025-09-25", "FY2025-26-Q1"},
      {"2025-11-21", "FY2025-26-Q2"},
      {"2024-06-30T23:59:59Z", "FY2023-24-Q4"},
      {"2024-07-01T00:00:00Z", "FY2024-25-Q1"},
      {"2025-01-01", "FY2024-25-Q3"},
  };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    summary_quarter_before(at(cases[i].meeting), id);
    assert_string_equal(id, cases[i].quarter);
  }
}

/* ---- Change on the previous quarter and a year before ---- */

static void test_change_on_previous_quarter_and_year_ago(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received", *h = "helpline_contacts";
  const struct ob p1[] = {
      {BLABY, "FY2023-24-Q1", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2023-24-Q4", m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q1", m, NODIMS, 25, DAHUB_ACTUAL, 0},
      /* Charnwood (another measure, so its hidden 3 hides nothing of
       * Blaby's): a year ago was too small to show */
      {CHARNWOOD, "FY2023-24-Q1", h, NODIMS, 3, DAHUB_ACTUAL, 0},
      {CHARNWOOD, "FY2023-24-Q4", h, NODIMS, 50, DAHUB_ACTUAL, 0},
      {CHARNWOOD, "FY2024-25-Q1", h, NODIMS, 60, DAHUB_ACTUAL, 0},
      /* Melton: nothing the quarter before */
      {MELTON, "FY2023-24-Q1", m, NODIMS, 70, DAHUB_ACTUAL, 0},
      {MELTON, "FY2024-25-Q1", m, NODIMS, 77, DAHUB_ACTUAL, 0},
  };
  json_t *x, *prev, *ago;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 8);
  /* comparisons repeat what the board was given: both were published */
  fx_publish(f, "FY2023-24-Q1");
  fx_publish(f, "FY2023-24-Q4");
  fx_summary(f, "FY2024-25-Q1");
  x = fig(f, m, "p1", BLABY, NODIMS);
  prev = json_object_get(x, "previous");
  ago = json_object_get(x, "year_ago");
  assert_non_null(prev);
  assert_non_null(ago);
  assert_string_equal(json_string_value(json_object_get(prev, "period")),
                      "FY2023-24-Q4");
  assert_int_equal(json_integer_value(json_object_get(prev, "value")), 20);
  assert_int_equal(json_integer_value(json_object_get(prev, "change")), 5);
  assert_string_equal(json_string_value(json_object_get(ago, "period")),
                      "FY2023-24-Q1");
  assert_int_equal(json_integer_value(json_object_get(ago, "value")), 30);
  assert_int_equal(json_integer_value(json_object_get(ago, "change")), -5);
  /* a suppressed side gives no change */
  x = fig(f, h, "p1", CHARNWOOD, NODIMS);
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(x, "previous"), "change")),
                   10);
  assert_null(json_object_get(x, "year_ago"));
  /* a missing side gives no change */
  x = fig(f, m, "p1", MELTON, NODIMS);
  assert_null(json_object_get(x, "previous"));
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(x, "year_ago"), "change")),
                   7);
  /* the hidden 3 of a year ago is nowhere in the document */
  assert_null(strstr(f->text, "\"value\":3,"));
  assert_null(strstr(f->text, "\"value\":3}"));
  assert_null(strstr(f->text, "\"change\":57"));
}

static void test_no_change_when_this_quarter_is_suppressed(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  const struct ob p1[] = {
      {RUTLAND, "FY2024-25-Q1", m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2024-25-Q2", m, NODIMS, 8, DAHUB_ACTUAL, 0},
  };
  json_t *x;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 2);
  fx_summary(f, "FY2024-25-Q2");
  assert_string_equal(marker_of(f, m, "p1", RUTLAND, NODIMS), CONFIDENTIAL);
  x = fig(f, m, "p1", RUTLAND, NODIMS);
  assert_null(json_object_get(x, "previous"));
  assert_null(json_object_get(x, "year_ago"));
  assert_null(strstr(f->text, "-32"));
}

static void test_no_change_across_a_partial_figure(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, "FY2023-24-Q1", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2023-24-Q2", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2023-24-Q3", m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q1", m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q2", m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q3", m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-Q4", m, NODIMS, 40, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 7);
  fx_summary(f, "FY2024-25");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 160);
  /* FY2023-24 lacks Q4: 90 is partial, so no change is worked out */
  assert_null(json_object_get(fig(f, m, "p1", BLABY, NODIMS), "previous"));
}

/* ---- Rates ---- */

static void store_rutland_table(struct fx *f) {
  const char *done = "cs_single_assessments_completed";
  const char *da = "cs_single_assessments_da_factor";
  const struct ob rcc[] = {
      {RUTLAND, "FY2023-24-H1", done, NODIMS, 86, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2023-24-H2", done, NODIMS, 130, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2023-24", done, NODIMS, 216, DAHUB_ACTUAL, 0},
      {RUTLAND, "FY2023-24", da, NODIMS, 70, DAHUB_ACTUAL, 0},
  };
  const struct feed_def feeds[] = {{"rcc", "rcc", "half-yearly", -1}};

  fx_config(f, SUMMARY_DEFAULT, feeds, 1);
  (void)fx_ingest(f, "rcc", rcc, 4);
}

static void test_rutland_childrens_services_table(void **state) {
  struct fx *f = *state;
  const char *done = "cs_single_assessments_completed";
  const char *da = "cs_single_assessments_da_factor";
  const char *share = "cs_single_assessments_da_share";
  json_t *r;

  store_rutland_table(f);
  fx_summary(f, "FY2023-24");
  assert_int_equal(value_of(f, done, "rcc", RUTLAND, NODIMS), 216);
  assert_int_equal(value_of(f, da, "rcc", RUTLAND, NODIMS), 70);
  assert_int_equal(value_of(f, done, "all", "all", NODIMS), 216);
  r = find_rate(f->doc, share, "rcc", RUTLAND);
  assert_non_null(r);
  assert_string_equal(json_string_value(json_object_get(r, "value")), "32.4");
  assert_int_equal(json_integer_value(json_object_get(r, "numerator")), 70);
  assert_int_equal(json_integer_value(json_object_get(r, "denominator")), 216);
  assert_string_equal(json_string_value(json_object_get(r, "unit")), "percent");
  r = find_rate(f->doc, share, "all", "all");
  assert_non_null(r);
  assert_string_equal(json_string_value(json_object_get(r, "value")), "32.4");

  fx_publish(f, "FY2023-24-H1");
  assert_int_equal(value_of(f, done, "rcc", RUTLAND, NODIMS), 86);
  assert_null(json_object_get(fig(f, done, "rcc", RUTLAND, NODIMS), "partial"));
  fx_summary(f, "FY2023-24-H2");
  assert_int_equal(value_of(f, done, "rcc", RUTLAND, NODIMS), 130);
  assert_int_equal(
      json_integer_value(json_object_get(
          json_object_get(fig(f, done, "rcc", RUTLAND, NODIMS), "previous"),
          "value")),
      86);
  assert_int_equal(
      json_integer_value(json_object_get(
          json_object_get(fig(f, done, "rcc", RUTLAND, NODIMS), "previous"),
          "change")),
      44);
}

/* The LCC register's DLUHC allocations, 2021-22 to 2024-25: a quarter's
 * summary carries them by year, the summary's own year and the seven
 * before, never a later one; a blank year is a marker, not zero. */
static void test_allocations_by_year_beside_a_quarter(void **state) {
  struct fx *f = *state;
  const char *dluhc = "{\"funding_source\":\"dluhc_da_act_part4\"}";
  const struct ob lcc[] = {
      {COUNTY, "FY2015-16", "funding_allocated", dluhc, 999001, 0, 0},
      {COUNTY, "FY2021-22", "funding_allocated", dluhc, 1127205, 0, 0},
      {COUNTY, "FY2022-23", "funding_allocated", dluhc, 1130326, 0, 0},
      {COUNTY, "FY2023-24", "funding_allocated", dluhc, 1152936, 0, 0},
      {COUNTY, "FY2024-25", "funding_allocated", dluhc, 1174689, 0, 0},
      {COUNTY, "FY2025-26", "funding_allocated", dluhc, 999002, 0, 0},
      {COUNTY, "FY2024-25-Q1", "funding_allocated", dluhc, 999003, 0, 0},
  };
  const struct ob rcc[] = {
      {RUTLAND, "FY2023-24", "funding_allocated", dluhc, 0, DAHUB_MISSING, 0},
      {RUTLAND, "FY2024-25", "funding_allocated", dluhc, 6300000, 0, 2},
  };
  static const int64_t want[] = {1127205, 1130326, 1152936, 1174689};
  json_t *series, *years, *y;

  fx_default(f);
  fx_ingest(f, "p2", rcc, 2);
  fx_ingest(f, "p1", lcc, sizeof lcc / sizeof *lcc);
  fx_summary(f, "FY2024-25-Q1");
  series = json_object_get(json_object_get(f->doc, "allocations"), "series");
  assert_int_equal(json_array_size(series), 2);
  /* by partner, whatever the order they were stored in */
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(series, 0), "source_id")),
                      "p1");
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(series, 0), "area_name")),
                      "Leicestershire");
  years = json_object_get(json_array_get(series, 0), "years");
  assert_int_equal(json_array_size(years), 4);
  for (size_t i = 0; i < 4; i++) {
    y = json_array_get(years, i);
    assert_int_equal(json_integer_value(json_object_get(y, "value")), want[i]);
  }
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(years, 0), "period")),
      "FY2021-22");
  /* too old, too late, or a quarter: none is an allocation by year */
  {
    char *text = json_dumps(json_object_get(f->doc, "allocations"), 0);

    assert_non_null(text);
    assert_null(strstr(text, "999"));
    free(text);
  }
  years = json_object_get(json_array_get(series, 1), "years");
  y = json_array_get(years, 0);
  assert_true(json_is_null(json_object_get(y, "value")));
  assert_string_equal(json_string_value(json_object_get(y, "marker")),
                      "missing");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(years, 1), "value")),
      "63000.00");
  /* the summary of an earlier year stops at that year, and reaches back
   * eight years from it (2015-16 is one of them) */
  fx_summary(f, "FY2022-23");
  series = json_object_get(json_object_get(f->doc, "allocations"), "series");
  years = json_object_get(json_array_get(series, 0), "years");
  assert_int_equal(json_array_size(years), 3);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(years, 0), "period")),
      "FY2015-16");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(years, 2), "period")),
      "FY2022-23");
}

static void test_rate_rounds_half_up_to_one_decimal(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1";
  const struct ob p1[] = {
      {BLABY, q, "referrals_received", NODIMS, 16, DAHUB_ACTUAL, 0},
      {BLABY, q, "referrals_accepted", NODIMS, 5, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, "referrals_received", NODIMS, 40, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, "referrals_accepted", NODIMS, 40, DAHUB_ACTUAL, 0},
  };
  json_t *r;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  fx_summary(f, q);
  r = find_rate(f->doc, "referral_acceptance_share", "p1", BLABY);
  assert_non_null(r);
  assert_string_equal(json_string_value(json_object_get(r, "value")), "31.3");
  r = find_rate(f->doc, "referral_acceptance_share", "p1", CHARNWOOD);
  assert_string_equal(json_string_value(json_object_get(r, "value")), "100.0");
  r = find_rate(f->doc, "referral_acceptance_share", "p1", COUNTY);
  assert_string_equal(json_string_value(json_object_get(r, "value")), "80.4");
}

static void test_rate_with_a_suppressed_side_is_suppressed(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1";
  const char *recv = "referrals_received", *acc = "referrals_accepted";
  const char *share = "referral_acceptance_share";
  /* Rutland: numerator 7 < 10. p2 in Rutland: denominator 9 < 10. p3 in
   * Rutland: numerator suppressed at source. */
  const struct ob p1[] = {
      {RUTLAND, q, recv, NODIMS, 55, DAHUB_ACTUAL, 0},
      {RUTLAND, q, acc, NODIMS, 7, DAHUB_ACTUAL, 0},
  };
  const struct ob p2[] = {
      {RUTLAND, q, recv, NODIMS, 9, DAHUB_ACTUAL, 0},
      {RUTLAND, q, acc, NODIMS, 9, DAHUB_ACTUAL, 0},
  };
  const struct ob p3[] = {
      {RUTLAND, q, recv, NODIMS, 66, DAHUB_ACTUAL, 0},
      {RUTLAND, q, acc, NODIMS, 0, DAHUB_SUPPRESSED, 0},
  };
  const char *who[] = {"p1", "p2", "p3"};

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 2);
  (void)fx_ingest(f, "p2", p2, 2);
  (void)fx_ingest(f, "p3", p3, 2);
  fx_summary(f, q);
  for (size_t i = 0; i < 3; i++) {
    json_t *r = find_rate(f->doc, share, who[i], RUTLAND);

    assert_non_null(r);
    assert_true(json_is_null(json_object_get(r, "value")));
    assert_string_equal(json_string_value(json_object_get(r, "marker")),
                        CONFIDENTIAL);
    assert_null(json_object_get(r, "numerator"));
    assert_null(json_object_get(r, "denominator"));
  }
  /* 7 of 55 would be 12.7; 9 of 9 100.0 */
  assert_null(strstr(f->text, "12.7"));
  assert_null(strstr(f->text, "100.0"));
  assert_string_equal(marker_of(f, acc, "p3", RUTLAND, NODIMS),
                      "suppressed_at_source");
  /* all partners: 16 accepted is shown but partial (p3's is unknown), so
   * no rate is worked out from it */
  assert_int_equal(value_of(f, acc, "all", RUTLAND, NODIMS), 16);
  assert_string_equal(json_string_value(json_object_get(
                          find_rate(f->doc, share, "all", RUTLAND), "marker")),
                      "not_computable");
  assert_nothing_recoverable(f, 0);
}

/* ---- Completeness ---- */

static void test_completeness_of_feeds(void **state) {
  struct fx *f = *state;
  const struct feed_def feeds[] = {
      {"rcc", "rcc", "quarterly", 30},     {"slow", "slow", "quarterly", 10},
      {"fresh", "fresh", "quarterly", 60}, {"yearly", "yearly", "annual", 30},
      {"never", "never", "none", -1},
  };
  json_t *x;

  fx_config(f, SUMMARY_DEFAULT, feeds, 5);
  (void)fx_one(f, "rcc", RUTLAND, "FY2024-25-Q1", "referrals_received", 40);
  f->now = at("2024-08-01T12:00:00Z");
  fx_summary(f, "FY2024-25-Q1");
  assert_int_equal(json_array_size(json_object_get(f->doc, "completeness")), 5);
  x = feed_status(f, "rcc");
  assert_string_equal(status_of(f, "rcc"), "reported");
  assert_string_equal(json_string_value(json_object_get(x, "source_id")),
                      "rcc");
  assert_int_equal(json_integer_value(json_object_get(x, "ingests")), 1);
  assert_int_equal(json_integer_value(json_object_get(x, "corrections")), 0);
  /* Q1 ended 30 June: +10 days was 10 July, +60 is 29 August */
  assert_string_equal(status_of(f, "slow"), "late");
  assert_string_equal(
      json_string_value(json_object_get(feed_status(f, "slow"), "due")),
      "2024-07-10");
  assert_string_equal(status_of(f, "fresh"), "not_yet_due");
  assert_string_equal(
      json_string_value(json_object_get(feed_status(f, "fresh"), "due")),
      "2024-08-29");
  assert_string_equal(status_of(f, "yearly"), "not_expected");
  assert_string_equal(status_of(f, "never"), "not_expected");
  /* the day after the due day, it is late */
  f->now = at("2024-08-30T12:00:00Z");
  fx_summary(f, "FY2024-25-Q1");
  assert_string_equal(status_of(f, "fresh"), "late");
  /* long past, a year summary expects the annual return */
  f->now = at("2026-01-15T12:00:00Z");
  fx_summary(f, "FY2024-25");
  assert_string_equal(status_of(f, "yearly"), "late");
  assert_string_equal(status_of(f, "slow"), "late");
}

static void test_a_corrected_return_is_counted_as_a_correction(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  json_t *x;

  fx_default(f);
  (void)fx_one(f, "p1", BLABY, "FY2024-25-Q1", m, 40);
  (void)fx_one(f, "p1", BLABY, "FY2024-25-Q1", m, 44);
  fx_summary(f, "FY2024-25-Q1");
  x = feed_status(f, "p1");
  assert_string_equal(status_of(f, "p1"), "reported");
  assert_int_equal(json_integer_value(json_object_get(x, "ingests")), 2);
  assert_int_equal(json_integer_value(json_object_get(x, "corrections")), 1);
  /* the figure is the corrected one, not the sum of both */
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 44);
  assert_string_equal(status_of(f, "p2"), "late");
}

static void test_one_file_is_one_ingest_whatever_its_periods(void **state) {
  struct fx *f = *state;
  const char *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, "FY2024-25-Q1", m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-M01", m, NODIMS, 10, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-M02", m, NODIMS, 15, DAHUB_ACTUAL, 0},
      {BLABY, "FY2024-25-M03", m, NODIMS, 15, DAHUB_ACTUAL, 0},
  };
  json_t *x;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  fx_summary(f, "FY2024-25-Q1");
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 40);
  x = feed_status(f, "p1");
  assert_int_equal(json_integer_value(json_object_get(x, "corrections")), 0);
  /* one file was delivered, whatever periods it held */
  assert_int_equal(json_integer_value(json_object_get(x, "ingests")), 1);
}

/* ---- Disclosure ---- */

static void test_count_below_threshold_is_suppressed(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1";
  /* one measure per area, so nothing else hides them; Rutland's threshold
   * is 10, the others' 5 */
  const struct ob p1[] = {
      {BLABY, q, "referrals_received", NODIMS, 4, DAHUB_ACTUAL, 0},
      {BLABY, q, "referrals_accepted", NODIMS, 5, DAHUB_ACTUAL, 0},
      {BLABY, q, "helpline_contacts", NODIMS, 7, DAHUB_ACTUAL, 0},
      {RUTLAND, q, "cases_opened", NODIMS, 7, DAHUB_ACTUAL, 0},
      {RUTLAND, q, "cases_closed", NODIMS, 9, DAHUB_ACTUAL, 0},
      {RUTLAND, q, "individuals_supported", NODIMS, 10, DAHUB_ACTUAL, 0},
  };
  static const int hidden[] = {1, 0, 0, 1, 1, 0}; /* of p1, in order */
  size_t i;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 6);
  fx_summary(f, q);
  for (i = 0; i < sizeof p1 / sizeof *p1; i++)
    if (hidden[i])
      assert_string_equal(marker_of(f, p1[i].measure, "p1", p1[i].area, NODIMS),
                          CONFIDENTIAL);
    else
      assert_int_equal(value_of(f, p1[i].measure, "p1", p1[i].area, NODIMS),
                       p1[i].value);
  /* the totals of a lone hidden cell are hidden with it */
  assert_true(json_is_null(
      json_object_get(fig(f, "cases_opened", "all", "all", NODIMS), "value")));
  assert_true(json_is_null(json_object_get(
      fig(f, "referrals_received", "p1", COUNTY, NODIMS), "value")));
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(f->doc, "disclosure"), "threshold")),
                   5);
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(json_object_get(f->doc, "disclosure"),
                                       "area_thresholds"),
                       RUTLAND)),
                   10);
  assert_nothing_recoverable(f, 0);
}

static void test_zero_shown_only_when_zeros_are_not_suppressed(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1";
  const struct ob p1[] = {
      {BLABY, q, "referrals_received", NODIMS, 0, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, "referrals_received", NODIMS, 50, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, "referrals_received", NODIMS, 60, DAHUB_ACTUAL, 0},
  };

  fx_config(f,
            "{\"threshold\": 5, \"area_thresholds\": {\"E06000017\": 10},"
            " \"suppress_zeros\": false}",
            three_partners, 3);
  (void)fx_ingest(f, "p1", p1, 3);
  fx_summary(f, q);
  assert_int_equal(value_of(f, "referrals_received", "p1", BLABY, NODIMS), 0);
  assert_int_equal(value_of(f, "referrals_received", "p1", CHARNWOOD, NODIMS),
                   50);
  fx_default(f);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, "referrals_received", "p1", BLABY, NODIMS),
                      CONFIDENTIAL);
  assert_nothing_recoverable(f, 0);
}

/* Threshold 100 so the hidden figures (77 and 88) are numbers that occur
 * nowhere else in the document: not in a date, an id or a time. */
#define SUMMARY_HIGH                                                           \
  "{\"threshold\": 100, \"area_thresholds\": {\"E06000017\": 200},"            \
  " \"suppress_zeros\": true}"

static void test_secondary_across_districts_and_county(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 77, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 188, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 350, DAHUB_ACTUAL, 0},
  };

  fx_config(f, SUMMARY_HIGH, three_partners, 3);
  (void)fx_ingest(f, "p1", p1, 3);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", BLABY, NODIMS), CONFIDENTIAL);
  /* county 615 and Harborough 350 would give Charnwood + Blaby = 265 */
  assert_string_equal(marker_of(f, m, "p1", CHARNWOOD, NODIMS), CONFIDENTIAL);
  assert_int_equal(value_of(f, m, "p1", HARBOROUGH, NODIMS), 350);
  assert_int_equal(value_of(f, m, "p1", COUNTY, NODIMS), 615);
  assert_int_equal(value_of(f, m, "all", "all", NODIMS), 615);
  assert_string_equal(marker_of(f, m, "all", BLABY, NODIMS), CONFIDENTIAL);
  assert_true(json_is_null(
      json_object_get(fig(f, m, "all", CHARNWOOD, NODIMS), "value")));
  assert_null(strstr(f->text, "77"));
  assert_null(strstr(f->text, "188"));
  assert_nothing_recoverable(f, 0);
}

static void test_secondary_across_partners_and_all_partners(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "helpline_contacts";

  fx_config(f, SUMMARY_HIGH, three_partners, 3);
  (void)fx_one(f, "p1", UNKNOWN_AREA, q, m, 88);
  (void)fx_one(f, "p2", UNKNOWN_AREA, q, m, 123);
  (void)fx_one(f, "p3", UNKNOWN_AREA, q, m, 456);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", UNKNOWN_AREA, NODIMS),
                      CONFIDENTIAL);
  /* all partners 667 less p3's 456 would give p1 + p2 = 211 */
  assert_string_equal(marker_of(f, m, "p2", UNKNOWN_AREA, NODIMS),
                      CONFIDENTIAL);
  assert_int_equal(value_of(f, m, "p3", UNKNOWN_AREA, NODIMS), 456);
  assert_int_equal(value_of(f, m, "all", UNKNOWN_AREA, NODIMS), 667);
  assert_null(strstr(f->text, "88"));
  assert_null(strstr(f->text, "123"));
  assert_nothing_recoverable(f, 0);
}

/* A partner's services are a breakdown of its partnership figure: each
 * service's figure over all areas, under disclosure control like any
 * breakdown, so a small service is hidden and cannot be worked out from
 * its partner's total less its other services. */
static void test_services_are_a_breakdown_of_their_partner(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "helpline_contacts";
  const char *helpline = "{\"service\":\"p1.helpline\"}";
  const char *outreach = "{\"service\":\"p1.outreach\"}";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {BLABY, q, m, NODIMS, 3, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 52, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 61, DAHUB_ACTUAL, 0},
  };
  static const char *const services[] = {
      "p1.helpline", "p1.helpline", "p1.outreach", "p1.family", "p1.family"};

  fx_default(f);
  fx_ingest_services(f, "p1", p1, services, sizeof p1 / sizeof *p1);
  (void)fx_one(f, "p2", BLABY, q, m, 25); /* names no service */
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", "all", outreach), CONFIDENTIAL);
  /* 40 + 30 over the areas; hidden with the small one, or the total is */
  if (json_is_integer(
          json_object_get(fig(f, m, "p1", "all", helpline), "value")))
    assert_int_equal(value_of(f, m, "p1", "all", helpline), 70);
  assert_int_equal(value_of(f, m, "p1", "all", "{\"service\":\"p1.family\"}"),
                   113);
  /* a service is its partner's, never all partners' nor an area's */
  assert_null(find_fig(f->doc, m, "all", "all", helpline));
  assert_null(find_fig(f->doc, m, "p1", BLABY, helpline));
  assert_null(strstr(f->text, "p2."));
  assert_nothing_recoverable(f, 1);
}

/* The two-way table: partners by districts, with the county and all
 * partners as totals, and the partnership as grand total. */
static void test_secondary_in_a_two_way_table(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 2, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 50, DAHUB_ACTUAL, 0},
  };
  const struct ob p2[] = {
      {BLABY, q, m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 3, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 60, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 3);
  (void)fx_ingest(f, "p2", p2, 3);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", BLABY, NODIMS), CONFIDENTIAL);
  assert_string_equal(marker_of(f, m, "p2", CHARNWOOD, NODIMS), CONFIDENTIAL);
  assert_nothing_recoverable(f, 0);
}

static void test_override_hides_seven_in_rutland_not_in_blaby(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1";

  fx_default(f);
  (void)fx_one(f, "p1", RUTLAND, q, "helpline_contacts", 7);
  (void)fx_one(f, "p2", BLABY, q, "referrals_received", 7);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, "helpline_contacts", "p1", RUTLAND, NODIMS),
                      CONFIDENTIAL);
  assert_string_equal(marker_of(f, "helpline_contacts", "all", RUTLAND, NODIMS),
                      CONFIDENTIAL);
  assert_int_equal(value_of(f, "referrals_received", "p2", BLABY, NODIMS), 7);
  assert_int_equal(value_of(f, "referrals_received", "all", COUNTY, NODIMS), 7);
  assert_nothing_recoverable(f, 0);
}

/* The same figures keep the pattern they were published with, but not past
 * a change of thresholds: at 10, Blaby's 7 would have to be hidden, yet
 * the version before showed it and nothing changed since. That is refused,
 * naming the figure, rather than published again as it was. */
static void test_kept_pattern_yields_to_a_new_threshold(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob obs[] = {
      {BLABY, q, m, NODIMS, 7, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 30, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 40, DAHUB_ACTUAL, 0},
  };
  struct summary_env env;
  struct dahub_error err = {0};
  json_t *doc = NULL;

  fx_default(f);
  (void)fx_ingest(f, "p2", obs, 3);
  fx_publish(f, q);
  assert_int_equal(value_of(f, m, "p2", BLABY, NODIMS), 7);
  fx_summary(f, q); /* unchanged: the same pattern */
  assert_int_equal(value_of(f, m, "p2", BLABY, NODIMS), 7);
  fx_config(f,
            "{\"threshold\": 10, \"area_thresholds\": {\"E06000017\": 10},"
            " \"suppress_zeros\": true}",
            three_partners, 3);
  env = (struct summary_env){
      .conf = f->conf, .vocab = f->vocab, .store = f->st, .now = f->now};
  assert_int_equal(summary_build(&env, q, &doc, NULL, &err), -EDOM);
  assert_null(doc);
  assert_non_null(strstr(err.msg, "referrals_received (area E07000129"));
}

static void test_suppressed_at_source_stays_so(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 0, DAHUB_SUPPRESSED, 0},
      {CHARNWOOD, q, m, NODIMS, 40, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 50, DAHUB_ACTUAL, 0},
      {MELTON, q, m, NODIMS, 0, DAHUB_MISSING, 0},
  };
  json_t *x;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", BLABY, NODIMS),
                      "suppressed_at_source");
  assert_string_equal(marker_of(f, m, "all", BLABY, NODIMS),
                      "suppressed_at_source");
  assert_string_equal(marker_of(f, m, "p1", MELTON, NODIMS), "missing");
  /* the county is what is known, marked partial: never a guess */
  x = fig(f, m, "p1", COUNTY, NODIMS);
  assert_int_equal(value_of(f, m, "p1", COUNTY, NODIMS), 90);
  assert_true(json_is_true(json_object_get(x, "partial")));
  assert_int_equal(value_of(f, m, "p1", CHARNWOOD, NODIMS), 40);
  assert_nothing_recoverable(f, 0);
}

static void test_hidden_values_are_nowhere_in_the_document(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  /* Hidden: Blaby's 77 (p1) and 99 (p2), each also as a breakdown, in a
   * change on the quarter before and in a rate. Every published figure
   * (410, 520, 487, 619, 1106, 176, their changes and rates) is chosen so
   * that neither "77" nor "99" is part of its digits. */
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 77, DAHUB_ACTUAL, 0},
      {BLABY, q, m, FEMALE, 77, DAHUB_ACTUAL, 0},
      {BLABY, q, "referrals_accepted", NODIMS, 150, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 410, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, FEMALE, 410, DAHUB_ACTUAL, 0},
      {BLABY, "FY2023-24-Q4", m, NODIMS, 300, DAHUB_ACTUAL, 0},
  };
  const struct ob p2[] = {
      {BLABY, q, m, NODIMS, 99, DAHUB_ACTUAL, 0},
      {BLABY, q, m, FEMALE, 99, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 520, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, FEMALE, 520, DAHUB_ACTUAL, 0},
  };

  fx_config(f, SUMMARY_HIGH, three_partners, 3);
  (void)fx_ingest(f, "p1", p1, 6);
  (void)fx_ingest(f, "p2", p2, 4);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", BLABY, NODIMS), CONFIDENTIAL);
  assert_string_equal(marker_of(f, m, "p2", BLABY, NODIMS), CONFIDENTIAL);
  /* Blaby for all partners (176) shows: two hidden cells add up to it, and
   * neither can be told from the other */
  assert_int_equal(value_of(f, m, "all", BLABY, NODIMS), 176);
  assert_null(strstr(f->text, "77"));
  assert_null(strstr(f->text, "99"));
  /* Blaby's change on the quarter before would be -223 */
  assert_null(strstr(f->text, "223"));
  /* the acceptance rate 150 of 77 would be 194.8 */
  assert_null(strstr(f->text, "194.8"));
  assert_nothing_recoverable(f, 1);
}

/* A return by gender and by age band within gender: the age bands of
 * women add up to women, so the hidden 3 must not be 40 - 37. */
static void test_two_level_breakdown_hides_by_subtraction(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
#define F1824 "{\"age_band\":\"18-24\",\"gender\":\"female\"}"
#define F2534 "{\"age_band\":\"25-34\",\"gender\":\"female\"}"
#define M1824 "{\"age_band\":\"18-24\",\"gender\":\"male\"}"
#define M2534 "{\"age_band\":\"25-34\",\"gender\":\"male\"}"
#define A1824 "{\"age_band\":\"18-24\"}"
#define A2534 "{\"age_band\":\"25-34\"}"
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 60, DAHUB_ACTUAL, 0},
      {BLABY, q, m, FEMALE, 40, DAHUB_ACTUAL, 0},
      {BLABY, q, m, MALE, 20, DAHUB_ACTUAL, 0},
      {BLABY, q, m, A1824, 11, DAHUB_ACTUAL, 0},
      {BLABY, q, m, A2534, 49, DAHUB_ACTUAL, 0},
      {BLABY, q, m, F1824, 3, DAHUB_ACTUAL, 0},
      {BLABY, q, m, F2534, 37, DAHUB_ACTUAL, 0},
      {BLABY, q, m, M1824, 8, DAHUB_ACTUAL, 0},
      {BLABY, q, m, M2534, 12, DAHUB_ACTUAL, 0},
  };

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 9);
  fx_summary(f, q);
  assert_string_equal(marker_of(f, m, "p1", BLABY, F1824), CONFIDENTIAL);
  assert_int_equal(value_of(f, m, "p1", BLABY, NODIMS), 60);
  assert_nothing_recoverable(f, 1);
#undef F1824
#undef F2534
#undef M1824
#undef M2534
#undef A1824
#undef A2534
}

/* value or marker of every figure, "measure/source/area/dims=value" lines */
static char *published_table(json_t *doc) {
  size_t cap = 1 << 16, len = 0, i;
  char *out = calloc(1, cap);
  json_t *x;

  assert_non_null(out);
  json_array_foreach(json_object_get(doc, "figures"), i, x) {
    char *dims = json_dumps(json_object_get(x, "dimensions"),
                            JSON_COMPACT | JSON_SORT_KEYS);
    json_t *v = json_object_get(x, "value");
    int w = snprintf(out + len, cap - len, "%s/%s/%s/%s=%lld%s\n",
                     json_string_value(json_object_get(x, "measure")),
                     json_string_value(json_object_get(x, "source_id")),
                     json_string_value(json_object_get(x, "area")), dims,
                     (long long)json_integer_value(v),
                     json_is_null(v) ? " hidden" : "");

    free(dims);
    assert_true(w > 0 && (size_t)w < cap - len);
    len += (size_t)w;
  }
  return out;
}

/* A partner sends the same figures again, rows in another order (or a
 * correction elsewhere in the file). The published table must be the same:
 * v1 hiding Charnwood and v2 hiding Harborough would give Blaby's 3 as
 * county - Charnwood (from v2) - Harborough (from v1). */
static void
test_same_figures_in_another_order_hide_the_same_cells(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob first[] = {
      {BLABY, q, m, NODIMS, 3, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
  };
  const struct ob again[] = {
      {HARBOROUGH, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {BLABY, q, m, NODIMS, 3, DAHUB_ACTUAL, 0},
  };
  char *v1, *v2;

  fx_default(f);
  (void)fx_ingest(f, "p1", first, 3);
  fx_summary(f, q);
  v1 = published_table(f->doc);
  (void)fx_ingest(f, "p1", again, 3);
  fx_summary(f, q);
  v2 = published_table(f->doc);
  if (strcmp(v1, v2) != 0) {
    print_message("first:\n%s\nagain:\n%s", v1, v2);
    free(v1);
    free(v2);
    fail_msg("the same figures publish another table");
  }
  free(v1);
  free(v2);
}

/* The same store asked again must publish the same table, whatever the
 * process did in between (here: small blocks freed in a shuffled order, as
 * any other work leaves the heap). A table that changes from one run to the
 * next is a new version with the same figures, and two versions hiding
 * different cells give away what each hides. */
static void test_the_same_store_always_publishes_the_same_table(void **state) {
  struct fx *f = *state;
  const char *q = "FY2024-25-Q1", *m = "referrals_received";
  const struct ob p1[] = {
      {BLABY, q, m, NODIMS, 3, DAHUB_ACTUAL, 0},
      {CHARNWOOD, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {HARBOROUGH, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
      {MELTON, q, m, NODIMS, 20, DAHUB_ACTUAL, 0},
  };
  uint64_t seed = 12345;
  char *first, *again;

  fx_default(f);
  (void)fx_ingest(f, "p1", p1, 4);
  fx_summary(f, q);
  first = published_table(f->doc);
  for (int run = 0; run < 20; run++) {
    char *blocks[64];

    for (int i = 0; i < 64; i++) {
      blocks[i] = malloc(10 + (size_t)(i % 3));
      assert_non_null(blocks[i]);
    }
    for (int i = 63; i > 0; i--) { /* shuffle, then free in that order */
      int j;
      char *t;

      seed = seed * 6364136223846793005u + 1442695040888963407u;
      j = (int)((seed >> 33) % (uint64_t)(i + 1));
      t = blocks[i];
      blocks[i] = blocks[j];
      blocks[j] = t;
    }
    for (int i = 0; i < 64; i++)
      free(blocks[i]);
    fx_summary(f, q);
    again = published_table(f->doc);
    if (strcmp(first, again) != 0) {
      print_message("run 0:\n%s\nrun %d:\n%s", first, run + 1, again);
      free(first);
      free(again);
      fail_msg("the same store published another table");
    }
    free(again);
  }
  free(first);
}

/* ---- Property: random stores ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

/* The test's own figure for one cell: what the summary must publish. */
struct truth {
  char key[192];
  int64_t sum;
  int known, source;
};

struct truths {
  struct truth v[2048];
  size_t n;
};

static struct truth *truth_get(struct truths *t, const char *measure,
                               const char *source, const char *area,
                               const char *dims) {
  char key[192];

  (void)snprintf(key, sizeof key, "%s|%s|%s|%s", measure, source, area, dims);
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].key, key) == 0)
      return &t->v[i];
  assert_true(t->n < sizeof t->v / sizeof *t->v);
  memset(&t->v[t->n], 0, sizeof t->v[0]);
  (void)snprintf(t->v[t->n].key, sizeof t->v[0].key, "%s", key);
  return &t->v[t->n++];
}

static void truth_add(struct truths *t, const struct ob *o,
                      const char *source) {
  const char *sources[] = {source, "all"};
  const char *areas[] = {o->area, is_district(o->area) ? COUNTY : NULL, "all"};

  for (int s = 0; s < 2; s++)
    for (int a = 0; a < 3; a++) {
      struct truth *x;

      if (areas[a] == NULL)
        continue;
      x = truth_get(t, o->measure, sources[s], areas[a], o->dims);
      if (o->status == DAHUB_SUPPRESSED) {
        x->source++;
      } else {
        x->known++;
        x->sum += o->value;
      }
    }
}

static uint64_t threshold_for(const char *area) {
  return strcmp(area, RUTLAND) == 0 ? 10 : 5;
}

/* One random store: a few partners, measures and areas, small counts,
 * some suppressed at source. Every reported figure of referrals_received
 * also comes by gender, adding up, so a breakdown adds up to its total at
 * every level and the attacker may use it. */
static void random_store(struct fx *f, struct truths *t) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131",
                                      "E07000132", "E07000133", "E07000134",
                                      "E07000135", RUTLAND,     UNKNOWN_AREA};
  static const char *const measures[] = {"referrals_received",
                                         "helpline_contacts"};
  static const char *const partners[] = {"p1", "p2", "p3"};
  const char *q = "FY2024-25-Q1";
  size_t n_partners = 1 + rnd(3), n_measures = 1 + rnd(2);

  t->n = 0;
  for (size_t p = 0; p < n_partners; p++) {
    struct ob obs[64];
    size_t n = 0;

    for (size_t m = 0; m < n_measures; m++)
      for (size_t a = 0; a < sizeof areas / sizeof *areas; a++) {
        struct ob o = {areas[a], q, measures[m], NODIMS, 0, DAHUB_ACTUAL, 0};

        if (rnd(2) == 0)
          continue;
        if (rnd(10) == 0) {
          o.status = DAHUB_SUPPRESSED;
          obs[n++] = o;
          truth_add(t, &o, partners[p]);
          continue;
        }
        if (m == 0) { /* this measure always comes broken down */
          struct ob fem = o, male = o;

          fem.dims = FEMALE;
          fem.value = rnd(14);
          male.dims = MALE;
          male.value = rnd(14);
          o.value = fem.value + male.value;
          obs[n++] = fem;
          obs[n++] = male;
          truth_add(t, &fem, partners[p]);
          truth_add(t, &male, partners[p]);
        } else {
          o.value = rnd(3) == 0 ? rnd(40) : rnd(12);
        }
        obs[n++] = o;
        truth_add(t, &o, partners[p]);
      }
    if (n > 0)
      (void)fx_ingest(f, partners[p], obs, n);
  }
}

/* Every figure as the test expects it: shown values equal the truth and
 * pass the threshold; hidden ones have a marker that fits. */
static size_t seen_primary, seen_secondary, seen_source, seen_determined;

static void check_against_truth(struct fx *f, struct truths *t, int zeros) {
  json_t *x;
  size_t i;

  json_array_foreach(json_object_get(f->doc, "figures"), i, x) {
    const char *measure = json_string_value(json_object_get(x, "measure"));
    const char *source = json_string_value(json_object_get(x, "source_id"));
    const char *area = json_string_value(json_object_get(x, "area"));
    const char *marker = json_string_value(json_object_get(x, "marker"));
    char *dims = json_dumps(json_object_get(x, "dimensions"),
                            JSON_COMPACT | JSON_SORT_KEYS);
    struct truth *w = truth_get(t, measure, source, area, dims);
    json_t *v = json_object_get(x, "value");

    if (w->known == 0 && w->source == 0)
      fail_msg("a figure nobody reported: %s", w->key);
    if (w->known == 0) {
      assert_string_equal(marker, "suppressed_at_source");
      seen_source++;
    } else if (marker == NULL) {
      int64_t n = json_integer_value(v);

      assert_true(json_is_integer(v));
      if (n != w->sum)
        fail_msg("%s: published %lld, the stores hold %lld", w->key,
                 (long long)n, (long long)w->sum);
      /* a 0 the lines alone fix is shown: hiding it would protect nothing */
      if (n == 0 && zeros)
        seen_determined++;
      else if ((uint64_t)n < threshold_for(area) && n != 0)
        fail_msg("%s: %lld published below its threshold", w->key,
                 (long long)n);
      assert_int_equal(json_is_true(json_object_get(x, "partial")),
                       w->source > 0);
    } else {
      /* one marker: whether the rule was primary is the test's to know */
      assert_string_equal(marker, CONFIDENTIAL);
      if ((uint64_t)w->sum < threshold_for(area) && (w->sum != 0 || zeros))
        seen_primary++;
      else
        seen_secondary++;
    }
    free(dims);
  }
  /* and every cell the test expects is there */
  for (size_t k = 0; k < t->n; k++) {
    char measure[48], source[16], area[16], dims[96];

    if (sscanf(t->v[k].key, "%47[^|]|%15[^|]|%15[^|]|%95s", measure, source,
               area, dims) != 4)
      fail_msg("bad key %s", t->v[k].key);
    if (find_fig(f->doc, measure, source, area, dims) == NULL)
      fail_msg("no figure for %s", t->v[k].key);
  }
}

static void test_random_stores_leak_nothing(void **state) {
  struct fx *f = *state;
  struct truths *t = calloc(1, sizeof *t);
  struct dahub_error err = {0};
  char path[128];

  assert_non_null(t);
  rng_state = 0x9e3779b97f4a7c15u;
  seen_primary = seen_secondary = seen_source = seen_determined = 0;
  for (int i = 0; i < 200; i++) {
    int zeros = i % 2 == 0;

    fx_config(f,
              zeros ? SUMMARY_DEFAULT
                    : "{\"threshold\": 5, \"area_thresholds\": "
                      "{\"E06000017\": 10}, \"suppress_zeros\": false}",
              three_partners, 3);
    store_close(f->st);
    (void)snprintf(path, sizeof path, "%s/random-%d.sqlite", f->dir, i);
    if (store_open(path, &f->st, &err) != 0)
      fail_msg("store: %s", err.msg);
    random_store(f, t);
    fx_summary(f, "FY2024-25-Q1");
    check_against_truth(f, t, zeros);
    {
      struct attack *a = calloc(1, sizeof *a);

      assert_non_null(a);
      a->breakdowns = 1;
      attack_read(a, f->doc);
      attack_relations(a);
      for (size_t c = 0; c < a->n; c++) {
        struct truth *w = truth_get(t, a->c[c].measure, a->c[c].source,
                                    a->c[c].area, a->c[c].dims);

        a->c[c].has_truth = 1;
        a->c[c].truth = w->sum;
      }
      if (attack_run(a) != 0) {
        char msg[600];

        (void)snprintf(msg, sizeof msg, "store %d: %s", i, a->leak);
        free(a);
        free(t);
        fail_msg("%s", msg);
      }
      free(a);
    }
    (void)remove(path);
  }
  free(t);
  /* the stores were small enough to need every kind of suppression */
  print_message("hidden: %zu primary, %zu secondary, %zu at source; "
                "%zu zeros shown as fixed by the lines\n",
                seen_primary, seen_secondary, seen_source, seen_determined);
  assert_true(seen_determined * 20 < seen_primary);
  assert_true(seen_primary > 1000);
  assert_true(seen_secondary > 500);
  assert_true(seen_source > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
      T(test_areas_roll_up_to_county_and_partnership),
      T(test_every_district_rolls_into_the_county),
      T(test_breakdowns_are_figures_of_their_own),
      T(test_provenance_lists_the_ingests_of_a_figure),
      T(test_period_previous_and_year_ago),
      T(test_bad_period_is_refused),
      T(test_year_from_halves_or_quarters),
      T(test_reported_year_wins_over_its_parts),
      T(test_snapshot_year_is_its_last_quarter),
      T(test_averages_and_percentages_are_never_summed),
      T(test_quarter_before_a_meeting),
      T(test_change_on_previous_quarter_and_year_ago),
      T(test_no_change_when_this_quarter_is_suppressed),
      T(test_no_change_across_a_partial_figure),
      T(test_rutland_childrens_services_table),
      T(test_allocations_by_year_beside_a_quarter),
      T(test_rate_rounds_half_up_to_one_decimal),
      T(test_rate_with_a_suppressed_side_is_suppressed),
      T(test_completeness_of_feeds),
      T(test_a_corrected_return_is_counted_as_a_correction),
      T(test_one_file_is_one_ingest_whatever_its_periods),
      T(test_count_below_threshold_is_suppressed),
      T(test_zero_shown_only_when_zeros_are_not_suppressed),
      T(test_secondary_across_districts_and_county),
      T(test_secondary_across_partners_and_all_partners),
      T(test_services_are_a_breakdown_of_their_partner),
      T(test_secondary_in_a_two_way_table),
      T(test_override_hides_seven_in_rutland_not_in_blaby),
      T(test_kept_pattern_yields_to_a_new_threshold),
      T(test_suppressed_at_source_stays_so),
      T(test_hidden_values_are_nowhere_in_the_document),
      T(test_two_level_breakdown_hides_by_subtraction),
      T(test_same_figures_in_another_order_hide_the_same_cells),
      T(test_the_same_store_always_publishes_the_same_table),
      T(test_random_stores_leak_nothing),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
