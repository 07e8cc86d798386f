/*
 * agg_distinct.c: distinct counts of an aggregate (see agg.h, and agg.c
 * for the figures themselves).
 *
 * Distinct counts: a (group, reference) pair is kept as one 64-bit
 * fingerprint: the HMAC's first eight bytes, already uniformly random,
 * XORed with the group number times an odd constant. One person in two
 * groups never collides with itself (the multiple differs), and two
 * different pairs share a fingerprint with probability 2^-64, so among n
 * pairs some two do with probability about n^2 / 2^65: 3e-8 at a million,
 * 3e-6 at ten million. A collision would count one person too few; that is
 * far below any other error in a return.
 *
 * Pairs are not looked up as they come. One table of every pair grew with
 * the number of people (100 MiB for four million rows), and at that size
 * each lookup missed the cache. Instead agg_add_distinct only appends the
 * fingerprint and the group number, 12 bytes, to one of 64 partitions
 * chosen by the fingerprint's top bits (its low bits pick the hash slot
 * later, and equal fingerprints always meet in one partition). Each
 * partition has a 32 KiB buffer; a full buffer is written to that
 * partition's own temporary file, made only then, so a small file never
 * touches the disk. agg_finish then takes one partition at a time, dedupes
 * it in a table (at most seven tenths full) sized for that partition alone
 * and reused for the next, and adds 1 to a group for each pair seen the
 * first time. A partition holds a 64th of the pairs: at the default limit
 * of ten million its table is 2 MiB and stays in cache, where the single
 * table took 128 MiB. Memory is the 2 MiB of buffers plus one partition's
 * table, however long the file.
 *
 * Why 64 x 32 KiB and not 256 x 8 KiB, the same 2 MiB: a partition that
 * spills holds a descriptor, and the hub parses up to four files at once
 * (libuv's pool) under the usual soft limit of 1024 descriptors. 64 each
 * leave room for the rest of the daemon, 256 each would not. A 32 KiB
 * write also makes the system calls negligible; a 64th of the pairs still
 * fits the cache.
 *
 * What reaches the disk is what the table held before, fingerprints and
 * group numbers, never a reference or its HMAC in full, in files that are
 * unlinked from the start (O_TMPFILE in $TMPDIR or /tmp, which systemd
 * makes private to the service) and so vanish when closed: each as soon
 * as its partition is counted, all of them at agg_close.
 *
 * Every size is checked against its limit before it grows, so a hostile
 * file costs at most the configured memory: at most max_groups groups,
 * and max_refs distinct pairs, checked as agg_finish counts them. Pairs
 * recorded, repeats included, reach the disk before they can be deduped,
 * and the input's size does not bound them usefully (a row of a dozen
 * bytes can name 64 counts with 16 breakdowns each: a thousand pairs, 13
 * KB of temporary file). So agg_add_distinct refuses more than
 * AGG_RECORD_FACTOR (8) times max_refs: under 1 GB of temporary files at
 * the default limit. A real extract repeats a person within one figure a
 * few times at most.
 *
 * The fingerprints are wiped before their memory is freed: a pseudonym's
 * fragment is not the reference, but it is nothing to leave lying about.
 */
#include "agg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PARTS 64

#define PART_SHIFT 58 /* 64 - log2(PARTS): the fingerprint's top bits */

#define ENTRY 12 /* fingerprint, group number; native byte order */

_Static_assert(AGG_BUF_ENTRIES == (32u << 10) / ENTRY,
               "a partition's buffer is 32 KiB of pairs");

struct agg_part {
  int fd;          /* -1 until the buffer first fills */
  size_t n;        /* pairs in the buffer */
  uint64_t n_file; /* pairs in the file */
};

/* The fingerprint of a (group, HMAC) pair; 0 marks an empty slot, so a
 * zero fingerprint becomes 1 (two values in 2^64 share it: still
 * negligible). */
static uint64_t ref_print(uint32_t group, const uint8_t h[AGG_REF_BYTES]) {
  uint64_t x;

  _Static_assert(sizeof x == AGG_REF_BYTES, "a fingerprint is the bytes");
  memcpy(&x, h, sizeof x);
  x ^= group * 0x9E3779B97F4A7C15ull; /* odd: groups apart */
  return x != 0 ? x : 1;
}

/* ---- Recording: partitions, their buffers and files ---- */

static unsigned char *part_buf(const struct agg *a, size_t i) {
  return a->buf + i * a->buf_entries * ENTRY;
}

static int parts_make(struct agg *a) {
  size_t i;

  if (a->buf_entries == 0)
    a->buf_entries = 1;
  a->part = calloc(PARTS, sizeof *a->part);
  /* One block: its pages are only touched as the buffers fill. */
  a->buf = malloc(PARTS * a->buf_entries * ENTRY);
  if (a->part == NULL || a->buf == NULL) {
    free(a->part);
    free(a->buf);
    a->part = NULL;
    a->buf = NULL;
    return -ENOMEM;
  }
  for (i = 0; i < PARTS; i++)
    a->part[i].fd = -1;
  return 0;
}

/* Wipes what partition i's buffer held and closes its file, which takes
 * the file's blocks with it (it has no name). */
static void part_drop(struct agg *a, size_t i) {
  struct agg_part *p = &a->part[i];
  size_t used = p->fd >= 0 ? a->buf_entries : p->n;

  explicit_bzero(part_buf(a, i), used * ENTRY);
  if (p->fd >= 0)
    (void)close(p->fd);
  p->fd = -1;
  p->n = 0;
  p->n_file = 0;
}

void agg_distinct_release(struct agg *a) {
  size_t i;

  for (i = 0; a->part != NULL && i < PARTS; i++)
    part_drop(a, i);
  free(a->part);
  free(a->buf);
  a->part = NULL;
  a->buf = NULL;
  if (a->ref != NULL)
    explicit_bzero(a->ref, a->ref_slots * sizeof *a->ref);
  free(a->ref);
  a->ref = NULL;
  a->ref_used = a->ref_slots = 0;
}

/* A file with no name, in $TMPDIR or /tmp. A file system without
 * O_TMPFILE gets a named one, unlinked at once. */
static int spill_open(int *fd) {
  const char *dir = getenv("TMPDIR");
  char path[PATH_MAX];

  if (dir == NULL || dir[0] == '\0')
    dir = "/tmp";
  *fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (*fd >= 0)
    return 0;
  if (errno != EOPNOTSUPP && errno != EISDIR)
    return -errno;
  if (snprintf(path, sizeof path, "%s/dahub-agg-XXXXXX", dir) >=
      (int)sizeof path)
    return -ENAMETOOLONG;
  if ((*fd = mkostemp(path, O_CLOEXEC)) < 0)
    return -errno;
  if (unlink(path) != 0) {
    int rc = -errno;

    (void)close(*fd);
    *fd = -1;
    return rc;
  }
  return 0;
}

static int write_all(int fd, const unsigned char *b, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, b, len);

    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -errno;
    if (w == 0)
      return -EIO;
    b += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Empties a full buffer into its partition's file. */
static int part_spill(struct agg *a, size_t i) {
  struct agg_part *p = &a->part[i];
  int rc;

  if (p->fd < 0 && (rc = spill_open(&p->fd)) != 0)
    return rc;
  if ((rc = write_all(p->fd, part_buf(a, i), p->n * ENTRY)) != 0)
    return rc;
  p->n_file += p->n;
  a->n_spilled += p->n;
  p->n = 0;
  return 0;
}

int agg_add_distinct(struct agg *a, size_t index,
                     const uint8_t ref[AGG_REF_BYTES]) {
  uint64_t fp;
  uint32_t group = (uint32_t)index;
  unsigned char *e;
  size_t i;
  int rc;

  if (index >= a->n || index >= UINT32_MAX)
    return -EINVAL;
  if (a->n_recorded >= a->max_recorded)
    return -E2BIG;
  if (a->part == NULL && (rc = parts_make(a)) != 0)
    return rc;
  fp = ref_print(group + 1, ref);
  i = (size_t)(fp >> PART_SHIFT);
  /* Spilled when the next pair comes, so a buffer that is just full at
   * the end of the file stays in memory. */
  if (a->part[i].n == a->buf_entries && (rc = part_spill(a, i)) != 0)
    return rc;
  e = part_buf(a, i) + a->part[i].n * ENTRY;
  memcpy(e, &fp, sizeof fp);
  memcpy(e + sizeof fp, &group, sizeof group);
  a->part[i].n++;
  a->n_recorded++;
  return 0;
}

/* ---- Counting: one partition at a time ---- */

/* The slot holding fp, or the empty slot where it would go. The
 * fingerprint is uniformly random, so its low bits are the hash. */
static size_t ref_slot(const struct agg *a, uint64_t fp) {
  size_t mask = a->ref_slots - 1, i = (size_t)fp & mask;

  while (a->ref[i] != 0 && a->ref[i] != fp)
    i = (i + 1) & mask;
  return i;
}

static int grow_refs(struct agg *a) {
  size_t n = a->ref_slots ? a->ref_slots * 2 : 1024, i;
  uint64_t *old = a->ref;
  size_t old_n = a->ref_slots;

  if ((a->ref = calloc(n, sizeof *a->ref)) == NULL) {
    a->ref = old;
    return -ENOMEM;
  }
  a->ref_slots = n;
  for (i = 0; i < old_n; i++)
    if (old[i] != 0)
      a->ref[ref_slot(a, old[i])] = old[i];
  if (old != NULL)
    explicit_bzero(old, old_n * sizeof *old);
  free(old);
  return 0;
}

/* 1 if fp is new to this partition's table (and is now in it), 0 if seen;
 * -E2BIG beyond max_refs, -ENOMEM. */
static int ref_insert(struct agg *a, uint64_t fp) {
  size_t s = ref_slot(a, fp);
  int rc;

  if (a->ref[s] != 0)
    return 0;
  if (a->n_refs >= a->max_refs)
    return -E2BIG;
  a->ref[s] = fp;
  a->ref_used++;
  a->n_refs++;
  /* At most 0.7 full: linear probing stays short, memory stays small. */
  if (a->ref_used * 10 > a->ref_slots * 7 && (rc = grow_refs(a)) != 0)
    return rc;
  return 1;
}

/* Counts n recorded pairs from b. */
static int count_entries(struct agg *a, const unsigned char *b, size_t n) {
  uint64_t fp;
  uint32_t group;
  size_t k;
  int rc;

  for (k = 0; k < n; k++, b += ENTRY) {
    memcpy(&fp, b, sizeof fp);
    memcpy(&group, b + sizeof fp, sizeof group);
    if ((rc = ref_insert(a, fp)) <= 0) {
      if (rc < 0)
        return rc;
      continue;
    }
    if (group >= a->n) /* our own file, yet not what we wrote */
      return -EIO;
    if ((rc = agg_add(a, group, 1)) != 0)
      return rc;
  }
  return 0;
}

static int read_all(int fd, unsigned char *b, size_t len, off_t off) {
  while (len > 0) {
    ssize_t r = pread(fd, b, len, off);

    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0)
      return -EIO; /* shorter than what was written */
    b += r;
    len -= (size_t)r;
    off += r;
  }
  return 0;
}

/* Counts partition i: its buffer, then its file read back into that same
 * buffer (the order of the pairs does not matter), then drops both. */
static int part_count(struct agg *a, size_t i) {
  struct agg_part *p = &a->part[i];
  unsigned char *b = part_buf(a, i);
  uint64_t done = 0;
  int rc;

  if (a->ref_slots == 0 && (rc = grow_refs(a)) != 0)
    return rc;
  memset(a->ref, 0, a->ref_slots * sizeof *a->ref);
  a->ref_used = 0;
  if ((rc = count_entries(a, b, p->n)) != 0)
    return rc;
  while (done < p->n_file) {
    size_t n = p->n_file - done < a->buf_entries ? (size_t)(p->n_file - done)
                                                 : a->buf_entries;

    if ((rc = read_all(p->fd, b, n * ENTRY, (off_t)(done * ENTRY))) != 0 ||
        (rc = count_entries(a, b, n)) != 0)
      return rc;
    done += n;
  }
  part_drop(a, i);
  return 0;
}

int agg_finish(struct agg *a) {
  size_t i;
  int rc = 0;

  for (i = 0; a->part != NULL && i < PARTS && rc == 0; i++)
    if (a->part[i].n > 0 || a->part[i].fd >= 0)
      rc = part_count(a, i);
  agg_distinct_release(a);
  return rc;
}
