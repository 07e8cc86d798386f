/*
 * vocab.h: the controlled vocabulary every observation is checked against.
 *
 * Measures (with their unit), areas (ONS GSS codes and X_* pseudo codes) and
 * dimensions (age_band, gender, ...) with the labels partners really write
 * ("NW Leics", "F", "White - British"). It lives in one data file the hub
 * loads (conf/vocabulary.json), not in C, so officers extend it. Read-only
 * after load: shared by every worker thread without locks.
 */
#ifndef DAHUB_VOCAB_H
#define DAHUB_VOCAB_H

#include <stddef.h>

#include "errlist.h"

enum vocab_unit {
  UNIT_COUNT,
  UNIT_PERCENT,
  UNIT_GBP,
  UNIT_BEDSPACES,
  UNIT_FTE,
  UNIT_SESSIONS,
  UNIT_DAYS, /* the last: vocab_load.c reads units up to it */
};

struct vocab_measure {
  const char *id;
  enum vocab_unit unit;
  int snapshot; /* "basis": "snapshot": a level at the period's end, so a
                   year is its last part, not the sum of its parts */
  int additive; /* 0 for a percentage or "basis": "average": never summed
                   over areas, partners or parts of a period */
};

/* A rate the summary computes: numerator / denominator, as a percentage. */
struct vocab_rate {
  const char *id;
  const char *numerator; /* measure ids */
  const char *denominator;
};

struct vocab_area {
  const char *code;
  const char *name;
  const char *parent; /* the code it rolls up into, or NULL */
};

struct vocab;

/* 0 with *out, or negative with every problem in errs.
 * OUT: caller frees with vocab_free(). */
int vocab_load(const char *path, struct vocab **out, struct errlist *errs);
void vocab_free(struct vocab *v);

const struct vocab_measure *vocab_measure(const struct vocab *v,
                                          const char *id);
/* The area code for a code or label, or NULL. Borrowed from v. */
const char *vocab_area(const struct vocab *v, const char *label);
/* Name and parent of an area code, or NULL. Borrowed from v. */
const struct vocab_area *vocab_area_info(const struct vocab *v,
                                         const char *code);
/* The rates the vocabulary defines; *n is set to their number. */
const struct vocab_rate *vocab_rates(const struct vocab *v, size_t *n);

/* 1 when kind is a record kind of the vocabulary and field one of its
 * fields ("contract", "end_date"); field NULL asks about the kind only. */
int vocab_record_field(const struct vocab *v, const char *kind,
                       const char *field);

/* 1 when dim is a known dimension. */
int vocab_has_dim(const struct vocab *v, const char *dim);
/* The code of dim for a code or label, or NULL. Borrowed from v. */
const char *vocab_dim_value(const struct vocab *v, const char *dim,
                            const char *label);

/* The vocabulary's judgement on a code a feed's options name (a plugin's
 * codes(), dahub/plugin.h): field is "measure", "area", "service_id",
 * "dimensions" (code: a dimension's name), "dimensions.<name>" (code: a
 * code or label of it), "records" (a record kind) or "records.<kind>" (a
 * field of it); any other field passes. 0, or -EINVAL with msg (n bytes)
 * saying what the vocabulary has instead ("not a code or label of gender
 * (expected one of female, male, ...); did you mean `female`?"), or
 * -ENOMEM. */
int vocab_check_code(const struct vocab *v, const char *field, const char *code,
                     char *msg, size_t n);

const char *vocab_unit_name(enum vocab_unit u);
/* Every unit's name, in enum order, NULL-terminated. */
const char *const *vocab_unit_names(void);
/* Whole units (count, bedspaces, sessions) take no fraction; only money may
 * be negative. */
int vocab_unit_whole(enum vocab_unit u);
int vocab_unit_signed(enum vocab_unit u);

#endif
