/*
 * disclosure_driver.c: the disclosure module behind JSON lines, so that a
 * test in another language can hand it tables and judge what it hides.
 *
 * stdin: one table a line,
 *   {"suppress_zeros": true,
 *    "cells": [{"value": 3, "threshold": 5, "protection": 0,
 *               "source": false, "headline": false,
 *               "fixed": null | "shown" | "hidden_primary"
 *                        | "hidden_secondary"}, ...],
 *    "lines": [{"members": [0, 1], "total": 2}, ...]}
 * stdout: one answer a line, in the same order,
 *   {"rc": 0, "weak": null, "states": ["shown", "primary", ...],
 *    "bounds": [null, [0, 15], [4, null], ...],
 *    "stats": {"primary": 1, ...}}
 * rc is the first non-zero code of add_cell, add_line or apply (states
 * and bounds then absent, weak the cell apply named for -EDOM). A bound is
 * [lo, hi] for a hidden cell, hi null when open; null for a shown or
 * partner-suppressed cell. Cells and lines go in exactly as given: what the
 * summary would leave out (a partner's "<5" in a sum) the test leaves out.
 *
 * Built with the tests only; it exits non-zero only when it cannot read or
 * write at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "disclosure.h"

static const char *const state_names[] = {"shown", "primary", "secondary",
                                          "source"};

static int cell_from_json(const json_t *o, struct disclosure_cell *c) {
  const json_t *f = json_object_get(o, "fixed");

  memset(c, 0, sizeof *c);
  if (!json_is_object(o) || !json_is_integer(json_object_get(o, "value")) ||
      !json_is_integer(json_object_get(o, "threshold")))
    return -EINVAL;
  c->value = json_integer_value(json_object_get(o, "value"));
  c->threshold = json_integer_value(json_object_get(o, "threshold"));
  c->protection = json_integer_value(json_object_get(o, "protection"));
  if (json_is_true(json_object_get(o, "source")))
    c->flags |= DISCLOSURE_CELL_SOURCE;
  if (json_is_true(json_object_get(o, "headline")))
    c->flags |= DISCLOSURE_CELL_HEADLINE;
  if (f == NULL || json_is_null(f))
    return 0;
  c->flags |= DISCLOSURE_CELL_FIXED;
  if (json_is_string(f) && strcmp(json_string_value(f), "shown") == 0)
    c->state = DISCLOSURE_SHOWN;
  else if (json_is_string(f) &&
           strcmp(json_string_value(f), "hidden_primary") == 0)
    c->state = DISCLOSURE_PRIMARY;
  else if (json_is_string(f) &&
           strcmp(json_string_value(f), "hidden_secondary") == 0)
    c->state = DISCLOSURE_SECONDARY;
  else
    return -EINVAL;
  return 0;
}

static int line_to_module(struct disclosure *d, const json_t *o) {
  const json_t *members = json_object_get(o, "members");
  const json_t *total = json_object_get(o, "total");
  size_t n = json_array_size(members), *m;
  int rc = 0;

  if (!json_is_array(members) || !json_is_integer(total) ||
      json_integer_value(total) < 0)
    return -EINVAL;
  if ((m = malloc((n + 1) * sizeof *m)) == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const json_t *v = json_array_get(members, i);

    if (!json_is_integer(v) || json_integer_value(v) < 0)
      rc = -EINVAL;
    else
      m[i] = (size_t)json_integer_value(v);
  }
  if (rc == 0)
    rc = disclosure_add_line(d, m, n, (size_t)json_integer_value(total));
  free(m);
  return rc;
}

static json_t *stats_json(const struct disclosure_stats *s) {
  return json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "primary", (json_int_t)s->primary,
      "secondary", (json_int_t)s->secondary, "audit", (json_int_t)s->audit,
      "source", (json_int_t)s->source, "determined", (json_int_t)s->determined,
      "lps", (json_int_t)s->lps, "rounds", (json_int_t)s->rounds);
}

/* The answer for one table: the module's verdict, or why it gave none. */
static json_t *run(const json_t *table) {
  const json_t *cells = json_object_get(table, "cells");
  const json_t *lines = json_object_get(table, "lines");
  struct disclosure_stats st = {0};
  struct disclosure *d = NULL;
  json_t *out = NULL, *states, *bounds;
  size_t i, n_cells = json_array_size(cells);
  int rc;

  if (!json_is_object(table) || !json_is_array(cells) ||
      (lines != NULL && !json_is_array(lines)))
    return json_pack("{s:i, s:s}", "rc", -EINVAL, "error", "not a table");
  if ((rc = disclosure_new(&d)) != 0)
    return json_pack("{s:i}", "rc", rc);
  for (i = 0; i < n_cells && rc == 0; i++) {
    struct disclosure_cell c;
    size_t id;

    if ((rc = cell_from_json(json_array_get(cells, i), &c)) == 0)
      rc = disclosure_add_cell(d, &c, &id);
  }
  for (i = 0; i < json_array_size(lines) && rc == 0; i++)
    rc = line_to_module(d, json_array_get(lines, i));
  if (rc == 0)
    rc = disclosure_apply(
        d, json_is_true(json_object_get(table, "suppress_zeros")), &st);
  if (rc != 0) {
    size_t w = disclosure_weak(d);

    out = json_pack("{s:i, s:o, s:o}", "rc", rc, "weak",
                    w == SIZE_MAX ? json_null() : json_integer((json_int_t)w),
                    "stats", stats_json(&st));
    goto out;
  }
  states = json_array();
  bounds = json_array();
  for (i = 0; i < n_cells; i++) {
    enum disclosure_state s = disclosure_state(d, i);
    int64_t lo, hi;

    (void)json_array_append_new(states, json_string(state_names[s]));
    if (disclosure_bounds(d, i, &lo, &hi) == 0)
      (void)json_array_append_new(
          bounds, json_pack("[I, o]", (json_int_t)lo,
                            hi == INT64_MAX ? json_null()
                                            : json_integer((json_int_t)hi)));
    else
      (void)json_array_append_new(bounds, json_null());
  }
  out = json_pack("{s:i, s:n, s:o, s:o, s:o}", "rc", 0, "weak", "states",
                  states, "bounds", bounds, "stats", stats_json(&st));
out:
  disclosure_free(d);
  return out;
}

int main(void) {
  char *buf = NULL;
  size_t cap = 0;
  ssize_t len;

  while ((len = getline(&buf, &cap, stdin)) > 0) {
    json_error_t je;
    json_t *table = json_loadb(buf, (size_t)len, 0, &je), *out;
    char *text;

    if (table == NULL)
      out = json_pack("{s:i, s:s}", "rc", -EINVAL, "error", je.text);
    else
      out = run(table);
    json_decref(table);
    text = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (text == NULL) {
      fprintf(stderr, "disclosure_driver: out of memory\n");
      free(buf);
      return 1;
    }
    if (puts(text) == EOF) {
      free(text);
      free(buf);
      return 1;
    }
    free(text);
  }
  free(buf);
  return ferror(stdin) || fflush(stdout) == EOF ? 1 : 0;
}
