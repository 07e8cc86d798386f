/*
 * validate_memo.c: the canonical breakdowns one ingest has already built,
 * by the raw dimension pairs they came from (validate.h).
 *
 * A return repeats a handful of breakdowns over and over: a wide one has
 * a single one ("{}") for a million figures, a case-level one a few
 * hundred age-by-gender cells. Building each figure's canonical JSON with
 * jansson took an object, a string per code and the dumped text: four
 * allocations and a sort per figure, and the vocabulary's label lookups.
 * The memo keeps the text of each distinct (name, value) list the plugin
 * handed over, so a repeat costs one hash and one comparison of the raw
 * pairs, and allocates nothing.
 *
 * Only breakdowns that passed every check are kept: a breakdown that
 * fails is built again on each figure, so its error names that figure's
 * own line and column exactly as before. The answer depends on the
 * vocabulary alone besides the pairs, so the memo is emptied when it is
 * asked about another vocabulary. Bounded: an open-addressing table of
 * MEMO_SLOTS slots at most three quarters full, and the pairs and texts
 * in one arena; when either is full the memo is emptied and fills again,
 * which a file with more distinct breakdowns than that pays for with
 * what every figure cost before. One memo a file, used by one thread.
 */
#include "validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MEMO_SLOTS 1024u /* a power of two */
#define MEMO_MAX_ENTRIES (MEMO_SLOTS / 4 * 3)
#define MEMO_ARENA (64u << 10)

struct memo_slot {
  uint64_t hash;
  uint32_t key;  /* the pairs in the arena: name\0value\0 each */
  uint32_t text; /* the canonical text in the arena, \0-terminated */
  uint32_t text_len;
  uint16_t n_dims;
  uint16_t used;
};

struct validate_memo {
  const struct vocab *vocab;
  size_t n, arena_used;
  struct memo_slot slots[MEMO_SLOTS];
  char arena[MEMO_ARENA];
};

int validate_memo_new(struct validate_memo **out) {
  *out = calloc(1, sizeof **out);
  return *out != NULL ? 0 : -ENOMEM;
}

void validate_memo_free(struct validate_memo *m) { free(m); }

static void memo_clear(struct validate_memo *m) {
  memset(m->slots, 0, sizeof m->slots);
  m->n = 0;
  m->arena_used = 0;
}

/* FNV-1a over each name and value with its terminating NUL, so that
 * ("ab","c") and ("a","bc") differ. 0 when a pair lacks a name or value
 * (the slow path reports it). */
static int memo_hash(const struct dahub_obs *o, uint64_t *h) {
  uint64_t x = 14695981039346656037ull;

  if (o->n_dims > VALIDATE_MAX_DIMS)
    return 0;
  for (size_t i = 0; i < o->n_dims; i++) {
    const char *s[2] = {o->dims[i].name, o->dims[i].value};

    for (int k = 0; k < 2; k++) {
      const unsigned char *p = (const unsigned char *)s[k];

      if (p == NULL)
        return 0;
      do {
        x ^= *p;
        x *= 1099511628211ull;
      } while (*p++ != '\0');
    }
  }
  *h = x;
  return 1;
}

/* Whether the pairs at key in the arena are o's, in o's order. */
static int memo_same(const struct validate_memo *m, const struct memo_slot *sl,
                     const struct dahub_obs *o) {
  const char *p = m->arena + sl->key;

  if (sl->n_dims != o->n_dims)
    return 0;
  for (size_t i = 0; i < o->n_dims; i++) {
    const char *s[2] = {o->dims[i].name, o->dims[i].value};

    for (int k = 0; k < 2; k++) {
      const char *q = s[k];

      while (*q != '\0' && *q == *p) {
        q++;
        p++;
      }
      if (*q != *p) /* the arena's copy ends with its NUL */
        return 0;
      p++;
    }
  }
  return 1;
}

const char *validate_memo_find(struct validate_memo *m, const struct vocab *v,
                               const struct dahub_obs *o, size_t *len) {
  uint64_t h;

  if (m->vocab != v) {
    memo_clear(m);
    m->vocab = v;
  }
  if (!memo_hash(o, &h))
    return NULL;
  for (uint32_t i = (uint32_t)h & (MEMO_SLOTS - 1);;
       i = (i + 1) & (MEMO_SLOTS - 1)) {
    const struct memo_slot *sl = &m->slots[i];

    if (!sl->used)
      return NULL;
    if (sl->hash == h && memo_same(m, sl, o)) {
      *len = sl->text_len;
      return m->arena + sl->text;
    }
  }
}

void validate_memo_add(struct validate_memo *m, const struct vocab *v,
                       const struct dahub_obs *o, const char *text) {
  size_t key_len = 0, text_len = strlen(text);
  struct memo_slot *sl;
  uint64_t h;
  uint32_t i;
  char *p;

  if (!memo_hash(o, &h))
    return;
  for (size_t k = 0; k < o->n_dims; k++)
    key_len += strlen(o->dims[k].name) + strlen(o->dims[k].value) + 2;
  if (key_len + text_len + 1 > MEMO_ARENA)
    return; /* would never fit: built on every figure, as before */
  if (m->vocab != v || m->n >= MEMO_MAX_ENTRIES ||
      m->arena_used + key_len + text_len + 1 > MEMO_ARENA) {
    memo_clear(m);
    m->vocab = v;
  }
  for (i = (uint32_t)h & (MEMO_SLOTS - 1); m->slots[i].used;
       i = (i + 1) & (MEMO_SLOTS - 1))
    ;
  sl = &m->slots[i];
  p = m->arena + m->arena_used;
  for (size_t k = 0; k < o->n_dims; k++) {
    size_t nl = strlen(o->dims[k].name) + 1, vl = strlen(o->dims[k].value) + 1;

    memcpy(p, o->dims[k].name, nl);
    memcpy(p + nl, o->dims[k].value, vl);
    p += nl + vl;
  }
  memcpy(p, text, text_len + 1);
  *sl = (struct memo_slot){.hash = h,
                           .key = (uint32_t)m->arena_used,
                           .text = (uint32_t)(m->arena_used + key_len),
                           .text_len = (uint32_t)text_len,
                           .n_dims = (uint16_t)o->n_dims,
                           .used = 1};
  m->arena_used += key_len + text_len + 1;
  m->n++;
}
