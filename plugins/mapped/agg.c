/*
 * agg.c: figures added up in memory (see agg.h).
 *
 * Two open-addressing hash tables with linear probing, each kept at most
 * half full so probes stay short: one from a figure's key to its group,
 * one holding (group, HMAC) pairs for distinct counts. Keys are hashed with
 * FNV-1a; an HMAC is already uniformly random, so its first eight bytes
 * are its hash. Every size is checked against its limit before it grows,
 * so a hostile file costs at most the configured memory.
 *
 * The HMACs of case references are wiped before their memory is freed: a
 * pseudonym is not the reference, but it is nothing to leave lying about.
 */
#include "agg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct agg_ref {
  uint8_t h[32];
  uint32_t group; /* its group's number + 1; 0 marks an empty slot */
};

void agg_key_start(struct agg_key *k) {
  k->len = 0;
  k->overflow = 0;
}

void agg_key_add(struct agg_key *k, const char *s) {
  size_t n = strlen(s != NULL ? s : "") + 1;

  if (k->overflow || n > sizeof k->buf - k->len) {
    k->overflow = 1;
    return;
  }
  memcpy(k->buf + k->len, s != NULL ? s : "", n);
  k->len += n;
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

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct agg *a, const char *key, size_t len) {
  size_t mask = a->n_slots - 1, i = (size_t)fnv1a(key, len) & mask;

  while (a->slot[i] != 0) {
    const struct agg_group *g = &a->g[a->slot[i] - 1];

    if (g->len == len && memcmp(g->key, key, len) == 0)
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

      a->slot[find_slot(a, g->key, g->len)] = old[i];
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
  s = find_slot(a, key->buf, key->len);
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

static size_t ref_slot(const struct agg *a, uint32_t group,
                       const uint8_t h[32]) {
  size_t mask = a->ref_slots - 1, i;
  uint64_t x;

  memcpy(&x, h, sizeof x);
  i = (size_t)((x ^ (group * 0x9E3779B97F4A7C15ull)) & mask);
  while (a->ref[i].group != 0 &&
         (a->ref[i].group != group || memcmp(a->ref[i].h, h, 32) != 0))
    i = (i + 1) & mask;
  return i;
}

static int grow_refs(struct agg *a) {
  size_t n = a->ref_slots ? a->ref_slots * 2 : 1024, i;
  struct agg_ref *old = a->ref;
  size_t old_n = a->ref_slots;

  if ((a->ref = calloc(n, sizeof *a->ref)) == NULL) {
    a->ref = old;
    return -ENOMEM;
  }
  a->ref_slots = n;
  for (i = 0; i < old_n; i++)
    if (old[i].group != 0)
      a->ref[ref_slot(a, old[i].group, old[i].h)] = old[i];
  if (old != NULL)
    explicit_bzero(old, old_n * sizeof *old);
  free(old);
  return 0;
}

int agg_add_distinct(struct agg *a, size_t index, const uint8_t ref[32]) {
  uint32_t group = (uint32_t)index + 1;
  size_t s;
  int rc;

  if (a->ref_slots == 0 && (rc = grow_refs(a)) != 0)
    return rc;
  s = ref_slot(a, group, ref);
  if (a->ref[s].group != 0)
    return 0;
  if ((uint64_t)a->n_refs >= a->max_refs)
    return -E2BIG;
  memcpy(a->ref[s].h, ref, 32);
  a->ref[s].group = group;
  a->n_refs++;
  if (a->n_refs * 2 > a->ref_slots && (rc = grow_refs(a)) != 0)
    return rc;
  if ((rc = agg_add(a, index, 1)) != 0)
    return rc;
  return 1;
}
