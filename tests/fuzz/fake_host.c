/*
 * fake_host.c: see fake_host.h.
 */
#include "fake_host.h"

#include <string.h>

#include "dahub/period.h"
#include "fuzz.h"

struct fake_input {
  struct dahub_input in; /* first: the plugin hands it back */
  const uint8_t *data;
  size_t len, pos, max_chunk;
  uint32_t seed;
};

uint32_t fake_hash(const uint8_t *data, size_t len) {
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

static ssize_t fake_read(struct dahub_input *in, void *buf, size_t cap) {
  struct fake_input *f = (struct fake_input *)(void *)in;
  size_t n = f->len - f->pos;

  fuzz_check(buf != NULL && cap > 0, "read() asks for room");
  if (n > cap)
    n = cap;
  if (f->max_chunk != 0) {
    size_t want = 1 + fuzz_rand(&f->seed) % f->max_chunk;

    if (n > want)
      n = want;
  }
  memcpy(buf, f->data + f->pos, n);
  f->pos += n;
  return (ssize_t)n;
}

/* A string the plugin lends: strlen() walks it, so ASan sees the end. */
static size_t text(const char *s, const char *what) {
  fuzz_check(s != NULL, what);
  return strlen(s);
}

/* 0: go on; 1: the host stops the file here. */
static int count_call(struct dahub_ctx *ctx) {
  fuzz_check(!ctx->stopped, "nothing is handed over after the hub said stop");
  if (ctx->stop_at != 0 && ctx->n_obs + ctx->n_records + 1 >= ctx->stop_at) {
    ctx->stopped = 1;
    return 1;
  }
  return 0;
}

static int fake_emit(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct dahub_period p;

  fuzz_check(o != NULL, "emit() gets an observation");
  fuzz_check(text(o->area, "obs has an area") > 0, "area not empty");
  fuzz_check(text(o->period, "obs has a period") > 0, "period not empty");
  fuzz_check(text(o->measure, "obs has a measure") > 0, "measure not empty");
  if (o->service_id != NULL)
    (void)text(o->service_id, "service_id");
  if (o->raw != NULL)
    (void)text(o->raw, "raw");
  fuzz_check(o->n_dims <= 16 && (o->n_dims == 0 || o->dims != NULL),
             "dimensions given");
  for (size_t i = 0; i < o->n_dims; i++) {
    fuzz_check(text(o->dims[i].name, "dimension name") > 0, "dimension named");
    (void)text(o->dims[i].value, "dimension value");
  }
  fuzz_check(o->status <= DAHUB_ESTIMATED, "status in range");
  fuzz_check(o->scale <= 18, "scale at most 18");
  fuzz_check(o->status != DAHUB_SUPPRESSED || o->bound >= 0,
             "a bound is not negative");
  fuzz_check(o->status != DAHUB_MISSING || (o->value == 0 && o->scale == 0),
             "a missing value is not a number");
  /* A figure read from JSON, or summed over rows, may have no position. */
  fuzz_check((o->line == 0) == (o->col == 0),
             "position is 1-based, or 0:0 for none");
  if (ctx->period_ids)
    fuzz_check(dahub_period_parse(o->period, &p) == 0, "period is an id");
  ctx->n_obs++;
  return count_call(ctx);
}

static void fake_warn(struct dahub_ctx *ctx, uint32_t line, uint32_t col,
                      const char *msg) {
  (void)line;
  (void)col;
  fuzz_check(!ctx->stopped, "no warning after the hub said stop");
  (void)text(msg, "warn() has a message");
  ctx->n_warn++;
}

static int fake_pseudonymise(struct dahub_ctx *ctx, const void *data,
                             size_t len, uint8_t out[32]) {
  uint32_t h;

  fuzz_check(!ctx->stopped, "no pseudonymise after the hub said stop");
  fuzz_check(len == 0 || data != NULL, "pseudonymise() gets its bytes");
  fuzz_check(out != NULL, "pseudonymise() gets room for the result");
  h = fake_hash(data, len); /* reads every byte */
  for (size_t i = 0; i < 32; i++)
    out[i] = (uint8_t)(h >> (8 * (i % 4))) ^ (uint8_t)i;
  return 0;
}

static int fake_emit_record(struct dahub_ctx *ctx, const char *kind,
                            const struct dahub_dim *fields, size_t n_fields,
                            uint32_t line) {
  fuzz_check(text(kind, "record has a kind") > 0, "record kind not empty");
  fuzz_check(n_fields == 0 || fields != NULL, "record fields given");
  for (size_t i = 0; i < n_fields; i++) {
    fuzz_check(text(fields[i].name, "record field name") > 0,
               "record field named");
    (void)text(fields[i].value, "record field value");
  }
  fuzz_check(line >= 1, "record line is 1-based");
  ctx->n_records++;
  return count_call(ctx);
}

static const struct dahub_host fake_host = {
    .struct_size = sizeof(struct dahub_host),
    .emit = fake_emit,
    .warn = fake_warn,
    .pseudonymise = fake_pseudonymise,
    .emit_record = fake_emit_record,
};

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
  f.data = data;
  f.len = len;
  f.max_chunk = max_chunk;
  f.seed = seed | 1; /* xorshift never leaves 0 */
  memset(&err, 0, sizeof err);
  out = plugin->parse(state, &f.in, &fake_host, ctx, &err);
  fuzz_check(out == DAHUB_OK || out == DAHUB_FAIL,
             "OK or FAIL (RETRY is for running out of memory)");
  fuzz_check(out == DAHUB_FAIL || !ctx->stopped,
             "a file the hub stopped is not OK");
  fuzz_check(out == DAHUB_OK || err.msg[0] != '\0', "FAIL says why");
  fuzz_check(memchr(err.msg, '\0', sizeof err.msg) != NULL,
             "the message is terminated");
  return out;
}
