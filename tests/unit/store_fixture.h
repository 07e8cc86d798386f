/*
 * store_fixture.h: what the store's tests share: a store in a temporary
 * folder (opened by setup, or left to the test by setup_empty), and its
 * contents read back on a read-only connection of the test's own, as an
 * officer with sqlite3 would see them. Static, for one test file each;
 * include after <cmocka.h> and "fixture.h".
 */
#ifndef DAHUB_TEST_STORE_FIXTURE_H
#define DAHUB_TEST_STORE_FIXTURE_H

#include <sqlite3.h>

#include "store.h"

struct fixture {
  char dir[64];
  char path[128];
  struct store *st;
  struct dahub_error err;
};

/* A fresh folder and the store's path in it; the test opens the store
 * itself. */
static inline int setup_empty(void **state) {
  struct fixture *f = calloc(1, sizeof *f);

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-store-XXXXXX");
  if (mkdtemp(f->dir) == NULL) {
    free(f);
    return -1;
  }
  (void)snprintf(f->path, sizeof f->path, "%s/dahub.db", f->dir);
  *state = f;
  return 0;
}

/* The same, with the store opened. */
static inline int setup(void **state) {
  struct fixture *f;

  if (setup_empty(state) != 0)
    return -1;
  f = *state;
  if (store_open(f->path, &f->st, &f->err) != 0) {
    print_message("%s\n", f->err.msg);
    fixture_remove_tree(f->dir);
    free(f);
    *state = NULL;
    return -1;
  }
  return 0;
}

static inline int teardown(void **state) {
  struct fixture *f = *state;

  store_close(f->st);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* The first column of the first row of sql on a read-only connection, as
 * text ("" for NULL, "(no row)" for none). */
static inline const char *query(struct fixture *f, const char *sql) {
  static char buf[512];
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  int rc;

  assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
  if (rc != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(q, 0);

    (void)snprintf(buf, sizeof buf, "%s", t != NULL ? (const char *)t : "");
  } else {
    assert_int_equal(rc, SQLITE_DONE);
    (void)snprintf(buf, sizeof buf, "(no row)");
  }
  sqlite3_finalize(q);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  return buf;
}

static inline long long query_int(struct fixture *f, const char *sql) {
  return strtoll(query(f, sql), NULL, 10);
}

#endif
