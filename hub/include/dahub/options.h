/*
 * dahub/options.h: JSON options checked against a table.
 *
 * The hub's config files and a plugin's "options" are both JSON objects
 * whose keys a person typed. Each object is described once, as a table of
 * its keys: the type each must have, its range, its default, where its
 * value goes, and one line of help. dahub_opt_check() reads an object
 * against its table: it refuses unknown keys, checks types and ranges,
 * stores the values, and reports every problem of the object through a
 * callback, so the hub can give each one file:line:col and a plugin can
 * say which option is wrong. How a problem is worded is the caller's: the
 * hub and the plugins already speak to their readers in their own phrases.
 * What a problem carries is the same for all: an unknown key comes with
 * the known one it is most likely a typo of ("expct": did you mean
 * `expect`?). A value that must be one of a few words is the caller's to
 * check, with dahub_opt_choices() and dahub_opt_nearest() to say so.
 *
 * In dahub_text (hub/lib/options.c), so a plugin needs no hub symbol.
 * Nothing here keeps state; any thread may call it.
 */
#ifndef DAHUB_OPTIONS_H
#define DAHUB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum dahub_opt_type {
  DAHUB_OPT_STRING,   /* non-empty string without NUL: const char * */
  DAHUB_OPT_IDENT,    /* [a-z0-9_]+ of at most max bytes: const char * */
  DAHUB_OPT_UINT,     /* whole number in [min, max]: uint64_t */
  DAHUB_OPT_BOOL,     /* true or false: int */
  DAHUB_OPT_DURATION, /* "30d", "12h", "15m", "45s", at most max seconds:
                         uint64_t seconds */
  DAHUB_OPT_OBJECT,   /* an object: const json_t * */
  DAHUB_OPT_ARRAY,    /* an array: const json_t * */
  DAHUB_OPT_ANY       /* any value, for the caller to read: const json_t * */
};

#define DAHUB_OPT_REQUIRED 1u /* absent is a problem */

/* Where a value goes when only a setter, or nothing, takes it. */
#define DAHUB_OPT_NOWHERE ((size_t)-1)

struct dahub_opt;

/* Takes a value that has the entry's type, into the struct at dst. 0, or
 * -EINVAL when the value is wrong in meaning (reported as
 * DAHUB_OPT_INVALID), or -ENOMEM. Strings and JSON are borrowed from the
 * object being checked. */
typedef int (*dahub_opt_setter)(void *dst, const struct dahub_opt *o,
                                const json_t *v);

struct dahub_opt {
  const char *key;
  enum dahub_opt_type type;
  unsigned flags;       /* DAHUB_OPT_REQUIRED */
  uint64_t min, max;    /* UINT: range; IDENT: max bytes; DURATION: max s */
  uint64_t def;         /* UINT, BOOL, DURATION: the value when absent */
  size_t offset;        /* offsetof the value in dst, or DAHUB_OPT_NOWHERE */
  dahub_opt_setter set; /* NULL: stored at offset as its type says */
  const char *expect;   /* what is right, for messages; NULL: by type */
  const char *help;     /* one line for the person who writes the file */
};
/* A table ends with an entry whose key is NULL. */

enum dahub_opt_problem_kind {
  DAHUB_OPT_UNKNOWN,    /* a key the table does not have */
  DAHUB_OPT_MISSING,    /* a required key is absent */
  DAHUB_OPT_WRONG_TYPE, /* a value of another JSON type */
  DAHUB_OPT_RANGE,      /* a whole number outside [min, max] */
  DAHUB_OPT_INVALID,    /* the right type, wrong in meaning */
  DAHUB_OPT_NOT_OBJECT, /* the value checked is not an object */
  DAHUB_OPT_NOMEM
};

#define DAHUB_OPT_PATH_MAX 256

struct dahub_opt_problem {
  enum dahub_opt_problem_kind kind;
  const char *path;            /* "options.header.rwo", or the object's */
  const char *key;             /* the key as written; NULL: the object */
  const struct dahub_opt *opt; /* its entry; NULL for UNKNOWN, NOT_OBJECT */
  const json_t *value;         /* what was found; NULL when absent */
  /* UNKNOWN: the table's key the one written is likely a typo of, or
   * NULL. Appended: a reporter built before it never reads it. */
  const char *near;
};

/* Called once per problem, in the object's key order then the table's.
 * Everything in p is borrowed until it returns. */
typedef void (*dahub_opt_report_fn)(void *arg,
                                    const struct dahub_opt_problem *p);

/* A setter that keeps a copy of a string value at the entry's offset: a
 * char * the struct's owner frees (the one there before is freed). */
int dahub_opt_keep(void *dst, const struct dahub_opt *o, const json_t *v);
/* Frees every string the table's dahub_opt_keep entries keep in dst, and
 * sets each to NULL: the struct's owner frees it with its table. */
void dahub_opt_free(const struct dahub_opt *table, void *dst);

/* Sets every entry's default in dst (UINT, BOOL and DURATION; the others
 * are left as they are, NULL when dst was zeroed). */
void dahub_opt_defaults(const struct dahub_opt *table, void *dst);

/* Checks obj (an object, or NULL for an absent one: defaults only)
 * against table, fills dst, and reports each problem. path names obj in
 * messages ("options.header"; "" at a file's top). Returns 0, -EINVAL
 * after at least one problem, or -ENOMEM. A bad value leaves its default. */
int dahub_opt_check(const json_t *obj, const char *path,
                    const struct dahub_opt *table, void *dst,
                    dahub_opt_report_fn report, void *arg);

/* Checks only o's key of obj (NULL: absent), for readers that take an
 * object's keys one by one; other keys are not looked at. o's default is
 * set first. Returns as dahub_opt_check. */
int dahub_opt_check_one(const json_t *obj, const char *path,
                        const struct dahub_opt *o, void *dst,
                        dahub_opt_report_fn report, void *arg);

/* What the entry wants, in words: o->expect, else by type ("a whole number
 * from 1 to 10", "true or false"). Returns buf. */
const char *dahub_opt_expected(const struct dahub_opt *o, char *buf, size_t n);

/* buf = "one of a, b, c" for choices (NULL-terminated); cut to n bytes.
 * Returns buf. */
const char *dahub_opt_choices(const char *const *choices, char *buf, size_t n);

/* How many edits (a character added, removed or changed, or two neighbours
 * swapped; ASCII case ignored) turn a into b, or max + 1 when more. */
size_t dahub_opt_distance(const char *a, const char *b, size_t max);

/* Of the NULL-terminated candidates, the one word is most likely a typo
 * of: the nearest (the first of equals), if it is near enough for a
 * person to have meant it (one edit in a word of up to 4 characters, two
 * up to 8, three beyond), and not word itself. NULL otherwise. */
const char *dahub_opt_nearest(const char *word, const char *const *candidates);

/* The kind of a JSON value: "a string", "a number", "nothing"... */
const char *dahub_opt_found(const json_t *v);

/* 1 when s is a non-empty [a-z0-9_]+ of at most max bytes. */
int dahub_opt_is_ident(const char *s, size_t max);

/* "30d", "12h", "15m" or "45s" (at most 9 digits) in seconds, at most max.
 * 0, or -EINVAL. */
int dahub_opt_duration(const char *s, uint64_t max, uint64_t *seconds);

#endif
