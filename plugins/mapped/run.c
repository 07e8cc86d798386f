/*
 * run.c: one file's run through the mapped plugin (see run.h): reading a
 * cell as a person sees it, finding a column by its header, errors that
 * name the cell, warnings, rows a label leaves out, and handing figures to
 * the hub. Every layout that reads a CSV works through these, on parse()'s
 * worker thread, on the struct run of its file.
 */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dahub/error.h"

#include "agg.h"
#include "memo.h"

int mapped_blank(const char *s, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
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

int mapped_cell_error_code(struct run *r, const char *code, uint32_t line,
                           size_t j, const char *field, const char *expected,
                           const char *found, const char *msg) {
  int rc = mapped_cell_error(r, line, j, field, expected, found, msg);

  dahub_error_code(r->err, code);
  return rc;
}

int mapped_date_error(struct run *r, uint32_t line, size_t j, const char *field,
                      int rc, const char *text, const char *example) {
  char expected[96];

  (void)snprintf(expected, sizeof expected, "a date such as %s", example);
  if (rc == -ERANGE) /* 31/02/2024: the example says what a day is */
    return mapped_cell_error_code(r, DAHUB_CODE_DATE, line, j, field, expected,
                                  text, "no such date");
  return mapped_cell_error_code(r, DAHUB_CODE_DATE, line, j, field, expected,
                                text, "not a date");
}

/* ---- Why a header is not where the mapping says ----
 *
 * A file saved with another delimiter reads as rows of one cell each (or
 * of a few, where a decimal comma split one), whose text holds the real
 * delimiter; a row that never matches the header follows. Counting the
 * rows above the header tells that apart from a file with no text at all
 * and from a changed template, so the data lead is told the right fix. */

static const char delims[3] = {',', ';', '\t'};
static const char *const delim_names[3] = {
    DAHUB_DELIM_COMMAS, DAHUB_DELIM_SEMICOLONS, DAHUB_DELIM_TABS};
static const char *const delim_shown[3] = {"\",\"", "\";\"", "\"\\t\""};

static size_t delim_index(char d) {
  size_t k = 0;

  while (k < 2 && delims[k] != d)
    k++;
  return k;
}

void mapped_above_header(struct run *r, const struct dahub_csv_row *row) {
  int text = 0, has[3] = {0};

  for (size_t j = 0; j < row->n; j++) {
    if (mapped_blank(row->field[j], row->len[j]))
      continue;
    text = 1;
    for (size_t k = 0; k < 3; k++)
      if (memchr(row->field[j], delims[k], row->len[j]) != NULL)
        has[k] = 1;
  }
  if (!text || r->text_rows == UINT32_MAX)
    return;
  r->text_rows++;
  if (row->n > 1)
    r->split_rows++;
  for (size_t k = 0; k < 3; k++)
    r->delim_rows[k] += (uint32_t)has[k];
}

/* The delimiter the rows seen seem to use instead of the feed's: its
 * index, or -1. One that most rows hold, in more rows than the feed's
 * delimiter split. */
static int other_delimiter(const struct run *r) {
  size_t own = delim_index(r->m->delimiter), best = 3;

  if (r->sheet)
    return -1;
  for (size_t k = 0; k < 3; k++)
    if (k != own && (best == 3 || r->delim_rows[k] > r->delim_rows[best]))
      best = k;
  if (best == 3 || r->delim_rows[best] == 0 ||
      r->delim_rows[best] <= r->split_rows ||
      2 * (uint64_t)r->delim_rows[best] < r->text_rows)
    return -1;
  return (int)best;
}

/* err says the file's cells are split by delimiter k, not the feed's;
 * what explains it (the header or column not found) comes first. */
static int wrong_delimiter(struct run *r, uint32_t line, size_t j,
                           const char *field, const char *what, int k) {
  size_t own = delim_index(r->m->delimiter);
  int rc = dahub_error_set(r->err, -EINVAL, line, line ? (uint32_t)j + 1 : 0,
                           "%s%s%s (the file has %s; the feed reads %s)",
                           line ? field : "", line ? ": " : "", what,
                           delim_names[k], delim_shown[own]);

  dahub_error_detail(r->err, field, delim_names[own], delim_names[k]);
  dahub_error_code(r->err, DAHUB_CODE_DELIMITER);
  return rc;
}

int mapped_no_header(struct run *r) {
  const struct mapping *m = r->m;
  char what[160], looked[160];
  int k, rc;

  if (r->text_rows == 0) {
    rc = dahub_error_set(r->err, -EINVAL, 0, 0,
                         "the file is empty: it has no text in any cell");
    dahub_error_detail(r->err, "file", "rows of the return", "nothing");
    dahub_error_code(r->err, DAHUB_CODE_EMPTY_FILE);
    return rc;
  }
  if (m->header_match != NULL) {
    (void)snprintf(what, sizeof what, "no header: no row starts with \"%s\"",
                   m->header_match);
    (void)snprintf(looked, sizeof looked, "a row starting with \"%s\"",
                   m->header_match);
  } else {
    (void)snprintf(what, sizeof what,
                   "no header: the file has %u rows, the header should be "
                   "row %u",
                   (unsigned)r->rows, (unsigned)m->header_row);
    (void)snprintf(looked, sizeof looked, "the headings in row %u",
                   (unsigned)m->header_row);
  }
  if ((k = other_delimiter(r)) >= 0)
    return wrong_delimiter(r, 0, 0, "file", what, k);
  rc = dahub_error_set(r->err, -EINVAL, 0, 0, "%s", what);
  dahub_error_detail(r->err, "header", looked, NULL);
  dahub_error_code(r->err, DAHUB_CODE_NO_HEADER);
  return rc;
}

/* found = the row's headers, each ended by DAHUB_FOUND_SEP, as many as
 * fit; the hub quotes, cuts or describes each (dahub/error.h). */
static void headers_found(const struct dahub_csv_row *row, char *found,
                          size_t n) {
  size_t used = 0;

  found[0] = '\0';
  for (size_t j = 0; j < row->n; j++) {
    size_t len = row->len[j];

    if (mapped_blank(row->field[j], len))
      continue;
    if (len > 40) /* the hub would cut it there: leave room for more */
      len = 40;
    while (len > 0 && ((unsigned char)row->field[j][len] & 0xC0) == 0x80 &&
           len < row->len[j])
      len--; /* a whole character */
    if (used + len + 2 > n)
      break;
    memcpy(found + used, row->field[j], len);
    used += len;
    found[used++] = DAHUB_FOUND_SEP;
    found[used] = '\0';
  }
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
  if (*out == NO_COL) {
    char found[sizeof r->err->found];
    size_t cells = 0, k = 0;

    for (j = 0; j < row->n; j++)
      if (!mapped_blank(row->field[j], row->len[j])) {
        cells++;
        k = j;
      }
    if (cells == 1 && !r->sheet) { /* a whole row in one cell? */
      for (size_t d = 0; d < 3; d++)
        if (d != delim_index(r->m->delimiter) &&
            memchr(row->field[k], delims[d], row->len[k]) != NULL)
          return wrong_delimiter(r, row->line, 0, name,
                                 "the header has no such column", (int)d);
    }
    headers_found(row, found, sizeof found);
    return mapped_cell_error_code(r, DAHUB_CODE_NO_COLUMN, row->line, 0, name,
                                  "a column with this header", found,
                                  "the header has no such column");
  }
  return 0;
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
