/*
 * store_rows.c: a row of what the store reads back, into the struct a
 * caller is lent, for both backends (store_backend.h): SQLite's readers
 * and PostgreSQL's select the same columns in the same order, and only
 * how a column is read differs (struct store_cols). One place says which
 * column is which field, so the two backends cannot drift apart, and one
 * function hands a row to the caller's callback of any query.
 */
#include "store_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *text(const struct store_cols *c, int i) {
  return c->text(c->q, i);
}

static int64_t num(const struct store_cols *c, int i) {
  return c->num(c->q, i);
}

void store_cols_row(const struct store_cols *c, struct store_row *r) {
  *r = (struct store_row){
      .feed = text(c, 0),
      .source_id = text(c, 1),
      .service_id = text(c, 2),
      .area_code = text(c, 3),
      .period = text(c, 4),
      .measure_id = text(c, 5),
      .dimensions = text(c, 6),
      .unit = text(c, 7),
      .status = (enum dahub_status)store_name_index(
          text(c, 8), store_status_names, 4, DAHUB_ACTUAL),
      .value = num(c, 9),
      .scale = (int)num(c, 10),
      .bound = num(c, 11),
      .ingest_id = num(c, 12),
  };
}

void store_cols_warned(const struct store_cols *c, struct store_warned *w) {
  *w = (struct store_warned){
      .feed = text(c, 0),
      .source_id = text(c, 1),
      .period = text(c, 2),
      .file_name = text(c, 3),
      .ingest_id = num(c, 4),
      .count = (unsigned)num(c, 5),
      .cells = (unsigned)num(c, 6),
      .kept = text(c, 7),
  };
}

void store_cols_pub_cell(const struct store_cols *c, struct store_pub_cell *p) {
  *p = (struct store_pub_cell){
      .period = text(c, 0),
      .version = (int)num(c, 1),
      .measure = text(c, 2),
      .source_id = text(c, 3),
      .area = text(c, 4),
      .dims = text(c, 5),
      .value = num(c, 6),
      .scale = (int)num(c, 7),
      .state = store_name_index(text(c, 8), store_pub_states, 4, -1),
      .threshold = num(c, 9),
      .ingests = text(c, 10),
      .whole = (int)num(c, 11),
      .rule = (int)num(c, 12),
  };
}

/* Column i into out, "" for NULL. */
static void copy(char *out, size_t size, const struct store_cols *c, int i) {
  const char *s = text(c, i);

  (void)snprintf(out, size, "%s", s != NULL ? s : "");
}

void store_cols_outbox_row(const struct store_cols *c,
                           struct store_outbox_row *r) {
  memset(r, 0, sizeof *r);
  r->id = num(c, 0);
  copy(r->destination, sizeof r->destination, c, 1);
  copy(r->key, sizeof r->key, c, 2);
  copy(r->period, sizeof r->period, c, 3);
  r->version = (int)num(c, 4);
  copy(r->folder, sizeof r->folder, c, 5);
  copy(r->files, sizeof r->files, c, 6);
  r->state = (enum outbox_state)store_name_index(
      text(c, 7), store_outbox_states, OUTBOX_NSTATES, OUTBOX_PARKED);
  r->attempts = (int)num(c, 8);
  r->since_ms = num(c, 9);
  r->next_ms = num(c, 10);
  r->status = (long)num(c, 11);
  copy(r->answer, sizeof r->answer, c, 12);
  copy(r->updated_at, sizeof r->updated_at, c, 13);
  copy(r->feed, sizeof r->feed, c, 14);
  copy(r->recipient, sizeof r->recipient, c, 15);
}

/* Column i's text, "" for NULL: a field the caller reads as a string. */
static const char *str(const struct store_cols *c, int i) {
  const char *s = text(c, i);

  return s != NULL ? s : "";
}

int store_call_row(const struct store_call *c, const struct store_cols *cols) {
  union {
    struct store_row row;
    struct store_pub_cell cell;
    struct store_warned warned;
    struct store_ingest_count count;
  } u;

  switch (c->kind) {
  case STORE_CALL_CURRENT:
    store_cols_row(cols, &u.row);
    return c->fn.current(c->arg, &u.row);
  case STORE_CALL_DELIVERY:
    return c->fn.delivery(c->arg, str(cols, 0), str(cols, 1), num(cols, 2),
                          str(cols, 3));
  case STORE_CALL_RECORD:
    return c->fn.record(c->arg, str(cols, 0), str(cols, 1), num(cols, 2));
  case STORE_CALL_PUBLISHED:
    store_cols_pub_cell(cols, &u.cell);
    return c->fn.published(c->arg, &u.cell);
  case STORE_CALL_WARNED:
    store_cols_warned(cols, &u.warned);
    return c->fn.warned(c->arg, &u.warned);
  case STORE_CALL_COUNT:
    u.count = (struct store_ingest_count){.ingest_id = num(cols, 0),
                                          .feed = str(cols, 1),
                                          .file_name = str(cols, 2),
                                          .recorded = num(cols, 3),
                                          .committed = (int)num(cols, 4),
                                          .stored = num(cols, 5)};
    return c->fn.count(c->arg, &u.count);
  case STORE_CALL_KEPT:
    return c->fn.kept(c->arg, str(cols, 0), str(cols, 1), str(cols, 2));
  }
  return -EINVAL;
}
