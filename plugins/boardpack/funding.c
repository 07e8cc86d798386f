/*
 * funding.c: funding and contracts.
 *
 * The allocations by year come first (allocations.c). Funding figures of
 * the period (allocations and spend) are measures like any other and are
 * drawn by area and by funding source. Contracts come from the summary's
 * contracts section, the latest commissioning register: a timeline to
 * each end date and on to any extension date, a table sorted by end date,
 * each contract ending within the summary's warning months marked in words
 * and by weight, not colour alone, since the board has to decide
 * extensions before then; and their values as bars. A register's figures
 * are public money, not counts about people, so disclosure control does
 * not apply to them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "sections.h"

#define MAX_CONTRACT_BARS SVG_MAX_BARS

static const char *const money_prefixes[] = {"funding_", "expenditure", NULL};

static int money_blocks(struct html *h, const struct doc *d, const char *m,
                        void *arg) {
  (void)arg;
  return chart_by_area(h, d, m) + chart_by_dim(h, d, m, "funding_source");
}

static const char *field(const json_t *c, const char *key) {
  const char *s = json_string_value(json_object_get(c, key));

  return s != NULL ? s : "";
}

/* By end date, those without one last. */
static int by_end(const json_t *a, const json_t *b) {
  const char *ea = field(a, "end_date"), *eb = field(b, "end_date");

  if ((ea[0] == '\0') != (eb[0] == '\0'))
    return ea[0] == '\0' ? 1 : -1;
  return strcmp(ea, eb);
}

/* A stable sort (insertion: a register is short), so contracts that end
 * together stay as the register lists them and the same summary gives the
 * same bytes; qsort's order of equals is unspecified. */
static void sort_by_end(const json_t **list, size_t n) {
  for (size_t i = 1; i < n; i++) {
    const json_t *c = list[i];
    size_t j = i;

    for (; j > 0 && by_end(list[j - 1], c) > 0; j--)
      list[j] = list[j - 1];
    list[j] = c;
  }
}

static void contract_row(struct html *h, const json_t *c, int with_ext) {
  int soon = json_is_true(json_object_get(c, "ending_soon"));
  struct cell value;
  char date[32];

  doc_text_cell(json_string_value(json_object_get(c, "value_gbp")), "gbp",
                &value);
  html_raw(h, soon ? "<tr class=\"soon\"><th scope=\"row\">"
                   : "<tr><th scope=\"row\">");
  html_text(h, field(c, "service"));
  html_raw(h, "</th><td>");
  html_text(h, field(c, "provider"));
  html_raw(h, "</td><td>");
  html_text(h, field(c, "financial_year"));
  html_raw(h, "</td><td class=\"num\">");
  html_text(h, value.text);
  html_raw(h, "</td><td>");
  if (doc_date_words(field(c, "end_date"), 1, date, sizeof date) == 0)
    html_text(h, date);
  else
    html_text(h, field(c, "end_date")[0] ? field(c, "end_date") : "not given");
  if (with_ext) {
    html_raw(h, "</td><td>");
    if (doc_date_words(field(c, "extension_date"), 1, date, sizeof date) == 0)
      html_text(h, date);
    else
      html_text(h, field(c, "extension_date"));
  }
  html_raw(h, soon ? "</td><td><strong>Ends soon: extension decision "
                     "due</strong></td></tr>"
                   : "</td><td></td></tr>");
}

static long days_of(const json_t *c, const char *key) {
  long days;

  return doc_date_days(field(c, key), &days) == 0 ? days : SVG_NO_DATE;
}

/* "from 1 June 2022, ends 31 May 2025, may be extended to 31 May 2026,
 * ends soon": what the timeline draws of a contract, in words. */
static void span_words(const json_t *c, int soon, char *buf, size_t n) {
  char date[32];
  size_t o = 0;
  int w;

  buf[0] = '\0';
  if (doc_date_words(field(c, "start_date"), 1, date, sizeof date) == 0 &&
      (w = snprintf(buf, n, "from %s, ", date)) > 0 && (size_t)w < n)
    o = (size_t)w;
  if (doc_date_words(field(c, "end_date"), 1, date, sizeof date) == 0)
    w = snprintf(buf + o, n - o, "ends %s", date);
  else
    w = snprintf(buf + o, n - o, "no end date given");
  if (w < 0 || (size_t)w >= n - o)
    return;
  o += (size_t)w;
  if (doc_date_words(field(c, "extension_date"), 1, date, sizeof date) == 0 &&
      (w = snprintf(buf + o, n - o, ", may be extended to %s", date)) > 0 &&
      (size_t)w < n - o)
    o += (size_t)w;
  if (soon)
    (void)snprintf(buf + o, n - o, ", ends soon");
}

/* The contracts in end-date order on a line of financial years, the day
 * of the pack's reading marked; the table below holds the same. */
static void timeline(struct html *h, const struct doc *d, const json_t **list,
                     size_t n) {
  const json_t *section = json_object_get(d->root, "contracts");
  const json_t *warn = json_object_get(section, "warning_months");
  const char *as_of = json_string_value(json_object_get(section, "as_of"));
  struct svg_span rows[SVG_MAX_BARS];
  char words[SVG_MAX_BARS][200], title[160], what[320], today_words[48] = "";
  long today = SVG_NO_DATE;
  size_t i, n_soon = 0;

  if (n > SVG_MAX_BARS)
    n = SVG_MAX_BARS;
  for (i = 0; i < n; i++) {
    rows[i].soon = json_is_true(json_object_get(list[i], "ending_soon"));
    n_soon += rows[i].soon != 0;
    rows[i].label = field(list[i], "service");
    span_words(list[i], rows[i].soon, words[i], sizeof words[i]);
    rows[i].words = words[i];
    rows[i].start = days_of(list[i], "start_date");
    rows[i].end = days_of(list[i], "end_date");
    rows[i].extension = days_of(list[i], "extension_date");
  }
  if (doc_date_days(as_of, &today) != 0 ||
      doc_date_words(as_of, 1, today_words, sizeof today_words) != 0) {
    today = SVG_NO_DATE;
    today_words[0] = '\0';
  }
  if (!json_is_integer(warn))
    (void)snprintf(title, sizeof title, "Contracts by end date");
  else if (n_soon == 0)
    (void)snprintf(title, sizeof title, "No contract ends within %lld months",
                   (long long)json_integer_value(warn));
  else
    (void)snprintf(title, sizeof title,
                   "%zu of %zu contracts %s within %lld "
                   "months",
                   n_soon, n, n_soon == 1 ? "ends" : "end",
                   (long long)json_integer_value(warn));
  (void)snprintf(
      what, sizeof what,
      "Each contract to its end date (a bar) and on to the date it "
      "may be extended to (a dashed outline), by financial year%s%s%s",
      today_words[0] ? "; the dotted line marks " : "", today_words,
      today_words[0] ? ", the day of this summary" : "");
  html_raw(h, "<figure class=\"chart\"><h3>");
  html_text(h, title);
  html_raw(h, "</h3><p class=\"subtitle\">");
  html_text(h, what);
  html_raw(h, "</p>");
  svg_timeline(h, title, what, rows, n, today, today_words);
  html_raw(h, "<p class=\"source\">Source: the commissioning register, "
              "return of ");
  html_text(h, field(list[0], "feed"));
  html_raw(h, "; the table below lists the same contracts.</p></figure>");
}

static void contracts(struct html *h, const struct doc *d) {
  const json_t *section = json_object_get(d->root, "contracts");
  const json_t *warn = json_object_get(section, "warning_months");
  size_t n = json_array_size(d->contracts), i, n_bars = 0;
  const json_t **list;
  int with_ext = 0;
  struct svg_bar bars[MAX_CONTRACT_BARS];

  html_raw(h, "<h3>Commissioned contracts</h3>");
  if (n == 0) {
    html_raw(h, "<p>The summary holds no commissioning register.</p>");
    return;
  }
  if ((list = calloc(n, sizeof *list)) == NULL) {
    if (h->rc == 0)
      h->rc = -ENOMEM;
    return;
  }
  for (i = 0; i < n; i++)
    list[i] = json_array_get(d->contracts, i);
  sort_by_end(list, n);
  timeline(h, d, list, n);
  if (json_is_integer(warn))
    html_fmt(h,
             "<p class=\"subtitle\">Marked: contracts ending within %lld "
             "months, for the board to decide on extensions in time.</p>",
             (long long)json_integer_value(warn));
  html_raw(h, "<table class=\"contracts\"><caption>Contracts of the latest "
              "commissioning register, by end date</caption><thead><tr>"
              "<th scope=\"col\">Service</th><th scope=\"col\">Provider</th>"
              "<th scope=\"col\">Year</th><th scope=\"col\" class=\"num\">"
              "Value</th><th scope=\"col\">Ends</th>");
  /* a register without extension dates gets no empty column for them */
  for (i = 0; i < n && !with_ext; i++)
    with_ext = field(list[i], "extension_date")[0] != '\0';
  if (with_ext)
    html_raw(h, "<th scope=\"col\">May be extended to</th>");
  html_raw(h, "<th scope=\"col\">Decision</th></tr></thead><tbody>");
  for (i = 0; i < n; i++)
    contract_row(h, list[i], with_ext);
  html_raw(h, "</tbody></table>");
  for (i = 0; i < n && n_bars < MAX_CONTRACT_BARS; i++) {
    bars[n_bars].label = field(list[i], "service");
    doc_text_cell(json_string_value(json_object_get(list[i], "value_gbp")),
                  "gbp", &bars[n_bars].cell);
    n_bars++;
  }
  html_raw(h, "<figure class=\"chart\"><h3>Contract values</h3>"
              "<p class=\"subtitle\">Value of each contract (pounds), in "
              "order of end date</p>");
  svg_hbars(h, "Contract values", "Value of each contract in pounds", bars,
            n_bars);
  html_raw(h, "<p class=\"source\">Source: the commissioning register, "
              "return of ");
  html_text(h, field(list[0], "feed"));
  html_raw(h, ".</p></figure>");
  free(list);
}

void section_funding(struct html *h, const struct doc *d) {
  int drawn;

  chart_section_open(h, "funding", "Funding and contracts");
  html_raw(h, "<h3>Allocations by year</h3>");
  funding_allocations(h, d);
  drawn = chart_each_measure(h, d, money_prefixes, NULL, money_blocks, NULL);
  if (!drawn)
    html_raw(h, "<p>The summary holds no funding figures for this period "
                "across areas or sources.</p>");
  contracts(h, d);
  chart_section_close(h);
}
