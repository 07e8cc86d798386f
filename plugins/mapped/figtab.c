/*
 * figtab.c: a figure found again by a key of one word (see figtab.h).
 */
#include "figtab.h"

#include <stdlib.h>

void figtab_init(struct figtab *t) {
  t->slot = calloc(FIGTAB_SLOTS, sizeof *t->slot);
  t->n = 0;
}

void figtab_close(struct figtab *t) {
  free(t->slot);
  t->slot = NULL;
}

void figtab_keep(struct figtab *t, uint64_t key, size_t group) {
  size_t i;

  if (key == 0 || t->slot == NULL || t->n == FIGTAB_KEEP)
    return;
  for (i = figtab_slot_of(key); t->slot[i].key != 0;
       i = (i + 1) & (FIGTAB_SLOTS - 1))
    ;
  t->slot[i].key = key;
  t->slot[i].group = group;
  t->n++;
}
