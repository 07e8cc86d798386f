/*
 * utf16.h: UTF-16 text (little- or big-endian) turned into UTF-8 as it is
 * read (utf16.c). Private to the text library: the CSV reader uses it for
 * a file that starts with a UTF-16 byte order mark, or whose feed says
 * "utf-16le" / "utf-16be"; the fuzz target drives it directly.
 */
#ifndef DAHUB_UTF16_H
#define DAHUB_UTF16_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dahub/error.h"

/* Raw bytes read and kept at once: memory is this, whatever the file. */
#define UTF16_CHUNK 65536

struct utf16; /* opaque */

/* Makes a decoder that pulls raw bytes with read(arg, buf, cap) (0 at the
 * end, negative: its code is handed back). The first n bytes of the input
 * (n <= UTF16_CHUNK), already read by the caller and past any byte order
 * mark, are head: they are copied and decoded first. skipped is how many
 * bytes came before head (the mark), so that errors give the byte's place
 * in the file. 0 or -ENOMEM. OUT: free with utf16_free(). */
int utf16_new(int big_endian, ssize_t (*read)(void *arg, void *buf, size_t cap),
              void *arg, const void *head, size_t n, size_t skipped,
              struct utf16 **out);

/* Fills out with up to cap bytes of UTF-8 (cap >= 4: one character).
 * Returns how many, 0 at the end, or negative: -EILSEQ (an unpaired
 * surrogate, the file ends inside a character) with err naming the line,
 * or read()'s code with err. Text before a bad character is handed out
 * first; the error comes with the next call, and every call after it. */
ssize_t utf16_read(struct utf16 *d, void *out, size_t cap,
                   struct dahub_error *err);

/* NULL is a no-op. */
void utf16_free(struct utf16 *d);

#endif
