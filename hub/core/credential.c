/*
 * credential.c: secret files, checked at load and read at use
 * (credential.h).
 */
#include "credential.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
  int rc;

  *value = NULL;
  if (lstat(path, &sb) != 0) {
    rc = -errno;
    (void)snprintf(err, errsz, "cannot open credential file %s: %s", path,
                   strerror(-rc));
    return rc;
  }
  if (!S_ISREG(sb.st_mode)) {
    (void)snprintf(err, errsz, "credential %s is not a regular file", path);
    return -EINVAL;
  }
  if ((sb.st_mode & 077) != 0) {
    (void)snprintf(err, errsz,
                   "credential %s may be read by others (mode %03o): "
                   "chmod 600 it",
                   path, (unsigned)(sb.st_mode & 0777));
    return -EACCES;
  }
  if ((rc = fs_read_small(path, CREDENTIAL_MAX, &data, &len)) != 0) {
    (void)snprintf(err, errsz, "cannot read credential %s: %s", path,
                   strerror(-rc));
    return rc;
  }
  while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
    data[--len] = '\0';
  if (len == 0 || memchr(data, '\0', len) != NULL ||
      strpbrk(data, "\r\n") != NULL) {
    explicit_bzero(data, len);
    free(data);
    (void)snprintf(err, errsz, "credential %s: expected one line of text",
                   path);
    return -EINVAL;
  }
  *value = data;
  return 0;
}
