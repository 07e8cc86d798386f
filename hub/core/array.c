/*
 * array.c: growing an array (see array.h).
 *
 * Registers, lines, cells and counters each keep a growing array; this is
 * the one place their size doubles, with the overflow checks a doubling
 * needs, so a failure leaves the array whole for the caller to free.
 *
 * The pointer is read and written through memcpy() as a void *: POSIX
 * gives every object pointer void *'s representation, and a void ** cast
 * of a struct line ** would break C's aliasing rules.
 */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_grow(void *arrp, size_t *cap, size_t size, size_t first) {
  size_t n = *cap != 0 ? *cap * 2 : first;
  void *old, *v;

  if (n <= *cap || size == 0 || n > SIZE_MAX / size)
    return -ENOMEM;
  memcpy(&old, arrp, sizeof old);
  if ((v = realloc(old, n * size)) == NULL)
    return -ENOMEM;
  memcpy(arrp, &v, sizeof v);
  *cap = n;
  return 0;
}
