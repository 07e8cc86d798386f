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

int mapped_date_error(struct run *r, uint32_t line, size_t j, const char *field,
                      int rc, const char *text, const char *example) {
  char expected[96];

  if (rc == -ERANGE)
    return mapped_cell_error(r, line, j, field, "a real day", text,
                             "no such date");
  (void)snprintf(expected, sizeof expected, "a date such as %s", example);
  return mapped_cell_error(r, line, j, field, expected, text, "not a date");
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
  if (*out == NO_COL)
    return mapped_cell_error(r, row->line, 0, name, "a column with this header",
                             "", "the header has no such column");
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
