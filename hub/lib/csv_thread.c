/*
 * csv_thread.c: the CSV reader's threaded mode.
 *
 * A parser spends most of its time on its own work per record; reading,
 * hashing (the host does it inside read()) and tokenizing can run beside it
 * on the second core. Here a producer thread runs the inline reader
 * (csv_read_record) and copies each record into a batch: one arena per
 * batch holding, per record, a header, the fields' offsets (2 or 4 bytes
 * each) and the field text with its NULs. The caller's thread, in
 * dahub_csv_next(), walks the batch and lends those records, the text
 * where it lies, the pointers and lengths of struct dahub_csv_row made
 * from the offsets in arrays of its own. Pointers and lengths in the
 * batch took 16 bytes a field: twice the text of a typical record, all of
 * it written on one core and read on the other.
 *
 * CSV_BATCHES batches go round a ring. The consumer holds the one it
 * reads, and gives it back only when it asks for the record after its last
 * one, since the last record it returned stays borrowed until then. The
 * producer fills the next free batch and waits when there is none: memory
 * is the ring, never the file. A record that does not fit what is left of a
 * batch starts the next one; one that does not fit an empty batch grows its
 * arena, so any record the reader accepts fits, and pointers into an arena
 * never move while it holds records. 1 MiB is thousands of records, so
 * the hand-over (a lock, now and then a wake-up) is rare; of 4 batches,
 * the caller reads one, the producer fills one, and two absorb the jitter
 * of either side. Batches of 256 KiB absorbed too little: a few
 * milliseconds of work, while either thread's pace on a shared machine
 * varies over longer spells, and each waited for the other a fifth of the
 * time.
 *
 * The batch that ends the input carries the end: 0, or the reader's error
 * code and err, which the consumer reports after that batch's records, and
 * after an error the same code on every later call, as the inline reader
 * does. The producer then exits. dahub_csv_free() may come first: it sets
 * stop, which the producer sees before its next record or while it waits
 * for a free batch, and joins it.
 *
 * A record's entry also holds what prepare() (struct dahub_csv_fast) wrote
 * for it, between the offsets and the text: the producer calls it as it
 * adds the record, and the consumer lends it out as row->prepared. When
 * the producer takes a batch while at most two are published and not yet
 * handed back, the consumer will soon be waiting: the producer is the
 * slower, and every record of that batch goes to prepare() with hurry
 * set. When the consumer
 * is the slower, the ring is full at each take. (At most one left the
 * consumer waiting a quarter of the time on a case-level file: by the
 * time a batch was awaited, it was too late to shed the work.)
 *
 * Locking: mu guards produced, given and changes to stop; a batch belongs
 * to the producer from its take until it is published, then to the
 * consumer until given back, so its contents need no lock. Once started,
 * the producer alone touches the reader, and so calls read().
 */
#include "csv_thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CSV_BATCHES 4
#define CSV_BATCH_BYTES ((size_t)1024 * 1024)
#define CSV_ALIGN alignof(max_align_t)

/* A record in an arena, followed by n offsets (from the text's start, of
 * each field: 2 bytes each when the text is shorter than 64 KiB, as it
 * nearly always is, else 4), padding to 8, the prepared bytes and the
 * text; size rounds it all up to CSV_ALIGN, where the next one starts.
 * The reader's limits (2^28 bytes a line, 2^20 fields) keep each number
 * in 32 bits. Most of what crosses from one core to the other is records:
 * a head and offsets of 8 bytes each took more room than the text. */
struct csv_rec {
  uint32_t size;
  uint32_t n;    /* fields, with the REC_ flags above them */
  uint32_t text; /* bytes of text, NULs included */
  uint32_t line;
};

#define REC_PREPARED (1u << 31) /* prepare() wrote the bytes after offsets */
#define REC_SHORT (1u << 30)    /* offsets of 2 bytes */
#define REC_FIELDS (REC_SHORT - 1)

#define CSV_REC_HEAD                                                           \
  ((sizeof(struct csv_rec) + CSV_ALIGN - 1) / CSV_ALIGN * CSV_ALIGN)

struct csv_batch {
  char *arena;
  size_t cap, used;
  int end; /* the last batch: rc (0 or an error) and err end the input */
  int rc;
  struct dahub_error err;
};

struct csv_thread {
  struct dahub_csv *r; /* the producer's alone */
  int (*prepare)(void *arg, const struct dahub_csv_row *row, int hurry,
                 void *out);
  void *prepare_arg;
  size_t prep; /* the room for prepare's bytes in an entry, or 0 */
  pthread_t tid;
  pthread_mutex_t mu;
  pthread_cond_t filled;   /* a batch was published, or stop */
  pthread_cond_t released; /* a batch was handed back, or stop */
  unsigned long produced;  /* batches published so far */
  unsigned long given;     /* batches handed back so far */
  atomic_int stop;         /* free() wants the producer gone */
  int hurry;               /* the producer's: the batch it fills is awaited */
  struct csv_batch b[CSV_BATCHES];

  /* The consumer's alone. */
  struct csv_batch *cur; /* the batch being read, or NULL */
  size_t pos;            /* the next record in it */
  int failed;            /* the error already reported, or 0 */
  const char **field;    /* the lent record's pointers and lengths */
  size_t *len;
  size_t cap; /* entries in both */
};

/* The room of n offsets, padded so that what follows is aligned to 8. */
static size_t offsets_size(size_t n, int narrow) {
  return (n * (narrow ? sizeof(uint16_t) : sizeof(uint32_t)) + 7) / 8 * 8;
}

/* Offset i of an entry's offsets. */
static inline size_t offset_at(const void *offs, int narrow, size_t i) {
  return narrow ? ((const uint16_t *)offs)[i] : ((const uint32_t *)offs)[i];
}

/* The room an entry takes: header, offsets, prepared bytes, text, padding. */
static size_t rec_size(size_t n, size_t prep, size_t text) {
  size_t k = CSV_REC_HEAD + offsets_size(n, text <= UINT16_MAX) + prep + text;

  return (k + CSV_ALIGN - 1) / CSV_ALIGN * CSV_ALIGN;
}

/* Makes an empty batch's arena hold need bytes: nothing points into it
 * yet, so it may move. */
static int batch_grow(struct csv_batch *b, size_t need, uint32_t line,
                      struct dahub_error *err) {
  size_t cap = need > CSV_BATCH_BYTES ? need : CSV_BATCH_BYTES;
  char *p = realloc(b->arena, cap);

  if (p == NULL)
    return dahub_error_set(err, -ENOMEM, line, 0, "csv: out of memory");
  b->arena = p;
  b->cap = cap;
  return 0;
}

/* Copies row into b, and prepares it. 1: stored; 0: b is full, with at
 * least one record; -ENOMEM. */
static int batch_add(const struct csv_thread *t, struct csv_batch *b,
                     const struct dahub_csv_row *row, struct dahub_error *err) {
  const char *text = row->field[0];
  size_t bytes = (size_t)(row->field[row->n - 1] - text) +
                 row->len[row->n - 1] + 1; /* csv_read_record lays them so */
  size_t need = rec_size(row->n, t->prep, bytes), i;
  int narrow = bytes <= UINT16_MAX;
  struct csv_rec *rec;
  char *off, *prep, *to;
  int rc;

  if (need > b->cap - b->used) {
    if (b->used > 0)
      return 0;
    if ((rc = batch_grow(b, need, row->line, err)) != 0)
      return rc;
  }
  rec = (struct csv_rec *)(void *)(b->arena + b->used);
  off = (char *)rec + CSV_REC_HEAD;
  prep = off + offsets_size(row->n, narrow);
  to = prep + t->prep;
  rec->size = (uint32_t)need;
  rec->n = (uint32_t)row->n | (narrow ? REC_SHORT : 0);
  rec->text = (uint32_t)bytes;
  rec->line = row->line;
  if (t->prepare != NULL &&
      t->prepare(t->prepare_arg, row, t->hurry, prep) == 1)
    rec->n |= REC_PREPARED;
  memcpy(to, text, bytes);
  if (narrow)
    for (i = 0; i < row->n; i++)
      ((uint16_t *)(void *)off)[i] = (uint16_t)(row->field[i] - text);
  else
    for (i = 0; i < row->n; i++)
      ((uint32_t *)(void *)off)[i] = (uint32_t)(row->field[i] - text);
  b->used += need;
  return 1;
}

/* Waits for a free batch; NULL once stop is set. */
static struct csv_batch *producer_take(struct csv_thread *t) {
  struct csv_batch *b = NULL;

  pthread_mutex_lock(&t->mu);
  while (!atomic_load(&t->stop) && t->produced - t->given >= CSV_BATCHES)
    pthread_cond_wait(&t->released, &t->mu);
  if (!atomic_load(&t->stop))
    b = &t->b[t->produced % CSV_BATCHES];
  t->hurry = t->produced - t->given <= 2;
  pthread_mutex_unlock(&t->mu);
  return b;
}

static void producer_publish(struct csv_thread *t) {
  pthread_mutex_lock(&t->mu);
  t->produced++;
  pthread_cond_signal(&t->filled);
  pthread_mutex_unlock(&t->mu);
}

/* Fills b with records. 1: b is full and row holds the next record, read
 * but not stored (*have); 0: the input ended, as b->rc says. */
static int batch_fill(struct csv_thread *t, struct csv_batch *b,
                      struct dahub_csv_row *row, int *have) {
  int rc;

  b->used = 0;
  b->rc = 0;
  for (;;) {
    if (!*have) {
      /* Checked per record, so free() waits for one record, not a batch. */
      if (atomic_load_explicit(&t->stop, memory_order_relaxed)) {
        b->rc = -ECANCELED; /* nobody is left to read it */
        return 0;
      }
      if ((rc = csv_read_record(t->r, row, &b->err)) != 1) {
        b->rc = rc;
        return 0;
      }
      *have = 1;
    }
    if ((rc = batch_add(t, b, row, &b->err)) == 0)
      return 1;
    if (rc < 0) {
      b->rc = rc;
      return 0;
    }
    *have = 0;
  }
}

static void *producer_main(void *arg) {
  struct csv_thread *t = arg;
  struct dahub_csv_row row;
  struct csv_batch *b;
  int have = 0, more = 1;

  while (more && (b = producer_take(t)) != NULL) {
    more = batch_fill(t, b, &row, &have);
    b->end = !more;
    producer_publish(t);
  }
  return NULL;
}

int csv_thread_start(struct dahub_csv *r, struct csv_thread **out,
                     struct dahub_error *err) {
  struct csv_thread *t;
  sigset_t all, old;
  int rc;

  *out = NULL;
  if ((t = malloc(sizeof *t)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "csv: out of memory");
  memset(t, 0, sizeof *t);
  t->r = r;
  t->prepare = csv_fast(r)->prepare;
  t->prepare_arg = csv_fast(r)->prepare_arg;
  if (t->prepare != NULL) /* the text after it needs no alignment */
    t->prep = (csv_fast(r)->prepare_size + 7) / 8 * 8;
  atomic_init(&t->stop, 0);
  if (pthread_mutex_init(&t->mu, NULL) != 0)
    goto no_mu;
  if (pthread_cond_init(&t->filled, NULL) != 0)
    goto no_filled;
  if (pthread_cond_init(&t->released, NULL) != 0)
    goto no_released;
  /* Signals stay with the threads that expect them: the producer inherits
   * a mask that blocks them all. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&t->tid, NULL, producer_main, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == 0) {
    *out = t;
    return 0;
  }
  pthread_cond_destroy(&t->released);
no_released:
  pthread_cond_destroy(&t->filled);
no_filled:
  pthread_mutex_destroy(&t->mu);
no_mu:
  free(t);
  return 0; /* no thread: the caller reads inline */
}

/* Hands the batch being read back, then waits for the next one. */
static struct csv_batch *consumer_next_batch(struct csv_thread *t) {
  struct csv_batch *b;

  pthread_mutex_lock(&t->mu);
  if (t->cur != NULL) {
    t->given++;
    pthread_cond_signal(&t->released);
  }
  while (t->produced == t->given)
    pthread_cond_wait(&t->filled, &t->mu);
  b = &t->b[t->given % CSV_BATCHES];
  pthread_mutex_unlock(&t->mu);
  t->cur = b;
  t->pos = 0;
  return b;
}

/* Makes room for a record of n fields in the consumer's arrays. */
static __attribute__((noinline)) int consumer_grow(struct csv_thread *t,
                                                   size_t n, uint32_t line,
                                                   struct dahub_error *err) {
  size_t cap = t->cap ? t->cap : 16;

  while (cap < n)
    cap *= 2;
  if (csv_grow_row_arrays(&t->field, &t->len, cap) != 0) {
    t->failed = -ENOMEM;
    return dahub_error_set(err, -ENOMEM, line, 0, "csv: out of memory");
  }
  t->cap = cap;
  return 0;
}

int csv_thread_next(struct csv_thread *t, struct dahub_csv_fast_row *row,
                    struct dahub_error *err) {
  struct csv_batch *b = t->cur;
  const struct csv_rec *rec;
  const char *off, *prep, *text;
  size_t i, n;
  int narrow, rc;

  if (t->failed)
    return dahub_error_set(err, t->failed, 0, 0,
                           "the CSV reader stopped at an earlier error");
  if (b == NULL || (t->pos == b->used && !b->end))
    b = consumer_next_batch(t);
  if (t->pos == b->used) { /* only the last batch runs out */
    if (b->rc == 0)
      return 0;
    t->failed = b->rc;
    if (err != NULL) /* whole: its detail and code too */
      *err = b->err;
    return b->rc;
  }
  rec = (const struct csv_rec *)(void *)(b->arena + t->pos);
  n = rec->n & REC_FIELDS;
  narrow = (rec->n & REC_SHORT) != 0;
  if (n > t->cap && (rc = consumer_grow(t, n, rec->line, err)) != 0)
    return rc;
  off = (const char *)rec + CSV_REC_HEAD;
  prep = off + offsets_size(n, narrow);
  text = prep + t->prep;
  /* Fields lie end to end, each with its NUL. */
  t->field[0] = text;
  for (i = 0; i + 1 < n; i++) {
    size_t next = offset_at(off, narrow, i + 1);

    t->field[i + 1] = text + next;
    t->len[i] = (size_t)(text + next - t->field[i]) - 1;
  }
  t->len[n - 1] = (size_t)(text + rec->text - t->field[n - 1]) - 1;
  row->row.line = rec->line;
  row->row.n = n;
  row->row.field = t->field;
  row->row.len = t->len;
  row->prepared = rec->n & REC_PREPARED ? (const void *)prep : NULL;
  t->pos += rec->size;
  return 1;
}

void csv_thread_free(struct csv_thread *t) {
  size_t i;

  if (t == NULL)
    return;
  pthread_mutex_lock(&t->mu);
  atomic_store(&t->stop, 1);
  pthread_cond_signal(&t->released);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->tid, NULL);
  for (i = 0; i < CSV_BATCHES; i++)
    free(t->b[i].arena);
  free(t->field);
  free(t->len);
  pthread_cond_destroy(&t->released);
  pthread_cond_destroy(&t->filled);
  pthread_mutex_destroy(&t->mu);
  free(t);
}
