/*
 * floor.c: the least any ingest of a file must cost, for the benchmark.
 *
 *   dahub_floor FILE [N]
 *
 * Times (1) reading FILE and counting its newlines, with the cache warm,
 * and (2) N (default 1,000,000) HMAC-SHA256 computations of short case
 * references through the hub's own keyed context (pseudonym.c), the way an
 * ingest pseudonymises them. Prints one line per part and their sum.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pseudonym.h"

static double now_s(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long count_lines(const char *path, double *mb) {
  static char buf[1 << 20];
  long lines = 0;
  size_t bytes = 0;
  ssize_t n;
  int fd = open(path, O_RDONLY);

  if (fd < 0)
    return -1;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    bytes += (size_t)n;
    for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL;
         p++)
      lines++;
  }
  (void)close(fd);
  *mb = (double)bytes / 1e6;
  return n < 0 ? -1 : lines;
}

int main(int argc, char **argv) {
  static const uint8_t key[32] = "synthetic benchmark key, 32 byt";
  struct pseudonym *p;
  uint8_t out[32], acc = 0;
  char ref[16];
  double t0, scan, hmac, mb;
  long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000, lines;

  if (argc < 2 || n <= 0 || pseudonym_new(key, sizeof key, &p) != 0) {
    fprintf(stderr, "usage: dahub_floor FILE [N]\n");
    return 2;
  }
  (void)count_lines(argv[1], &mb); /* warm the cache */
  t0 = now_s();
  lines = count_lines(argv[1], &mb);
  scan = now_s() - t0;
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    int len = snprintf(ref, sizeof ref, "LWA-%06lX", (unsigned long)i);

    if (pseudonym_hmac(p, ref, (size_t)len, out) != 0)
      return 1;
    acc ^= out[0];
  }
  hmac = now_s() - t0;
  pseudonym_free(p);
  printf("scan %.3f s (%ld lines, %.1f MB, %.0f MB/s)\n", scan, lines, mb,
         mb / scan);
  printf("hmac %.3f s (%ld HMAC-SHA256, check %u)\n", hmac, n, acc);
  printf("floor %.3f s\n", scan + hmac);
  return lines < 0;
}
