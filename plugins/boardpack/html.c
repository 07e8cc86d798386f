/*
 * html.c: HTML output with escaping (html.h).
 *
 * Escaping is by byte: UTF-8 passes through untouched, since every byte
 * that needs an entity is ASCII. The five characters that can end text or
 * a quoted attribute become entities, so a partner called "<script>"
 * reads as those letters on the page and never runs.
 */
#include "html.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void html_init(struct html *h, struct dahub_output *out) {
  h->out = out;
  h->rc = 0;
  h->next = 1;
}

static void put(struct html *h, const char *s, size_t n) {
  if (h->rc == 0 && n > 0)
    h->rc = h->out->write(h->out, s, n);
}

void html_raw(struct html *h, const char *s) { put(h, s, strlen(s)); }

static const char *entity(unsigned char c) {
  switch (c) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '"':
    return "&quot;";
  case '\'':
    return "&#39;";
  default:
    return NULL;
  }
}

/* Escapes the first n bytes of s. */
static void text_n(struct html *h, const char *s, size_t n) {
  size_t start = 0;

  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *e = entity(c);
    int drop = c < 0x20 && c != '\t' && c != '\n';

    if (e == NULL && !drop && c != 0x7F)
      continue;
    put(h, s + start, i - start);
    if (e != NULL)
      put(h, e, strlen(e));
    start = i + 1;
  }
  put(h, s + start, n - start);
}

void html_text(struct html *h, const char *s) {
  if (s != NULL)
    text_n(h, s, strlen(s));
}

void html_text_cut(struct html *h, const char *s, size_t max) {
  size_t i = 0, chars = 0;

  if (s == NULL)
    return;
  while (s[i] != '\0' && chars < max) {
    i++;
    while (((unsigned char)s[i] & 0xC0) == 0x80)
      i++; /* the rest of this character */
    chars++;
  }
  text_n(h, s, i);
  if (s[i] != '\0')
    html_raw(h, "\xE2\x80\xA6"); /* … */
}

void html_fmt(struct html *h, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) {
    if (h->rc == 0)
      h->rc = -EOVERFLOW; /* the pack's own markup never needs more */
    return;
  }
  put(h, buf, (size_t)n);
}

unsigned html_id(struct html *h) { return h->next++; }
