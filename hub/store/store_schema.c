/*
 * store_schema.c: the store's schema, as a list of migrations.
 *
 * PRAGMA user_version counts the migrations a file has had; store_open()
 * brings it to the latest, each step in a transaction of its own, so a
 * crash mid-way leaves a file at one version or the next. Migrations are
 * only appended: a released one never changes, because stores in the field
 * have run it. A file newer than this dahub is refused untouched.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>

/* What migrations 1 and 5 both write, word for word: 5 rebuilt the table
 * with its columns unchanged but for the status CHECK. */
#define OBS_COLUMNS                                                            \
  " obs_id INTEGER PRIMARY KEY,"                                               \
  " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"                 \
  " feed TEXT NOT NULL, source_id TEXT NOT NULL, service_id TEXT,"             \
  " area_code TEXT NOT NULL, period TEXT NOT NULL,"                            \
  " measure_id TEXT NOT NULL, dimensions TEXT NOT NULL DEFAULT '{}',"          \
  " value INTEGER, scale INTEGER NOT NULL DEFAULT 0,"
#define CURRENT_VIEW                                                           \
  "CREATE VIEW current_observations AS SELECT o.* FROM observations o"         \
  " JOIN current_periods c ON c.feed = o.feed AND c.period = o.period"         \
  " AND c.ingest_id = o.ingest_id;"

/* Each entry brings the schema from version i to i + 1. Only appended.
 * Kept one SQL line a source line, as SQL is read. */
/* clang-format off */
static const char *const migrations[] = {
    "CREATE TABLE ingests("
    " ingest_id INTEGER PRIMARY KEY,"
    " feed TEXT NOT NULL, source_id TEXT NOT NULL,"
    " plugin TEXT NOT NULL, plugin_version TEXT NOT NULL,"
    " file_name TEXT NOT NULL, sha256 TEXT, size_bytes INTEGER NOT NULL,"
    " received_at TEXT NOT NULL, stored_at TEXT,"
    " observations INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(feed, sha256));"
    "CREATE TABLE observations("
    OBS_COLUMNS
    " value_status TEXT NOT NULL CHECK(value_status IN"
    "  ('actual','suppressed','missing','estimated')),"
    " bound INTEGER, unit TEXT NOT NULL, locator TEXT NOT NULL, raw TEXT);"
    "CREATE INDEX observations_by_ingest ON observations(ingest_id, period);"
    "CREATE INDEX observations_by_period ON observations(period, measure_id);"
    "CREATE TABLE current_periods("
    " feed TEXT NOT NULL, period TEXT NOT NULL,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " PRIMARY KEY(feed, period));"
    CURRENT_VIEW
    "CREATE TABLE receipts("
    " receipt_id INTEGER PRIMARY KEY,"
    " feed TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT,"
    " received_at TEXT NOT NULL,"
    " outcome TEXT NOT NULL CHECK(outcome IN ('stored','duplicate','failed')),"
    " ingest_id INTEGER REFERENCES ingests(ingest_id));",
    /* 2: board summaries, one row per version written */
    "CREATE TABLE summaries("
    " summary_id INTEGER PRIMARY KEY,"
    " period TEXT NOT NULL, version INTEGER NOT NULL, meeting TEXT,"
    " sha256 TEXT NOT NULL, produced_at TEXT NOT NULL, folder TEXT NOT NULL,"
    " UNIQUE(period, version));",
    /* 3: records that are not numbers (contracts of a register) */
    "CREATE TABLE records("
    " record_id INTEGER PRIMARY KEY,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " feed TEXT NOT NULL, kind TEXT NOT NULL, fields TEXT NOT NULL,"
    " locator TEXT NOT NULL);"
    "CREATE INDEX records_by_kind ON records(kind, feed, ingest_id);",
    /* 4: summaries find figures through current_periods and
     * observations_by_ingest; a second index only slowed every insert */
    "DROP INDEX observations_by_period;",
    /* 5: the status CHECK as comparisons, not IN: SQLite checks an IN list
     * by building a temporary b-tree for every row inserted, which was
     * most of the cost of storing a wide return */
    "CREATE TABLE observations_v5("
    OBS_COLUMNS
    " value_status TEXT NOT NULL CHECK(value_status = 'actual' OR"
    "  value_status = 'suppressed' OR value_status = 'missing' OR"
    "  value_status = 'estimated'),"
    " bound INTEGER, unit TEXT NOT NULL, locator TEXT NOT NULL, raw TEXT);"
    "INSERT INTO observations_v5 SELECT * FROM observations;"
    "DROP VIEW current_observations;"
    "DROP TABLE observations;"
    "ALTER TABLE observations_v5 RENAME TO observations;"
    "CREATE INDEX observations_by_ingest ON observations(ingest_id, period);"
    CURRENT_VIEW,
    /* 6: every controlled cell of every summary version: its true count and
     * whether it was shown or hidden by which rule. Published summaries
     * carry one marker; the rule stays here, for the audit of later
     * versions and overlapping periods (and the board's auditor). */
    "CREATE TABLE published_cells("
    " summary_id INTEGER NOT NULL REFERENCES summaries(summary_id),"
    " measure_id TEXT NOT NULL, source_id TEXT NOT NULL,"
    " area_code TEXT NOT NULL, dimensions TEXT NOT NULL,"
    " value INTEGER NOT NULL, scale INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK(state = 'shown' OR state = 'primary' OR"
    "  state = 'secondary' OR state = 'source'),"
    " threshold INTEGER NOT NULL, ingests TEXT NOT NULL,"
    " whole INTEGER NOT NULL, rule INTEGER NOT NULL);"
    "CREATE INDEX published_cells_by_summary ON published_cells(summary_id);",
    /* 7: the outbox: each delivery a summary version owes, written with the
     * version, before any attempt; next_ms is when it is due, or while
     * sending the end of its attempt's lease. */
    "CREATE TABLE outbox("
    " outbox_id INTEGER PRIMARY KEY,"
    " summary_id INTEGER NOT NULL REFERENCES summaries(summary_id),"
    " destination TEXT NOT NULL, key TEXT NOT NULL UNIQUE,"
    " files TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN"
    "  ('pending','sending','sent','retrying','parked')),"
    " attempts INTEGER NOT NULL, since_ms INTEGER NOT NULL,"
    " next_ms INTEGER NOT NULL, status INTEGER NOT NULL, answer TEXT,"
    " updated_at TEXT NOT NULL);"
    "CREATE INDEX outbox_due ON outbox(state, next_ms);",
    /* 8: feeds the hub fetches over HTTPS: per feed, what a conditional
     * request needs and since when fetching has failed (staleness); per
     * fetched body, its provenance (the URL without query, the ETag) and
     * the name it got in the spool, which its receipt carries too. */
    "CREATE TABLE pull_state("
    " feed TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
    " ok_ms INTEGER, failing_since_ms INTEGER,"
    " failures INTEGER NOT NULL, error TEXT, updated_at TEXT NOT NULL);"
    "CREATE TABLE pulls("
    " pull_id INTEGER PRIMARY KEY, feed TEXT NOT NULL, url TEXT NOT NULL,"
    " etag TEXT, last_modified TEXT, sha256 TEXT NOT NULL,"
    " bytes INTEGER NOT NULL, file_name TEXT NOT NULL,"
    " fetched_at TEXT NOT NULL);",
    /* 9: the outbox also carries a failed file's plain-words report to the
     * feed's contact: such a row has no summary but a feed, the folder of
     * its file and one recipient. SQLite cannot drop a NOT NULL, so the
     * table is made again, its rows and ids kept. */
    "CREATE TABLE outbox_9("
    " outbox_id INTEGER PRIMARY KEY,"
    " summary_id INTEGER REFERENCES summaries(summary_id),"
    " destination TEXT NOT NULL, key TEXT NOT NULL UNIQUE,"
    " files TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN"
    "  ('pending','sending','sent','retrying','parked')),"
    " attempts INTEGER NOT NULL, since_ms INTEGER NOT NULL,"
    " next_ms INTEGER NOT NULL, status INTEGER NOT NULL, answer TEXT,"
    " updated_at TEXT NOT NULL,"
    " feed TEXT, folder TEXT, recipient TEXT,"
    " CHECK((summary_id IS NULL) = (recipient IS NOT NULL)));"
    "INSERT INTO outbox_9(outbox_id, summary_id, destination, key, files,"
    " state, attempts, since_ms, next_ms, status, answer, updated_at)"
    " SELECT outbox_id, summary_id, destination, key, files, state,"
    " attempts, since_ms, next_ms, status, answer, updated_at FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_9 RENAME TO outbox;"
    "CREATE INDEX outbox_due ON outbox(state, next_ms);",
};
/* clang-format on */

#define LATEST_SCHEMA ((int)(sizeof migrations / sizeof *migrations))
_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must name the last migration");

/* Reads the schema version and refuses one newer than ours, before anything
 * (even a journal mode) is changed in a store a newer dahub owns. */
int store_schema_version(struct store *st, int *version,
                         struct dahub_error *err) {
  sqlite3_stmt *q = NULL;
  int rc;

  *version = 0;
  rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    *version = sqlite3_column_int(q, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_OK)
    return store_fail(st, rc, "read schema version", err);
  if (*version > LATEST_SCHEMA)
    return dahub_error_set(err, -EPROTO, 0, 0,
                           "store: schema version %d is newer than this dahub "
                           "(%d); refusing to touch it",
                           *version, LATEST_SCHEMA);
  return 0;
}

int store_schema_migrate(struct store *st, int version, int latest,
                         struct dahub_error *err) {
  char sql[64];
  int rc;

  for (; version < latest; version++) {
    if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
      return rc;
    (void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
    if ((rc = store_exec(st, migrations[version], err)) != 0 ||
        (rc = store_exec(st, sql, err)) != 0) {
      (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
      return rc;
    }
    if ((rc = store_exec(st, "COMMIT", err)) != 0)
      return rc;
  }
  return 0;
}
