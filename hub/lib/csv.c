/*
 * csv.c: read partner CSV files one record at a time.
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
 * Most bytes go by a fast path (csv_bulk), which finds delimiters and the
 * bytes it cannot take in 16 bytes at a time, and copies plain ASCII runs
 * whole. Every other byte goes through two small machines, one byte at a
 * time, with the same result (tests compare the two). The decoder checks
 * UTF-8 (rejecting overlong forms, surrogates and code points above
 * U+10FFFF, even when a sequence straddles two chunks) or maps Windows-1252
 * to UTF-8. The CSV machine below it knows five states: field start,
 * unquoted, quoted, a quote seen inside quotes (a doubled quote or the
 * closing one), and after the closing quote, where Excel keeps stray text,
 * and so do we. Line breaks are counted whatever the state, so a cell
 * holding a line break does not shift the line numbers that follow.
 *
 * The reader does no I/O of its own and has no globals.
 *
 * In threaded mode, the first dahub_csv_next() reads ahead until the input
 * buffer is full or the input ends. An input that ends there is read
 * inline: a thread would cost more than it saves. Otherwise csv_thread.c
 * takes the reader over on a thread of its own, and dahub_csv_next() only
 * hands out what that thread made of it. A read that fails while reading
 * ahead is held back and reported where the inline reader would have made
 * it, after the records before it.
 */
#include "dahub/csv.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv_thread.h"

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

/* Windows-1252 bytes 0x80..0x9F; 0 marks the five undefined ones. 0xA0 and
 * up are the Unicode code point of the same number. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

void dahub_csv_options_init(struct dahub_csv_options *o) {
  o->delimiter = ',';
  o->encoding = DAHUB_CSV_UTF8;
  o->max_line_bytes = DAHUB_CSV_DEFAULT_MAX_LINE;
  o->max_fields = DAHUB_CSV_DEFAULT_MAX_FIELDS;
  o->threaded = 0;
  o->prepare = NULL;
  o->prepare_arg = NULL;
  o->prepare_size = 0;
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

int dahub_csv_new(const struct dahub_csv_options *opt,
                  ssize_t (*read)(void *arg, void *buf, size_t cap), void *arg,
                  struct dahub_csv **out, struct dahub_error *err) {
  struct dahub_csv *r;

  *out = NULL;
  if (opt->delimiter != ',' && opt->delimiter != ';' && opt->delimiter != '\t')
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: the delimiter must be ',', ';' or tab");
  if (opt->encoding != DAHUB_CSV_UTF8 && opt->encoding != DAHUB_CSV_CP1252)
    return dahub_error_set(err, -EINVAL, 0, 0, "csv: unknown encoding");
  /* The caps keep 3 * max_line_bytes and the offset arrays far from
   * overflowing size_t, even on 32-bit hosts. */
  if (opt->max_line_bytes == 0 || opt->max_line_bytes > (1u << 28) ||
      opt->max_fields == 0 || opt->max_fields > (1u << 20))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: max_line_bytes must be 1..2^28 and "
                           "max_fields 1..2^20");
  if (opt->prepare != NULL &&
      (opt->prepare_size == 0 || opt->prepare_size > DAHUB_CSV_PREPARE_MAX))
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "csv: prepare_size must be 1..%d bytes",
                           DAHUB_CSV_PREPARE_MAX);
  if ((r = malloc(sizeof *r)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "csv: out of memory");
  memset(r, 0, sizeof *r);
  r->opt = *opt;
  r->read = read;
  r->arg = arg;
  r->utf8 = opt->encoding == DAHUB_CSV_UTF8;
  r->line = 1;
  plain_table(r);
  /* Each input byte becomes at most 3 bytes (Windows-1252) or 1 (UTF-8, as
   * it is copied); a delimiter becomes a NUL; the last field adds one. */
  r->out_max = (size_t)opt->max_line_bytes * (r->utf8 ? 1 : 3) + 1;
  *out = r;
  return 0;
}

void csv_set_eager(struct dahub_csv *r) { r->eager = 1; }

void csv_set_bytewise(struct dahub_csv *r) { r->bytewise = 1; }

const struct dahub_csv_options *csv_options(const struct dahub_csv *r) {
  return &r->opt;
}

void dahub_csv_free(struct dahub_csv *r) {
  if (r == NULL)
    return;
  csv_thread_free(r->th); /* first: the thread uses what follows */
  free(r->out);
  free(r->start);
  free(r->len);
  free(r->field);
  free(r);
}

/* Sticky: a caller that ignores an error and calls again gets it back. */
static int csv_fail(struct dahub_csv *r, int code) {
  r->failed = code;
  return code;
}

/* Reads the next chunk, appending to what is in the buffer (the start of the
 * input may need several reads to see a whole BOM). */
static int csv_fill(struct dahub_csv *r, struct dahub_error *err) {
  ssize_t got;

  if (r->in_pos == r->in_end)
    r->in_pos = r->in_end = 0;
  if (r->held != 0) {
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

/* The first call looks for a UTF-8 byte order mark and drops it. A BOM means
 * the file is UTF-8 even where the feed said Windows-1252: the partner saved
 * as "CSV UTF-8", and Excel itself would read it so. */
static int csv_start(struct dahub_csv *r, struct dahub_error *err) {
  while (r->in_end < 3 && !r->eof) {
    int rc = csv_fill(r, err);

    if (rc != 0)
      return rc;
  }
  if (r->in_end >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0) {
    r->in_pos = 3;
    r->utf8 = 1;
  }
  r->started = 1;
  return 0;
}

static __attribute__((noinline)) int
csv_grow_out(struct dahub_csv *r, size_t need, struct dahub_error *err) {
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

/* Appends k bytes of field text, leaving room for the field's NUL. */
static inline int csv_put(struct dahub_csv *r, const char *s, size_t k,
                          struct dahub_error *err) {
  int rc;

  if (__builtin_expect(r->out_len + k + 1 > r->out_cap, 0) &&
      (rc = csv_grow_out(r, r->out_len + k + 1, err)) != 0)
    return rc;
  memcpy(r->out + r->out_len, s, k);
  r->out_len += k;
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
static __attribute__((noinline)) int csv_grow_fields(struct dahub_csv *r,
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

/* Bitmasks of 16 input bytes: in *dm the delimiters, in *stop the bytes
 * the fast path leaves to the byte machine (quotes, controls, DEL and all
 * non-ASCII). With SSE2 a tab that is not the delimiter stops too, which is
 * only slower: the byte machine keeps it as text. */
#if defined(__SSE2__)
struct csv_vec {
  __m128i delim, space, del, quote;
};

static void csv_vec_init(struct csv_vec *v, const struct dahub_csv *r) {
  v->delim = _mm_set1_epi8(r->opt.delimiter);
  v->space = _mm_set1_epi8(0x20);
  v->del = _mm_set1_epi8(0x7F);
  v->quote = _mm_set1_epi8('"');
}

static inline void csv_masks(const struct csv_vec *c, const unsigned char *p,
                             unsigned *stop, unsigned *dm) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  /* Signed: bytes 0x80 and up are below 0x20 too. */
  __m128i x = _mm_or_si128(
      _mm_cmplt_epi8(v, c->space),
      _mm_or_si128(_mm_cmpeq_epi8(v, c->del), _mm_cmpeq_epi8(v, c->quote)));

  *dm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c->delim));
  *stop = (unsigned)_mm_movemask_epi8(x) & ~*dm;
}
#else
struct csv_vec {
  const struct dahub_csv *r;
};

static void csv_vec_init(struct csv_vec *v, const struct dahub_csv *r) {
  v->r = r;
}

static inline void csv_masks(const struct csv_vec *c, const unsigned char *p,
                             unsigned *stop, unsigned *dm) {
  unsigned i, s = 0, d = 0;

  for (i = 0; i < 16; i++) {
    if (p[i] == (unsigned char)c->r->opt.delimiter)
      d |= 1u << i;
    else if (!c->r->plain[p[i]])
      s |= 1u << i;
  }
  *stop = s;
  *dm = d;
}
#endif

/* The field bookkeeping of a record, in locals while the fast path runs:
 * in the reader itself, every store to start[] could change n, as far as
 * the compiler knows, so each cell reloaded them all. */
struct csv_cuts {
  size_t n, cur, lim; /* lim: room in start[] and len[], within max_fields */
  size_t *start, *len;
};

static inline void cuts_load(struct csv_cuts *c, const struct dahub_csv *r) {
  c->n = r->n;
  c->cur = r->cur;
  c->lim = r->cap < r->opt.max_fields ? r->cap : r->opt.max_fields;
  c->start = r->start;
  c->len = r->len;
}

static inline void cuts_store(const struct csv_cuts *c, struct dahub_csv *r) {
  r->n = c->n;
  r->cur = c->cur;
}

/* Ends the field whose delimiter (or end) is at offset at of out, which
 * the caller makes a NUL. Once per cell: the growing is out of line, so
 * that the common case is a few stores. */
static inline int csv_cut(struct dahub_csv *r, struct csv_cuts *c, size_t at,
                          struct dahub_error *err) {
  int rc;

  if (__builtin_expect(c->n >= c->lim, 0)) {
    cuts_store(c, r);
    if ((rc = csv_grow_fields(r, err)) != 0)
      return rc;
    cuts_load(c, r);
  }
  c->start[c->n] = c->cur;
  c->len[c->n] = at - c->cur;
  c->n++;
  c->cur = at + 1;
  return 0;
}

/* Ends the current field: its NUL goes in, the next one would start after
 * it. The room for the NUL was reserved by csv_put. */
static inline int csv_end_field(struct dahub_csv *r, struct dahub_error *err) {
  struct csv_cuts c;
  int rc;

  if (__builtin_expect(r->out_len + 1 > r->out_cap, 0) &&
      (rc = csv_grow_out(r, r->out_len + 1, err)) != 0)
    return rc;
  cuts_load(&c, r);
  if ((rc = csv_cut(r, &c, r->out_len, err)) != 0)
    return rc;
  cuts_store(&c, r);
  r->out[r->out_len++] = '\0';
  return 0;
}

/* The fast path: from in_pos, at most room bytes of what the input buffer
 * holds, in any state but CSV_QUOTE_SEEN and with no character or CRLF
 * half read. Outside quotes it takes plain text and delimiters, ending a
 * field at each; inside quotes plain text and delimiters are both text. It
 * stops before any other byte, which the byte machine then reads. Plain
 * ASCII is copied as it is, and a delimiter is as long as its NUL, so the
 * run is copied in one piece and the NULs put in after. Returns the bytes
 * taken, or a negative code. */
static ssize_t csv_bulk(struct dahub_csv *r, enum csv_state *st, size_t room,
                        struct dahub_error *err) {
  const unsigned char *s = r->in + r->in_pos, *p = s, *e;
  const unsigned char delim = (unsigned char)r->opt.delimiter;
  size_t base = r->out_len, n0 = r->n, k, i;
  int quoted = *st == CSV_QUOTED, rc;
  unsigned stop, dm;
  struct csv_vec vec;
  struct csv_cuts c;

  e = s +
      ((size_t)(r->in_end - r->in_pos) < room ? r->in_end - r->in_pos : room);
  /* out_len + room + 1 is within out_max: see csv_grow_out(). */
  if (base + (size_t)(e - s) + 1 > r->out_cap &&
      (rc = csv_grow_out(r, base + (size_t)(e - s) + 1, err)) != 0)
    return rc;
  csv_vec_init(&vec, r);
  cuts_load(&c, r);
  for (; e - p >= 16; p += 16) {
    csv_masks(&vec, p, &stop, &dm);
    if (quoted)
      dm = 0;
    if (stop != 0)
      dm &= (1u << __builtin_ctz(stop)) - 1;
    for (; dm != 0; dm &= dm - 1)
      if ((rc = csv_cut(r, &c,
                        base + (size_t)(p - s) + (size_t)__builtin_ctz(dm),
                        err)) != 0)
        return rc;
    if (stop != 0) {
      p += __builtin_ctz(stop);
      goto done;
    }
  }
  for (; p < e; p++) {
    if (*p == delim && !quoted) {
      if ((rc = csv_cut(r, &c, base + (size_t)(p - s), err)) != 0)
        return rc;
    } else if (!r->plain[*p] && !(quoted && *p == delim)) {
      break;
    }
  }
done:
  cuts_store(&c, r);
  k = (size_t)(p - s);
  if (k == 0)
    return 0;
  memcpy(r->out + base, s, k);
  for (i = n0; i < c.n; i++)
    r->out[c.start[i] + c.len[i]] = '\0';
  r->out_len = base + k;
  r->in_pos += k;
  if (!quoted) {
    if (c.n > n0 && c.cur == r->out_len)
      *st = CSV_FIELD_START;
    else if (c.n > n0 || *st == CSV_FIELD_START)
      *st = CSV_UNQUOTED;
  }
  return (ssize_t)k;
}

/* Copies one byte of cell text, decoding it; non-ASCII only comes here. */
static int csv_text_byte(struct dahub_csv *r, unsigned char b,
                         struct dahub_error *err) {
  unsigned char u[3];
  unsigned cp;

  if (b < 0x80)
    return csv_put(r, (const char *)&b, 1, err);
  if (!r->utf8) {
    cp = b >= 0xA0 ? b : cp1252_high[b - 0x80];
    if (cp == 0)
      return dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                             "byte 0x%02X (byte %u of the line) is not "
                             "Windows-1252 text",
                             b, (unsigned)r->line_byte);
    if (cp < 0x800) {
      u[0] = (unsigned char)(0xC0 | (cp >> 6));
      u[1] = (unsigned char)(0x80 | (cp & 0x3F));
      return csv_put(r, (const char *)u, 2, err);
    }
    u[0] = (unsigned char)(0xE0 | (cp >> 12));
    u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return csv_put(r, (const char *)u, 3, err);
  }
  r->lo = 0x80;
  r->hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF)
    r->need = 1;
  else if (b >= 0xE0 && b <= 0xEF)
    r->need = 2;
  else if (b >= 0xF0 && b <= 0xF4)
    r->need = 3;
  else
    goto bad;
  if (b == 0xE0) /* else overlong */
    r->lo = 0xA0;
  else if (b == 0xED) /* else a UTF-16 surrogate */
    r->hi = 0x9F;
  else if (b == 0xF0) /* else overlong */
    r->lo = 0x90;
  else if (b == 0xF4) /* else above U+10FFFF */
    r->hi = 0x8F;
  return csv_put(r, (const char *)&b, 1, err);
bad:
  return dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                         "invalid UTF-8: byte 0x%02X (byte %u of the line); "
                         "save the file as CSV UTF-8, or set the feed's "
                         "encoding to windows-1252",
                         b, (unsigned)r->line_byte);
}

static int csv_too_long(const struct dahub_csv *r, struct dahub_error *err) {
  return dahub_error_set(err, -EMSGSIZE, r->rec_line, (uint32_t)r->n + 1,
                         "row longer than %u bytes (is a quote missing?)",
                         (unsigned)r->opt.max_line_bytes);
}

static void csv_make_row(struct dahub_csv *r, struct dahub_csv_row *row) {
  size_t i;

  for (i = 0; i < r->n; i++)
    r->field[i] = r->out + r->start[i];
  row->line = r->rec_line;
  row->n = r->n;
  row->field = r->field;
  row->len = r->len;
  row->prepared = NULL;
  row->hurry = 0;
}

int csv_read_record(struct dahub_csv *r, struct dahub_csv_row *row,
                    struct dahub_error *err) {
  enum csv_state st = CSV_FIELD_START;
  uint32_t quote_line = 0;
  size_t raw = 0;
  int any = 0, rc;
  unsigned char b;

  if (r->failed)
    return dahub_error_set(err, r->failed, 0, 0,
                           "the CSV reader stopped at an earlier error");
  if (!r->started && (rc = csv_start(r, err)) != 0)
    return csv_fail(r, rc);
  r->out_len = r->n = r->cur = 0;
  r->rec_line = r->line;
  for (;;) {
    if (r->in_pos == r->in_end) {
      if (r->eof)
        break;
      if ((rc = csv_fill(r, err)) != 0)
        return csv_fail(r, rc);
      continue;
    }
    /* Most of a record goes by the fast path; the byte it stops at, or
     * one past the line limit, takes the byte machine below. */
    if (st != CSV_QUOTE_SEEN && r->need == 0 && !r->prev_cr &&
        raw < r->opt.max_line_bytes && !r->bytewise) {
      ssize_t k = csv_bulk(r, &st, r->opt.max_line_bytes - raw, err);

      if (k < 0)
        return csv_fail(r, (int)k);
      if (k > 0) {
        if (!any) {
          any = 1;
          r->rec_line = r->line;
        }
        raw += (size_t)k;
        r->line_byte += (uint32_t)k;
        if (r->in_pos == r->in_end)
          continue;
      }
    }
    b = r->in[r->in_pos++];
    if (b == '\n' && r->prev_cr) {
      /* The LF of a CRLF: the CR counted the line (and ended the record,
       * unless quoted). */
      r->prev_cr = 0;
      if (st != CSV_QUOTED)
        continue;
      if (++raw > r->opt.max_line_bytes)
        return csv_fail(r, csv_too_long(r, err));
      if ((rc = csv_put(r, "\n", 1, err)) != 0)
        return csv_fail(r, rc);
      continue;
    }
    r->prev_cr = b == '\r';
    if (!any) {
      any = 1;
      r->rec_line = r->line;
    }
    r->line_byte++;
    if (r->need > 0) {
      /* A character's every byte counts towards the limit: the fast path
       * relies on the record's text being no longer than its input. */
      if (++raw > r->opt.max_line_bytes)
        return csv_fail(r, csv_too_long(r, err));
      if (b < r->lo || b > r->hi) {
        rc = dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                             "invalid UTF-8: a character is cut short at "
                             "byte %u of the line",
                             (unsigned)r->line_byte);
        return csv_fail(r, rc);
      }
      r->need--;
      r->lo = 0x80;
      r->hi = 0xBF;
      if ((rc = csv_put(r, (const char *)&b, 1, err)) != 0)
        return csv_fail(r, rc);
      continue;
    }
    if (b == '\n' || b == '\r') {
      r->line++;
      r->line_byte = 0;
      if (st != CSV_QUOTED) {
        if ((rc = csv_end_field(r, err)) != 0)
          return csv_fail(r, rc);
        /* The LF of a CRLF in the buffer goes now, not as the next
         * record's first byte, which would keep it off the fast path. */
        if (b == '\r' && r->in_pos < r->in_end && r->in[r->in_pos] == '\n') {
          r->in_pos++;
          r->prev_cr = 0;
        }
        csv_make_row(r, row);
        return 1;
      }
    }
    /* Checked before the byte is stored: the record never outgrows it. */
    if (++raw > r->opt.max_line_bytes)
      return csv_fail(r, csv_too_long(r, err));
    if (b == '\0') {
      rc = dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                           "a NUL byte (byte %u of the line): this is not "
                           "a text file, or it is UTF-16",
                           (unsigned)r->line_byte);
      return csv_fail(r, rc);
    }
    if (b == (unsigned char)r->opt.delimiter && st != CSV_QUOTED) {
      if ((rc = csv_end_field(r, err)) != 0)
        return csv_fail(r, rc);
      st = CSV_FIELD_START;
      continue;
    }
    switch (st) {
    case CSV_FIELD_START:
      if (b == '"') {
        st = CSV_QUOTED;
        quote_line = r->line;
        continue;
      }
      st = CSV_UNQUOTED;
      break;
    case CSV_QUOTED:
      if (b == '"') {
        st = CSV_QUOTE_SEEN;
        continue;
      }
      break;
    case CSV_QUOTE_SEEN:
      /* A doubled quote is one quote of text; anything else follows the
       * closing quote and is kept. */
      st = b == '"' ? CSV_QUOTED : CSV_AFTER_QUOTE;
      break;
    case CSV_UNQUOTED:
    case CSV_AFTER_QUOTE:
      break;
    }
    if ((rc = csv_text_byte(r, b, err)) != 0)
      return csv_fail(r, rc);
  }
  /* End of input. */
  if (r->need > 0) {
    rc = dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                         "invalid UTF-8: the file ends inside a character");
    return csv_fail(r, rc);
  }
  if (st == CSV_QUOTED) {
    rc = dahub_error_set(err, -EILSEQ, quote_line, (uint32_t)r->n + 1,
                         "a quote opened on line %u is never closed",
                         (unsigned)quote_line);
    return csv_fail(r, rc);
  }
  if (!any)
    return 0;
  if ((rc = csv_end_field(r, err)) != 0)
    return csv_fail(r, rc);
  csv_make_row(r, row);
  return 1;
}

/* Fills the input buffer up to the brim or the end of the input. A failed
 * read is kept for csv_fill() to report when the inline reader would have
 * made it: after the records before it, with the line it would have had. */
static void csv_read_ahead(struct dahub_csv *r) {
  while (!r->eof && r->in_end < sizeof r->in) {
    size_t cap = sizeof r->in - r->in_end;
    ssize_t got = r->read(r->arg, r->in + r->in_end, cap);

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
__attribute__((noinline)) static int csv_next_first(struct dahub_csv *r,
                                                    struct dahub_csv_row *row,
                                                    struct dahub_error *err) {
  int rc;

  if (r->failed) /* csv_start() failed: the inline reader repeats it */
    return csv_read_record(r, row, err);
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
  return csv_read_record(r, row, err);
}

int dahub_csv_next(struct dahub_csv *r, struct dahub_csv_row *row,
                   struct dahub_error *err) {
  if (r->th != NULL)
    return csv_thread_next(r->th, row, err);
  if (r->opt.threaded && !r->started)
    return csv_next_first(r, row, err);
  return csv_read_record(r, row, err);
}
