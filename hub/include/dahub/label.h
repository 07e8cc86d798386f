/*
 * dahub/label.h: when two labels are the same label.
 *
 * Partners write one label many ways: "Hinckley & Bosworth", "hinckley and
 * bosworth", "Black & Minority-Ethnic". Both the hub's vocabulary and a
 * mapping's "values" compare labels after folding them by this one rule,
 * so a label matches in a mapping exactly as it does in the vocabulary:
 * ASCII lower case, "&" read as "and", "+" as "plus", every other
 * punctuation mark (and the no-break space, dashes and curly quotes that
 * Excel and Word type) as a space, runs of spaces as one, none at either
 * end. "85+" and "85" stay apart. Pure function, no allocation: safe on any
 * thread and in plugins (static library).
 */
#ifndef DAHUB_LABEL_H
#define DAHUB_LABEL_H

#include <stddef.h>

/* Bytes of a folded label, its terminating NUL included. */
#define DAHUB_LABEL_MAX 256

/* Folds the len bytes at s into out, NUL-terminated. Returns the folded
 * length (0: nothing but spaces and punctuation), or -ENAMETOOLONG when it
 * needs more than DAHUB_LABEL_MAX bytes: out then holds as much of the
 * folded text as fits, a prefix of it. */
int dahub_label_fold(const char *s, size_t len, char out[DAHUB_LABEL_MAX]);

#endif
