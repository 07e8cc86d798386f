/*
 * disclosure.h: small-number suppression for the published tables of counts.
 *
 * The summary describes each table to this module as cells (a count, whether
 * it is exact, its threshold, whether the partner suppressed it) and additive
 * lines (member cells that add up to a total cell: a row and its row total, a
 * column and its column total, the districts and the county). After
 * disclosure_apply() each cell is SHOWN or hidden, and
 * disclosure_published() is the only way a value leaves for a sink: it gives
 * a value only for a SHOWN cell of a fully applied table, so a summary that
 * forgets to apply, or ran out of memory half way, publishes nothing.
 *
 * Pure computation: no I/O, no globals. One instance belongs to one thread
 * at a time; the const functions may run together on a shared instance.
 */
#ifndef DAHUB_DISCLOSURE_H
#define DAHUB_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

/* Per instance; beyond them the add functions return -E2BIG. */
#define DISCLOSURE_MAX_CELLS 1000000
/* Cells named by all lines together, each line's total included. */
#define DISCLOSURE_MAX_MEMBERSHIPS 1000000

enum disclosure_state {
  DISCLOSURE_SHOWN,     /* published */
  DISCLOSURE_PRIMARY,   /* exact and below its threshold */
  DISCLOSURE_SECONDARY, /* hidden so no hidden cell can be worked out */
  DISCLOSURE_SOURCE,    /* suppressed by the partner: value never known */
};

struct disclosure;

/* OUT: caller frees with disclosure_free(). 0 or -ENOMEM. */
int disclosure_new(struct disclosure **out);
/* NULL is a no-op. */
void disclosure_free(struct disclosure *d);

/*
 * Adds a cell, its id (0, 1, 2, ... in call order) in *id_out.
 * value: the count, >= 0; ignored when source_suppressed.
 * exact: 1 when value is the true count; 0 when it is a lower bound (a
 *   total that includes a SOURCE or missing cell), published as partial. A
 *   line whose total is not exact gives no equation, so needs no secondary
 *   suppression; a partial cell is never PRIMARY.
 * threshold: >= 0; an exact count below it is hidden (from config: default
 *   5, per-area overrides such as Rutland's 10).
 * source_suppressed: 1 when the partner sent "<5" or similar: SOURCE.
 * 0, -EINVAL (negative value or threshold), -E2BIG or -ENOMEM.
 */
int disclosure_add_cell(struct disclosure *d, int64_t value, int exact,
                        int64_t threshold, int source_suppressed,
                        size_t *id_out);

/*
 * Adds a line: members[0..n-1] add up to total. members is read, not kept.
 * n >= 1; ids from disclosure_add_cell(), each at most once in the line,
 * total not among the members. A cell may be in any number of lines (a row
 * total is also a member of the line of row totals).
 * 0, -EINVAL, -E2BIG or -ENOMEM; on error nothing is added.
 */
int disclosure_add_line(struct disclosure *d, const size_t *members, size_t n,
                        size_t total);

/*
 * Decides every cell from scratch, so it may run again after more adds.
 * Primary: an exact cell below its threshold, except a 0 when suppress_zeros
 * is 0 (the default usage passes 1). Secondary, to a fixed point: a line
 * with an exact total and exactly one hidden cell (PRIMARY, SECONDARY or
 * SOURCE) hides one more SHOWN cell, chosen as the smallest non-zero member,
 * else the total, else a zero member (ties: lowest id). Then no hidden cell
 * can be worked out by subtracting along lines, one after another.
 * 0 or -ENOMEM (cells then unpublishable until a successful apply).
 */
int disclosure_apply(struct disclosure *d, int suppress_zeros);

/*
 * For tests and self-checks: primary suppression only, a pattern that may
 * be recoverable. disclosure_published() refuses after it.
 */
int disclosure_apply_primary(struct disclosure *d, int suppress_zeros);

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

/*
 * For tests and self-checks: plays the attacker. Starting from the SHOWN
 * cells, any line with an exact total and exactly one unknown cell gives
 * that cell, repeatedly; *out is how many PRIMARY or SECONDARY cells become
 * known (a SOURCE cell was never published by us, so is not counted). 0
 * after disclosure_apply(). Stronger attacks (solving lines together, bounds
 * from counts being >= 0) are not modelled. 0 or -ENOMEM.
 */
int disclosure_recoverable(const struct disclosure *d, size_t *out);

#endif
