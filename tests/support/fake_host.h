/*
 * fake_host.h: the hub's side of a source plugin's parse(), without the hub
 * (collectd's plugin_mock.c is the idea). The mapped plugin's unit tests
 * and its fuzz targets both run the plugin under this one host.
 *
 * It serves the file through in->read in chunks (so records straddle
 * reads, as they do with real files), checks what the plugin hands it
 * (every string readable and terminated, fields in range, nothing after
 * the host said stop; a broken rule aborts, naming it), and by default
 * copies every observation, warning and record (the plugin only lends its
 * strings) for a test to look at. A fuzz target sets count_only: then it
 * only counts. pseudonymise() is a stand-in for the hub's HMAC.
 */
#ifndef DAHUB_TEST_FAKE_HOST_H
#define DAHUB_TEST_FAKE_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dahub/plugin.h"

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

/* The hub's ctx is opaque to plugins; here it is the fake host's record.
 * All zero is a host that keeps copies and never says stop. */
struct dahub_ctx {
  int count_only; /* 1: count what is handed over, keep no copy */
  size_t stop_at; /* emit()/emit_record() say stop at this call; 0: never */
  int period_ids; /* every period must be a canonical id */
  int no_key;     /* pseudonymise() answers -ENOKEY */
  int stopped;    /* the host said stop: nothing may follow */
  struct got obs[MAX_OBS];
  size_t n; /* observations handed over */
  struct got_warning warn[MAX_WARN];
  size_t n_warn;
  struct got_record rec[MAX_REC];
  size_t n_rec;
  atomic_size_t n_pseudo;           /* calls to pseudonymise() */
  atomic_size_t n_pseudo_elsewhere; /* ... on a thread not parse()'s */
  pthread_t parse_thread;
  char seen[4096];  /* every text the plugin handed over, ';'-joined */
  char notes[2048]; /* every note, one a line (cut when full) */
  char sheet[128];  /* the sheet the plugin said it reads, or "" */
  size_t seen_len;
};

/* Frees the copies ctx keeps and empties it, keeping count_only. */
void fake_ctx_clear(struct dahub_ctx *ctx);

/* The file as the hub lends it. With seed 0, FAKE_CHUNK bytes a read;
 * else 1..max_chunk bytes (0: as much as asked) in an order seed picks. */
#define FAKE_CHUNK 7
struct fake_input {
  struct dahub_input in; /* first: the plugin hands it back */
  const char *data;
  size_t len, pos, max_chunk;
  uint32_t seed;
};
ssize_t fake_read(struct dahub_input *in, void *buf, size_t cap);

/* The whole host, and one from before emit_record existed. */
extern const struct dahub_host fake_host;
extern const struct dahub_host fake_host_no_records;

/* Runs plugin.parse(state) under fake_host over len bytes of data, served
 * as fake_input says, with the hub's max_line_bytes (0: the plugin's
 * default); checks the outcome (OK or FAIL, FAIL says why) and returns
 * it. For fuzzing, where no RETRY is expected. */
enum dahub_outcome fake_parse(const struct dahub_plugin *plugin, void *state,
                              struct dahub_ctx *ctx, const uint8_t *data,
                              size_t len, size_t max_chunk, uint32_t seed,
                              uint32_t max_line);

/* FNV-1a of the input, to derive choices from it. */
uint32_t fake_hash(const uint8_t *data, size_t len);

#endif
