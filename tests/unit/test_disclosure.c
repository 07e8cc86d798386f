/*
 * test_disclosure.c: small-number suppression and its audit, cell by cell
 * and line by line.
 *
 * The tables are the shapes board papers use: a row with its total, a table
 * with row, column and grand totals, Leicestershire's districts adding up to
 * the county and the county with Leicester and Rutland adding up to the
 * partnership, a three-way table of areas by categories by partners. Each
 * table is also kept here (struct tab), so the tests judge the module with
 * their own attackers: one that only subtracts along lines, and one that
 * tries every whole-number assignment of the hidden cells of a tiny table,
 * run on a few hundred random tables from a fixed seed. Most tests are
 * small tables, rows of table_cases[] run by run_table(): the cells, the
 * lines between them and what the rules must make of them.
 *
 * malloc, calloc and realloc are wrapped (-Wl,--wrap) to fail the Nth
 * allocation made by dahub's own code (CLP is a shared library and keeps
 * its own).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "disclosure.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long fail_at = -1; /* fail the allocation with this number */
static long allocs;

void *__wrap_malloc(size_t n) {
  if (fail_at >= 0 && allocs++ == fail_at)
    return NULL;
  return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size) {
  if (fail_at >= 0 && allocs++ == fail_at)
    return NULL;
  return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n) {
  if (fail_at >= 0 && allocs++ == fail_at)
    return NULL;
  return __real_realloc(p, n);
}

/* Short names for the tables of expected states. */
enum {
  SHOWN = DISCLOSURE_SHOWN,
  PRIMARY = DISCLOSURE_PRIMARY,
  SECONDARY = DISCLOSURE_SECONDARY,
  SOURCE = DISCLOSURE_SOURCE,
};

#define TAB_CELLS 4096
#define TAB_LINES 1024
#define TAB_SLOTS 16384

/* A table as the test sees it: what went into the module, kept to check what
 * comes out. Lines as in the module: members, then the total. */
struct tab {
  struct disclosure *d;
  struct disclosure_stats st;
  int64_t value[TAB_CELLS], threshold[TAB_CELLS], protection[TAB_CELLS];
  unsigned flags[TAB_CELLS];
  size_t n_cells;
  size_t first[TAB_LINES], n[TAB_LINES];
  size_t n_lines;
  size_t slots[TAB_SLOTS];
  size_t n_slots;
};

static struct tab *tab_new(void) {
  struct tab *t = malloc(sizeof *t);

  assert_non_null(t);
  memset(t, 0, sizeof *t);
  assert_int_equal(disclosure_new(&t->d), 0);
  return t;
}

static void tab_free(struct tab *t) {
  disclosure_free(t->d);
  free(t);
}

static size_t add(struct tab *t, const struct disclosure_cell *c) {
  size_t id;

  assert_true(t->n_cells < TAB_CELLS);
  assert_int_equal(disclosure_add_cell(t->d, c, &id), 0);
  assert_int_equal(id, t->n_cells);
  t->value[id] = c->value;
  t->threshold[id] = c->threshold;
  t->protection[id] = c->protection > 0 ? c->protection : c->threshold;
  if (t->protection[id] == 0)
    t->protection[id] = 1;
  t->flags[id] = c->flags;
  t->n_cells++;
  return id;
}

static size_t cell_full(struct tab *t, int64_t value, int64_t threshold,
                        unsigned flags) {
  struct disclosure_cell c = {
      .value = value, .threshold = threshold, .flags = flags};

  return add(t, &c);
}

/* A count, threshold 5. */
static size_t cell(struct tab *t, int64_t value) {
  return cell_full(t, value, 5, 0);
}

static void line(struct tab *t, const size_t *members, size_t n, size_t total) {
  assert_true(t->n_lines < TAB_LINES && t->n_slots + n + 1 <= TAB_SLOTS);
  assert_int_equal(disclosure_add_line(t->d, members, n, total), 0);
  t->first[t->n_lines] = t->n_slots;
  t->n[t->n_lines] = n;
  memcpy(&t->slots[t->n_slots], members, n * sizeof *members);
  t->slots[t->n_slots + n] = total;
  t->n_slots += n + 1;
  t->n_lines++;
}

static int apply(struct tab *t, int suppress_zeros) {
  return disclosure_apply(t->d, suppress_zeros, &t->st);
}

static int hidden(const struct tab *t, size_t id) {
  return disclosure_state(t->d, id) != DISCLOSURE_SHOWN;
}

static size_t n_hidden(const struct tab *t) {
  size_t n = 0;

  for (size_t i = 0; i < t->n_cells; i++)
    n += hidden(t, i);
  return n;
}

/* Whether line k holds in the true values: only then is it an equation. */
static int holds(const struct tab *t, size_t k) {
  int64_t sum = 0;

  for (size_t i = 0; i < t->n[k]; i++)
    sum += t->value[t->slots[t->first[k] + i]];
  return sum == t->value[t->slots[t->first[k] + t->n[k]]];
}

static size_t line_hidden(const struct tab *t, size_t k) {
  size_t n = 0;

  for (size_t i = 0; i <= t->n[k]; i++)
    n += hidden(t, t->slots[t->first[k] + i]);
  return n;
}

/* The first invariant: no equation has exactly one hidden cell. */
static void assert_lines_safe(const struct tab *t) {
  for (size_t k = 0; k < t->n_lines; k++)
    if (holds(t, k))
      assert_int_not_equal(line_hidden(t, k), 1);
}

/* The test's simplest attacker: sweep every equation until a sweep learns
 * nothing. Returns the hidden cells it works out. */
static size_t subtract(const struct tab *t) {
  unsigned char known[TAB_CELLS];
  size_t learnt = 0;
  int changed = 1;

  for (size_t i = 0; i < t->n_cells; i++)
    known[i] = !hidden(t, i);
  while (changed) {
    changed = 0;
    for (size_t k = 0; k < t->n_lines; k++) {
      size_t unknown = 0, last = 0;

      if (!holds(t, k))
        continue;
      for (size_t i = 0; i <= t->n[k]; i++)
        if (!known[t->slots[t->first[k] + i]]) {
          unknown++;
          last = t->slots[t->first[k] + i];
        }
      if (unknown == 1) {
        known[last] = 1;
        changed = 1;
        learnt++;
      }
    }
  }
  return learnt;
}

/* A lone cell of value v, threshold thr, after apply: its state. */
static enum disclosure_state lone(int64_t v, int64_t thr, int suppress_zeros) {
  struct tab *t = tab_new();
  enum disclosure_state s;

  cell_full(t, v, thr, 0);
  assert_int_equal(apply(t, suppress_zeros), 0);
  s = disclosure_state(t->d, 0);
  tab_free(t);
  return s;
}

static void test_below_threshold_is_primary(void **state) {
  (void)state;
  assert_int_equal(lone(4, 5, 1), DISCLOSURE_PRIMARY);
  assert_int_equal(lone(1, 5, 1), DISCLOSURE_PRIMARY);
}

static void test_at_threshold_is_shown(void **state) {
  (void)state;
  assert_int_equal(lone(5, 5, 1), DISCLOSURE_SHOWN);
  assert_int_equal(lone(6, 5, 1), DISCLOSURE_SHOWN);
}

static void test_zero_hidden_only_when_suppressing_zeros(void **state) {
  (void)state;
  assert_int_equal(lone(0, 5, 1), DISCLOSURE_PRIMARY);
  assert_int_equal(lone(0, 5, 0), DISCLOSURE_SHOWN);
  assert_int_equal(lone(1, 5, 0), DISCLOSURE_PRIMARY);
  assert_int_equal(lone(0, 0, 1), DISCLOSURE_SHOWN); /* no threshold */
}

static void test_threshold_is_per_cell(void **state) {
  (void)state;
  assert_int_equal(lone(7, 10, 1), DISCLOSURE_PRIMARY); /* Rutland */
  assert_int_equal(lone(7, 5, 1), DISCLOSURE_SHOWN);
}

/* Cell ids of a grid of r rows and c columns with a totals column and a
 * totals row: id[i][j], i <= r, j <= c; id[r][c] the grand total. Lines:
 * rows, then columns, then the totals column, then the totals row. */
static void grid_lines(struct tab *t, size_t r, size_t c, const size_t *id) {
  size_t m[16] = {0}, i, j;

  for (i = 0; i < r; i++) {
    for (j = 0; j < c; j++)
      m[j] = id[i * (c + 1) + j];
    line(t, m, c, id[i * (c + 1) + c]);
  }
  for (j = 0; j < c; j++) {
    for (i = 0; i < r; i++)
      m[i] = id[i * (c + 1) + j];
    line(t, m, r, id[r * (c + 1) + j]);
  }
  for (i = 0; i < r; i++)
    m[i] = id[i * (c + 1) + c];
  line(t, m, r, id[r * (c + 1) + c]);
  for (j = 0; j < c; j++)
    m[j] = id[r * (c + 1) + j];
  line(t, m, c, id[r * (c + 1) + c]);
}

/* Cells, threshold 5, in row-major order of a (r+1) x (c+1) grid. */
static void grid(struct tab *t, size_t r, size_t c, const int64_t *v) {
  size_t id[81], i;

  for (i = 0; i < (r + 1) * (c + 1); i++)
    id[i] = cell(t, v[i]);
  grid_lines(t, r, c, id);
}

static const int64_t grid3[] = {3,  12, 20, 35, /* */
                                15, 8,  30, 53, /* */
                                25, 40, 9,  74, /* */
                                43, 60, 59, 162};

/* ---- Tables: cells added, lines drawn, the rules applied, the pattern ---- */

/*
 * Most behaviours of the module are one small table each: cells added,
 * lines drawn between them, the rules applied, the pattern and what a
 * reader can learn from it checked. A table is a row of table_cases[], its
 * steps run in order by run_table(), and a test of its own under its name.
 *
 * Cells take ids in the order they are added, from 0. LINE makes a line of
 * the cells added since the last line: its members, then its total. The
 * checks read the table as it is at that step.
 */
enum step_kind {
  END,          /* what steps[] leaves over */
  DO_ADD,       /* adds the cell */
  DO_LINE,      /* the cells since the last line: members, then the total */
  DO_LINE_OF,   /* the line of members list[1..] with total list[0] */
  DO_GRID3,     /* adds grid3, with its margins and lines */
  DO_GRID,      /* the cells so far as an id x value grid with margins */
  DO_NEW,       /* a new table: the steps after it are about that one */
  DO_PRIMARY,   /* the threshold rule alone, suppress_zeros value */
  DO_APPLY,     /* every rule, suppress_zeros id: returns value */
  IS_REFUSED,   /* the line of list as in DO_LINE_OF is refused (-EINVAL) */
  IS_AUDITED,   /* the audit finds value weak cells */
  IS_STATES,    /* the states of cells 0 .. n - 1 */
  IS_STATE,     /* the state of cell id */
  IS_LEARNT,    /* the subtracting attacker works out value hidden cells */
  IS_HIDING,    /* value cells are hidden */
  IS_LINES,     /* line k has list[k] hidden cells, every line listed */
  IS_SAFE,      /* no equation has exactly one hidden cell */
  IS_STAT,      /* the count at offset id of struct disclosure_stats */
  IS_WEAK,      /* disclosure_weak() names cell id */
  IS_PUBLISHED, /* disclosure_published(id) returns value, list[0] with it */
  IS_BOUNDS,    /* cell id's interval: lo in list[0..1], hi in list[2..3],
                   hi - lo at least list[4]; or the call returns value */
};

struct step {
  enum step_kind kind;
  struct disclosure_cell cell; /* DO_ADD */
  size_t id;                   /* the cell a check is about */
  int64_t value;
  int64_t list[16];
  size_t n; /* how many of list */
};

struct table_case {
  const char *name;
  struct step steps[40];
};

/* clang-format off */
#define N_OF(...) (sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define CELL(v) CELL_T(v, 5)
#define CELL_T(v, thr) {DO_ADD, .cell = {.value = v, .threshold = thr}}
#define FIXED(v, was)                                                          \
  {DO_ADD, .cell = {.value = v, .threshold = 5,                                \
                    .flags = DISCLOSURE_CELL_FIXED,                            \
                    .state = (enum disclosure_state)(was)}}
#define HEADLINE(v)                                                            \
  {DO_ADD, .cell = {.value = v, .threshold = 5,                                \
                    .flags = DISCLOSURE_CELL_HEADLINE}}
#define SOURCE_CELL(v)                                                         \
  {DO_ADD, .cell = {.value = v, .threshold = 5,                                \
                    .flags = DISCLOSURE_CELL_SOURCE}}
#define LINE {.kind = DO_LINE}
#define LINE_OF(total, ...)                                                    \
  {DO_LINE_OF, .list = {total, __VA_ARGS__}, .n = N_OF(total, __VA_ARGS__)}
#define GRID3 {.kind = DO_GRID3}
#define GRID(rows, cols) {DO_GRID, .id = rows, .value = cols}
#define NEW_TABLE {.kind = DO_NEW}
#define PRIMARY_ONLY(zeros) {DO_PRIMARY, .value = zeros}
#define APPLY(zeros, rc) {DO_APPLY, .id = zeros, .value = rc}
#define REFUSED_LINE_OF(total, ...)                                            \
  {IS_REFUSED, .list = {total, __VA_ARGS__}, .n = N_OF(total, __VA_ARGS__)}
#define AUDITED(weak) {IS_AUDITED, .value = weak}
#define STATES(...) {IS_STATES, .list = {__VA_ARGS__}, .n = N_OF(__VA_ARGS__)}
#define STATE(cell, st) {IS_STATE, .id = cell, .value = st}
#define LEARNT(n_) {IS_LEARNT, .value = n_}
#define HIDING(n_) {IS_HIDING, .value = n_}
#define LINES_HIDING(...)                                                      \
  {IS_LINES, .list = {__VA_ARGS__}, .n = N_OF(__VA_ARGS__)}
#define LINES_SAFE {.kind = IS_SAFE}
#define STAT(field, n_)                                                        \
  {IS_STAT, .id = offsetof(struct disclosure_stats, field), .value = n_}
#define WEAK(cell) {IS_WEAK, .id = cell}
#define PUBLISHED(cell, v) {IS_PUBLISHED, .id = cell, .list = {v}}
#define NOT_PUBLISHED(cell, rc)                                                \
  {IS_PUBLISHED, .id = cell, .value = rc, .list = {-1}}
#define BOUNDS(cell, lo_min, lo_max, hi_min, hi_max, wide)                     \
  {IS_BOUNDS, .id = cell, .list = {lo_min, lo_max, hi_min, hi_max, wide}}
#define NO_BOUNDS(cell, rc) {IS_BOUNDS, .id = cell, .value = rc}
/* Reaches w and is w wide: what a cell of threshold w needs. */
#define PROTECTED(cell, w) BOUNDS(cell, INT64_MIN, INT64_MAX, w, INT64_MAX, w)
/* A reader learns cell is at most hi. */
#define AT_MOST(cell, hi) BOUNDS(cell, INT64_MIN, INT64_MAX, hi, hi, 0)

static const struct table_case table_cases[] = {
  {"source_cell_stays_source", {
    SOURCE_CELL(0),
    SOURCE_CELL(40), /* a value is still not shown */
    SOURCE_CELL(-3), /* nor read */
    STATE(0, SOURCE),
    APPLY(1, 0), STATES(SOURCE, SOURCE, SOURCE),
    NOT_PUBLISHED(0, -ENODATA), NOT_PUBLISHED(1, -ENODATA),
    NOT_PUBLISHED(2, -ENODATA),
    STAT(source, 3), STAT(primary, 0)}},
  /* A partner's "<5" is in no line: the module refuses one that names it. */
  {"source_cell_in_a_line_is_refused", {
    SOURCE_CELL(0), CELL(12), CELL(15),
    REFUSED_LINE_OF(2, 0, 1), REFUSED_LINE_OF(0, 1)}},

  /* ---- A row and its total ---- */
  /* 3, 12, 9, 20 | 44: the 3 could be worked out from the total. */
  {"row_primary_hides_next_smallest", {
    CELL(3), CELL(12), CELL(9), CELL(20), CELL(44), LINE,
    PRIMARY_ONLY(1), LEARNT(1),
    APPLY(1, 0), STATES(PRIMARY, SHOWN, SECONDARY, SHOWN, SHOWN), LEARNT(0),
    STAT(primary, 1), STAT(secondary, 1), STAT(audit, 0)}},
  /* Three 9s tie: the lowest id goes, not the first member of the line. */
  {"secondary_ties_go_to_lowest_id", {
    CELL(9), CELL(2), CELL(9), CELL(9), CELL(29), LINE_OF(4, 2, 1, 0, 3),
    APPLY(1, 0), STATES(SECONDARY, PRIMARY, SHOWN, SHOWN, SHOWN)}},
  /* Zeros shown (suppress_zeros 0): a 0 is a poor secondary, a reader
   * guesses it, so a non-zero member goes even though 0 is smaller. */
  {"secondary_prefers_nonzero_member", {
    CELL(3), CELL(0), CELL(9), CELL(20), CELL(32), LINE,
    APPLY(0, 0), STATES(PRIMARY, SHOWN, SECONDARY, SHOWN, SHOWN)}},
  /* Only zeros left to hide among the members: the total goes instead. */
  {"secondary_prefers_total_to_zero_member", {
    CELL(3), CELL(0), CELL(0), CELL_T(3, 3) /* at its own threshold */, LINE,
    APPLY(0, 0), STATES(PRIMARY, SHOWN, SHOWN, SECONDARY)}},
  /* A hidden total: a member goes with it, never only the total. */
  {"hidden_total_hides_a_member", {
    CELL_T(4, 3), CELL_T(3, 3), CELL_T(5, 3),
    CELL_T(12, 15) /* a total's own threshold */, LINE,
    APPLY(1, 0), STATES(SHOWN, SECONDARY, SHOWN, PRIMARY)}},
  /* A line of one member (Rutland's one unitary = Rutland): no other
   * member, so the total goes; a reader then knows the two are equal, and
   * the pair keeps the interval [0, inf): open upwards. */
  {"one_member_line_hides_total", {
    CELL_T(7, 10), CELL(7), LINE,
    APPLY(1, 0), STATES(PRIMARY, SECONDARY), LEARNT(0),
    BOUNDS(0, 0, 7, INT64_MAX, INT64_MAX, 0)}}, /* as wide as that, at least */
  /* A line whose members do not add up (a breakdown with unrecorded
   * members, a county that also reports directly) is no equation: a lone
   * hidden member needs no partner, since subtraction gives only a bound
   * (here at most 6, which reaches 5 and is 6 wide). */
  {"line_that_does_not_hold_forces_no_partner", {
    CELL(3), CELL(12), CELL(20), CELL(38), LINE, /* 35 recorded, 3 not */
    APPLY(1, 0), STATES(PRIMARY, SHOWN, SHOWN, SHOWN),
    STAT(secondary, 0), STAT(audit, 0), BOUNDS(0, 0, 0, 6, 6, 0),
    /* the same row adding up: the 3 takes a partner */
    NEW_TABLE, CELL(3), CELL(12), CELL(20), CELL(35), LINE,
    APPLY(1, 0), HIDING(2)}},
  /* A member counted twice adds up to more than its total: no equation
   * either, and "at least" bounds nothing from above. */
  {"line_over_its_total_forces_no_partner", {
    CELL(2), CELL(30), CELL(31), LINE, APPLY(1, 0), HIDING(1)}},
  /* A county that reports one victim directly: its districts add up to at
   * most 74, so with 30 and 40 shown the hidden 3 is at most 4, proven
   * below 5. No subtraction finds that; the audit does, and hides one
   * more. */
  {"line_that_misses_still_bounds", {
    CELL(3), CELL(30), CELL(40), CELL(74), LINE,
    PRIMARY_ONLY(1), AUDITED(1), AT_MOST(0, 4),
    APPLY(1, 0), STATES(PRIMARY, SECONDARY, SHOWN, SHOWN), STAT(audit, 1),
    PROTECTED(0, 5)}},
  /* Two small counts in one row: every line has two hidden cells, so
   * subtraction gets nowhere, yet the row says they add up to 4, which
   * proves both below 5. The audit sees it; applying, the room check of
   * the row hides one more member (the smallest that gives both room)
   * before the audit has to. */
  {"audit_repairs_what_subtraction_misses", {
    CELL(3), CELL(1), CELL(40), CELL(12), CELL(56), LINE,
    PRIMARY_ONLY(1), LEARNT(0), AUDITED(2),
    AT_MOST(0, 4), /* a failing cell's interval is the reader's */
    APPLY(1, 0), STATES(PRIMARY, PRIMARY, SHOWN, SECONDARY, SHOWN),
    STAT(secondary, 1), STAT(audit, 0), PROTECTED(0, 5)}},
  /* Cells published before keep their state: shown stays shown (it cannot
   * be taken back), hidden stays hidden even at or above the threshold,
   * and a fixed hidden cell is protected by the audit like any other. */
  {"fixed_cells_keep_their_state", {
    FIXED(3, SHOWN),    /* shown before: stays */
    FIXED(12, PRIMARY), /* hidden before: stays */
    CELL(9), CELL(20), CELL(44), LINE,
    APPLY(1, 0),
    /* the fixed hidden 12 alone in its line would be worked out: a
     * partner */
    STATES(SHOWN, PRIMARY, SECONDARY),
    PUBLISHED(0, 3), PROTECTED(1, 5),
    STAT(primary, 0)}}, /* nothing newly below a threshold */
  /* A fixed secondary is never thinned away: it was published hidden. */
  {"fixed_secondary_is_not_thinned", {
    CELL(30), FIXED(40, SECONDARY), FIXED(50, SECONDARY), CELL(120), LINE,
    APPLY(1, 0), STATES(SHOWN, SECONDARY, SECONDARY)}},
  /* Nothing left that may be hidden: the primary would be worked out, so
   * the table is refused, and nothing is publishable. */
  {"edom_when_nothing_can_be_hidden", {
    CELL(3), FIXED(12, SHOWN), FIXED(20, SHOWN), FIXED(35, SHOWN), LINE,
    APPLY(1, -EDOM), WEAK(0), NOT_PUBLISHED(1, -EAGAIN),
    /* a fixed hidden cell the shown ones give away: refused too */
    NEW_TABLE, FIXED(30, SECONDARY), FIXED(12, SHOWN), FIXED(42, SHOWN), LINE,
    APPLY(1, -EDOM), WEAK(0)}},
  /* A 0 the lines fix whatever is shown (an area whose only district is
   * itself, reported twice): hiding it protects nothing, so it is shown
   * and counted as determined. */
  {"structural_zero_is_shown", {
    CELL(30), CELL(30), CELL(0),
    LINE_OF(1, 0),    /* a = b */
    LINE_OF(1, 0, 2), /* a + z = b, so z = 0 */
    APPLY(1, 0), STATE(2, SHOWN), STAT(determined, 1), HIDING(0)}},
  /* A determined 0 shown beside a cell nothing can be hidden for: refused,
   * not a loop (the shown 0 was once counted as weak in every round). */
  {"edom_after_a_determined_cell", {
    CELL(30), CELL(30), CELL(0), LINE_OF(1, 0), LINE_OF(1, 0, 2),
    CELL(3), FIXED(12, SHOWN), FIXED(15, SHOWN), LINE,
    APPLY(1, -EDOM), WEAK(3)}},
  /* The partnership total is the figure the board reads first: hidden only
   * when nothing else in its line can be. */
  {"headline_hidden_last", {
    CELL_T(4, 10) /* Rutland */, CELL(140), CELL(900), HEADLINE(1044), LINE,
    APPLY(1, 0), STATE(3, SHOWN), STATE(1, SECONDARY),
    /* the other members fixed as shown: only the headline is left */
    NEW_TABLE, CELL_T(4, 10), FIXED(140, SHOWN), FIXED(900, SHOWN),
    HEADLINE(1044), LINE,
    APPLY(1, 0), STATE(3, SECONDARY)}},
  {"bounds_only_for_hidden_cells", {
    CELL(3), CELL(12), CELL(20), CELL(35), LINE, SOURCE_CELL(0),
    APPLY(1, 0),
    NO_BOUNDS(2, -ENODATA), NO_BOUNDS(4, -ENODATA), NO_BOUNDS(5, -EINVAL),
    /* 3 + 12 = 15 with both hidden: each in [0, 15]; the module reports an
     * interval inside that, wide enough to pass */
    BOUNDS(0, 0, 3, 5, 15, 5), BOUNDS(1, 0, 12, 12, 15, 1)}},
  {"published_only_shown_values_after_apply", {
    CELL(3), CELL(12), CELL(20),
    NOT_PUBLISHED(1, -EAGAIN),
    CELL(35), LINE,
    PRIMARY_ONLY(1), NOT_PUBLISHED(2, -EAGAIN),
    APPLY(1, 0), NOT_PUBLISHED(0, -ENODATA), NOT_PUBLISHED(1, -ENODATA),
    PUBLISHED(2, 20), PUBLISHED(3, 35), NOT_PUBLISHED(4, -EINVAL),
    STATE(4, SOURCE),
    CELL(50), /* a change: apply again before publishing */
    NOT_PUBLISHED(2, -EAGAIN),
    APPLY(1, 0), PUBLISHED(4, 50),
    LINE_OF(2, 4), /* a line is a change too */
    NOT_PUBLISHED(4, -EAGAIN)}},
  /* Each apply starts from the cells as added: nothing stays from the
   * last. */
  {"apply_starts_afresh", {
    CELL(0), CELL(12), CELL(20), CELL(32), LINE,
    APPLY(1, 0), STATES(PRIMARY, SECONDARY, SHOWN, SHOWN),
    APPLY(0, 0), STATES(SHOWN, SHOWN, SHOWN, SHOWN),
    APPLY(1, 0), STATES(PRIMARY, SECONDARY, SHOWN, SHOWN)}},

  /* ---- Tables with margins, and areas within areas ---- */
  {"table_primary_only_is_recoverable", {
    GRID3, PRIMARY_ONLY(1), STATE(0, PRIMARY),
    LEARNT(1), /* 35 - 12 - 20 */
    /* the audit sees it too, and names the cell */
    AUDITED(1), WEAK(0)}},
  /* The one primary cell takes three secondaries: a 2 x 2 rectangle. */
  {"table_secondary_closes_rows_and_columns", {
    GRID3, APPLY(1, 0),
    STATES(PRIMARY,   SECONDARY, SHOWN, SHOWN,
           SECONDARY, SECONDARY, SHOWN, SHOWN,
           SHOWN,     SHOWN,     SHOWN, SHOWN,
           SHOWN,     SHOWN,     SHOWN, SHOWN),
    LINES_HIDING(2, 2, 0, 2, 2, 0, 0, 0),
    LEARNT(0), AUDITED(0), WEAK(SIZE_MAX),
    /* 3 + x, 12 - x, 15 - x, 8 + x: x in [-3, 12], so the 3 in [0, 15]; the
     * module reports an interval inside that, wide enough to pass */
    BOUNDS(0, 0, 3, 5, 15, 5)}},
  /* Rutland's row (threshold 10) is all hidden. Its column cells and its
   * row total each leave a line with one hidden cell; the row total's
   * secondary is another row total (42), whose row then needs one more
   * (20), and so on. */
  {"secondary_spreads_through_totals_lines", {
    CELL_T(4, 10), CELL_T(4, 10), CELL_T(8, 10), /* Rutland */
    CELL(12), CELL(30), CELL(42),
    CELL(20), CELL(25), CELL(45),
    CELL(36), CELL(59), CELL(95), GRID(3, 2),
    APPLY(1, 0), STATES(PRIMARY, PRIMARY, PRIMARY), LINES_SAFE, LEARNT(0),
    /* each reaches 10 and is 10 wide */
    PROTECTED(0, 10), PROTECTED(1, 10), PROTECTED(2, 10)}},
  /* Leicestershire's seven districts add up to the county; the county,
   * Leicester and Rutland (threshold 10) add up to the partnership.
   * Melton's 3 takes a district; Rutland's 4 takes another area. */
  {"hierarchy_districts_and_county", {
    CELL(21), CELL(30), CELL(14), CELL(18), CELL(3), CELL(16), CELL(9),
    CELL(111), LINE, /* Blaby .. Oadby and Wigston, the county */
    CELL(140) /* Leicester */, CELL_T(4, 10) /* Rutland */, HEADLINE(255),
    LINE_OF(10, 7, 8, 9),
    PRIMARY_ONLY(1), LEARNT(2),
    APPLY(1, 0), STATE(4, PRIMARY), STATE(9, PRIMARY), STATE(10, SHOWN),
    LINES_HIDING(2, 2), LEARNT(0)}},
  /* The case the line-by-line engine published: Leicestershire's districts
   * other than Melton shown (162 together), Melton (4) and the county (166)
   * hidden; the county and Rutland (9, threshold 10) hidden in the
   * partnership's 175. Every line has two hidden cells, so subtraction
   * gets nowhere; but the two lines together say Melton + Rutland = 13, and
   * a reader who knows Melton is below 5 pins Rutland to 9 or more. With
   * one marker for every hidden cell a reader cannot know that; the audit
   * then proves Rutland keeps an interval that reaches 10 and is 10 wide,
   * and Melton one that reaches 5. (Were Melton's "<5" the partner's, a
   * reader would know it: docs/disclosure.md, what the audit does not
   * model.) */
  {"audit_protects_rutland_behind_county", {
    CELL(30), CELL(40), CELL(25), CELL(27), CELL(4) /* Melton */, CELL(20),
    CELL(20), CELL(166), LINE,
    CELL_T(9, 10) /* Rutland */, HEADLINE(175), LINE_OF(9, 7, 8),
    APPLY(1, 0), STATE(4, PRIMARY), STATE(8, PRIMARY), LEARNT(0),
    PROTECTED(8, 10), PROTECTED(4, 5), AUDITED(0)}},
};
/* clang-format on */

/* Checks step s of a table on t. */
static void check_step(struct tab *t, const struct step *s) {
  size_t weak = SIZE_MAX - 1;
  int64_t v = -1, lo = -7, hi = -7;
  int rc;

  switch (s->kind) {
  case IS_REFUSED: {
    size_t m[16];

    for (size_t i = 1; i < s->n; i++)
      m[i - 1] = (size_t)s->list[i];
    assert_int_equal(disclosure_add_line(t->d, m, s->n - 1, (size_t)s->list[0]),
                     -EINVAL);
    break;
  }
  case IS_AUDITED:
    assert_int_equal(disclosure_audit(t->d, &weak), 0);
    assert_int_equal(weak, s->value);
    break;
  case IS_STATES:
    for (size_t i = 0; i < s->n; i++)
      if ((int64_t)disclosure_state(t->d, i) != s->list[i])
        fail_msg("cell %zu: state %d, expected %d", i,
                 (int)disclosure_state(t->d, i), (int)s->list[i]);
    break;
  case IS_STATE:
    assert_int_equal(disclosure_state(t->d, s->id), s->value);
    break;
  case IS_LEARNT:
    assert_int_equal(subtract(t), s->value);
    break;
  case IS_HIDING:
    assert_int_equal(n_hidden(t), s->value);
    break;
  case IS_LINES:
    assert_int_equal(t->n_lines, s->n);
    for (size_t k = 0; k < s->n; k++)
      if ((int64_t)line_hidden(t, k) != s->list[k])
        fail_msg("line %zu: %zu hidden, expected %lld", k, line_hidden(t, k),
                 (long long)s->list[k]);
    break;
  case IS_SAFE:
    assert_lines_safe(t);
    break;
  case IS_STAT:
    assert_int_equal(*(const size_t *)((const char *)&t->st + s->id), s->value);
    break;
  case IS_WEAK:
    assert_int_equal(disclosure_weak(t->d), s->id);
    break;
  case IS_PUBLISHED:
    assert_int_equal(disclosure_published(t->d, s->id, &v), s->value);
    assert_int_equal(v, s->list[0]);
    break;
  case IS_BOUNDS:
    rc = disclosure_bounds(t->d, s->id, &lo, &hi);
    if (s->value != 0) { /* no interval: rc, and lo left alone */
      assert_int_equal(rc, s->value);
      assert_int_equal(lo, -7);
      break;
    }
    assert_int_equal(rc, 0);
    if (lo < s->list[0] || lo > s->list[1] || hi < s->list[2] ||
        hi > s->list[3] || (s->list[4] > 0 && hi - lo < s->list[4]))
      fail_msg("cell %zu: [%lld, %lld] is not as the test expects", s->id,
               (long long)lo, (long long)hi);
    break;
  default:
    fail_msg("step %d out of place", (int)s->kind);
  }
}

/* A table from its first cell to its last check. */
static void run_table(void **state) {
  const struct table_case *tc = *state;
  static const struct step end = {.kind = END};
  const size_t max = sizeof tc->steps / sizeof *tc->steps;
  struct tab *t = tab_new();
  size_t from = 0, m[16], id[81];

  for (size_t i = 0; i <= max; i++) {
    const struct step *s = i < max ? &tc->steps[i] : &end;

    switch (s->kind) {
    case END:
      tab_free(t);
      return;
    case DO_ADD:
      (void)add(t, &s->cell);
      break;
    case DO_LINE:
      for (size_t k = from; k + 1 < t->n_cells; k++)
        m[k - from] = k;
      line(t, m, t->n_cells - 1 - from, t->n_cells - 1);
      from = t->n_cells;
      break;
    case DO_LINE_OF:
      for (size_t k = 1; k < s->n; k++)
        m[k - 1] = (size_t)s->list[k];
      line(t, m, s->n - 1, (size_t)s->list[0]);
      from = t->n_cells;
      break;
    case DO_GRID3:
      grid(t, 3, 3, grid3);
      break;
    case DO_GRID:
      for (size_t k = 0; k < t->n_cells; k++)
        id[k] = k;
      grid_lines(t, s->id, (size_t)s->value, id);
      break;
    case DO_NEW:
      tab_free(t);
      t = tab_new();
      from = 0;
      break;
    case DO_PRIMARY:
      assert_int_equal(disclosure_apply_primary(t->d, (int)s->value), 0);
      break;
    case DO_APPLY:
      assert_int_equal(apply(t, (int)s->id), s->value);
      break;
    default:
      check_step(t, s);
    }
  }
}

/* A protection wider than the threshold asks for a wider interval: a 2 x 2
 * rectangle enough for 5 is not enough for 20. */
static void test_protection_widens_the_pattern(void **state) {
  struct disclosure_cell c = {.value = 3, .threshold = 5};
  size_t k, narrow, wide;

  (void)state;
  for (k = 0; k < 2; k++) {
    struct tab *t = tab_new();
    int64_t lo, hi;
    size_t id[16], i;

    c.protection = k == 0 ? 0 : 20;
    id[0] = add(t, &c);
    for (i = 1; i < 16; i++)
      id[i] = cell(t, grid3[i]);
    grid_lines(t, 3, 3, id);
    assert_int_equal(apply(t, 1), 0);
    assert_int_equal(disclosure_bounds(t->d, 0, &lo, &hi), 0);
    assert_true(hi - lo >= (k == 0 ? 5 : 20));
    if (k == 0)
      narrow = n_hidden(t);
    else
      wide = n_hidden(t);
    tab_free(t);
  }
  assert_true(wide > narrow);
}

/* The same cells and lines in the same order: the same pattern. */
static void test_apply_is_deterministic(void **state) {
  int first[16];

  (void)state;
  for (int k = 0; k < 3; k++) {
    struct tab *t = tab_new();
    static const int64_t v[] = {3,  2,  20, 25, /* */
                                15, 4,  30, 49, /* */
                                25, 40, 1,  66, /* */
                                43, 46, 51, 140};

    grid(t, 3, 3, v);
    assert_int_equal(apply(t, 1), 0);
    for (size_t i = 0; i < 16; i++) {
      if (k == 0)
        first[i] = (int)disclosure_state(t->d, i);
      assert_int_equal(disclosure_state(t->d, i), first[i]);
    }
    tab_free(t);
  }
}

static void test_bad_arguments_rejected(void **state) {
  struct disclosure *d;
  struct disclosure_cell c = {.value = -1, .threshold = 5};
  size_t id, m[3];

  (void)state;
  assert_int_equal(disclosure_new(&d), 0);
  assert_int_equal(disclosure_add_cell(d, &c, &id), -EINVAL);
  c.value = 4;
  c.threshold = -1;
  assert_int_equal(disclosure_add_cell(d, &c, &id), -EINVAL);
  c.threshold = 5;
  c.protection = -1;
  assert_int_equal(disclosure_add_cell(d, &c, &id), -EINVAL);
  c.protection = 0;
  c.flags = DISCLOSURE_CELL_FIXED;
  c.state = (enum disclosure_state)(DISCLOSURE_SOURCE + 1);
  assert_int_equal(disclosure_add_cell(d, &c, &id), -EINVAL);
  c.state = DISCLOSURE_SHOWN;
  c.flags = DISCLOSURE_CELL_SOURCE;
  c.value = -1; /* never read for a partner's "<5" */
  assert_int_equal(disclosure_add_cell(d, &c, &id), 0);
  assert_int_equal(id, 0);
  c.flags = 0;
  c.value = 7;
  assert_int_equal(disclosure_add_cell(d, &c, &id), 0);
  c.value = 8;
  assert_int_equal(disclosure_add_cell(d, &c, &id), 0);
  assert_int_equal(id, 2);
  m[0] = 1;
  m[1] = 2;
  m[2] = 2;
  assert_int_equal(disclosure_add_line(d, m, 0, 2), -EINVAL); /* empty */
  assert_int_equal(disclosure_add_line(d, m, 2, 3), -EINVAL); /* no total */
  assert_int_equal(disclosure_add_line(d, m, 2, 0), -EINVAL); /* source */
  m[1] = 1;
  assert_int_equal(disclosure_add_line(d, m, 2, 2), -EINVAL); /* repeated */
  m[1] = 2;
  assert_int_equal(disclosure_add_line(d, m, 2, 2), -EINVAL); /* total too */
  m[1] = 9;
  assert_int_equal(disclosure_add_line(d, m, 2, 2), -EINVAL); /* unknown */
  /* The failed calls left nothing behind: the same cells make a line. */
  assert_int_equal(disclosure_add_line(d, m, 1, 2), 0);
  disclosure_free(d);
  disclosure_free(NULL);
}

static void test_limits_return_e2big(void **state) {
  struct disclosure *d;
  struct disclosure_cell c = {.value = 9, .threshold = 5};
  const size_t per = DISCLOSURE_MAX_MEMBERSHIPS / 4 - 1;
  size_t id = 0, i, *m;

  (void)state;
  assert_int_equal(disclosure_new(&d), 0);
  for (i = 0; i < DISCLOSURE_MAX_CELLS; i++)
    assert_int_equal(disclosure_add_cell(d, &c, &id), 0);
  assert_int_equal(id, DISCLOSURE_MAX_CELLS - 1);
  assert_int_equal(disclosure_add_cell(d, &c, &id), -E2BIG);
  assert_true(per < DISCLOSURE_MAX_CELLS);
  m = malloc(DISCLOSURE_MAX_MEMBERSHIPS * sizeof *m);
  assert_non_null(m);
  for (i = 0; i < per; i++)
    m[i] = i + 1;
  /* n members and a total: one slot too many, checked before the ids. */
  assert_int_equal(disclosure_add_line(d, m, DISCLOSURE_MAX_MEMBERSHIPS, 0),
                   -E2BIG);
  assert_int_equal(disclosure_add_line(d, m, SIZE_MAX, 0), -E2BIG);
  /* four lines of per + 1 slots fill every membership */
  for (i = 0; i < 4; i++)
    assert_int_equal(disclosure_add_line(d, m, per, 0), 0);
  assert_int_equal(disclosure_add_line(d, m, 1, 0), -E2BIG);
  assert_int_equal(disclosure_apply(d, 1, NULL), 0);
  free(m);
  disclosure_free(d);
}

/* Builds a 6 x 6 table with margins (enough to grow every array and to
 * need repairs), applies it and audits it, failing allocation number fail;
 * 1 if nothing failed. The checks wait until allocation works again. */
enum { FN = 6 };

static int run_failing(long fail) {
  struct disclosure *d = NULL;
  struct disclosure_cell c = {.threshold = 5};
  size_t id[(FN + 1) * (FN + 1)], m[FN], i, j, weak = SIZE_MAX;
  int64_t v, x[FN + 1][FN + 1] = {{0}};
  int rc, apply_rc = 1, pub = 0, want_pub = 0;

  /* 2 where (i + j) % 4 == 0, else 30; margins their sums */
  for (i = 0; i < FN; i++)
    for (j = 0; j < FN; j++) {
      int64_t y = (i + j) % 4 == 0 ? 2 : 30;

      x[i][j] += y;
      x[i][FN] += y;
      x[FN][j] += y;
      x[FN][FN] += y;
    }
  allocs = 0;
  fail_at = fail;
  if ((rc = disclosure_new(&d)) != 0)
    goto out;
  for (i = 0; i < (FN + 1) * (FN + 1) && rc == 0; i++) {
    c.value = x[i / (FN + 1)][i % (FN + 1)];
    rc = disclosure_add_cell(d, &c, &id[i]);
  }
  for (i = 0; i <= FN && rc == 0; i++) { /* rows, the totals row too */
    for (j = 0; j < FN; j++)
      m[j] = id[i * (FN + 1) + j];
    rc = disclosure_add_line(d, m, FN, id[i * (FN + 1) + FN]);
  }
  for (j = 0; j <= FN && rc == 0; j++) {
    for (i = 0; i < FN; i++)
      m[i] = id[i * (FN + 1) + j];
    rc = disclosure_add_line(d, m, FN, id[FN * (FN + 1) + j]);
  }
  if (rc != 0)
    goto out;
  rc = apply_rc = disclosure_apply(d, 1, NULL);
  pub = disclosure_published(d, 1, &v);
  if (rc != 0)
    want_pub = -EAGAIN; /* a half-applied table publishes nothing */
  else if (disclosure_state(d, 1) != DISCLOSURE_SHOWN)
    want_pub = -ENODATA;
  if (rc == 0)
    rc = disclosure_audit(d, &weak);
out:
  fail_at = -1;
  disclosure_free(d);
  if (apply_rc != 1)
    assert_int_equal(pub, want_pub);
  if (rc != 0) {
    assert_int_equal(rc, -ENOMEM);
    return 0;
  }
  assert_int_equal(weak, 0);
  return allocs <= fail;
}

static void test_allocation_failures_are_clean(void **state) {
  long fail;

  (void)state;
  for (fail = 0; !run_failing(fail); fail++)
    assert_true(fail < 5000);
  assert_true(fail >= 30); /* arrays, incidence, per-group audit, lp rows */
}

/* A generator with a fixed seed (splitmix64): the same tables each run. */
static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static int64_t below(uint64_t *s, uint64_t n) { return (int64_t)(next(s) % n); }

/*
 * The exact attacker for tiny tables: every whole-number assignment of the
 * hidden cells (each 0 .. cap) that satisfies every line (an equation, or
 * the inequality a line that misses still gives), found by
 * depth-first search that fills in a cell as soon as an equation leaves it
 * the only unknown. The extremes each hidden cell takes over all of them
 * are what a reader can learn. The cap lies beyond every value, threshold
 * and protection in the table; an extreme reached only where some cell sits
 * at the cap may go further without it, so it is taken as open (a maximum)
 * or not compared (a minimum).
 */
#define BF_MAX 32

struct brute {
  const struct tab *t;
  size_t var[BF_MAX], n_var; /* hidden cells, in id order */
  int of[TAB_CELLS];         /* cell -> var index, or -1 when known */
  int64_t cap;
  int64_t x[BF_MAX];
  unsigned char set[BF_MAX];
  int64_t lo[BF_MAX], hi[BF_MAX];
  unsigned char lo_cap[BF_MAX], hi_cap[BF_MAX]; /* reached only at a cap */
  signed char miss[TAB_LINES]; /* 0: an equation; -1: members <= total;
                                  1: members >= total */
  size_t solutions;
  unsigned long steps, max_steps;
};

/* The value of cell c under the partial assignment: 1 if known. */
static int bf_value(const struct brute *b, size_t c, int64_t *v) {
  int k = b->of[c];

  if (k < 0) {
    *v = b->t->value[c];
    return 1;
  }
  *v = b->x[k];
  return b->set[k];
}

/* Fills in forced cells; 0 if some equation cannot hold. Records what it
 * set in trail so the caller can undo it. */
static int bf_propagate(struct brute *b, int *trail, size_t *n_trail) {
  const struct tab *t = b->t;
  int changed = 1;

  while (changed) {
    changed = 0;
    for (size_t k = 0; k < t->n_lines; k++) {
      int64_t sum = 0, v;
      size_t unknown = 0, u = 0, upos = 0;
      int total_known = 0;

      for (size_t i = 0; i <= t->n[k]; i++) {
        size_t c = t->slots[t->first[k] + i];
        int64_t sign = i == t->n[k] ? -1 : 1;

        if (bf_value(b, c, &v)) {
          sum += sign * v;
          total_known |= i == t->n[k];
        } else {
          unknown++;
          u = c;
          upos = i;
        }
      }
      if (unknown == 0 &&
          (b->miss[k] == 0 ? sum != 0 : (b->miss[k] < 0 ? sum > 0 : sum < 0)))
        return 0;
      /* known members already above a known total: no count can help */
      if (total_known && sum > 0 && b->miss[k] <= 0)
        return 0;
      if (b->miss[k] != 0)
        continue; /* an inequality bounds, but fills in nothing */
      if (unknown == 1) {
        /* member: u = -sum; total: u = sum */
        int64_t need = upos == t->n[k] ? sum : -sum;
        int j = b->of[u];

        if (need < 0 || need > b->cap)
          return 0;
        b->x[j] = need;
        b->set[j] = 1;
        trail[(*n_trail)++] = j;
        changed = 1;
      }
    }
  }
  return 1;
}

static void bf_search(struct brute *b, size_t from) {
  int trail[BF_MAX];
  size_t n_trail = 0, k;

  if (++b->steps > b->max_steps)
    return;
  while (from < b->n_var && b->set[from])
    from++;
  if (from == b->n_var) {
    int at_cap = 0;

    b->solutions++;
    for (k = 0; k < b->n_var; k++)
      at_cap |= b->x[k] == b->cap;
    for (k = 0; k < b->n_var; k++) {
      if (b->x[k] < b->lo[k] || (b->x[k] == b->lo[k] && !at_cap)) {
        b->lo_cap[k] = b->x[k] < b->lo[k] ? (unsigned char)at_cap : 0;
        b->lo[k] = b->x[k];
      }
      if (b->x[k] > b->hi[k] || (b->x[k] == b->hi[k] && !at_cap)) {
        b->hi_cap[k] = b->x[k] > b->hi[k] ? (unsigned char)at_cap : 0;
        b->hi[k] = b->x[k];
      }
    }
    return;
  }
  for (int64_t v = 0; v <= b->cap && b->steps <= b->max_steps; v++) {
    b->x[from] = v;
    b->set[from] = 1;
    n_trail = 0;
    if (bf_propagate(b, trail, &n_trail))
      bf_search(b, from + 1);
    for (k = 0; k < n_trail; k++)
      b->set[trail[k]] = 0;
    b->set[from] = 0;
  }
}

/* 0 when the search finished; -1 when there were too many hidden cells or
 * steps for a brute force. */
static int brute_force(const struct tab *t, struct brute *b) {
  int64_t most = 0;
  int trail[BF_MAX];
  size_t n_trail = 0;

  memset(b, 0, sizeof *b);
  b->t = t;
  for (size_t k = 0; k < t->n_lines; k++) {
    int64_t sum = 0, total = t->value[t->slots[t->first[k] + t->n[k]]];

    for (size_t i = 0; i < t->n[k]; i++)
      sum += t->value[t->slots[t->first[k] + i]];
    b->miss[k] = (signed char)(sum == total ? 0 : (sum < total ? -1 : 1));
  }
  b->max_steps = 50000;
  for (size_t c = 0; c < t->n_cells; c++) {
    int64_t w = t->value[c] + t->threshold[c] + t->protection[c];

    b->of[c] = -1;
    if (!hidden(t, c) || disclosure_state(t->d, c) == DISCLOSURE_SOURCE)
      continue;
    if (b->n_var == BF_MAX)
      return -1;
    b->of[c] = (int)b->n_var;
    b->var[b->n_var] = c;
    b->lo[b->n_var] = INT64_MAX;
    b->hi[b->n_var] = -1;
    b->n_var++;
    most = w > most ? w : most;
  }
  /* beyond every value, threshold and protection in the table: a reader
   * who can push a cell this far learns nothing the rule cares about */
  b->cap = most + 1;
  if (bf_propagate(b, trail, &n_trail))
    bf_search(b, 0);
  return b->steps > b->max_steps ? -1 : 0;
}

/* Whether a reader who can narrow cell c to [lo, hi] learns too much. */
static int exposed(const struct tab *t, size_t c, int64_t lo, int64_t hi) {
  if (disclosure_state(t->d, c) == DISCLOSURE_PRIMARY)
    return hi < t->threshold[c] || hi - lo < t->protection[c];
  return hi <= lo;
}

/* Adds cells to t, values from s; the cells of one shape are contiguous.
 * Thresholds 3..7, some 10 (a small area's), protections now and then, some
 * lines that do not add up, and, when fixed_ok, some cells fixed from an
 * earlier version. */
static size_t random_cell(struct tab *t, uint64_t *s, int64_t v, int fixed_ok) {
  struct disclosure_cell c = {.value = v, .threshold = 3 + below(s, 5)};

  if (below(s, 8) == 0)
    c.threshold = 10;
  if (below(s, 6) == 0)
    c.protection = 1 + below(s, 8);
  if (fixed_ok && below(s, 8) == 0) {
    c.flags = DISCLOSURE_CELL_FIXED;
    c.state = below(s, 3) == 0 ? DISCLOSURE_SECONDARY : DISCLOSURE_SHOWN;
    if (v < c.threshold && c.state == DISCLOSURE_SHOWN)
      c.state = DISCLOSURE_PRIMARY; /* published before with the same rule */
  }
  return add(t, &c);
}

static int64_t small(uint64_t *s) {
  return below(s, 3) == 0 ? below(s, 3) : below(s, 14);
}

/* A row of members and its total. */
static void random_row(struct tab *t, uint64_t *s, int fixed_ok) {
  size_t m[4], n = 2 + (size_t)below(s, 3);
  int64_t sum = 0;

  for (size_t i = 0; i < n; i++) {
    int64_t v = small(s);

    sum += v;
    m[i] = random_cell(t, s, v, fixed_ok);
  }
  if (below(s, 6) == 0)
    sum += 1 + below(s, 3); /* unrecorded members */
  line(t, m, n, random_cell(t, s, sum, fixed_ok));
}

/* An r x c table with margins. */
static void random_grid(struct tab *t, uint64_t *s, int fixed_ok) {
  size_t r = 2 + (size_t)below(s, 2), c = 2 + (size_t)below(s, 2);
  int64_t v[4][4] = {{0}};
  size_t id[16];

  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < c; j++) {
      int64_t x = small(s);

      v[i][j] += x;
      v[i][c] += x;
      v[r][j] += x;
      v[r][c] += x;
    }
  for (size_t i = 0; i <= r; i++)
    for (size_t j = 0; j <= c; j++)
      id[i * (c + 1) + j] = random_cell(t, s, v[i][j], fixed_ok);
  grid_lines(t, r, c, id);
}

/* Districts to a county, the county and other areas to a partnership. */
static void random_hierarchy(struct tab *t, uint64_t *s, int fixed_ok) {
  size_t nd = 2 + (size_t)below(s, 2), na = 1 + (size_t)below(s, 2);
  size_t dist[3], area[3];
  int64_t dv[3], av[3], county = 0, all = 0;

  for (size_t i = 0; i < nd; i++)
    county += dv[i] = small(s);
  if (below(s, 6) == 0)
    county += 2; /* the county reports some of its own */
  for (size_t i = 0; i < na; i++)
    all += av[i] = small(s);
  all += county;
  for (size_t i = 0; i < nd; i++)
    dist[i] = random_cell(t, s, dv[i], fixed_ok);
  area[0] = random_cell(t, s, county, fixed_ok);
  line(t, dist, nd, area[0]);
  for (size_t i = 0; i < na; i++)
    area[i + 1] = random_cell(t, s, av[i], fixed_ok);
  line(t, area, na + 1,
       cell_full(t, all, 3 + below(s, 5), DISCLOSURE_CELL_HEADLINE));
}

/*
 * A few hundred tiny random tables, each applied and then attacked by the
 * exact attacker: no hidden cell worked out, no primary cell narrowed below
 * its protection or proven below its threshold, and every interval the
 * module reports for a passing cell no wider than the truth allows.
 */
static void test_exact_attacker_on_random_tiny_tables(void **state) {
  uint64_t seed = 20261207;
  size_t tables = 0, refused = 0, skipped = 0, hid = 0, leaky = 0;

  (void)state;
  for (int round = 0; round < 400; round++) {
    struct tab *t = tab_new();
    int shape = (int)below(&seed, 4), zeros = round % 3 != 0;
    int fixed_ok = below(&seed, 4) == 0;
    struct brute *b = malloc(sizeof *b);
    int rc;

    assert_non_null(b);
    if (shape == 0)
      random_row(t, &seed, fixed_ok);
    else if (shape == 1)
      random_grid(t, &seed, fixed_ok);
    else if (shape == 2)
      random_hierarchy(t, &seed, fixed_ok);
    else {
      random_row(t, &seed, fixed_ok);
      random_hierarchy(t, &seed, fixed_ok);
    }
    assert_int_equal(disclosure_apply_primary(t->d, zeros), 0);
    leaky += subtract(t) > 0;
    rc = apply(t, zeros);
    if (rc == -EDOM) {
      /* only a table with cells fixed by an earlier version may be refused */
      assert_true(fixed_ok);
      refused++;
      tab_free(t);
      free(b);
      continue;
    }
    assert_int_equal(rc, 0);
    tables++;
    assert_lines_safe(t);
    for (size_t i = 0; i < t->n_cells; i++) {
      enum disclosure_state st = disclosure_state(t->d, i);
      int64_t v = -1;

      if (t->flags[i] & DISCLOSURE_CELL_FIXED)
        continue;
      if (t->value[i] < t->threshold[i] && (t->value[i] != 0 || zeros))
        assert_true(st == DISCLOSURE_PRIMARY || st == DISCLOSURE_SHOWN);
      else
        assert_int_not_equal(st, DISCLOSURE_PRIMARY);
      if (st == DISCLOSURE_SHOWN) {
        assert_int_equal(disclosure_published(t->d, i, &v), 0);
        assert_int_equal(v, t->value[i]);
      } else {
        assert_int_equal(disclosure_published(t->d, i, &v), -ENODATA);
      }
    }
    if (brute_force(t, b) != 0) {
      skipped++;
    } else {
      assert_true(b->solutions >= 1); /* the truth is one */
      for (size_t k = 0; k < b->n_var; k++) {
        size_t c = b->var[k];
        int64_t lo, hi;
        int64_t bhi = b->hi_cap[k] ? INT64_MAX : b->hi[k];

        hid++;
        assert_false(exposed(t, c, b->lo[k], bhi));
        /* what the module reports lies inside what a reader can reach */
        assert_int_equal(disclosure_bounds(t->d, c, &lo, &hi), 0);
        if (!b->lo_cap[k])
          assert_true(b->lo[k] <= lo);
        if (bhi != INT64_MAX)
          assert_true(bhi >= hi);
      }
    }
    tab_free(t);
    free(b);
  }
  assert_true(tables > 350);
  assert_true(refused < 40);
  assert_true(skipped < 50);
  assert_true(leaky > 100); /* many tables needed more than primary: the
                               test can fail */
  assert_true(hid > 1000);
}

/* Areas x categories x partners, 6 x 8 x 4, with every margin (index A, C
 * or P): each cell is in three lines, totals in the lines of totals, and
 * one group of hidden cells spans the table. */
enum { A = 6, C = 8, P = 4, CELLS3 = (A + 1) * (C + 1) * (P + 1) };

static size_t id3(size_t a, size_t c, size_t p) {
  return (a * (C + 1) + c) * (P + 1) + p;
}

/* Adds a three-way table (cells base .. base + CELLS3 - 1) from seed. */
static void three_way(struct tab *t, size_t base, uint64_t seed) {
  static int64_t v[CELLS3];
  size_t a, c, p, m[C];

  memset(v, 0, sizeof v);
  for (a = 0; a < A; a++)
    for (c = 0; c < C; c++)
      for (p = 0; p < P; p++) {
        int64_t x = below(&seed, 3) == 0 ? below(&seed, 6) : below(&seed, 60);
        size_t ma, mc, mp;

        for (ma = 0; ma < 2; ma++) /* the cell and its seven margins */
          for (mc = 0; mc < 2; mc++)
            for (mp = 0; mp < 2; mp++)
              v[id3(ma ? A : a, mc ? C : c, mp ? P : p)] += x;
      }
  for (size_t i = 0; i < CELLS3; i++)
    assert_int_equal(cell(t, v[i]), base + i);
  for (c = 0; c <= C; c++)
    for (p = 0; p <= P; p++) {
      for (a = 0; a < A; a++)
        m[a] = base + id3(a, c, p);
      line(t, m, A, base + id3(A, c, p));
    }
  for (a = 0; a <= A; a++)
    for (p = 0; p <= P; p++) {
      for (c = 0; c < C; c++)
        m[c] = base + id3(a, c, p);
      line(t, m, C, base + id3(a, C, p));
    }
  for (a = 0; a <= A; a++)
    for (c = 0; c <= C; c++) {
      for (p = 0; p < P; p++)
        m[p] = base + id3(a, c, p);
      line(t, m, P, base + id3(a, c, P));
    }
}

static void test_three_way_table(void **state) {
  struct tab *t = tab_new();
  size_t weak = 1;

  (void)state;
  three_way(t, 0, 7);
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_true(subtract(t) > 0);
  assert_int_equal(apply(t, 1), 0);
  assert_int_equal(subtract(t), 0);
  assert_lines_safe(t);
  assert_int_equal(disclosure_audit(t->d, &weak), 0);
  assert_int_equal(weak, 0);
  assert_true(t->st.lps > 0);
  assert_true(n_hidden(t) < t->n_cells / 2); /* still a table worth reading */
  tab_free(t);
}

/* Four tables that share no line are four groups, audited on as many
 * threads as asked: the pattern and every interval are the same whatever
 * the number. */
static void test_threads_give_the_same_pattern(void **state) {
  enum { TABLES = 4 };
  static int st1[TABLES * CELLS3];
  static int64_t lo1[TABLES * CELLS3], hi1[TABLES * CELLS3];

  (void)state;
  for (int threads = 1; threads <= 4; threads++) {
    struct tab *t = tab_new();
    size_t per[TABLES] = {0};

    disclosure_set_threads(t->d, threads);
    for (size_t k = 0; k < TABLES; k++)
      three_way(t, k * CELLS3, 11 + k);
    assert_int_equal(apply(t, 1), 0);
    assert_lines_safe(t);
    for (size_t i = 0; i < t->n_cells; i++) {
      int64_t lo = -1, hi = -1;
      int rc = disclosure_bounds(t->d, i, &lo, &hi);

      per[i / CELLS3] += rc == 0;
      if (threads == 1) {
        st1[i] = (int)disclosure_state(t->d, i);
        lo1[i] = lo;
        hi1[i] = hi;
      }
      assert_int_equal(disclosure_state(t->d, i), st1[i]);
      assert_int_equal(lo, lo1[i]);
      assert_int_equal(hi, hi1[i]);
    }
    for (size_t k = 0; k < TABLES; k++) /* each a group worth a thread */
      assert_true(per[k] >= 64);
    tab_free(t);
  }
}

int main(void) {
  static const struct CMUnitTest others[] = {
      cmocka_unit_test(test_below_threshold_is_primary),
      cmocka_unit_test(test_at_threshold_is_shown),
      cmocka_unit_test(test_zero_hidden_only_when_suppressing_zeros),
      cmocka_unit_test(test_threshold_is_per_cell),
      cmocka_unit_test(test_protection_widens_the_pattern),
      cmocka_unit_test(test_apply_is_deterministic),
      cmocka_unit_test(test_bad_arguments_rejected),
      cmocka_unit_test(test_limits_return_e2big),
      cmocka_unit_test(test_allocation_failures_are_clean),
      cmocka_unit_test(test_exact_attacker_on_random_tiny_tables),
      cmocka_unit_test(test_three_way_table),
      cmocka_unit_test(test_threads_give_the_same_pattern),
  };
  enum { N_TABLES = sizeof table_cases / sizeof *table_cases };
  struct CMUnitTest tests[N_TABLES + sizeof others / sizeof *others];

  for (size_t i = 0; i < N_TABLES; i++)
    tests[i] = (struct CMUnitTest){table_cases[i].name, run_table, NULL, NULL,
                                   (void *)&table_cases[i]};
  memcpy(&tests[N_TABLES], others, sizeof others);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
