/*
 * test_boardpack.c: the board pack's modules (plugins/boardpack/): the
 * axis and bars of its SVG charts, escaping, each section against a fixed
 * summary (tests/unit/fixtures/boardpack_summary.json), and the plugin as
 * the hub loads it: its options and a byte-identical rendering.
 *
 * All figures are synthetic.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "charts.h"
#include "common.h"
#include "plugin_host.h"
#include "sections.h"
#include "sink_out.h"
#include "svg.h"

#ifndef DAHUB_BUILD_DIR_DEFAULT
#define DAHUB_BUILD_DIR_DEFAULT "build"
#endif

#include "boardpack_fixture.h"

/* The fixture, with the pack's settings a sink would read from hub.json. */
static int fx_setup(void **state) {
  struct fx *f;

  fx_open(state);
  f = *state;
  (void)snprintf(f->conf.board, sizeof f->conf.board, "Test board");
  (void)snprintf(f->conf.headline[0], sizeof f->conf.headline[0],
                 "referrals_received");
  (void)snprintf(f->conf.headline[1], sizeof f->conf.headline[1],
                 "individuals_supported");
  f->conf.n_headline = 2;
  return 0;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;

  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* 1 when a digit appears in the text between tags (not in markup). */
static int digits_in_text(const char *s) {
  int in_tag = 0;

  for (; *s != '\0'; s++) {
    if (*s == '<')
      in_tag = 1;
    else if (*s == '>')
      in_tag = 0;
    else if (!in_tag && *s >= '0' && *s <= '9')
      return 1;
  }
  return 0;
}

static struct svg_bar shown(const char *label, double v, const char *text) {
  struct svg_bar b = {.label = label};

  b.cell.kind = CELL_SHOWN;
  b.cell.amount = v;
  (void)snprintf(b.cell.text, sizeof b.cell.text, "%s", text);
  return b;
}

static struct svg_bar hidden(const char *label) {
  struct svg_bar b = {.label = label};

  b.cell.kind = CELL_CONFIDENTIAL;
  (void)snprintf(b.cell.text, sizeof b.cell.text, "[c]");
  return b;
}

/* ------------------------------------------------------------ scales */

static void test_scale_of_zero_is_one_step(void **state) {
  struct svg_scale s;

  (void)state;
  svg_scale(0, &s);
  assert_true(s.top == 1 && s.step == 1 && s.n_ticks == 2);
}

static void test_scale_of_one(void **state) {
  struct svg_scale s;

  (void)state;
  svg_scale(1, &s);
  assert_true(s.top == 1 && s.step == 1 && s.n_ticks == 2);
}

static void test_scale_of_seven_steps_by_two(void **state) {
  struct svg_scale s;

  (void)state;
  svg_scale(7, &s);
  assert_true(s.step == 2 && s.top == 8 && s.n_ticks == 5);
}

static void test_scale_of_the_2024_allocation(void **state) {
  struct svg_scale s;

  (void)state;
  svg_scale(1174689, &s);
  assert_true(s.step == 500000 && s.top == 1500000 && s.n_ticks == 4);
}

static void test_ticks_are_written_grouped(void **state) {
  struct fx *f = *state;
  struct svg_bar b = shown("2024-25", 1174689,
                           "\xC2\xA3"
                           "1,174,689");

  svg_hbars(&f->h, "Allocations", "Funding allocated", &b, 1);
  assert_non_null(strstr(out(f), ">1,500,000</text>"));
  assert_non_null(strstr(out(f), ">500,000</text>"));
  assert_int_equal(count(out(f), "class=\"tick\""), 4);
  /* the figure in the accessible description and at the bar's end */
  assert_int_equal(count(out(f), "1,174,689"), 3);
}

/* ------------------------------------------------------------ bars */

static void test_empty_series_draws_nothing(void **state) {
  struct fx *f = *state;

  svg_hbars(&f->h, "Nothing", "No figures", NULL, 0);
  assert_string_equal(out(f), "");
}

static void test_one_bar_starts_at_zero_and_fills_its_share(void **state) {
  struct fx *f = *state;
  struct svg_bar b = shown("Blaby", 7, "7");

  svg_hbars(&f->h, "One", "One bar", &b, 1);
  /* 7 on an axis to 8: 340 * 7 / 8 pixels from x = 200, the zero line */
  assert_non_null(
      strstr(out(f), "<rect x=\"200\" y=\"12\" width=\"297.5\" height=\"16\""));
  assert_int_equal(count(out(f), "fill=\"#12436D\""), 1);
  assert_non_null(strstr(out(f), "<title id=\"svg-t-1\">One</title>"));
  assert_non_null(strstr(out(f), "<desc id=\"svg-d-1\">One bar: Blaby 7."));
}

static void test_all_suppressed_has_marks_and_no_number(void **state) {
  struct fx *f = *state;
  struct svg_bar b[3] = {hidden("Blaby"), hidden("Melton"), hidden("Rutland")};

  svg_hbars(&f->h, "Hidden", "All hidden", b, 3);
  assert_int_equal(count(out(f), "fill=\"url(#hatch-1)\""), 3);
  assert_int_equal(count(out(f), "class=\"tick\""), 0);
  assert_int_equal(count(out(f), ">[c]</text>"), 3);
  assert_false(digits_in_text(out(f)));
}

static void test_hidden_mark_has_the_same_size_whatever_else(void **state) {
  struct fx *f = *state;
  struct svg_bar b[2] = {shown("Blaby", 900, "900"), hidden("Melton")};

  svg_hbars(&f->h, "Mixed", "Mixed", b, 2);
  assert_non_null(strstr(out(f), "width=\"16\" height=\"16\" "
                                 "fill=\"url(#hatch-1)\""));
}

static void test_long_label_is_cut_in_the_chart_only(void **state) {
  struct fx *f = *state;
  const char *label = "Specialist Therapeutic Support - Young People's "
                      "Counsellor";
  struct svg_bar b = shown(label, 3, "3");

  svg_hbars(&f->h, "Long", "Long label", &b, 1);
  chart_table(&f->h, "Long", "Service", &b, 1);
  /* 26 characters and an ellipsis in the chart */
  assert_non_null(strstr(out(f), ">Specialist Therapeutic Sup\xE2\x80\xA6<"));
  /* in full in the bar's title, the description and the table */
  assert_int_equal(count(out(f),
                         "Specialist Therapeutic Support - Young People&#39;s "
                         "Counsellor"),
                   3);
}

static void test_negative_figure_draws_no_bar(void **state) {
  struct fx *f = *state;
  struct svg_bar b[2] = {shown("Q4", 5, "5"), shown("Change", -3, "-3")};

  svg_hbars(&f->h, "Changes", "Changes", b, 2);
  assert_int_equal(count(out(f), "fill=\"#12436D\""), 1);
  assert_non_null(strstr(out(f), ">-3</text>"));
}

/* ------------------------------------------------------------ escaping */

static void test_script_in_a_name_is_text(void **state) {
  struct fx *f = *state;

  html_text(&f->h, "<script>alert('x')</script> & \"q\"");
  assert_string_equal(out(f), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
                              "&amp; &quot;q&quot;");
}

static void test_control_bytes_are_dropped(void **state) {
  struct fx *f = *state;

  html_text(&f->h, "a\x01"
                   "b\x1b[0mc\td\n");
  assert_string_equal(out(f), "ab[0mc\td\n");
}

static void test_cut_never_splits_a_character(void **state) {
  struct fx *f = *state;

  html_text_cut(&f->h, "\xC3\xA9\xC3\xA9\xC3\xA9", 2);
  assert_string_equal(out(f), "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
}

static void test_script_in_the_summary_renders_as_text(void **state) {
  struct fx *f = *state;
  json_t *c = json_array_get(f->d.contracts, 0);
  json_t *fig = json_array_get(f->d.figures, 10); /* freeva's referrals */

  json_object_set_new(c, "provider", json_string("<script>x()</script>"));
  json_object_set_new(fig, "source_id", json_string("<script>y()</script>"));
  section_areas(&f->h, &f->d);
  section_funding(&f->h, &f->d);
  assert_null(strstr(out(f), "<script"));
  assert_non_null(strstr(out(f), "&lt;script&gt;x()&lt;/script&gt;"));
  assert_non_null(strstr(out(f), "&lt;script&gt;y()&lt;/script&gt;"));
}

/* ------------------------------------------------------------ words */

static void test_period_in_words(void **state) {
  struct fx *f = *state;
  char w[96];

  assert_int_equal(
      doc_period_words(json_object_get(f->summary, "period"), w, sizeof w), 0);
  assert_string_equal(w, "Q1 2024/25, 1 April \xE2\x80\x93 30 June 2024");
  assert_int_equal(doc_period_name("FY2024-25", w, sizeof w), 0);
  assert_string_equal(w, "2024/25");
  assert_int_equal(doc_period_name("FY2024-26-Q1", w, sizeof w), -EINVAL);
}

static void test_numbers_are_grouped(void **state) {
  char w[32];

  (void)state;
  assert_int_equal(doc_group_digits("1174689", w, sizeof w), 0);
  assert_string_equal(w, "1,174,689");
  assert_int_equal(doc_group_digits("-1000.50", w, sizeof w), 0);
  assert_string_equal(w, "-1,000.50");
  assert_int_equal(doc_group_digits("0", w, sizeof w), 0);
  assert_string_equal(w, "0");
  assert_int_equal(doc_group_digits("12a", w, sizeof w), -EINVAL);
}

static void test_a_null_value_is_never_a_number(void **state) {
  struct fx *f = *state;
  json_t *fig = json_pack("{s:s, s:n, s:s, s:i}", "unit", "count", "value",
                          "marker", "[c]", "bound", 4321);
  struct cell c;

  doc_cell(&f->d, fig, &c);
  assert_int_equal(c.kind, CELL_CONFIDENTIAL);
  assert_string_equal(c.text, "[c]");
  assert_true(c.amount == 0);
  json_decref(fig);
}

/* ------------------------------------------------------------ sections */

static void test_cover(void **state) {
  struct fx *f = *state;

  section_cover(&f->h, &f->d, &f->conf);
  assert_non_null(strstr(out(f), "<p class=\"board\">Test board</p>"));
  assert_non_null(strstr(out(f), "Q1 2024/25, 1 April \xE2\x80\x93 30 June "
                                 "2024"));
  assert_non_null(strstr(out(f), "<dt>Meeting</dt><dd>27 September 2024"));
  assert_non_null(strstr(out(f), "<dt>Version</dt><dd>2</dd>"));
  assert_non_null(strstr(out(f), "<dd>15 July 2024, 08:30 UTC</dd>"));
  assert_non_null(strstr(out(f), "2 of 3 expected returns received; late: "
                                 "wall; corrected since first received: "
                                 "freeva."));
}

static void test_key_figures(void **state) {
  struct fx *f = *state;

  section_key_figures(&f->h, &f->d, &f->conf);
  assert_non_null(strstr(out(f), "<h3>Referrals received</h3><p "
                                 "class=\"figure\">106</p>"));
  assert_non_null(strstr(out(f), "Down 3 on Q4 2023/24 (previous quarter)"));
  assert_non_null(strstr(out(f), "Up 12 on Q1 2023/24 (a year before)"));
  assert_non_null(strstr(out(f), "<h3>Individuals supported</h3><p "
                                 "class=\"figure marker\">[c]</p>"));
  assert_int_equal(count(out(f), "<li class=\"tile\">"), 2);
  /* the published quarters before, then the figure: one line, one table */
  assert_non_null(strstr(out(f), ">Q3 2023/24 98; Q4 2023/24 109; Q1 2024/25 "
                                 "106.</desc>"));
  assert_int_equal(count(out(f), "<polyline"), 1);
  assert_non_null(strstr(out(f), "<caption>Referrals received, the last 3 "
                                 "quarters</caption>"));
  /* a hidden figure's tile has its marker and nothing that could place it,
   * even from a summary that carried a comparison beside it */
  assert_null(strstr(out(f), "4321"));
  assert_null(strstr(out(f), "4,317"));
  assert_int_equal(count(out(f), "Down "), 1);
}

static void test_trend_with_a_hidden_point_is_not_drawn(void **state) {
  struct fx *f = *state;
  struct svg_bar p[3] = {shown("Q3", 98, "98"), hidden("Q4"),
                         shown("Q1", 106, "106")};

  svg_trend(&f->h, "Trend", p, 3);
  assert_string_equal(out(f), "");
  svg_trend(&f->h, "Trend", p, 1);
  assert_string_equal(out(f), "");
}

static void test_by_area(void **state) {
  struct fx *f = *state;
  const char *s, *charnwood, *all;

  section_areas(&f->h, &f->d);
  s = out(f);
  assert_non_null(strstr(s, "<h3>Referrals received by area</h3>"));
  /* districts first, the partnership last */
  charnwood = strstr(s, "<tr><th scope=\"row\">Charnwood</th>");
  all = strstr(s, "<tr><th scope=\"row\">Partnership (all areas)</th>");
  assert_non_null(charnwood);
  assert_non_null(all);
  assert_true(charnwood < all);
  assert_non_null(strstr(s, "Harborough</th><td class=\"num "
                            "marker\">[low]</td>"));
  assert_non_null(strstr(s, "Hinckley and Bosworth</th><td class=\"num "
                            "marker\">[x]</td>"));
  assert_non_null(strstr(s, "Source: returns from freeva."));
  assert_non_null(strstr(s, "Each partner's figures"));
  /* MARAC has a section of its own */
  assert_null(strstr(s, "MARAC cases discussed by area"));
}

static void test_breakdowns(void **state) {
  struct fx *f = *state;

  section_breakdowns(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<h3>Referrals received by age band</h3>"));
  assert_non_null(strstr(out(f), "25-34</th><td class=\"num "
                                 "marker\">[c]</td>"));
  assert_int_equal(count(out(f), "<svg "), 1);
}

static void test_safe_accommodation(void **state) {
  struct fx *f = *state;

  section_safe_accommodation(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<h3>Safe accommodation households "
                                 "supported by lot</h3>"));
  assert_non_null(strstr(out(f), "BAME support</th><td class=\"num\">17<"));
}

static void test_marac(void **state) {
  struct fx *f = *state;

  section_marac(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<h3>MARAC cases discussed by area</h3>"));
  assert_non_null(strstr(out(f), "Melton</th><td class=\"num "
                                 "marker\">[c]</td>"));
  assert_non_null(strstr(out(f), "MARAC repeat share</td><th "
                                 "scope=\"row\">Partnership (all areas)</th>"
                                 "<td class=\"num\">32.0%</td>"));
}

static void test_funding_and_contracts(void **state) {
  struct fx *f = *state;
  const char *s, *soon, *later;

  section_funding(&f->h, &f->d);
  s = out(f);
  soon = strstr(s, "<tr class=\"soon\"><th scope=\"row\">DA Support for Male "
                   "Victims - Helpline Worker</th>");
  later = strstr(s, "Specialist DA Substance Misuse Support</th>");
  assert_non_null(soon);
  assert_non_null(later);
  assert_true(soon < later); /* by end date */
  assert_non_null(strstr(s, "\xC2\xA3"
                            "114,816.00"));
  assert_non_null(
      strstr(s, "<td>31 August 2024</td><td></td><td><strong>Ends soon"));
  assert_non_null(strstr(s, "ending within 6 months"));
}

static void test_notes(void **state) {
  struct fx *f = *state;

  section_notes(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<dt>[c]</dt><dd>Confidential"));
  assert_non_null(strstr(out(f), "(below 5,"));
  assert_non_null(strstr(out(f), "In this summary 2 figures are confidential"));
  assert_non_null(strstr(out(f), "Corrected returns: freeva."));
  /* every figure marked missing is counted, the partners' own listed */
  assert_non_null(strstr(out(f), "<p>4 figures in this summary are marked "
                                 "[x]"));
  assert_non_null(strstr(out(f), "<th scope=\"row\">wall</th><td>late</td>"));
  assert_non_null(strstr(out(f), "<caption>Figures changed since version 1"));
  assert_non_null(strstr(out(f), "Charnwood</th><td>all</td><td "
                                 "class=\"num\">31</td><td "
                                 "class=\"num\">34</td>"));
}

/* ------------------------------------------------------------ the plugin */

struct loaded {
  struct plugin p;
};

static void load_pack(struct plugin *p) {
  const char *dir = getenv("DAHUB_BUILD_DIR");
  char path[1024];
  struct dahub_error e = {0};

  (void)snprintf(path, sizeof path, "%s/plugins",
                 dir ? dir : DAHUB_BUILD_DIR_DEFAULT);
  assert_int_equal(plugin_load(path, "boardpack", p, &e), 0);
  assert_string_equal(p->desc.file_name, "board-pack.html");
}

static void test_bad_options_are_refused_with_a_reason(void **state) {
  struct plugin p;
  struct dahub_error e = {0};
  void *st = NULL;
  json_t *o;

  (void)state;
  load_pack(&p);
  o = json_pack("{s:s}", "bord", "x");
  assert_int_equal(p.desc.open(o, &st, &e), -EINVAL);
  assert_non_null(strstr(e.msg, "unknown option \"bord\""));
  json_decref(o);
  o = json_pack("{s:[s,s,s,s,s,s,s,s,s]}", "headline", "a", "b", "c", "d", "e",
                "f", "g", "h", "i");
  assert_int_equal(p.desc.open(o, &st, &e), -EINVAL);
  assert_non_null(strstr(e.msg, "expected 1 to 8 measure ids, found 9"));
  json_decref(o);
  o = json_pack("{s:[s]}", "headline", "Referrals Received");
  assert_int_equal(p.desc.open(o, &st, &e), -EINVAL);
  assert_non_null(strstr(e.msg, "headline[0]"));
  json_decref(o);
  o = json_pack("{s:i}", "board", 3);
  assert_int_equal(p.desc.open(o, &st, &e), -EINVAL);
  assert_non_null(strstr(e.msg, "board"));
  json_decref(o);
  assert_null(st);
  plugin_unload(&p);
}

static void render(struct plugin *p, void *st, const json_t *summary,
                   struct sink_out *b) {
  struct dahub_error e = {0};

  memset(b, 0, sizeof *b);
  b->out.write = sink_out_write;
  assert_int_equal(p->desc.render(st, summary, &b->out, &e), DAHUB_OK);
}

static void test_same_summary_same_bytes(void **state) {
  struct fx *f = *state;
  struct plugin p;
  struct dahub_error e = {0};
  struct sink_out one, two;
  void *st = NULL;
  json_t *o = json_pack("{s:s, s:[s]}", "board", "A & B board", "headline",
                        "marac_cases_discussed");

  load_pack(&p);
  assert_int_equal(p.desc.open(o, &st, &e), 0);
  render(&p, st, f->summary, &one);
  render(&p, st, f->summary, &two);
  assert_int_equal(one.len, two.len);
  assert_memory_equal(one.data, two.data, one.len);
  assert_non_null(strstr(one.data, "<html lang=\"en-GB\">"));
  assert_non_null(strstr(one.data, "A &amp; B board"));
  /* the one headline asked for, and no other */
  assert_int_equal(count(one.data, "<li class=\"tile\">"), 1);
  assert_non_null(strstr(one.data, "<h3>MARAC cases discussed</h3><p "
                                   "class=\"figure\">175</p>"));
  /* every section, in order */
  assert_true(strstr(one.data, "id=\"key-figures\"") <
              strstr(one.data, "id=\"by-area\""));
  assert_true(strstr(one.data, "id=\"by-area\"") <
              strstr(one.data, "id=\"breakdowns\""));
  assert_true(strstr(one.data, "id=\"breakdowns\"") <
              strstr(one.data, "id=\"safe-accommodation\""));
  assert_true(strstr(one.data, "id=\"safe-accommodation\"") <
              strstr(one.data, "id=\"marac\""));
  assert_true(strstr(one.data, "id=\"marac\"") <
              strstr(one.data, "id=\"funding\""));
  assert_true(strstr(one.data, "id=\"funding\"") <
              strstr(one.data, "id=\"notes\""));
  assert_null(strstr(one.data, "<script"));
  free(one.data);
  free(two.data);
  p.desc.close(st);
  json_decref(o);
  plugin_unload(&p);
}

static void test_a_summary_without_period_fails(void **state) {
  struct plugin p;
  struct dahub_error e = {0};
  struct sink_out b = {.out = {.write = sink_out_write}};
  void *st = NULL;
  json_t *bad = json_pack("{s:[]}", "figures");

  (void)state;
  load_pack(&p);
  assert_int_equal(p.desc.open(NULL, &st, &e), 0);
  assert_int_equal(p.desc.render(st, bad, &b.out, &e), DAHUB_FAIL);
  assert_non_null(strstr(e.msg, "no period"));
  free(b.data);
  p.desc.close(st);
  json_decref(bad);
  plugin_unload(&p);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_scale_of_zero_is_one_step),
      T(test_scale_of_one),
      T(test_scale_of_seven_steps_by_two),
      T(test_scale_of_the_2024_allocation),
      T(test_ticks_are_written_grouped),
      T(test_empty_series_draws_nothing),
      T(test_one_bar_starts_at_zero_and_fills_its_share),
      T(test_all_suppressed_has_marks_and_no_number),
      T(test_hidden_mark_has_the_same_size_whatever_else),
      T(test_long_label_is_cut_in_the_chart_only),
      T(test_negative_figure_draws_no_bar),
      T(test_script_in_a_name_is_text),
      T(test_control_bytes_are_dropped),
      T(test_cut_never_splits_a_character),
      T(test_script_in_the_summary_renders_as_text),
      T(test_period_in_words),
      T(test_numbers_are_grouped),
      T(test_a_null_value_is_never_a_number),
      T(test_cover),
      T(test_key_figures),
      T(test_trend_with_a_hidden_point_is_not_drawn),
      T(test_by_area),
      T(test_breakdowns),
      T(test_safe_accommodation),
      T(test_marac),
      T(test_funding_and_contracts),
      T(test_notes),
      T(test_bad_options_are_refused_with_a_reason),
      T(test_same_summary_same_bytes),
      T(test_a_summary_without_period_fails),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
