/*
 * verify.c: `dahub verify`, the store and each feed's done/ checked
 * against each other (verify.h).
 *
 * Three questions, in this order, because each later one trusts what the
 * earlier ones checked:
 *   1. Is the store whole? PRAGMA integrity_check, then foreign_key_check.
 *      A damaged store stops here: what it says about files cannot be
 *      trusted. A PostgreSQL store's pages and keys are its server's to
 *      keep (checksums, enforced foreign keys): the check begins at 2.
 *   2. Does every ingest hold the observations it recorded at its commit?
 *   3. Is every file in done/ the one its receipt recorded? Each regular
 *      file is hashed and looked up by its name (fs_move_unique may have
 *      numbered it, "q1 (2).csv" for a second "q1.csv") among the feed's
 *      receipts of stored and duplicate files. Then each such receipt
 *      whose file is not there is judged: retention removes files without
 *      a trace in the store (retention.c only logs it), so a file whose
 *      feed's retain period has run since its receipt is "removed", as
 *      expected; mtime, by which retention ages a file, is set after the
 *      commit, so the receipt is never younger than the age retention
 *      saw. A file still in work/ is being settled. Anything else missing
 *      is a problem.
 *
 * Output names feeds, files and ingest numbers, never a figure or a cell:
 * counts of rows only. File names are quoted as the log quotes them.
 * Runs on the command's thread, with a connection of its own; it reads
 * and writes nothing the daemon uses, so it may run beside it.
 */
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dahub/date.h"
#include "fsutil.h"
#include "log.h"
#include "retention.h"
#include "store.h"
#include "storeconf.h"

#define HASH_CHUNK (64u << 10)
#define MAX_NUMBERED 100 /* "q1 (k).csv" looked for when a file is missing */

/* A receipt of a file that settled in done/. */
struct kept {
  char *name;
  char sha[65];
  time_t at;
  int present;
};

struct verify {
  FILE *out;
  unsigned problems;
  const struct ingest_feed *feed;
  /* the feed's folders: spool_prepare() fills the feed's own only when the
   * daemon starts, and creates them, which a check must not */
  char done[PATH_MAX], work[PATH_MAX];
  struct kept *kept;
  size_t n_kept, cap_kept;
  unsigned matched, removed, settling, ingests;
  int oom;
};

static void problem(struct verify *v, const char *fmt, const char *a,
                    const char *b) {
  v->problems++;
  fputs("problem: ", v->out);
  fprintf(v->out, fmt, a, b);
  fputc('\n', v->out);
}

static void store_problem(void *arg, const char *msg) {
  problem(arg, "store: %s%s", msg, "");
}

static int count_ingest(void *arg, const struct store_ingest_count *c) {
  struct verify *v = arg;
  char q[320], what[400];

  (void)snprintf(what, sizeof what, "ingest %lld (feed %s, file %s)",
                 (long long)c->ingest_id, c->feed,
                 log_quote(q, sizeof q, c->file_name));
  if (!c->committed) {
    problem(v,
            "%s: no SHA-256 recorded, as if its transaction never "
            "ended%s",
            what, "");
  } else if (c->recorded != c->stored) {
    char counts[96];

    (void)snprintf(counts, sizeof counts,
                   "recorded %lld observations, the store holds %lld",
                   (long long)c->recorded, (long long)c->stored);
    problem(v, "%s: %s", what, counts);
  } else {
    v->ingests++;
  }
  return 0;
}

/* The SHA-256 of dir/name, a regular file not followed through a link,
 * as hex. 0, or a negative errno. */
static int hash_file(int dfd, const char *name, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX *sha = EVP_MD_CTX_new();
  char *buf = malloc(HASH_CHUNK);
  int fd = -1, rc = 0;
  ssize_t n;

  if (sha == NULL || buf == NULL ||
      EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
    rc = -ENOMEM;
    goto out;
  }
  if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) <
      0) {
    rc = -errno;
    goto out;
  }
  while ((n = read(fd, buf, HASH_CHUNK)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || EVP_DigestUpdate(sha, buf, (size_t)n) != 1) {
      rc = n < 0 ? -errno : -EIO;
      goto out;
    }
  }
  if (EVP_DigestFinal_ex(sha, md, &len) != 1 || len != 32) {
    rc = -EIO;
    goto out;
  }
  for (unsigned i = 0; i < len; i++)
    (void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
  if (fd >= 0)
    (void)close(fd);
  free(buf);
  EVP_MD_CTX_free(sha);
  return rc;
}

/* When the store kept a file, "2024-07-12T09:30:00Z", as seconds; 0 when
 * it does not read, which keeps the file out of the age check. */
static time_t kept_at(const char *s) {
  int64_t t;

  if (s == NULL || dahub_date_parse_time(s, &t) != 0)
    return 0;
  return (time_t)t;
}

static int add_kept(void *arg, const char *name, const char *sha,
                    const char *at) {
  struct verify *v = arg;

  if (v->n_kept == v->cap_kept) {
    size_t cap = v->cap_kept ? 2 * v->cap_kept : 64;
    struct kept *k = realloc(v->kept, cap * sizeof *k);

    if (k == NULL)
      return -ENOMEM;
    v->kept = k;
    v->cap_kept = cap;
  }
  if ((v->kept[v->n_kept].name = strdup(name ? name : "")) == NULL)
    return -ENOMEM;
  (void)snprintf(v->kept[v->n_kept].sha, 65, "%s", sha ? sha : "");
  v->kept[v->n_kept].at = kept_at(at);
  v->kept[v->n_kept].present = 0;
  v->n_kept++;
  return 0;
}

static void clear_kept(struct verify *v) {
  for (size_t i = 0; i < v->n_kept; i++)
    free(v->kept[i].name);
  v->n_kept = 0;
}

/* name without the " (k)" fs_move_unique adds before the extension, into
 * base; 0 when name has none. */
static int unnumbered(const char *name, char *base, size_t n) {
  const char *dot = strrchr(name, '.'), *end, *open;
  size_t stem;

  if (dot == NULL || dot == name)
    dot = name + strlen(name);
  end = dot;
  if (end - name < 4 || end[-1] != ')')
    return 0;
  for (open = end - 2; open > name && *open >= '0' && *open <= '9'; open--)
    ;
  if (open == end - 2 || *open != '(' || open == name || open[-1] != ' ')
    return 0;
  stem = (size_t)(open - 1 - name);
  if (stem + strlen(dot) >= n)
    return 0;
  memcpy(base, name, stem);
  memcpy(base + stem, dot, strlen(dot) + 1);
  return 1;
}

static int is_companion(const char *name) {
  static const char *const sfx[] = {".error.json", ".error.txt",
                                    ".duplicate.json", ".warnings.json"};
  size_t len = strlen(name);

  for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++)
    if (len > strlen(sfx[i]) &&
        strcmp(name + len - strlen(sfx[i]), sfx[i]) == 0)
      return 1;
  return 0;
}

/* One regular file of done/ against the receipts. */
static void check_file(struct verify *v, int dfd, const char *name) {
  char sha[65], base[NAME_MAX + 1], q[320];
  int numbered = unnumbered(name, base, sizeof base), rc;
  int named = 0, matched = 0, known = 0;

  if ((rc = hash_file(dfd, name, sha)) != 0) {
    if (rc != -ENOENT) /* ENOENT: retention took it meanwhile */
      problem(v, "feed %s: done/%s: cannot be read", v->feed->conf->name,
              log_quote(q, sizeof q, name));
    return;
  }
  for (size_t i = 0; i < v->n_kept; i++) {
    struct kept *k = &v->kept[i];
    int same_name =
        strcmp(k->name, name) == 0 || (numbered && strcmp(k->name, base) == 0);
    int same_sha = strcmp(k->sha, sha) == 0;

    named |= same_name;
    matched |= same_name && same_sha;
    known |= same_sha;
    if (same_sha)
      k->present = 1;
  }
  if (matched || (!named && known)) {
    v->matched++; /* as recorded (under another name when renamed) */
  } else if (named) {
    problem(v,
            "feed %s: done/%s: its SHA-256 is not the one recorded when it "
            "was stored: the file was altered",
            v->feed->conf->name, log_quote(q, sizeof q, name));
  } else if (!is_companion(name)) {
    problem(v, "feed %s: done/%s: no receipt in the store records this file",
            v->feed->conf->name, log_quote(q, sizeof q, name));
  }
}

/* A receipt's file not seen in done/: arrived since the folder was read,
 * under its name or a numbered one? */
static int arrived_since(struct verify *v, int dfd, const struct kept *k) {
  char cand[NAME_MAX + 1], sha[65];
  const char *dot = strrchr(k->name, '.');

  for (int i = 1; i <= MAX_NUMBERED; i++) {
    int w = i == 1 ? snprintf(cand, sizeof cand, "%s", k->name)
            : dot == NULL || dot == k->name
                ? snprintf(cand, sizeof cand, "%s (%d)", k->name, i)
                : snprintf(cand, sizeof cand, "%.*s (%d)%s",
                           (int)(dot - k->name), k->name, i, dot);

    if (w < 0 || (size_t)w >= sizeof cand)
      return 0;
    if (hash_file(dfd, cand, sha) == 0 && strcmp(sha, k->sha) == 0)
      return 1;
  }
  (void)v;
  return 0;
}

static void check_missing(struct verify *v, int dfd, time_t now) {
  uint64_t period = retention_period(v->feed, RETENTION_DONE);
  char path[PATH_MAX], q[320], when[96];
  struct stat st;

  for (size_t i = 0; i < v->n_kept; i++) {
    const struct kept *k = &v->kept[i];

    if (k->present)
      continue;
    if (period == 0 ||
        (k->at > 0 && now >= k->at && (uint64_t)(now - k->at) >= period)) {
      v->removed++;
      continue;
    }
    if (fs_join(path, sizeof path, v->work, k->name) == 0 &&
        lstat(path, &st) == 0) {
      v->settling++;
      continue;
    }
    if (arrived_since(v, dfd, k)) {
      v->matched++;
      continue;
    }
    (void)snprintf(when, sizeof when,
                   "received %lld s ago, kept %llu s by its feed",
                   (long long)(now - k->at), (unsigned long long)period);
    problem(v, "feed %s: done/%s: missing before its retention period ended",
            v->feed->conf->name, log_quote(q, sizeof q, k->name));
    fprintf(v->out, "  (%s)\n", when);
  }
}

static void check_done(struct verify *v, struct store *st) {
  const char *feed = v->feed->conf->name;
  struct dahub_error e = {0};
  struct dirent *d;
  DIR *dir = NULL;
  int dfd, rc;

  v->matched = v->removed = v->settling = 0;
  clear_kept(v);
  if ((rc = store_each_kept_file(st, feed, add_kept, v, &e)) != 0) {
    problem(v, "feed %s: receipts: %s", feed,
            rc == -ENOMEM ? "out of memory" : e.msg);
    return;
  }
  dfd = open(v->done, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
    int why = errno;

    if (dfd >= 0)
      (void)close(dfd);
    if (v->n_kept > 0 || why != ENOENT) /* never made: nothing stored yet */
      problem(v, "feed %s: done/: %s", feed, strerror(why));
    return;
  }
  while ((d = readdir(dir)) != NULL) {
    struct stat sb;

    if (d->d_name[0] == '.') /* the hub's half-written notes */
      continue;
    if (fstatat(dfd, d->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
      continue; /* gone since the folder was read: retention's doing */
    if (S_ISREG(sb.st_mode))
      check_file(v, dfd, d->d_name);
    else
      problem(v, "feed %s: done/%s: not a regular file", feed,
              log_quote((char[320]){0}, 320, d->d_name));
  }
  check_missing(v, dfd, time(NULL));
  (void)closedir(dir);
  fprintf(v->out,
          "feed %s: done/: %u files as recorded, %u removed by retention "
          "(expected), %u being settled\n",
          feed, v->matched, v->removed, v->settling);
}

/* SQLite's file opened as it is, and whole: 0 with *st, or a code with
 * err; a damaged file is a problem and *st stays NULL. */
static int open_sqlite(struct verify *v, const struct config *c,
                       struct store **st, struct dahub_error *err) {
  char path[PATH_MAX];
  unsigned n = 0;
  int rc;

  if ((rc = storeconf_sqlite_path(c, path, sizeof path, err)) != 0 ||
      (rc = store_open_existing(path, st, err)) != 0)
    return rc;
  store_integrity(*st, store_problem, v, &n);
  if (n > 0) {
    fprintf(v->out, "store: damaged; ingests and files not checked\n");
    goto fail;
  }
  if ((rc = store_foreign_keys(*st, store_problem, v, &n, err)) != 0)
    goto fail;
  fprintf(v->out, "store: %s: integrity_check ok, %s\n", path,
          n == 0 ? "foreign_key_check ok" : "rows pointing at nothing");
  return 0;
fail:
  store_close(*st);
  *st = NULL;
  return rc;
}

int verify_run(const struct runtime *rt, FILE *out, unsigned *problems,
               struct dahub_error *err) {
  struct verify v = {.out = out};
  struct store *st = NULL;
  char name[PATH_MAX];
  int rc;

  *problems = 0;
  if (!storeconf_is_postgresql(rt->conf))
    rc = open_sqlite(&v, rt->conf, &st, err);
  else if ((rc = storeconf_open(rt->conf, &st, err)) == 0)
    fprintf(out, "store: %s: pages and keys are the server's to check\n",
            storeconf_name(rt->conf, name, sizeof name));
  if (rc != 0 || st == NULL)
    goto out;
  if ((rc = store_each_ingest_count(st, count_ingest, &v, err)) != 0)
    goto out;
  fprintf(out, "ingests: %u hold the observations they recorded\n", v.ingests);
  for (size_t i = 0; i < rt->n_feeds; i++) {
    char base[PATH_MAX];

    v.feed = &rt->feeds[i];
    if (fs_join(base, sizeof base, rt->conf->spool_dir, v.feed->conf->name) !=
            0 ||
        fs_join(v.done, sizeof v.done, base, "done") != 0 ||
        fs_join(v.work, sizeof v.work, base, "work") != 0) {
      problem(&v, "feed %s: spool path too long%s", v.feed->conf->name, "");
      continue;
    }
    check_done(&v, st);
  }
out:
  clear_kept(&v);
  free(v.kept);
  store_close(st);
  *problems = v.problems;
  return rc;
}
