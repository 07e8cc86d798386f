/*
 * test_config.c: hub.json and feeds.d/ as an officer writes them.
 *
 * Each test writes a small config tree into its own mkdtemp folder and
 * loads it. Error messages are what the officer reads, so they are compared
 * in full ("file:line:col: message"); the files are written with a known
 * layout (two-space indent) so that line and column are known too.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#include "config.h"
#include "log.h"

struct fixture {
  char dir[64];
  char hub[128]; /* dir/hub.json */
  struct errlist errs;
  struct config *c;
};

#define HUB_MINIMAL                                                            \
  "{\n"                                                                        \
  "  \"spool_dir\": \"spool\",\n"                                              \
  "  \"state_dir\": \"state\",\n"                                              \
  "  \"plugin_dir\": \"plugins\",\n"                                           \
  "  \"vocabulary\": \"vocabulary.json\"\n"                                    \
  "}\n"

/* HUB_MINIMAL with one member more, such as "\"log_level\": \"debug\"". */
#define HUB_PLUS(member)                                                       \
  "{\n"                                                                        \
  "  \"spool_dir\": \"spool\",\n"                                              \
  "  \"state_dir\": \"state\",\n"                                              \
  "  \"plugin_dir\": \"plugins\",\n"                                           \
  "  \"vocabulary\": \"vocabulary.json\",\n"                                   \
  "  " member "\n"                                                             \
  "}\n"

#define FEED_FREEVA                                                            \
  "{\n"                                                                        \
  "  \"name\": \"freeva\",\n"                                                  \
  "  \"source_id\": \"freeva\",\n"                                             \
  "  \"plugin\": \"mapped\"\n"                                                 \
  "}\n"

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  char feeds[128];

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-config-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(f->hub, sizeof f->hub, "%s/hub.json", f->dir);
  (void)snprintf(feeds, sizeof feeds, "%s/feeds.d", f->dir);
  if (mkdir(feeds, 0700) != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  config_free(f->c);
  errlist_clear(&f->errs);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* Writes text to f->dir/name ("hub.json", "feeds.d/x.json"). */
static void put(struct fixture *f, const char *name, const char *text) {
  char path[256];
  FILE *fp;

  (void)snprintf(path, sizeof path, "%s/%s", f->dir, name);
  fp = fopen(path, "w");
  assert_non_null(fp);
  assert_true(fputs(text, fp) >= 0);
  assert_int_equal(fclose(fp), 0);
}

/* f->dir/name, as config.c names files in messages. */
static const char *in_dir(struct fixture *f, const char *name) {
  static char path[256];

  (void)snprintf(path, sizeof path, "%s/%s", f->dir, name);
  return path;
}

struct search {
  const char *want;
  int found;
};

static void match_one(const char *msg, void *arg) {
  struct search *s = arg;

  if (strcmp(msg, s->want) == 0)
    s->found = 1;
}

static void print_one(const char *msg, void *arg) {
  (void)arg;
  print_message("  %s\n", msg);
}

/* Fails unless errs holds exactly the message "where:rest". */
static void expect_error(struct fixture *f, const char *where, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static void expect_error(struct fixture *f, const char *where, const char *fmt,
                         ...) {
  char want[1024];
  struct search s = {want, 0};
  int w = snprintf(want, sizeof want, "%s", where);
  va_list ap;

  va_start(ap, fmt);
  (void)vsnprintf(want + w, sizeof want - (size_t)w, fmt, ap);
  va_end(ap);
  errlist_each(&f->errs, match_one, &s);
  if (!s.found) {
    print_message("errors:\n");
    errlist_each(&f->errs, print_one, NULL);
    fail_msg("no error \"%s\"", want);
  }
}

/* Loads f->hub, expecting refusal: no config, -EINVAL. */
static void load_bad(struct fixture *f) {
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), -EINVAL);
  assert_null(f->c);
  assert_true(errlist_count(&f->errs) > 0);
}

static void test_minimal_config_loads(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(errlist_count(&f->errs), 0);
  assert_non_null(f->c);
  assert_string_equal(f->c->path, f->hub);
  assert_int_equal(f->c->n_feeds, 1);
  assert_string_equal(f->c->feeds[0].name, "freeva");
  assert_string_equal(f->c->feeds[0].source_id, "freeva");
  assert_string_equal(f->c->feeds[0].plugin, "mapped");
  assert_null(f->c->feeds[0].service_id);
  assert_null(f->c->feeds[0].options);
  assert_string_equal(f->c->feeds[0].file, in_dir(f, "feeds.d/freeva.json"));
  assert_ptr_equal(config_feed(f->c, "freeva"), &f->c->feeds[0]);
  assert_null(config_feed(f->c, "lwa"));
  /* Defaults of what the file leaves out. */
  assert_int_equal(f->c->settle_ms, 1000);
  assert_int_equal(f->c->rescan_ms, 5000);
  assert_int_equal(f->c->max_errors, 100);
}

static void test_values_and_options_are_read(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"plugin_dir\": \"plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\",\n"
      "  \"settle_ms\": 250,\n"
      "  \"limits\": {\"max_errors\": 7}\n"
      "}\n");
  put(f, "feeds.d/freeva.json",
      "{\n"
      "  \"name\": \"freeva\",\n"
      "  \"source_id\": \"freeva\",\n"
      "  \"service_id\": \"freeva.male_helpline\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"options\": {\"layout\": \"wide\"}\n"
      "}\n");
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(f->c->settle_ms, 250);
  assert_int_equal(f->c->max_errors, 7);
  assert_string_equal(f->c->feeds[0].service_id, "freeva.male_helpline");
  assert_string_equal(
      json_string_value(json_object_get(f->c->feeds[0].options, "layout")),
      "wide");
}

static void test_syntax_error_names_file_line_and_column(void **state) {
  struct fixture *f = *state;
  char prefix[256];

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\"\n" /* the comma is missing */
      "  \"plugin_dir\": \"plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\"\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  load_bad(f);
  /* jansson finds the problem at the next token, line 4; its column is the
   * token's last character. */
  (void)snprintf(prefix, sizeof prefix, "%s:4:14: ", f->hub);
  assert_true(f->errs.n >= 1);
  assert_memory_equal(f->errs.msgs[0], prefix, strlen(prefix));
}

static void test_duplicate_key_is_an_error(void **state) {
  struct fixture *f = *state;
  char prefix[256];

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"plugin_dir\": \"plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\",\n"
      "  \"settle_ms\": 100,\n"
      "  \"settle_ms\": 200\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  load_bad(f);
  (void)snprintf(prefix, sizeof prefix, "%s:7:", f->hub);
  assert_memory_equal(f->errs.msgs[0], prefix, strlen(prefix));
  assert_non_null(strstr(f->errs.msgs[0], "duplicate"));
}

/* One member of hub.json that is wrong, on line 6 (HUB_PLUS), and one
 * good feed: the load is refused with the member's line, column and path. */
static void test_bad_hub_json_member_is_named_with_line(void **state) {
  static const struct {
    const char *member, *error;
    int alone; /* the only error */
  } bad[] = {
      {"\"setle_ms\": 500",
       ":6:3: setle_ms: unknown key; did you mean `settle_ms`?", 1},
      /* a nested key is named with its path */
      {"\"limits\": {\n    \"max_file_size\": 1000\n  }",
       ":7:5: limits.max_file_size: unknown key", 0},
      {"\"settle_ms\": \"1000\"", ":6:3: settle_ms: expected a whole number",
       0},
      {"\"settle_ms\": 600001",
       ":6:3: settle_ms: expected 0 to 600000, found 600001", 0},
      {"\"limits\": {\"max_line_bytes\": -1}",
       ":6:14: max_line_bytes: expected 64 to 67108864, found -1", 0},
      {"\"retention_check_ms\": 10",
       ":6:3: retention_check_ms: expected 100 to 86400000, found 10", 0},
      {"\"log_level\": \"verbose\"",
       ":6:3: log_level \"verbose\": expected \"error\", \"warning\", "
       "\"notice\", "
       "\"info\" or \"debug\"",
       0},
  };
  struct fixture *f = *state;
  char text[512];

  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    (void)snprintf(text, sizeof text, HUB_PLUS("%s"), bad[i].member);
    put(f, "hub.json", text);
    load_bad(f);
    expect_error(f, f->hub, "%s", bad[i].error);
    if (bad[i].alone)
      assert_int_equal(errlist_count(&f->errs), 1);
    errlist_clear(&f->errs);
  }
}

/* One feed file that is wrong, beside a minimal hub.json: the load is
 * refused naming the feed's file, line and column. */
static void test_bad_feed_is_named_with_file_and_line(void **state) {
  static const struct {
    const char *file, *text, *error;
    int alone; /* the only error */
  } bad[] = {
      {"freeva.json",
       "{\n  \"name\": \"freeva\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\",\n"
       "  \"sevrice_id\": \"freeva.male_helpline\"\n}\n",
       ":5:3: sevrice_id: unknown key; did you mean `service_id`?", 1},
      /* "personal": "yes" must not pass for false: the feed's cells would
       * be quoted in reports */
      {"freeva.json",
       "{\n  \"name\": \"freeva\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\",\n  \"personal\": \"yes\"\n}\n",
       ":5:3: personal: expected true or false", 1},
      /* an option moved out of "options" by mistake: the error points at
       * the stray top-level key, not at the same word inside "options" */
      {"freeva.json",
       "{\n  \"name\": \"freeva\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\",\n  \"options\": {\"layout\": \"wide\"},\n"
       "  \"layout\": \"wide\"\n}\n",
       ":6:3: layout: unknown key", 0},
      {"lwa.json", "{\n  \"name\": \"lwa\",\n  \"source_id\": \"lwa\"\n}\n",
       ": missing required key \"plugin\"", 1},
      {"freeva.json",
       "{\n  \"name\": \"Free-va\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\"\n}\n",
       ":2:3: name: expected lower-case letters, digits and _ (at most 64), "
       "found \"Free-va\"",
       0},
      {"freeva.json",
       "{\n  \"name\": \"../etc\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\"\n}\n",
       ":2:3: name: expected lower-case letters, digits and _ (at most 64), "
       "found \"../etc\"",
       0},
      {"freeva.json",
       "{\n  \"name\": \"freeva\",\n  \"source_id\": \"freeva\",\n"
       "  \"plugin\": \"mapped\",\n  \"retain\": \"30d\"\n}\n",
       ":5:3: retain: expected an object such as {\"done\": \"400d\", "
       "\"failed\": \"90d\"}",
       0},
  };
  struct fixture *f = *state;
  char name[64], where[256];

  put(f, "hub.json", HUB_MINIMAL);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    (void)snprintf(name, sizeof name, "feeds.d/%s", bad[i].file);
    (void)snprintf(where, sizeof where, "%s", in_dir(f, name));
    put(f, name, bad[i].text);
    load_bad(f);
    expect_error(f, where, "%s", bad[i].error);
    if (bad[i].alone)
      assert_int_equal(errlist_count(&f->errs), 1);
    errlist_clear(&f->errs);
    assert_int_equal(unlink(where), 0);
  }
}

static void test_personal_is_read_and_defaults_to_false(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/a.json",
      "{\n"
      "  \"name\": \"a\",\n"
      "  \"source_id\": \"freeva\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"personal\": true\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(config_feed(f->c, "a")->personal, 1);
  assert_int_equal(config_feed(f->c, "freeva")->personal, 0);
}

/* hub.json with this "summary" object (on line 6, from column 14), and
 * one feed. */
static void put_summary(struct fixture *f, const char *summary) {
  char text[512];

  (void)snprintf(text, sizeof text, HUB_PLUS("\"summary\": %s"), summary);
  put(f, "hub.json", text);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
}

/* "store": absent, SQLite's file in state_dir; {"postgresql": {...}}, the
 * credential file (resolved against hub.json's folder, read only at
 * connect) and the board; each bad value named at its line and column. */
static void test_store_postgresql_is_read_and_checked(void **state) {
  static const struct {
    const char *store, *error;
  } bad[] = {
      {"{}", ":6:3: store: missing required key \"postgresql\""},
      {"{\"sqlite\": {}}", ":6:13: store.sqlite: unknown key"},
      {"{\"postgresql\": \"pg.conninfo\"}",
       ":6:13: store.postgresql: expected an object"},
      {"{\"postgresql\": {\"board\": \"leics\"}}",
       ":6:13: store.postgresql: missing required key \"conninfo_file\""},
      {"{\"postgresql\": {\"conninfo_file\": \"pg.conninfo\", "
       "\"board\": \"Leics-Rutland\"}}",
       ":6:60: store.postgresql.board: expected lower-case letters, digits "
       "and _ (at most 63), found \"Leics-Rutland\""},
      {"{\"postgresql\": {\"conninfo_file\": \"pg.conninfo\", "
       "\"board\": "
       "\"b234567890123456789012345678901234567890123456789012345678901234\"}}",
       ":6:60: store.postgresql.board: expected lower-case letters, digits "
       "and _ (at most 63), found "
       "\"b234567890123456789012345678901234567890123456789012345678901234\""},
      {"{\"postgresql\": {\"conninfo_file\": 1, \"board\": \"leics\"}}",
       ":6:28: store.postgresql.conninfo_file: expected a non-empty string"},
      {"{\"postgresql\": {\"conninfo\": \"host=db\", \"board\": \"leics\"}}",
       ":6:28: store.postgresql.conninfo: unknown key"},
  };
  struct fixture *f = *state;
  char text[512];

  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  put(f, "hub.json", HUB_MINIMAL);
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_null(f->c->store.pg_conninfo_file);
  assert_null(f->c->store.pg_board);
  config_free(f->c);

  /* the file need not exist yet: it is read at each connect */
  put(f, "hub.json",
      HUB_PLUS("\"store\": {\"postgresql\": {\"conninfo_file\": "
               "\"pg.conninfo\", \"board\": \"leics_rutland\"}}"));
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_string_equal(f->c->store.pg_conninfo_file, in_dir(f, "pg.conninfo"));
  assert_string_equal(f->c->store.pg_board, "leics_rutland");
  config_free(f->c);
  f->c = NULL;

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    (void)snprintf(text, sizeof text, HUB_PLUS("\"store\": %s"), bad[i].store);
    put(f, "hub.json", text);
    load_bad(f);
    expect_error(f, f->hub, "%s", bad[i].error);
    errlist_clear(&f->errs);
  }
}

/* The confidential marker and the protection level: defaults, values, and
 * a marker that could be read as a number is refused. */
#define MARKER_ERROR(found)                                                    \
  ":6:15: marker \"" found "\": expected 1 to 15 printable ASCII characters, " \
  "not a number nor a word of the summary's own"
static void test_summary_marker_and_protection(void **state) {
  static const struct {
    const char *summary, *error; /* error NULL: loads */
    const char *marker;
    uint64_t protection;
  } cases[] = {
      {"{}", NULL, "[c]", 0},
      {"{\"marker\": \"x\", \"protection\": 7}", NULL, "x", 7},
      {"{\"marker\": \"12\"}", MARKER_ERROR("12"), NULL, 0},
      {"{\"marker\": \"missing\"}", MARKER_ERROR("missing"), NULL, 0},
      {"{\"marker\": \"\"}", ":6:15: marker: expected a non-empty string", NULL,
       0},
      {"{\"marker\": \"a marker far too long\"}",
       MARKER_ERROR("a marker far too long"), NULL, 0},
      {"{\"protection\": 1001}",
       ":6:15: protection: expected 0 to 1000, found 1001", NULL, 0},
  };

  struct fixture *f = *state;

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct errlist errs = {0};
    struct config *c = NULL;

    put_summary(f, cases[i].summary);
    if (cases[i].error != NULL) {
      errlist_clear(&f->errs);
      load_bad(f);
      expect_error(f, f->hub, "%s", cases[i].error);
      continue;
    }
    if (config_load(f->hub, NULL, &c, &errs) != 0) {
      errlist_each(&errs, print_one, NULL);
      fail_msg("case %zu does not load", i);
    }
    assert_string_equal(c->summary.marker, cases[i].marker);
    assert_int_equal(c->summary.protection, cases[i].protection);
    errlist_clear(&errs);
    config_free(c);
  }
}

/* A sink's options, by its name: kept for its open(); a sink not listed,
 * or options that are not an object, are refused. */
static void test_summary_sink_options(void **state) {
  static const struct {
    const char *summary, *error; /* error NULL: loads */
  } cases[] = {
      {"{\"sinks\": [\"json\", \"boardpack\"], \"sink_options\": "
       "{\"boardpack\": {\"board\": \"B\"}}}",
       NULL},
      {"{\"sink_options\": {\"boardpack\": {}}}",
       ":6:32: sink_options.boardpack: not one of summary.sinks"},
      {"{\"sinks\": [\"csv\"], \"sink_options\": {\"csv\": []}}",
       ":6:50: sink_options.csv: expected an object"},
      {"{\"sink_options\": []}",
       ":6:15: sink_options: expected an object of sink names"},
  };
  struct fixture *f = *state;

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    put_summary(f, cases[i].summary);
    errlist_clear(&f->errs);
    if (cases[i].error != NULL) {
      load_bad(f);
      expect_error(f, f->hub, "%s", cases[i].error);
      continue;
    }
    assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(f->c->summary.sink_options, "boardpack"), "board")),
        "B");
    config_free(f->c);
    f->c = NULL;
  }
}

static void test_feed_defined_twice_is_an_error(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/a.json", FEED_FREEVA);
  put(f, "feeds.d/b.json", FEED_FREEVA);
  load_bad(f);
  expect_error(f, in_dir(f, "feeds.d/b.json"),
               ":2:3: feed \"freeva\" is defined twice");
  assert_int_equal(errlist_count(&f->errs), 1);
}

static void test_relative_paths_resolve_against_hub_json_folder(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"/var/lib/dahub\",\n"
      "  \"plugin_dir\": \"../plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\"\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_string_equal(f->c->spool_dir, in_dir(f, "spool"));
  assert_string_equal(f->c->state_dir, "/var/lib/dahub");
  assert_string_equal(f->c->plugin_dir, in_dir(f, "../plugins"));
  assert_string_equal(f->c->vocabulary, in_dir(f, "vocabulary.json"));
}

static void test_relative_hub_path_resolves_from_its_folder(void **state) {
  struct fixture *f = *state;
  char cwd[PATH_MAX], rel[128];
  const char *leaf = strrchr(f->dir, '/') + 1;
  int rc;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir("/tmp"), 0);
  (void)snprintf(rel, sizeof rel, "%s/hub.json", leaf);
  rc = config_load(rel, NULL, &f->c, &f->errs);
  assert_int_equal(chdir(cwd), 0);
  assert_int_equal(rc, 0);
  (void)snprintf(rel, sizeof rel, "%s/spool", leaf);
  assert_string_equal(f->c->spool_dir, rel);
}

static void test_plugin_dir_argument_overrides_file(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, "/opt/dahub/plugins", &f->c, &f->errs),
                   0);
  assert_string_equal(f->c->plugin_dir, "/opt/dahub/plugins");
}

static void test_missing_plugin_dir_is_the_argument_or_installed(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"vocabulary\": \"vocabulary.json\"\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, "/opt/dahub/plugins", &f->c, &f->errs),
                   0);
  assert_string_equal(f->c->plugin_dir, "/opt/dahub/plugins");
  config_free(f->c);
  f->c = NULL;
  /* an installed hub finds the plugins installed with it */
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_string_equal(f->c->plugin_dir, DAHUB_DEFAULT_PLUGIN_DIR);
}

static void test_missing_required_path_is_an_error(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"plugin_dir\": \"plugins\"\n"
      "}\n");
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  load_bad(f);
  expect_error(f, f->hub, ": missing required key \"vocabulary\"");
}

static void test_every_error_is_counted(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"plugin_dir\": \"plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\",\n"
      "  \"rescan\": 10\n"
      "}\n");
  put(f, "feeds.d/a.json",
      "{\n"
      "  \"name\": \"a\",\n"
      "  \"source_id\": \"a\"\n"
      "}\n");
  put(f, "feeds.d/b.json",
      "{\n"
      "  \"name\": \"B\",\n"
      "  \"source_id\": \"b\",\n"
      "  \"plugin\": \"mapped\"\n"
      "}\n");
  put(f, "feeds.d/c.json", FEED_FREEVA); /* a good one among them */
  load_bad(f);
  expect_error(f, f->hub, ":6:3: rescan: unknown key");
  expect_error(f, in_dir(f, "feeds.d/a.json"),
               ": missing required key \"plugin\"");
  expect_error(f, in_dir(f, "feeds.d/b.json"),
               ":2:3: name: expected lower-case letters, digits and _ (at "
               "most 64), found \"B\"");
  assert_int_equal(errlist_count(&f->errs), 3);
}

static void test_no_feeds_is_an_error(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/README.txt", "not a feed\n");
  load_bad(f);
  expect_error(f, f->hub, ": no feeds defined in feeds.d/");
}

static void test_missing_feeds_folder_is_an_error(void **state) {
  struct fixture *f = *state;
  char feeds[256];

  put(f, "hub.json", HUB_MINIMAL);
  (void)snprintf(feeds, sizeof feeds, "%s", in_dir(f, "feeds.d"));
  assert_int_equal(rmdir(feeds), 0);
  assert_true(config_load(f->hub, NULL, &f->c, &f->errs) < 0);
  assert_null(f->c);
  expect_error(f, feeds,
               ": cannot read the feeds folder: No such file or directory");
}

/* ---- retention: "retain" in a feed, "retention_check_ms" in hub.json ---- */

static void test_duration_units_and_bounds(void **state) {
  static const struct {
    const char *text;
    int rc;
    uint64_t seconds;
  } cases[] = {
      {"0d", 0, 0},          {"30d", 0, 30 * 86400},
      {"12h", 0, 12 * 3600}, {"15m", 0, 900},
      {"45s", 0, 45},        {"3650d", 0, 3650ull * 86400},
      {"3651d", -EINVAL, 0}, {"87601h", -EINVAL, 0},
      {"d", -EINVAL, 0},     {"30", -EINVAL, 0},
      {"30 d", -EINVAL, 0},  {"30D", -EINVAL, 0},
      {"-1d", -EINVAL, 0},   {"+1d", -EINVAL, 0},
      {"1dd", -EINVAL, 0},   {"1w", -EINVAL, 0},
      {"", -EINVAL, 0},      {"9999999999s", -EINVAL, 0},
  };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint64_t got = UINT64_MAX;

    if (config_parse_duration(cases[i].text, &got) != cases[i].rc)
      fail_msg("\"%s\": expected %d", cases[i].text, cases[i].rc);
    if (cases[i].rc == 0 && got != cases[i].seconds)
      fail_msg("\"%s\": expected %llu s, got %llu", cases[i].text,
               (unsigned long long)cases[i].seconds, (unsigned long long)got);
  }
}

/* Left out, a period is for retention.c to decide (test_retention.c). */
static void test_retain_left_out_is_the_default(void **state) {
  struct fixture *f = *state;
  const struct feed_conf *fr, *lwa;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  put(f, "feeds.d/lwa.json",
      "{\n"
      "  \"name\": \"lwa\",\n"
      "  \"source_id\": \"lwa\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"options\": {\"layout\": \"cases\"}\n"
      "}\n");
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(f->c->retention_check_ms, 3600000);
  fr = config_feed(f->c, "freeva");
  lwa = config_feed(f->c, "lwa");
  assert_true(fr->retain_done_s == CONFIG_RETAIN_DEFAULT);
  assert_true(fr->retain_failed_s == CONFIG_RETAIN_DEFAULT);
  assert_true(lwa->retain_done_s == CONFIG_RETAIN_DEFAULT);
  assert_true(lwa->retain_failed_s == CONFIG_RETAIN_DEFAULT);
}

static void test_retain_values_are_read(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json",
      "{\n"
      "  \"spool_dir\": \"spool\",\n"
      "  \"state_dir\": \"state\",\n"
      "  \"plugin_dir\": \"plugins\",\n"
      "  \"vocabulary\": \"vocabulary.json\",\n"
      "  \"retention_check_ms\": 500\n"
      "}\n");
  put(f, "feeds.d/freeva.json",
      "{\n"
      "  \"name\": \"freeva\",\n"
      "  \"source_id\": \"freeva\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"retain\": {\"done\": \"2s\", \"failed\": \"12h\"}\n"
      "}\n");
  /* one folder given: the other is left to its default */
  put(f, "feeds.d/lwa.json",
      "{\n"
      "  \"name\": \"lwa\",\n"
      "  \"source_id\": \"lwa\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"options\": {\"layout\": \"cases\"},\n"
      "  \"retain\": {\"failed\": \"3650d\"}\n"
      "}\n");
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(f->c->retention_check_ms, 500);
  assert_int_equal(config_feed(f->c, "freeva")->retain_done_s, 2);
  assert_int_equal(config_feed(f->c, "freeva")->retain_failed_s, 12 * 3600);
  assert_true(config_feed(f->c, "lwa")->retain_done_s == CONFIG_RETAIN_DEFAULT);
  assert_int_equal(config_feed(f->c, "lwa")->retain_failed_s, 3650ull * 86400);
}

static void test_bad_retain_durations_are_named_with_line(void **state) {
  struct fixture *f = *state;
  const char *feed = in_dir(f, "feeds.d/freeva.json");
  char where[256];

  (void)snprintf(where, sizeof where, "%s", feed);
  put(f, "hub.json", HUB_MINIMAL);
  /* "failed" also appears inside options: the error must point at the
   * one inside "retain" */
  put(f, "feeds.d/freeva.json",
      "{\n"
      "  \"name\": \"freeva\",\n"
      "  \"source_id\": \"freeva\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"options\": {\"values\": {\"failed\": null}},\n"
      "  \"retain\": {\n"
      "    \"done\": \"30 days\",\n"
      "    \"failed\": \"3651d\"\n"
      "  }\n"
      "}\n");
  load_bad(f);
  expect_error(
      f, where,
      ":7:5: retain.done \"30 days\": expected a duration such as \"30d\", "
      "\"12h\", \"15m\" or \"45s\", at most 3650d");
  expect_error(
      f, where,
      ":8:5: retain.failed \"3651d\": expected a duration such as \"30d\", "
      "\"12h\", \"15m\" or \"45s\", at most 3650d");
  assert_int_equal(errlist_count(&f->errs), 2);
}

static void test_retain_number_and_unknown_key_are_errors(void **state) {
  struct fixture *f = *state;
  char where[256];

  (void)snprintf(where, sizeof where, "%s", in_dir(f, "feeds.d/freeva.json"));
  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json",
      "{\n"
      "  \"name\": \"freeva\",\n"
      "  \"source_id\": \"freeva\",\n"
      "  \"plugin\": \"mapped\",\n"
      "  \"retain\": {\"done\": 30, \"work\": \"1d\"}\n"
      "}\n");
  load_bad(f);
  expect_error(f, where,
               ":5:14: retain.done: expected a duration such as \"30d\", "
               "\"12h\", \"15m\" or \"45s\", at most 3650d");
  expect_error(f, where, ":5:26: retain.work: unknown key");
  assert_int_equal(errlist_count(&f->errs), 2);
}

static void test_log_level_is_info_unless_named(void **state) {
  struct fixture *f = *state;

  put(f, "hub.json", HUB_MINIMAL);
  put(f, "feeds.d/freeva.json", FEED_FREEVA);
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(f->c->log_level, LOG_INFO);
  config_free(f->c);
  f->c = NULL;
  put(f, "hub.json", HUB_PLUS("\"log_level\": \"warning\""));
  assert_int_equal(config_load(f->hub, NULL, &f->c, &f->errs), 0);
  assert_int_equal(f->c->log_level, LOG_WARNING);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_minimal_config_loads, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_values_and_options_are_read, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_syntax_error_names_file_line_and_column, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate_key_is_an_error, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_bad_hub_json_member_is_named_with_line, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_feed_is_named_with_file_and_line,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_personal_is_read_and_defaults_to_false, setup, teardown),
      cmocka_unit_test_setup_teardown(test_summary_marker_and_protection, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_summary_sink_options, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_store_postgresql_is_read_and_checked,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_feed_defined_twice_is_an_error,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_relative_paths_resolve_against_hub_json_folder, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_relative_hub_path_resolves_from_its_folder, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plugin_dir_argument_overrides_file,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_missing_plugin_dir_is_the_argument_or_installed, setup,
          teardown),
      cmocka_unit_test_setup_teardown(test_missing_required_path_is_an_error,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_error_is_counted, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_feeds_is_an_error, setup,
                                      teardown),
      cmocka_unit_test(test_duration_units_and_bounds),
      cmocka_unit_test_setup_teardown(test_retain_left_out_is_the_default,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_retain_values_are_read, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_bad_retain_durations_are_named_with_line, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_retain_number_and_unknown_key_are_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_log_level_is_info_unless_named,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_feeds_folder_is_an_error,
                                      setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
