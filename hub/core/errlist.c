/*
 * errlist.c: a bounded list of formatted error messages (see errlist.h).
 * When memory runs out a message is counted as dropped, never lost silently.
 */
#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void errlist_add(struct errlist *el, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...) {
  char msg[512], full[1024];
  va_list ap;
  int w;

  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (line > 0)
    w = snprintf(full, sizeof full, "%s:%u:%u: %s", file, line, col, msg);
  else
    w = snprintf(full, sizeof full, "%s: %s", file, msg);
  if (w < 0 || el->n >= ERRLIST_MAX ||
      (el->msgs[el->n] = malloc((size_t)w + 1)) == NULL) {
    el->dropped++;
    return;
  }
  (void)snprintf(el->msgs[el->n++], (size_t)w + 1, "%s", full);
}

size_t errlist_count(const struct errlist *el) { return el->n + el->dropped; }

void errlist_each(const struct errlist *el, void (*fn)(const char *, void *),
                  void *arg) {
  for (size_t i = 0; i < el->n; i++)
    fn(el->msgs[i], arg);
}

void errlist_clear(struct errlist *el) {
  for (size_t i = 0; i < el->n; i++)
    free(el->msgs[i]);
  el->n = 0;
  el->dropped = 0;
}
