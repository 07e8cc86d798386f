/*
 * csv.c: the "csv" sink: the board summary as one tidy CSV for Excel.
 *
 * One row per figure and per rate: period, area, area name, partner,
 * measure, unit, breakdown, value or marker, and the comparisons. Excel
 * opens it correctly only with a UTF-8 byte order mark and CRLF line ends.
 * A cell that starts with = + - @ (or a tab or CR) would be read by Excel as
 * a formula, so such a cell is written with a leading apostrophe, unless it
 * is a plain number such as -3 (a fall on the previous quarter), which
 * Excel reads as a number and never as a formula.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/plugin.h"
#include "dahub/sink.h"

static const char *const header[] = {"period",         "area",
                                     "area_name",      "source_id",
                                     "measure",        "unit",
                                     "dimensions",     "value",
                                     "marker",         "partial",
                                     "previous_value", "change_on_previous",
                                     "year_ago_value", "change_on_year_ago"};
#define N_COLS (sizeof header / sizeof *header)

static int csv_open(const json_t *options, void **state,
                    struct dahub_error *err) {
  return dahub_sink_no_options(options, state, "csv", err);
}

/* -12, 4.5, 0: a number Excel reads as a number. */
static int plain_number(const char *s) {
  int digits = 0, dot = 0;

  if (*s == '-')
    s++;
  for (; *s != '\0'; s++) {
    if (*s >= '0' && *s <= '9')
      digits++;
    else if (*s == '.' && !dot && digits > 0)
      dot = 1;
    else
      return 0;
  }
  return digits > 0;
}

static int write_cell(struct dahub_output *out, const char *s, int last) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  int rc = 0;

  if (quote)
    rc = out->write(out, "\"", 1);
  if (rc == 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
      !plain_number(s))
    rc = out->write(out, "'", 1);
  while (rc == 0 && *s != '\0') {
    size_t span = quote ? strcspn(s, "\"") : strlen(s);

    rc = out->write(out, s, span);
    s += span;
    if (rc == 0 && *s == '"') { /* a quote inside quotes is doubled */
      rc = out->write(out, "\"\"", 2);
      s++;
    }
  }
  if (rc == 0 && quote)
    rc = out->write(out, "\"", 1);
  if (rc == 0)
    rc = last ? out->write(out, "\r\n", 2) : out->write(out, ",", 1);
  return rc;
}

/* A JSON scalar as cell text: strings as they are, numbers in full. */
static void scalar(const json_t *v, char *buf, size_t n) {
  if (json_is_string(v))
    (void)snprintf(buf, n, "%s", json_string_value(v));
  else if (json_is_integer(v))
    (void)snprintf(buf, n, "%lld", (long long)json_integer_value(v));
  else if (json_is_true(v))
    (void)snprintf(buf, n, "yes");
  else
    buf[0] = '\0';
}

static int write_row(struct dahub_output *out, const char *period,
                     const json_t *f, const char *measure_key) {
  char cells[N_COLS][512];
  const json_t *prev = json_object_get(f, "previous");
  const json_t *ago = json_object_get(f, "year_ago");
  int rc = 0;

  (void)snprintf(cells[0], sizeof cells[0], "%s", period);
  scalar(json_object_get(f, "area"), cells[1], sizeof cells[1]);
  scalar(json_object_get(f, "area_name"), cells[2], sizeof cells[2]);
  scalar(json_object_get(f, "source_id"), cells[3], sizeof cells[3]);
  scalar(json_object_get(f, measure_key), cells[4], sizeof cells[4]);
  scalar(json_object_get(f, "unit"), cells[5], sizeof cells[5]);
  dahub_sink_dims_text(json_object_get(f, "dimensions"), ";", cells[6],
                       sizeof cells[6]);
  scalar(json_object_get(f, "value"), cells[7], sizeof cells[7]);
  scalar(json_object_get(f, "marker"), cells[8], sizeof cells[8]);
  scalar(json_object_get(f, "partial"), cells[9], sizeof cells[9]);
  scalar(json_object_get(prev, "value"), cells[10], sizeof cells[10]);
  scalar(json_object_get(prev, "change"), cells[11], sizeof cells[11]);
  scalar(json_object_get(ago, "value"), cells[12], sizeof cells[12]);
  scalar(json_object_get(ago, "change"), cells[13], sizeof cells[13]);
  for (size_t i = 0; rc == 0 && i < N_COLS; i++)
    rc = write_cell(out, cells[i], i == N_COLS - 1);
  return rc;
}

static enum dahub_outcome csv_render(void *state, const json_t *summary,
                                     struct dahub_output *out,
                                     struct dahub_error *err) {
  const char *period = dahub_sink_period(summary);
  const json_t *f;
  size_t i;
  int rc;

  (void)state;
  if (period == NULL) {
    (void)dahub_error_set(err, -EINVAL, 0, 0, "csv: summary has no period");
    return DAHUB_FAIL;
  }
  rc = out->write(out, "\xEF\xBB\xBF", 3); /* UTF-8 BOM, for Excel */
  for (i = 0; rc == 0 && i < N_COLS; i++)
    rc = write_cell(out, header[i], i == N_COLS - 1);
  json_array_foreach(json_object_get(summary, "figures"), i, f) {
    if (rc == 0)
      rc = write_row(out, period, f, "measure");
  }
  json_array_foreach(json_object_get(summary, "rates"), i, f) {
    if (rc == 0)
      rc = write_row(out, period, f, "rate");
  }
  return dahub_sink_written(rc, "csv", err);
}

DAHUB_SINK("csv", "1.0.0", csv_open, dahub_sink_close_plain, "csv", csv_render);
