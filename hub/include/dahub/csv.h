/*
 * dahub/csv.h: a streaming CSV reader for partner returns.
 *
 * RFC 4180 plus what Excel really writes: a UTF-8 byte order mark, CRLF or
 * LF (or a lone CR), quoted cells holding delimiters, doubled quotes and line
 * breaks, a last line without a newline, ',' ';' or tab between cells, and
 * Windows-1252 text, which the reader turns into UTF-8 as it goes, and
 * UTF-16 (Excel's "Unicode Text": little-endian, with a byte order mark,
 * tab-separated), decoded to UTF-8 before the rest. A byte order mark
 * decides the encoding whatever the options say: UTF-8 (EF BB BF), UTF-16LE
 * (FF FE) or UTF-16BE (FE FF); a UTF-16 file without one is read as such
 * only when the options say so, and a NUL byte in a file that looks like
 * it gets an error saying which encoding to set.
 *
 * The reader pulls bytes through the caller's read() in 64 KiB chunks and
 * keeps one record at a time, so memory is bounded by max_line_bytes (three
 * times that for Windows-1252, whose bytes may each become three UTF-8
 * bytes; UTF-16 adds one 64 KiB chunk and counts the line in UTF-8 bytes),
 * never by the size of the file. Errors carry the physical line (1-based)
 * and, as col, the cell number (1-based, as a spreadsheet counts columns);
 * the message adds the byte offset within the line.
 *
 * Text after a closing quote ("abc"def) is kept, as Excel keeps it. A record
 * that is blank comes back as one empty field: callers decide to skip it.
 * Pure code, no globals: readers share nothing; use each from one place at
 * a time.
 *
 * Most parsers need nothing more. For speed on very large files, whose
 * every record costs the parser real work, see dahub/csv_fast.h.
 */
#ifndef DAHUB_CSV_H
#define DAHUB_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dahub/error.h"

enum dahub_csv_encoding {
  DAHUB_CSV_UTF8 = 0,    /* checked: invalid UTF-8 is an error */
  DAHUB_CSV_CP1252 = 1,  /* Windows-1252, converted to UTF-8 */
  DAHUB_CSV_UTF16LE = 2, /* UTF-16, little-endian (Excel's "Unicode Text") */
  DAHUB_CSV_UTF16BE = 3, /* UTF-16, big-endian; both converted to UTF-8 */
};

#define DAHUB_CSV_DEFAULT_MAX_LINE (1u << 20) /* 1 MiB */
#define DAHUB_CSV_DEFAULT_MAX_FIELDS 4096u

struct dahub_csv_options {
  char delimiter;                   /* ',', ';' or '\t' */
  enum dahub_csv_encoding encoding; /* a byte order mark overrides it */
  uint32_t max_line_bytes;          /* longest record, in input bytes */
  uint32_t max_fields;              /* most cells in one record */
};

/* One record, borrowed from the reader until the next call. */
struct dahub_csv_row {
  uint32_t line;            /* physical line where the record starts */
  size_t n;                 /* number of fields, at least 1 */
  const char *const *field; /* field[i]: NUL-terminated UTF-8 */
  const size_t *len;        /* len[i]: its length in bytes, without NUL */
};

struct dahub_csv; /* opaque */

/* Fills o with the defaults: ',', UTF-8, 1 MiB, 4096 fields. */
void dahub_csv_options_init(struct dahub_csv_options *o);

/* Makes a reader that pulls bytes with read(arg, buf, cap): it returns how
 * many it put in buf (at most cap), 0 at the end, or a negative code that
 * the reader hands back. 0, or -EINVAL (bad option) or -ENOMEM, with err.
 * No read() happens here. OUT: caller frees *out with dahub_csv_free(). */
int dahub_csv_new(const struct dahub_csv_options *opt,
                  ssize_t (*read)(void *arg, void *buf, size_t cap), void *arg,
                  struct dahub_csv **out, struct dahub_error *err);

/* Reads the next record into row. 1: a record; 0: end of input; negative:
 * an error (-EILSEQ bad text, -EMSGSIZE too long or too many fields,
 * -ENOMEM, or read's code) with err naming line and cell. After an error the
 * reader returns the same code again. */
int dahub_csv_next(struct dahub_csv *r, struct dahub_csv_row *row,
                   struct dahub_error *err);

/* Frees the reader at any point, even mid-file. NULL is a no-op. */
void dahub_csv_free(struct dahub_csv *r);

#endif
