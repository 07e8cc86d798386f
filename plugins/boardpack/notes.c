/*
 * notes.c: the data notes: what each marker means, how much disclosure
 * control hid (how many, never which or by which rule), which returns the
 * pack is made of, which were corrected, which cells partners left blank,
 * and the warnings their files came with (the summary's notes: the place
 * and the words, never a cell's text nor a figure).
 */
#include <string.h>

#include "charts.h"
#include "dahub/sink.h"
#include "sections.h"

/* Rows of the blank cells' and the warnings' tables; a count says how many
 * more. */
#define NOTES_MAX_BLANK_ROWS 60
#define NOTES_MAX_WARNING_ROWS 60
#define DOC_PARTIAL_MARKER "[p]"

static void markers(struct html *h, const struct doc *d) {
  const json_t *disc = json_object_get(d->root, "disclosure");
  const json_t *threshold = json_object_get(disc, "threshold");
  const json_t *hidden = json_object_get(disc, "hidden_cells");

  html_raw(h, "<h3>Markers</h3><dl class=\"markers\"><dt>");
  html_text(h, d->marker);
  html_raw(h, "</dt><dd>Confidential: hidden by disclosure control, because "
              "the figure is small");
  if (json_is_integer(threshold))
    html_fmt(h, " (below %lld, or a higher threshold for a small area)",
             (long long)json_integer_value(threshold));
  html_raw(
      h, " or because it would let a small figure be worked out from "
         "the totals. Its bar is hatched and drawn at a fixed size that "
         "says nothing of the figure.</dd><dt>" DOC_LOW_MARKER
         "</dt><dd>Suppressed by the partner before the return was "
         "sent (a low figure); also a hatched bar.</dd><dt>" DOC_MISSING_MARKER
         "</dt><dd>Not reported: the partner left the cell blank, or "
         "it cannot be computed. No bar.</dd><dt>[p]</dt><dd>Partial: "
         "the figure lacks a part that was not reported.</dd></dl>");
  if (json_is_integer(hidden))
    html_fmt(h,
             "<p>In this summary %lld figures are confidential. Rates and "
             "totals are computed only from figures that are shown.</p>",
             (long long)json_integer_value(hidden));
}

static void sources(struct html *h, const struct doc *d) {
  const json_t *f;
  size_t i;

  html_raw(h, "<h3>Sources</h3><table><caption>Returns this pack is made of"
              "</caption><thead><tr><th scope=\"col\">Return</th>"
              "<th scope=\"col\">Status</th><th scope=\"col\">Last received"
              "</th><th scope=\"col\" class=\"num\">Files</th>"
              "<th scope=\"col\" class=\"num\">Corrections</th></tr></thead>"
              "<tbody>");
  json_array_foreach(d->completeness, i, f) {
    const char *when = json_string_value(json_object_get(f, "last_received"));
    char date[32];

    html_raw(h, "<tr><th scope=\"row\">");
    html_text(h, json_string_value(json_object_get(f, "feed")));
    html_raw(h, "</th><td>");
    html_text(h, dahub_sink_status_words(
                     json_string_value(json_object_get(f, "status"))));
    if (json_integer_value(json_object_get(f, "cells_not_usable")) > 0)
      html_fmt(
          h, ", %lld cell%s not usable",
          (long long)json_integer_value(json_object_get(f, "cells_not_usable")),
          json_integer_value(json_object_get(f, "cells_not_usable")) == 1
              ? ""
              : "s");
    html_raw(h, "</td><td>");
    if (doc_day_words(when, date, sizeof date) == 0)
      html_text(h, date);
    html_raw(h, "</td><td class=\"num\">");
    if (json_is_integer(json_object_get(f, "ingests")))
      html_fmt(h, "%lld",
               (long long)json_integer_value(json_object_get(f, "ingests")));
    html_raw(h, "</td><td class=\"num\">");
    if (json_is_integer(json_object_get(f, "corrections")))
      html_fmt(
          h, "%lld",
          (long long)json_integer_value(json_object_get(f, "corrections")));
    html_raw(h, "</td></tr>");
  }
  html_raw(h, "</tbody></table>");
}

/* A figure's breakdown in words, escaped. */
static void breakdown_text(struct html *h, const json_t *dims) {
  char words[256];

  doc_dims_words(dims, words, sizeof words);
  html_text(h, words);
}

/* Figures a correction changed since the last version: "31 → 33". */
static void changed(struct html *h, const struct doc *d) {
  const json_t *version = json_object_get(d->root, "version");
  const json_t *f;
  size_t i, rows = 0;

  json_array_foreach(d->figures, i, f) {
    const json_t *last = json_object_get(f, "last_version");
    const char *name = json_string_value(json_object_get(f, "area_name"));
    char words[96];
    struct cell then, now;

    doc_cell(d, f, &now);
    if (last == NULL || now.kind != CELL_SHOWN)
      continue;
    doc_value_cell(json_object_get(last, "value"),
                   json_string_value(json_object_get(f, "unit")), &then);
    if (then.kind != CELL_SHOWN)
      continue;
    if (rows++ == 0) {
      html_raw(h, "<table><caption>Figures changed since version ");
      if (json_is_integer(version) && json_integer_value(version) > 1)
        html_fmt(h, "%lld", (long long)json_integer_value(version) - 1);
      html_raw(h, "</caption><thead><tr><th scope=\"col\">Measure</th>"
                  "<th scope=\"col\">Breakdown</th>"
                  "<th scope=\"col\">Area</th><th scope=\"col\">Partner"
                  "</th><th scope=\"col\" class=\"num\">Was</th>"
                  "<th scope=\"col\" class=\"num\">Now</th></tr></thead>"
                  "<tbody>");
    }
    doc_words(json_string_value(json_object_get(f, "measure")), words,
              sizeof words);
    html_raw(h, "<tr><td>");
    html_text(h, words);
    html_raw(h, "</td><td>");
    breakdown_text(h, json_object_get(f, "dimensions"));
    html_raw(h, "</td><th scope=\"row\">");
    html_text(h, name != NULL ? name : "");
    html_raw(h, "</th><td>");
    html_text(h, json_string_value(json_object_get(f, "source_id")));
    html_raw(h, "</td>");
    chart_cell(h, &then);
    chart_cell(h, &now);
    html_raw(h, "</tr>");
  }
  if (rows > 0)
    html_raw(h, "</tbody></table>");
}

static void corrections(struct html *h, const struct doc *d) {
  const json_t *f;
  size_t i, n = 0;

  html_raw(h, "<h3>Corrections</h3>");
  json_array_foreach(d->completeness, i, f) {
    if (json_integer_value(json_object_get(f, "corrections")) <= 0)
      continue;
    html_raw(h, n++ == 0 ? "<p>Corrected returns: " : ", ");
    html_text(h, json_string_value(json_object_get(f, "feed")));
  }
  html_raw(h, n > 0 ? ". Each corrected return replaces the earlier one; the "
                      "earlier figures are in the pack of the earlier "
                      "version.</p>"
                    : "<p>No return was corrected.</p>");
  changed(h, d);
}

static int is_blank(const json_t *f) {
  const char *m = json_string_value(json_object_get(f, "marker"));

  return m != NULL && strcmp(m, "missing") == 0;
}

/* Which partners' cells were left blank: each partner's own figure of an
 * area (its totals over areas and all partners' figures repeat them),
 * then how many figures lack a part. A blank is not confidential: the
 * partner sent nothing there. */
static void blank_cells(struct html *h, const struct doc *d) {
  const json_t *f;
  size_t i, blank = 0, rows = 0, more = 0, partial = 0;

  json_array_foreach(d->figures, i, f) {
    const char *area = json_string_value(json_object_get(f, "area"));
    const char *name = json_string_value(json_object_get(f, "area_name"));
    char words[96];

    blank += is_blank(f);
    partial += json_is_true(json_object_get(f, "partial")) &&
               doc_match(f, NULL, DOC_ONE_PARTNER, NULL, 0);
    if (!is_blank(f) || !doc_match(f, NULL, DOC_ONE_PARTNER, NULL, 0) ||
        area == NULL || strcmp(area, "all") == 0)
      continue;
    if (rows == NOTES_MAX_BLANK_ROWS) {
      more++;
      continue;
    }
    if (rows++ == 0)
      html_raw(h, "<h3>Blank cells</h3><table><caption>Cells partners left "
                  "blank</caption><thead><tr><th scope=\"col\">Partner</th>"
                  "<th scope=\"col\">Measure</th><th scope=\"col\">Area"
                  "</th><th scope=\"col\">Breakdown</th></tr></thead>"
                  "<tbody>");
    doc_words(json_string_value(json_object_get(f, "measure")), words,
              sizeof words);
    html_raw(h, "<tr><th scope=\"row\">");
    html_text(h, json_string_value(json_object_get(f, "source_id")));
    html_raw(h, "</th><td>");
    html_text(h, words);
    html_raw(h, "</td><td>");
    html_text(h, name != NULL ? name : area);
    html_raw(h, "</td><td>");
    breakdown_text(h, json_object_get(f, "dimensions"));
    html_raw(h, "</td></tr>");
  }
  if (rows > 0)
    html_raw(h, "</tbody></table>");
  else
    html_raw(h, "<h3>Blank cells</h3>");
  if (more > 0)
    html_fmt(h, "<p>And %zu more cells left blank.</p>", more);
  html_fmt(h,
           "<p>%zu figures in this summary are marked " DOC_MISSING_MARKER
           ": not reported by the partners. %zu of the partners' figures "
           "are partial " DOC_PARTIAL_MARKER ": a part of them was left blank "
           "or suppressed by the partner, or a part of the period was not "
           "returned.</p>",
           blank, partial);
  /* text in a figure's place never reaches the store (the mapped plugin
   * leaves it out with a warning where its mapping says so, else the file
   * fails): what the summary has of it is the warning, in its notes */
  html_raw(h, "<p>Cells where a partner wrote words instead of a number "
              "(such as &#8220;similar to Q2&#8221;) are not figures: when "
              "the return is read they are left out with a warning to the "
              "data lead, or the return is refused until it is corrected. ");
  html_raw(h, json_array_size(json_object_get(d->root, "notes")) > 0
                  ? "The warnings of the returns in this pack follow.</p>"
                  : "No return in this pack came with a warning.</p>");
}

/* The warnings the returns came with, per partner's return: where (the
 * cell as the spreadsheet names it, else the row) and what, as the
 * summary's notes give them. */
static void warnings(struct html *h, const struct doc *d) {
  const json_t *notes = json_object_get(d->root, "notes"), *feed, *w;
  size_t i, j, rows = 0;
  json_int_t more = 0;

  if (json_array_size(notes) == 0)
    return;
  html_raw(h, "<h3>Warnings</h3><table><caption>Warnings the returns came "
              "with</caption><thead><tr><th scope=\"col\">Return</th>"
              "<th scope=\"col\">File</th><th scope=\"col\">Cell</th>"
              "<th scope=\"col\">Warning</th></tr></thead><tbody>");
  json_array_foreach(notes, i, feed) {
    more += json_integer_value(json_object_get(feed, "not_listed"));
    json_array_foreach(json_object_get(feed, "warnings"), j, w) {
      const json_t *line = json_object_get(w, "line");

      if (rows == NOTES_MAX_WARNING_ROWS) {
        more++;
        continue;
      }
      rows++;
      html_raw(h, "<tr><th scope=\"row\">");
      html_text(h, json_string_value(json_object_get(feed, "feed")));
      html_raw(h, "</th><td>");
      html_text(h, json_string_value(json_object_get(w, "file")));
      html_raw(h, "</td><td>");
      if (json_is_string(json_object_get(w, "cell")))
        html_text(h, json_string_value(json_object_get(w, "cell")));
      else if (json_is_integer(line)) /* a row: no cell of its own */
        html_fmt(h, "row %lld", (long long)json_integer_value(line));
      html_raw(h, "</td><td>");
      html_text(h, json_string_value(json_object_get(w, "message")));
      html_raw(h, "</td></tr>");
    }
  }
  html_raw(h, "</tbody></table>");
  if (more > 0)
    html_fmt(h, "<p>And %lld more warning%s, not listed.</p>", (long long)more,
             more == 1 ? "" : "s");
}

void section_notes(struct html *h, const struct doc *d) {
  html_raw(h, "<section class=\"page\" id=\"notes\" "
              "aria-labelledby=\"notes-h\"><h2 id=\"notes-h\">Data notes</h2>");
  markers(h, d);
  sources(h, d);
  corrections(h, d);
  blank_cells(h, d);
  warnings(h, d);
  html_raw(h, "</section>");
}
