/*
 * ingest_host.c: one file's context, and the host its plugin calls.
 *
 * The plugin reads the file through hub_read(), which feeds every byte to
 * the SHA-256 and enforces the size limit, and hands over observations and
 * records through hub_emit() and hub_emit_record(): each is validated
 * against the vocabulary, then inserted in the open store transaction (or
 * shown, for a dry run). Errors about the file's content are cut or
 * described (redact.h) before they are kept, and collected up to the
 * configured number so the data lead sees every bad cell in one report.
 *
 * Threads: all of it runs on the ingest's worker thread, but hub_read(),
 * which may run on a thread of the plugin's, one call at a time, and
 * hub_pseudonymise(), which any of its threads may call: the one field
 * they share with the rest, stop, is atomic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dahub/xlsx.h"

#include "ingest_int.h"
#include "pseudonym.h"
#include "redact.h"

#define READ_CHUNK (256u << 10)

static void add_problem(struct dahub_error *list, unsigned *n, unsigned max,
                        const struct dahub_error *e) {
  if (*n < max)
    list[*n] = *e;
  (*n)++;
}

void ingest_record_error(struct dahub_ctx *ctx, const struct dahub_error *e) {
  struct dahub_error located = *e;

  dahub_xlsx_locate(&located, ctx->sheet);
  add_problem(ctx->errors, &ctx->n_errors, ctx->env->max_errors, &located);
  if (ctx->env->on_problem != NULL)
    ctx->env->on_problem(ctx->env->arg, "error", &located);
}

/* An error about the file's content: its cell cut or described first. */
static void file_error(struct dahub_ctx *ctx, struct dahub_error *e) {
  redact_error(e, ctx->feed->personal);
  ingest_record_error(ctx, e);
}

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
  if (validate_obs_memo(ctx->env->vocab, ctx->memo, o,
                        ctx->feed->conf->service_id, &ctx->v, &e) != 0) {
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
  dahub_xlsx_locate(&e, ctx->sheet);
  add_problem(ctx->warnings, &ctx->n_warnings, MAX_WARNINGS, &e);
  ctx->n_warning_cells += line > 0 && col > 0;
  if (ctx->env->on_problem != NULL)
    ctx->env->on_problem(ctx->env->arg, "warning", &e);
}

/* Only a dry run shows notes: a stored file's report is about the file. */
static void hub_note(struct dahub_ctx *ctx, const char *msg) {
  struct dahub_error e = {0};

  if (ctx->env->on_problem == NULL)
    return;
  (void)dahub_error_set(&e, 0, 0, 0, "%s", msg ? msg : "");
  ctx->env->on_problem(ctx->env->arg, "note", &e);
}

/* A sheet's name is text from the file, but the partner's own label for
 * its return, as the XLSX reader's errors already quote it. */
static void hub_sheet(struct dahub_ctx *ctx, const char *name) {
  dahub_error_copy(ctx->sheet, sizeof ctx->sheet, name);
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

const struct dahub_host ingest_host = {
    .struct_size = sizeof(struct dahub_host),
    .emit = hub_emit,
    .warn = hub_warn,
    .pseudonymise = hub_pseudonymise,
    .emit_record = hub_emit_record,
    .note = hub_note,
    .sheet = hub_sheet,
};

int ingest_ctx_init(struct dahub_ctx *ctx, const struct ingest_env *env,
                    const struct ingest_feed *f) {
  memset(ctx, 0, sizeof *ctx);
  ctx->env = env;
  ctx->feed = f;
  ctx->fd = -1;
  ctx->sha = EVP_MD_CTX_new();
  ctx->errors = calloc(env->max_errors, sizeof *ctx->errors);
  ctx->warnings = calloc(MAX_WARNINGS, sizeof *ctx->warnings);
  if (ctx->sha == NULL || ctx->errors == NULL || ctx->warnings == NULL ||
      validate_memo_new(&ctx->memo) != 0 ||
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

void ingest_ctx_close(struct dahub_ctx *ctx) {
  if (ctx->fd >= 0)
    (void)close(ctx->fd);
  EVP_MD_CTX_free(ctx->sha);
  validate_memo_free(ctx->memo);
  pseudonym_free(ctx->pseudonym);
  free(ctx->errors);
  free(ctx->warnings);
}

int ingest_drain(struct dahub_ctx *ctx) {
  char *buf = malloc(READ_CHUNK);
  ssize_t n;

  if (buf == NULL)
    return -ENOMEM;
  while ((n = hub_read(&ctx->in, buf, READ_CHUNK)) > 0)
    ;
  free(buf);
  return n < 0 ? (int)n : 0;
}
