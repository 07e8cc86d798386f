/*
 * test_mapped_host.h: the fake host the mapped plugin's tests run under.
 *
 * It plays the hub's part of parse(): it serves the file through in->read
 * in small chunks (so records straddle reads, as they do with real files),
 * copies every observation, warning and record the plugin hands it (the
 * plugin only lends its strings), and pseudonymises with a stand-in for
 * the hub's HMAC. Mappings are written as the JSON an officer would put in
 * feeds.d/, and the real sample returns are read where they exist.
 */
#ifndef TEST_MAPPED_HOST_H
#define TEST_MAPPED_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dahub/plugin.h"

extern const struct dahub_plugin dahub_plugin_v1;

#define MAX_OBS 512
#define MAX_WARN 64
#define MAX_REC 64

struct got {
  char *service_id, *area, *period, *measure, *raw;
  char dims[256]; /* "gender=Male;age=25-34", in the order emitted */
  enum dahub_status status;
  int64_t value, bound;
  uint8_t scale;
  uint32_t line, col;
};

struct got_warning {
  uint32_t line, col;
  char msg[256];
};

struct got_record {
  char kind[32];
  char fields[1024]; /* "provider=Freeva;end_date=2025-08-31" */
  uint32_t line;
};

/* The hub's ctx is opaque to plugins; here it is the fake host's record. */
struct dahub_ctx {
  struct got obs[MAX_OBS];
  size_t n;
  size_t stop_at; /* emit() says stop at this observation; 0: never */
  struct got_warning warn[MAX_WARN];
  size_t n_warn;
  struct got_record rec[MAX_REC];
  size_t n_rec;
  int no_key;                       /* pseudonymise() answers -ENOKEY */
  atomic_size_t n_pseudo;           /* calls to pseudonymise() */
  atomic_size_t n_pseudo_elsewhere; /* ... on a thread not parse()'s */
  pthread_t parse_thread;
  char seen[4096]; /* every text the plugin handed over, ';'-joined */
  size_t seen_len;
};

/* The file as the hub lends it: 7 bytes per read(). */
struct fake_input {
  struct dahub_input in;
  const char *data;
  size_t len, pos;
};
ssize_t fake_read(struct dahub_input *in, void *buf, size_t cap);

/* The whole host, and one from before emit_record existed. */
extern const struct dahub_host fake_host;
extern const struct dahub_host fake_host_no_records;

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
