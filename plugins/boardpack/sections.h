/*
 * sections.h: the sections of the board pack, in the order it prints
 * them. Each writes one <section> (the cover: a <header>) from the summary
 * alone.
 */
#ifndef BOARDPACK_SECTIONS_H
#define BOARDPACK_SECTIONS_H

#include <stddef.h>

#include "doc.h"
#include "html.h"

#define PACK_MAX_HEADLINE 8
#define PACK_BOARD_MAX 120 /* bytes of the board's name */

/* The sink's options, checked by boardpack.c. */
struct pack_conf {
  char board[PACK_BOARD_MAX + 1];
  char headline[PACK_MAX_HEADLINE][65]; /* measure ids, in tile order */
  size_t n_headline;
};

void section_cover(struct html *h, const struct doc *d,
                   const struct pack_conf *c);
void section_key_figures(struct html *h, const struct doc *d,
                         const struct pack_conf *c);
void section_areas(struct html *h, const struct doc *d);
void section_breakdowns(struct html *h, const struct doc *d);
void section_safe_accommodation(struct html *h, const struct doc *d);
void section_marac(struct html *h, const struct doc *d);
void section_funding(struct html *h, const struct doc *d);
/* The allocations by year, a part of the funding section (allocations.c). */
void funding_allocations(struct html *h, const struct doc *d);
void section_notes(struct html *h, const struct doc *d);

/* The whole <style> element (style.c). */
void pack_style(struct html *h, const struct doc *d);

#endif
