/*
 * mapping.c: the mapping language of the "mapped" plugin, and its checker.
 *
 * A feed's "options" describe a partner's return; docs/mapping.md is the
 * language's reference, with an example of every key (run by
 * tests/e2e/test_docs.py). Every key is checked when the feed is loaded
 * (start, `dahub check`, reload), by the shared option checker
 * (dahub/options.h) or by its section's reader: an unknown key or a wrong
 * value is an error naming its path ("options.header.rwo: unknown key;
 * did you mean `row`?"), so a typo never silently drops data. open()
 * returns the first error; err->field holds the path, for the hub to
 * place it at file:line:col. Every problem of an object checked by its
 * table is also said to m->say as found, so that the hub lists them all
 * (open_each(), dahub/plugin.h).
 *
 * What builds struct mapping (mapping.h), in the order mapped.c's open()
 * calls it, on the loop thread:
 *   mapping.c       the keys every layout shares (the table below), the
 *                   layout and what must hold of the whole at the end
 *                   (mapping_check(): area, period and measure each from
 *                   exactly one of columns, cells, fixed and across)
 *   mapping_csv.c   the CSV layouts' keys: header, footer, fill_down,
 *                   skip_if_blank, period_notes, text, missing
 *   fields.c        columns, cells, fixed: where each field comes from
 *   figures.c       across and total (long and wide)
 *   cases_options.c, jsondoc_options.c   each layout's own section
 *   labels.c        values and unknown
 *   records.c       records
 *   codes.c         every code the whole names, for the hub's check
 * (shapes.c reads a feed's "shapes", each one such mapping.)
 * The parsing code only reads the struct, from any number of threads.
 * Rows and columns count as a spreadsheet does: row 5 is the fifth
 * record, blank ones included. A new key: a line in its table, its
 * reader, a section with an example in docs/mapping.md, and a test.
 */
#include "mapping.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/csv.h"
#include "dahub/number.h"

#include "fields.h"
#include "labels.h"
#include "options.h"

static int set_delimiter(void *dst, const struct dahub_opt *o,
                         const json_t *v) {
  const char *s = json_string_value(v);

  (void)o;
  if (strcmp(s, ",") != 0 && strcmp(s, ";") != 0 && strcmp(s, "\t") != 0)
    return -EINVAL;
  ((struct mapping *)dst)->delimiter = s[0];
  return 0;
}

/* Excel's sheet names are 1 to 31 characters; numbers count from 1. */
static int set_sheet(void *dst, const struct dahub_opt *o, const json_t *v) {
  struct mapping *m = dst;

  (void)o;
  if (json_is_integer(v) && json_integer_value(v) >= 1 &&
      json_integer_value(v) <= 65535) {
    m->sheet_number = (uint32_t)json_integer_value(v);
    return 0;
  }
  if (!json_is_string(v) || json_string_length(v) == 0 ||
      json_string_length(v) > 31 * 4)
    return -EINVAL;
  free(m->sheet);
  m->sheet = strdup(json_string_value(v));
  return m->sheet != NULL ? 0 : -ENOMEM;
}

/* "utf-16" is little-endian, as Windows writes it, unless a byte order
 * mark says otherwise (a mark always decides: dahub/csv.h). */
static int set_encoding(void *dst, const struct dahub_opt *o, const json_t *v) {
  static const struct {
    const char *name;
    enum dahub_csv_encoding e;
  } names[] = {{"utf-8", DAHUB_CSV_UTF8},
               {"windows-1252", DAHUB_CSV_CP1252},
               {"utf-16", DAHUB_CSV_UTF16LE},
               {"utf-16le", DAHUB_CSV_UTF16LE},
               {"utf-16be", DAHUB_CSV_UTF16BE}};
  const char *s = json_string_value(v);
  size_t i;

  (void)o;
  for (i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(s, names[i].name) == 0) {
      ((struct mapping *)dst)->encoding = names[i].e;
      return 0;
    }
  return -EINVAL;
}

static int set_decimal_comma(void *dst, const struct dahub_opt *o,
                             const json_t *v) {
  (void)o;
  ((struct mapping *)dst)->number_flags =
      json_is_true(v) ? DAHUB_NUM_DECIMAL_COMMA : 0;
  return 0;
}

/* The mapping's own keys; each section's are checked by its reader. */
/* clang-format off */
static const struct dahub_opt mapping_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"sheet", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_sheet, "a sheet's name, or its number from 1", "an .xlsx's sheet to read; the first when absent"},
  {"max_shared_mib", DAHUB_OPT_UINT, 0, 1, 1024, 16, offsetof(struct mapping, max_shared_mib), NULL, NULL, "an .xlsx's shared strings held at most, in MiB"},
  {"delimiter", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_delimiter, "one of \",\", \";\", \"\\t\"", "between cells; \",\" when absent"},
  {"encoding", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_encoding, "one of utf-8, windows-1252, utf-16, utf-16le, utf-16be", "of the file's text"},
  {"decimal_comma", DAHUB_OPT_BOOL, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_decimal_comma, NULL, "\"1,5\" is one and a half"},
  {"layout", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "\"long\", \"wide\", \"cases\" or \"json\""},
  {"header", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "which row is the header"},
  {"columns", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "fields read from columns"},
  {"cells", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "fields read from cells above the header"},
  {"fixed", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "fields the same for every figure"},
  {"across", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a wide layout's columns (figures.c)"},
  {"values", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "labels as written -> codes (labels.c)"},
  {"unknown", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "what an unlisted label does"},
  {"fill_down", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "columns whose blank repeats the cell above"},
  {"skip_if_blank", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a row blank here is no figure"},
  {"footer", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "where the figures end"},
  {"period_notes", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a note -> a part of a period"},
  {"period_from_date", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "the period from a date, by this kind"},
  {"text", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "what a text cell does"},
  {"missing", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "texts that mean no figure, such as \"N/A\""},
  {"total", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a TOTAL to check the parts by (figures.c)"},
  {"records", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "rows that are records (records.c)"},
  {"cases", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a cases layout's counts (cases_options.c)"},
  {"json", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a json layout's sums (jsondoc_options.c)"},
  {.key = NULL}};
/* clang-format on */

/* The layout, quoted when wrong, with the near one: "lnog" is "long". */
static int read_layout(struct mapping *m, const json_t *o,
                       struct dahub_error *err) {
  static const char *const layouts[] = {"long", "wide", "cases", "json", NULL};
  size_t i;
  int rc;

  if ((rc = opt_choice(json_object_get(o, "layout"), "options.layout", layouts,
                       &i, err)) != 0)
    return rc;
  m->layout = (enum map_layout)i;
  return 0;
}

/* The period kind of "period_from_date". */
static int read_date_kind(struct mapping *m, const json_t *o,
                          struct dahub_error *err) {
  const json_t *v;
  int rc;

  if ((v = json_object_get(o, "period_from_date")) != NULL) {
    if ((rc = opt_period_kind(v, "options.period_from_date", &m->date_kind,
                              err)) != 0)
      return rc;
    m->dates = 1;
  }
  return 0;
}

int mapping_check(const struct mapping *m, struct dahub_error *err) {
  size_t i;

  if (m->layout == MAP_LONG || m->layout == MAP_WIDE) {
    for (i = MAP_AREA; i <= MAP_MEASURE; i++)
      if (m->field[i].src == MAP_NONE)
        return dahub_error_set(err, -EINVAL, 0, 0,
                               "options: nothing gives %s (add it to columns, "
                               "cells, fixed or across)",
                               m->field[i].name);
  } else {
    /* cases and json: counts and sums name their measures, dates give the
     * periods, and an area is fixed or read per case (checked there). */
    for (i = MAP_PERIOD; i <= MAP_YEAR; i++)
      if (m->field[i].src != MAP_NONE)
        return dahub_error_set(
            err, -EINVAL, 0, 0, "options: a %s layout takes %s from %s",
            m->layout == MAP_CASES ? "cases" : "json", m->field[i].name,
            i == MAP_MEASURE ? "its counts or sums" : "the dates it reads");
    if (m->dates)
      return opt_bad(err, "options.period_from_date",
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
    return opt_bad(err, "options.columns.value",
                   "a wide layout takes its values from options.across");
  if (m->layout == MAP_LONG && m->value_column == NULL)
    return opt_bad(err, "options.columns.value",
                   "a long layout needs the header of its value column");
  if (m->layout != MAP_LONG && m->layout != MAP_WIDE && m->value_column != NULL)
    return opt_bad(err, "options.columns.value",
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
    return opt_bad(err, "options.period_from_date",
                   "the period must be read from a column or a cell");
  if (m->records != NULL && m->layout != MAP_LONG && m->layout != MAP_WIDE)
    return opt_bad(err, "options.records",
                   "only long and wide layouts have it");
  return 0;
}

/* The layout's own section, "cases" or "json", is only for it. */
static int layout_section(const struct mapping *m, const json_t *o,
                          struct dahub_error *err) {
  if (json_object_get(o, "cases") != NULL && m->layout != MAP_CASES)
    return opt_bad(err, "options.cases", "only a cases layout has it");
  if (json_object_get(o, "json") != NULL && m->layout != MAP_JSON)
    return opt_bad(err, "options.json", "only a json layout has it");
  return 0;
}

static void reading_say(void *arg, const struct dahub_error *e) {
  struct map_reading *r = arg;

  r->said++;
  r->outer->fn(r->outer->arg, e);
}

void map_reading_init(struct map_reading *r, const struct opt_say *outer,
                      struct dahub_error *err) {
  memset(r, 0, sizeof *r);
  r->outer = outer;
  r->say.fn = reading_say;
  r->say.arg = r;
  r->err = err;
}

int map_reading_go(const struct map_reading *r, const json_t *v, int always) {
  if (r->rc == 0)
    return 1;
  return r->outer != NULL && !r->nomem && (always || v != NULL);
}

struct dahub_error *map_reading_err(struct map_reading *r) {
  if (r->rc == 0)
    return r->err;
  memset(&r->later, 0, sizeof r->later);
  return &r->later;
}

void map_reading_done(struct map_reading *r, int rc, unsigned said_before) {
  const struct dahub_error *e = r->rc == 0 ? r->err : &r->later;

  if (rc == 0)
    return;
  r->nomem |= rc == -ENOMEM;
  if (r->outer != NULL && r->said == said_before && e != NULL) {
    r->said++;
    r->outer->fn(r->outer->arg, e);
  }
  if (r->rc == 0)
    r->rc = rc;
}

/* One section of mapping_new() through r: read (or not) and taken; err
 * is where the call puts its problem; fields 1 for a section that gives
 * fields their sources. */
#define READ(r, v, always, err, fields, call)                                  \
  do {                                                                         \
    if (map_reading_go((r), (v), (always))) {                                  \
      unsigned said_ = (r)->said;                                              \
      int rc_;                                                                 \
                                                                               \
      (err) = map_reading_err(r);                                              \
      rc_ = (call);                                                            \
      map_reading_done((r), rc_, said_);                                       \
      (r)->fields_cut |= rc_ != 0 && (fields);                                 \
    }                                                                          \
  } while (0)

void mapping_new(const json_t *o, struct map_reading *r, struct mapping **out) {
  struct mapping *m = NULL;
  struct dahub_error *err = r->err;

  *out = NULL;
  if (!json_is_object(o)) {
    map_reading_done(r,
                     opt_bad_type(err, "options", "an object (the mapping)",
                                  o ? o : json_null()),
                     r->said);
    return;
  }
  if ((m = calloc(1, sizeof *m)) == NULL) {
    map_reading_done(r, opt_nomem(err), r->said);
    return;
  }
  m->say = r->outer != NULL ? &r->say : NULL;
  m->across_field = MAP_NO_FIELD;
  m->delimiter = ',';
  m->encoding = DAHUB_CSV_UTF8;
  READ(r, NULL, 1, err, 1, fields_init(m, err));
  /* an unknown key may be a section giving fields, misspelt */
  READ(r, NULL, 1, err, 1,
       opt_check(o, "options", mapping_opts, m, m->say, err));
  /* the layout decides what every other section means: none without it */
  if (map_reading_go(r, NULL, 1)) {
    unsigned said = r->said;
    int rc = read_layout(m, o, err = map_reading_err(r));

    map_reading_done(r, rc, said);
    if (rc != 0) {
      mapping_free(m);
      return;
    }
  }
  READ(r, NULL, 1, err, 0, read_date_kind(m, o, err));
  if (m->layout == MAP_JSON) {
    READ(r, NULL, 1, err, 0, mapping_csv_only(o, err));
  } else {
    READ(r, json_object_get(o, "header"), 0, err, 0,
         mapping_header(m, json_object_get(o, "header"), err));
    READ(r, NULL, 1, err, 1,
         fields_group(m, json_object_get(o, "columns"), "options.columns",
                      MAP_COLUMN, err));
    READ(r, NULL, 1, err, 1,
         fields_group(m, json_object_get(o, "cells"), "options.cells", MAP_CELL,
                      err));
  }
  READ(r, NULL, 1, err, 1,
       fields_group(m, json_object_get(o, "fixed"), "options.fixed", MAP_FIXED,
                    err));
  if (m->layout != MAP_JSON)
    READ(r, NULL, 1, err, 0, mapping_csv_options(m, o, err));
  READ(r, NULL, 1, err, 0, layout_section(m, o, err));
  *out = m;
}

void mapping_free(struct mapping *m) {
  size_t i;

  if (m == NULL)
    return;
  for (i = 0; i < MAP_MAX_FIELDS; i++)
    labels_free(&m->field[i].values);
  fields_free(m);
  free(m->sheet);
  free(m->header_match);
  free(m->value_column);
  opt_pairs_free(&m->across);
  opt_pairs_free(&m->period_notes);
  opt_strings_free(m->text_skip, m->n_text_skip);
  for (i = 0; i < m->n_missing; i++) {
    free(m->missing[i].text);
    free(m->missing[i].label);
  }
  free(m->missing);
  free(m->total.column);
  free(m->total.row_column);
  free(m->total.row_match);
  opt_strings_free(m->fill_down, m->n_fill_down);
  opt_strings_free(m->skip_if_blank, m->n_skip_if_blank);
  opt_strings_free(m->footer, m->n_footer);
  free(m);
}
