/*
 * fsutil.h: the few file-system steps every module needs, done safely.
 *
 * Paths are built into caller buffers (never truncated silently), files are
 * written whole or not at all, and a move never replaces an existing file.
 */
#ifndef DAHUB_FSUTIL_H
#define DAHUB_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "dahub/error.h"

/* buf = a "/" b. 0, or -ENAMETOOLONG. */
int fs_join(char *buf, size_t n, const char *a, const char *b);

/* Creates path and its parents (like mkdir -p). 0, or negative errno. */
int fs_mkdirs(const char *path, mode_t mode);

/* fsync()s a directory, so a rename in it survives power loss. */
int fs_sync_dir(const char *dir);

/* Writes data to dir/name atomically: a hidden temporary file, fsync,
 * rename over name, fsync of dir. 0, or negative errno. */
int fs_write_atomic(const char *dir, const char *name, const void *data,
                    size_t len);
/* As fs_write_atomic(), the file made with mode whatever the umask (for a
 * file another user's program reads). */
int fs_write_atomic_mode(const char *dir, const char *name, const void *data,
                         size_t len, mode_t mode);

/* Moves from_dir/name into to_dir under name, or "stem (2).ext", "(3)", ...
 * when that name is taken (never replaces). The final name is written to
 * out (n bytes). Both folders are synced. 0, or negative errno. */
int fs_move_unique(const char *from_dir, const char *name, const char *to_dir,
                   char *out, size_t n);

/* Sets dir/name's access and modification times to now, not following a
 * link. 0, or negative errno. */
int fs_touch(const char *dir, const char *name);

/* Reads a whole small file (config, vocabulary) up to max bytes, NUL-ended.
 * OUT: *data is the caller's to free(). 0, -EFBIG, or negative errno. */
int fs_read_small(const char *path, size_t max, char **data, size_t *len);

/* The folder part of path ("conf" for "conf/hub.json", "." for "hub.json").
 * OUT: caller frees. NULL when out of memory. */
char *fs_dirname(const char *path);

/* path itself when absolute, else base/path. OUT: caller frees; NULL on
 * out of memory or a path too long. */
char *fs_resolve(const char *base, const char *path);

#endif
