/*
 * credential.c: secret files, checked at load and read at use
 * (credential.h).
 */
#include "credential.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

char *credential_member(struct jsonconf *jc, const json_t *o, const char *key,
                        const char *parent, const char *where,
                        const char *base) {
  const char *name = jsonconf_string(jc, o, key, 0);
  const char *dir = getenv("CREDENTIALS_DIRECTORY");
  char *path, *secret = NULL, why[160];

  if (name == NULL)
    return NULL;
  if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL ||
      strlen(name) > 128) {
    jsonconf_error_in(jc, parent, key,
                      "%s.%s: expected a file name (no folder)", where, key);
    return NULL;
  }
  path = fs_resolve(dir != NULL && *dir ? dir : base, name);
  if (path != NULL && credential_read(path, &secret, why, sizeof why) != 0) {
    jsonconf_error_in(jc, parent, key, "%s.%s: %s", where, key, why);
    free(path);
    return NULL;
  }
  credential_free(secret);
  return path;
}

void credential_free(char *value) {
  if (value != NULL) {
    explicit_bzero(value, strlen(value));
    free(value);
  }
}

int credential_read(const char *path, char **value, char *err, size_t errsz) {
  struct stat sb;
  char *data = NULL;
  size_t len = 0;
  int fd, rc = 0;

  *value = NULL;
  /* one descriptor for the checks and the read: no file swapped between */
  if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
    rc = -errno;
    (void)snprintf(err, errsz, "cannot open credential file %s: %s", path,
                   rc == -ELOOP ? "it is a symbolic link" : strerror(-rc));
    return rc;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    (void)snprintf(err, errsz, "credential %s is not a regular file", path);
    rc = -EINVAL;
  } else if ((sb.st_mode & 077) != 0) {
    (void)snprintf(err, errsz,
                   "credential %s may be read by others (mode %03o): "
                   "chmod 600 it",
                   path, (unsigned)(sb.st_mode & 0777));
    rc = -EACCES;
  } else if (sb.st_size > CREDENTIAL_MAX) {
    (void)snprintf(err, errsz, "credential %s: larger than %d bytes", path,
                   CREDENTIAL_MAX);
    rc = -EFBIG;
  } else if ((data = malloc((size_t)sb.st_size + 1)) == NULL) {
    rc = -ENOMEM;
    (void)snprintf(err, errsz, "out of memory");
  }
  while (rc == 0 && len < (size_t)sb.st_size) {
    ssize_t r = read(fd, data + len, (size_t)sb.st_size - len);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break; /* shrank while read: what is there is judged below */
    len += (size_t)r;
  }
  (void)close(fd);
  if (rc != 0) {
    free(data); /* nothing read into it */
    return rc;
  }
  data[len] = '\0';
  while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
    data[--len] = '\0';
  if (len == 0 || memchr(data, '\0', len) != NULL ||
      strpbrk(data, "\r\n") != NULL) {
    explicit_bzero(data, (size_t)sb.st_size + 1);
    free(data);
    (void)snprintf(err, errsz, "credential %s: expected one line of text",
                   path);
    return -EINVAL;
  }
  *value = data;
  return 0;
}
