/*
 * test_mapped_host.h: what the mapped plugin's tests share, around the
 * fake host of tests/support/fake_host.h (which the fuzz targets use too):
 * cmocka setup, opening a mapping and parsing a file under the host, and
 * finding what the plugin handed over. Mappings are written as the JSON
 * an officer would put in feeds.d/, and the real sample returns are read
 * where they exist.
 */
#ifndef TEST_MAPPED_HOST_H
#define TEST_MAPPED_HOST_H

#include <stddef.h>

#include "dahub/plugin.h"

#include "fake_host.h"

extern const struct dahub_plugin dahub_plugin_v1;

int fake_setup(void **state);
int fake_teardown(void **state);
/* Empties ctx for a second parse in the same test. */
void fake_reset(struct dahub_ctx *ctx);

/* open() on a JSON text; returns open's code. */
int open_mapping(const char *json, void **plugin_state,
                 struct dahub_error *err);
/* open, parse data under host (NULL: fake_host), close. */
enum dahub_outcome parse_with(struct dahub_ctx *ctx,
                              const struct dahub_host *host, const char *json,
                              const char *data, size_t len,
                              struct dahub_error *err);
enum dahub_outcome parse_bytes(struct dahub_ctx *ctx, const char *json,
                               const char *data, size_t len,
                               struct dahub_error *err);
enum dahub_outcome parse_text(struct dahub_ctx *ctx, const char *json,
                              const char *csv, struct dahub_error *err);
/* Asserts that open() fails with exactly this message. */
void expect_open_error(const char *json, const char *msg);

/* A sample return from shared/domain/samples, read whole; caller frees. */
char *read_sample(const char *name, size_t *len);

/* The "options" of conf/feeds.d/<feed>.json, as JSON text; caller frees.
 * Tests of the real feeds read their mapping from there. */
char *feed_options(const char *feed);
/* A bundled demo return, spool/<feed>/sample/<name>; caller frees. */
char *read_spool_sample(const char *feed, const char *name, size_t *len);

/* The first warning whose message contains text, or NULL. */
const struct got_warning *find_warning(const struct dahub_ctx *ctx,
                                       const char *text);

/* The observation for area, measure, period (NULL: any) and dims (NULL:
 * any; "" none); fails the test if there is none. */
const struct got *find(const struct dahub_ctx *ctx, const char *area,
                       const char *measure, const char *period);
const struct got *find_dims(const struct dahub_ctx *ctx, const char *area,
                            const char *measure, const char *period,
                            const char *dims);
/* How many observations match (same arguments; NULL matches any). */
size_t count_obs(const struct dahub_ctx *ctx, const char *area,
                 const char *measure, const char *period, const char *dims);

#endif
