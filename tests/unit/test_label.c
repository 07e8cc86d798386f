/*
 * test_label.c: one label-folding rule (dahub/label.h) for the hub's
 * vocabulary and a mapping's "values": a label written with punctuation or
 * "&" matches a cell in a mapping exactly as it does in the vocabulary.
 *
 * Each case writes a one-label vocabulary into a temporary folder and a
 * mapping with the same label, then asks both about the same cell. The
 * mapped plugin runs under the fake host, compiled in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dahub/label.h"

#include "fixture.h"
#include "test_mapped_host.h"

struct pair {
  const char *label; /* as the vocabulary and the mapping list it */
  const char *cell;  /* as a partner writes it */
  int same;          /* 1: one label */
};

static const struct pair pairs[] = {
    {"Black & Minority-Ethnic", "black and minority ethnic", 1},
    {"Black & Minority-Ethnic", "BLACK AND MINORITY ETHNIC", 1},
    {"black and minority ethnic", "Black&Minority Ethnic", 1},
    {"Mixed White & Asian", "  mixed white  and asian ", 1},
    {"Out of area",
     "Out\xE2\x80\x93of\xE2\x80\x93"
     "area",
     1}, /* en dashes, as Word types them */
    {"Not known", "not known.", 1},
    {"85+", "85 plus", 1},
    {"85+", "85", 0},
    {"Black & Minority-Ethnic", "black minority ethnic", 0},
};

static void test_fold_reads_and_and_drops_punctuation(void **state) {
  char out[DAHUB_LABEL_MAX];
  const char *s = "Black & Minority-Ethnic";

  (void)state;
  assert_int_equal(dahub_label_fold(s, strlen(s), out), 25);
  assert_string_equal(out, "black and minority ethnic");
  assert_int_equal(dahub_label_fold(" -- ", 4, out), 0);
  assert_string_equal(out, "");
}

static void test_fold_refuses_what_does_not_fit(void **state) {
  char in[DAHUB_LABEL_MAX + 8], out[DAHUB_LABEL_MAX];

  (void)state;
  memset(in, 'a', sizeof in);
  assert_int_equal(dahub_label_fold(in, DAHUB_LABEL_MAX - 1, out),
                   DAHUB_LABEL_MAX - 1);
  assert_int_equal(dahub_label_fold(in, DAHUB_LABEL_MAX, out), -ENAMETOOLONG);
  assert_int_equal(strlen(out), DAHUB_LABEL_MAX - 1);
}

/* A vocabulary whose one ethnicity code has the one label. */
static struct vocab *load_vocab(const char *dir, const char *label) {
  char path[256];
  struct errlist errs = {0};
  struct vocab *v = NULL;
  FILE *fp;

  assert_true(snprintf(path, sizeof path, "%s/vocabulary.json", dir) <
              (int)sizeof path);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fprintf(fp,
          "{\"measures\": {\"helpline_contacts\": {\"unit\": \"count\"}},\n"
          " \"areas\": {\"E10000018\": {\"name\": \"Leicestershire\"}},\n"
          " \"dimensions\": {\"ethnicity\": {\"black_minoritised\": "
          "[\"%s\"]}}}\n",
          label);
  assert_int_equal(fclose(fp), 0);
  if (vocab_load(path, &v, &errs) != 0)
    errlist_each(&errs, fixture_print_error, NULL);
  errlist_clear(&errs);
  assert_int_equal(unlink(path), 0);
  assert_non_null(v);
  return v;
}

/* The code the mapping's "values" give the cell, or NULL: the label does
 * not match and "unknown" leaves the row out. */
static const char *mapped_code(struct dahub_ctx *ctx, const char *label,
                               const char *cell) {
  char json[1024], csv[256];
  struct dahub_error err;
  const char *eq;

  assert_true(
      snprintf(json, sizeof json,
               "{\"layout\": \"long\", \"header\": {\"row\": 1},"
               " \"fixed\": {\"area\": \"E10000018\", \"period\":"
               " \"FY2024-25-Q1\", \"measure\": \"helpline_contacts\"},"
               " \"columns\": {\"value\": \"Count\", \"dimensions\":"
               " {\"ethnicity\": \"Ethnicity\"}},"
               " \"values\": {\"ethnicity\": {\"%s\": \"black_minoritised\"}},"
               " \"unknown\": {\"ethnicity\": \"skip\"}}",
               label) < (int)sizeof json);
  assert_true(snprintf(csv, sizeof csv, "Ethnicity,Count\n%s,5\n", cell) <
              (int)sizeof csv);
  fake_reset(ctx);
  assert_int_equal(parse_text(ctx, json, csv, &err), DAHUB_OK);
  if (ctx->n == 0)
    return NULL;
  assert_int_equal(ctx->n, 1);
  eq = strchr(ctx->obs[0].dims, '=');
  assert_non_null(eq);
  return eq + 1;
}

static void test_values_match_as_the_vocabulary_does(void **state) {
  struct dahub_ctx *ctx = *state;
  char dir[64];
  size_t i;

  (void)snprintf(dir, sizeof dir, "/tmp/dahub-label-XXXXXX");
  assert_non_null(mkdtemp(dir));
  for (i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    const struct pair *p = &pairs[i];
    struct vocab *v = load_vocab(dir, p->label);
    const char *in_vocab = vocab_dim_value(v, "ethnicity", p->cell);
    const char *in_mapping = mapped_code(ctx, p->label, p->cell);

    print_message("  \"%s\" ~ \"%s\"\n", p->label, p->cell);
    if (p->same) {
      assert_non_null(in_vocab);
      assert_non_null(in_mapping);
      assert_string_equal(in_vocab, "black_minoritised");
      assert_string_equal(in_mapping, "black_minoritised");
    } else {
      assert_null(in_vocab);
      assert_null(in_mapping);
    }
    vocab_free(v);
  }
  assert_int_equal(rmdir(dir), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fold_reads_and_and_drops_punctuation),
      cmocka_unit_test(test_fold_refuses_what_does_not_fit),
      cmocka_unit_test_setup_teardown(test_values_match_as_the_vocabulary_does,
                                      fake_setup, fake_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
