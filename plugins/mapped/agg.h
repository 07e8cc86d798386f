/*
 * agg.h: figures added up in memory, for layouts that see a figure's parts
 * one at a time (a case per row, a meeting per item) and emit the totals at
 * the end (private to the mapped plugin).
 *
 * A figure is named by its key: NUL-terminated texts one after another,
 *   measure, period, service_id ("" for none), area, then pairs of
 *   dimension name and code.
 * Memory is bounded whatever the input: at most max_groups figures; for
 * distinct counts, about 2 MiB of buffers while the rows are read, then
 * one partition's table (about 1/64 of max_refs pairs) at the end. A
 * reference is the 32-byte HMAC of a case reference, never the reference;
 * only a 64-bit fingerprint of each (figure, reference) pair and the
 * figure's number are kept, in memory or in an unlinked temporary file
 * (see agg.c). At most max_refs distinct pairs are counted.
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

struct agg;

/* Starts an empty key; appends one text (NULL as ""), or one of known
 * length (no NUL within), or one whose agg_text_hash() is known. */
void agg_key_start(struct agg_key *k);
void agg_key_add(struct agg_key *k, const char *s);
void agg_key_add_n(struct agg_key *k, const char *s, size_t len);
uint64_t agg_text_hash(const char *s, size_t len);
void agg_key_add_hashed(struct agg_key *k, const char *s, size_t len,
                        uint64_t hash);
/* As agg_key_add, for a text that stays where it is, unchanged, while a
 * lives (a code the mapping owns): its length and hash are looked up by
 * its address. */
void agg_key_add_stable(struct agg *a, struct agg_key *k, const char *s);
void agg_key_mark(const struct agg_key *k, struct agg_mark *m);
void agg_key_rewind(struct agg_key *k, const struct agg_mark *m);

struct agg_group {
  char *key; /* owned */
  size_t len;
  uint64_t hash; /* the key's, so growing the index rehashes nothing */
  int64_t value;
  uint32_t line, col; /* where its first part was read */
};

struct agg_part; /* one partition of the distinct pairs (agg.c) */

#define AGG_TEXTS 512 /* stable texts remembered, direct-mapped */

struct agg_text {
  const char *s; /* the address: NULL for an empty entry */
  size_t len;
  uint64_t hash;
};

struct agg {
  struct agg_group *g;    /* in the order first seen */
  struct agg_text *texts; /* agg_key_add_stable's, made at its first call */
  size_t n, cap;
  uint64_t max_groups;
  size_t *slot; /* hash index: group number + 1, 0 empty */
  size_t n_slots;
  /* Distinct counts: pairs recorded by partition, counted by agg_finish. */
  struct agg_part *part; /* made at the first distinct pair */
  unsigned char *buf;    /* the partitions' buffers, one block */
  size_t buf_entries;    /* pairs per buffer, set by agg_init; a test may
                            lower it before the first pair, to spill */
  uint64_t n_recorded;   /* pairs recorded, repeats included */
  uint64_t max_recorded; /* AGG_RECORD_FACTOR * max_refs */
  uint64_t n_spilled;    /* pairs written to temporary files */
  uint64_t *ref;         /* one partition's distinct fingerprints, 0 empty */
  size_t ref_used, ref_slots;
  uint64_t n_refs; /* distinct pairs counted, all partitions */
  uint64_t max_refs;
};

/* Pairs recorded before agg_add_distinct refuses (see agg_distinct.c). */
#define AGG_RECORD_FACTOR 8
/* Pairs in a partition's buffer: 32 KiB of 12-byte pairs. */
#define AGG_BUF_ENTRIES ((32u << 10) / 12)

void agg_init(struct agg *a, uint64_t max_groups, uint64_t max_refs);
/* Frees everything, wiping the fingerprints first; temporary files are
 * closed, and with that gone. */
void agg_close(struct agg *a);
/* agg_close()'s part in agg_distinct.c: the partitions, their buffers and
 * files, and the fingerprints, wiped. */
void agg_distinct_release(struct agg *a);

/* The group of key, made with value 0 and the given place if new. 0 with
 * *index; -E2BIG when it would be one more than max_groups; -ENOMEM;
 * -EINVAL for an overflowed key. */
int agg_group(struct agg *a, const struct agg_key *key, uint32_t line,
              uint32_t col, size_t *index);

/* Adds n to a group. 0, or -EOVERFLOW. */
int agg_add(struct agg *a, size_t index, int64_t n);

/* The bytes of a reference's HMAC that make its fingerprint: the rest of
 * the 32 need not be kept. */
#define AGG_REF_BYTES 8

/* Records that ref counts towards a group; whether it is new to the group
 * is known only at agg_finish, which adds the 1. 0; -E2BIG when more than
 * AGG_RECORD_FACTOR * max_refs pairs have been recorded (repeats
 * included); -ENOMEM; -EINVAL for an index agg_group did not give; or the
 * negative errno of creating or writing a temporary file (-ENOSPC, -EIO,
 * -EMFILE, -ENOENT for a missing $TMPDIR, ...). After an error only
 * agg_close is left to call. */
int agg_add_distinct(struct agg *a, size_t index,
                     const uint8_t ref[AGG_REF_BYTES]);

/* Counts the recorded pairs, once each, into their groups' values: call
 * once, after the last agg_add_distinct and before reading any group.
 * Releases the buffers and temporary files. 0; -E2BIG when there are more
 * than max_refs distinct pairs; -EOVERFLOW when a value would overflow;
 * -ENOMEM; or the negative errno of reading a temporary file back
 * (-EIO, ...). */
int agg_finish(struct agg *a);

#endif
