/*
 * report.c: summary -> sinks -> outbox (see report.h).
 *
 * Whether a summary is new is decided by the SHA-256 of its content (the
 * document before the version number and the time are stamped on it), so a
 * restart, or a second `dahub report`, never writes the same figures twice.
 * Files are written before the version is recorded: a crash in between
 * rewrites the same version number on the next attempt, atomically, which
 * leaves one complete folder rather than a half one.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common.h"
#include "dahub/date.h"
#include "fsutil.h"
#include "log.h"
#include "policy.h"
#include "summary.h"

#define OUTPUT_MAX (256u << 20) /* a sink's payload, at most */

struct buffer {
  struct dahub_output out;
  char *data;
  size_t len, cap;
};

static int buffer_write(struct dahub_output *out, const void *p, size_t n) {
  struct buffer *b = container_of(out, struct buffer, out);

  if (n > OUTPUT_MAX - b->len)
    return -EFBIG;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *d;

    while (cap < b->len + n)
      cap *= 2;
    if ((d = realloc(b->data, cap)) == NULL)
      return -ENOMEM;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

static int content_sha(const json_t *doc, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  int ok;

  if (text == NULL)
    return -ENOMEM;
  ok = EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) == 1;
  free(text);
  if (!ok || len != 32)
    return -EIO;
  for (unsigned i = 0; i < len; i++)
    (void)snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

int report_sink_file(const struct dahub_plugin *d, char *buf, size_t n) {
  int w = d->file_name != NULL ? snprintf(buf, n, "%s", d->file_name)
                               : snprintf(buf, n, "summary.%s", d->extension);

  return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

static int write_sinks(const struct runtime *rt, const json_t *doc,
                       const char *folder, struct dahub_error *err) {
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < rt->n_sinks; i++) {
    const struct runtime_sink *k = &rt->sinks[i];
    struct buffer b = {.out = {.write = buffer_write}};
    char name[64];

    if (k->plugin->desc.render(k->state, doc, &b.out, err) != DAHUB_OK) {
      rc = err->msg[0] ? -EINVAL : -EIO;
      if (!err->msg[0])
        (void)dahub_error_set(err, rc, 0, 0, "sink %s failed",
                              k->plugin->desc.name);
    } else if ((rc = report_sink_file(&k->plugin->desc, name, sizeof name)) !=
               0) {
      (void)dahub_error_set(err, rc, 0, 0, "sink %s: file name too long",
                            k->plugin->desc.name);
    } else {
      rc = fs_write_atomic(folder, name, b.data ? b.data : "", b.len);
      if (rc != 0)
        (void)dahub_error_set(err, rc, 0, 0, "cannot write %s/%s: %s", folder,
                              name, strerror(-rc));
    }
    free(b.data);
  }
  return rc;
}

/* The deliveries a new version owes: one e-mail per smtp destination with
 * all its payloads attached; one request per payload of an https one, each
 * with a key of its own (a receiver must not take the CSV for a resend of
 * the JSON). */
struct plan {
  struct store_outbox_new rows[DEST_MAX * DEST_MAX_PAYLOADS];
  char keys[DEST_MAX * DEST_MAX_PAYLOADS][33];
  char files[DEST_MAX * DEST_MAX_PAYLOADS][512];
  size_t n;
};

static const struct dahub_plugin *sink_desc(const struct runtime *rt,
                                            const char *name) {
  for (size_t i = 0; i < rt->n_sinks; i++)
    if (strcmp(rt->sinks[i].plugin->desc.name, name) == 0)
      return &rt->sinks[i].plugin->desc;
  return NULL;
}

static int plan_row(struct plan *p, const char *period, int version,
                    const struct destination *d, const char *part) {
  char id[160];
  size_t k = p->n;

  (void)snprintf(id, sizeof id, "%s%s%s", d->name, part ? "/" : "",
                 part ? part : "");
  if (policy_key(period, version, id, p->keys[k]) != 0)
    return -EIO;
  p->rows[k] = (struct store_outbox_new){
      .destination = d->name, .key = p->keys[k], .files = p->files[k]};
  p->n++;
  return 0;
}

static int plan_deliveries(const struct runtime *rt, const char *period,
                           int version, struct plan *p,
                           struct dahub_error *err) {
  p->n = 0;
  for (size_t i = 0; i < rt->conf->n_deliveries; i++) {
    const struct destination *d = &rt->conf->deliveries[i];
    size_t used = 0;
    int n;

    for (size_t k = 0; k < d->n_payloads; k++) {
      const struct dahub_plugin *sink = sink_desc(rt, d->payloads[k]);
      char file[64];
      int rc;

      if (sink == NULL || report_sink_file(sink, file, sizeof file) != 0)
        return dahub_error_set(err, -EINVAL, 0, 0,
                               "delivery %s: sink %s is not loaded", d->name,
                               d->payloads[k]);
      if (d->kind == DEST_HTTPS || k == 0) {
        if ((rc = plan_row(p, period, version, d,
                           d->kind == DEST_HTTPS ? d->payloads[k] : NULL)) != 0)
          return dahub_error_set(err, rc, 0, 0, "cannot make a delivery key");
        used = 0;
      }
      n = snprintf(p->files[p->n - 1] + used, sizeof p->files[0] - used, "%s%s",
                   used ? "\n" : "", file);
      if (n < 0 || (size_t)n >= sizeof p->files[0] - used)
        return dahub_error_set(err, -ENAMETOOLONG, 0, 0,
                               "delivery %s: too many payloads to list",
                               d->name);
      used += (size_t)n;
    }
  }
  return 0;
}

/* Takes the report lock in the state folder, beside the store (flock:
 * released if the process dies; the outbox holds only what the board
 * reads). */
static int report_lock(const char *dir, int *fd, struct dahub_error *err) {
  char path[PATH_MAX];
  int rc;

  if ((rc = fs_mkdirs(dir, 0750)) != 0 ||
      (rc = fs_join(path, sizeof path, dir, "report.lock")) != 0)
    return dahub_error_set(err, rc, 0, 0, "cannot use %s: %s", dir,
                           strerror(-rc));
  if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
    return dahub_error_set(err, -errno, 0, 0, "cannot open %s: %s", path,
                           strerror(errno));
  while (flock(*fd, LOCK_EX) != 0)
    if (errno != EINTR)
      return dahub_error_set(err, -errno, 0, 0, "cannot lock %s: %s", path,
                             strerror(errno));
  return 0;
}

/* What is said of the document as it is written: when, for which
 * meeting, and the day its contracts are judged on. */
static void stamp(json_t *doc, const char *meeting, int64_t now) {
  char at[32], today[DAHUB_DATE_ISO_MAX];
  int y, m, d;

  store_now(at);
  (void)json_object_set_new(doc, "generated_at", json_string(at));
  (void)json_object_set_new(doc, "meeting",
                            meeting ? json_string(meeting) : json_null());
  dahub_date_of_time(now, &y, &m, &d);
  dahub_date_format(y, m, d, today);
  (void)json_object_set_new(json_object_get(doc, "contracts"), "as_of",
                            json_string(today));
}

int report_publish(const struct runtime *rt, struct store *st,
                   const char *period, const char *meeting, int64_t now,
                   struct report_result *res, struct dahub_error *err) {
  struct summary_env env = {
      .conf = rt->conf, .vocab = rt->vocab, .store = st, .now = now};
  struct summary_log log = {0};
  char sha[65], old_sha[65] = "", sub[64];
  int latest = 0, for_meeting = 0, rc;
  json_t *doc = NULL;
  struct plan *plan = NULL;
  int lock = -1;

  memset(res, 0, sizeof *res);
  if ((rc = summary_build(&env, period, &doc, &log, err)) != 0)
    return rc;
  res->stats = log.stats;
  res->control_ms = log.control_ms;
  if ((rc = content_sha(doc, sha)) != 0) {
    (void)dahub_error_set(err, rc, 0, 0, "cannot hash the summary");
    goto out;
  }
  /* From reading the latest version to recording the next, one report at
   * a time: the daemon's and a `dahub report` would otherwise both take
   * version N + 1 and write each other's files into its folder. */
  if ((rc = report_lock(rt->conf->state_dir, &lock, err)) != 0)
    goto out;
  rc = store_summary_latest(st, period, NULL, &latest, old_sha, err);
  if (rc < 0)
    goto out;
  if (meeting != NULL) {
    char msha[65];
    int v;

    rc = store_summary_latest(st, period, meeting, &v, msha, err);
    if (rc < 0)
      goto out;
    for_meeting = rc == 1;
  }
  if (rc >= 0 && strcmp(old_sha, sha) == 0 &&
      (meeting == NULL || for_meeting)) {
    res->version = latest; /* nothing new to say */
    (void)snprintf(res->folder, sizeof res->folder, "%s/%s/v%d",
                   rt->conf->summary.outbox_dir, period, latest);
    rc = 0;
    goto out;
  }
  res->version = latest + 1;
  res->fresh = 1;
  (void)json_object_set_new(doc, "version", json_integer(res->version));
  stamp(doc, meeting, now);
  (void)snprintf(sub, sizeof sub, "%s/v%d", period, res->version);
  if ((rc = fs_join(res->folder, sizeof res->folder,
                    rt->conf->summary.outbox_dir, sub)) != 0 ||
      (rc = fs_mkdirs(res->folder, 0750)) != 0) {
    (void)dahub_error_set(err, rc, 0, 0, "cannot create %s: %s", res->folder,
                          strerror(-rc));
    goto out;
  }
  if ((rc = write_sinks(rt, doc, res->folder, err)) != 0)
    goto out;
  if ((plan = malloc(sizeof *plan)) == NULL) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  if ((rc = plan_deliveries(rt, period, res->version, plan, err)) != 0)
    goto out;
  rc = store_summary_add(st, period, res->version, meeting, sha, res->folder,
                         log.cells, log.n, plan->rows, plan->n, err);
  res->deliveries = plan->n;
out:
  if (lock >= 0)
    (void)close(lock); /* releases the lock */
  free(plan);
  summary_log_free(&log);
  json_decref(doc);
  return rc;
}

int report_region(const struct runtime *rt, struct store *st,
                  const char *const *boards, size_t n, const char *period,
                  const char *out_dir, int64_t now, struct report_result *res,
                  struct dahub_error *err) {
  struct summary_env env = {.conf = rt->conf,
                            .vocab = rt->vocab,
                            .store = st,
                            .now = now,
                            .region = 1};
  struct summary_log log = {0};
  json_t *doc = NULL, *list = json_array();
  int rc;

  memset(res, 0, sizeof *res);
  for (size_t i = 0; list != NULL && i < n; i++)
    if (json_array_append_new(list, json_string(boards[i])) != 0) {
      json_decref(list);
      list = NULL;
    }
  if (list == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  if ((rc = summary_build(&env, period, &doc, &log, err)) != 0)
    goto out;
  res->stats = log.stats;
  res->control_ms = log.control_ms;
  stamp(doc, NULL, now);
  if (json_object_set_new(doc, "region", json_pack("{s:O}", "boards", list)) !=
      0) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  if (strlen(out_dir) >= sizeof res->folder)
    rc = -ENAMETOOLONG;
  else
    rc = fs_mkdirs(out_dir, 0750);
  if (rc != 0) {
    (void)dahub_error_set(err, rc, 0, 0, "cannot create %s: %s", out_dir,
                          strerror(-rc));
    goto out;
  }
  (void)snprintf(res->folder, sizeof res->folder, "%s", out_dir);
  res->fresh = 1;
  rc = write_sinks(rt, doc, out_dir, err);
out:
  summary_log_free(&log);
  json_decref(list);
  json_decref(doc);
  return rc;
}
