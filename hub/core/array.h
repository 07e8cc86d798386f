/*
 * array.h: room for one more element in an array a module owns.
 */
#ifndef DAHUB_ARRAY_H
#define DAHUB_ARRAY_H

#include <stddef.h>

/* arrp is the address of a pointer to an array of *cap elements of size
 * bytes each (NULL and 0 when empty). Reallocates it to twice as many, or
 * to first when empty, and updates the pointer and *cap. 0, or -ENOMEM (out
 * of memory, or a count that would overflow) with both left as they were,
 * the array included. */
int array_grow(void *arrp, size_t *cap, size_t size, size_t first);

#endif
