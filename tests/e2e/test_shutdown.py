"""SIGTERM/SIGINT: a clean stop with exit 0 within the grace period, idle or in
the middle of a large file, and nothing half-stored."""

import os
import signal
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (HEADER_AGE, HubTestCase, age_feed, csv_bytes, fy_periods,  # noqa: E402
                       grid_rows, sha256)

FEED = "demo_age"
LARGE_ROWS = 200000
MARGIN_S = 5.0  # on top of the grace period: rollback, closing the store


class ShutdownTest(HubTestCase):

    large = None

    @classmethod
    def large_file(cls):
        if cls.large is None:
            periods = fy_periods(2023) + fy_periods(2024) + fy_periods(2022)
            cls.large = csv_bytes(grid_rows(LARGE_ROWS, periods, with_age=True), header=HEADER_AGE)
        return cls.large

    def test_sigterm_while_idle_exits_0_at_once(self):
        hub = self.make_hub(feeds=[age_feed()], shutdown_grace_ms=10000)
        hub.start()
        hub.stop(signal.SIGTERM)
        self.assertLess(hub.last_stop_seconds, 10.0)
        # And starts again on the same state.
        hub.start()
        hub.stop(signal.SIGTERM)

    def test_sigint_while_idle_exits_0(self):
        hub = self.make_hub(feeds=[age_feed()], shutdown_grace_ms=10000)
        hub.start()
        hub.stop(signal.SIGINT)
        self.assertLess(hub.last_stop_seconds, 10.0)

    def sigterm_mid_ingest(self, grace_ms):
        hub = self.make_hub(feeds=[age_feed()], shutdown_grace_ms=grace_ms)
        hub.start()
        data = self.large_file()
        hub.drop(FEED, "large.csv", data)
        where = hub.wait_for(
            lambda: ("work" if hub.listdir(FEED, "work") else
                     "done" if hub.listdir(FEED, "done") else None),
            timeout=60, what="large.csv claimed")
        self.assertEqual(where, "work", "large.csv was stored before the test could stop the "
                         "daemon mid-ingest: make the file larger")
        hub.stop(signal.SIGTERM, timeout=grace_ms / 1000.0 + MARGIN_S + 10)
        self.assertLess(hub.last_stop_seconds, grace_ms / 1000.0 + MARGIN_S,
                        "exit within the grace period (%d ms)\n%s" % (grace_ms, hub.log_tail()))

        # Nothing half-stored: the file is either wholly stored (and in done/)
        # or not at all (and still to do).
        stored = hub.scalar("SELECT count(*) FROM observations_v") if os.path.exists(hub.store_path) else 0
        in_done = hub.listdir(FEED, "done") == ["large.csv"]
        self.assertIn(stored, (0, LARGE_ROWS), "half-stored after SIGTERM")
        self.assertEqual(stored == LARGE_ROWS, in_done,
                         "stored=%d but done/=%s" % (stored, hub.listdir(FEED, "done")))
        if not in_done:
            self.assertEqual(hub.listdir(FEED, "work") + hub.listdir(FEED, "incoming"), ["large.csv"],
                             "an abandoned file stays to be done")

        hub.start(ready_timeout=180)  # large.csv, if left in work/, is ingested first
        hub.wait_done(FEED, "large.csv", timeout=180)
        hub.stop()
        self.assertEqual(hub.listdir(FEED, "done"), ["large.csv"])
        self.assertEqual(hub.query("SELECT sha256, observations FROM ingests"),
                         [{"sha256": sha256(data), "observations": LARGE_ROWS}])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), LARGE_ROWS)
        self.assertEqual(hub.scalar("PRAGMA integrity_check"), "ok")
        return hub

    def test_sigterm_mid_ingest_with_a_long_grace(self):
        self.sigterm_mid_ingest(10000)

    def test_sigterm_mid_ingest_with_a_short_grace_abandons_safely(self):
        self.sigterm_mid_ingest(200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
