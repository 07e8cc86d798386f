/*
 * dahub/csv.h: a streaming CSV reader for partner returns.
 *
 * RFC 4180 plus what Excel really writes: a UTF-8 byte order mark, CRLF or
 * LF (or a lone CR), quoted cells holding delimiters, doubled quotes and line
 * breaks, a last line without a newline, ',' ';' or tab between cells, and
 * Windows-1252 text, which the reader turns into UTF-8 as it goes.
 *
 * The reader pulls bytes through the caller's read() in 64 KiB chunks and
 * keeps one record at a time, so memory is bounded by max_line_bytes (three
 * times that for Windows-1252, whose bytes may each become three UTF-8
 * bytes), never by the size of the file. Errors carry the physical line
 * (1-based) and, as col, the cell number (1-based, as a spreadsheet counts
 * columns); the message adds the byte offset within the line.
 *
 * Text after a closing quote ("abc"def) is kept, as Excel keeps it. A record
 * that is blank comes back as one empty field: callers decide to skip it.
 * Pure code, no globals: one reader per thread.
 *
 * Threaded mode (options.threaded) overlaps reading and tokenizing with the
 * caller's work on each record. Once the input proves longer than the first
 * 64 KiB chunk, a thread of the reader's own runs the same tokenizer and
 * hands the records over in batches; a shorter input is read inline, with
 * no thread. Records, line numbers and errors are exactly the inline
 * reader's. read() then runs on that thread, one call at a time, never
 * again on the caller's: it must not rely on thread-local state, and the
 * caller must leave arg alone until dahub_csv_free() returns. If no thread
 * can be started, the reader reads inline.
 *
 * A parser may also hand the reader's thread some of its own work on each
 * record: options.prepare(prepare_arg, row, out) runs there as each record
 * is tokenized, ahead of the parser, and what it writes to out (at most
 * prepare_size bytes) comes with the record as row->prepared. It returns 1,
 * or 0 when it has nothing for the record; row->prepared is then NULL, as
 * it always is for records read inline (a short input, or no thread). So
 * the parser must be able to do the work itself, and prepare() must be
 * safe beside it: it may read the row, and what the parser does not change
 * or publishes atomically, nothing else. A parser that has, say, found the
 * column it needs only after the header publishes that column; records
 * tokenized before then come unprepared. Work that either thread may do
 * can follow the load: row->hurry says, a batch at a time, that the
 * parser is waiting for records, so the reader's thread should shed it.
 *
 * Threaded mode adds to the bound above at most 4 batches, each of 1 MiB
 * or, if more, of the largest record it has held: the record's text with a
 * NUL per field, at most 4 bytes a field, 40 and prepare_size rounded up to 8;
 * and, on the caller's side, 16 bytes a field of the widest record (8 on
 * 32-bit hosts). That is 4 MiB for files of ordinary records, and at most
 * 4 * max(1 MiB, max_line_bytes + 4 * max_fields + 40 + prepare_size) for
 * UTF-8 (4.1 MiB with the default limits), with 3 * max_line_bytes for
 * Windows-1252. The thread's stack takes address space, and few pages.
 */
#ifndef DAHUB_CSV_H
#define DAHUB_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dahub/error.h"

enum dahub_csv_encoding {
  DAHUB_CSV_UTF8 = 0,   /* checked: invalid UTF-8 is an error */
  DAHUB_CSV_CP1252 = 1, /* Windows-1252, converted to UTF-8 */
};

#define DAHUB_CSV_DEFAULT_MAX_LINE (1u << 20) /* 1 MiB */
#define DAHUB_CSV_DEFAULT_MAX_FIELDS 4096u

struct dahub_csv_row;

struct dahub_csv_options {
  char delimiter;                   /* ',', ';' or '\t' */
  enum dahub_csv_encoding encoding; /* a UTF-8 BOM overrides CP1252 */
  uint32_t max_line_bytes;          /* longest record, in input bytes */
  uint32_t max_fields;              /* most cells in one record */
  int threaded; /* nonzero: tokenize on a thread of its own (above) */
  /* Threaded mode: work done on each record on the reader's thread (above).
   * NULL (the default): none. */
  int (*prepare)(void *arg, const struct dahub_csv_row *row, void *out);
  void *prepare_arg;
  size_t prepare_size; /* 1..DAHUB_CSV_PREPARE_MAX bytes, with prepare */
};

#define DAHUB_CSV_PREPARE_MAX 256

/* One record, borrowed from the reader until the next call. */
struct dahub_csv_row {
  uint32_t line;            /* physical line where the record starts */
  size_t n;                 /* number of fields, at least 1 */
  const char *const *field; /* field[i]: NUL-terminated UTF-8 */
  const size_t *len;        /* len[i]: its length in bytes, without NUL */
  const void *prepared;     /* what options.prepare wrote for it, or NULL */
  /* For prepare() alone: nonzero while the caller has run, or is about to
   * run, out of records, so the reader's thread is the slower of the two
   * and prepare() should do only what the parser cannot do as well
   * itself. 0 on records read inline. */
  int hurry;
};

struct dahub_csv; /* opaque */

/* Fills o with the defaults: ',', UTF-8, 1 MiB, 4096 fields, inline, no
 * prepare. */
void dahub_csv_options_init(struct dahub_csv_options *o);

/* Makes a reader that pulls bytes with read(arg, buf, cap): it returns how
 * many it put in buf (at most cap), 0 at the end, or a negative code that
 * the reader hands back. In threaded mode read() may run on another thread
 * (see above). 0, or -EINVAL (bad option) or -ENOMEM, with err. No read()
 * happens here. OUT: caller frees *out with dahub_csv_free(). */
int dahub_csv_new(const struct dahub_csv_options *opt,
                  ssize_t (*read)(void *arg, void *buf, size_t cap), void *arg,
                  struct dahub_csv **out, struct dahub_error *err);

/* Reads the next record into row. 1: a record; 0: end of input; negative:
 * an error (-EILSEQ bad text, -EMSGSIZE too long or too many fields,
 * -ENOMEM, or read's code) with err naming line and cell. After an error the
 * reader returns the same code again. */
int dahub_csv_next(struct dahub_csv *r, struct dahub_csv_row *row,
                   struct dahub_error *err);

/* Frees the reader at any point, even mid-file in threaded mode: it stops
 * the reader's thread and waits for it (for a read() in progress to
 * return). NULL is a no-op. */
void dahub_csv_free(struct dahub_csv *r);

#endif
