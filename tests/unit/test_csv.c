/*
 * test_csv.c: the CSV reader against what Excel and partners really send.
 *
 * Each input is read twice, in one chunk and one byte at a time, and both
 * must give the same rows: a BOM, a UTF-8 character or a CRLF split across
 * two reads must not change anything. Rows are flattened to
 * "line:field|field\n" so a test states the whole expected result at once.
 * malloc and realloc are wrapped (-Wl,--wrap) to measure what the reader
 * holds and to fail the Nth allocation.
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

#include "dahub/csv.h"

/* --- allocation accounting: only while `counting` is set --- */

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);

static int counting;
static size_t live, peak;
static long fail_at = -1; /* fail the allocation with this number */
static long allocs;

static void *account(void *old, size_t n, int is_realloc) {
  size_t before = old != NULL ? malloc_usable_size(old) : 0;
  void *p;

  if (counting && fail_at >= 0 && allocs++ == fail_at)
    return NULL;
  p = is_realloc ? __real_realloc(old, n) : __real_malloc(n);
  if (counting && p != NULL) {
    live = live - before + malloc_usable_size(p);
    if (live > peak)
      peak = live;
  }
  return p;
}

void *__wrap_malloc(size_t n) { return account(NULL, n, 0); }
void *__wrap_realloc(void *p, size_t n) { return account(p, n, 1); }

static void count_start(long fail) {
  counting = 1;
  live = peak = 0;
  allocs = 0;
  fail_at = fail;
}

static void count_stop(void) {
  counting = 0;
  fail_at = -1;
}

/* --- inputs --- */

struct mem {
  const char *p;
  size_t len, pos, chunk;
  size_t served; /* bytes handed out so far */
};

static ssize_t mem_read(void *arg, void *buf, size_t cap) {
  struct mem *m = arg;
  size_t n = m->len - m->pos;

  if (n > cap)
    n = cap;
  if (n > m->chunk)
    n = m->chunk;
  memcpy(buf, m->p + m->pos, n);
  m->pos += n;
  m->served += n;
  return (ssize_t)n;
}

/* 60 MiB of 'a' and no newline, made as it is read. */
static ssize_t endless_read(void *arg, void *buf, size_t cap) {
  struct mem *m = arg;
  size_t n = m->len - m->served;

  if (n > cap)
    n = cap;
  memset(buf, 'a', n);
  m->served += n;
  return (ssize_t)n;
}

static ssize_t failing_read(void *arg, void *buf, size_t cap) {
  (void)arg;
  (void)buf;
  (void)cap;
  return -EIO;
}

/* Reads all rows of data (len bytes) into out as "line:f|f\n"; returns the
 * last code of dahub_csv_next (0 at a clean end). */
static int flatten_chunked(const struct dahub_csv_options *opt,
                           const char *data, size_t len, size_t chunk,
                           char *out, size_t cap, struct dahub_error *err) {
  struct mem m = {.p = data, .len = len, .chunk = chunk};
  struct dahub_csv *r;
  struct dahub_csv_row row;
  size_t used = 0, i;
  int rc;

  out[0] = '\0';
  assert_int_equal(dahub_csv_new(opt, mem_read, &m, &r, err), 0);
  while ((rc = dahub_csv_next(r, &row, err)) == 1) {
    used += (size_t)snprintf(out + used, cap - used, "%u:", row.line);
    for (i = 0; i < row.n; i++) {
      assert_int_equal(strlen(row.field[i]), row.len[i]);
      used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "|" : "",
                               row.field[i]);
    }
    used += (size_t)snprintf(out + used, cap - used, "\n");
    assert_true(used < cap);
  }
  dahub_csv_free(r);
  return rc;
}

/* Both whole and byte by byte; asserts they agree. */
static int flatten_opt(const struct dahub_csv_options *opt, const char *data,
                       size_t len, char *out, size_t cap,
                       struct dahub_error *err) {
  char *one = malloc(cap);
  struct dahub_error err1;
  int rc, rc1;

  assert_non_null(one);
  rc = flatten_chunked(opt, data, len, 1 << 16, out, cap, err);
  rc1 = flatten_chunked(opt, data, len, 1, one, cap, &err1);
  assert_int_equal(rc, rc1);
  assert_string_equal(out, one);
  if (rc < 0) {
    assert_int_equal(err->line, err1.line);
    assert_int_equal(err->col, err1.col);
  }
  free(one);
  return rc;
}

static int flatten(const char *data, char *out, size_t cap,
                   struct dahub_error *err) {
  struct dahub_csv_options opt;

  dahub_csv_options_init(&opt);
  return flatten_opt(&opt, data, strlen(data), out, cap, err);
}

static void expect_rows(const char *input, const char *rows) {
  char out[4096];
  struct dahub_error err;

  assert_int_equal(flatten(input, out, sizeof out, &err), 0);
  assert_string_equal(out, rows);
}

/* --- tests --- */

static void test_utf8_bom_is_stripped(void **state) {
  (void)state;
  expect_rows("\xEF\xBB\xBFService,Measure\n", "1:Service|Measure\n");
  /* Only at the very start: elsewhere it is text. */
  expect_rows("a\n\xEF\xBB\xBF"
              "b\n",
              "1:a\n2:\xEF\xBB\xBF"
              "b\n");
}

static void test_bom_means_utf8_even_if_cp1252_was_set(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char in[] = "\xEF\xBB\xBF\xC2\xA3"
                    "5\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.encoding = DAHUB_CSV_CP1252;
  assert_int_equal(flatten_opt(&opt, in, sizeof in - 1, out, sizeof out, &err),
                   0);
  assert_string_equal(out, "1:\xC2\xA3"
                           "5\n");
}

static void test_crlf_lf_and_lone_cr_end_lines(void **state) {
  (void)state;
  expect_rows("a,b\r\nc,d\ne\rf\r\n", "1:a|b\n2:c|d\n3:e\n4:f\n");
}

static void test_last_line_without_newline(void **state) {
  (void)state;
  expect_rows("a,b\r\nc,d", "1:a|b\n2:c|d\n");
  expect_rows("", "");
  expect_rows("x", "1:x\n");
}

static void test_quoted_field_with_delimiter(void **state) {
  (void)state;
  expect_rows(",\"Calls, texts and emails handled\",14\r\n",
              "1:|Calls, texts and emails handled|14\n");
}

static void test_quoted_newline_keeps_line_numbers(void **state) {
  (void)state;
  expect_rows("a,\"two\r\nlines\"\r\nb,\"three\nmore\nlines\"\nc,d\r\n",
              "1:a|two\r\nlines\n3:b|three\nmore\nlines\n6:c|d\n");
}

static void test_doubled_quotes(void **state) {
  (void)state;
  expect_rows("\"Suppressed as \"\"<5\"\"\",\"\"\"\",\"\"\n",
              "1:Suppressed as \"<5\"|\"|\n");
}

static void test_text_after_closing_quote_is_kept(void **state) {
  (void)state;
  /* Excel reads "abc"def as abcdef; a quote mid-field is plain text. */
  expect_rows("\"abc\"def,x\"y\n", "1:abcdef|x\"y\n");
}

static void test_blank_lines_are_one_empty_field(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  struct mem m = {.p = "a\n\r\nb\n", .len = 6, .chunk = 64};

  (void)state;
  expect_rows("a\n\r\n\nb\n", "1:a\n2:\n3:\n4:b\n");
  dahub_csv_options_init(&opt);
  assert_int_equal(dahub_csv_new(&opt, mem_read, &m, &r, &err), 0);
  assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  assert_int_equal(row.n, 1);
  assert_int_equal(row.len[0], 0);
  assert_int_equal(row.line, 2);
  assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  assert_int_equal(dahub_csv_next(r, &row, &err), 0);
  assert_int_equal(dahub_csv_next(r, &row, &err), 0);
  dahub_csv_free(r);
}

static void test_semicolon_and_tab_delimiters(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char semi[] = "Average length of stay (days);96,5;\"a;b\"\n";
  const char tab[] = "a,b\tc\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.delimiter = ';';
  assert_int_equal(
      flatten_opt(&opt, semi, sizeof semi - 1, out, sizeof out, &err), 0);
  assert_string_equal(out, "1:Average length of stay (days)|96,5|a;b\n");
  opt.delimiter = '\t';
  assert_int_equal(
      flatten_opt(&opt, tab, sizeof tab - 1, out, sizeof out, &err), 0);
  assert_string_equal(out, "1:a,b|c\n");
}

static void test_windows_1252_pound_becomes_utf8(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char in[] = "Funding,\"\xA3"
                    "63,000\",\x80"
                    "5,caf\xE9\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.encoding = DAHUB_CSV_CP1252;
  assert_int_equal(flatten_opt(&opt, in, sizeof in - 1, out, sizeof out, &err),
                   0);
  assert_string_equal(out, "1:Funding|\xC2\xA3"
                           "63,000|\xE2\x82\xAC"
                           "5|caf\xC3\xA9\n");
}

/* Every defined byte against glibc's own Windows-1252 table. */
static void test_windows_1252_all_bytes_match_iconv(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  char in[1], want[8], *ip, *op;
  size_t il, ol;
  struct mem m;
  iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
  int b, rc, undefined = 0;

  (void)state;
  assert_true(cd != (iconv_t)-1);
  dahub_csv_options_init(&opt);
  opt.encoding = DAHUB_CSV_CP1252;
  for (b = 1; b < 256; b++) {
    if (b == ',' || b == '"' || b == '\r' || b == '\n')
      continue;
    in[0] = (char)b;
    m = (struct mem){.p = in, .len = 1, .chunk = 1};
    assert_int_equal(dahub_csv_new(&opt, mem_read, &m, &r, &err), 0);
    rc = dahub_csv_next(r, &row, &err);
    ip = in;
    il = 1;
    op = want;
    ol = sizeof want;
    if (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D) {
      assert_int_equal(rc, -EILSEQ);
      undefined++;
    } else {
      assert_int_equal(rc, 1);
      assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
      assert_int_equal(row.len[0], sizeof want - ol);
      assert_memory_equal(row.field[0], want, row.len[0]);
    }
    dahub_csv_free(r);
  }
  assert_int_equal(undefined, 5);
  iconv_close(cd);
}

static void test_windows_1252_undefined_byte_is_error(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char in[] = "a,b\nc,d\x81\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.encoding = DAHUB_CSV_CP1252;
  assert_int_equal(flatten_opt(&opt, in, sizeof in - 1, out, sizeof out, &err),
                   -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_non_null(strstr(err.msg, "0x81"));
}

static void test_unterminated_quote_names_opening_line(void **state) {
  struct dahub_error err;
  char out[256];

  (void)state;
  assert_int_equal(flatten("a,b\r\nc,\"opened here\r\nand\r\nnever closed\r\n",
                           out, sizeof out, &err),
                   -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_non_null(strstr(err.msg, "line 2"));
}

static void test_line_longer_than_limit_fails_early(void **state) {
  const size_t limit = 1u << 20;
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  struct mem m = {.len = (size_t)60 << 20};

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = (uint32_t)limit;
  count_start(-1);
  assert_int_equal(dahub_csv_new(&opt, endless_read, &m, &r, &err), 0);
  assert_int_equal(dahub_csv_next(r, &row, &err), -EMSGSIZE);
  count_stop();
  assert_int_equal(err.line, 1);
  assert_non_null(strstr(err.msg, "longer than 1048576 bytes"));
  /* It stopped within one chunk of the limit... */
  assert_true(m.served <= limit + 65536);
  /* ...holding the record (limit + NUL), its 64 KiB chunk and little else. */
  assert_true(peak <= limit + 65536 + 8192);
  assert_true(peak >= limit);
  dahub_csv_free(r);
}

static void test_record_limit_is_per_record(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char ok[] = "12345678\n12345678\n\"123\n67\"\n"; /* quotes count */
  const char bad[] = "12345678\n123456789\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = 8;
  assert_int_equal(flatten_opt(&opt, ok, sizeof ok - 1, out, sizeof out, &err),
                   0);
  assert_string_equal(out, "1:12345678\n2:12345678\n3:123\n67\n");
  assert_int_equal(
      flatten_opt(&opt, bad, sizeof bad - 1, out, sizeof out, &err), -EMSGSIZE);
  assert_int_equal(err.line, 2);
}

static void test_nul_byte_is_error(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char in[] = "a,b\nc,d\0e\n";

  (void)state;
  dahub_csv_options_init(&opt);
  assert_int_equal(flatten_opt(&opt, in, sizeof in - 1, out, sizeof out, &err),
                   -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_non_null(strstr(err.msg, "NUL"));
  assert_non_null(strstr(err.msg, "byte 4 "));
}

static void test_invalid_utf8_names_line_and_column(void **state) {
  struct dahub_error err;
  char out[256];

  (void)state;
  /* A Windows-1252 £ in a file read as UTF-8. */
  assert_int_equal(flatten("Service,Amount\nFund,\xA3"
                           "5\n",
                           out, sizeof out, &err),
                   -EILSEQ);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 2);
  assert_non_null(strstr(err.msg, "0xA3"));
  /* Overlong '/', a UTF-16 surrogate, above U+10FFFF, cut short, cut by
   * the end of the file. */
  assert_int_equal(flatten("a\xC0\xAF\n", out, sizeof out, &err), -EILSEQ);
  assert_int_equal(flatten("\xED\xA0\x80\n", out, sizeof out, &err), -EILSEQ);
  assert_int_equal(flatten("\xF4\x90\x80\x80\n", out, sizeof out, &err),
                   -EILSEQ);
  assert_int_equal(flatten("x,\xE2\x82,y\n", out, sizeof out, &err), -EILSEQ);
  assert_int_equal(err.col, 2);
  assert_int_equal(flatten("ok\n\xE2\x82", out, sizeof out, &err), -EILSEQ);
  assert_int_equal(err.line, 2);
  /* The largest and smallest valid forms pass. */
  expect_rows("\xF4\x8F\xBF\xBF,\xC2\x80,\xE0\xA0\x80\n",
              "1:\xF4\x8F\xBF\xBF|\xC2\x80|\xE0\xA0\x80\n");
}

static void test_too_many_fields(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  char out[256];
  const char ok[] = "a,b,c,d\n";
  const char bad[] = "a,b,c,d\n,,,,\n";

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_fields = 4;
  assert_int_equal(flatten_opt(&opt, ok, sizeof ok - 1, out, sizeof out, &err),
                   0);
  assert_int_equal(
      flatten_opt(&opt, bad, sizeof bad - 1, out, sizeof out, &err), -EMSGSIZE);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 5);
  assert_non_null(strstr(err.msg, "more than 4 cells"));
}

static void test_many_fields_default_limit(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  static char in[5000 * 2];
  struct mem m = {.p = in, .chunk = 1000};
  size_t i;

  (void)state;
  for (i = 0; i < 4096; i++) {
    in[2 * i] = (char)('0' + i % 10);
    in[2 * i + 1] = ',';
  }
  in[2 * 4096 - 1] = '\n';
  m.len = 2 * 4096;
  dahub_csv_options_init(&opt);
  assert_int_equal(dahub_csv_new(&opt, mem_read, &m, &r, &err), 0);
  assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  assert_int_equal(row.n, 4096);
  assert_string_equal(row.field[4095], "5");
  dahub_csv_free(r);
}

static void test_read_error_is_passed_on_and_sticks(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;

  (void)state;
  dahub_csv_options_init(&opt);
  assert_int_equal(dahub_csv_new(&opt, failing_read, NULL, &r, &err), 0);
  assert_int_equal(dahub_csv_next(r, &row, &err), -EIO);
  assert_int_equal(dahub_csv_next(r, &row, &err), -EIO);
  dahub_csv_free(r);
}

static void test_bad_options_are_refused(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv *r = NULL;
  struct dahub_error err;

  (void)state;
  dahub_csv_options_init(&opt);
  opt.delimiter = '|';
  assert_int_equal(dahub_csv_new(&opt, failing_read, NULL, &r, &err), -EINVAL);
  assert_null(r);
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = 0;
  assert_int_equal(dahub_csv_new(&opt, failing_read, NULL, &r, &err), -EINVAL);
  dahub_csv_free(NULL);
}

/* Every allocation may fail: the reader says -ENOMEM and leaks nothing
 * (ASan's leak check holds it to that). */
static void test_allocation_failure_is_enomem(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  struct mem m;
  long n;
  int failed = 0;

  (void)state;
  dahub_csv_options_init(&opt);
  for (n = 0; n < 50; n++) {
    int rc;

    m = (struct mem){
        .p = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r\nx\n", .len = 38, .chunk = 5};
    count_start(n);
    rc = dahub_csv_new(&opt, mem_read, &m, &r, &err);
    if (rc == 0)
      while ((rc = dahub_csv_next(r, &row, &err)) == 1)
        ;
    count_stop();
    dahub_csv_free(r);
    if (rc == 0)
      break;
    assert_int_equal(rc, -ENOMEM);
    failed++;
  }
  assert_true(failed >= 3);
  assert_true(n < 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8_bom_is_stripped),
      cmocka_unit_test(test_bom_means_utf8_even_if_cp1252_was_set),
      cmocka_unit_test(test_crlf_lf_and_lone_cr_end_lines),
      cmocka_unit_test(test_last_line_without_newline),
      cmocka_unit_test(test_quoted_field_with_delimiter),
      cmocka_unit_test(test_quoted_newline_keeps_line_numbers),
      cmocka_unit_test(test_doubled_quotes),
      cmocka_unit_test(test_text_after_closing_quote_is_kept),
      cmocka_unit_test(test_blank_lines_are_one_empty_field),
      cmocka_unit_test(test_semicolon_and_tab_delimiters),
      cmocka_unit_test(test_windows_1252_pound_becomes_utf8),
      cmocka_unit_test(test_windows_1252_all_bytes_match_iconv),
      cmocka_unit_test(test_windows_1252_undefined_byte_is_error),
      cmocka_unit_test(test_unterminated_quote_names_opening_line),
      cmocka_unit_test(test_line_longer_than_limit_fails_early),
      cmocka_unit_test(test_record_limit_is_per_record),
      cmocka_unit_test(test_nul_byte_is_error),
      cmocka_unit_test(test_invalid_utf8_names_line_and_column),
      cmocka_unit_test(test_too_many_fields),
      cmocka_unit_test(test_many_fields_default_limit),
      cmocka_unit_test(test_read_error_is_passed_on_and_sticks),
      cmocka_unit_test(test_bad_options_are_refused),
      cmocka_unit_test(test_allocation_failure_is_enomem),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
