/*
 * test_validate_memo.c: breakdowns memoised per ingest give what building
 * them gives, byte for byte, and errors name each figure's own cell.
 *
 * Each test validates the same observations with a memo and without one
 * (validate_obs(), which builds every breakdown) and compares the results,
 * then asks the memo directly what it holds, so a memo that kept nothing,
 * or kept something wrong, fails here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#include "validate.h"

static const char *const genders[] = {"female", "male", "non_binary_or_other",
                                      "not_stated", "not_known"};
static const char *const ages[] = {
    "0-5",   "6-10",  "11-15", "16-17", "18-24", "25-34",    "35-44",
    "45-54", "55-64", "65-74", "75-84", "85+",   "not_known"};
static const char *const ethnicities[] = {
    "asian_bangladeshi", "asian_indian",  "black_african", "black_caribbean",
    "mixed_other",       "white_british", "white_irish",   "white_roma",
    "other_arab",        "other_any",     "not_stated",    "not_known",
    "white_other",       "asian_chinese", "black_other",   "asian_other"};

struct fix {
  struct vocab *v;
  struct validate_memo *memo;
};

static int setup(void **state) {
  struct fix *f = calloc(1, sizeof *f);

  if (f == NULL || fixture_load_vocab(&f->v) != 0 ||
      validate_memo_new(&f->memo) != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fix *f = *state;

  validate_memo_free(f->memo);
  vocab_free(f->v);
  free(f);
  return 0;
}

static struct dahub_obs obs(const struct dahub_dim *d, size_t n,
                            uint32_t line) {
  return (struct dahub_obs){.area = "E07000130",
                            .period = "FY2024-25-Q1",
                            .measure = "helpline_contacts",
                            .dims = d,
                            .n_dims = n,
                            .status = DAHUB_ACTUAL,
                            .value = 31,
                            .line = line,
                            .col = 3,
                            .raw = "31"};
}

/* o with the memo and without: the same code, breakdown and error. */
static int same_both_ways(struct fix *f, const struct dahub_obs *o) {
  static struct validated a, b;
  struct dahub_error ea = {0}, eb = {0};
  int ra, rb;

  memset(&a, 0x55, sizeof a);
  memset(&b, 0x55, sizeof b);
  ra = validate_obs_memo(f->v, f->memo, o, NULL, &a, &ea);
  rb = validate_obs(f->v, o, NULL, &b, &eb);
  assert_int_equal(ra, rb);
  assert_memory_equal(&ea, &eb, sizeof ea);
  if (ra == 0) {
    assert_string_equal(a.dims, b.dims);
    assert_string_equal(a.obs.dimensions, b.obs.dimensions);
  }
  return ra;
}

static void
test_a_repeated_breakdown_is_the_text_building_it_gives(void **state) {
  struct fix *f = *state;
  const struct dahub_dim d1[] = {{"gender", "F", 0}, {"age_band", "25-34", 0}};
  const struct dahub_dim d2[] = {{"age_band", "25-34", 0}, {"gender", "F", 0}};
  const struct dahub_dim d3[] = {{"gender", "Female", 0}};
  const struct dahub_dim d4[] = {{"ethnicity", "White - British", 0},
                                 {"gender", "not_known", 0}};
  struct dahub_obs o[] = {obs(NULL, 0, 2), obs(d1, 2, 3), obs(d2, 2, 4),
                          obs(d3, 1, 5), obs(d4, 2, 6)};
  const char *text;
  size_t len;

  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < sizeof o / sizeof *o; i++)
      assert_int_equal(same_both_ways(f, &o[i]), 0);
  /* held by its raw pairs, in the plugin's order */
  text = validate_memo_find(f->memo, f->v, &o[1], &len);
  assert_non_null(text);
  assert_string_equal(text, "{\"age_band\":\"25-34\",\"gender\":\"female\"}");
  assert_int_equal(len, strlen(text));
  assert_non_null(validate_memo_find(f->memo, f->v, &o[2], &len));
  text = validate_memo_find(f->memo, f->v, &o[0], &len);
  assert_non_null(text);
  assert_string_equal(text, "{}");
}

static void
test_a_bad_breakdown_is_refused_each_time_at_its_own_cell(void **state) {
  struct fix *f = *state;
  const struct dahub_dim bad[] = {{"gender", "F", 4}, {"gender", "M", 5}};
  const struct dahub_dim unknown[] = {{"gender", "Z", 7}};
  struct dahub_obs o;

  for (uint32_t line = 10; line < 13; line++) {
    o = obs(bad, 2, line);
    assert_int_equal(same_both_ways(f, &o), -EINVAL);
    assert_null(validate_memo_find(f->memo, f->v, &o, &(size_t){0}));
    o = obs(unknown, 1, line + 100);
    assert_int_equal(same_both_ways(f, &o), -EINVAL);
    assert_null(validate_memo_find(f->memo, f->v, &o, &(size_t){0}));
  }
}

static void
test_pairs_that_only_join_alike_are_different_breakdowns(void **state) {
  struct fix *f = *state;
  const struct dahub_dim a[] = {{"gender", "male", 0}};
  const struct dahub_dim b[] = {{"gende", "rmale", 0}};
  struct dahub_obs oa = obs(a, 1, 2), ob = obs(b, 1, 3);

  assert_int_equal(same_both_ways(f, &oa), 0);
  assert_null(validate_memo_find(f->memo, f->v, &ob, &(size_t){0}));
  assert_int_equal(same_both_ways(f, &ob), -EINVAL);
}

/* More distinct breakdowns than the memo holds: it empties and fills
 * again, and every answer stays the one building gives. */
static void test_more_breakdowns_than_the_memo_holds_stay_right(void **state) {
  struct fix *f = *state;
  struct dahub_dim d[3] = {
      {"gender", NULL, 0}, {"age_band", NULL, 0}, {"ethnicity", NULL, 0}};
  uint32_t line = 2;
  size_t held = 0;

  for (int round = 0; round < 2; round++)
    for (size_t g = 0; g < 5; g++)
      for (size_t a = 0; a < 13; a++)
        for (size_t e = 0; e < 16; e++) {
          struct dahub_obs o = obs(d, 3, line++);

          d[0].value = genders[g];
          d[1].value = ages[a];
          d[2].value = ethnicities[e];
          assert_int_equal(same_both_ways(f, &o), 0);
          held += validate_memo_find(f->memo, f->v, &o, &(size_t){0}) != NULL;
        }
  assert_int_equal(held, 2 * 5 * 13 * 16); /* each kept once built */
}

static void
test_another_vocabulary_is_not_answered_from_the_memo(void **state) {
  struct fix *f = *state;
  const struct dahub_dim d[] = {{"gender", "F", 0}};
  struct dahub_obs o = obs(d, 1, 2);
  struct vocab *other;

  assert_int_equal(same_both_ways(f, &o), 0);
  assert_non_null(validate_memo_find(f->memo, f->v, &o, &(size_t){0}));
  assert_int_equal(fixture_load_vocab(&other), 0);
  assert_null(validate_memo_find(f->memo, other, &o, &(size_t){0}));
  vocab_free(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_a_repeated_breakdown_is_the_text_building_it_gives, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_a_bad_breakdown_is_refused_each_time_at_its_own_cell, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_pairs_that_only_join_alike_are_different_breakdowns, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_more_breakdowns_than_the_memo_holds_stay_right, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_another_vocabulary_is_not_answered_from_the_memo, setup,
          teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
