/*
 * fixture.h: what several hub tests need: where the source tree is, how to
 * show a list of errors, the real vocabulary, and removing a test's
 * temporary folder. Static inline so each test stays one file to build.
 * Include after <cmocka.h>.
 */
#ifndef DAHUB_TEST_FIXTURE_H
#define DAHUB_TEST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "errlist.h"
#include "vocab.h"

#ifndef DAHUB_SOURCE_DIR_DEFAULT
#define DAHUB_SOURCE_DIR_DEFAULT "."
#endif

/* The checkout: $DAHUB_SOURCE_DIR (set by ctest), else the build's. */
static inline const char *fixture_source_dir(void) {
  const char *s = getenv("DAHUB_SOURCE_DIR");

  return s != NULL ? s : DAHUB_SOURCE_DIR_DEFAULT;
}

/* For errlist_each(): one error a line in the test's output. */
static inline void fixture_print_error(const char *msg, void *arg) {
  (void)arg;
  print_message("  %s\n", msg);
}

/* Loads conf/vocabulary.json of the checkout; on failure prints why.
 * 0 with *out (vocab_free() it), or negative. */
static inline int fixture_load_vocab(struct vocab **out) {
  char path[1024];
  struct errlist errs = {0};
  int rc;

  (void)snprintf(path, sizeof path, "%s/conf/vocabulary.json",
                 fixture_source_dir());
  rc = vocab_load(path, out, &errs);
  errlist_each(&errs, fixture_print_error, NULL);
  errlist_clear(&errs);
  return rc;
}

static inline int fixture_remove_entry(const char *path, const struct stat *st,
                                       int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Removes dir and everything in it, never following a symlink. */
static inline void fixture_remove_tree(const char *dir) {
  (void)nftw(dir, fixture_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
