/*
 * pgstore_schema.c: the PostgreSQL store's schema, as a list of migrations.
 *
 * The table schema_migrations holds one row per migration a database has
 * had. pgstore_open() brings it to the latest: every pending migration and
 * its row in one transaction (PostgreSQL's DDL is transactional, so a
 * failure or a kill leaves the database as it was), under an advisory lock,
 * so two hubs starting at once migrate it once. A database already at the
 * latest version is only read: a hub's role needs no right to create
 * tables once they are made. Migrations are only appended: a released one
 * never changes. A database newer than this dahub is refused untouched.
 *
 * The schema is the SQLite store's (store_schema.c, at version 11) for a
 * file's ingest, with a board on every row that holds a board's data, so
 * many boards share one database: ingests are UNIQUE(board, feed, sha256),
 * and each row that points at an ingest names its board in the same
 * foreign key (observations aside: see below), so such a row can never
 * point at another board's ingest. The
 * dictionaries (areas, periods, measures, services, breakdowns) hold only
 * vocabulary codes, no figure, and are shared by every board. The partner's
 * text stays on the observation's row (raw, when text_form is 3): a NULL
 * costs PostgreSQL one bit, so no side table is needed. The views run with
 * the reader's rights (security_invoker), so that row-level security of
 * the tables applies through them.
 *
 * An observation's keys are not declared foreign keys, as in the SQLite
 * store: its ingest and its dictionary codes are written or looked up in
 * the same transaction that inserts it (pgstore_ingest.c), and dictionary
 * rows are never deleted; checking six keys a row took two thirds of a
 * large file's insert (200,000 figures: 11.8 s with them, 3 s without).
 * The other board tables, a row a file or a period, keep theirs.
 */
#include "pgstore_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock key of migrations: "dahub" in ASCII. */
#define MIGRATE_LOCK "435694416482"

/* The partner's text said again as the SQLite view says it: 1 the value's
 * digits, 2 with a comma before each group of three, 3 kept. */
#define RAW_AGAIN                                                              \
  " CASE o.text_form WHEN 1 THEN o.value::text"                                \
  "  WHEN 2 THEN regexp_replace(o.value::text, '(\\d)(?=(\\d{3})+$)',"         \
  "   '\\1,', 'g') WHEN 3 THEN o.raw END AS raw"

/* Migration 2's row-level security of a board table: the boards of the
 * role, for reading and for writing alike. */
#define BOARD_POLICY(t)                                                        \
  "ALTER TABLE " t " ENABLE ROW LEVEL SECURITY;"                               \
  "CREATE POLICY own_board ON " t " USING (board IN (SELECT r.board"           \
  " FROM board_roles r WHERE r.role = current_user)) WITH CHECK (board IN"     \
  " (SELECT r.board FROM board_roles r WHERE r.role = current_user));"

/* Each entry brings the schema from version i to i + 1. Only appended.
 * Kept one SQL line a source line, as SQL is read. */
/* clang-format off */
const char *const pgstore_migrations[] = {
    /* 1: a file's ingest and its figures, as the SQLite store keeps them */
    "CREATE TABLE ingests("
    " ingest_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, feed text NOT NULL, source_id text NOT NULL,"
    " plugin text NOT NULL, plugin_version text NOT NULL,"
    " file_name text NOT NULL, sha256 text, size_bytes bigint NOT NULL,"
    " received_at timestamptz NOT NULL, stored_at timestamptz,"
    " observations bigint NOT NULL DEFAULT 0,"
    " UNIQUE(board, feed, sha256), UNIQUE(board, ingest_id));"
    "CREATE TABLE areas("
    " area_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " area_code text NOT NULL UNIQUE);"
    "CREATE TABLE periods("
    " period_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " period text NOT NULL UNIQUE);"
    "CREATE TABLE measures("
    " measure_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " measure_id text NOT NULL, unit text NOT NULL, UNIQUE(measure_id, unit));"
    "CREATE TABLE services("
    " service_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " service_id text NOT NULL UNIQUE);"
    "CREATE TABLE breakdowns("
    " breakdown_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " dimensions text NOT NULL UNIQUE);"
    "CREATE TABLE observations("
    " obs_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, ingest_id bigint NOT NULL,"
    " period_key integer NOT NULL, area_key integer NOT NULL,"
    " measure_key integer NOT NULL, service_key integer,"
    " breakdown_key integer NOT NULL,"
    " status smallint NOT NULL CHECK(status BETWEEN 0 AND 3),"
    " value bigint, scale smallint NOT NULL, bound bigint,"
    " line integer NOT NULL, col integer NOT NULL,"
    " text_form smallint NOT NULL CHECK(text_form BETWEEN 0 AND 3),"
    " raw text, CHECK((text_form = 3) = (raw IS NOT NULL)));"
    "CREATE INDEX observations_by_ingest"
    " ON observations(ingest_id, period_key);"
    "CREATE TABLE current_periods("
    " board text NOT NULL, feed text NOT NULL, period text NOT NULL,"
    " ingest_id bigint NOT NULL, PRIMARY KEY(board, feed, period),"
    " FOREIGN KEY(board, ingest_id) REFERENCES ingests(board, ingest_id));"
    "CREATE TABLE receipts("
    " receipt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, feed text NOT NULL, file_name text NOT NULL,"
    " sha256 text, received_at timestamptz NOT NULL,"
    " outcome text NOT NULL CHECK(outcome IN ('stored','duplicate','failed')),"
    " ingest_id bigint,"
    " FOREIGN KEY(board, ingest_id) REFERENCES ingests(board, ingest_id));"
    "CREATE TABLE records("
    " record_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, ingest_id bigint NOT NULL,"
    " feed text NOT NULL, kind text NOT NULL, fields text NOT NULL,"
    " locator text NOT NULL,"
    " FOREIGN KEY(board, ingest_id) REFERENCES ingests(board, ingest_id));"
    "CREATE INDEX records_by_kind ON records(board, kind, feed, ingest_id);"
    "CREATE TABLE ingest_warnings("
    " board text NOT NULL, ingest_id bigint PRIMARY KEY,"
    " warnings integer NOT NULL, cells integer NOT NULL, kept text NOT NULL,"
    " FOREIGN KEY(board, ingest_id) REFERENCES ingests(board, ingest_id));"
    "CREATE VIEW observations_v WITH (security_invoker = true) AS SELECT"
    " o.obs_id, o.board, o.ingest_id, i.feed, i.source_id, s.service_id,"
    " a.area_code, p.period, m.measure_id, b.dimensions, o.value, o.scale,"
    " CASE o.status WHEN 0 THEN 'actual' WHEN 1 THEN 'suppressed'"
    "  WHEN 2 THEN 'missing' ELSE 'estimated' END AS value_status,"
    " o.bound, m.unit, 'r' || o.line || 'c' || o.col AS locator," RAW_AGAIN
    " FROM observations o"
    " JOIN ingests i ON i.ingest_id = o.ingest_id"
    " JOIN periods p ON p.period_key = o.period_key"
    " JOIN areas a ON a.area_key = o.area_key"
    " JOIN measures m ON m.measure_key = o.measure_key"
    " JOIN breakdowns b ON b.breakdown_key = o.breakdown_key"
    " LEFT JOIN services s ON s.service_key = o.service_key;"
    "CREATE VIEW current_observations WITH (security_invoker = true) AS"
    " SELECT v.* FROM current_periods c JOIN observations_v v"
    " ON v.board = c.board AND v.feed = c.feed AND v.period = c.period"
    " AND v.ingest_id = c.ingest_id;",
    /* 2: many boards, one database: a hub's role reads and writes only
     * its boards' rows. board_roles says which boards a role has (a hub's
     * role one, a region's reader several); a role sees only its own
     * lines, and its policy is for reading only, so only the owner can
     * write it, even if a role is granted INSERT on every table. Every board table gets a policy
     * from it, for every command, so a row of another board can be
     * neither read, changed nor written. The owner of the tables (the
     * role that migrated them, as a single board's hub is) is not bound
     * by policies, so nothing changes for it. */
    "CREATE TABLE board_roles(role name NOT NULL, board text NOT NULL,"
    " PRIMARY KEY(role, board));"
    "ALTER TABLE board_roles ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY own_lines ON board_roles FOR SELECT"
    " USING (role = current_user);"
    "GRANT SELECT ON board_roles TO PUBLIC;"
    BOARD_POLICY("ingests")
    BOARD_POLICY("observations")
    BOARD_POLICY("current_periods")
    BOARD_POLICY("receipts")
    BOARD_POLICY("records")
    BOARD_POLICY("ingest_warnings"),
    /* 3: feeds the hub fetches over HTTPS (SQLite's 8), a board's own:
     * per feed, what a conditional request needs and since when fetching
     * has failed; per fetched body, its provenance. The active hub of a
     * board fetches; a standby that takes over reads where it left off. */
    "CREATE TABLE pull_state("
    " board text NOT NULL, feed text NOT NULL, etag text, last_modified text,"
    " ok_ms bigint, failing_since_ms bigint, failures integer NOT NULL,"
    " error text, updated_at timestamptz NOT NULL,"
    " PRIMARY KEY(board, feed));"
    "CREATE TABLE pulls("
    " pull_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, feed text NOT NULL, url text NOT NULL,"
    " etag text, last_modified text, sha256 text NOT NULL,"
    " bytes bigint NOT NULL, file_name text NOT NULL,"
    " fetched_at timestamptz NOT NULL);"
    "CREATE INDEX pulls_by_feed ON pulls(board, feed, pull_id);"
    BOARD_POLICY("pull_state")
    BOARD_POLICY("pulls"),
    /* 4: a board's summaries (SQLite's 2), every controlled cell of each
     * version (the audit log, 6) and the deliveries they owe, with failed
     * files' reports (the outbox, 7 and 11), a board's own, under the same
     * policy. A cell and a delivery point at their summary through
     * (board, summary_id), so never at another board's; an idempotency
     * key is unique within its board (a key of another board's is not a
     * clash this hub may learn of). */
    "CREATE TABLE summaries("
    " summary_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, period text NOT NULL, version integer NOT NULL,"
    " meeting text, sha256 text NOT NULL, produced_at timestamptz NOT NULL,"
    " folder text NOT NULL,"
    " UNIQUE(board, period, version), UNIQUE(board, summary_id));"
    "CREATE TABLE published_cells("
    " cell_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, summary_id bigint NOT NULL,"
    " measure_id text NOT NULL, source_id text NOT NULL,"
    " area_code text NOT NULL, dimensions text NOT NULL,"
    " value bigint NOT NULL, scale integer NOT NULL,"
    " state text NOT NULL CHECK(state IN"
    "  ('shown', 'primary', 'secondary', 'source')),"
    " threshold bigint NOT NULL, ingests text NOT NULL,"
    " whole integer NOT NULL, rule integer NOT NULL,"
    " FOREIGN KEY(board, summary_id) REFERENCES summaries(board, summary_id));"
    "CREATE INDEX published_cells_by_summary"
    " ON published_cells(board, summary_id, cell_id);"
    "CREATE TABLE outbox("
    " outbox_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " board text NOT NULL, summary_id bigint,"
    " destination text NOT NULL, key text NOT NULL, files text NOT NULL,"
    " state text NOT NULL CHECK(state IN"
    "  ('pending', 'sending', 'sent', 'retrying', 'parked')),"
    " attempts integer NOT NULL, since_ms bigint NOT NULL,"
    " next_ms bigint NOT NULL, status bigint NOT NULL, answer text,"
    " updated_at timestamptz NOT NULL,"
    " feed text, folder text, recipient text,"
    " UNIQUE(board, key),"
    " FOREIGN KEY(board, summary_id) REFERENCES summaries(board, summary_id),"
    " CHECK((summary_id IS NULL) = (recipient IS NOT NULL)));"
    "CREATE INDEX outbox_due ON outbox(board, state, next_ms);"
    BOARD_POLICY("summaries")
    BOARD_POLICY("published_cells")
    BOARD_POLICY("outbox"),
    /* 5: which of a board's hubs is active (pgstore_leader.c): a lease
     * row a board, under the board policy, so only the board's roles can
     * read, take or even lock it; an advisory lock, which any role can
     * take by its key, let another board's role keep a board's hubs from
     * ever becoming active. holder_pid is the active hub's backend on its
     * leader connection; renewed_at when it last tried. */
    "CREATE TABLE board_leases("
    " board text PRIMARY KEY, holder_pid integer, renewed_at timestamptz);"
    BOARD_POLICY("board_leases"),
};
/* clang-format on */

const int pgstore_n_migrations =
    (int)(sizeof pgstore_migrations / sizeof *pgstore_migrations);
_Static_assert(sizeof pgstore_migrations / sizeof *pgstore_migrations ==
                   PGSTORE_SCHEMA_VERSION,
               "PGSTORE_SCHEMA_VERSION must name the last migration");

/* Every table a hub writes, for pgstore_check(). */
const char *const pgstore_tables[] = {
    "ingests",      "areas",      "periods",         "measures",
    "services",     "breakdowns", "observations",    "current_periods",
    "receipts",     "records",    "ingest_warnings", "pull_state",
    "pulls",        "summaries",  "published_cells", "outbox",
    "board_leases", NULL};

/* The version in schema_migrations, 0 when there is no such table. In the
 * caller's transaction, if any. */
static int read_version(struct pgstore *ps, int *version,
                        struct dahub_error *err) {
  PGresult *res;
  int code;

  *version = 0;
  res = pgstore_query(ps, "SELECT to_regclass('schema_migrations') IS NOT NULL",
                      0, NULL, "read schema version", &code, err);
  if (res == NULL)
    return code;
  if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
    PQclear(res);
    return 0;
  }
  PQclear(res);
  res = pgstore_query(ps,
                      "SELECT coalesce(max(version), 0) FROM schema_migrations",
                      0, NULL, "read schema version", &code, err);
  if (res == NULL)
    return code;
  *version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
  PQclear(res);
  return 0;
}

int pgstore_schema_read(struct pgstore *ps, int *version,
                        struct dahub_error *err) {
  return read_version(ps, version, err);
}

int pgstore_migrate(struct pgstore *ps, const char *const *migrations,
                    int n_migrations, int latest, int *version,
                    struct dahub_error *err) {
  char v[16];
  const char *params[1] = {v};
  int rc, have;

  if (latest > n_migrations)
    latest = n_migrations;
  if ((rc = pgstore_exec(ps, "BEGIN", "migrate", err)) != 0)
    return rc;
  if ((rc = pgstore_exec(ps, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
                         "migrate", err)) != 0 ||
      (rc = read_version(ps, &have, err)) != 0)
    goto fail;
  if (have > n_migrations) {
    rc = dahub_error_set(err, -EPROTO, 0, 0,
                         "postgresql: schema version %d is newer than this "
                         "dahub (%d); refusing to touch it",
                         have, n_migrations);
    goto fail;
  }
  if (have == 0 && latest > 0 &&
      (rc = pgstore_exec(ps,
                         "CREATE TABLE schema_migrations("
                         " version integer PRIMARY KEY,"
                         " applied_at timestamptz NOT NULL DEFAULT now())",
                         "migrate", err)) != 0)
    goto fail;
  *version = have;
  for (; have < latest; have++) {
    char what[32];
    PGresult *res;

    (void)snprintf(v, sizeof v, "%d", have + 1);
    (void)snprintf(what, sizeof what, "migration %d", have + 1);
    if ((rc = pgstore_exec(ps, migrations[have], what, err)) != 0)
      goto fail;
    res = pgstore_query(ps, "INSERT INTO schema_migrations(version) VALUES($1)",
                        1, params, "record schema version", &rc, err);
    PQclear(res);
    if (rc != 0)
      goto fail;
  }
  if ((rc = pgstore_exec(ps, "COMMIT", "migrate", err)) != 0)
    goto fail;
  *version = have > *version ? have : *version;
  return 0;
fail:
  PQclear(PQexec(ps->conn, "ROLLBACK"));
  return rc;
}
