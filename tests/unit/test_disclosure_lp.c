/*
 * test_disclosure_lp.c: the audit's programmes (hub/disclosure/lp.h): a
 * basis saved from one programme starts another of the same rows and gives
 * the same answers; a basis that does not fit is refused; a question asked
 * again is answered as first asked, also after a point was sought between.
 *
 * The programme is a 2 x 3 table with its row and column totals shown
 * (rows 10 and 20, columns 8, 12 and 10) and every cell hidden: x0 + x1 +
 * x2 = 10, x3 + x4 + x5 = 20, x0 + x3 = 8, x1 + x4 = 12, x2 + x5 = 10.
 * x0 is between 0 and 8.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lp.h"

#define COLS 6
#define ROWS 5

static struct lp *table(void) {
  static const size_t rows[ROWS][3] = {
      {0, 1, 2}, {3, 4, 5}, {0, 3, 0}, {1, 4, 0}, {2, 5, 0}};
  static const size_t width[ROWS] = {3, 3, 2, 2, 2};
  static const double rhs[ROWS] = {10, 20, 8, 12, 10};
  static const double one[3] = {1, 1, 1};
  struct lp *lp;

  assert_int_equal(lp_new(COLS, &lp), 0);
  for (size_t r = 0; r < ROWS; r++)
    assert_int_equal(lp_add_row(lp, rows[r], one, width[r], rhs[r], rhs[r]), 0);
  return lp;
}

static double extreme(struct lp *lp, size_t var, int maximise) {
  const double *point;
  double v;

  assert_int_equal(lp_extreme(lp, var, maximise, &v, &point), 0);
  assert_non_null(point);
  assert_true(fabs(point[var] - v) < 1e-9);
  return v;
}

static void test_basis_starts_another_programme(void **state) {
  unsigned char basis[COLS + ROWS], none[COLS + ROWS];
  struct lp *a = table(), *b = table();
  size_t basic = 0;

  (void)state;
  assert_int_equal(lp_basis(a, none), -ENODATA); /* nothing asked yet */
  assert_true(fabs(extreme(a, 0, 1) - 8) < 1e-9);
  assert_int_equal(lp_basis(a, basis), 0);
  for (size_t i = 0; i < COLS + ROWS; i++)
    basic += (basis[i] & 7) == LP_BASIC;
  assert_int_equal(basic, ROWS);
  assert_int_equal(lp_start(b, basis), 0);
  assert_true(fabs(extreme(b, 0, 1) - 8) < 1e-9);
  assert_true(fabs(extreme(b, 0, 0)) < 1e-9);
  assert_true(fabs(extreme(b, 4, 1) - 12) < 1e-9);
  /* once asked, a programme keeps its own basis */
  assert_int_equal(lp_start(b, basis), -EINVAL);
  lp_free(a);
  lp_free(b);
}

static void test_start_refuses_what_is_no_basis(void **state) {
  unsigned char status[COLS + ROWS];
  struct lp *lp = table();

  (void)state;
  for (size_t i = 0; i < COLS + ROWS; i++)
    status[i] = LP_AT_LOWER; /* no basic entry at all */
  assert_int_equal(lp_start(lp, status), -EINVAL);
  for (size_t i = 0; i < COLS + ROWS; i++)
    status[i] = LP_BASIC; /* one a column too many */
  assert_int_equal(lp_start(lp, status), -EINVAL);
  /* refused, the programme starts afresh and answers all the same */
  assert_true(fabs(extreme(lp, 0, 1) - 8) < 1e-9);
  lp_free(lp);
}

static void test_question_asked_again(void **state) {
  static const double down[COLS] = {-1, 0, 0, 0, 0, 0};
  static const double open[COLS] = {HUGE_VAL, HUGE_VAL, HUGE_VAL,
                                    HUGE_VAL, HUGE_VAL, HUGE_VAL};
  const double *point;
  struct lp *lp = table();

  (void)state;
  assert_true(fabs(extreme(lp, 0, 1) - 8) < 1e-9);
  assert_true(fabs(extreme(lp, 0, 1) - 8) < 1e-9);
  /* a point with x0 at its least moves the solution: the same question
   * asked after it is answered again, not from that point */
  assert_int_equal(lp_point(lp, down, NULL, open, &point), 0);
  assert_true(fabs(point[0]) < 1e-9);
  assert_true(fabs(extreme(lp, 0, 1) - 8) < 1e-9);
  assert_true(fabs(extreme(lp, 0, 0)) < 1e-9);
  assert_true(fabs(extreme(lp, 0, 1) - 8) < 1e-9);
  lp_free(lp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basis_starts_another_programme),
      cmocka_unit_test(test_start_refuses_what_is_no_basis),
      cmocka_unit_test(test_question_asked_again),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
