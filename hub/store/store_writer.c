/*
 * store_writer.c: a file's figures stored on a thread of their own, so
 * that parsing and checking the next rows overlaps SQLite's b-tree work.
 *
 * store_ingest_obs() copies each figure, its texts included, into the
 * batch being filled; a full batch goes to the writer thread, which looks
 * its keys up and inserts its rows, STORE_OBS_MANY to a statement, while
 * the ingest's thread fills the next. There are WRITER_BATCHES batches of fixed
 * size, made once per store: when all are queued the ingest's thread waits, so
 * memory stays bounded whatever the file, and nothing is allocated per figure.
 *
 * The connection is the writer's from the first batch it takes until
 * store_writer_finish() or store_writer_abandon() has joined it; the
 * ingest's thread touches the connection only when the writer is not
 * running (a file of one batch never starts it: finish writes that batch
 * itself). Still one transaction per file: the writer only inserts, the
 * ingest's thread began it and commits or rolls it back. The first error
 * of the writer is kept and answered to the next store_ingest_obs(), and
 * to finish; the batches after it are dropped, as the file is rolled back.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WRITER_BATCH 1024u      /* figures a batch */
#define WRITER_TEXT (48u << 10) /* their texts */
#define WRITER_BATCHES 4
#define FIG_TEXTS 7 /* period, area, measure, unit, service, breakdown, raw */
#define NO_TEXT UINT32_MAX

struct writer_fig {
  int64_t value, bound;
  uint32_t line, col;
  int32_t scale;
  int32_t status;
  uint32_t text[FIG_TEXTS]; /* offsets into the batch's text, or NO_TEXT */
};

struct writer_batch {
  size_t n, used;
  struct writer_fig fig[WRITER_BATCH];
  char text[WRITER_TEXT];
};

struct store_writer {
  pthread_mutex_t mu;
  pthread_cond_t queued_cv, free_cv;
  pthread_t thread;
  int running;
  int busy; /* the thread is writing a batch */
  int done; /* no more batches will come */
  int rc;   /* the first error, or 0 */
  struct dahub_error err;
  struct writer_batch *fill; /* the batch being filled, or NULL */
  struct writer_batch *queue[WRITER_BATCHES], *spare[WRITER_BATCHES];
  size_t n_queue, n_spare;
  struct writer_batch batches[WRITER_BATCHES];
};

int store_writer_new(struct store_writer **out) {
  struct store_writer *w = calloc(1, sizeof *w);

  *out = NULL;
  if (w == NULL)
    return -ENOMEM;
  if (pthread_mutex_init(&w->mu, NULL) != 0) {
    free(w);
    return -ENOMEM;
  }
  if (pthread_cond_init(&w->queued_cv, NULL) != 0 ||
      pthread_cond_init(&w->free_cv, NULL) != 0) {
    /* a condition variable that failed to initialise holds nothing */
    pthread_mutex_destroy(&w->mu);
    free(w);
    return -ENOMEM;
  }
  for (size_t i = 0; i < WRITER_BATCHES; i++)
    w->spare[w->n_spare++] = &w->batches[i];
  *out = w;
  return 0;
}

void store_writer_free(struct store_writer *w) {
  if (w == NULL)
    return;
  pthread_cond_destroy(&w->queued_cv);
  pthread_cond_destroy(&w->free_cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

/* A figure of batch b as the store's insert takes it. */
static void fig_obs(const struct writer_batch *b, const struct writer_fig *f,
                    struct store_obs *o) {
  const char *t[FIG_TEXTS];

  for (int i = 0; i < FIG_TEXTS; i++)
    t[i] = f->text[i] == NO_TEXT ? NULL : b->text + f->text[i];
  *o = (struct store_obs){.period = t[0],
                          .area_code = t[1],
                          .measure_id = t[2],
                          .unit = t[3],
                          .service_id = t[4],
                          .dimensions = t[5],
                          .raw = t[6],
                          .status = (enum dahub_status)f->status,
                          .value = f->value,
                          .scale = f->scale,
                          .bound = f->bound,
                          .line = f->line,
                          .col = f->col};
}

/* Inserts every figure of b, STORE_OBS_MANY a statement and the rest one
 * by one; the first error stops it. */
static int write_batch(struct store *st, const struct writer_batch *b,
                       struct dahub_error *err) {
  struct store_obs o[STORE_OBS_MANY];
  size_t i = 0;
  int rc;

  for (; i + STORE_OBS_MANY <= b->n; i += STORE_OBS_MANY) {
    for (size_t k = 0; k < STORE_OBS_MANY; k++)
      fig_obs(b, &b->fig[i + k], &o[k]);
    if ((rc = store_obs_insert_many(st, o, err)) != 0)
      return rc;
  }
  for (; i < b->n; i++) {
    fig_obs(b, &b->fig[i], &o[0]);
    if ((rc = store_obs_insert(st, &o[0], err)) != 0)
      return rc;
  }
  return 0;
}

static void *writer_main(void *arg) {
  struct store *st = arg;
  struct store_writer *w = st->writer;
  struct dahub_error err = {0};

  (void)pthread_mutex_lock(&w->mu);
  for (;;) {
    struct writer_batch *b;
    int rc = 0;

    while (w->n_queue == 0 && !w->done)
      (void)pthread_cond_wait(&w->queued_cv, &w->mu);
    if (w->n_queue == 0)
      break; /* done, and every batch written */
    b = w->queue[0];
    memmove(w->queue, w->queue + 1, --w->n_queue * sizeof *w->queue);
    w->busy = 1;
    if (w->rc == 0) {
      (void)pthread_mutex_unlock(&w->mu);
      rc = write_batch(st, b, &err);
      (void)pthread_mutex_lock(&w->mu);
      if (rc != 0 && w->rc == 0) {
        w->rc = rc;
        w->err = err;
      }
    }
    b->n = b->used = 0;
    w->spare[w->n_spare++] = b;
    w->busy = 0;
    (void)pthread_cond_broadcast(&w->free_cv);
  }
  (void)pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Hands the batch being filled to the thread (started on the first),
 * and takes a spare one, waiting for it if none is free. Under w->mu. */
static int hand_over(struct store *st, struct store_writer *w,
                     struct dahub_error *err) {
  if (!w->running) {
    if (pthread_create(&w->thread, NULL, writer_main, st) != 0)
      return dahub_error_set(err, -EAGAIN, 0, 0,
                             "store: cannot start the writer thread");
    w->running = 1;
  }
  w->queue[w->n_queue++] = w->fill;
  w->fill = NULL;
  (void)pthread_cond_signal(&w->queued_cv);
  while (w->n_spare == 0)
    (void)pthread_cond_wait(&w->free_cv, &w->mu);
  w->fill = w->spare[--w->n_spare];
  return 0;
}

/* Copies s into b's text: 0 with *off, or -1 when it does not fit. */
static int put_text(struct writer_batch *b, const char *s, uint32_t *off) {
  size_t len;

  if (s == NULL) {
    *off = NO_TEXT;
    return 0;
  }
  len = strlen(s) + 1;
  if (len > WRITER_TEXT - b->used)
    return -1;
  memcpy(b->text + b->used, s, len);
  *off = (uint32_t)b->used;
  b->used += len;
  return 0;
}

static int put_fig(struct writer_batch *b, const struct store_obs *o) {
  const char *t[FIG_TEXTS] = {o->period, o->area_code,  o->measure_id,
                              o->unit,   o->service_id, o->dimensions,
                              o->raw};
  struct writer_fig *f = &b->fig[b->n];
  size_t used = b->used;

  for (int i = 0; i < FIG_TEXTS; i++)
    if (put_text(b, t[i], &f->text[i]) != 0) {
      b->used = used;
      return -1;
    }
  f->value = o->value;
  f->bound = o->bound;
  f->line = o->line;
  f->col = o->col;
  f->scale = o->scale;
  f->status = (int32_t)o->status;
  b->n++;
  return 0;
}

/* Waits until the thread has written everything queued. Under w->mu. */
static void drain(struct store_writer *w) {
  while (w->n_queue > 0 || w->busy)
    (void)pthread_cond_wait(&w->free_cv, &w->mu);
}

int store_writer_put(struct store *st, const struct store_obs *o,
                     struct dahub_error *err) {
  struct store_writer *w = st->writer;
  int rc = 0;

  (void)pthread_mutex_lock(&w->mu);
  if (w->rc != 0) {
    *err = w->err;
    rc = w->rc;
    goto out;
  }
  if (w->fill == NULL)
    w->fill = w->spare[--w->n_spare];
  if (w->fill->n < WRITER_BATCH && put_fig(w->fill, o) == 0)
    goto out;
  if (w->fill->n > 0 && (rc = hand_over(st, w, err)) != 0)
    goto out;
  if (put_fig(w->fill, o) != 0) {
    /* texts larger than a whole batch: written here, once the thread has
     * written everything before it and left the connection */
    drain(w);
    if (w->rc != 0) {
      *err = w->err;
      rc = w->rc;
    } else {
      rc = store_obs_insert(st, o, err);
    }
  }
out:
  (void)pthread_mutex_unlock(&w->mu);
  return rc;
}

int store_writer_drain(struct store *st, struct dahub_error *err) {
  struct store_writer *w = st->writer;
  int rc;

  (void)pthread_mutex_lock(&w->mu);
  drain(w);
  if ((rc = w->rc) != 0)
    *err = w->err;
  (void)pthread_mutex_unlock(&w->mu);
  return rc;
}

/* Stops the thread after what is queued (dropped when abandon) and joins
 * it; the batch being filled is written here unless abandoned. */
static int stop(struct store *st, int abandon, struct dahub_error *err) {
  struct store_writer *w = st->writer;
  struct writer_batch *b;
  int rc;

  (void)pthread_mutex_lock(&w->mu);
  if (abandon && w->rc == 0)
    w->rc = -ECANCELED; /* the thread drops what is still queued */
  w->done = 1;
  (void)pthread_cond_signal(&w->queued_cv);
  (void)pthread_mutex_unlock(&w->mu);
  if (w->running)
    (void)pthread_join(w->thread, NULL);
  w->running = 0;
  w->done = 0;
  b = w->fill;
  w->fill = NULL;
  rc = w->rc;
  if (rc != 0 && !abandon)
    *err = w->err;
  if (rc == 0 && b != NULL)
    rc = write_batch(st, b, err);
  if (b != NULL) {
    b->n = b->used = 0;
    w->spare[w->n_spare++] = b;
  }
  w->rc = 0;
  return rc;
}

int store_writer_finish(struct store *st, struct dahub_error *err) {
  return stop(st, 0, err);
}

void store_writer_abandon(struct store *st) { (void)stop(st, 1, NULL); }
