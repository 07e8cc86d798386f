/*
 * cover.c: the cover and the key figures.
 *
 * The cover says whose pack it is, which quarter in words, the meeting,
 * the version and when the summary was produced (the summary's own time:
 * the plugin reads no clock, so one summary gives one file), and how
 * complete the returns are. The key figures are a tile per headline
 * measure: the partnership's figure for all partners, or its marker, and
 * the changes the summary gives on the previous quarter and the same
 * quarter a year before, in words as well as signs.
 */
#include <stdio.h>
#include <string.h>

#include "charts.h"
#include "sections.h"

static void completeness_line(struct html *h, const struct doc *d) {
  size_t expected = 0, received = 0, i;
  const json_t *f;
  int first;

  json_array_foreach(d->completeness, i, f) {
    const char *st = json_string_value(json_object_get(f, "status"));

    if (st == NULL || strcmp(st, "not_expected") == 0)
      continue;
    expected++;
    received += strcmp(st, "reported") == 0;
  }
  html_fmt(h, "<p class=\"completeness\">%zu of %zu expected returns received",
           received, expected);
  first = 1;
  json_array_foreach(d->completeness, i, f) {
    if (json_is_string(json_object_get(f, "status")) &&
        strcmp(json_string_value(json_object_get(f, "status")), "late") == 0) {
      html_raw(h, first ? "; late: " : ", ");
      html_text(h, json_string_value(json_object_get(f, "feed")));
      first = 0;
    }
  }
  first = 1;
  json_array_foreach(d->completeness, i, f) {
    if (json_integer_value(json_object_get(f, "corrections")) > 0) {
      html_raw(h, first ? "; corrected since first received: " : ", ");
      html_text(h, json_string_value(json_object_get(f, "feed")));
      first = 0;
    }
  }
  html_raw(h, ".</p>");
}

void section_cover(struct html *h, const struct doc *d,
                   const struct pack_conf *c) {
  const json_t *version = json_object_get(d->root, "version");
  const char *produced =
      json_string_value(json_object_get(d->root, "generated_at"));
  const char *meeting = json_string_value(json_object_get(d->root, "meeting"));
  char words[96], date[32];

  html_raw(h, "<header class=\"page cover\"><p class=\"board\">");
  html_text(h, c->board);
  html_raw(h, "</p><h1>Board pack: domestic abuse figures</h1>"
              "<p class=\"period\">");
  if (doc_period_words(json_object_get(d->root, "period"), words,
                       sizeof words) == 0)
    html_text(h, words);
  else
    html_text(h, d->period_id);
  html_raw(h, "</p><dl>");
  if (meeting != NULL) {
    html_raw(h, "<dt>Meeting</dt><dd>");
    html_text(h,
              doc_day_words(meeting, date, sizeof date) == 0 ? date : meeting);
    html_raw(h, "</dd>");
  }
  if (json_is_integer(version))
    html_fmt(h, "<dt>Version</dt><dd>%lld</dd>",
             (long long)json_integer_value(version));
  if (produced != NULL) {
    html_raw(h, "<dt>Produced</dt><dd>");
    if (doc_day_words(produced, date, sizeof date) == 0 &&
        strlen(produced) >= 16) {
      char hhmm[6];

      memcpy(hhmm, produced + 11, 5);
      hhmm[5] = '\0';
      html_text(h, date);
      html_raw(h, ", ");
      html_text(h, hhmm);
      html_raw(h, " UTC");
    } else {
      html_text(h, produced);
    }
    html_raw(h, "</dd>");
  }
  html_raw(h, "</dl>");
  completeness_line(h, d);
  html_raw(h, "<p class=\"note\">Figures are as partners returned them, after "
              "disclosure control: ");
  html_text(h, d->marker);
  html_raw(h, " marks a confidential figure (see the data notes).</p>"
              "</header>");
}

/* "Up 12 on Q4 2023/24", in words, so colour never carries it alone. */
static void change_line(struct html *h, const json_t *fig, const char *key,
                        const char *what) {
  const json_t *cmp = json_object_get(fig, key);
  const char *unit = json_string_value(json_object_get(fig, "unit"));
  const char *period = json_string_value(json_object_get(cmp, "period"));
  char text[48], name[32];
  int sign;

  if (cmp == NULL || !doc_change(cmp, unit, text, sizeof text, &sign))
    return;
  if (doc_period_name(period, name, sizeof name) != 0)
    (void)snprintf(name, sizeof name, "%s", what);
  if (sign < 0)
    html_raw(h, "<p class=\"change down\"><span aria-hidden=\"true\">"
                "\xE2\x96\xBC </span>Down ");
  else if (sign > 0)
    html_raw(h, "<p class=\"change up\"><span aria-hidden=\"true\">"
                "\xE2\x96\xB2 </span>Up ");
  else
    html_raw(h, "<p class=\"change\">No change");
  if (sign != 0)
    html_text(h, text);
  html_raw(h, " on ");
  html_text(h, name);
  html_raw(h, " (");
  html_text(h, what);
  html_raw(h, ")</p>");
}

/* The last eight quarters, from the summary's "trend" (published figures
 * only) and the figure itself: a small line and its table. */
static void trend(struct html *h, const struct doc *d, const json_t *fig,
                  const char *words, const struct cell *now) {
  const json_t *list = json_object_get(fig, "trend");
  struct svg_bar points[8];
  char labels[8][32], title[160];
  size_t n = 0;

  if (now->kind != CELL_SHOWN || json_array_size(list) == 0 ||
      json_array_size(list) > 7)
    return;
  for (size_t i = 0; i < json_array_size(list); i++) {
    const json_t *p = json_array_get(list, i);

    if (doc_period_name(json_string_value(json_object_get(p, "period")),
                        labels[n], sizeof labels[n]) != 0)
      return;
    doc_value_cell(json_object_get(p, "value"),
                   json_string_value(json_object_get(fig, "unit")),
                   &points[n].cell);
    if (points[n].cell.kind != CELL_SHOWN)
      return;
    points[n].label = labels[n];
    n++;
  }
  if (doc_period_name(d->period_id, labels[n], sizeof labels[n]) != 0)
    return;
  points[n].label = labels[n];
  points[n].cell = *now;
  n++;
  (void)snprintf(title, sizeof title, "%s, the last %zu quarters", words, n);
  svg_trend(h, title, points, n);
  chart_table(h, title, "Quarter", points, n);
}

void section_key_figures(struct html *h, const struct doc *d,
                         const struct pack_conf *c) {
  html_raw(h, "<section class=\"page\" id=\"key-figures\" "
              "aria-labelledby=\"key-figures-h\">"
              "<h2 id=\"key-figures-h\">Key figures</h2>"
              "<p class=\"subtitle\">All partners, the whole partnership area."
              "</p><ul class=\"tiles\">");
  for (size_t i = 0; i < c->n_headline; i++) {
    const json_t *f = doc_find(d, c->headline[i], "all", "all", NULL, NULL);
    char words[96];
    struct cell cell;

    if (f == NULL)
      continue; /* renders only what the summary holds */
    doc_cell(d, f, &cell);
    doc_words(c->headline[i], words, sizeof words);
    html_raw(h, "<li class=\"tile\"><h3>");
    html_text(h, words);
    html_raw(h, cell.kind == CELL_SHOWN ? "</h3><p class=\"figure\">"
                                        : "</h3><p class=\"figure marker\">");
    html_text(h, cell.text);
    html_raw(h, "</p>");
    if (cell.kind == CELL_SHOWN && cell.partial)
      html_raw(h, "<p class=\"change\">Partial: a part was not reported</p>");
    /* a change beside a marker would give the hidden figure away: the
     * hub writes none there, and the pack would not show one either */
    if (cell.kind == CELL_SHOWN) {
      trend(h, d, f, words, &cell);
      change_line(h, f, "previous", "previous quarter");
      change_line(h, f, "year_ago", "a year before");
    }
    html_raw(h, "</li>");
  }
  html_raw(h, "</ul></section>");
}
