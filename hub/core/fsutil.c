/*
 * fsutil.c: path building, atomic writes and non-replacing moves.
 *
 * Moves use renameat2(RENAME_NOREPLACE): a partner may send the same file
 * name every quarter, and done/ must keep every one of them. Directories are
 * fsync'ed after each rename because the store commit is only worth anything
 * if the file's new home survives a power cut too.
 */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_join(char *buf, size_t n, const char *a, const char *b) {
  int w = snprintf(buf, n, "%s/%s", a, b);

  if (w < 0 || (size_t)w >= n)
    return -ENAMETOOLONG;
  return 0;
}

int fs_mkdirs(const char *path, mode_t mode) {
  char tmp[PATH_MAX];
  size_t len = strlen(path);

  if (len == 0 || len >= sizeof tmp)
    return -ENAMETOOLONG;
  memcpy(tmp, path, len + 1);
  for (char *p = tmp + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
      return -errno;
    *p = '/';
  }
  if (mkdir(tmp, mode) != 0 && errno != EEXIST)
    return -errno;
  return 0;
}

int fs_sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = 0;

  if (fd < 0)
    return -errno;
  if (fsync(fd) != 0)
    rc = -errno;
  if (close(fd) != 0 && rc == 0)
    rc = -errno;
  return rc;
}

int fs_write_atomic(const char *dir, const char *name, const void *data,
                    size_t len) {
  return fs_write_atomic_mode(dir, name, data, len, (mode_t)-1);
}

/* mode (mode_t)-1: 0640 as the umask leaves it */
int fs_write_atomic_mode(const char *dir, const char *name, const void *data,
                         size_t len, mode_t mode) {
  char tmp[PATH_MAX], dst[PATH_MAX], tname[NAME_MAX + 1];
  const char *p = data;
  int fd = -1, rc;
  int w = snprintf(tname, sizeof tname, ".%s.tmp", name);

  if (w < 0 || (size_t)w >= sizeof tname)
    return -ENAMETOOLONG;
  if ((rc = fs_join(tmp, sizeof tmp, dir, tname)) != 0 ||
      (rc = fs_join(dst, sizeof dst, dir, name)) != 0)
    return rc;
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0)
    return -errno;
  if (mode != (mode_t)-1 && fchmod(fd, mode) != 0) {
    rc = -errno;
    goto out;
  }
  while (len > 0) {
    ssize_t n = write(fd, p, len);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      rc = -errno;
      goto out;
    }
    p += n;
    len -= (size_t)n;
  }
  if (fsync(fd) != 0) {
    rc = -errno;
    goto out;
  }
  if (close(fd) != 0) {
    fd = -1;
    rc = -errno;
    goto out;
  }
  fd = -1;
  if (rename(tmp, dst) != 0) {
    rc = -errno;
    goto out;
  }
  rc = fs_sync_dir(dir);
out:
  if (fd >= 0)
    (void)close(fd);
  if (rc != 0)
    (void)unlink(tmp);
  return rc;
}

/* "q1.csv" with k=2 -> "q1 (2).csv"; a name with no dot gets " (2)" at the
 * end, and so does a dotfile-like name whose only dot leads. */
static int numbered_name(char *buf, size_t n, const char *name, int k) {
  const char *dot = strrchr(name, '.');
  int w;

  if (k == 1)
    w = snprintf(buf, n, "%s", name);
  else if (dot == NULL || dot == name)
    w = snprintf(buf, n, "%s (%d)", name, k);
  else
    w = snprintf(buf, n, "%.*s (%d)%s", (int)(dot - name), name, k, dot);
  if (w < 0 || (size_t)w >= n)
    return -ENAMETOOLONG;
  return 0;
}

int fs_move_unique(const char *from_dir, const char *name, const char *to_dir,
                   char *out, size_t n) {
  char src[PATH_MAX], dst[PATH_MAX], cand[NAME_MAX + 1];
  int rc;

  if ((rc = fs_join(src, sizeof src, from_dir, name)) != 0)
    return rc;
  for (int k = 1; k < 10000; k++) {
    if ((rc = numbered_name(cand, sizeof cand, name, k)) != 0 ||
        (rc = fs_join(dst, sizeof dst, to_dir, cand)) != 0)
      return rc;
    if (strlen(cand) >= n) /* before the move: a moved file is reported */
      return -ENAMETOOLONG;
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0) {
      memcpy(out, cand, strlen(cand) + 1);
      if ((rc = fs_sync_dir(to_dir)) != 0)
        return rc;
      return fs_sync_dir(from_dir);
    }
    if (errno != EEXIST)
      return -errno;
  }
  return -EEXIST;
}

int fs_touch(const char *dir, const char *name) {
  char path[PATH_MAX];
  int rc;

  if ((rc = fs_join(path, sizeof path, dir, name)) != 0)
    return rc;
  if (utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW) != 0)
    return -errno;
  return 0;
}

int fs_read_small(const char *path, size_t max, char **data, size_t *len) {
  struct stat st;
  char *buf = NULL;
  size_t got = 0;
  int fd, rc = 0;

  *data = NULL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (fstat(fd, &st) != 0) {
    rc = -errno;
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = -EINVAL;
    goto out;
  }
  if ((uint64_t)st.st_size > max) {
    rc = -EFBIG;
    goto out;
  }
  buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = -errno;
      goto out;
    }
    if (r == 0)
      break; /* shrank while we read: take what is there */
    got += (size_t)r;
  }
  buf[got] = '\0';
  *data = buf;
  *len = got;
  buf = NULL;
out:
  free(buf);
  (void)close(fd);
  return rc;
}

char *fs_dirname(const char *path) {
  const char *slash = strrchr(path, '/');

  if (slash == NULL)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

char *fs_resolve(const char *base, const char *path) {
  char buf[PATH_MAX];

  if (path[0] == '/')
    return strdup(path);
  if (fs_join(buf, sizeof buf, base, path) != 0)
    return NULL;
  return strdup(buf);
}
