/*
 * mapping.c: the mapping language of the "mapped" plugin, and its checker.
 *
 * A community safety officer describes a partner's return in the feed's
 * "options"; no C is needed. Every key below is checked when the feed is
 * loaded (start, `dahub check`, reload): an unknown key or a wrong type is an
 * error naming its path, so a typo never silently drops data.
 *
 * Reading the file (CSV layouts: long, wide, cases)
 *   An .xlsx (a zip holding a workbook) is told by its content, whatever
 *   its name, and its rows read as a CSV file's would be: a row's number
 *   is its line, a cell's column its column.
 *   "sheet": "Q1 return"     the .xlsx's sheet, by name (case ignored) or
 *            2               by number, from 1 (default: the first)
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
 *             "cases"        one case per row, counted (cases_options.c);
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
 * This file reads the part every layout shares (the layout, the file's
 * encoding) and checks the whole at the end; mapping_csv.c the keys the
 * CSV layouts share (header, footer, fill_down, period_notes); fields.c
 * reads where each field comes from, labels.c "values" and "unknown", and
 * each layout its own section (figures.c: "across", "total"; cases_options.c;
 * jsondoc_options.c; records.c). mapped.c's open() calls them in turn, on
 * the loop thread; the parsing code then only reads the struct mapping.
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

static int set_encoding(void *dst, const struct dahub_opt *o, const json_t *v) {
  const char *s = json_string_value(v);

  (void)o;
  if (strcmp(s, "utf-8") != 0 && strcmp(s, "windows-1252") != 0)
    return -EINVAL;
  if (strcmp(s, "windows-1252") == 0)
    ((struct mapping *)dst)->encoding = DAHUB_CSV_CP1252;
  return 0;
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
  {"delimiter", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_delimiter, "one of \",\", \";\", \"\\t\"", "between cells; \",\" when absent"},
  {"encoding", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, set_encoding, "one of utf-8, windows-1252", "of the file's text"},
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
  {"total", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a TOTAL to check the parts by (figures.c)"},
  {"records", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "rows that are records (records.c)"},
  {"cases", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a cases layout's counts (cases_options.c)"},
  {"json", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a json layout's sums (jsondoc_options.c)"},
  {.key = NULL}};
/* clang-format on */

/* The layout and its period kind; the table took the rest. */
static int scalars(struct mapping *m, const json_t *o,
                   struct dahub_error *err) {
  static const char *const layouts[] = {"long", "wide", "cases", "json", NULL};
  const json_t *v;
  size_t i;
  int rc;

  /* quoted when wrong, with the near one: "lnog" is "long" */
  if ((rc = opt_choice(json_object_get(o, "layout"), "options.layout", layouts,
                       &i, err)) != 0)
    return rc;
  m->layout = (enum map_layout)i;
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

int mapping_new(const json_t *o, struct mapping **out,
                struct dahub_error *err) {
  struct mapping *m = NULL;
  int rc;

  *out = NULL;
  if (!json_is_object(o)) {
    rc = opt_bad_type(err, "options", "an object (the mapping)",
                      o ? o : json_null());
    goto out;
  }
  if ((m = calloc(1, sizeof *m)) == NULL) {
    rc = opt_nomem(err);
    goto out;
  }
  m->across_field = MAP_NO_FIELD;
  m->delimiter = ',';
  m->encoding = DAHUB_CSV_UTF8;
  if ((rc = fields_init(m, err)) != 0 ||
      (rc = opt_check(o, "options", mapping_opts, m, err)) != 0 ||
      (rc = scalars(m, o, err)) != 0)
    goto out;
  if (m->layout == MAP_JSON) {
    if ((rc = mapping_csv_only(o, err)) != 0)
      goto out;
  } else if ((rc = mapping_header(m, json_object_get(o, "header"), err)) != 0 ||
             (rc = fields_group(m, json_object_get(o, "columns"),
                                "options.columns", MAP_COLUMN, err)) != 0 ||
             (rc = fields_group(m, json_object_get(o, "cells"), "options.cells",
                                MAP_CELL, err)) != 0) {
    goto out;
  }
  if ((rc = fields_group(m, json_object_get(o, "fixed"), "options.fixed",
                         MAP_FIXED, err)) != 0)
    goto out;
  if (m->layout != MAP_JSON && (rc = mapping_csv_options(m, o, err)) != 0)
    goto out;
  if ((rc = layout_section(m, o, err)) != 0)
    goto out;
  *out = m;
  m = NULL;
out:
  mapping_free(m);
  return rc;
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
  free(m->total.column);
  free(m->total.row_column);
  free(m->total.row_match);
  opt_strings_free(m->fill_down, m->n_fill_down);
  opt_strings_free(m->skip_if_blank, m->n_skip_if_blank);
  opt_strings_free(m->footer, m->n_footer);
  free(m);
}
