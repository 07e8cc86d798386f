/*
 * figtab.h: a figure found again by a key of one word (private to the
 * mapped plugin): the figure table in front of agg.c, whose groups are
 * found by their whole text.
 *
 * A file has few figures and many rows, and what tells a row's figures
 * apart, besides what the whole file shares (fixed fields, cells above
 * the header), is a few small numbers: the count, the period, and the
 * codes (memo.h) of the row's own fields, its service and area; for a
 * breakdown, the figure's number, the field and its code. Building the
 * key and looking it up was a fifth of the time of a case-level file. An
 * open-addressed table of slots of a key and a group, kept at most half
 * full. A figure with a code kept as written, which has no number, is
 * found by building its key each time. The words themselves are the
 * caller's to make (cases.c); 0 is never one. A figtab belongs to one
 * file's run, on one thread.
 */
#ifndef MAPPED_FIGTAB_H
#define MAPPED_FIGTAB_H

#include <stddef.h>
#include <stdint.h>

#define FIGTAB_SLOTS 4096 /* a power of two */
#define FIGTAB_KEEP (FIGTAB_SLOTS / 2)

struct figtab_slot {
  uint64_t key; /* 0: empty */
  size_t group; /* the figure's number in its agg */
};

struct figtab {
  struct figtab_slot *slot; /* FIGTAB_SLOTS, or NULL: nothing is kept */
  size_t n;
};

/* An empty table. Out of memory, it keeps nothing: every figure is then
 * found by its text, which is only slower. */
void figtab_init(struct figtab *t);
void figtab_close(struct figtab *t);

static inline size_t figtab_slot_of(uint64_t key) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 52) & (FIGTAB_SLOTS - 1);
}

/* The figure of key (0: none fits) remembered: 1 with *group, or 0.
 * Inline: it runs for every count of every row. */
static inline int figtab_find(const struct figtab *t, uint64_t key,
                              size_t *group) {
  size_t i;

  if (key == 0 || t->slot == NULL)
    return 0;
  for (i = figtab_slot_of(key); t->slot[i].key != 0;
       i = (i + 1) & (FIGTAB_SLOTS - 1))
    if (t->slot[i].key == key) {
      *group = t->slot[i].group;
      return 1;
    }
  return 0;
}

/* Remembers key's figure, while the table is at most half full. */
void figtab_keep(struct figtab *t, uint64_t key, size_t group);

#endif
