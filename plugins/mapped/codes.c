/*
 * codes.c: every code a mapping names, told to the hub (the plugin's
 * codes() callback, dahub/plugin.h), so that `dahub check` judges each
 * against the vocabulary before any file comes: a fixed measure, area,
 * service or breakdown, what each label of "values" and each column of
 * "across" stands for, the bands of a dimension, the measures of a cases
 * or json layout, and a record's kind and fields.
 *
 * The plugin does not know the vocabulary (it is the hub's), so it only
 * says where each code is written; each is what the file's observations
 * would carry, so a code the hub refuses here would fail every file that
 * reaches it; a feed's shapes each in turn. Loop thread, after open();
 * the mappings are only read.
 */
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "codes.h"
#include "jsondoc.h"
#include "records.h"
#include "shapes.h"

struct tell {
  void (*each)(void *arg, const char *field, const char *code,
               const char *path);
  void *arg;
};

/* Where the observation's kind of code goes: "measure", or for a
 * dimension "dimensions.<name>". */
static void say(const struct tell *t, const struct mapping *m, size_t f,
                const char *code, const char *path) {
  char field[MAP_PATH_MAX];

  if (code == NULL || f == MAP_PERIOD || f == MAP_YEAR)
    return; /* periods are text the plugin reads (open() checked them) */
  if (f < MAP_FIRST_DIM) {
    t->each(t->arg, m->field[f].name, code, path);
    return;
  }
  if (snprintf(field, sizeof field, "dimensions.%s", m->field[f].name) <
      (int)sizeof field)
    t->each(t->arg, field, code, path);
}

/* A list of fixed dimensions, name -> code (a label's, a json sum's). */
static void say_dims(const struct tell *t, const struct map_list *dims,
                     const char *path) {
  char field[MAP_PATH_MAX], sub[MAP_PATH_MAX];

  for (size_t i = 0; i < dims->n; i++) {
    if (snprintf(sub, sizeof sub, "%s.%s", path, dims->p[i].key) >=
            (int)sizeof sub ||
        snprintf(field, sizeof field, "dimensions.%s", dims->p[i].key) >=
            (int)sizeof field)
      continue;
    t->each(t->arg, "dimensions", dims->p[i].key, sub);
    t->each(t->arg, field, dims->p[i].val, sub);
  }
}

/* The options' section a field is read in, for the path. */
static const char *section(enum map_source src) {
  switch (src) {
  case MAP_FIXED:
    return "options.fixed";
  case MAP_CELL:
    return "options.cells";
  case MAP_COLUMN:
    return "options.columns";
  default:
    return "options.across";
  }
}

/* A field: the dimension's name, its fixed code, its bands. */
static void field_codes(const struct tell *t, const struct mapping *m,
                        size_t f) {
  const struct map_field *mf = &m->field[f];
  char path[MAP_PATH_MAX];
  int n;

  if (f >= MAP_FIRST_DIM)
    n = snprintf(path, sizeof path, "%s.dimensions.%s", section(mf->src),
                 mf->name);
  else
    n = snprintf(path, sizeof path, "%s.%s", section(mf->src), mf->name);
  if (n < 0 || n >= (int)sizeof path)
    return;
  if (f >= MAP_FIRST_DIM && mf->src != MAP_NONE)
    t->each(t->arg, "dimensions", mf->name, path);
  if (mf->src == MAP_FIXED)
    say(t, m, f, mf->text, path);
  for (size_t b = 0; b < mf->n_bands; b++)
    say(t, m, f, mf->bands[b].code, path);
  say(t, m, f, mf->blank, path);
}

/* What each label of "values" stands for. */
static void label_codes(const struct tell *t, const struct mapping *m,
                        size_t f) {
  const struct map_labels *l = &m->field[f].values;
  char path[MAP_PATH_MAX], dims[MAP_PATH_MAX];

  for (size_t i = 0; i < l->n; i++) {
    const struct map_target *tg = &l->p[i].t;

    if (tg->skip || snprintf(path, sizeof path, "options.values.%s.%s",
                             m->field[f].name, l->p[i].key) >= (int)sizeof path)
      continue;
    say(t, m, f, tg->code, path);
    if (tg->service_id != NULL)
      t->each(t->arg, "service_id", tg->service_id, path);
    if (snprintf(dims, sizeof dims, "%s.dimensions", path) < (int)sizeof dims)
      say_dims(t, &tg->dims, dims);
  }
}

static void layout_codes(const struct tell *t, const struct mapping *m) {
  char path[MAP_PATH_MAX];

  for (size_t i = 0; m->cases != NULL && i < m->cases->n_count; i++)
    if (snprintf(path, sizeof path, "options.cases.count[%zu].measure", i) <
        (int)sizeof path)
      t->each(t->arg, "measure", m->cases->count[i].measure, path);
  for (size_t i = 0; m->json != NULL && i < m->json->n_sum; i++) {
    if (snprintf(path, sizeof path, "options.json.sum[%zu].measure", i) <
        (int)sizeof path)
      t->each(t->arg, "measure", m->json->sum[i].measure, path);
    if (snprintf(path, sizeof path, "options.json.sum[%zu].dimensions", i) <
        (int)sizeof path)
      say_dims(t, &m->json->sum[i].dims, path);
  }
  for (size_t i = 0; m->json != NULL && i < m->json->check.n; i++)
    if (snprintf(path, sizeof path, "options.json.check.%s",
                 m->json->check.p[i].key) < (int)sizeof path)
      t->each(t->arg, "measure", m->json->check.p[i].val, path);
}

static void record_codes(const struct tell *t, const struct map_records *r) {
  char field[MAP_PATH_MAX], path[MAP_PATH_MAX];

  if (r == NULL)
    return;
  t->each(t->arg, "records", r->kind, "options.records.kind");
  if (snprintf(field, sizeof field, "records.%s", r->kind) >= (int)sizeof field)
    return;
  for (size_t i = 0; i < r->n; i++)
    if (snprintf(path, sizeof path, "options.records.fields.%s", r->f[i].name) <
        (int)sizeof path)
      t->each(t->arg, field, r->f[i].name, path);
}

/* Every code one mapping names. */
static void mapping_codes(const struct tell *t, const struct mapping *m) {
  char path[MAP_PATH_MAX];

  for (size_t f = 0; f < m->n_fields; f++) {
    field_codes(t, m, f);
    label_codes(t, m, f);
  }
  for (size_t i = 0; m->across_field != MAP_NO_FIELD && i < m->across.n; i++)
    if (snprintf(path, sizeof path, "options.across.columns.%s",
                 m->across.p[i].key) < (int)sizeof path)
      say(t, m, m->across_field, m->across.p[i].val, path);
  layout_codes(t, m);
  record_codes(t, m->records);
}

/* A shape's codes are written under options.shapes[i], where the hub
 * places them in the feed's file. */
struct in_shape {
  const struct tell *t;
  size_t i;
};

static void each_in_shape(void *arg, const char *field, const char *code,
                          const char *path) {
  const struct in_shape *s = arg;
  char full[MAP_PATH_MAX + 32];

  if (strncmp(path, "options.", 8) == 0 &&
      snprintf(full, sizeof full, "options.shapes[%zu].%s", s->i, path + 8) <
          (int)sizeof full)
    path = full;
  s->t->each(s->t->arg, field, code, path);
}

void mapped_codes(const void *state,
                  void (*each)(void *arg, const char *field, const char *code,
                               const char *path),
                  void *arg) {
  const struct shapes *sh = state;
  const struct tell t = {each, arg};

  for (size_t i = 0; sh != NULL && i < sh->n; i++) {
    struct in_shape s = {&t, i};
    const struct tell shaped = {each_in_shape, &s};

    mapping_codes(sh->listed ? &shaped : &t, sh->m[i]);
  }
}
