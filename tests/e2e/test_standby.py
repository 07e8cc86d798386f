"""Two hubs of one board on one PostgreSQL database: an active one and a
standby, each with its own spool and state folder.

Checked: the first hub started is active and the second a standby (their
logs, `dahub status`); a file dropped on both is stored once, and one
dropped on the standby alone is stored; while both run, only the active
hub delivers and pulls (the standby's log has no attempt of either); the
active hub is killed with SIGKILL in the middle of a delivery; the standby
is active within the stated bound (LEADER_TRY_MS and a try), pulls, and
produces the next meeting's summary exactly once (the summaries table and
the outbox); the killed hub's delivery goes again only once its lease has
ended, and the delivery server sees each idempotency key's first
successful processing once.

Needs the test cluster (DAHUB_TEST_PG); skipped without it. All data is
synthetic.
"""

import os
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pg_e2e  # noqa: E402
from dahub_e2e import FILE_TIMEOUT, HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402
from servers.https import HTTPSServer  # noqa: E402
from test_board import meeting_window_in  # noqa: E402

FEED = "demo_long"
TOKEN = "Bearer synthetic-token-58"
LEADER_TRY_S = 2.0  # LEADER_TRY_MS (hub/service/daemon_int.h)
TAKEOVER_S = LEADER_TRY_S + 1.0  # docs/postgresql.md: a try, and its own time
LEAD_S = 40         # the next meeting's window opens this long after start
TIMEOUT_S = 5       # the destination's timeout: a lease is it and 30 s
QUIET_S = 3
HOLD_S = 6          # how long the test's own session holds the lock


def rows(period, charnwood):
    return [["Charnwood", period, "helpline_contacts", "M", str(charnwood)],
            ["Blaby", period, "helpline_contacts", "F", "12"]]


@unittest.skipUnless(pg_e2e.SUPERUSER, "DAHUB_TEST_PG is not set")
class StandbyTest(HubTestCase):

    def make_board_hub(self, web, meeting, store_of=None):
        feed = long_feed(service_id=None)
        feed["pull"] = {"url": web.url + "/returns/q.csv", "every": "2s",
                        "ca_file": web.ca_file, "auth_file": "token"}
        dest = {"name": "dashboard", "kind": "https", "url": web.url + "/figures",
                "payloads": ["json"], "auth_file": "token", "ca_file": web.ca_file,
                "timeout": "%ds" % TIMEOUT_S}
        hub = self.make_hub(feeds=[feed], store_of=store_of, hub_extra={
            "summary": {"outbox_dir": "../outbox", "sinks": ["json"],
                        "meetings": [meeting], "days_before": 1},
            "deliveries": [dest]})
        if hub.pg is None:  # a run on SQLite: the database is this test's
            hub.pg = pg_e2e.Database(hub.conf_dir)
            hub.hub_conf["store"] = hub.pg.store_conf()
            hub.write_hub_json(hub.hub_conf)
        path = os.path.join(hub.conf_dir, "token")
        with open(path, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(path, 0o600)
        return hub

    def outbox(self, hub):
        return hub.query("SELECT o.outbox_id, o.key, o.state, o.next_ms, s.version"
                         " FROM outbox o JOIN summaries s USING (board, summary_id)"
                         " ORDER BY o.outbox_id")

    @staticmethod
    def pulled(hub):
        return hub.events("pull_stored") + hub.events("pull_unchanged")

    def status(self, hub):
        r = hub.cli("status", "--config", hub.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_the_standby_takes_over_after_a_kill(self):
        meeting_id, window_opens, period = meeting_window_in(LEAD_S)
        data = csv_bytes(rows(period, 31))

        with HTTPSServer(authorization=TOKEN) as web:
            # the first delivery is answered late and never: the active hub
            # is killed while it waits
            web.queue("/figures", {"delay": 10, "reset": True})
            web.set_default("/figures", {"status": 201})
            web.set_resource("/returns/q.csv", data, etag='"q"')
            a = self.make_board_hub(web, meeting_id)
            b = self.make_board_hub(web, meeting_id, store_of=a)

            a.start()
            self.assertEvent(a, "leader_active", board=pg_e2e.BOARD)
            b.start()
            self.assertEvent(b, "leader_standby", board=pg_e2e.BOARD,
                             reason="another hub is active")
            self.assertIn("role: active\n", self.status(a))
            self.assertIn("role: standby", self.status(b))

            # intake runs on both; the database stores a file once
            a.drop(FEED, "q.csv", data)
            b.drop(FEED, "q.csv", data)
            b.drop(FEED, "r.csv", csv_bytes(rows(period, 33)))
            for hub, name in ((a, "q.csv"), (b, "q.csv"), (b, "r.csv")):
                hub.wait_done(FEED, name)
            self.assertEqual(a.scalar("SELECT count(*) FROM ingests"), 2)

            # a summary recorded now goes out from the active hub only
            r = a.cli("report", "--config", a.config, "--period", period)
            self.assertEqual(r.returncode, 0, r.stderr)
            (first,) = web.wait_for_requests(1, path="/figures", timeout=scaled(20))
            a.wait_for(lambda: self.pulled(a), FILE_TIMEOUT, "a pull by the active hub")
            (row,) = a.wait_for(lambda: [o for o in self.outbox(a)
                                         if o["state"] == "sending"],
                                FILE_TIMEOUT, "the row on the wire")
            for event in ("delivery_attempt", "pull_stored", "pull_unchanged",
                          "pull_failed", "summary_published"):
                self.assertEqual(b.events(event), [], "the standby ran " + event)

            # killed mid-attempt: the standby is active at its next try
            lease_mono = time.monotonic() + row["next_ms"] / 1000.0 - time.time()
            a.kill()
            killed = time.monotonic()
            self.assertLess(time.time(), window_opens,
                            "the meeting's window opened before the kill")
            b.wait_for(lambda: b.events("leader_active"), scaled(TAKEOVER_S),
                       "leader_active within %.1f s" % TAKEOVER_S)
            self.assertLessEqual(time.monotonic() - killed, scaled(TAKEOVER_S))
            self.assertIn("role: active\n", self.status(b))
            b.wait_for(lambda: self.pulled(b), FILE_TIMEOUT, "a pull by the new active hub")

            # the next meeting's summary, by the standby, exactly once
            self.assertEvent(b, "summary_published", timeout=LEAD_S + FILE_TIMEOUT,
                             meeting=meeting_id, version="2")
            self.assertGreaterEqual(time.time(), window_opens - 1)
            deadline = time.monotonic() + scaled(QUIET_S)
            while time.monotonic() < deadline:
                self.assertEqual(len(b.events("summary_published")), 1)
                time.sleep(0.1)
            self.assertEqual(
                a.query("SELECT version, meeting FROM summaries ORDER BY version"),
                [{"version": 1, "meeting": None}, {"version": 2, "meeting": meeting_id}])
            b.wait_for(lambda: [o["state"] for o in self.outbox(b)] == ["sent", "sent"],
                       scaled(TIMEOUT_S + 30 + 30), "both deliveries sent")
            rows_now = self.outbox(b)
            self.assertEqual([o["version"] for o in rows_now], [1, 2])

            # the killed hub's row went again with its key, after its lease
            again = [q for q in web.requests_for("/figures")
                     if q.idempotency_key == first.idempotency_key]
            self.assertEqual(len(again), 2)
            self.assertGreaterEqual(again[1].time, lease_mono - 0.5,
                                    "a row on the wire was taken before its lease ended")
            counts = web.idempotency_counts()
            self.assertEqual(sorted(counts), sorted(o["key"] for o in rows_now))
            for key, c in counts.items():
                self.assertEqual(c["processed"], 1, key)
            self.assertEqual(counts[first.idempotency_key]["seen"], 2)
            b.stop()

    def test_only_the_active_hub_makes_summaries(self):
        # the meeting's window is open from the start
        meeting_id, _, period = meeting_window_in(-60)
        with HTTPSServer(authorization=TOKEN) as web:
            # nothing to pull (404): only the dropped return changes it
            web.set_default("/figures", {"status": 201})
            a = self.make_board_hub(web, meeting_id)
            b = self.make_board_hub(web, meeting_id, store_of=a)
            a.start()
            self.assertEvent(a, "summary_published", meeting=meeting_id, version="1")
            b.start()
            self.assertEvent(b, "leader_standby", board=pg_e2e.BOARD)

            # a return stored by the standby changes the summary, but the
            # standby does not look at the calendar
            b.drop(FEED, "r.csv", csv_bytes(rows(period, 33)))
            b.wait_done(FEED, "r.csv")
            deadline = time.monotonic() + scaled(QUIET_S)
            while time.monotonic() < deadline:
                self.assertEqual(b.events("summary_published"), [])
                time.sleep(0.1)
            self.assertEqual(a.scalar("SELECT count(*) FROM summaries"), 1)

            # the active hub stops: the standby takes over and looks at once
            a.stop()
            self.assertEvent(b, "leader_active", timeout=scaled(TAKEOVER_S))
            self.assertEvent(b, "summary_published", meeting=meeting_id, version="2")
            self.assertEqual(a.query("SELECT version, meeting FROM summaries"
                                     " ORDER BY version"),
                             [{"version": 1, "meeting": meeting_id},
                              {"version": 2, "meeting": meeting_id}])
            b.stop()

    def test_a_hub_that_loses_its_lock_stops_at_once(self):
        meeting_id, _, period = meeting_window_in(30 * 86400)  # not due
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_resource("/returns/q.csv", csv_bytes(rows(period, 31)), etag='"q"')
            a = self.make_board_hub(web, meeting_id)
            b = self.make_board_hub(web, meeting_id, store_of=a)
            a.start()
            self.assertEvent(a, "leader_active")
            b.start()
            self.assertEvent(b, "leader_standby")
            a.wait_for(lambda: self.pulled(a), FILE_TIMEOUT, "a pull by the active hub")

            # the server ends the active hub's lock connection, and a session
            # of the test's own takes the board's lease for HOLD_S at once
            # (each -c its own transaction): the hub lives on, connects
            # again, and finds the lease held
            lease = ("SELECT holder_pid FROM board_leases WHERE board = '%s'"
                     % pg_e2e.BOARD)
            before = a.pg.rows(lease)[0]["holder_pid"]
            holder = subprocess.Popen(
                [pg_e2e._tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                 "-d", a.pg.conninfo,
                 "-c", "SELECT pg_terminate_backend(holder_pid) FROM board_leases"
                       " WHERE board = '%s'" % pg_e2e.BOARD,
                 "-c", "UPDATE board_leases SET holder_pid = pg_backend_pid(),"
                       " renewed_at = now() WHERE board = '%s'" % pg_e2e.BOARD,
                 "-c", "SELECT pg_sleep(%d)" % HOLD_S],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            a.wait_for(lambda: a.pg.rows(lease)[0]["holder_pid"] not in (before, None),
                       FILE_TIMEOUT, "the test's session holding the lease")
            try:
                self.assertEvent(a, "leader_standby", timeout=scaled(TAKEOVER_S),
                                 prio=4)
                self.assertIn("role: standby", self.status(a))
                pulls = len(self.pulled(a))
                time.sleep(LEADER_TRY_S + 1)  # a pull interval and more
                self.assertEqual(len(self.pulled(a)), pulls, "a standby pulled")
                self.assertEqual(b.events("leader_active"), [])
            finally:
                self.assertEqual(holder.wait(scaled(HOLD_S + 10)), 0)
            # the lock free again: one of them takes it
            a.wait_for(lambda: len(a.events("leader_active")) == 2 or
                       b.events("leader_active"), scaled(TAKEOVER_S),
                       "a hub active again")
            roles = [self.status(h) for h in (a, b)]
            self.assertEqual(sum("role: active\n" in r for r in roles), 1, roles)
            a.stop()
            b.stop()

if __name__ == "__main__":
    unittest.main(verbosity=2)
