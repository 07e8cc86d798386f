/*
 * charts.h: the pack's building blocks: a section, and a chart of one
 * measure (across areas, or by one breakdown) with its figures as a table
 * below it.
 */
#ifndef BOARDPACK_CHARTS_H
#define BOARDPACK_CHARTS_H

#include "doc.h"
#include "html.h"
#include "svg.h"

/* <section> on a page of its own, with its h2. id is the pack's own. */
void chart_section_open(struct html *h, const char *id, const char *heading);
void chart_section_close(struct html *h);

/* The figures of a chart as a table: a caption, the label column's
 * heading, a row per bar. */
void chart_table(struct html *h, const char *caption, const char *label_head,
                 const struct svg_bar *bars, size_t n);

/* A figure's <td>: the number, or its marker (bold); "[p]" after a
 * partial one. */
void chart_cell(struct html *h, const struct cell *c);

/* measure across the areas (all partners, no breakdown), when the summary
 * has it for two areas or more. 1 when drawn, else 0. */
int chart_by_area(struct html *h, const struct doc *d, const char *measure);
/* measure by dim (all partners, the partnership), when the summary has
 * two values or more. 1 when drawn, else 0. */
int chart_by_dim(struct html *h, const struct doc *d, const char *measure,
                 const char *dim);
/* Every measure (once each, in the summary's order) whose id starts with
 * one of prefixes (NULL-terminated), or, with prefixes NULL, that starts
 * with none of except. Calls fn for each; returns how many fn drew. */
int chart_each_measure(struct html *h, const struct doc *d,
                       const char *const *prefixes, const char *const *except,
                       int (*fn)(struct html *h, const struct doc *d,
                                 const char *measure, void *arg),
                       void *arg);

#endif
