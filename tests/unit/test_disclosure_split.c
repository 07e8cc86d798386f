/*
 * test_disclosure_split.c: a large group of hidden cells is audited in two
 * chains of questions (hub/disclosure/disclosure_audit.c), on two threads
 * when the audit may use two cores and after each other when it may use
 * one: the pattern and every interval are the same either way, and the
 * pattern passes the audit.
 *
 * One three-way table with all its margins, a third of its counts small,
 * makes one group of several hundred hidden cells: well past the size at
 * which a group is split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "disclosure.h"

enum { A = 10, B = 12, C = 6 };
#define CELLS ((A + 1) * (B + 1) * (C + 1))

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13; /* xorshift: the same table every run */
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t at(size_t a, size_t b, size_t c) {
  return (a * (B + 1) + b) * (C + 1) + c;
}

/* The table, its cells 0 .. CELLS - 1 in at() order, with every line. */
static void table(struct disclosure *d, uint64_t seed) {
  static int64_t v[CELLS];
  size_t m[B], id;

  for (size_t i = 0; i < CELLS; i++)
    v[i] = 0;
  for (size_t a = 0; a < A; a++)
    for (size_t b = 0; b < B; b++)
      for (size_t c = 0; c < C; c++) {
        int64_t x = next(&seed) % 2 == 0 ? (int64_t)(next(&seed) % 5)
                                         : 5 + (int64_t)(next(&seed) % 30);

        for (int mask = 0; mask < 8; mask++) /* the cell and its margins */
          v[at(mask & 1 ? A : a, mask & 2 ? B : b, mask & 4 ? C : c)] += x;
      }
  for (size_t i = 0; i < CELLS; i++) {
    struct disclosure_cell cell = {.value = v[i], .threshold = 5};

    assert_int_equal(disclosure_add_cell(d, &cell, &id), 0);
    assert_int_equal(id, i);
  }
  for (size_t b = 0; b <= B; b++)
    for (size_t c = 0; c <= C; c++) {
      for (size_t a = 0; a < A; a++)
        m[a] = at(a, b, c);
      assert_int_equal(disclosure_add_line(d, m, A, at(A, b, c)), 0);
    }
  for (size_t a = 0; a <= A; a++)
    for (size_t c = 0; c <= C; c++) {
      for (size_t b = 0; b < B; b++)
        m[b] = at(a, b, c);
      assert_int_equal(disclosure_add_line(d, m, B, at(a, B, c)), 0);
    }
  for (size_t a = 0; a <= A; a++)
    for (size_t b = 0; b <= B; b++) {
      for (size_t c = 0; c < C; c++)
        m[c] = at(a, b, c);
      assert_int_equal(disclosure_add_line(d, m, C, at(a, b, C)), 0);
    }
}

static void test_two_chains_give_one_pattern(void **state) {
  static int st1[CELLS];
  static int64_t lo1[CELLS], hi1[CELLS];

  (void)state;
  for (int threads = 1; threads <= 2; threads++) {
    struct disclosure_stats st;
    struct disclosure *d;
    size_t hidden = 0, weak = 1;

    assert_int_equal(disclosure_new(&d), 0);
    disclosure_set_threads(d, threads);
    table(d, 20261207);
    assert_int_equal(disclosure_apply(d, 1, &st), 0);
    for (size_t i = 0; i < CELLS; i++) {
      int64_t lo = -1, hi = -1;

      hidden += disclosure_bounds(d, i, &lo, &hi) == 0;
      if (threads == 1) {
        st1[i] = (int)disclosure_state(d, i);
        lo1[i] = lo;
        hi1[i] = hi;
      }
      assert_int_equal(disclosure_state(d, i), st1[i]);
      assert_int_equal(lo, lo1[i]);
      assert_int_equal(hi, hi1[i]);
    }
    assert_true(hidden >= 300); /* one group, well past the split */
    assert_int_equal(disclosure_audit(d, &weak), 0);
    assert_int_equal(weak, 0);
    disclosure_free(d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_chains_give_one_pattern),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
