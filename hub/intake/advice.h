/*
 * advice.h: what was wrong with a file, in plain words for the person who
 * sent it.
 *
 * Beside each failed/<name>.error.json (for programs and the officer) the
 * hub writes failed/<name>.error.txt for the provider's data lead, who may
 * never have seen a CSV file's insides: where the problem is, as Excel
 * shows it ("Row 7, column C (Count)"), what we expected and found, and
 * what to do about it. A cell's text is quoted only as the error's found
 * already holds it, cut by redact.h, and never for a feed of personal
 * data: there nothing of a cell is repeated, not even its description.
 *
 * Pure functions of their arguments: any thread, no I/O.
 */
#ifndef DAHUB_ADVICE_H
#define DAHUB_ADVICE_H

#include "dahub/error.h"

/* At most this many problems are worded; the rest are counted. */
#define ADVICE_MAX_PROBLEMS 20

struct advice_file {
  const char *feed; /* the feed's name */
  const char *file; /* the file's name in failed/ */
  int personal;     /* the feed's files hold data about people */
};

/* The words for a file that failed with these errors (the first n kept of
 * total found). OUT: text the caller frees, or NULL without memory. */
char *advice_text(const struct advice_file *f, const struct dahub_error *errs,
                  unsigned n, unsigned total);

/* The words for an entry the spool set aside unread: kind is what it was
 * ("a symbolic link"). OUT: as advice_text(). */
char *advice_refusal(const struct advice_file *f, const char *kind);

#endif
