/*
 * vocab_tables.h: the vocabulary's tables, as vocab_load.c builds them and
 * vocab.c answers from them (private to the two).
 *
 * Labels are kept folded by dahub/label.h's rule and each table sorted, so
 * a question is one fold and one bsearch; the comparisons are inline here,
 * the same for the qsort at load and the bsearch after.
 */
#ifndef DAHUB_VOCAB_TABLES_H
#define DAHUB_VOCAB_TABLES_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "dahub/label.h"

#include "vocab.h"

struct label {
  char *key;        /* folded label */
  const char *code; /* borrowed from the table's codes */
};

struct table {
  char *name;
  char **codes;
  size_t n_codes;
  struct label *labels;
  size_t n_labels, cap_labels;
};

struct vocab {
  struct vocab_measure *measures; /* sorted by id */
  size_t n_measures;
  struct vocab_area *area_info; /* sorted by code */
  size_t n_area_info;
  struct vocab_rate *rates;
  size_t n_rates;
  json_t *records; /* kind -> array of field names, as loaded */
  struct table areas;
  struct table *dims; /* sorted by name */
  size_t n_dims;
};

/* Folds s into out (DAHUB_LABEL_MAX bytes) by dahub/label.h's rule, the
 * one a mapping's "values" also use; 0, or -1 if too long or empty. */
static inline int fold(const char *s, char *out) {
  return dahub_label_fold(s, strlen(s), out) > 0 ? 0 : -1;
}

static inline int label_cmp(const void *a, const void *b) {
  return strcmp(((const struct label *)a)->key, ((const struct label *)b)->key);
}

static inline int table_cmp(const void *a, const void *b) {
  return strcmp(((const struct table *)a)->name,
                ((const struct table *)b)->name);
}

static inline int measure_cmp(const void *a, const void *b) {
  return strcmp(((const struct vocab_measure *)a)->id,
                ((const struct vocab_measure *)b)->id);
}

static inline int area_info_cmp(const void *a, const void *b) {
  return strcmp(((const struct vocab_area *)a)->code,
                ((const struct vocab_area *)b)->code);
}

#endif
