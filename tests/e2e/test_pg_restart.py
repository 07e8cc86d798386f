"""The crash soak on PostgreSQL: the server restarted, or down for a while,
while the daemon ingests.

The test starts a cluster of its own (tests/support/pg_cluster.sh start in
a temporary folder), since it restarts and stops that server: the shared
test cluster (DAHUB_TEST_PG) serves other tests at the same time and is
never touched. The real daemon's store is a database in it.

Checked: a large synthetic file whose figures are streaming into the
server (its COPY seen in pg_stat_activity) when the server is restarted,
at a random moment within the ingest (seeded, DAHUB_E2E_SEED), a few
rounds: the daemon logs the failed attempt and a retry, and stores the
file exactly once (one row in ingests for its hash, its figures counted
once, the file in done/, nothing in failed/); after the restarts a small
file is stored normally, `dahub status` answers with the store's counts,
and `dahub report` reads the store. Then the server is down for a few
seconds while files arrive: they wait in work/ and are stored once it is
back, none lost, none in failed/.

Runs when DAHUB_TEST_PG is set (the suite's PostgreSQL run) and
PostgreSQL 15's binaries are installed; skipped otherwise. All data is
synthetic.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pg_e2e  # noqa: E402
from dahub_e2e import (HEADER_AGE, SOURCE_DIR, HubTestCase, age_feed, csv_bytes,  # noqa: E402
                       fy_periods, grid_rows, long_feed, scaled, sha256)

CLUSTER_SH = os.path.join(SOURCE_DIR, "tests", "support", "pg_cluster.sh")
PG_BIN = os.environ.get("PG_BIN") or "/usr/lib/postgresql/15/bin"
AGE = "demo_age"
LONG = "demo_long"
PERIODS = fy_periods(2023) + fy_periods(2024)  # 38 distinct periods
ROWS = 40000  # a file whose ingest takes a while (half a second or more here)
ROUNDS = 4
DOWN_S = 4    # how long the server is down while files arrive
SETTLE_TIMEOUT = 90.0  # a large file, through retries, to done/
COPYING = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
           " AND state = 'active' AND query LIKE 'COPY pg_temp.obs_stage%'")


def cluster(cmd, folder):
    r = subprocess.run([CLUSTER_SH, cmd, folder], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("pg_cluster.sh %s: %s" % (cmd, r.stderr.strip()))
    return r.stdout.strip()


@unittest.skipUnless(pg_e2e.SUPERUSER, "DAHUB_TEST_PG is not set")
@unittest.skipUnless(os.access(os.path.join(PG_BIN, "initdb"), os.X_OK),
                     "no PostgreSQL 15 binaries (apt-get install postgresql-15)")
class PgRestartTest(HubTestCase):

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="dahub-e2e-pgrestart-")
        os.rmdir(self.folder)  # pg_cluster.sh makes it, private
        self.addCleanup(cluster, "stop", self.folder)
        self.superuser = cluster("start", self.folder)

    def make_pg_hub(self, feeds):
        hub = self.make_hub(feeds=feeds, settle_ms=50, rescan_ms=200,
                            pg_cluster=self.superuser)
        # before the hub's cleanup drops its database: a server left down by
        # a failed test is brought up
        self.addCleanup(self.ensure_up)
        return hub

    def ensure_up(self):
        if not os.path.exists(os.path.join(self.folder, "data", "postmaster.pid")):
            cluster("up", self.folder)

    def status(self, hub):
        """`dahub status --json` of the running daemon."""
        r = hub.cli("status", "--config", hub.config, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    @staticmethod
    def leader(hub):
        """The hub's last leader_active or leader_standby event."""
        evs = [e["event"] for e in hub.events() if e["event"].startswith("leader_")]
        return evs[-1] if evs else None

    def copying(self, hub):
        """Whether a file's figures are streaming into the server now."""
        return hub.scalar(COPYING) > 0

    def assertStoredOnce(self, hub, feed, name, data, n):
        digest = sha256(data)
        hub.wait_done(feed, name, timeout=SETTLE_TIMEOUT)
        got = hub.query("SELECT ingest_id, observations FROM ingests WHERE sha256 = ?",
                        (digest,))
        self.assertEqual(len(got), 1, "%s: one row in ingests for its hash" % name)
        self.assertEqual(got[0]["observations"], n, name)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v WHERE ingest_id = ?",
                                    (got[0]["ingest_id"],)), n, "%s's figures once" % name)
        self.assertEqual(hub.data_files(feed, "failed"), [], name)
        self.assertEqual([f for f in hub.listdir(feed, "done") if f.endswith(".duplicate.json")],
                         [], "%s: a retried file is not a duplicate" % name)

    def test_a_restart_mid_ingest_retries_the_file_and_stores_it_once(self):
        seed = int(os.environ.get("DAHUB_E2E_SEED") or time.time_ns() % 1000000)
        sys.stderr.write("restart seed: DAHUB_E2E_SEED=%d\n" % seed)
        rng = random.Random(seed)
        hub = self.make_pg_hub([age_feed(), long_feed()])
        hub.start()

        # How long the file's figures take here, on this machine, with no
        # restart: the restarts below fall within that time.
        data = csv_bytes(grid_rows(ROWS, PERIODS, with_age=True, seed=seed),
                         header=HEADER_AGE)
        hub.drop(AGE, "calibrate.csv", data)
        self.assertStoredOnce(hub, AGE, "calibrate.csv", data, ROWS)
        ingest_s = float(hub.events("file_done", file="calibrate.csv")[0]["ms"]) / 1000
        sys.stderr.write("an ingest of %d figures: %.2f s\n" % (ROWS, ingest_s))

        retried = 0
        for i in range(1, ROUNDS + 1):
            name = "round%d.csv" % i
            data = csv_bytes(grid_rows(ROWS, PERIODS, with_age=True, seed=seed + i),
                             header=HEADER_AGE)
            hub.drop(AGE, name, data)
            # its figures streaming in; on a loaded machine the whole file
            # may be through between two looks, and the round restarts a
            # server between files instead
            hub.wait_for(lambda: self.copying(hub) or hub.data_files(AGE, "done").count(name),
                         what="%s's COPY" % name)
            time.sleep(rng.uniform(0, 0.8 * ingest_s))
            cluster("restart", self.folder)
            self.assertStoredOnce(hub, AGE, name, data, ROWS)
            if hub.events("file_retry", file=name):
                retried += 1
                self.assertTrue(hub.events("retry_scheduled", file=name), name)
            else:
                sys.stderr.write("note: %s was stored before the restart\n" % name)
        self.assertGreater(retried, 0, "no restart fell within an ingest (seed %d)" % seed)
        self.assertEqual(hub.data_files(AGE, "done"),
                         sorted(["calibrate.csv"] + ["round%d.csv" % i
                                                      for i in range(1, ROUNDS + 1)]))
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), ROUNDS + 1)
        # each round's file corrects the one before (the same keys)
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), ROWS)

        # the daemon's other connections came back too: a file, the status
        # (its scan reads the store), a report
        small = csv_bytes(grid_rows(20, PERIODS[:1], seed=seed))
        hub.drop(LONG, "after.csv", small)
        self.assertStoredOnce(hub, LONG, "after.csv", small, 20)
        # the lock's connection: the hub is the board's active hub again
        hub.wait_for(lambda: self.leader(hub) == "leader_active",
                     what="the hub active again")
        doc = self.status(hub)
        self.assertEqual(doc["role"], "active")
        self.assertEqual(doc["outbox"]["pending"], 0)  # read from the store
        self.assertEqual({f["feed"]: f["last_result"] for f in doc["feeds"]},
                         {AGE: "stored", LONG: "stored"})
        r = hub.cli("report", "--config", hub.config, "--period", PERIODS[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(hub.running())
        hub.stop()
        self.assertEqual(hub.events("file_failed"), [])

    def test_files_arriving_while_the_server_is_down_wait_and_are_stored(self):
        seed = int(os.environ.get("DAHUB_E2E_SEED") or time.time_ns() % 1000000)
        hub = self.make_pg_hub([long_feed()])
        hub.start()
        first = csv_bytes(grid_rows(20, PERIODS[:1], seed=seed))
        hub.drop(LONG, "before.csv", first)
        self.assertStoredOnce(hub, LONG, "before.csv", first, 20)

        cluster("down", self.folder)
        files = {"down%d.csv" % i: csv_bytes(grid_rows(300, [PERIODS[i]], seed=seed + i))
                 for i in range(1, 6)}
        for name, data in files.items():
            hub.drop(LONG, name, data)
        hub.wait_for(lambda: all(hub.events("file_retry", file=n) for n in files),
                     what="every file tried and found the server down")
        time.sleep(DOWN_S)
        self.assertEqual(hub.data_files(LONG, "failed"), [])
        self.assertEqual(hub.data_files(LONG, "done"), ["before.csv"])
        self.assertEqual(sorted(hub.listdir(LONG, "work")), sorted(files),
                         "the files wait in work/")
        self.assertTrue(hub.running())
        # each failed try says why: the store's own reason, not a bare errno
        reasons = {e["reason"] for e in hub.events("file_retry") if e["file"] in files}
        self.assertEqual([r for r in reasons if not r.startswith("postgresql: ")], [])
        cluster("up", self.folder)

        for name, data in files.items():
            self.assertStoredOnce(hub, LONG, name, data, 300)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), len(files) + 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"),
                         20 + 300 * len(files))
        doc = self.status(hub)
        self.assertEqual({f["feed"]: f["last_result"] for f in doc["feeds"]},
                         {LONG: "stored"})
        hub.stop()
        self.assertEqual(hub.events("file_failed"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
