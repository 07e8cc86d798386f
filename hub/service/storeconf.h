/*
 * storeconf.h: the store hub.json names ("store", config.h), opened the
 * same way by the daemon and by every command.
 *
 * SQLite's file is dahub.sqlite in state_dir; PostgreSQL's is the database
 * of the connection string in store.postgresql.conninfo_file, for the rows
 * of store.postgresql.board.
 */
#ifndef DAHUB_STORECONF_H
#define DAHUB_STORECONF_H

#include <stddef.h>

#include "config.h"
#include "dahub/error.h"
#include "store.h"

#define STORECONF_SQLITE_FILE "dahub.sqlite"

/* 1 when the store is PostgreSQL's. */
static inline int storeconf_is_postgresql(const struct config *c) {
  return c->store.pg_conninfo_file != NULL;
}

/* SQLite's file in state_dir into path. 0, -ENAMETOOLONG, or -ENOTSUP
 * when the store is PostgreSQL's (there is no file); err says which. */
int storeconf_sqlite_path(const struct config *c, char *path, size_t n,
                          struct dahub_error *err);

/* Opens (creating and migrating) the configured store: SQLite's file, its
 * folder made when missing, or PostgreSQL's. 0 or a code with err.
 * OUT: store_close(). */
int storeconf_open(const struct config *c, struct store **out,
                   struct dahub_error *err);

/* 1 when a and b name the same store (a reload may not change it: the
 * daemon's connections are opened once, at start). */
int storeconf_same(const struct config *a, const struct config *b);

/* Says which store it is, for an operator: the SQLite file's path, or
 * "PostgreSQL (board NAME)" (never the connection string). Returns buf. */
const char *storeconf_name(const struct config *c, char *buf, size_t n);

#endif
