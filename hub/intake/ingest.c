/*
 * ingest.c: one partner file, from work/ to done/ or failed/ (ingest.h).
 *
 * The order is what keeps the promise "nothing lost, nothing counted twice":
 *   1. the file is read once, through the plugin; every byte also feeds the
 *      SHA-256, and every observation is validated and inserted inside one
 *      open transaction;
 *   2. the hash is checked and recorded in that same transaction, which
 *      commits (or rolls back for a duplicate or any error);
 *   3. only then does the file move to done/ or failed/.
 * A crash before 3 leaves the file in work/; at start the spool hands it
 * back with `recovered` set, and a hash already stored then means step 2
 * happened, so the file just moves on. Errors are collected (up to the
 * configured number) so the data lead sees every bad cell in one report.
 *
 * Every error that may carry text from the file (the plugin's, and the
 * vocabulary's judgement of an observation or record) passes through
 * file_error() before it is kept, shown by `dahub try` or logged: its cell
 * is cut, or described for a feed of personal data (redact.h). Such a
 * feed's observations are stored without their raw text, and it may not
 * hand over records, which are texts.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsutil.h"
#include "log.h"
#include "pseudonym.h"
#include "redact.h"
#include "validate.h"

#define MAX_WARNINGS 100
#define READ_CHUNK (256u << 10)

struct dahub_ctx {
  const struct ingest_env *env;
  const struct ingest_feed *feed;
  struct dahub_input in;
  int fd;
  EVP_MD_CTX *sha;
  uint64_t bytes;
  /* Why the hub asked the plugin to stop, or 0. Atomic: read() may run on
   * a thread of the plugin's while emit() runs on the worker thread. */
  atomic_int stop;
  int read_error; /* a read() failure, or 0 */
  int in_txn;     /* a store transaction is open */
  uint64_t n_obs;
  uint64_t n_records;
  struct dahub_error *errors; /* up to env->max_errors */
  unsigned n_errors;
  struct dahub_error *warnings; /* up to MAX_WARNINGS */
  unsigned n_warnings;
  struct dahub_error store_err;
  struct pseudonym *pseudonym; /* made on first use */
  struct validated v;
};

const char *ingest_outcome_name(enum ingest_outcome o) {
  static const char *const names[] = {"stored", "duplicate", "failed", "retry"};
  return names[o];
}

static double now_ms(void) {
  struct timespec ts;

  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add_problem(struct dahub_error *list, unsigned *n, unsigned max,
                        const struct dahub_error *e) {
  if (*n < max)
    list[*n] = *e;
  (*n)++;
}

static void record_error(struct dahub_ctx *ctx, const struct dahub_error *e) {
  add_problem(ctx->errors, &ctx->n_errors, ctx->env->max_errors, e);
  if (ctx->env->on_problem != NULL)
    ctx->env->on_problem(ctx->env->arg, "error", e);
}

/* An error about the file's content: its cell cut or described first. */
static void file_error(struct dahub_ctx *ctx, struct dahub_error *e) {
  redact_error(e, ctx->feed->personal);
  record_error(ctx, e);
}

/* ---- What the plugin calls ---- */

static ssize_t hub_read(struct dahub_input *in, void *buf, size_t cap) {
  struct dahub_ctx *ctx = in->hub;
  ssize_t n;

  if (ctx->env->stopping != NULL && atomic_load(ctx->env->stopping)) {
    ctx->stop = -ECANCELED;
    return -ECANCELED;
  }
  do
    n = read(ctx->fd, buf, cap);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    ctx->read_error = -errno;
    return ctx->read_error;
  }
  if (ctx->bytes + (uint64_t)n > ctx->env->max_file_bytes) {
    ctx->stop = -EFBIG;
    return -EFBIG;
  }
  ctx->bytes += (uint64_t)n;
  if (EVP_DigestUpdate(ctx->sha, buf, (size_t)n) != 1) {
    ctx->read_error = -EIO;
    return -EIO;
  }
  return n;
}

static int hub_emit(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct dahub_error e = {0};
  int rc;

  if (ctx->stop != 0)
    return ctx->stop;
  if (validate_obs(ctx->env->vocab, o, ctx->feed->conf->service_id, &ctx->v,
                   &e) != 0) {
    file_error(ctx, &e);
    if (ctx->n_errors >= ctx->env->max_errors)
      ctx->stop = -E2BIG;
    return ctx->stop;
  }
  if (ctx->n_errors > 0)
    return 0; /* the file will fail: only look for more errors */
  /* A value cell that parsed is a number, but what a plugin calls raw is
   * its own affair: of a feed of personal data no text is kept. */
  if (ctx->feed->personal)
    ctx->v.obs.raw = NULL;
  if (ctx->in_txn) {
    rc = store_ingest_obs(ctx->env->store, &ctx->v.obs, &ctx->store_err);
    if (rc != 0) {
      ctx->stop = rc;
      return rc;
    }
  } else if (ctx->env->on_obs != NULL) {
    ctx->env->on_obs(ctx->env->arg, ctx->feed, &ctx->v.obs);
  }
  ctx->n_obs++;
  return 0;
}

static void hub_warn(struct dahub_ctx *ctx, uint32_t line, uint32_t col,
                     const char *msg) {
  struct dahub_error e = {0};

  (void)dahub_error_set(&e, 0, line, col, "%s", msg ? msg : "");
  add_problem(ctx->warnings, &ctx->n_warnings, MAX_WARNINGS, &e);
  if (ctx->env->on_problem != NULL)
    ctx->env->on_problem(ctx->env->arg, "warning", &e);
}

#define RECORD_FIELDS_MAX 32
#define RECORD_VALUE_MAX 512

/* Records are checked against the vocabulary like observations: a known
 * kind, known fields, bounded texts. */
static int hub_emit_record(struct dahub_ctx *ctx, const char *kind,
                           const struct dahub_dim *fields, size_t n,
                           uint32_t line) {
  struct dahub_error e = {0};
  json_t *obj = NULL;
  char *text = NULL;
  int rc = 0;

  if (ctx->stop != 0)
    return ctx->stop;
  if (ctx->feed->personal) {
    /* a record is texts from the file, kept as they are */
    (void)dahub_error_set(&e, -EINVAL, line, 0,
                          "a feed of personal data keeps no records: they "
                          "are texts from the file");
    dahub_error_detail(&e, "record", "no records", NULL);
    goto bad;
  }
  if (kind == NULL || !vocab_record_field(ctx->env->vocab, kind, NULL)) {
    (void)dahub_error_set(&e, -EINVAL, line, 0, "unknown record kind");
    dahub_error_detail(&e, "record", "a record kind of the vocabulary", kind);
    goto bad;
  }
  if (n > RECORD_FIELDS_MAX || (obj = json_object()) == NULL) {
    (void)dahub_error_set(&e, -EINVAL, line, 0, "too many record fields");
    goto bad;
  }
  for (size_t i = 0; i < n; i++) {
    const char *name = fields[i].name, *value = fields[i].value;

    if (name == NULL || !vocab_record_field(ctx->env->vocab, kind, name)) {
      (void)dahub_error_set(&e, -EINVAL, line, 0, "unknown field of a %s",
                            kind);
      dahub_error_detail(&e, "record", "a field of the vocabulary", name);
      goto bad;
    }
    if (value == NULL || strlen(value) > RECORD_VALUE_MAX) {
      (void)dahub_error_set(&e, -EINVAL, line, 0, "record field too long");
      dahub_error_detail(&e, name, "at most 512 bytes", NULL);
      goto bad;
    }
    (void)json_object_set_new(obj, name, json_string(value));
  }
  text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL) {
    ctx->stop = -ENOMEM;
    rc = ctx->stop;
  } else if (ctx->n_errors > 0) {
    rc = 0; /* the file will fail: only look for more errors */
  } else if (ctx->in_txn) {
    rc =
        store_ingest_record(ctx->env->store, kind, text, line, &ctx->store_err);
    if (rc != 0)
      ctx->stop = rc;
  } else if (ctx->env->on_record != NULL) {
    ctx->env->on_record(ctx->env->arg, kind, text, line);
  }
  if (rc == 0 && text != NULL && ctx->n_errors == 0)
    ctx->n_records++;
  free(text);
  json_decref(obj);
  return rc;
bad:
  json_decref(obj);
  file_error(ctx, &e);
  if (ctx->n_errors >= ctx->env->max_errors)
    ctx->stop = -E2BIG;
  return ctx->stop;
}

static int hub_pseudonymise(struct dahub_ctx *ctx, const void *data, size_t len,
                            uint8_t out[32]) {
  if (ctx->feed->hmac_key == NULL)
    return -ENOKEY;
  return pseudonym_hmac(ctx->pseudonym, data, len, out);
}

static const struct dahub_host host = {
    .struct_size = sizeof(struct dahub_host),
    .emit = hub_emit,
    .warn = hub_warn,
    .pseudonymise = hub_pseudonymise,
    .emit_record = hub_emit_record,
};

/* ---- The job ---- */

static int ctx_init(struct dahub_ctx *ctx, const struct ingest_env *env,
                    const struct ingest_feed *f) {
  memset(ctx, 0, sizeof *ctx);
  ctx->env = env;
  ctx->feed = f;
  ctx->fd = -1;
  ctx->sha = EVP_MD_CTX_new();
  ctx->errors = calloc(env->max_errors, sizeof *ctx->errors);
  ctx->warnings = calloc(MAX_WARNINGS, sizeof *ctx->warnings);
  if (ctx->sha == NULL || ctx->errors == NULL || ctx->warnings == NULL ||
      EVP_DigestInit_ex(ctx->sha, EVP_sha256(), NULL) != 1)
    return -ENOMEM;
  /* Made here, not on first use: a plugin may pseudonymise on two threads
   * at once, and pseudonym_hmac() only reads it. */
  if (f->hmac_key != NULL &&
      pseudonym_new(f->hmac_key, f->hmac_key_len, &ctx->pseudonym) != 0)
    return -ENOMEM;
  ctx->in.read = hub_read;
  ctx->in.hub = ctx;
  ctx->in.max_line_bytes = env->max_line_bytes;
  return 0;
}

static void ctx_close(struct dahub_ctx *ctx) {
  if (ctx->fd >= 0)
    (void)close(ctx->fd);
  EVP_MD_CTX_free(ctx->sha);
  pseudonym_free(ctx->pseudonym);
  free(ctx->errors);
  free(ctx->warnings);
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
    return -EFBIG;
  }
  ctx->in.size = (uint64_t)st.st_size;
  return 0;
}

/* Reads what the plugin left unread, so the hash covers the whole file. */
static int drain(struct dahub_ctx *ctx) {
  char *buf = malloc(READ_CHUNK);
  ssize_t n;

  if (buf == NULL)
    return -ENOMEM;
  while ((n = hub_read(&ctx->in, buf, READ_CHUNK)) > 0)
    ;
  free(buf);
  return n < 0 ? (int)n : 0;
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

/* A file name as JSON text: names come from partners' machines and need not
 * be UTF-8 (a Windows en dash is byte 0x96); such bytes become U+FFFD so the
 * report still names the file. */
static json_t *name_json(const char *name) {
  json_t *s = json_string(name);
  char buf[4 * NAME_MAX + 1];
  size_t o = 0;

  if (s != NULL || name == NULL)
    return s;
  for (const unsigned char *p = (const unsigned char *)name;
       *p != '\0' && o + 4 < sizeof buf; p++) {
    if (*p < 0x80) {
      buf[o++] = (char)*p;
    } else {
      memcpy(buf + o, "\xEF\xBF\xBD", 3); /* not decoded: replaced */
      o += 3;
    }
  }
  buf[o] = '\0';
  return json_string(buf);
}

static json_t *error_json(const struct dahub_error *e) {
  return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "line",
                   (json_int_t)e->line, "column", (json_int_t)e->col, "field",
                   e->field, "expected", e->expected, "found", e->found,
                   "message", e->msg);
}

/* failed/<final>.error.json: the first error at the top, then all. */
static int write_report(const struct dahub_ctx *ctx, const char *dir,
                        const char *final_name, const char *sha256) {
  char name[NAME_MAX + 1];
  json_t *doc = error_json(&ctx->errors[0]);
  json_t *all = json_array(), *warn = json_array();
  char *text = NULL;
  unsigned kept = ctx->n_errors < ctx->env->max_errors ? ctx->n_errors
                                                       : ctx->env->max_errors;
  int rc = -ENOMEM;

  if (doc == NULL || all == NULL || warn == NULL)
    goto out;
  for (unsigned i = 0; i < kept; i++)
    (void)json_array_append_new(all, error_json(&ctx->errors[i]));
  for (unsigned i = 0; i < ctx->n_warnings && i < MAX_WARNINGS; i++)
    (void)json_array_append_new(warn, error_json(&ctx->warnings[i]));
  (void)json_object_set_new(doc, "feed", json_string(ctx->feed->conf->name));
  (void)json_object_set_new(doc, "file", name_json(ctx->in.name));
  (void)json_object_set_new(doc, "sha256", json_string(sha256));
  (void)json_object_set_new(doc, "error_count",
                            json_integer((json_int_t)ctx->n_errors));
  (void)json_object_set(doc, "errors", all);
  (void)json_object_set(doc, "warnings", warn);
  text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (text == NULL || snprintf(name, sizeof name, "%s.error.json",
                               final_name) >= (int)sizeof name)
    goto out;
  rc = fs_write_atomic(dir, name, text, strlen(text));
out:
  free(text);
  json_decref(all);
  json_decref(warn);
  json_decref(doc);
  return rc;
}

static int write_duplicate_note(const struct ingest_feed *f,
                                const char *final_name, const char *sha256,
                                const struct store_match *m) {
  char name[NAME_MAX + 1];
  json_t *doc;
  char *text;
  int rc = -ENOMEM;

  if (snprintf(name, sizeof name, "%s.duplicate.json", final_name) >=
      (int)sizeof name)
    return -ENAMETOOLONG;
  doc = json_pack("{s:s, s:o, s:s, s:{s:I, s:o, s:s}}", "feed", f->conf->name,
                  "file", name_json(final_name), "sha256", sha256,
                  "duplicate_of", "ingest_id", (json_int_t)m->ingest_id, "file",
                  name_json(m->file_name), "stored_at", m->stored_at);
  text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  if (text != NULL)
    rc = fs_write_atomic(f->done, name, text, strlen(text));
  free(text);
  json_decref(doc);
  return rc;
}

/* Runs the plugin over the open input; the store transaction, when there is
 * a store, is open around it. */
static enum dahub_outcome run_parse(struct dahub_ctx *ctx,
                                    struct dahub_error *perr) {
  const struct plugin *p = ctx->feed->plugin;
  enum dahub_outcome out;

  out = p->desc.parse(ctx->feed->state, &ctx->in, &host, ctx, perr);
  /* whatever the outcome: a RETRY's reason is logged */
  redact_error(perr, ctx->feed->personal);
  if (out == DAHUB_FAIL && ctx->stop == 0 && ctx->read_error == 0)
    record_error(ctx, perr);
  if (out == DAHUB_OK && ctx->stop == 0)
    ctx->read_error = drain(ctx);
  if (ctx->stop == -EFBIG && ctx->n_errors == 0) {
    struct dahub_error e = {0};

    (void)dahub_error_set(&e, -EFBIG, 0, 0,
                          "the file grew beyond the limit of %llu bytes",
                          (unsigned long long)ctx->env->max_file_bytes);
    record_error(ctx, &e);
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
                          "the file holds no figures (empty, or a header "
                          "without rows)");
    dahub_error_detail(&e, "file", "rows of figures", "none");
    record_error(ctx, &e);
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
 * before a crash; it only needs to move on. */
static int recovered_known(struct dahub_ctx *ctx, struct ingest_result *r) {
  struct store_match m;
  struct dahub_error e = {0};
  int rc;

  if ((rc = drain(ctx)) != 0)
    return rc;
  hex_digest(ctx, r->sha256);
  rc = store_find_hash(ctx->env->store, ctx->feed->conf->name, r->sha256, &m,
                       &e);
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

static void settle(struct dahub_ctx *ctx, const char *name,
                   struct ingest_result *r, const struct store_match *dup) {
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
  if (r->outcome == INGEST_FAILED) {
    if (write_report(ctx, f->failed, r->final_name, r->sha256) != 0)
      log_event(LOG_ERR, "report_write_failed", "feed=%s", f->conf->name);
    (void)store_receipt(ctx->env->store, f->conf->name, name, r->sha256,
                        "failed", 0, &e);
  } else if (r->outcome == INGEST_DUPLICATE) {
    if (write_duplicate_note(f, r->final_name, r->sha256, dup) != 0)
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
  int rc;

  memset(r, 0, sizeof *r);
  r->outcome = INGEST_RETRY;
  if (ctx_init(&ctx, env, f) != 0) {
    (void)dahub_error_set(&r->first, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  if (fs_join(path, sizeof path, f->work, name) != 0)
    goto out;
  if (open_input(&ctx, path, name, &perr) != 0) {
    record_error(&ctx, &perr);
    r->outcome = INGEST_FAILED;
    goto settle;
  }
  if (recovered) {
    rc = recovered_known(&ctx, r);
    if (rc < 0) {
      (void)dahub_error_set(&r->first, rc, 0, 0, "recovery: %s", strerror(-rc));
      goto out;
    }
    if (rc == 1) {
      r->outcome = INGEST_STORED;
      r->bytes = ctx.bytes;
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
  settle(&ctx, name, r, &dup);
out:
  ctx_result(&ctx, r);
  r->ms = now_ms() - t0;
  log_result(f, name, r);
  ctx_close(&ctx);
}

void ingest_try(const struct ingest_env *env, const struct ingest_feed *f,
                const char *path, struct ingest_result *r) {
  struct dahub_ctx ctx;
  struct dahub_error perr = {0};
  const char *base = strrchr(path, '/');
  enum dahub_outcome out;

  memset(r, 0, sizeof *r);
  r->outcome = INGEST_FAILED;
  if (ctx_init(&ctx, env, f) != 0)
    goto out;
  if (open_input(&ctx, path, base ? base + 1 : path, &perr) != 0) {
    record_error(&ctx, &perr);
    goto out;
  }
  out = run_parse(&ctx, &perr);
  r->outcome = decide(&ctx, out);
  hex_digest(&ctx, r->sha256);
  r->observations = ctx.n_obs;
out:
  ctx_result(&ctx, r);
  ctx_close(&ctx);
}
