/*
 * mapping.c: the mapping language of the "mapped" plugin, and its checker.
 *
 * A community safety officer describes a partner's CSV return in the feed's
 * "options"; no C is needed. Every key below is checked when the feed is
 * loaded (start, `dahub check`, reload): an unknown key or a wrong type is an
 * error naming its path, so a typo never silently drops data.
 *
 *   "delimiter": ","         ",", ";" or "\t" (default ",")
 *   "encoding": "utf-8"      or "windows-1252" (default "utf-8"; a file
 *                            with a UTF-8 byte order mark is read as UTF-8)
 *   "decimal_comma": false   true: "96,5" is 96.5 and "63.000" is 63000
 *   "header": {"row": 5}     the header is spreadsheet row 5, or
 *             {"match": "Service"}  the first row whose first non-empty
 *                            cell is this text (case and spaces ignored)
 *   "layout": "long"         one value per row, in the "value" column; or
 *             "wide"         one value per column listed in "across"
 *   "columns": {             fields read from each data row, by header text
 *     "service_id": "Service", "area": "District", "period": "Quarter",
 *     "measure": "Measure", "value": "Count" (long only),
 *     "dimensions": {"gender": "Gender"}}
 *   "cells": {               fields read once from a cell above the header:
 *     "period": {"row": 2, "col": 2}, ...}  the same keys as "columns"
 *                            (not "value"), 1-based row and column
 *   "fixed": {               constants: the same keys, each a text;
 *     "period": "FY2024-25-Q1", "area": "E10000018", ...}
 *   "across": {              wide only: the value columns, by header text,
 *     "field": "area",       and what each one gives this field ("area",
 *     "columns": {           "period", "measure", "service_id" or a
 *       "Blaby": "E07000129", ...}}  dimension). Other columns (a TOTAL)
 *                            are ignored.
 *   "values": {              label -> code for a field read from a column
 *     "measure": {"Calls, texts and emails handled": "helpline_contacts"},
 *     "service_id": {...}}   or a cell (case and spaces ignored; "" maps a
 *                            blank cell). A label not listed fails the file,
 *                            naming row, column, field and the text found,
 *   "unknown": {"measure": "skip"}  unless "skip" (default "error"): then
 *                            the row is left out.
 *   "fill_down": ["Service"] blank cells in these columns take the value
 *                            above them (Excel's merged cells)
 *   "skip_if_blank": ["Measure"]  rows blank in any of these are left out
 *   "footer": {"match": ["Notes:", "Note:"]}  the first row whose first
 *                            cell starts with one of these ends the data
 *   "period_notes": {"Q1+Q2": "H1"}  a value "86 (Q1+Q2)" belongs to that
 *                            part of its period's financial year (FY, H1,
 *                            H2, Q1..Q4, M01..M12); other notes are errors
 *
 * Each of area, period and measure comes from exactly one of columns,
 * cells, fixed and across; service_id and each dimension from at most one.
 * A period read from a column or cell may be written as partners write it
 * ("Q1 2024/25 (1 April 2024 - 30 June 2024)"), unless "values" maps it.
 * Areas and dimension labels pass to the hub as written (it knows "NW
 * Leics"), unless "values" maps them. Rows and columns count as a
 * spreadsheet does: row 5 is the fifth record, blank ones included.
 *
 * mapping_new() runs on the loop thread and builds a struct mapping that
 * mapped.c then only reads.
 */
#include "mapping.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/number.h"
#include "dahub/period.h"

#define PATH_MAX_LEN 256

static const char *const std_names[MAP_FIRST_DIM] = {"service_id", "area",
                                                     "period", "measure"};
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
static int bad(struct dahub_error *err, const char *path, const char *what) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: %s", path, what);

  dahub_error_detail(err, path, NULL, NULL);
  return rc;
}

static int bad_type(struct dahub_error *err, const char *path,
                    const char *expected, const json_t *found) {
  int rc = dahub_error_set(err, -EINVAL, 0, 0, "%s: expected %s, found %s",
                           path, expected, json_kind(found));

  dahub_error_detail(err, path, expected, json_kind(found));
  return rc;
}

static int nomem(struct dahub_error *err) {
  return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
}

static int join(char *buf, const char *path, const char *key,
                struct dahub_error *err) {
  int n = snprintf(buf, PATH_MAX_LEN, "%s.%s", path, key);

  if (n < 0 || n >= PATH_MAX_LEN)
    return bad(err, path, "a key is too long");
  return 0;
}

/* Refuses any key of obj not in allowed (NULL-terminated). */
static int only_keys(const json_t *obj, const char *path,
                     const char *const *allowed, struct dahub_error *err) {
  const char *key;
  const char *const *a;
  json_t *v;
  char sub[PATH_MAX_LEN];
  int rc;

  /* jansson's iterator takes a non-const object; it is only read. */
  json_object_foreach((json_t *)obj, key, v) {
    for (a = allowed; *a != NULL && strcmp(*a, key) != 0; a++)
      ;
    if (*a != NULL)
      continue;
    if ((rc = join(sub, path, key, err)) != 0)
      return rc;
    return bad(err, sub, "unknown key");
  }
  return 0;
}

static int dup_string(const json_t *v, const char *path, char **out,
                      struct dahub_error *err) {
  if (!json_is_string(v) || json_string_length(v) == 0)
    return bad_type(err, path, "a non-empty string", v);
  if ((*out = strdup(json_string_value(v))) == NULL)
    return nomem(err);
  return 0;
}

/* An object of strings, key -> text, as for "values" and "across". */
static int pairs(const json_t *obj, const char *path, struct map_list *l,
                 struct dahub_error *err) {
  const char *key;
  json_t *v;
  char sub[PATH_MAX_LEN];

  if (!json_is_object(obj))
    return bad_type(err, path, "an object", obj);
  if ((l->p = calloc(json_object_size(obj) + 1, sizeof *l->p)) == NULL)
    return nomem(err);
  json_object_foreach((json_t *)obj, key, v) {
    int rc;

    if ((rc = join(sub, path, key, err)) != 0 ||
        (rc = dup_string(v, sub, &l->p[l->n].val, err)) != 0)
      return rc;
    if ((l->p[l->n++].key = strdup(key)) == NULL)
      return nomem(err);
  }
  return 0;
}

/* An array of non-empty strings. */
static int strings(const json_t *arr, const char *path, char ***out, size_t *n,
                   struct dahub_error *err) {
  char sub[PATH_MAX_LEN];
  size_t i;

  if (!json_is_array(arr) || json_array_size(arr) == 0)
    return bad_type(err, path, "a non-empty array of strings", arr);
  if ((*out = calloc(json_array_size(arr), sizeof **out)) == NULL)
    return nomem(err);
  for (i = 0; i < json_array_size(arr); i++) {
    int rc;

    if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) >= (int)sizeof sub)
      return bad(err, path, "path too long");
    if ((rc = dup_string(json_array_get(arr, i), sub, &(*out)[i], err)) != 0)
      return rc;
    *n = i + 1;
  }
  return 0;
}

static int is_std_name(const char *name) {
  size_t i;

  for (i = 0; i < MAP_FIRST_DIM; i++)
    if (strcmp(std_names[i], name) == 0)
      return 1;
  return 0;
}

/* Finds field `name`; with is_dim, a new name adds a dimension. */
static int field_index(struct mapping *m, const char *name, int is_dim,
                       const char *path, size_t *out, struct dahub_error *err) {
  size_t i;
  const char *c;

  for (i = 0; i < m->n_fields; i++)
    if (strcmp(m->field[i].name, name) == 0)
      break;
  if (i < MAP_FIRST_DIM && is_dim)
    return bad(err, path, "is a field, not a dimension");
  if (i < m->n_fields) {
    *out = i;
    return 0;
  }
  if (!is_dim)
    return bad(err, path,
               "no such field (expected service_id, area, period, "
               "measure or a dimension named elsewhere in the mapping)");
  for (c = name; *c != '\0'; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
      return bad(err, path, "a dimension name is [a-z0-9_]+");
  if (c == name || m->n_fields == MAP_MAX_FIELDS)
    return bad(err, path, "an empty name, or more than 16 dimensions");
  if ((m->field[m->n_fields].name = strdup(name)) == NULL)
    return nomem(err);
  *out = m->n_fields++;
  return 0;
}

static int cell_position(const json_t *v, const char *path, struct map_field *f,
                         struct dahub_error *err) {
  static const char *const keys[] = {"row", "col", NULL};
  const json_t *row = json_object_get(v, "row"), *col;
  int rc;

  if (!json_is_object(v))
    return bad_type(err, path, "an object {\"row\": R, \"col\": C}", v);
  if ((rc = only_keys(v, path, keys, err)) != 0)
    return rc;
  col = json_object_get(v, "col");
  if (!json_is_integer(row) || !json_is_integer(col) ||
      json_integer_value(row) < 1 || json_integer_value(row) > 1000000 ||
      json_integer_value(col) < 1 || json_integer_value(col) > 100000)
    return bad(err, path, "expected \"row\" and \"col\", whole numbers from 1");
  f->row = (uint32_t)json_integer_value(row);
  f->col = (uint32_t)json_integer_value(col);
  return 0;
}

/* One field of "columns", "cells" or "fixed". */
static int source(struct mapping *m, const char *name, int is_dim,
                  const json_t *v, const char *path, enum map_source src,
                  struct dahub_error *err) {
  struct dahub_period p;
  struct map_field *f;
  size_t i;
  int rc;

  if ((rc = field_index(m, name, is_dim, path, &i, err)) != 0)
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
  if ((rc = dup_string(v, path, &f->text, err)) != 0)
    return rc;
  if (src == MAP_FIXED && i == MAP_PERIOD &&
      dahub_period_parse(f->text, &p) != 0)
    return bad(err, path, "expected a period id such as FY2024-25-Q1");
  return 0;
}

/* "columns", "cells" or "fixed": the four fields, "dimensions", and for
 * columns "value". */
static int group(struct mapping *m, const json_t *obj, const char *path,
                 enum map_source src, struct dahub_error *err) {
  static const char *const keys[] = {"service_id", "area",  "period", "measure",
                                     "dimensions", "value", NULL};
  const char *key, *dkey;
  json_t *v, *dv;
  char sub[PATH_MAX_LEN], dsub[PATH_MAX_LEN];
  int rc;

  if (obj == NULL)
    return 0;
  if (!json_is_object(obj))
    return bad_type(err, path, "an object", obj);
  if ((rc = only_keys(obj, path, keys, err)) != 0)
    return rc;
  json_object_foreach((json_t *)obj, key, v) {
    if ((rc = join(sub, path, key, err)) != 0)
      return rc;
    if (strcmp(key, "value") == 0) {
      if (src != MAP_COLUMN)
        return bad(err, sub, "unknown key (only options.columns has it)");
      if ((rc = dup_string(v, sub, &m->value_column, err)) != 0)
        return rc;
    } else if (strcmp(key, "dimensions") == 0) {
      if (!json_is_object(v))
        return bad_type(err, sub, "an object", v);
      json_object_foreach(v, dkey, dv) {
        if ((rc = join(dsub, sub, dkey, err)) != 0 ||
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

  if (!json_is_object(h))
    return bad_type(err, "options.header", "an object", h);
  if ((rc = only_keys(h, "options.header", keys, err)) != 0)
    return rc;
  row = json_object_get(h, "row");
  match = json_object_get(h, "match");
  if ((row == NULL) == (match == NULL))
    return bad(err, "options.header", "expected one of \"row\" or \"match\"");
  if (match != NULL)
    return dup_string(match, "options.header.match", &m->header_match, err);
  if (!json_is_integer(row) || json_integer_value(row) < 1 ||
      json_integer_value(row) > 1000000)
    return bad_type(err, "options.header.row", "a whole number from 1", row);
  m->header_row = (uint32_t)json_integer_value(row);
  return 0;
}

static int across(struct mapping *m, const json_t *a, struct dahub_error *err) {
  static const char *const keys[] = {"field", "columns", NULL};
  const json_t *name = json_object_get(a, "field");
  char sub[PATH_MAX_LEN];
  struct dahub_period p;
  size_t i;
  int rc;

  if (!json_is_object(a))
    return bad_type(err, "options.across", "an object", a);
  if ((rc = only_keys(a, "options.across", keys, err)) != 0)
    return rc;
  if (!json_is_string(name))
    return bad_type(err, "options.across.field", "a field name", name);
  if ((rc = field_index(m, json_string_value(name),
                        !is_std_name(json_string_value(name)),
                        "options.across.field", &m->across_field, err)) != 0)
    return rc;
  if (m->field[m->across_field].src != MAP_NONE)
    return bad(err, "options.across.field", "that field already has a source");
  m->field[m->across_field].src = MAP_ACROSS;
  if ((rc = pairs(json_object_get(a, "columns"), "options.across.columns",
                  &m->across, err)) != 0)
    return rc;
  if (m->across.n == 0)
    return bad(err, "options.across.columns", "lists no column");
  for (i = 0; m->across_field == MAP_PERIOD && i < m->across.n; i++)
    if (dahub_period_parse(m->across.p[i].val, &p) != 0) {
      if ((rc = join(sub, "options.across.columns", m->across.p[i].key, err)) !=
          0)
        return rc;
      return bad(err, sub, "expected a period id such as FY2024-25-Q1");
    }
  return 0;
}

/* "values" and "unknown": labels for fields read from the file. */
static int labels(struct mapping *m, const json_t *values,
                  const json_t *unknown, struct dahub_error *err) {
  const char *key;
  json_t *v;
  char sub[PATH_MAX_LEN];
  struct map_field *f;
  size_t i;
  int rc;

  if (values != NULL && !json_is_object(values))
    return bad_type(err, "options.values", "an object", values);
  json_object_foreach((json_t *)values, key, v) {
    if ((rc = join(sub, "options.values", key, err)) != 0 ||
        (rc = field_index(m, key, 0, sub, &i, err)) != 0)
      return rc;
    f = &m->field[i];
    if (f->src != MAP_COLUMN && f->src != MAP_CELL)
      return bad(err, sub, "this field is not read from a column or cell");
    if ((rc = pairs(v, sub, &f->values, err)) != 0)
      return rc;
    f->has_values = 1;
  }
  if (unknown != NULL && !json_is_object(unknown))
    return bad_type(err, "options.unknown", "an object", unknown);
  json_object_foreach((json_t *)unknown, key, v) {
    if ((rc = join(sub, "options.unknown", key, err)) != 0 ||
        (rc = field_index(m, key, 0, sub, &i, err)) != 0)
      return rc;
    if (!m->field[i].has_values)
      return bad(err, sub, "options.values has no labels for this field");
    if (!json_is_string(v) || (strcmp(json_string_value(v), "skip") != 0 &&
                               strcmp(json_string_value(v), "error") != 0))
      return bad_type(err, sub, "\"skip\" or \"error\"", v);
    m->field[i].skip_unknown = strcmp(json_string_value(v), "skip") == 0;
  }
  return 0;
}

static int period_part_valid(const char *s) {
  static const char *const parts[] = {
      "FY",  "H1",  "H2",  "Q1",  "Q2",  "Q3",  "Q4",  "M01", "M02", "M03",
      "M04", "M05", "M06", "M07", "M08", "M09", "M10", "M11", "M12", NULL};
  const char *const *p;

  for (p = parts; *p != NULL; p++)
    if (strcmp(*p, s) == 0)
      return 1;
  return 0;
}

/* Scalar options; the caller has checked the keys. */
static int scalars(struct mapping *m, const json_t *o,
                   struct dahub_error *err) {
  const json_t *v;
  const char *s;

  m->delimiter = ',';
  if ((v = json_object_get(o, "delimiter")) != NULL) {
    s = json_string_value(v);
    if (s == NULL ||
        (strcmp(s, ",") != 0 && strcmp(s, ";") != 0 && strcmp(s, "\t") != 0))
      return bad_type(err, "options.delimiter", "\",\", \";\" or \"\\t\"", v);
    m->delimiter = s[0];
  }
  m->encoding = DAHUB_CSV_UTF8;
  if ((v = json_object_get(o, "encoding")) != NULL) {
    s = json_string_value(v);
    if (s == NULL ||
        (strcmp(s, "utf-8") != 0 && strcmp(s, "windows-1252") != 0))
      return bad_type(err, "options.encoding", "\"utf-8\" or \"windows-1252\"",
                      v);
    if (strcmp(s, "windows-1252") == 0)
      m->encoding = DAHUB_CSV_CP1252;
  }
  if ((v = json_object_get(o, "decimal_comma")) != NULL) {
    if (!json_is_boolean(v))
      return bad_type(err, "options.decimal_comma", "true or false", v);
    m->number_flags = json_is_true(v) ? DAHUB_NUM_DECIMAL_COMMA : 0;
  }
  v = json_object_get(o, "layout");
  s = json_string_value(v);
  if (s == NULL || (strcmp(s, "long") != 0 && strcmp(s, "wide") != 0))
    return bad_type(err, "options.layout", "\"long\" or \"wide\"",
                    v ? v : json_null());
  m->wide = strcmp(s, "wide") == 0;
  return 0;
}

/* What must hold once everything is read. */
static int complete(struct mapping *m, struct dahub_error *err) {
  size_t i;

  for (i = MAP_AREA; i <= MAP_MEASURE; i++)
    if (m->field[i].src == MAP_NONE)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "options: nothing gives %s (add it to columns, "
                             "cells, fixed or across)",
                             std_names[i]);
  if (m->wide && m->value_column != NULL)
    return bad(err, "options.columns.value",
               "a wide layout takes its values from options.across");
  if (!m->wide && m->value_column == NULL)
    return bad(err, "options.columns.value",
               "a long layout needs the header of its value column");
  for (i = 0; i < m->n_fields; i++)
    if (m->field[i].src == MAP_CELL && m->header_row != 0 &&
        m->field[i].row >= m->header_row)
      return dahub_error_set(err, -EINVAL, 0, 0,
                             "options.cells: %s is in row %u, not above the "
                             "header (row %u)",
                             m->field[i].name, (unsigned)m->field[i].row,
                             (unsigned)m->header_row);
  return 0;
}

int mapping_new(const json_t *o, struct mapping **out,
                struct dahub_error *err) {
  static const char *const keys[] = {
      "delimiter",     "encoding", "decimal_comma", "header",
      "layout",        "columns",  "cells",         "fixed",
      "across",        "values",   "unknown",       "fill_down",
      "skip_if_blank", "footer",   "period_notes",  NULL};
  static const char *const footer_keys[] = {"match", NULL};
  struct mapping *m = NULL;
  char path[PATH_MAX_LEN];
  const json_t *v;
  size_t i;
  int rc;

  *out = NULL;
  if (!json_is_object(o)) {
    rc = bad_type(err, "options", "an object (the mapping)",
                  o ? o : json_null());
    goto out;
  }
  if ((m = calloc(1, sizeof *m)) == NULL) {
    rc = nomem(err);
    goto out;
  }
  for (i = 0; i < MAP_FIRST_DIM; i++)
    if ((m->field[i].name = strdup(std_names[i])) == NULL) {
      rc = nomem(err);
      goto out;
    }
  m->n_fields = MAP_FIRST_DIM;
  if ((rc = only_keys(o, "options", keys, err)) != 0 ||
      (rc = scalars(m, o, err)) != 0)
    goto out;
  if ((v = json_object_get(o, "header")) == NULL) {
    rc = bad(err, "options.header", "missing: say which row is the header");
    goto out;
  }
  if ((rc = header(m, v, err)) != 0 ||
      (rc = group(m, json_object_get(o, "columns"), "options.columns",
                  MAP_COLUMN, err)) != 0 ||
      (rc = group(m, json_object_get(o, "cells"), "options.cells", MAP_CELL,
                  err)) != 0 ||
      (rc = group(m, json_object_get(o, "fixed"), "options.fixed", MAP_FIXED,
                  err)) != 0)
    goto out;
  if ((v = json_object_get(o, "across")) != NULL && !m->wide) {
    rc = bad(err, "options.across", "only a wide layout has it");
    goto out;
  }
  if (v == NULL && m->wide) {
    rc = bad(err, "options.across", "missing: a wide layout needs it");
    goto out;
  }
  if ((v != NULL && (rc = across(m, v, err)) != 0) ||
      (rc = labels(m, json_object_get(o, "values"),
                   json_object_get(o, "unknown"), err)) != 0)
    goto out;
  if ((v = json_object_get(o, "fill_down")) != NULL &&
      (rc = strings(v, "options.fill_down", &m->fill_down, &m->n_fill_down,
                    err)) != 0)
    goto out;
  if ((v = json_object_get(o, "skip_if_blank")) != NULL &&
      (rc = strings(v, "options.skip_if_blank", &m->skip_if_blank,
                    &m->n_skip_if_blank, err)) != 0)
    goto out;
  if ((v = json_object_get(o, "footer")) != NULL) {
    if (!json_is_object(v)) {
      rc = bad_type(err, "options.footer", "an object", v);
      goto out;
    }
    if ((rc = only_keys(v, "options.footer", footer_keys, err)) != 0 ||
        (rc = strings(json_object_get(v, "match"), "options.footer.match",
                      &m->footer, &m->n_footer, err)) != 0)
      goto out;
  }
  if ((v = json_object_get(o, "period_notes")) != NULL &&
      (rc = pairs(v, "options.period_notes", &m->period_notes, err)) != 0)
    goto out;
  for (i = 0; i < m->period_notes.n; i++) {
    if (period_part_valid(m->period_notes.p[i].val))
      continue;
    if ((rc = join(path, "options.period_notes", m->period_notes.p[i].key,
                   err)) == 0)
      rc = bad(err, path, "expected FY, H1, H2, Q1..Q4 or M01..M12");
    goto out;
  }
  if ((rc = complete(m, err)) != 0)
    goto out;
  *out = m;
  m = NULL;
out:
  mapping_free(m);
  return rc;
}

static void list_free(struct map_list *l) {
  size_t i;

  if (l->p == NULL)
    return;
  for (i = 0; i < l->n; i++) {
    free(l->p[i].key);
    free(l->p[i].val);
  }
  /* pairs() may stop between a val and its key: that pair is p[n]. */
  free(l->p[l->n].val);
  free(l->p);
}

static void strings_free(char **s, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    free(s[i]);
  free(s);
}

void mapping_free(struct mapping *m) {
  size_t i;

  if (m == NULL)
    return;
  for (i = 0; i < MAP_MAX_FIELDS; i++) {
    free(m->field[i].name);
    free(m->field[i].text);
    list_free(&m->field[i].values);
  }
  free(m->header_match);
  free(m->value_column);
  list_free(&m->across);
  list_free(&m->period_notes);
  strings_free(m->fill_down, m->n_fill_down);
  strings_free(m->skip_if_blank, m->n_skip_if_blank);
  strings_free(m->footer, m->n_footer);
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
