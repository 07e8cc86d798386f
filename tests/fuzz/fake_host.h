/*
 * fake_host.h: the hub's side of a source plugin's parse(), for fuzzing.
 *
 * Like the fake host of tests/unit/test_mapped.c, but it keeps nothing: it
 * checks what the plugin hands it (every string readable and terminated,
 * fields in range, nothing after it said stop) and counts it.
 */
#ifndef DAHUB_FUZZ_FAKE_HOST_H
#define DAHUB_FUZZ_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "dahub/plugin.h"

struct dahub_ctx {
  size_t stop_at; /* emit() asks to stop at this call; 0: never */
  int period_ids; /* every period must be a canonical id */
  int stopped;    /* the host asked to stop: no call may follow */
  size_t n_obs, n_records, n_warn;
};

/* Runs plugin.parse(state) over len bytes of data, served in chunks of
 * 1..max_chunk bytes (0: as much as asked) in an order seed picks, with the
 * hub's max_line_bytes (0: the plugin's default). Checks the outcome and
 * returns it. */
enum dahub_outcome fake_parse(const struct dahub_plugin *plugin, void *state,
                              struct dahub_ctx *ctx, const uint8_t *data,
                              size_t len, size_t max_chunk, uint32_t seed,
                              uint32_t max_line);

/* FNV-1a of the input, to derive choices from it. */
uint32_t fake_hash(const uint8_t *data, size_t len);

#endif
