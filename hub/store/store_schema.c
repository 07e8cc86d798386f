/*
 * store_schema.c: the store's schema, as a list of migrations.
 *
 * PRAGMA user_version counts the migrations a file has had; store_open()
 * brings it to the latest, every pending step in one transaction, so a
 * crash mid-way leaves a file as it was or at the latest. Migrations are
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

/* What migrations 7 and 11 both write of a delivery, word for word: 11
 * made the outbox again with a summary optional and a report's columns. */
#define OUTBOX_DELIVERY_COLUMNS                                                \
  " destination TEXT NOT NULL, key TEXT NOT NULL UNIQUE,"                      \
  " files TEXT NOT NULL,"                                                      \
  " state TEXT NOT NULL CHECK(state IN"                                        \
  "  ('pending','sending','sent','retrying','parked')),"                       \
  " attempts INTEGER NOT NULL, since_ms INTEGER NOT NULL,"                     \
  " next_ms INTEGER NOT NULL, status INTEGER NOT NULL, answer TEXT,"           \
  " updated_at TEXT NOT NULL"

/* Migration 9's views: today's columns of observations from the narrow
 * table (o) and its period (p), and the other dictionaries joined. */
#define OBS_V_COLUMNS                                                          \
  " o.obs_id AS obs_id, o.ingest_id AS ingest_id, i.feed AS feed,"             \
  " i.source_id AS source_id, s.service_id AS service_id,"                     \
  " a.area_code AS area_code, p.period AS period, m.measure_id AS measure_id," \
  " b.dimensions AS dimensions, o.value AS value, o.scale AS scale,"           \
  " CASE o.status WHEN 0 THEN 'actual' WHEN 1 THEN 'suppressed'"               \
  "  WHEN 2 THEN 'missing' ELSE 'estimated' END AS value_status,"              \
  " o.bound AS bound, m.unit AS unit,"                                         \
  " coalesce(t.locator, 'r' || o.line || 'c' || o.col) AS locator,"            \
  " CASE o.text_form WHEN 1 THEN CAST(o.value AS TEXT)"                        \
  "  WHEN 2 THEN printf('%,d', o.value) WHEN 3 THEN t.raw END AS raw"
#define OBS_V_JOINS                                                            \
  " JOIN areas a ON a.area_key = o.area_key"                                   \
  " JOIN measures m ON m.measure_key = o.measure_key"                          \
  " JOIN breakdowns b ON b.breakdown_key = o.breakdown_key"                    \
  " LEFT JOIN services s ON s.service_key = o.service_key"                     \
  " LEFT JOIN observation_texts t ON t.obs_id = o.obs_id"                      \
  " JOIN ingests i ON i.ingest_id = o.ingest_id"

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
    OUTBOX_DELIVERY_COLUMNS ");"
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
    /* 9: a narrow observations table. What is the same for a whole file
     * (feed, source) is read from its ingest; the texts that repeat from
     * figure to figure are small keys into dictionaries the store fills as
     * it meets them (a measure with its unit); the status is a number.
     * line and col stay on every row: each figure must lead back to its
     * cell, and two small integers cost less than a side row. The partner's
     * text is kept beside the row (observation_texts) only when the figure
     * cannot say it again: text_form is 0 when none was kept, 1 when it was the
     * value in plain digits, 2 the value with thousands commas, 3 when it is
     * in observation_texts (a suppression, an estimate, a blank, "12.50").
     * observation_texts also keeps a locator not written r<line>c<col>,
     * which no dahub wrote but an old store may hold. The old rows move over
     * in the migration's transaction, so a crash leaves the store as it was
     * or at the latest version, never between; observations_v and
     * current_observations give today's columns with today's meanings. */
    "CREATE TABLE areas(area_key INTEGER PRIMARY KEY,"
    " area_code TEXT NOT NULL UNIQUE);"
    "CREATE TABLE periods(period_key INTEGER PRIMARY KEY,"
    " period TEXT NOT NULL UNIQUE);"
    "CREATE TABLE measures(measure_key INTEGER PRIMARY KEY,"
    " measure_id TEXT NOT NULL, unit TEXT NOT NULL, UNIQUE(measure_id, unit));"
    "CREATE TABLE services(service_key INTEGER PRIMARY KEY,"
    " service_id TEXT NOT NULL UNIQUE);"
    "CREATE TABLE breakdowns(breakdown_key INTEGER PRIMARY KEY,"
    " dimensions TEXT NOT NULL UNIQUE);"
    "INSERT INTO areas(area_code)"
    " SELECT DISTINCT area_code FROM observations ORDER BY 1;"
    "INSERT INTO periods(period)"
    " SELECT DISTINCT period FROM observations ORDER BY 1;"
    "INSERT INTO measures(measure_id, unit)"
    " SELECT DISTINCT measure_id, unit FROM observations ORDER BY 1, 2;"
    "INSERT INTO services(service_id) SELECT DISTINCT service_id"
    " FROM observations WHERE service_id IS NOT NULL ORDER BY 1;"
    "INSERT INTO breakdowns(dimensions)"
    " SELECT DISTINCT dimensions FROM observations ORDER BY 1;"
    "CREATE TABLE observations_v9("
    " obs_id INTEGER PRIMARY KEY,"
    " ingest_id INTEGER NOT NULL REFERENCES ingests(ingest_id),"
    " period_key INTEGER NOT NULL REFERENCES periods(period_key),"
    " area_key INTEGER NOT NULL REFERENCES areas(area_key),"
    " measure_key INTEGER NOT NULL REFERENCES measures(measure_key),"
    " service_key INTEGER REFERENCES services(service_key),"
    " breakdown_key INTEGER NOT NULL REFERENCES breakdowns(breakdown_key),"
    " status INTEGER NOT NULL CHECK(status >= 0 AND status <= 3),"
    " value INTEGER, scale INTEGER NOT NULL, bound INTEGER,"
    " line INTEGER NOT NULL, col INTEGER NOT NULL,"
    " text_form INTEGER NOT NULL CHECK(text_form >= 0 AND text_form <= 3));"
    "CREATE TABLE observation_texts(obs_id INTEGER PRIMARY KEY,"
    " raw TEXT, locator TEXT);"
    "CREATE TEMP TABLE obs_old AS SELECT o.*,"
    " CAST(substr(o.locator, 2, instr(o.locator, 'c') - 2) AS INTEGER) AS line,"
    " CAST(substr(o.locator, instr(o.locator, 'c') + 1) AS INTEGER) AS col,"
    " CASE WHEN o.raw IS NULL THEN 0"
    "  WHEN o.value IS NULL OR o.scale <> 0 THEN 3"
    "  WHEN o.raw = CAST(o.value AS TEXT) THEN 1"
    "  WHEN o.raw = printf('%,d', o.value) THEN 2 ELSE 3 END AS text_form"
    " FROM observations o;"
    "INSERT INTO observations_v9 SELECT o.obs_id, o.ingest_id, p.period_key,"
    " a.area_key, m.measure_key, s.service_key, b.breakdown_key,"
    " CASE o.value_status WHEN 'actual' THEN 0 WHEN 'suppressed' THEN 1"
    "  WHEN 'missing' THEN 2 ELSE 3 END,"
    " o.value, o.scale, o.bound, o.line, o.col, o.text_form FROM temp.obs_old o"
    " JOIN periods p ON p.period = o.period"
    " JOIN areas a ON a.area_code = o.area_code"
    " JOIN measures m ON m.measure_id = o.measure_id AND m.unit = o.unit"
    " JOIN breakdowns b ON b.dimensions = o.dimensions"
    " LEFT JOIN services s ON s.service_id = o.service_id"
    " ORDER BY o.obs_id;"
    "INSERT INTO observation_texts SELECT obs_id,"
    " CASE WHEN text_form = 3 THEN raw END,"
    " CASE WHEN locator IS NOT 'r' || line || 'c' || col THEN locator END"
    " FROM temp.obs_old WHERE text_form = 3 OR"
    " locator IS NOT 'r' || line || 'c' || col ORDER BY obs_id;"
    "DROP TABLE temp.obs_old;"
    "DROP VIEW current_observations;"
    "DROP TABLE observations;"
    "ALTER TABLE observations_v9 RENAME TO observations;"
    "CREATE INDEX observations_by_ingest"
    " ON observations(ingest_id, period_key);"
    "CREATE VIEW observations_v AS SELECT" OBS_V_COLUMNS
    " FROM observations o JOIN periods p ON p.period_key = o.period_key"
    OBS_V_JOINS ";"
    /* from the current periods in: the summary asks for a year's, and the
     * dictionaries are read only for their figures, not for the store's */
    "CREATE VIEW current_observations AS SELECT" OBS_V_COLUMNS
    " FROM current_periods c CROSS JOIN periods p ON p.period = c.period"
    " CROSS JOIN observations o ON o.ingest_id = c.ingest_id"
    " AND o.period_key = p.period_key" OBS_V_JOINS " AND i.feed = c.feed;",
    /* 10: the warnings of a stored file (a text cell left out, a TOTAL that
     * does not add up, a row left out), kept with its ingest: how many in
     * all, how many name a cell, and the first ones as the JSON array
     * written beside the file in done/ (store_warnings.c). A table of its
     * own, keyed by the ingest: no other table changes. */
    "CREATE TABLE ingest_warnings("
    " ingest_id INTEGER PRIMARY KEY REFERENCES ingests(ingest_id),"
    " warnings INTEGER NOT NULL, cells INTEGER NOT NULL, kept TEXT NOT NULL);",
    /* 11: the outbox also carries a failed file's plain-words report to the
     * feed's contact: such a row has no summary but a feed, the folder of
     * its file and one recipient. SQLite cannot drop a NOT NULL, so the
     * table is made again, its rows and ids kept. */
    "CREATE TABLE outbox_11("
    " outbox_id INTEGER PRIMARY KEY,"
    " summary_id INTEGER REFERENCES summaries(summary_id),"
    OUTBOX_DELIVERY_COLUMNS ","
    " feed TEXT, folder TEXT, recipient TEXT,"
    " CHECK((summary_id IS NULL) = (recipient IS NOT NULL)));"
    "INSERT INTO outbox_11(outbox_id, summary_id, destination, key, files,"
    " state, attempts, since_ms, next_ms, status, answer, updated_at)"
    " SELECT outbox_id, summary_id, destination, key, files, state,"
    " attempts, since_ms, next_ms, status, answer, updated_at FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_11 RENAME TO outbox;"
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

/* Every pending migration in one transaction: a kill leaves the store as
 * it was or at latest, never between, however many versions behind it
 * was. */
int store_schema_migrate(struct store *st, int version, int latest,
                         struct dahub_error *err) {
  char sql[64];
  int rc;

  if (version >= latest)
    return 0;
  if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
    return rc;
  for (; version < latest; version++)
    if ((rc = store_exec(st, migrations[version], err)) != 0)
      goto fail;
  (void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest);
  if ((rc = store_exec(st, sql, err)) == 0 &&
      (rc = store_exec(st, "COMMIT", err)) == 0)
    return 0;
fail:
  (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}
