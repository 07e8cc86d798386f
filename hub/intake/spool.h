/*
 * spool.h: claiming partner files from spool/<feed>/incoming.
 *
 * Loop thread only. A file is claimed once it has stopped changing for
 * settle_ms (SFTP writes in place), by rename() into work/; from then on it
 * is the claim callback's. Dotfiles and *.part / *.tmp names are uploads in
 * progress and are left alone; so is a folder. A symlink, FIFO, device or
 * socket is moved into failed/ with a report, never followed or opened.
 */
#ifndef DAHUB_SPOOL_H
#define DAHUB_SPOOL_H

#include <stdint.h>

#include <uv.h>

#include "ingest.h"

struct spool;

/* Called with a file just moved into f->work as work_name. */
typedef void (*spool_claim_fn)(void *arg, struct ingest_feed *f,
                               const char *work_name);
/* Called once a link, FIFO, device or socket has been moved into f->failed
 * with its report. */
typedef void (*spool_refused_fn)(void *arg, struct ingest_feed *f);

/* Fills f's folder paths under spool_dir/<feed> and creates them. 0, or a
 * negative errno with err naming the folder. */
int spool_prepare(struct ingest_feed *f, const char *spool_dir,
                  struct dahub_error *err);

/* Calls fn for each regular file left in f->work (recovery at start). */
int spool_each_work(const struct ingest_feed *f,
                    void (*fn)(void *arg, struct ingest_feed *f,
                               const char *name),
                    void *arg);

/* Starts watching f's incoming folder. OUT: stop with spool_stop(). */
int spool_start(uv_loop_t *loop, struct ingest_feed *f, uint64_t settle_ms,
                uint64_t rescan_ms, spool_claim_fn fn, spool_refused_fn refused,
                void *arg, struct spool **out);
/* Stops watching; the spool frees itself once its handles are closed. */
void spool_stop(struct spool *s);

/* 1 when a name is an upload in progress or hidden, never to be claimed. */
int spool_ignored_name(const char *name);

#endif
