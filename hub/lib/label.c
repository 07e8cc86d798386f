/*
 * label.c: the one rule by which labels are compared (see dahub/label.h).
 *
 * The vocabulary folds every label it loads and every label it is asked
 * about; the mapped plugin folds its "values" once and each cell it looks
 * up. Bytes of 0x80 and above are kept as they are, apart from the few
 * UTF-8 punctuation marks office software types where people type ASCII:
 * folding them as a space is what makes "Out–of–area" one label.
 */
#include "dahub/label.h"

#include <errno.h>

/* Length of a UTF-8 punctuation mark that Excel and Word put where people
 * type ASCII (no-break space, en and em dash, curly quotes) at s, of n
 * bytes left, or 0. */
static size_t punctuation_utf8(const unsigned char *u, size_t n) {
  if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
    return 2;
  if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 &&
      ((u[2] >= 0x93 && u[2] <= 0x94) || (u[2] >= 0x98 && u[2] <= 0x9D)))
    return 3;
  return 0;
}

/* Appends c unless out is full; *o counts what would have been written, so
 * the caller sees an overflow and out keeps a prefix. */
static void put(char *out, size_t *o, char c) {
  if (*o + 1 < DAHUB_LABEL_MAX)
    out[*o] = c;
  (*o)++;
}

int dahub_label_fold(const char *s, size_t len, char out[DAHUB_LABEL_MAX]) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i, o = 0;
  int space = 1; /* drops leading spaces */

  for (i = 0; i < len; i++) {
    unsigned char c = u[i];
    const char *word = NULL;
    size_t skip = punctuation_utf8(u + i, len - i);

    if (skip > 0) { /* read as a space, like its ASCII cousins */
      i += skip - 1;
      c = ' ';
    }
    if (c == '&')
      word = "and";
    else if (c == '+')
      word = "plus";
    if (word == NULL && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z') || c >= 0x80)) {
      put(out, &o, (char)((c >= 'A' && c <= 'Z') ? c + 32 : c));
      space = 0;
      continue;
    }
    if (!space)
      put(out, &o, ' ');
    space = 1;
    if (word == NULL)
      continue;
    for (; *word != '\0'; word++)
      put(out, &o, *word);
    put(out, &o, ' ');
  }
  if (o >= DAHUB_LABEL_MAX) {
    out[DAHUB_LABEL_MAX - 1] = '\0';
    return -ENAMETOOLONG;
  }
  while (o > 0 && out[o - 1] == ' ')
    o--;
  out[o] = '\0';
  return (int)o;
}
