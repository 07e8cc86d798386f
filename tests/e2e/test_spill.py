"""Distinct counts through temporary files, in the real daemon.

A case-level extract with more people than the plugin keeps in memory
spills (fingerprint, figure) pairs to unlinked temporary files in $TMPDIR
(plugins/mapped/agg.c). This test drops a synthetic LWA-shaped extract of
that size into the real daemon with the shipped lwa feed:

- with $TMPDIR missing, the spill fails: the file is retried (it stays in
  work/, the reason is logged), not failed;
- once the folder exists, the retry stores it (and, as a case-level
  extract, it then leaves done/), the counts equal those of the
  plain-Python reference (tests/bench/reference.py) on the same file, and
  nothing is left in the folder.

All data is synthetic (tests/bench/gen.py).
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import SOURCE_DIR, HubTestCase, scaled  # noqa: E402

FEED = "lwa"
CONF = os.path.join(SOURCE_DIR, "conf")
BENCH = os.path.join(SOURCE_DIR, "tests", "bench")
# 64 partitions of 2,730 pairs each are kept in memory; one pair per row
# with a first contact (nine rows in ten): well past it.
ROWS = 260000


class SpillTest(HubTestCase):

    def make_lwa_hub(self):
        with open(os.path.join(CONF, "feeds.d", FEED + ".json")) as f:
            feed = json.load(f)
        hub = self.make_hub(feeds=[])
        hub.write_feed(feed)
        key = os.path.join(hub.conf_dir, feed["hmac_key_file"])
        os.makedirs(os.path.dirname(key), exist_ok=True)
        shutil.copyfile(os.path.join(CONF, feed["hmac_key_file"]), key)
        os.chmod(key, 0o600)  # git keeps 644; the hub wants 600
        return hub

    def start_with_tmpdir(self, hub, tmpdir):
        old = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = tmpdir
        try:
            hub.start()
        finally:
            if old is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = old

    def reference(self, hub, extract):
        """The reference's figures for the extract, in an SQLite file."""
        out = os.path.join(hub.outside_dir, "reference.sqlite")
        subprocess.run([sys.executable, os.path.join(BENCH, "reference.py"),
                        os.path.join(CONF, "feeds.d", FEED + ".json"),
                        os.path.join(CONF, "keys", "lwa.key"), extract, out],
                       check=True, timeout=scaled(120))
        return out

    def test_failed_spill_is_retried_then_counts_are_exact(self):
        hub = self.make_lwa_hub()
        extract = os.path.join(hub.outside_dir, "extract.csv")
        subprocess.run([sys.executable, os.path.join(BENCH, "gen.py"), "cases",
                        str(ROWS), extract], check=True, timeout=scaled(120))
        ref = self.reference(hub, extract)
        scratch = os.path.join(hub.root, "scratch")  # not there yet
        self.start_with_tmpdir(hub, scratch)
        name = "lwa_extract_2024-25_Q1.csv"
        with open(extract, "rb") as f:
            hub.drop(FEED, name, f.read())

        retry = self.assertEvent(hub, "file_retry", timeout=scaled(60), file=name)
        self.assertIn("could not spill distinct case references to a "
                      "temporary file: No such file or directory",
                      retry[0].get("reason", ""), retry)
        self.assertEqual(hub.data_files(FEED, "failed"), [], hub.spool_state())
        self.assertNotIn(name, hub.data_files(FEED, "done"))
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)

        os.makedirs(scratch, mode=0o700)
        # stored: a case-level extract then leaves done/ at once (retention)
        self.assertEvent(hub, "file_removed", timeout=scaled(90), feed=FEED,
                         folder="done", file=name)
        self.assertEqual(os.listdir(scratch), [],
                         "spill files have no name and vanish when closed")
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)

        # The same figures as the reference, compared in SQL: individuals
        # supported are the distinct counts that went through the files.
        figures = ("SELECT service_id, area_code, period, measure_id,"
                   " dimensions, value FROM %s")
        ours = figures % "main.current_observations WHERE value_status = 'actual'"
        theirs = figures % "ref.figures"
        with sqlite3.connect(hub.store_path) as con:
            con.execute("ATTACH ? AS ref", (ref,))
            n_ours = con.execute("SELECT count(*) FROM (%s)" % ours).fetchone()[0]
            n_theirs = con.execute("SELECT count(*) FROM (%s)" % theirs).fetchone()[0]
            only = con.execute("SELECT count(*) FROM (%s EXCEPT %s) UNION ALL "
                               "SELECT count(*) FROM (%s EXCEPT %s)"
                               % (ours, theirs, theirs, ours)).fetchall()
            people = con.execute(
                "SELECT sum(value) FROM main.current_observations WHERE"
                " measure_id = 'individuals_supported'").fetchone()[0]
        self.assertEqual((n_ours, only), (n_theirs, [(0,), (0,)]))
        self.assertGreater(people, 100000)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
