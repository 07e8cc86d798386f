/*
 * mapping.h: a feed's mapping, checked and ready for parsing (private to the
 * mapped plugin). mapping.c builds it from the feed's "options" once, at
 * open(), with help from the files of each feature (cases.c, jsondoc.c,
 * records.c); the parsing code only reads it, from any number of threads.
 */
#ifndef MAPPED_MAPPING_H
#define MAPPED_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dahub/csv.h"
#include "dahub/error.h"
#include "dahub/period.h"

/* The fields every observation has, then its dimensions. financial_year is
 * not stored: it completes a period given only as a part ("Q1", "FY"). */
enum {
  MAP_SERVICE = 0,
  MAP_AREA = 1,
  MAP_PERIOD = 2,
  MAP_MEASURE = 3,
  MAP_YEAR = 4,
  MAP_FIRST_DIM = 5,
};
#define MAP_MAX_DIMS 16
#define MAP_MAX_FIELDS (MAP_FIRST_DIM + MAP_MAX_DIMS)
#define MAP_MAX_TARGET_DIMS 8 /* fixed dimensions one label may add */
/* Labels, or bands, of one field: each is known by a 16-bit number. */
#define MAP_MAX_LABELS 60000
#define MAP_PATH_MAX 256 /* "options.values.measure.<label>" */
#define MAP_NO_FIELD SIZE_MAX

enum map_layout {
  MAP_LONG = 0, /* one figure per row */
  MAP_WIDE,     /* one figure per listed column */
  MAP_CASES,    /* one case per row, counted (cases.c) */
  MAP_JSON,     /* a JSON document of items, summed (jsondoc.c) */
};

/* Where a field's text comes from: exactly one place. */
enum map_source {
  MAP_NONE = 0, /* nowhere: the field is absent */
  MAP_FIXED,    /* "fixed": the same text for every observation */
  MAP_CELL,     /* "cells": one cell above the header */
  MAP_COLUMN,   /* "columns": a column of the data rows */
  MAP_ACROSS,   /* "across": the header of each value column (wide) */
};

/* What a label not listed in "values" does. */
enum map_unknown {
  MAP_UNKNOWN_ERROR = 0, /* fails the file, naming row, column and text */
  MAP_UNKNOWN_SKIP,      /* leaves the row out */
  MAP_UNKNOWN_KEEP,      /* passes the text on as written */
};

struct map_pair {
  char *key; /* a label as the partner writes it, or a header */
  char *val; /* the code it stands for */
};

struct map_list {
  struct map_pair *p;
  size_t n;
};

/* What one label of "values" stands for. */
struct map_target {
  char *code;           /* the field's code; NULL when the row is left out */
  char *service_id;     /* the label also sets the service, or NULL */
  struct map_list dims; /* fixed dimensions it adds: name -> code */
  char *year;           /* "FY2024-25": the year its figures belong to */
  int skip;             /* leave the row out */
  char *reason;         /* ... with a warning giving this reason, or not */
};

struct map_label {
  char *key;    /* as the partner writes it */
  int prefix;   /* written with a final '*': matches cells starting with key */
  char *folded; /* key folded by dahub/label.h's rule, as cells are */
  size_t folded_len;
  struct map_target t;
};

/* A label's place in the index of map_labels: the hash of its folded text,
 * and its number + 1 (0: an empty slot). */
struct map_label_slot {
  uint64_t hash;
  size_t label;
  const char *text; /* the label folded: its folded */
  size_t len;
};

struct map_labels {
  struct map_label *p;
  size_t n;
  /* The exact (non-'*') labels by folded text, built at open() and only
   * read after, so threads share it: a lookup is one hash, not a scan. */
  struct map_label_slot *slot;
  size_t n_slots; /* a power of two, at least twice n; 0: no index */
  int any_prefix; /* some label ends in '*' */
};

/* "bands": a number read into the band that holds it ("17" -> "16-17"). */
struct map_band {
  char *code;     /* the band as written in the mapping: "16-17", "85+" */
  int64_t lo, hi; /* inclusive; hi INT64_MAX for "85+" */
};

struct map_field {
  char *name; /* "service_id", ..., or a dimension */
  enum map_source src;
  char *text;        /* FIXED: the value; COLUMN: the header text */
  uint32_t row, col; /* CELL: 1-based spreadsheet row and column */
  int has_values;    /* "values" has labels for this field */
  struct map_labels values;
  enum map_unknown unknown;
  struct map_band *bands; /* "bands" (columns only), or NULL */
  size_t n_bands;
  char *blank;   /* with bands: the code of a blank cell, or NULL */
  int from_keys; /* json: read from the keys of an object ("by") */
};

/* "total" (wide only): a TOTAL column or row to check, never emitted. */
struct map_total {
  char *column;     /* the header of the total column, or NULL */
  char *row_column; /* the column whose cell marks a total row, or NULL */
  char *row_match;  /* ... and the text it holds there ("Total") */
};

/* "records": rows that also become records through host->emit_record. */
struct map_record_field {
  char *name;   /* a field of the record kind: "end_date" */
  char *column; /* read from this column, or NULL: */
  size_t field; /* ... from the row's resolved field (MAP_SERVICE, ...) */
  int date;     /* the text is a date: written as yyyy-mm-dd */
  int pence;    /* the text is money: written as whole pence */
};

struct map_records {
  char *kind;        /* a record kind of the vocabulary: "contract" */
  char *when_column; /* only rows whose cell here is one of when_in */
  char **when_in;
  size_t n_when;
  struct map_record_field *f;
  size_t n;
};

/* "cases": one count of the cases layout. */
struct map_count {
  char *measure;
  char *date;              /* the column whose date decides the period */
  size_t by[MAP_MAX_DIMS]; /* one-way breakdowns: dimension fields */
  size_t n_by;
  int distinct; /* count distinct case references, not rows */
};

struct map_cases {
  char *reference; /* the column of the case reference, or NULL */
  enum dahub_period_kind period;
  int latest; /* "periods": "latest": only the file's latest period */
  struct map_count *count;
  size_t n_count;
  uint64_t max_references; /* (reference, figure) pairs kept */
  uint64_t max_groups;     /* figures kept */
};

/* "json": one entry of "sum". */
struct map_sum {
  char *measure;
  char *key;            /* dotted path within an item; NULL: count items */
  size_t by;            /* the field an object's keys give, or MAP_NO_FIELD */
  struct map_list dims; /* fixed dimensions: name -> code */
};

struct map_json {
  char *items; /* dotted path of the array of items; "" for the document */
  char *date;  /* dotted path of each item's date */
  enum dahub_period_kind period;
  struct map_sum *sum;
  size_t n_sum;
  struct map_list check; /* dotted path of a total -> measure */
  uint64_t max_bytes;
  uint64_t max_groups;
};

struct mapping {
  char delimiter;
  enum dahub_csv_encoding encoding;
  unsigned number_flags; /* DAHUB_NUM_DECIMAL_COMMA */
  uint32_t header_row;   /* "header": {"row": N}, or 0 */
  char *header_match;    /* "header": {"match": "..."}, or NULL */
  enum map_layout layout;
  struct map_field field[MAP_MAX_FIELDS];
  size_t n_fields;              /* MAP_FIRST_DIM + number of dimensions */
  char *value_column;           /* long: the header of the value column */
  size_t across_field;          /* wide: the field the headers give */
  struct map_list across;       /* wide: header -> code, value columns only */
  struct map_list period_notes; /* "(Q1+Q2)" -> "H1" */
  int dates;                    /* "period_from_date" was given: */
  enum dahub_period_kind date_kind; /* the period holding each row's date */
  int text_skip_all;                /* "text": "skip" */
  char **text_skip;                 /* "text": {"<measure>": "skip"} */
  size_t n_text_skip;
  struct map_total total;
  struct map_records *records; /* or NULL */
  struct map_cases *cases;     /* MAP_CASES only */
  struct map_json *json;       /* MAP_JSON only */
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

/* The code a list ("across", "period_notes") gives for a cell, or NULL. */
const char *mapping_lookup(const struct map_list *l, const char *cell,
                           size_t len);

/* What "values" says about a cell, both folded by dahub/label.h's rule (as
 * the vocabulary compares labels): the exact label first, then the longest
 * label written with a final '*' that the cell starts with; or NULL. */
const struct map_target *mapping_label(const struct map_labels *l,
                                       const char *cell, size_t len);

/* The band of f holding the number in the cell. 0 with *code; -EINVAL not
 * a whole number; -ERANGE a number no band holds. A blank cell is the
 * caller's. */
int mapping_band(const struct map_field *f, const char *cell, size_t len,
                 const char **code);

/* 1 when s is a part of a financial year: FY, H1, H2, Q1..Q4, M01..M12. */
int mapping_period_part(const char *s);

/* ---- For the checkers of each feature (cases.c, jsondoc.c, records.c).
 * Each fills err with the option's path, as mapping_new() does. ---- */

int mapping_bad(struct dahub_error *err, const char *path, const char *what);
int mapping_bad_type(struct dahub_error *err, const char *path,
                     const char *expected, const json_t *found);
int mapping_nomem(struct dahub_error *err);
/* buf (MAP_PATH_MAX bytes) = path.key */
int mapping_join(char *buf, const char *path, const char *key,
                 struct dahub_error *err);
/* Refuses any key of obj not in allowed (NULL-terminated). */
int mapping_only_keys(const json_t *obj, const char *path,
                      const char *const *allowed, struct dahub_error *err);
int mapping_dup_string(const json_t *v, const char *path, char **out,
                       struct dahub_error *err);
/* An object of non-empty strings, key -> text. */
int mapping_pairs(const json_t *obj, const char *path, struct map_list *l,
                  struct dahub_error *err);
/* An array of non-empty strings. */
int mapping_strings(const json_t *arr, const char *path, char ***out, size_t *n,
                    struct dahub_error *err);
/* v absent: *out = def; else a whole number in [min, max]. */
int mapping_uint(const json_t *v, const char *path, uint64_t min, uint64_t max,
                 uint64_t def, uint64_t *out, struct dahub_error *err);
/* "quarter" (default when v is absent), "month", "half" or "year". */
int mapping_period_kind(const json_t *v, const char *path,
                        enum dahub_period_kind *out, struct dahub_error *err);
/* The field called name; with is_dim, a new name adds a dimension. */
int mapping_field(struct mapping *m, const char *name, int is_dim,
                  const char *path, size_t *out, struct dahub_error *err);
/* Fixed dimensions (an object of name -> code): names are [a-z0-9_]+,
 * at most max; with against_fields, none may be a dimension the mapping
 * reads elsewhere (an observation has each dimension once). */
int mapping_dims(const struct mapping *m, const json_t *obj, const char *path,
                 size_t max, int against_fields, struct map_list *l,
                 struct dahub_error *err);
void mapping_list_free(struct map_list *l);
void mapping_strings_free(char **s, size_t n);

#endif
