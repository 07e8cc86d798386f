/*
 * pull_int.h: what the files of the pulls share: pull.c (the schedule and
 * what a fetch's outcome means) and pull_fetch.c (one fetch: the request,
 * the body, handing it to the spool). Not for any other module.
 */
#ifndef DAHUB_PULL_INT_H
#define DAHUB_PULL_INT_H

#include <limits.h>
#include <stdint.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "pull.h"
#include "transfers.h"

struct fetch;

struct pull_feed {
  struct pulls *p;
  char name[CONFIG_NAME_MAX + 1];
  const struct pull_conf *conf; /* the current configuration's */
  char incoming[PATH_MAX];
  uv_timer_t timer;
  struct fetch *running;
  unsigned failures; /* in a row, for the retry delay */
  int stale_logged, removed;
  /* the last body handed to the spool: the same again is unchanged, even
   * before the ingest has read it (and its hash reached the store) */
  char last_sha[65];
  struct pull_feed *next;
};

struct fetch {
  struct pull_feed *f;
  CURL *easy;
  struct curl_slist *headers;
  char *secret;
  int fd;
  char part[PATH_MAX + 96];
  char url[512]; /* for the log and provenance: no query, no credentials */
  char etag[256], last_modified[64];
  uint64_t bytes, max_bytes;
  int too_big, write_failed;
  int framed; /* the body's end was announced: its length, or chunks */
  EVP_MD_CTX *sha;
  int64_t started_ms;
  char error[CURL_ERROR_SIZE];
};

struct pulls {
  uv_loop_t *loop;
  struct store *st;
  struct transfers *xfers;
  struct pull_feed *feeds;
  int closing;
};

/* Starts a conditional GET of f's URL, its body into a file of its own
 * beside incoming/'s (pull_fetch.c); done runs when it ends. 0, or
 * negative with why. */
int pull_fetch_start(struct pull_feed *f, transfer_done_fn *done, char *why,
                     size_t whysz);
/* Frees x; a body not handed over is removed. */
void pull_fetch_free(struct fetch *x);
/* Moves x's checked body into incoming/ as name (size bytes) and records
 * its provenance (sha256, hex). 0 or negative errno. */
int pull_fetch_hand_over(struct fetch *x, const char *sha, char *name,
                         size_t size);

#endif
