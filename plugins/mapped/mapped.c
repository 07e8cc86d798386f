/*
 * mapped.c: the "mapped" source plugin: a partner's return, read by the
 * mapping in its feed's options (the language: docs/mapping.md).
 *
 * This file is also the example to copy for a new plugin. A plugin is one
 * const struct, dahub_plugin_v1, and three callbacks:
 *
 *  - open() runs on the hub's loop thread when the feed is loaded. It
 *    checks every option (mapped_open.c: mapping.c, then the layout's own,
 *    labels.c, records.c) and returns the state parse() needs.
 *  - parse() runs on a worker thread, once per file, possibly for several
 *    files of the feed at once: the state is only read, and what belongs to
 *    one file lives in a struct run on parse()'s stack. The file comes in
 *    through in->read only, record by record through the CSV reader, so a
 *    file of any size needs one record's memory; an .xlsx is held whole,
 *    compressed, and its sheet read a row at a time (workbook.c). Each
 *    value cell becomes one observation handed to host->emit; nothing is
 *    kept after it returns.
 *  - close() frees the state.
 *
 * The file is read top down: rows above the header (where "cells" are
 * picked up), the header (which finds each named column), then data rows
 * until a footer or the end. Blank rows are skipped everywhere. For each
 * data row, in this order: fill-down, a total row or the parts of totals
 * (total.c), then the row goes to its layout: figures.c (long, wide)
 * leaves it out if a label says so, reads its fields, its record
 * (records.c), then makes one observation per value cell; cases.c counts
 * it instead. The json layout reads no CSV at all (jsondoc.c). Cases and
 * json emit their figures at the end, through mapped_emit_groups()
 * (run.c). A feed with several shapes (shapes.c) first reads the start of
 * the file with each, down to its header (probe()), and then the whole
 * file with the first that fits; the state open() returns is the list of
 * shapes: a list of one for a feed with a single mapping.
 *
 * This file and mapped_open.c (the options read into one mapping) are the
 * only ones that know every layout: the layouts know the
 * core (workbook.c: CSV or .xlsx, header.c: the rows down to the header,
 * mapping.c, mapping_csv.c, fields.c, labels.c,
 * options.c, run.c, resolve.c, memo.c, agg.c) and none another; dates are the
 * hub's (dahub/date.h).
 *
 * The first problem ends the file with DAHUB_FAIL and an error naming the
 * line, the column (as a spreadsheet counts them), the column's header,
 * what was expected and what was found, for the data lead to fix. What
 * does not stop the file (a text cell the mapping skips, a total that does
 * not add up, a row a label leaves out with a reason) goes to host->warn.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dahub/csv_fast.h"
#include "dahub/plugin.h"

#include "cases.h"
#include "codes.h"
#include "figures.h"
#include "header.h"
#include "jsondoc.h"
#include "labels.h"
#include "mapped_open.h"
#include "memo.h"
#include "records.h"
#include "resolve.h"
#include "run.h"
#include "shapes.h"
#include "total.h"
#include "workbook.h"

static int row_blank(const struct dahub_csv_row *row) {
  size_t j;

  for (j = 0; j < row->n; j++)
    if (!mapped_blank(row->field[j], row->len[j]))
      return 0;
  return 1;
}

/* A row of a long or wide return: its fields, its record (records.c),
 * then one observation per value cell (figures.c). */
static int figures_row(struct run *r, const struct dahub_csv_row *row) {
  const char *val[MAP_MAX_FIELDS] = {NULL};
  const struct map_target *tg[MAP_MAX_FIELDS] = {NULL};
  int rc;

  if ((rc = figures_fields(r, row, val, tg)) <= 0)
    return rc;
  if (r->m->records != NULL && (rc = records_row(r, row, val, tg)) != 0)
    return rc;
  return figures_emit(r, row, val, tg);
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

/* One record, from a CSV file or a sheet: 1 when it is the footer (the
 * data ends), 0 to go on, or negative. */
static int take_row(struct run *r, const struct dahub_csv_row *row) {
  if (r->rows == UINT32_MAX)
    return dahub_error_set(r->err, -EMSGSIZE, row->line, 0, "too many rows");
  r->rows++;
  if (!r->in_data)
    return header_take(r, row);
  if (row_blank(row))
    return 0;
  if (is_footer(r->m, row))
    return 1;
  return data_row(r, row);
}

/* After the last record (rc 0) or the footer (rc 1): no header is an error. */
static int rows_end(struct run *r, int rc) {
  if (rc == 1)
    return 0;
  if (rc == 0 && !r->in_data)
    return mapped_no_header(r);
  return rc;
}

static int read_rows(struct run *r, struct dahub_csv *csv) {
  struct dahub_csv_fast_row fr;
  int rc;

  while ((rc = dahub_csv_next_fast(csv, &fr, r->err)) == 1) {
    r->prepared = fr.prepared; /* the cases layout's (cases_ahead.h) */
    if ((rc = take_row(r, &fr.row)) != 0)
      break;
  }
  return rows_end(r, rc);
}

/* A sheet's rows, numbered as in Excel: rows the sheet leaves out count,
 * so "row": 3 is the sheet's row 3 whatever is above it. */
static int read_sheet(struct run *r, struct head *h) {
  struct workbook *wb = NULL;
  struct dahub_csv_row row;
  int rc;

  r->sheet = 1;
  if ((rc = workbook_open(h, r->m, &wb, r->err)) != 0)
    return rc;
  /* the hub names the sheet's cells as Excel does in its reports */
  if (r->host->struct_size >=
          offsetof(struct dahub_host, sheet) + sizeof r->host->sheet &&
      r->host->sheet != NULL)
    r->host->sheet(r->ctx, workbook_sheet(wb));
  /* r->prepared stays NULL: the cases layout works each row out itself */
  while ((rc = workbook_next(wb, &row, r->err)) == 1) {
    r->rows = row.line - 1;
    if ((rc = take_row(r, &row)) != 0)
      break;
  }
  workbook_free(wb);
  return rows_end(r, rc);
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

/* The CSV reader's options for m's files. */
static void csv_options(const struct mapping *m, const struct dahub_input *in,
                        struct dahub_csv_options *opt) {
  dahub_csv_options_init(opt);
  opt->delimiter = m->delimiter;
  opt->encoding = m->encoding;
  if (in->max_line_bytes != 0)
    opt->max_line_bytes = in->max_line_bytes;
}

/* A run of m over one file, before its arrays are made. */
static void run_init(struct run *r, const struct mapping *m,
                     const struct dahub_host *host, struct dahub_ctx *ctx,
                     struct dahub_error *err) {
  memset(r, 0, sizeof *r);
  r->m = m;
  r->host = host;
  r->ctx = ctx;
  r->err = err;
  r->total_col = r->total_row_col = r->when_col = NO_COL;
}

#define PROBE_ROWS 1000

/* What trying a shape needs of parse(). */
struct probe {
  struct head *h;
  const struct dahub_host *host;
  struct dahub_ctx *ctx;
};

/* The next row of a sheet or of the CSV reader, numbered as take_row()
 * would. 1, 0 at the end, or negative. */
static int probe_next(struct run *r, struct workbook *wb, struct dahub_csv *csv,
                      struct dahub_csv_row *row) {
  int rc = wb != NULL ? workbook_next(wb, row, r->err)
                      : dahub_csv_next(csv, row, r->err);

  if (rc == 1)
    r->rows = wb != NULL ? row->line : r->rows + 1;
  return rc;
}

/* Whether shape m fits the file (shapes.h): its rows are read from the
 * start, as parse() would, until the header is read and its columns
 * found, or it is clear there is none. 0, or negative with why. */
static int probe(void *arg, const struct mapping *m, struct dahub_error *why) {
  struct probe *p = arg;
  struct dahub_csv_options opt;
  struct dahub_csv *csv = NULL;
  struct workbook *wb = NULL;
  struct dahub_csv_row row;
  struct run r;
  int rc;

  run_init(&r, m, p->host, p->ctx, why);
  workbook_rewind(p->h, 1);
  csv_options(m, p->h->in, &opt);
  if ((rc = run_alloc(&r)) != 0)
    goto out;
  if (workbook_is_xlsx(p->h)) {
    r.sheet = 1; /* cells, not delimiters: no delimiter to doubt */
    rc = workbook_open(p->h, m, &wb, why);
  } else
    rc = dahub_csv_new(&opt, workbook_csv_read, p->h, &csv, why);
  while (rc == 0 && !r.in_data) {
    if (r.rows >= PROBE_ROWS) {
      rc = dahub_error_set(why, -EINVAL, 0, 0, "no header in the first %u rows",
                           PROBE_ROWS);
      break;
    }
    if ((rc = probe_next(&r, wb, csv, &row)) == 1)
      rc = header_take(&r, &row);
    else if (rc == 0)
      rc = mapped_no_header(&r);
  }
  if (rc != 0 && p->h->tape_full)
    rc = dahub_error_set(why, -EINVAL, 0, 0, "no header in the first %u KiB",
                         WORKBOOK_TAPE_MAX >> 10);
out:
  dahub_csv_free(csv);
  workbook_free(wb);
  run_free(&r);
  return rc;
}

static enum dahub_outcome mapped_parse(void *state, struct dahub_input *in,
                                       const struct dahub_host *host,
                                       struct dahub_ctx *ctx,
                                       struct dahub_error *err) {
  const struct shapes *sh = state;
  const struct mapping *m = sh->m[0];
  struct dahub_csv_options opt;
  struct dahub_csv_fast fast;
  struct dahub_csv *csv = NULL;
  struct head h = {.in = in};
  struct probe p = {.h = &h, .host = host, .ctx = ctx};
  size_t pick = 0;
  struct run r;
  int rc;

  run_init(&r, m, host, ctx, err);
  if (m->layout == MAP_JSON) { /* never one of several shapes */
    rc = jsondoc_parse(&r, in);
    goto out;
  }
  if ((rc = workbook_head(&h, err)) != 0)
    goto out;
  if (sh->n > 1) {
    if ((rc = shapes_pick(sh, probe, &p, host, ctx, &pick, err)) != 0)
      goto out;
    workbook_rewind(&h, 0);
    run_init(&r, m = sh->m[pick], host, ctx, err);
  }
  if ((rc = run_alloc(&r)) != 0)
    goto out;
  if (workbook_is_xlsx(&h)) { /* by its content, whatever its name */
    rc = read_sheet(&r, &h);
    goto end;
  }
  csv_options(m, in, &opt);
  /* Reading, hashing and splitting the CSV on a second core: a quarter of
   * the work of a big file (the reader starts its thread only for one). */
  memset(&fast, 0, sizeof fast);
  if (m->layout == MAP_CASES) {
    fast.prepare = cases_prepare;
    fast.prepare_arg = cases_prepare_arg(&r);
    fast.prepare_size = cases_prepare_size(m);
  }
  if ((rc = dahub_csv_new_fast(&opt, &fast, workbook_csv_read, &h, &csv,
                               err)) != 0)
    goto out;
  rc = read_rows(&r, csv);
end:
  if (rc == 0 && m->layout == MAP_CASES)
    rc = cases_end(&r);
out:
  dahub_csv_free(csv);
  run_free(&r);
  workbook_head_free(&h);
  /* The same file may well go through later: out of memory, or -EAGAIN:
   * the temporary files of distinct counts failed (cases.c) */
  if (rc == -ENOMEM || rc == -EAGAIN)
    return DAHUB_RETRY;
  return rc < 0 ? DAHUB_FAIL : DAHUB_OK;
}

/* Counts what open_each() says on, so that a problem that only err holds
 * (a rule between keys, a section's reader) is said too. */
struct said {
  void (*fn)(void *arg, const struct dahub_error *e);
  void *arg;
  unsigned n;
};

static void say_on(void *arg, const struct dahub_error *e) {
  struct said *s = arg;

  s->n++;
  s->fn(s->arg, e);
}

/* One mapping, or several shapes (shapes.c), each read as above. Every
 * problem of the options is said to problem() (when not NULL), read on
 * past the first as struct map_reading says. */
static int mapped_open_each(const json_t *o, void **state,
                            void (*problem)(void *arg,
                                            const struct dahub_error *e),
                            void *arg, struct dahub_error *err) {
  struct said said = {problem, arg, 0};
  const struct opt_say say = {say_on, &said};
  struct shapes *sh = NULL;
  int rc = shapes_open(o, mapped_open_one, mapped_options_free,
                       problem != NULL ? &say : NULL, &sh, err);

  if (rc != 0 && problem != NULL && said.n == 0 && err != NULL)
    problem(arg, err);
  *state = sh;
  return rc;
}

static int mapped_open(const json_t *o, void **state, struct dahub_error *err) {
  return mapped_open_each(o, state, NULL, NULL, err);
}

static void mapped_close(void *state) { shapes_free(state); }

/* A case-level extract is one row per case: its cells are references,
 * ages, dates and labels of one person each, whatever the feed says. */
static int mapped_personal(const void *state) {
  const struct shapes *sh = state;
  size_t i;

  for (i = 0; sh != NULL && i < sh->n; i++)
    if (sh->m[i]->layout == MAP_CASES)
      return 1;
  return 0;
}

DAHUB_PLUGIN(.name = "mapped", .version = "1.2.0", .kind = DAHUB_KIND_SOURCE,
             .open = mapped_open, .close = mapped_close, .parse = mapped_parse,
             .personal = mapped_personal, .codes = mapped_codes,
             .open_each = mapped_open_each);
