/*
 * html.h: writing HTML through a sink's output, with escaping.
 *
 * The first write error is kept and every later write does nothing, so a
 * section writes straight on and the caller checks h->rc once at the end.
 * Text from the summary (names, labels, markers, notes) goes through
 * html_text() and nowhere else; html_raw() and html_fmt() take only the
 * pack's own markup and numbers.
 */
#ifndef BOARDPACK_HTML_H
#define BOARDPACK_HTML_H

#include <stddef.h>

#include "dahub/plugin.h"

struct html {
  struct dahub_output *out;
  int rc;        /* 0, or the first write's error */
  unsigned next; /* the next id for an element (svg titles, patterns) */
};

void html_init(struct html *h, struct dahub_output *out);
/* The pack's own markup, as it is. */
void html_raw(struct html *h, const char *s);
/* Text from outside: & < > " ' escaped, so it is text in an element and
 * in a quoted attribute alike; bytes below 0x20 but tab and newline are
 * dropped (they have no place in a board pack). */
void html_text(struct html *h, const char *s);
/* At most max characters of s (UTF-8), escaped, with an ellipsis when
 * cut; a character is never split. */
void html_text_cut(struct html *h, const char *s, size_t max);
/* The pack's own markup with numbers; never a string from outside. */
void html_fmt(struct html *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A fresh number for an id: unique within the document, and the same
 * for the same summary. */
unsigned html_id(struct html *h);

#endif
