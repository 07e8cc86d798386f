/*
 * figures.c: the long and wide layouts: a figure in each value cell (see
 * figures.h).
 *
 * A long return has one value column, and its rows name their measure,
 * area and period; a wide one has a value column for each entry of
 * "across", whose header gives one field ("area": {"Blaby": "E07000129",
 * ...}). Each value cell becomes one observation, with the row's fields,
 * what their labels add (a service, fixed dimensions, a financial year),
 * and its period completed or moved by "financial_year" and
 * "period_notes". The wide layout's own options ("across", "total") are
 * read here too, at open().
 */
#include "figures.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/label.h"
#include "dahub/number.h"
#include "dahub/period.h"

#include "fields.h"
#include "options.h"
#include "resolve.h"

static int across(struct mapping *m, const json_t *a, struct dahub_error *err) {
  static const char *const keys[] = {"field", "columns", NULL};
  const json_t *name = json_object_get(a, "field");
  int rc;

  if (!json_is_object(a))
    return opt_bad_type(err, "options.across", "an object", a);
  if ((rc = opt_only_keys(a, "options.across", keys, m->say, err)) != 0)
    return rc;
  if (!json_is_string(name))
    return opt_bad_type(err, "options.across.field", "a field name", name);
  if ((rc = fields_get(m, json_string_value(name),
                       !fields_is_std(json_string_value(name)),
                       "options.across.field", &m->across_field, err)) != 0)
    return rc;
  if (m->field[m->across_field].src != MAP_NONE)
    return opt_bad(err, "options.across.field",
                   "that field already has a source");
  m->field[m->across_field].src = MAP_ACROSS;
  if ((rc = opt_pairs(json_object_get(a, "columns"), "options.across.columns",
                      &m->across, err)) != 0)
    return rc;
  if (m->across.n == 0)
    return opt_bad(err, "options.across.columns", "lists no column");
  return 0;
}

#define AT(field) offsetof(struct mapping, total.field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt total_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"column", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(column), dahub_opt_keep, NULL, "the header of the TOTAL column"},
  {"row", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the TOTAL row: {\"column\": C, \"match\": T}"},
  {.key = NULL}};

static const struct dahub_opt total_row_opts[] = {
  {"column", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(row_column), dahub_opt_keep, NULL, "the column that names the row"},
  {"match", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(row_match), dahub_opt_keep, NULL, "its text in that column"},
  {.key = NULL}};
/* clang-format on */
#undef AT

/* "total": {"column": "TOTAL"} and/or {"row": {"column": C, "match": T}}. */
static int total(struct mapping *m, const json_t *v, struct dahub_error *err) {
  const json_t *row;
  int rc;

  if (!json_is_object(v))
    return opt_bad_type(err, "options.total", "an object", v);
  if ((rc = opt_check(v, "options.total", total_opts, m, m->say, err)) != 0)
    return rc;
  if (m->layout != MAP_WIDE)
    return opt_bad(err, "options.total", "only a wide layout has it");
  if ((row = json_object_get(v, "row")) != NULL) {
    if (!json_is_object(row))
      return opt_bad_type(err, "options.total.row",
                          "an object {\"column\": C, \"match\": T}", row);
    if ((rc = opt_check(row, "options.total.row", total_row_opts, m, m->say,
                        err)) != 0)
      return rc;
  }
  if (m->total.column == NULL && m->total.row_column == NULL)
    return opt_bad(err, "options.total",
                   "expected \"column\", \"row\" or both");
  return 0;
}

/* A period code of the mapping: a period id, or a part of one when the
 * mapping gives the financial year. */
static int period_code(const struct mapping *m, const char *code,
                       const char *path, struct dahub_error *err) {
  struct dahub_period p;

  if (dahub_period_parse(code, &p) == 0)
    return 0;
  if (mapping_period_part(code) && m->field[MAP_YEAR].src != MAP_NONE)
    return 0;
  return opt_bad(err, path, "expected a period id such as FY2024-25-Q1");
}

int figures_check(const struct mapping *m, struct dahub_error *err) {
  const struct map_field *f = &m->field[MAP_PERIOD];
  char path[MAP_PATH_MAX];
  size_t i;
  int rc;

  if (f->src == MAP_FIXED)
    return period_code(m, f->text, "options.fixed.period", err);
  for (i = 0; f->src == MAP_ACROSS && i < m->across.n; i++)
    if ((rc = opt_join(path, "options.across.columns", m->across.p[i].key,
                       err)) != 0 ||
        (rc = period_code(m, m->across.p[i].val, path, err)) != 0)
      return rc;
  for (i = 0; i < f->values.n; i++)
    if (f->values.p[i].t.code != NULL &&
        ((rc = opt_join(path, "options.values.period", f->values.p[i].key,
                        err)) != 0 ||
         (rc = period_code(m, f->values.p[i].t.code, path, err)) != 0))
      return rc;
  return 0;
}

int figures_options(struct mapping *m, const json_t *o,
                    struct dahub_error *err) {
  const json_t *v;
  int rc;

  if ((v = json_object_get(o, "across")) != NULL &&
      (rc = across(m, v, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "total")) != NULL && (rc = total(m, v, err)) != 0)
    return rc;
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
    return mapped_cell_error_code(r, DAHUB_CODE_NOT_A_NUMBER, o->line, j,
                                  header, "a number, blank, or <N / *", o->raw,
                                  "a note in brackets that "
                                  "options.period_notes does not list");
  /* nothing to complete or move: an id stays as written (ids are
   * canonical, so formatting it again would give the same text; anything
   * else the hub judges) */
  if (part == NULL && label_year == NULL && !mapping_period_part(o->period))
    return 0;
  if (label_year != NULL)
    year = label_year;
  if (mapping_period_part(o->period)) {
    if (year == NULL || dahub_period_parse(year, &y) != 0)
      return mapped_cell_error_code(r, DAHUB_CODE_PERIOD, o->line, j, header,
                                    "a financial year", o->period,
                                    "the period is only a part of a year, and "
                                    "nothing gives the year");
    p.fy = y.fy;
    set_part(&p, o->period);
  } else if (dahub_period_parse(o->period, &p) != 0) {
    if (part == NULL && label_year == NULL)
      return 0; /* as written ("keep"): the hub will say if it is wrong */
    return mapped_cell_error_code(
        r, DAHUB_CODE_PERIOD, o->line, j, header, "a period id", o->period,
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

/* The mapping's text for a text cell that means no figure ("missing"), or
 * NULL. Folded only here: a number never gets this far. */
static const char *missing_text(const struct mapping *m, const char *cell,
                                size_t len) {
  char folded[DAHUB_LABEL_MAX];
  int n;
  size_t i;

  if (m->n_missing == 0)
    return NULL;
  n = dahub_label_fold(cell, len, folded);
  for (i = 0; i < m->n_missing; i++) {
    const struct map_missing *x = &m->missing[i];

    if (x->label[0] != '\0' ? n > 0 && strcmp(x->label, folded) == 0
                            : mapping_same(cell, len, x->text))
      return x->text;
  }
  return NULL;
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
  const char *label_year = NULL, *none;
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
    if ((none = missing_text(m, o.raw, len)) != NULL) {
      /* the mapping's word, not the cell's: the officer's, fit to quote */
      o.status = DAHUB_MISSING;
      mapped_warn(r, o.line, o.col,
                  "%s: \"%s\" read as missing, no figure (options.missing)",
                  header, none);
      break;
    }
    if (text_skipped(m, o.measure)) {
      /* The text is not quoted: a comment may name someone. */
      mapped_warn(r, o.line, o.col,
                  "%s: text where a number belongs, left out (options.text)",
                  header);
      return 0;
    }
    return mapped_cell_error_code(r, DAHUB_CODE_NOT_A_NUMBER, o.line, j, header,
                                  "a number, blank, or <N / *", o.raw,
                                  "not a number");
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
                               &tg[f], NULL)) <= 0)
        return rc;
      break;
    default: /* NONE: absent; ACROSS: set per value column */
      break;
    }
  }
  return 1;
}

int figures_fields(struct run *r, const struct dahub_csv_row *row,
                   const char **val, const struct map_target **tg) {
  if (mapped_row_skipped(r, row, NULL))
    return 0;
  return row_fields(r, row, val, tg);
}

int figures_emit(struct run *r, const struct dahub_csv_row *row,
                 const char **val, const struct map_target *const *tg) {
  const struct mapping *m = r->m;
  size_t k;
  int rc;

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
