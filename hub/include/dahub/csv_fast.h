/*
 * dahub/csv_fast.h: the CSV reader on a second core. Advanced: most
 * parsers need only dahub/csv.h.
 *
 * When to use it: a parser whose own work on each record is about as heavy
 * as tokenizing it (the mapped plugin's case-level reader, which hashes a
 * reference and resolves labels and dates on every row of files with
 * hundreds of thousands of rows). Then reading and tokenizing on a thread
 * of the reader's own, and some of the parser's work there too, overlap
 * with the parser's (docs/performance.md has the figures). A return of a
 * few hundred rows never starts the thread: it gains nothing.
 *
 * Threaded mode (a reader made with dahub_csv_new_fast()). Once the input
 * proves longer than the first 64 KiB chunk, a thread of the reader's own
 * runs the same tokenizer and hands the records over in batches; a shorter
 * input is read inline, with no thread. Records, line numbers and errors
 * are exactly those of dahub_csv_new()'s reader, and dahub_csv_next() and
 * dahub_csv_free() work on it as on that one. read() then runs on that
 * thread, one call at a time, never again on the caller's: it must not
 * rely on thread-local state, and the caller must leave arg alone until
 * dahub_csv_free() returns, which stops the thread and waits for it (for a
 * read() in progress to return). A negative code from read() comes back
 * from dahub_csv_next() where the inline reader would have returned it.
 * If no thread can be started, the reader reads inline.
 *
 * prepare (struct dahub_csv_fast). A parser may hand the reader's thread
 * some of its own work on each record: prepare(prepare_arg, row, hurry,
 * out) runs there as each record is tokenized, ahead of the parser, and
 * what it writes to out (at most prepare_size bytes,
 * 1..DAHUB_CSV_PREPARE_MAX) comes with the record as the prepared member
 * of struct dahub_csv_fast_row, from dahub_csv_next_fast(). It returns 1,
 * or 0 when it has nothing for the record; prepared is then NULL, as it
 * always is for records read inline (a short input, or no thread). So the
 * parser must be able to do the work itself, and prepare() must be safe
 * beside it: it may read the row, and what the parser does not change or
 * publishes atomically, nothing else. A parser that has, say, found the
 * column it needs only after the header publishes that column; records
 * tokenized before then come unprepared.
 *
 * hurry (prepare()'s argument). Work that either thread may do can follow
 * the load: hurry is nonzero, a batch at a time, while the parser has run,
 * or is about to run, out of records, so the reader's thread is the slower
 * of the two and prepare() should do only what the parser cannot do as
 * well itself.
 *
 * Memory. Threaded mode adds to the bound of dahub/csv.h at most 4
 * batches, each of 1 MiB or, if more, of the largest record it has held:
 * the record's text with a NUL per field, at most 4 bytes a field, 40 and
 * prepare_size rounded up to 8; and, on the caller's side, 16 bytes a field
 * of the widest record (8 on 32-bit hosts). That is 4 MiB for files of
 * ordinary records, and at most
 * 4 * max(1 MiB, max_line_bytes + 4 * max_fields + 40 + prepare_size) for
 * UTF-8 (4.1 MiB with the default limits), with 3 * max_line_bytes for
 * Windows-1252. The thread's stack takes address space, and few pages.
 */
#ifndef DAHUB_CSV_FAST_H
#define DAHUB_CSV_FAST_H

#include "dahub/csv.h"

/* The most prepare() may write for one record, in bytes. */
#define DAHUB_CSV_PREPARE_MAX 256

/* What threaded mode may do beside tokenizing. All zero: nothing. */
struct dahub_csv_fast {
  /* On the reader's thread, for each record: 1 with out filled, or 0. */
  int (*prepare)(void *arg, const struct dahub_csv_row *row, int hurry,
                 void *out);
  void *prepare_arg;
  size_t prepare_size; /* 1..DAHUB_CSV_PREPARE_MAX when prepare is set */
};

/* One record, borrowed from the reader until the next call, with what
 * prepare() made of it. */
struct dahub_csv_fast_row {
  struct dahub_csv_row row;
  const void *prepared; /* prepare()'s bytes, or NULL */
};

/* dahub_csv_new() in threaded mode; fast may be NULL (no prepare). The
 * same results, and -EINVAL for a prepare_size out of range. OUT: caller
 * frees *out with dahub_csv_free(). */
int dahub_csv_new_fast(const struct dahub_csv_options *opt,
                       const struct dahub_csv_fast *fast,
                       ssize_t (*read)(void *arg, void *buf, size_t cap),
                       void *arg, struct dahub_csv **out,
                       struct dahub_error *err);

/* dahub_csv_next(), with the record's prepared bytes. Works on any
 * reader: prepared is NULL for records read inline. */
int dahub_csv_next_fast(struct dahub_csv *r, struct dahub_csv_fast_row *row,
                        struct dahub_error *err);

#endif
