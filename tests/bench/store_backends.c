/*
 * store_backends.c: one synthetic file's figures into each store backend
 * through the same table of operations (store_backend.h), timed, and the
 * ratio of PostgreSQL's time to SQLite's.
 *
 *   dahub_store_bench [--figures N] [--shape wide|case] [--pg CONNINFO_FILE]
 *
 * wide: a return of few codes (4 areas, 2 measures, 27 breakdowns) and many
 * figures; case: case-level rows, each figure a breakdown of its own, so
 * the dictionaries grow with the file. SQLite's store is made in a
 * temporary folder and removed; PostgreSQL's is the database the
 * credential file names (board "bench"; each run's file has a hash of its
 * own, so nothing is a duplicate). Time is from begin to commit, the
 * figures made on the fly as a parser would hand them over.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgstore.h"
#include "store.h"
#include "store_backend.h"

static double now_s(void) {
  struct timespec t;

  (void)clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Stores one file of n figures of shape; its time in *secs. */
static int one_file(const struct store_backend *b, long n, int cases,
                    const char *sha256, double *secs) {
  static const char *const areas[] = {"E07000129", "E07000130", "E07000131",
                                      "E07000132"};
  struct store_ingest in = {.feed = "bench",
                            .source_id = "bench",
                            .plugin = "mapped",
                            .plugin_version = "1",
                            .file_name = "bench.csv",
                            .size_bytes = 1,
                            .received_at = "2024-07-12T09:30:00Z"};
  struct dahub_error err = {0};
  struct store_match m;
  char dims[96], raw[24];
  double t0 = now_s();
  int64_t id;
  int rc;

  if ((rc = b->ops->ingest_begin(b->be, &in, &err)) != 0)
    goto fail;
  for (long i = 0; i < n; i++) {
    struct store_obs o = {.area_code = areas[i % 4],
                          .period = "FY2024-25-Q1",
                          .measure_id =
                              i % 2 ? "helpline_contacts" : "referrals",
                          .dimensions = dims,
                          .unit = "count",
                          .status = DAHUB_ACTUAL,
                          .value = i % 1000,
                          .line = (uint32_t)(i + 2),
                          .col = 3,
                          .raw = raw};

    if (cases)
      (void)snprintf(dims, sizeof dims, "{\"case\":\"c%08ld\"}", i);
    else
      (void)snprintf(dims, sizeof dims,
                     "{\"age_band\":\"%ld\",\"gender\":\"%ld\"}", i % 9, i % 3);
    (void)snprintf(raw, sizeof raw, "%ld", i % 1000);
    if ((rc = b->ops->ingest_obs(b->be, &o, &err)) != 0) {
      b->ops->ingest_rollback(b->be);
      goto fail;
    }
  }
  if ((rc = b->ops->ingest_commit(b->be, sha256, &id, &m, &err)) != 0)
    goto fail;
  *secs = now_s() - t0;
  return 0;
fail:
  (void)fprintf(stderr, "%s: %s\n", b->ops->name,
                rc == 1 ? "stored already" : err.msg);
  return rc != 0 ? rc : -EIO;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(int argc, char **argv) {
  const char *pg = NULL, *shape = "wide";
  char dir[] = "/tmp/dahub-bench-XXXXXX", path[64], hash[65];
  struct dahub_error err = {0};
  struct store *st = NULL;
  struct pgstore *ps = NULL;
  double sq = 0, pgs = 0;
  long n = 200000;
  int rc = 1;

  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--figures") == 0)
      n = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--shape") == 0)
      shape = argv[i + 1];
    else if (strcmp(argv[i], "--pg") == 0)
      pg = argv[i + 1];
  }
  if (n <= 0 || (strcmp(shape, "wide") != 0 && strcmp(shape, "case") != 0)) {
    (void)fprintf(stderr,
                  "usage: %s [--figures N] [--shape wide|case] "
                  "[--pg CONNINFO_FILE]\n",
                  argv[0]);
    return 2;
  }
  (void)snprintf(hash, sizeof hash, "%064lx",
                 (unsigned long)time(NULL) ^ (unsigned long)getpid() << 20);
  if (mkdtemp(dir) == NULL)
    return 1;
  (void)snprintf(path, sizeof path, "%s/dahub.sqlite", dir);
  if (store_open(path, &st, &err) != 0) {
    (void)fprintf(stderr, "sqlite: %s\n", err.msg);
    goto out;
  }
  if (one_file(&(struct store_backend){&store_backend_sqlite, st}, n,
               shape[0] == 'c', hash, &sq) != 0)
    goto out;
  (void)printf("sqlite      %s %ld figures: %.2f s (%.0f a second)\n", shape, n,
               sq, (double)n / sq);
  if (pg != NULL) {
    if (pgstore_open(pg, "bench", &ps, &err) != 0) {
      (void)fprintf(stderr, "postgresql: %s\n", err.msg);
      goto out;
    }
    if (one_file(&(struct store_backend){&store_backend_postgresql, ps}, n,
                 shape[0] == 'c', hash, &pgs) != 0)
      goto out;
    (void)printf("postgresql  %s %ld figures: %.2f s (%.0f a second), "
                 "%.1f times SQLite's\n",
                 shape, n, pgs, (double)n / pgs, pgs / sq);
  }
  rc = 0;
out:
  pgstore_close(ps);
  store_close(st);
  (void)nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return rc;
}
