/*
 * test_mapped_host.c: the fake host of the mapped plugin's tests (see
 * test_mapped_host.h).
 */
#include "test_mapped_host.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#define container_of(p, type, member)                                          \
  ((type *)(void *)((char *)(p)-offsetof(type, member)))

ssize_t fake_read(struct dahub_input *in, void *buf, size_t cap) {
  struct fake_input *f = container_of(in, struct fake_input, in);
  size_t n = f->len - f->pos;

  if (n > cap)
    n = cap;
  if (n > 7)
    n = 7;
  memcpy(buf, f->data + f->pos, n);
  f->pos += n;
  return (ssize_t)n;
}

static char *dup_or_null(const char *s) {
  char *d;

  if (s == NULL)
    return NULL;
  d = strdup(s);
  assert_non_null(d);
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

static int fake_emit(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct got *g;
  size_t i, used = 0;

  assert_true(ctx->n < MAX_OBS);
  g = &ctx->obs[ctx->n++];
  g->service_id = dup_or_null(o->service_id);
  g->area = dup_or_null(o->area);
  g->period = dup_or_null(o->period);
  g->measure = dup_or_null(o->measure);
  g->raw = dup_or_null(o->raw);
  g->dims[0] = '\0';
  for (i = 0; i < o->n_dims; i++) {
    used += (size_t)snprintf(g->dims + used, sizeof g->dims - used, "%s%s=%s",
                             i ? ";" : "", o->dims[i].name, o->dims[i].value);
    assert_true(used < sizeof g->dims);
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
  return ctx->stop_at != 0 && ctx->n >= ctx->stop_at;
}

static void fake_warn(struct dahub_ctx *ctx, uint32_t line, uint32_t col,
                      const char *msg) {
  struct got_warning *w;

  assert_true(ctx->n_warn < MAX_WARN);
  w = &ctx->warn[ctx->n_warn++];
  w->line = line;
  w->col = col;
  (void)snprintf(w->msg, sizeof w->msg, "%s", msg);
  saw(ctx, msg);
}

/* A stand-in for the hub's HMAC: distinct inputs (up to 31 bytes) give
 * distinct outputs, and the output is not the input. Like the hub's, safe
 * on any thread (and so no cmocka asserts: a longer input fails). */
static int fake_pseudonymise(struct dahub_ctx *ctx, const void *data,
                             size_t len, uint8_t out[32]) {
  const uint8_t *d = data;
  size_t i;

  atomic_fetch_add(&ctx->n_pseudo, 1);
  if (!pthread_equal(pthread_self(), ctx->parse_thread))
    atomic_fetch_add(&ctx->n_pseudo_elsewhere, 1);
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

  assert_true(ctx->n_rec < MAX_REC);
  r = &ctx->rec[ctx->n_rec++];
  (void)snprintf(r->kind, sizeof r->kind, "%s", kind);
  r->fields[0] = '\0';
  for (i = 0; i < n; i++) {
    used +=
        (size_t)snprintf(r->fields + used, sizeof r->fields - used, "%s%s=%s",
                         i ? ";" : "", fields[i].name, fields[i].value);
    assert_true(used < sizeof r->fields);
  }
  r->line = line;
  return 0;
}

const struct dahub_host fake_host = {.struct_size = sizeof fake_host,
                                     .emit = fake_emit,
                                     .warn = fake_warn,
                                     .pseudonymise = fake_pseudonymise,
                                     .emit_record = fake_emit_record};

/* As a hub built before emit_record was appended would lend it. */
const struct dahub_host fake_host_no_records = {
    .struct_size = offsetof(struct dahub_host, emit_record),
    .emit = fake_emit,
    .warn = fake_warn,
    .pseudonymise = fake_pseudonymise,
    .emit_record = fake_emit_record}; /* beyond struct_size: absent */

void fake_reset(struct dahub_ctx *ctx) {
  size_t i;

  for (i = 0; i < ctx->n; i++) {
    free(ctx->obs[i].service_id);
    free(ctx->obs[i].area);
    free(ctx->obs[i].period);
    free(ctx->obs[i].measure);
    free(ctx->obs[i].raw);
  }
  memset(ctx, 0, sizeof *ctx);
}

int fake_setup(void **state) {
  struct dahub_ctx *ctx = calloc(1, sizeof *ctx);

  assert_non_null(ctx);
  *state = ctx;
  return 0;
}

int fake_teardown(void **state) {
  struct dahub_ctx *ctx = *state;

  fake_reset(ctx);
  free(ctx);
  return 0;
}

int open_mapping(const char *json, void **plugin_state,
                 struct dahub_error *err) {
  json_error_t jerr;
  json_t *options = json_loads(json, 0, &jerr);
  int rc;

  if (options == NULL)
    fail_msg("bad test JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
  memset(err, 0, sizeof *err);
  rc = dahub_plugin_v1.open(options, plugin_state, err);
  json_decref(options); /* the state must not borrow from options */
  return rc;
}

enum dahub_outcome parse_with(struct dahub_ctx *ctx,
                              const struct dahub_host *host, const char *json,
                              const char *data, size_t len,
                              struct dahub_error *err) {
  struct fake_input f = {.data = data, .len = len};
  enum dahub_outcome out;
  void *st = NULL;

  if (open_mapping(json, &st, err) != 0)
    fail_msg("open: %s", err->msg);
  f.in.name = "test.csv";
  f.in.size = len;
  f.in.read = fake_read;
  memset(err, 0, sizeof *err);
  ctx->parse_thread = pthread_self();
  out = dahub_plugin_v1.parse(st, &f.in, host ? host : &fake_host, ctx, err);
  dahub_plugin_v1.close(st);
  return out;
}

enum dahub_outcome parse_bytes(struct dahub_ctx *ctx, const char *json,
                               const char *data, size_t len,
                               struct dahub_error *err) {
  return parse_with(ctx, NULL, json, data, len, err);
}

enum dahub_outcome parse_text(struct dahub_ctx *ctx, const char *json,
                              const char *csv, struct dahub_error *err) {
  return parse_bytes(ctx, json, csv, strlen(csv), err);
}

void expect_open_error(const char *json, const char *msg) {
  struct dahub_error err;
  void *st = (void *)&err;

  assert_int_equal(open_mapping(json, &st, &err), -EINVAL);
  assert_null(st);
  assert_string_equal(err.msg, msg);
}

static char *read_file(const char *path, size_t *len) {
  FILE *fp;
  char *buf;
  long n;

  fp = fopen(path, "rb");
  if (fp == NULL)
    fail_msg("cannot open sample %s", path);
  assert_int_equal(fseek(fp, 0, SEEK_END), 0);
  n = ftell(fp);
  assert_true(n > 0);
  rewind(fp);
  buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = '\0';
  fclose(fp);
  *len = (size_t)n;
  return buf;
}

static const char *source_dir(void) {
  const char *src = getenv("DAHUB_SOURCE_DIR");

  if (src == NULL)
    fail_msg("DAHUB_SOURCE_DIR is not set (ctest sets it)");
  return src;
}

char *read_sample(const char *name, size_t *len) {
  char path[1024];

  assert_true(snprintf(path, sizeof path, "%s/../shared/domain/samples/%s",
                       source_dir(), name) < (int)sizeof path);
  return read_file(path, len);
}

char *read_spool_sample(const char *feed, const char *name, size_t *len) {
  char path[1024];

  assert_true(snprintf(path, sizeof path, "%s/spool/%s/sample/%s", source_dir(),
                       feed, name) < (int)sizeof path);
  return read_file(path, len);
}

char *feed_options(const char *feed) {
  char path[1024], *text;
  json_error_t jerr;
  json_t *doc;

  assert_true(snprintf(path, sizeof path, "%s/conf/feeds.d/%s.json",
                       source_dir(), feed) < (int)sizeof path);
  doc = json_load_file(path, 0, &jerr);
  if (doc == NULL)
    fail_msg("%s: %s", path, jerr.text);
  text = json_dumps(json_object_get(doc, "options"), 0);
  assert_non_null(text);
  json_decref(doc);
  return text;
}

const struct got_warning *find_warning(const struct dahub_ctx *ctx,
                                       const char *text) {
  size_t i;

  for (i = 0; i < ctx->n_warn; i++)
    if (strstr(ctx->warn[i].msg, text) != NULL)
      return &ctx->warn[i];
  return NULL;
}

static int matches(const struct got *g, const char *area, const char *measure,
                   const char *period, const char *dims) {
  return (area == NULL || strcmp(g->area, area) == 0) &&
         (measure == NULL || strcmp(g->measure, measure) == 0) &&
         (period == NULL || strcmp(g->period, period) == 0) &&
         (dims == NULL || strcmp(g->dims, dims) == 0);
}

const struct got *find_dims(const struct dahub_ctx *ctx, const char *area,
                            const char *measure, const char *period,
                            const char *dims) {
  size_t i;

  for (i = 0; i < ctx->n; i++)
    if (matches(&ctx->obs[i], area, measure, period, dims))
      return &ctx->obs[i];
  fail_msg("no observation for %s %s %s {%s}", area ? area : "*",
           measure ? measure : "*", period ? period : "*", dims ? dims : "*");
  return NULL;
}

const struct got *find(const struct dahub_ctx *ctx, const char *area,
                       const char *measure, const char *period) {
  return find_dims(ctx, area, measure, period, NULL);
}

size_t count_obs(const struct dahub_ctx *ctx, const char *area,
                 const char *measure, const char *period, const char *dims) {
  size_t i, n = 0;

  for (i = 0; i < ctx->n; i++)
    n += (size_t)matches(&ctx->obs[i], area, measure, period, dims);
  return n;
}
