/*
 * csv.c: read partner CSV files one record at a time: the reader's life,
 * its input and its memory (dahub/csv.h). The tokenizer that turns bytes
 * into records is csv_record.c.
 *
 * Parsers of partner files (the mapped plugin, and C plugins) call
 * dahub_csv_next() in a loop on a worker thread. The reader owns three
 * buffers: a fixed 64 KiB chunk of input, the current record's decoded text
 * (each field followed by a NUL), and the field offsets. The record buffer
 * grows by doubling, but only while the record's input stays within
 * max_line_bytes, which is checked byte by byte before anything is stored:
 * a 60 MiB line costs one limit's worth of memory and one limit's worth of
 * reading before it is refused.
 *
 * The reader does no I/O of its own and has no globals.
 *
 * In threaded mode (a reader from dahub_csv_new_fast(), dahub/csv_fast.h),
 * the first dahub_csv_next_fast(), which dahub_csv_next() calls for such a
 * reader, reads ahead until the input buffer is full or the input ends. An
 * input that ends there is read inline: a thread would cost more than it
 * saves. Otherwise csv_thread.c takes the reader over on a thread of its
 * own, and dahub_csv_next_fast() only hands out what that thread made of
 * it. A read that fails while reading ahead is held back and reported
 * where the inline reader would have made it, after the records before it.
 * A reader from dahub_csv_new() never looks at any of this: its
 * dahub_csv_next() goes straight to the tokenizer.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "csv_int.h"
#include "csv_thread.h"

void dahub_csv_options_init(struct dahub_csv_options *o) {
  o->delimiter = ',';
  o->encoding = DAHUB_CSV_UTF8;
  o->max_line_bytes = DAHUB_CSV_DEFAULT_MAX_LINE;
  o->max_fields = DAHUB_CSV_DEFAULT_MAX_FIELDS;
}

/* Bytes that are text in any state inside a cell, with nothing to check:
 * printable ASCII and tab, but not the quote or the delimiter. */
static void plain_table(struct dahub_csv *r) {
  unsigned b;

  for (b = 0; b < 256; b++)
    r->plain[b] = (b >= 0x20 && b < 0x7F) || b == '\t';
  r->plain['"'] = 0;
  r->plain[(unsigned char)r->opt.delimiter] = 0;
}

/* The one way to make a reader: fast is NULL for the inline one. */
static int csv_new(const struct dahub_csv_options *opt,
                   const struct dahub_csv_fast *fast,
                   ssize_t (*read)(void *arg, void *buf, size_t cap), void *arg,
                   struct dahub_csv **out, struct dahub_error *err) {
  struct dahub_csv *r;

  *out = NULL;
  if (opt->delimiter != ',' && opt->delimiter != ';' && opt->delimiter != '\t')
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: the delimiter must be ',', ';' or tab");
  if (opt->encoding != DAHUB_CSV_UTF8 && opt->encoding != DAHUB_CSV_CP1252 &&
      opt->encoding != DAHUB_CSV_UTF16LE && opt->encoding != DAHUB_CSV_UTF16BE)
    return dahub_error_set(err, -EINVAL, 0, 0, "csv: unknown encoding");
  /* The caps keep 3 * max_line_bytes and the offset arrays far from
   * overflowing size_t, even on 32-bit hosts. */
  if (opt->max_line_bytes == 0 || opt->max_line_bytes > (1u << 28) ||
      opt->max_fields == 0 || opt->max_fields > (1u << 20))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: max_line_bytes must be 1..2^28 and "
                           "max_fields 1..2^20");
  if (fast != NULL && fast->prepare != NULL &&
      (fast->prepare_size == 0 || fast->prepare_size > DAHUB_CSV_PREPARE_MAX))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: prepare_size must be 1..%d bytes",
                           DAHUB_CSV_PREPARE_MAX);
  if ((r = malloc(sizeof *r)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "csv: out of memory");
  memset(r, 0, sizeof *r);
  r->opt = *opt;
  r->threaded = fast != NULL;
  if (fast != NULL)
    r->fast = *fast;
  r->read = read;
  r->arg = arg;
  r->utf8 = opt->encoding != DAHUB_CSV_CP1252;
  r->line = 1;
  plain_table(r);
  /* Each input byte becomes at most 3 bytes (Windows-1252) or 1 (UTF-8, as
   * it is copied); a delimiter becomes a NUL; the last field adds one. */
  r->out_max = (size_t)opt->max_line_bytes * (r->utf8 ? 1 : 3) + 1;
  *out = r;
  return 0;
}

int dahub_csv_new(const struct dahub_csv_options *opt,
                  ssize_t (*read)(void *arg, void *buf, size_t cap), void *arg,
                  struct dahub_csv **out, struct dahub_error *err) {
  return csv_new(opt, NULL, read, arg, out, err);
}

int dahub_csv_new_fast(const struct dahub_csv_options *opt,
                       const struct dahub_csv_fast *fast,
                       ssize_t (*read)(void *arg, void *buf, size_t cap),
                       void *arg, struct dahub_csv **out,
                       struct dahub_error *err) {
  static const struct dahub_csv_fast none; /* threaded, nothing more */

  return csv_new(opt, fast != NULL ? fast : &none, read, arg, out, err);
}

void csv_set_eager(struct dahub_csv *r) { r->eager = 1; }

void csv_set_bytewise(struct dahub_csv *r) { r->bytewise = 1; }

const struct dahub_csv_fast *csv_fast(const struct dahub_csv *r) {
  return &r->fast;
}

void dahub_csv_free(struct dahub_csv *r) {
  if (r == NULL)
    return;
  csv_thread_free(r->th); /* first: the thread uses what follows */
  free(r->out);
  free(r->start);
  free(r->len);
  free(r->field);
  utf16_free(r->u16);
  free(r);
}

/* Reads the next chunk, appending to what is in the buffer (the start of the
 * input may need several reads to see a whole BOM). */
int csv_fill(struct dahub_csv *r, struct dahub_error *err) {
  ssize_t got;

  if (r->in_pos == r->in_end)
    r->in_pos = r->in_end = 0;
  if (r->u16 != NULL) {
    /* its errors name the line themselves: err is already set */
    got = utf16_read(r->u16, r->in + r->in_end, sizeof r->in - r->in_end, err);
    if (got < 0)
      return (int)got;
  } else if (r->held != 0) {
    got = r->held;
    r->held = 0;
  } else {
    got = r->read(r->arg, r->in + r->in_end, sizeof r->in - r->in_end);
  }
  if (got < 0)
    return dahub_error_set(err, got < INT_MIN ? -EIO : (int)got, r->line, 0,
                           "reading the input failed");
  if ((size_t)got > sizeof r->in - r->in_end)
    return dahub_error_set(err, -EIO, r->line, 0,
                           "read() returned more than asked for");
  if (got == 0)
    r->eof = 1;
  r->in_end += (size_t)got;
  return 0;
}

/* Without a byte order mark: NULs in every other byte of the first 512,
 * and none in the others, look like UTF-16 ('l' little-endian, 'b' big),
 * which the NUL error then says. */
static char sniff_utf16(const unsigned char *p, size_t n) {
  size_t i, pairs, z[2] = {0, 0};

  if (n > 512)
    n = 512;
  pairs = n / 2;
  for (i = 0; i < pairs * 2; i++)
    z[i % 2] += p[i] == 0;
  if (pairs > 0 && z[1] * 2 > pairs && z[0] == 0)
    return 'l';
  if (pairs > 0 && z[0] * 2 > pairs && z[1] == 0)
    return 'b';
  return 0;
}

/* The rest of the file goes through the UTF-16 decoder, from what is in
 * the buffer past its first skip bytes (the mark, if any). */
static int start_utf16(struct dahub_csv *r, int be, size_t skip,
                       struct dahub_error *err) {
  if (utf16_new(be, r->read, r->arg, r->in + skip, r->in_end - skip, skip,
                &r->u16) != 0)
    return dahub_error_set(err, -ENOMEM, 0, 0, "csv: out of memory");
  r->in_pos = r->in_end = 0;
  r->utf8 = 1;
  return 0;
}

/* The first call looks for a byte order mark and drops it. A mark decides
 * the encoding even where the feed said otherwise: the partner saved as
 * "CSV UTF-8" or "Unicode Text", and Excel itself would read it so. */
int csv_start(struct dahub_csv *r, struct dahub_error *err) {
  int rc;

  while (r->in_end < 3 && !r->eof)
    if ((rc = csv_fill(r, err)) != 0)
      return rc;
  r->started = 1;
  if (r->in_end >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0) {
    r->in_pos = 3;
    r->utf8 = 1;
    return 0;
  }
  if (r->in_end >= 2 &&
      (memcmp(r->in, "\xFF\xFE", 2) == 0 || memcmp(r->in, "\xFE\xFF", 2) == 0))
    return start_utf16(r, r->in[0] == 0xFE, 2, err);
  if (r->opt.encoding == DAHUB_CSV_UTF16LE ||
      r->opt.encoding == DAHUB_CSV_UTF16BE)
    return start_utf16(r, r->opt.encoding == DAHUB_CSV_UTF16BE, 0, err);
  r->looks_utf16 = sniff_utf16(r->in, r->in_end);
  return 0;
}

__attribute__((noinline)) int csv_grow_out(struct dahub_csv *r, size_t need,
                                           struct dahub_error *err) {
  size_t cap = r->out_cap ? r->out_cap : 256;
  char *p;

  /* Unreachable while the byte limit holds; kept so that a mistake in the
   * arithmetic above is an error, not an overflow. */
  if (need > r->out_max)
    return dahub_error_set(err, -EMSGSIZE, r->rec_line, (uint32_t)r->n + 1,
                           "row longer than %u bytes",
                           (unsigned)r->opt.max_line_bytes);
  while (cap < need)
    cap *= 2;
  if (cap > r->out_max)
    cap = r->out_max;
  if ((p = realloc(r->out, cap)) == NULL)
    return dahub_error_set(err, -ENOMEM, r->line, 0, "csv: out of memory");
  r->out = p;
  r->out_cap = cap;
  return 0;
}

int csv_grow_row_arrays(const char ***field, size_t **len, size_t cap) {
  const char **f;
  size_t *l;

  if ((f = realloc(*field, cap * sizeof *f)) == NULL)
    return -ENOMEM;
  *field = f;
  if ((l = realloc(*len, cap * sizeof *l)) == NULL)
    return -ENOMEM;
  *len = l;
  return 0;
}

/* Makes room for field n, the (n+1)th, if max_fields allows it. */
__attribute__((noinline)) int csv_grow_fields(struct dahub_csv *r,
                                              struct dahub_error *err) {
  size_t cap = r->cap ? r->cap * 2 : 16;
  size_t *s;

  if (r->n >= r->opt.max_fields)
    return dahub_error_set(err, -EMSGSIZE, r->rec_line, (uint32_t)r->n + 1,
                           "more than %u cells in one row",
                           (unsigned)r->opt.max_fields);
  if (r->n < r->cap)
    return 0;
  if (cap > r->opt.max_fields)
    cap = r->opt.max_fields;
  if ((s = realloc(r->start, cap * sizeof *s)) == NULL)
    goto nomem;
  r->start = s;
  if (csv_grow_row_arrays(&r->field, &r->len, cap) != 0)
    goto nomem;
  r->cap = cap;
  return 0;
nomem:
  return dahub_error_set(err, -ENOMEM, r->line, 0, "csv: out of memory");
}

/* Fills the input buffer up to the brim or the end of the input. A failed
 * read is kept for csv_fill() to report when the inline reader would have
 * made it: after the records before it, with the line it would have had. */
static void csv_read_ahead(struct dahub_csv *r) {
  while (!r->eof && r->in_end < sizeof r->in) {
    size_t cap = sizeof r->in - r->in_end;
    ssize_t got;

    if (r->u16 != NULL) {
      /* A decoder's error is sticky: csv_fill() meets it again, and
       * reports it with its message, after the records before it. */
      if (cap < 4 ||
          (got = utf16_read(r->u16, r->in + r->in_end, cap, NULL)) < 0)
        return;
      r->eof = got == 0;
      r->in_end += (size_t)got;
      continue;
    }
    got = r->read(r->arg, r->in + r->in_end, cap);
    if (got < 0 || (size_t)got > cap) {
      r->held = got < 0 ? got : SSIZE_MAX; /* SSIZE_MAX: more than asked */
      return;
    }
    r->eof = got == 0;
    r->in_end += (size_t)got;
  }
}

/* The first call in threaded mode: decides whether a thread is worth it.
 * Not inlined: its registers would cost every inline call a stack frame. */
__attribute__((noinline)) static int
csv_next_first(struct dahub_csv *r, struct dahub_csv_fast_row *row,
               struct dahub_error *err) {
  int rc;

  if (r->failed) /* csv_start() failed: the inline reader repeats it */
    return csv_read_record(r, &row->row, err);
  if ((rc = csv_start(r, err)) != 0)
    return csv_fail(r, rc);
  if (!r->eager)
    csv_read_ahead(r);
  if (!r->eof && r->held == 0) {
    if ((rc = csv_thread_start(r, &r->th, err)) != 0)
      return csv_fail(r, rc);
    if (r->th != NULL)
      return csv_thread_next(r->th, row, err);
  }
  return csv_read_record(r, &row->row, err);
}

int dahub_csv_next_fast(struct dahub_csv *r, struct dahub_csv_fast_row *row,
                        struct dahub_error *err) {
  if (r->th != NULL)
    return csv_thread_next(r->th, row, err);
  row->prepared = NULL; /* read inline */
  if (r->threaded && !r->started)
    return csv_next_first(r, row, err);
  return csv_read_record(r, &row->row, err);
}

int dahub_csv_next(struct dahub_csv *r, struct dahub_csv_row *row,
                   struct dahub_error *err) {
  struct dahub_csv_fast_row fr;
  int rc;

  if (!r->threaded)
    return csv_read_record(r, row, err);
  if ((rc = dahub_csv_next_fast(r, &fr, err)) == 1)
    *row = fr.row;
  return rc;
}
