/*
 * ingest.c: one partner file, from work/ to done/ or failed/ (ingest.h).
 *
 * The order is what keeps the promise "nothing lost, nothing counted twice":
 *   1. the file is read once, through the plugin; every byte also feeds the
 *      SHA-256, and every observation is validated and inserted inside one
 *      open transaction;
 *   2. the hash is checked and recorded in that same transaction, with
 *      the file's warnings, which commits (or rolls back for a duplicate
 *      or any error);
 *   3. only then does the file move to done/ or failed/, with its notes:
 *      a stored file's warnings beside it as <name>.warnings.json.
 * A crash before 3 leaves the file in work/; at start the spool hands it
 * back with `recovered` set, and a hash already stored then means step 2
 * happened, so the file just moves on. Errors are collected (up to the
 * configured number) so the data lead sees every bad cell in one report.
 *
 * Every error that may carry text from the file (the plugin's, and the
 * vocabulary's judgement of an observation or record) is cut, or described
 * for a feed of personal data (redact.h), before it is kept, shown by
 * `dahub try` or logged. Such a feed's observations are stored without
 * their raw text, and it may not hand over records, which are texts. The
 * host the plugin calls is ingest_host.c; the notes beside a settled file
 * are ingest_report.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "ingest_int.h"
#include "log.h"
#include "policy.h"
#include "redact.h"

const char *ingest_outcome_name(enum ingest_outcome o) {
  static const char *const names[] = {"stored", "duplicate", "failed", "retry"};
  return names[o];
}

static double now_ms(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Opens a file that must be a regular file within the size limit; a link,
 * FIFO or device is refused without being read. */
static int open_input(struct dahub_ctx *ctx, const char *path, const char *name,
                      struct dahub_error *err) {
  struct stat st;

  ctx->in.name = name; /* before any check: the report names the file */
  ctx->fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (ctx->fd < 0)
    return dahub_error_set(err, errno == ELOOP ? -ELOOP : -errno, 0, 0,
                           "cannot open the file: %s", strerror(errno));
  if (fstat(ctx->fd, &st) != 0)
    return dahub_error_set(err, -errno, 0, 0, "cannot stat the file: %s",
                           strerror(errno));
  if (!S_ISREG(st.st_mode))
    return dahub_error_set(err, -EINVAL, 0, 0, "not a regular file");
  if ((uint64_t)st.st_size > ctx->env->max_file_bytes) {
    char found[64];

    (void)snprintf(found, sizeof found, "%llu bytes",
                   (unsigned long long)st.st_size);
    (void)dahub_error_set(err, -EFBIG, 0, 0,
                          "the file is larger than the limit of %llu bytes",
                          (unsigned long long)ctx->env->max_file_bytes);
    dahub_error_detail(err, "file", "a smaller file", found);
    dahub_error_code(err, DAHUB_CODE_TOO_LARGE);
    return -EFBIG;
  }
  ctx->in.size = (uint64_t)st.st_size;
  return 0;
}

static void hex_digest(struct dahub_ctx *ctx, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  out[0] = '\0';
  if (EVP_DigestFinal_ex(ctx->sha, md, &len) != 1 || len != 32)
    return;
  for (unsigned i = 0; i < len; i++)
    (void)snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Runs the plugin over the open input; the store transaction, when there is
 * a store, is open around it. */
static enum dahub_outcome run_parse(struct dahub_ctx *ctx,
                                    struct dahub_error *perr) {
  const struct plugin *p = ctx->feed->plugin;
  enum dahub_outcome out;

  if (ctx->in.size == 0) {
    /* nothing for any plugin to read: said as it is, not as a missing
     * header (a file saved before anything was put in it, a failed
     * upload) */
    (void)dahub_error_set(perr, -ENODATA, 0, 0, "the file is empty (0 bytes)");
    dahub_error_detail(perr, "file", "the return's rows", "nothing");
    dahub_error_code(perr, DAHUB_CODE_EMPTY_FILE);
    ingest_record_error(ctx, perr);
    return DAHUB_FAIL;
  }
  out = p->desc.parse(ctx->feed->state, &ctx->in, &ingest_host, ctx, perr);
  /* whatever the outcome: a RETRY's reason is logged */
  redact_error(perr, ctx->feed->personal);
  if (out == DAHUB_FAIL && ctx->stop == 0 && ctx->read_error == 0)
    ingest_record_error(ctx, perr);
  if (out == DAHUB_OK && ctx->stop == 0)
    ctx->read_error = ingest_drain(ctx);
  if (ctx->stop == -EFBIG && ctx->n_errors == 0) {
    struct dahub_error e = {0};

    (void)dahub_error_set(&e, -EFBIG, 0, 0,
                          "the file grew beyond the limit of %llu bytes",
                          (unsigned long long)ctx->env->max_file_bytes);
    dahub_error_code(&e, DAHUB_CODE_TOO_LARGE);
    ingest_record_error(ctx, &e);
  }
  return out;
}

/* Decides what the file's fate is once parsing is over. */
static enum ingest_outcome decide(struct dahub_ctx *ctx,
                                  enum dahub_outcome out) {
  if (ctx->stop == -ECANCELED || ctx->read_error != 0 ||
      (ctx->stop != 0 && ctx->stop != -E2BIG && ctx->stop != -EFBIG) ||
      out == DAHUB_RETRY)
    return INGEST_RETRY;
  if (ctx->n_errors > 0 || out != DAHUB_OK)
    return INGEST_FAILED;
  if (ctx->n_obs == 0 && ctx->n_records == 0) {
    /* an empty file, a header alone: most likely a wrong export, and
     * storing it would make the feed look reported */
    struct dahub_error e = {0};

    (void)dahub_error_set(&e, -ENODATA, 0, 0,
                          "the file holds no figures (a header without "
                          "rows?)");
    dahub_error_detail(&e, "file", "rows of figures", "none");
    dahub_error_code(&e, DAHUB_CODE_NO_FIGURES);
    ingest_record_error(ctx, &e);
    return INGEST_FAILED;
  }
  return INGEST_STORED;
}

static void log_result(const struct ingest_feed *f, const char *name,
                       const struct ingest_result *r) {
  char q[320];

  (void)log_quote(q, sizeof q, name);
  switch (r->outcome) {
  case INGEST_STORED:
    log_event(LOG_INFO, "file_done",
              "feed=%s file=%s ingest=%lld observations=%llu bytes=%llu "
              "ms=%.1f",
              f->conf->name, q, (long long)r->ingest_id,
              (unsigned long long)r->observations, (unsigned long long)r->bytes,
              r->ms);
    break;
  case INGEST_DUPLICATE:
    log_event(LOG_NOTICE, "file_duplicate", "feed=%s file=%s sha256=%s",
              f->conf->name, q, r->sha256);
    break;
  case INGEST_FAILED:
    log_event(LOG_WARNING, "file_failed",
              "feed=%s file=%s errors=%u line=%u col=%u field=%s",
              f->conf->name, q, r->errors, r->first.line, r->first.col,
              log_quote((char[160]){0}, 160,
                        r->first.field[0] ? r->first.field : "-"));
    break;
  case INGEST_RETRY:
    log_event(LOG_WARNING, "file_retry", "feed=%s file=%s reason=%s",
              f->conf->name, q, log_quote((char[200]){0}, 200, r->first.msg));
    break;
  }
}

/* A recovered file whose hash is already stored: our own commit, made just
 * before a crash; it only needs to move on. The store's reason for a
 * failed look-up is left in r->first (a server down, say), for the
 * retry's log line. */
static int recovered_known(struct dahub_ctx *ctx, struct ingest_result *r) {
  struct store_match m;
  int rc;

  if ((rc = ingest_drain(ctx)) != 0)
    return rc;
  hex_digest(ctx, r->sha256);
  rc = store_find_hash(ctx->env->store, ctx->feed->conf->name, r->sha256, &m,
                       &r->first);
  if (rc == 1)
    r->ingest_id = m.ingest_id;
  if (rc <= 0 && lseek(ctx->fd, 0, SEEK_SET) != 0)
    return -errno;
  if (rc == 0) { /* not ours yet: parse it from the top */
    ctx->bytes = 0;
    if (EVP_DigestInit_ex(ctx->sha, EVP_sha256(), NULL) != 1)
      return -EIO;
  }
  return rc;
}

/* done/<final_name>.warnings.json of a stored file: its warnings as kept
 * in the store, from ctx, or for a file recovered after its commit (not
 * read again) from the store. */
static void note_warnings(const struct dahub_ctx *ctx,
                          const struct ingest_result *r, int recovered) {
  const struct ingest_feed *f = ctx->feed;
  struct dahub_error e = {0};
  unsigned count = ctx->n_warnings;
  json_t *kept = NULL;
  json_error_t je;
  char *text = NULL;
  int rc = 0;

  if (recovered) {
    rc = store_warnings_of(ctx->env->store, r->ingest_id, &count, &text, &e);
    if (rc == 1 && (kept = json_loads(text, 0, &je)) == NULL)
      rc = -EIO;
  } else if (count > 0 && (kept = ingest_warnings_json(ctx)) == NULL) {
    rc = -ENOMEM;
  }
  if (rc >= 0 && count > 0)
    rc = ingest_write_warnings(f, r->final_name, r->sha256, r->ingest_id, count,
                               kept);
  if (rc < 0)
    log_event(LOG_ERR, "report_write_failed", "feed=%s", f->conf->name);
  json_decref(kept);
  free(text);
}

/* The report just written beside a failed file, to the feed's contact by
 * the outbox (the daemon's wire thread sends it within seconds), when both the
 * feed and hub.json say where. A crash before the row leaves the file in
 * failed/ without its e-mail: the report is there for the officer. */
static void queue_report(struct dahub_ctx *ctx, const struct ingest_result *r) {
  const struct ingest_feed *f = ctx->feed;
  char txt[NAME_MAX + 1], key[33], what[PATH_MAX];
  struct dahub_error e = {0};
  struct timespec ts;

  if (ctx->env->feedback_via == NULL || f->conf->contact == NULL ||
      ctx->env->store == NULL)
    return;
  (void)clock_gettime(CLOCK_REALTIME, &ts);
  /* a key of its own: this file, this time (the same name may come back
   * once retention has taken the first) */
  if (snprintf(txt, sizeof txt, "%s.error.txt", r->final_name) >=
          (int)sizeof txt ||
      snprintf(what, sizeof what, "report\n%s\n%s\n%s\n%lld.%09ld",
               f->conf->name, r->final_name, r->sha256, (long long)ts.tv_sec,
               ts.tv_nsec) >= (int)sizeof what ||
      policy_key(what, 0, ctx->env->feedback_via, key) != 0)
    return;
  if (store_outbox_report(ctx->env->store, ctx->env->feedback_via, key,
                          f->conf->name, f->failed, txt, f->conf->contact,
                          &e) != 0)
    log_event(LOG_ERR, "report_queue_failed", "feed=%s error=%s", f->conf->name,
              log_quote((char[300]){0}, 300, e.msg));
  else
    log_event(LOG_INFO, "report_queued", "feed=%s via=%s", f->conf->name,
              ctx->env->feedback_via);
}

static void settle(struct dahub_ctx *ctx, const char *name,
                   struct ingest_result *r, const struct store_match *dup,
                   int recovered) {
  const struct ingest_feed *f = ctx->feed;
  const char *to = r->outcome == INGEST_FAILED ? f->failed : f->done;
  struct dahub_error e = {0};
  int rc;

  /* rename() keeps mtime: set it now, so retention ages the file from its
   * arrival in done/ or failed/ (see retention.c) */
  if ((rc = fs_touch(f->work, name)) != 0)
    log_event(LOG_WARNING, "file_touch_failed", "feed=%s error=%s",
              f->conf->name, strerror(-rc));
  rc = fs_move_unique(f->work, name, to, r->final_name, sizeof r->final_name);
  if (rc != 0) {
    log_event(LOG_ERR, "file_move_failed", "feed=%s to=%s error=%s",
              f->conf->name, r->outcome == INGEST_FAILED ? "failed" : "done",
              strerror(-rc));
    return;
  }
  if (r->outcome == INGEST_STORED) {
    note_warnings(ctx, r, recovered);
  } else if (r->outcome == INGEST_FAILED) {
    if (ingest_write_report(ctx, f->failed, r->final_name, r->sha256) != 0)
      log_event(LOG_ERR, "report_write_failed", "feed=%s", f->conf->name);
    else
      queue_report(ctx, r);
    (void)store_receipt(ctx->env->store, f->conf->name, name, r->sha256,
                        "failed", 0, &e);
  } else if (r->outcome == INGEST_DUPLICATE) {
    if (ingest_write_duplicate_note(f, r->final_name, r->sha256, dup) != 0)
      log_event(LOG_ERR, "report_write_failed", "feed=%s", f->conf->name);
    (void)store_receipt(ctx->env->store, f->conf->name, name, r->sha256,
                        "duplicate", dup->ingest_id, &e);
  }
}

/* What every run reports, whatever its outcome. */
static void ctx_result(const struct dahub_ctx *ctx, struct ingest_result *r) {
  r->bytes = ctx->bytes;
  r->errors = ctx->n_errors;
  r->warnings = ctx->n_warnings;
  if (ctx->n_errors > 0)
    r->first = ctx->errors[0];
}

void ingest_run(const struct ingest_env *env, const struct ingest_feed *f,
                const char *name, int recovered, struct ingest_result *r) {
  struct dahub_ctx ctx;
  struct dahub_error perr = {0};
  struct store_match dup = {0};
  struct store_ingest meta;
  char path[PATH_MAX], now[32];
  enum dahub_outcome out = DAHUB_FAIL;
  double t0 = now_ms();
  int rc, known = 0;

  memset(r, 0, sizeof *r);
  r->outcome = INGEST_RETRY;
  if (ingest_ctx_init(&ctx, env, f) != 0) {
    (void)dahub_error_set(&r->first, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  if (fs_join(path, sizeof path, f->work, name) != 0)
    goto out;
  if (open_input(&ctx, path, name, &perr) != 0) {
    ingest_record_error(&ctx, &perr);
    r->outcome = INGEST_FAILED;
    goto settle;
  }
  if (recovered) {
    rc = recovered_known(&ctx, r);
    if (rc < 0) {
      if (r->first.msg[0] == '\0')
        (void)dahub_error_set(&r->first, rc, 0, 0, "recovery: %s",
                              strerror(-rc));
      goto out;
    }
    if (rc == 1) {
      r->outcome = INGEST_STORED;
      r->bytes = ctx.bytes;
      known = 1;
      goto settle;
    }
  }
  store_now(now);
  meta = (struct store_ingest){.feed = f->conf->name,
                               .source_id = f->conf->source_id,
                               .plugin = f->plugin->desc.name,
                               .plugin_version = f->plugin->desc.version,
                               .file_name = name,
                               .size_bytes = ctx.in.size,
                               .received_at = now};
  if (store_ingest_begin(env->store, &meta, &r->first) != 0)
    goto out;
  ctx.in_txn = 1;
  out = run_parse(&ctx, &perr);
  r->outcome = decide(&ctx, out);
  hex_digest(&ctx, r->sha256);
  if (r->outcome != INGEST_STORED) {
    store_ingest_rollback(env->store);
  } else if (ingest_keep_warnings(&ctx, &r->first) != 0) {
    store_ingest_rollback(env->store); /* the store's trouble: try again */
    r->outcome = INGEST_RETRY;
  } else {
    rc = store_ingest_commit(env->store, r->sha256, &r->ingest_id, &dup,
                             &r->first);
    if (rc == 1)
      r->outcome = INGEST_DUPLICATE;
    else if (rc < 0)
      r->outcome = INGEST_RETRY;
  }
  ctx.in_txn = 0;
  if (r->outcome == INGEST_RETRY) {
    if (ctx.stop == -ECANCELED)
      (void)dahub_error_set(&r->first, -ECANCELED, 0, 0, "shutting down");
    else if (ctx.stop != 0)
      r->first = ctx.store_err;
    else if (ctx.read_error != 0)
      (void)dahub_error_set(&r->first, ctx.read_error, 0, 0, "read: %s",
                            strerror(-ctx.read_error));
    else if (out == DAHUB_RETRY)
      r->first = perr;
    goto out;
  }
settle:
  if (r->outcome == INGEST_STORED)
    r->observations = ctx.n_obs;
  settle(&ctx, name, r, &dup, known);
out:
  ctx_result(&ctx, r);
  r->ms = now_ms() - t0;
  log_result(f, name, r);
  ingest_ctx_close(&ctx);
}

void ingest_try(const struct ingest_env *env, const struct ingest_feed *f,
                const char *path, struct ingest_result *r) {
  struct dahub_ctx ctx;
  struct dahub_error perr = {0};
  const char *base = strrchr(path, '/');
  enum dahub_outcome out;

  memset(r, 0, sizeof *r);
  r->outcome = INGEST_FAILED;
  if (ingest_ctx_init(&ctx, env, f) != 0)
    goto out;
  if (open_input(&ctx, path, base ? base + 1 : path, &perr) != 0) {
    ingest_record_error(&ctx, &perr);
    goto out;
  }
  out = run_parse(&ctx, &perr);
  r->outcome = decide(&ctx, out);
  hex_digest(&ctx, r->sha256);
  r->observations = ctx.n_obs;
out:
  ctx_result(&ctx, r);
  ingest_ctx_close(&ctx);
}
