/*
 * validate.h: one observation from a plugin, checked and normalised.
 *
 * The stage between parse and store. Labels become vocabulary codes, the
 * period is checked, the number is checked against its measure's unit
 * (whole counts, no negative counts, money kept exactly in pence), and the
 * breakdown becomes one canonical JSON text so equal breakdowns compare
 * equal in SQL. Pure: no I/O, safe on any thread.
 */
#ifndef DAHUB_VALIDATE_H
#define DAHUB_VALIDATE_H

#include "dahub/error.h"
#include "dahub/plugin.h"
#include "store.h"
#include "vocab.h"

#define VALIDATE_MAX_DIMS 8
#define VALIDATE_DIMS_MAX 512

/* Where a normalised observation keeps what it does not borrow. */
struct validated {
  struct store_obs obs;
  char dims[VALIDATE_DIMS_MAX];
  char service_id[128];
};

/* The canonical breakdowns of one file, memoised by their raw dimension
 * pairs (validate_memo.c). One per ingest, one thread at a time. */
struct validate_memo;

/* OUT: validate_memo_free(). 0 or -ENOMEM. */
int validate_memo_new(struct validate_memo **out);
void validate_memo_free(struct validate_memo *m);
/* The canonical text o's pairs gave before under v, with its length, or
 * NULL. Allocates nothing. */
const char *validate_memo_find(struct validate_memo *m, const struct vocab *v,
                               const struct dahub_obs *o, size_t *len);
/* Keeps text as the canonical form of o's pairs under v (only a breakdown
 * that passed its checks). */
void validate_memo_add(struct validate_memo *m, const struct vocab *v,
                       const struct dahub_obs *o, const char *text);

/* Checks o; fills out (its strings borrow from v, o and out itself) or
 * returns -EINVAL with err naming the field, what was expected and found.
 * default_service (may be NULL) stands in when o has no service_id. */
int validate_obs(const struct vocab *v, const struct dahub_obs *o,
                 const char *default_service, struct validated *out,
                 struct dahub_error *err);
/* As validate_obs(), the breakdown looked up in memo first (may be NULL):
 * same result, same error, byte for byte. */
int validate_obs_memo(const struct vocab *v, struct validate_memo *memo,
                      const struct dahub_obs *o, const char *default_service,
                      struct validated *out, struct dahub_error *err);

#endif
