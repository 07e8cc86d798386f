/*
 * test_disclosure.c: small-number suppression, cell by cell and line by line.
 *
 * The tables are the shapes board papers use: a row with its total, a table
 * with row, column and grand totals, Leicestershire's districts adding up to
 * the county, a three-way table of areas by categories by partners. Each
 * table is also kept here (struct tab), so the tests judge the module with
 * their own attacker, not only with disclosure_recoverable(). A property test
 * runs 500 random tables from a fixed seed.
 *
 * malloc and realloc are wrapped (-Wl,--wrap) to fail the Nth allocation.
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
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);

static long fail_at = -1; /* fail the allocation with this number */
static long allocs;

void *__wrap_malloc(size_t n) {
  if (fail_at >= 0 && allocs++ == fail_at)
    return NULL;
  return __real_malloc(n);
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
  int64_t value[TAB_CELLS];
  int exact[TAB_CELLS], source[TAB_CELLS];
  int64_t threshold[TAB_CELLS];
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

static size_t cell_full(struct tab *t, int64_t value, int exact,
                        int64_t threshold, int source) {
  size_t id;

  assert_true(t->n_cells < TAB_CELLS);
  assert_int_equal(
      disclosure_add_cell(t->d, value, exact, threshold, source, &id), 0);
  assert_int_equal(id, t->n_cells);
  t->value[id] = value;
  t->exact[id] = exact;
  t->threshold[id] = threshold;
  t->source[id] = source;
  t->n_cells++;
  return id;
}

/* An exact count, threshold 5. */
static size_t cell(struct tab *t, int64_t value) {
  return cell_full(t, value, 1, 5, 0);
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

static int hidden(const struct tab *t, size_t id) {
  return disclosure_state(t->d, id) != DISCLOSURE_SHOWN;
}

static size_t recoverable(const struct tab *t) {
  size_t n = SIZE_MAX;

  assert_int_equal(disclosure_recoverable(t->d, &n), 0);
  return n;
}

static size_t line_hidden(const struct tab *t, size_t k) {
  size_t i, n = 0;

  for (i = 0; i <= t->n[k]; i++)
    n += hidden(t, t->slots[t->first[k] + i]);
  return n;
}

/* The invariant: no line with an exact total has exactly one hidden cell. */
static void assert_lines_safe(const struct tab *t) {
  size_t k;

  for (k = 0; k < t->n_lines; k++)
    if (t->exact[t->slots[t->first[k] + t->n[k]]])
      assert_int_not_equal(line_hidden(t, k), 1);
}

/* The test's own attacker, written plainly: sweep every line until a sweep
 * learns nothing. Counts PRIMARY/SECONDARY cells learnt in *ours, SOURCE
 * cells in *theirs. */
static void attack(const struct tab *t, size_t *ours, size_t *theirs) {
  unsigned char known[TAB_CELLS];
  size_t i, k;
  int changed = 1;

  *ours = *theirs = 0;
  for (i = 0; i < t->n_cells; i++)
    known[i] = !hidden(t, i);
  while (changed) {
    changed = 0;
    for (k = 0; k < t->n_lines; k++) {
      size_t unknown = 0, last = 0;

      if (!t->exact[t->slots[t->first[k] + t->n[k]]])
        continue;
      for (i = 0; i <= t->n[k]; i++)
        if (!known[t->slots[t->first[k] + i]]) {
          unknown++;
          last = t->slots[t->first[k] + i];
        }
      if (unknown != 1)
        continue;
      known[last] = 1;
      changed = 1;
      if (disclosure_state(t->d, last) == DISCLOSURE_SOURCE)
        (*theirs)++;
      else
        (*ours)++;
    }
  }
}

static void expect_states(const struct tab *t, const int *want) {
  size_t i;

  for (i = 0; i < t->n_cells; i++)
    assert_int_equal(disclosure_state(t->d, i), want[i]);
}

/* A lone exact cell of value v, threshold thr, after apply: its state. */
static enum disclosure_state lone(int64_t v, int64_t thr, int suppress_zeros) {
  struct tab *t = tab_new();
  enum disclosure_state s;

  cell_full(t, v, 1, thr, 0);
  assert_int_equal(disclosure_apply(t->d, suppress_zeros), 0);
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
}

static void test_threshold_is_per_cell(void **state) {
  (void)state;
  assert_int_equal(lone(7, 10, 1), DISCLOSURE_PRIMARY); /* Rutland */
  assert_int_equal(lone(7, 5, 1), DISCLOSURE_SHOWN);
}

static void test_partial_cell_is_never_primary(void **state) {
  struct tab *t = tab_new();

  (void)state;
  cell_full(t, 3, 0, 5, 0); /* "3 or more": a lower bound */
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  assert_int_equal(disclosure_state(t->d, 0), DISCLOSURE_SHOWN);
  tab_free(t);
}

static void test_source_cell_stays_source(void **state) {
  struct tab *t = tab_new();
  int64_t v = -1;

  (void)state;
  cell_full(t, 0, 1, 5, 1);
  cell_full(t, 40, 1, 5, 1); /* a value given with it is still never shown */
  assert_int_equal(disclosure_state(t->d, 0), DISCLOSURE_SOURCE);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  assert_int_equal(disclosure_state(t->d, 0), DISCLOSURE_SOURCE);
  assert_int_equal(disclosure_state(t->d, 1), DISCLOSURE_SOURCE);
  assert_int_equal(disclosure_published(t->d, 1, &v), -ENODATA);
  assert_int_equal(v, -1);
  tab_free(t);
}

/* 3, 12, 9, 20 | 44: the 3 could be worked out from the total. */
static void test_row_primary_hides_next_smallest(void **state) {
  struct tab *t = tab_new();
  size_t m[4];
  static const int want[] = {PRIMARY, SHOWN, SECONDARY, SHOWN, SHOWN};

  (void)state;
  m[0] = cell(t, 3);
  m[1] = cell(t, 12);
  m[2] = cell(t, 9);
  m[3] = cell(t, 20);
  line(t, m, 4, cell(t, 44));
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_int_equal(recoverable(t), 1);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  assert_int_equal(recoverable(t), 0);
  tab_free(t);
}

/* Three 9s tie: the lowest id goes, not the first member of the line. */
static void test_secondary_ties_go_to_lowest_id(void **state) {
  struct tab *t = tab_new();
  size_t m[4];
  static const int want[] = {SECONDARY, PRIMARY, SHOWN, SHOWN, SHOWN};

  (void)state;
  m[2] = cell(t, 9);
  m[1] = cell(t, 2);
  m[0] = cell(t, 9);
  m[3] = cell(t, 9);
  line(t, m, 4, cell(t, 29));
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  tab_free(t);
}

/* Zeros shown (suppress_zeros 0): a 0 is a poor secondary, a reader guesses
 * it, so the smallest non-zero member goes even though 0 is smaller. */
static void test_secondary_prefers_nonzero_member(void **state) {
  struct tab *t = tab_new();
  size_t m[4];
  static const int want[] = {PRIMARY, SHOWN, SECONDARY, SHOWN, SHOWN};

  (void)state;
  m[0] = cell(t, 3);
  m[1] = cell(t, 0);
  m[2] = cell(t, 9);
  m[3] = cell(t, 20);
  line(t, m, 4, cell(t, 32));
  assert_int_equal(disclosure_apply(t->d, 0), 0);
  expect_states(t, want);
  tab_free(t);
}

/* Only zeros left to hide among the members: the total goes instead. */
static void test_secondary_prefers_total_to_zero_member(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int want[] = {SOURCE, SHOWN, SHOWN, SECONDARY};

  (void)state;
  m[0] = cell_full(t, 0, 1, 5, 1); /* suppressed by the partner */
  m[1] = cell(t, 0);
  m[2] = cell(t, 0);
  line(t, m, 3, cell(t, 6)); /* the partner's exact total */
  assert_int_equal(disclosure_apply(t->d, 0), 0);
  expect_states(t, want);
  tab_free(t);
}

/* A hidden total: a member goes with it, never only the total. */
static void test_hidden_total_hides_a_member(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int want[] = {SHOWN, SECONDARY, SHOWN, PRIMARY};

  (void)state;
  m[0] = cell_full(t, 4, 1, 3, 0);
  m[1] = cell_full(t, 3, 1, 3, 0);
  m[2] = cell_full(t, 5, 1, 3, 0);
  line(t, m, 3, cell_full(t, 12, 1, 15, 0)); /* a total's own threshold */
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  tab_free(t);
}

/* A line of one member (Rutland's one unitary = Rutland): no other member, so
 * the total goes. */
static void test_one_member_line_hides_total(void **state) {
  struct tab *t = tab_new();
  size_t m;
  static const int want[] = {PRIMARY, SECONDARY};

  (void)state;
  m = cell_full(t, 7, 1, 10, 0);
  line(t, &m, 1, cell_full(t, 7, 1, 5, 0));
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  assert_int_equal(recoverable(t), 0);
  tab_free(t);
}

/* Cell ids of a grid of r rows and c columns with a totals column and a
 * totals row: id[i][j], i <= r, j <= c; id[r][c] the grand total. Lines:
 * rows, then columns, then the totals column, then the totals row. */
static void grid_lines(struct tab *t, size_t r, size_t c, const size_t *id) {
  size_t m[16], i, j;

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

/* Exact cells, threshold 5, in row-major order of a (r+1) x (c+1) grid. */
static void grid(struct tab *t, size_t r, size_t c, const int64_t *v) {
  size_t id[81], i;

  for (i = 0; i < (r + 1) * (c + 1); i++)
    id[i] = cell(t, v[i]);
  grid_lines(t, r, c, id);
}

static void test_table_primary_only_is_recoverable(void **state) {
  struct tab *t = tab_new();
  static const int64_t v[] = {3,  12, 20, 35, /* */
                              15, 8,  30, 53, /* */
                              25, 40, 9,  74, /* */
                              43, 60, 59, 162};
  size_t ours, theirs;

  (void)state;
  grid(t, 3, 3, v);
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_int_equal(disclosure_state(t->d, 0), DISCLOSURE_PRIMARY);
  assert_int_equal(recoverable(t), 1); /* 35 - 12 - 20 */
  attack(t, &ours, &theirs);
  assert_int_equal(ours, 1);
  tab_free(t);
}

/* The one primary cell takes three secondaries: a 2 x 2 rectangle. */
static void test_table_secondary_closes_rows_and_columns(void **state) {
  struct tab *t = tab_new();
  static const int64_t v[] = {3,  12, 20, 35, /* */
                              15, 8,  30, 53, /* */
                              25, 40, 9,  74, /* */
                              43, 60, 59, 162};
  static const int want[] = {PRIMARY,   SECONDARY, SHOWN, SHOWN, /* */
                             SECONDARY, SECONDARY, SHOWN, SHOWN, /* */
                             SHOWN,     SHOWN,     SHOWN, SHOWN, /* */
                             SHOWN,     SHOWN,     SHOWN, SHOWN};
  static const size_t want_lines[] = {2, 2, 0, 2, 2, 0, 0, 0};
  size_t k, ours, theirs;

  (void)state;
  grid(t, 3, 3, v);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  for (k = 0; k < t->n_lines; k++)
    assert_int_equal(line_hidden(t, k), want_lines[k]);
  assert_int_equal(recoverable(t), 0);
  attack(t, &ours, &theirs);
  assert_int_equal(ours, 0);
  tab_free(t);
}

/*
 * Rutland's row (threshold 10) is all hidden. Its column cells and its row
 * total each leave a line with one hidden cell; the row total's secondary is
 * another row total (42), whose row then needs one more (20), and so on.
 */
static void test_secondary_spreads_through_totals_lines(void **state) {
  struct tab *t = tab_new();
  size_t id[12], i;
  static const int64_t v[] = {4,  4,  8,  /* Rutland */
                              12, 30, 42, /* */
                              20, 25, 45, /* */
                              36, 59, 95};
  static const int want[] = {PRIMARY,   PRIMARY,   PRIMARY,   /* */
                             SECONDARY, SHOWN,     SECONDARY, /* */
                             SECONDARY, SECONDARY, SHOWN,     /* */
                             SHOWN,     SHOWN,     SHOWN};

  (void)state;
  for (i = 0; i < 12; i++)
    id[i] = cell_full(t, v[i], 1, i < 3 ? 10 : 5, 0);
  grid_lines(t, 3, 2, id);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  assert_lines_safe(t);
  assert_int_equal(recoverable(t), 0);
  tab_free(t);
}

static void test_source_cell_in_exact_line_hides_another(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int want[] = {SOURCE, SECONDARY, SHOWN, SHOWN};
  size_t ours, theirs;

  (void)state;
  m[0] = cell_full(t, 0, 1, 5, 1); /* "<5" */
  m[1] = cell(t, 12);
  m[2] = cell(t, 20);
  line(t, m, 3, cell(t, 35)); /* exact: the partner knew the 3 */
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  attack(t, &ours, &theirs);
  assert_int_equal(theirs, 1); /* 35 - 12 - 20: the partner's 3 */
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  attack(t, &ours, &theirs);
  assert_int_equal(ours + theirs, 0);
  tab_free(t);
}

static void test_source_cell_in_partial_line_hides_nothing(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int want[] = {SOURCE, SHOWN, SHOWN, SHOWN};

  (void)state;
  m[0] = cell_full(t, 0, 1, 5, 1);
  m[1] = cell(t, 12);
  m[2] = cell(t, 20);
  line(t, m, 3, cell_full(t, 32, 0, 5, 0)); /* "32+" */
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  tab_free(t);
}

static void test_partial_total_needs_no_secondary(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int want[] = {PRIMARY, SHOWN, SHOWN, SHOWN};

  (void)state;
  m[0] = cell(t, 3);
  m[1] = cell(t, 12);
  m[2] = cell(t, 20);
  /* A district missing from the return: the total is a lower bound. */
  line(t, m, 3, cell_full(t, 35, 0, 5, 0));
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  assert_int_equal(recoverable(t), 0);
  tab_free(t);
}

/*
 * Leicestershire's seven districts add up to the county; the county, Leicester
 * and Rutland (threshold 10) add up to the partnership. Melton's 3 takes
 * Oadby and Wigston's 9; Rutland's 4 takes the county, the smaller of the two
 * other areas.
 */
static void test_hierarchy_districts_and_county(void **state) {
  struct tab *t = tab_new();
  size_t dist[7], area[3], county, i;
  static const int64_t dv[7] = {21, 30, 14, 18, 3, 16, 9};
  static const int want[] = {SHOWN,   SHOWN,   SHOWN,     SHOWN,
                             PRIMARY, SHOWN,   SECONDARY, SECONDARY,
                             SHOWN,   PRIMARY, SHOWN};

  (void)state;
  for (i = 0; i < 7; i++) /* Blaby .. Oadby and Wigston */
    dist[i] = cell(t, dv[i]);
  county = cell(t, 111);
  line(t, dist, 7, county);
  area[0] = county;
  area[1] = cell(t, 140);              /* Leicester */
  area[2] = cell_full(t, 4, 1, 10, 0); /* Rutland */
  line(t, area, 3, cell(t, 255));
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_int_equal(recoverable(t), 2);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, want);
  assert_int_equal(recoverable(t), 0);
  tab_free(t);
}

static void test_published_only_shown_values_after_apply(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  int64_t v = -1;

  (void)state;
  m[0] = cell(t, 3);
  m[1] = cell(t, 12);
  m[2] = cell(t, 20);
  assert_int_equal(disclosure_published(t->d, 1, &v), -EAGAIN);
  line(t, m, 3, cell(t, 35));
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_int_equal(disclosure_published(t->d, 2, &v), -EAGAIN);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  assert_int_equal(disclosure_published(t->d, 0, &v), -ENODATA);
  assert_int_equal(disclosure_published(t->d, 1, &v), -ENODATA);
  assert_int_equal(v, -1);
  assert_int_equal(disclosure_published(t->d, 2, &v), 0);
  assert_int_equal(v, 20);
  assert_int_equal(disclosure_published(t->d, 3, &v), 0);
  assert_int_equal(v, 35);
  assert_int_equal(disclosure_published(t->d, 4, &v), -EINVAL);
  assert_int_equal(disclosure_state(t->d, 4), DISCLOSURE_SOURCE);
  cell(t, 50); /* a change: apply again before publishing */
  assert_int_equal(disclosure_published(t->d, 2, &v), -EAGAIN);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  assert_int_equal(disclosure_published(t->d, 4, &v), 0);
  assert_int_equal(v, 50);
  tab_free(t);
}

/* Each apply starts from the cells as added: nothing stays from the last. */
static void test_apply_starts_afresh(void **state) {
  struct tab *t = tab_new();
  size_t m[3];
  static const int with_zeros[] = {PRIMARY, SECONDARY, SHOWN, SHOWN};
  static const int without[] = {SHOWN, SHOWN, SHOWN, SHOWN};

  (void)state;
  m[0] = cell(t, 0);
  m[1] = cell(t, 12);
  m[2] = cell(t, 20);
  line(t, m, 3, cell(t, 32));
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, with_zeros);
  assert_int_equal(disclosure_apply(t->d, 0), 0);
  expect_states(t, without);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  expect_states(t, with_zeros);
  tab_free(t);
}

static void test_bad_arguments_rejected(void **state) {
  struct disclosure *d;
  size_t id, m[3];

  (void)state;
  assert_int_equal(disclosure_new(&d), 0);
  assert_int_equal(disclosure_add_cell(d, -1, 1, 5, 0, &id), -EINVAL);
  assert_int_equal(disclosure_add_cell(d, 4, 1, -1, 0, &id), -EINVAL);
  assert_int_equal(disclosure_add_cell(d, -1, 1, 5, 1, &id), 0);
  assert_int_equal(id, 0);
  assert_int_equal(disclosure_add_cell(d, 7, 1, 5, 0, &id), 0);
  assert_int_equal(disclosure_add_cell(d, 8, 1, 5, 0, &id), 0);
  assert_int_equal(id, 2);
  m[0] = 0;
  m[1] = 1;
  m[2] = 1;
  assert_int_equal(disclosure_add_line(d, m, 0, 2), -EINVAL); /* empty */
  assert_int_equal(disclosure_add_line(d, m, 2, 3), -EINVAL); /* no total */
  assert_int_equal(disclosure_add_line(d, m, 3, 2), -EINVAL); /* repeated */
  m[2] = 2;
  assert_int_equal(disclosure_add_line(d, m, 3, 2), -EINVAL); /* total too */
  m[2] = 9;
  assert_int_equal(disclosure_add_line(d, m, 3, 2), -EINVAL); /* unknown */
  /* The failed calls left nothing behind: the same cells make a line. */
  assert_int_equal(disclosure_add_line(d, m, 2, 2), 0);
  disclosure_free(d);
  disclosure_free(NULL);
}

static void test_limits_return_e2big(void **state) {
  struct disclosure *d;
  size_t id, i, *m;

  (void)state;
  assert_int_equal(disclosure_new(&d), 0);
  for (i = 0; i < DISCLOSURE_MAX_CELLS; i++)
    assert_int_equal(disclosure_add_cell(d, 9, 1, 5, 0, &id), 0);
  assert_int_equal(id, DISCLOSURE_MAX_CELLS - 1);
  assert_int_equal(disclosure_add_cell(d, 9, 1, 5, 0, &id), -E2BIG);
  m = malloc(DISCLOSURE_MAX_MEMBERSHIPS * sizeof *m);
  assert_non_null(m);
  for (i = 0; i < DISCLOSURE_MAX_MEMBERSHIPS; i++)
    m[i] = i + 1;
  /* n members and a total: one slot too many. */
  assert_int_equal(disclosure_add_line(d, m, DISCLOSURE_MAX_MEMBERSHIPS, 0),
                   -E2BIG);
  assert_int_equal(disclosure_add_line(d, m, DISCLOSURE_MAX_MEMBERSHIPS - 1, 0),
                   0);
  assert_int_equal(disclosure_add_line(d, m, 1, 0), -E2BIG);
  assert_int_equal(disclosure_add_line(d, m, SIZE_MAX, 0), -E2BIG);
  assert_int_equal(disclosure_apply(d, 1), 0);
  free(m);
  disclosure_free(d);
}

/* Builds a 10 x 10 table with margins (enough to grow every array), applies
 * and attacks it, failing allocation number fail; 1 if nothing failed. The
 * checks wait until allocation works again. */
static int run_failing(long fail) {
  struct disclosure *d = NULL;
  size_t id[121], m[10], i, j, n = SIZE_MAX;
  int64_t v;
  int rc, apply_rc = 1, pub = 0, want_pub = 0;

  allocs = 0;
  fail_at = fail;
  if ((rc = disclosure_new(&d)) != 0)
    goto out;
  for (i = 0; i < 121 && rc == 0; i++)
    rc = disclosure_add_cell(d, i % 13 == 0 ? 2 : 30, 1, 5, 0, &id[i]);
  for (i = 0; i < 11 && rc == 0; i++) { /* rows, the totals row too */
    for (j = 0; j < 10; j++)
      m[j] = id[i * 11 + j];
    rc = disclosure_add_line(d, m, 10, id[i * 11 + 10]);
  }
  for (j = 0; j < 11 && rc == 0; j++) {
    for (i = 0; i < 10; i++)
      m[i] = id[i * 11 + j];
    rc = disclosure_add_line(d, m, 10, id[110 + j]);
  }
  if (rc != 0)
    goto out;
  rc = apply_rc = disclosure_apply(d, 1);
  pub = disclosure_published(d, 2, &v);
  if (rc != 0)
    want_pub = -EAGAIN; /* a half-applied table publishes nothing */
  else if (disclosure_state(d, 2) != DISCLOSURE_SHOWN)
    want_pub = -ENODATA;
  if (rc == 0)
    rc = disclosure_recoverable(d, &n);
out:
  fail_at = -1;
  disclosure_free(d);
  if (apply_rc != 1)
    assert_int_equal(pub, want_pub);
  if (rc != 0) {
    assert_int_equal(rc, -ENOMEM);
    return 0;
  }
  assert_int_equal(n, 0);
  return allocs <= fail;
}

static void test_allocation_failures_are_clean(void **state) {
  long fail;

  (void)state;
  for (fail = 0; !run_failing(fail); fail++)
    assert_true(fail < 1000);
  assert_true(fail >= 10); /* new, three growths each of three arrays, ... */
}

/* A generator with a fixed seed (splitmix64): the same 500 tables each run. */
static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static int64_t below(uint64_t *s, uint64_t n) { return (int64_t)(next(s) % n); }

/*
 * A random r x c table with margins, as partners send them: many small
 * counts, some suppressed at source ("<5"), and totals that are exact when
 * nothing under them is suppressed, or (in half the tables) the partner's
 * own exact totals regardless; otherwise partial sums. Thresholds 3..10 per
 * cell. Ids row-major, margins last in each row and in the last row.
 */
static void random_table(struct tab *t, uint64_t *s, size_t r, size_t c) {
  int64_t truth[9][9] = {{0}}, known[9][9] = {{0}};
  int src[9][9] = {{0}};
  int partner_totals = (int)below(s, 2);
  size_t id[81], i, j;

  /* truth[i][c], truth[r][j], truth[r][c]: the margins; known: the same
   * without the cells suppressed at source; src: any such cell under it. */
  for (i = 0; i < r; i++)
    for (j = 0; j < c; j++) {
      int64_t x = below(s, 4) < 2 ? below(s, 7) : below(s, 31);
      int sup = below(s, 10) == 0;
      size_t cells[4][2] = {{i, j}, {i, c}, {r, j}, {r, c}}, k;

      for (k = 0; k < 4; k++) {
        truth[cells[k][0]][cells[k][1]] += x;
        known[cells[k][0]][cells[k][1]] += sup ? 0 : x;
        src[cells[k][0]][cells[k][1]] |= sup;
      }
    }
  for (i = 0; i <= r; i++)
    for (j = 0; j <= c; j++) {
      int64_t thr = 3 + below(s, 8);
      size_t k = i * (c + 1) + j;

      if (i < r && j < c)
        id[k] = cell_full(t, src[i][j] ? 0 : truth[i][j], 1, thr, src[i][j]);
      else if (!src[i][j] || partner_totals)
        id[k] = cell_full(t, truth[i][j], 1, thr, 0);
      else
        id[k] = cell_full(t, known[i][j], 0, thr, 0); /* "n or more" */
    }
  grid_lines(t, r, c, id);
}

static void test_property_random_tables(void **state) {
  uint64_t seed = 20240401;
  size_t n, leaky = 0, round;

  (void)state;
  for (round = 0; round < 500; round++) {
    struct tab *t = tab_new();
    size_t r = 2 + (size_t)below(&seed, 7), c = 2 + (size_t)below(&seed, 7);
    int zeros = round % 4 != 0;
    size_t ours, theirs, i;

    random_table(t, &seed, r, c);

    /* Primary alone: the module's attacker and ours agree. */
    assert_int_equal(disclosure_apply_primary(t->d, zeros), 0);
    attack(t, &ours, &theirs);
    assert_int_equal(recoverable(t), ours);
    leaky += ours > 0;

    assert_int_equal(disclosure_apply(t->d, zeros), 0);
    assert_int_equal(disclosure_recoverable(t->d, &n), 0);
    assert_int_equal(n, 0);
    attack(t, &ours, &theirs);
    assert_int_equal(ours, 0);
    assert_int_equal(theirs, 0);
    assert_lines_safe(t);
    for (i = 0; i < t->n_cells; i++) {
      enum disclosure_state st = disclosure_state(t->d, i);
      int64_t v = -1;

      if (t->source[i]) {
        assert_int_equal(st, DISCLOSURE_SOURCE);
        continue;
      }
      assert_int_not_equal(st, DISCLOSURE_SOURCE);
      if (t->exact[i] && t->value[i] < t->threshold[i] &&
          (t->value[i] != 0 || zeros))
        assert_int_equal(st, DISCLOSURE_PRIMARY);
      else
        assert_int_not_equal(st, DISCLOSURE_PRIMARY);
      if (st == DISCLOSURE_SHOWN) {
        assert_int_equal(disclosure_published(t->d, i, &v), 0);
        assert_int_equal(v, t->value[i]);
      } else {
        assert_int_equal(disclosure_published(t->d, i, &v), -ENODATA);
      }
    }
    tab_free(t);
  }
  /* Most tables need secondary suppression: the test can fail. */
  assert_true(leaky > 250);
}

/* Areas x categories x partners, 10 x 20 x 12, with every margin (index A, C
 * or P): each cell is in three lines, totals in the lines of totals. */
enum { A = 10, C = 20, P = 12, CELLS3 = (A + 1) * (C + 1) * (P + 1) };

static size_t id3(size_t a, size_t c, size_t p) {
  return (a * (C + 1) + c) * (P + 1) + p;
}

static void test_three_way_table(void **state) {
  static int64_t v[CELLS3];
  struct tab *t = tab_new();
  uint64_t seed = 7;
  size_t a, c, p, m[C], ours, theirs, n_hidden = 0, i;

  (void)state;
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
  for (i = 0; i < CELLS3; i++)
    assert_int_equal(cell(t, v[i]), i);
  for (c = 0; c <= C; c++)
    for (p = 0; p <= P; p++) {
      for (a = 0; a < A; a++)
        m[a] = id3(a, c, p);
      line(t, m, A, id3(A, c, p));
    }
  for (a = 0; a <= A; a++)
    for (p = 0; p <= P; p++) {
      for (c = 0; c < C; c++)
        m[c] = id3(a, c, p);
      line(t, m, C, id3(a, C, p));
    }
  for (a = 0; a <= A; a++)
    for (c = 0; c <= C; c++) {
      for (p = 0; p < P; p++)
        m[p] = id3(a, c, p);
      line(t, m, P, id3(a, c, P));
    }
  assert_int_equal(disclosure_apply_primary(t->d, 1), 0);
  assert_true(recoverable(t) > 0);
  assert_int_equal(disclosure_apply(t->d, 1), 0);
  assert_int_equal(recoverable(t), 0);
  attack(t, &ours, &theirs);
  assert_int_equal(ours, 0);
  assert_lines_safe(t);
  for (i = 0; i < t->n_cells; i++)
    n_hidden += hidden(t, i);
  assert_true(n_hidden < t->n_cells / 2); /* still a table worth reading */
  tab_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_below_threshold_is_primary),
      cmocka_unit_test(test_at_threshold_is_shown),
      cmocka_unit_test(test_zero_hidden_only_when_suppressing_zeros),
      cmocka_unit_test(test_threshold_is_per_cell),
      cmocka_unit_test(test_partial_cell_is_never_primary),
      cmocka_unit_test(test_source_cell_stays_source),
      cmocka_unit_test(test_row_primary_hides_next_smallest),
      cmocka_unit_test(test_secondary_ties_go_to_lowest_id),
      cmocka_unit_test(test_secondary_prefers_nonzero_member),
      cmocka_unit_test(test_secondary_prefers_total_to_zero_member),
      cmocka_unit_test(test_hidden_total_hides_a_member),
      cmocka_unit_test(test_one_member_line_hides_total),
      cmocka_unit_test(test_table_primary_only_is_recoverable),
      cmocka_unit_test(test_table_secondary_closes_rows_and_columns),
      cmocka_unit_test(test_secondary_spreads_through_totals_lines),
      cmocka_unit_test(test_source_cell_in_exact_line_hides_another),
      cmocka_unit_test(test_source_cell_in_partial_line_hides_nothing),
      cmocka_unit_test(test_partial_total_needs_no_secondary),
      cmocka_unit_test(test_hierarchy_districts_and_county),
      cmocka_unit_test(test_published_only_shown_values_after_apply),
      cmocka_unit_test(test_apply_starts_afresh),
      cmocka_unit_test(test_bad_arguments_rejected),
      cmocka_unit_test(test_limits_return_e2big),
      cmocka_unit_test(test_allocation_failures_are_clean),
      cmocka_unit_test(test_property_random_tables),
      cmocka_unit_test(test_three_way_table),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
