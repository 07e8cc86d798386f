"""Crash recovery: files left in work/ are resolved before event=ready, and a
daemon killed with SIGKILL at random moments loses nothing and counts nothing
twice."""

import os
import random
import shutil
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (HEADER_AGE, ON_PG, HubTestCase, age_feed, csv_bytes, fy_periods,  # noqa: E402
                       grid_rows, long_feed, sha256)

FEED = "demo_long"
PERIODS = fy_periods(2023) + fy_periods(2024)  # 38 distinct periods


class WorkLeftoversTest(HubTestCase):
    """Deterministic: files are put into work/ by hand before the start."""

    def put_in_work(self, hub, name, data):
        work = hub.dir(FEED, "work")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)

    def assertLoggedBeforeReady(self, hub, name):
        """If the log reports the file at all, it does so before event=ready."""
        evs = [e.get("event") if e.get("file") != name else "FILE" for e in hub.events(all_runs=False)]
        if "FILE" in evs:
            self.assertLess(evs.index("FILE"), evs.index("ready"), "%s resolved after event=ready: %s"
                            % (name, evs))

    def test_unknown_file_in_work_is_ingested_before_ready(self):
        hub = self.make_hub()
        # Large enough that recovering after event=ready would be caught below.
        n = 5000
        data = csv_bytes(grid_rows(n, PERIODS[:10]))
        self.put_in_work(hub, "leftover.csv", data)
        hub.start()
        # event=ready has been logged: recovery must be over already.
        self.assertEqual(hub.listdir(FEED, "work"), [], "work/ resolved before event=ready")
        self.assertEqual(hub.listdir(FEED, "done"), ["leftover.csv"])
        self.assertLoggedBeforeReady(hub, "leftover.csv")
        ing = hub.query("SELECT file_name, sha256, size_bytes, observations FROM ingests")
        self.assertEqual(ing, [{"file_name": "leftover.csv", "sha256": sha256(data),
                                "size_bytes": len(data), "observations": n}])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), n)

        # The same content again in work/, as after a crash between commit and
        # the move to done/: it moves to done/ and nothing is counted twice.
        hub.stop()
        shutil.copyfile(hub.path(FEED, "done", "leftover.csv"), hub.path(FEED, "work", "again.csv"))
        hub.start()
        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertIn("again.csv", hub.listdir(FEED, "done"))
        self.assertEqual(hub.data_files(FEED, "done"), ["again.csv", "leftover.csv"])
        self.assertLoggedBeforeReady(hub, "again.csv")
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), n)
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), n)
        hub.stop()

    def test_stored_file_in_work_under_its_own_name_is_not_recounted(self):
        hub = self.make_hub()
        hub.start()
        data = csv_bytes(grid_rows(20, PERIODS[:1]))
        hub.drop(FEED, "q1.csv", data)
        hub.wait_done(FEED, "q1.csv")
        hub.stop()
        # Simulate the crash window: committed, not yet moved.
        os.rename(hub.path(FEED, "done", "q1.csv"), hub.path(FEED, "work", "q1.csv"))
        hub.start()
        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertEqual(hub.listdir(FEED, "done"), ["q1.csv"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 20)
        hub.stop()

    def test_bad_file_in_work_goes_to_failed_before_ready(self):
        hub = self.make_hub()
        self.put_in_work(hub, "bad.csv", csv_bytes([["Atlantis", PERIODS[1], "helpline_contacts", "M", "1"]]))
        hub.start()
        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertEqual(hub.listdir(FEED, "failed"), ["bad.csv", "bad.csv.error.json",
                                                         "bad.csv.error.txt"])
        self.assertLoggedBeforeReady(hub, "bad.csv")
        self.assertEqual(hub.read_json(FEED, "failed", "bad.csv.error.json")["found"], "Atlantis")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)
        hub.stop()


class KillTest(HubTestCase):

    def test_sigkill_mid_ingest_of_a_large_file(self):
        hub = self.make_hub(feeds=[age_feed()])
        hub.start()
        n = 50000
        data = csv_bytes(grid_rows(n, PERIODS, with_age=True), header=HEADER_AGE)
        hub.drop("demo_age", "large.csv", data)
        where = hub.wait_for(
            lambda: ("work" if hub.listdir("demo_age", "work") else
                     "done" if hub.listdir("demo_age", "done") else None),
            what="large.csv claimed")
        hub.kill()
        if where == "done":
            sys.stderr.write("note: large.csv was done before the kill; no mid-ingest crash\n")
        hub.start(ready_timeout=120)  # large.csv in work/ is ingested before event=ready
        hub.wait_done("demo_age", "large.csv", timeout=120)
        hub.stop()
        self.assertEqual(hub.listdir("demo_age", "done"), ["large.csv"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT observations FROM ingests"), n)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), n)
        if not ON_PG:  # PostgreSQL's pages are its server's to check
            self.assertEqual(hub.scalar("PRAGMA integrity_check"), "ok")

    def test_sigkill_at_random_moments_loses_nothing_and_counts_nothing_twice(self):
        seed = int(os.environ.get("DAHUB_E2E_SEED") or time.time_ns() % 1000000)
        sys.stderr.write("kill loop seed: DAHUB_E2E_SEED=%d\n" % seed)
        rng = random.Random(seed)
        n_files, rows = 30, 500
        hub = self.make_hub(feeds=[long_feed()], settle_ms=50, rescan_ms=200)
        files = {}
        for i in range(n_files):
            files["r%02d.csv" % i] = csv_bytes(grid_rows(rows, [PERIODS[i]], seed=seed + i))
        self.assertEqual(len({sha256(d) for d in files.values()}), n_files)

        hub.start()
        errors = []
        pauses = [rng.uniform(0, 0.08) for _ in files]

        def dropper():
            try:
                for (name, data), pause in zip(files.items(), pauses):
                    hub.drop(FEED, name, data)
                    time.sleep(pause)
            except BaseException as e:  # reported by the main thread
                errors.append(e)

        t = threading.Thread(target=dropper)
        t.start()
        try:
            for _ in range(5):
                time.sleep(rng.uniform(0, 0.3))
                hub.kill()
                hub.start(ready_timeout=90)
        finally:
            t.join()
        if errors:
            raise errors[0]

        hub.wait_for(lambda: (not hub.listdir(FEED, "incoming") and not hub.listdir(FEED, "work")
                              and len(hub.data_files(FEED, "done")) + len(hub.data_files(FEED, "failed"))
                              >= n_files),
                     timeout=90, what="all %d files through" % n_files)
        hub.stop()

        self.assertEqual(hub.data_files(FEED, "failed"), [], "seed %d" % seed)
        self.assertEqual(hub.data_files(FEED, "done"), sorted(files), "every file in done/ exactly once")
        self.assertEqual([n for n in hub.listdir(FEED, "done") if n.endswith(".duplicate.json")], [],
                         "a recovered file is not a duplicate")
        for name, data in files.items():
            with open(hub.path(FEED, "done", name), "rb") as f:
                self.assertEqual(f.read(), data, name)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), n_files)
        self.assertEqual(hub.query("SELECT sha256, count(*) AS n FROM ingests GROUP BY sha256 HAVING count(*) > 1"), [])
        self.assertEqual(sorted(r["sha256"] for r in hub.query("SELECT sha256 FROM ingests")),
                         sorted(sha256(d) for d in files.values()))
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), n_files * rows)
        self.assertEqual(hub.query("SELECT ingest_id, count(*) AS n FROM observations_v GROUP BY ingest_id "
                                   "HAVING count(*) != %d" % rows), [])
        self.assertEqual(hub.query("SELECT i.ingest_id FROM ingests i WHERE i.observations != %d" % rows), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), n_files * rows)
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_periods"), n_files)
        self.assertEqual(hub.scalar("SELECT count(*) FROM receipts WHERE outcome = 'failed'"), 0)
        if not ON_PG:  # PostgreSQL's pages are its server's to check
            self.assertEqual(hub.scalar("PRAGMA integrity_check"), "ok")


if __name__ == "__main__":
    unittest.main(verbosity=2)
