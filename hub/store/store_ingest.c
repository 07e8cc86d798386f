/*
 * store_ingest.c: one partner file into the store, as one transaction.
 *
 * store_ingest_begin() takes the store's lock and opens the transaction
 * with the ingest's row (its hash still NULL, so observations can point at
 * it); observations and records go in under it, the observations through
 * the store's writer thread (store_writer.c), which commit waits for;
 * store_ingest_commit() sets the hash under UNIQUE(feed, sha256), makes the
 * file's periods current for its feed and notes the receipt, or rolls all
 * of it back. The lock is held from begin to commit or rollback: one
 * ingest at a time, whatever the thread. Each figure's texts become keys
 * into the dictionaries (store_dict.c) and its partner's text is kept only
 * where the value cannot say it again. Receipts of files that stored
 * nothing are written here too.
 */
#include "store_int.h"
#include "store_textform.h"

#include <stdio.h>
#include <string.h>

/* The obs_id the file's first figure takes: figures name their ids
 * themselves, so that a multi-row insert knows each row's for its text. */
static int next_obs_id(struct store *st, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_NEXT_OBS];
  int rc = sqlite3_step(q);

  if (rc == SQLITE_ROW) {
    st->next_obs_id = sqlite3_column_int64(q, 0);
    rc = 0;
  } else {
    rc = store_fail(st, rc, "next observation id", err);
  }
  store_stmt_release(q);
  return rc;
}

int store_sqlite_ingest_begin(struct store *st, const struct store_ingest *in,
                              struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_INGEST];
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
    goto out;
  store_bind_text(q, 1, in->feed);
  store_bind_text(q, 2, in->source_id);
  store_bind_text(q, 3, in->plugin);
  store_bind_text(q, 4, in->plugin_version);
  store_bind_text(q, 5, in->file_name);
  (void)sqlite3_bind_int64(q, 6, (sqlite3_int64)in->size_bytes);
  store_bind_text(q, 7, in->received_at);
  if ((rc = store_step_done(st, q, "insert ingest", err)) != 0) {
    (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    goto out;
  }
  st->ingest_id = sqlite3_last_insert_rowid(st->db);
  st->n_obs = 0;
  if (st->schema >= STORE_SCHEMA_NARROW && (rc = next_obs_id(st, err)) != 0) {
    (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    goto out;
  }
  (void)snprintf(st->feed, sizeof st->feed, "%s", in->feed);
  (void)snprintf(st->source_id, sizeof st->source_id, "%s", in->source_id);
  (void)snprintf(st->file_name, sizeof st->file_name, "%s", in->file_name);
  return 0; /* the caller holds the store until commit or rollback */
out:
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

/* The keys of o's texts in the dictionaries, in Q_OBS's order from 2. */
static int obs_keys(struct store *st, const struct store_obs *o, int64_t key[5],
                    struct dahub_error *err) {
  int rc;

  key[3] = 0;
  if ((rc = store_dict_key(st, DICT_PERIOD, o->period, NULL, &key[0], err)) ||
      (rc = store_dict_key(st, DICT_AREA, o->area_code, NULL, &key[1], err)) ||
      (rc = store_dict_key(st, DICT_MEASURE, o->measure_id, o->unit, &key[2],
                           err)) ||
      (o->service_id != NULL &&
       (rc = store_dict_key(st, DICT_SERVICE, o->service_id, NULL, &key[3],
                            err))) ||
      (rc = store_dict_key(st, DICT_BREAKDOWN, o->dimensions, NULL, &key[4],
                           err)))
    return rc;
  return 0;
}

int store_sqlite_ingest_obs(struct store *st, const struct store_obs *o,
                            struct dahub_error *err) {
  if (st->schema < STORE_SCHEMA_NARROW)
    return store_legacy_obs(st, o, err);
  return store_writer_put(st, o, err);
}

/* Binds an integer, or NULL when the figure has none. */
static void bind_or_null(sqlite3_stmt *q, int i, int has, int64_t v) {
  if (has)
    (void)sqlite3_bind_int64(q, i, v);
  else
    (void)sqlite3_bind_null(q, i);
}

/* Binds o's 14 columns at parameters at + 1 ... at + 14 of q, with the next
 * obs_id, its keys looked up; *form is how its text is kept. Every
 * parameter is bound each time, so a reset is enough between rows:
 * clearing the bindings too was a fiftieth of a wide return's time. */
static int obs_bind(struct store *st, sqlite3_stmt *q, int at,
                    const struct store_obs *o, int *form,
                    struct dahub_error *err) {
  int has_value = o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED;
  int64_t key[5];
  int rc;

  if ((rc = obs_keys(st, o, key, err)) != 0)
    return rc;
  *form = store_text_form(o);
  (void)sqlite3_bind_int64(q, at + 1, st->next_obs_id++);
  (void)sqlite3_bind_int64(q, at + 2, st->ingest_id);
  for (int i = 0; i < 5; i++)
    bind_or_null(q, at + 3 + i, i != 3 || o->service_id != NULL, key[i]);
  (void)sqlite3_bind_int(q, at + 8, (int)o->status);
  bind_or_null(q, at + 9, has_value, o->value);
  (void)sqlite3_bind_int(q, at + 10, o->scale);
  bind_or_null(q, at + 11, o->status == DAHUB_SUPPRESSED && o->bound > 0,
               o->bound);
  (void)sqlite3_bind_int64(q, at + 12, o->line);
  (void)sqlite3_bind_int64(q, at + 13, o->col);
  (void)sqlite3_bind_int(q, at + 14, *form);
  return 0;
}

/* Steps an insert of n figures whose first obs_id is first, then keeps
 * the texts of those whose form is 3 beside them. */
static int obs_step(struct store *st, sqlite3_stmt *q,
                    const struct store_obs *o, const int *form, int n,
                    int64_t first, struct dahub_error *err) {
  int rc = sqlite3_step(q);

  rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "insert observation", err);
  (void)sqlite3_reset(q);
  for (int i = 0; rc == 0 && i < n; i++) {
    if (form[i] != 3)
      continue;
    q = st->q[Q_OBS_TEXT];
    (void)sqlite3_bind_int64(q, 1, first + i);
    store_bind_text(q, 2, o[i].raw);
    rc = store_step_done(st, q, "insert observation text", err);
  }
  if (rc == 0)
    st->n_obs += n;
  return rc;
}

int store_obs_insert(struct store *st, const struct store_obs *o,
                     struct dahub_error *err) {
  int64_t first = st->next_obs_id;
  int form, rc;

  if ((rc = obs_bind(st, st->q[Q_OBS], 0, o, &form, err)) != 0)
    return rc;
  return obs_step(st, st->q[Q_OBS], o, &form, 1, first, err);
}

int store_obs_insert_many(struct store *st, const struct store_obs *o,
                          struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_OBS_MANY];
  int64_t first = st->next_obs_id;
  int form[STORE_OBS_MANY], rc;

  for (int i = 0; i < STORE_OBS_MANY; i++)
    if ((rc = obs_bind(st, q, 14 * i, &o[i], &form[i], err)) != 0) {
      (void)sqlite3_reset(q);
      return rc;
    }
  return obs_step(st, q, o, form, STORE_OBS_MANY, first, err);
}

static int find_hash(struct store *st, const char *feed, const char *sha256,
                     struct store_match *m, struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_FIND];
  int rc;

  store_bind_text(q, 1, feed);
  store_bind_text(q, 2, sha256);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    m->ingest_id = sqlite3_column_int64(q, 0);
    (void)snprintf(m->file_name, sizeof m->file_name, "%s",
                   (const char *)sqlite3_column_text(q, 1));
    (void)snprintf(m->stored_at, sizeof m->stored_at, "%s",
                   sqlite3_column_text(q, 2)
                       ? (const char *)sqlite3_column_text(q, 2)
                       : "");
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "find hash", err);
  }
  store_stmt_release(q);
  return rc;
}

int store_sqlite_find_hash(struct store *st, const char *feed,
                           const char *sha256, struct store_match *match,
                           struct dahub_error *err) {
  int rc;

  (void)pthread_mutex_lock(&st->lock);
  rc = find_hash(st, feed, sha256, match, err);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

void store_ingest_rollback(struct store *st) {
  if (st->ops != NULL) {
    st->ops->ingest_rollback(st->be);
    return;
  }
  if (st->schema >= STORE_SCHEMA_NARROW)
    store_writer_abandon(st); /* the connection is ours again */
  (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  /* keys met in the transaction may name rows that are gone now */
  store_dict_forget(st->dict);
  st->ingest_id = 0;
  (void)pthread_mutex_unlock(&st->lock);
}

int store_sqlite_ingest_commit(struct store *st, const char *sha256,
                               int64_t *ingest_id, struct store_match *match,
                               struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_SET_HASH];
  char now[32];
  int rc;

  /* Every figure handed over is in before anything else uses the
   * connection. */
  if (st->schema >= STORE_SCHEMA_NARROW &&
      (rc = store_writer_finish(st, err)) != 0)
    goto out;
  /* Checked inside the transaction: two copies claimed at once cannot both
   * pass, and UNIQUE(feed, sha256) stands behind this anyway. */
  if ((rc = find_hash(st, st->feed, sha256, match, err)) != 0)
    goto out;
  store_now(now);
  store_bind_text(q, 1, sha256);
  store_bind_text(q, 2, now);
  (void)sqlite3_bind_int64(q, 3, st->n_obs);
  (void)sqlite3_bind_int64(q, 4, st->ingest_id);
  if ((rc = store_step_done(st, q, "record hash", err)) != 0)
    goto out;
  q = st->q[Q_CURRENT];
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  if (st->schema >= STORE_SCHEMA_NARROW)
    store_bind_text(q, 2, st->feed);
  if ((rc = store_step_done(st, q, "make current", err)) != 0)
    goto out;
  q = st->q[Q_RECEIPT];
  store_bind_text(q, 1, st->feed);
  store_bind_text(q, 2, st->file_name);
  store_bind_text(q, 3, sha256);
  store_bind_text(q, 4, now);
  store_bind_text(q, 5, "stored");
  (void)sqlite3_bind_int64(q, 6, st->ingest_id);
  if ((rc = store_step_done(st, q, "receipt", err)) != 0 ||
      (rc = store_exec(st, "COMMIT", err)) != 0)
    goto out;
  *ingest_id = st->ingest_id;
  st->ingest_id = 0;
  (void)pthread_mutex_unlock(&st->lock);
  return 0;
out:
  store_ingest_rollback(st);
  return rc;
}

int store_sqlite_receipt(struct store *st, const char *feed,
                         const char *file_name, const char *sha256,
                         const char *outcome, int64_t ingest_id,
                         struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_RECEIPT];
  char now[32];
  int rc;

  store_now(now);
  (void)pthread_mutex_lock(&st->lock);
  store_bind_text(q, 1, feed);
  store_bind_text(q, 2, file_name);
  store_bind_text(q, 3, sha256);
  store_bind_text(q, 4, now);
  store_bind_text(q, 5, outcome);
  if (ingest_id > 0)
    (void)sqlite3_bind_int64(q, 6, ingest_id);
  else
    (void)sqlite3_bind_null(q, 6);
  rc = store_step_done(st, q, "receipt", err);
  (void)pthread_mutex_unlock(&st->lock);
  return rc;
}

int store_sqlite_ingest_record(struct store *st, const char *kind,
                               const char *fields_json, uint32_t line,
                               struct dahub_error *err) {
  sqlite3_stmt *q = st->q[Q_RECORD];
  char loc[32];
  int rc;

  /* the connection is the writer's while it has figures to write */
  if (st->schema >= STORE_SCHEMA_NARROW &&
      (rc = store_writer_drain(st, err)) != 0)
    return rc;
  (void)snprintf(loc, sizeof loc, "r%u", line);
  (void)sqlite3_bind_int64(q, 1, st->ingest_id);
  store_bind_text(q, 2, st->feed);
  store_bind_text(q, 3, kind);
  store_bind_text(q, 4, fields_json);
  store_bind_text(q, 5, loc);
  return store_step_done(st, q, "insert record", err);
}
