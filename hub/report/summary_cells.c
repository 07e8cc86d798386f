/*
 * summary_cells.c: the summary's table of cells and the small exact helpers
 * it is built with (summary_int.h).
 *
 * A cell is one figure as published: measure, partner (or all), area (or
 * all) and breakdown. Its key parts are interned, so a key is compared by
 * pointer and hashed by address; the table is open-addressed on that hash.
 * Decimals are exact (value / 10^scale): a board paper's money must add up
 * to the penny.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "summary_int.h"

void num_add(struct num *acc, int64_t v, int scale) {
  if (scale > MAX_SCALE) {
    acc->overflow = 1;
    return;
  }
  while (acc->scale < scale)
    if (__builtin_mul_overflow(acc->value, 10, &acc->value) ||
        ++acc->scale > MAX_SCALE)
      acc->overflow = 1;
  for (int s = scale; s < acc->scale; s++)
    if (__builtin_mul_overflow(v, 10, &v))
      acc->overflow = 1;
  if (__builtin_add_overflow(acc->value, v, &acc->value))
    acc->overflow = 1;
}

void tally_add(struct tally *t, enum dahub_status status, int64_t value,
               int scale) {
  switch (status) {
  case DAHUB_ESTIMATED:
  case DAHUB_ACTUAL:
    t->estimated |= status == DAHUB_ESTIMATED;
    num_add(&t->known, value, scale);
    t->known_parts++;
    break;
  case DAHUB_SUPPRESSED:
    t->source_parts++;
    break;
  case DAHUB_MISSING:
    t->missing_parts++;
    break;
  }
}

json_t *num_json(const struct num *n) {
  char buf[48];
  int64_t p = 1;

  if (n->scale == 0)
    return json_integer(n->value);
  for (int i = 0; i < n->scale; i++)
    p *= 10;
  (void)snprintf(buf, sizeof buf, "%s%lld.%0*lld", n->value < 0 ? "-" : "",
                 (long long)llabs(n->value / p), n->scale,
                 (long long)llabs(n->value % p));
  return json_string(buf);
}

const char *strings_intern(struct strings *s, const char *text) {
  char *copy;

  for (size_t i = s->n; i-- > 0;) /* recent first: rows come grouped */
    if (strcmp(s->v[i], text) == 0)
      return s->v[i];
  if (s->n == s->cap && array_grow(&s->v, &s->cap, sizeof *s->v, 64) != 0)
    return NULL;
  if ((copy = strdup(text)) == NULL)
    return NULL;
  s->v[s->n++] = copy;
  return copy;
}

void strings_free(struct strings *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
}

static size_t key_hash(const char *m, const char *s, const char *a,
                       const char *d) {
  size_t h = 1469598103934665603u;
  const char *k[] = {m, s, a, d};

  for (int i = 0; i < 4; i++) /* interned: hash the pointers */
    h = (h ^ (size_t)(uintptr_t)k[i]) * 1099511628211u;
  return h;
}

struct cell *cells_find(struct cells *c, const char *m, const char *s,
                        const char *a, const char *d) {
  size_t i;

  if (c->n_slot == 0)
    return NULL;
  for (i = key_hash(m, s, a, d) & (c->n_slot - 1); c->slot[i];
       i = (i + 1) & (c->n_slot - 1)) {
    struct cell *x = &c->v[c->slot[i] - 1];

    if (x->measure == m && x->source == s && x->area == a && x->dims == d)
      return x;
  }
  return NULL;
}

static int cells_grow(struct cells *c) {
  size_t n_slot = c->n_slot ? c->n_slot * 2 : 1024;
  size_t *slot = calloc(n_slot, sizeof *slot);
  struct cell *v = realloc(c->v, (n_slot / 2) * sizeof *v);

  if (slot == NULL || v == NULL) {
    free(slot);
    if (v != NULL)
      c->v = v;
    return -ENOMEM;
  }
  c->v = v;
  c->cap = n_slot / 2;
  free(c->slot);
  c->slot = slot;
  c->n_slot = n_slot;
  for (size_t k = 0; k < c->n; k++) {
    struct cell *x = &c->v[k];
    size_t i = key_hash(x->measure, x->source, x->area, x->dims) & (n_slot - 1);

    while (slot[i])
      i = (i + 1) & (n_slot - 1);
    slot[i] = k + 1;
  }
  return 0;
}

struct cell *cells_get(struct cells *c, const char *m, const char *s,
                       const char *a, const char *d) {
  struct cell *x = cells_find(c, m, s, a, d);
  size_t i;

  if (x != NULL)
    return x;
  if (c->n == c->cap && cells_grow(c) != 0)
    return NULL;
  x = &c->v[c->n];
  memset(x, 0, sizeof *x);
  x->measure = m;
  x->source = s;
  x->area = a;
  x->dims = d;
  x->whole = 1;
  x->disc = SIZE_MAX;
  for (i = key_hash(m, s, a, d) & (c->n_slot - 1); c->slot[i];
       i = (i + 1) & (c->n_slot - 1))
    ;
  c->slot[i] = ++c->n;
  return x;
}

/* The area a figure also counts towards, or NULL. */
const char *summary_rollup(const struct summary_env *env, struct strings *str,
                           const char *area) {
  const struct vocab_area *a = vocab_area_info(env->vocab, area);

  if (a == NULL || a->parent == NULL ||
      strncmp(a->parent, COUNTY_PREFIX, strlen(COUNTY_PREFIX)) != 0)
    return NULL;
  return strings_intern(str, a->parent);
}

void cells_free(struct cells *c) {
  free(c->v);
  free(c->slot);
  c->v = NULL;
  c->slot = NULL;
  c->n = c->cap = c->n_slot = 0;
}
