/*
 * shapes.h: a feed's shapes, the mappings of each template a partner has
 * used (shapes.c; private to the mapped plugin).
 */
#ifndef MAPPED_SHAPES_H
#define MAPPED_SHAPES_H

#include <stddef.h>

#include <jansson.h>

#include "dahub/plugin.h"

#include "mapping.h"

#define SHAPES_MAX 16

struct shapes {
  size_t n;   /* 1 when the feed lists no "shapes" */
  int listed; /* the feed's options are {"shapes": [...]} */
  struct mapping *m[SHAPES_MAX];
  char *name[SHAPES_MAX]; /* each shape's "name", or NULL */
  void (*free_one)(struct mapping *m);
};

/* Reads the feed's options: a list of shapes, {"shapes": [{...}, ...]},
 * each a whole mapping with an optional "name", or one mapping. open_one
 * checks one mapping (mapped.c's open for a single one), saying each
 * problem to say (may be NULL) as well as the first in err; free_one frees
 * it. 0, or negative with err naming the option, under
 * "options.shapes[i]" for a shape's (also in what is said). OUT: free with
 * shapes_free(). */
int shapes_open(const json_t *o,
                int (*open_one)(const json_t *o, const struct opt_say *say,
                                struct mapping **m, struct dahub_error *err),
                void (*free_one)(struct mapping *m), const struct opt_say *say,
                struct shapes **out, struct dahub_error *err);
void shapes_free(struct shapes *sh);

/* Tries each shape on the file in turn, first to last: probe(arg, m, why)
 * returns 0 when the file's header fits shape m, or negative with why.
 * 0 with *pick, the first that fits (a note tells `dahub try` which, and
 * why each one before it did not); or a negative code with err, when none
 * fits (each shape's reason is also a warning of the file's report) or
 * probe failed for a reason other than the file (-ENOMEM, -EAGAIN). */
int shapes_pick(const struct shapes *sh,
                int (*probe)(void *arg, const struct mapping *m,
                             struct dahub_error *why),
                void *arg, const struct dahub_host *host, struct dahub_ctx *ctx,
                size_t *pick, struct dahub_error *err);

#endif
