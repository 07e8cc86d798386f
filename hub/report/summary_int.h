/*
 * summary_int.h: what the modules of the summary share (summary.c puts
 * the document together, summary_parts.c makes the period's cells from the
 * store, summary_cells.c keeps them, summary_json.c writes them as JSON,
 * summary_lines.c tells the disclosure engine the sums, published.c brings
 * in what was published before). Not for any other module.
 */
#ifndef DAHUB_SUMMARY_INT_H
#define DAHUB_SUMMARY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dahub/period.h"
#include "disclosure.h"
#include "summary.h"

#define COUNTY_PREFIX "E10" /* counties: districts roll up into them */
#define ALL "*"
#define MAX_INGESTS 16 /* provenance ids kept per figure */
#define MAX_SCALE 6
/* The breakdown a partner's figures by service are published under:
 * {"service": "freeva.male_helpline"}. No dimension of the vocabulary may
 * take the name (vocab_load.c refuses it). */
#define SUMMARY_SERVICE_DIM "service"

/* An exact decimal: value / 10^scale. */
struct num {
  int64_t value;
  int scale;
  int overflow;
};

void num_add(struct num *acc, int64_t v, int scale);
json_t *num_json(const struct num *n);

/* The parts of one figure, counted by their status: the values of those
 * that have one summed (an estimate is a value, flagged). */
struct tally {
  struct num known;  /* sum of the known parts */
  int known_parts;   /* parts with a value */
  int source_parts;  /* suppressed at source */
  int missing_parts; /* blank */
  int estimated;
};

void tally_add(struct tally *t, enum dahub_status status, int64_t value,
               int scale);

/* Interned strings: every key part is compared by pointer. */
struct strings {
  char **v;
  size_t n, cap;
};

/* The one copy of text in s, or NULL when memory runs out. */
const char *strings_intern(struct strings *s, const char *text);
void strings_free(struct strings *s);

struct cell {
  const char *measure, *source, *area, *dims; /* interned or ALL */
  struct num known;
  int known_parts, hidden_parts, missing_parts, estimated;
  int whole;
  int64_t ingests[MAX_INGESTS];
  int n_ingests;
  size_t disc; /* disclosure id, or SIZE_MAX when not controlled */
  const struct vocab_measure *m;
  /* a cell of a table published before (published.c) */
  const char *ingests_key; /* interned "[1,4]", sorted: equal lists match */
  int state;               /* enum disclosure_state as published */
  int rule;                /* enum disclosure_rule as published */
  int64_t threshold;
};

struct cells {
  struct cell *v;
  size_t n, cap;
  size_t *slot; /* open addressing: index + 1, 0 empty */
  size_t n_slot;
};

struct cell *cells_find(struct cells *c, const char *m, const char *s,
                        const char *a, const char *d);
/* The cell, made (empty, whole) if new; NULL when memory runs out. */
struct cell *cells_get(struct cells *c, const char *m, const char *s,
                       const char *a, const char *d);
void cells_free(struct cells *c);

/* The county a district's figure also counts towards (interned), or NULL. */
const char *summary_rollup(const struct summary_env *env, struct strings *str,
                           const char *area);

/* ---- the parts of the period's figures, read from the store ---- */
struct part {
  /* interned; service "" when the figure names none */
  const char *feed, *source, *service, *measure, *area, *dims;
  unsigned mask;
  enum dahub_status status;
  int64_t value;
  int scale;
  int64_t ingest;
};

struct collect {
  unsigned period_mask;
  int fy;
  struct strings *str;
  struct part *v;
  size_t n, cap;
  int oom;
};

struct build {
  const struct summary_env *env;
  struct dahub_period period;
  char id[DAHUB_PERIOD_ID_MAX];
  struct strings str;
  struct collect parts;
  struct cells cells;
  struct disclosure *disc;
  struct disclosure_stats stats;
  double control_ms; /* disclosure control, audit included: for the log */
  /* the newest published version of this period when it was made from
   * exactly these figures: its pattern is kept, so the same figures
   * always give the same summary */
  struct cells same;
  const char *all; /* interned ALL */
};

static inline int is_controlled(const struct cell *c) {
  return c->m != NULL && c->m->unit == UNIT_COUNT;
}

/* A cell with a known value takes part in sums; one with none does not. */
static inline int in_sums(const struct cell *c) {
  return is_controlled(c) && c->known_parts > 0;
}

/* ---- summary_parts.c ---- */

/* Makes b the cells of period p from the store's current figures, under
 * disclosure control (summary_control()). 0, or an error with err; b is
 * freed with summary_build_free() either way. */
int summary_compute(const struct summary_env *env, const struct dahub_period *p,
                    struct build *b, struct dahub_error *err);
void summary_build_free(struct build *b);

/* ---- summary_json.c ---- */

struct summary_history; /* summary_history.c, below */

/* The figures of b, in a fixed order, each with its change on period
 * prev_id and (ago_id not NULL) ago_id as published (prev, ago). 0 with
 * *out, a new array; -ENOMEM, or -EBADMSG for a stored breakdown that
 * could not be read, with err. */
int summary_figures_json(struct build *b, struct cells *prev,
                         const char *prev_id, struct cells *ago,
                         const char *ago_id, struct summary_history *hist,
                         json_t **out, struct dahub_error *err);
/* A shown, whole figure's value, for rates and changes: 1 with *n. */
int summary_whole_value(const struct build *b, const struct cell *c,
                        struct num *n);
/* The rates of the vocabulary over b's cells: 0 with *out, or -ENOMEM. */
int summary_rates_json(struct build *b, json_t **out);
/* The disclosure note: thresholds, marker, how many cells each rule hid.
 * 0 with *out, or -ENOMEM. */
int summary_disclosure_json(const struct build *b, json_t **out);

/* ---- summary_control.c ---- */

/* Disclosure control of b's cells, audited against what was published
 * before: b->disc decided, b->stats filled. 0, or an error with err (-EDOM:
 * a figure could still be worked out; -EBADMSG: a stored breakdown is not
 * JSON). */
int summary_control(struct build *b, struct dahub_error *err);
/* A cell with a value or a marker: what the audit log keeps. */
int summary_logged(const struct cell *c);
/* The rule that made c as it is (enum disclosure_rule). */
int summary_rule_of(struct build *b, const struct cell *c);

/* ---- completeness.c, contracts.c: parts of the document ---- */

/* *out = [{"feed", "source_id", "status", ...}] per configured feed. 0,
 * -ENOMEM (err untouched), or a store error with err. */
int summary_completeness(const struct build *b, json_t **out,
                         struct dahub_error *err);
/* Whether period (an id from the store) has months in `in`; p is it read
 * (completeness.c). */
int summary_within(const struct dahub_period *in, const char *period,
                   struct dahub_period *p);
/* *out = {"warning_months", "contracts": [...]}. Codes as above, and
 * -EBADMSG with err for a stored contract that could not be read. */
int summary_contracts(const struct build *b, json_t **out,
                      struct dahub_error *err);

/* ---- summary_notes.c ---- */

/* *out = the data notes: per feed, the warnings of the stored files the
 * period's figures come from, [{"feed", "source_id", "warning_count",
 * "warnings": [{"file", "line", "column", "cell", "message"}],
 * "not_listed"}], an
 * empty array when there are none; and "cells_not_usable" added to the
 * feed's entry of comp (completeness) where its warnings name cells. 0,
 * -ENOMEM, or a store error with err. */
int summary_notes(const struct build *b, json_t *comp, json_t **out,
                  struct dahub_error *err);

/* ---- allocations.c ---- */

/* *out = {"measure": "funding_allocated", "series": [...]}: the allocations
 * of the period's financial year and the seven before, per partner, area
 * and funding source. 0, -ENOMEM, -EBADMSG (a stored breakdown that is not
 * JSON) with err, or a store error with err. */
int summary_allocations(struct build *b, json_t **out, struct dahub_error *err);

/* ---- summary_history.c ---- */

/* What the figures are set beside, beyond the previous period and a year
 * before, all as published: for a quarter, the seven quarters before it
 * (newest first), and the newest published version of the period itself.
 * A table is empty where nothing was published. */
#define SUMMARY_TREND_QUARTERS 7
struct summary_history {
  struct cells quarters[SUMMARY_TREND_QUARTERS];
  char quarter_ids[SUMMARY_TREND_QUARTERS][DAHUB_PERIOD_ID_MAX];
  size_t n_quarters;
  struct cells last;
};

/* Loads the tables of h for period p. 0, or a store error with err. */
int summary_history_load(struct build *b, const struct dahub_period *p,
                         struct summary_history *h, struct dahub_error *err);
void summary_history_free(struct summary_history *h);
/* Adds "trend" to the partnership totals and "last_version" to figures
 * whose value changed since the last version; figs[i] is order[i]'s.
 * 0, or -ENOMEM. */
int summary_history_add(struct build *b, struct cell **order, json_t *figs,
                        struct summary_history *h);

/* ---- published.c ---- */

/* Adds to b->disc, as fixed cells, every table published before for b's
 * financial year, with their lines, the links between versions of a
 * period, the sums over time (quarters -> half -> year), and the links from
 * them to this period's cells (already added); for a region's summary, its
 * boards' own tables too, each of its cells the sum of the boards'. 0,
 * -ENOMEM, or a store error with err. */
int published_context(struct build *b, struct dahub_error *err);

/* The newest published version of period p, as a table: *t holds its cells
 * with their published states (empty when none was published). */
int published_latest(struct build *b, const struct dahub_period *p,
                     struct cells *t, struct dahub_error *err);

/* The sorted, interned ingest list of c ("[3,7]"), or NULL (no memory). */
const char *published_ingests_key(struct build *b, const struct cell *c);

/* Adds the lines of table t (this period's cells, or a published table's)
 * to b->disc. 0, or an error from the engine; -EBADMSG for a breakdown that
 * is not JSON. */
int summary_lines(struct build *b, struct cells *t);

#endif
