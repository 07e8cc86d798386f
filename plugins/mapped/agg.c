/*
 * agg.c: figures added up in memory (see agg.h).
 *
 * Two open-addressing hash tables with linear probing. The first, from a
 * figure's key to its group, is kept at most half full so probes stay
 * short. A key's hash is built as its texts are added, a word at a time,
 * and kept with the group: a row's figures share most of their key, and
 * growing the index then rehashes nothing.
 *
 * The second holds the distinct (group, reference) pairs, up to seven
 * tenths full. A pair is kept as one 64-bit fingerprint: the HMAC's first
 * eight bytes, already uniformly random, XORed with the group number times
 * an odd constant. One person in two groups never collides with itself
 * (the multiple differs), and two different pairs share a fingerprint with
 * probability 2^-64, so among n pairs some two do with probability about
 * n^2 / 2^65: 3e-8 at a million, 3e-6 at ten million. A collision would
 * count one person too few; that is far below any other error in a return.
 * 8 bytes a pair, about 11 with the slack, where the whole HMAC and group
 * took 36 (72 with the slack).
 *
 * Every size is checked against its limit before it grows, so a hostile
 * file costs at most the configured memory.
 *
 * The fingerprints are wiped before their memory is freed: a pseudonym's
 * fragment is not the reference, but it is nothing to leave lying about.
 */
#include "agg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIX_K 0x9E3779B97F4A7C15ull

/* A fast 64-bit finaliser (murmur3's), so that nearby words spread. */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb93fe53ef64full;
  x ^= x >> 33;
  return x;
}

/* Folds one text into h, eight bytes at a time; its length goes in too, so
 * where one text ends and the next begins changes the hash. */
static uint64_t hash_text(uint64_t h, const char *s, size_t n) {
  uint64_t w;
  size_t i;

  for (i = 0; i + 8 <= n; i += 8) {
    memcpy(&w, s + i, 8);
    h = (h ^ w) * MIX_K;
    h ^= h >> 29;
  }
  if (i < n) {
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * MIX_K;
    h ^= h >> 29;
  }
  return mix64(h ^ (uint64_t)n);
}

void agg_key_start(struct agg_key *k) {
  k->len = 0;
  k->hash = 0;
  k->overflow = 0;
}

void agg_key_add_n(struct agg_key *k, const char *s, size_t len) {
  if (k->overflow || len + 1 > sizeof k->buf - k->len) {
    k->overflow = 1;
    return;
  }
  memcpy(k->buf + k->len, s, len);
  k->buf[k->len + len] = '\0';
  k->len += len + 1;
  k->hash = hash_text(k->hash, s, len);
}

void agg_key_add(struct agg_key *k, const char *s) {
  if (s == NULL)
    s = "";
  agg_key_add_n(k, s, strlen(s));
}

void agg_key_mark(const struct agg_key *k, struct agg_mark *m) {
  m->len = k->len;
  m->hash = k->hash;
  m->overflow = k->overflow;
}

void agg_key_rewind(struct agg_key *k, const struct agg_mark *m) {
  k->len = m->len;
  k->hash = m->hash;
  k->overflow = m->overflow;
}

void agg_init(struct agg *a, uint64_t max_groups, uint64_t max_refs) {
  memset(a, 0, sizeof *a);
  a->max_groups = max_groups;
  a->max_refs = max_refs;
}

void agg_close(struct agg *a) {
  size_t i;

  for (i = 0; i < a->n; i++)
    free(a->g[i].key);
  free(a->g);
  free(a->slot);
  if (a->ref != NULL)
    explicit_bzero(a->ref, a->ref_slots * sizeof *a->ref);
  free(a->ref);
  memset(a, 0, sizeof *a);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct agg *a, const char *key, size_t len,
                        uint64_t hash) {
  size_t mask = a->n_slots - 1, i = (size_t)hash & mask;

  while (a->slot[i] != 0) {
    const struct agg_group *g = &a->g[a->slot[i] - 1];

    if (g->hash == hash && g->len == len && memcmp(g->key, key, len) == 0)
      break;
    i = (i + 1) & mask;
  }
  return i;
}

static int grow_slots(struct agg *a) {
  size_t n = a->n_slots ? a->n_slots * 2 : 256, i;
  size_t *old = a->slot, old_n = a->n_slots;

  if ((a->slot = calloc(n, sizeof *a->slot)) == NULL) {
    a->slot = old;
    return -ENOMEM;
  }
  a->n_slots = n;
  for (i = 0; i < old_n; i++)
    if (old[i] != 0) {
      const struct agg_group *g = &a->g[old[i] - 1];

      a->slot[find_slot(a, g->key, g->len, g->hash)] = old[i];
    }
  free(old);
  return 0;
}

int agg_group(struct agg *a, const struct agg_key *key, uint32_t line,
              uint32_t col, size_t *index) {
  struct agg_group *g;
  size_t s;
  int rc;

  if (key->overflow)
    return -EINVAL;
  if (a->n_slots == 0 && (rc = grow_slots(a)) != 0)
    return rc;
  s = find_slot(a, key->buf, key->len, key->hash);
  if (a->slot[s] != 0) {
    *index = a->slot[s] - 1;
    return 0;
  }
  if ((uint64_t)a->n >= a->max_groups)
    return -E2BIG;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    struct agg_group *ng = realloc(a->g, cap * sizeof *ng);

    if (ng == NULL)
      return -ENOMEM;
    a->g = ng;
    a->cap = cap;
  }
  g = &a->g[a->n];
  if ((g->key = malloc(key->len)) == NULL)
    return -ENOMEM;
  memcpy(g->key, key->buf, key->len);
  g->len = key->len;
  g->hash = key->hash;
  g->value = 0;
  g->line = line;
  g->col = col;
  a->slot[s] = ++a->n;
  *index = a->n - 1;
  if (a->n * 2 > a->n_slots && (rc = grow_slots(a)) != 0)
    return rc; /* the group is kept; the next call grows again */
  return 0;
}

int agg_add(struct agg *a, size_t index, int64_t n) {
  if (__builtin_add_overflow(a->g[index].value, n, &a->g[index].value))
    return -EOVERFLOW;
  return 0;
}

/* The fingerprint of a (group, HMAC) pair; 0 marks an empty slot, so a
 * zero fingerprint becomes 1 (two values in 2^64 share it: still
 * negligible). */
static uint64_t ref_print(uint32_t group, const uint8_t h[32]) {
  uint64_t x;

  memcpy(&x, h, sizeof x);
  x ^= group * MIX_K;
  return x != 0 ? x : 1;
}

/* The slot holding fp, or the empty slot where it would go. The
 * fingerprint is uniformly random, so its low bits are the hash. */
static size_t ref_slot(const struct agg *a, uint64_t fp) {
  size_t mask = a->ref_slots - 1, i = (size_t)fp & mask;

  while (a->ref[i] != 0 && a->ref[i] != fp)
    i = (i + 1) & mask;
  return i;
}

static int grow_refs(struct agg *a) {
  size_t n = a->ref_slots ? a->ref_slots * 2 : 1024, i;
  uint64_t *old = a->ref;
  size_t old_n = a->ref_slots;

  if ((a->ref = calloc(n, sizeof *a->ref)) == NULL) {
    a->ref = old;
    return -ENOMEM;
  }
  a->ref_slots = n;
  for (i = 0; i < old_n; i++)
    if (old[i] != 0)
      a->ref[ref_slot(a, old[i])] = old[i];
  if (old != NULL)
    explicit_bzero(old, old_n * sizeof *old);
  free(old);
  return 0;
}

int agg_add_distinct(struct agg *a, size_t index, const uint8_t ref[32]) {
  uint64_t fp = ref_print((uint32_t)index + 1, ref);
  size_t s;
  int rc;

  if (a->ref_slots == 0 && (rc = grow_refs(a)) != 0)
    return rc;
  s = ref_slot(a, fp);
  if (a->ref[s] != 0)
    return 0;
  if ((uint64_t)a->n_refs >= a->max_refs)
    return -E2BIG;
  a->ref[s] = fp;
  a->n_refs++;
  /* At most 0.7 full: linear probing stays short, memory stays small. */
  if (a->n_refs * 10 > a->ref_slots * 7 && (rc = grow_refs(a)) != 0)
    return rc;
  if ((rc = agg_add(a, index, 1)) != 0)
    return rc;
  return 1;
}
