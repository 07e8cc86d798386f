/*
 * agg.h: figures added up in memory, for layouts that see a figure's parts
 * one at a time (a case per row, a meeting per item) and emit the totals at
 * the end (private to the mapped plugin).
 *
 * A figure is named by its key: NUL-terminated texts one after another,
 *   measure, period, service_id ("" for none), area, then pairs of
 *   dimension name and code.
 * Memory is bounded twice over: at most max_groups figures, and at most
 * max_refs (figure, reference) pairs for distinct counts, where a
 * reference is the 32-byte HMAC of a case reference, never the reference;
 * only a 64-bit fingerprint of each pair is kept (see agg.c).
 */
#ifndef MAPPED_AGG_H
#define MAPPED_AGG_H

#include <stddef.h>
#include <stdint.h>

#define AGG_KEY_MAX 1024

struct agg_key {
  char buf[AGG_KEY_MAX];
  size_t len;
  uint64_t hash; /* of the texts so far, kept as they are added */
  int overflow;  /* a text did not fit: the key is unusable */
};

/* Where a key stood, to go back to: a row's figures share a prefix. */
struct agg_mark {
  size_t len;
  uint64_t hash;
  int overflow;
};

/* Starts an empty key; appends one text (NULL as ""), or one of known
 * length (no NUL within). */
void agg_key_start(struct agg_key *k);
void agg_key_add(struct agg_key *k, const char *s);
void agg_key_add_n(struct agg_key *k, const char *s, size_t len);
void agg_key_mark(const struct agg_key *k, struct agg_mark *m);
void agg_key_rewind(struct agg_key *k, const struct agg_mark *m);

struct agg_group {
  char *key; /* owned */
  size_t len;
  uint64_t hash; /* the key's, so growing the index rehashes nothing */
  int64_t value;
  uint32_t line, col; /* where its first part was read */
};

struct agg {
  struct agg_group *g; /* in the order first seen */
  size_t n, cap;
  uint64_t max_groups;
  size_t *slot; /* hash index: group number + 1, 0 empty */
  size_t n_slots;
  uint64_t *ref; /* fingerprints of distinct (group, HMAC) pairs, 0 empty */
  size_t n_refs, ref_slots;
  uint64_t max_refs;
};

void agg_init(struct agg *a, uint64_t max_groups, uint64_t max_refs);
/* Frees everything, wiping the fingerprints first. */
void agg_close(struct agg *a);

/* The group of key, made with value 0 and the given place if new. 0 with
 * *index; -E2BIG when it would be one more than max_groups; -ENOMEM;
 * -EINVAL for an overflowed key. */
int agg_group(struct agg *a, const struct agg_key *key, uint32_t line,
              uint32_t col, size_t *index);

/* Adds n to a group. 0, or -EOVERFLOW. */
int agg_add(struct agg *a, size_t index, int64_t n);

/* Counts ref once per group: 1 if it was new to the group (and 1 was
 * added), 0 if seen before; -E2BIG beyond max_refs, -ENOMEM. */
int agg_add_distinct(struct agg *a, size_t index, const uint8_t ref[32]);

#endif
