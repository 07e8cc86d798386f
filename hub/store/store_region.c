/*
 * store_region.c: a struct store that reads several boards of one
 * PostgreSQL database as one (store_open_region(), pgstore_region.h), so
 * the summary, which takes a struct store, builds a region's combined
 * table without knowing it is one. Every call of store.h goes to the
 * region's operations; what would write answers -EROFS. The boards' own
 * published cells, which no board's store.h call returns as its own, are
 * read apart (store_region_each_published()) for the region's audit.
 */
#include <errno.h>
#include <stdlib.h>

#include "pgstore_region.h"
#include "store_int.h"

int store_open_region(const char *conninfo_file, const char *const *boards,
                      size_t n, struct store **out, struct dahub_error *err) {
  struct store *st = calloc(1, sizeof *st);
  struct pgstore_region *r = NULL;
  int rc;

  *out = NULL;
  if (st == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: out of memory");
  if (pthread_mutex_init(&st->lock, NULL) != 0) {
    free(st);
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: mutex");
  }
  if ((rc = pgstore_region_open(conninfo_file, boards, n, &r, err)) != 0)
    goto out;
  st->ops = &store_backend_region;
  st->be = r;
  *out = st;
  st = NULL;
out:
  store_close(st);
  return rc;
}

int store_region_each_published(struct store *st, const char *prefix,
                                int (*fn)(void *arg, const char *board,
                                          const struct store_pub_cell *c),
                                void *arg, struct dahub_error *err) {
  if (st->ops != &store_backend_region)
    return 0; /* one board's store: its own versions are all there is */
  return pgstore_region_each_published(st->be, prefix, fn, arg, err);
}
