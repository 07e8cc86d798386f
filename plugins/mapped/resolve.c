/*
 * resolve.c: what the text of a field becomes (see resolve.h): the code
 * its label in "values" gives, its band, a period id, or the text itself.
 * The one path every field of a row takes, whatever the layout; the memo
 * (memo.h) remembers what labels and bands a field's recent texts gave.
 * A code worked out ahead on the CSV reader's thread (cases) enters here
 * as a cache of the one step it stands for, memo_ahead(), so a cached and
 * an uncached field take the same path to the same value and errors.
 */
#include "resolve.h"

#include <errno.h>
#include <stdio.h>

#include "dahub/date.h"
#include "dahub/period.h"

#include "fields.h"
#include "memo.h"

/* The header text of the column a field is read from, for messages. */
static const char *field_header(const struct map_field *f) {
  return f->src == MAP_COLUMN ? f->text : f->name;
}

/* A date cell read as the period holding it ("period_from_date"). */
static int period_of_date(struct run *r, const struct map_field *mf,
                          const char *text, size_t len, uint32_t line,
                          size_t j) {
  struct dahub_period p;
  int y, m, d, rc;

  rc = dahub_date_parse(text, len, &y, &m, &d);
  if (rc == 0 && dahub_period_of_date(y, m, d, r->m->date_kind, &p) != 0)
    rc = -EINVAL;
  if (rc != 0)
    return mapped_date_error(r, line, j, field_header(mf), rc, text,
                             "13/06/2024 or 2024-06-13");
  dahub_period_format(&p, r->period);
  return 0;
}

int mapped_resolve(struct run *r, size_t f, const char *text, size_t len,
                   uint32_t line, size_t j, const char **out,
                   const struct map_target **tg, uint16_t *code) {
  const struct map_field *mf = &r->m->field[f];
  const char *band;
  struct dahub_period p;
  uint16_t c = MEMO_AHEAD_NONE;
  int rc;

  *tg = NULL;
  if (code != NULL) {
    c = *code;
    *code = MEMO_AHEAD_NONE;
  }
  /* A label or band: its code (memo.h), taken from the cache when the
   * reader's thread worked it out, else worked out now by the same
   * memo_ahead(); only when there is none do the errors, "unknown" and
   * the rest below apply. */
  if (mf->bands != NULL || mf->has_values) {
    if (c == MEMO_AHEAD_NONE)
      c = memo_ahead(r->memo, r->m, f, text, len);
    if ((rc = memo_from_ahead(r->m, f, c, out, tg)) >= 0) {
      if (code != NULL)
        *code = c;
      return rc;
    }
  }
  if (mf->bands != NULL) {
    if (mapped_blank(text, len))
      return mapped_cell_error_code(r, DAHUB_CODE_BLANK, line, j,
                                    field_header(mf), "a number", "",
                                    "expected a number here, found a blank "
                                    "cell");
    rc = fields_band(mf, text, len, &band);
    if (rc == -ERANGE)
      return mapped_cell_error_code(r, DAHUB_CODE_BAD_VALUE, line, j,
                                    field_header(mf),
                                    "a number that one of the bands holds",
                                    text, "no band holds this number");
    return mapped_cell_error_code(r, DAHUB_CODE_NOT_A_NUMBER, line, j,
                                  field_header(mf), "a whole number", text,
                                  "not a whole number");
  }
  if (mf->has_values) {
    char msg[192];

    if (mf->unknown == MAP_UNKNOWN_SKIP && mf->src == MAP_COLUMN)
      return 0;
    if (mf->unknown != MAP_UNKNOWN_KEEP) {
      (void)snprintf(msg, sizeof msg,
                     "no code for this %s: add it to options.values.%s%s%s%s",
                     mf->name, mf->name,
                     mf->src == MAP_COLUMN ? ", or set options.unknown." : "",
                     mf->src == MAP_COLUMN ? mf->name : "",
                     mf->src == MAP_COLUMN ? " to \"skip\"" : "");
      return mapped_cell_error_code(r, DAHUB_CODE_LABEL, line, j,
                                    field_header(mf),
                                    "a label listed in the mapping", text, msg);
    }
  }
  if (mapped_blank(text, len))
    return mapped_cell_error_code(r, DAHUB_CODE_BLANK, line, j,
                                  field_header(mf), mf->name, "",
                                  "expected a value here, found a blank cell");
  if (f == MAP_PERIOD && r->m->dates) {
    if ((rc = period_of_date(r, mf, text, len, line, j)) != 0)
      return rc;
    *out = r->period;
    return 1;
  }
  if (f == MAP_PERIOD || f == MAP_YEAR) {
    if (dahub_period_from_text(text, len, &p) != 0)
      return mapped_cell_error_code(
          r, DAHUB_CODE_PERIOD, line, j, field_header(mf),
          f == MAP_PERIOD ? "a period such as Q1 2024/25"
                          : "a year such as 2024/25",
          text, f == MAP_PERIOD ? "not a period" : "not a financial year");
    if (f == MAP_YEAR) {
      p.kind = DAHUB_PERIOD_YEAR; /* only its year counts */
      p.n = 0;
    }
    dahub_period_format(&p, f == MAP_PERIOD ? r->period : r->year);
    *out = f == MAP_PERIOD ? r->period : r->year;
    return 1;
  }
  *out = text;
  return 1;
}
