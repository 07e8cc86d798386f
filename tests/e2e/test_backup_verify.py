"""`dahub backup PATH` (a checked copy of the store while the daemon works)
and `dahub verify` (the store whole, each ingest's rows, each file of done/
against its recorded SHA-256).

All data is synthetic.
"""

import json
import os
import shutil
import sqlite3
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (HubTestCase, age_feed, csv_bytes, fy_periods,  # noqa: E402
                       grid_rows, long_feed, HEADER_AGE)

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
# values no report line may show (verify prints counts of rows, not figures)
ROWS = [["E07000130", Q1, "helpline_contacts", "male", "98761"],
        ["E07000131", Q1, "helpline_contacts", "female", "98762"],
        ["E07000132", Q1, "referrals_received", "female", "98763"]]


def open_copy(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    return con


class BackupTest(HubTestCase):

    def backup(self, hub, *args):
        return hub.cli("backup", "--config", hub.config, *args)

    def test_backup_while_the_daemon_ingests_is_a_whole_checked_copy(self):
        hub = self.make_hub(feeds=[age_feed()])
        hub.start()
        periods = fy_periods(2023) + fy_periods(2024)
        names = []
        for i in range(4):
            name = "big%d.csv" % i
            rows = grid_rows(40000, periods[i * 8:(i + 1) * 8], with_age=True, seed=i)
            hub.drop("demo_age", name, csv_bytes(rows, header=HEADER_AGE))
            names.append(name)
        copies = []
        # one copy after another while the daemon stores the files
        while len(copies) < 50 and len(hub.listdir("demo_age", "done")) < 4:
            path = os.path.join(hub.outside_dir, "copy%d.sqlite" % len(copies))
            r = self.backup(hub, path)
            self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
            copies.append(path)
        for n in names:
            hub.wait_done("demo_age", n, timeout=120)
        final = os.path.join(hub.outside_dir, "final.sqlite")
        r = self.backup(hub, final)
        self.assertEqual(r.returncode, 0, r.stderr)
        copies.append(final)
        stored = []
        for path in copies:
            con = open_copy(path)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "delete",
                             "a copy is one file")
            # a snapshot: every ingest it holds has all its rows, no more
            for ingest_id, recorded, held in con.execute(
                    "SELECT i.ingest_id, i.observations, (SELECT count(*) FROM"
                    " observations o WHERE o.ingest_id = i.ingest_id) FROM ingests i"):
                self.assertEqual(held, recorded, "%s: ingest %d" % (path, ingest_id))
            stored.append(con.execute("SELECT count(*) FROM ingests WHERE"
                                      " sha256 IS NOT NULL").fetchone()[0])
            con.close()
            self.assertEqual(os.stat(path).st_mode & 0o077, 0, "the copy is the owner's")
        self.assertLess(min(stored), 4, "no copy was taken while the daemon worked")
        con = open_copy(final)
        self.assertEqual(con.execute("SELECT count(*) FROM observations_v").fetchone()[0],
                         160000)
        self.assertEqual(con.execute("SELECT count(*) FROM ingests").fetchone()[0], 4)
        con.close()
        self.assertEqual(sorted(os.listdir(hub.outside_dir)),
                         sorted(os.path.basename(p) for p in copies),
                         "no temporary file left beside the copies")
        hub.stop()

    def test_backup_refuses_an_existing_path_unless_forced(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.wait_done(FEED, "q1.csv")
        path = os.path.join(hub.outside_dir, "store.sqlite")
        with open(path, "wb") as f:
            f.write(b"keep me")
        r = self.backup(hub, path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("already exists", r.stderr)
        self.assertIn("--force", r.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"keep me")
        self.assertEqual(os.listdir(hub.outside_dir), ["store.sqlite"])
        r = self.backup(hub, "--force", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = open_copy(path)
        self.assertEqual(con.execute("SELECT count(*) FROM observations_v").fetchone()[0], 3)
        con.close()
        # a folder that is not there: a clear error, nothing made
        r = self.backup(hub, os.path.join(hub.outside_dir, "no", "such.sqlite"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"dahub backup: .*No such file or directory")
        hub.stop()


class VerifyTest(HubTestCase):

    def verify(self, hub, config=None):
        return hub.cli("verify", "--config", config or hub.config)

    def assertVerifies(self, hub, config=None):
        r = self.verify(hub, config)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.assertIn("verify: ok", r.stdout)
        return r

    def assertProblems(self, hub, config=None):
        r = self.verify(hub, config)
        self.assertEqual(r.returncode, 1, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.assertRegex(r.stdout, r"verify: \d+ problems?")
        for v in ("98761", "98762", "98763"):
            self.assertNotIn(v, r.stdout + r.stderr, "a figure in the report")
        return r

    def test_verify_passes_then_names_a_file_altered_in_done(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(ROWS))
        hub.drop(FEED, "other.csv", csv_bytes(ROWS[:2]))
        hub.wait_done(FEED, "q1.csv")
        hub.wait_done(FEED, "other.csv")
        r = self.assertVerifies(hub)
        self.assertIn("feed demo_long: done/: 2 files as recorded", r.stdout)
        self.assertIn("ingests: 2 hold the observations they recorded", r.stdout)
        with open(hub.path(FEED, "done", "q1.csv"), "ab") as f:
            f.write(b"E07000133,FY2024-25-Q1,helpline_contacts,male,98763\n")
        r = self.assertProblems(hub)
        self.assertRegex(r.stdout, r'problem: feed demo_long: done/"q1\.csv": .*altered')
        self.assertNotIn("other.csv", r.stdout.split("feed demo_long: done/:")[0])
        hub.stop()

    def test_verify_fails_on_a_store_with_flipped_bytes(self):
        hub = self.make_hub()
        hub.start()
        rows = grid_rows(4000, fy_periods(2024))
        hub.drop(FEED, "q1.csv", csv_bytes(rows))
        hub.wait_done(FEED, "q1.csv")
        hub.stop()
        self.assertVerifies(hub)
        state2 = os.path.join(hub.root, "state-copy")
        shutil.copytree(hub.state_dir, state2)
        store2 = os.path.join(state2, "dahub.sqlite")
        con = sqlite3.connect(store2)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_schema WHERE"
                           " name = 'observations_by_ingest'").fetchone()[0]
        con.close()
        with open(store2, "r+b") as f:  # the index's root page, past its header
            at = (root - 1) * page_size + 12
            f.seek(at)
            flipped = bytes(b ^ 0x5A for b in f.read(200))
            f.seek(at)
            f.write(flipped)
        conf = dict(hub.hub_conf, state_dir="../state-copy")
        config2 = os.path.join(hub.conf_dir, "hub-copy.json")
        with open(config2, "w") as f:
            json.dump(conf, f)
        r = self.assertProblems(hub, config2)
        lines = r.stdout.splitlines()
        self.assertIn("store: damaged; ingests and files not checked", lines)
        problems = [l for l in lines if l.startswith("problem: store: ")]
        self.assertTrue(problems, r.stdout)
        self.assertEqual(len(lines), len(problems) + 2, "one problem a line")
        self.assertEqual(lines[-1], "verify: %d problems" % len(problems))
        # a copy of a damaged store fails its check and is not kept
        dest = os.path.join(hub.outside_dir, "damaged.sqlite")
        r = hub.cli("backup", "--config", config2, dest)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, r"dahub backup: .*fails integrity_check \(\d+ problems; first: ")
        self.assertEqual(os.listdir(hub.outside_dir), [])
        self.assertVerifies(hub)  # the store itself is untouched

    def test_verify_counts_files_retention_removed_and_flags_one_deleted_by_hand(self):
        brief = dict(long_feed("brief"), retain={"done": "0d"})
        hub = self.make_hub(feeds=[brief, long_feed("kept")])
        hub.start()
        hub.drop("brief", "q1.csv", csv_bytes(ROWS))
        hub.drop("kept", "q1.csv", csv_bytes(ROWS))
        hub.drop("kept", "q2.csv", csv_bytes(ROWS[:1]))
        hub.wait_done("kept", "q1.csv")
        hub.wait_done("kept", "q2.csv")
        self.assertEvent(hub, "file_removed", feed="brief", file="q1.csv")
        r = self.assertVerifies(hub)
        self.assertIn("feed brief: done/: 0 files as recorded, 1 removed by retention"
                      " (expected)", r.stdout)
        os.unlink(hub.path("kept", "done", "q2.csv"))
        r = self.assertProblems(hub)
        self.assertRegex(r.stdout, r'problem: feed kept: done/"q2\.csv": missing')
        self.assertNotIn("brief: done/\"q1.csv\"", r.stdout)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
