/*
 * test_boardpack_sections.c: the board pack's later sections
 * (plugins/boardpack/): the column chart of allocations by year, the
 * contracts' timeline to end and extension dates, the funding section,
 * the breakdowns' categories and the data notes' blank cells, against the
 * fixed summary (tests/unit/fixtures/boardpack_summary.json), whose
 * allocations are the LCC register's DLUHC figures, 2021-22 to 2024-25.
 *
 * Contract names are synthetic or from the register's public board paper.
 */
#include <limits.h>
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
#include "sections.h"
#include "sink_out.h"
#include "svg.h"

#include "boardpack_fixture.h"

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;

  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
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

/* ------------------------------------------------------------ dates */

static void test_services_in_words(void **state) {
  char buf[64];

  (void)state;
  doc_service_words("lwa.yp_idva", buf, sizeof buf);
  assert_string_equal(buf, "Young people's IDVA");
  doc_service_words("freeva.male_helpline", buf, sizeof buf);
  assert_string_equal(buf, "Male helpline");
  doc_service_words("no_partner_prefix", buf, sizeof buf);
  assert_string_equal(buf, "No partner prefix");
}

static void test_days_of_dates(void **state) {
  long d;
  int y, m, day;

  (void)state;
  assert_int_equal(doc_days(1970, 1, 1), 0);
  assert_int_equal(doc_days(2024, 4, 1), 19814);
  assert_int_equal(doc_days(2025, 3, 1) - doc_days(2025, 2, 28), 1);
  assert_int_equal(doc_days(2024, 3, 1) - doc_days(2024, 2, 28), 2);
  assert_int_equal(doc_date_days("2025-06-12", &d), 0);
  assert_int_equal(d, doc_days(2025, 6, 12));
  doc_civil(doc_days(2024, 2, 29), &y, &m, &day);
  assert_true(y == 2024 && m == 2 && day == 29);
  doc_civil(0, &y, &m, &day);
  assert_true(y == 1970 && m == 1 && day == 1);
  assert_int_equal(doc_date_days("12/06/2025", &d), -EINVAL);
  assert_int_equal(doc_date_days("", &d), -EINVAL);
}

/* ------------------------------------------------------------ columns */

static void test_no_columns_draw_nothing(void **state) {
  struct fx *f = *state;

  svg_columns(&f->h, "Nothing", "No figures", NULL, 0);
  assert_string_equal(out(f), "");
}

static void test_one_column_stands_on_zero(void **state) {
  struct fx *f = *state;
  struct svg_bar b = shown("2024/25", 1174689,
                           "\xC2\xA3"
                           "1,174,689");

  svg_columns(&f->h, "One", "One year", &b, 1);
  /* an axis to 1,500,000 in steps of 500,000; the column rises from the
   * zero line (y = 24 + 180) by 180 * 1,174,689 / 1,500,000 pixels */
  assert_non_null(strstr(out(f), ">1,500,000</text>"));
  assert_non_null(strstr(out(f), ">0</text>"));
  assert_non_null(strstr(out(f), "<rect x=\"319.0\" y=\"63.0\" "
                                 "width=\"72.0\" height=\"141.0\""));
  assert_non_null(strstr(out(f), "<desc id=\"svg-d-1\">One year: 2024/25 "
                                 "\xC2\xA3"
                                 "1,174,689.</desc>"));
}

static void test_hidden_column_is_a_fixed_mark_and_no_number(void **state) {
  struct fx *f = *state;
  struct svg_bar b[2] = {hidden("2023/24"), hidden("2024/25")};

  svg_columns(&f->h, "Hidden", "All hidden", b, 2);
  assert_int_equal(count(out(f), "width=\"16\" height=\"16\" "
                                 "fill=\"url(#hatch-1)\""),
                   2);
  assert_int_equal(count(out(f), "class=\"tick\""), 0);
  assert_int_equal(count(out(f), ">[c]</text>"), 2);
}

/* ------------------------------------------------------------ timeline */

static struct svg_span span(const char *label, const char *end, const char *ext,
                            int soon) {
  struct svg_span s = {.label = label, .words = "words", .soon = soon};
  long d;

  s.start = SVG_NO_DATE;
  s.end = end != NULL && doc_date_days(end, &d) == 0 ? d : SVG_NO_DATE;
  s.extension = ext != NULL && doc_date_days(ext, &d) == 0 ? d : SVG_NO_DATE;
  return s;
}

static void test_timeline_draws_end_and_extension(void **state) {
  struct fx *f = *state;
  struct svg_span r[2] = {span("GRT support", "2025-07-31", "2026-07-31", 0),
                          span("Male helpline", "2024-08-31", NULL, 1)};
  long today;

  assert_int_equal(doc_date_days("2024-07-15", &today), 0);
  svg_timeline(&f->h, "Contracts", "By end date", r, 2, today, "15 July 2024");
  /* financial years from April 2024 to April 2027 */
  assert_non_null(strstr(out(f), ">Apr 2024</text>"));
  assert_non_null(strstr(out(f), ">Apr 2027</text>"));
  assert_null(strstr(out(f), ">Apr 2028</text>"));
  /* one extension, drawn as an outline, not as a hatched (hidden) mark */
  assert_int_equal(count(out(f), "stroke-dasharray=\"4 2\""), 1);
  assert_null(strstr(out(f), "hatch"));
  /* ending soon: another colour, and also in words and weight */
  assert_int_equal(count(out(f), "fill=\"#801650\""), 1);
  assert_int_equal(count(out(f), ">ends soon, 31 Aug 2024</text>"), 1);
  /* the last date drawn, written beside it */
  assert_int_equal(count(out(f), ">to 31 Jul 2026</text>"), 1);
  /* no start given: a mark at the end, not a bar from the axis */
  assert_int_equal(count(out(f), "width=\"6\" height=\"16\""), 2);
  assert_non_null(strstr(out(f), "font-weight=\"bold\">Male helpline</text>"));
  assert_non_null(strstr(out(f), ">15 July 2024</text>"));
  assert_non_null(strstr(out(f), "By end date: GRT support, words; Male "
                                 "helpline, words."));
}

static void test_timeline_bar_runs_from_the_start_date(void **state) {
  struct fx *f = *state;
  struct svg_span r = span("Outreach", "2025-04-01", NULL, 0);

  assert_int_equal(doc_date_days("2024-04-01", &r.start), 0);
  svg_timeline(&f->h, "Contracts", "By end date", &r, 1, SVG_NO_DATE, "");
  /* April 2024 to April 2025 is the first of two years on 390 pixels */
  assert_non_null(strstr(out(f), "<rect x=\"210.0\" y=\"28\" "
                                 "width=\"195.0\" height=\"16\""));
  assert_non_null(strstr(out(f), ">1 Apr 2025</text>"));
}

/* A contract over the whole plot has no room beside it: its date goes on
 * its bar, in white. */
static void test_timeline_date_on_a_full_bar_is_white(void **state) {
  struct fx *f = *state;
  struct svg_span r = span("Outreach", "2026-03-31", NULL, 0);

  assert_int_equal(doc_date_days("2024-04-01", &r.start), 0);
  svg_timeline(&f->h, "Contracts", "By end date", &r, 1, SVG_NO_DATE, "");
  assert_non_null(strstr(out(f), "text-anchor=\"end\" fill=\"#FFFFFF\">31 "
                                 "Mar 2026</text>"));
}

static void test_timeline_without_dates_draws_nothing(void **state) {
  struct fx *f = *state;
  struct svg_span r = span("No dates", NULL, NULL, 0);

  svg_timeline(&f->h, "Contracts", "By end date", &r, 1, SVG_NO_DATE, "");
  assert_string_equal(out(f), "");
}

static void test_timeline_names_a_contract_without_end(void **state) {
  struct fx *f = *state;
  struct svg_span r[2] = {span("<b>Counselling</b>", NULL, NULL, 0),
                          span("Outreach", "2025-05-30", NULL, 0)};

  svg_timeline(&f->h, "Contracts", "By end date", r, 2, SVG_NO_DATE, "");
  assert_non_null(strstr(out(f), ">no end date given</text>"));
  assert_non_null(strstr(out(f), "&lt;b&gt;Counselling&lt;/b&gt;"));
  assert_null(strstr(out(f), "<b>"));
}

/* ------------------------------------------------------------ the section */

static const char *const allocations[] = {"1,127,205", "1,130,326", "1,152,936",
                                          "1,174,689"};

static void test_allocations_in_chart_labels_and_table(void **state) {
  struct fx *f = *state;
  const char *s, *desc;
  char want[64];

  section_funding(&f->h, &f->d);
  s = out(f);
  assert_non_null(strstr(s, "<h3>Allocations rose from \xC2\xA3"
                            "1,127,205 in 2021/22 to \xC2\xA3"
                            "1,174,689 in 2024/25</h3>"));
  assert_non_null(strstr(s, "Funding allocated (pounds), Leicestershire, "
                            "DLUHC domestic abuse act Part 4, financial years "
                            "2021/22 to 2024/25"));
  desc = strstr(s, "<desc id=\"svg-d-1\">");
  assert_non_null(desc);
  for (size_t i = 0; i < 4; i++) {
    (void)snprintf(want, sizeof want, "%d/%02d \xC2\xA3%s", 2021 + (int)i,
                   22 + (int)i, allocations[i]);
    assert_non_null(strstr(desc, want)); /* the chart's accessible label */
    (void)snprintf(want, sizeof want, "<td class=\"num\">\xC2\xA3%s</td>",
                   allocations[i]);
    assert_int_equal(count(s, want), 1); /* the table */
  }
  assert_non_null(strstr(s, "Source: returns from lcc."));
  /* whole pounds lose their ".00" (the summary's 1127205.00); pence stay */
  assert_null(strstr(s, "1,127,205.00"));
  assert_non_null(strstr(s, "<td class=\"num\">\xC2\xA3"
                            "40,935.50</td>"));
  /* Rutland's blank year is a marker, not a zero, and no trend words */
  assert_non_null(strstr(s, "<h3>Allocations by year</h3><figure"));
  assert_non_null(strstr(s, "2023/24</th><td class=\"num marker\">[x]</td>"));
}

static void test_no_allocations_says_so(void **state) {
  struct fx *f = *state;

  json_object_del(f->summary, "allocations");
  assert_int_equal(doc_open(f->summary, &f->d, NULL), 0);
  section_funding(&f->h, &f->d);
  assert_non_null(strstr(out(f), "The summary holds no allocations by year."));
}

static void test_contracts_timeline_and_table(void **state) {
  struct fx *f = *state;
  const char *s;

  section_funding(&f->h, &f->d);
  s = out(f);
  assert_non_null(strstr(s, "<h3>1 of 3 contracts ends within 6 months</h3>"));
  assert_non_null(strstr(s, "Specialist DA Substance Misuse Support, from 13 "
                            "June 2022, ends 12 June 2025, may be extended to "
                            "12 June 2026"));
  assert_non_null(strstr(s, "DA Support for Male Victims - Helpline Worker, "
                            "ends 31 August 2024, ends soon"));
  assert_non_null(strstr(s, "<td>12 June 2025</td><td>12 June 2026</td>"));
  assert_non_null(strstr(s, "<td>31 August 2024</td><td></td><td><strong>"
                            "Ends soon"));
  /* the dotted line at the summary's day */
  assert_non_null(strstr(s, ">15 July 2024</text>"));
  /* a name from outside is text wherever it goes */
  assert_null(strstr(s, "<script>"));
  assert_int_equal(count(s, "Additional Therapeutic Support &lt;script&gt;"),
                   5); /* timeline title, desc; table; value title, desc */
}

/* ------------------------------------------------------------ breakdowns */

/* A figure of referrals by ethnicity for all partners, the partnership. */
static void add_ethnicity(struct fx *f, const char *code, json_t *value) {
  json_t *fig =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:o}", "measure",
                "referrals_received", "unit", "count", "source_id", "all",
                "area", "all", "area_name", "Partnership (all areas)",
                "dimensions", "ethnicity", code, "value", value);

  assert_non_null(fig);
  if (json_is_null(value))
    assert_int_equal(json_object_set_new(fig, "marker", json_string("[c]")), 0);
  /* among the other referrals figures: the pack reads them grouped */
  assert_int_equal(
      json_array_insert_new(json_object_get(f->summary, "figures"), 4, fig), 0);
}

static void test_breakdown_shows_every_category_ungrouped(void **state) {
  struct fx *f = *state;
  static const char *const codes[] = {
      "white_british", "white_irish",     "white_other",
      "asian_indian",  "asian_pakistani", "black_african",
      "mixed_other",   "other_any",       "not_known"};
  const char *s;

  for (size_t i = 0; i < 9; i++)
    add_ethnicity(f, codes[i],
                  i == 3 ? json_null() : json_integer(10 + (json_int_t)i));
  assert_int_equal(doc_open(f->summary, &f->d, NULL), 0);
  section_breakdowns(&f->h, &f->d);
  s = out(f);
  assert_non_null(strstr(s, "<h3>Referrals received by ethnicity</h3>"));
  assert_non_null(strstr(s, "none grouped into &#8220;other&#8221;"));
  /* nine categories, nine bars and nine rows: none summed into another */
  assert_int_equal(count(strstr(s, "by ethnicity</h3>"), "<g><title>"), 9);
  assert_non_null(strstr(s, "Not known</th><td class=\"num\">18</td>"));
  assert_non_null(strstr(s, "Asian indian</th><td class=\"num "
                            "marker\">[c]</td>"));
  /* no total of the others, which would give the hidden one away */
  assert_null(strstr(s, ">Other</th>"));
  assert_null(strstr(s, "113")); /* the eight shown: 10 + 11 + 12 + 14 + ... */
}

/* ------------------------------------------------------------ by area */

static void test_by_area_has_a_table_per_service(void **state) {
  struct fx *f = *state;
  const char *s, *table;

  section_areas(&f->h, &f->d);
  s = out(f);
  table = strstr(s, "<caption>Each service&#39;s figures, all areas</caption>");
  assert_non_null(table);
  assert_non_null(strstr(table, "<tr><td>Referrals received</td><th "
                                "scope=\"row\">Male helpline</th><td>freeva"
                                "</td><td class=\"num\">69</td></tr>"));
  /* hidden by disclosure control: its marker, and the name as text */
  assert_non_null(strstr(table, "<th scope=\"row\">&lt;b&gt;bame&lt;/b&gt; "
                                "advisor</th><td>freeva</td><td class=\"num "
                                "marker\">[c]</td>"));
  /* the partners' table keeps to their totals */
  assert_int_equal(count(s, "Male helpline"), 1);
}

static void test_no_service_figures_says_so(void **state) {
  struct fx *f = *state;
  json_t *figs = json_object_get(f->summary, "figures");

  for (size_t i = json_array_size(figs); i-- > 0;)
    if (json_object_get(json_object_get(json_array_get(figs, i), "dimensions"),
                        "service") != NULL)
      (void)json_array_remove(figs, i);
  assert_int_equal(doc_open(f->summary, &f->d, NULL), 0);
  section_areas(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<h3>Per service</h3><p>The summary holds "
                                 "no figures by service.</p>"));
}

/* ------------------------------------------------------------ notes */

static void test_notes_list_the_cells_partners_left_blank(void **state) {
  struct fx *f = *state;
  const char *s, *table;

  section_notes(&f->h, &f->d);
  s = out(f);
  table = strstr(s, "<caption>Cells partners left blank</caption>");
  assert_non_null(table);
  /* a partner's own cells of an area, with their breakdown in words */
  assert_non_null(strstr(table, "<tr><th scope=\"row\">freeva</th><td>"
                                "Referrals received</td><td>Hinckley and "
                                "Bosworth</td><td></td></tr>"));
  assert_non_null(strstr(table, "<tr><th scope=\"row\">&lt;i&gt;lwa&lt;/i&gt;"
                                "</th><td>Referrals received</td><td>Hinckley "
                                "and Bosworth</td><td>Age band 25-34, gender "
                                "female</td></tr>"));
  /* not the totals that repeat them: all partners, or all areas */
  assert_int_equal(count(table, "<tr>"), 3); /* the head and two rows */
  assert_non_null(strstr(s, "<p>4 figures in this summary are marked [x]"));
  assert_non_null(strstr(s, "1 of the partners' figures are partial [p]"));
  assert_non_null(strstr(s, "similar to Q2"));
}

/* The summary's notes: each warning a row (partner's return, file, the
 * cell as a spreadsheet names it or the row, words), the cells not usable
 * beside the return's status, and how many were not listed. Without notes
 * the pack says no return came with a warning. */
static void test_notes_list_the_warnings_of_the_returns(void **state) {
  struct fx *f = *state;
  json_t *freeva = json_array_get(f->d.completeness, 0);
  const char *s;

  section_notes(&f->h, &f->d);
  assert_non_null(strstr(out(f), "No return in this pack came with a "
                                 "warning.</p>"));
  assert_null(strstr(out(f), "Warnings the returns came with"));
  free(f->b.data);
  f->b.data = NULL;
  f->b.len = f->b.cap = 0;
  assert_int_equal(
      json_object_set_new(
          f->summary, "notes",
          json_pack("[{s:s, s:s, s:i, s:[{s:s, s:i, s:i, s:s, s:s}, "
                    "{s:s, s:i, s:s}, {s:s, s:s}], s:i}]",
                    "feed", "<i>freeva</i>", "source_id", "freeva",
                    "warning_count", 6, "warnings", "file", "q1.csv", "line", 7,
                    "column", 28, "cell", "AB7", "message",
                    "Count: text where <b>", "file", "q1.csv", "line", 9,
                    "message", "row left out", "file", "q1.csv", "message",
                    "the whole file", "not_listed", 3)),
      0);
  assert_int_equal(
      json_object_set_new(freeva, "cells_not_usable", json_integer(2)), 0);
  section_notes(&f->h, &f->d);
  s = out(f);
  assert_non_null(strstr(s, "<caption>Warnings the returns came with"
                            "</caption>"));
  assert_non_null(strstr(s, "<tr><th scope=\"row\">&lt;i&gt;freeva&lt;/i&gt;"
                            "</th><td>q1.csv</td><td>AB7</td><td>Count: text "
                            "where &lt;b&gt;</td></tr>"));
  assert_non_null(strstr(s, "<td>q1.csv</td><td>row 9</td><td>row left "
                            "out</td>"));
  assert_non_null(strstr(s, "<td>q1.csv</td><td></td><td>the whole "
                            "file</td>"));
  assert_non_null(strstr(s, "<p>And 3 more warnings, not listed.</p>"));
  assert_non_null(strstr(s, "received, 2 cells not usable"));
  assert_non_null(strstr(s, "The warnings of the returns in this pack "
                            "follow."));
}

/* A corrected figure of a breakdown says which: its row would otherwise
 * read as the partner's total. */
static void test_changed_figures_name_their_breakdown(void **state) {
  struct fx *f = *state;
  json_t *figs = json_object_get(f->summary, "figures"), *x;
  size_t i;

  json_array_foreach(figs, i, x) {
    const json_t *dims = json_object_get(x, "dimensions");

    if (json_is_integer(json_object_get(x, "value")) &&
        json_object_get(dims, "service") != NULL)
      assert_int_equal(json_object_set_new(
                           x, "last_version",
                           json_pack("{s:i, s:i}", "value", 66, "change", 3)),
                       0);
  }
  section_notes(&f->h, &f->d);
  assert_non_null(strstr(out(f), "<tr><td>Referrals received</td><td>Service "
                                 "male helpline</td><th scope=\"row\">"
                                 "Partnership (all areas)</th><td>freeva</td>"
                                 "<td class=\"num\">66</td><td class=\"num\">"
                                 "69</td></tr>"));
  /* a total's breakdown cell is empty */
  assert_non_null(strstr(out(f), "<td>Referrals received</td><td></td><th "
                                 "scope=\"row\">Charnwood</th>"));
}

static void test_notes_without_blank_cells_have_no_table(void **state) {
  struct fx *f = *state;
  json_t *figs = json_object_get(f->summary, "figures");

  for (size_t i = json_array_size(figs); i-- > 0;)
    if (json_is_string(json_object_get(json_array_get(figs, i), "marker")))
      (void)json_array_remove(figs, i);
  assert_int_equal(doc_open(f->summary, &f->d, NULL), 0);
  section_notes(&f->h, &f->d);
  assert_null(strstr(out(f), "Cells partners left blank"));
  assert_non_null(strstr(out(f), "<h3>Blank cells</h3><p>0 figures"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_open, fx_teardown)
      T(test_services_in_words),
      T(test_days_of_dates),
      T(test_no_columns_draw_nothing),
      T(test_one_column_stands_on_zero),
      T(test_hidden_column_is_a_fixed_mark_and_no_number),
      T(test_timeline_draws_end_and_extension),
      T(test_timeline_bar_runs_from_the_start_date),
      T(test_timeline_date_on_a_full_bar_is_white),
      T(test_timeline_without_dates_draws_nothing),
      T(test_timeline_names_a_contract_without_end),
      T(test_allocations_in_chart_labels_and_table),
      T(test_no_allocations_says_so),
      T(test_contracts_timeline_and_table),
      T(test_breakdown_shows_every_category_ungrouped),
      T(test_by_area_has_a_table_per_service),
      T(test_no_service_figures_says_so),
      T(test_notes_list_the_cells_partners_left_blank),
      T(test_notes_list_the_warnings_of_the_returns),
      T(test_changed_figures_name_their_breakdown),
      T(test_notes_without_blank_cells_have_no_table),
#undef T
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
