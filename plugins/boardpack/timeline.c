/*
 * timeline.c: the contracts as a timeline (svg.h): one row a contract,
 * a solid bar to its end date, a dashed outline on to the date it may be
 * extended to, and a line at the day of the register's reading.
 *
 * The axis runs in financial years, 1 April to 1 April, as the board plans
 * them. Dates are days of the calendar (doc_days()), never of a clock, so
 * one summary gives one drawing. A contract ending soon is drawn in the
 * second colour of the Government Analysis Function's palette and also
 * says "ends soon" in words, with its label in bold: colour is never the
 * only carrier. A register's dates are public facts about contracts, not
 * figures about people: nothing here is under disclosure control.
 */
#include <stdio.h>
#include <string.h>

#include "svg.h"

#define WIDTH SVG_WIDTH
#define LABEL_W 200
#define PLOT_X 210
#define PLOT_W 390
#define ROW_H 24
#define TOP 24 /* room for the "as of" line's words */
#define AXIS_H 28
#define LABEL_CHARS 26
#define MAX_INTERVALS 6

#define BAR_COLOUR "#12436D"
#define SOON_COLOUR "#801650"
#define INK_COLOUR "#3D3D3D"
#define GRID_COLOUR "#B1B4B6"

struct axis {
  int first_year; /* the financial year of the first tick: 1 April */
  int step, n;    /* years a tick; intervals */
  long lo, hi;    /* days of the first and last tick */
};

static void widen(long d, long *lo, long *hi, int *any) {
  if (d == SVG_NO_DATE)
    return;
  if (!*any || d < *lo)
    *lo = d;
  if (!*any || d > *hi)
    *hi = d;
  *any = 1;
}

/* The financial year holding day d: 1 April of it is on or before d. */
static int fy_of(long d) {
  int y, m, day;

  doc_civil(d, &y, &m, &day);
  return m >= 4 ? y : y - 1;
}

/* 0 with a, or -1 when no row has a date. */
static int make_axis(const struct svg_span *rows, size_t n, long today,
                     struct axis *a) {
  long lo = 0, hi = 0;
  int any = 0, years;

  for (size_t i = 0; i < n; i++) {
    widen(rows[i].start, &lo, &hi, &any);
    widen(rows[i].end, &lo, &hi, &any);
    widen(rows[i].extension, &lo, &hi, &any);
  }
  if (!any)
    return -1;
  widen(today, &lo, &hi, &any);
  a->first_year = fy_of(lo);
  years = fy_of(hi) + 1 - a->first_year;
  a->step = (years + MAX_INTERVALS - 1) / MAX_INTERVALS;
  a->n = (years + a->step - 1) / a->step;
  a->lo = doc_days(a->first_year, 4, 1);
  a->hi = doc_days(a->first_year + a->n * a->step, 4, 1);
  return 0;
}

static double x_of(const struct axis *a, long d) {
  if (d < a->lo)
    d = a->lo;
  return PLOT_X + PLOT_W * (double)(d - a->lo) / (double)(a->hi - a->lo);
}

static void ticks(struct html *h, const struct axis *a, int bottom) {
  for (int k = 0; k <= a->n; k++) {
    int y = a->first_year + k * a->step;
    double x = x_of(a, doc_days(y, 4, 1));

    html_fmt(h,
             "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
             "stroke=\"" GRID_COLOUR "\" stroke-width=\"1\"/>"
             "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
             "class=\"tick\">Apr %d</text>",
             x, TOP, x, bottom, x, bottom + 16, y);
  }
}

/* "31 May 2025" of a day, for a direct label. */
static void short_date(long d, char *buf, size_t n) {
  static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int y, m, day;

  doc_civil(d, &y, &m, &day);
  (void)snprintf(buf, n, "%d %s %d", day, mon[m - 1], y);
}

static void row(struct html *h, const struct svg_span *r, int y,
                const struct axis *a) {
  const char *colour = r->soon ? SOON_COLOUR : BAR_COLOUR;
  char date[32], label[64];
  double x0, x1, x2, w;

  html_raw(h, "<g><title>");
  html_text(h, r->label);
  html_raw(h, ": ");
  html_text(h, r->words);
  html_fmt(h, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>",
           LABEL_W - 8, y + 16, r->soon ? " font-weight=\"bold\"" : "");
  html_text_cut(h, r->label, LABEL_CHARS);
  html_raw(h, "</text>");
  if (r->end == SVG_NO_DATE) {
    html_fmt(h, "<text x=\"%d\" y=\"%d\">no end date given</text></g>",
             PLOT_X + 4, y + 16);
    return;
  }
  x1 = x_of(a, r->end);
  x2 = r->extension != SVG_NO_DATE && r->extension > r->end
           ? x_of(a, r->extension)
           : x1;
  if (r->start != SVG_NO_DATE && r->start < r->end) {
    x0 = x_of(a, r->start);
    html_fmt(h,
             "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" "
             "fill=\"%s\"/>",
             x0, y + 4, x1 - x0, colour);
  } else {
    /* no start given: a mark at the end, not a bar from a made-up start */
    x0 = x1 - 3;
    html_fmt(h,
             "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"16\" "
             "fill=\"%s\"/>",
             x0, y + 4, colour);
  }
  if (x2 > x1)
    html_fmt(h,
             "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"15\" "
             "fill=\"#FFFFFF\" stroke=\"%s\" stroke-dasharray=\"4 2\"/>",
             x1, y + 4, x2 - x1, colour);
  /* the last date drawn, beside it: right of it where the plot has room,
   * else left of the contract's first mark, else in white on its bar (a
   * contract that fills the plot); 6.5 pixels a character at 12px */
  short_date(x2 > x1 ? r->extension : r->end, date, sizeof date);
  (void)snprintf(label, sizeof label, "%s%s%s", r->soon ? "ends soon, " : "",
                 x2 > x1 ? "to " : "", date);
  w = 6.5 * (double)strlen(label);
  if (x2 + 5 + w < PLOT_X + PLOT_W + 12)
    html_fmt(h, "<text x=\"%.1f\" y=\"%d\">", x2 + 5, y + 16);
  else if (x0 - 5 - w > PLOT_X)
    html_fmt(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">", x0 - 5,
             y + 16);
  else
    html_fmt(h,
             "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
             "fill=\"#FFFFFF\">",
             x1 - 5, y + 16);
  html_text(h, label);
  html_raw(h, "</text></g>");
}

void svg_timeline(struct html *h, const char *title, const char *desc,
                  const struct svg_span *rows, size_t n, long today,
                  const char *today_words) {
  struct axis a;
  int bottom, height;

  if (n == 0 || make_axis(rows, n, today, &a) != 0)
    return; /* no date to place: the table says so */
  if (n > SVG_MAX_BARS)
    n = SVG_MAX_BARS;
  bottom = TOP + (int)n * ROW_H;
  height = bottom + AXIS_H;
  (void)svg_open(h, height, title, desc);
  for (size_t i = 0; i < n; i++) {
    html_raw(h, i == 0 ? ": " : "; ");
    html_text(h, rows[i].label);
    html_raw(h, ", ");
    html_text(h, rows[i].words);
  }
  html_raw(h, ".</desc>");
  ticks(h, &a, bottom);
  for (size_t i = 0; i < n; i++)
    row(h, &rows[i], TOP + (int)i * ROW_H, &a);
  if (today != SVG_NO_DATE && today >= a.lo && today <= a.hi) {
    double x = x_of(&a, today);

    html_fmt(
        h,
        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" INK_COLOUR
        "\" stroke-width=\"2\" stroke-dasharray=\"2 2\"/><text x=\"%.1f\" "
        "y=\"14\" text-anchor=\"%s\">",
        x, TOP - 4, x, bottom, x, x > PLOT_X + PLOT_W / 2 ? "end" : "start");
    html_text(h, today_words);
    html_raw(h, "</text>");
  }
  html_raw(h, "</svg>");
}
