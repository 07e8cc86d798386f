/*
 * xlsx.c: the XLSX reader's surface (dahub/xlsx.h): options, open, rows.
 *
 * Open checks the options, opens the zip (xlsx_zip.c), reads the workbook's
 * small parts (xlsx_book.c) and starts the sheet's stream (xlsx_sheet.c).
 * After an error the reader keeps it and returns it again, so a caller that
 * calls once more gets the same answer, never a half-read row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "xlsx_int.h"

#define XLSX_MAX_ROW 1048576u

void dahub_xlsx_options_init(struct dahub_xlsx_options *o) {
  memset(o, 0, sizeof *o);
  o->sheet_number = 1;
  o->max_entries = 1000;
  o->max_expanded = DAHUB_XLSX_DEFAULT_MAX_EXPANDED;
  o->max_ratio = 200;
  o->max_shared = DAHUB_XLSX_DEFAULT_MAX_SHARED;
  o->max_columns = 4096;
  o->max_row_bytes = 1u << 20;
  o->max_depth = 64;
  o->max_merges = 10000;
}

int dahub_xlsx_sniff(const void *head, size_t len) {
  /* A local file header: every zip that is not empty starts with one. */
  return len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
}

static int check_options(const struct dahub_xlsx_options *o,
                         struct dahub_error *err) {
  const char *bad = NULL;

  if (o->max_entries == 0)
    bad = "max_entries";
  else if (o->max_expanded == 0)
    bad = "max_expanded";
  else if (o->max_ratio == 0)
    bad = "max_ratio";
  else if (o->max_columns == 0 || o->max_columns > DAHUB_XLSX_MAX_COLUMNS)
    bad = "max_columns";
  else if (o->max_row_bytes == 0 || o->max_row_bytes > (1u << 30))
    bad = "max_row_bytes";
  else if (o->max_depth < 8) /* a sheet's cells are 5 deep */
    bad = "max_depth";
  if (bad != NULL)
    return dahub_error_set(err, -EINVAL, 0, 0,
                           "xlsx: option %s is out of "
                           "range",
                           bad);
  return 0;
}

int dahub_xlsx_open(const struct dahub_xlsx_options *opt, const void *data,
                    size_t len, struct dahub_xlsx **out,
                    struct dahub_error *err) {
  struct dahub_xlsx *x = NULL;
  int rc;

  *out = NULL;
  if ((rc = check_options(opt, err)) != 0)
    goto out;
  if ((x = calloc(1, sizeof *x)) == NULL) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
    goto out;
  }
  x->opt = *opt;
  x->opt.sheet = NULL; /* borrowed only during open */
  if (x->opt.sheet_number == 0)
    x->opt.sheet_number = 1;
  /* An .xls, or an .xlsx with a password (Excel encrypts it into the same
   * OLE container), is what a data lead most often sends by mistake. */
  if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "not an xlsx: an old .xls workbook, or one with a "
                         "password; save it as .xlsx without a password");
    goto out;
  }
  if (!dahub_xlsx_sniff(data, len)) {
    rc = dahub_error_set(err, -EILSEQ, 0, 0,
                         "not an xlsx: the file is not a zip");
    goto out;
  }
  if ((rc = xlsx_zip_open(x, data, len, err)) != 0)
    goto out;
  x->opt.sheet = opt->sheet;
  rc = xlsx_book_read(x, err);
  x->opt.sheet = NULL;
  if (rc != 0)
    goto out;
  x->held = (uint64_t)x->sst.len + x->sst.n * sizeof *x->sst.off;
  if ((rc = xlsx_sheet_open(x, err)) != 0)
    goto out;
  *out = x;
  x = NULL; /* the caller's now */
out:
  dahub_xlsx_free(x);
  return rc;
}

int xlsx_parse_ref(const char *s, uint32_t *col, uint32_t *row) {
  uint32_t c = 0, r = 0;
  const char *p = s;

  for (; *p >= 'A' && *p <= 'Z' && p - s < 3; p++)
    c = c * 26 + (uint32_t)(*p - 'A' + 1);
  if (p == s || c > DAHUB_XLSX_MAX_COLUMNS)
    return -1;
  for (; *p >= '0' && *p <= '9' && r <= XLSX_MAX_ROW; p++)
    r = r * 10 + (uint32_t)(*p - '0');
  if (*p != '\0' || r > XLSX_MAX_ROW)
    return -1;
  *col = c;
  *row = r;
  return 0;
}

void dahub_xlsx_locate(struct dahub_error *e, const char *sheet) {
  char ref[16], msg[sizeof e->msg + 128];

  if (e == NULL || sheet == NULL || sheet[0] == '\0' || e->line == 0 ||
      strncmp(e->msg, "sheet \"", 7) == 0)
    return;
  if (e->col > 0) {
    dahub_xlsx_ref(ref, sizeof ref, e->line, e->col);
    (void)snprintf(msg, sizeof msg, "sheet \"%.80s\" cell %s: %s", sheet, ref,
                   e->msg);
  } else {
    (void)snprintf(msg, sizeof msg, "sheet \"%.80s\" row %u: %s", sheet,
                   (unsigned)e->line, e->msg);
  }
  dahub_error_copy(e->msg, sizeof e->msg, msg);
}

int dahub_xlsx_parse_a1(const char *s, uint32_t *row, uint32_t *col) {
  char ref[16];
  size_t n = 0;
  uint32_t r, c;

  /* "$" marks an absolute reference in a formula: the same cell here */
  for (; *s != '\0'; s++) {
    if (*s == '$')
      continue;
    if (n + 1 >= sizeof ref)
      return -EINVAL;
    ref[n++] = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
  }
  ref[n] = '\0';
  if (xlsx_parse_ref(ref, &c, &r) != 0 || r == 0)
    return -EINVAL;
  *row = r;
  *col = c;
  return 0;
}

void dahub_xlsx_ref(char *buf, size_t cap, uint32_t row, uint32_t col) {
  char letters[8] = {0}; /* col 0 writes none: cppcheck wants it set */
  size_t n = 0;

  while (col > 0 && n < sizeof letters) {
    letters[n++] = (char)('A' + (col - 1) % 26);
    col = (col - 1) / 26;
  }
  for (size_t i = 0; i < n / 2; i++) {
    char c = letters[i];

    letters[i] = letters[n - 1 - i];
    letters[n - 1 - i] = c;
  }
  snprintf(buf, cap, "%.*s%u", (int)n, letters, row);
}

static int hex4(const char *s, unsigned *cp) {
  *cp = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                 : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                 : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                        : 16u;

    if (d == 16)
      return 0;
    *cp = *cp * 16 + d;
  }
  return 1;
}

/* Excel writes a character XML cannot hold (a control character such as
 * the CR of a line break) as _xHHHH_, and a literal "_x" as _x005F_x. NUL
 * and lone surrogates become U+FFFD, so the text stays NUL-free UTF-8.
 * Every escape is 7 bytes and its character at most 3, so it shrinks. */
size_t xlsx_unescape(char *s, size_t len) {
  const char *u = memchr(s, '_', len);
  size_t i, o;
  unsigned cp;

  if (u == NULL)
    return len;
  for (i = o = (size_t)(u - s); i < len;) {
    if (s[i] != '_' || len - i < 7 || s[i + 1] != 'x' || s[i + 6] != '_' ||
        !hex4(s + i + 2, &cp)) {
      s[o++] = s[i++];
      continue;
    }
    i += 7;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
      cp = 0xFFFD;
    if (cp < 0x80)
      s[o++] = (char)cp;
    else if (cp < 0x800) {
      s[o++] = (char)(0xC0 | cp >> 6);
      s[o++] = (char)(0x80 | (cp & 0x3F));
    } else {
      s[o++] = (char)(0xE0 | cp >> 12);
      s[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
      s[o++] = (char)(0x80 | (cp & 0x3F));
    }
  }
  return o;
}

const char *dahub_xlsx_sheet_name(const struct dahub_xlsx *x) {
  return x->sheet_name;
}

int dahub_xlsx_next(struct dahub_xlsx *x, struct dahub_xlsx_row *row,
                    struct dahub_error *err) {
  int rc;

  if (x->failed) {
    if (err != NULL)
      *err = x->failed_err;
    return x->failed;
  }
  rc = xlsx_sheet_next(x, row, &x->failed_err);
  if (rc < 0) {
    x->failed = rc;
    if (err != NULL)
      *err = x->failed_err;
  }
  return rc;
}

void dahub_xlsx_free(struct dahub_xlsx *x) {
  if (x == NULL)
    return;
  xlsx_sheet_free(x->sheet);
  xlsx_book_free(x);
  if (x->za != NULL)
    zip_discard(x->za); /* read-only: nothing to write back */
  free(x);
}
