/*
 * svg.h: inline SVG charts for the pack: horizontal bars from zero, with
 * an axis of round ticks, direct labels, and a hatched mark for a cell the
 * board may not see.
 *
 * A chart is drawn only from cells (doc.h): a marker cell has no amount,
 * so its mark has a fixed size that says nothing of its value, and the
 * scale is made from shown cells alone.
 */
#ifndef BOARDPACK_SVG_H
#define BOARDPACK_SVG_H

#include <limits.h>
#include <stddef.h>

#include "doc.h"
#include "html.h"

#define SVG_MAX_TICKS 6 /* intervals: at most 5 */
#define SVG_MAX_BARS 60 /* a chart with more is a table's job */
#define SVG_WIDTH 640   /* every chart's width, in the page's pixels */

/* An axis from 0 to top in equal steps of 1, 2 or 5 times a power of ten
 * (whole numbers: counts), at most five intervals. top >= the largest
 * value; 0 and nothing give 0 to 1. */
struct svg_scale {
  double top, step;
  int n_ticks; /* including 0 and top */
};

void svg_scale(double max, struct svg_scale *s);

struct svg_bar {
  const char *label; /* from outside: escaped; cut in the chart only */
  struct cell cell;
};

/* Opens an svg of SVG_WIDTH by height with its title, and its description
 * begun with desc: the caller adds its items and closes it with
 * ".</desc>". Returns the chart's id (html_id). */
unsigned svg_open(struct html *h, int height, const char *title,
                  const char *desc);

/* A horizontal bar chart: title and desc are its accessible name and
 * description (from the pack's own words; escaped all the same); the
 * figures follow desc in it, so a screen reader hears them all. Nothing
 * for n == 0. */
void svg_hbars(struct html *h, const char *title, const char *desc,
               const struct svg_bar *bars, size_t n);

/* A column chart for a figure over time (allocations by year), left to
 * right in the order given, from zero up, each figure written above its
 * column; as svg_hbars() in all else. Nothing for n == 0. */
void svg_columns(struct html *h, const char *title, const char *desc,
                 const struct svg_bar *bars, size_t n);

#define SVG_NO_DATE LONG_MIN

/* A contract on a timeline: dates as days since 1970 (doc_days()), or
 * SVG_NO_DATE. */
struct svg_span {
  const char *label; /* from outside: escaped; cut in the chart only */
  const char *words; /* its dates in words, for its title and the desc */
  long start, end, extension;
  int soon; /* ending soon: drawn so, and said in words */
};

/* The contracts from left (the financial year of the earliest date) to
 * right: a bar to each end date, a dashed outline on to its extension
 * date, and a line at today (SVG_NO_DATE: none) named today_words.
 * Nothing when no row has a date. */
void svg_timeline(struct html *h, const char *title, const char *desc,
                  const struct svg_span *rows, size_t n, long today,
                  const char *today_words);

/* A small line of a figure over time for a key-figure tile, from zero
 * up: points[] are shown cells (others are left out of the line), labels
 * their periods. Drawn only for two points or more. */
void svg_trend(struct html *h, const char *title, const struct svg_bar *points,
               size_t n);

#endif
