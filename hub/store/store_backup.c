/*
 * store_backup.c: `dahub backup PATH`, a consistent copy of the store taken
 * while the daemon runs, and the store opened for `dahub verify`.
 *
 * The copy is made with SQLite's backup API, not VACUUM INTO. VACUUM INTO
 * rebuilds every table and index into the new file, which for a store of
 * millions of figures is minutes of CPU and a temporary b-tree as large as
 * the index; the backup API copies pages as they are. Its known weakness
 * is that a write by another connection between two steps restarts the
 * copy, and the daemon commits a file every few seconds when busy: so all
 * steps run inside one read transaction of our own connection, which pins
 * a snapshot. In WAL mode that blocks no writer; the WAL only cannot be
 * checkpointed past our snapshot until we finish, and grows meanwhile.
 *
 * The copy goes to a temporary name beside PATH (mkstemp: mode 0600, the
 * store holds partners' figures), is made a single-file database
 * (journal_mode=DELETE), checked with PRAGMA integrity_check, fsynced, and
 * only then renamed into place, so PATH is either absent, the old file,
 * or a whole verified copy. Without force an existing PATH is refused,
 * also if it appears during the copy (RENAME_NOREPLACE).
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

#define BACKUP_STEP_PAGES 1024
#define BACKUP_BUSY_TRIES 200 /* of 50 ms: the daemon's WAL recovery */

int store_open_existing(const char *path, struct store **out,
                        struct dahub_error *err) {
  struct store *st = NULL;
  struct stat sb;
  int version, rc;

  *out = NULL;
  if (stat(path, &sb) != 0)
    return dahub_error_set(err, -errno, 0, 0, "store: %s: %s", path,
                           strerror(errno));
  if ((st = calloc(1, sizeof *st)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: out of memory");
  if (pthread_mutex_init(&st->lock, NULL) != 0) {
    free(st);
    return dahub_error_set(err, -ENOMEM, 0, 0, "store: mutex");
  }
  /* read-write without create: a read-only connection to a WAL store
   * needs its -shm to be writable anyway, and nothing here writes */
  rc = sqlite3_open_v2(path, &st->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    rc = dahub_error_set(err, -EIO, 0, 0, "store: open %s: %s", path,
                         st->db ? sqlite3_errmsg(st->db) : "out of memory");
    goto out;
  }
  (void)sqlite3_busy_timeout(st->db, 5000);
  if ((rc = store_schema_version(st, &version, err)) != 0)
    goto out;
  *out = st;
  st = NULL;
out:
  store_close(st);
  return rc;
}

/* Copies src into dst page by page, all under one read transaction. */
static int copy_pages(struct store *src, sqlite3 *dst,
                      struct dahub_error *err) {
  sqlite3_backup *b = NULL;
  int rc, tries = 0, in_txn = 0;

  if ((rc = store_exec(src,
                       "BEGIN; SELECT count(*) FROM sqlite_schema;"
                       " PRAGMA user_version",
                       err)) != 0)
    goto out;
  in_txn = 1;
  if ((b = sqlite3_backup_init(dst, "main", src->db, "main")) == NULL) {
    rc = dahub_error_set(err, -EIO, 0, 0, "backup: %s", sqlite3_errmsg(dst));
    goto out;
  }
  for (;;) {
    int r = sqlite3_backup_step(b, BACKUP_STEP_PAGES);

    if (r == SQLITE_DONE)
      break;
    if ((r == SQLITE_BUSY || r == SQLITE_LOCKED) &&
        ++tries < BACKUP_BUSY_TRIES) {
      sqlite3_sleep(50);
      continue;
    }
    if (r != SQLITE_OK) {
      rc = dahub_error_set(err, r == SQLITE_BUSY ? -EAGAIN : -EIO, 0, 0,
                           "backup: %s", sqlite3_errstr(r));
      goto out;
    }
  }
  rc = 0;
out:
  if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && rc == 0)
    rc = dahub_error_set(err, -EIO, 0, 0, "backup: %s", sqlite3_errmsg(dst));
  if (in_txn)
    (void)sqlite3_exec(src->db, "COMMIT", NULL, NULL, NULL);
  return rc;
}

/* One problem a line: a row of integrity_check may hold several, under a
 * "*** in database main ***" heading that names no problem. */
static void each_line(const char *msg,
                      void (*problem)(void *arg, const char *msg), void *arg,
                      unsigned *n) {
  while (*msg != '\0') {
    const char *end = strchr(msg, '\n');
    size_t len = end != NULL ? (size_t)(end - msg) : strlen(msg);
    char line[256];

    (void)snprintf(line, sizeof line, "%.*s", (int)len, msg);
    if (len > 0 && strncmp(line, "*** ", 4) != 0) {
      (*n)++;
      if (problem != NULL)
        problem(arg, line);
    }
    msg += len + (end != NULL);
  }
}

void store_integrity_db(sqlite3 *db,
                        void (*problem)(void *arg, const char *msg), void *arg,
                        unsigned *n) {
  sqlite3_stmt *q = NULL;
  int rc;

  *n = 0;
  rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *msg = (const char *)sqlite3_column_text(q, 0);

    rc = SQLITE_OK;
    if (msg == NULL || strcmp(msg, "ok") != 0)
      each_line(msg != NULL ? msg : "(no message)", problem, arg, n);
  }
  if (rc != SQLITE_DONE && rc != SQLITE_OK) {
    /* a page too damaged to walk: SQLite says so instead of a row */
    (*n)++;
    if (problem != NULL)
      problem(arg, sqlite3_errmsg(db));
  }
  sqlite3_finalize(q);
}

void store_integrity(struct store *st,
                     void (*problem)(void *arg, const char *msg), void *arg,
                     unsigned *n) {
  if (st->ops != NULL) {
    (*n)++; /* not a check that passed */
    if (problem != NULL)
      problem(arg, "integrity_check is SQLite's: not for a PostgreSQL store");
    return;
  }
  store_integrity_db(st->db, problem, arg, n);
}

#define FIRST_MAX 200

/* Keeps the first problem, cut to FIRST_MAX - 1 bytes. */
static void first_problem(void *arg, const char *msg) {
  char *buf = arg;
  size_t len = strlen(msg);

  if (buf[0] != '\0')
    return;
  len = len < FIRST_MAX ? len : FIRST_MAX - 1;
  memcpy(buf, msg, len);
  buf[len] = '\0';
}

/* Makes the copy one self-contained file and checks it whole. */
static int check_copy(const char *tmp, struct dahub_error *err) {
  sqlite3 *db = NULL;
  char first[FIRST_MAX] = "";
  unsigned n = 0;
  int rc;

  rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    rc = dahub_error_set(err, -EIO, 0, 0, "backup: the copy: %s",
                         db ? sqlite3_errmsg(db) : "out of memory");
    goto out;
  }
  store_integrity_db(db, first_problem, first, &n);
  rc = n == 0 ? 0
              : dahub_error_set(err, -EIO, 0, 0,
                                "backup: the copy fails integrity_check (%u "
                                "problems; first: %s)",
                                n, first);
out:
  if (sqlite3_close(db) != SQLITE_OK && rc == 0)
    rc = dahub_error_set(err, -EIO, 0, 0, "backup: cannot close the copy");
  return rc;
}

static int sync_file(const char *path, struct dahub_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

  if (fd < 0 || fsync(fd) != 0)
    rc = dahub_error_set(err, -errno, 0, 0, "backup: fsync %s: %s", path,
                         strerror(errno));
  if (fd >= 0)
    (void)close(fd);
  return rc;
}

/* The folder of path ("." for a bare name), for the temporary name and
 * the fsync after the rename. */
static int dir_of(const char *path, char *dir, size_t n) {
  const char *slash = strrchr(path, '/');
  int w;

  if (slash == NULL)
    w = snprintf(dir, n, ".");
  else if (slash == path)
    w = snprintf(dir, n, "/");
  else
    w = snprintf(dir, n, "%.*s", (int)(slash - path), path);
  return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

int store_backup(const char *src_path, const char *dest, int force,
                 struct dahub_error *err) {
  struct store *src = NULL;
  sqlite3 *dst = NULL;
  char tmp[PATH_MAX], journal[PATH_MAX + 16], dir[PATH_MAX];
  int fd = -1, made = 0, rc, w;

  if (!force && access(dest, F_OK) == 0)
    return dahub_error_set(err, -EEXIST, 0, 0,
                           "%s already exists; --force replaces it", dest);
  if ((rc = dir_of(dest, dir, sizeof dir)) != 0)
    return dahub_error_set(err, rc, 0, 0, "%s: name too long", dest);
  w = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dest);
  if (w < 0 || (size_t)w >= sizeof tmp)
    return dahub_error_set(err, -ENAMETOOLONG, 0, 0, "%s: name too long", dest);
  if ((rc = store_open_existing(src_path, &src, err)) != 0)
    goto out;
  if ((fd = mkstemp(tmp)) < 0) {
    rc = dahub_error_set(err, -errno, 0, 0,
                         "backup: cannot create a file "
                         "beside %s: %s",
                         dest, strerror(errno));
    goto out;
  }
  made = 1;
  (void)close(fd);
  (void)snprintf(journal, sizeof journal, "%s-journal", tmp);
  if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    rc = dahub_error_set(err, -EIO, 0, 0, "backup: %s",
                         dst ? sqlite3_errmsg(dst) : "out of memory");
    goto out;
  }
  if ((rc = copy_pages(src, dst, err)) != 0)
    goto out;
  (void)sqlite3_close(dst);
  dst = NULL;
  if ((rc = check_copy(tmp, err)) != 0 || (rc = sync_file(tmp, err)) != 0)
    goto out;
  if (force ? rename(tmp, dest) != 0
            : renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) != 0) {
    rc = errno == EEXIST
             ? dahub_error_set(err, -EEXIST, 0, 0,
                               "%s appeared during the copy; --force "
                               "replaces it",
                               dest)
             : dahub_error_set(err, -errno, 0, 0, "backup: rename to %s: %s",
                               dest, strerror(errno));
    goto out;
  }
  made = 0;
  if ((rc = fs_sync_dir(dir)) != 0)
    rc = dahub_error_set(err, rc, 0, 0, "backup: fsync %s: %s", dir,
                         strerror(-rc));
out:
  if (dst != NULL)
    (void)sqlite3_close(dst);
  if (made) {
    (void)unlink(tmp);
    (void)unlink(journal);
  }
  store_close(src);
  return rc;
}
