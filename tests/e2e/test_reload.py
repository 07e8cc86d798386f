"""SIGHUP: the daemon loads its configuration again, checks it whole, and
swaps it in only then; a broken one leaves the running one in place."""

import os
import signal
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (HubTestCase, csv_bytes, fy_periods, grid_rows,  # noqa: E402
                       long_feed)

ROWS = [["Charnwood", "FY2024-25-Q1", "helpline_contacts", "M", "31"]]


class ReloadTest(HubTestCase):

    def hup_and_wait(self, hub, event, n_before):
        hub.proc.send_signal(signal.SIGHUP)
        hub.wait_for(lambda: len(hub.events(event)) > n_before,
                     what="event=%s after SIGHUP" % event)

    def test_a_new_feed_is_picked_up_without_a_restart(self):
        hub = self.make_hub()
        hub.start()
        hub.write_feed(long_feed(name="second", source_id="wall",
                                 service_id="wall.refuge"))
        self.hup_and_wait(hub, "reloaded", 0)
        self.assertEqual(hub.events("reloaded")[-1]["feeds"], "2")
        hub.drop("second", "q1.csv", csv_bytes(ROWS))
        hub.wait_done("second", "q1.csv")
        hub.drop("demo_long", "q1.csv", csv_bytes(ROWS))
        hub.wait_done("demo_long", "q1.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 2)
        self.assertTrue(hub.running())
        hub.stop()

    def test_a_broken_config_keeps_the_running_one(self):
        hub = self.make_hub()
        hub.start()
        bad = long_feed(name="broken")
        bad["colour"] = "blue"  # an unknown key: the whole reload is refused
        hub.write_feed(bad)
        self.hup_and_wait(hub, "reload_refused", 0)
        self.assertTrue(any("colour" in e.get("detail", "")
                            for e in hub.events("reload_error")))
        self.assertFalse(os.path.exists(hub.dir("broken", "incoming")))
        hub.drop("demo_long", "q1.csv", csv_bytes(ROWS))
        hub.wait_done("demo_long", "q1.csv")
        self.assertEqual(hub.events("reloaded"), [])
        hub.stop()

    def test_reload_during_a_large_ingest_stores_it_once(self):
        hub = self.make_hub()
        hub.start()
        periods = [p for y in range(2018, 2025) for p in fy_periods(y)]
        data = csv_bytes(grid_rows(60000, periods))
        hub.drop("demo_long", "big.csv", data)
        # SIGHUP as soon as the file is claimed (in work/ or already done)
        hub.wait_for(lambda: os.listdir(hub.dir("demo_long", "work"))
                     or os.listdir(hub.dir("demo_long", "done")),
                     what="the big file claimed")
        self.hup_and_wait(hub, "reloaded", 0)
        hub.wait_done("demo_long", "big.csv", timeout=120)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 60000)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
