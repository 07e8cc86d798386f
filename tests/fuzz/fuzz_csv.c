/*
 * fuzz_csv.c: the streaming CSV reader (hub/lib/csv.c).
 *
 * The first four bytes choose the options and how the input arrives; the
 * rest is the file:
 *   byte 0: bits 0-1 delimiter (',' ';' tab, or '|' which new() must
 *           refuse), bit 2 Windows-1252, bit 3 the read fails at the end
 *           instead of reporting it, bits 4-7 the largest chunk a read
 *           serves (2^n bytes; 15: as much as asked)
 *   byte 1: max_line_bytes = 4 * b + 1 (0: the 1 MiB default)
 *   byte 2: max_fields = b + 1 (0: the default)
 *   byte 3: bits 0-5 seed of the chunk sizes, bit 6 threaded mode, bit 7
 *           (with bit 6) its thread started at once, not after 64 KiB
 * Every record must be valid UTF-8 fields within the limits, with sane line
 * numbers; every error one of the documented codes, and sticky. Records
 * and errors must also be those of another reader of the same bytes, read
 * side by side: in threaded mode an inline one, and inline one that reads
 * every byte with the byte machine, without the fast path.
 */
#include <errno.h>
#include <string.h>

#include "../../hub/lib/csv_thread.h"
#include "dahub/csv_fast.h"
#include "fuzz.h"

#define READ_FAILS (-ENOTCONN) /* a code the reader itself never makes */

static void check_row(const struct dahub_csv_row *row,
                      const struct dahub_csv_options *o, uint32_t last_line,
                      uint32_t breaks) {
  size_t i, total = 0;

  fuzz_check(row->n >= 1 && row->n <= o->max_fields, "field count in range");
  fuzz_check(row->line >= 1 && row->line >= last_line,
             "line numbers start at 1 and never go back");
  fuzz_check(row->line <= breaks + 1, "line within the lines of the input");
  for (i = 0; i < row->n; i++) {
    fuzz_check(row->field[i] != NULL, "field pointer set");
    fuzz_check(row->field[i][row->len[i]] == '\0', "field NUL-terminated");
    fuzz_check(memchr(row->field[i], '\0', row->len[i]) == NULL,
               "no NUL inside a field");
    fuzz_check(
        fuzz_utf8_valid((const unsigned char *)row->field[i], row->len[i]),
        "field is valid UTF-8");
    total += row->len[i];
  }
  /* Each input byte becomes at most 3 bytes (Windows-1252). */
  fuzz_check(total <= (size_t)o->max_line_bytes * 3,
             "record within max_line_bytes");
}

/* The other reader's answer to the same call: the same code, record and
 * error. */
static void check_same(struct dahub_csv *ref, int rc,
                       const struct dahub_csv_row *row,
                       const struct dahub_error *err) {
  struct dahub_csv_row want;
  struct dahub_error werr;
  size_t i;

  memset(&werr, 0, sizeof werr);
  fuzz_check(dahub_csv_next(ref, &want, &werr) == rc,
             "the two readers return the same");
  if (rc < 0)
    fuzz_check(werr.line == err->line && werr.col == err->col &&
                   strcmp(werr.msg, err->msg) == 0,
               "the two readers fail alike");
  if (rc != 1)
    return;
  fuzz_check(want.line == row->line && want.n == row->n,
             "the two readers give the same records");
  for (i = 0; i < row->n; i++)
    fuzz_check(want.len[i] == row->len[i] &&
                   memcmp(want.field[i], row->field[i], row->len[i]) == 0,
               "the two readers give the same fields");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char delims[4] = {',', ';', '\t', '|'};
  struct dahub_csv_options o;
  struct dahub_csv_row row;
  struct dahub_error err;
  struct dahub_csv *r, *ref;
  struct fuzz_feed f, rf;
  uint32_t last_line = 1, breaks = 0;
  size_t rows = 0, i;
  int rc, threaded;

  if (size < 4)
    return 0;
  memset(&f, 0, sizeof f);
  f.data = data + 4;
  f.len = size - 4;
  f.max_chunk = (data[0] >> 4) == 15 ? 0 : (size_t)1 << (data[0] >> 4);
  f.seed = 0x9E3779B9u ^ (data[3] & 0x3Fu);
  f.fail_code = (data[0] & 8) != 0 ? READ_FAILS : 0;
  for (i = 0; i < f.len; i++)
    breaks += f.data[i] == '\n' || f.data[i] == '\r';

  dahub_csv_options_init(&o);
  o.delimiter = delims[data[0] & 3];
  o.encoding = (data[0] & 4) ? DAHUB_CSV_CP1252 : DAHUB_CSV_UTF8;
  if (data[1] != 0)
    o.max_line_bytes = 4u * data[1] + 1;
  if (data[2] != 0)
    o.max_fields = data[2] + 1u;
  threaded = (data[3] & 0x40) != 0;

  memset(&err, 0, sizeof err);
  rc = threaded ? dahub_csv_new_fast(&o, NULL, fuzz_feed_read, &f, &r, &err)
                : dahub_csv_new(&o, fuzz_feed_read, &f, &r, &err);
  if (o.delimiter == '|') {
    fuzz_check(rc == -EINVAL && r == NULL, "new() refuses a bad delimiter");
    return 0;
  }
  fuzz_check(rc == 0 && r != NULL, "new() takes good options");
  if (threaded && (data[3] & 0x80))
    csv_set_eager(r);
  rf = f;
  fuzz_check(dahub_csv_new(&o, fuzz_feed_read, &rf, &ref, &err) == 0,
             "new() takes good options");
  if (!threaded)
    csv_set_bytewise(ref);

  while ((rc = dahub_csv_next(r, &row, &err)) == 1) {
    check_same(ref, rc, &row, &err);
    check_row(&row, &o, last_line, breaks);
    last_line = row.line;
    fuzz_check(++rows <= f.len, "every record takes at least one byte");
  }
  check_same(ref, rc, &row, &err);
  if (rc == 0) {
    fuzz_check(f.fail_code == 0, "a failed read is reported");
    fuzz_check(dahub_csv_next(r, &row, &err) == 0, "the end stays the end");
  } else {
    fuzz_check(rc == -EILSEQ || rc == -EMSGSIZE || rc == READ_FAILS,
               "error is -EILSEQ, -EMSGSIZE or the read's code");
    fuzz_check(err.msg[0] != '\0', "an error has a message");
    fuzz_check(dahub_csv_next(r, &row, &err) == rc, "an error is sticky");
  }
  dahub_csv_free(r);
  dahub_csv_free(ref);
  return 0;
}
