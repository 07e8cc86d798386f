/*
 * retention.c: partner files leave done/ and failed/ when their feed's
 * retain period is over (see retention.h).
 *
 * The store keeps what the board needs for ever (figures, receipts, the
 * SHA-256 that recognises a repeat, provenance); the raw file is only
 * evidence, and a case-level extract is personal data. So a sweep removes
 * a partner file and its companions, the <name>.error.json,
 * <name>.error.txt, <name>.duplicate.json and <name>.warnings.json that
 * ingest_report.c writes beside it, once the file is old enough. A
 * companion goes with its file; one whose file is gone (taken away by hand,
 * or removed between the move and the note being written) is judged by its
 * own age.
 *
 * Age is the file's mtime. rename() keeps mtime, which for a partner file
 * is whatever the upload set (sftp -p copies the partner's own, possibly
 * years old), and ctime, which rename() changes on Linux, is changed by
 * anything else too (chmod, a link) and cannot be set back. So ingest.c
 * sets mtime to now just before it moves a file out of work/, and mtime is
 * then the time the file arrived in done/ or failed/. An officer who wants
 * to keep a file longer can touch it.
 *
 * Only what sits directly in done/ and failed/ is ever removed: the folder
 * is opened with O_NOFOLLOW and every name is taken relative to it, a
 * name is removed only if lstat says it is a regular file (a link, folder
 * or FIFO is left alone and never followed), dotfiles are left alone (the
 * hub's own half-written notes are dotfiles), and work/ and incoming/ are
 * never opened. Runs on a worker thread: it touches only the file system
 * and the log.
 */
#include "retention.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static const char *const companion_suffixes[] = {
    ".error.json", ".error.txt", ".duplicate.json", ".warnings.json"};
#define N_SUFFIXES (sizeof companion_suffixes / sizeof *companion_suffixes)

struct sweep {
  const struct ingest_feed *feed;
  const char *folder; /* "done" or "failed", for the log */
  int dfd;
  uint64_t max_age_s;
  int64_t now;
  struct retention_stats *st;
};

/* The length of the partner file's name when name is a companion
 * ("q1.csv.error.json" -> 6), else 0. */
static size_t companion_stem(const char *name) {
  size_t len = strlen(name);

  for (size_t i = 0; i < N_SUFFIXES; i++) {
    size_t sl = strlen(companion_suffixes[i]);

    if (len > sl && strcmp(name + len - sl, companion_suffixes[i]) == 0)
      return len - sl;
  }
  return 0;
}

/* 1 when name in the folder is a regular file (a link is not followed). */
static int regular_at(int dfd, const char *name, struct stat *st) {
  return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(st->st_mode);
}

static void failed(const struct sweep *s, const char *name, int err) {
  char q[320];

  s->st->failures++;
  log_event(LOG_WARNING, "file_remove_failed",
            "feed=%s folder=%s file=%s error=%s", s->feed->conf->name,
            s->folder, log_quote(q, sizeof q, name), strerror(err));
}

/* Removes name's companions; the number removed. */
static unsigned remove_companions(const struct sweep *s, const char *name) {
  unsigned n = 0;

  for (size_t i = 0; i < N_SUFFIXES; i++) {
    char cname[NAME_MAX + 1];
    struct stat st;
    int w = snprintf(cname, sizeof cname, "%s%s", name, companion_suffixes[i]);

    if (w < 0 || (size_t)w >= sizeof cname || !regular_at(s->dfd, cname, &st))
      continue; /* too long a name to exist, or not there */
    if (unlinkat(s->dfd, cname, 0) == 0)
      n++;
    else if (errno != ENOENT)
      failed(s, cname, errno);
  }
  return n;
}

static void consider(const struct sweep *s, const char *name) {
  char stem[NAME_MAX + 1], q[320];
  size_t stem_len;
  unsigned companions = 0;
  struct stat st;
  int64_t age;

  if (name[0] == '.' || !regular_at(s->dfd, name, &st))
    return;
  stem_len = companion_stem(name);
  if (stem_len > 0) {
    memcpy(stem, name, stem_len);
    stem[stem_len] = '\0';
    if (regular_at(s->dfd, stem, &(struct stat){0}))
      return; /* it goes with its file */
  }
  age = s->now - (int64_t)st.st_mtim.tv_sec;
  /* 0 means "once stored": whatever the clocks say about its age */
  if (s->max_age_s > 0 && (age < 0 || (uint64_t)age < s->max_age_s))
    return;
  if (unlinkat(s->dfd, name, 0) != 0) {
    if (errno != ENOENT) /* ENOENT: someone took it first */
      failed(s, name, errno);
    return;
  }
  if (stem_len == 0)
    companions = remove_companions(s, name);
  s->st->removed++;
  log_event(LOG_INFO, "file_removed",
            "feed=%s folder=%s file=%s age_s=%lld companions=%u",
            s->feed->conf->name, s->folder, log_quote(q, sizeof q, name),
            (long long)(age < 0 ? 0 : age), companions);
}

static void sweep_folder(struct sweep *s, const char *dir,
                         const atomic_int *stop) {
  struct dirent *e;
  DIR *d = NULL;

  s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s->dfd < 0 || (d = fdopendir(s->dfd)) == NULL) {
    int err = errno;

    if (s->dfd >= 0)
      (void)close(s->dfd);
    s->st->failures++;
    log_event(LOG_WARNING, "retention_scan_failed",
              "feed=%s folder=%s error=%s", s->feed->conf->name, s->folder,
              strerror(err));
    return;
  }
  /* Removing entries while reading the folder is allowed (POSIX leaves
   * open only whether a removed name is still returned, and a companion
   * already gone fails fstatat and is skipped). */
  while ((e = readdir(d)) != NULL) {
    if (stop != NULL && atomic_load(stop))
      break;
    consider(s, e->d_name);
  }
  (void)closedir(d); /* closes s->dfd too */
  s->dfd = -1;
}

uint64_t retention_period(const struct ingest_feed *f, unsigned folder) {
  int done = folder == RETENTION_DONE;
  uint64_t own = done ? f->conf->retain_done_s : f->conf->retain_failed_s;

  if (own != CONFIG_RETAIN_DEFAULT)
    return own;
  if (f->personal) /* the feed's "personal", or its plugin's own say */
    return done ? RETENTION_PERSONAL_DONE_S : RETENTION_PERSONAL_FAILED_S;
  return done ? RETENTION_DONE_S : RETENTION_FAILED_S;
}

void retention_sweep(const struct ingest_feed *f, unsigned which, int64_t now,
                     const atomic_int *stop, struct retention_stats *st) {
  struct sweep s = {.feed = f, .dfd = -1, .now = now, .st = st};

  if (which & RETENTION_DONE) {
    s.folder = "done";
    s.max_age_s = retention_period(f, RETENTION_DONE);
    sweep_folder(&s, f->done, stop);
  }
  if (which & RETENTION_FAILED) {
    s.folder = "failed";
    s.max_age_s = retention_period(f, RETENTION_FAILED);
    sweep_folder(&s, f->failed, stop);
  }
}
