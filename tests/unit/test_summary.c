/*
 * test_summary.c: the board summary, from a real store to the document.
 *
 * Each test writes hub.json and feeds.d/ into its own mkdtemp folder, loads
 * them with config_load() and the vocabulary from
 * $DAHUB_SOURCE_DIR/conf/vocabulary.json, fills a real SQLite store through
 * the ingest API with synthetic observations, calls summary_build() and
 * reads the JSON document as a sink would. Most tests are scenarios, rows
 * of one table (scenarios[]) run by one runner: the returns stored, the
 * summaries built and what each must show.
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
#include "dahub/date.h"
#include "dahub/period.h"
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
/* The same, zeros shown. */
#define SUMMARY_ZEROS_SHOWN                                                    \
  "{\"threshold\": 5, \"area_thresholds\": {\"E06000017\": 10},"               \
  " \"suppress_zeros\": false}"
/* Threshold 100 so the hidden figures (77 and 88) are numbers that occur
 * nowhere else in the document: not in a date, an id or a time. */
#define SUMMARY_HIGH                                                           \
  "{\"threshold\": 100, \"area_thresholds\": {\"E06000017\": 200},"            \
  " \"suppress_zeros\": true}"

/* ---- Fixture ---- */

struct scenario;
struct feed_def;

struct fx {
  char dir[64];
  struct config *conf;
  struct vocab *vocab;
  struct store *st;
  int files;   /* ingests so far: makes each file's hash unique */
  int64_t now; /* the summary's "now" */
  json_t *doc; /* the last summary, freed by the next or teardown */
  char *text;  /* doc dumped compact */
  const struct scenario *scenario; /* the test's, or NULL */
  const struct feed_def *feeds;    /* a scenario's feeds */
  size_t n_feeds;
  char *kept; /* a scenario's table of published figures */
  /* the next file's warnings, kept with it: how many, how many name a
   * cell, and the JSON array of them (NULL: none) */
  unsigned n_warnings, warning_cells;
  char warnings[1024];
};

static int64_t at(const char *iso) {
  int64_t t;

  if (dahub_date_parse_time(iso, &t) != 0)
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
  f->scenario = *state; /* run_scenario()'s, else NULL */
  *state = f;           /* also when a step below fails */
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
  free(f->kept);
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
  if (f->n_warnings > 0 &&
      store_ingest_warnings(f->st, f->n_warnings, f->warning_cells, f->warnings,
                            &err) != 0) {
    store_ingest_rollback(f->st);
    fail_msg("ingest_warnings: %s", err.msg);
  }
  f->n_warnings = 0;
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

/* 1 when have holds want: every member of an object in want is in have
 * and holds its value in turn; anything else is equal. */
static int holds_json(const json_t *have, const json_t *want) {
  const char *k;
  json_t *v;

  if (!json_is_object(want))
    return json_equal(have, want);
  if (!json_is_object(have))
    return 0;
  json_object_foreach((json_t *)want, k, v) {
    if (!holds_json(json_object_get(have, k), v))
      return 0;
  }
  return 1;
}

/* Fails, saying what, unless have holds want, written in JSON with ' for
 * " (a test's shorthand): see holds_json(). Then none of the keys in
 * absent (separated by spaces) may be in have. */
static void assert_holds(const json_t *have, const char *want,
                         const char *absent, const char *what) {
  char text[512] = "", key[64], *t;
  json_error_t je;
  json_t *w = NULL;
  int n, bad = 0;

  if (have == NULL)
    fail_msg("%s: not in the document", what);
  if (want != NULL) {
    (void)snprintf(text, sizeof text, "%s", want);
    for (char *p = text; *p != '\0'; p++)
      if (*p == '\'')
        *p = '"';
    if ((w = json_loads(text, JSON_DECODE_ANY, &je)) == NULL)
      fail_msg("%s: bad JSON in the test (%s)", what, je.text);
    bad = !holds_json(have, w);
    json_decref(w);
  }
  for (const char *p = absent;
       !bad && p != NULL && sscanf(p, "%63s%n", key, &n) == 1; p += n)
    bad = json_object_get(have, key) != NULL;
  if (bad) {
    t = json_dumps(have, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    print_message("have: %s\nwant: %s%s%s\n", t, text,
                  absent != NULL ? ", none of " : "", absent ? absent : "");
    free(t);
    fail_msg("%s: not as the test expects", what);
  }
}

/* ---- Scenarios: returns stored, a summary built, what it shows ---- */

/*
 * Most behaviours of the summary are one scenario each: returns stored,
 * the summary of a period built, what it shows checked, perhaps again
 * after a later return. A scenario is a row of scenarios[], its steps run
 * in order by run_scenario(), and a test of its own under its name.
 *
 * FILE_OF starts a file of a feed, and the ROWs after it are its
 * observations (WARNINGS its warnings), stored as one ingest when the next
 * step comes. The checks
 * read the last summary built. A check's JSON uses ' for " and need only
 * hold what it names (assert_holds()).
 */
enum step_kind {
  END,         /* what steps[] leaves over */
  DO_FILE,     /* a new file of feed: the DO_ROWs after it */
  DO_ROW,      /* one observation of that file */
  DO_WARNINGS, /* that file's warnings: value of them, cells, JSON text */
  DO_CONFIG,   /* hub.json's summary section becomes text */
  DO_NOW,      /* the summaries' "now" becomes the time text */
  DO_SUMMARY,  /* the summary of period */
  DO_PUBLISH,  /* ... recorded as the next version, as `dahub report` does */
  DO_KEEP,     /* keeps the table of published figures */
  IS_SAME,     /* ... which is still the same */
  IS_REFUSED,  /* the summary of period fails with value, text in its reason */
  IS_SHOWN,    /* the figure shows value */
  IS_SHOWN_IF, /* ... if it is shown at all */
  IS_HIDDEN,   /* the figure is hidden behind the marker text */
  IS_ABSENT,   /* there is no such figure */
  IS_FIGURE,   /* the figure holds the JSON text and no key in absent */
  IS_RATE,     /* the rate (measure) of source and area: the same */
  IS_FEED,     /* feed's line of completeness holds the JSON text */
  IS_DOC,      /* the document's member holds the JSON text */
  IS_COUNT,    /* the document's member is an array of value entries */
  IS_NOWHERE,  /* text is nowhere in the document */
  IS_SAFE,     /* the attacker recovers nothing (value 1: breakdowns add) */
};

struct step {
  enum step_kind kind;
  const char *feed;                           /* DO_FILE, IS_FEED */
  const char *area, *period, *measure, *dims; /* a row's, a figure's */
  const char *service;                        /* a row's, or NULL */
  const char *source;                         /* a figure's partner or "all" */
  const char *member;                         /* IS_DOC, IS_COUNT */
  unsigned cells;                             /* DO_WARNINGS */
  int64_t value;
  enum dahub_status status; /* a row's: DAHUB_ACTUAL unless said */
  const char *text, *absent;
};

/* clang-format off */
#define FILE_OF(feed_) {DO_FILE, .feed = feed_}
#define ROW(area, period, measure, v) ROW_BY(area, period, measure, NODIMS, v)
#define ROW_BY(area_, period_, measure_, dims_, v)                             \
  {DO_ROW, .area = area_, .period = period_, .measure = measure_,              \
   .dims = dims_, .value = v}
#define ROW_AS(area_, period_, measure_, status_)                              \
  {DO_ROW, .area = area_, .period = period_, .measure = measure_,              \
   .dims = NODIMS, .status = status_}
#define ROW_OF(service_, area_, period_, measure_, v)                          \
  {DO_ROW, .service = service_, .area = area_, .period = period_,              \
   .measure = measure_, .dims = NODIMS, .value = v}
#define WARNINGS(n, cells_, json)                                              \
  {DO_WARNINGS, .value = n, .cells = cells_, .text = json}
#define CONFIG(summary) {DO_CONFIG, .text = summary}
#define NOW(iso) {DO_NOW, .text = iso}
#define SUMMARY(period_) {DO_SUMMARY, .period = period_}
#define PUBLISH(period_) {DO_PUBLISH, .period = period_}
#define KEEP_TABLE {.kind = DO_KEEP}
#define SAME_TABLE {.kind = IS_SAME}
#define REFUSED(period_, code, why)                                            \
  {IS_REFUSED, .period = period_, .value = code, .text = why}
/* A figure: measure, partner ("all"), area ("all") and, with _BY, breakdown
 * (else none). */
#define CELL(m, source_, area_, dims_)                                         \
  .measure = m, .source = source_, .area = area_, .dims = dims_
#define SHOWN(m, source, area, v) SHOWN_BY(m, source, area, NODIMS, v)
#define SHOWN_BY(m, source, area, dims, v)                                     \
  {IS_SHOWN, CELL(m, source, area, dims), .value = v}
#define SHOWN_IF_BY(m, source, area, dims, v)                                  \
  {IS_SHOWN_IF, CELL(m, source, area, dims), .value = v}
#define HIDDEN(m, source, area) HIDDEN_BY(m, source, area, NODIMS)
#define HIDDEN_BY(m, source, area, dims)                                       \
  MARKED_BY(m, source, area, dims, CONFIDENTIAL)
#define MARKED(m, source, area, marker)                                        \
  MARKED_BY(m, source, area, NODIMS, marker)
#define MARKED_BY(m, source, area, dims, marker)                               \
  {IS_HIDDEN, CELL(m, source, area, dims), .text = marker}
#define ABSENT(m, source, area) ABSENT_BY(m, source, area, NODIMS)
#define ABSENT_BY(m, source, area, dims)                                       \
  {IS_ABSENT, CELL(m, source, area, dims)}
#define FIGURE(m, source, area, json, absent_)                                 \
  FIGURE_BY(m, source, area, NODIMS, json, absent_)
#define FIGURE_BY(m, source, area, dims, json, absent_)                        \
  {IS_FIGURE, CELL(m, source, area, dims), .text = json, .absent = absent_}
#define RATE(rate, source, area, json, absent_)                                \
  {IS_RATE, CELL(rate, source, area, NULL), .text = json, .absent = absent_}
#define FEED(feed_, json) {IS_FEED, .feed = feed_, .text = json}
#define FEED_LACKS(feed_, keys) {IS_FEED, .feed = feed_, .absent = keys}
#define DOC(member_, json) {IS_DOC, .member = member_, .text = json}
#define COUNT(member_, n) {IS_COUNT, .member = member_, .value = n}
#define NOWHERE(text_) {IS_NOWHERE, .text = text_}
#define SAFE(breakdowns) {IS_SAFE, .value = breakdowns}
/* The summary of period id: its dates, the period before and a year
 * before. */
#define PERIOD(id, start, end, previous, year_ago)                             \
  SUMMARY(id), DOC("period", "{'id': '" id "', 'start': '" start "', 'end': '" \
                   end "', 'previous': '" previous "', 'year_ago': '"          \
                   year_ago "'}")
/* clang-format on */

struct scenario {
  const char *name;
  const char *summary;      /* hub.json's summary; NULL: SUMMARY_DEFAULT */
  struct feed_def feeds[6]; /* none named: p1, p2, p3 (three_partners) */
  struct step steps[40];
};

/* What the scenarios store and read, for short. */
#define Q1 "FY2024-25-Q1"
#define Q2 "FY2024-25-Q2"
#define Q3 "FY2024-25-Q3"
#define Q4 "FY2024-25-Q4"
#define H1 "FY2024-25-H1"
#define H2 "FY2024-25-H2"
#define YEAR "FY2024-25"
#define RR "referrals_received"
#define RA "referrals_accepted"
#define HC "helpline_contacts"
#define ACCEPTED "referral_acceptance_share"
#define AVG_STAY "sa_average_stay_days"
#define DA_PCT "cs_single_assessments_da_pct"
#define BEDS "sa_bedspaces_available"
#define OPEN "caseload_open_at_end"
#define SA_DONE "cs_single_assessments_completed"
#define SA_DA "cs_single_assessments_da_factor"
#define SA_SHARE "cs_single_assessments_da_share"
#define AGE_18_24 "{\"age_band\":\"18-24\"}"
#define AGE_25_34 "{\"age_band\":\"25-34\"}"
#define FEMALE_18_24 "{\"age_band\":\"18-24\",\"gender\":\"female\"}"
#define FEMALE_25_34 "{\"age_band\":\"25-34\",\"gender\":\"female\"}"
#define MALE_18_24 "{\"age_band\":\"18-24\",\"gender\":\"male\"}"
#define MALE_25_34 "{\"age_band\":\"25-34\",\"gender\":\"male\"}"
#define HELPLINE "{\"service\":\"p1.helpline\"}"
#define OUTREACH "{\"service\":\"p1.outreach\"}"
#define FAMILY "{\"service\":\"p1.family\"}"
#define RATE_HIDDEN "{'value': null, 'marker': '" CONFIDENTIAL "'}"

/* clang-format off */
static const struct scenario scenarios[] = {
  /* ---- Aggregation ---- */
  {"areas_roll_up_to_county_and_partnership", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 10), ROW(CHARNWOOD, Q1, RR, 20),
      ROW(RUTLAND, Q1, RR, 30), ROW(UNKNOWN_AREA, Q1, RR, 40),
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 15), ROW(MELTON, Q1, RR, 25),
    SUMMARY(Q1),
    /* each partner, each area */
    SHOWN(RR, "p1", BLABY, 10), SHOWN(RR, "p1", CHARNWOOD, 20),
    SHOWN(RR, "p1", RUTLAND, 30), SHOWN(RR, "p1", UNKNOWN_AREA, 40),
    SHOWN(RR, "p2", BLABY, 15), SHOWN(RR, "p2", MELTON, 25),
    /* the county: its districts only */
    SHOWN(RR, "p1", COUNTY, 30), SHOWN(RR, "p2", COUNTY, 40),
    SHOWN(RR, "all", COUNTY, 70),
    /* the partnership: every area */
    SHOWN(RR, "p1", "all", 100), SHOWN(RR, "p2", "all", 40),
    SHOWN(RR, "all", "all", 140),
    /* all partners, per area */
    SHOWN(RR, "all", BLABY, 25), SHOWN(RR, "all", CHARNWOOD, 20),
    SHOWN(RR, "all", MELTON, 25), SHOWN(RR, "all", RUTLAND, 30),
    /* no cell for an area nobody reported */
    ABSENT(RR, "p2", RUTLAND), ABSENT(RR, "p1", HARBOROUGH),
    /* names */
    FIGURE(RR, "all", COUNTY, "{'area_name': 'Leicestershire'}", NULL),
    FIGURE(RR, "all", "all", "{'area_name': 'Partnership (all areas)'}", NULL),
    FIGURE(RR, "p1", BLABY, "{'unit': 'count'}", NULL),
    SAFE(0)}},
  {"every_district_rolls_into_the_county", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q2, HC, 100), ROW(CHARNWOOD, Q2, HC, 111),
      ROW(HARBOROUGH, Q2, HC, 122), ROW("E07000132", Q2, HC, 133),
      ROW(MELTON, Q2, HC, 144), ROW("E07000134", Q2, HC, 155),
      ROW("E07000135", Q2, HC, 166),
    SUMMARY(Q2),
    SHOWN(HC, "p1", COUNTY, 931), SHOWN(HC, "all", "all", 931),
    SHOWN(HC, "p1", "E07000135", 166)}},
  {"breakdowns_are_figures_of_their_own", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 20), ROW_BY(BLABY, Q1, RR, FEMALE, 12),
      ROW_BY(BLABY, Q1, RR, MALE, 8), ROW(CHARNWOOD, Q1, RR, 30),
      ROW_BY(CHARNWOOD, Q1, RR, FEMALE, 21), ROW_BY(CHARNWOOD, Q1, RR, MALE, 9),
    SUMMARY(Q1),
    SHOWN_BY(RR, "p1", BLABY, FEMALE, 12), SHOWN_BY(RR, "p1", BLABY, MALE, 8),
    SHOWN_BY(RR, "p1", COUNTY, FEMALE, 33),
    SHOWN_BY(RR, "p1", COUNTY, MALE, 17),
    SHOWN_BY(RR, "all", "all", FEMALE, 33), SHOWN(RR, "p1", COUNTY, 50),
    FIGURE_BY(RR, "p1", BLABY, FEMALE, "{'dimensions': {'gender': 'female'}}",
              NULL),
    SAFE(1)}},

  /* ---- Period arithmetic ---- */
  {"period_previous_and_year_ago", .steps = {
    PERIOD(Q1, "2024-04-01", "2024-06-30", "FY2023-24-Q4", "FY2023-24-Q1"),
    PERIOD(Q2, "2024-07-01", "2024-09-30", "FY2024-25-Q1", "FY2023-24-Q2"),
    PERIOD(Q3, "2024-10-01", "2024-12-31", "FY2024-25-Q2", "FY2023-24-Q3"),
    PERIOD(Q4, "2025-01-01", "2025-03-31", "FY2024-25-Q3", "FY2023-24-Q4"),
    PERIOD(YEAR, "2024-04-01", "2025-03-31", "FY2023-24", "FY2023-24"),
    PERIOD(H1, "2024-04-01", "2024-09-30", "FY2023-24-H2", "FY2023-24-H1"),
    PERIOD(H2, "2024-10-01", "2025-03-31", "FY2024-25-H1", "FY2023-24-H2")}},
  {"bad_period_is_refused", .steps = {
    REFUSED("FY2024-26", -EINVAL, "is not a period"),
    REFUSED("FY2024-25-Q5", -EINVAL, "is not a period"),
    REFUSED("2024-25", -EINVAL, "is not a period"),
    REFUSED("", -EINVAL, "is not a period"),
    REFUSED("FY2024-25-H3", -EINVAL, "is not a period"),
    REFUSED("FY2024-25-Q1/../x", -EINVAL, "is not a period")}},
  {"year_from_halves_or_quarters", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 10), ROW(BLABY, Q2, RR, 20),
      ROW(BLABY, Q3, RR, 30), ROW(BLABY, Q4, RR, 40),
    FILE_OF("p2"), ROW(BLABY, H1, RR, 50), ROW(BLABY, H2, RR, 60),
    /* three quarters only: Q4 missing */
    FILE_OF("p3"), ROW(BLABY, Q1, RR, 7), ROW(BLABY, Q2, RR, 8),
      ROW(BLABY, Q3, RR, 9),
    SUMMARY(YEAR),
    FIGURE(RR, "p1", BLABY, "{'value': 100}", "partial"),
    FIGURE(RR, "p2", BLABY, "{'value': 110}", "partial"),
    FIGURE(RR, "p3", BLABY, "{'value': 24, 'partial': true}", NULL),
    /* a total holding a partial figure is partial too */
    FIGURE(RR, "all", BLABY, "{'value': 234, 'partial': true}", NULL),
    /* a half from its quarters */
    SUMMARY(H2),
    SHOWN(RR, "p1", BLABY, 70), SHOWN(RR, "p2", BLABY, 60),
    FIGURE(RR, "p3", BLABY, "{'value': 9, 'partial': true}", NULL),
    /* a quarter does not borrow from a half that reaches outside it */
    SUMMARY(Q1),
    SHOWN(RR, "p1", BLABY, 10), ABSENT(RR, "p2", BLABY)}},
  {"reported_year_wins_over_its_parts", .steps = {
    FILE_OF("p1"), ROW(BLABY, YEAR, RR, 123), ROW(BLABY, Q1, RR, 30),
      ROW(BLABY, Q2, RR, 30),
    SUMMARY(YEAR),
    FIGURE(RR, "p1", BLABY, "{'value': 123}", "partial")}},
  /* A percentage or an average is shown as received, never added up over
   * areas, partners or the parts of a year. */
  {"averages_and_percentages_are_never_summed", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, AVG_STAY, 90),
      ROW(CHARNWOOD, Q1, AVG_STAY, 120), ROW(RUTLAND, Q1, DA_PCT, 31),
      ROW(RUTLAND, Q2, DA_PCT, 34),
    SUMMARY(Q1),
    SHOWN(AVG_STAY, "p1", BLABY, 90), SHOWN(AVG_STAY, "p1", CHARNWOOD, 120),
    ABSENT(AVG_STAY, "p1", "all"), ABSENT(AVG_STAY, "all", BLABY),
    ABSENT(AVG_STAY, "p1", COUNTY),
    SUMMARY(H1),
    ABSENT(DA_PCT, "p1", RUTLAND)}},
  {"snapshot_year_is_its_last_quarter", .steps = {
    FILE_OF("p1"), ROW(RUTLAND, Q1, BEDS, 12), ROW(RUTLAND, Q2, BEDS, 13),
      ROW(RUTLAND, Q3, BEDS, 14), ROW(RUTLAND, Q4, BEDS, 15),
      ROW(BLABY, Q1, OPEN, 31), ROW(BLABY, Q2, OPEN, 32),
      ROW(BLABY, Q3, OPEN, 33), ROW(BLABY, Q4, OPEN, 34),
    /* p2 has no Q4: its year level is not known */
    FILE_OF("p2"), ROW(BLABY, Q1, OPEN, 40), ROW(BLABY, Q3, OPEN, 42),
    /* p3 sent a half and then the last quarter: the quarter is the level */
    FILE_OF("p3"), ROW(BLABY, H1, OPEN, 20), ROW(BLABY, Q4, OPEN, 25),
    SUMMARY(YEAR),
    SHOWN(BEDS, "p1", RUTLAND, 15),
    FIGURE(OPEN, "p3", BLABY, "{'value': 25}", "partial"),
    /* all partners: the sum of the partners' levels */
    SHOWN(OPEN, "all", BLABY, 34 + 42 + 25),
    FIGURE(BEDS, "p1", RUTLAND, "{'unit': 'bedspaces'}", NULL),
    FIGURE(OPEN, "p1", BLABY, "{'value': 34}", "partial"),
    FIGURE(OPEN, "p2", BLABY, "{'value': 42, 'partial': true}", NULL),
    SUMMARY(H1),
    SHOWN(BEDS, "p1", RUTLAND, 13), SHOWN(OPEN, "p1", BLABY, 32)}},

  /* ---- Change on the previous quarter and a year before ---- */
  {"change_on_previous_quarter_and_year_ago", .steps = {
    FILE_OF("p1"), ROW(BLABY, "FY2023-24-Q1", RR, 30),
      ROW(BLABY, "FY2023-24-Q4", RR, 20), ROW(BLABY, Q1, RR, 25),
      /* Charnwood (another measure, so its hidden 3 hides nothing of
       * Blaby's): a year ago was too small to show */
      ROW(CHARNWOOD, "FY2023-24-Q1", HC, 3),
      ROW(CHARNWOOD, "FY2023-24-Q4", HC, 50), ROW(CHARNWOOD, Q1, HC, 60),
      /* Melton: nothing the quarter before */
      ROW(MELTON, "FY2023-24-Q1", RR, 70), ROW(MELTON, Q1, RR, 77),
    /* comparisons repeat what the board was given: both were published */
    PUBLISH("FY2023-24-Q1"), PUBLISH("FY2023-24-Q4"), SUMMARY(Q1),
    FIGURE(RR, "p1", BLABY, "{'previous': {'period': 'FY2023-24-Q4', "
      "'value': 20, 'change': 5}, 'year_ago': {'period': 'FY2023-24-Q1', "
      "'value': 30, 'change': -5}}", NULL),
    /* a suppressed side gives no change */
    FIGURE(HC, "p1", CHARNWOOD, "{'previous': {'change': 10}}", "year_ago"),
    /* a missing side gives no change */
    FIGURE(RR, "p1", MELTON, "{'year_ago': {'change': 7}}", "previous"),
    /* the hidden 3 of a year ago is nowhere in the document */
    NOWHERE("\"value\":3,"), NOWHERE("\"value\":3}"),
    NOWHERE("\"change\":57")}},
  {"no_change_when_this_quarter_is_suppressed", .steps = {
    FILE_OF("p1"), ROW(RUTLAND, Q1, RR, 40), ROW(RUTLAND, Q2, RR, 8),
    SUMMARY(Q2),
    HIDDEN(RR, "p1", RUTLAND),
    FIGURE(RR, "p1", RUTLAND, NULL, "previous year_ago"),
    NOWHERE("-32")}},
  {"no_change_across_a_partial_figure", .steps = {
    FILE_OF("p1"), ROW(BLABY, "FY2023-24-Q1", RR, 30),
      ROW(BLABY, "FY2023-24-Q2", RR, 30), ROW(BLABY, "FY2023-24-Q3", RR, 30),
      ROW(BLABY, Q1, RR, 40), ROW(BLABY, Q2, RR, 40),
      ROW(BLABY, Q3, RR, 40), ROW(BLABY, Q4, RR, 40),
    SUMMARY(YEAR),
    SHOWN(RR, "p1", BLABY, 160),
    /* FY2023-24 lacks Q4: 90 is partial, so no change is worked out */
    FIGURE(RR, "p1", BLABY, NULL, "previous")}},

  /* ---- Rates ---- */
  {"rutland_childrens_services_table",
   .feeds = {{"rcc", "rcc", "half-yearly", -1}}, .steps = {
    FILE_OF("rcc"), ROW(RUTLAND, "FY2023-24-H1", SA_DONE, 86),
      ROW(RUTLAND, "FY2023-24-H2", SA_DONE, 130),
      ROW(RUTLAND, "FY2023-24", SA_DONE, 216),
      ROW(RUTLAND, "FY2023-24", SA_DA, 70),
    SUMMARY("FY2023-24"),
    SHOWN(SA_DONE, "rcc", RUTLAND, 216), SHOWN(SA_DA, "rcc", RUTLAND, 70),
    SHOWN(SA_DONE, "all", "all", 216),
    RATE(SA_SHARE, "rcc", RUTLAND, "{'value': '32.4', 'numerator': 70, "
      "'denominator': 216, 'unit': 'percent'}", NULL),
    RATE(SA_SHARE, "all", "all", "{'value': '32.4'}", NULL),
    PUBLISH("FY2023-24-H1"),
    FIGURE(SA_DONE, "rcc", RUTLAND, "{'value': 86}", "partial"),
    SUMMARY("FY2023-24-H2"),
    FIGURE(SA_DONE, "rcc", RUTLAND,
           "{'value': 130, 'previous': {'value': 86, 'change': 44}}", NULL)}},
  {"rate_rounds_half_up_to_one_decimal", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 16), ROW(BLABY, Q1, RA, 5),
      ROW(CHARNWOOD, Q1, RR, 40), ROW(CHARNWOOD, Q1, RA, 40),
    SUMMARY(Q1),
    RATE(ACCEPTED, "p1", BLABY, "{'value': '31.3'}", NULL),
    RATE(ACCEPTED, "p1", CHARNWOOD, "{'value': '100.0'}", NULL),
    RATE(ACCEPTED, "p1", COUNTY, "{'value': '80.4'}", NULL)}},
  /* Rutland: numerator 7 < 10. p2 in Rutland: denominator 9 < 10. p3 in
   * Rutland: numerator suppressed at source. */
  {"rate_with_a_suppressed_side_is_suppressed", .steps = {
    FILE_OF("p1"), ROW(RUTLAND, Q1, RR, 55), ROW(RUTLAND, Q1, RA, 7),
    FILE_OF("p2"), ROW(RUTLAND, Q1, RR, 9), ROW(RUTLAND, Q1, RA, 9),
    FILE_OF("p3"), ROW(RUTLAND, Q1, RR, 66),
      ROW_AS(RUTLAND, Q1, RA, DAHUB_SUPPRESSED),
    SUMMARY(Q1),
    RATE(ACCEPTED, "p1", RUTLAND, RATE_HIDDEN, "numerator denominator"),
    RATE(ACCEPTED, "p2", RUTLAND, RATE_HIDDEN, "numerator denominator"),
    RATE(ACCEPTED, "p3", RUTLAND, RATE_HIDDEN, "numerator denominator"),
    /* 7 of 55 would be 12.7; 9 of 9 100.0 */
    NOWHERE("12.7"), NOWHERE("100.0"),
    MARKED(RA, "p3", RUTLAND, "suppressed_at_source"),
    /* all partners: 16 accepted is shown but partial (p3's is unknown), so
     * no rate is worked out from it */
    SHOWN(RA, "all", RUTLAND, 16),
    RATE(ACCEPTED, "all", RUTLAND, "{'marker': 'not_computable'}", NULL),
    SAFE(0)}},

  /* ---- Completeness ---- */
  {"completeness_of_feeds",
   .feeds = {{"rcc", "rcc", "quarterly", 30},
             {"slow", "slow", "quarterly", 10},
             {"fresh", "fresh", "quarterly", 60},
             {"yearly", "yearly", "annual", 30},
             {"never", "never", "none", -1}},
   .steps = {
    FILE_OF("rcc"), ROW(RUTLAND, Q1, RR, 40),
    NOW("2024-08-01T12:00:00Z"), SUMMARY(Q1),
    COUNT("completeness", 5),
    FEED("rcc", "{'status': 'reported', 'source_id': 'rcc', 'ingests': 1, "
                "'corrections': 0}"),
    /* Q1 ended 30 June: +10 days was 10 July, +60 is 29 August */
    FEED("slow", "{'status': 'late', 'due': '2024-07-10'}"),
    FEED("fresh", "{'status': 'not_yet_due', 'due': '2024-08-29'}"),
    FEED("yearly", "{'status': 'not_expected'}"),
    FEED("never", "{'status': 'not_expected'}"),
    /* the day after the due day, it is late */
    NOW("2024-08-30T12:00:00Z"), SUMMARY(Q1),
    FEED("fresh", "{'status': 'late'}"),
    /* long past, a year summary expects the annual return */
    NOW("2026-01-15T12:00:00Z"), SUMMARY(YEAR),
    FEED("yearly", "{'status': 'late'}"), FEED("slow", "{'status': 'late'}")}},
  {"a_corrected_return_is_counted_as_a_correction", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 40),
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 44),
    SUMMARY(Q1),
    FEED("p1", "{'status': 'reported', 'ingests': 2, 'corrections': 1}"),
    /* the figure is the corrected one, not the sum of both */
    SHOWN(RR, "p1", BLABY, 44),
    FEED("p2", "{'status': 'late'}")}},
  /* The warnings of the files the figures come from are the summary's
   * notes, per feed, without the figures a warning may give (they never
   * went through disclosure control); completeness counts the cells they
   * name. A file of another period, or one a correction replaced, is not
   * in them. */
  {"warnings_of_the_files_are_the_notes", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 10), ROW(CHARNWOOD, Q1, RR, 20),
      WARNINGS(3, 2, "[{'line': 4, 'column': 4, 'message': 'TOTAL does not "
        "add up: the columns give 12, the total is 99'}, {'line': 5, "
        "'column': 2, 'message': 'Q1: text where a number belongs, left out "
        "(options.text)'}, {'message': '2 figures for periods before "
        "FY2024-25-Q1 were left out'}]"),
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 15),
    FILE_OF("p3"), ROW(BLABY, Q2, RR, 9),
      WARNINGS(1, 1, "[{'line': 2, 'column': 2, 'message': 'Q2: text where "
        "a number belongs, left out (options.text)'}]"),
    SUMMARY(Q1),
    DOC("notes", "[{'feed': 'p1', 'source_id': 'p1', 'warning_count': 3, "
      "'warnings': [{'file': 'p1-1.csv', 'line': 4, 'column': 4, 'cell': "
      "'D4', 'message': 'TOTAL does not add up: the columns give \\u2026, "
      "the total is \\u2026'}, {'file': 'p1-1.csv', 'line': 5, 'column': 2, "
      "'cell': 'B5', 'message': 'Q1: text where a number belongs, left out "
      "(options.text)'}, "
      "{'file': 'p1-1.csv', 'message': '\\u2026 figures for periods before "
      "FY2024-25-Q1 were left out'}]}]"),
    NOWHERE("99"),
    FEED("p1", "{'status': 'reported', 'cells_not_usable': 2}"),
    FEED_LACKS("p2", "cells_not_usable"), FEED_LACKS("p3", "cells_not_usable"),
    SUMMARY(YEAR),
    COUNT("notes", 2),
    FEED("p3", "{'cells_not_usable': 1}"),
    /* p1's figures corrected by a file without warnings */
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 11), ROW(CHARNWOOD, Q1, RR, 20),
    SUMMARY(Q1),
    NOWHERE("\"notes\""),
    FEED_LACKS("p1", "cells_not_usable")}},
  {"one_file_is_one_ingest_whatever_its_periods", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 40), ROW(BLABY, "FY2024-25-M01", RR, 10),
      ROW(BLABY, "FY2024-25-M02", RR, 15), ROW(BLABY, "FY2024-25-M03", RR, 15),
    SUMMARY(Q1),
    SHOWN(RR, "p1", BLABY, 40),
    /* one file was delivered, whatever periods it held */
    FEED("p1", "{'corrections': 0, 'ingests': 1}")}},

  /* ---- Disclosure ---- */
  /* One measure per area, so nothing else hides them; Rutland's threshold
   * is 10, the others' 5. */
  {"count_below_threshold_is_suppressed", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 4), ROW(BLABY, Q1, RA, 5),
      ROW(BLABY, Q1, HC, 7), ROW(RUTLAND, Q1, "cases_opened", 7),
      ROW(RUTLAND, Q1, "cases_closed", 9),
      ROW(RUTLAND, Q1, "individuals_supported", 10),
    SUMMARY(Q1),
    HIDDEN(RR, "p1", BLABY), SHOWN(RA, "p1", BLABY, 5),
    SHOWN(HC, "p1", BLABY, 7), HIDDEN("cases_opened", "p1", RUTLAND),
    HIDDEN("cases_closed", "p1", RUTLAND),
    SHOWN("individuals_supported", "p1", RUTLAND, 10),
    /* the totals of a lone hidden cell are hidden with it */
    FIGURE("cases_opened", "all", "all", "{'value': null}", NULL),
    FIGURE(RR, "p1", COUNTY, "{'value': null}", NULL),
    DOC("disclosure", "{'threshold': 5, 'area_thresholds': {'E06000017': 10}}"),
    SAFE(0)}},
  {"zero_shown_only_when_zeros_are_not_suppressed",
   .summary = SUMMARY_ZEROS_SHOWN, .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 0), ROW(CHARNWOOD, Q1, RR, 50),
      ROW(HARBOROUGH, Q1, RR, 60),
    SUMMARY(Q1),
    SHOWN(RR, "p1", BLABY, 0), SHOWN(RR, "p1", CHARNWOOD, 50),
    CONFIG(SUMMARY_DEFAULT), SUMMARY(Q1),
    HIDDEN(RR, "p1", BLABY),
    SAFE(0)}},
  {"secondary_across_districts_and_county", .summary = SUMMARY_HIGH, .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 77), ROW(CHARNWOOD, Q1, RR, 188),
      ROW(HARBOROUGH, Q1, RR, 350),
    SUMMARY(Q1),
    HIDDEN(RR, "p1", BLABY),
    /* county 615 and Harborough 350 would give Charnwood + Blaby = 265 */
    HIDDEN(RR, "p1", CHARNWOOD),
    SHOWN(RR, "p1", HARBOROUGH, 350), SHOWN(RR, "p1", COUNTY, 615),
    SHOWN(RR, "all", "all", 615), HIDDEN(RR, "all", BLABY),
    FIGURE(RR, "all", CHARNWOOD, "{'value': null}", NULL),
    NOWHERE("77"), NOWHERE("188"),
    SAFE(0)}},
  {"secondary_across_partners_and_all_partners", .summary = SUMMARY_HIGH,
   .steps = {
    FILE_OF("p1"), ROW(UNKNOWN_AREA, Q1, HC, 88),
    FILE_OF("p2"), ROW(UNKNOWN_AREA, Q1, HC, 123),
    FILE_OF("p3"), ROW(UNKNOWN_AREA, Q1, HC, 456),
    SUMMARY(Q1),
    HIDDEN(HC, "p1", UNKNOWN_AREA),
    /* all partners 667 less p3's 456 would give p1 + p2 = 211 */
    HIDDEN(HC, "p2", UNKNOWN_AREA),
    SHOWN(HC, "p3", UNKNOWN_AREA, 456), SHOWN(HC, "all", UNKNOWN_AREA, 667),
    NOWHERE("88"), NOWHERE("123"),
    SAFE(0)}},
  /* A partner's services are a breakdown of its partnership figure: each
   * service's figure over all areas, under disclosure control like any
   * breakdown, so a small service is hidden and cannot be worked out from
   * its partner's total less its other services. */
  {"services_are_a_breakdown_of_their_partner", .steps = {
    FILE_OF("p1"), ROW_OF("p1.helpline", BLABY, Q1, HC, 40),
      ROW_OF("p1.helpline", CHARNWOOD, Q1, HC, 30),
      ROW_OF("p1.outreach", BLABY, Q1, HC, 3),
      ROW_OF("p1.family", CHARNWOOD, Q1, HC, 52),
      ROW_OF("p1.family", HARBOROUGH, Q1, HC, 61),
    FILE_OF("p2"), ROW(BLABY, Q1, HC, 25), /* names no service */
    SUMMARY(Q1),
    HIDDEN_BY(HC, "p1", "all", OUTREACH),
    /* 40 + 30 over the areas; hidden with the small one, or the total is */
    SHOWN_IF_BY(HC, "p1", "all", HELPLINE, 70),
    SHOWN_BY(HC, "p1", "all", FAMILY, 113),
    /* a service is its partner's, never all partners' nor an area's */
    ABSENT_BY(HC, "all", "all", HELPLINE), ABSENT_BY(HC, "p1", BLABY, HELPLINE),
    NOWHERE("p2."),
    SAFE(1)}},
  /* The two-way table: partners by districts, with the county and all
   * partners as totals, and the partnership as grand total. */
  {"secondary_in_a_two_way_table", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 2), ROW(CHARNWOOD, Q1, RR, 40),
      ROW(HARBOROUGH, Q1, RR, 50),
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 30), ROW(CHARNWOOD, Q1, RR, 3),
      ROW(HARBOROUGH, Q1, RR, 60),
    SUMMARY(Q1),
    HIDDEN(RR, "p1", BLABY), HIDDEN(RR, "p2", CHARNWOOD),
    SAFE(0)}},
  {"override_hides_seven_in_rutland_not_in_blaby", .steps = {
    FILE_OF("p1"), ROW(RUTLAND, Q1, HC, 7),
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 7),
    SUMMARY(Q1),
    HIDDEN(HC, "p1", RUTLAND), HIDDEN(HC, "all", RUTLAND),
    SHOWN(RR, "p2", BLABY, 7), SHOWN(RR, "all", COUNTY, 7),
    SAFE(0)}},
  /* The same figures keep the pattern they were published with, but not
   * past a change of thresholds: at 10, Blaby's 7 would have to be hidden,
   * yet the version before showed it and nothing changed since. That is
   * refused, naming the figure, rather than published again as it was. */
  {"kept_pattern_yields_to_a_new_threshold", .steps = {
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 7), ROW(CHARNWOOD, Q1, RR, 30),
      ROW(HARBOROUGH, Q1, RR, 40),
    PUBLISH(Q1), SHOWN(RR, "p2", BLABY, 7),
    SUMMARY(Q1), SHOWN(RR, "p2", BLABY, 7), /* unchanged: the same pattern */
    CONFIG("{\"threshold\": 10, \"area_thresholds\": {\"E06000017\": 10},"
           " \"suppress_zeros\": true}"),
    REFUSED(Q1, -EDOM, "referrals_received (area E07000129")}},
  {"suppressed_at_source_stays_so", .steps = {
    FILE_OF("p1"), ROW_AS(BLABY, Q1, RR, DAHUB_SUPPRESSED),
      ROW(CHARNWOOD, Q1, RR, 40), ROW(HARBOROUGH, Q1, RR, 50),
      ROW_AS(MELTON, Q1, RR, DAHUB_MISSING),
    SUMMARY(Q1),
    MARKED(RR, "p1", BLABY, "suppressed_at_source"),
    MARKED(RR, "all", BLABY, "suppressed_at_source"),
    MARKED(RR, "p1", MELTON, "missing"),
    /* the county is what is known, marked partial: never a guess */
    FIGURE(RR, "p1", COUNTY, "{'value': 90, 'partial': true}", NULL),
    SHOWN(RR, "p1", CHARNWOOD, 40),
    SAFE(0)}},
  /* Hidden: Blaby's 77 (p1) and 99 (p2), each also as a breakdown, in a
   * change on the quarter before and in a rate. Every published figure
   * (410, 520, 487, 619, 1106, 176, their changes and rates) is chosen so
   * that neither "77" nor "99" is part of its digits. */
  {"hidden_values_are_nowhere_in_the_document", .summary = SUMMARY_HIGH,
   .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 77), ROW_BY(BLABY, Q1, RR, FEMALE, 77),
      ROW(BLABY, Q1, RA, 150), ROW(CHARNWOOD, Q1, RR, 410),
      ROW_BY(CHARNWOOD, Q1, RR, FEMALE, 410),
      ROW(BLABY, "FY2023-24-Q4", RR, 300),
    FILE_OF("p2"), ROW(BLABY, Q1, RR, 99), ROW_BY(BLABY, Q1, RR, FEMALE, 99),
      ROW(HARBOROUGH, Q1, RR, 520), ROW_BY(HARBOROUGH, Q1, RR, FEMALE, 520),
    SUMMARY(Q1),
    HIDDEN(RR, "p1", BLABY), HIDDEN(RR, "p2", BLABY),
    /* Blaby for all partners (176) shows: two hidden cells add up to it,
     * and neither can be told from the other */
    SHOWN(RR, "all", BLABY, 176),
    NOWHERE("77"), NOWHERE("99"),
    NOWHERE("223"),   /* Blaby's change on the quarter before would be -223 */
    NOWHERE("194.8"), /* the acceptance rate 150 of 77 would be 194.8 */
    SAFE(1)}},
  /* A return by gender and by age band within gender: the age bands of
   * women add up to women, so the hidden 3 must not be 40 - 37. */
  {"two_level_breakdown_hides_by_subtraction", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 60), ROW_BY(BLABY, Q1, RR, FEMALE, 40),
      ROW_BY(BLABY, Q1, RR, MALE, 20), ROW_BY(BLABY, Q1, RR, AGE_18_24, 11),
      ROW_BY(BLABY, Q1, RR, AGE_25_34, 49),
      ROW_BY(BLABY, Q1, RR, FEMALE_18_24, 3),
      ROW_BY(BLABY, Q1, RR, FEMALE_25_34, 37),
      ROW_BY(BLABY, Q1, RR, MALE_18_24, 8),
      ROW_BY(BLABY, Q1, RR, MALE_25_34, 12),
    SUMMARY(Q1),
    HIDDEN_BY(RR, "p1", BLABY, FEMALE_18_24), SHOWN(RR, "p1", BLABY, 60),
    SAFE(1)}},
  /* A partner sends the same figures again, rows in another order (or a
   * correction elsewhere in the file). The published table must be the
   * same: v1 hiding Charnwood and v2 hiding Harborough would give Blaby's 3
   * as county - Charnwood (from v2) - Harborough (from v1). */
  {"same_figures_in_another_order_hide_the_same_cells", .steps = {
    FILE_OF("p1"), ROW(BLABY, Q1, RR, 3), ROW(CHARNWOOD, Q1, RR, 20),
      ROW(HARBOROUGH, Q1, RR, 20),
    SUMMARY(Q1), KEEP_TABLE,
    FILE_OF("p1"), ROW(HARBOROUGH, Q1, RR, 20), ROW(CHARNWOOD, Q1, RR, 20),
      ROW(BLABY, Q1, RR, 3),
    SUMMARY(Q1), SAME_TABLE}},
};
/* clang-format on */

/* What step s is about, for a message. */
static const char *step_what(const struct step *s, char *buf, size_t n) {
  const char *parts[] = {s->feed,   s->member, s->period, s->measure,
                         s->source, s->area,   s->dims};
  size_t len = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < sizeof parts / sizeof *parts && len < n; i++)
    if (parts[i] != NULL)
      len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "",
                              parts[i]);
  return buf;
}

/* One step of a scenario other than its files. */
static void run_step(struct fx *f, const struct step *s) {
  struct summary_env env = {
      .conf = f->conf, .vocab = f->vocab, .store = f->st, .now = f->now};
  struct dahub_error err = {0};
  json_t *doc = NULL, *x;
  char what[256];
  int64_t v;
  int rc;

  (void)step_what(s, what, sizeof what);
  switch (s->kind) {
  case DO_CONFIG:
    fx_config(f, s->text, f->feeds, f->n_feeds);
    break;
  case DO_NOW:
    f->now = at(s->text);
    break;
  case DO_SUMMARY:
    fx_summary(f, s->period);
    break;
  case DO_PUBLISH:
    fx_publish(f, s->period);
    break;
  case IS_REFUSED:
    rc = summary_build(&env, s->period, &doc, NULL, &err);
    if (rc != s->value || doc != NULL || strstr(err.msg, s->text) == NULL)
      fail_msg("\"%s\": %d %s, expected %d \"...%s...\"", s->period, rc,
               err.msg, (int)s->value, s->text);
    break;
  case IS_SHOWN_IF:
    x = fig(f, s->measure, s->source, s->area, s->dims);
    if (!json_is_integer(json_object_get(x, "value")))
      break;
    /* fall through */
  case IS_SHOWN:
    if ((v = value_of(f, s->measure, s->source, s->area, s->dims)) != s->value)
      fail_msg("%s: %lld, expected %lld", what, (long long)v,
               (long long)s->value);
    break;
  case IS_HIDDEN:
    if (strcmp(marker_of(f, s->measure, s->source, s->area, s->dims),
               s->text) != 0)
      fail_msg("%s: not marked %s", what, s->text);
    break;
  case IS_ABSENT:
    if (find_fig(f->doc, s->measure, s->source, s->area, s->dims) != NULL)
      fail_msg("%s: should not be in the document", what);
    break;
  case IS_FIGURE:
    assert_holds(fig(f, s->measure, s->source, s->area, s->dims), s->text,
                 s->absent, what);
    break;
  case IS_RATE:
    assert_holds(find_rate(f->doc, s->measure, s->source, s->area), s->text,
                 s->absent, what);
    break;
  case IS_FEED:
    assert_holds(feed_status(f, s->feed), s->text, s->absent, what);
    break;
  case IS_DOC:
    assert_holds(json_object_get(f->doc, s->member), s->text, NULL, what);
    break;
  case IS_COUNT:
    if (json_array_size(json_object_get(f->doc, s->member)) != (size_t)s->value)
      fail_msg("%s: %zu entries, expected %lld", what,
               json_array_size(json_object_get(f->doc, s->member)),
               (long long)s->value);
    break;
  case IS_NOWHERE:
    if (strstr(f->text, s->text) != NULL)
      fail_msg("\"%s\" is in the document", s->text);
    break;
  case IS_SAFE:
    assert_nothing_recoverable(f, (int)s->value);
    break;
  case DO_KEEP:
    free(f->kept);
    f->kept = published_table(f->doc);
    break;
  case IS_SAME: {
    char *again = published_table(f->doc);

    if (strcmp(f->kept, again) != 0) {
      print_message("first:\n%s\nagain:\n%s", f->kept, again);
      free(again);
      fail_msg("the same figures publish another table");
    }
    free(again);
    break;
  }
  default:
    fail_msg("step %d out of place", (int)s->kind);
  }
}

/* A scenario from its config to its last step. Rows are stored when the
 * step after them comes, each file as its own ingest. */
static void run_scenario(void **state) {
  struct fx *f = *state;
  const struct scenario *sc = f->scenario;
  static const struct step end = {.kind = END};
  const size_t max = sizeof sc->steps / sizeof *sc->steps;
  struct ob rows[16];
  const char *services[16], *feed = NULL;
  size_t n = 0, n_feeds = 0;

  while (n_feeds < sizeof sc->feeds / sizeof *sc->feeds &&
         sc->feeds[n_feeds].name != NULL)
    n_feeds++;
  f->feeds = n_feeds > 0 ? sc->feeds : three_partners;
  f->n_feeds = n_feeds > 0 ? n_feeds : 3;
  fx_config(f, sc->summary != NULL ? sc->summary : SUMMARY_DEFAULT, f->feeds,
            f->n_feeds);
  for (size_t i = 0; i <= max; i++) {
    const struct step *s = i < max ? &sc->steps[i] : &end;

    if (s->kind == DO_WARNINGS) {
      assert_non_null(feed);
      (void)snprintf(f->warnings, sizeof f->warnings, "%s", s->text);
      for (char *p = f->warnings; *p != '\0'; p++)
        if (*p == '\'')
          *p = '"';
      f->n_warnings = (unsigned)s->value;
      f->warning_cells = s->cells;
      continue;
    }
    if (s->kind == DO_ROW) {
      assert_non_null(feed);
      assert_true(n < sizeof rows / sizeof *rows);
      rows[n] = (struct ob){s->area,  s->period, s->measure, s->dims,
                            s->value, s->status, 0};
      services[n++] = s->service;
      continue;
    }
    if (feed != NULL)
      (void)fx_ingest_services(f, feed, rows, services, n);
    feed = NULL;
    n = 0;
    if (s->kind == END)
      break;
    if (s->kind == DO_FILE)
      feed = s->feed;
    else
      run_step(f, s);
  }
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
    assert_int_equal(dahub_period_quarter_before(at(cases[i].meeting), id), 0);
    assert_string_equal(id, cases[i].quarter);
  }
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
  int same;

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
    same = strcmp(first, again) == 0;
    if (!same)
      print_message("run 0:\n%s\nrun %d:\n%s", first, run + 1, again);
    free(again);
    if (!same) {
      free(first);
      fail_msg("the same store published another table");
    }
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

    fx_config(f, zeros ? SUMMARY_DEFAULT : SUMMARY_ZEROS_SHOWN, three_partners,
              3);
    store_close(f->st);
    (void)snprintf(path, sizeof path, "%s/random-%d.sqlite", f->dir, i);
    if (store_open(path, &f->st, &err) != 0)
      fail_msg("store: %s", err.msg);
    random_store(f, t);
    fx_summary(f, "FY2024-25-Q1");
    check_against_truth(f, t, zeros);
    {
      struct attack *a = calloc(1, sizeof *a);
      char msg[600];
      int leaked;

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
      leaked = attack_run(a) != 0;
      if (leaked)
        (void)snprintf(msg, sizeof msg, "store %d: %s", i, a->leak);
      free(a);
      if (leaked) {
        free(t);
        fail_msg("%s", msg);
      }
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
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  static const struct CMUnitTest others[] = {
      T(test_provenance_lists_the_ingests_of_a_figure),
      T(test_quarter_before_a_meeting),
      T(test_allocations_by_year_beside_a_quarter),
      T(test_the_same_store_always_publishes_the_same_table),
      T(test_random_stores_leak_nothing),
  };
#undef T
  enum { N_SCENARIOS = sizeof scenarios / sizeof *scenarios };
  struct CMUnitTest tests[N_SCENARIOS + sizeof others / sizeof *others];

  for (size_t i = 0; i < N_SCENARIOS; i++)
    tests[i] = (struct CMUnitTest){scenarios[i].name, run_scenario, setup,
                                   teardown, (void *)&scenarios[i]};
  memcpy(&tests[N_SCENARIOS], others, sizeof others);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
