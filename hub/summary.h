/*
 * summary.h: the board summary of one period, from the store.
 *
 * The result is a JSON document (schema "dahub.summary/1", described in the
 * README) that has already been through disclosure control: sinks render it
 * and can publish nothing that should have been hidden.
 */
#ifndef DAHUB_SUMMARY_H
#define DAHUB_SUMMARY_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "dahub/error.h"
#include "store.h"
#include "vocab.h"

#define SUMMARY_SCHEMA "dahub.summary/1"

struct summary_env {
  const struct config *conf;
  const struct vocab *vocab;
  struct store *store;
  int64_t now; /* UTC seconds: decides which missing returns are late */
};

/* Builds the summary of period ("FY2024-25-Q1", "FY2024-25", ...).
 * OUT: *out, a new JSON object the caller json_decref()s. 0, -EINVAL for a
 * bad period, or a store error, with err. */
int summary_build(const struct summary_env *env, const char *period,
                  json_t **out, struct dahub_error *err);

/* The latest quarter that ended before t (UTC seconds). */
void summary_quarter_before(int64_t t, char id[16]);

#endif
