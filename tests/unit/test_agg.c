/*
 * test_agg.c: figures added up in memory (agg.c), above all the distinct
 * counts: recorded by partition, spilled to unlinked temporary files when
 * a buffer fills, and counted exactly once per (figure, reference) pair at
 * agg_finish, within max_refs, leaving no file and no memory behind.
 *
 * The references are made-up 32-byte values, as the host's HMAC gives:
 * nothing here is a person's.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agg.h"
#include "test_mapped_host.h"

#define N_GROUPS 200
#define N_PEOPLE 3000

/* A deterministic stream of random numbers (splitmix64). */
static uint64_t next_random(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Person p's stand-in HMAC: 32 random-looking bytes, the same each time. */
static void person_ref(uint32_t p, uint8_t out[32]) {
  uint64_t s = p * 7919ull + 1, w;
  size_t i;

  for (i = 0; i < 32; i += 8) {
    w = next_random(&s);
    memcpy(out + i, &w, 8);
  }
}

/* Open descriptors, to see the temporary files come and go. */
static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;

  assert_non_null(d);
  while (readdir(d) != NULL)
    n++;
  closedir(d);
  return n - 1; /* the directory's own, during the count */
}

/* Makes n groups named "g0", "g1", ... with indexes 0 to n - 1. */
static void make_groups(struct agg *a, size_t n) {
  struct agg_key k;
  char name[32];
  size_t i, index;

  for (i = 0; i < n; i++) {
    (void)snprintf(name, sizeof name, "g%zu", i);
    agg_key_start(&k);
    agg_key_add(&k, name);
    assert_int_equal(agg_group(a, &k, 1, 1, &index), 0);
    assert_int_equal(index, i);
  }
}

/* Records n random (group, person) pairs, many repeated, and counts them
 * by brute force into want[]; returns the number of distinct pairs. */
static uint64_t record_random(struct agg *a, size_t n, uint64_t seed,
                              int64_t want[N_GROUPS]) {
  uint8_t *seen = calloc((size_t)N_GROUPS * N_PEOPLE, 1), ref[32];
  uint64_t distinct = 0;
  size_t i;

  assert_non_null(seen);
  for (i = 0; i < n; i++) {
    /* Skewed, so some groups are large and some people come often. */
    uint32_t g = (uint32_t)(next_random(&seed) % N_GROUPS);
    uint32_t p = (uint32_t)(next_random(&seed) % N_PEOPLE);

    if (next_random(&seed) % 2)
      p %= 100;
    person_ref(p, ref);
    assert_int_equal(agg_add_distinct(a, g, ref), 0);
    if (!seen[(size_t)g * N_PEOPLE + p]) {
      seen[(size_t)g * N_PEOPLE + p] = 1;
      want[g]++;
      distinct++;
    }
  }
  free(seen);
  return distinct;
}

static void expect_values(const struct agg *a, const int64_t *want, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    assert_int_equal(a->g[i].value, want[i]);
}

static void test_distinct_counts_exact_through_spill_files(void **state) {
  int64_t want[N_GROUPS] = {0};
  struct agg a;
  uint64_t distinct;
  int fds = open_fds();
  size_t i;

  (void)state;
  agg_init(&a, N_GROUPS, 1000000);
  a.buf_entries = 7; /* spills after a few hundred pairs */
  make_groups(&a, N_GROUPS);
  /* Plain additions to a few groups stay under the distinct counts. */
  for (i = 0; i < N_GROUPS; i += 10) {
    assert_int_equal(agg_add(&a, i, 1000), 0);
    want[i] += 1000;
  }
  distinct = record_random(&a, 40000, 42, want);
  assert_true(distinct > 10000 && distinct < 40000); /* repeats, many */
  assert_true(a.n_spilled > 30000); /* nearly all went through a file */
  assert_true(open_fds() > fds);    /* one file per partition that filled */
  assert_int_equal(agg_finish(&a), 0);
  assert_int_equal(a.n_refs, distinct);
  expect_values(&a, want, N_GROUPS);
  assert_int_equal(open_fds(), fds); /* each file gone once counted */
  agg_close(&a);
}

static void test_small_file_never_touches_the_disk(void **state) {
  int64_t want[N_GROUPS] = {0};
  char *tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
  struct agg a;
  uint64_t distinct;
  int fds = open_fds();

  (void)state;
  /* Nowhere to write: a spill would fail. */
  assert_int_equal(setenv("TMPDIR", "/nonexistent/dahub-test", 1), 0);
  agg_init(&a, N_GROUPS, 1000000);
  make_groups(&a, N_GROUPS);
  distinct = record_random(&a, 20000, 7, want);
  assert_int_equal(a.n_spilled, 0);
  assert_int_equal(open_fds(), fds);
  assert_int_equal(agg_finish(&a), 0);
  assert_int_equal(a.n_refs, distinct);
  expect_values(&a, want, N_GROUPS);
  agg_close(&a);
  if (tmpdir != NULL)
    assert_int_equal(setenv("TMPDIR", tmpdir, 1), 0);
  else
    assert_int_equal(unsetenv("TMPDIR"), 0);
  free(tmpdir);
}

/* n distinct people in group 0, each recorded three times. */
static int finish_with_people(uint64_t max_refs, uint32_t n, size_t buf) {
  struct agg a;
  uint8_t ref[32];
  uint32_t p;
  int k, rc;

  agg_init(&a, 1, max_refs);
  a.buf_entries = buf;
  make_groups(&a, 1);
  for (k = 0; k < 3; k++)
    for (p = 0; p < n; p++) {
      person_ref(p, ref);
      assert_int_equal(agg_add_distinct(&a, 0, ref), 0);
    }
  rc = agg_finish(&a);
  if (rc == 0)
    assert_int_equal(a.g[0].value, n);
  agg_close(&a);
  return rc;
}

static void test_max_refs_is_checked_at_finish(void **state) {
  (void)state;
  assert_int_equal(finish_with_people(100, 100, 4), 0);
  assert_int_equal(finish_with_people(100, 101, 4), -E2BIG);
  assert_int_equal(finish_with_people(1000, 1000, 1000), 0);
  assert_int_equal(finish_with_people(1000, 1001, 1000), -E2BIG);
}

static void test_pairs_recorded_are_bounded(void **state) {
  struct agg a;
  uint8_t ref[32];
  int i;

  (void)state;
  agg_init(&a, 1, 10);
  make_groups(&a, 1);
  person_ref(1, ref);
  for (i = 0; i < 10 * AGG_RECORD_FACTOR; i++)
    assert_int_equal(agg_add_distinct(&a, 0, ref), 0);
  assert_int_equal(agg_add_distinct(&a, 0, ref), -E2BIG);
  assert_int_equal(agg_add_distinct(&a, 1, ref), -EINVAL); /* no group 1 */
  assert_int_equal(agg_finish(&a), 0);
  assert_int_equal(a.g[0].value, 1);
  agg_close(&a);
}

static void test_close_after_a_partial_run_leaves_nothing(void **state) {
  int64_t want[N_GROUPS] = {0};
  struct agg a;
  int fds = open_fds();

  (void)state;
  agg_init(&a, N_GROUPS, 1000000);
  a.buf_entries = 5;
  make_groups(&a, N_GROUPS);
  (void)record_random(&a, 5000, 3, want);
  assert_true(a.n_spilled > 0);
  assert_true(open_fds() > fds);
  agg_close(&a); /* no agg_finish: the file was refused half way */
  assert_int_equal(open_fds(), fds);
  assert_null(a.part);
  assert_null(a.buf);
  assert_null(a.ref);
  /* LeakSanitizer, in the sanitised build, sees the rest. */
}

static void test_spill_failure_is_an_error(void **state) {
  char *tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
  struct agg a;
  uint8_t ref[32];
  uint32_t p;
  int rc = 0, fds = open_fds();

  (void)state;
  assert_int_equal(setenv("TMPDIR", "/nonexistent/dahub-test", 1), 0);
  agg_init(&a, 1, 1000);
  a.buf_entries = 2;
  make_groups(&a, 1);
  for (p = 0; p < 1000 && rc == 0; p++) {
    person_ref(p, ref);
    rc = agg_add_distinct(&a, 0, ref);
  }
  assert_int_equal(rc, -ENOENT);
  agg_close(&a);
  assert_int_equal(open_fds(), fds);
  if (tmpdir != NULL)
    assert_int_equal(setenv("TMPDIR", tmpdir, 1), 0);
  else
    assert_int_equal(unsetenv("TMPDIR"), 0);
  free(tmpdir);
}

static void test_finish_with_nothing_recorded(void **state) {
  struct agg a;

  (void)state;
  agg_init(&a, 10, 100);
  assert_int_equal(agg_finish(&a), 0); /* not even a group */
  agg_close(&a);
  agg_init(&a, 10, 0); /* as the JSON layout makes it */
  make_groups(&a, 3);
  assert_int_equal(agg_add(&a, 1, 5), 0);
  assert_int_equal(agg_finish(&a), 0);
  assert_int_equal(a.g[0].value, 0);
  assert_int_equal(a.g[1].value, 5);
  assert_int_equal(a.n_refs, 0);
  agg_close(&a);
}

/* ---- Through the cases layout, with its default buffers ---- */

#define COUNTS 64
#define ROWS 4000

/* A cases mapping with 64 distinct counts of one date column: each row
 * records 64 pairs, enough for partitions to spill. */
static char *many_counts_mapping(void) {
  size_t cap = 16384, len;
  char *j = malloc(cap);
  int k;

  assert_non_null(j);
  len = (size_t)snprintf(j, cap,
                         "{\"layout\": \"cases\", \"header\": {\"row\": 1},"
                         " \"columns\": {\"area\": \"District\"},"
                         " \"fixed\": {\"service_id\": \"lwa.outreach\"},"
                         " \"values\": {\"area\": {\"Blaby\": \"E07000129\"}},"
                         " \"cases\": {\"reference\": \"Ref\", \"count\": [");
  for (k = 0; k < COUNTS; k++)
    len += (size_t)snprintf(j + len, cap - len,
                            "%s{\"measure\": \"people_%d\", \"date\": "
                            "\"Contact\", \"distinct\": true}",
                            k ? ", " : "", k);
  (void)snprintf(j + len, cap - len, "]}}");
  return j;
}

/* ROWS rows of a few hundred made-up references, many repeated; returns
 * how many differ. */
static char *many_rows(int *distinct) {
  size_t cap = (size_t)ROWS * 32 + 64, len;
  char *csv = malloc(cap);
  static uint8_t seen[1000];
  uint64_t s = 99;
  int i;

  assert_non_null(csv);
  memset(seen, 0, sizeof seen);
  *distinct = 0;
  len = (size_t)snprintf(csv, cap, "Ref,District,Contact\n");
  for (i = 0; i < ROWS; i++) {
    int p = (int)(next_random(&s) % 1000);

    *distinct += !seen[p];
    seen[p] = 1;
    len += (size_t)snprintf(csv + len, cap - len, "R%d,Blaby,01/05/2024\n", p);
  }
  return csv;
}

static void test_cases_layout_counts_through_spill_files(void **state) {
  struct dahub_ctx *ctx = *state;
  struct dahub_error err;
  char *json = many_counts_mapping(), *csv, measure[32];
  char *tmpdir = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
  int distinct, k;

  csv = many_rows(&distinct);
  assert_int_equal(parse_text(ctx, json, csv, &err), DAHUB_OK);
  assert_int_equal(ctx->n, COUNTS);
  for (k = 0; k < COUNTS; k++) {
    (void)snprintf(measure, sizeof measure, "people_%d", k);
    assert_int_equal(find(ctx, "E07000129", measure, "FY2024-25-Q1")->value,
                     distinct);
  }
  /* The same file where no temporary file can be made: not the file's
   * fault, so the hub is asked to try it again later. */
  fake_reset(ctx);
  assert_int_equal(setenv("TMPDIR", "/nonexistent/dahub-test", 1), 0);
  assert_int_equal(parse_text(ctx, json, csv, &err), DAHUB_RETRY);
  assert_true(err.line > 1);
  assert_string_equal(err.msg, "could not spill distinct case references to "
                               "a temporary file: No such file or directory");
  assert_int_equal(ctx->n, 0);
  if (tmpdir != NULL)
    assert_int_equal(setenv("TMPDIR", tmpdir, 1), 0);
  else
    assert_int_equal(unsetenv("TMPDIR"), 0);
  free(tmpdir);
  free(csv);
  free(json);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_distinct_counts_exact_through_spill_files),
      cmocka_unit_test(test_small_file_never_touches_the_disk),
      cmocka_unit_test(test_max_refs_is_checked_at_finish),
      cmocka_unit_test(test_pairs_recorded_are_bounded),
      cmocka_unit_test(test_close_after_a_partial_run_leaves_nothing),
      cmocka_unit_test(test_spill_failure_is_an_error),
      cmocka_unit_test(test_finish_with_nothing_recorded),
      cmocka_unit_test_setup_teardown(
          test_cases_layout_counts_through_spill_files, fake_setup,
          fake_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
