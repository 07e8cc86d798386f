/*
 * summary_lines.c: the sums a reader of the summary knows, handed to the
 * disclosure engine as lines (summary_int.h).
 *
 * Every sum the summary makes is a line: districts -> county, counties and
 * areas outside any county -> partnership, partners -> all partners, the
 * values of a breakdown -> the figure without it. A table is one published
 * set of cells: this period's, or one published before (published.c); each
 * gets its own lines. Whether a line holds is the engine's to decide from
 * the values: a county that also reports figures of its own is not the sum
 * of its districts, and a breakdown with unrecorded values not its total.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "summary_int.h"

/* Lines are gathered by a key of the shared parts and a role. */
struct line {
  const char *k1, *k2, *k3, *k4, *k5; /* what the members share */
  int kind;
  size_t total; /* disclosure id or SIZE_MAX */
  size_t *members;
  size_t n, cap;
};

struct lines {
  struct line *v;
  size_t n, cap;
};

static struct line *line_get(struct lines *l, int kind, const char *k1,
                             const char *k2, const char *k3, const char *k4,
                             const char *k5) {
  for (size_t i = l->n; i-- > 0;) {
    struct line *x = &l->v[i];

    if (x->kind == kind && x->k1 == k1 && x->k2 == k2 && x->k3 == k3 &&
        x->k4 == k4 && x->k5 == k5)
      return x;
  }
  if (l->n == l->cap && array_grow(&l->v, &l->cap, sizeof *l->v, 64) != 0)
    return NULL;
  l->v[l->n] = (struct line){.kind = kind,
                             .k1 = k1,
                             .k2 = k2,
                             .k3 = k3,
                             .k4 = k4,
                             .k5 = k5,
                             .total = SIZE_MAX};
  return &l->v[l->n++];
}

static int line_member(struct line *x, size_t id) {
  if (x->n == x->cap &&
      array_grow(&x->members, &x->cap, sizeof *x->members, 8) != 0)
    return -ENOMEM;
  x->members[x->n++] = id;
  return 0;
}

enum { LINE_COUNTY, LINE_PARTNERSHIP, LINE_PARTNERS, LINE_BREAKDOWN };

/* A breakdown is a member of one line per dimension it names: the same
 * figure with that dimension taken away is the line's total, so
 * {"age_band":"18-24","gender":"female"} adds up, with the other age bands,
 * to {"gender":"female"}. dims is canonical ({"a":"x","b":"y"}, sorted). */
static int breakdown_lines(struct build *b, struct lines *l,
                           const struct cell *c) {
  json_error_t je;
  json_t *dims = json_loads(c->dims, 0, &je);
  const char *name;
  json_t *v;
  int rc = 0;

  if (dims == NULL)
    return -EBADMSG; /* stored as canonical JSON: a damaged store */
  json_object_foreach(dims, name, v) {
    json_t *rest = json_deep_copy(dims);
    char *text;
    const char *rest_i, *dim_i;
    struct line *x;

    if (rest == NULL || json_object_del(rest, name) != 0 ||
        (text = json_dumps(rest, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
      json_decref(rest);
      rc = -ENOMEM;
      break;
    }
    rest_i = strings_intern(&b->str, text);
    dim_i = strings_intern(&b->str, name);
    free(text);
    json_decref(rest);
    if (rest_i == NULL || dim_i == NULL ||
        (x = line_get(l, LINE_BREAKDOWN, c->measure, c->source, c->area, rest_i,
                      dim_i)) == NULL) {
      rc = -ENOMEM;
      break;
    }
    if ((rc = line_member(x, c->disc)) != 0)
      break;
  }
  json_decref(dims);
  return rc;
}

static int place_in_lines(struct build *b, struct lines *l,
                          const struct cell *c) {
  const char *up = NULL;
  struct line *x;
  int rc = 0;

  if (c->area != b->all &&
      (up = summary_rollup(b->env, &b->str, c->area)) != NULL) {
    /* a district: member of its county */
    if ((x = line_get(l, LINE_COUNTY, c->measure, c->source, c->dims, up,
                      NULL)) == NULL ||
        (rc = line_member(x, c->disc)) != 0)
      return rc ? rc : -ENOMEM;
  } else if (c->area != b->all) {
    /* a county or an area outside any county: member of the partnership */
    if ((x = line_get(l, LINE_PARTNERSHIP, c->measure, c->source, c->dims, NULL,
                      NULL)) == NULL ||
        (rc = line_member(x, c->disc)) != 0)
      return rc ? rc : -ENOMEM;
  } else if ((x = line_get(l, LINE_PARTNERSHIP, c->measure, c->source, c->dims,
                           NULL, NULL)) != NULL) {
    x->total = c->disc;
  } else {
    return -ENOMEM;
  }
  /* A county that also reports figures of its own is not the sum of its
   * districts: the disclosure engine sees that from the values and keeps
   * the line as the inequality it is. */
  if (strncmp(c->area, COUNTY_PREFIX, strlen(COUNTY_PREFIX)) == 0) {
    x = line_get(l, LINE_COUNTY, c->measure, c->source, c->dims, c->area, NULL);
    if (x == NULL)
      return -ENOMEM;
    x->total = c->disc;
  }
  x = line_get(l, LINE_PARTNERS, c->measure, c->area, c->dims, NULL, NULL);
  if (x == NULL)
    return -ENOMEM;
  if (c->source == b->all)
    x->total = c->disc;
  else if ((rc = line_member(x, c->disc)) != 0)
    return rc;
  if (strcmp(c->dims, "{}") == 0)
    return 0;
  return breakdown_lines(b, l, c);
}

/* A breakdown line's total is the same figure without its dimension. */
static void breakdown_totals(struct cells *t, struct lines *l) {
  for (size_t i = 0; i < l->n; i++) {
    struct line *x = &l->v[i];
    struct cell *c;

    if (x->kind != LINE_BREAKDOWN)
      continue;
    c = cells_find(t, x->k1, x->k2, x->k3, x->k4);
    if (c != NULL && in_sums(c))
      x->total = c->disc;
  }
}

int summary_lines(struct build *b, struct cells *t) {
  struct lines l = {0};
  int rc = 0;

  for (size_t i = 0; rc == 0 && i < t->n; i++)
    if (in_sums(&t->v[i]))
      rc = place_in_lines(b, &l, &t->v[i]);
  if (rc == 0)
    breakdown_totals(t, &l);
  for (size_t i = 0; rc == 0 && i < l.n; i++)
    if (l.v[i].total != SIZE_MAX && l.v[i].n > 0)
      rc = disclosure_add_line(b->disc, l.v[i].members, l.v[i].n, l.v[i].total);
  for (size_t i = 0; i < l.n; i++)
    free(l.v[i].members);
  free(l.v);
  return rc;
}
