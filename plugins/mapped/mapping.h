/*
 * mapping.h: a feed's mapping, checked and ready for parsing (private to the
 * mapped plugin). mapping.c builds it from the feed's "options" once, at
 * open(); mapped.c only reads it, from any number of threads at once.
 */
#ifndef MAPPED_MAPPING_H
#define MAPPED_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dahub/csv.h"
#include "dahub/error.h"

/* The four fields every observation has, then its dimensions. */
enum {
  MAP_SERVICE = 0,
  MAP_AREA = 1,
  MAP_PERIOD = 2,
  MAP_MEASURE = 3,
  MAP_FIRST_DIM = 4,
};
#define MAP_MAX_DIMS 16
#define MAP_MAX_FIELDS (MAP_FIRST_DIM + MAP_MAX_DIMS)

/* Where a field's text comes from: exactly one place. */
enum map_source {
  MAP_NONE = 0, /* nowhere: the field is absent (only service_id may be) */
  MAP_FIXED,    /* "fixed": the same text for every observation */
  MAP_CELL,     /* "cells": one cell above the header */
  MAP_COLUMN,   /* "columns": a column of the data rows */
  MAP_ACROSS,   /* "across": the header of each value column (wide) */
};

struct map_pair {
  char *key; /* a label as the partner writes it, or a header */
  char *val; /* the code it stands for */
};

struct map_list {
  struct map_pair *p;
  size_t n;
};

struct map_field {
  char *name; /* "service_id", "area", "period", "measure", or a dimension */
  enum map_source src;
  char *text;             /* FIXED: the value; COLUMN: the header text */
  uint32_t row, col;      /* CELL: 1-based spreadsheet row and column */
  int has_values;         /* "values" has an entry for this field */
  struct map_list values; /* label -> code */
  int skip_unknown;       /* "unknown": "skip": a row with another label
                             is left out instead of failing the file */
};

struct mapping {
  char delimiter;
  enum dahub_csv_encoding encoding;
  unsigned number_flags; /* DAHUB_NUM_DECIMAL_COMMA */
  uint32_t header_row;   /* "header": {"row": N}, or 0 */
  char *header_match;    /* "header": {"match": "..."}, or NULL */
  int wide;              /* "layout": "wide" */
  struct map_field field[MAP_MAX_FIELDS];
  size_t n_fields;              /* MAP_FIRST_DIM + number of dimensions */
  char *value_column;           /* long: the header of the value column */
  size_t across_field;          /* wide: the field the headers give */
  struct map_list across;       /* wide: header -> code, value columns only */
  struct map_list period_notes; /* "(Q1+Q2)" -> "H1" */
  char **fill_down;
  size_t n_fill_down;
  char **skip_if_blank;
  size_t n_skip_if_blank;
  char **footer;
  size_t n_footer;
};

/* Checks options and builds the mapping. 0, or -EINVAL / -ENOMEM with err
 * naming the option ("options.header.rwo: unknown key").
 * OUT: caller frees *out with mapping_free(). */
int mapping_new(const json_t *options, struct mapping **out,
                struct dahub_error *err);
void mapping_free(struct mapping *m);

/* Compares a cell with a label as a person would: ASCII case ignored,
 * spaces around either ignored. 1 equal, 0 not. */
int mapping_same(const char *cell, size_t len, const char *label);

/* The code a field's "values" gives for a cell, or NULL. */
const char *mapping_lookup(const struct map_list *l, const char *cell,
                           size_t len);

#endif
