/*
 * total.c: does a return's TOTAL add up? (see total.h)
 *
 * Partners' spreadsheets often carry a TOTAL column or row, unsuppressed:
 * Freeva's TOTAL of 103 beside a "<5" for Melton tells anyone that Melton
 * had exactly 3. So a total is never emitted as a figure; it is only used
 * to catch a return whose parts and total disagree (a row typed twice, a
 * formula that missed a column), which goes to the ingest report as a
 * warning: the figures may still be right, and the data lead decides.
 *
 * The parts are kept as a range, because a suppressed part is not a number
 * but a bound: "<5" may be 0 to 4, so parts 14, 31, <5 allow 45 to 49. A
 * blank part (not reported) or a "*" could be anything, so such parts only
 * give a lower limit. The total disagrees only when no value the parts
 * allow matches any value the total allows.
 */
#include "total.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dahub/number.h"

void total_start(struct total_range *t) { memset(t, 0, sizeof *t); }

void total_add(struct total_range *t, const char *cell, size_t len,
               unsigned number_flags) {
  struct dahub_number n;

  if (dahub_number_parse(cell, len, number_flags, &n) != 0) {
    t->off = 1;
    return;
  }
  switch (n.kind) {
  case DAHUB_NUM_NUMBER:
    if (n.scale != 0 || n.percent || n.value < 0 ||
        __builtin_add_overflow(t->lo, n.value, &t->lo) ||
        __builtin_add_overflow(t->hi, n.value, &t->hi))
      t->off = 1;
    break;
  case DAHUB_NUM_SUPPRESSED:
    if (n.bound <= 0)
      t->open = 1; /* "*": any number */
    else if (__builtin_add_overflow(t->hi, n.bound - 1, &t->hi))
      t->off = 1;
    break;
  default: /* blank or text: not known */
    t->open = 1;
    break;
  }
}

/* "45", "45 to 49" or "at least 45". */
static void describe(const struct total_range *t, char *buf, size_t n) {
  if (t->open)
    (void)snprintf(buf, n, "at least %" PRId64, t->lo);
  else if (t->lo == t->hi)
    (void)snprintf(buf, n, "%" PRId64, t->lo);
  else
    (void)snprintf(buf, n, "%" PRId64 " to %" PRId64, t->lo, t->hi);
}

void total_check(struct run *r, const struct total_range *parts,
                 const char *cell, size_t len, uint32_t line, size_t j,
                 const char *what, const char *parts_name) {
  struct total_range total;
  char p[64], t[64];

  if (parts->off)
    return;
  total_start(&total);
  total_add(&total, cell, len, r->m->number_flags);
  if (total.off || total.open)
    return; /* blank, "*" or text: nothing to check against */
  if (parts->lo <= total.hi && (parts->open || total.lo <= parts->hi))
    return;
  describe(parts, p, sizeof p);
  describe(&total, t, sizeof t);
  mapped_warn(r, line, (uint32_t)(j + 1),
              "%s does not add up: %s give %s, the total is %s", what,
              parts_name, p, t);
}

void total_row_parts(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  struct total_range parts;
  const char *text;
  size_t k, len;

  total_start(&parts);
  for (k = 0; k < m->across.n; k++) {
    text = mapped_cell(r, row, r->across[k], &len);
    total_add(&parts, text, len, m->number_flags);
    if (r->col_totals != NULL)
      total_add(&r->col_totals[k], text, len, m->number_flags);
  }
  if (r->total_col == NO_COL)
    return;
  text = mapped_cell(r, row, r->total_col, &len);
  total_check(r, &parts, text, len, row->line, r->total_col, m->total.column,
              "the columns");
}

int total_row(struct run *r, const struct dahub_csv_row *row) {
  const struct mapping *m = r->m;
  const char *text;
  char what[160];
  size_t k, len;

  if (r->total_row_col == NO_COL)
    return 0;
  text = mapped_cell(r, row, r->total_row_col, &len);
  if (!mapping_same(text, len, m->total.row_match))
    return 0;
  for (k = 0; k < m->across.n; k++) {
    text = mapped_cell(r, row, r->across[k], &len);
    (void)snprintf(what, sizeof what, "%s, %s row", m->across.p[k].key,
                   m->total.row_match);
    total_check(r, &r->col_totals[k], text, len, row->line, r->across[k], what,
                "the rows above");
    total_start(&r->col_totals[k]);
  }
  if (r->total_col != NO_COL) { /* its own TOTAL cell, against its cells */
    struct total_range parts;

    total_start(&parts);
    for (k = 0; k < m->across.n; k++) {
      text = mapped_cell(r, row, r->across[k], &len);
      total_add(&parts, text, len, m->number_flags);
    }
    text = mapped_cell(r, row, r->total_col, &len);
    total_check(r, &parts, text, len, row->line, r->total_col, m->total.column,
                "the columns");
  }
  return 1;
}
