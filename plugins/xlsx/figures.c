/*
 * figures.c: the xlsx sink's "Figures" sheet: one row per figure, then one
 * per rate, in the summary's own order, as the csv sink has them.
 *
 * A shown value is a number cell with a number format (thousands, and the
 * decimals the summary gives: money in pounds and pence, a rate to one
 * place), so it adds up and sorts in Excel. A value disclosure control hid
 * is the summary's confidential marker, the same for every hidden cell; a
 * partner's own suppression is [low] and a blank [x], as in the board pack;
 * the Note column says the same in words. The header row is frozen and
 * carries an autofilter over the whole table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "book.h"
#include "dahub/sink.h"

enum col {
  COL_PERIOD,
  COL_MEASURE,
  COL_PARTNER,
  COL_AREA_CODE,
  COL_AREA,
  COL_BREAKDOWN,
  COL_UNIT,
  COL_VALUE,
  COL_NOTE,
  COL_PREVIOUS,
  COL_PREVIOUS_CHANGE,
  COL_YEAR_AGO,
  COL_YEAR_AGO_CHANGE,
  N_COLS
};

/* The value cell's marker and the note's words for a figure with no value.
 * Only the summary's confidential marker says "confidential": which rule
 * hid a cell is not in the summary, and so not here. */
static void marker_words(const struct book *b, const char *m, const char **cell,
                         const char **words) {
  if (m != NULL && strcmp(m, b->marker) == 0) {
    *cell = b->marker;
    *words = "confidential";
  } else if (m != NULL && strcmp(m, "suppressed_at_source") == 0) {
    *cell = BOOK_LOW_MARKER;
    *words = "suppressed by the partner (a low figure)";
  } else if (m != NULL && strcmp(m, "not_computable") == 0) {
    *cell = BOOK_MISSING_MARKER;
    *words = "cannot be computed";
  } else if (m != NULL && strcmp(m, "overflow") == 0) {
    *cell = BOOK_MISSING_MARKER;
    *words = "too large to add up";
  } else {
    *cell = BOOK_MISSING_MARKER;
    *words = "not reported";
  }
}

static int write_header(struct book *b, lxw_worksheet *ws, struct widths *w) {
  const json_t *period = json_object_get(b->summary, "period");
  const char *prev = json_string_value(json_object_get(period, "previous"));
  const char *ago = json_string_value(json_object_get(period, "year_ago"));
  char prev_h[64], prev_c[64], ago_h[64], ago_c[64];
  const char *names[N_COLS] = {
      "Period", "Measure", "Partner", "Area code", "Area", "Breakdown", "Unit",
      "Value",  "Note",    prev_h,    prev_c,      ago_h,  ago_c};
  int rc = 0;

  (void)snprintf(prev_h, sizeof prev_h, "%s%s", prev ? prev : "Previous",
                 prev ? " (previous)" : " period");
  (void)snprintf(prev_c, sizeof prev_c, "Change on %s",
                 prev ? prev : "previous period");
  (void)snprintf(ago_h, sizeof ago_h, "%s%s", ago ? ago : "A year ago",
                 ago ? " (a year ago)" : "");
  (void)snprintf(ago_c, sizeof ago_c, "Change on %s", ago ? ago : "a year ago");
  for (int i = 0; rc == 0 && i < N_COLS; i++)
    rc = book_text(b, ws, w, 0, (lxw_col_t)i, names[i], b->header);
  return rc;
}

/* A comparison {"period", "value", "change"}: two number cells. */
static int write_comparison(struct book *b, lxw_worksheet *ws, struct widths *w,
                            lxw_row_t row, lxw_col_t col, const json_t *cmp) {
  int rc;

  if (cmp == NULL)
    return 0;
  rc = book_number(b, ws, w, row, col, json_object_get(cmp, "value"));
  if (rc >= 0)
    rc = book_number(b, ws, w, row, col + 1, json_object_get(cmp, "change"));
  return rc < 0 ? rc : 0;
}

static int write_row(struct book *b, lxw_worksheet *ws, struct widths *w,
                     lxw_row_t row, const char *period, const json_t *f,
                     const char *measure_key) {
  const char *source = json_string_value(json_object_get(f, "source_id"));
  const char *area = json_string_value(json_object_get(f, "area"));
  const char *cell = NULL, *words = NULL;
  char dims[512], note[160];
  int rc, shown;

  dahub_sink_dims_text(json_object_get(f, "dimensions"), "; ", dims,
                       sizeof dims);
  rc = book_text(b, ws, w, row, COL_PERIOD, period, NULL);
  if (rc == 0)
    rc = book_text(b, ws, w, row, COL_MEASURE,
                   json_string_value(json_object_get(f, measure_key)), NULL);
  if (rc == 0)
    rc = book_text(b, ws, w, row, COL_PARTNER,
                   source != NULL && strcmp(source, "all") == 0 ? "all partners"
                                                                : source,
                   NULL);
  if (rc == 0)
    rc = book_text(b, ws, w, row, COL_AREA_CODE, area, b->text);
  if (rc == 0)
    rc = book_text(b, ws, w, row, COL_AREA,
                   json_string_value(json_object_get(f, "area_name")), NULL);
  if (rc == 0)
    rc =
        book_text(b, ws, w, row, COL_BREAKDOWN, dims[0] ? dims : "total", NULL);
  if (rc == 0)
    rc = book_text(b, ws, w, row, COL_UNIT,
                   json_string_value(json_object_get(f, "unit")), NULL);
  if (rc != 0)
    return rc;
  shown = book_number(b, ws, w, row, COL_VALUE, json_object_get(f, "value"));
  if (shown < 0)
    return shown;
  if (shown) {
    (void)snprintf(note, sizeof note, "%s%s%s",
                   json_is_true(json_object_get(f, "partial")) ? "partial" : "",
                   json_is_true(json_object_get(f, "partial")) &&
                           json_is_true(json_object_get(f, "estimated"))
                       ? "; "
                       : "",
                   json_is_true(json_object_get(f, "estimated")) ? "estimated"
                                                                 : "");
    rc = book_text(b, ws, w, row, COL_NOTE, note, NULL);
  } else {
    marker_words(b, json_string_value(json_object_get(f, "marker")), &cell,
                 &words);
    rc = book_text(b, ws, w, row, COL_VALUE, cell, b->marker_cell);
    if (rc == 0)
      rc = book_text(b, ws, w, row, COL_NOTE, words, NULL);
  }
  if (rc == 0)
    rc = write_comparison(b, ws, w, row, COL_PREVIOUS,
                          json_object_get(f, "previous"));
  if (rc == 0)
    rc = write_comparison(b, ws, w, row, COL_YEAR_AGO,
                          json_object_get(f, "year_ago"));
  return rc;
}

int book_figures(struct book *b, struct dahub_error *err) {
  const char *period = json_string_value(
      json_object_get(json_object_get(b->summary, "period"), "id"));
  const char *const lists[] = {"figures", "rates"};
  const char *const keys[] = {"measure", "rate"};
  lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Figures");
  struct widths w;
  lxw_row_t row = 1;
  lxw_error e;
  int rc;

  memset(&w, 0, sizeof w);
  if (ws == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: cannot add a sheet");
  if ((rc = write_header(b, ws, &w)) != 0)
    return dahub_error_set(err, rc, 0, 0, "xlsx: cannot write the header");
  for (size_t k = 0; k < 2; k++) {
    const json_t *list = json_object_get(b->summary, lists[k]), *f;
    size_t i;

    json_array_foreach(list, i, f) {
      if (row >= LXW_ROW_MAX)
        return dahub_error_set(err, -EFBIG, 0, 0,
                               "xlsx: more figures than a sheet holds");
      if ((rc = write_row(b, ws, &w, row++, period, f, keys[k])) != 0)
        return dahub_error_set(err, rc, 0, 0, "xlsx: cannot write figure %zu",
                               i + 1);
    }
  }
  /* the header row stays in view, and filters every column */
  worksheet_freeze_panes(ws, 1, 0);
  if ((e = worksheet_autofilter(ws, 0, 0, row - 1, N_COLS - 1)) != LXW_NO_ERROR)
    return book_error(err, e, "autofilter");
  if (book_widths(ws, &w, N_COLS) != 0)
    return dahub_error_set(err, -EIO, 0, 0, "xlsx: cannot set column widths");
  return 0;
}
