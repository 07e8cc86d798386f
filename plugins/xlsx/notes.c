/*
 * notes.c: the xlsx sink's "Notes" sheet: what the figures are made of and
 * how to read them. The returns (the summary's completeness: received,
 * late, not yet due), what each marker means, what disclosure control did
 * (how many cells it hid, never which, nor by which rule), and data notes:
 * corrected returns, partial figures, cells partners left blank and the
 * warnings the returns came with (the summary's notes: where, and what,
 * never a cell's text nor a figure).
 *
 * Column A holds labels, the rest values, so the sheet reads top to bottom
 * as a page and still filters as a table where it is one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "book.h"
#include "dahub/sink.h"

#define NOTE_COLS 8

struct notes {
  struct book *b;
  lxw_worksheet *ws;
  struct widths w;
  lxw_row_t row;
  int rc;
};

static void text(struct notes *n, lxw_col_t col, const char *s,
                 lxw_format *fmt) {
  if (n->rc == 0)
    n->rc =
        book_text(n->b, n->ws, col == 0 ? NULL : &n->w, n->row, col, s, fmt);
}

static void number(struct notes *n, lxw_col_t col, const json_t *v) {
  if (n->rc == 0 && book_number(n->b, n->ws, &n->w, n->row, col, v) < 0)
    n->rc = -EIO;
}

static void count(struct notes *n, lxw_col_t col, size_t v) {
  json_t *j = json_integer((json_int_t)v);

  if (j == NULL && n->rc == 0)
    n->rc = -ENOMEM;
  number(n, col, j);
  json_decref(j);
}

/* A label and a sentence: the sentence runs on over the empty cells to
 * its right, so it does not widen the column of the tables above it. */
static void line(struct notes *n, const char *label, const char *value) {
  text(n, 0, label, NULL);
  if (n->rc == 0)
    n->rc = book_text(n->b, n->ws, NULL, n->row, 1, value, NULL);
  n->row++;
}

static void heading(struct notes *n, const char *s) {
  n->row++; /* a blank line before each part */
  text(n, 0, s, n->b->bold);
  n->row++;
}

static void cover(struct notes *n) {
  const json_t *p = json_object_get(n->b->summary, "period");
  const json_t *version = json_object_get(n->b->summary, "version");
  const char *start = json_string_value(json_object_get(p, "start"));
  const char *end = json_string_value(json_object_get(p, "end"));
  char buf[160];

  (void)snprintf(buf, sizeof buf, "Board summary, %s (%s to %s)",
                 json_string_value(json_object_get(p, "id")),
                 start != NULL ? start : "?", end != NULL ? end : "?");
  text(n, 0, buf, n->b->title);
  n->row += 2;
  if (json_is_integer(version)) {
    text(n, 0, "Version", NULL);
    number(n, 1, version);
    n->row++;
  }
  line(n, "Made",
       json_string_value(json_object_get(n->b->summary, "generated_at")));
  line(n, "Meeting",
       json_string_value(json_object_get(n->b->summary, "meeting")));
}

static void returns(struct notes *n) {
  static const char *const head[NOTE_COLS] = {
      "Return", "Partner",     "Status", "Last received",
      "Files",  "Corrections", "Due",    "Cells not usable"};
  const json_t *list = json_object_get(n->b->summary, "completeness"), *f;
  size_t i;

  heading(n, "Returns this summary is made of");
  for (int c = 0; c < NOTE_COLS; c++)
    text(n, (lxw_col_t)c, head[c], n->b->header);
  n->row++;
  json_array_foreach(list, i, f) {
    text(n, 0, json_string_value(json_object_get(f, "feed")), NULL);
    text(n, 1, json_string_value(json_object_get(f, "source_id")), NULL);
    text(n, 2,
         dahub_sink_status_words(
             json_string_value(json_object_get(f, "status"))),
         NULL);
    text(n, 3, json_string_value(json_object_get(f, "last_received")), NULL);
    number(n, 4, json_object_get(f, "ingests"));
    number(n, 5, json_object_get(f, "corrections"));
    text(n, 6, json_string_value(json_object_get(f, "due")), NULL);
    /* the cells its warnings name: "received, 1 cell not usable" */
    number(n, 7, json_object_get(f, "cells_not_usable"));
    n->row++;
  }
}

static void markers(struct notes *n) {
  const json_t *disc = json_object_get(n->b->summary, "disclosure");
  const json_t *threshold = json_object_get(disc, "threshold");
  char words[400];

  heading(n, "Markers");
  if (json_is_integer(threshold))
    (void)snprintf(words, sizeof words,
                   "Confidential: hidden by disclosure control, because the "
                   "figure is small (below %lld, or a higher threshold for "
                   "a small area) or because it would let a small figure be "
                   "worked out from the totals.",
                   (long long)json_integer_value(threshold));
  else
    (void)snprintf(words, sizeof words,
                   "Confidential: hidden by disclosure control.");
  line(n, n->b->marker, words);
  line(n, BOOK_LOW_MARKER,
       "Suppressed by the partner before the return was sent (a low "
       "figure).");
  line(n, BOOK_MISSING_MARKER,
       "Not reported: the partner left the cell blank, or it cannot be "
       "computed.");
  line(n, "partial", "The figure lacks a part that was not reported.");
  line(n, "Rates",
       "Rates and totals are computed only from figures that "
       "are shown.");
}

static void disclosure(struct notes *n) {
  const json_t *disc = json_object_get(n->b->summary, "disclosure");
  const json_t *areas = json_object_get(disc, "area_thresholds"), *v;
  const char *area;
  char label[96];

  heading(n, "Disclosure control");
  text(n, 0, "Threshold", NULL);
  number(n, 1, json_object_get(disc, "threshold"));
  n->row++;
  json_object_foreach((json_t *)areas, area, v) {
    (void)snprintf(label, sizeof label, "Threshold in %s", area);
    text(n, 0, label, NULL);
    number(n, 1, v);
    n->row++;
  }
  text(n, 0, "Confidential figures", NULL);
  number(n, 1, json_object_get(disc, "hidden_cells"));
  n->row++;
  text(n, 0, "Figures suppressed by partners", NULL);
  number(n, 1, json_object_get(disc, "suppressed_at_source"));
  n->row++;
}

static void data_notes(struct notes *n) {
  const json_t *list = json_object_get(n->b->summary, "completeness"), *f;
  size_t i, blank = 0, partial = 0, corrected = 0;
  char buf[512];
  size_t used = 0;

  heading(n, "Data notes");
  buf[0] = '\0';
  json_array_foreach(list, i, f) {
    int w;

    if (json_integer_value(json_object_get(f, "corrections")) <= 0)
      continue;
    w = snprintf(buf + used, sizeof buf - used, "%s%s", corrected++ ? ", " : "",
                 json_string_value(json_object_get(f, "feed")));
    if (w > 0 && (size_t)w < sizeof buf - used)
      used += (size_t)w;
  }
  line(n, "Corrected returns",
       corrected > 0 ? buf : "none: no return was corrected");
  json_array_foreach(json_object_get(n->b->summary, "figures"), i, f) {
    const char *m = json_string_value(json_object_get(f, "marker"));

    blank += m != NULL && strcmp(m, "missing") == 0;
    partial += json_is_true(json_object_get(f, "partial"));
  }
  text(n, 0, "Figures not reported (" BOOK_MISSING_MARKER ")", NULL);
  count(n, 1, blank);
  n->row++;
  text(n, 0, "Partial figures", NULL);
  count(n, 1, partial);
  n->row++;
}

/* The warnings the returns came with, as the summary's notes give them:
 * each a row (where: the cell as the spreadsheet names it, a row, or the
 * whole file; which return and file; what), then how many the summary did
 * not list. The place comes first, so column A never repeats a return's
 * name from the table of returns above. */
static void warnings(struct notes *n) {
  static const char *const head[] = {"Where", "Return", "File", "Warning"};
  const json_t *notes = json_object_get(n->b->summary, "notes"), *feed, *w;
  json_int_t more = 0;
  size_t i, j;

  if (json_array_size(notes) == 0)
    return;
  heading(n, "Warnings the returns came with");
  for (int c = 0; c < 4; c++)
    text(n, (lxw_col_t)c, head[c], n->b->header);
  n->row++;
  json_array_foreach(notes, i, feed) {
    more += json_integer_value(json_object_get(feed, "not_listed"));
    json_array_foreach(json_object_get(feed, "warnings"), j, w) {
      char where[32] = "the whole file";

      if (json_is_string(json_object_get(w, "cell")))
        (void)snprintf(where, sizeof where, "%s",
                       json_string_value(json_object_get(w, "cell")));
      else if (json_is_integer(json_object_get(w, "line")))
        (void)snprintf(
            where, sizeof where, "row %lld",
            (long long)json_integer_value(json_object_get(w, "line")));
      text(n, 0, where, NULL);
      text(n, 1, json_string_value(json_object_get(feed, "feed")), NULL);
      text(n, 2, json_string_value(json_object_get(w, "file")), NULL);
      text(n, 3, json_string_value(json_object_get(w, "message")), NULL);
      n->row++;
    }
  }
  if (more > 0) {
    text(n, 0, "Warnings not listed", NULL);
    count(n, 1, (size_t)more);
    n->row++;
  }
}

int book_notes(struct book *b, struct dahub_error *err) {
  struct notes n = {.b = b};

  if ((n.ws = workbook_add_worksheet(b->wb, "Notes")) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: cannot add a sheet");
  cover(&n);
  returns(&n);
  markers(&n);
  disclosure(&n);
  data_notes(&n);
  warnings(&n);
  if (n.rc == 0 && worksheet_set_column(n.ws, 0, 0, 34, NULL) != LXW_NO_ERROR)
    n.rc = -EIO;
  if (n.rc == 0)
    n.rc = book_widths(n.ws, &n.w, NOTE_COLS);
  if (n.rc != 0)
    return dahub_error_set(err, n.rc, 0, 0, "xlsx: cannot write the notes");
  return 0;
}
