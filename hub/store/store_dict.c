/*
 * store_dict.c: the dictionaries of the narrow observations table (areas,
 * periods, measures with their units, services, breakdowns) and the keys
 * this connection has met in them.
 *
 * A figure names its area, period, measure, service and breakdown by small
 * integer keys. A return repeats a handful of each a million times, so the
 * keys met are kept in memory: a repeat costs one hash and one comparison,
 * no SQL and no allocation. A text met for the first time is added with
 * INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which answers its key
 * whether this statement added it or an earlier ingest had.
 *
 * Keys are never deleted from the dictionaries, so a key read in a
 * transaction that commits stays true for the life of the file. One read
 * in a transaction that rolls back may name a row that is gone: the store
 * forgets every key at a rollback (rare; they are met again at one
 * statement each). Bounded: an open-addressing table of DICT_SLOTS slots
 * at most three quarters full and the texts in one arena; when either is
 * full it is emptied and fills again. Used under the store's lock only.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DICT_SLOTS 4096u /* a power of two */
#define DICT_MAX_ENTRIES (DICT_SLOTS / 4 * 3)
#define DICT_ARENA (256u << 10)

struct dict_slot {
  uint64_t hash;
  int64_t key;
  uint32_t off; /* a\0b\0 in the arena */
  uint32_t len; /* of both, with their NULs */
  uint8_t id;
  uint8_t used;
};

struct store_dict {
  size_t n, arena_used;
  struct dict_slot slots[DICT_SLOTS];
  char arena[DICT_ARENA];
};

int store_dict_new(struct store_dict **out) {
  *out = calloc(1, sizeof **out);
  return *out != NULL ? 0 : -ENOMEM;
}

void store_dict_free(struct store_dict *d) { free(d); }

void store_dict_forget(struct store_dict *d) {
  if (d == NULL)
    return;
  memset(d->slots, 0, sizeof d->slots);
  d->n = 0;
  d->arena_used = 0;
}

/* FNV-1a over the id, a and b with their NULs, so ("ab","c") and
 * ("a","bc") differ; *len is how many bytes a\0b\0 takes. */
static uint64_t dict_hash(enum store_dict_id id, const char *a, const char *b,
                          size_t *len) {
  uint64_t x = 14695981039346656037ull ^ (uint64_t)id;
  const char *s[2] = {a, b};
  size_t n = 0;

  x *= 1099511628211ull;
  for (int k = 0; k < 2; k++) {
    const unsigned char *p = (const unsigned char *)s[k];

    do {
      x ^= *p;
      x *= 1099511628211ull;
      n++;
    } while (*p++ != '\0');
  }
  *len = n;
  return x;
}

static int dict_same(const struct store_dict *d, const struct dict_slot *sl,
                     const char *a, const char *b, size_t len) {
  const char *p = d->arena + sl->off;
  size_t la = strlen(a);

  return sl->len == len && memcmp(p, a, la + 1) == 0 &&
         strcmp(p + la + 1, b) == 0;
}

static void dict_add(struct store_dict *d, enum store_dict_id id, const char *a,
                     const char *b, uint64_t h, size_t len, int64_t key) {
  size_t la = strlen(a);
  uint32_t i;

  if (len > DICT_ARENA)
    return; /* never kept: looked up in SQL each time */
  if (d->n >= DICT_MAX_ENTRIES || d->arena_used + len > DICT_ARENA)
    store_dict_forget(d);
  for (i = (uint32_t)h & (DICT_SLOTS - 1); d->slots[i].used;
       i = (i + 1) & (DICT_SLOTS - 1))
    ;
  memcpy(d->arena + d->arena_used, a, la + 1);
  memcpy(d->arena + d->arena_used + la + 1, b, len - la - 1);
  d->slots[i] = (struct dict_slot){.hash = h,
                                   .key = key,
                                   .off = (uint32_t)d->arena_used,
                                   .len = (uint32_t)len,
                                   .id = (uint8_t)id,
                                   .used = 1};
  d->arena_used += len;
  d->n++;
}

/* The key from SQL: added if new, or the existing row's. */
static int dict_lookup_sql(struct store *st, enum store_dict_id id,
                           const char *a, const char *b, int64_t *key,
                           struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_DICT_AREA + id];
  int rc;

  store_bind_text(q, 1, a);
  if (id == DICT_MEASURE)
    store_bind_text(q, 2, b);
  if ((rc = sqlite3_step(q)) != SQLITE_ROW) {
    rc = store_fail(st, rc, "dictionary", err);
    store_stmt_release(q);
    return rc;
  }
  *key = sqlite3_column_int64(q, 0);
  /* RETURNING finishes its write only when stepped to the end */
  rc = sqlite3_step(q);
  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "dictionary", err);
  store_stmt_release(q);
  return rc;
}

int store_dict_key(struct store *st, enum store_dict_id id, const char *a,
                   const char *b, int64_t *key, struct dahub_error *err) {
  struct store_dict *d = st->dict;
  size_t len;
  uint64_t h;
  int rc;

  if (b == NULL)
    b = "";
  h = dict_hash(id, a, b, &len);
  for (uint32_t i = (uint32_t)h & (DICT_SLOTS - 1); d->slots[i].used;
       i = (i + 1) & (DICT_SLOTS - 1)) {
    const struct dict_slot *sl = &d->slots[i];

    if (sl->hash == h && sl->id == id && dict_same(d, sl, a, b, len)) {
      *key = sl->key;
      return 0;
    }
  }
  if ((rc = dict_lookup_sql(st, id, a, b, key, err)) == 0)
    dict_add(d, id, a, b, h, len, *key);
  return rc;
}
