/*
 * mapping.h: a feed's mapping, checked and ready for parsing (private to the
 * mapped plugin). mapping.c builds it from the feed's "options" once, at
 * open(), with mapping_csv.c, fields.c and labels.c; each layout reads its
 * own section into it (figures.c, cases_options.c, jsondoc_options.c,
 * records.c). The parsing code only reads it, from any number of threads.
 */
#ifndef MAPPED_MAPPING_H
#define MAPPED_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dahub/csv.h"
#include "dahub/error.h"
#include "dahub/period.h"

#include "options.h"

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
#define MAP_NO_FIELD SIZE_MAX

struct map_records;
struct map_cases;
struct map_json;

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

/* "missing": a text a partner writes where it has no figure ("N/A"). */
struct map_missing {
  char *text;  /* as the mapping writes it: the warning quotes this */
  char *label; /* folded (dahub/label.h); "" for punctuation alone ("-"),
                  which matches only as written */
};

/* "total" (wide only): a TOTAL column or row to check, never emitted. */
struct map_total {
  char *column;     /* the header of the total column, or NULL */
  char *row_column; /* the column whose cell marks a total row, or NULL */
  char *row_match;  /* ... and the text it holds there ("Total") */
};

struct mapping {
  char delimiter;
  enum dahub_csv_encoding encoding;
  char *sheet;             /* "sheet": an .xlsx's sheet by name, or NULL */
  uint32_t sheet_number;   /* ... or by number, from 1; 0: the first */
  uint64_t max_shared_mib; /* an .xlsx's shared strings held at most */
  unsigned number_flags;   /* DAHUB_NUM_DECIMAL_COMMA */
  uint32_t header_row;     /* "header": {"row": N}, or 0 */
  char *header_match;      /* "header": {"match": "..."}, or NULL */
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
  struct map_missing *missing; /* "missing": texts read as no figure */
  size_t n_missing;
  struct map_total total;
  struct map_records *records; /* or NULL (records.h) */
  struct map_cases *cases;     /* MAP_CASES only (cases.h) */
  struct map_json *json;       /* MAP_JSON only (jsondoc.h) */
  char **fill_down;
  size_t n_fill_down;
  char **skip_if_blank;
  size_t n_skip_if_blank;
  char **footer;
  size_t n_footer;
  /* While the options are read (open()), where every problem is said
   * besides err; NULL, and not used, once open() returned. */
  const struct opt_say *say;
};

/*
 * Reading the options section by section. open() stops at the first
 * section with a problem. A hub that listens (open_each(), say set) hears
 * every problem of the file at once: each section is read even after an
 * earlier one failed, its problems said as its table finds them, and one
 * that no table said (a rule between keys) said on its own. Only what an
 * earlier problem would make up is left out: a section that is not written
 * at all ("missing" is most likely the typo already said, "hedaer"), and
 * the sections and rules that need every field's source (labels, the
 * cases, json and records sections, the rules over the whole mapping)
 * while a section giving fields has a problem. Memory running out stops
 * the reading wherever it happens. err keeps the first problem, as open()
 * returns it.
 */
struct map_reading {
  const struct opt_say *outer; /* the hub's, or NULL */
  struct opt_say say;          /* outer's, counted */
  unsigned said;
  struct dahub_error *err;  /* the first problem's */
  struct dahub_error later; /* a later section's own */
  int rc;                   /* the first problem's code, or 0 */
  int nomem;                /* memory ran out: nothing more is read */
  int fields_cut;           /* a section giving fields failed: what looks
                               fields up waits for it to be mended */
};

void map_reading_init(struct map_reading *r, const struct opt_say *outer,
                      struct dahub_error *err);
/* Whether to read a section (v: what the options write for it, NULL when
 * nothing; a section read whether written or not passes NULL with
 * always 1); where its err goes is map_reading_err(). */
int map_reading_go(const struct map_reading *r, const json_t *v, int always);
struct dahub_error *map_reading_err(struct map_reading *r);
/* Takes the result rc of a section begun when r->said was said_before. */
void map_reading_done(struct map_reading *r, int rc, unsigned said_before);

/* The part of the options every layout shares: the file's shape, where
 * fields come from, and the keys of the CSV layouts that are not a
 * layout's own. Each layout's section, "values" and "records" are read
 * after, by their files; then mapping_check(). r->rc 0, or -EINVAL /
 * -ENOMEM with r->err naming the option ("options.header.rwo: unknown
 * key"); the sections read after use r's say as m->say. OUT: *out (also
 * when r->rc is not 0, unless even the layout could not be read), which
 * the caller frees with mapping_free() (after freeing the layouts'
 * sections, which mapping_free() leaves alone). */
void mapping_new(const json_t *options, struct map_reading *r,
                 struct mapping **out);
/* What must hold once every section is read. */
int mapping_check(const struct mapping *m, struct dahub_error *err);

/* mapping_csv.c, for mapping_new(): "header" (h, or NULL when absent);
 * the CSV layouts' shared keys (fill_down, skip_if_blank, footer,
 * period_notes, text, missing, and whether across and total may be there);
 * and the refusal of those keys for the json layout. 0, or -EINVAL /
 * -ENOMEM with err naming the option. */
int mapping_header(struct mapping *m, const json_t *h, struct dahub_error *err);
int mapping_csv_options(struct mapping *m, const json_t *o,
                        struct dahub_error *err);
int mapping_csv_only(const json_t *o, struct dahub_error *err);
void mapping_free(struct mapping *m);

/* Compares a cell with a header as a person would: ASCII case ignored,
 * spaces around either ignored. 1 equal, 0 not. */
int mapping_same(const char *cell, size_t len, const char *label);

/* The code a list ("across", "period_notes") gives for a cell, or NULL. */
const char *mapping_lookup(const struct map_list *l, const char *cell,
                           size_t len);

/* 1 when s is a part of a financial year: FY, H1, H2, Q1..Q4, M01..M12. */
int mapping_period_part(const char *s);

#endif
