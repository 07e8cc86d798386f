/*
 * test_disclosure_repair.c: a cell still weak after its repair is mended
 * near itself (hub/disclosure/disclosure_choose.c, repair_pick): one
 * measure of a board's summary, in the shape partners send it, ends in a
 * handful of audit rounds rather than scores, and hides fewer cells.
 *
 * The table: five partners and all partners, by seven districts, their
 * county, two areas outside it (one with a threshold of 10) and the
 * partnership, each by four breakdowns on their own (gender, age band,
 * ethnicity, risk) that share their total, the figure without a breakdown.
 * A caseload of about 40 per partner and area is split over each
 * breakdown's values in a service's proportions, so the rare values make
 * the small counts; now and then a case has no value recorded, so that
 * breakdown falls short of its total.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "disclosure.h"

enum {
  PARTNERS = 5,  /* + all partners */
  DISTRICTS = 7, /* + their county */
  OUTSIDE = 2,   /* areas in no county; the last has a threshold of 10 */
  AREAS = DISTRICTS + 1 + OUTSIDE + 1, /* + the partnership */
  COUNTY = DISTRICTS,
  ALL_AREAS = AREAS - 1,
  DIMS = 4,
  VALUES = 1 + 5 + 13 + 21 + 4, /* the total, then each breakdown's */
  CELLS = (PARTNERS + 1) * AREAS * VALUES,
};

static const int dim_size[DIMS] = {5, 13, 21, 4};
/* Each breakdown's values in turn: gender, age band, ethnicity, risk. */
static const int weights[] = {80, 14, 1, 2, 3, 1, 1, 2, 2, 14, 24, 22, 16, 9, 4,
                              2,  1,  2, 1, 1, 8, 2, 1, 2, 1,  1,  1,  1,  1, 1,
                              60, 1,  1, 1, 5, 1, 1, 3, 6, 30, 35, 30, 5};

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13; /* xorshift: the same table every run */
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t at(size_t p, size_t a, size_t v) {
  return (p * AREAS + a) * VALUES + v;
}

/* The first value of breakdown k. */
static size_t first_value(int k) {
  size_t v = 1;

  for (int i = 0; i < k; i++)
    v += (size_t)dim_size[i];
  return v;
}

/* A partner's caseload in one area, split over every breakdown. */
static void caseload(int64_t *v, size_t p, size_t a, uint64_t *seed) {
  double u = (double)(next(seed) % 1000000 + 1) / 1000001.0;
  int64_t total = (int64_t)(-40.0 * log(u)); /* exponential */
  const int *w = weights;

  v[at(p, a, 0)] = total;
  for (int k = 0; k < DIMS; k++) {
    size_t first = first_value(k);
    int64_t n = total - (total > 0 && next(seed) % 10 == 0 ? 1 : 0);
    int sum = 0;

    for (int i = 0; i < dim_size[k]; i++)
      sum += w[i];
    for (int64_t c = 0; c < n; c++) {
      int r = (int)(next(seed) % (uint64_t)sum), i = 0;

      while (r >= w[i])
        r -= w[i++];
      v[at(p, a, first + (size_t)i)]++;
    }
    w += dim_size[k];
  }
}

static void table(struct disclosure *d, uint64_t seed) {
  static int64_t v[CELLS];
  size_t m[VALUES], id;

  for (size_t i = 0; i < CELLS; i++)
    v[i] = 0;
  for (size_t p = 0; p < PARTNERS; p++) {
    for (size_t a = 0; a < AREAS - 1; a++)
      if (a != COUNTY)
        caseload(v, p, a, &seed);
    for (size_t x = 0; x < VALUES; x++) {
      for (size_t a = 0; a < DISTRICTS; a++)
        v[at(p, COUNTY, x)] += v[at(p, a, x)];
      for (size_t a = COUNTY; a < ALL_AREAS; a++)
        v[at(p, ALL_AREAS, x)] += v[at(p, a, x)];
    }
  }
  for (size_t a = 0; a < AREAS; a++)
    for (size_t x = 0; x < VALUES; x++)
      for (size_t p = 0; p < PARTNERS; p++)
        v[at(PARTNERS, a, x)] += v[at(p, a, x)];
  for (size_t i = 0; i < CELLS; i++) {
    struct disclosure_cell cell = {.value = v[i], .threshold = 5};

    if (i % (AREAS * VALUES) / VALUES == ALL_AREAS - 1)
      cell.threshold = 10;
    if (i == at(PARTNERS, ALL_AREAS, 0))
      cell.flags = DISCLOSURE_CELL_HEADLINE;
    assert_int_equal(disclosure_add_cell(d, &cell, &id), 0);
    assert_int_equal(id, i);
  }
  for (size_t p = 0; p <= PARTNERS; p++)
    for (size_t x = 0; x < VALUES; x++) {
      for (size_t a = 0; a < DISTRICTS; a++)
        m[a] = at(p, a, x);
      assert_int_equal(disclosure_add_line(d, m, DISTRICTS, at(p, COUNTY, x)),
                       0);
      for (size_t a = COUNTY; a < ALL_AREAS; a++)
        m[a - COUNTY] = at(p, a, x);
      assert_int_equal(
          disclosure_add_line(d, m, OUTSIDE + 1, at(p, ALL_AREAS, x)), 0);
    }
  for (size_t a = 0; a < AREAS; a++)
    for (size_t x = 0; x < VALUES; x++) {
      for (size_t p = 0; p < PARTNERS; p++)
        m[p] = at(p, a, x);
      assert_int_equal(disclosure_add_line(d, m, PARTNERS, at(PARTNERS, a, x)),
                       0);
    }
  for (size_t p = 0; p <= PARTNERS; p++)
    for (size_t a = 0; a < AREAS; a++)
      for (int k = 0; k < DIMS; k++) {
        for (int i = 0; i < dim_size[k]; i++)
          m[i] = at(p, a, first_value(k) + (size_t)i);
        assert_int_equal(
            disclosure_add_line(d, m, (size_t)dim_size[k], at(p, a, 0)), 0);
      }
}

static void test_board_shaped_measure_settles(void **state) {
  struct disclosure_stats st;
  struct disclosure *d;
  size_t hidden = 0, weak = 1;

  (void)state;
  assert_int_equal(disclosure_new(&d), 0);
  table(d, 20261208);
  assert_int_equal(disclosure_apply(d, 1, &st), 0);
  for (size_t i = 0; i < CELLS; i++)
    hidden += disclosure_state(d, i) != DISCLOSURE_SHOWN;
  print_message("rounds %zu, hidden %zu (primary %zu, secondary %zu, audit "
                "%zu), %zu programmes\n",
                st.rounds, hidden, st.primary, st.secondary, st.audit, st.lps);
  assert_true(st.rounds <= 15); /* scores of rounds before */
  assert_true(hidden < 2450);
  assert_int_equal(disclosure_audit(d, &weak), 0);
  assert_int_equal(weak, 0);
  disclosure_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_board_shaped_measure_settles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
