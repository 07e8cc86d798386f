/*
 * test_tally.c: the tally plugin's own test, with a host of its own.
 *
 * It links tally.c directly and plays the hub's part of parse(): it serves
 * a text through in->read a few bytes at a time (so lines straddle reads,
 * as they do with real files) and copies what emit() is handed. Copy it with
 * the plugin and change the cases to your format. Exit status 0 when every
 * case passes; each failure is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/plugin.h"

extern const struct dahub_plugin dahub_plugin_v1;

#define MAX_GOT 16

struct got {
  char area[64], period[64], measure[64], service[64];
  enum dahub_status status;
  int64_t value, bound;
  uint32_t line, col;
};

/* The hub's context is opaque to a plugin; here it is this test's record. */
struct dahub_ctx {
  struct got obs[MAX_GOT];
  size_t n;
};

struct text_input {
  struct dahub_input in; /* first: read() gets it back from the plugin */
  const char *text;
  size_t len, pos, chunk;
};

static int failures;

static void expect(int ok, const char *what, int line) {
  if (!ok) {
    fprintf(stderr, "test_tally.c:%d: failed: %s\n", line, what);
    failures++;
  }
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)

static ssize_t text_read(struct dahub_input *in, void *buf, size_t cap) {
  struct text_input *t = (struct text_input *)in;
  size_t n = t->len - t->pos;

  if (n > t->chunk)
    n = t->chunk;
  if (n > cap)
    n = cap;
  memcpy(buf, t->text + t->pos, n);
  t->pos += n;
  return (ssize_t)n;
}

static void copy(char *dst, size_t cap, const char *s) {
  (void)snprintf(dst, cap, "%s", s != NULL ? s : "");
}

static int emit(struct dahub_ctx *ctx, const struct dahub_obs *o) {
  struct got *g;

  if (ctx->n == MAX_GOT)
    return -1; /* stop: the test holds no more */
  g = &ctx->obs[ctx->n++];
  copy(g->area, sizeof g->area, o->area);
  copy(g->period, sizeof g->period, o->period);
  copy(g->measure, sizeof g->measure, o->measure);
  copy(g->service, sizeof g->service, o->service_id);
  g->status = o->status;
  g->value = o->value;
  g->bound = o->bound;
  g->line = o->line;
  g->col = o->col;
  return 0;
}

static const struct dahub_host host = {.struct_size = sizeof host,
                                       .emit = emit};

/* Opens the plugin with options (JSON text or NULL) and parses text. */
static enum dahub_outcome parse(const char *options, const char *text,
                                struct dahub_ctx *ctx,
                                struct dahub_error *err) {
  struct text_input t = {
      .in = {.name = "q1.tally", .read = text_read, .max_line_bytes = 1 << 20},
      .text = text,
      .len = strlen(text),
      .chunk = 7};
  json_t *opts = options != NULL ? json_loads(options, 0, NULL) : NULL;
  enum dahub_outcome out = DAHUB_FAIL;
  void *state = NULL;

  memset(ctx, 0, sizeof *ctx);
  memset(err, 0, sizeof *err);
  t.in.size = t.len;
  if (dahub_plugin_v1.open(opts, &state, err) == 0)
    out = dahub_plugin_v1.parse(state, &t.in, &host, ctx, err);
  dahub_plugin_v1.close(state);
  json_decref(opts);
  return out;
}

static void test_figures_hidden_and_missing(void) {
  struct dahub_ctx c;
  struct dahub_error e;

  EXPECT(parse("{\"service_id\": \"freeva.male_helpline\"}",
               "# first quarter\r\n"
               "period FY2024-25-Q1\n"
               "measure helpline_contacts\n"
               "\n"
               "Charnwood      31\n"
               "NW Leics\t<5\n"
               "  Melton -",
               &c, &e) == DAHUB_OK);
  EXPECT(c.n == 3);
  EXPECT(strcmp(c.obs[0].area, "Charnwood") == 0);
  EXPECT(c.obs[0].status == DAHUB_ACTUAL && c.obs[0].value == 31);
  EXPECT(c.obs[0].line == 5 && c.obs[0].col == 16);
  EXPECT(strcmp(c.obs[0].period, "FY2024-25-Q1") == 0);
  EXPECT(strcmp(c.obs[0].measure, "helpline_contacts") == 0);
  EXPECT(strcmp(c.obs[0].service, "freeva.male_helpline") == 0);
  EXPECT(strcmp(c.obs[1].area, "NW Leics") == 0);
  EXPECT(c.obs[1].status == DAHUB_SUPPRESSED && c.obs[1].bound == 5);
  EXPECT(strcmp(c.obs[2].area, "Melton") == 0);
  EXPECT(c.obs[2].status == DAHUB_MISSING && c.obs[2].line == 7);
  EXPECT(c.obs[2].col == 10);
}

static void test_a_later_period_applies_to_the_lines_after_it(void) {
  struct dahub_ctx c;
  struct dahub_error e;

  EXPECT(parse(NULL,
               "period FY2024-25-Q1\nmeasure cases_opened\nBlaby 4\n"
               "period FY2024-25-Q2\nBlaby 6\n",
               &c, &e) == DAHUB_OK);
  EXPECT(c.n == 2);
  EXPECT(strcmp(c.obs[1].period, "FY2024-25-Q2") == 0);
  EXPECT(c.obs[1].value == 6 && c.obs[1].service[0] == '\0');
}

static void test_a_figure_before_its_period_fails(void) {
  struct dahub_ctx c;
  struct dahub_error e;

  EXPECT(parse(NULL, "measure cases_opened\nBlaby 4\n", &c, &e) == DAHUB_FAIL);
  EXPECT(c.n == 0 && e.line == 2);
}

static void test_a_bad_figure_names_its_cell(void) {
  struct dahub_ctx c;
  struct dahub_error e;

  EXPECT(parse(NULL, "period FY2024-25-Q1\nmeasure cases_opened\nBlaby 4x\n",
               &c, &e) == DAHUB_FAIL);
  EXPECT(e.line == 3 && e.col == 7);
  EXPECT(strcmp(e.found, "4x") == 0);
  EXPECT(parse(NULL, "period FY2024-25-Q1\nmeasure m\nBlaby\n", &c, &e) ==
         DAHUB_FAIL);
  EXPECT(e.line == 3 && e.col == 1);
  EXPECT(parse(NULL, "period FY2024-25-Q1\nmeasure m\nBlaby 1234567890123456\n",
               &c, &e) == DAHUB_FAIL);
  EXPECT(parse(NULL, "period FY2024 Q1\n", &c, &e) == DAHUB_FAIL);
  EXPECT(e.line == 1 && strcmp(e.field, "period") == 0);
}

static void test_an_overlong_line_is_refused(void) {
  static char text[2100];
  struct dahub_ctx c;
  struct dahub_error e;

  memset(text, 'a', sizeof text - 1);
  EXPECT(parse(NULL, text, &c, &e) == DAHUB_FAIL);
  EXPECT(e.line == 1 && strstr(e.msg, "longer than") != NULL);
}

static void test_options_are_checked(void) {
  void *state = NULL;
  struct dahub_error e = {0};
  json_t *o = json_pack("{s:s}", "servce_id", "x");

  EXPECT(dahub_plugin_v1.open(o, &state, &e) != 0 && state == NULL);
  EXPECT(strstr(e.msg, "servce_id") != NULL);
  json_decref(o);
  o = json_pack("{s:i}", "service_id", 3);
  EXPECT(dahub_plugin_v1.open(o, &state, &e) != 0 && state == NULL);
  json_decref(o);
}

int main(void) {
  EXPECT(dahub_plugin_v1.abi_version == DAHUB_ABI_VERSION);
  EXPECT(strcmp(dahub_plugin_v1.name, "tally") == 0);
  test_figures_hidden_and_missing();
  test_a_later_period_applies_to_the_lines_after_it();
  test_a_figure_before_its_period_fails();
  test_a_bad_figure_names_its_cell();
  test_an_overlong_line_is_refused();
  test_options_are_checked();
  if (failures == 0)
    puts("tally: all cases pass");
  return failures == 0 ? 0 : 1;
}
