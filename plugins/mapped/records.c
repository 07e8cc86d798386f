/*
 * records.c: rows that are records, not figures (see records.h).
 *
 * A commissioning register lists contracts: a provider, a service, a value,
 * an end date. The board needs each contract as a whole ("which contracts
 * end within six months?"), which observations cannot carry, so a mapping
 * may also hand such rows to the hub as records:
 *
 *   "records": {
 *     "kind": "contract",             a record kind of the vocabulary
 *     "when": {"column": "record_type",
 *              "in": ["contract_tcv", "safe_accommodation_lot"]},
 *                                     (or "equals": "contract_tcv"; without
 *                                     "when", every row)
 *     "fields": {                     record field <- where its text comes
 *       "provider": "provider",       a column's text, trimmed
 *       "end_date": {"column": "end_or_extension_date", "date": true},
 *                                     a date, written yyyy-mm-dd ("" blank)
 *       "value_gbp": {"column": "amount_gbp", "pence": true},
 *                                     money in whole pence ("124,864" is
 *                                     "12486400"; "" blank)
 *       "service_id": {"field": "service_id"}}}  the row's resolved field
 *
 * A row left out by a label gives no record either. A bad date or amount
 * fails the file, naming row and column. The hub checks kind and field
 * names against the vocabulary. A hub older than host->emit_record gets a
 * warning, once per file, and no records.
 */
#include "records.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/date.h"
#include "dahub/number.h"
#include "dahub/plugin.h"

#include "fields.h"
#include "options.h"
#include "run.h"

#define RECORD_FIELDS_MAX 32 /* the hub takes at most this many */

#define AT(field) offsetof(struct map_record_field, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt field_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"column", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(column), dahub_opt_keep, NULL, "the column the text comes from"},
  {"date", DAHUB_OPT_BOOL, 0, 0, 0, 0, AT(date), NULL, NULL, "the text is a date, written yyyy-mm-dd"},
  {"pence", DAHUB_OPT_BOOL, 0, 0, 0, 0, AT(pence), NULL, NULL, "the text is money, written in whole pence"},
  {"field", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the row's resolved field instead"},
  {.key = NULL}};
/* clang-format on */
#undef AT

static int record_field(struct mapping *m, struct map_record_field *f,
                        const json_t *v, const char *path,
                        struct dahub_error *err) {
  const json_t *field;
  char sub[MAP_PATH_MAX];
  int rc;

  f->field = MAP_NO_FIELD;
  if (json_is_string(v))
    return opt_string(v, path, &f->column, err);
  if (!json_is_object(v))
    return opt_bad_type(err, path, "a column header or an object", v);
  if ((rc = opt_check(v, path, field_opts, f, m->say, err)) != 0)
    return rc;
  if (f->date && f->pence)
    return opt_bad(err, path, "a field is a date or money, not both");
  if ((field = json_object_get(v, "field")) != NULL) {
    if (f->column != NULL || f->date || f->pence)
      return opt_bad(err, path, "\"field\" stands alone");
    if ((rc = opt_join(sub, path, "field", err)) != 0)
      return rc;
    if (!json_is_string(field))
      return opt_bad_type(err, sub, "a field name", field);
    return fields_get(m, json_string_value(field), 0, sub, &f->field, err);
  }
  if (f->column != NULL)
    return 0;
  if ((rc = opt_join(sub, path, "column", err)) != 0)
    return rc;
  return opt_bad_type(err, sub, "a non-empty string", NULL);
}

static int when(struct map_records *rec, const json_t *w,
                const struct opt_say *say, struct dahub_error *err) {
  static const char *const keys[] = {"column", "in", "equals", NULL};
  const json_t *in = json_object_get(w, "in"),
               *eq = json_object_get(w, "equals");
  int rc;

  if (!json_is_object(w))
    return opt_bad_type(err, "options.records.when", "an object", w);
  if ((rc = opt_only_keys(w, "options.records.when", keys, say, err)) != 0 ||
      (rc = opt_string(json_object_get(w, "column"),
                       "options.records.when.column", &rec->when_column,
                       err)) != 0)
    return rc;
  if ((in == NULL) == (eq == NULL))
    return opt_bad(err, "options.records.when",
                   "expected one of \"in\" or \"equals\"");
  if (in != NULL)
    return opt_strings(in, "options.records.when.in", &rec->when_in,
                       &rec->n_when, err);
  if ((rec->when_in = calloc(1, sizeof *rec->when_in)) == NULL)
    return opt_nomem(err);
  rec->n_when = 1;
  return opt_string(eq, "options.records.when.equals", &rec->when_in[0], err);
}

#define AT(field) offsetof(struct map_records, field)
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt records_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"kind", DAHUB_OPT_STRING, DAHUB_OPT_REQUIRED, 0, 0, 0, AT(kind), dahub_opt_keep, NULL, "a record kind of the vocabulary"},
  {"when", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "only rows whose cell is one of these"},
  {"fields", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "record field <- where its text comes from"},
  {.key = NULL}};
/* clang-format on */
#undef AT

int records_options(struct mapping *m, const json_t *v,
                    struct dahub_error *err) {
  struct map_records *rec;
  const json_t *fields, *fv;
  const char *key;
  char sub[MAP_PATH_MAX];
  int rc;

  m->records = rec = opt_section(v, "options.records", NULL, records_opts,
                                 sizeof *rec, m->say, &rc, err);
  if (rc != 0)
    return rc;
  if (json_object_get(v, "when") != NULL &&
      (rc = when(rec, json_object_get(v, "when"), m->say, err)) != 0)
    return rc;
  fields = json_object_get(v, "fields");
  if ((rec->f =
           opt_members(fields, "options.records.fields", 1, RECORD_FIELDS_MAX,
                       "fields", sizeof *rec->f, &rc, err)) == NULL)
    return rc;
  json_object_foreach((json_t *)fields, key, fv) {
    struct map_record_field *f = &rec->f[rec->n++];

    if ((rc = opt_join(sub, "options.records.fields", key, err)) != 0)
      return rc;
    if ((f->name = strdup(key)) == NULL)
      return opt_nomem(err);
    if ((rc = record_field(m, f, fv, sub, err)) != 0)
      return rc;
  }
  return 0;
}

void records_options_free(struct map_records *rec) {
  size_t i;

  if (rec == NULL)
    return;
  for (i = 0; i < rec->n; i++) {
    free(rec->f[i].name);
    dahub_opt_free(field_opts, &rec->f[i]);
  }
  free(rec->f);
  dahub_opt_free(records_opts, rec);
  free(rec->when_column);
  opt_strings_free(rec->when_in, rec->n_when);
  free(rec);
}

int records_header(struct run *r, const struct dahub_csv_row *row) {
  const struct map_records *rec = r->m->records;
  size_t i;
  int rc;

  r->when_col = NO_COL;
  if (rec->when_column != NULL &&
      (rc = mapped_find_column(r, row, rec->when_column, &r->when_col)) != 0)
    return rc;
  for (i = 0; i < rec->n; i++) {
    r->record_col[i] = NO_COL;
    if (rec->f[i].column != NULL &&
        (rc = mapped_find_column(r, row, rec->f[i].column,
                                 &r->record_col[i])) != 0)
      return rc;
  }
  return 0;
}

/* Whether this host can take records: the field is there and set. */
static int host_takes_records(const struct dahub_host *h) {
  return h->struct_size >=
             offsetof(struct dahub_host, emit_record) + sizeof h->emit_record &&
         h->emit_record != NULL;
}

/* The text of field i for this row, into *out (owned: freed by caller). */
static int field_text(struct run *r, const struct dahub_csv_row *row,
                      const char *const *val, size_t i, char **out) {
  const struct map_record_field *f = &r->m->records->f[i];
  const char *cell, *s, *e;
  size_t len, j = r->record_col[i];
  char buf[32];
  int y, mo, d, rc;

  if (f->column == NULL) {
    *out = strdup(val[f->field] != NULL ? val[f->field] : "");
    goto done;
  }
  cell = s = mapped_cell(r, row, j, &len);
  e = s + len;
  while (s < e && (*s == ' ' || *s == '\t'))
    s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    e--;
  if (f->date && e > s) {
    if ((rc = dahub_date_parse(s, (size_t)(e - s), &y, &mo, &d)) != 0)
      return mapped_date_error(r, row->line, j, f->column, rc, cell,
                               "31/07/2025 or 2025-07-31");
    dahub_date_format(y, mo, d, buf);
    *out = strdup(buf);
  } else if (f->pence && e > s) {
    struct dahub_number n;
    int64_t v;

    if (dahub_number_parse(s, (size_t)(e - s), r->m->number_flags, &n) != 0 ||
        n.kind != DAHUB_NUM_NUMBER || n.percent || n.estimated ||
        n.note != NULL || n.scale > 2)
      return mapped_cell_error(r, row->line, j, f->column,
                               "an exact amount such as 124,864", cell,
                               "not an amount of money");
    v = n.value;
    for (uint8_t sc = n.scale; sc < 2; sc++)
      if (__builtin_mul_overflow(v, 10, &v))
        return mapped_cell_error(r, row->line, j, f->column, "a smaller amount",
                                 cell, "amount too large");
    (void)snprintf(buf, sizeof buf, "%" PRId64, v);
    *out = strdup(buf);
  } else {
    *out = strndup(s, (size_t)(e - s));
  }
done:
  if (*out == NULL)
    return dahub_error_set(r->err, -ENOMEM, row->line, 0, "out of memory");
  return 0;
}

int records_row(struct run *r, const struct dahub_csv_row *row,
                const char *const *fields_val,
                const struct map_target *const *tg) {
  const struct map_records *rec = r->m->records;
  const char *val[MAP_MAX_FIELDS];
  struct dahub_dim fields[RECORD_FIELDS_MAX] = {0};
  char *text[RECORD_FIELDS_MAX] = {NULL};
  const char *s;
  size_t i, len;
  int rc = 0;

  /* The row's service is the one a label gives, if any, as its figures'. */
  memcpy(val, fields_val, sizeof val);
  for (i = 0; i < r->m->n_fields; i++)
    if (tg[i] != NULL && tg[i]->service_id != NULL)
      val[MAP_SERVICE] = tg[i]->service_id;
  if (rec->when_column != NULL) {
    s = mapped_cell(r, row, r->when_col, &len);
    for (i = 0; i < rec->n_when && !mapping_same(s, len, rec->when_in[i]); i++)
      ;
    if (i == rec->n_when)
      return 0;
  }
  if (!host_takes_records(r->host)) {
    if (!r->records_off)
      mapped_warn(r, row->line, 0,
                  "this hub does not take records: %s records are left out "
                  "(the figures are not)",
                  rec->kind);
    r->records_off = 1;
    return 0;
  }
  for (i = 0; i < rec->n; i++) {
    if ((rc = field_text(r, row, val, i, &text[i])) != 0)
      goto out;
    fields[i].name = rec->f[i].name;
    fields[i].value = text[i];
  }
  if (r->host->emit_record(r->ctx, rec->kind, fields, rec->n, row->line) != 0)
    rc = dahub_error_set(r->err, -ECANCELED, row->line, 0,
                         "the hub stopped reading this file");
out:
  for (i = 0; i < rec->n; i++)
    free(text[i]);
  return rc;
}
