/*
 * sink_out.h: the output a sink under test writes into, for the sink
 * tests: it grows, keeps every byte, stays NUL-ended so strstr() can read
 * it, and counts the writes. The test frees data.
 */
#ifndef DAHUB_TEST_SINK_OUT_H
#define DAHUB_TEST_SINK_OUT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dahub/plugin.h"

struct sink_out {
  struct dahub_output out;
  char *data;
  size_t len, cap;
  size_t calls;
};

static inline int sink_out_write(struct dahub_output *o, const void *p,
                                 size_t n) {
  struct sink_out *b = container_of(o, struct sink_out, out);

  b->calls++;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *d;

    while (cap < b->len + n + 1)
      cap *= 2;
    if ((d = realloc(b->data, cap)) == NULL)
      return -ENOMEM;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

#endif
