/*
 * errlist.h: every error of a check, kept to be shown together.
 *
 * `dahub check` and a start with bad config list every problem at once,
 * "file:line:col: message", rather than stopping at the first: an officer
 * fixes a feed file in one pass.
 */
#ifndef DAHUB_ERRLIST_H
#define DAHUB_ERRLIST_H

#include <stddef.h>

#define ERRLIST_MAX 200 /* beyond this, only counted */

struct errlist {
  char *msgs[ERRLIST_MAX];
  size_t n;       /* kept */
  size_t dropped; /* counted, not kept */
};

/* Adds "file:line:col: message" (line/col 0: left out). */
void errlist_add(struct errlist *el, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
size_t errlist_count(const struct errlist *el);
/* Calls fn for each message, in order. */
void errlist_each(const struct errlist *el, void (*fn)(const char *, void *),
                  void *arg);
void errlist_clear(struct errlist *el);

#endif
