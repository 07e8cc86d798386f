/*
 * ingest_int.h: what the files of one ingest share: ingest.c (the job),
 * ingest_host.c (the file's context and the host the plugin calls) and
 * ingest_report.c (the notes beside a settled file). Not for any other
 * module: the surface is ingest.h.
 */
#ifndef DAHUB_INGEST_INT_H
#define DAHUB_INGEST_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ingest.h"
#include "validate.h"

/* The warnings of a file kept for its report, the store and the note in
 * done/; those beyond are counted (n_warnings), not kept. */
#define MAX_WARNINGS 100

struct pseudonym;

/* One file's run: what the plugin's host calls reach through ctx. */
struct dahub_ctx {
  const struct ingest_env *env;
  const struct ingest_feed *feed;
  struct dahub_input in;
  int fd;
  EVP_MD_CTX *sha;
  uint64_t bytes;
  /* Why the hub asked the plugin to stop, or 0. Atomic: read() may run on
   * a thread of the plugin's while emit() runs on the worker thread. */
  atomic_int stop;
  int read_error; /* a read() failure, or 0 */
  int in_txn;     /* a store transaction is open */
  uint64_t n_obs;
  uint64_t n_records;
  struct dahub_error *errors; /* up to env->max_errors */
  unsigned n_errors;
  struct dahub_error *warnings; /* up to MAX_WARNINGS */
  unsigned n_warnings;          /* all of them, kept or not */
  unsigned n_warning_cells;     /* ... of which name a cell (row, column) */
  struct dahub_error store_err;
  struct pseudonym *pseudonym; /* made on first use */
  struct validated v;
  struct validate_memo *memo; /* the file's breakdowns, built once each */
  char sheet[128]; /* a workbook's sheet being read (host->sheet), or "" */
};

/* The host lent to the plugin for parse(), over a struct dahub_ctx. */
extern const struct dahub_host ingest_host;

/* Sets up ctx for one file of f: hash, error lists, the feed's pseudonym
 * key. 0 or -ENOMEM; ingest_ctx_close() either way. */
int ingest_ctx_init(struct dahub_ctx *ctx, const struct ingest_env *env,
                    const struct ingest_feed *f);
void ingest_ctx_close(struct dahub_ctx *ctx);

/* Keeps e among the file's errors (the first max_errors) and shows it to a
 * dry run; about a cell of a workbook, e names its sheet and cell. */
void ingest_record_error(struct dahub_ctx *ctx, const struct dahub_error *e);

/* Reads what the plugin left unread, so the hash covers the whole file.
 * 0, or a read error. */
int ingest_drain(struct dahub_ctx *ctx);

/* dir/<final_name>.error.json: the first error at the top, then all, and
 * the warnings. 0 or a negative code. */
int ingest_write_report(const struct dahub_ctx *ctx, const char *dir,
                        const char *final_name, const char *sha256);
/* The warnings ctx kept, as the store keeps them and the note in done/
 * lists them: a JSON array of {"line", "column", "message"}, line and
 * column left out where a warning names none. NULL: out of memory. */
json_t *ingest_warnings_json(const struct dahub_ctx *ctx);
/* Keeps ctx's warnings with the open ingest (store_ingest_warnings()),
 * when there are any. 0, or a store code with err. */
int ingest_keep_warnings(const struct dahub_ctx *ctx, struct dahub_error *err);
/* done/<final_name>.warnings.json: the warnings of a stored file, count of
 * them all and kept (a JSON array as ingest_warnings_json() makes), listed;
 * how many are not listed when count is more. 0 or a negative code. */
int ingest_write_warnings(const struct ingest_feed *f, const char *final_name,
                          const char *sha256, int64_t ingest_id, unsigned count,
                          const json_t *kept);
/* done/<final_name>.duplicate.json: which stored file this one repeats. */
int ingest_write_duplicate_note(const struct ingest_feed *f,
                                const char *final_name, const char *sha256,
                                const struct store_match *m);

#endif
