"""The wire thread of the real daemon: deliveries and pulls run on a loop
of their own, so a store call of theirs that waits (an ingest's write lock
on SQLite, a server on the network for PostgreSQL) holds neither the spool
intake, nor `dahub status`, nor a stop.

The daemon's test hook (DAHUB_TEST_WIRE_MS, daemon_hooks.c) holds the wire
thread once it has started, as a store call that does not come back would.
Meanwhile a dropped file is stored, `dahub status` answers at once and
SIGTERM ends the daemon within its grace period; once the hold is over the
pull goes ahead and its file reaches the spool.

And since a wait there holds no one else, the wire thread's store calls
wait out a write lock held for seconds (as an ingest holds it for a whole
file) rather than fail: the pull's record is written once the lock goes."""

import json
import os
import signal
import sqlite3
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402
from servers.https import HTTPSServer  # noqa: E402

HOOKS_BUILT = os.environ.get("DAHUB_TEST_HOOKS_BUILT", "ON").upper() in (
    "ON", "1", "TRUE", "YES")
FEED = "demo_long"
PULLED = "demo_pulled"
Q1 = "FY2024-25-Q1"
TOKEN = "Bearer synthetic-partner-token-58"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json"], "meetings": []}
GRACE_MS = 2000
LOCK_S = 3.0  # the store's write lock held this long: over a pull's interval
MARGIN_S = 5.0  # on top of the grace period: the process's own exit


def rows(value):
    return [["Charnwood", Q1, "helpline_contacts", "M", str(value)]]


class WireTest(HubTestCase):

    def make_pulling_hub(self, web, deliveries=()):
        pulled = long_feed(PULLED, service_id=None)
        pulled["pull"] = {"url": web.url + "/returns/q1.csv", "every": "2s",
                          "ca_file": web.ca_file, "auth_file": "partner-token"}
        hub = self.make_hub(feeds=[long_feed(FEED), pulled],
                            shutdown_grace_ms=GRACE_MS,
                            hub_extra={"summary": SUMMARY})
        token = os.path.join(hub.conf_dir, "partner-token")
        with open(token, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token, 0o600)
        if deliveries:
            hub.hub_conf["deliveries"] = list(deliveries)
            hub.write_hub_json(hub.hub_conf)
        return hub

    def start_held(self, web, hold_ms, deliveries=()):
        if not HOOKS_BUILT:
            self.skipTest("built without DAHUB_TEST_HOOKS")
        hub = self.make_pulling_hub(web, deliveries)
        hub.start(env={"DAHUB_TEST_HOOKS": "1",
                       "DAHUB_TEST_WIRE_MS": str(hold_ms)})
        self.assertEvent(hub, "test_hooks", wire_ms=str(hold_ms))
        self.assertEvent(hub, "test_wire_hold", ms=str(hold_ms))
        return hub

    def status_seconds(self, hub):
        t0 = time.monotonic()
        got = hub.cli("status", "--config", hub.config, "--json")
        self.assertEqual(got.returncode, 0, got.stderr)
        return time.monotonic() - t0

    def test_a_held_wire_thread_holds_no_intake_status_or_stop(self):
        hold_ms = 60000
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_resource("/returns/q1.csv", csv_bytes(rows(12)), etag='"v1"')
            hub = self.start_held(web, hold_ms)
            t0 = time.monotonic()
            hub.drop(FEED, "during.csv", csv_bytes(rows(31)))
            hub.wait_done(FEED, "during.csv")
            self.assertLess(self.status_seconds(hub), scaled(3),
                            "the status socket waited for the wire thread")
            self.assertLess(time.monotonic() - t0, hold_ms / 1000.0 / 2)
            # the pulls wait with the wire thread: nothing was fetched
            self.assertEqual(web.requests_for("/returns/q1.csv"), [])
            hub.stop(signal.SIGTERM, timeout=GRACE_MS / 1000.0 + MARGIN_S + 10)
            self.assertLess(hub.last_stop_seconds, GRACE_MS / 1000.0 + MARGIN_S,
                            "exit within the grace period\n" + hub.log_tail())
            self.assertTrue(hub.events("shutdown_grace_expired"), hub.log_tail())
            self.assertEqual(hub.events("test_wire_hold_over"), [],
                             "the stop waited for the wire thread")

    def test_deliveries_and_pulls_go_on_once_the_wire_thread_is_free(self):
        hold_ms = 5000
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_resource("/returns/q1.csv", csv_bytes(rows(12)), etag='"v1"')
            web.set_default("/figures", {"status": 201, "body": "created"})
            board = {"name": "dashboard", "kind": "https",
                     "url": web.url + "/figures", "payloads": ["json"],
                     "auth_file": "partner-token", "ca_file": web.ca_file,
                     "timeout": "5s"}
            hub = self.start_held(web, hold_ms, deliveries=[board])
            hub.drop(FEED, "during.csv", csv_bytes(rows(31)))
            hub.wait_done(FEED, "during.csv")
            self.assertEqual(hub.events("test_wire_hold_over"), [],
                             "stored while the wire thread was held")
            r = hub.cli("report", "--config", hub.config, "--period", Q1)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEvent(hub, "delivery_sent", timeout=scaled(30),
                             destination="dashboard")
            self.assertEvent(hub, "pull_stored", timeout=scaled(20), feed=PULLED)
            names = [e["event"] for e in hub.events()]
            self.assertLess(names.index("test_wire_hold_over"),
                            names.index("pull_stored"))
            (pull,) = [e for e in hub.events("pull_stored")]
            hub.wait_done(PULLED, pull["file"])
            hub.wait_for(lambda: self.stored(hub, PULLED) == 1, scaled(10),
                         "the pulled file counted as stored")
            # a stop once the wire thread is free is a clean one
            hub.stop(signal.SIGTERM)
            self.assertLess(hub.last_stop_seconds, GRACE_MS / 1000.0 + MARGIN_S)
            self.assertEqual(hub.events("shutdown_grace_expired"), [])
            (stopped,) = hub.events("stopped")
            self.assertEqual((stopped["stored"], stopped["delivered"]), ("2", "1"))

    def test_a_write_lock_held_for_seconds_is_waited_for(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_resource("/returns/q1.csv", csv_bytes(rows(12)), etag='"v1"')
            hub = self.make_pulling_hub(web)
            hub.start()
            self.assertEvent(hub, "pull_stored", timeout=scaled(20), feed=PULLED)
            (pull,) = hub.events("pull_stored")
            hub.wait_done(PULLED, pull["file"])
            # Every fetch from now on is a 304, whose record is a write: one
            # falls within each hold of the lock (or one made just before it
            # waits through the whole of it).
            for _ in range(2):
                before = len(hub.events("pull_unchanged"))
                con = sqlite3.connect(hub.store_path, timeout=scaled(10),
                                      isolation_level=None)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    time.sleep(LOCK_S)
                    con.execute("COMMIT")
                finally:
                    con.close()
                hub.wait_for(lambda: len(hub.events("pull_unchanged")) > before,
                             scaled(10), "a pull recorded after the lock")
            for event in ("pull_record_failed", "pull_failed",
                          "delivery_lookup_failed", "delivery_record_failed"):
                self.assertEqual(hub.events(event), [], hub.log_tail())
            hub.stop()

    def stored(self, hub, feed):
        got = hub.cli("status", "--config", hub.config, "--json")
        self.assertEqual(got.returncode, 0, got.stderr)
        (f,) = [f for f in json.loads(got.stdout)["feeds"] if f["feed"] == feed]
        return f["stored"]


if __name__ == "__main__":
    unittest.main()
