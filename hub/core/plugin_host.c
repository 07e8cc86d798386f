/*
 * plugin_host.c: dlopen with checks first (see plugin_host.h).
 *
 * The descriptor is read in two steps: its first two fields (the ABI version
 * and the struct's size) are fixed forever, so they are checked before
 * anything else is read; then at most sizeof(struct dahub_plugin) bytes are
 * copied, so a plugin built against an older, shorter header reads as one
 * whose newer fields are absent. RTLD_NOW: a missing symbol fails here, with
 * the loader's message, not at the first call in a worker thread.
 *
 * The loader knows a library by the path it was given: "/proc/self/fd/5"
 * names a different file once fd 5 is reused, and dlopen would hand back
 * the first plugin again. So the descriptor stays open while the plugin is
 * loaded, and no two loaded plugins share a path.
 */
#include "plugin_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonconf.h"

/* Version 1 as first published ends with parse. */
#define MIN_DESC_SIZE (offsetof(struct dahub_plugin, parse) + sizeof(void *))

static int owner_ok(const struct stat *st) {
  return st->st_uid == 0 || st->st_uid == geteuid();
}

/* What a plugin, or its folder, must be to be trusted: written by no one
 * but its owner, who is root or the service user. what: "plugin folder". */
static int check_owner(const struct stat *st, const char *what,
                       const char *path, struct dahub_error *err) {
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return dahub_error_set(err, -EPERM, 0, 0,
                           "%s %s is writable by group or others (chmod go-w)",
                           what, path);
  if (!owner_ok(st))
    return dahub_error_set(err, -EPERM, 0, 0,
                           "%s %s is owned by uid %u, not root or the service "
                           "user",
                           what, path, (unsigned)st->st_uid);
  return 0;
}

static int check_dir(const char *dir, struct dahub_error *err) {
  struct stat st;

  if (stat(dir, &st) != 0)
    return dahub_error_set(err, -errno, 0, 0, "plugin folder %s: %s", dir,
                           strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return dahub_error_set(err, -ENOTDIR, 0, 0, "%s is not a folder", dir);
  return check_owner(&st, "plugin folder", dir, err);
}

/* Opens path without following a link and checks what it is. */
static int open_checked(const char *path, int *fd, struct dahub_error *err) {
  struct stat st;

  *fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (*fd < 0) {
    if (errno == ELOOP)
      return dahub_error_set(err, -ELOOP, 0, 0,
                             "plugin %s is a symbolic link; install the file "
                             "itself",
                             path);
    return dahub_error_set(err, -errno, 0, 0, "plugin %s: %s", path,
                           strerror(errno));
  }
  if (fstat(*fd, &st) != 0)
    return dahub_error_set(err, -errno, 0, 0, "plugin %s: %s", path,
                           strerror(errno));
  if (!S_ISREG(st.st_mode))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "plugin %s is not a regular file", path);
  return check_owner(&st, "plugin", path, err);
}

static int check_desc(const char *path, const struct dahub_plugin *d,
                      struct dahub_error *err) {
  if (d->abi_version != DAHUB_ABI_VERSION)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s was built for ABI version %u; this "
                           "dahub speaks version %u: rebuild it",
                           path, d->abi_version, DAHUB_ABI_VERSION);
  if (d->struct_size < MIN_DESC_SIZE)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: descriptor is %u bytes, too short for "
                           "ABI version %u",
                           path, d->struct_size, DAHUB_ABI_VERSION);
  return 0;
}

/* A sink's own file name: plain, so it can neither leave the version's
 * folder nor hide as a dot file, and ending in its extension, so a
 * delivery's content type follows from it. */
static int file_name_ok(const char *f, const char *ext) {
  size_t n = strlen(f), e = strlen(ext);

  if (n == 0 || n > 63 || n < e + 2 || f[0] == '.' ||
      strspn(f, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
    return 0;
  return f[n - e - 1] == '.' && strcmp(f + n - e, ext) == 0;
}

static int check_fields(const char *path, const char *name,
                        const struct dahub_plugin *d, struct dahub_error *err) {
  if (d->name == NULL || strcmp(d->name, name) != 0)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s calls itself \"%.64s\", expected \"%s\"",
                           path, d->name ? d->name : "(none)", name);
  if (d->version == NULL || d->version[0] == '\0' || strlen(d->version) > 64)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: missing or overlong version", path);
  if (d->kind != DAHUB_KIND_SOURCE && d->kind != DAHUB_KIND_SINK)
    return dahub_error_set(err, -EPROTO, 0, 0, "plugin %s: unknown kind %d",
                           path, (int)d->kind);
  if (d->open == NULL || d->close == NULL)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: open and close are required", path);
  if (d->kind == DAHUB_KIND_SOURCE && d->parse == NULL)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: a source needs parse", path);
  if (d->kind == DAHUB_KIND_SINK &&
      (d->render == NULL || d->extension == NULL ||
       !jsonconf_is_ident(d->extension, 16)))
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: a sink needs render and an extension "
                           "of at most 16 letters",
                           path);
  if (d->kind == DAHUB_KIND_SINK && d->file_name != NULL &&
      !file_name_ok(d->file_name, d->extension))
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "plugin %s: file_name must be [a-z0-9._-], at "
                           "most 63 bytes, ending in .%s",
                           path, d->extension);
  return 0;
}

int plugin_load(const char *dir, const char *name, struct plugin *p,
                struct dahub_error *err) {
  char file[256], fdpath[64];
  const struct dahub_plugin *d;
  void *h = NULL;
  int fd = -1, rc;
  size_t n;

  memset(p, 0, sizeof *p);
  if (!jsonconf_is_ident(name, 64))
    return dahub_error_set(err, -EINVAL, 0, 0, "bad plugin name \"%.64s\"",
                           name);
  (void)snprintf(file, sizeof file, "%s.so", name);
  if ((rc = fs_join(p->path, sizeof p->path, dir, file)) != 0) {
    rc = dahub_error_set(err, rc, 0, 0, "plugin path too long");
    goto out;
  }
  if ((rc = check_dir(dir, err)) != 0 ||
      (rc = open_checked(p->path, &fd, err)) != 0)
    goto out;
  /* Load the very file we checked, not whatever the path names now. */
  (void)snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
  h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    rc = dahub_error_set(err, -ENOEXEC, 0, 0, "plugin %s: cannot load: %s",
                         p->path, dlerror());
    goto out;
  }
  d = dlsym(h, DAHUB_PLUGIN_SYMBOL);
  if (d == NULL) {
    rc = dahub_error_set(err, -ENOEXEC, 0, 0,
                         "plugin %s does not export %s: not a dahub plugin",
                         p->path, DAHUB_PLUGIN_SYMBOL);
    goto out;
  }
  if ((rc = check_desc(p->path, d, err)) != 0)
    goto out;
  n = d->struct_size < sizeof p->desc ? d->struct_size : sizeof p->desc;
  memcpy(&p->desc, d, n);
  if ((rc = check_fields(p->path, name, &p->desc, err)) != 0)
    goto out;
  p->handle = h;
  p->fd = fd;
  h = NULL;
  fd = -1;
out:
  if (h != NULL)
    (void)dlclose(h);
  if (fd >= 0)
    (void)close(fd);
  return rc;
}

void plugin_unload(struct plugin *p) {
  if (p->handle != NULL)
    (void)dlclose(p->handle);
  if (p->handle != NULL && p->fd >= 0)
    (void)close(p->fd);
  p->handle = NULL;
  p->fd = -1;
}
