/*
 * test_csv_utf16.c: UTF-16 text through the CSV reader (hub/lib/utf16.c).
 *
 * Excel's "Unicode Text" export is UTF-16LE with a byte order mark and
 * tabs between cells. Each file here is made from UTF-8 text with iconv,
 * read in one piece, a byte at a time and in threaded mode, and must give
 * exactly the rows the UTF-8 text gives. Rows are flattened to
 * "line:field|field\n". Bad files must fail with an error naming the line.
 */
#include <errno.h>
#include <iconv.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../hub/lib/csv_thread.h"
#include "dahub/csv_fast.h"

struct src {
  const unsigned char *p;
  size_t len, pos;
  size_t chunk; /* most bytes one read() hands out */
};

static ssize_t src_read(void *arg, void *buf, size_t cap) {
  struct src *s = arg;
  size_t n = s->len - s->pos;

  if (n > cap)
    n = cap;
  if (n > s->chunk)
    n = s->chunk;
  memcpy(buf, s->p + s->pos, n);
  s->pos += n;
  return (ssize_t)n;
}

/* OUT: the text in UTF-16 (to: "UTF-16LE" or "UTF-16BE"), with the mark
 * when bom; the caller frees it. */
static unsigned char *utf16_of(const char *text, const char *to, int bom,
                               size_t *len) {
  size_t in_left = strlen(text), cap = in_left * 4 + 4, out_left = cap;
  unsigned char *buf = malloc(cap);
  char *ip = (char *)text, *op = (char *)buf;
  iconv_t cd = iconv_open(to, "UTF-8");

  assert_non_null(buf);
  assert_true(cd != (iconv_t)-1);
  if (bom) {
    int be = strcmp(to, "UTF-16BE") == 0;

    buf[0] = be ? 0xFE : 0xFF;
    buf[1] = be ? 0xFF : 0xFE;
    op += 2;
    out_left -= 2;
  }
  assert_true(iconv(cd, &ip, &in_left, &op, &out_left) != (size_t)-1);
  iconv_close(cd);
  *len = cap - out_left;
  return buf;
}

enum mode { WHOLE, BYTEWISE, THREADED };

/* Reads the whole input; returns the flattened rows, and the last code
 * (0 at a clean end) with its error. OUT: the caller frees the text. */
static char *read_all(const unsigned char *p, size_t len, char delim,
                      enum dahub_csv_encoding enc, enum mode mode, int *code,
                      struct dahub_error *err) {
  struct dahub_csv_options o;
  struct dahub_csv_row row;
  struct dahub_csv *r = NULL;
  struct src s = {p, len, 0, mode == BYTEWISE ? 1 : SIZE_MAX};
  size_t cap = 1 << 16, n = 0, i;
  char *out = malloc(cap);
  int rc;

  assert_non_null(out);
  out[0] = '\0';
  dahub_csv_options_init(&o);
  o.delimiter = delim;
  o.encoding = enc;
  if (mode == THREADED) {
    rc = dahub_csv_new_fast(&o, NULL, src_read, &s, &r, err);
    csv_set_eager(r);
  } else {
    rc = dahub_csv_new(&o, src_read, &s, &r, err);
  }
  assert_int_equal(rc, 0);
  while ((rc = dahub_csv_next(r, &row, err)) == 1) {
    size_t need = 16;

    for (i = 0; i < row.n; i++)
      need += row.len[i] + 1;
    while (n + need >= cap) {
      cap *= 2;
      assert_non_null(out = realloc(out, cap));
    }
    n += (size_t)snprintf(out + n, cap - n, "%u:", (unsigned)row.line);
    for (i = 0; i < row.n; i++) {
      memcpy(out + n, row.field[i], row.len[i]);
      n += row.len[i];
      out[n++] = i + 1 < row.n ? '|' : '\n';
    }
    out[n] = '\0';
  }
  *code = rc;
  dahub_csv_free(r);
  return out;
}

/* Every way of reading the file gives want, and ends with code. */
static void expect_rows(const unsigned char *p, size_t len, char delim,
                        enum dahub_csv_encoding enc, const char *want,
                        int code) {
  enum mode modes[] = {WHOLE, BYTEWISE, THREADED};
  struct dahub_error err = {0};
  size_t k;
  int rc;

  for (k = 0; k < sizeof modes / sizeof *modes; k++) {
    char *got = read_all(p, len, delim, enc, modes[k], &rc, &err);

    assert_string_equal(got, want);
    assert_int_equal(rc, code);
    free(got);
  }
}

static const char excel_text[] =
    "Area\tService\tCount\r\n"
    "Charnwood\tRefuge \xC2\xA3 night\t12\r\n"
    "\"Hinckley & Bosworth\"\tCaf\xC3\xA9 \xF0\x9F\x8F\xA0\t<5\r\n";
static const char excel_rows[] =
    "1:Area|Service|Count\n"
    "2:Charnwood|Refuge \xC2\xA3 night|12\n"
    "3:Hinckley & Bosworth|Caf\xC3\xA9 \xF0\x9F\x8F\xA0|<5\n";

/* The Excel text in UTF-16 (to: "UTF-16LE" or "UTF-16BE", with the mark
 * when bom), read with the feed's encoding enc, gives the Excel rows. */
static void expect_excel_rows(const char *to, int bom,
                              enum dahub_csv_encoding enc) {
  size_t len;
  unsigned char *p = utf16_of(excel_text, to, bom, &len);

  expect_rows(p, len, '\t', enc, excel_rows, 0);
  free(p);
}

/* Excel's "Unicode Text": UTF-16LE, a mark, tabs; a character above
 * U+FFFF (a surrogate pair) and a quoted cell too. Read as UTF-8 is. */
static void test_unicode_text_reads_like_utf8(void **state) {
  (void)state;
  expect_excel_rows("UTF-16LE", 1, DAHUB_CSV_UTF8);
  /* the mark decides whatever the feed said */
  expect_excel_rows("UTF-16LE", 1, DAHUB_CSV_CP1252);
  expect_rows((const unsigned char *)excel_text, strlen(excel_text), '\t',
              DAHUB_CSV_UTF8, excel_rows, 0);
}

static void test_big_endian_with_mark(void **state) {
  (void)state;
  expect_excel_rows("UTF-16BE", 1, DAHUB_CSV_UTF8);
}

/* Without a mark, the feed's "encoding" says which. */
static void test_without_mark_when_the_feed_says(void **state) {
  (void)state;
  expect_excel_rows("UTF-16LE", 0, DAHUB_CSV_UTF16LE);
  expect_excel_rows("UTF-16BE", 0, DAHUB_CSV_UTF16BE);
}

/* Without a mark and read as UTF-8, the error says what to set, not
 * windows-1252. */
static void test_nul_in_utf16_says_what_to_set(void **state) {
  static const struct {
    const char *to, *want;
  } cases[] = {{"UTF-16LE", "\"utf-16le\""}, {"UTF-16BE", "\"utf-16be\""}};
  struct dahub_error err = {0};
  unsigned char *p;
  size_t len, k;
  char *got;
  int rc;

  (void)state;
  for (k = 0; k < 2; k++) {
    p = utf16_of("Area,Count\nCharnwood,12\n", cases[k].to, 0, &len);
    got = read_all(p, len, ',', DAHUB_CSV_UTF8, WHOLE, &rc, &err);
    assert_int_equal(rc, -EILSEQ);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.msg, "looks like UTF-16"));
    assert_non_null(strstr(err.msg, cases[k].want));
    assert_null(strstr(err.msg, "windows-1252"));
    free(got);
    free(p);
  }
  /* a pound sign first (A3 00): the invalid UTF-8 byte gets the same */
  p = utf16_of("\xC2\xA3,Count\n", "UTF-16LE", 0, &len);
  got = read_all(p, len, ',', DAHUB_CSV_UTF8, WHOLE, &rc, &err);
  assert_int_equal(rc, -EILSEQ);
  assert_non_null(strstr(err.msg, "\"utf-16le\""));
  free(got);
  free(p);
  /* a NUL in a file that does not look like UTF-16 says nothing of it */
  got = read_all((const unsigned char *)"abcdef,g\n\0\n", 11, ',',
                 DAHUB_CSV_UTF8, WHOLE, &rc, &err);
  assert_int_equal(rc, -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_null(strstr(err.msg, "UTF-16"));
  free(got);
}

/* Bytes 0-1 of each line are rewritten to the unit u. */
static void put_unit(unsigned char *p, unsigned u) {
  p[0] = (unsigned char)(u & 0xFF);
  p[1] = (unsigned char)(u >> 8);
}

/* The rows before a bad unit come out; the error names its line. */
static void test_unpaired_surrogates_name_the_line(void **state) {
  static const struct {
    unsigned u1, u2;
    const char *what;
  } cases[] = {{0xDC00, 'x', "second half"},
               {0xD800, 'x', "first half"},
               {0xD800, 0xD800, "first half"}};
  struct dahub_error err = {0};
  unsigned char *p;
  size_t len, k, at;
  char *got;

  (void)state;
  for (k = 0; k < sizeof cases / sizeof *cases; k++) {
    int rc;

    p = utf16_of("a,b\r\nc,d\r\nxx,f\r\n", "UTF-16LE", 1, &len);
    at = 2 + 10 * 2; /* after the mark and two lines of five units */
    put_unit(p + at, cases[k].u1);
    put_unit(p + at + 2, cases[k].u2);
    got = read_all(p, len, ',', DAHUB_CSV_UTF8, BYTEWISE, &rc, &err);
    assert_string_equal(got, "1:a|b\n2:c|d\n");
    assert_int_equal(rc, -EILSEQ);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "invalid UTF-16"));
    assert_non_null(strstr(err.msg, cases[k].what));
    assert_non_null(strstr(err.msg, "byte 23 of the file"));
    assert_string_equal(err.code, DAHUB_CODE_ENCODING); /* .error.txt's words */
    free(got);
    free(p);
  }
}

static void test_file_ending_inside_a_character(void **state) {
  struct dahub_error err = {0};
  unsigned char *p;
  size_t len;
  char *got;
  int rc;

  (void)state;
  p = utf16_of("a,b\nc", "UTF-16LE", 1, &len);
  got = read_all(p, len - 1, ',', DAHUB_CSV_UTF8, WHOLE, &rc, &err);
  assert_string_equal(got, "1:a|b\n");
  assert_int_equal(rc, -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_non_null(strstr(err.msg, "odd number of bytes"));
  free(got);
  put_unit(p + len - 2, 0xD83C); /* a first half, last */
  got = read_all(p, len, ',', DAHUB_CSV_UTF8, WHOLE, &rc, &err);
  assert_int_equal(rc, -EILSEQ);
  assert_non_null(strstr(err.msg, "ends in the middle of a character"));
  free(got);
  free(p);
}

/* A file far larger than the reader's chunks: every row right (pairs cut
 * across chunks), and the reader's memory a few chunks, not the file. */
static void test_large_file_streams_in_bounded_memory(void **state) {
  const size_t rows = 150000;
  char *text = malloc(rows * 40 + 64), *want;
  struct dahub_error err = {0};
  size_t n = 0, w = 0, i, len;
  struct mallinfo2 before, after;
  unsigned char *p;
  int rc;

  (void)state;
  assert_non_null(text);
  assert_non_null(want = malloc(rows * 48 + 64));
  for (i = 0; i < rows; i++) {
    n += (size_t)sprintf(text + n, "E0700%04u\t\xF0\x9F\x8F\xA0%zu\r\n",
                         (unsigned)(i % 10000), i);
    w += (size_t)sprintf(want + w, "%zu:E0700%04u|\xF0\x9F\x8F\xA0%zu\n", i + 1,
                         (unsigned)(i % 10000), i);
  }
  p = utf16_of(text, "UTF-16LE", 1, &len);
  free(text);
  assert_true(len > 4u << 20);
  expect_rows(p, len, '\t', DAHUB_CSV_UTF8, want, 0);
  /* what one reader holds while reading: measured around one read */
  {
    struct dahub_csv_options o;
    struct dahub_csv_row row;
    struct dahub_csv *r;
    struct src s = {p, len, 0, SIZE_MAX};

    dahub_csv_options_init(&o);
    o.delimiter = '\t';
    before = mallinfo2();
    assert_int_equal(dahub_csv_new(&o, src_read, &s, &r, &err), 0);
    for (i = 0; i < rows / 2; i++)
      assert_int_equal(dahub_csv_next(r, &row, &err), 1);
    after = mallinfo2();
    assert_true(after.uordblks - before.uordblks < 512u << 10);
    while ((rc = dahub_csv_next(r, &row, &err)) == 1)
      ;
    assert_int_equal(rc, 0);
    dahub_csv_free(r);
  }
  free(want);
  free(p);
}

/* In threaded mode the error found while reading ahead keeps its words
 * and its line, after every row before it. */
static void test_threaded_error_after_the_rows_before_it(void **state) {
  const size_t rows = 20000;
  char *text = malloc(rows * 16 + 16);
  struct dahub_error err = {0};
  size_t n = 0, i, len, count = 0;
  unsigned char *p;
  char *got, *s;
  int rc;

  (void)state;
  assert_non_null(text);
  for (i = 0; i < rows; i++)
    n += (size_t)sprintf(text + n, "r%05zu,1\n", i);
  p = utf16_of(text, "UTF-16LE", 1, &len);
  free(text);
  put_unit(p + 2 + (rows - 10) * 18, 0xDFFF); /* the 'r' of line rows-9 */
  got = read_all(p, len, ',', DAHUB_CSV_UTF8, THREADED, &rc, &err);
  for (s = got; (s = strchr(s, '\n')) != NULL; s++)
    count++;
  assert_int_equal(count, rows - 10);
  assert_int_equal(rc, -EILSEQ);
  assert_int_equal(err.line, rows - 9);
  assert_non_null(strstr(err.msg, "invalid UTF-16"));
  free(got);
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unicode_text_reads_like_utf8),
      cmocka_unit_test(test_big_endian_with_mark),
      cmocka_unit_test(test_without_mark_when_the_feed_says),
      cmocka_unit_test(test_nul_in_utf16_says_what_to_set),
      cmocka_unit_test(test_unpaired_surrogates_name_the_line),
      cmocka_unit_test(test_file_ending_inside_a_character),
      cmocka_unit_test(test_large_file_streams_in_bounded_memory),
      cmocka_unit_test(test_threaded_error_after_the_rows_before_it),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
