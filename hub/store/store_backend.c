/*
 * store_backend.c: the two backends' operations (store_backend.h).
 *
 * Each entry is a wrapper that gives the opaque backend its type and calls
 * the backend's own function, nothing more: a call through a function
 * pointer of another type is undefined, so no cast of functions here. The
 * wrappers and the tables are made from STORE_BACKEND_OPS: sq_<name> calls
 * store.h's store_<name>() (so it serves a struct store of either kind),
 * pg_<name> pgstore.h's pgstore_<name>().
 *
 * store.h's store_<name>() are made here too: a store that holds another
 * backend (store_open_postgresql()) hands the call to it, any other runs
 * SQLite's, so the code that takes a struct store need not know which it
 * has.
 */
#include "store_int.h"

#include "pgstore.h"

#define WRAP(tag, fn, name, params, args)                                      \
  static int tag##_##name STORE_OP_WITH(void *be, params) {                    \
    return fn##name STORE_OP_WITH(be, args);                                   \
  }
#define sq_WRAP(name, params, args) WRAP(sq, store_, name, params, args)
#define pg_WRAP(name, params, args) WRAP(pg, pgstore_, name, params, args)
#define sq_ENTRY(name, params, args) .name = sq_##name,
#define pg_ENTRY(name, params, args) .name = pg_##name,

/* A backend's table, store_backend_<label>: its entries tag_<name> call
 * the functions of STORE_BACKEND_OPS through tag_WRAP, and those that
 * return nothing, own_ingest_rollback() and own_close(). */
#define BACKEND(tag, own, label)                                               \
  STORE_BACKEND_OPS(tag##_WRAP)                                                \
  static void tag##_rollback(void *be) { own##ingest_rollback(be); }           \
  static void tag##_close(void *be) { own##close(be); }                        \
  const struct store_backend_ops store_backend_##label = {                     \
      .name = #label,                                                          \
      .ingest_rollback = tag##_rollback,                                       \
      .close = tag##_close,                                                    \
      STORE_BACKEND_OPS(tag##_ENTRY)};

BACKEND(sq, store_, sqlite)
BACKEND(pg, pgstore_, postgresql)

#define DISPATCH(name, params, args)                                           \
  int store_##name STORE_OP_WITH(struct store *st, params) {                   \
    if (st->ops != NULL)                                                       \
      return st->ops->name STORE_OP_WITH(st->be, args);                        \
    return store_sqlite_##name STORE_OP_WITH(st, args);                        \
  }
STORE_BACKEND_OPS(DISPATCH)
