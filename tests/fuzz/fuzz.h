/*
 * fuzz.h: what every fuzz target shares.
 *
 * A target is one LLVMFuzzerTestOneInput(); libFuzzer calls it (scripts/
 * fuzz.sh), and so does replay.c for every corpus file in the normal tests.
 * A broken invariant is a finding: fuzz_check() says which and aborts, so
 * libFuzzer keeps the input and the replay test fails.
 */
#ifndef DAHUB_FUZZ_H
#define DAHUB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_check(int ok, const char *what) {
  if (ok)
    return;
  fprintf(stderr, "fuzz: invariant broken: %s\n", what);
  abort();
}

/* A small deterministic generator, for chunk sizes and the like. */
static inline uint32_t fuzz_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* An input served in chunks: each read hands out at most max_chunk bytes
 * (a number drawn from seed; 0: as much as asked), and at the end 0, or
 * fail_code when it is set (a read that fails instead of ending). */
struct fuzz_feed {
  const uint8_t *data;
  size_t len, pos;
  size_t max_chunk;
  uint32_t seed;
  int fail_code;
};

static inline ssize_t fuzz_feed_read(void *arg, void *buf, size_t cap) {
  struct fuzz_feed *f = arg;
  size_t n = f->len - f->pos;

  if (n == 0)
    return f->fail_code;
  if (n > cap)
    n = cap;
  if (f->max_chunk != 0) {
    size_t want = 1 + fuzz_rand(&f->seed) % f->max_chunk;

    if (n > want)
      n = want;
  }
  memcpy(buf, f->data + f->pos, n);
  f->pos += n;
  return (ssize_t)n;
}

/* 1 when the len bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF): what the CSV reader hands out. */
static inline int fuzz_utf8_valid(const unsigned char *s, size_t len) {
  size_t i = 0;

  while (i < len) {
    unsigned char b = s[i];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need, k;

    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF)
      need = 1;
    else if (b >= 0xE0 && b <= 0xEF)
      need = 2;
    else if (b >= 0xF0 && b <= 0xF4)
      need = 3;
    else
      return 0;
    if (b == 0xE0)
      lo = 0xA0;
    else if (b == 0xED)
      hi = 0x9F;
    else if (b == 0xF0)
      lo = 0x90;
    else if (b == 0xF4)
      hi = 0x8F;
    if (len - i - 1 < need)
      return 0;
    for (k = 1; k <= need; k++) {
      if (s[i + k] < lo || s[i + k] > hi)
        return 0;
      lo = 0x80;
      hi = 0xBF;
    }
    i += need + 1;
  }
  return 1;
}

#endif
