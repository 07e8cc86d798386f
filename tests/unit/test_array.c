/*
 * test_array.c: an owned array grows by doubling, and a growth that cannot
 * happen leaves it whole (hub/core/array.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "array.h"

struct line {
  size_t id;
  char name[24];
};

static void test_grows_from_empty_then_doubles(void **state) {
  static const size_t caps[] = {8, 16, 32, 64};
  struct line *v = NULL;
  size_t cap = 0, n = 0;

  (void)state;
  for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
    while (n < cap) {
      v[n].id = n;
      n++;
    }
    assert_int_equal(array_grow(&v, &cap, sizeof *v, 8), 0);
    assert_non_null(v);
    assert_int_equal(cap, caps[i]);
  }
  for (size_t i = 0; i < n; i++) /* what was there came along */
    assert_int_equal(v[i].id, i);
  free(v);
}

static void test_overflow_leaves_the_array_whole(void **state) {
  size_t *v = malloc(4 * sizeof *v), cap = 4, *before = v;

  (void)state;
  assert_non_null(v);
  v[3] = 42;
  assert_int_equal(array_grow(&v, &cap, SIZE_MAX / 4, 8), -ENOMEM);
  assert_ptr_equal(v, before);
  assert_int_equal(cap, 4);
  assert_int_equal(v[3], 42);
  cap = SIZE_MAX / 2 + 1; /* doubling it would wrap */
  assert_int_equal(array_grow(&v, &cap, 1, 8), -ENOMEM);
  assert_int_equal(cap, SIZE_MAX / 2 + 1);
  free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grows_from_empty_then_doubles),
      cmocka_unit_test(test_overflow_leaves_the_array_whole),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
