/*
 * xlsx.c: the "xlsx" sink: the board summary as an Excel workbook for
 * officers, written with Debian's libxlsxwriter.
 *
 * Two sheets: "Figures", one row per figure and rate with its value as a
 * real number (so it sums and sorts in Excel), the header row frozen and
 * filtered (figures.c); and "Notes", the returns the summary is made of,
 * what each marker means and what disclosure control did (notes.c). Like
 * every sink it sees only the summary, after disclosure control: a hidden
 * cell reaches it as the configured marker, never as a value, so nothing
 * hidden can be in any part of the workbook.
 *
 * libxlsxwriter 1.1 (Debian 12) writes only to a named file, and builds its
 * parts in tmpfile()s. A plugin does no I/O but out->write, so the workbook
 * is written to an anonymous memory file (memfd_create(), named to the
 * library as /proc/self/fd/N: it has no name in any folder and vanishes on
 * close) and copied from there into out. The creation time in
 * docProps/core.xml is the summary's own (generated_at), not the clock, and
 * the library stamps its zip entries with a fixed date, so the same summary
 * gives the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "book.h"
#include "dahub/date.h"
#include "dahub/plugin.h"
#include "dahub/sink.h"

#define COPY_CHUNK 65536

static int xlsx_open(const json_t *options, void **state,
                     struct dahub_error *err) {
  return dahub_sink_no_options(options, state, "xlsx", err);
}

int book_error(struct dahub_error *err, lxw_error e, const char *what) {
  return dahub_error_set(err, -EIO, 0, 0, "xlsx: %s: %s", what,
                         lxw_strerror(e));
}

/* Characters, not bytes: a column is as wide as what it shows. */
static size_t text_width(const char *s) {
  size_t n = 0;

  for (; *s != '\0'; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static void widen(struct widths *w, lxw_col_t col, size_t n) {
  if (col < sizeof w->w / sizeof *w->w && n > w->w[col])
    w->w[col] = n;
}

int book_text(struct book *b, lxw_worksheet *ws, struct widths *w,
              lxw_row_t row, lxw_col_t col, const char *text, lxw_format *fmt) {
  lxw_error e;

  (void)b;
  if (text == NULL || text[0] == '\0')
    return 0;
  if ((e = worksheet_write_string(ws, row, col, text, fmt)) != LXW_NO_ERROR)
    return -EIO;
  if (w != NULL)
    widen(w, col, text_width(text));
  return 0;
}

/* "-12", "32.4": digits with at most one point; *decimals after it. */
static int decimal_text(const char *s, int *decimals, int *digits) {
  const char *dot = NULL;

  *digits = 0;
  if (*s == '-')
    s++;
  for (; *s != '\0'; s++) {
    if (*s == '.' && dot == NULL && *digits > 0)
      dot = s;
    else if (*s >= '0' && *s <= '9')
      (*digits)++;
    else
      return 0;
  }
  *decimals = dot != NULL ? (int)strlen(dot + 1) : 0;
  return *digits > 0 && (dot == NULL || *decimals > 0);
}

int book_number(struct book *b, lxw_worksheet *ws, struct widths *w,
                lxw_row_t row, lxw_col_t col, const json_t *v) {
  char text[48];
  int decimals = 0, digits = 0;

  if (json_is_integer(v))
    (void)snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
  else if (json_is_string(v) && strlen(json_string_value(v)) < sizeof text)
    (void)snprintf(text, sizeof text, "%s", json_string_value(v));
  else
    return 0;
  if (!decimal_text(text, &decimals, &digits))
    return 0;
  /* Excel keeps 15 significant digits: a longer number is shown as the
   * summary gives it, exactly, as text, rather than changed. */
  if (digits > 15)
    return book_text(b, ws, w, row, col, text, b->text) == 0 ? 1 : -EIO;
  if (worksheet_write_number(
          ws, row, col, strtod(text, NULL),
          b->number[decimals > BOOK_MAX_DECIMALS ? BOOK_MAX_DECIMALS
                                                 : decimals]) != LXW_NO_ERROR)
    return -EIO;
  if (w != NULL) /* with its thousands separators */
    widen(w, col, strlen(text) + (size_t)(digits - decimals - 1) / 3);
  return 1;
}

int book_widths(lxw_worksheet *ws, const struct widths *w, size_t n) {
  for (size_t i = 0; i < n && i < sizeof w->w / sizeof *w->w; i++) {
    size_t chars = w->w[i] + 2; /* a little air, and the filter's button */

    if (w->w[i] == 0)
      continue; /* nothing measured: the caller's width, or Excel's */
    if (chars > BOOK_MAX_WIDTH)
      chars = BOOK_MAX_WIDTH;
    if (worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, (double)chars,
                             NULL) != LXW_NO_ERROR)
      return -EIO;
  }
  return 0;
}

/* When the summary was made, "2024-07-01T09:00:00Z", else the end of its
 * period: the workbook's creation time, so it never comes from the clock.
 * 0 when the summary has neither. */
static time_t summary_time(const json_t *summary) {
  const char *at = json_string_value(json_object_get(summary, "generated_at"));
  const char *end = json_string_value(
      json_object_get(json_object_get(summary, "period"), "end"));
  int64_t t;

  if (at != NULL && dahub_date_parse_time(at, &t) == 0)
    return (time_t)t;
  if (end != NULL && dahub_date_parse_time(end, &t) == 0)
    return (time_t)t;
  return 0;
}

static int add_formats(struct book *b) {
  static const char *const num[BOOK_MAX_DECIMALS + 1] = {
      "#,##0", "#,##0.0", "#,##0.00", "#,##0.000"};

  if ((b->header = workbook_add_format(b->wb)) == NULL ||
      (b->title = workbook_add_format(b->wb)) == NULL ||
      (b->bold = workbook_add_format(b->wb)) == NULL ||
      (b->text = workbook_add_format(b->wb)) == NULL ||
      (b->marker_cell = workbook_add_format(b->wb)) == NULL)
    return -ENOMEM;
  format_set_bold(b->header);
  format_set_bg_color(b->header, 0xD9E1F2);
  format_set_bottom(b->header, LXW_BORDER_THIN);
  format_set_text_wrap(b->header);
  format_set_align(b->header, LXW_ALIGN_VERTICAL_TOP);
  format_set_bold(b->title);
  format_set_font_size(b->title, 14);
  format_set_bold(b->bold);
  format_set_num_format(b->text, "@");
  /* a marker sits where a number would: right-aligned beside them */
  format_set_align(b->marker_cell, LXW_ALIGN_RIGHT);
  for (int i = 0; i <= BOOK_MAX_DECIMALS; i++) {
    if ((b->number[i] = workbook_add_format(b->wb)) == NULL)
      return -ENOMEM;
    format_set_num_format(b->number[i], num[i]);
  }
  return 0;
}

/* Copies the finished workbook from fd into out. */
static int copy_out(int fd, struct dahub_output *out) {
  char *buf = malloc(COPY_CHUNK);
  off_t at = 0;
  ssize_t n;
  int rc = 0;

  if (buf == NULL)
    return -ENOMEM;
  while (rc == 0 && (n = pread(fd, buf, COPY_CHUNK, at)) != 0) {
    if (n < 0) {
      rc = errno == EINTR ? 0 : -errno;
      continue;
    }
    rc = out->write(out, buf, (size_t)n);
    at += n;
  }
  free(buf);
  return rc;
}

static int build(struct book *b, const char *path, time_t created,
                 struct dahub_error *err) {
  char title[96];
  lxw_doc_properties props;
  lxw_error e;
  int rc;

  (void)snprintf(title, sizeof title, "Board summary %s",
                 json_string_value(json_object_get(
                     json_object_get(b->summary, "period"), "id")));
  memset(&props, 0, sizeof props);
  props.title = title;
  props.created = created;
  if ((b->wb = workbook_new(path)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: cannot start a workbook");
  if ((e = workbook_set_properties(b->wb, &props)) != LXW_NO_ERROR)
    return book_error(err, e, "properties");
  if (add_formats(b) != 0)
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
  if ((rc = book_figures(b, err)) != 0 || (rc = book_notes(b, err)) != 0)
    return rc;
  e = workbook_close(b->wb);
  b->wb = NULL; /* closed, and freed, whatever e says */
  return e == LXW_NO_ERROR ? 0
                           : book_error(err, e, "cannot write the workbook");
}

static enum dahub_outcome xlsx_render(void *state, const json_t *summary,
                                      struct dahub_output *out,
                                      struct dahub_error *err) {
  struct book b = {.summary = summary};
  const char *period = dahub_sink_period(summary);
  time_t created = summary_time(summary);
  char path[64];
  int fd = -1, rc;

  (void)state;
  b.marker = json_string_value(
      json_object_get(json_object_get(summary, "disclosure"), "marker"));
  if (period == NULL || created == 0 || b.marker == NULL) {
    rc = dahub_error_set(err, -EINVAL, 0, 0,
                         "xlsx: summary has no period, time or marker");
    goto out;
  }
  if ((fd = memfd_create("dahub-summary-xlsx", MFD_CLOEXEC)) < 0) {
    rc = dahub_error_set(err, -errno, 0, 0, "xlsx: memfd_create: %s",
                         strerror(errno));
    goto out;
  }
  (void)snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  if ((rc = build(&b, path, created, err)) != 0)
    goto out;
  if ((rc = copy_out(fd, out)) != 0)
    (void)dahub_error_set(err, rc, 0, 0, "xlsx: output refused");
out:
  if (b.wb != NULL)
    lxw_workbook_free(b.wb); /* stopped half way: nothing written */
  if (fd >= 0)
    (void)close(fd);
  return rc == 0 ? DAHUB_OK : DAHUB_FAIL;
}

DAHUB_SINK("xlsx", "1.0.0", xlsx_open, dahub_sink_close_plain, "xlsx",
           xlsx_render);
