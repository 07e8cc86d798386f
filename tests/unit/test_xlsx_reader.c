/*
 * test_xlsx_reader.c: the XLSX reader against workbooks openpyxl made.
 *
 * tests/unit/xlsx/make_xlsx.py writes the workbooks into the folder named
 * by DAHUB_XLSX_FIXTURES (a ctest fixture runs it first). Rows are
 * flattened to "row:type:text|type:text..." (types b n t B e d: blank,
 * number, text, bool, error, date) so a test states a row at once. The
 * hostile files must fail with a clear error, at open or at the first row,
 * and the large sheet must stream in bounded memory.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dahub/xlsx.h"

struct book {
  char *data;
  size_t len;
  struct dahub_xlsx *x;
  struct dahub_error err;
  char line[4096];
};

static void load(struct book *b, const char *name) {
  const char *dir = getenv("DAHUB_XLSX_FIXTURES");
  char path[512];
  FILE *f;
  long n;

  assert_non_null(dir);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  assert_true(n >= 0);
  rewind(f);
  b->data = malloc((size_t)n + 1);
  assert_non_null(b->data);
  assert_int_equal(fread(b->data, 1, (size_t)n, f), (size_t)n);
  b->len = (size_t)n;
  fclose(f);
}

/* Opens name with opt (NULL: the defaults); returns open's code. */
static int open_book(struct book *b, const char *name,
                     const struct dahub_xlsx_options *opt) {
  struct dahub_xlsx_options def;

  memset(b, 0, sizeof *b);
  if (opt == NULL) {
    dahub_xlsx_options_init(&def);
    opt = &def;
  }
  load(b, name);
  return dahub_xlsx_open(opt, b->data, b->len, &b->x, &b->err);
}

static void close_book(struct book *b) {
  dahub_xlsx_free(b->x);
  free(b->data);
}

/* The next row flattened into b->line; returns next's code. */
static int next_line(struct book *b) {
  struct dahub_xlsx_row row;
  size_t used;
  int rc = dahub_xlsx_next(b->x, &row, &b->err);

  b->line[0] = '\0';
  if (rc != 1)
    return rc;
  used = (size_t)snprintf(b->line, sizeof b->line, "%u:", row.row);
  for (size_t i = 0; i < row.n && used < sizeof b->line; i++) {
    assert_int_equal(strlen(row.cell[i].text), row.cell[i].len);
    used += (size_t)snprintf(b->line + used, sizeof b->line - used, "%s%c:%s",
                             i > 0 ? "|" : "", "bntBed"[row.cell[i].type],
                             row.cell[i].text);
  }
  return rc;
}

static void expect_rows(struct book *b, const char *const *rows) {
  for (size_t i = 0; rows[i] != NULL; i++) {
    assert_int_equal(next_line(b), 1);
    assert_string_equal(b->line, rows[i]);
  }
  assert_int_equal(next_line(b), 0);
}

static void test_every_value_type_by_sheet_name(void **state) {
  static const char *const rows[] = {
      "1:t:Area|t:Contacts|t:Rate|t:Open|t:Status|t:Date|t:US date",
      "2:t:E07000130|n:31|n:0.25|B:TRUE|e:#N/A|d:2024-04-01|d:2024-06-30",
      "3:t:E07000129|n:0|n:-1.5|B:FALSE|b:|d:2024-05-02T09:30:00",
      "5:t:after a gap|b:|b:|n:12",
      "7:t:Charnwood|t:Charnwood|t:Charnwood|b:|n:5",
      "8:t:Charnwood|t:Charnwood|t:Charnwood",
      NULL};
  struct dahub_xlsx_options opt;
  struct book b;

  (void)state;
  dahub_xlsx_options_init(&opt);
  opt.sheet = "q1 RETURN"; /* Excel's sheet names ignore case */
  assert_int_equal(open_book(&b, "values.xlsx", &opt), 0);
  assert_string_equal(dahub_xlsx_sheet_name(b.x), "Q1 return");
  expect_rows(&b, rows);
  close_book(&b);
}

static void test_sheet_by_number(void **state) {
  struct dahub_xlsx_options opt;
  struct book b;

  (void)state;
  dahub_xlsx_options_init(&opt);
  assert_int_equal(open_book(&b, "values.xlsx", &opt), 0);
  assert_string_equal(dahub_xlsx_sheet_name(b.x), "Cover");
  assert_int_equal(next_line(&b), 1);
  assert_string_equal(b.line, "1:t:Synthetic return for tests");
  close_book(&b);
  opt.sheet_number = 2;
  assert_int_equal(open_book(&b, "values.xlsx", &opt), 0);
  assert_string_equal(dahub_xlsx_sheet_name(b.x), "Q1 return");
  close_book(&b);
}

static void test_workbook_found_by_relationships(void **state) {
  struct dahub_xlsx_options opt;
  struct book b;

  (void)state;
  dahub_xlsx_options_init(&opt);
  opt.sheet_number = 2;
  assert_int_equal(open_book(&b, "moved.xlsx", &opt), 0);
  assert_string_equal(dahub_xlsx_sheet_name(b.x), "Q1 return");
  assert_int_equal(next_line(&b), 1);
  assert_string_equal(
      b.line, "1:t:Area|t:Contacts|t:Rate|t:Open|t:Status|t:Date|t:US date");
  assert_int_equal(next_line(&b), 1);
  assert_string_equal(
      b.line,
      "2:t:E07000130|n:31|n:0.25|B:TRUE|e:#N/A|d:2024-04-01|d:2024-06-30");
  close_book(&b);
}

static void test_missing_sheet_lists_the_sheets(void **state) {
  struct dahub_xlsx_options opt;
  struct book b;

  (void)state;
  dahub_xlsx_options_init(&opt);
  opt.sheet = "Q2 return";
  assert_int_equal(open_book(&b, "values.xlsx", &opt), -ENOENT);
  assert_null(b.x);
  assert_non_null(strstr(b.err.msg, "no sheet named \"Q2 return\""));
  assert_non_null(strstr(b.err.msg, "\"Cover\", \"Q1 return\""));
  close_book(&b);
  opt.sheet = NULL;
  opt.sheet_number = 4;
  assert_int_equal(open_book(&b, "values.xlsx", &opt), -ENOENT);
  assert_non_null(strstr(b.err.msg, "no sheet 4; the workbook has 3"));
  close_book(&b);
}

static void test_shared_rich_inline_formula_and_no_r(void **state) {
  static const char *const rows[] = {
      /* plain, rich-text runs joined, phonetic hint left out, entities */
      "1:t:Blaby|t:Harborough District|t:Melton|t:caf\xc3\xa9 & more",
      /* inline runs; cached formula values; a formula never calculated */
      "2:t:North West|n:42|t:ab|b:|e:#DIV/0!|B:TRUE|"
      /* Excel's escapes: a CR, a literal _x0041_, NUL made U+FFFD */
      "t:line\rbreak _x0041_ \xef\xbf\xbd|t:tab\there",
      /* cells without r follow the cell before them */
      "4:n:1|n:2|b:|b:|n:5|n:6",
      "5:n:7", /* a row without r follows the row before */
      NULL};
  struct book b;

  (void)state;
  assert_int_equal(open_book(&b, "shared.xlsx", NULL), 0);
  expect_rows(&b, rows);
  close_book(&b);
}

static void test_merged_range_fills_rows_left_out(void **state) {
  static const char *const rows[] = {"2:b:|t:Rutland|t:Rutland",
                                     "3:b:|t:Rutland|t:Rutland",
                                     "4:b:|t:Rutland|t:Rutland", "5:n:9", NULL};
  struct book b;

  (void)state;
  assert_int_equal(open_book(&b, "merge-gap.xlsx", NULL), 0);
  expect_rows(&b, rows);
  close_book(&b);
}

static void test_dates_1900_and_formats(void **state) {
  static const char *const rows[] = {
      "1:d:1900-01-01|d:2024-04-01",     /* dd/mm/yyyy */
      "2:d:1900-02-28|d:2024-04-01",     /* [h]:mm, elapsed time */
      "3:d:1900-02-29|n:45383",          /* Lotus's day; "Day "0 is text */
      "4:d:1900-03-01|n:45383",          /* 0.00 */
      "5:d:2024-04-01|n:45383",          /* [Red]0 */
      "6:d:12:00:00|d:2024-04-01",       /* a time alone; yyyy-mm-dd;@ */
      "7:d:2024-04-01T18:00:00|n:45383", /* General */
      "8:b:|n:45383",                    /* \d0: an escaped d */
      "9:b:|d:2024-04-01",               /* [$-809]d mmmm yyyy */
      NULL};
  struct book b;

  (void)state;
  assert_int_equal(open_book(&b, "dates1900.xlsx", NULL), 0);
  expect_rows(&b, rows);
  close_book(&b);
}

static void test_dates_1904(void **state) {
  static const char *const rows[] = {"1:d:2024-04-01", "2:d:1904-01-01",
                                     "3:d:1904-01-02", NULL};
  struct book b;

  (void)state;
  assert_int_equal(open_book(&b, "dates1904.xlsx", NULL), 0);
  expect_rows(&b, rows);
  close_book(&b);
}

/* Opens name, reads to the first error; checks code, message and cell. */
static void expect_failure(const char *name,
                           const struct dahub_xlsx_options *opt, int at_open,
                           int code, const char *msg, uint32_t line,
                           uint32_t col) {
  struct dahub_error again;
  struct dahub_xlsx_row row;
  struct book b;
  int rc = open_book(&b, name, opt);

  if (at_open) {
    assert_int_equal(rc, code);
    assert_null(b.x);
  } else {
    assert_int_equal(rc, 0);
    while ((rc = next_line(&b)) == 1)
      ;
    assert_int_equal(rc, code);
    /* the same answer again, never a half-read row */
    assert_int_equal(dahub_xlsx_next(b.x, &row, &again), code);
    assert_string_equal(again.msg, b.err.msg);
  }
  if (strstr(b.err.msg, msg) == NULL)
    fail_msg("\"%s\" does not say \"%s\"", b.err.msg, msg);
  assert_int_equal(b.err.line, line);
  assert_int_equal(b.err.col, col);
  close_book(&b);
}

static void test_bad_cells_name_sheet_and_cell(void **state) {
  (void)state;
  expect_failure("bad-shared.xlsx", NULL, 0, -EILSEQ,
                 "sheet \"Data\" cell B1: shared string \"9\" does not exist "
                 "(the workbook has 5)",
                 1, 2);
  expect_failure("bad-number.xlsx", NULL, 0, -EILSEQ,
                 "sheet \"Data\" cell B1: a number cell holds no number", 1, 2);
  /* well-formed, but it would hand row 2 out twice */
  expect_failure("bad-nesting.xlsx", NULL, 0, -EILSEQ,
                 "sheet \"Data\": a row inside row 1", 1, 0);
  expect_failure("bad-order.xlsx", NULL, 0, -EILSEQ,
                 "sheet \"Data\": row \"2\" after row 3", 3, 0);
}

static void test_a_chart_is_not_a_sheet(void **state) {
  struct dahub_xlsx_options opt;

  (void)state;
  dahub_xlsx_options_init(&opt);
  opt.sheet = "Chart";
  expect_failure("values.xlsx", &opt, 1, -EILSEQ,
                 "sheet \"Chart\" is a chart or a dialog, not a sheet of cells",
                 0, 0);
}

static void test_not_an_xlsx(void **state) {
  (void)state;
  expect_failure("notzip.xlsx", NULL, 1, -EILSEQ,
                 "not an xlsx: the file is not a zip", 0, 0);
  expect_failure("ole.xlsx", NULL, 1, -EILSEQ,
                 "an old .xls workbook, or one with a password", 0, 0);
  expect_failure("noworkbook.xlsx", NULL, 1, -EILSEQ,
                 "not an xlsx: the zip holds no workbook", 0, 0);
}

static void test_zip_bomb_fails_at_open(void **state) {
  struct dahub_xlsx_options opt;

  (void)state;
  expect_failure("bomb.xlsx", NULL, 1, -EMSGSIZE,
                 "sheet \"Evil\": expands 1028 times, beyond the limit of 200 "
                 "(a zip bomb?)",
                 0, 0);
  /* with room for the ratio, the size still gives it away */
  dahub_xlsx_options_init(&opt);
  opt.max_ratio = 2000;
  expect_failure(
      "bomb.xlsx", &opt, 1, -EMSGSIZE,
      "sheet \"Evil\": expands to 1073741936 bytes, beyond the limit "
      "of 134217728 bytes",
      0, 0);
}

static void test_zip_that_lies_about_its_size(void **state) {
  (void)state;
  expect_failure("liar.xlsx", NULL, 1, -EMSGSIZE,
                 "sheet \"Evil\": inflates to more than the 1000 bytes its zip "
                 "entry declares",
                 0, 0);
}

static void test_too_many_entries(void **state) {
  (void)state;
  expect_failure("entries.xlsx", NULL, 1, -EMSGSIZE,
                 "the zip holds 2009 files, beyond the limit of 1000", 0, 0);
}

static void test_billion_laughs_is_refused(void **state) {
  (void)state;
  expect_failure("laughs.xlsx", NULL, 0, -EILSEQ,
                 "sheet \"Evil\": a DOCTYPE at line 1 (refused", 0, 0);
}

static void test_deep_xml_is_refused(void **state) {
  (void)state;
  expect_failure("deep.xlsx", NULL, 0, -EMSGSIZE,
                 "XML nested deeper than 64 elements", 0, 0);
}

static void test_16384_columns(void **state) {
  struct dahub_xlsx_options opt;
  struct dahub_xlsx_row row;
  struct book b;

  (void)state;
  expect_failure("wide.xlsx", NULL, 0, -EMSGSIZE,
                 "sheet \"Wide\" cell FAO1: column 4097 is beyond the limit "
                 "of 4096 columns",
                 1, 4097);
  /* read whole when the feed allows as many as Excel has */
  dahub_xlsx_options_init(&opt);
  opt.max_columns = DAHUB_XLSX_MAX_COLUMNS;
  assert_int_equal(open_book(&b, "wide.xlsx", &opt), 0);
  assert_int_equal(dahub_xlsx_next(b.x, &row, &b.err), 1);
  assert_int_equal(row.n, 16384);
  assert_string_equal(row.cell[16383].text, "16384");
  close_book(&b);
}

static void test_large_sheet_refused_then_streamed(void **state) {
  struct dahub_xlsx_options opt;
  struct dahub_xlsx_row row;
  struct book b;
  size_t peak = 0;
  int rc;

  (void)state;
  expect_failure("large.xlsx", NULL, 1, -EMSGSIZE,
                 "beyond the limit of 134217728 bytes", 0, 0);
  /* allowed, it streams: the heap stays small while 200 MB go by */
  dahub_xlsx_options_init(&opt);
  opt.max_expanded = 256u << 20;
  assert_int_equal(open_book(&b, "large.xlsx", &opt), 0);
  for (uint32_t n = 1; (rc = dahub_xlsx_next(b.x, &row, &b.err)) == 1; n++) {
    assert_int_equal(row.row, n);
    if (n % 4096 == 0) {
      struct mallinfo2 mi = mallinfo2();

      if (mi.uordblks + mi.hblkhd > peak)
        peak = mi.uordblks + mi.hblkhd;
    }
  }
  assert_int_equal(rc, 0);
  /* the file itself (42 MB, read whole) plus a few MiB */
  assert_true(peak < b.len + (8u << 20));
  close_book(&b);
}

static void test_limits_of_text(void **state) {
  struct dahub_xlsx_options opt;

  (void)state;
  dahub_xlsx_options_init(&opt);
  opt.max_shared = 40;
  expect_failure("shared.xlsx", &opt, 1, -EMSGSIZE,
                 "shared strings: more than 40 bytes", 0, 0);
  dahub_xlsx_options_init(&opt);
  opt.max_row_bytes = 20;
  opt.sheet_number = 2;
  expect_failure("values.xlsx", &opt, 0, -EMSGSIZE,
                 "sheet \"Q1 return\" cell D1: row 1 holds more than 20 bytes",
                 1, 4);
  dahub_xlsx_options_init(&opt);
  opt.max_merges = 0;
  opt.sheet_number = 2;
  expect_failure("values.xlsx", &opt, 1, -EMSGSIZE, "more than 0 merged ranges",
                 0, 0);
}

static void test_refs_and_sniff(void **state) {
  char ref[16];

  (void)state;
  dahub_xlsx_ref(ref, sizeof ref, 1, 16384);
  assert_string_equal(ref, "XFD1");
  dahub_xlsx_ref(ref, sizeof ref, 7, 27);
  assert_string_equal(ref, "AA7");
  assert_true(dahub_xlsx_sniff("PK\x03\x04rest", 8));
  assert_false(dahub_xlsx_sniff("Area,Contacts", 13));
  assert_false(dahub_xlsx_sniff("PK", 2));
}

/* A1 references as an officer writes them in a mapping. */
static void test_a1_as_written(void **state) {
  static const char *const bad[] = {"",     "B",   "2",   "2B",       "B0",
                                    "XFE1", "B2C", "B 2", "B1048577", "$$$"};
  uint32_t row = 0, col = 0;
  size_t i;

  (void)state;
  assert_int_equal(dahub_xlsx_parse_a1("B2", &row, &col), 0);
  assert_true(row == 2 && col == 2);
  assert_int_equal(dahub_xlsx_parse_a1("$xfd$1048576", &row, &col), 0);
  assert_true(row == 1048576 && col == 16384);
  for (i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(dahub_xlsx_parse_a1(bad[i], &row, &col), -EINVAL);
}

/* What the hub puts before an error about a cell of a sheet. */
static void test_locate_names_sheet_and_cell(void **state) {
  struct dahub_error e = {0};

  (void)state;
  (void)dahub_error_set(&e, -EINVAL, 4, 4, "Gender: not a number");
  dahub_xlsx_locate(&e, "Q1 return");
  assert_string_equal(e.msg, "sheet \"Q1 return\" cell D4: Gender: not a "
                             "number");
  dahub_xlsx_locate(&e, "Q1 return"); /* named once */
  assert_string_equal(e.msg, "sheet \"Q1 return\" cell D4: Gender: not a "
                             "number");
  (void)dahub_error_set(&e, -EINVAL, 7, 0, "too many rows");
  dahub_xlsx_locate(&e, "Q1 return");
  assert_string_equal(e.msg, "sheet \"Q1 return\" row 7: too many rows");
  (void)dahub_error_set(&e, -EINVAL, 0, 0, "no header");
  dahub_xlsx_locate(&e, "Q1 return");
  assert_string_equal(e.msg, "no header");
  dahub_xlsx_locate(&e, "");
  assert_string_equal(e.msg, "no header");
  /* a long message is cut where a character ends: here the prefix pushes
   * an "é" across the last byte kept */
  memset(e.msg, 'x', sizeof e.msg - 1);
  e.msg[sizeof e.msg - 1] = '\0';
  memcpy(e.msg + 227, "\xC3\xA9", 2); /* after a 27-byte prefix */
  e.line = 2;
  e.col = 1;
  dahub_xlsx_locate(&e, "Q1 return");
  assert_int_equal(strlen(e.msg), sizeof e.msg - 2);
  assert_true(strncmp(e.msg, "sheet \"Q1 return\" cell A2: xxx", 30) == 0);
  assert_int_equal(e.msg[sizeof e.msg - 3], 'x');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a1_as_written),
      cmocka_unit_test(test_locate_names_sheet_and_cell),
      cmocka_unit_test(test_every_value_type_by_sheet_name),
      cmocka_unit_test(test_sheet_by_number),
      cmocka_unit_test(test_workbook_found_by_relationships),
      cmocka_unit_test(test_missing_sheet_lists_the_sheets),
      cmocka_unit_test(test_a_chart_is_not_a_sheet),
      cmocka_unit_test(test_shared_rich_inline_formula_and_no_r),
      cmocka_unit_test(test_merged_range_fills_rows_left_out),
      cmocka_unit_test(test_dates_1900_and_formats),
      cmocka_unit_test(test_dates_1904),
      cmocka_unit_test(test_bad_cells_name_sheet_and_cell),
      cmocka_unit_test(test_not_an_xlsx),
      cmocka_unit_test(test_zip_bomb_fails_at_open),
      cmocka_unit_test(test_zip_that_lies_about_its_size),
      cmocka_unit_test(test_too_many_entries),
      cmocka_unit_test(test_billion_laughs_is_refused),
      cmocka_unit_test(test_deep_xml_is_refused),
      cmocka_unit_test(test_16384_columns),
      cmocka_unit_test(test_large_sheet_refused_then_streamed),
      cmocka_unit_test(test_limits_of_text),
      cmocka_unit_test(test_refs_and_sniff),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
