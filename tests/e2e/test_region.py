"""A region's combined summary (`dahub report --boards A,B`), end to end on
a real PostgreSQL ($DAHUB_TEST_PG; skipped without it).

Two boards keep their figures in one database: each hub, the real daemon
configured with "store": {"postgresql": ...}, ingests its own synthetic
return of a feed both boards call "demo_long". A region's reader, a role
given both boards and SELECT only, writes the combined summary. Where
nothing is hidden, each combined figure is the sum of the two boards' own
summaries' figures; the careful reader (reader.py), given the combined
summary and the true combined figures, works out or narrows no hidden
cell. A role without one of the boards is refused, naming it, and a hub
on SQLite is told a region needs PostgreSQL.
"""

import json
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (HubTestCase, csv_bytes, grid_rows,  # noqa: E402
                       long_feed)
import pg_e2e  # noqa: E402
import reader  # noqa: E402

ADMIN = os.environ.get("DAHUB_TEST_PG", "")
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("DAHUB_SOURCE_DIR", os.path.join(HERE, "..", ".."))
Q1 = "FY2024-25-Q1"
MARKER = "[c]"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv"],
           "threshold": 5, "meetings": []}
BOARDS = ("leics", "rutland")


def threshold_of(area):
    return SUMMARY["threshold"]


def vocabulary():
    with open(os.path.join(SOURCE, "conf", "vocabulary.json")) as f:
        return json.load(f)


def psql(conninfo, sql):
    """Runs sql; its rows as lists of text (None for NULL)."""
    r = subprocess.run([pg_e2e._tool("psql"), "-X", "-q", "-At", "-F", "\t",
                        "-P",
                        "null=\\N", "-v", "ON_ERROR_STOP=1", "-d", conninfo,
                        "-c", sql], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("psql: %s: %s" % (sql, r.stderr))
    return [[None if c == "\\N" else c for c in line.split("\t")]
            for line in r.stdout.splitlines() if line]


def key_value(fig):
    return reader.key_of(fig), fig.get("value")


@unittest.skipUnless(ADMIN, "DAHUB_TEST_PG is not set (tests/support/"
                     "pg_cluster.sh starts a PostgreSQL for the tests)")
class RegionTest(HubTestCase):

    def setUp(self):
        self.db = "dahub_region_%d" % os.getpid()
        psql(ADMIN, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        psql(ADMIN, "CREATE DATABASE %s" % self.db)
        self.addCleanup(psql, ADMIN,
                        "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        self.dbinfo = pg_e2e.with_dbname(ADMIN, self.db)

    def conninfo_file(self, hub, user=None):
        path = os.path.join(hub.conf_dir, "pg.conninfo")
        with open(path, "w") as f:
            f.write(self.dbinfo + (" user=%s" % user if user else "") + "\n")
        os.chmod(path, 0o600)
        return path

    def role(self, name, boards):
        """A region's reader: SELECT on every table, these boards."""
        role = "%s_%s" % (self.db, name)
        psql(self.dbinfo, "SET client_min_messages = warning;"
             "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN;"
             "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;" %
             (role, role, role) +
             "".join("INSERT INTO board_roles VALUES ('%s', '%s');" %
                     (role, b) for b in boards))
        self.addCleanup(psql, self.dbinfo,
                        "DROP OWNED BY %s; DROP ROLE %s" % (role, role))
        return role

    def board_hub(self, board, rows):
        """A hub of board on the database that stores one file of rows."""
        hub = self.make_hub(feeds=[long_feed()], label=board)
        hub.hub_conf["summary"] = SUMMARY
        hub.hub_conf["store"] = {"postgresql": {
            "conninfo_file": self.conninfo_file(hub), "board": board}}
        hub.write_hub_json(hub.hub_conf)
        hub.start()
        hub.drop("demo_long", "q1.csv", csv_bytes(rows))
        hub.wait_done("demo_long", "q1.csv")
        hub.stop()
        return hub

    def report(self, hub, *extra):
        return hub.cli("report", "--config", hub.config, "--period", Q1,
                       *extra)

    def board_summary(self, hub):
        r = self.report(hub)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(hub.root, "outbox", Q1, "v1",
                               "summary.json")) as f:
            return json.load(f)

    def region_hub(self, like, user):
        """A configuration for the region's reader: the boards' vocabulary
        and summary settings, the reader's role."""
        hub = self.make_hub(feeds=[long_feed()], label="region")
        hub.hub_conf["summary"] = SUMMARY
        hub.hub_conf["store"] = {"postgresql": {
            "conninfo_file": self.conninfo_file(hub, user),
            "board": like}}
        hub.write_hub_json(hub.hub_conf)
        return hub

    def true_cells(self, period, board=None):
        """The true figures of the boards' combined table (or one
        board's), each feed under its board's name."""
        rows = psql(self.dbinfo,
                    "SELECT board || '/' || feed, source_id,"
                    " coalesce(service_id, ''), measure_id, area_code,"
                    " dimensions, period, value_status, value"
                    " FROM current_observations"
                    " WHERE left(period, 9) = '%s'" % period[:9] +
                    (" AND board = '%s'" % board if board else ""))
        rows = [r[:8] + [int(r[8]) if r[8] is not None else None]
                for r in rows]
        return reader.true_cells_of(rows, period, vocabulary())

    def test_combined_summary_is_the_sum_and_holds_against_the_reader(self):
        # every cell of leics; rutland's other figures, of fewer cells
        a = self.board_hub("leics", grid_rows(500, [Q1], seed=1))
        b = self.board_hub("rutland", grid_rows(420, [Q1], seed=2))
        doc_a, doc_b = self.board_summary(a), self.board_summary(b)
        region = self.region_hub("leics", self.role("region", BOARDS))
        out = os.path.join(region.root, "region-out")
        r = self.report(region, "--boards", "rutland,leics", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("region summary of rutland,leics", r.stdout)
        self.assertEqual(sorted(os.listdir(out)), ["summary.csv",
                                                   "summary.json"])
        with open(os.path.join(out, "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["region"], {"boards": ["leics", "rutland"]})
        self.assertNotIn("version", doc)
        self.assertEqual([(c["feed"], c["status"])
                          for c in doc["completeness"]],
                         [("leics/demo_long", "reported"),
                          ("rutland/demo_long", "reported")])
        # nothing recorded: the boards' own versions are all there is
        self.assertEqual(psql(self.dbinfo, "SELECT count(*) FROM summaries"),
                         [["2"]])

        # where nothing is hidden, a combined figure is the boards' sum
        board_figs = [dict(key_value(f) for f in d["figures"]
                           if f["unit"] == "count")
                      for d in (doc_a, doc_b)]
        compared = 0
        for fig in doc["figures"]:
            if fig["unit"] != "count" or fig.get("marker") is not None:
                continue
            k = reader.key_of(fig)
            parts = [figs.get(k, 0) for figs in board_figs]
            if any(not isinstance(p, int) for p in parts):
                continue  # hidden (or not a whole count) at a board
            self.assertEqual(fig["value"], sum(parts), fig)
            compared += 1
        self.assertGreater(compared, 400)

        # the disclosure audit holds on the combined table
        truth = self.true_cells(Q1)
        hidden = [f for f in doc["figures"] if f.get("marker") == MARKER]
        self.assertGreater(len(hidden), 0)
        for fig in doc["figures"]:
            if fig["unit"] == "count" and fig.get("marker") is None:
                value, _ = truth[reader.key_of(fig)]
                self.assertEqual(fig["value"], value, fig)
        rd = reader.Reader(vocabulary())
        rd.add(doc, truth)
        self.assertEqual(rd.weaknesses({MARKER}, threshold_of), [])
        # ... and against a reader who holds the boards' own summaries too
        # and adds them up
        rd = reader.Reader(vocabulary())
        rd.add(doc_a, self.true_cells(Q1, "leics"), "leics")
        rd.add(doc_b, self.true_cells(Q1, "rutland"), "rutland")
        rd.add(doc, truth)
        self.assertEqual(rd.weaknesses({MARKER}, threshold_of), [])

    def test_a_board_without_the_period_is_listed_not_reported(self):
        self.board_hub("leics", grid_rows(50, [Q1], seed=1))
        self.board_hub("rutland", grid_rows(50, ["FY2024-25-Q2"], seed=2))
        # the tables' owner reads every board, with no line of board_roles
        region = self.region_hub("leics", None)
        out = os.path.join(region.root, "region-out")
        r = self.report(region, "--boards", "leics,rutland", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual([(c["feed"], c["source_id"], c["status"])
                          for c in doc["completeness"]],
                         [("leics/demo_long", "freeva", "reported"),
                          ("rutland/demo_long", "freeva", "not_reported")])
        self.assertEqual(doc["completeness"][0]["ingests"], 1)

    def test_a_board_the_role_does_not_read_is_refused(self):
        self.board_hub("leics", grid_rows(50, [Q1], seed=1))
        self.board_hub("rutland", grid_rows(50, [Q1], seed=2))
        region = self.region_hub("leics", self.role("leics_only", ["leics"]))
        out = os.path.join(region.root, "region-out")
        r = self.report(region, "--boards", "leics,rutland", "--out", out)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("may not read board rutland's rows (its boards: leics)",
                      r.stderr)
        self.assertFalse(os.path.exists(out))
        # a name that is no board's is refused before anything is read
        r = self.report(region, "--boards", "leics,Rutland", "--out", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn('found "Rutland"', r.stderr)


class RegionOnSqliteTest(HubTestCase):

    def test_sqlite_store_is_told_a_region_needs_postgresql(self):
        hub = self.make_hub(feeds=[long_feed()])
        r = hub.cli("report", "--config", hub.config, "--period", Q1,
                    "--boards", "leics,rutland", "--out",
                    os.path.join(hub.root, "out"))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("--boards needs a PostgreSQL store", r.stderr)
        # --out and --boards go together, with report only
        r = hub.cli("report", "--config", hub.config, "--period", Q1,
                    "--boards", "leics")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
