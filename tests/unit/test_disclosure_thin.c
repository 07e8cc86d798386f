/*
 * test_disclosure_thin.c: thinning is tried only in groups of hidden cells
 * up to a size (disclosure_set_thin_group_max), and a pattern left
 * unthinned still passes the audit.
 *
 * Random grids of small counts with row and column totals and a grand
 * total: each is applied with thinning everywhere, then with a group limit
 * below every group's size. Both patterns must pass the audit; the
 * unthinned one never hides fewer cells, and on some grids more: the
 * limit is what stops the trials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "disclosure.h"

#define ROWS 5
#define COLS 6

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13; /* xorshift: the same grids every run */
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t add(struct disclosure *d, int64_t value) {
  struct disclosure_cell c = {.value = value, .threshold = 5};
  size_t id;

  assert_int_equal(disclosure_add_cell(d, &c, &id), 0);
  return id;
}

/* A ROWS x COLS grid of counts, a third of them below 5, with its totals.
 * Returns the number of hidden cells after apply (the audit passing). */
static size_t grid_hidden(uint64_t seed, size_t thin_group_max) {
  struct disclosure *d;
  size_t cell[ROWS][COLS], row[ROWS], col[COLS], members[COLS], hidden = 0,
                                                                weak = 1;
  int64_t rs[ROWS] = {0}, cs[COLS] = {0}, all = 0;

  assert_int_equal(disclosure_new(&d), 0);
  disclosure_set_thin_group_max(d, thin_group_max);
  for (int r = 0; r < ROWS; r++)
    for (int k = 0; k < COLS; k++) {
      int64_t v = next(&seed) % 3 == 0 ? (int64_t)(next(&seed) % 5)
                                       : 5 + (int64_t)(next(&seed) % 40);

      cell[r][k] = add(d, v);
      rs[r] += v;
      cs[k] += v;
      all += v;
    }
  for (int r = 0; r < ROWS; r++)
    row[r] = add(d, rs[r]);
  for (int k = 0; k < COLS; k++)
    col[k] = add(d, cs[k]);
  {
    size_t total = add(d, all);

    for (int r = 0; r < ROWS; r++) {
      for (int k = 0; k < COLS; k++)
        members[k] = cell[r][k];
      assert_int_equal(disclosure_add_line(d, members, COLS, row[r]), 0);
    }
    for (int k = 0; k < COLS; k++) {
      size_t in_col[ROWS];

      for (int r = 0; r < ROWS; r++)
        in_col[r] = cell[r][k];
      assert_int_equal(disclosure_add_line(d, in_col, ROWS, col[k]), 0);
    }
    assert_int_equal(disclosure_add_line(d, row, ROWS, total), 0);
    assert_int_equal(disclosure_add_line(d, col, COLS, total), 0);
  }
  assert_int_equal(disclosure_apply(d, 0, NULL), 0);
  assert_int_equal(disclosure_audit(d, &weak), 0);
  assert_int_equal(weak, 0);
  for (size_t id = 0; id < (ROWS + 1) * (COLS + 1); id++)
    hidden += disclosure_state(d, id) != DISCLOSURE_SHOWN;
  disclosure_free(d);
  return hidden;
}

static void test_large_groups_are_not_thinned(void **state) {
  size_t more = 0;

  (void)state;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    size_t thinned = grid_hidden(seed * 0x9e3779b97f4a7c15u,
                                 DISCLOSURE_THIN_GROUP_MAX),
           kept = grid_hidden(seed * 0x9e3779b97f4a7c15u, 0);

    assert_true(kept >= thinned);
    more += kept > thinned;
  }
  assert_true(more > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_large_groups_are_not_thinned),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
