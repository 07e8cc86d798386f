/*
 * charts.c: a chart of one measure with its table (charts.h).
 *
 * Each chart says what it shows in a sentence-case title, a subtitle
 * (measure, geography, period) and a source line naming the partners
 * whose returns hold the measure, then draws the bars and repeats every
 * figure in a table, the form a screen reader and a clerk copying a
 * number both want. Areas come districts first, then Rutland and other
 * unitary areas, the county, pseudo areas and the partnership last, so the
 * totals close the list as in the board's papers.
 */
#include "charts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whole-figure order of areas: districts, unitaries, county, others, all. */
static int area_rank(const char *code) {
  if (strcmp(code, "all") == 0)
    return 5;
  if (strncmp(code, "E07", 3) == 0)
    return 0;
  if (strncmp(code, "E06", 3) == 0)
    return 1;
  if (strncmp(code, "E10", 3) == 0)
    return 2;
  if (strncmp(code, "X_", 2) == 0)
    return 4;
  return 3;
}

struct area_bar {
  struct svg_bar bar;
  const char *code;
  size_t order; /* in the summary, for a stable sort */
};

static int area_cmp(const void *x, const void *y) {
  const struct area_bar *a = x, *b = y;
  int ra = area_rank(a->code), rb = area_rank(b->code);

  if (ra != rb)
    return ra < rb ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

void chart_section_open(struct html *h, const char *id, const char *heading) {
  html_raw(h, "<section class=\"page\" id=\"");
  html_text(h, id);
  html_raw(h, "\" aria-labelledby=\"");
  html_text(h, id);
  html_raw(h, "-h\"><h2 id=\"");
  html_text(h, id);
  html_raw(h, "-h\">");
  html_text(h, heading);
  html_raw(h, "</h2>");
}

void chart_section_close(struct html *h) { html_raw(h, "</section>"); }

void chart_cell(struct html *h, const struct cell *c) {
  html_raw(h, c->kind == CELL_SHOWN ? "<td class=\"num\">"
                                    : "<td class=\"num marker\">");
  html_text(h, c->text);
  if (c->kind == CELL_SHOWN && c->partial)
    html_raw(h, " <abbr title=\"partial: a part was not reported\">"
                "[p]</abbr>");
  html_raw(h, "</td>");
}

void chart_table(struct html *h, const char *caption, const char *label_head,
                 const struct svg_bar *bars, size_t n) {
  html_raw(h, "<table><caption>");
  html_text(h, caption);
  html_raw(h, "</caption><thead><tr><th scope=\"col\">");
  html_text(h, label_head);
  html_raw(h, "</th><th scope=\"col\" class=\"num\">Figure</th></tr></thead>"
              "<tbody>");
  for (size_t i = 0; i < n; i++) {
    html_raw(h, "<tr><th scope=\"row\">");
    html_text(h, bars[i].label);
    html_raw(h, "</th>");
    chart_cell(h, &bars[i].cell);
    html_raw(h, "</tr>");
  }
  html_raw(h, "</tbody></table>");
}

/* "Source: returns from freeva, lwa." from the partners' own figures. */
static void source_line(struct html *h, const struct doc *d,
                        const char *measure) {
  const char *seen[32];
  const char *sep = "returns from ";
  size_t n_seen = 0, i;
  const json_t *f;

  html_raw(h, "<p class=\"source\">Source: ");
  json_array_foreach(d->figures, i, f) {
    const char *s = json_string_value(json_object_get(f, "source_id"));

    if (!doc_match(f, measure, DOC_ONE_PARTNER, "all", 0) ||
        !doc_seen_add(seen, &n_seen, sizeof seen / sizeof *seen, s))
      continue;
    html_raw(h, sep);
    html_text(h, s);
    sep = ", ";
  }
  html_raw(h, n_seen == 0 ? "the partners' returns.</p>" : ".</p>");
}

/* Title, subtitle, chart, table, source: one figure of the pack. */
static void chart_figure(struct html *h, const struct doc *d,
                         const char *measure, const char *title,
                         const char *what, const char *label_head,
                         const struct svg_bar *bars, size_t n) {
  char period[32], desc[256];

  if (doc_period_name(d->period_id, period, sizeof period) != 0)
    (void)snprintf(period, sizeof period, "%s", "this period");
  (void)snprintf(desc, sizeof desc, "%s, %s", what, period);
  html_raw(h, "<figure class=\"chart\"><h3>");
  html_text(h, title);
  html_raw(h, "</h3><p class=\"subtitle\">");
  html_text(h, desc);
  html_raw(h, "</p>");
  svg_hbars(h, title, desc, bars, n);
  chart_table(h, title, label_head, bars, n);
  source_line(h, d, measure);
  html_raw(h, "</figure>");
}

int chart_by_area(struct html *h, const struct doc *d, const char *measure) {
  struct area_bar *v = calloc(SVG_MAX_BARS, sizeof *v);
  const json_t *f;
  size_t n = 0, i;

  if (v == NULL) {
    if (h->rc == 0)
      h->rc = -ENOMEM;
    return 0;
  }
  json_array_foreach(d->figures, i, f) {
    const char *code = json_string_value(json_object_get(f, "area"));
    const char *name = json_string_value(json_object_get(f, "area_name"));

    if (code == NULL || n == SVG_MAX_BARS ||
        !doc_match(f, measure, DOC_ALL_PARTNERS, NULL, 1))
      continue;
    v[n].code = code;
    v[n].order = n;
    v[n].bar.label = name != NULL ? name : code;
    doc_cell(d, f, &v[n].bar.cell);
    n++;
  }
  if (n >= 2) {
    struct svg_bar bars[SVG_MAX_BARS];
    char words[96], title[160], what[200];

    qsort(v, n, sizeof *v, area_cmp);
    for (i = 0; i < n; i++)
      bars[i] = v[i].bar;
    doc_words(measure, words, sizeof words);
    (void)snprintf(title, sizeof title, "%s by area", words);
    (void)snprintf(what, sizeof what, "%s, all partners, each area", words);
    chart_figure(h, d, measure, title, what, "Area", bars, n);
  }
  free(v);
  return n >= 2;
}

int chart_by_dim(struct html *h, const struct doc *d, const char *measure,
                 const char *dim) {
  struct svg_bar bars[SVG_MAX_BARS];
  char labels[SVG_MAX_BARS][64];
  char words[96], dim_words[64], dim_head[64], title[200], what[240];
  const json_t *f;
  size_t n = 0, i;

  json_array_foreach(d->figures, i, f) {
    const char *k, *val;

    if (n == SVG_MAX_BARS || !doc_match(f, measure, DOC_ALL_PARTNERS, "all", 0))
      continue;
    k = doc_single_dim(f, &val);
    if (k == NULL || strcmp(k, dim) != 0)
      continue;
    doc_words(val, labels[n], sizeof labels[n]);
    bars[n].label = labels[n];
    doc_cell(d, f, &bars[n].cell);
    n++;
  }
  if (n < 2)
    return 0;
  doc_words(measure, words, sizeof words);
  doc_words(dim, dim_head, sizeof dim_head);
  memcpy(dim_words, dim_head, sizeof dim_words);
  for (char *p = dim_words; *p != '\0'; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  (void)snprintf(title, sizeof title, "%s by %s", words, dim_words);
  (void)snprintf(what, sizeof what, "%s, all partners, the partnership", words);
  chart_figure(h, d, measure, title, what, dim_head, bars, n);
  return 1;
}

static int has_prefix(const char *m, const char *const *list) {
  for (; list != NULL && *list != NULL; list++)
    if (strncmp(m, *list, strlen(*list)) == 0)
      return 1;
  return 0;
}

int chart_each_measure(struct html *h, const struct doc *d,
                       const char *const *prefixes, const char *const *except,
                       int (*fn)(struct html *h, const struct doc *d,
                                 const char *measure, void *arg),
                       void *arg) {
  const char *last = "";
  int drawn = 0;

  /* figures come grouped by measure (docs/summaries.md): a measure starts
   * where the one before differs */
  for (size_t i = 0; i < json_array_size(d->figures); i++) {
    const char *m = json_string_value(
        json_object_get(json_array_get(d->figures, i), "measure"));

    if (m == NULL || strcmp(m, last) == 0)
      continue;
    last = m;
    if (prefixes != NULL ? !has_prefix(m, prefixes) : has_prefix(m, except))
      continue;
    drawn += fn(h, d, m, arg);
  }
  return drawn;
}
