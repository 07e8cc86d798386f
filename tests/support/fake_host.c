/*
 * fake_host.c: the hub's side of a source plugin's parse() (see
 * fake_host.h).
 *
 * The checks are the hub's contract with a plugin, so a unit test and a
 * fuzz target break on the same thing: a broken rule prints which and
 * aborts (cmocka reports the test as crashed; libFuzzer keeps the input).
 * pseudonymise() may run on the CSV reader's thread, so it touches only
 * atomics and what no other call writes.
 */
#include "fake_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/period.h"

static void fake_check(int ok, const char *what) {
  if (ok)
    return;
  fprintf(stderr, "fake host: the plugin broke a rule: %s\n", what);
  abort();
}

uint32_t fake_hash(const uint8_t *data, size_t len) {
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

/* A small deterministic generator (xorshift), for chunk sizes. */
static uint32_t next_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

ssize_t fake_read(struct dahub_input *in, void *buf, size_t cap) {
  struct fake_input *f = (struct fake_input *)(void *)in;
  size_t n = f->len - f->pos, want = FAKE_CHUNK;

  fake_check(buf != NULL && cap > 0, "read() asks for room");
  if (f->seed != 0)
    want = f->max_chunk != 0 ? 1 + next_rand(&f->seed) % f->max_chunk : n;
  if (n > cap)
    n = cap;
  if (n > want)
    n = want;
  memcpy(buf, f->data + f->pos, n);
  f->pos += n;
  return (ssize_t)n;
}

/* A string the plugin lends: strlen() walks it, so ASan sees the end. */
static size_t text(const char *s, const char *what) {
  fake_check(s != NULL, what);
  return strlen(s);
}

static char *dup_or_null(const char *s) {
  char *d;

  if (s == NULL)
    return NULL;
  d = strdup(s);
  fake_check(d != NULL, "the test has memory");
  return d;
}

/* Keeps every text the plugin lends, to look for what must never leave. */
static void saw(struct dahub_ctx *ctx, const char *s) {
  size_t n;

  if (s == NULL)
    return;
  n = strlen(s);
  if (ctx->seen_len + n + 2 > sizeof ctx->seen)
    return;
  memcpy(ctx->seen + ctx->seen_len, s, n);
  ctx->seen_len += n;
  ctx->seen[ctx->seen_len++] = ';';
  ctx->seen[ctx->seen_len] = '\0';
}

/* 0: go on; 1: the host stops the file here. */
static int stop_here(struct dahub_ctx *ctx) {
  if (ctx->stop_at != 0 && ctx->n + ctx->n_rec >= ctx->stop_at)
    ctx->stopped = 1;
  return ctx->stopped;
}

static void check_obs(const struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct dahub_period p;

  fake_check(o != NULL, "emit() gets an observation");
  fake_check(text(o->area, "obs has an area") > 0, "area not empty");
  fake_check(text(o->period, "obs has a period") > 0, "period not empty");
  fake_check(text(o->measure, "obs has a measure") > 0, "measure not empty");
  if (o->service_id != NULL)
    (void)text(o->service_id, "service_id");
  if (o->raw != NULL)
    (void)text(o->raw, "raw");
  fake_check(o->n_dims <= 16 && (o->n_dims == 0 || o->dims != NULL),
             "dimensions given");
  for (size_t i = 0; i < o->n_dims; i++) {
    fake_check(text(o->dims[i].name, "dimension name") > 0, "dimension named");
    (void)text(o->dims[i].value, "dimension value");
  }
  fake_check(o->status <= DAHUB_ESTIMATED, "status in range");
  fake_check(o->scale <= 18, "scale at most 18");
  fake_check(o->status != DAHUB_SUPPRESSED || o->bound >= 0,
             "a bound is not negative");
  fake_check(o->status != DAHUB_MISSING || (o->value == 0 && o->scale == 0),
             "a missing value is not a number");
  /* A figure read from JSON, or summed over rows, may have no position. */
  fake_check((o->line == 0) == (o->col == 0),
             "position is 1-based, or 0:0 for none");
  if (ctx->period_ids)
    fake_check(dahub_period_parse(o->period, &p) == 0, "period is an id");
}

static void keep_obs(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct got *g;
  size_t i, used = 0;

  fake_check(ctx->n < MAX_OBS, "at most MAX_OBS observations to keep");
  g = &ctx->obs[ctx->n];
  g->service_id = dup_or_null(o->service_id);
  g->area = dup_or_null(o->area);
  g->period = dup_or_null(o->period);
  g->measure = dup_or_null(o->measure);
  g->raw = dup_or_null(o->raw);
  g->dims[0] = '\0';
  for (i = 0; i < o->n_dims; i++) {
    used += (size_t)snprintf(g->dims + used, sizeof g->dims - used, "%s%s=%s",
                             i ? ";" : "", o->dims[i].name, o->dims[i].value);
    fake_check(used < sizeof g->dims, "dimensions fit a kept observation");
    saw(ctx, o->dims[i].value);
  }
  saw(ctx, o->service_id);
  saw(ctx, o->area);
  saw(ctx, o->raw);
  g->status = o->status;
  g->value = o->value;
  g->scale = o->scale;
  g->bound = o->bound;
  g->line = o->line;
  g->col = o->col;
}

static int fake_emit(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  fake_check(!ctx->stopped, "nothing is handed over after the hub said stop");
  check_obs(ctx, o);
  if (!ctx->count_only)
    keep_obs(ctx, o);
  ctx->n++;
  return stop_here(ctx);
}

static void fake_warn(struct dahub_ctx *ctx, uint32_t line, uint32_t col,
                      const char *msg) {
  struct got_warning *w;

  fake_check(!ctx->stopped, "no warning after the hub said stop");
  (void)text(msg, "warn() has a message");
  if (!ctx->count_only) {
    fake_check(ctx->n_warn < MAX_WARN, "at most MAX_WARN warnings to keep");
    w = &ctx->warn[ctx->n_warn];
    w->line = line;
    w->col = col;
    (void)snprintf(w->msg, sizeof w->msg, "%s", msg);
    saw(ctx, msg);
  }
  ctx->n_warn++;
}

static void fake_note(struct dahub_ctx *ctx, const char *msg) {
  size_t n = strlen(ctx->notes);

  fake_check(!ctx->stopped, "no note after the hub said stop");
  (void)text(msg, "note() has a message");
  (void)snprintf(ctx->notes + n, sizeof ctx->notes - n, "%s\n", msg);
}

static void fake_sheet(struct dahub_ctx *ctx, const char *name) {
  fake_check(!ctx->stopped, "no sheet after the hub said stop");
  fake_check(text(name, "sheet() has a name") > 0, "a sheet has a name");
  (void)snprintf(ctx->sheet, sizeof ctx->sheet, "%s", name);
}

/* A stand-in for the hub's HMAC: distinct inputs (up to 31 bytes) give
 * distinct outputs, and the output is not the input; a longer input fails
 * (-EIO) once every byte is read. Like the hub's, safe on any thread. */
static int fake_pseudonymise(struct dahub_ctx *ctx, const void *data,
                             size_t len, uint8_t out[32]) {
  const uint8_t *d = data;
  size_t i;

  fake_check(len == 0 || data != NULL, "pseudonymise() gets its bytes");
  fake_check(out != NULL, "pseudonymise() gets room for the result");
  atomic_fetch_add(&ctx->n_pseudo, 1);
  if (!pthread_equal(pthread_self(), ctx->parse_thread))
    atomic_fetch_add(&ctx->n_pseudo_elsewhere, 1);
  (void)fake_hash(d, len); /* reads every byte, for ASan */
  if (ctx->no_key)
    return -ENOKEY;
  if (len > 31)
    return -EIO;
  for (i = 0; i < 32; i++)
    out[i] = (uint8_t)((i < len ? d[i] : 0) ^ 0xA5);
  out[31] = (uint8_t)len;
  return 0;
}

static int fake_emit_record(struct dahub_ctx *ctx, const char *kind,
                            const struct dahub_dim *fields, size_t n,
                            uint32_t line) {
  struct got_record *r;
  size_t i, used = 0;

  fake_check(!ctx->stopped, "nothing is handed over after the hub said stop");
  fake_check(text(kind, "record has a kind") > 0, "record kind not empty");
  fake_check(n == 0 || fields != NULL, "record fields given");
  for (i = 0; i < n; i++) {
    fake_check(text(fields[i].name, "record field name") > 0,
               "record field named");
    (void)text(fields[i].value, "record field value");
  }
  fake_check(line >= 1, "record line is 1-based");
  if (!ctx->count_only) {
    fake_check(ctx->n_rec < MAX_REC, "at most MAX_REC records to keep");
    r = &ctx->rec[ctx->n_rec];
    (void)snprintf(r->kind, sizeof r->kind, "%s", kind);
    r->fields[0] = '\0';
    for (i = 0; i < n; i++) {
      used +=
          (size_t)snprintf(r->fields + used, sizeof r->fields - used, "%s%s=%s",
                           i ? ";" : "", fields[i].name, fields[i].value);
      fake_check(used < sizeof r->fields, "fields fit a kept record");
    }
    r->line = line;
  }
  ctx->n_rec++;
  return stop_here(ctx);
}

const struct dahub_host fake_host = {.struct_size = sizeof fake_host,
                                     .emit = fake_emit,
                                     .warn = fake_warn,
                                     .pseudonymise = fake_pseudonymise,
                                     .emit_record = fake_emit_record,
                                     .note = fake_note,
                                     .sheet = fake_sheet};

/* As a hub built before emit_record was appended would lend it. */
const struct dahub_host fake_host_no_records = {
    .struct_size = offsetof(struct dahub_host, emit_record),
    .emit = fake_emit,
    .warn = fake_warn,
    .pseudonymise = fake_pseudonymise,
    .emit_record = fake_emit_record}; /* beyond struct_size: absent */

void fake_ctx_clear(struct dahub_ctx *ctx) {
  int count_only = ctx->count_only;
  size_t i;

  for (i = 0; !count_only && i < ctx->n && i < MAX_OBS; i++) {
    free(ctx->obs[i].service_id);
    free(ctx->obs[i].area);
    free(ctx->obs[i].period);
    free(ctx->obs[i].measure);
    free(ctx->obs[i].raw);
  }
  memset(ctx, 0, sizeof *ctx);
  ctx->count_only = count_only;
}

enum dahub_outcome fake_parse(const struct dahub_plugin *plugin, void *state,
                              struct dahub_ctx *ctx, const uint8_t *data,
                              size_t len, size_t max_chunk, uint32_t seed,
                              uint32_t max_line) {
  struct fake_input f;
  struct dahub_error err;
  enum dahub_outcome out;

  memset(&f, 0, sizeof f);
  f.in.name = "fuzz.csv";
  f.in.size = len;
  f.in.read = fake_read;
  f.in.max_line_bytes = max_line;
  f.data = (const char *)data;
  f.len = len;
  f.max_chunk = max_chunk;
  f.seed = seed | 1; /* xorshift never leaves 0; 0 is the fixed chunk */
  memset(&err, 0, sizeof err);
  ctx->parse_thread = pthread_self();
  out = plugin->parse(state, &f.in, &fake_host, ctx, &err);
  fake_check(out == DAHUB_OK || out == DAHUB_FAIL,
             "OK or FAIL (RETRY is for running out of memory)");
  fake_check(out == DAHUB_FAIL || !ctx->stopped,
             "a file the hub stopped is not OK");
  fake_check(out == DAHUB_OK || err.msg[0] != '\0', "FAIL says why");
  fake_check(memchr(err.msg, '\0', sizeof err.msg) != NULL,
             "the message is terminated");
  return out;
}
