/*
 * agg.c: figures added up in memory (see agg.h).
 *
 * Figures: an open-addressing hash table with linear probing, from a
 * figure's key to its group, kept at most half full so probes stay short.
 * A key's hash is built as its texts are added, from each text's own hash,
 * and kept with the group: a row's figures share most of their key, and
 * growing the index then rehashes nothing. Most texts of a key are codes
 * the mapping owns, the same few on every row: their lengths and hashes
 * are remembered by address (agg_key_add_stable), which halved the cost
 * of building keys.
 *
 * Distinct counts are agg_distinct.c's.
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

/* One text's hash, eight bytes at a time; its length goes in too, so
 * where one text ends and the next begins changes a key's hash. */
uint64_t agg_text_hash(const char *s, size_t n) {
  uint64_t w, h = 0;
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

void agg_key_add_hashed(struct agg_key *k, const char *s, size_t len,
                        uint64_t h) {
  if (k->overflow || len + 1 > sizeof k->buf - k->len) {
    k->overflow = 1;
    return;
  }
  memcpy(k->buf + k->len, s, len);
  k->buf[k->len + len] = '\0';
  k->len += len + 1;
  /* the order of the texts matters: "a","b" is not "b","a" */
  k->hash = mix64((k->hash ^ h) * MIX_K + 1);
}

void agg_key_add_n(struct agg_key *k, const char *s, size_t len) {
  agg_key_add_hashed(k, s, len, agg_text_hash(s, len));
}

void agg_key_add(struct agg_key *k, const char *s) {
  if (s == NULL)
    s = "";
  agg_key_add_n(k, s, strlen(s));
}

void agg_key_add_stable(struct agg *a, struct agg_key *k, const char *s) {
  struct agg_text *t;
  uintptr_t p;

  if (s == NULL)
    s = "";
  if (a->texts == NULL &&
      (a->texts = calloc(AGG_TEXTS, sizeof *a->texts)) == NULL) {
    agg_key_add(k, s);
    return;
  }
  p = (uintptr_t)s;
  t = &a->texts[(p ^ (p >> 9)) & (AGG_TEXTS - 1)];
  if (t->s != s) {
    t->s = s;
    t->len = strlen(s);
    t->hash = agg_text_hash(s, t->len);
  }
  agg_key_add_hashed(k, s, t->len, t->hash);
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
  a->max_recorded = max_refs > UINT64_MAX / AGG_RECORD_FACTOR
                        ? UINT64_MAX
                        : max_refs * AGG_RECORD_FACTOR;
  a->buf_entries = AGG_BUF_ENTRIES;
}

void agg_close(struct agg *a) {
  size_t i;

  for (i = 0; i < a->n; i++)
    free(a->g[i].key);
  free(a->g);
  free(a->slot);
  free(a->texts);
  agg_distinct_release(a);
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
