/*
 * test_csv.c: the CSV reader against what Excel and partners really send.
 *
 * Each input is read twice, in one chunk and one byte at a time, and both
 * must give the same rows: a BOM, a UTF-8 character or a CRLF split across
 * two reads must not change anything. Rows are flattened to
 * "line:field|field\n" so a test states the whole expected result at once.
 * malloc and realloc are wrapped (-Wl,--wrap) to measure what the reader
 * holds and to fail the Nth allocation.
 *
 * Threaded mode must give exactly what the inline reader gives, so every
 * input is also read with the reader's thread forced on (csv_set_eager)
 * and in threaded mode as callers use it; large generated files are read
 * both ways side by side. Callbacks that run on the reader's thread only
 * record what they see: cmocka asserts on the test's thread alone.
 */
#include <errno.h>
#include <iconv.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../hub/lib/csv_thread.h"
#include "dahub/csv_fast.h"

/* --- allocation accounting: only while `counting` is set --- */

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);

/* The reader's thread allocates too: the counts are under a lock. free()
 * is not wrapped, so peak is all that was allocated while counting. */
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;
static int counting;
static size_t live, peak;
static long fail_at = -1; /* fail the allocation with this number */
static long allocs;

static void *account(void *old, size_t n, int is_realloc) {
  size_t before = old != NULL ? malloc_usable_size(old) : 0;
  int fail;
  void *p;

  pthread_mutex_lock(&count_mu);
  fail = counting && fail_at >= 0 && allocs++ == fail_at;
  pthread_mutex_unlock(&count_mu);
  if (fail)
    return NULL;
  p = is_realloc ? __real_realloc(old, n) : __real_malloc(n);
  pthread_mutex_lock(&count_mu);
  if (counting && p != NULL) {
    live = live - before + malloc_usable_size(p);
    if (live > peak)
      peak = live;
  }
  pthread_mutex_unlock(&count_mu);
  return p;
}

void *__wrap_malloc(size_t n) { return account(NULL, n, 0); }
void *__wrap_realloc(void *p, size_t n) { return account(p, n, 1); }

static void count_start(long fail) {
  pthread_mutex_lock(&count_mu);
  counting = 1;
  live = peak = 0;
  allocs = 0;
  fail_at = fail;
  pthread_mutex_unlock(&count_mu);
}

static void count_stop(void) {
  pthread_mutex_lock(&count_mu);
  counting = 0;
  fail_at = -1;
  pthread_mutex_unlock(&count_mu);
}

/* --- inputs --- */

struct mem {
  const char *p;
  size_t len, pos, chunk;
  size_t served;  /* bytes handed out so far */
  size_t fail_at; /* nonzero: once pos gets here, read() fails... */
  int too_much;   /* ...by saying it read more than asked, else -EIO */
};

static ssize_t mem_read(void *arg, void *buf, size_t cap) {
  struct mem *m = arg;
  size_t n = m->len - m->pos;

  if (m->fail_at != 0 && m->pos >= m->fail_at)
    return m->too_much ? (ssize_t)cap + 1 : -EIO;
  if (m->fail_at != 0 && n > m->fail_at - m->pos)
    n = m->fail_at - m->pos;
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

/* dahub_csv_new(), or in threaded mode dahub_csv_new_fast() with fast
 * (NULL: nothing to prepare). */
static int new_reader(const struct dahub_csv_options *opt, int threaded,
                      const struct dahub_csv_fast *fast,
                      ssize_t (*read)(void *arg, void *buf, size_t cap),
                      void *arg, struct dahub_csv **out,
                      struct dahub_error *err) {
  if (threaded)
    return dahub_csv_new_fast(opt, fast, read, arg, out, err);
  return dahub_csv_new(opt, read, arg, out, err);
}

enum mode {
  INLINE,   /* dahub_csv_new() */
  THREADED, /* dahub_csv_new_fast(): a thread once the input passes 64 KiB */
  EAGER,    /* dahub_csv_new_fast() and a thread whatever the size */
  BYTEWISE, /* dahub_csv_new(), and no fast path: the byte machine alone */
};

/* A reader of m in the given mode, preparing with fast (or NULL) when
 * threaded. OUT: caller frees. */
static struct dahub_csv *open_fast(const struct dahub_csv_options *opt,
                                   const struct dahub_csv_fast *fast,
                                   struct mem *m, enum mode mode,
                                   struct dahub_error *err) {
  struct dahub_csv *r;

  assert_int_equal(new_reader(opt, mode == THREADED || mode == EAGER, fast,
                              mem_read, m, &r, err),
                   0);
  if (mode == EAGER)
    csv_set_eager(r);
  if (mode == BYTEWISE)
    csv_set_bytewise(r);
  return r;
}

/* A reader of m in the given mode. OUT: caller frees. */
static struct dahub_csv *open_mode(const struct dahub_csv_options *opt,
                                   struct mem *m, enum mode mode,
                                   struct dahub_error *err) {
  return open_fast(opt, NULL, m, mode, err);
}

/* Reads all rows of data (len bytes) into out as "line:f|f\n"; returns the
 * last code of dahub_csv_next (0 at a clean end), after checking that the
 * next call repeats it. */
static int flatten_chunked(const struct dahub_csv_options *opt,
                           const char *data, size_t len, size_t chunk,
                           enum mode mode, char *out, size_t cap,
                           struct dahub_error *err) {
  struct mem m = {.p = data, .len = len, .chunk = chunk};
  struct dahub_csv *r;
  struct dahub_csv_row row;
  struct dahub_error again;
  size_t used = 0, i;
  int rc;

  out[0] = '\0';
  r = open_mode(opt, &m, mode, err);
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
  assert_int_equal(dahub_csv_next(r, &row, &again), rc);
  dahub_csv_free(r);
  return rc;
}

static void assert_same_error(const struct dahub_error *a,
                              const struct dahub_error *b) {
  assert_int_equal(a->line, b->line);
  assert_int_equal(a->col, b->col);
  assert_string_equal(a->msg, b->msg);
}

/* Inline, whole and byte by byte, then with the thread forced on, in
 * threaded mode (inline, after reading ahead), and by the byte machine
 * alone: all must agree, errors included. */
static int flatten_opt(const struct dahub_csv_options *opt, const char *data,
                       size_t len, char *out, size_t cap,
                       struct dahub_error *err) {
  static const struct {
    size_t chunk;
    enum mode mode;
  } ways[] = {{1, INLINE},
              {1 << 16, EAGER},
              {1, EAGER},
              {1, THREADED},
              {1 << 16, BYTEWISE}};
  char *other = malloc(cap);
  struct dahub_error err1;
  size_t i;
  int rc;

  assert_non_null(other);
  rc = flatten_chunked(opt, data, len, 1 << 16, INLINE, out, cap, err);
  for (i = 0; i < sizeof ways / sizeof ways[0]; i++) {
    assert_int_equal(flatten_chunked(opt, data, len, ways[i].chunk,
                                     ways[i].mode, other, cap, &err1),
                     rc);
    assert_string_equal(out, other);
    if (rc < 0)
      assert_same_error(err, &err1);
  }
  free(other);
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

/* A 60 MiB line with no newline fails within one chunk of the limit,
 * holding the record (limit + NUL), its 64 KiB chunk and little else: slack
 * is the reader's own bookkeeping (in threaded mode, the thread's too; no
 * batch is held). After the error, the same error again. */
static void line_longer_than_limit(int threaded, size_t slack) {
  const size_t limit = 1u << 20;
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  struct mem m = {.len = (size_t)60 << 20};

  dahub_csv_options_init(&opt);
  opt.max_line_bytes = (uint32_t)limit;
  count_start(-1);
  assert_int_equal(new_reader(&opt, threaded, NULL, endless_read, &m, &r, &err),
                   0);
  assert_int_equal(dahub_csv_next(r, &row, &err), -EMSGSIZE);
  count_stop();
  assert_int_equal(err.line, 1);
  assert_non_null(strstr(err.msg, "longer than 1048576 bytes"));
  assert_int_equal(dahub_csv_next(r, &row, &err), -EMSGSIZE);
  dahub_csv_free(r);
  assert_true(m.served <= limit + 65536);
  assert_true(peak <= limit + 65536 + slack);
  assert_true(peak >= limit);
}

static void test_line_longer_than_limit_fails_early(void **state) {
  (void)state;
  line_longer_than_limit(0, 8192);
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
  /* Bytes, not characters: four two-byte ones fill the eight. */
  assert_int_equal(flatten_opt(&opt, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\n", 9,
                               out, sizeof out, &err),
                   0);
  assert_int_equal(flatten_opt(&opt,
                               "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\n", 11,
                               out, sizeof out, &err),
                   -EMSGSIZE);
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

/* --- prepare() --- */

/* What odd_prepare() makes of a record: its line, cell count and bytes. */
struct prep {
  uint32_t line;
  size_t n, bytes;
};

static atomic_int prepared_on_caller; /* prepare() ran on the test's thread */
static pthread_t prep_caller;

/* Prepares records with an odd number of cells, and no others. */
static int odd_prepare(void *arg, const struct dahub_csv_row *row, int hurry,
                       void *out) {
  struct prep p = {.line = row->line, .n = row->n, .bytes = 0};
  size_t i;

  (void)arg;
  (void)hurry;
  if (pthread_equal(pthread_self(), prep_caller))
    atomic_store(&prepared_on_caller, 1);
  if (row->n % 2 == 0)
    return 0;
  for (i = 0; i < row->n; i++)
    p.bytes += row->len[i];
  memcpy(out, &p, sizeof p);
  return 1;
}

static void test_bad_options_are_refused(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_fast fast = {0};
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
  dahub_csv_options_init(&opt);
  fast.prepare = odd_prepare;
  assert_int_equal(
      dahub_csv_new_fast(&opt, &fast, failing_read, NULL, &r, &err), -EINVAL);
  fast.prepare_size = DAHUB_CSV_PREPARE_MAX + 1;
  assert_int_equal(
      dahub_csv_new_fast(&opt, &fast, failing_read, NULL, &r, &err), -EINVAL);
  assert_non_null(strstr(err.msg, "prepare_size"));
  dahub_csv_free(NULL);
}

/* Every allocation may fail: the reader says -ENOMEM (and again after),
 * and leaks nothing (ASan's leak check holds it to that). At least
 * min_failed allocations are made before it can read the input. */
static void allocation_failure_is_enomem(int threaded, int min_failed) {
  struct dahub_csv_options opt;
  struct dahub_csv_row row;
  struct dahub_csv *r;
  struct dahub_error err;
  struct mem m;
  long n;
  int failed = 0;

  dahub_csv_options_init(&opt);
  for (n = 0; n < 50; n++) {
    int rc;

    m = (struct mem){
        .p = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r\nx\n", .len = 38, .chunk = 5};
    count_start(n);
    rc = new_reader(&opt, threaded, NULL, mem_read, &m, &r, &err);
    if (rc == 0) {
      if (threaded)
        csv_set_eager(r); /* the thread, for so small an input */
      while ((rc = dahub_csv_next(r, &row, &err)) == 1)
        ;
      assert_int_equal(dahub_csv_next(r, &row, &err), rc);
    }
    dahub_csv_free(r);
    count_stop();
    if (rc == 0)
      break;
    assert_int_equal(rc, -ENOMEM);
    failed++;
  }
  assert_true(failed >= min_failed);
  assert_true(n < 50);
}

static void test_allocation_failure_is_enomem(void **state) {
  (void)state;
  allocation_failure_is_enomem(0, 3);
}

/* --- threaded mode against the inline reader, on large inputs --- */

static uint32_t rnd(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Appends one cell of a kind partners send; returns its length. */
static size_t gen_cell(char *p, uint32_t *seed) {
  static const char *const kinds[] = {
      "",
      "E07000130",
      "\"Calls, texts and emails\"",
      "\"two\r\nlines\"",
      "\"two\nlines\"",
      "\"lone\rcr\"",
      "\"Suppressed as \"\"<5\"\"\"",
      "\"abc\"def",
      "caf\xC3\xA9 \xE2\x82\xAC"
      "5 \xF0\x9F\x98\x80",
      "x\"y",
  };
  uint32_t k = rnd(seed) % 12;

  if (k >= 10)
    return (size_t)sprintf(p, "%u", (unsigned)(rnd(seed) % 100000));
  memcpy(p, kinds[k], strlen(kinds[k]));
  return strlen(kinds[k]);
}

/* About size bytes of records with all of the above, CRLF, LF and lone CR
 * endings, blank lines, and every 2000th record one quoted cell of nearly
 * max_line input bytes with line breaks in it. OUT: caller frees. */
static char *gen_file(size_t size, uint32_t max_line, uint32_t seed,
                      size_t *len) {
  static const char *const ends[] = {"\r\n", "\n", "\r\n", "\r"};
  char *p = malloc(size + max_line + 4096);
  size_t n = 0, rec = 0, k, cells, i;

  assert_non_null(p);
  while (n < size) {
    if (++rec % 2000 == 0) {
      k = max_line - 2 - rnd(&seed) % 64; /* the quotes count too */
      p[n++] = '"';
      for (i = 0; i < k; i++)
        p[n + i] = i % 997 == 996 ? '\n' : (char)('a' + i % 26);
      n += k;
      p[n++] = '"';
    } else if (rnd(&seed) % 50 != 0) { /* else a blank line */
      cells = 1 + rnd(&seed) % 12;
      for (i = 0; i < cells; i++) {
        if (i > 0)
          p[n++] = ',';
        n += gen_cell(p + n, &seed);
      }
    }
    k = rnd(&seed) % 4;
    memcpy(p + n, ends[k], strlen(ends[k]));
    n += strlen(ends[k]);
  }
  *len = n;
  return p;
}

/* data with the k bytes of bad put in at pos. OUT: caller frees. */
static char *spliced(const char *data, size_t len, size_t pos, const char *bad,
                     size_t k) {
  char *p = malloc(len + k);

  assert_non_null(p);
  memcpy(p, data, pos);
  memcpy(p + pos, bad, k);
  memcpy(p + pos + k, data + pos, len - pos);
  return p;
}

static void assert_same_row(const struct dahub_csv_row *a,
                            const struct dahub_csv_row *b) {
  size_t i;

  assert_int_equal(a->line, b->line);
  assert_int_equal(a->n, b->n);
  for (i = 0; i < a->n; i++) {
    assert_int_equal(a->len[i], b->len[i]);
    assert_memory_equal(a->field[i], b->field[i], a->len[i] + 1);
  }
}

/* Reads what a and b serve (the same bytes), one inline and one in mode,
 * side by side: the same records, then the same outcome and err, twice.
 * Returns the outcome; *rows counts the records. */
static int read_both(const struct dahub_csv_options *opt, struct mem *a,
                     struct mem *b, enum mode mode, size_t *rows,
                     struct dahub_error *err) {
  struct dahub_csv *ra = open_mode(opt, a, INLINE, err);
  struct dahub_csv *rb = open_mode(opt, b, mode, err);
  struct dahub_csv_row rowa, rowb;
  struct dahub_error erra, errb;
  int rc, rcb;

  *rows = 0;
  for (;;) {
    rc = dahub_csv_next(ra, &rowa, err);
    rcb = dahub_csv_next(rb, &rowb, &errb);
    assert_int_equal(rc, rcb);
    if (rc != 1)
      break;
    assert_same_row(&rowa, &rowb);
    ++*rows;
  }
  if (rc < 0)
    assert_same_error(err, &errb);
  assert_int_equal(dahub_csv_next(ra, &rowa, &erra), rc);
  assert_int_equal(dahub_csv_next(rb, &rowb, &errb), rc);
  if (rc < 0)
    assert_same_error(&erra, &errb);
  dahub_csv_free(ra);
  dahub_csv_free(rb);
  return rc;
}

static int read_both_data(const struct dahub_csv_options *opt, const char *data,
                          size_t len, size_t chunk, enum mode mode,
                          size_t *rows, struct dahub_error *err) {
  struct mem a = {.p = data, .len = len, .chunk = chunk};
  struct mem b = a;

  return read_both(opt, &a, &b, mode, rows, err);
}

#define BIG_LINE 1100000u /* above a batch's 1 MiB */

static void test_threaded_large_input_matches_inline(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  size_t len, rows;
  char *data;

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = BIG_LINE;
  data = gen_file((size_t)12 << 20, BIG_LINE, 1, &len);
  assert_int_equal(
      read_both_data(&opt, data, len, 1 << 16, THREADED, &rows, &err), 0);
  assert_true(rows > 20000);
  /* Reads of odd sizes, and a thread from the first byte. */
  assert_int_equal(read_both_data(&opt, data, len, 4093, EAGER, &rows, &err),
                   0);
  free(data);
  opt.encoding = DAHUB_CSV_CP1252; /* the text triples in size */
  data = gen_file((size_t)2 << 20, BIG_LINE, 2, &len);
  assert_int_equal(
      read_both_data(&opt, data, len, 1 << 16, THREADED, &rows, &err), 0);
  free(data);
}

/* Bad input six megabytes in: the same records first, then the same err. */
static void test_threaded_error_midway_matches_inline(void **state) {
  static const struct {
    const char *bad; /* NULL: a record longer than max_line_bytes */
    size_t k;
    int code;
  } cases[] = {
      {"\xFF", 1, -EILSEQ},
      {"x\xE2\x82,", 4, -EILSEQ},
      {"a\0b", 3, -EILSEQ},
      {NULL, BIG_LINE + 1, -EMSGSIZE},
  };
  struct dahub_csv_options opt;
  struct dahub_error err;
  size_t len, rows, i;
  char *data, *bad, *longer;

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = BIG_LINE;
  data = gen_file((size_t)8 << 20, BIG_LINE, 3, &len);
  longer = malloc(BIG_LINE + 1);
  assert_non_null(longer);
  memset(longer, 'y', BIG_LINE + 1);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bad = spliced(data, len, (size_t)6 << 20,
                  cases[i].bad != NULL ? cases[i].bad : longer, cases[i].k);
    assert_int_equal(read_both_data(&opt, bad, len + cases[i].k, 1 << 16,
                                    THREADED, &rows, &err),
                     cases[i].code);
    assert_true(rows > 5000);
    free(bad);
  }
  /* A quote left open at the very end. */
  bad = spliced(data, len, len, "\n\"never closed", 14);
  assert_int_equal(
      read_both_data(&opt, bad, len + 14, 1 << 16, THREADED, &rows, &err),
      -EILSEQ);
  assert_non_null(strstr(err.msg, "never closed"));
  free(bad);
  free(longer);
  free(data);
}

static void test_threaded_read_error_is_passed_on(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  struct mem a, b;
  size_t len, rows;
  char *data;

  (void)state;
  dahub_csv_options_init(&opt);
  data = gen_file((size_t)3 << 20, 4096, 4, &len);
  /* On the reader's thread, a megabyte and a half in. */
  a = (struct mem){
      .p = data, .len = len, .chunk = 1 << 16, .fail_at = (size_t)3 << 19};
  b = a;
  assert_int_equal(read_both(&opt, &a, &b, THREADED, &rows, &err), -EIO);
  assert_true(rows > 1000);
  assert_string_equal(err.msg, "reading the input failed");
  /* While reading ahead, before any thread: reported after the records
   * before it, where the inline reader would have read. */
  a = (struct mem){.p = data, .len = len, .chunk = 100, .fail_at = 1000};
  b = a;
  assert_int_equal(read_both(&opt, &a, &b, THREADED, &rows, &err), -EIO);
  assert_true(rows > 0);
  a = (struct mem){
      .p = data, .len = len, .chunk = 100, .fail_at = 1000, .too_much = 1};
  b = a;
  assert_int_equal(read_both(&opt, &a, &b, THREADED, &rows, &err), -EIO);
  assert_non_null(strstr(err.msg, "more than asked"));
  free(data);
}

/* read() as the reader's thread sees it: who calls, and how many at once. */
struct watched {
  struct mem m;
  atomic_size_t served;
  atomic_int inside, overlapped;
  atomic_int first_row; /* the test has had its first row */
  atomic_int on_caller; /* read() ran on the test's thread after that */
  pthread_t caller;
};

static ssize_t watched_read(void *arg, void *buf, size_t cap) {
  struct watched *w = arg;
  ssize_t got;

  if (atomic_fetch_add(&w->inside, 1) != 0)
    atomic_store(&w->overlapped, 1);
  if (atomic_load(&w->first_row) && pthread_equal(pthread_self(), w->caller))
    atomic_store(&w->on_caller, 1);
  got = mem_read(&w->m, buf, cap);
  if (got > 0)
    atomic_fetch_add(&w->served, (size_t)got);
  atomic_fetch_sub(&w->inside, 1);
  return got;
}

static void watched_init(struct watched *w, const char *data, size_t len) {
  memset(&w->m, 0, sizeof w->m);
  w->m.p = data;
  w->m.len = len;
  w->m.chunk = 1 << 16;
  atomic_init(&w->served, 0);
  atomic_init(&w->inside, 0);
  atomic_init(&w->overlapped, 0);
  atomic_init(&w->first_row, 0);
  atomic_init(&w->on_caller, 0);
  w->caller = pthread_self();
}

static double now_s(void) {
  struct timespec t;

  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits until the reader's thread has read nothing for 200 ms: it waits
 * for a free batch, or is done. Returns the bytes it has read. */
static size_t wait_reader_idle(struct watched *w) {
  const struct timespec tick = {0, 10 * 1000 * 1000};
  double deadline = now_s() + 30, quiet_since = now_s();
  size_t seen = atomic_load(&w->served), s;

  while (now_s() < deadline) {
    nanosleep(&tick, NULL);
    s = atomic_load(&w->served);
    if (s != seen || atomic_load(&w->inside) != 0) {
      seen = s;
      quiet_since = now_s();
    } else if (now_s() - quiet_since > 0.2) {
      return s;
    }
  }
  fail_msg("the reader's thread never stopped reading");
  return 0;
}

static struct dahub_csv *open_watched(struct watched *w, uint32_t max_line,
                                      struct dahub_error *err) {
  struct dahub_csv_options opt;
  struct dahub_csv *r;

  dahub_csv_options_init(&opt);
  opt.max_line_bytes = max_line;
  assert_int_equal(dahub_csv_new_fast(&opt, NULL, watched_read, w, &r, err), 0);
  return r;
}

static void test_threaded_read_runs_on_one_other_thread(void **state) {
  struct dahub_csv_row row;
  struct dahub_error err;
  struct dahub_csv *r;
  struct watched w;
  size_t len, rows = 0;
  char *data = gen_file((size_t)4 << 20, 4096, 5, &len);
  int rc;

  (void)state;
  watched_init(&w, data, len);
  r = open_watched(&w, 4096, &err);
  while ((rc = dahub_csv_next(r, &row, &err)) == 1)
    if (rows++ == 0)
      atomic_store(&w.first_row, 1);
  assert_int_equal(rc, 0);
  dahub_csv_free(r);
  assert_int_equal(atomic_load(&w.served), len);
  assert_int_equal(atomic_load(&w.overlapped), 0);
  assert_int_equal(atomic_load(&w.on_caller), 0);
  free(data);
}

/* A slow caller holds the reader's thread back: it reads at most the ring
 * ahead, and free() stops it there without a hang or a leak. */
static void test_threaded_free_midway_stops_the_thread(void **state) {
  struct dahub_csv_row row;
  struct dahub_error err;
  struct dahub_csv *r;
  struct watched w;
  size_t len, ahead;
  char *data = gen_file((size_t)16 << 20, 4096, 6, &len);
  int i;

  (void)state;
  watched_init(&w, data, len);
  r = open_watched(&w, 4096, &err);
  for (i = 0; i < 3; i++)
    assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  ahead = wait_reader_idle(&w);
  /* Past the first chunk, but no further than 4 batches of 1 MiB, a
   * record waiting for one, and the 64 KiB chunk it came from. */
  assert_true(ahead > 65536);
  assert_true(ahead <= ((size_t)4 << 20) + 4096 + 65536);
  dahub_csv_free(r);
  /* Freed at once, with the thread busy reading and tokenizing. */
  watched_init(&w, data, len);
  r = open_watched(&w, 4096, &err);
  assert_int_equal(dahub_csv_next(r, &row, &err), 1);
  dahub_csv_free(r);
  /* Freed before the first record, and after an error. */
  watched_init(&w, data, len);
  dahub_csv_free(open_watched(&w, 4096, &err));
  watched_init(&w, data, len);
  r = open_watched(&w, 8, &err);
  assert_int_equal(dahub_csv_next(r, &row, &err), -EMSGSIZE);
  dahub_csv_free(r);
  free(data);
}

/* Records larger than a batch go one to a batch, so each one returned is
 * the last of its batch: it must stay intact, however long the thread is
 * left to run, until the caller asks for the next one. */
static void test_threaded_row_stays_until_next_call(void **state) {
  struct dahub_csv_row row;
  struct dahub_error err;
  struct dahub_csv *r;
  struct watched w;
  size_t len, rows = 0;
  char *data = gen_file((size_t)9 << 20, BIG_LINE, 7, &len);
  char *copy = malloc(BIG_LINE + 1);
  int rc;

  (void)state;
  assert_non_null(copy);
  watched_init(&w, data, len);
  r = open_watched(&w, BIG_LINE, &err);
  while ((rc = dahub_csv_next(r, &row, &err)) == 1) {
    if (row.n != 1 || row.len[0] < (size_t)1024 * 1024)
      continue;
    memcpy(copy, row.field[0], row.len[0] + 1);
    (void)wait_reader_idle(&w);
    assert_memory_equal(copy, row.field[0], row.len[0] + 1);
    if (++rows == 6)
      break;
  }
  assert_int_equal(rows, 6);
  dahub_csv_free(r);
  free(copy);
  free(data);
}

/* Reads it all in threaded mode, counting what the reader allocates. */
static size_t threaded_peak(const struct dahub_csv_options *opt,
                            const char *data, size_t len) {
  struct mem m = {.p = data, .len = len, .chunk = 1 << 16};
  struct dahub_csv_row row;
  struct dahub_error err;
  struct dahub_csv *r;
  int rc;

  count_start(-1);
  r = open_mode(opt, &m, THREADED, &err);
  while ((rc = dahub_csv_next(r, &row, &err)) == 1)
    ;
  count_stop();
  assert_int_equal(rc, 0);
  dahub_csv_free(r);
  return peak;
}

/* However long the file: the reader's own buffers, the thread's state and
 * 4 batches, of 1 MiB or the largest record. */
static void test_threaded_memory_is_bounded(void **state) {
  struct dahub_csv_options opt;
  size_t len, got;
  char *data;

  (void)state;
  dahub_csv_options_init(&opt);
  opt.max_line_bytes = 4096;
  data = gen_file((size_t)16 << 20, 4096, 8, &len);
  got = threaded_peak(&opt, data, len);
  assert_true(got > (size_t)4 << 20);
  assert_true(got <= ((size_t)4 << 20) + 65536 + 32768);
  free(data);
  opt.max_line_bytes = BIG_LINE;
  data = gen_file((size_t)8 << 20, BIG_LINE, 9, &len);
  got = threaded_peak(&opt, data, len);
  assert_true(got > (size_t)4 * BIG_LINE);
  assert_true(got <= 5 * ((size_t)BIG_LINE + 4096) + 65536 + 32768);
  free(data);
}

/* The inline reader's bound holds with the thread: it stops within one
 * chunk of the limit, holding one record and no batch. */
static void test_threaded_line_longer_than_limit_fails_early(void **state) {
  (void)state;
  line_longer_than_limit(1, 16384);
}

/* The reader, the thread's state, the record's buffers and a batch. */
/* --- the fast path against the byte machine --- */

/* size bytes of cells whose runs of plain text end at every offset of a
 * 16-byte block, mixed with what the fast path must stop at: quotes at a
 * cell's start and inside it, tabs, DEL, controls, non-ASCII, NUL-free
 * line breaks of every kind, and the other delimiters. OUT: caller frees. */
static char *gen_mixed(size_t size, uint32_t seed, size_t *len) {
  static const char *const odd[] = {
      "\"", "\"q,\"\"x\"", "\t", "\x7F", "\x01", "\xC3\xA9", "\r\n",
      "\n", "\r",          ";",  ",",    "\"\"", "a\"b",     "\xE2\x82\xAC"};
  char *p = malloc(size + 64);
  size_t n = 0, k, i;

  assert_non_null(p);
  while (n < size) {
    k = rnd(&seed) % 40;
    for (i = 0; i < k && n < size; i++)
      p[n++] = (char)('a' + rnd(&seed) % 26);
    k = rnd(&seed) % (sizeof odd / sizeof odd[0] + 6);
    if (k < sizeof odd / sizeof odd[0]) {
      memcpy(p + n, odd[k], strlen(odd[k]));
      n += strlen(odd[k]);
    } else {
      p[n++] = k % 2 ? ',' : ';';
    }
  }
  *len = n;
  return p;
}

static void test_fast_path_matches_byte_machine(void **state) {
  static const char delims[] = {',', ';', '\t'};
  static const uint32_t limits[] = {DAHUB_CSV_DEFAULT_MAX_LINE, 17, 64};
  static const size_t chunks[] = {1 << 16, 7, 16};
  struct dahub_csv_options opt;
  struct dahub_error err;
  size_t len, rows, d, l, c;
  char *data;
  int rc;

  (void)state;
  data = gen_mixed((size_t)1 << 20, 5, &len);
  for (d = 0; d < sizeof delims; d++)
    for (l = 0; l < sizeof limits / sizeof limits[0]; l++)
      for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        dahub_csv_options_init(&opt);
        opt.delimiter = delims[d];
        opt.max_line_bytes = limits[l];
        opt.encoding = c == 2 ? DAHUB_CSV_CP1252 : DAHUB_CSV_UTF8;
        rc = read_both_data(&opt, data, len, chunks[c], BYTEWISE, &rows, &err);
        /* \x01 and \x7F are text, so only a limit or a quote can stop it */
        if (limits[l] == DAHUB_CSV_DEFAULT_MAX_LINE)
          assert_true(rc == 0 || rc == -EILSEQ);
        else
          assert_int_equal(rc, -EMSGSIZE);
        assert_true(rc != 0 || rows > 1000);
      }
  free(data);
  /* The common case at length: the benchmark's kind of file, whole. */
  dahub_csv_options_init(&opt);
  data = gen_file((size_t)4 << 20, 4096, 6, &len);
  assert_int_equal(
      read_both_data(&opt, data, len, 1 << 16, BYTEWISE, &rows, &err), 0);
  assert_true(rows > 50000);
  free(data);
}

/* In threaded mode each record comes with what prepare() made of it on the
 * reader's thread, or NULL where it made nothing; inline, always NULL. */
static void test_prepare_runs_on_the_readers_thread(void **state) {
  struct dahub_csv_options opt;
  struct dahub_csv_fast fast = {0};
  struct dahub_csv_fast_row fr;
  struct dahub_error err;
  struct dahub_csv *r;
  struct mem m;
  size_t len, rows = 0, with = 0, i, bytes;
  char *data = gen_file((size_t)2 << 20, 4096, 7, &len);
  enum mode mode;
  int rc;

  (void)state;
  prep_caller = pthread_self();
  atomic_store(&prepared_on_caller, 0);
  dahub_csv_options_init(&opt);
  fast.prepare = odd_prepare;
  fast.prepare_size = sizeof(struct prep);
  for (mode = INLINE; mode <= EAGER; mode++) {
    m = (struct mem){.p = data, .len = len, .chunk = 1 << 16};
    r = open_fast(&opt, &fast, &m, mode, &err);
    while ((rc = dahub_csv_next_fast(r, &fr, &err)) == 1) {
      rows++;
      if (mode == INLINE || fr.row.n % 2 == 0) {
        assert_null(fr.prepared);
        continue;
      }
      assert_non_null(fr.prepared);
      for (i = 0, bytes = 0; i < fr.row.n; i++)
        bytes += fr.row.len[i];
      assert_int_equal(((const struct prep *)fr.prepared)->line, fr.row.line);
      assert_int_equal(((const struct prep *)fr.prepared)->n, fr.row.n);
      assert_int_equal(((const struct prep *)fr.prepared)->bytes, bytes);
      with++;
    }
    assert_int_equal(rc, 0);
    dahub_csv_free(r);
  }
  assert_true(with > rows / 6); /* half of the two threaded thirds */
  assert_int_equal(atomic_load(&prepared_on_caller), 0);
  free(data);
}

/* Notes hurry for each record, and takes its time when slow is set: the
 * reader's thread is then the slower of the two. */
static int hurry_prepare(void *arg, const struct dahub_csv_row *row, int hurry,
                         void *out) {
  const int *slow = arg;
  volatile unsigned spin = 0;

  (void)row;
  while (*slow && spin < 2000)
    spin++;
  memcpy(out, &hurry, sizeof hurry);
  return 1;
}

/* The records' hurry (sleeping pause_us every 1,000 records when it
 * is not 0): how many of them had it set, and whether the last one did. */
static size_t count_hurried(int slow, unsigned pause_us, int *last) {
  struct dahub_csv_options opt;
  struct dahub_csv_fast fast = {0};
  struct dahub_csv_fast_row fr;
  struct dahub_error err;
  struct dahub_csv *r;
  struct mem m;
  size_t len, rows = 0, hurried = 0;
  char *data = gen_file((size_t)6 << 20, 4096, 11, &len);
  int rc, h = 0;

  dahub_csv_options_init(&opt);
  fast.prepare = hurry_prepare;
  fast.prepare_arg = &slow;
  fast.prepare_size = sizeof h;
  m = (struct mem){.p = data, .len = len, .chunk = 1 << 16};
  r = open_fast(&opt, &fast, &m, EAGER, &err);
  while ((rc = dahub_csv_next_fast(r, &fr, &err)) == 1) {
    assert_non_null(fr.prepared);
    memcpy(&h, fr.prepared, sizeof h);
    hurried += h != 0;
    if (pause_us != 0 && ++rows % 1000 == 0)
      (void)usleep(pause_us);
  }
  assert_int_equal(rc, 0);
  *last = h;
  dahub_csv_free(r);
  free(data);
  return hurried;
}

/* prepare() is told to hurry while the caller waits for records, and not
 * once the caller is the slower and the reader's batches queue up. */
static void test_prepare_hurries_only_while_awaited(void **state) {
  int last;

  (void)state;
  /* A caller that takes records as fast as they come waits on every
   * batch but the last ones the slow reader has queued. */
  assert_true(count_hurried(1, 0, &last) > 0);
  /* A caller slower than the reader: its batches are queued long before
   * the last ones are read. */
  (void)count_hurried(0, 20000, &last);
  assert_int_equal(last, 0);
}

/* Records whose text (NULs included) is just under, at and just over
 * 64 KiB, where the threaded mode's offsets widen from 2 bytes to 4, come
 * through as the inline reader reads them. */
static void test_threaded_records_around_64_kib(void **state) {
  struct dahub_csv_options opt;
  struct dahub_error err;
  size_t cap = (size_t)2 << 20, len = 0, rows, text, k, i;
  char *data = malloc(cap);

  (void)state;
  assert_non_null(data);
  dahub_csv_options_init(&opt);
  /* A short record first, so the thread starts; then one and three fields
   * whose texts are 65533 to 65538 bytes. */
  len += (size_t)sprintf(data, "a,b\n");
  for (text = 65533; text <= 65538; text++)
    for (k = 1; k <= 3; k += 2) {
      for (i = 0; i + 1 < text; i++) /* a NUL for each field, less the
                                        delimiters: one more byte */
        data[len++] =
            i % (text / k) == text / k - 1 ? ',' : (char)('a' + i % 26);
      data[len++] = '\n';
    }
  /* A last field that starts past 64 KiB, and one just before it. */
  for (text = 65520; text <= 65540; text += 20) {
    memset(data + len, 'x', text);
    len += text;
    len += (size_t)sprintf(data + len, ",last field\n");
  }
  assert_true(len < cap);
  assert_int_equal(read_both_data(&opt, data, len, 1 << 16, EAGER, &rows, &err),
                   0);
  assert_int_equal(rows, 15);
  free(data);
}

static void test_threaded_allocation_failure_is_enomem(void **state) {
  (void)state;
  allocation_failure_is_enomem(1, 6);
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
      cmocka_unit_test(test_threaded_large_input_matches_inline),
      cmocka_unit_test(test_threaded_error_midway_matches_inline),
      cmocka_unit_test(test_threaded_read_error_is_passed_on),
      cmocka_unit_test(test_threaded_read_runs_on_one_other_thread),
      cmocka_unit_test(test_threaded_free_midway_stops_the_thread),
      cmocka_unit_test(test_threaded_row_stays_until_next_call),
      cmocka_unit_test(test_threaded_memory_is_bounded),
      cmocka_unit_test(test_threaded_line_longer_than_limit_fails_early),
      cmocka_unit_test(test_threaded_allocation_failure_is_enomem),
      cmocka_unit_test(test_prepare_hurries_only_while_awaited),
      cmocka_unit_test(test_threaded_records_around_64_kib),
      cmocka_unit_test(test_fast_path_matches_byte_machine),
      cmocka_unit_test(test_prepare_runs_on_the_readers_thread),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
