/*
 * replay.c: runs a fuzz target over its corpus without libFuzzer.
 *
 * The normal test run (gcc, and the ASan+UBSan build) links each target
 * with this main: every file in the folders given is handed to
 * LLVMFuzzerTestOneInput, so an input that once crashed stays fixed.
 * Usage: fuzz_<name> DIR_OR_FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Reads path whole into a malloc'd buffer of exactly its size, so a read
 * past the end is caught (an empty file gets 1 byte, passed as size 0).
 * 0, or -errno. */
static int read_all(const char *path, uint8_t **out, size_t *len) {
  struct stat st;
  uint8_t *buf = NULL;
  size_t got = 0;
  int fd, rc = 0;

  *out = NULL;
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
    return -errno;
  if (fstat(fd, &st) != 0 ||
      (buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
    rc = -errno;
    goto out;
  }
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      rc = r < 0 ? -errno : -EIO;
      goto out;
    }
    got += (size_t)r;
  }
  *out = buf;
  *len = got;
  buf = NULL;
out:
  free(buf);
  (void)close(fd);
  return rc;
}

static int run_file(const char *path) {
  uint8_t *data;
  size_t len = 0;
  int rc = read_all(path, &data, &len);

  if (rc != 0) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
    return -1;
  }
  (void)LLVMFuzzerTestOneInput(data, len);
  free(data);
  return 0;
}

static int only_files(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Runs every file of a folder, in name order. The number run, or -1. */
static long run_dir(const char *dir) {
  struct dirent **list;
  char path[4096];
  long done = 0;
  int n = scandir(dir, &list, only_files, alphasort), i;

  if (n < 0) {
    fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  for (i = 0; i < n; i++) {
    struct stat st;
    int w = snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);

    if (w < 0 || (size_t)w >= sizeof path) {
      fprintf(stderr, "replay: %s/%s: path too long\n", dir, list[i]->d_name);
      done = -1;
    } else if (done >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(path) != 0)
        done = -1;
      else
        done++;
    }
    free(list[i]);
  }
  free(list);
  return done;
}

int main(int argc, char **argv) {
  long total = 0;
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  for (i = 1; i < argc; i++) {
    struct stat st;
    long n;

    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    if (S_ISDIR(st.st_mode))
      n = run_dir(argv[i]);
    else
      n = run_file(argv[i]) == 0 ? 1 : -1;
    if (n < 0)
      return 1;
    total += n;
  }
  /* A corpus that went missing must not pass as "nothing crashed". */
  if (total == 0) {
    fprintf(stderr, "replay: no input found\n");
    return 1;
  }
  printf("replayed %ld inputs\n", total);
  return 0;
}
