/*
 * csv_thread.h: between the CSV reader (csv.c, csv_record.c) and its
 * threaded mode (csv_thread.c). Private to hub/lib; tests include it to force a
 * thread.
 */
#ifndef DAHUB_CSV_THREAD_H
#define DAHUB_CSV_THREAD_H

#include "dahub/csv_fast.h"

struct csv_thread; /* a producer thread and its batches */

/* The inline reader: what dahub_csv_next() does without a thread. The
 * fields of a row it returns lie end to end in one buffer, field[0] first,
 * each followed by its NUL. */
int csv_read_record(struct dahub_csv *r, struct dahub_csv_row *row,
                    struct dahub_error *err);

/* Makes the pointer and length arrays a row lends hold cap entries (both
 * grow; on -ENOMEM each is still valid, of its old size or the new). */
int csv_grow_row_arrays(const char ***field, size_t **len, size_t cap);

/* What r does beside tokenizing, as dahub_csv_new_fast() was told. */
const struct dahub_csv_fast *csv_fast(const struct dahub_csv *r);

/* Starts a thread that reads r with csv_read_record() from now on; r is
 * the thread's until csv_thread_free(). 0 with *out set; 0 with *out NULL
 * when no thread could be started (read inline: a thread only saves time);
 * -ENOMEM with err. OUT: caller frees *out with csv_thread_free(). */
int csv_thread_start(struct dahub_csv *r, struct csv_thread **out,
                     struct dahub_error *err);

/* dahub_csv_next_fast() in threaded mode: the same results, from the
 * batches. */
int csv_thread_next(struct csv_thread *t, struct dahub_csv_fast_row *row,
                    struct dahub_error *err);

/* Stops the thread, waits for it and frees everything but the reader. */
void csv_thread_free(struct csv_thread *t);

/* Threaded mode without reading ahead: the thread starts on the first
 * dahub_csv_next() unless the input has already ended. For tests and the
 * fuzzer, whose inputs are too small to start one otherwise. */
void csv_set_eager(struct dahub_csv *r);

/* Every byte through the byte machine, none by the fast path: the reader
 * as it would be without it, for tests and the fuzzer to compare with. */
void csv_set_bytewise(struct dahub_csv *r);

#endif
