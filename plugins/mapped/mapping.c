/*
 * mapping.c: the mapping language of the "mapped" plugin, and its checker.
 *
 * A community safety officer describes a partner's return in the feed's
 * "options"; no C is needed. Every key below is checked when the feed is
 * loaded (start, `dahub check`, reload): an unknown key or a wrong type is an
 * error naming its path, so a typo never silently drops data.
 *
 * Reading the file (CSV layouts: long, wide, cases)
 *   "delimiter": ","         ",", ";" or "\t" (default ",")
 *   "encoding": "utf-8"      or "windows-1252" (default "utf-8"; a file
 *                            with a UTF-8 byte order mark is read as UTF-8)
 *   "decimal_comma": false   true: "96,5" is 96.5 and "63.000" is 63000
 *   "header": {"row": 5}     the header is spreadsheet row 5, or
 *             {"match": "Service"}  the first row whose first non-empty
 *                            cell is this text (case and spaces ignored)
 *   "footer": {"match": ["Notes:", "Note:"]}  the first row whose first
 *                            cell starts with one of these ends the data
 *   "fill_down": ["Service"] blank cells in these columns take the value
 *                            above them (Excel's merged cells)
 *   "skip_if_blank": ["Measure"]  rows blank in any of these are left out
 *
 * Where each field comes from
 *   "layout": "long"         one value per row, in the "value" column;
 *             "wide"         one value per column listed in "across";
 *             "cases"        one case per row, counted (see cases.c);
 *             "json"         a JSON document of items, summed (jsondoc.c)
 *   "columns": {             fields read from each data row, by header text
 *     "service_id": "Service", "area": "District", "period": "Quarter",
 *     "measure": "Measure", "value": "Count" (long only),
 *     "financial_year": "Year",
 *     "dimensions": {"gender": "Gender",
 *       "age_band": {"column": "Age", "bands": ["0-5", ..., "85+"],
 *                    "blank": "not_known"}}}  a number put in its band
 *   "cells": {               fields read once from a cell above the header:
 *     "period": {"row": 2, "col": 2}, ...}  the same keys as "columns"
 *                            (not "value"), 1-based row and column
 *   "fixed": {               constants: the same keys, each a text;
 *     "period": "FY2024-25-Q1", "area": "E10000018", ...}
 *   "across": {              wide only: the value columns, by header text,
 *     "field": "area",       and what each one gives this field ("area",
 *     "columns": {           "period", "measure", "service_id" or a
 *       "Blaby": "E07000129", ...}}  dimension). Other columns are ignored.
 *
 * Periods
 *   A period read from a column or cell may be written as partners write
 *   it ("Q1 2024/25 (1 April 2024 - 30 June 2024)", "Jul-Sep 2024").
 *   "financial_year" (from a cell, column or fixed) completes a period
 *   given only as a part: with "across": {"field": "period", "columns":
 *   {"Q1": "Q1", "Year": "FY"}} and "cells": {"financial_year": {"row": 2,
 *   "col": 1}} holding "Reporting year 2023/24", column Q1 is FY2023-24-Q1.
 *   "period_from_date": "quarter"  the period column (or cell) holds a date
 *                            (13.06.2022, 01/08/2022, 01/10/22 = 2022,
 *                            2024-04-01); the figure belongs to the
 *                            "quarter", "month", "half" or "year" holding it.
 *                            An impossible date (31/02/2024) is an error.
 *   "period_notes": {"Q1+Q2": "H1"}  a value "86 (Q1+Q2)" belongs to that
 *                            part of its period's financial year (FY, H1,
 *                            H2, Q1..Q4, M01..M12); other notes are errors
 *
 * Labels
 *   "values": {              label -> code for a field read from the file
 *     "measure": {           (compared as the vocabulary compares labels,
 *                            dahub/label.h: case, spaces and punctuation
 *                            ignored, "&" read as "and"; "" maps a blank):
 *       "Calls handled": "helpline_contacts",            a code;
 *       "Bedspaces available at*": "sa_bedspaces_available",  a final '*'
 *                            matches every cell starting with the rest;
 *       "Individuals supported - women": {"measure":
 *         "sa_individuals_supported", "dimensions": {"person_type":
 *         "woman"}},         a code with fixed dimensions, and optionally
 *                            "service_id" and "financial_year" (the year
 *                            the row's figures belong to: long, wide);
 *       "Ethnicity of victims": null,      leave the row out, silently;
 *       "Tier 2 (each district)": {"skip": "approximate, no year"}}}
 *                            leave the row out with a warning and reason.
 *                            A row left out by any label is not read
 *                            further. Areas and dimension labels that
 *                            "values" does not list pass to the hub as
 *                            written (it knows "NW Leics", "F") only with
 *                            "unknown" "keep"; otherwise
 *   "unknown": {"measure": "skip"}  what an unlisted label does: "error"
 *                            (default: fails the file, naming row, column
 *                            and text), "skip" (the row is left out) or
 *                            "keep" (the text passes on as written).
 *
 * Values
 *   A number ("1,127,205", "£63,000", "31%", "96,5" with decimal_comma) is
 *   actual; blank is missing, never zero; "<5", "<10", "*" are suppressed
 *   at source with the bound kept; "approx. 33,000" is estimated.
 *   "text": "skip"           a text cell where a value belongs ("similar to
 *     or {"<measure>": "skip"}  Q2") is left out with a warning naming its
 *                            row and column (all measures, or those listed);
 *                            by default it fails the file.
 *   "total": {"column": "TOTAL"}  wide only: check each row's total column
 *     or {"row": {"column": "Area", "match": "Total"}}  or the total row's
 *                            cells against the rows above it. A mismatch
 *                            beyond what suppressed cells allow ("<5" is
 *                            0..4) is a warning; a total is never emitted.
 *   "records": {...}         rows that are also records (records.c)
 *
 * Each of area, period and measure comes from exactly one of columns,
 * cells, fixed and across (the cases and json layouts say otherwise);
 * service_id and each dimension from at most one. Rows and columns count
 * as a spreadsheet does: row 5 is the fifth record, blank ones included.
 *
 * mapping_new() runs on the loop thread and builds a struct mapping that
 * the parsing code then only reads.
 */
#include "mapping.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dahub/label.h"
#include "dahub/number.h"
#include "dahub/period.h"

#include "cases.h"
#include "jsondoc.h"
#include "records.h"

static const char *const std_names[MAP_FIRST_DIM] = {
    "service_id", "area", "period", "measure", "financial_year"};
static const char *const source_names[] = {"nowhere", "options.fixed",
                                           "options.cells", "options.columns",
                                           "options.across"};

/* The kind of a JSON value, for "expected a string, found a number". */
static const char *json_kind(const json_t *v) {
  if (v == NULL)
    return "nothing";
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "true/false";
  default:
    return "null";
  }
}

/* "options.header.rwo: unknown key"; the path also goes in err->field. */
int mapping_bad(struct dahub_error *err, const char *path, const char *what) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: %s", path, what);

  dahub_error_detail(err, path, NULL, NULL);
  return rc;
}

int mapping_bad_type(struct dahub_error *err, const char *path,
                     const char *expected, const json_t *found) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: expected %s, found %s",
                           path, expected, json_kind(found));

  dahub_error_detail(err, path, expected, json_kind(found));
  return rc;
}

int mapping_nomem(struct dahub_error *err) {
  return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
}

int mapping_join(char *buf, const char *path, const char *key,
                 struct dahub_error *err) {
  int n = snprintf(buf, MAP_PATH_MAX, "%s.%s", path, key);

  if (n < 0 || n >= MAP_PATH_MAX)
    return mapping_bad(err, path, "a key is too long");
  return 0;
}

int mapping_only_keys(const json_t *obj, const char *path,
                      const char *const *allowed, struct dahub_error *err) {
  const char *key;
  const char *const *a;
  json_t *v;
  char sub[MAP_PATH_MAX];
  int rc;

  /* jansson's iterator takes a non-const object; it is only read. */
  json_object_foreach((json_t *)obj, key, v) {
    for (a = allowed; *a != NULL && strcmp(*a, key) != 0; a++)
      ;
    if (*a != NULL)
      continue;
    if ((rc = mapping_join(sub, path, key, err)) != 0)
      return rc;
    return mapping_bad(err, sub, "unknown key");
  }
  return 0;
}

int mapping_dup_string(const json_t *v, const char *path, char **out,
                       struct dahub_error *err) {
  if (!json_is_string(v) || json_string_length(v) == 0)
    return mapping_bad_type(err, path, "a non-empty string", v);
  if ((*out = strdup(json_string_value(v))) == NULL)
    return mapping_nomem(err);
  return 0;
}

int mapping_pairs(const json_t *obj, const char *path, struct map_list *l,
                  struct dahub_error *err) {
  const char *key;
  json_t *v;
  char sub[MAP_PATH_MAX];

  if (!json_is_object(obj))
    return mapping_bad_type(err, path, "an object", obj);
  if ((l->p = calloc(json_object_size(obj) + 1, sizeof *l->p)) == NULL)
    return mapping_nomem(err);
  json_object_foreach((json_t *)obj, key, v) {
    int rc;

    if ((rc = mapping_join(sub, path, key, err)) != 0 ||
        (rc = mapping_dup_string(v, sub, &l->p[l->n].val, err)) != 0)
      return rc;
    if ((l->p[l->n++].key = strdup(key)) == NULL)
      return mapping_nomem(err);
  }
  return 0;
}

int mapping_strings(const json_t *arr, const char *path, char ***out, size_t *n,
                    struct dahub_error *err) {
  char sub[MAP_PATH_MAX];
  size_t i;

  if (!json_is_array(arr) || json_array_size(arr) == 0)
    return mapping_bad_type(err, path, "a non-empty array of strings", arr);
  if ((*out = calloc(json_array_size(arr), sizeof **out)) == NULL)
    return mapping_nomem(err);
  for (i = 0; i < json_array_size(arr); i++) {
    int rc;

    if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) >= (int)sizeof sub)
      return mapping_bad(err, path, "path too long");
    if ((rc = mapping_dup_string(json_array_get(arr, i), sub, &(*out)[i],
                                 err)) != 0)
      return rc;
    *n = i + 1;
  }
  return 0;
}

int mapping_uint(const json_t *v, const char *path, uint64_t min, uint64_t max,
                 uint64_t def, uint64_t *out, struct dahub_error *err) {
  char expected[96];

  if (v == NULL) {
    *out = def;
    return 0;
  }
  (void)snprintf(expected, sizeof expected, "a whole number from %llu to %llu",
                 (unsigned long long)min, (unsigned long long)max);
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      (uint64_t)json_integer_value(v) < min ||
      (uint64_t)json_integer_value(v) > max)
    return mapping_bad_type(err, path, expected, v);
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

int mapping_period_kind(const json_t *v, const char *path,
                        enum dahub_period_kind *out, struct dahub_error *err) {
  static const struct {
    const char *name;
    enum dahub_period_kind kind;
  } kinds[] = {{"quarter", DAHUB_PERIOD_QUARTER},
               {"month", DAHUB_PERIOD_MONTH},
               {"half", DAHUB_PERIOD_HALF},
               {"year", DAHUB_PERIOD_YEAR}};
  const char *s = json_string_value(v);
  size_t i;

  *out = DAHUB_PERIOD_QUARTER;
  if (v == NULL)
    return 0;
  for (i = 0; s != NULL && i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(s, kinds[i].name) == 0) {
      *out = kinds[i].kind;
      return 0;
    }
  return mapping_bad_type(err, path,
                          "\"quarter\", \"month\", \"half\" or \"year\"", v);
}

static int is_std_name(const char *name) {
  size_t i;

  for (i = 0; i < MAP_FIRST_DIM; i++)
    if (strcmp(std_names[i], name) == 0)
      return 1;
  return 0;
}

static int is_ident(const char *s) {
  const char *c;

  for (c = s; *c != '\0'; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
      return 0;
  return c != s;
}

int mapping_field(struct mapping *m, const char *name, int is_dim,
                  const char *path, size_t *out, struct dahub_error *err) {
  size_t i;

  for (i = 0; i < m->n_fields; i++)
    if (strcmp(m->field[i].name, name) == 0)
      break;
  if (i < MAP_FIRST_DIM && is_dim)
    return mapping_bad(err, path, "is a field, not a dimension");
  if (i < m->n_fields) {
    *out = i;
    return 0;
  }
  if (!is_dim)
    return mapping_bad(err, path,
                       "no such field (expected service_id, area, period, "
                       "measure, financial_year or a dimension named "
                       "elsewhere in the mapping)");
  if (!is_ident(name))
    return mapping_bad(err, path, "a dimension name is [a-z0-9_]+");
  if (m->n_fields == MAP_MAX_FIELDS)
    return mapping_bad(err, path, "more than 16 dimensions");
  if ((m->field[m->n_fields].name = strdup(name)) == NULL)
    return mapping_nomem(err);
  *out = m->n_fields++;
  return 0;
}

int mapping_dims(const struct mapping *m, const json_t *obj, const char *path,
                 size_t max, int against_fields, struct map_list *l,
                 struct dahub_error *err) {
  char sub[MAP_PATH_MAX];
  size_t i, f;
  int rc;

  if ((rc = mapping_pairs(obj, path, l, err)) != 0)
    return rc;
  if (l->n > max)
    return mapping_bad(err, path, "too many dimensions");
  for (i = 0; i < l->n; i++) {
    if ((rc = mapping_join(sub, path, l->p[i].key, err)) != 0)
      return rc;
    if (!is_ident(l->p[i].key))
      return mapping_bad(err, sub, "a dimension name is [a-z0-9_]+");
    for (f = MAP_FIRST_DIM; against_fields && f < m->n_fields; f++)
      if (strcmp(m->field[f].name, l->p[i].key) == 0)
        return mapping_bad(err, sub,
                           "the mapping reads this dimension elsewhere: a "
                           "figure has each dimension once");
  }
  return 0;
}

/* "bands": ["0-5", "6-10", ..., "85+"], each "lo-hi" or "lo+", apart. */
static int bands(struct map_field *f, const json_t *arr, const char *path,
                 struct dahub_error *err) {
  char **codes = NULL;
  size_t n = 0, i, k;
  int rc;

  if ((rc = mapping_strings(arr, path, &codes, &n, err)) != 0)
    goto out;
  if (n > MAP_MAX_LABELS) {
    rc = mapping_bad(err, path, "more than 60000 bands");
    goto out;
  }
  if ((f->bands = calloc(n, sizeof *f->bands)) == NULL) {
    rc = mapping_nomem(err);
    goto out;
  }
  for (i = 0; i < n; i++) {
    struct map_band *b = &f->bands[i];
    char *end;

    b->code = codes[i];
    codes[i] = NULL;
    f->n_bands++;
    b->lo = strtoll(b->code, &end, 10);
    if (end == b->code || b->lo < 0) {
      rc = mapping_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
      goto out;
    }
    if (strcmp(end, "+") == 0) {
      b->hi = INT64_MAX;
    } else if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
      const char *hi = end + 1;

      b->hi = strtoll(hi, &end, 10);
      if (*end != '\0' || b->hi < b->lo) {
        rc = mapping_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
        goto out;
      }
    } else {
      rc = mapping_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
      goto out;
    }
    for (k = 0; k < i; k++)
      if (b->lo <= f->bands[k].hi && f->bands[k].lo <= b->hi) {
        rc = mapping_bad(err, path, "two bands overlap");
        goto out;
      }
  }
out:
  mapping_strings_free(codes, n);
  return rc;
}

static int cell_position(const json_t *v, const char *path, struct map_field *f,
                         struct dahub_error *err) {
  static const char *const keys[] = {"row", "col", NULL};
  const json_t *row = json_object_get(v, "row"), *col;
  int rc;

  if (!json_is_object(v))
    return mapping_bad_type(err, path, "an object {\"row\": R, \"col\": C}", v);
  if ((rc = mapping_only_keys(v, path, keys, err)) != 0)
    return rc;
  col = json_object_get(v, "col");
  if (!json_is_integer(row) || !json_is_integer(col) ||
      json_integer_value(row) < 1 || json_integer_value(row) > 1000000 ||
      json_integer_value(col) < 1 || json_integer_value(col) > 100000)
    return mapping_bad(err, path,
                       "expected \"row\" and \"col\", whole numbers from 1");
  f->row = (uint32_t)json_integer_value(row);
  f->col = (uint32_t)json_integer_value(col);
  return 0;
}

/* A dimension column written as {"column": "Age", "bands": [...],
 * "blank": "not_known"}. */
static int band_column(struct map_field *f, const json_t *v, const char *path,
                       struct dahub_error *err) {
  static const char *const keys[] = {"column", "bands", "blank", NULL};
  char sub[MAP_PATH_MAX];
  const json_t *blank = json_object_get(v, "blank");
  int rc;

  if ((rc = mapping_only_keys(v, path, keys, err)) != 0 ||
      (rc = mapping_join(sub, path, "column", err)) != 0 ||
      (rc = mapping_dup_string(json_object_get(v, "column"), sub, &f->text,
                               err)) != 0 ||
      (rc = mapping_join(sub, path, "bands", err)) != 0 ||
      (rc = bands(f, json_object_get(v, "bands"), sub, err)) != 0)
    return rc;
  if (blank != NULL &&
      ((rc = mapping_join(sub, path, "blank", err)) != 0 ||
       (rc = mapping_dup_string(blank, sub, &f->blank, err)) != 0))
    return rc;
  return 0;
}

/* One field of "columns", "cells" or "fixed". */
static int source(struct mapping *m, const char *name, int is_dim,
                  const json_t *v, const char *path, enum map_source src,
                  struct dahub_error *err) {
  struct map_field *f;
  size_t i;
  int rc;

  if ((rc = mapping_field(m, name, is_dim, path, &i, err)) != 0)
    return rc;
  f = &m->field[i];
  if (f->src != MAP_NONE) {
    rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: %s already comes from %s",
                         path, name, source_names[f->src]);
    dahub_error_detail(err, path, NULL, NULL);
    return rc;
  }
  f->src = src;
  if (src == MAP_CELL)
    return cell_position(v, path, f, err);
  if (src == MAP_COLUMN && is_dim && json_is_object(v))
    return band_column(f, v, path, err);
  return mapping_dup_string(v, path, &f->text, err);
}

/* "columns", "cells" or "fixed": the fields, "dimensions", and for columns
 * "value". */
static int group(struct mapping *m, const json_t *obj, const char *path,
                 enum map_source src, struct dahub_error *err) {
  static const char *const keys[] = {
      "service_id",     "area",       "period", "measure",
      "financial_year", "dimensions", "value",  NULL};
  const char *key, *dkey;
  json_t *v, *dv;
  char sub[MAP_PATH_MAX], dsub[MAP_PATH_MAX];
  int rc;

  if (obj == NULL)
    return 0;
  if (!json_is_object(obj))
    return mapping_bad_type(err, path, "an object", obj);
  if ((rc = mapping_only_keys(obj, path, keys, err)) != 0)
    return rc;
  json_object_foreach((json_t *)obj, key, v) {
    if ((rc = mapping_join(sub, path, key, err)) != 0)
      return rc;
    if (strcmp(key, "value") == 0) {
      if (src != MAP_COLUMN)
        return mapping_bad(err, sub,
                           "unknown key (only options.columns has it)");
      if ((rc = mapping_dup_string(v, sub, &m->value_column, err)) != 0)
        return rc;
    } else if (strcmp(key, "dimensions") == 0) {
      if (!json_is_object(v))
        return mapping_bad_type(err, sub, "an object", v);
      json_object_foreach(v, dkey, dv) {
        if ((rc = mapping_join(dsub, sub, dkey, err)) != 0 ||
            (rc = source(m, dkey, 1, dv, dsub, src, err)) != 0)
          return rc;
      }
    } else if ((rc = source(m, key, 0, v, sub, src, err)) != 0) {
      return rc;
    }
  }
  return 0;
}

static int header(struct mapping *m, const json_t *h, struct dahub_error *err) {
  static const char *const keys[] = {"row", "match", NULL};
  const json_t *row, *match;
  int rc;

  if (h == NULL)
    return mapping_bad(err, "options.header",
                       "missing: say which row is the header");
  if (!json_is_object(h))
    return mapping_bad_type(err, "options.header", "an object", h);
  if ((rc = mapping_only_keys(h, "options.header", keys, err)) != 0)
    return rc;
  row = json_object_get(h, "row");
  match = json_object_get(h, "match");
  if ((row == NULL) == (match == NULL))
    return mapping_bad(err, "options.header",
                       "expected one of \"row\" or \"match\"");
  if (match != NULL)
    return mapping_dup_string(match, "options.header.match", &m->header_match,
                              err);
  if (!json_is_integer(row) || json_integer_value(row) < 1 ||
      json_integer_value(row) > 1000000)
    return mapping_bad_type(err, "options.header.row", "a whole number from 1",
                            row);
  m->header_row = (uint32_t)json_integer_value(row);
  return 0;
}

static int across(struct mapping *m, const json_t *a, struct dahub_error *err) {
  static const char *const keys[] = {"field", "columns", NULL};
  const json_t *name = json_object_get(a, "field");
  int rc;

  if (!json_is_object(a))
    return mapping_bad_type(err, "options.across", "an object", a);
  if ((rc = mapping_only_keys(a, "options.across", keys, err)) != 0)
    return rc;
  if (!json_is_string(name))
    return mapping_bad_type(err, "options.across.field", "a field name", name);
  if ((rc = mapping_field(m, json_string_value(name),
                          !is_std_name(json_string_value(name)),
                          "options.across.field", &m->across_field, err)) != 0)
    return rc;
  if (m->field[m->across_field].src != MAP_NONE)
    return mapping_bad(err, "options.across.field",
                       "that field already has a source");
  m->field[m->across_field].src = MAP_ACROSS;
  if ((rc = mapping_pairs(json_object_get(a, "columns"),
                          "options.across.columns", &m->across, err)) != 0)
    return rc;
  if (m->across.n == 0)
    return mapping_bad(err, "options.across.columns", "lists no column");
  return 0;
}

/* One label's meaning in "values": a code, null (leave the row out), or an
 * object with the code and more, or {"skip": "reason"}. */
static int target(struct mapping *m, size_t f, const json_t *v,
                  const char *path, struct map_target *t,
                  struct dahub_error *err) {
  static const char *const keys[] = {"service_id", "dimensions",
                                     "financial_year", "skip", NULL};
  const char *name = m->field[f].name, *key;
  struct dahub_period p;
  char sub[MAP_PATH_MAX];
  json_t *kv;
  int rc;

  if (json_is_null(v)) {
    t->skip = 1;
    return 0;
  }
  if (json_is_string(v))
    return mapping_dup_string(v, path, &t->code, err);
  if (!json_is_object(v))
    return mapping_bad_type(err, path, "a code, null, or an object", v);
  json_object_foreach((json_t *)v, key, kv) {
    const char *const *a;

    for (a = keys; *a != NULL && strcmp(*a, key) != 0; a++)
      ;
    if (*a == NULL && strcmp(key, name) != 0) {
      if ((rc = mapping_join(sub, path, key, err)) != 0)
        return rc;
      return mapping_bad(err, sub, "unknown key");
    }
  }
  if ((kv = json_object_get(v, "skip")) != NULL) {
    if (json_object_size(v) != 1)
      return mapping_bad(err, path, "\"skip\" stands alone");
    t->skip = 1;
    if ((rc = mapping_join(sub, path, "skip", err)) != 0)
      return rc;
    return mapping_dup_string(kv, sub, &t->reason, err);
  }
  if ((rc = mapping_join(sub, path, name, err)) != 0 ||
      (rc = mapping_dup_string(json_object_get(v, name), sub, &t->code, err)) !=
          0)
    return rc;
  if (f != MAP_SERVICE && (kv = json_object_get(v, "service_id")) != NULL &&
      ((rc = mapping_join(sub, path, "service_id", err)) != 0 ||
       (rc = mapping_dup_string(kv, sub, &t->service_id, err)) != 0))
    return rc;
  if ((kv = json_object_get(v, "dimensions")) != NULL &&
      ((rc = mapping_join(sub, path, "dimensions", err)) != 0 ||
       (rc = mapping_dims(m, kv, sub, MAP_MAX_TARGET_DIMS, 1, &t->dims, err)) !=
           0))
    return rc;
  if ((kv = json_object_get(v, "financial_year")) != NULL) {
    if ((rc = mapping_join(sub, path, "financial_year", err)) != 0 ||
        (rc = mapping_dup_string(kv, sub, &t->year, err)) != 0)
      return rc;
    if (dahub_period_parse(t->year, &p) != 0 || p.kind != DAHUB_PERIOD_YEAR)
      return mapping_bad(err, sub, "expected a year id such as FY2024-25");
    if (m->layout != MAP_LONG && m->layout != MAP_WIDE)
      return mapping_bad(err, sub, "only long and wide layouts have it");
  }
  return 0;
}

/* The hash of a folded label (FNV-1a; labels and cells are short). */
static uint64_t folded_hash(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Indexes the exact labels by their folded text. Two labels the same once
 * folded: the first wins, as a scan in order would find it first. */
static int label_index(struct map_labels *l) {
  size_t n = 16, i, k, mask;

  while (n < 2 * l->n)
    n *= 2;
  if ((l->slot = calloc(n, sizeof *l->slot)) == NULL)
    return -ENOMEM;
  l->n_slots = n;
  mask = n - 1;
  for (i = 0; i < l->n; i++) {
    const struct map_label *lab = &l->p[i];
    uint64_t h;

    if (lab->prefix) {
      l->any_prefix = 1;
      continue;
    }
    h = folded_hash(lab->folded, lab->folded_len);
    for (k = (size_t)h & mask; l->slot[k].label != 0; k = (k + 1) & mask)
      if (l->slot[k].hash == h && l->slot[k].len == lab->folded_len &&
          memcmp(l->slot[k].text, lab->folded, lab->folded_len) == 0)
        break;
    if (l->slot[k].label == 0) {
      l->slot[k].hash = h;
      l->slot[k].label = i + 1;
      l->slot[k].text = lab->folded;
      l->slot[k].len = lab->folded_len;
    }
  }
  return 0;
}

/* The labels of one field in "values". */
static int field_labels(struct mapping *m, size_t f, const json_t *obj,
                        const char *path, struct dahub_error *err) {
  struct map_labels *l = &m->field[f].values;
  const char *key;
  char sub[MAP_PATH_MAX], folded[DAHUB_LABEL_MAX];
  json_t *v;
  int rc, fl;

  if (!json_is_object(obj))
    return mapping_bad_type(err, path, "an object", obj);
  if (json_object_size(obj) > MAP_MAX_LABELS)
    return mapping_bad(err, path, "more than 60000 labels");
  if ((l->p = calloc(json_object_size(obj) + 1, sizeof *l->p)) == NULL)
    return mapping_nomem(err);
  json_object_foreach((json_t *)obj, key, v) {
    struct map_label *lab = &l->p[l->n++];
    size_t len = strlen(key);

    if ((lab->key = strdup(key)) == NULL)
      return mapping_nomem(err);
    if (len > 1 && key[len - 1] == '*') {
      lab->prefix = 1;
      lab->key[--len] = '\0';
    }
    if ((rc = mapping_join(sub, path, key, err)) != 0)
      return rc;
    if ((fl = dahub_label_fold(lab->key, len, folded)) < 0)
      return mapping_bad(err, sub, "a label longer than 255 characters");
    if ((lab->folded = strdup(folded)) == NULL)
      return mapping_nomem(err);
    lab->folded_len = (size_t)fl;
    if ((rc = target(m, f, v, sub, &lab->t, err)) != 0)
      return rc;
  }
  if ((rc = label_index(l)) != 0)
    return mapping_nomem(err);
  m->field[f].has_values = 1;
  return 0;
}

/* "values" and "unknown": labels for fields read from the file. */
static int labels(struct mapping *m, const json_t *values,
                  const json_t *unknown, struct dahub_error *err) {
  const char *key, *s;
  json_t *v;
  char sub[MAP_PATH_MAX];
  struct map_field *f;
  size_t i = 0;
  int rc;

  if (values != NULL && !json_is_object(values))
    return mapping_bad_type(err, "options.values", "an object", values);
  json_object_foreach((json_t *)values, key, v) {
    if ((rc = mapping_join(sub, "options.values", key, err)) != 0 ||
        (rc = mapping_field(m, key, 0, sub, &i, err)) != 0)
      return rc;
    f = &m->field[i];
    if (f->src != MAP_COLUMN && f->src != MAP_CELL && !f->from_keys)
      return mapping_bad(err, sub,
                         "this field is not read from a column or cell");
    if (f->bands != NULL)
      return mapping_bad(err, sub, "this field is read into bands");
    if ((rc = field_labels(m, i, v, sub, err)) != 0)
      return rc;
  }
  if (unknown != NULL && !json_is_object(unknown))
    return mapping_bad_type(err, "options.unknown", "an object", unknown);
  json_object_foreach((json_t *)unknown, key, v) {
    if ((rc = mapping_join(sub, "options.unknown", key, err)) != 0 ||
        (rc = mapping_field(m, key, 0, sub, &i, err)) != 0)
      return rc;
    f = &m->field[i];
    s = json_string_value(v);
    if (s == NULL || (strcmp(s, "skip") != 0 && strcmp(s, "error") != 0 &&
                      strcmp(s, "keep") != 0))
      return mapping_bad_type(err, sub, "\"skip\", \"error\" or \"keep\"", v);
    if (strcmp(s, "keep") == 0) {
      f->unknown = MAP_UNKNOWN_KEEP;
      continue;
    }
    if (!f->has_values)
      return mapping_bad(err, sub,
                         "options.values has no labels for this field");
    f->unknown = strcmp(s, "skip") == 0 ? MAP_UNKNOWN_SKIP : MAP_UNKNOWN_ERROR;
  }
  return 0;
}

int mapping_period_part(const char *s) {
  static const char *const parts[] = {
      "FY",  "H1",  "H2",  "Q1",  "Q2",  "Q3",  "Q4",  "M01", "M02", "M03",
      "M04", "M05", "M06", "M07", "M08", "M09", "M10", "M11", "M12", NULL};
  const char *const *p;

  for (p = parts; *p != NULL; p++)
    if (strcmp(*p, s) == 0)
      return 1;
  return 0;
}

/* "text": "skip", or {"<measure>": "skip" | "error"}. */
static int text_cells(struct mapping *m, const json_t *v,
                      struct dahub_error *err) {
  const char *key;
  char sub[MAP_PATH_MAX];
  json_t *kv;
  int rc;

  if (json_is_string(v)) {
    if (strcmp(json_string_value(v), "skip") != 0 &&
        strcmp(json_string_value(v), "error") != 0)
      return mapping_bad_type(err, "options.text", "\"skip\" or \"error\"", v);
    m->text_skip_all = strcmp(json_string_value(v), "skip") == 0;
    return 0;
  }
  if (!json_is_object(v))
    return mapping_bad_type(err, "options.text",
                            "\"skip\", or an object of measure -> \"skip\"", v);
  if ((m->text_skip = calloc(json_object_size(v) + 1, sizeof *m->text_skip)) ==
      NULL)
    return mapping_nomem(err);
  json_object_foreach((json_t *)v, key, kv) {
    if ((rc = mapping_join(sub, "options.text", key, err)) != 0)
      return rc;
    if (!json_is_string(kv) || (strcmp(json_string_value(kv), "skip") != 0 &&
                                strcmp(json_string_value(kv), "error") != 0))
      return mapping_bad_type(err, sub, "\"skip\" or \"error\"", kv);
    if (strcmp(json_string_value(kv), "error") == 0)
      continue;
    if ((m->text_skip[m->n_text_skip] = strdup(key)) == NULL)
      return mapping_nomem(err);
    m->n_text_skip++;
  }
  return 0;
}

/* "total": {"column": "TOTAL"} and/or {"row": {"column": C, "match": T}}. */
static int total(struct mapping *m, const json_t *v, struct dahub_error *err) {
  static const char *const keys[] = {"column", "row", NULL};
  static const char *const row_keys[] = {"column", "match", NULL};
  const json_t *row;
  int rc;

  if (!json_is_object(v))
    return mapping_bad_type(err, "options.total", "an object", v);
  if ((rc = mapping_only_keys(v, "options.total", keys, err)) != 0)
    return rc;
  if (m->layout != MAP_WIDE)
    return mapping_bad(err, "options.total", "only a wide layout has it");
  if (json_object_get(v, "column") != NULL &&
      (rc = mapping_dup_string(json_object_get(v, "column"),
                               "options.total.column", &m->total.column,
                               err)) != 0)
    return rc;
  if ((row = json_object_get(v, "row")) != NULL) {
    if (!json_is_object(row))
      return mapping_bad_type(err, "options.total.row",
                              "an object {\"column\": C, \"match\": T}", row);
    if ((rc = mapping_only_keys(row, "options.total.row", row_keys, err)) !=
            0 ||
        (rc = mapping_dup_string(json_object_get(row, "column"),
                                 "options.total.row.column",
                                 &m->total.row_column, err)) != 0 ||
        (rc = mapping_dup_string(json_object_get(row, "match"),
                                 "options.total.row.match", &m->total.row_match,
                                 err)) != 0)
      return rc;
  }
  if (m->total.column == NULL && m->total.row_column == NULL)
    return mapping_bad(err, "options.total",
                       "expected \"column\", \"row\" or both");
  return 0;
}

/* Scalar options; the caller has checked the keys. */
static int scalars(struct mapping *m, const json_t *o,
                   struct dahub_error *err) {
  static const char *const layouts[] = {"long", "wide", "cases", "json"};
  const json_t *v;
  const char *s;
  size_t i;
  int rc;

  m->delimiter = ',';
  if ((v = json_object_get(o, "delimiter")) != NULL) {
    s = json_string_value(v);
    if (s == NULL ||
        (strcmp(s, ",") != 0 && strcmp(s, ";") != 0 && strcmp(s, "\t") != 0))
      return mapping_bad_type(err, "options.delimiter",
                              "\",\", \";\" or \"\\t\"", v);
    m->delimiter = s[0];
  }
  m->encoding = DAHUB_CSV_UTF8;
  if ((v = json_object_get(o, "encoding")) != NULL) {
    s = json_string_value(v);
    if (s == NULL ||
        (strcmp(s, "utf-8") != 0 && strcmp(s, "windows-1252") != 0))
      return mapping_bad_type(err, "options.encoding",
                              "\"utf-8\" or \"windows-1252\"", v);
    if (strcmp(s, "windows-1252") == 0)
      m->encoding = DAHUB_CSV_CP1252;
  }
  if ((v = json_object_get(o, "decimal_comma")) != NULL) {
    if (!json_is_boolean(v))
      return mapping_bad_type(err, "options.decimal_comma", "true or false", v);
    m->number_flags = json_is_true(v) ? DAHUB_NUM_DECIMAL_COMMA : 0;
  }
  v = json_object_get(o, "layout");
  s = json_string_value(v);
  for (i = 0; s != NULL && i < sizeof layouts / sizeof *layouts; i++)
    if (strcmp(s, layouts[i]) == 0)
      break;
  if (s == NULL || i == sizeof layouts / sizeof *layouts)
    return mapping_bad_type(err, "options.layout",
                            "\"long\", \"wide\", \"cases\" or \"json\"",
                            v ? v : json_null());
  m->layout = (enum map_layout)i;
  if ((v = json_object_get(o, "period_from_date")) != NULL) {
    if ((rc = mapping_period_kind(v, "options.period_from_date", &m->date_kind,
                                  err)) != 0)
      return rc;
    m->dates = 1;
  }
  return 0;
}

/* Keys that only a CSV layout reads, refused for "json". */
static int csv_only(const json_t *o, struct dahub_error *err) {
  static const char *const keys[] = {
      "delimiter",     "encoding", "decimal_comma", "header",
      "columns",       "cells",    "across",        "fill_down",
      "skip_if_blank", "footer",   "period_notes",  "period_from_date",
      "text",          "total",    "records",       NULL};
  const char *const *k;
  char path[MAP_PATH_MAX];
  int rc;

  for (k = keys; *k != NULL; k++)
    if (json_object_get(o, *k) != NULL) {
      if ((rc = mapping_join(path, "options", *k, err)) == 0)
        rc = mapping_bad(err, path, "only the CSV layouts have it");
      return rc;
    }
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
  return mapping_bad(err, path, "expected a period id such as FY2024-25-Q1");
}

static int period_codes(const struct mapping *m, struct dahub_error *err) {
  const struct map_field *f = &m->field[MAP_PERIOD];
  char path[MAP_PATH_MAX];
  size_t i;
  int rc;

  if (f->src == MAP_FIXED)
    return period_code(m, f->text, "options.fixed.period", err);
  for (i = 0; f->src == MAP_ACROSS && i < m->across.n; i++)
    if ((rc = mapping_join(path, "options.across.columns", m->across.p[i].key,
                           err)) != 0 ||
        (rc = period_code(m, m->across.p[i].val, path, err)) != 0)
      return rc;
  for (i = 0; i < f->values.n; i++)
    if (f->values.p[i].t.code != NULL &&
        ((rc = mapping_join(path, "options.values.period", f->values.p[i].key,
                            err)) != 0 ||
         (rc = period_code(m, f->values.p[i].t.code, path, err)) != 0))
      return rc;
  return 0;
}

/* What must hold once everything is read. */
static int complete(struct mapping *m, struct dahub_error *err) {
  size_t i;
  int rc;

  if (m->layout == MAP_LONG || m->layout == MAP_WIDE) {
    for (i = MAP_AREA; i <= MAP_MEASURE; i++)
      if (m->field[i].src == MAP_NONE)
        return dahub_error_set(err, -EINVAL, 0, 0,
                               "options: nothing gives %s (add it to columns, "
                               "cells, fixed or across)",
                               std_names[i]);
    if ((rc = period_codes(m, err)) != 0)
      return rc;
  } else {
    /* cases and json: counts and sums name their measures, dates give the
     * periods, and an area is fixed or read per case (checked there). */
    for (i = MAP_PERIOD; i <= MAP_YEAR; i++)
      if (m->field[i].src != MAP_NONE)
        return dahub_error_set(
            err, -EINVAL, 0, 0, "options: a %s layout takes %s from %s",
            m->layout == MAP_CASES ? "cases" : "json", std_names[i],
            i == MAP_MEASURE ? "its counts or sums" : "the dates it reads");
    if (m->dates)
      return mapping_bad(err, "options.period_from_date",
                         "the cases and json layouts always read dates");
    /* Grouped fields: the plugin adds up by code, so it must know every
     * code; the vocabulary's synonyms are the hub's. */
    for (i = 0; i < m->n_fields; i++) {
      const struct map_field *f = &m->field[i];

      if ((f->src == MAP_COLUMN || f->src == MAP_CELL || f->from_keys) &&
          !f->has_values && f->bands == NULL && f->unknown != MAP_UNKNOWN_KEEP)
        return dahub_error_set(
            err, -EINVAL, 0, 0,
            "options.values.%s: figures are added up by %s, so list its "
            "labels here (or set options.unknown.%s to \"keep\" when the "
            "file already writes codes)",
            f->name, f->name, f->name);
    }
  }
  if (m->layout == MAP_WIDE && m->value_column != NULL)
    return mapping_bad(err, "options.columns.value",
                       "a wide layout takes its values from options.across");
  if (m->layout == MAP_LONG && m->value_column == NULL)
    return mapping_bad(err, "options.columns.value",
                       "a long layout needs the header of its value column");
  if (m->layout != MAP_LONG && m->layout != MAP_WIDE && m->value_column != NULL)
    return mapping_bad(err, "options.columns.value",
                       "only the long layout has a value column");
  for (i = 0; i < m->n_fields; i++)
    if (m->field[i].src == MAP_CELL && m->header_row != 0 &&
        m->field[i].row >= m->header_row)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "options.cells: %s is in row %u, not above the "
                             "header (row %u)",
                             m->field[i].name, (unsigned)m->field[i].row,
                             (unsigned)m->header_row);
  if (m->dates && m->field[MAP_PERIOD].src != MAP_COLUMN &&
      m->field[MAP_PERIOD].src != MAP_CELL)
    return mapping_bad(err, "options.period_from_date",
                       "the period must be read from a column or a cell");
  if (m->records != NULL && m->layout != MAP_LONG && m->layout != MAP_WIDE)
    return mapping_bad(err, "options.records",
                       "only long and wide layouts have it");
  return 0;
}

/* The layout's own section: "cases" or "json", and only for it. */
static int layout_section(struct mapping *m, const json_t *o,
                          struct dahub_error *err) {
  const json_t *cases = json_object_get(o, "cases");
  const json_t *json = json_object_get(o, "json");

  if (cases != NULL && m->layout != MAP_CASES)
    return mapping_bad(err, "options.cases", "only a cases layout has it");
  if (json != NULL && m->layout != MAP_JSON)
    return mapping_bad(err, "options.json", "only a json layout has it");
  if (m->layout == MAP_CASES)
    return cases_options(m, cases, err);
  if (m->layout == MAP_JSON)
    return jsondoc_options(m, json, err);
  return 0;
}

/* The rest of a CSV layout's keys. */
static int csv_options(struct mapping *m, const json_t *o,
                       struct dahub_error *err) {
  static const char *const footer_keys[] = {"match", NULL};
  char path[MAP_PATH_MAX];
  const json_t *v;
  size_t i;
  int rc;

  if ((v = json_object_get(o, "across")) != NULL && m->layout != MAP_WIDE)
    return mapping_bad(err, "options.across", "only a wide layout has it");
  if (v == NULL && m->layout == MAP_WIDE)
    return mapping_bad(err, "options.across",
                       "missing: a wide layout needs it");
  if (v != NULL && (rc = across(m, v, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "fill_down")) != NULL &&
      (rc = mapping_strings(v, "options.fill_down", &m->fill_down,
                            &m->n_fill_down, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "skip_if_blank")) != NULL &&
      (rc = mapping_strings(v, "options.skip_if_blank", &m->skip_if_blank,
                            &m->n_skip_if_blank, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "footer")) != NULL) {
    if (!json_is_object(v))
      return mapping_bad_type(err, "options.footer", "an object", v);
    if ((rc = mapping_only_keys(v, "options.footer", footer_keys, err)) != 0 ||
        (rc = mapping_strings(json_object_get(v, "match"),
                              "options.footer.match", &m->footer, &m->n_footer,
                              err)) != 0)
      return rc;
  }
  if ((v = json_object_get(o, "period_notes")) != NULL &&
      (rc = mapping_pairs(v, "options.period_notes", &m->period_notes, err)) !=
          0)
    return rc;
  for (i = 0; i < m->period_notes.n; i++) {
    if (mapping_period_part(m->period_notes.p[i].val))
      continue;
    if ((rc = mapping_join(path, "options.period_notes",
                           m->period_notes.p[i].key, err)) == 0)
      rc = mapping_bad(err, path, "expected FY, H1, H2, Q1..Q4 or M01..M12");
    return rc;
  }
  if ((v = json_object_get(o, "text")) != NULL &&
      (rc = text_cells(m, v, err)) != 0)
    return rc;
  if ((v = json_object_get(o, "total")) != NULL && (rc = total(m, v, err)) != 0)
    return rc;
  return 0;
}

int mapping_new(const json_t *o, struct mapping **out,
                struct dahub_error *err) {
  static const char *const keys[] = {
      "delimiter",     "encoding", "decimal_comma", "header",
      "layout",        "columns",  "cells",         "fixed",
      "across",        "values",   "unknown",       "fill_down",
      "skip_if_blank", "footer",   "period_notes",  "period_from_date",
      "text",          "total",    "records",       "cases",
      "json",          NULL};
  struct mapping *m = NULL;
  const json_t *v;
  size_t i;
  int rc;

  *out = NULL;
  if (!json_is_object(o)) {
    rc = mapping_bad_type(err, "options", "an object (the mapping)",
                          o ? o : json_null());
    goto out;
  }
  if ((m = calloc(1, sizeof *m)) == NULL) {
    rc = mapping_nomem(err);
    goto out;
  }
  for (i = 0; i < MAP_FIRST_DIM; i++)
    if ((m->field[i].name = strdup(std_names[i])) == NULL) {
      rc = mapping_nomem(err);
      goto out;
    }
  m->n_fields = MAP_FIRST_DIM;
  m->across_field = MAP_NO_FIELD;
  if ((rc = mapping_only_keys(o, "options", keys, err)) != 0 ||
      (rc = scalars(m, o, err)) != 0)
    goto out;
  if (m->layout == MAP_JSON) {
    if ((rc = csv_only(o, err)) != 0)
      goto out;
  } else if ((rc = header(m, json_object_get(o, "header"), err)) != 0 ||
             (rc = group(m, json_object_get(o, "columns"), "options.columns",
                         MAP_COLUMN, err)) != 0 ||
             (rc = group(m, json_object_get(o, "cells"), "options.cells",
                         MAP_CELL, err)) != 0) {
    goto out;
  }
  if ((rc = group(m, json_object_get(o, "fixed"), "options.fixed", MAP_FIXED,
                  err)) != 0)
    goto out;
  if (m->layout != MAP_JSON && (rc = csv_options(m, o, err)) != 0)
    goto out;
  if ((rc = layout_section(m, o, err)) != 0 ||
      (rc = labels(m, json_object_get(o, "values"),
                   json_object_get(o, "unknown"), err)) != 0)
    goto out;
  if ((v = json_object_get(o, "records")) != NULL &&
      (rc = records_options(m, v, err)) != 0)
    goto out;
  if ((rc = complete(m, err)) != 0)
    goto out;
  *out = m;
  m = NULL;
out:
  mapping_free(m);
  return rc;
}

void mapping_list_free(struct map_list *l) {
  size_t i;

  if (l->p == NULL)
    return;
  for (i = 0; i < l->n; i++) {
    free(l->p[i].key);
    free(l->p[i].val);
  }
  /* mapping_pairs() may stop between a val and its key: that is p[n]. */
  free(l->p[l->n].val);
  free(l->p);
  l->p = NULL;
  l->n = 0;
}

void mapping_strings_free(char **s, size_t n) {
  size_t i;

  if (s == NULL)
    return;
  for (i = 0; i < n; i++)
    free(s[i]);
  free(s);
}

static void labels_free(struct map_labels *l) {
  size_t i;

  if (l->p == NULL)
    return;
  for (i = 0; i < l->n; i++) {
    struct map_target *t = &l->p[i].t;

    free(l->p[i].key);
    free(l->p[i].folded);
    free(t->code);
    free(t->service_id);
    mapping_list_free(&t->dims);
    free(t->year);
    free(t->reason);
  }
  free(l->p);
  free(l->slot);
}

void mapping_free(struct mapping *m) {
  size_t i;

  if (m == NULL)
    return;
  for (i = 0; i < MAP_MAX_FIELDS; i++) {
    struct map_field *f = &m->field[i];
    size_t k;

    free(f->name);
    free(f->text);
    labels_free(&f->values);
    for (k = 0; k < f->n_bands; k++)
      free(f->bands[k].code);
    free(f->bands);
    free(f->blank);
  }
  free(m->header_match);
  free(m->value_column);
  mapping_list_free(&m->across);
  mapping_list_free(&m->period_notes);
  mapping_strings_free(m->text_skip, m->n_text_skip);
  free(m->total.column);
  free(m->total.row_column);
  free(m->total.row_match);
  records_options_free(m->records);
  cases_options_free(m->cases);
  jsondoc_options_free(m->json);
  mapping_strings_free(m->fill_down, m->n_fill_down);
  mapping_strings_free(m->skip_if_blank, m->n_skip_if_blank);
  mapping_strings_free(m->footer, m->n_footer);
  free(m);
}

static void trim(const char **s, const char **e) {
  while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
    (*s)++;
  while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' ||
                     (*e)[-1] == '\n'))
    (*e)--;
}

static char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int mapping_same(const char *cell, size_t len, const char *label) {
  const char *ce = cell + len, *le = label + strlen(label);

  trim(&cell, &ce);
  trim(&label, &le);
  if (ce - cell != le - label)
    return 0;
  for (; cell < ce; cell++, label++)
    if (ascii_lower(*cell) != ascii_lower(*label))
      return 0;
  return 1;
}

const char *mapping_lookup(const struct map_list *l, const char *cell,
                           size_t len) {
  size_t i;

  for (i = 0; i < l->n; i++)
    if (mapping_same(cell, len, l->p[i].key))
      return l->p[i].val;
  return NULL;
}

const struct map_target *mapping_label(const struct map_labels *l,
                                       const char *cell, size_t len) {
  const struct map_label *best = NULL;
  char folded[DAHUB_LABEL_MAX];
  int fl = dahub_label_fold(cell, len, folded);
  size_t i, mask = l->n_slots - 1, n;

  /* A cell too long to fold whole matches no exact label (none is that
   * long), but its folded start may still match a prefix label. */
  if (fl >= 0 && l->n_slots > 0) {
    uint64_t h = folded_hash(folded, (size_t)fl);

    for (i = (size_t)h & mask; l->slot[i].label != 0; i = (i + 1) & mask)
      if (l->slot[i].hash == h && l->slot[i].len == (size_t)fl &&
          memcmp(folded, l->slot[i].text, (size_t)fl) == 0)
        return &l->p[l->slot[i].label - 1].t;
  }
  if (!l->any_prefix)
    return NULL;
  n = fl >= 0 ? (size_t)fl : DAHUB_LABEL_MAX - 1;
  for (i = 0; i < l->n; i++)
    if (l->p[i].prefix && l->p[i].folded_len <= n &&
        memcmp(folded, l->p[i].folded, l->p[i].folded_len) == 0 &&
        (best == NULL || l->p[i].folded_len > best->folded_len))
      best = &l->p[i];
  return best != NULL ? &best->t : NULL;
}

int mapping_band(const struct map_field *f, const char *cell, size_t len,
                 const char **code) {
  struct dahub_number num;
  size_t i;

  if (dahub_number_parse(cell, len, 0, &num) != 0 ||
      num.kind != DAHUB_NUM_NUMBER || num.scale != 0 || num.value < 0 ||
      num.percent || num.currency || num.estimated || num.note != NULL)
    return -EINVAL;
  for (i = 0; i < f->n_bands; i++)
    if (num.value >= f->bands[i].lo && num.value <= f->bands[i].hi) {
      *code = f->bands[i].code;
      return 0;
    }
  return -ERANGE;
}
