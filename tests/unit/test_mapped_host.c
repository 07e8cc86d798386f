/*
 * test_mapped_host.c: what the mapped plugin's tests share (see
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

void fake_reset(struct dahub_ctx *ctx) { fake_ctx_clear(ctx); }

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
