/*
 * options.h: checks on the JSON of a feed's options (private to the mapped
 * plugin). Each fills err with the option's path and returns -EINVAL, or
 * -ENOMEM; 0 when the option is good.
 */
#ifndef MAPPED_OPTIONS_H
#define MAPPED_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dahub/error.h"
#include "dahub/options.h"
#include "dahub/period.h"

#define MAP_PATH_MAX 256 /* "options.values.measure.<label>" */

struct map_pair {
  char *key; /* a label as the partner writes it, or a header */
  char *val; /* the code it stands for */
};

struct map_list {
  struct map_pair *p;
  size_t n;
};

/* Where each problem of a feed's options is said as it is found, besides
 * the first in err: the hub's list (open_each() in dahub/plugin.h). fn's
 * e is borrowed until it returns. A NULL struct opt_say: err alone. */
struct opt_say {
  void (*fn)(void *arg, const struct dahub_error *e);
  void *arg;
};

/* "options.header.rwo: unknown key"; the path also goes in err's detail. */
int opt_bad(struct dahub_error *err, const char *path, const char *what);
int opt_bad_type(struct dahub_error *err, const char *path,
                 const char *expected, const json_t *found);
/* "options.layout \"tall\": expected one of long, wide, cases, json; did
 * you mean `long`?" (near may be NULL): a value quoted, as a person wrote
 * it, in the message and in err's found. */
int opt_bad_value(struct dahub_error *err, const char *path,
                  const char *expected, const char *found, const char *near);
/* v one of choices (NULL-terminated): *out its index; else the error above,
 * with the nearest choice. */
int opt_choice(const json_t *v, const char *path, const char *const *choices,
               size_t *out, struct dahub_error *err);
int opt_nomem(struct dahub_error *err);
/* buf (MAP_PATH_MAX bytes) = path.key */
int opt_join(char *buf, const char *path, const char *key,
             struct dahub_error *err);
/* Checks obj, an object or NULL (absent), against table (dahub/options.h)
 * and fills dst. Every problem of the object is found and said to say
 * (may be NULL); err gets the first (an unknown key before the rest, as
 * the keys are checked first), and says how many more there were. */
int opt_check(const json_t *obj, const char *path,
              const struct dahub_opt *table, void *dst,
              const struct opt_say *say, struct dahub_error *err);
/* A section of the options, v at path, read into a new zeroed struct of
 * size bytes: an object (when v is NULL: missing's words, such as
 * "missing: a cases layout needs it"), checked by opt_check() against
 * table. Returns the struct, also when a value was wrong (the caller's to
 * free), with *rc 0 or the error's code; NULL when v is no object or
 * memory ran out. */
void *opt_section(const json_t *v, const char *path, const char *missing,
                  const struct dahub_opt *table, size_t size,
                  const struct opt_say *say, int *rc, struct dahub_error *err);
/* The members of v, a list of 1 to max things (what: "counts"): with
 * object 0 an array ("an array of 1 to 64 counts"), with 1 an object.
 * Returns a zeroed array of as many structs of size bytes, for the caller
 * to fill and free; NULL with *rc the error. */
void *opt_members(const json_t *v, const char *path, int object, size_t max,
                  const char *what, size_t size, int *rc,
                  struct dahub_error *err);
/* Refuses any key of obj not in allowed (NULL-terminated), as opt_check. */
int opt_only_keys(const json_t *obj, const char *path,
                  const char *const *allowed, const struct opt_say *say,
                  struct dahub_error *err);
/* A non-empty string, copied. OUT: caller frees *out. */
int opt_string(const json_t *v, const char *path, char **out,
               struct dahub_error *err);
/* An object of non-empty strings, key -> text. OUT: opt_pairs_free(l). */
int opt_pairs(const json_t *obj, const char *path, struct map_list *l,
              struct dahub_error *err);
/* An array of non-empty strings. OUT: opt_strings_free(*out, *n). */
int opt_strings(const json_t *arr, const char *path, char ***out, size_t *n,
                struct dahub_error *err);
/* v absent: *out = def; else a whole number in [min, max]. */
int opt_uint(const json_t *v, const char *path, uint64_t min, uint64_t max,
             uint64_t def, uint64_t *out, struct dahub_error *err);
/* "quarter" (default when v is absent), "month", "half" or "year". */
int opt_period_kind(const json_t *v, const char *path,
                    enum dahub_period_kind *out, struct dahub_error *err);
void opt_pairs_free(struct map_list *l);
void opt_strings_free(char **s, size_t n);

#endif
