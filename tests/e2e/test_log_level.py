"""What the journal gets: hub.json's log_level, the command line's
--log-level over it, and a reload that changes it."""

import os
import signal
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "demo_long"
GOOD = [["Charnwood", "FY2024-25-Q1", "helpline_contacts", "M", "31"]]
BAD = [["Charnwood", "FY2024-25-Q1", "helpline_contactz", "M", "31"]]


class LogLevelTest(HubTestCase):

    def start_quiet(self, hub, extra_args=()):
        """Starts a daemon whose event=ready (info) may not be logged: ready
        once the spool it makes at start is there."""
        hub.start(wait_ready=False, extra_args=extra_args)
        hub.wait_for(lambda: os.path.isdir(hub.dir(FEED, "incoming")),
                     what="the spool made at start")

    def prios(self, hub):
        return {e["prio"] for e in hub.events()}

    def test_warning_logs_problems_and_nothing_routine(self):
        hub = self.make_hub(hub_extra={"log_level": "warning"})
        self.start_quiet(hub)
        hub.drop(FEED, "good.csv", csv_bytes(GOOD))
        hub.wait_done(FEED, "good.csv")
        hub.drop(FEED, "bad.csv", csv_bytes(BAD))
        hub.wait_failed(FEED, "bad.csv")
        self.assertEvent(hub, "file_failed", file="bad.csv")
        hub.stop()
        self.assertEqual(hub.events("file_done"), [])
        self.assertEqual(hub.events("ready"), [])
        self.assertTrue(self.prios(hub) <= {0, 1, 2, 3, 4}, self.prios(hub))

    def test_the_command_line_wins_over_hub_json(self):
        hub = self.make_hub(hub_extra={"log_level": "warning"})
        self.start_quiet(hub, extra_args=("--log-level", "debug"))
        hub.drop(FEED, "good.csv", csv_bytes(GOOD))
        hub.wait_done(FEED, "good.csv")
        self.assertEvent(hub, "file_claimed", file="good.csv")
        self.assertEvent(hub, "file_done", file="good.csv")
        hub.stop()

    def test_a_reload_takes_the_new_level(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(GOOD))
        hub.wait_done(FEED, "q1.csv")
        self.assertEvent(hub, "file_done", file="q1.csv")
        self.assertEqual(hub.events("file_claimed"), [], "no debug at info")
        hub.hub_conf["log_level"] = "debug"
        hub.write_hub_json(hub.hub_conf)
        hub.proc.send_signal(signal.SIGHUP)
        self.assertEvent(hub, "reloaded")
        hub.drop(FEED, "q2.csv", csv_bytes([GOOD[0][:1] + ["FY2024-25-Q2"] +
                                            GOOD[0][2:]]))
        hub.wait_done(FEED, "q2.csv")
        self.assertEvent(hub, "file_claimed", file="q2.csv")
        hub.stop()

    def test_an_unknown_level_is_refused(self):
        hub = self.make_hub()
        got = hub.cli("check", "--config", hub.config, "--log-level", "verbose")
        self.assertEqual(got.returncode, 2)
        self.assertIn("--log-level: expected", got.stderr)
        hub.hub_conf["log_level"] = "loud"
        hub.write_hub_json(hub.hub_conf)
        got = hub.cli("check", "--config", hub.config)
        self.assertEqual(got.returncode, 1)
        self.assertIn('log_level "loud": expected', got.stderr)


if __name__ == "__main__":
    unittest.main()
