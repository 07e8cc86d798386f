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

#include <stddef.h>

#include "doc.h"
#include "html.h"

#define SVG_MAX_TICKS 6 /* intervals: at most 5 */
#define SVG_MAX_BARS 60 /* a chart with more is a table's job */

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

/* A horizontal bar chart: title and desc are its accessible name and
 * description (from the pack's own words; escaped all the same); the
 * figures follow desc in it, so a screen reader hears them all. Nothing
 * for n == 0. */
void svg_hbars(struct html *h, const char *title, const char *desc,
               const struct svg_bar *bars, size_t n);

/* A small line of a figure over time for a key-figure tile, from zero
 * up: points[] are shown cells (others are left out of the line), labels
 * their periods. Drawn only for two points or more. */
void svg_trend(struct html *h, const char *title, const struct svg_bar *points,
               size_t n);

#endif
