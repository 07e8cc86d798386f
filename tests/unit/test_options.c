/*
 * test_options.c: a JSON object checked against an option table
 * (dahub/options.h): unknown keys, types, ranges, defaults, every
 * problem of an object reported at once, and the known key an unknown one
 * is likely a typo of ("did you mean").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dahub/options.h"

struct conf {
  uint64_t rows;
  uint64_t keep_s;
  int strict;
  const char *name;
  const char *feed;
  const json_t *columns;
  int colour; /* by the setter: 1 red, 2 blue */
};

static int set_colour(void *dst, const struct dahub_opt *o, const json_t *v) {
  struct conf *c = dst;

  (void)o;
  if (strcmp(json_string_value(v), "red") == 0)
    c->colour = 1;
  else if (strcmp(json_string_value(v), "blue") == 0)
    c->colour = 2;
  else
    return -EINVAL;
  return 0;
}

#define AT(field) offsetof(struct conf, field)
/* clang-format off */
static const struct dahub_opt table[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"rows", DAHUB_OPT_UINT, 0, 1, 100, 10, AT(rows), NULL, NULL, "rows to read"},
  {"keep", DAHUB_OPT_DURATION, 0, 0, 86400, 3600, AT(keep_s), NULL, NULL, "how long to keep"},
  {"strict", DAHUB_OPT_BOOL, 0, 0, 0, 1, AT(strict), NULL, NULL, "refuse odd rows"},
  {"name", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(name), NULL, NULL, "what to call it"},
  {"feed", DAHUB_OPT_IDENT, 0, 0, 8, 0, AT(feed), NULL, NULL, "the feed's name"},
  {"columns", DAHUB_OPT_OBJECT, 0, 0, 0, 0, AT(columns), NULL, NULL, "header -> field"},
  {"colour", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_colour, "\"red\" or \"blue\"", "a colour"},
  {.key = NULL}};
/* clang-format on */
#undef AT

/* Every problem, as "path kind expected found", one a line. */
struct seen {
  char text[1024];
  size_t len;
  int n;
};

static void collect(void *arg, const struct dahub_opt_problem *p) {
  static const char *const kinds[] = {"unknown", "missing",    "type", "range",
                                      "invalid", "not_object", "nomem"};
  struct seen *s = arg;
  char want[128] = "-";

  if (p->opt != NULL)
    (void)dahub_opt_expected(p->opt, want, sizeof want);
  s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                             "%s %s [%s] %s%s%s\n", p->path, kinds[p->kind],
                             want, dahub_opt_found(p->value),
                             p->near ? " ~" : "", p->near ? p->near : "");
  s->n++;
}

/* Checks text against the table; the problems land in s. */
static int check_into(const char *text, struct conf *c, struct seen *s) {
  json_error_t je;
  json_t *o = json_loads(text, 0, &je);
  int rc;

  assert_non_null(o);
  memset(c, 0, sizeof *c);
  memset(s, 0, sizeof *s);
  rc = dahub_opt_check(o, "options", table, c, collect, s);
  json_decref(o);
  return rc;
}

/* Each test's struct and problems, fresh. */
struct fix {
  struct conf c;
  struct seen s;
};

static int fix_setup(void **state) {
  static struct fix f;

  memset(&f, 0, sizeof f);
  *state = &f;
  return 0;
}

static int check(struct fix *f, const char *text) {
  return check_into(text, &f->c, &f->s);
}

static void test_good_object_fills_the_struct(void **state) {
  struct conf c;
  struct seen s;
  json_t *o = json_loads("{\"name\": \"n\", \"rows\": 100, \"keep\": \"2h\", "
                         "\"strict\": false, \"feed\": \"freeva\", "
                         "\"columns\": {}, \"colour\": \"blue\"}",
                         0, NULL);

  (void)state;
  memset(&s, 0, sizeof s);
  assert_int_equal(dahub_opt_check(o, "options", table, &c, collect, &s), 0);
  assert_int_equal(s.n, 0);
  assert_int_equal(c.rows, 100);
  assert_int_equal(c.keep_s, 7200);
  assert_int_equal(c.strict, 0);
  assert_string_equal(c.name, "n");
  assert_string_equal(c.feed, "freeva");
  assert_ptr_equal(c.columns, json_object_get(o, "columns"));
  assert_int_equal(c.colour, 2);
  json_decref(o);
}

static void test_default_applied_when_absent(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"name\": \"n\"}"), 0);
  assert_int_equal(f->c.rows, 10);
  assert_int_equal(f->c.keep_s, 3600);
  assert_int_equal(f->c.strict, 1);
  assert_null(f->c.feed);
  assert_null(f->c.columns);
  /* an absent object gets its defaults, and its required keys are missed */
  memset(&f->s, 0, sizeof f->s);
  assert_int_equal(
      dahub_opt_check(NULL, "options", table, &f->c, collect, &f->s), -EINVAL);
  assert_int_equal(f->c.rows, 10);
  assert_string_equal(f->s.text, "options.name missing [a non-empty string] "
                                 "nothing\n");
}

static void test_unknown_key_is_named_by_its_path(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"name\": \"n\", \"rwos\": 5}"), -EINVAL);
  assert_string_equal(f->s.text, "options.rwos unknown [-] a number ~rows\n");
}

/* An unknown key a person could have meant as a known one names it; one
 * nothing like any key names none. */
static void test_unknown_key_names_the_key_it_is_a_typo_of(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"name\": \"n\", \"stirct\": true, "
                            "\"Colour\": \"red\", \"fed\": \"x\", "
                            "\"provenance\": 1}"),
                   -EINVAL);
  assert_string_equal(f->s.text,
                      "options.stirct unknown [-] true/false ~strict\n"
                      "options.Colour unknown [-] a string ~colour\n"
                      "options.fed unknown [-] a string ~feed\n"
                      "options.provenance unknown [-] a number\n");
}

/* Insertions, deletions, changes and swapped neighbours count one each;
 * case does not count; past max the answer is max + 1. */
static void test_distance_counts_edits(void **state) {
  (void)state;
  assert_int_equal(dahub_opt_distance("expect", "expect", 3), 0);
  assert_int_equal(dahub_opt_distance("expct", "expect", 3), 1);
  assert_int_equal(dahub_opt_distance("expectt", "expect", 3), 1);
  assert_int_equal(dahub_opt_distance("exbect", "expect", 3), 1);
  assert_int_equal(dahub_opt_distance("hedaer", "header", 3), 1);
  assert_int_equal(dahub_opt_distance("HEADER", "header", 3), 0);
  assert_int_equal(dahub_opt_distance("delimeter", "delimiter", 3), 1);
  assert_int_equal(dahub_opt_distance("colums", "columns", 3), 1);
  assert_int_equal(dahub_opt_distance("", "abc", 3), 3);
  assert_int_equal(dahub_opt_distance("layout", "values", 2), 3);
  assert_int_equal(dahub_opt_distance("a", "abcdefgh", 3), 4);
}

/* The nearest candidate, if near enough for its length; never the word
 * itself, nor a candidate that would need to be rewritten whole. */
static void test_nearest_is_a_likely_typo_or_none(void **state) {
  static const char *const keys[] = {"name",   "description", "plugin",
                                     "expect", "options",     "personal",
                                     "header", NULL};
  static const char *const units[] = {"count", "percent", "gbp", "days", NULL};

  (void)state;
  assert_string_equal(dahub_opt_nearest("expct", keys), "expect");
  assert_string_equal(dahub_opt_nearest("Expect", keys), "expect");
  assert_string_equal(dahub_opt_nearest("option", keys), "options");
  assert_string_equal(dahub_opt_nearest("descripton", keys), "description");
  assert_string_equal(dahub_opt_nearest("persnoal", keys), "personal");
  assert_string_equal(dahub_opt_nearest("hedaer", keys), "header");
  assert_null(dahub_opt_nearest("expect", keys)); /* itself: no typo */
  assert_null(dahub_opt_nearest("households", units));
  assert_null(dahub_opt_nearest("xy", units));
  assert_string_equal(dahub_opt_nearest("gpb", units), "gbp");
  assert_string_equal(dahub_opt_nearest("percnt", units), "percent");
  assert_null(dahub_opt_nearest(NULL, units));
}

static void test_choices_are_listed(void **state) {
  static const char *const kinds[] = {"long", "wide", "cases", NULL};
  char buf[64], small[12];

  (void)state;
  assert_string_equal(dahub_opt_choices(kinds, buf, sizeof buf),
                      "one of long, wide, cases");
  assert_string_equal(dahub_opt_choices(kinds, small, sizeof small),
                      "one of long");
}

static void test_wrong_type_says_what_was_expected(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"name\": \"n\", \"strict\": \"yes\"}"), -EINVAL);
  assert_string_equal(f->s.text,
                      "options.strict type [true or false] a string\n");
  assert_int_equal(f->c.strict, 1); /* the default stays */
  assert_int_equal(check(f, "{\"name\": \"\"}"), -EINVAL);
  assert_string_equal(f->s.text,
                      "options.name type [a non-empty string] a string\n");
}

static void test_out_of_range_is_refused(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"name\": \"n\", \"rows\": 101}"), -EINVAL);
  assert_string_equal(
      f->s.text,
      "options.rows range [a whole number from 1 to 100] a number\n");
  assert_int_equal(f->c.rows, 10);
  assert_int_equal(check(f, "{\"name\": \"n\", \"rows\": -1}"), -EINVAL);
  assert_int_equal(f->s.n, 1);
  assert_int_equal(check(f, "{\"name\": \"n\", \"keep\": \"2d\"}"), -EINVAL);
  assert_string_equal(
      f->s.text,
      "options.keep invalid [a duration such as \"30d\"] a string\n");
}

static void test_every_problem_is_reported_at_once(void **state) {
  struct fix *f = *state;

  assert_int_equal(check(f, "{\"rows\": 0, \"colour\": \"green\", \"x\": 1, "
                            "\"feed\": \"Freeva\", \"columns\": [], "
                            "\"strict\": true}"),
                   -EINVAL);
  assert_string_equal(f->s.text,
                      "options.rows range [a whole number from 1 to 100] "
                      "a number\n"
                      "options.colour invalid [\"red\" or \"blue\"] a string\n"
                      "options.x unknown [-] a number\n"
                      "options.feed invalid [lower-case letters, digits and "
                      "_] a string\n"
                      "options.columns type [an object] an array\n"
                      "options.name missing [a non-empty string] nothing\n");
  assert_int_equal(f->s.n, 6);
  assert_int_equal(f->c.strict, 1); /* the good ones are still taken */
}

static void test_not_an_object_is_one_problem(void **state) {
  struct seen s;
  struct conf c;
  json_t *a = json_array();

  (void)state;
  memset(&s, 0, sizeof s);
  assert_int_equal(dahub_opt_check(a, "", table, &c, collect, &s), -EINVAL);
  assert_string_equal(s.text, " not_object [-] an array\n");
  json_decref(a);
}

static void test_duration_and_ident_edges(void **state) {
  uint64_t t = 0;

  (void)state;
  assert_int_equal(dahub_opt_duration("3650d", 3650 * 86400ull, &t), 0);
  assert_int_equal(t, 3650 * 86400ull);
  assert_int_equal(dahub_opt_duration("3651d", 3650 * 86400ull, &t), -EINVAL);
  assert_int_equal(dahub_opt_duration("1234567890s", UINT64_MAX, &t), -EINVAL);
  assert_int_equal(dahub_opt_duration("30 days", UINT64_MAX, &t), -EINVAL);
  assert_int_equal(dahub_opt_duration("d", UINT64_MAX, &t), -EINVAL);
  assert_true(dahub_opt_is_ident("a_1", 3));
  assert_false(dahub_opt_is_ident("a_12", 3));
  assert_false(dahub_opt_is_ident("", 3));
  assert_false(dahub_opt_is_ident(NULL, 3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_object_fills_the_struct),
      cmocka_unit_test_setup(test_default_applied_when_absent, fix_setup),
      cmocka_unit_test_setup(test_unknown_key_is_named_by_its_path, fix_setup),
      cmocka_unit_test_setup(test_unknown_key_names_the_key_it_is_a_typo_of,
                             fix_setup),
      cmocka_unit_test(test_distance_counts_edits),
      cmocka_unit_test(test_nearest_is_a_likely_typo_or_none),
      cmocka_unit_test(test_choices_are_listed),
      cmocka_unit_test_setup(test_wrong_type_says_what_was_expected, fix_setup),
      cmocka_unit_test_setup(test_out_of_range_is_refused, fix_setup),
      cmocka_unit_test_setup(test_every_problem_is_reported_at_once, fix_setup),
      cmocka_unit_test(test_not_an_object_is_one_problem),
      cmocka_unit_test(test_duration_and_ident_edges),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
