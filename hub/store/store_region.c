/*
 * store_region.c: a struct store that reads several boards of one
 * PostgreSQL database as one (store_open_region(), pgstore_region.h), so
 * the summary, which takes a struct store, builds a region's combined
 * table without knowing it is one. Every call of store.h goes to the
 * region's operations; what would write answers -EROFS. The boards' own
 * published cells, which no board's store.h call returns as its own, are
 * read apart (store_region_each_published()) for the region's audit.
 */
#include "pgstore_region.h"
#include "store_int.h"

int store_open_region(const char *conninfo_file, const char *const *boards,
                      size_t n, struct store **out, struct dahub_error *err) {
  struct pgstore_region *r;
  int rc;

  *out = NULL;
  if ((rc = pgstore_region_open(conninfo_file, boards, n, &r, err)) != 0)
    return rc;
  return store_open_backend(&store_backend_region, r, out, err);
}

int store_region_each_published(struct store *st, const char *prefix,
                                int (*fn)(void *arg, const char *board,
                                          const struct store_pub_cell *c),
                                void *arg, struct dahub_error *err) {
  if (st->ops != &store_backend_region)
    return 0; /* one board's store: its own versions are all there is */
  return pgstore_region_each_published(st->be, prefix, fn, arg, err);
}
