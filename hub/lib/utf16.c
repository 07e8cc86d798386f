/*
 * utf16.c: UTF-16 text to UTF-8, as it is read (utf16.h).
 *
 * Excel's "Unicode Text" export is UTF-16LE with a byte order mark, tab
 * separated; some systems write big-endian. The CSV reader handles UTF-8
 * only, so a UTF-16 file goes through this decoder first: it pulls raw
 * bytes into one fixed chunk and hands out UTF-8, so memory is the chunk
 * and the CSV reader's own record, never the file.
 *
 * Each 16-bit unit below 0xD800 or above 0xDFFF is one character; a high
 * surrogate (D800-DBFF) must be followed by a low one (DC00-DFFF), the two
 * making one character above U+FFFF. Anything else is an error, as is a
 * file that ends inside a character (an odd number of bytes, or a high
 * surrogate last). The error names the line, counted as the CSV reader
 * counts it (LF, CR or CRLF end a line), and the byte's place in the file,
 * because the decoder runs ahead of the records: by the time the error is
 * seen, the CSV reader may still be lines behind. So text decoded before
 * the bad unit goes out first, and the error waits for the next call.
 *
 * A unit U+0000 is passed on as a NUL byte: the CSV reader refuses it,
 * with the line and cell it knows.
 */
#include "utf16.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct utf16 {
  int be; /* big-endian */
  ssize_t (*read)(void *arg, void *buf, size_t cap);
  void *arg;
  unsigned char in[UTF16_CHUNK];
  size_t pos, end;
  int eof;
  uint64_t offset; /* of in[0] in the file */
  uint32_t line;   /* of the next unit, 1-based */
  int prev_cr;     /* the last character was CR */
  int failed;      /* sticky: the error's code, or 0 */
  struct dahub_error error;
};

int utf16_new(int big_endian, ssize_t (*read)(void *arg, void *buf, size_t cap),
              void *arg, const void *head, size_t n, size_t skipped,
              struct utf16 **out) {
  struct utf16 *d;

  *out = NULL;
  if (n > UTF16_CHUNK || (d = calloc(1, sizeof *d)) == NULL)
    return -ENOMEM;
  d->be = big_endian != 0;
  d->read = read;
  d->arg = arg;
  if (n > 0)
    memcpy(d->in, head, n);
  d->end = n;
  d->offset = skipped;
  d->line = 1;
  *out = d;
  return 0;
}

void utf16_free(struct utf16 *d) { free(d); }

static unsigned unit_at(const struct utf16 *d, size_t i) {
  const unsigned char *p = d->in + i;

  return d->be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/* Moves what is left to the front and reads more after it. */
static int refill(struct utf16 *d) {
  ssize_t got;

  if (d->pos > 0) {
    memmove(d->in, d->in + d->pos, d->end - d->pos);
    d->offset += d->pos;
    d->end -= d->pos;
    d->pos = 0;
  }
  got = d->read(d->arg, d->in + d->end, sizeof d->in - d->end);
  if (got < 0 || (size_t)got > sizeof d->in - d->end) {
    d->failed = got < 0 && got >= INT_MIN ? (int)got : -EIO;
    return dahub_error_set(&d->error, d->failed, d->line, 0,
                           "reading the input failed");
  }
  if (got == 0)
    d->eof = 1;
  d->end += (size_t)got;
  return 0;
}

/* Keeps the error for this call, or the next one when text is out. */
static int fail(struct utf16 *d, const char *what) {
  int rc;

  d->failed = -EILSEQ;
  rc = dahub_error_set(&d->error, -EILSEQ, d->line, 0,
                       "invalid UTF-16 text: %s (byte %llu of the file); "
                       "save the file again from Excel, as \"CSV UTF-8\" "
                       "or \"Unicode Text\"",
                       what, (unsigned long long)(d->offset + d->pos + 1));
  dahub_error_code(&d->error, DAHUB_CODE_ENCODING);
  return rc;
}

/* Counts line breaks as the CSV reader does: CRLF is one. */
static void count_line(struct utf16 *d, unsigned u) {
  if (u == '\n' && !d->prev_cr)
    d->line++;
  else if (u == '\r')
    d->line++;
  d->prev_cr = u == '\r';
}

static size_t put_utf8(unsigned char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | cp >> 6);
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | cp >> 12);
    o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | cp >> 18);
  o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

/* One character at pos into o: its UTF-8 length, 0 when more input is
 * needed first, or negative. */
static int decode_one(struct utf16 *d, unsigned char *o) {
  size_t left = d->end - d->pos;
  unsigned u, lo;

  if (left < 2)
    return d->eof ? (left == 0 ? 0
                               : fail(d, "the file ends in the middle "
                                         "of a character (an odd number "
                                         "of bytes)"))
                  : 0;
  u = unit_at(d, d->pos);
  if (u >= 0xDC00 && u <= 0xDFFF)
    return fail(d, "the second half of a character without its first");
  if (u < 0xD800 || u > 0xDBFF) {
    count_line(d, u);
    d->pos += 2;
    return (int)put_utf8(o, u);
  }
  if (left < 4)
    return d->eof ? fail(d, "the file ends in the middle of a character") : 0;
  lo = unit_at(d, d->pos + 2);
  if (lo < 0xDC00 || lo > 0xDFFF)
    return fail(d, "the first half of a character without its second");
  d->prev_cr = 0;
  d->pos += 4;
  return (int)put_utf8(o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
}

ssize_t utf16_read(struct utf16 *d, void *out, size_t cap,
                   struct dahub_error *err) {
  unsigned char *o = out;
  size_t n = 0;
  int k;

  while (!d->failed && n + 4 <= cap) {
    if ((k = decode_one(d, o + n)) < 0)
      break;
    if (k > 0) {
      n += (size_t)k;
      continue;
    }
    if (d->eof)
      break; /* the end, cleanly */
    if (n > 0 && d->end - d->pos < 2)
      break; /* hand out what there is before blocking on read() again */
    if (refill(d) != 0)
      break;
  }
  if (n > 0 || !d->failed)
    return (ssize_t)n;
  if (err != NULL)
    *err = d->error;
  return d->failed;
}
