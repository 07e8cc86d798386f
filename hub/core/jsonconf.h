/*
 * jsonconf.h: strict reading of JSON configuration files.
 *
 * Config is data, and a typo must not silently disable a feed, so unknown
 * keys are errors. jansson gives line and column for syntax errors only;
 * for a key that is wrong in meaning we find where the key is written in
 * the file's text, so the officer still gets file:line:col.
 */
#ifndef DAHUB_JSONCONF_H
#define DAHUB_JSONCONF_H

#include <stdint.h>

#include <jansson.h>

#include "dahub/options.h"
#include "errlist.h"

#define JSONCONF_MAX_BYTES (1u << 20) /* a config file larger is refused */

struct jsonconf {
  const char *file;     /* as the user named it, for messages */
  char *text;           /* the file's text, to locate keys */
  json_t *root;         /* the parsed document (an object) */
  struct errlist *errs; /* where every problem goes */
  unsigned nerr;        /* problems found in this file */
};

/* Reads and parses path. 0 with jc->root an object, or negative with the
 * reason in errs. Always call jsonconf_close. */
int jsonconf_load(struct jsonconf *jc, const char *path, struct errlist *errs);
void jsonconf_close(struct jsonconf *jc);

/* Records an error about key (may be NULL), at the key's place. */
void jsonconf_error(struct jsonconf *jc, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for key inside the object that is the value of parent
 * ("done" in "retain": {...}), so a like-named key elsewhere is not blamed. */
void jsonconf_error_in(struct jsonconf *jc, const char *parent, const char *key,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* How a problem with a value names it: by its key alone ("max_errors:
 * expected ...", as hub.json's messages always have) or by its path
 * ("retain.done: ..."). An unknown key is always named by its path. */
enum jsonconf_naming { JSONCONF_BY_KEY, JSONCONF_BY_PATH };

/* Checks obj (NULL: absent) against table (dahub/options.h), filling dst;
 * each problem goes to errs at its key's place. path names obj: "" for the
 * top level, else dotted ("limits"); its last part is the object's key,
 * where its keys are looked for. 0, -EINVAL or -ENOMEM. */
int jsonconf_check(struct jsonconf *jc, const json_t *obj, const char *path,
                   enum jsonconf_naming naming, const struct dahub_opt *table,
                   void *dst);

/* Every key of obj must be in keys (NULL-ended); path prefixes messages. */
void jsonconf_only(struct jsonconf *jc, const json_t *obj, const char *path,
                   const char *const *keys);

/* A string member. NULL when absent (an error if required) or not a string
 * (always an error). Borrowed from obj. */
const char *jsonconf_string(struct jsonconf *jc, const json_t *obj,
                            const char *key, int required);

/* An integer member in [min, max]; *out keeps its value when absent. */
void jsonconf_uint(struct jsonconf *jc, const json_t *obj, const char *key,
                   uint64_t min, uint64_t max, uint64_t *out);

/* Where the member named by a dotted path ("options.header.rwo") is
 * written in the file: *line and *col, or 0 when it cannot be found. */
void jsonconf_locate_path(const char *file, const char *path, unsigned *line,
                          unsigned *col);

/* 1 when s is a non-empty [a-z0-9_]+ of at most max bytes. */
static inline int jsonconf_is_ident(const char *s, size_t max) {
  return dahub_opt_is_ident(s, max);
}

#endif
