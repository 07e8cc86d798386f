/*
 * workbook.c: a partner's file as records, whether CSV text or an .xlsx.
 *
 * parse() reads the first four bytes: a zip's signature means an .xlsx
 * (a zip holding a workbook; dahub/xlsx.h checks the rest), whatever the
 * file is called, as partners rename files and Excel saves what it likes.
 * Anything else is text for the CSV reader, which gets those four bytes
 * back first.
 *
 * An .xlsx is read whole (libzip needs a zip's directory, at its end),
 * up to 64 MiB compressed; its sheet streams a row at a time through the
 * XLSX reader, whose limits guard against zip bombs and hostile XML. Each
 * row is handed on as a CSV record with the sheet's row number as its
 * line, so the layouts read both alike and errors name Excel's row and
 * column. Runs on parse()'s worker thread; the struct is parse()'s own.
 *
 * While a feed's shapes are tried, what the CSV reader pulls from the file
 * is also kept (the tape, at most 1 MiB: a shape's header must be within
 * it), so that the next shape, and then the one chosen, read the file from
 * its first byte; past the tape, reading goes on from the file itself. The
 * hub hashes each byte once, as it reads it. An .xlsx needs no tape: it is
 * in memory already, and each shape opens its own sheet from it.
 */
#include "workbook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/xlsx.h"

#define WORKBOOK_MAX (64u << 20)

struct workbook {
  struct dahub_xlsx *x; /* reading the head's data */
  const char **field;
  size_t *len, cap;
};

int workbook_head(struct head *h, struct dahub_error *err) {
  while (h->n < sizeof h->buf) {
    ssize_t got = h->in->read(h->in, h->buf + h->n, sizeof h->buf - h->n);

    if (got < 0)
      return dahub_error_set(err, (int)got, 0, 0, "the file cannot be read");
    if (got == 0)
      break;
    h->n += (size_t)got;
  }
  return 0;
}

int workbook_is_xlsx(const struct head *h) {
  return dahub_xlsx_sniff(h->buf, h->n);
}

ssize_t workbook_csv_read(void *arg, void *buf, size_t cap) {
  struct head *h = arg;
  size_t k = h->n - h->pos;
  ssize_t got;

  if (k == 0 && h->tape_pos < h->tape_len) {
    k = h->tape_len - h->tape_pos;
    if (k > cap)
      k = cap;
    memcpy(buf, h->tape + h->tape_pos, k);
    h->tape_pos += k;
    return (ssize_t)k;
  }
  if (k == 0 && !h->recording)
    return h->in->read(h->in, buf, cap);
  if (k == 0) {
    if (h->tape == NULL && (h->tape = malloc(WORKBOOK_TAPE_MAX)) == NULL)
      return -ENOMEM;
    if ((k = WORKBOOK_TAPE_MAX - h->tape_len) == 0) {
      h->tape_full = 1;
      return -EFBIG;
    }
    if ((got = h->in->read(h->in, h->tape + h->tape_len, k < cap ? k : cap)) <=
        0)
      return got;
    memcpy(buf, h->tape + h->tape_len, (size_t)got);
    h->tape_len += (size_t)got;
    h->tape_pos = h->tape_len;
    return got;
  }
  if (k > cap)
    k = cap;
  memcpy(buf, h->buf + h->pos, k);
  h->pos += k;
  return (ssize_t)k;
}

void workbook_rewind(struct head *h, int recording) {
  h->pos = 0;
  h->tape_pos = 0;
  h->tape_full = 0;
  h->recording = recording;
}

void workbook_head_free(struct head *h) {
  free(h->tape);
  free(h->data);
  h->tape = NULL;
  h->data = NULL;
}

/* The whole file: the head's bytes, then the rest. */
static int slurp(struct head *h, struct dahub_error *err) {
  size_t cap = 1u << 16, n = h->n;
  ssize_t got = 0;
  char *q;

  if ((h->data = malloc(cap)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  memcpy(h->data, h->buf, h->n);
  for (;;) {
    if (n == cap) {
      if (cap >= WORKBOOK_MAX)
        return dahub_error_set(err, -EMSGSIZE, 0, 0,
                               "the workbook is larger than %u MiB",
                               WORKBOOK_MAX >> 20);
      if ((q = realloc(h->data, cap * 2)) == NULL)
        return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
      h->data = q;
      cap *= 2;
    }
    if ((got = h->in->read(h->in, h->data + n, cap - n)) <= 0)
      break;
    n += (size_t)got;
  }
  if (got < 0)
    return dahub_error_set(err, (int)got, 0, 0, "the file cannot be read");
  h->len = n;
  return 0;
}

int workbook_open(struct head *h, const struct mapping *m,
                  struct workbook **out, struct dahub_error *err) {
  struct dahub_xlsx_options opt;
  struct workbook *wb = calloc(1, sizeof *wb);
  int rc = 0;

  *out = NULL;
  if (wb == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  if (h->data == NULL && (rc = slurp(h, err)) != 0) {
    free(h->data); /* read again, and fail again, by the next shape */
    h->data = NULL;
    goto out;
  }
  dahub_xlsx_options_init(&opt);
  opt.sheet = m->sheet;
  if (m->sheet_number != 0)
    opt.sheet_number = m->sheet_number;
  if (h->in->max_line_bytes != 0)
    opt.max_row_bytes = h->in->max_line_bytes;
  /* the feed's own bound: the table is held whole while the sheet is read */
  opt.max_shared = (uint32_t)(m->max_shared_mib << 20);
  if ((rc = dahub_xlsx_open(&opt, h->data, h->len, &wb->x, err)) != 0) {
    if (rc == -EMSGSIZE && strncmp(err->msg, "shared strings", 14) == 0)
      (void)snprintf(
          err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
          " (the feed's \"max_shared_mib\": %u)", (unsigned)m->max_shared_mib);
    goto out;
  }
  *out = wb;
  wb = NULL; /* the caller's now */
out:
  workbook_free(wb);
  return rc;
}

int workbook_next(struct workbook *wb, struct dahub_csv_row *row,
                  struct dahub_error *err) {
  struct dahub_xlsx_row xr;
  size_t n;
  int rc = dahub_xlsx_next(wb->x, &xr, err);

  if (rc != 1)
    return rc;
  n = xr.n > 0 ? xr.n : 1;
  if (n > wb->cap) {
    const char **f = realloc(wb->field, n * sizeof *f);
    size_t *l;

    if (f == NULL)
      return dahub_error_set(err, -ENOMEM, xr.row, 0, "out of memory");
    wb->field = f;
    if ((l = realloc(wb->len, n * sizeof *l)) == NULL)
      return dahub_error_set(err, -ENOMEM, xr.row, 0, "out of memory");
    wb->len = l;
    wb->cap = n;
  }
  wb->field[0] = "";
  wb->len[0] = 0;
  for (size_t i = 0; i < xr.n; i++) {
    wb->field[i] = xr.cell[i].text;
    wb->len[i] = xr.cell[i].len;
  }
  memset(row, 0, sizeof *row);
  row->line = xr.row;
  row->n = n;
  row->field = wb->field;
  row->len = wb->len;
  return 1;
}

const char *workbook_sheet(const struct workbook *wb) {
  return dahub_xlsx_sheet_name(wb->x);
}

void workbook_free(struct workbook *wb) {
  if (wb == NULL)
    return;
  dahub_xlsx_free(wb->x);
  free(wb->field);
  free(wb->len);
  free(wb);
}
