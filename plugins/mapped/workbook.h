/*
 * workbook.h: a partner's file as records, CSV or .xlsx (workbook.c).
 */
#ifndef MAPPED_WORKBOOK_H
#define MAPPED_WORKBOOK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dahub/csv.h"
#include "dahub/plugin.h"

#include "mapping.h"

/* The first bytes of the file, read once to tell an .xlsx from text, then
 * handed to the CSV reader before the rest. */
struct head {
  struct dahub_input *in;
  unsigned char buf[4];
  size_t n, pos;
  /* While a feed's shapes are tried (shapes.c): what the file gave after
   * buf, kept (at most WORKBOOK_TAPE_MAX bytes) to be read again from the
   * start by the next shape, and by the one chosen. */
  unsigned char *tape;
  size_t tape_len, tape_pos;
  int recording, tape_full;
  /* An .xlsx: the whole file, once read (workbook_open()). */
  char *data;
  size_t len;
};

#define WORKBOOK_TAPE_MAX (1u << 20)

struct workbook; /* opaque */

/* Reads up to 4 bytes (fewer only at the end of the file). 0, or the
 * read's code with err. */
int workbook_head(struct head *h, struct dahub_error *err);
/* 1 if the file starts as a zip does: an .xlsx, or nothing we read. */
int workbook_is_xlsx(const struct head *h);
/* The CSV reader's read(): the head's bytes, what the tape kept, then the
 * rest of the file (kept on the tape while recording: beyond its room,
 * -EFBIG and tape_full). */
ssize_t workbook_csv_read(void *arg, void *buf, size_t cap);
/* Back to the file's first byte, to read it again; recording: keep what
 * is read from now on (trying shapes), or not (reading the file). */
void workbook_rewind(struct head *h, int recording);
/* Frees what the head kept (the tape, an .xlsx's bytes). */
void workbook_head_free(struct head *h);

/* Reads the rest of the file, the first time (at most 64 MiB: a zip is
 * read from its end; h keeps it for the next sheet opened), and opens sheet (by
 * name; NULL: by number, 0 for the first). 0, or negative with err naming the
 * sheet. OUT: free with workbook_free(). */
int workbook_open(struct head *h, const struct mapping *m,
                  struct workbook **out, struct dahub_error *err);
/* The next row as a CSV record, borrowed until the next call: line is its
 * row number, field[i] column i + 1, one empty field for a row with no
 * cells. 1, 0 at the end, or negative with err naming sheet and cell. */
int workbook_next(struct workbook *wb, struct dahub_csv_row *row,
                  struct dahub_error *err);
/* The sheet being read's name, borrowed from wb. */
const char *workbook_sheet(const struct workbook *wb);
void workbook_free(struct workbook *wb);

#endif
