/*
 * disclosure_impl.h: what disclosure.c (the choices) and disclosure_audit.c
 * (the reader's linear programmes) share. Not for any other module.
 */
#ifndef DAHUB_DISCLOSURE_IMPL_H
#define DAHUB_DISCLOSURE_IMPL_H

#include "disclosure.h"

struct lp;

/* What a line tells a reader, decided from the true values when it is
 * added: an equation only when its members add up to its total. One that
 * does not (a breakdown with unrecorded members, a county that also reports
 * directly, a member counted under two values) still tells which way it
 * misses: the audit keeps it as an inequality, but it forces no secondary
 * cell, since a lone hidden cell in it is only bounded, not given away. */
enum line_kind {
  LINE_NONE, /* the sum overflowed: nothing a reader can use */
  LINE_EQ,   /* members = total */
  LINE_LE,   /* members <= total */
  LINE_GE,   /* members >= total */
};

struct dcell {
  int64_t value; /* 0 for SOURCE: never read */
  int64_t threshold;
  int64_t protection; /* > 0 */
  int64_t lo, hi;     /* the last audit's interval; hi INT64_MAX: open */
  /* a weak cell's repair as the last audit priced it: the shown cell whose
   * hiding gives it room, or SIZE_MAX */
  size_t fix;
  size_t mark; /* add_line's duplicate check: last epoch seen */
  unsigned flags;
  unsigned char state;  /* enum disclosure_state */
  unsigned char total;  /* the total of some line */
  unsigned char weak;   /* failed the last audit */
  unsigned char missed; /* audits in a row that found it weak, at most 2:
                          the repairs between them missed */
  unsigned char rule;   /* enum disclosure_rule */
};

/* slots[first .. first + n - 1] are the members, slots[first + n] the
 * total. */
struct dline {
  size_t first;
  size_t n;
  unsigned char kind; /* enum line_kind */
};

/* The lines each cell is in (members and totals alike), as compressed rows:
 * cell c's are lines[start[c] .. start[c + 1] - 1]. Equations and
 * inequalities: every line but LINE_NONE. */
struct incidence {
  size_t *start;
  size_t *lines;
};

struct disclosure {
  struct dcell *cells;
  size_t n_cells, cap_cells;
  struct dline *lines;
  size_t n_lines, cap_lines;
  size_t *slots;
  size_t n_slots, cap_slots;
  size_t epoch;  /* one per add_line call, so a failed call leaves no marks */
  int published; /* 1 after a full apply with nothing added since */
  size_t weak;   /* a cell that failed the last audit, or SIZE_MAX */
  size_t work;   /* programmes solved times their columns: thinning's
                    budget, the same on every run */
  /* while apply() runs, the lines of each cell: the audit's repair prices
   * look at a candidate's other lines; NULL otherwise */
  const struct incidence *inc;
  /* Each cell's lowest and highest value at points the audit found
   * (seen[c], seen[n_cells + c]). Hiding a cell only widens the reader's
   * polytope, so the points stay the reader's own and the next audit starts
   * from what they showed; showing a cell may cut them off, so whatever
   * shows one sets seen_stale and the audit starts again from the true
   * values (thinning's trial audit does so for the shown cell's groups
   * only: no other group had it as a variable). */
  double *seen;
  size_t seen_cells;
  int seen_stale;
  /* The basis each group's programme ended with (lp.h): a byte per cell,
   * then one per line, 0 where none is known. A repair changes a group's
   * programme by a few columns, so the next round's starts from it rather
   * than afresh; kept and reset with seen. */
  unsigned char *basis;
  size_t basis_size;
  int threads;           /* the audit's threads; 0: one a core */
  size_t thin_group_max; /* thinning tries only groups this small */
};

static inline int dcell_hidden(const struct dcell *c) {
  return c->state != DISCLOSURE_SHOWN;
}

/* Whether the audit asks about c: hidden by this hub (a partner's own <5 is
 * a bound the reader has, not an unknown the hub protects). */
static inline int dcell_audited(const struct dcell *c) {
  return dcell_hidden(c) && c->state != DISCLOSURE_SOURCE;
}

static inline int dcell_fixed(const struct dcell *c) {
  return (c->flags & DISCLOSURE_CELL_FIXED) != 0;
}

/* ---- disclosure_choose.c: the steps of disclosure_apply() ---- */

/* Every cell not fixed from scratch: PRIMARY below its threshold (a 0 only
 * with suppress_zeros), else SHOWN; rules cleared. */
void choose_primary(struct disclosure *d, int suppress_zeros);
/* Hides a second cell in every equation with exactly one hidden cell, to a
 * fixed point. hidden and queue have room for n_lines. */
void choose_secondary(struct disclosure *d, const struct incidence *inc,
                      size_t *hidden, size_t *queue);
/* Room in each equation for its small members; how many cells it hid. */
size_t choose_capacity(struct disclosure *d);
/* One round of repairs after an audit that found weak cells: *changed 1
 * when some cell changed, *shown 1 when a determined cell was shown. seen,
 * queue, picks and pos have room for n_cells (seen all 0, left so). 0,
 * -ENOMEM or -EIO. */
int choose_repair(struct disclosure *d, const struct incidence *inc,
                  unsigned char *seen, size_t *queue, size_t *picks,
                  size_t *pos, int *changed, int *shown, size_t *lps);
/* Back to the primary pattern, determined cells kept shown. */
void choose_unhide(struct disclosure *d);
/* Whether cell c may be hidden by a repair. */
int choose_can_hide(const struct dcell *c);
/* Whether shown cell a is a better repair than b (SIZE_MAX: none yet) for
 * weak cell w: the board's order of what to lose first, then a value that
 * covers w's shortfall, then the smallest. */
int choose_better_repair(const struct disclosure *d, size_t w, size_t a,
                         size_t b);
/* Shows again what a passing pattern no longer needs, within a budget of
 * programmes. mark (all 0) and order have room for n_cells. */
int choose_thin(struct disclosure *d, const struct incidence *inc,
                unsigned char *mark, size_t *order,
                struct disclosure_stats *st);
/* Adds what each rule hid in this publication to st. */
void choose_count(const struct disclosure *d, struct disclosure_stats *st);

/* ---- disclosure_audit.c: the reader's programme for one group ---- */

/* One thread's room: rowv and coef for the widest line; score, mark
 * (all 0, left so) and touched for n_cells; what it solved and found. */
struct audit_scratch {
  size_t *rowv;
  double *coef;
  double *score;
  unsigned char *mark;
  size_t *touched;
  size_t lps, work, n_weak;
  size_t first_weak; /* the group's first weak cell, or SIZE_MAX */
  int helper;        /* a large group may take a second thread */
  /* A trial (thinning's): the cells to ask first; the group stops at its
   * first weak cell, unpriced. NULL: a full audit. */
  const unsigned char *first;
};

/* ---- disclosure_rows.c: a group's programme ---- */

/* One row of lp per line of glines: members +1, total -1, the cells not
 * audited moved to the right; an equation or an inequality. col[c] is
 * cell c's column; vars and coef have room for the widest line. */
int audit_rows(const struct disclosure *d, struct lp *lp, const size_t *glines,
               size_t n_lines, const size_t *col, size_t *vars, double *coef);
/* Prices weak column k of lp (columns the n cells vars, rows the lines
 * glines) for its repair: sets its cell's fix; counts in s. 0 or -EIO. */
int audit_price(const struct disclosure *d, struct lp *lp, const size_t *vars,
                size_t n, const size_t *glines, size_t n_rows, size_t k,
                struct audit_scratch *s);
/* Starts lp (the group vars, glines) from the basis d->basis keeps for
 * them, when that is a basis of it. 0 or -ENOMEM. */
int audit_start_basis(const struct disclosure *d, struct lp *lp,
                      const size_t *vars, size_t n, const size_t *glines,
                      size_t n_lines);
/* Keeps lp's last basis in d->basis for its cells and lines. 0 or -ENOMEM. */
int audit_keep_basis(struct disclosure *d, const struct lp *lp,
                     const size_t *vars, size_t n, const size_t *glines,
                     size_t n_lines);

/* Audits the group of hidden cells vars[0 .. n - 1] over its lines glines:
 * sets each cell's lo, hi, weak and fix, and grows d->seen for them only;
 * col[c] is cell c's column (its index in vars). 0, -ENOMEM or -EIO. */
int audit_group(struct disclosure *d, const size_t *vars, size_t n,
                const size_t *glines, size_t n_lines, const size_t *col,
                struct audit_scratch *s);

/* ---- disclosure_groups.c ---- */

/* Runs the audit over the current states: sets the lo, hi and weak of
 * every hidden cell in a group with a cell marked in only (NULL: all).
 * With only, a trial of showing one cell, whose hidden neighbours are
 * marked: its groups start from the true values, marked cells are asked
 * first and each group stops at its first weak cell, leaving the flags of
 * the rest as they were;
 * *n_weak counts the weak ones, *lps adds the programmes solved. 0, -ENOMEM
 * or -EIO. */
int disclosure_audit_run(struct disclosure *d, const unsigned char *only,
                         size_t *n_weak, size_t *lps);

/* size[c]: how many audited cells cell c's group has (0 when c is not
 * audited); size has room for n_cells. 0 or -ENOMEM. */
int disclosure_group_sizes(const struct disclosure *d, size_t *size);

/* Whether cell w is fixed by what was published before, whatever this
 * publication shows or hides: the lines with every cell not fixed as
 * published left free still give w one value (a cell an earlier version
 * showed; a 0 that two cells other lines prove equal differ by). Then no
 * hiding can protect it. With lines_only, published values are unknowns
 * too: whether the lines alone fix w. seen (all 0, left so), queue and col
 * have room for n_cells; *lps adds the programmes solved. 0, -ENOMEM or
 * -EIO. */
int disclosure_pinned(const struct disclosure *d, const struct incidence *inc,
                      size_t w, unsigned char *seen, size_t *queue, size_t *col,
                      int lines_only, int *pinned, size_t *lps);

#endif
