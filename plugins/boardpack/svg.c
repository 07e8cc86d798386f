/*
 * svg.c: horizontal bar charts, and columns for a figure over time, as
 * inline SVG (svg.h). The contracts' timeline is timeline.c's.
 *
 * Layout is fixed and in whole pixels of a 640-wide viewBox, so the same
 * cells give the same bytes: labels right-aligned in the first 200, bars
 * from x = 200 (zero) over 340, the figure written at the bar's end. The
 * colours are the Government Analysis Function's: dark blue bars on white
 * (contrast well over 3:1), dark grey text and hatching. A hidden cell's
 * mark is a 16-pixel hatched square at zero with its marker beside it:
 * its size is the same for every hidden cell, so it shows that a figure
 * exists and nothing of how large it is. Columns follow the same rules
 * turned upright, the axis's figures on the left, zero at the foot.
 */
#include "svg.h"

#include <stdio.h>
#include <string.h>

#define WIDTH SVG_WIDTH
#define LABEL_W 200
#define PLOT_W 340
#define ROW_H 24
#define TOP 8
#define AXIS_H 28
#define LABEL_CHARS 26
#define MARK_W 16

#define BAR_COLOUR "#12436D"
#define INK_COLOUR "#3D3D3D"
#define GRID_COLOUR "#B1B4B6"

void svg_scale(double max, struct svg_scale *s) {
  double raw, mag = 1, step = 1;
  static const double mult[] = {1, 2, 5, 10};

  if (!(max > 0)) { /* 0, negative, NaN: an axis of one step */
    s->top = 1;
    s->step = 1;
    s->n_ticks = 2;
    return;
  }
  raw = max / (SVG_MAX_TICKS - 1);
  while (mag * 10 <= raw)
    mag *= 10;
  for (size_t i = 0; i < sizeof mult / sizeof *mult; i++) {
    step = mult[i] * mag;
    if (step * (SVG_MAX_TICKS - 1) >= max)
      break;
  }
  s->step = step;
  s->n_ticks = 1;
  while ((s->n_ticks - 1) * step < max)
    s->n_ticks++;
  if (s->n_ticks < 2)
    s->n_ticks = 2;
  s->top = (s->n_ticks - 1) * step;
}

static void hatch_def(struct html *h, unsigned id) {
  html_fmt(h,
           "<defs><pattern id=\"hatch-%u\" width=\"6\" height=\"6\" "
           "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
           "<rect width=\"6\" height=\"6\" fill=\"#FFFFFF\"/>"
           "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"" INK_COLOUR
           "\" stroke-width=\"2\"/></pattern></defs>",
           id);
}

static void axis(struct html *h, const struct svg_scale *s, int bottom) {
  for (int k = 0; k < s->n_ticks; k++) {
    double x = LABEL_W + PLOT_W * (k * s->step) / s->top;
    char num[32], grouped[40];

    (void)snprintf(num, sizeof num, "%.0f", k * s->step);
    if (doc_group_digits(num, grouped, sizeof grouped) != 0)
      grouped[0] = '\0';
    html_fmt(h,
             "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
             "stroke=\"" GRID_COLOUR "\" stroke-width=\"1\"/>",
             x, TOP, x, bottom);
    html_fmt(h,
             "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
             "class=\"tick\">%s</text>",
             x, bottom + 16, grouped);
  }
}

static void bar(struct html *h, const struct svg_bar *b, int y,
                const struct svg_scale *s, unsigned hatch) {
  const struct cell *c = &b->cell;

  html_raw(h, "<g><title>");
  html_text(h, b->label);
  html_raw(h, ": ");
  html_text(h, c->text);
  html_raw(h, "</title>");
  html_fmt(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 8,
           y + 16);
  html_text_cut(h, b->label, LABEL_CHARS);
  html_raw(h, "</text>");
  if (c->kind == CELL_SHOWN) {
    double w = c->amount > 0 ? PLOT_W * c->amount / s->top : 0;

    if (w > 0)
      html_fmt(h,
               "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" "
               "fill=\"" BAR_COLOUR "\"/>",
               LABEL_W, y + 4, w);
    html_fmt(h, "<text x=\"%.1f\" y=\"%d\">", LABEL_W + w + 6, y + 16);
  } else if (c->kind == CELL_MISSING) {
    html_fmt(h, "<text x=\"%d\" y=\"%d\">", LABEL_W + 6, y + 16);
  } else {
    html_fmt(h,
             "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
             "fill=\"url(#hatch-%u)\" stroke=\"" INK_COLOUR "\"/>",
             LABEL_W, y + 4, MARK_W, hatch);
    html_fmt(h, "<text x=\"%d\" y=\"%d\">", LABEL_W + MARK_W + 6, y + 16);
  }
  html_text(h, c->text);
  html_raw(h, "</text></g>");
}

/* <svg ...><title>title</title><desc> of the given size and attributes
 * (extra: "" or " class=..."), labelled by its title and description;
 * returns the id that ties them. */
static unsigned svg_head(struct html *h, int width, int height,
                         const char *extra, const char *title) {
  unsigned id = html_id(h);

  html_fmt(h,
           "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
           "role=\"img\" aria-labelledby=\"svg-t-%u svg-d-%u\"%s>"
           "<title id=\"svg-t-%u\">",
           width, height, width, height, id, id, extra, id);
  html_text(h, title);
  html_fmt(h, "</title><desc id=\"svg-d-%u\">", id);
  return id;
}

#define TREND_W 200
#define TREND_H 48

void svg_trend(struct html *h, const char *title, const struct svg_bar *points,
               size_t n) {
  double max = 0;

  if (n < 2 || n > SVG_MAX_BARS)
    return;
  for (size_t i = 0; i < n; i++)
    if (points[i].cell.kind != CELL_SHOWN)
      return; /* a line through a hidden point would place it */
    else if (points[i].cell.amount > max)
      max = points[i].cell.amount;
  if (!(max > 0))
    max = 1;
  (void)svg_head(h, TREND_W, TREND_H, " class=\"trend\"", title);
  for (size_t i = 0; i < n; i++) {
    html_raw(h, i == 0 ? "" : "; ");
    html_text(h, points[i].label);
    html_raw(h, " ");
    html_text(h, points[i].cell.text);
  }
  html_fmt(h,
           ".</desc><line x1=\"4\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
           "stroke=\"" GRID_COLOUR "\"/><polyline fill=\"none\" "
           "stroke=\"" BAR_COLOUR "\" stroke-width=\"2\" points=\"",
           TREND_H - 4, TREND_W - 4, TREND_H - 4);
  for (size_t i = 0; i < n; i++) {
    double amount = points[i].cell.amount > 0 ? points[i].cell.amount : 0;

    html_fmt(h, "%s%.1f,%.1f", i == 0 ? "" : " ",
             4 + (TREND_W - 8) * (double)i / (double)(n - 1),
             (TREND_H - 4) - (TREND_H - 8) * amount / max);
  }
  html_raw(h, "\"/></svg>");
}

#define COL_LEFT 90    /* the axis's figures sit left of it */
#define COL_PLOT_W 530 /* to x = 620 */
#define COL_TOP 24     /* room for the figure above the tallest column */
#define COL_PLOT_H 180
#define COL_MAX_W 72

/* One column and its figure above it; a hidden cell's mark is the same
 * fixed square as in svg_hbars(). */
static void column(struct html *h, const struct svg_bar *b, double mid,
                   double width, const struct svg_scale *s, unsigned hatch) {
  const struct cell *c = &b->cell;
  int base = COL_TOP + COL_PLOT_H;
  double top = base;

  html_raw(h, "<g><title>");
  html_text(h, b->label);
  html_raw(h, ": ");
  html_text(h, c->text);
  html_raw(h, "</title>");
  if (c->kind == CELL_SHOWN && c->amount > 0) {
    double hgt = COL_PLOT_H * c->amount / s->top;

    top = base - hgt;
    html_fmt(h,
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
             "fill=\"" BAR_COLOUR "\"/>",
             mid - width / 2, top, width, hgt);
  } else if (c->kind == CELL_CONFIDENTIAL || c->kind == CELL_LOW) {
    top = base - MARK_W;
    html_fmt(h,
             "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" "
             "fill=\"url(#hatch-%u)\" stroke=\"" INK_COLOUR "\"/>",
             mid - MARK_W / 2.0, base - MARK_W, MARK_W, MARK_W, hatch);
  }
  html_fmt(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", mid,
           top - 6);
  html_text(h, c->text);
  html_fmt(h, "</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", mid,
           base + 18);
  html_text_cut(h, b->label, 12);
  html_raw(h, "</text></g>");
}

/* How many of the n bars are drawn (at most SVG_MAX_BARS), with the
 * scale of their largest shown value in *s; *shown says whether any is
 * shown (marks alone get no scale). */
static size_t bars_scale(const struct svg_bar *bars, size_t n,
                         struct svg_scale *s, int *shown) {
  double max = 0;

  if (n > SVG_MAX_BARS)
    n = SVG_MAX_BARS;
  *shown = 0;
  for (size_t i = 0; i < n; i++)
    if (bars[i].cell.kind == CELL_SHOWN) {
      if (!*shown || bars[i].cell.amount > max)
        max = bars[i].cell.amount;
      *shown = 1;
    }
  svg_scale(max, s);
  return n;
}

unsigned svg_open(struct html *h, int height, const char *title,
                  const char *desc) {
  unsigned id = svg_head(h, SVG_WIDTH, height, "", title);

  html_text(h, desc);
  return id;
}

/* svg_open(), each bar's label and figure to close the description, and
 * the hatching the hidden bars use. */
static unsigned open_bars(struct html *h, int height, const char *title,
                          const char *desc, const struct svg_bar *bars,
                          size_t n) {
  unsigned id = svg_open(h, height, title, desc);

  for (size_t i = 0; i < n; i++) {
    html_raw(h, i == 0 ? ": " : "; ");
    html_text(h, bars[i].label);
    html_raw(h, " ");
    html_text(h, bars[i].cell.text);
  }
  html_raw(h, ".</desc>");
  hatch_def(h, id);
  return id;
}

void svg_columns(struct html *h, const char *title, const char *desc,
                 const struct svg_bar *bars, size_t n) {
  struct svg_scale s;
  double slot, width;
  int shown;
  unsigned id;

  if (n == 0)
    return;
  n = bars_scale(bars, n, &s, &shown);
  slot = (double)COL_PLOT_W / (double)n;
  width = slot * 0.6 < COL_MAX_W ? slot * 0.6 : COL_MAX_W;
  id = open_bars(h, COL_TOP + COL_PLOT_H + 28, title, desc, bars, n);
  /* the axis from zero up, as for bars; none for marks alone */
  for (int k = 0; shown && k < s.n_ticks; k++) {
    double y = COL_TOP + COL_PLOT_H - COL_PLOT_H * (k * s.step) / s.top;
    char num[32], grouped[40];

    (void)snprintf(num, sizeof num, "%.0f", k * s.step);
    if (doc_group_digits(num, grouped, sizeof grouped) != 0)
      grouped[0] = '\0';
    html_fmt(h,
             "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
             "stroke=\"" GRID_COLOUR "\" stroke-width=\"1\"/><text x=\"%d\" "
             "y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s</text>",
             COL_LEFT, y, COL_LEFT + COL_PLOT_W, y, COL_LEFT - 6, y + 4,
             grouped);
  }
  for (size_t i = 0; i < n; i++)
    column(h, &bars[i], COL_LEFT + slot * ((double)i + 0.5), width, &s, id);
  html_raw(h, "</svg>");
}

void svg_hbars(struct html *h, const char *title, const char *desc,
               const struct svg_bar *bars, size_t n) {
  struct svg_scale s;
  int shown;
  unsigned id;

  if (n == 0)
    return;
  n = bars_scale(bars, n, &s, &shown);
  id = open_bars(h, TOP + (int)n * ROW_H + (shown ? AXIS_H : 8), title, desc,
                 bars, n);
  if (shown) /* no scale for marks alone: it would seem to measure them */
    axis(h, &s, TOP + (int)n * ROW_H);
  for (size_t i = 0; i < n; i++)
    bar(h, &bars[i], TOP + (int)i * ROW_H, &s, id);
  html_raw(h, "</svg>");
}
