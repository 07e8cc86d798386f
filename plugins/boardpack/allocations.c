/*
 * allocations.c: the funding allocated by year (the summary's
 * "allocations", docs/summaries.md), a column chart and its table for each
 * partner, area and funding source.
 *
 * A grant is given for a financial year, so a quarter's figures hold none;
 * the summary carries the last eight years beside every period and the
 * board reads them as a trend. The title says what the trend did, from
 * the first year shown to the last, in words; a year the summary gives no
 * value is its marker, a gap in the words as in the chart.
 */
#include <stdio.h>
#include <string.h>

#include "charts.h"
#include "sections.h"

#define MAX_YEARS 8 /* what the hub sends; more are a table's job */

struct series {
  struct svg_bar bars[MAX_YEARS];
  char labels[MAX_YEARS][16];
  size_t n;
  size_t first, last; /* the first and last shown years; n when none */
};

/* Grants are given in whole pounds and the board papers write them so
 * (£1,127,205): the pence go when every shown year has none. */
static void whole_pounds(struct series *v) {
  for (size_t i = 0; i < v->n; i++) {
    const struct cell *c = &v->bars[i].cell;
    size_t len = strlen(c->text);

    if (c->kind == CELL_SHOWN &&
        (len < 3 || strcmp(c->text + len - 3, ".00") != 0))
      return;
  }
  for (size_t i = 0; i < v->n; i++)
    if (v->bars[i].cell.kind == CELL_SHOWN)
      v->bars[i].cell.text[strlen(v->bars[i].cell.text) - 3] = '\0';
}

static void read_series(const struct doc *d, const json_t *s,
                        struct series *v) {
  const json_t *years = json_object_get(s, "years");

  v->n = 0;
  v->first = v->last = MAX_YEARS;
  for (size_t i = 0; i < json_array_size(years) && v->n < MAX_YEARS; i++) {
    const json_t *y = json_array_get(years, i);
    const char *period = json_string_value(json_object_get(y, "period"));

    if (doc_period_name(period, v->labels[v->n], sizeof v->labels[v->n]) != 0)
      continue; /* not a year the pack can name: left out of both */
    v->bars[v->n].label = v->labels[v->n];
    doc_cell_in(d, y, "gbp", &v->bars[v->n].cell);
    if (v->bars[v->n].cell.kind == CELL_SHOWN) {
      if (v->first == MAX_YEARS)
        v->first = v->n;
      v->last = v->n;
    }
    v->n++;
  }
  whole_pounds(v);
}

/* "Allocations rose from £1,127,205 in 2021/22 to £1,174,689 in 2024/25". */
static void title_of(const struct series *v, char *buf, size_t n) {
  const struct svg_bar *a, *b;
  const char *verb;

  if (v->first == MAX_YEARS) {
    (void)snprintf(buf, n, "Allocations by year");
    return;
  }
  if (v->first == v->last) {
    (void)snprintf(buf, n, "An allocation of %s in %s",
                   v->bars[v->first].cell.text, v->bars[v->first].label);
    return;
  }
  a = &v->bars[v->first];
  b = &v->bars[v->last];
  verb = b->cell.amount > a->cell.amount   ? "rose"
         : b->cell.amount < a->cell.amount ? "fell"
                                           : "were the same";
  (void)snprintf(buf, n, "Allocations %s from %s in %s to %s in %s", verb,
                 a->cell.text, a->label, b->cell.text, b->label);
}

/* "Funding allocated (pounds), Leicestershire, DLUHC domestic abuse act
 * Part 4, financial years 2021/22 to 2024/25". */
static void subtitle_of(const json_t *s, const struct series *v, char *buf,
                        size_t n) {
  const char *area = json_string_value(json_object_get(s, "area_name"));
  const char *k, *val;
  char source[96] = "";
  int w;

  k = doc_single_dim(s, &val);
  if (k != NULL)
    doc_words(val, source, sizeof source);
  w = snprintf(buf, n, "Funding allocated (pounds), %s%s%s, financial years %s",
               area != NULL ? area : "", source[0] ? ", " : "", source,
               v->labels[0]);
  if (w > 0 && (size_t)w < n && v->n > 1)
    (void)snprintf(buf + w, n - (size_t)w, " to %s", v->labels[v->n - 1]);
}

static void one_series(struct html *h, const struct doc *d, const json_t *s) {
  struct series v;
  char title[200], what[320];

  read_series(d, s, &v);
  if (v.n == 0)
    return;
  title_of(&v, title, sizeof title);
  subtitle_of(s, &v, what, sizeof what);
  html_raw(h, "<figure class=\"chart\"><h3>");
  html_text(h, title);
  html_raw(h, "</h3><p class=\"subtitle\">");
  html_text(h, what);
  html_raw(h, "</p>");
  svg_columns(h, title, what, v.bars, v.n);
  chart_table(h, title, "Financial year", v.bars, v.n);
  html_raw(h, "<p class=\"source\">Source: returns from ");
  html_text(h, json_string_value(json_object_get(s, "source_id")));
  html_raw(h, ".</p></figure>");
}

void funding_allocations(struct html *h, const struct doc *d) {
  size_t n = json_array_size(d->allocations);

  if (n == 0) {
    html_raw(h, "<p>The summary holds no allocations by year.</p>");
    return;
  }
  for (size_t i = 0; i < n; i++)
    one_series(h, d, json_array_get(d->allocations, i));
}
