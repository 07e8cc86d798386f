/*
 * allocations.c: the funding allocated to the partnership, year by year,
 * for the board's funding section (summary_int.h).
 *
 * A quarter's figures hold no allocation: grants are given for a financial
 * year (the LCC register lists DLUHC's Part 4 money for 2021-22 to
 * 2024-25), and a year is no part of a quarter. The board still reads the
 * allocations beside every quarter's pack, as a trend, so they are read
 * here from the store's current figures of whole years: the summary's own
 * year and the seven before it, never a later one, so that the summary of
 * a past period does not change when next year's grant is announced.
 *
 * One series per partner, area and breakdown (the funding source), summed
 * over the partner's services; a year whose parts hold no value shows the
 * marker the figures would. Allocations are money, which disclosure
 * control leaves alone (summary_int.h: only counts are controlled); a
 * measure the vocabulary counts would be controlled, so it is never read
 * here, whatever its name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "summary_int.h"

#define ALLOCATION_MEASURE "funding_allocated"
#define ALLOCATION_YEARS 8

struct alloc_year {
  struct tally t;
  int seen; /* the store holds the year, with a value or without */
};

struct alloc_series {
  const char *source, *area, *dims; /* interned */
  struct alloc_year years[ALLOCATION_YEARS];
};

struct alloc {
  struct build *b;
  int first_fy; /* the oldest year read */
  struct alloc_series *v;
  size_t n, cap;
};

static struct alloc_series *series_get(struct alloc *a, const char *source,
                                       const char *area, const char *dims) {
  struct alloc_series *s;

  for (size_t i = 0; i < a->n; i++) /* interned: compared by pointer */
    if (a->v[i].source == source && a->v[i].area == area &&
        a->v[i].dims == dims)
      return &a->v[i];
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    struct alloc_series *v = realloc(a->v, cap * sizeof *v);

    if (v == NULL)
      return NULL;
    a->v = v;
    a->cap = cap;
  }
  s = &a->v[a->n++];
  memset(s, 0, sizeof *s);
  s->source = source;
  s->area = area;
  s->dims = dims;
  return s;
}

static int on_row(void *arg, const struct store_row *r) {
  struct alloc *a = arg;
  struct strings *str = &a->b->str;
  struct dahub_period p;
  struct alloc_series *s;
  struct alloc_year *y;
  const char *source, *area, *dims;

  if (strcmp(r->measure_id, ALLOCATION_MEASURE) != 0 ||
      dahub_period_parse(r->period, &p) != 0 || p.kind != DAHUB_PERIOD_YEAR ||
      p.fy < a->first_fy || p.fy >= a->first_fy + ALLOCATION_YEARS)
    return 0;
  source = strings_intern(str, r->source_id);
  area = strings_intern(str, r->area_code);
  dims = strings_intern(str, r->dimensions);
  if (source == NULL || area == NULL || dims == NULL)
    return -ENOMEM;
  if ((s = series_get(a, source, area, dims)) == NULL)
    return -ENOMEM;
  y = &s->years[p.fy - a->first_fy];
  y->seen = 1;
  /* a blank year has no value, and shows as missing */
  tally_add(&y->t, r->status, r->value, r->scale);
  return 0;
}

static int series_cmp(const void *x, const void *y) {
  const struct alloc_series *a = x, *b = y;
  int k;

  /* by content, not by address: one store gives one document */
  if ((k = strcmp(a->source, b->source)) != 0)
    return k;
  if ((k = strcmp(a->area, b->area)) != 0)
    return k;
  return strcmp(a->dims, b->dims);
}

/* One year of a series as the figures write one: a value, or null with a
 * marker. NULL when memory runs out. */
static json_t *year_json(const struct alloc_year *y, int fy) {
  struct dahub_period p = {.fy = fy, .kind = DAHUB_PERIOD_YEAR, .n = 0};
  char id[DAHUB_PERIOD_ID_MAX];
  json_t *o;
  int bad;

  dahub_period_format(&p, id);
  if ((o = json_pack("{s:s}", "period", id)) == NULL)
    return NULL;
  if (y->t.known_parts > 0 && !y->t.known.overflow)
    bad = json_object_set_new(o, "value", num_json(&y->t.known)) != 0 ||
          (y->t.estimated &&
           json_object_set_new(o, "estimated", json_true()) != 0);
  else
    bad = json_object_set_new(o, "value", json_null()) != 0 ||
          json_object_set_new(o, "marker",
                              json_string(y->t.known.overflow ? "overflow"
                                          : y->t.source_parts > 0
                                              ? "suppressed_at_source"
                                              : "missing")) != 0;
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* A series with its years, oldest first, or NULL (memory, or a stored
 * breakdown that is not JSON: *bad_dims). */
static json_t *series_json(const struct alloc *a, const struct alloc_series *s,
                           int *bad_dims) {
  const struct vocab_area *info = vocab_area_info(a->b->env->vocab, s->area);
  json_error_t je;
  json_t *dims = json_loads(s->dims, 0, &je), *years = json_array(), *o;

  if (dims == NULL)
    *bad_dims = 1;
  if (dims == NULL || years == NULL)
    goto fail;
  for (int k = 0; k < ALLOCATION_YEARS; k++) {
    const struct alloc_year *y = &s->years[k];

    if (!y->seen)
      continue; /* nothing stored for the year: left out, not blank */
    if (json_array_append_new(years, year_json(y, a->first_fy + k)) != 0)
      goto fail;
  }
  /* json_pack takes dims and years, even when it fails */
  o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "source_id", s->source,
                "area", s->area, "area_name",
                info != NULL ? info->name : s->area, "unit", "gbp",
                "dimensions", dims, "years", years);
  return o;
fail:
  json_decref(dims);
  json_decref(years);
  return NULL;
}

int summary_allocations(struct build *b, json_t **out,
                        struct dahub_error *err) {
  const struct vocab_measure *m =
      vocab_measure(b->env->vocab, ALLOCATION_MEASURE);
  struct alloc *a = NULL;
  json_t *list = json_array();
  int rc = 0, bad_dims = 0;

  *out = NULL;
  if (list == NULL)
    return -ENOMEM;
  if (m == NULL || m->unit == UNIT_COUNT)
    goto done; /* no such measure, or one under disclosure control */
  if ((a = calloc(1, sizeof *a)) == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  a->b = b;
  a->first_fy = b->period.fy - (ALLOCATION_YEARS - 1);
  /* every current figure of a year: "FY" is the prefix of all periods */
  if ((rc = store_each_current(b->env->store, "FY", on_row, a, err)) != 0)
    goto out;
  if (a->n > 1) /* qsort's base may not be NULL, even for none */
    qsort(a->v, a->n, sizeof *a->v, series_cmp);
  for (size_t i = 0; i < a->n; i++) {
    json_t *s = series_json(a, &a->v[i], &bad_dims);

    if (json_array_append_new(list, s) != 0) {
      rc = bad_dims ? -EBADMSG : -ENOMEM;
      goto out;
    }
  }
done:
  *out = json_pack("{s:s, s:o}", "measure", ALLOCATION_MEASURE, "series", list);
  list = NULL; /* json_pack took it */
  if (*out == NULL)
    rc = -ENOMEM;
out:
  if (rc == -EBADMSG)
    (void)dahub_error_set(err, rc, 0, 0,
                          "summary: a stored allocation's breakdown could not "
                          "be read (out of memory, or not JSON); nothing "
                          "published");
  json_decref(list);
  if (a != NULL)
    free(a->v);
  free(a);
  return rc;
}
