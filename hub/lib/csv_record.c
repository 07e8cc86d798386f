/*
 * csv_record.c: the CSV reader's tokenizer: input bytes to one record.
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
 * Everything the loop calls per byte or per cell is here, in one
 * translation unit, so that it is inlined; what it calls per chunk or per
 * growth (csv_fill(), csv_grow_*()) is in csv.c. Runs inline or on the
 * threaded mode's thread (csv_thread.c), never on both at once.
 */
#include <errno.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv_int.h"
#include "csv_thread.h"

/* Windows-1252 bytes 0x80..0x9F; 0 marks the five undefined ones. 0xA0 and
 * up are the Unicode code point of the same number. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

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

/* err is about the file's encoding: says so (dahub/error.h), returns rc. */
static int csv_encoding(struct dahub_error *err, int rc) {
  dahub_error_code(err, DAHUB_CODE_ENCODING);
  return rc;
}

/* A file that looks like UTF-16 without a byte order mark (every other
 * byte NUL) fails on its first NUL or non-ASCII byte: the officer needs the
 * encoding to set, not the windows-1252 advice. what: "a NUL byte", ... */
static int csv_utf16_hint(const struct dahub_csv *r, const char *what,
                          struct dahub_error *err) {
  return csv_encoding(
      err,
      dahub_error_set(
          err, -EILSEQ, r->line, (uint32_t)r->n + 1,
          "%s (byte %u of the line): the file looks like UTF-16 text without "
          "a byte order mark; set the feed's \"encoding\" to \"utf-16%s\", or "
          "save the file as CSV UTF-8",
          what, (unsigned)r->line_byte, r->looks_utf16 == 'b' ? "be" : "le"));
}

/* A NUL is never text. */
static int csv_nul(const struct dahub_csv *r, struct dahub_error *err) {
  if (r->looks_utf16 != 0)
    return csv_utf16_hint(r, "a NUL byte", err);
  return csv_encoding(
      err, dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                           "a NUL %s (byte %u of the line): this is not a "
                           "text file",
                           r->u16 != NULL ? "character" : "byte",
                           (unsigned)r->line_byte));
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
      return csv_encoding(
          err, dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                               "byte 0x%02X (byte %u of the line) "
                               "is not Windows-1252 text",
                               b, (unsigned)r->line_byte));
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
  if (r->looks_utf16 != 0)
    return csv_utf16_hint(r, "invalid UTF-8", err);
  return csv_encoding(
      err, dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                           "invalid UTF-8: byte 0x%02X (byte %u of the "
                           "line); save the file as CSV UTF-8, or set the "
                           "feed's encoding to windows-1252",
                           b, (unsigned)r->line_byte));
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
        rc = csv_encoding(
            err, dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                                 "invalid UTF-8: a character is cut short at "
                                 "byte %u of the line",
                                 (unsigned)r->line_byte));
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
    if (b == '\0')
      return csv_fail(r, csv_nul(r, err));
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
    rc = csv_encoding(
        err,
        dahub_error_set(err, -EILSEQ, r->line, (uint32_t)r->n + 1,
                        "invalid UTF-8: the file ends inside a character"));
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
