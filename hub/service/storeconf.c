/*
 * storeconf.c: opens the store hub.json names (storeconf.h).
 *
 * One place for it, so the daemon, `dahub report`, `dahub deliveries` and
 * `dahub verify` cannot disagree on where the figures are.
 */
#include "storeconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"

int storeconf_sqlite_path(const struct config *c, char *path, size_t n,
                          struct dahub_error *err) {
  int rc;

  if (storeconf_is_postgresql(c))
    return dahub_error_set(err, -ENOTSUP, 0, 0,
                           "the store is in PostgreSQL (board %s), not a "
                           "file",
                           c->store.pg_board);
  if ((rc = fs_join(path, n, c->state_dir, STORECONF_SQLITE_FILE)) != 0)
    return dahub_error_set(err, rc, 0, 0, "%s: %s", c->state_dir,
                           strerror(-rc));
  return 0;
}

int storeconf_open(const struct config *c, struct store **out,
                   struct dahub_error *err) {
  char path[PATH_MAX];
  int rc;

  *out = NULL;
  if (storeconf_is_postgresql(c))
    return store_open_postgresql(c->store.pg_conninfo_file, c->store.pg_board,
                                 out, err);
  if ((rc = fs_mkdirs(c->state_dir, 0750)) != 0)
    return dahub_error_set(err, rc, 0, 0, "%s: %s", c->state_dir,
                           strerror(-rc));
  if ((rc = storeconf_sqlite_path(c, path, sizeof path, err)) != 0)
    return rc;
  return store_open(path, out, err);
}

static int same_text(const char *a, const char *b) {
  return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int storeconf_same(const struct config *a, const struct config *b) {
  return strcmp(a->state_dir, b->state_dir) == 0 &&
         same_text(a->store.pg_conninfo_file, b->store.pg_conninfo_file) &&
         same_text(a->store.pg_board, b->store.pg_board);
}

const char *storeconf_name(const struct config *c, char *buf, size_t n) {
  if (storeconf_is_postgresql(c))
    (void)snprintf(buf, n, "PostgreSQL (board %s)", c->store.pg_board);
  else if (storeconf_sqlite_path(c, buf, n, NULL) != 0)
    (void)snprintf(buf, n, "%s", c->state_dir);
  return buf;
}
