/*
 * csv_int.h: the CSV reader's state, shared by its two files: csv.c (the
 * reader's life, its input and its memory) and csv_record.c (the
 * tokenizer). Private to them; csv_thread.h is what the threaded mode
 * sees.
 */
#ifndef DAHUB_CSV_INT_H
#define DAHUB_CSV_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dahub/csv_fast.h"

#include "utf16.h"

#define CSV_CHUNK 65536

enum csv_state {
  CSV_FIELD_START, /* nothing of this field read yet */
  CSV_UNQUOTED,    /* a field that did not start with a quote */
  CSV_QUOTED,      /* inside quotes: delimiters and breaks are text */
  CSV_QUOTE_SEEN,  /* a quote inside quotes: doubled, or the closing one */
  CSV_AFTER_QUOTE, /* text after the closing quote, kept as Excel does */
};

struct dahub_csv {
  struct dahub_csv_options opt;
  int threaded; /* made by dahub_csv_new_fast() */
  struct dahub_csv_fast fast;
  ssize_t (*read)(void *arg, void *buf, size_t cap);
  void *arg;
  int failed; /* the code of the first error, or 0 */

  /* Threaded mode. The thread, once started, owns everything but th, which
   * the caller's thread reads on every call. It sits here, among fields the
   * tokenizer only reads: next to ones it writes, that one cache line going
   * back and forth between two cores cost the tokenizer a third of its
   * speed. */
  struct csv_thread *th;
  int eager;    /* start the thread without reading ahead (tests) */
  ssize_t held; /* what a failed read ahead returned, or 0 */

  unsigned char in[CSV_CHUNK];
  size_t in_pos, in_end;
  int started, eof;
  int utf8; /* decode as UTF-8; a BOM sets it whatever the option */
  /* UTF-16 input: the decoder that fills in[] with UTF-8, or NULL. */
  struct utf16 *u16;
  /* No BOM, but NULs in every other byte: 'l' or 'b' (the endianness it
   * looks like), for the NUL error to say what to set; or 0. */
  char looks_utf16;
  unsigned char plain[256]; /* 1: a byte the fast path may copy as is */
  int bytewise;             /* no fast path (tests compare the two) */
  int prev_cr; /* the last byte was CR: an LF now ends nothing new */
  uint32_t line, line_byte;
  uint32_t rec_line; /* where the record being read starts */

  /* UTF-8 sequence in progress: continuation bytes still due, and the range
   * the next one must fall in (narrower after E0, ED, F0, F4). */
  unsigned need;
  unsigned char lo, hi;

  /* The record being built. */
  char *out;
  size_t out_len, out_cap, out_max;
  size_t *start, *len; /* offsets and lengths of fields, cap entries */
  const char **field;
  size_t n, cap;
  size_t cur; /* where the field being read starts in out */
};

/* Sticky: a caller that ignores an error and calls again gets it back. */
static inline int csv_fail(struct dahub_csv *r, int code) {
  r->failed = code;
  return code;
}

/* Reads the next chunk, appending to what is in the buffer. 0, or read()'s
 * code with err. */
int csv_fill(struct dahub_csv *r, struct dahub_error *err);
/* The first read: drops a UTF-8 byte order mark (and then reads UTF-8). */
int csv_start(struct dahub_csv *r, struct dahub_error *err);
/* Makes room for need bytes of record text, within max_line_bytes. Out of
 * line: called rarely, it would crowd the tokenizer's loop. */
__attribute__((noinline)) int csv_grow_out(struct dahub_csv *r, size_t need,
                                           struct dahub_error *err);
/* Makes room for field n, the (n+1)th, if max_fields allows it. */
__attribute__((noinline)) int csv_grow_fields(struct dahub_csv *r,
                                              struct dahub_error *err);

#endif
