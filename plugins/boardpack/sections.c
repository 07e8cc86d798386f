/*
 * sections.c: the sections made of charts: by area, breakdowns, safe
 * accommodation and MARAC.
 *
 * Which measure goes where is read from its id's prefix, the vocabulary's
 * own grouping (sa_*, homelessness_* for safe accommodation, marac_* for
 * MARAC; money in funding); the rest are the services' measures, drawn by
 * area and by breakdown. A section with nothing in the summary says so
 * rather than vanishing, so the board sees a gap as a gap.
 */
#include <stdio.h>
#include <string.h>

#include "charts.h"
#include "sections.h"

static const char *const own_sections[] = {
    "sa_", "homelessness_", "marac_", "funding_", "expenditure", NULL};
static const char *const safe_prefixes[] = {"sa_", "homelessness_", NULL};
static const char *const marac_prefixes[] = {"marac_", NULL};
/* The breakdowns the board reads, in this order. */
static const char *const breakdowns[] = {
    "age_band",        "gender",     "ethnicity", "risk_level",
    "referral_source", "end_reason", NULL};

static int by_area(struct html *h, const struct doc *d, const char *m,
                   void *arg) {
  (void)arg;
  return chart_by_area(h, d, m);
}

static int by_dims(struct html *h, const struct doc *d, const char *m,
                   void *arg) {
  const char *const *dims = arg;
  int drawn = 0;

  for (; *dims != NULL; dims++)
    drawn += chart_by_dim(h, d, m, *dims);
  return drawn;
}

/* Every single breakdown a measure has at the partnership, whatever it is. */
static int by_any_dim(struct html *h, const struct doc *d, const char *m,
                      void *arg) {
  const char *seen[16];
  size_t n_seen = 0, i;
  const json_t *f;
  int drawn = 0;

  (void)arg;
  json_array_foreach(d->figures, i, f) {
    const char *k, *v;

    if (!doc_match(f, m, DOC_ANY_PARTNER, NULL, 0) ||
        (k = doc_single_dim(f, &v)) == NULL ||
        !doc_seen_add(seen, &n_seen, sizeof seen / sizeof *seen, k))
      continue;
    drawn += chart_by_dim(h, d, m, k);
  }
  return drawn;
}

static int measure_blocks(struct html *h, const struct doc *d, const char *m,
                          void *arg) {
  return by_area(h, d, m, arg) + by_any_dim(h, d, m, arg);
}

/* A row of what, whose (the row's header) and its figure. */
static void named_row(struct html *h, const char *what, const char *whose,
                      const struct cell *c) {
  html_raw(h, "<tr><td>");
  html_text(h, what);
  html_raw(h, "</td><th scope=\"row\">");
  html_text(h, whose);
  html_raw(h, "</th>");
  chart_cell(h, c);
  html_raw(h, "</tr>");
}

/* Per partner, or per service: each figure of every measure for all areas,
 * one row each. A service's figures are the summary's breakdown "service",
 * under disclosure control like any other. Returns the rows written. */
static size_t figures_table(struct html *h, const struct doc *d,
                            int by_service) {
  const json_t *f;
  size_t i, rows = 0;

  json_array_foreach(d->figures, i, f) {
    const char *m = json_string_value(json_object_get(f, "measure"));
    const char *source = json_string_value(json_object_get(f, "source_id"));
    const char *k, *id = NULL;
    char words[96], service[96];
    struct cell c;

    if (m == NULL || !doc_match(f, NULL, DOC_ONE_PARTNER, "all", !by_service))
      continue;
    if (by_service &&
        ((k = doc_single_dim(f, &id)) == NULL || strcmp(k, "service") != 0))
      continue;
    if (rows++ == 0)
      html_raw(h, by_service
                      ? "<table><caption>Each service&#39;s figures, all "
                        "areas</caption><thead><tr><th scope=\"col\">"
                        "Measure</th><th scope=\"col\">Service</th><th "
                        "scope=\"col\">Partner</th><th scope=\"col\" "
                        "class=\"num\">Figure</th></tr></thead><tbody>"
                      : "<table><caption>Each partner's figures, all areas"
                        "</caption><thead><tr><th scope=\"col\">Measure</th>"
                        "<th scope=\"col\">Partner</th><th scope=\"col\" "
                        "class=\"num\">Figure</th></tr></thead><tbody>");
    doc_words(m, words, sizeof words);
    doc_cell(d, f, &c);
    if (!by_service) {
      named_row(h, words, source, &c);
      continue;
    }
    doc_service_words(id, service, sizeof service);
    html_raw(h, "<tr><td>");
    html_text(h, words);
    html_raw(h, "</td><th scope=\"row\">");
    html_text(h, service);
    html_raw(h, "</th><td>");
    html_text(h, source);
    html_raw(h, "</td>");
    chart_cell(h, &c);
    html_raw(h, "</tr>");
  }
  if (rows > 0)
    html_raw(h, "</tbody></table>");
  return rows;
}

/* A section of charts: its heading, then fn for each measure chosen as
 * chart_each_measure() chooses; left open for what follows. */
static void charts_section(struct html *h, const struct doc *d, const char *id,
                           const char *heading, const char *const *prefixes,
                           const char *const *except,
                           int (*fn)(struct html *h, const struct doc *d,
                                     const char *measure, void *arg),
                           void *arg) {
  chart_section_open(h, id, heading);
  if (chart_each_measure(h, d, prefixes, except, fn, arg) == 0)
    html_raw(h, "<p>The summary holds no figures for this section in this "
                "period.</p>");
}

static void rates_table(struct html *h, const struct doc *d, int marac);

void section_areas(struct html *h, const struct doc *d) {
  charts_section(h, d, "by-area", "By area", NULL, own_sections, by_area, NULL);
  html_raw(h, "<h3>Per partner</h3>");
  (void)figures_table(h, d, 0);
  html_raw(h, "<h3>Per service</h3>");
  if (figures_table(h, d, 1) == 0)
    html_raw(h, "<p>The summary holds no figures by service.</p>");
  rates_table(h, d, 0);
  chart_section_close(h);
}

/* Every category the summary holds is drawn. The vocabulary groups no
 * categories into "other" (a dimension is its codes and their labels), and
 * a group summed here would be a new figure that disclosure control never
 * saw: two shown categories and a hidden one beside them could add up to
 * a total that gives the hidden one away. A grouping belongs in the
 * vocabulary and the core, so the pack leaves the categories as they are
 * and says so. */
void section_breakdowns(struct html *h, const struct doc *d) {
  chart_section_open(h, "breakdowns", "Breakdowns");
  html_raw(h, "<p class=\"subtitle\">Each breakdown shows every category "
              "the partners returned, none grouped into &#8220;other&#8221; "
              "by the pack.</p>");
  if (chart_each_measure(h, d, NULL, own_sections, by_dims,
                         (void *)breakdowns) == 0)
    html_raw(h, "<p>The summary holds no figures for this section in this "
                "period.</p>");
  chart_section_close(h);
}

void section_safe_accommodation(struct html *h, const struct doc *d) {
  charts_section(h, d, "safe-accommodation", "Safe accommodation",
                 safe_prefixes, NULL, measure_blocks, NULL);
  chart_section_close(h);
}

/* The summary's rates, as it gives them: the MARAC's (all partners) in
 * their own section, every other one, each partner's, under "By area". */
static void rates_table(struct html *h, const struct doc *d, int marac) {
  const json_t *r;
  size_t i, rows = 0;

  json_array_foreach(d->rates, i, r) {
    const char *id = json_string_value(json_object_get(r, "rate"));
    const char *s = json_string_value(json_object_get(r, "source_id"));
    const char *name = json_string_value(json_object_get(r, "area_name"));
    char words[96], where[160];
    struct cell c;

    if (id == NULL || s == NULL || (strncmp(id, "marac_", 6) == 0) != marac ||
        (marac && strcmp(s, "all") != 0))
      continue;
    if (rows++ == 0)
      html_raw(h, marac ? "<table><caption>MARAC rates, all partners</caption>"
                          "<thead><tr><th scope=\"col\">Rate</th><th "
                          "scope=\"col\">Area</th><th scope=\"col\" "
                          "class=\"num\">Per cent</th></tr></thead><tbody>"
                        : "<table><caption>Rates</caption><thead><tr><th "
                          "scope=\"col\">Rate</th><th scope=\"col\">Area "
                          "(partner)</th><th scope=\"col\" class=\"num\">"
                          "Per cent</th></tr></thead><tbody>");
    doc_words(id, words, sizeof words);
    if (marac || strcmp(s, "all") == 0)
      snprintf(where, sizeof where, "%s", name != NULL ? name : "");
    else
      snprintf(where, sizeof where, "%s (%s)", name != NULL ? name : "", s);
    doc_cell(d, r, &c);
    named_row(h, words, where, &c);
  }
  if (rows > 0)
    html_raw(h, "</tbody></table>");
}

void section_marac(struct html *h, const struct doc *d) {
  charts_section(h, d, "marac", "MARAC", marac_prefixes, NULL, measure_blocks,
                 NULL);
  rates_table(h, d, 1);
  chart_section_close(h);
}
