/*
 * fields.c: where each field of a mapping comes from (see fields.h).
 *
 * "columns", "cells" and "fixed" each name fields: the four every figure
 * has, financial_year, and dimensions, which are added as they are first
 * named (at most MAP_MAX_DIMS). A field comes from one place only; a
 * dimension column may put its numbers in "bands". Run at open(), on the
 * loop thread; the parsing code only reads what this builds.
 */
#include "fields.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/number.h"
#include "dahub/xlsx.h"

#include "options.h"

/* The fields every mapping has, in the order of MAP_SERVICE... */
static const char *const std_names[MAP_FIRST_DIM] = {
    "service_id", "area", "period", "measure", "financial_year"};
static const char *const source_names[] = {"nowhere", "options.fixed",
                                           "options.cells", "options.columns",
                                           "options.across"};

int fields_is_std(const char *name) {
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

int fields_get(struct mapping *m, const char *name, int is_dim,
               const char *path, size_t *out, struct dahub_error *err) {
  size_t i;

  for (i = 0; i < m->n_fields; i++)
    if (strcmp(m->field[i].name, name) == 0)
      break;
  if (i < MAP_FIRST_DIM && is_dim)
    return opt_bad(err, path, "is a field, not a dimension");
  if (i < m->n_fields) {
    *out = i;
    return 0;
  }
  if (!is_dim) {
    const char *names[MAP_MAX_FIELDS + 1], *near;
    char what[160];

    for (i = 0; i < m->n_fields; i++)
      names[i] = m->field[i].name;
    names[i] = NULL;
    near = dahub_opt_nearest(name, names);
    (void)snprintf(what, sizeof what,
                   "no such field (expected service_id, area, period, "
                   "measure, financial_year or a dimension named "
                   "elsewhere in the mapping)%s%s%s",
                   near ? "; did you mean `" : "", near ? near : "",
                   near ? "`?" : "");
    return opt_bad(err, path, what);
  }
  if (!is_ident(name))
    return opt_bad(err, path, "a dimension name is [a-z0-9_]+");
  if (m->n_fields == MAP_MAX_FIELDS)
    return opt_bad(err, path, "more than 16 dimensions");
  if ((m->field[m->n_fields].name = strdup(name)) == NULL)
    return opt_nomem(err);
  *out = m->n_fields++;
  return 0;
}

int fields_dims(const struct mapping *m, const json_t *obj, const char *path,
                size_t max, int against_fields, struct map_list *l,
                struct dahub_error *err) {
  char sub[MAP_PATH_MAX];
  size_t i, f;
  int rc;

  if ((rc = opt_pairs(obj, path, l, err)) != 0)
    return rc;
  if (l->n > max)
    return opt_bad(err, path, "too many dimensions");
  for (i = 0; i < l->n; i++) {
    if ((rc = opt_join(sub, path, l->p[i].key, err)) != 0)
      return rc;
    if (!is_ident(l->p[i].key))
      return opt_bad(err, sub, "a dimension name is [a-z0-9_]+");
    for (f = MAP_FIRST_DIM; against_fields && f < m->n_fields; f++)
      if (strcmp(m->field[f].name, l->p[i].key) == 0)
        return opt_bad(err, sub,
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

  if ((rc = opt_strings(arr, path, &codes, &n, err)) != 0)
    goto out;
  if (n > MAP_MAX_LABELS) {
    rc = opt_bad(err, path, "more than 60000 bands");
    goto out;
  }
  if ((f->bands = calloc(n, sizeof *f->bands)) == NULL) {
    rc = opt_nomem(err);
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
      rc = opt_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
      goto out;
    }
    if (strcmp(end, "+") == 0) {
      b->hi = INT64_MAX;
    } else if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
      const char *hi = end + 1;

      b->hi = strtoll(hi, &end, 10);
      if (*end != '\0' || b->hi < b->lo) {
        rc = opt_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
        goto out;
      }
    } else {
      rc = opt_bad(err, path, "a band is \"lo-hi\" or \"lo+\"");
      goto out;
    }
    for (k = 0; k < i; k++)
      if (b->lo <= f->bands[k].hi && f->bands[k].lo <= b->hi) {
        rc = opt_bad(err, path, "two bands overlap");
        goto out;
      }
  }
out:
  opt_strings_free(codes, n);
  return rc;
}

/* A cell above the header: "B2", as Excel names it, or {"row": 2,
 * "col": 2}; both count as a spreadsheet does, CSV or .xlsx alike. */
static int cell_position(const json_t *v, const char *path, struct map_field *f,
                         const struct opt_say *say, struct dahub_error *err) {
  static const char *const keys[] = {"row", "col", NULL};
  const json_t *row = json_object_get(v, "row"), *col;
  int rc;

  if (json_is_string(v)) {
    if (dahub_xlsx_parse_a1(json_string_value(v), &f->row, &f->col) != 0)
      return opt_bad_type(err, path,
                          "a cell such as \"B2\" (column letters, then "
                          "the row number)",
                          v);
    return 0;
  }
  if (!json_is_object(v))
    return opt_bad_type(
        err, path, "a cell such as \"B2\", or {\"row\": R, \"col\": C}", v);
  if ((rc = opt_only_keys(v, path, keys, say, err)) != 0)
    return rc;
  col = json_object_get(v, "col");
  if (!json_is_integer(row) || !json_is_integer(col) ||
      json_integer_value(row) < 1 || json_integer_value(row) > 1000000 ||
      json_integer_value(col) < 1 || json_integer_value(col) > 100000)
    return opt_bad(err, path,
                   "expected \"row\" and \"col\", whole numbers from 1");
  f->row = (uint32_t)json_integer_value(row);
  f->col = (uint32_t)json_integer_value(col);
  return 0;
}

#define AT(field) offsetof(struct map_field, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt band_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"column", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(text), dahub_opt_keep, NULL, "the header of the column of numbers"},
  {"bands", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the codes, each a range: \"0-5\", \"85+\""},
  {"blank", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(blank), dahub_opt_keep, NULL, "the code of a blank cell"},
  {.key = NULL}};
/* clang-format on */
#undef AT

/* A dimension column written as {"column": "Age", "bands": [...],
 * "blank": "not_known"}. */
static int band_column(struct map_field *f, const json_t *v, const char *path,
                       const struct opt_say *say, struct dahub_error *err) {
  char sub[MAP_PATH_MAX];
  int rc;

  if ((rc = opt_check(v, path, band_opts, f, say, err)) != 0 ||
      (rc = opt_join(sub, path, "bands", err)) != 0)
    return rc;
  return bands(f, json_object_get(v, "bands"), sub, err);
}

/* One field of "columns", "cells" or "fixed". */
static int source(struct mapping *m, const char *name, int is_dim,
                  const json_t *v, const char *path, enum map_source src,
                  struct dahub_error *err) {
  struct map_field *f;
  size_t i;
  int rc;

  if ((rc = fields_get(m, name, is_dim, path, &i, err)) != 0)
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
    return cell_position(v, path, f, m->say, err);
  if (src == MAP_COLUMN && is_dim && json_is_object(v))
    return band_column(f, v, path, m->say, err);
  return opt_string(v, path, &f->text, err);
}

/* "columns", "cells" or "fixed": the fields, "dimensions", and for columns
 * "value". */
int fields_group(struct mapping *m, const json_t *obj, const char *path,
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
    return opt_bad_type(err, path, "an object", obj);
  if ((rc = opt_only_keys(obj, path, keys, m->say, err)) != 0)
    return rc;
  json_object_foreach((json_t *)obj, key, v) {
    if ((rc = opt_join(sub, path, key, err)) != 0)
      return rc;
    if (strcmp(key, "value") == 0) {
      if (src != MAP_COLUMN)
        return opt_bad(err, sub, "unknown key (only options.columns has it)");
      if ((rc = opt_string(v, sub, &m->value_column, err)) != 0)
        return rc;
    } else if (strcmp(key, "dimensions") == 0) {
      if (!json_is_object(v))
        return opt_bad_type(err, sub, "an object", v);
      json_object_foreach(v, dkey, dv) {
        if ((rc = opt_join(dsub, sub, dkey, err)) != 0 ||
            (rc = source(m, dkey, 1, dv, dsub, src, err)) != 0)
          return rc;
      }
    } else if ((rc = source(m, key, 0, v, sub, src, err)) != 0) {
      return rc;
    }
  }
  return 0;
}

int fields_band(const struct map_field *f, const char *cell, size_t len,
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

int fields_init(struct mapping *m, struct dahub_error *err) {
  size_t i;

  for (i = 0; i < MAP_FIRST_DIM; i++)
    if ((m->field[i].name = strdup(std_names[i])) == NULL)
      return opt_nomem(err);
  m->n_fields = MAP_FIRST_DIM;
  return 0;
}

void fields_free(struct mapping *m) {
  size_t i, k;

  for (i = 0; i < MAP_MAX_FIELDS; i++) {
    struct map_field *f = &m->field[i];

    free(f->name);
    free(f->text);
    for (k = 0; k < f->n_bands; k++)
      free(f->bands[k].code);
    free(f->bands);
    free(f->blank);
  }
}
