/*
 * mapped.c: the "mapped" source plugin: a partner's CSV return, read by the
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
 * until a footer or the end. Blank rows are skipped everywhere. The first
 * problem ends the file with DAHUB_FAIL and an error naming the line, the
 * column (as a spreadsheet counts them), the column's header, what was
 * expected and what was found, for the data lead to fix.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dahub/csv.h"
#include "dahub/number.h"
#include "dahub/period.h"
#include "dahub/plugin.h"

#include "mapping.h"

#define NO_COL SIZE_MAX

/* What one parse() knows about its file; the mapping itself is shared. */
struct run {
  const struct mapping *m;
  const struct dahub_host *host;
  struct dahub_ctx *ctx;
  struct dahub_error *err;
  uint32_t rows;              /* records read: the spreadsheet row number */
  int in_data;                /* the header has been read */
  size_t col[MAP_MAX_FIELDS]; /* COLUMN fields: their place in a row */
  char *cell[MAP_MAX_FIELDS]; /* CELL fields: the text, then its code */
  uint32_t cell_line[MAP_MAX_FIELDS];
  size_t value_col; /* long layout */
  size_t *across;   /* wide: the place of each m->across column */
  size_t *fill_col; /* fill_down columns, and the last text seen there */
  char **fill_text;
  size_t *skip_col;
  char period[DAHUB_PERIOD_ID_MAX]; /* a period read from a column */
  char noted[DAHUB_PERIOD_ID_MAX];  /* a period changed by a note */
};

static ssize_t mapped_read(void *arg, void *buf, size_t cap) {
  struct dahub_input *in = arg;

  return in->read(in, buf, cap);
}

static int blank(const char *s, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return 0;
  return 1;
}

static int row_blank(const struct dahub_csv_row *row) {
  size_t j;

  for (j = 0; j < row->n; j++)
    if (!blank(row->field[j], row->len[j]))
      return 0;
  return 1;
}

/* Cell j of the row as a person sees it: "" past the end of a short row,
 * and the text above for a blank cell in a fill_down column. */
static const char *cell_at(const struct run *r, const struct dahub_csv_row *row,
                           size_t j, size_t *len) {
  size_t k;

  if (j < row->n && !blank(row->field[j], row->len[j])) {
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

/* A cell the data lead must fix. */
static int cell_error(struct run *r, uint32_t line, size_t j, const char *field,
                      const char *expected, const char *found,
                      const char *msg) {
  int rc = dahub_error_set(r->err, -EINVAL, line, (uint32_t)(j + 1), "%s: %s",
                           field, msg);

  dahub_error_detail(r->err, field, expected, found);
  return rc;
}

/* The header text of the column a field is read from, for messages. */
static const char *field_header(const struct map_field *f) {
  return f->src == MAP_COLUMN ? f->text : f->name;
}

/* Turns the text of field f (from a column or a cell) into what the
 * observation carries: the code "values" gives, a period in canonical form,
 * or the text itself. 1: *out is set; 0: leave this row out ("unknown":
 * "skip"); negative: an error. */
static int resolve(struct run *r, size_t f, const char *text, size_t len,
                   uint32_t line, size_t j, const char **out) {
  const struct map_field *mf = &r->m->field[f];
  struct dahub_period p;

  if (mf->has_values) {
    char msg[192];

    if ((*out = mapping_lookup(&mf->values, text, len)) != NULL)
      return 1;
    if (mf->skip_unknown && mf->src == MAP_COLUMN)
      return 0;
    (void)snprintf(msg, sizeof msg,
                   "no code for this %s: add it to options.values.%s%s%s%s",
                   mf->name, mf->name,
                   mf->src == MAP_COLUMN ? ", or set options.unknown." : "",
                   mf->src == MAP_COLUMN ? mf->name : "",
                   mf->src == MAP_COLUMN ? " to \"skip\"" : "");
    return cell_error(r, line, j, field_header(mf),
                      "a label listed in the mapping", text, msg);
  }
  if (blank(text, len))
    return cell_error(r, line, j, field_header(mf), mf->name, "",
                      "expected a value here, found a blank cell");
  if (f == MAP_PERIOD) {
    if (dahub_period_from_text(text, len, &p) != 0)
      return cell_error(r, line, j, field_header(mf),
                        "a period such as Q1 2024/25", text, "not a period");
    dahub_period_format(&p, r->period);
    *out = r->period;
    return 1;
  }
  *out = text;
  return 1;
}

/* Moves a period to the part of its financial year a note names:
 * "86 (Q1+Q2)" with "Q1+Q2": "H1" in FY2023-24-Q1 belongs to FY2023-24-H1. */
static int apply_note(struct run *r, struct dahub_obs *o,
                      const struct dahub_number *num, size_t j,
                      const char *header) {
  struct dahub_period p;
  const char *part;

  part = mapping_lookup(&r->m->period_notes, num->note, num->note_len);
  if (part == NULL)
    return cell_error(r, o->line, j, header, "a number, blank, or <N / *",
                      o->raw,
                      "a note in brackets that options.period_notes does "
                      "not list");
  if (dahub_period_parse(o->period, &p) != 0)
    return cell_error(r, o->line, j, header, "a period id", o->period,
                      "a note cannot change a period that is not an id");
  if (part[0] == 'F') {
    p.kind = DAHUB_PERIOD_YEAR;
    p.n = 0;
  } else {
    p.kind = part[0] == 'H'   ? DAHUB_PERIOD_HALF
             : part[0] == 'Q' ? DAHUB_PERIOD_QUARTER
                              : DAHUB_PERIOD_MONTH;
    p.n = (int)strtol(part + 1, NULL, 10); /* checked by mapping.c */
  }
  dahub_period_format(&p, r->noted);
  o->period = r->noted;
  return 0;
}

/* One value cell, with the row's other fields in val, to the hub. */
static int emit_value(struct run *r, const struct dahub_csv_row *row,
                      const char *const *val, size_t j, const char *header) {
  const struct mapping *m = r->m;
  struct dahub_dim dims[MAP_MAX_DIMS];
  struct dahub_number num;
  struct dahub_obs o;
  size_t len = j < row->n ? row->len[j] : 0, f;
  int rc;

  memset(&o, 0, sizeof o);
  o.raw = j < row->n ? row->field[j] : "";
  o.line = row->line;
  o.col = (uint32_t)(j + 1);
  o.service_id = val[MAP_SERVICE];
  o.area = val[MAP_AREA];
  o.period = val[MAP_PERIOD];
  o.measure = val[MAP_MEASURE];
  for (f = MAP_FIRST_DIM; f < m->n_fields; f++) {
    dims[f - MAP_FIRST_DIM].name = m->field[f].name;
    dims[f - MAP_FIRST_DIM].value = val[f];
  }
  o.dims = dims;
  o.n_dims = m->n_fields - MAP_FIRST_DIM;
  rc = dahub_number_parse(o.raw, len, m->number_flags, &num);
  if (rc == -ERANGE)
    return cell_error(r, o.line, j, header, "a number of at most 18 digits",
                      o.raw, "number too large");
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
    return cell_error(r, o.line, j, header, "a number, blank, or <N / *", o.raw,
                      "not a number");
  }
  if (num.note != NULL && (rc = apply_note(r, &o, &num, j, header)) != 0)
    return rc;
  if (r->host->emit(r->ctx, &o) != 0)
    return dahub_error_set(r->err, -ECANCELED, o.line, o.col,
                           "the hub stopped reading this file");
  return 0;
}

static int data_row(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *val[MAP_MAX_FIELDS] = {NULL}, *text;
  size_t f, k, len;
  int rc;

  /* Remember the last text of each fill_down column, for the rows below. */
  for (k = 0; k < m->n_fill_down; k++) {
    size_t j = r->fill_col[k];
    char *copy;

    if (j >= row->n || blank(row->field[j], row->len[j]))
      continue;
    if ((copy = strdup(row->field[j])) == NULL)
      return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
    free(r->fill_text[k]);
    r->fill_text[k] = copy;
  }
  for (k = 0; k < m->n_skip_if_blank; k++) {
    text = cell_at(r, row, r->skip_col[k], &len);
    if (blank(text, len))
      return 0;
  }
  for (f = 0; f < m->n_fields; f++) {
    switch (m->field[f].src) {
    case MAP_FIXED:
      val[f] = m->field[f].text;
      break;
    case MAP_CELL:
      val[f] = r->cell[f];
      break;
    case MAP_COLUMN:
      text = cell_at(r, row, r->col[f], &len);
      if ((rc = resolve(r, f, text, len, row->line, r->col[f], &val[f])) <= 0)
        return rc;
      break;
    default: /* NONE: absent; ACROSS: set per value column below */
      break;
    }
  }
  if (!m->wide)
    return emit_value(r, row, val, r->value_col, m->value_column);
  for (k = 0; k < m->across.n; k++) {
    val[m->across_field] = m->across.p[k].val;
    if ((rc = emit_value(r, row, val, r->across[k], m->across.p[k].key)) != 0)
      return rc;
  }
  return 0;
}

/* The place of the column headed `name`; exactly one must match. */
static int find_column(struct run *r, const struct dahub_csv_row *row,
                       const char *name, size_t *out) {
  size_t j;

  *out = NO_COL;
  for (j = 0; j < row->n; j++) {
    if (!mapping_same(row->field[j], row->len[j], name))
      continue;
    if (*out != NO_COL)
      return cell_error(r, row->line, j, name, "one column with this header",
                        name, "two columns have this header");
    *out = j;
  }
  if (*out == NO_COL)
    return cell_error(r, row->line, 0, name, "a column with this header", "",
                      "the header has no such column");
  return 0;
}

/* Finds every column the mapping names, and settles the cells above. */
static int read_header(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *code;
  char *copy;
  size_t f, k;
  int rc;

  for (f = 0; f < m->n_fields; f++)
    if (m->field[f].src == MAP_COLUMN &&
        (rc = find_column(r, row, m->field[f].text, &r->col[f])) != 0)
      return rc;
  if (!m->wide &&
      (rc = find_column(r, row, m->value_column, &r->value_col)) != 0)
    return rc;
  for (k = 0; k < m->across.n; k++)
    if ((rc = find_column(r, row, m->across.p[k].key, &r->across[k])) != 0)
      return rc;
  for (k = 0; k < m->n_fill_down; k++)
    if ((rc = find_column(r, row, m->fill_down[k], &r->fill_col[k])) != 0)
      return rc;
  for (k = 0; k < m->n_skip_if_blank; k++)
    if ((rc = find_column(r, row, m->skip_if_blank[k], &r->skip_col[k])) != 0)
      return rc;
  for (f = 0; f < m->n_fields; f++) {
    if (m->field[f].src != MAP_CELL)
      continue;
    if (r->cell[f] == NULL)
      return dahub_error_set(
          r->err, -EINVAL, row->line, 0,
          "options.cells.%s: row %u is not above the header (row %u)",
          m->field[f].name, (unsigned)m->field[f].row, (unsigned)r->rows);
    if ((rc = resolve(r, f, r->cell[f], strlen(r->cell[f]), r->cell_line[f],
                      m->field[f].col - 1, &code)) < 0)
      return rc;
    if ((copy = strdup(code)) == NULL)
      return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
    free(r->cell[f]);
    r->cell[f] = copy;
  }
  return 0;
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
    if (!blank(row->field[j], row->len[j]))
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

static enum dahub_outcome mapped_parse(void *state, struct dahub_input *in,
                                       const struct dahub_host *host,
                                       struct dahub_ctx *ctx,
                                       struct dahub_error *err) {
  const struct mapping *m = state;
  struct dahub_csv_options opt;
  struct dahub_csv *csv = NULL;
  struct run r;
  size_t k;
  int rc;

  memset(&r, 0, sizeof r);
  r.m = m;
  r.host = host;
  r.ctx = ctx;
  r.err = err;
  /* One more entry each, so that no calloc asks for 0 bytes. */
  r.across = calloc(m->across.n + 1, sizeof *r.across);
  r.fill_col = calloc(m->n_fill_down + 1, sizeof *r.fill_col);
  r.fill_text = calloc(m->n_fill_down + 1, sizeof *r.fill_text);
  r.skip_col = calloc(m->n_skip_if_blank + 1, sizeof *r.skip_col);
  if (r.across == NULL || r.fill_col == NULL || r.fill_text == NULL ||
      r.skip_col == NULL) {
    rc = dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
    goto out;
  }
  dahub_csv_options_init(&opt);
  opt.delimiter = m->delimiter;
  opt.encoding = m->encoding;
  if (in->max_line_bytes != 0)
    opt.max_line_bytes = in->max_line_bytes;
  if ((rc = dahub_csv_new(&opt, mapped_read, in, &csv, err)) != 0)
    goto out;
  rc = read_rows(&r, csv);
out:
  dahub_csv_free(csv);
  for (k = 0; k < MAP_MAX_FIELDS; k++)
    free(r.cell[k]);
  for (k = 0; r.fill_text != NULL && k < m->n_fill_down; k++)
    free(r.fill_text[k]);
  free(r.across);
  free(r.fill_col);
  free(r.fill_text);
  free(r.skip_col);
  if (rc == -ENOMEM)
    return DAHUB_RETRY; /* the same file may well go through later */
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

__attribute__((visibility("default")))
const struct dahub_plugin dahub_plugin_v1 = {
    .abi_version = DAHUB_ABI_VERSION,
    .struct_size = sizeof(struct dahub_plugin),
    .name = "mapped",
    .version = "1.0.0",
    .kind = DAHUB_KIND_SOURCE,
    .open = mapped_open,
    .close = mapped_close,
    .parse = mapped_parse,
};
