/*
 * disclosure.h: small-number suppression for the published tables of counts,
 * audited against a reader who combines everything published at once.
 *
 * The summary describes its tables to this module as cells (a count, its
 * threshold, whether the partner suppressed it) and lines (member cells and
 * the total they are said to add up to: the districts and the county, the
 * partners and all partners, a breakdown and its figure). The engine keeps a
 * line as an equation only when its members really add up to its total; one
 * that does not (a breakdown with unrecorded members, a county that also
 * reports directly) gives the reader only an inequality. Cells published
 * before (an earlier version, an overlapping period) may be added as fixed:
 * their state stays as published, but the audit protects them too.
 *
 * After disclosure_apply() each cell is SHOWN or hidden, and
 * disclosure_published() is the only way a value leaves for a sink. Pure
 * computation: no I/O, no globals; one thread per instance at a time.
 */
#ifndef DAHUB_DISCLOSURE_H
#define DAHUB_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

/* Per instance; beyond them the add functions return -E2BIG. */
#define DISCLOSURE_MAX_CELLS 1000000
/* Cells named by all lines together, each line's total included. */
#define DISCLOSURE_MAX_MEMBERSHIPS 4000000

enum disclosure_state {
  DISCLOSURE_SHOWN,     /* published */
  DISCLOSURE_PRIMARY,   /* exact and below its threshold */
  DISCLOSURE_SECONDARY, /* hidden so that no hidden cell can be worked out */
  DISCLOSURE_SOURCE,    /* suppressed by the partner: value never known */
};

/* Why a cell of this publication is as it is: for the store's audit log,
 * never for a sink (one marker for every confidential cell). */
enum disclosure_rule {
  DISCLOSURE_RULE_NONE,       /* shown; or fixed, published before */
  DISCLOSURE_RULE_PRIMARY,    /* below its threshold */
  DISCLOSURE_RULE_SECONDARY,  /* an equation had it as its one other cell */
  DISCLOSURE_RULE_AUDIT,      /* the audit found a weak cell near it */
  DISCLOSURE_RULE_DETERMINED, /* shown: what was published fixes it */
};

/* Cell flags. */
#define DISCLOSURE_CELL_SOURCE                                                 \
  1u /* the partner sent "<5": SOURCE, in no line */
#define DISCLOSURE_CELL_HEADLINE 2u /* a partnership total: hidden last */
#define DISCLOSURE_CELL_FIXED 8u    /* published before: keeps .state */

struct disclosure_cell {
  int64_t value;      /* the true count, >= 0 (ignored for SOURCE) */
  int64_t threshold;  /* an exact count below it is PRIMARY; >= 0 */
  int64_t protection; /* the narrowest interval a reader may learn for a
                         PRIMARY cell; 0: its threshold */
  unsigned flags;
  enum disclosure_state state; /* with DISCLOSURE_CELL_FIXED: as published */
};

/* What one apply did, for the summary and the log. */
struct disclosure_stats {
  size_t primary;   /* below the threshold */
  size_t secondary; /* hidden so that no line gives a hidden cell away */
  size_t audit;     /* hidden more because the audit found a weakness */
  size_t source;    /* suppressed by the partner */
  size_t
      determined; /* shown: the lines alone fix it, hiding protects nothing */
  size_t lps;     /* linear programmes solved */
  size_t rounds;  /* audits run */
};

struct disclosure;

/* OUT: caller frees with disclosure_free(). 0 or -ENOMEM. */
int disclosure_new(struct disclosure **out);
/* NULL is a no-op. */
void disclosure_free(struct disclosure *d);
/* How many threads the audit may use for separate groups of hidden cells:
 * 0 (the default) one a core, at most 4. The result is the same whatever
 * the number. */
void disclosure_set_threads(struct disclosure *d, int threads);

/* Thinning shows again a hidden cell the audit no longer needs, one trial
 * audit at a time; it is tried only in groups of linked hidden cells of at
 * most max_group cells (default DISCLOSURE_THIN_GROUP_MAX). In a larger
 * group each trial audits thousands of cells afresh, to give back a few
 * cells in a thousand. 0: no thinning. */
#define DISCLOSURE_THIN_GROUP_MAX 1000
void disclosure_set_thin_group_max(struct disclosure *d, size_t max_group);

/* Adds a cell, its id (0, 1, 2, ... in call order) in *id_out. 0, -EINVAL
 * (negative value, threshold or protection), -E2BIG or -ENOMEM. */
int disclosure_add_cell(struct disclosure *d, const struct disclosure_cell *c,
                        size_t *id_out);

/*
 * Adds a line: members[0..n-1] are said to add up to total. members is read,
 * not kept. n >= 1; ids from disclosure_add_cell(), each at most once in the
 * line, total not among the members, no SOURCE cell. Whether it is an
 * equation is decided from the cells' values. 0, -EINVAL, -E2BIG or -ENOMEM;
 * on error nothing is added.
 */
int disclosure_add_line(struct disclosure *d, const size_t *members, size_t n,
                        size_t total);

/*
 * Decides every cell that is not fixed, from scratch. Primary: an exact cell
 * below its threshold (a 0 only when suppress_zeros). Secondary: while an
 * equation has exactly one hidden cell, one more of its shown cells (the one
 * of least value to a reader: members before totals, headline totals last,
 * non-zero before zero, small before large). Then the audit, repeated until
 * it passes: for each hidden cell, the smallest and largest value a reader
 * can reach with a linear programme over every line at once (counts >= 0);
 * a PRIMARY cell must keep an interval at least its protection wide that
 * reaches its threshold, every other hidden cell more than one value. Where
 * it fails, one more cell near the weak one is hidden; a weak cell the lines
 * fix exactly with nothing left to hide near it is shown instead.
 * 0; -EDOM when the audit still fails and nothing more can be hidden
 * (disclosure_weak() names a cell); -ENOMEM or -EIO (the solver gave up).
 * On any error nothing is publishable.
 */
int disclosure_apply(struct disclosure *d, int suppress_zeros,
                     struct disclosure_stats *stats);

/* For tests: primary suppression only, a pattern that may be recoverable.
 * disclosure_published() refuses after it. */
int disclosure_apply_primary(struct disclosure *d, int suppress_zeros);

/*
 * For tests and self-checks: audits the cells' current states as
 * disclosure_apply() does, without changing them. *weak: how many hidden
 * cells fail (0 after a successful apply). 0, -ENOMEM or -EIO.
 */
int disclosure_audit(struct disclosure *d, size_t *weak);

/* Cell id's rule after the last apply (NONE for an unknown id). */
enum disclosure_rule disclosure_rule(const struct disclosure *d, size_t id);

/* After a failed apply or audit: a cell that failed, or SIZE_MAX. */
size_t disclosure_weak(const struct disclosure *d);

/* After an apply or audit, for the audit log: the interval a reader can
 * narrow hidden cell id to ([lo, hi], hi INT64_MAX when unbounded). It may
 * be reported narrower only when the cell failed; a passing cell's interval
 * is at least as wide as given. -ENODATA for a shown or SOURCE cell. */
int disclosure_bounds(const struct disclosure *d, size_t id, int64_t *lo,
                      int64_t *hi);

/* A cell's state after the last apply (SHOWN or SOURCE before any). An id
 * not from d reads as DISCLOSURE_SOURCE: hidden, never published. */
enum disclosure_state disclosure_state(const struct disclosure *d, size_t id);

/*
 * The value a sink may publish: 0 with *value for a SHOWN cell; -ENODATA for
 * a hidden one; -EAGAIN when cells or lines were added after the last
 * successful disclosure_apply(), or there was none; -EINVAL for an unknown
 * id. *value is written only on 0.
 */
int disclosure_published(const struct disclosure *d, size_t id, int64_t *value);

#endif
