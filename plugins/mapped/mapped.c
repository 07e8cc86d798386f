/*
 * mapped.c: the "mapped" source plugin: a partner's return, read by the
 * mapping in its feed's options (the language is described in mapping.c).
 *
 * This file is also the example to copy for a new plugin. A plugin is one
 * const struct, dahub_plugin_v1, and three callbacks:
 *
 *  - open() runs on the hub's loop thread when the feed is loaded. It
 *    checks every option (mapping.c) and returns the state parse() needs.
 *  - parse() runs on a worker thread, once per file, possibly for several
 *    files of the feed at once: the state is only read, and what belongs to
 *    one file lives in a struct run on parse()'s stack. The file comes in
 *    through in->read only, record by record through the CSV reader, so a
 *    file of any size needs one record's memory. Each value cell becomes one
 *    observation handed to host->emit; nothing is kept after it returns.
 *  - close() frees the state.
 *
 * The file is read top down: rows above the header (where "cells" are
 * picked up), the header (which finds each named column), then data rows
 * until a footer or the end. Blank rows are skipped everywhere. For each
 * data row, in this order: fill-down, a total row or the parts of totals
 * (total.c), labels that leave the row out, the fields, a record
 * (records.c), then one observation per value cell. The cases layout
 * counts each row instead (cases.c) and the json layout reads no CSV at
 * all (jsondoc.c); both emit their figures at the end, through
 * mapped_emit_groups() below.
 *
 * The first problem ends the file with DAHUB_FAIL and an error naming the
 * line, the column (as a spreadsheet counts them), the column's header,
 * what was expected and what was found, for the data lead to fix. What
 * does not stop the file (a text cell the mapping skips, a total that does
 * not add up, a row a label leaves out with a reason) goes to host->warn.
 */
#include "mapped.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dahub/csv_fast.h"
#include "dahub/number.h"
#include "dahub/period.h"
#include "dahub/plugin.h"

#include "agg.h"
#include "cases.h"
#include "dates.h"
#include "jsondoc.h"
#include "memo.h"
#include "records.h"
#include "total.h"

/* Dimensions one observation may carry: its dimension fields, and what
 * the labels of its fields add. The hub takes fewer; it says so. */
#define OBS_DIMS_MAX (MAP_MAX_DIMS + 4 * MAP_MAX_TARGET_DIMS)

static ssize_t mapped_read(void *arg, void *buf, size_t cap) {
  struct dahub_input *in = arg;

  return in->read(in, buf, cap);
}

int mapped_blank(const char *s, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return 0;
  return 1;
}

static int row_blank(const struct dahub_csv_row *row) {
  size_t j;

  for (j = 0; j < row->n; j++)
    if (!mapped_blank(row->field[j], row->len[j]))
      return 0;
  return 1;
}

const char *mapped_cell(const struct run *r, const struct dahub_csv_row *row,
                        size_t j, size_t *len) {
  size_t k;

  if (j < row->n && !mapped_blank(row->field[j], row->len[j])) {
    *len = row->len[j];
    return row->field[j];
  }
  for (k = 0; k < r->m->n_fill_down; k++)
    if (r->fill_col[k] == j && r->fill_text[k] != NULL) {
      *len = strlen(r->fill_text[k]);
      return r->fill_text[k];
    }
  *len = j < row->n ? row->len[j] : 0;
  return j < row->n ? row->field[j] : "";
}

int mapped_cell_error(struct run *r, uint32_t line, size_t j, const char *field,
                      const char *expected, const char *found,
                      const char *msg) {
  int rc = dahub_error_set(r->err, -EINVAL, line, (uint32_t)(j + 1), "%s: %s",
                           field, msg);

  dahub_error_detail(r->err, field, expected, found);
  return rc;
}

void mapped_warn(struct run *r, uint32_t line, uint32_t col, const char *fmt,
                 ...) {
  char msg[256];
  va_list ap;

  if (r->host->warn == NULL)
    return;
  va_start(ap, fmt);
  (void)vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  r->host->warn(r->ctx, line, col, msg);
}

/* The header text of the column a field is read from, for messages. */
static const char *field_header(const struct map_field *f) {
  return f->src == MAP_COLUMN ? f->text : f->name;
}

/* A date cell read as the period holding it ("period_from_date"). */
static int period_of_date(struct run *r, const struct map_field *mf,
                          const char *text, size_t len, uint32_t line,
                          size_t j) {
  struct dahub_period p;
  int y, m, d, rc;

  rc = dates_parse(text, len, &y, &m, &d);
  if (rc == -ERANGE)
    return mapped_cell_error(r, line, j, field_header(mf), "a real day", text,
                             "no such date");
  if (rc != 0 || dahub_period_of_date(y, m, d, r->m->date_kind, &p) != 0)
    return mapped_cell_error(r, line, j, field_header(mf),
                             "a date such as 13/06/2024 or 2024-06-13", text,
                             "not a date");
  dahub_period_format(&p, r->period);
  return 0;
}

int mapped_resolve(struct run *r, size_t f, const char *text, size_t len,
                   uint32_t line, size_t j, const char **out,
                   const struct map_target **tg) {
  const struct map_field *mf = &r->m->field[f];
  const struct map_target *t;
  struct dahub_period p;
  int rc;

  *tg = NULL;
  if (mf->bands != NULL) {
    if (mapped_blank(text, len)) {
      if (mf->blank == NULL)
        return mapped_cell_error(r, line, j, field_header(mf), "a number", "",
                                 "expected a number here, found a blank "
                                 "cell");
      *out = mf->blank;
      return 1;
    }
    rc = memo_band(r->memo, r->m, f, text, len, out);
    if (rc == -ERANGE)
      return mapped_cell_error(r, line, j, field_header(mf),
                               "a number that one of the bands holds", text,
                               "no band holds this number");
    if (rc != 0)
      return mapped_cell_error(r, line, j, field_header(mf), "a whole number",
                               text, "not a whole number");
    return 1;
  }
  if (mf->has_values) {
    char msg[192];

    if ((t = memo_label(r->memo, r->m, f, text, len)) != NULL) {
      if (t->skip)
        return 0;
      *out = t->code;
      *tg = t;
      return 1;
    }
    if (mf->unknown == MAP_UNKNOWN_SKIP && mf->src == MAP_COLUMN)
      return 0;
    if (mf->unknown != MAP_UNKNOWN_KEEP) {
      (void)snprintf(msg, sizeof msg,
                     "no code for this %s: add it to options.values.%s%s%s%s",
                     mf->name, mf->name,
                     mf->src == MAP_COLUMN ? ", or set options.unknown." : "",
                     mf->src == MAP_COLUMN ? mf->name : "",
                     mf->src == MAP_COLUMN ? " to \"skip\"" : "");
      return mapped_cell_error(r, line, j, field_header(mf),
                               "a label listed in the mapping", text, msg);
    }
  }
  if (mapped_blank(text, len))
    return mapped_cell_error(r, line, j, field_header(mf), mf->name, "",
                             "expected a value here, found a blank cell");
  if (f == MAP_PERIOD && r->m->dates) {
    if ((rc = period_of_date(r, mf, text, len, line, j)) != 0)
      return rc;
    *out = r->period;
    return 1;
  }
  if (f == MAP_PERIOD || f == MAP_YEAR) {
    if (dahub_period_from_text(text, len, &p) != 0)
      return mapped_cell_error(
          r, line, j, field_header(mf),
          f == MAP_PERIOD ? "a period such as Q1 2024/25"
                          : "a year such as 2024/25",
          text, f == MAP_PERIOD ? "not a period" : "not a financial year");
    if (f == MAP_YEAR) {
      p.kind = DAHUB_PERIOD_YEAR; /* only its year counts */
      p.n = 0;
    }
    dahub_period_format(&p, f == MAP_PERIOD ? r->period : r->year);
    *out = f == MAP_PERIOD ? r->period : r->year;
    return 1;
  }
  *out = text;
  return 1;
}

int mapped_row_skipped(struct run *r, const struct dahub_csv_row *row,
                       const uint16_t *ahead) {
  const struct mapping *m = r->m;
  const struct map_target *t;
  const char *text;
  size_t f, len;

  for (f = 0; f < m->n_fields; f++) {
    const struct map_field *mf = &m->field[f];

    if (!r->can_skip[f])
      continue;
    t = ahead != NULL ? memo_ahead_label(m, f, ahead[f]) : NULL;
    if (t == NULL) {
      text = mapped_cell(r, row, r->col[f], &len);
      t = memo_label(r->memo, m, f, text, len);
    }
    if (t != NULL && t->skip) {
      if (t->reason != NULL)
        mapped_warn(r, row->line, (uint32_t)(r->col[f] + 1),
                    "row left out: %s (options.values.%s)", t->reason,
                    mf->name);
      return 1;
    }
    if (t == NULL && mf->unknown == MAP_UNKNOWN_SKIP)
      return 1;
  }
  return 0;
}

int mapped_emit(struct run *r, const struct dahub_obs *o) {
  if (r->host->emit(r->ctx, o) != 0)
    return dahub_error_set(r->err, -ECANCELED, o->line, o->col,
                           "the hub stopped reading this file");
  return 0;
}

/* Sets the part of a financial year a text names: FY, H1, Q3, M07. */
static void set_part(struct dahub_period *p, const char *part) {
  if (part[0] == 'F') {
    p->kind = DAHUB_PERIOD_YEAR;
    p->n = 0;
    return;
  }
  p->kind = part[0] == 'H'   ? DAHUB_PERIOD_HALF
            : part[0] == 'Q' ? DAHUB_PERIOD_QUARTER
                             : DAHUB_PERIOD_MONTH;
  p->n = (int)strtol(part + 1, NULL, 10); /* checked by mapping.c */
}

/* The period a figure gets: the row's period, completed with the financial
 * year where it is only a part ("Q1"), moved to another year by a label's
 * "financial_year", and to another part of its year by a note: "86
 * (Q1+Q2)" with "Q1+Q2": "H1" in FY2023-24-Q1 belongs to FY2023-24-H1. */
static int figure_period(struct run *r, struct dahub_obs *o, const char *year,
                         const char *label_year, const struct dahub_number *num,
                         size_t j, const char *header) {
  struct dahub_period p, y;
  const char *part = NULL;

  if (num->note != NULL &&
      (part = mapping_lookup(&r->m->period_notes, num->note, num->note_len)) ==
          NULL)
    return mapped_cell_error(r, o->line, j, header,
                             "a number, blank, or <N / *", o->raw,
                             "a note in brackets that options.period_notes "
                             "does not list");
  if (label_year != NULL)
    year = label_year;
  if (mapping_period_part(o->period)) {
    if (year == NULL || dahub_period_parse(year, &y) != 0)
      return mapped_cell_error(r, o->line, j, header, "a financial year",
                               o->period,
                               "the period is only a part of a year, and "
                               "nothing gives the year");
    p.fy = y.fy;
    set_part(&p, o->period);
  } else if (dahub_period_parse(o->period, &p) != 0) {
    if (part == NULL && label_year == NULL)
      return 0; /* as written ("keep"): the hub will say if it is wrong */
    return mapped_cell_error(r, o->line, j, header, "a period id", o->period,
                             "a note cannot change a period that is not an "
                             "id");
  } else if (label_year != NULL && dahub_period_parse(label_year, &y) == 0) {
    p.fy = y.fy;
  }
  if (part != NULL)
    set_part(&p, part);
  dahub_period_format(&p, r->noted);
  o->period = r->noted;
  return 0;
}

/* Whether "text" says to skip a text cell of this measure. */
static int text_skipped(const struct mapping *m, const char *measure) {
  size_t i;

  if (m->text_skip_all)
    return 1;
  for (i = 0; measure != NULL && i < m->n_text_skip; i++)
    if (strcmp(m->text_skip[i], measure) == 0)
      return 1;
  return 0;
}

/* The 1-based column a field's label came from on this row (j: the value
 * column, for the "across" field), or 0 when it is not a cell of the row:
 * the hub then points an error about that label at the right cell. */
static uint32_t source_col(const struct run *r, size_t f, size_t j) {
  switch (r->m->field[f].src) {
  case MAP_COLUMN:
    return r->col[f] == NO_COL ? 0 : (uint32_t)(r->col[f] + 1);
  case MAP_ACROSS:
    return (uint32_t)(j + 1);
  default:
    return 0;
  }
}

/* One value cell, with the row's other fields in val and what their labels
 * say in tg, to the hub. */
static int emit_value(struct run *r, const struct dahub_csv_row *row,
                      const char *const *val,
                      const struct map_target *const *tg, size_t j,
                      const char *header) {
  const struct mapping *m = r->m;
  struct dahub_dim dims[OBS_DIMS_MAX] = {0};
  const char *label_year = NULL;
  struct dahub_number num;
  struct dahub_obs o;
  size_t len = j < row->n ? row->len[j] : 0, f, i, n = 0;
  int rc;

  memset(&o, 0, sizeof o);
  o.raw = j < row->n ? row->field[j] : "";
  o.line = row->line;
  o.col = (uint32_t)(j + 1);
  o.service_id = val[MAP_SERVICE];
  o.area = val[MAP_AREA];
  o.period = val[MAP_PERIOD];
  o.measure = val[MAP_MEASURE];
  o.service_col = source_col(r, MAP_SERVICE, j);
  o.area_col = source_col(r, MAP_AREA, j);
  o.period_col = source_col(r, MAP_PERIOD, j);
  o.measure_col = source_col(r, MAP_MEASURE, j);
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++)
    if (val[f] != NULL) {
      dims[n].name = m->field[f].name;
      dims[n].col = source_col(r, f, j);
      dims[n++].value = val[f];
    }
  for (f = 0; f < m->n_fields; f++) {
    if (tg[f] == NULL)
      continue;
    if (tg[f]->service_id != NULL)
      o.service_id = tg[f]->service_id;
    if (tg[f]->year != NULL)
      label_year = tg[f]->year;
    for (i = 0; i < tg[f]->dims.n; i++) {
      if (n == OBS_DIMS_MAX)
        return mapped_cell_error(r, o.line, j, header, "fewer dimensions", NULL,
                                 "too many dimensions for one figure");
      dims[n].name = tg[f]->dims.p[i].key;
      dims[n].col = source_col(r, f, j);
      dims[n++].value = tg[f]->dims.p[i].val;
    }
  }
  o.dims = dims;
  o.n_dims = n;
  rc = dahub_number_parse(o.raw, len, m->number_flags, &num);
  if (rc == -ERANGE)
    return mapped_cell_error(r, o.line, j, header,
                             "a number of at most 18 digits", o.raw,
                             "number too large");
  switch (num.kind) {
  case DAHUB_NUM_NUMBER:
    o.status = num.estimated ? DAHUB_ESTIMATED : DAHUB_ACTUAL;
    o.value = num.value;
    o.scale = num.scale;
    break;
  case DAHUB_NUM_BLANK:
    o.status = DAHUB_MISSING;
    break;
  case DAHUB_NUM_SUPPRESSED:
    o.status = DAHUB_SUPPRESSED;
    o.bound = num.bound;
    break;
  default:
    if (text_skipped(m, o.measure)) {
      /* The text is not quoted: a comment may name someone. */
      mapped_warn(r, o.line, o.col,
                  "%s: text where a number belongs, left out (options.text)",
                  header);
      return 0;
    }
    return mapped_cell_error(r, o.line, j, header, "a number, blank, or <N / *",
                             o.raw, "not a number");
  }
  if (o.period != NULL && (rc = figure_period(r, &o, val[MAP_YEAR], label_year,
                                              &num, j, header)) != 0)
    return rc;
  return mapped_emit(r, &o);
}

/* The value of every field of a data row. 1: go on; 0: a label leaves the
 * row out; negative: an error. */
static int row_fields(struct run *r, const struct dahub_csv_row *row,
                      const char **val, const struct map_target **tg) {
  const struct mapping *m = r->m;
  const char *text;
  size_t f, len;
  int rc;

  for (f = 0; f < m->n_fields; f++) {
    switch (m->field[f].src) {
    case MAP_FIXED:
      val[f] = m->field[f].text;
      break;
    case MAP_CELL:
      val[f] = r->cell[f];
      tg[f] = r->cell_target[f];
      break;
    case MAP_COLUMN:
      text = mapped_cell(r, row, r->col[f], &len);
      if ((rc = mapped_resolve(r, f, text, len, row->line, r->col[f], &val[f],
                               &tg[f])) <= 0)
        return rc;
      break;
    default: /* NONE: absent; ACROSS: set per value column */
      break;
    }
  }
  return 1;
}

/* A row of a long or wide return: its fields, its record, and one
 * observation per value cell. */
static int figures_row(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *val[MAP_MAX_FIELDS] = {NULL};
  const struct map_target *tg[MAP_MAX_FIELDS] = {NULL};
  size_t f, k;
  int rc;

  if (mapped_row_skipped(r, row, NULL))
    return 0;
  if ((rc = row_fields(r, row, val, tg)) <= 0)
    return rc;
  if (m->records != NULL) {
    const char *rec[MAP_MAX_FIELDS];

    memcpy(rec, val, sizeof rec);
    for (f = 0; f < m->n_fields; f++)
      if (tg[f] != NULL && tg[f]->service_id != NULL)
        rec[MAP_SERVICE] = tg[f]->service_id;
    if ((rc = records_row(r, row, rec)) != 0)
      return rc;
  }
  if (m->layout == MAP_LONG)
    return emit_value(r, row, val, tg, r->value_col, m->value_column);
  for (k = 0; k < m->across.n; k++) {
    val[m->across_field] = m->across.p[k].val;
    if ((rc = emit_value(r, row, val, tg, r->across[k], m->across.p[k].key)) !=
        0)
      return rc;
  }
  return 0;
}

static int data_row(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *text;
  size_t k, len;

  /* Remember the last text of each fill_down column, for the rows below. */
  for (k = 0; k < m->n_fill_down; k++) {
    size_t j = r->fill_col[k];
    char *copy;

    if (j >= row->n || mapped_blank(row->field[j], row->len[j]))
      continue;
    if ((copy = strdup(row->field[j])) == NULL)
      return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
    free(r->fill_text[k]);
    r->fill_text[k] = copy;
  }
  if (total_row(r, row))
    return 0; /* checked, never emitted */
  for (k = 0; k < m->n_skip_if_blank; k++) {
    text = mapped_cell(r, row, r->skip_col[k], &len);
    if (mapped_blank(text, len))
      return 0;
  }
  if (m->total.column != NULL || m->total.row_column != NULL)
    total_row_parts(r, row);
  /* The cases layout counts the row; zeroing a figures_row()'s arrays for
   * it was a twentieth of the counting thread's samples. */
  if (m->layout == MAP_CASES)
    return cases_row(r, row);
  return figures_row(r, row);
}

int mapped_find_column(struct run *r, const struct dahub_csv_row *row,
                       const char *name, size_t *out) {
  size_t j;

  *out = NO_COL;
  for (j = 0; j < row->n; j++) {
    if (!mapping_same(row->field[j], row->len[j], name))
      continue;
    if (*out != NO_COL)
      return mapped_cell_error(r, row->line, j, name,
                               "one column with this header", name,
                               "two columns have this header");
    *out = j;
  }
  if (*out == NO_COL)
    return mapped_cell_error(r, row->line, 0, name, "a column with this header",
                             "", "the header has no such column");
  return 0;
}

/* Settles the cells above the header into codes. */
static int settle_cells(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *code;
  char *copy;
  size_t f;
  int rc;

  for (f = 0; f < m->n_fields; f++) {
    if (m->field[f].src != MAP_CELL)
      continue;
    if (r->cell[f] == NULL)
      return dahub_error_set(
          r->err, -EINVAL, row->line, 0,
          "options.cells.%s: row %u is not above the header (row %u)",
          m->field[f].name, (unsigned)m->field[f].row, (unsigned)r->rows);
    rc = mapped_resolve(r, f, r->cell[f], strlen(r->cell[f]), r->cell_line[f],
                        m->field[f].col - 1, &code, &r->cell_target[f]);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return mapped_cell_error(r, r->cell_line[f], m->field[f].col - 1,
                               m->field[f].name, "a label that gives a code",
                               r->cell[f],
                               "this cell's label would leave every row out");
    if ((copy = strdup(code)) == NULL)
      return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
    free(r->cell[f]);
    r->cell[f] = copy;
  }
  return 0;
}

/* Finds every column the mapping names, and settles the cells above. */
static int read_header(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  size_t f, k;
  int rc;

  for (f = 0; f < m->n_fields; f++)
    if (m->field[f].src == MAP_COLUMN &&
        (rc = mapped_find_column(r, row, m->field[f].text, &r->col[f])) != 0)
      return rc;
  if (m->layout == MAP_LONG &&
      (rc = mapped_find_column(r, row, m->value_column, &r->value_col)) != 0)
    return rc;
  for (k = 0; k < m->across.n; k++)
    if ((rc = mapped_find_column(r, row, m->across.p[k].key, &r->across[k])) !=
        0)
      return rc;
  for (k = 0; k < m->n_fill_down; k++)
    if ((rc = mapped_find_column(r, row, m->fill_down[k], &r->fill_col[k])) !=
        0)
      return rc;
  for (k = 0; k < m->n_skip_if_blank; k++)
    if ((rc = mapped_find_column(r, row, m->skip_if_blank[k],
                                 &r->skip_col[k])) != 0)
      return rc;
  if (m->total.column != NULL &&
      (rc = mapped_find_column(r, row, m->total.column, &r->total_col)) != 0)
    return rc;
  if (m->total.row_column != NULL &&
      (rc = mapped_find_column(r, row, m->total.row_column,
                               &r->total_row_col)) != 0)
    return rc;
  if (m->records != NULL && (rc = records_header(r, row)) != 0)
    return rc;
  if (m->layout == MAP_CASES && (rc = cases_header(r, row)) != 0)
    return rc;
  return settle_cells(r, row);
}

/* Rows above the header: keep the text of any cell the mapping names. */
static int above_header(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  size_t f, j;

  for (f = 0; f < m->n_fields; f++) {
    if (m->field[f].src != MAP_CELL || m->field[f].row != r->rows)
      continue;
    j = m->field[f].col - 1;
    if ((r->cell[f] = strdup(j < row->n ? row->field[j] : "")) == NULL)
      return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
    r->cell_line[f] = row->line;
  }
  return 0;
}

static int is_header(const struct run *r, const struct dahub_csv_row *row) {
  size_t j;

  if (r->m->header_row != 0)
    return r->rows == r->m->header_row;
  for (j = 0; j < row->n; j++)
    if (!mapped_blank(row->field[j], row->len[j]))
      return mapping_same(row->field[j], row->len[j], r->m->header_match);
  return 0;
}

/* "Notes:" in the first cell ends the data; case and spaces ignored. */
static int is_footer(const struct mapping *m, const struct dahub_csv_row *row) {
  const char *s = row->field[0];
  size_t k;

  while (*s == ' ' || *s == '\t')
    s++;
  for (k = 0; k < m->n_footer; k++)
    if (strncasecmp(s, m->footer[k], strlen(m->footer[k])) == 0)
      return 1;
  return 0;
}

static int read_rows(struct run *r, struct dahub_csv *csv) {
  struct dahub_csv_row row;
  int rc;

  while ((rc = dahub_csv_next(csv, &row, r->err)) == 1) {
    if (r->rows == UINT32_MAX)
      return dahub_error_set(r->err, -EMSGSIZE, row.line, 0, "too many rows");
    r->rows++;
    if (!r->in_data) {
      if (!is_header(r, &row)) {
        rc = above_header(r, &row);
      } else {
        rc = read_header(r, &row);
        r->in_data = 1;
      }
    } else if (row_blank(&row)) {
      continue;
    } else if (is_footer(r->m, &row)) {
      return 0;
    } else {
      rc = data_row(r, &row);
    }
    if (rc < 0)
      return rc;
  }
  if (rc == 0 && !r->in_data) {
    if (r->m->header_match != NULL)
      return dahub_error_set(r->err, -EINVAL, 0, 0,
                             "no header: no row starts with \"%s\"",
                             r->m->header_match);
    return dahub_error_set(r->err, -EINVAL, 0, 0,
                           "no header: the file has %u rows, the header "
                           "should be row %u",
                           (unsigned)r->rows, (unsigned)r->m->header_row);
  }
  return rc;
}

int mapped_emit_groups(struct run *r, const struct agg *a,
                       const char *only_period, uint64_t *left_out) {
  struct dahub_dim dims[OBS_DIMS_MAX] = {0};
  struct dahub_obs o;
  size_t i, k;
  int rc;

  for (i = 0; i < a->n; i++) {
    const struct agg_group *g = &a->g[i];
    const char *p = g->key, *end = g->key + g->len, *part[4];

    for (k = 0; k < 4; k++) {
      part[k] = p;
      p += strlen(p) + 1;
    }
    if (only_period != NULL && strcmp(part[1], only_period) != 0) {
      (*left_out)++;
      continue;
    }
    memset(&o, 0, sizeof o);
    o.measure = part[0];
    o.period = part[1];
    o.service_id = part[2][0] != '\0' ? part[2] : NULL;
    o.area = part[3];
    for (o.n_dims = 0; p < end; o.n_dims++) {
      if (o.n_dims == OBS_DIMS_MAX)
        return dahub_error_set(r->err, -EINVAL, g->line, g->col,
                               "too many dimensions for one figure");
      dims[o.n_dims].name = p;
      p += strlen(p) + 1;
      dims[o.n_dims].value = p;
      p += strlen(p) + 1;
    }
    o.dims = dims;
    o.status = DAHUB_ACTUAL;
    o.value = g->value;
    o.line = g->line;
    o.col = g->col;
    if ((rc = mapped_emit(r, &o)) != 0)
      return rc;
  }
  return 0;
}

/* 1 when a label of column field f may leave a row out: only those fields
 * are looked at before the rest of the row is read. */
static int can_skip(const struct map_field *mf) {
  size_t i;

  if (mf->src != MAP_COLUMN || !mf->has_values)
    return 0;
  if (mf->unknown == MAP_UNKNOWN_SKIP)
    return 1;
  for (i = 0; i < mf->values.n; i++)
    if (mf->values.p[i].t.skip)
      return 1;
  return 0;
}

/* Per-file arrays, one more entry each so no calloc asks for 0 bytes. */
static int run_alloc(struct run *r) {
  const struct mapping *m = r->m;
  size_t k;

  r->across = calloc(m->across.n + 1, sizeof *r->across);
  r->fill_col = calloc(m->n_fill_down + 1, sizeof *r->fill_col);
  r->fill_text = calloc(m->n_fill_down + 1, sizeof *r->fill_text);
  r->skip_col = calloc(m->n_skip_if_blank + 1, sizeof *r->skip_col);
  r->record_col = calloc((m->records != NULL ? m->records->n : 0) + 1,
                         sizeof *r->record_col);
  if (m->total.row_column != NULL)
    r->col_totals = calloc(m->across.n + 1, sizeof *r->col_totals);
  if (r->across == NULL || r->fill_col == NULL || r->fill_text == NULL ||
      r->skip_col == NULL || r->record_col == NULL ||
      (m->total.row_column != NULL && r->col_totals == NULL))
    return dahub_error_set(r->err, -ENOMEM, 0, 0, "out of memory");
  for (k = 0; r->col_totals != NULL && k < m->across.n; k++)
    total_start(&r->col_totals[k]);
  /* Without it a file is only slower. */
  r->memo = memo_new(m);
  for (k = 0; k < m->n_fields; k++)
    r->can_skip[k] = can_skip(&m->field[k]);
  if (m->layout == MAP_CASES)
    return cases_begin(r);
  return 0;
}

static void run_free(struct run *r) {
  size_t k;

  for (k = 0; k < MAP_MAX_FIELDS; k++)
    free(r->cell[k]);
  for (k = 0; r->fill_text != NULL && k < r->m->n_fill_down; k++)
    free(r->fill_text[k]);
  free(r->across);
  free(r->fill_col);
  free(r->fill_text);
  free(r->skip_col);
  free(r->record_col);
  free(r->col_totals);
  memo_free(r->memo);
  cases_free(r);
}

static enum dahub_outcome mapped_parse(void *state, struct dahub_input *in,
                                       const struct dahub_host *host,
                                       struct dahub_ctx *ctx,
                                       struct dahub_error *err) {
  const struct mapping *m = state;
  struct dahub_csv_options opt;
  struct dahub_csv *csv = NULL;
  struct run r;
  int rc;

  memset(&r, 0, sizeof r);
  r.m = m;
  r.host = host;
  r.ctx = ctx;
  r.err = err;
  r.total_col = r.total_row_col = r.when_col = NO_COL;
  if (m->layout == MAP_JSON) {
    rc = jsondoc_parse(&r, in);
    goto out;
  }
  if ((rc = run_alloc(&r)) != 0)
    goto out;
  dahub_csv_options_init(&opt);
  opt.delimiter = m->delimiter;
  opt.encoding = m->encoding;
  /* Reading, hashing and splitting the CSV on a second core: a quarter of
   * the work of a big file (the reader starts its thread only for one). */
  opt.threaded = 1;
  if (m->layout == MAP_CASES) {
    opt.prepare = cases_prepare;
    opt.prepare_arg = cases_prepare_arg(&r);
    opt.prepare_size = cases_prepare_size(m);
  }
  if (in->max_line_bytes != 0)
    opt.max_line_bytes = in->max_line_bytes;
  if ((rc = dahub_csv_new(&opt, mapped_read, in, &csv, err)) != 0)
    goto out;
  rc = read_rows(&r, csv);
  if (rc == 0 && m->layout == MAP_CASES)
    rc = cases_end(&r);
out:
  dahub_csv_free(csv);
  run_free(&r);
  /* The same file may well go through later: out of memory, or -EAGAIN:
   * the temporary files of distinct counts failed (cases.c) */
  if (rc == -ENOMEM || rc == -EAGAIN)
    return DAHUB_RETRY;
  return rc < 0 ? DAHUB_FAIL : DAHUB_OK;
}

static int mapped_open(const json_t *options, void **state,
                       struct dahub_error *err) {
  struct mapping *m;
  int rc;

  *state = NULL;
  if ((rc = mapping_new(options, &m, err)) != 0)
    return rc;
  *state = m;
  return 0;
}

static void mapped_close(void *state) { mapping_free(state); }

/* A case-level extract is one row per case: its cells are references,
 * ages, dates and labels of one person each, whatever the feed says. */
static int mapped_personal(const void *state) {
  const struct mapping *m = state;

  return m != NULL && m->layout == MAP_CASES;
}

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "mapped",
    .version = "1.2.0",
    .kind = DAHUB_KIND_SOURCE,
    .open = mapped_open,
    .close = mapped_close,
    .parse = mapped_parse,
    .personal = mapped_personal,
};
