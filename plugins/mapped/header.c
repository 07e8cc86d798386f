/*
 * header.c: the rows of a CSV layout's file down to its header (mapped.c
 * hands each row here until the header is read).
 *
 * Rows above the header may hold "cells" (a period, a year in a title
 * row): their text is kept. The header row is told by its number or by
 * the text of its first non-empty cell; reading it finds the place of
 * every column the mapping names (exactly one each) and settles the kept
 * cells into codes. After that the file's rows are data, the layout's.
 *
 * The same code tells whether a feed's shape fits a file (shapes.c): a
 * shape fits when its header is found and every column it names is
 * there, so what a file is read with and what chose it cannot disagree.
 */
#include "header.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "records.h"
#include "resolve.h"

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
    if (r->cell[f] == NULL) {
      /* the header came sooner than the template has it */
      rc = dahub_error_set(
          r->err, -EINVAL, row->line, 0,
          "options.cells.%s: row %u is not above the header (row %u)",
          m->field[f].name, (unsigned)m->field[f].row, (unsigned)r->rows);
      dahub_error_code(r->err, DAHUB_CODE_NO_HEADER);
      return rc;
    }
    rc = mapped_resolve(r, f, r->cell[f], strlen(r->cell[f]), r->cell_line[f],
                        m->field[f].col - 1, &code, &r->cell_target[f], NULL);
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

int header_take(struct run *r, const struct dahub_csv_row *row) {
  if (!is_header(r, row)) {
    mapped_above_header(r, row);
    return above_header(r, row);
  }
  r->in_data = 1;
  return read_header(r, row);
}
