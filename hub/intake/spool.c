/*
 * spool.c: claim partner files from spool/<feed>/incoming (see spool.h).
 *
 * A file is ours once rename() moves it into work/; rename() is atomic, so
 * after a crash the file is whole in exactly one place, and the daemon's
 * recovery settles work/ before READY=1. SFTP writes in place, so we claim
 * only files whose size, mtime and ctime have not changed for settle_ms of
 * our own watching (an mtime alone can be set into the past by a client).
 *
 * fs events tell us early that something changed; they can be missed (a
 * full inotify queue, a network file system), so a timer rescans anyway.
 * An event only brings the next scan forward. A scan is a readdir and an
 * lstat per entry of one small folder, cheap enough for the loop thread.
 *
 * A symlink, FIFO, device or socket is never claimed: it is renamed into
 * failed/ with a report (set_aside()), never followed or opened. A folder
 * is left where it is, logged once.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "fsutil.h"
#include "log.h"

#define MAX_CANDIDATES 1024
#define EVENT_DELAY_MS 5 /* lets a burst of events make one scan */

struct candidate {
  char name[NAME_MAX + 1];
  struct stat st;     /* as last seen */
  uint64_t stable_ms; /* loop time since when st has not changed */
  int seen;           /* present in the latest scan */
  int refused;        /* a folder, or a special file that could not be
                       * moved: logged once, left alone */
};

struct spool {
  uv_fs_event_t watch;
  uv_timer_t timer;
  int open_handles;
  int watching; /* the fs event handle was started */
  struct ingest_feed *feed;
  uint64_t settle_ms, rescan_ms;
  spool_claim_fn fn;
  spool_refused_fn refused; /* may be NULL */
  void *arg;
  struct candidate *cands;
  size_t n_cands;
};

int spool_ignored_name(const char *name) {
  size_t len = strlen(name);

  if (name[0] == '.' || len == 0)
    return 1;
  return (len >= 5 && strcmp(name + len - 5, ".part") == 0) ||
         (len >= 4 && strcmp(name + len - 4, ".tmp") == 0);
}

int spool_prepare(struct ingest_feed *f, const char *spool_dir,
                  struct dahub_error *err) {
  char base[PATH_MAX];
  struct {
    char *path;
    const char *name;
  } dirs[] = {{f->incoming, "incoming"},
              {f->work, "work"},
              {f->done, "done"},
              {f->failed, "failed"}};
  int rc;

  if (fs_join(base, sizeof base, spool_dir, f->conf->name) != 0)
    return dahub_error_set(err, -ENAMETOOLONG, 0, 0, "spool path too long");
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    if (fs_join(dirs[i].path, PATH_MAX, base, dirs[i].name) != 0)
      return dahub_error_set(err, -ENAMETOOLONG, 0, 0, "spool path too long");
    if ((rc = fs_mkdirs(dirs[i].path, 0750)) != 0)
      return dahub_error_set(err, rc, 0, 0, "cannot create %s: %s",
                             dirs[i].path, strerror(-rc));
  }
  return 0;
}

int spool_each_work(const struct ingest_feed *f,
                    void (*fn)(void *arg, struct ingest_feed *f,
                               const char *name),
                    void *arg) {
  struct dirent **list = NULL;
  int n = scandir(f->work, &list, NULL, alphasort);

  if (n < 0)
    return -errno;
  for (int i = 0; i < n; i++) {
    if (list[i]->d_name[0] != '.')
      fn(arg, (struct ingest_feed *)f, list[i]->d_name);
    free(list[i]);
  }
  free(list);
  return 0;
}

static struct candidate *find_candidate(struct spool *s, const char *name) {
  for (size_t i = 0; i < s->n_cands; i++)
    if (strcmp(s->cands[i].name, name) == 0)
      return &s->cands[i];
  return NULL;
}

static int same_stat(const struct stat *a, const struct stat *b) {
  return a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void claim(struct spool *s, struct candidate *c) {
  char work_name[NAME_MAX + 1], q[320];
  int rc;

  rc = fs_move_unique(s->feed->incoming, c->name, s->feed->work, work_name,
                      sizeof work_name);
  if (rc != 0) {
    log_event(LOG_ERR, "claim_failed", "feed=%s file=%s error=%s",
              s->feed->conf->name, log_quote(q, sizeof q, c->name),
              strerror(-rc));
    return;
  }
  c->seen = 0; /* gone from incoming */
  log_event(LOG_DEBUG, "file_claimed", "feed=%s file=%s", s->feed->conf->name,
            log_quote(q, sizeof q, work_name));
  s->fn(s->arg, s->feed, work_name);
}

/* What an entry that is neither a file nor a folder is, in the words of
 * its report; NULL for a regular file or a folder. */
static const char *special_kind(mode_t m) {
  if (S_ISLNK(m))
    return "a symbolic link";
  if (S_ISFIFO(m))
    return "a named pipe (FIFO)";
  if (S_ISCHR(m) || S_ISBLK(m))
    return "a device";
  if (S_ISSOCK(m))
    return "a socket";
  return NULL;
}

/* Moves a link, pipe or device from incoming/ into failed/ with a report
 * beside it, so the data lead who dropped it sees why it was not taken and
 * incoming/ holds only what may still be claimed. rename() moves the entry
 * itself: a link is not followed, a pipe or device is never opened. On the
 * loop, as claim()'s rename is: such entries are rare, and the report is a
 * few hundred bytes. 0 when the entry has left incoming/, or negative. */
static int set_aside(struct spool *s, const char *name, const char *kind) {
  const struct ingest_feed *f = s->feed;
  char final[NAME_MAX + 1], back[NAME_MAX + 1], path[PATH_MAX], q[320];
  struct stat st;
  int rc;

  rc = fs_move_unique(f->incoming, name, f->failed, final, sizeof final);
  if (rc == -ENOENT)
    return 0; /* taken away meanwhile */
  if (rc != 0) {
    log_event(LOG_ERR, "file_refused_move_failed", "feed=%s file=%s error=%s",
              f->conf->name, log_quote(q, sizeof q, name), strerror(-rc));
    return rc;
  }
  /* A finished upload may have replaced the entry between lstat() and
   * rename(): what was moved is judged again, and a regular file goes back
   * to be claimed as any other. */
  if ((rc = fs_join(path, sizeof path, f->failed, final)) != 0)
    return rc;
  if (lstat(path, &st) != 0)
    st.st_mode = 0; /* taken out of failed/ already: report what we moved */
  if (S_ISREG(st.st_mode))
    return fs_move_unique(f->failed, final, f->incoming, back, sizeof back);
  if (special_kind(st.st_mode) != NULL) /* what is there now, if it changed */
    kind = special_kind(st.st_mode);
  /* Not touched, unlike a settled file: retention removes only regular
   * files, so the entry stays until an officer removes it, and its report
   * ages on its own (see retention.c). */
  if (ingest_write_refusal(f, final, kind) != 0)
    log_event(LOG_ERR, "report_write_failed", "feed=%s", f->conf->name);
  log_event(LOG_WARNING, "file_refused",
            "feed=%s file=%s moved_to=failed reason=\"%s, not a regular "
            "file; moved to failed/ unread, never followed or opened\"",
            f->conf->name, log_quote(q, sizeof q, final), kind);
  if (s->refused != NULL)
    s->refused(s->arg, s->feed);
  return 0;
}

/* Looks at one entry; returns ms until it may be claimed, or UINT64_MAX. */
static uint64_t look(struct spool *s, const char *name, uint64_t now) {
  char path[PATH_MAX], q[320];
  struct candidate *c;
  const char *kind;
  struct stat st;

  if (spool_ignored_name(name) ||
      fs_join(path, sizeof path, s->feed->incoming, name) != 0)
    return UINT64_MAX;
  if (lstat(path, &st) != 0)
    return UINT64_MAX; /* gone already */
  c = find_candidate(s, name);
  if (c != NULL && c->refused) {
    c->seen = 1; /* a folder, or a link that could not be moved: logged */
    return UINT64_MAX;
  }
  if ((kind = special_kind(st.st_mode)) != NULL &&
      set_aside(s, name, kind) == 0) {
    if (c != NULL)
      c->seen = 0;
    return UINT64_MAX;
  }
  if (c == NULL) {
    if (s->n_cands == MAX_CANDIDATES)
      return UINT64_MAX; /* next scan, once some are claimed */
    c = &s->cands[s->n_cands++];
    memset(c, 0, sizeof *c);
    memcpy(c->name, name, strlen(name) + 1);
    c->st = st;
    c->stable_ms = now;
    c->refused = !S_ISREG(st.st_mode);
    /* A folder may be an upload client's own; it is left alone. */
    if (c->refused)
      log_event(LOG_WARNING, "file_refused",
                "feed=%s file=%s reason=\"%s; left in incoming, never "
                "opened\"",
                s->feed->conf->name, log_quote(q, sizeof q, name),
                kind != NULL ? "not a regular file and cannot be moved"
                             : "a folder, not a file");
  }
  c->seen = 1;
  if (c->refused)
    return UINT64_MAX;
  if (!same_stat(&c->st, &st)) {
    c->st = st;
    c->stable_ms = now;
    c->refused = !S_ISREG(st.st_mode);
    return c->refused ? UINT64_MAX : s->settle_ms;
  }
  if (now - c->stable_ms >= s->settle_ms) {
    claim(s, c);
    return UINT64_MAX;
  }
  return s->settle_ms - (now - c->stable_ms);
}

static void schedule(struct spool *s, uint64_t ms);

static void scan(struct spool *s) {
  uint64_t now = uv_now(s->watch.loop), next = s->rescan_ms;
  DIR *d = opendir(s->feed->incoming);
  struct dirent *e;
  size_t o = 0;

  if (d == NULL) {
    log_event(LOG_ERR, "scan_failed", "feed=%s error=%s", s->feed->conf->name,
              strerror(errno));
    schedule(s, s->rescan_ms);
    return;
  }
  for (size_t i = 0; i < s->n_cands; i++)
    s->cands[i].seen = 0;
  while ((e = readdir(d)) != NULL) {
    uint64_t wait = look(s, e->d_name, now);

    if (wait < next)
      next = wait;
  }
  (void)closedir(d);
  /* Forget files that left (claimed, or taken away by their owner). */
  for (size_t i = 0; i < s->n_cands; i++)
    if (s->cands[i].seen)
      s->cands[o++] = s->cands[i];
  s->n_cands = o;
  schedule(s, next);
}

static void on_timer(uv_timer_t *t) {
  scan(container_of(t, struct spool, timer));
}

static void schedule(struct spool *s, uint64_t ms) {
  int rc = uv_timer_start(&s->timer, on_timer, ms, 0);

  if (rc != 0)
    log_event(LOG_ERR, "timer_failed", "feed=%s error=%s", s->feed->conf->name,
              uv_err_name(rc));
}

static void on_event(uv_fs_event_t *h, const char *name, int events,
                     int status) {
  struct spool *s = container_of(h, struct spool, watch);

  (void)name;
  (void)events;
  if (status != 0)
    log_event(LOG_WARNING, "watch_error", "feed=%s error=%s",
              s->feed->conf->name, uv_err_name(status));
  /* Bring the next scan forward, never push it back. */
  if (uv_timer_get_due_in(&s->timer) > EVENT_DELAY_MS)
    schedule(s, EVENT_DELAY_MS);
}

static void on_close(uv_handle_t *h) {
  struct spool *s = h->data;

  if (--s->open_handles == 0) {
    free(s->cands);
    free(s);
  }
}

int spool_start(uv_loop_t *loop, struct ingest_feed *f, uint64_t settle_ms,
                uint64_t rescan_ms, spool_claim_fn fn, spool_refused_fn refused,
                void *arg, struct spool **out) {
  struct spool *s = calloc(1, sizeof *s);
  int rc;

  *out = NULL;
  if (s == NULL ||
      (s->cands = calloc(MAX_CANDIDATES, sizeof *s->cands)) == NULL) {
    free(s);
    return -ENOMEM;
  }
  s->feed = f;
  s->settle_ms = settle_ms;
  s->rescan_ms = rescan_ms;
  s->fn = fn;
  s->refused = refused;
  s->arg = arg;
  s->watch.data = s->timer.data = s;
  if ((rc = uv_timer_init(loop, &s->timer)) != 0) {
    free(s->cands);
    free(s);
    return rc;
  }
  s->open_handles = 1;
  if ((rc = uv_fs_event_init(loop, &s->watch)) == 0) {
    s->open_handles++;
    rc = uv_fs_event_start(&s->watch, on_event, f->incoming, 0);
    s->watching = rc == 0;
  }
  if (rc != 0) /* the rescan timer still finds every file */
    log_event(LOG_WARNING, "watch_unavailable", "feed=%s error=%s",
              f->conf->name, uv_err_name(rc));
  schedule(s, 0);
  *out = s;
  return 0;
}

void spool_stop(struct spool *s) {
  if (s == NULL)
    return;
  (void)uv_timer_stop(&s->timer);
  uv_close((uv_handle_t *)&s->timer, on_close);
  if (s->open_handles == 2) {
    if (s->watching)
      (void)uv_fs_event_stop(&s->watch);
    uv_close((uv_handle_t *)&s->watch, on_close);
  }
}
