"""The status socket of the real daemon: `dahub status` (table, --json,
--metrics) after known events, the metrics textfile, clients that send
garbage, too much, nothing, or come 200 at once, and a slow scan of the
spool and the store that the loop does not wait for."""

import datetime
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

FEED = "demo_long"
HOOKS_BUILT = os.environ.get("DAHUB_TEST_HOOKS_BUILT", "ON").upper() in (
    "ON", "1", "TRUE", "YES")
SCAN_MS = 3000  # each status scan sleeps this long on the thread pool


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def quarter_end_before(d):
    """The last day of the latest quarter that ended before day d."""
    q_start_month = ((d.month - 4) % 12) // 3 * 3 + 4  # Apr, Jul, Oct, Jan
    start = datetime.date(d.year if q_start_month <= d.month else d.year - 1,
                          (q_start_month - 1) % 12 + 1, 1)
    return start - datetime.timedelta(days=1)


def last_quarter(d=None):
    """The latest UK financial-year quarter that ended before day d."""
    prev = quarter_end_before(d or today())
    fy = prev.year if prev.month >= 4 else prev.year - 1
    q = ((prev.month - 4) % 12) // 3 + 1
    return "FY%d-%02d-Q%d" % (fy, (fy + 1) % 100, q)


def judged_quarter(due_days):
    """The quarter a feed with due_days is judged late on: the latest
    whose due days have passed."""
    return last_quarter(today() - datetime.timedelta(days=due_days))


def rows(period, value="31", measure="helpline_contacts"):
    return [["Charnwood", period, measure, "M", value]]


def feed(name, **extra):
    f = long_feed(name)
    f.update(extra)
    return f


class StatusTest(HubTestCase):

    def make(self, **kw):
        feeds = [feed(FEED), feed("demo_late", due_days=0),
                 feed("demo_annual", expect="annual")]
        return self.make_hub(feeds=feeds, **kw)

    def status(self, hub, *args):
        got = hub.cli("status", "--config", hub.config, *args)
        self.assertEqual(got.returncode, 0, got.stderr)
        return got.stdout

    def status_json(self, hub):
        return json.loads(self.status(hub, "--json"))

    def by_feed(self, doc):
        return {f["feed"]: f for f in doc["feeds"]}

    def settled(self, hub, feed_name, result):
        """The status once feed's last file settled as result, else None."""
        doc = self.status_json(hub)
        return doc if self.by_feed(doc)[feed_name]["last_result"] == result else None

    def ask(self, hub, data, read=True):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(scaled(10))
        s.connect(os.path.join(hub.state_dir, "status.sock"))
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        while read:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
        s.close()
        return out

    def test_status_reports_each_feeds_state(self):
        hub = self.make()
        hub.start()
        period = judged_quarter(30)  # the default due_days
        good = csv_bytes(rows(period))
        hub.drop(FEED, "good.csv", good)
        hub.wait_done(FEED, "good.csv")
        hub.drop(FEED, "bad.csv", csv_bytes(rows(period, "lots")))
        hub.wait_failed(FEED, "bad.csv")
        hub.drop(FEED, "again.csv", good)
        hub.wait_done(FEED, "again.csv")
        # the file is in done/ a moment before the loop counts it (the
        # duplicate's receipt is written in between)
        doc = hub.wait_for(lambda: self.settled(hub, FEED, "duplicate"),
                           what="the duplicate counted")
        self.assertEqual(doc["schema"], "dahub.status/1")
        feeds = self.by_feed(doc)
        self.assertEqual(sorted(feeds), ["demo_annual", "demo_late", FEED])
        f = feeds[FEED]
        self.assertEqual((f["stored"], f["duplicate"], f["failed"],
                          f["store_retries"], f["observations"], f["waiting"]),
                         (1, 1, 1, 0, 1, 0))
        self.assertEqual(f["last_result"], "duplicate")
        self.assertIsNotNone(f["last_success"])
        self.assertIsNotNone(f["last_at"])
        self.assertFalse(f["late"], "its return for %s is in" % period)
        self.assertEqual(f["period"], period)
        late = feeds["demo_late"]
        self.assertEqual(late["period"], last_quarter())
        self.assertTrue(late["late"], "nothing for %s, due at its end" %
                        late["period"])
        self.assertEqual((late["stored"], late["failed"], late["last_result"],
                          late["last_success"]), (0, 0, None, None))
        self.assertFalse(feeds["demo_annual"]["late"], "not due each quarter")
        self.assertEqual(doc["outbox"], {"pending": 0, "sending": 0, "sent": 0,
                                         "retrying": 0, "parked": 0})
        self.assertNotIn("good.csv", json.dumps(doc), "no file names")
        table = self.status(hub)
        # the quarter beside each, when feeds are judged on different ones
        self.assertRegex(table, r"(?m)^demo_late .* late( FY\S+)?$")
        self.assertRegex(table, r"(?m)^%s .* duplicate .* ok( FY\S+)?$" % FEED)
        self.assertIn("outbox: 0 pending", table)
        hub.stop()
        self.assertFalse(os.path.lexists(os.path.join(hub.state_dir, "status.sock")))
        got = hub.cli("status", "--config", hub.config)
        self.assertEqual(got.returncode, 1)
        self.assertIn("the daemon is not running", got.stderr)

    def test_a_missed_quarter_stays_late_until_the_next_is_due(self):
        """With due days longer than the latest quarter has been over, a
        feed is judged on the quarter before it: one that has not sent that
        is late, even with a return for the latest quarter in; one that has
        is not."""
        latest = last_quarter()
        due = (today() - quarter_end_before(today())).days + 10
        before = judged_quarter(due)
        self.assertNotEqual(before, latest)
        hub = self.make_hub(feeds=[feed("demo_missed", due_days=due),
                                   feed("demo_sent", due_days=due)])
        hub.start()
        hub.drop("demo_missed", "latest.csv", csv_bytes(rows(latest)))
        hub.wait_done("demo_missed", "latest.csv")
        hub.drop("demo_sent", "before.csv", csv_bytes(rows(before)))
        hub.wait_done("demo_sent", "before.csv")
        hub.wait_for(lambda: self.settled(hub, "demo_sent", "stored"),
                     what="demo_sent's file counted")
        feeds = self.by_feed(self.status_json(hub))
        self.assertEqual((feeds["demo_missed"]["late"],
                          feeds["demo_missed"]["period"]), (True, before))
        self.assertEqual((feeds["demo_sent"]["late"],
                          feeds["demo_sent"]["period"]), (False, before))
        # a late return, once stored, clears it at the next status
        hub.drop("demo_missed", "before.csv", csv_bytes(rows(before, "7")))
        hub.wait_done("demo_missed", "before.csv")
        hub.wait_for(lambda: not self.by_feed(self.status_json(hub))
                     ["demo_missed"]["late"], what="demo_missed not late")
        hub.stop()

    def test_metrics_parse_and_match_the_store(self):
        prom = None
        hub = self.make(hub_extra={"metrics_textfile": "../state/dahub.prom",
                                   "metrics_interval_ms": 1000})
        prom = os.path.join(hub.state_dir, "dahub.prom")
        hub.start()
        hub.drop(FEED, "q1.csv", csv_bytes(rows("FY2024-25-Q1") +
                                           rows("FY2024-25-Q1", "4", "referrals_received")))
        hub.wait_done(FEED, "q1.csv")
        hub.drop(FEED, "q2.csv", csv_bytes(rows("FY2024-25-Q2")))
        hub.wait_done(FEED, "q2.csv")
        hub.drop("demo_late", "x.csv", csv_bytes(rows("FY2024-25-Q2", "x")))
        hub.wait_failed("demo_late", "x.csv")

        def families(text):
            return {f.name: f for f in text_string_to_metric_families(text)}

        def value(fams, name, **labels):
            # a counter's family drops _total; its samples keep it
            for s in fams[name].samples:
                if s.name in (name, name + "_total") and s.labels == labels:
                    return s.value
            self.fail("no %s %s" % (name, labels))

        fams = families(self.status(hub, "--metrics"))
        for feed_name in ("demo_annual", "demo_late", FEED):
            for outcome, metric in (("stored", "dahub_files_stored"),
                                    ("duplicate", "dahub_files_duplicate"),
                                    ("failed", "dahub_files_failed")):
                n = hub.scalar("SELECT count(*) FROM receipts WHERE feed = ? AND outcome = ?",
                               (feed_name, outcome))
                self.assertEqual(value(fams, metric, feed=feed_name), n,
                                 (feed_name, outcome))
            self.assertEqual(value(fams, "dahub_observations_stored", feed=feed_name),
                             hub.scalar("SELECT count(*) FROM observations_v WHERE feed = ?",
                                        (feed_name,)))
        self.assertEqual(value(fams, "dahub_files_stored", feed=FEED), 2)
        self.assertEqual(value(fams, "dahub_observations_stored", feed=FEED), 3)
        self.assertEqual(fams["dahub_files_stored"].type, "counter")
        self.assertEqual(fams["dahub_files_waiting"].type, "gauge")
        self.assertGreater(value(fams, "dahub_last_success_timestamp_seconds", feed=FEED),
                           time.time() - 600)
        self.assertEqual(value(fams, "dahub_last_success_timestamp_seconds",
                               feed="demo_late"), 0)
        self.assertEqual(value(fams, "dahub_deliveries", state="pending"), 0)
        self.assertGreater(value(fams, "dahub_ingest_seconds", feed=FEED), 0)

        def textfile_counts():
            try:
                with open(prom) as fh:
                    f = families(fh.read())
            except FileNotFoundError:
                return None
            return value(f, "dahub_files_failed", feed="demo_late") == 1 and f
        fams = hub.wait_for(textfile_counts, what="the textfile with the failed file")
        self.assertEqual(value(fams, "dahub_files_stored", feed=FEED), 2)
        self.assertEqual(oct(os.stat(prom).st_mode & 0o777), oct(0o644))
        self.assertEqual([n for n in os.listdir(hub.state_dir) if "prom" in n],
                         ["dahub.prom"], "no temporary file left")
        hub.stop()

    def test_bad_clients_get_an_error_or_a_close(self):
        hub = self.make()
        hub.start()
        self.assertEqual(self.ask(hub, b"hello\n"),
                         b"error: unknown request (status, metrics)\n")
        self.assertIn(self.ask(hub, b"x" * (1 << 20)),
                      (b"", b"error: request too long\n"))
        self.assertIn(self.ask(hub, b"status" * 100),
                      (b"", b"error: request too long\n"))
        t0 = time.monotonic()
        self.assertEqual(self.ask(hub, b"stat"), b"", "closed when silent")
        self.assertLess(time.monotonic() - t0, scaled(8))
        many = []
        for _ in range(200):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(scaled(10))
            try:
                s.connect(os.path.join(hub.state_dir, "status.sock"))
            except (BlockingIOError, ConnectionRefusedError, socket.timeout):
                s.close()
                continue
            many.append(s)
        closed = 0
        for s in many:
            try:
                if s.recv(1) == b"":
                    closed += 1
            except (ConnectionResetError, socket.timeout):
                closed += 1
            s.close()
        self.assertEqual(closed, len(many), "each closed, at once or when silent")
        self.assertEvent(hub, "status_busy")
        hub.drop(FEED, "after.csv", csv_bytes(rows("FY2024-25-Q3")))
        hub.wait_done(FEED, "after.csv")
        self.assertEqual(self.by_feed(self.status_json(hub))[FEED]["stored"], 1)
        self.assertTrue(json.loads(self.ask(hub, b"status\r\n")))
        hub.stop()

    @unittest.skipUnless(HOOKS_BUILT, "built without DAHUB_TEST_HOOKS")
    def test_a_slow_scan_does_not_hold_the_loop(self):
        """Counting the spool folders and reading the store (a spool of a
        hundred thousand files takes seconds) happens on the thread pool:
        the daemon's test hook makes each scan take SCAN_MS there. While a
        client waits for it, a file is claimed and stored and a bad request
        is answered at once; clients that ask meanwhile share the next scan,
        and every one gets the whole answer."""
        hub = self.make()
        env = {"DAHUB_TEST_HOOKS": "1", "DAHUB_TEST_SCAN_MS": str(SCAN_MS)}
        os.environ.update(env)
        try:
            hub.start()
        finally:
            for k in env:
                del os.environ[k]
        self.assertEvent(hub, "test_hooks", scan_ms=str(SCAN_MS))
        hub.wait_for(lambda: os.path.exists(
            os.path.join(hub.state_dir, "status.sock")), what="the socket")
        answers = {}

        def slow(i):
            t0 = time.monotonic()
            answers[i] = (self.ask(hub, b"status\n"), time.monotonic() - t0)

        first = threading.Thread(target=slow, args=(0,))
        first.start()
        time.sleep(0.3)  # its scan is under way
        crowd = [threading.Thread(target=slow, args=(i,)) for i in range(1, 9)]
        for t in crowd:
            t.start()
        t0 = time.monotonic()
        self.assertEqual(self.ask(hub, b"hello\n"),
                         b"error: unknown request (status, metrics)\n")
        hub.drop(FEED, "during.csv", csv_bytes(rows("FY2024-25-Q3")))
        hub.wait_done(FEED, "during.csv")
        busy = time.monotonic() - t0
        self.assertTrue(first.is_alive(), "the scan outlasts the ingest")
        self.assertNotIn(0, answers)
        self.assertLess(busy, SCAN_MS / 1000.0, "the loop never waited")
        first.join()
        for t in crowd:
            t.join()
        self.assertEqual(sorted(answers), list(range(9)))
        for i, (text, took) in answers.items():
            doc = json.loads(text)
            self.assertEqual(doc["schema"], "dahub.status/1", i)
            self.assertGreaterEqual(took, SCAN_MS / 1000.0 * 0.9, i)
            # two scans at most: the one under way, then one for the rest
            self.assertLess(took, 2 * SCAN_MS / 1000.0 + scaled(2), i)
        # asked before the ingest, answered by the scan begun before it
        self.assertEqual(self.by_feed(json.loads(answers[0][0]))[FEED]["stored"],
                         1, "the counters as they are when it is answered")
        hub.stop()

    def test_a_stale_socket_is_replaced_and_a_file_is_not(self):
        hub = self.make()
        path = os.path.join(hub.state_dir, "status.sock")
        os.makedirs(hub.state_dir, exist_ok=True)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()  # left behind, as after a crash
        hub.start()
        self.assertEqual(self.status_json(hub)["feeds"][0]["stored"], 0)
        self.assertEqual(oct(os.stat(path).st_mode & 0o777), oct(0o660))
        hub.stop()
        with open(path, "w") as fh:
            fh.write("not a socket\n")
        hub.start()
        self.assertEvent(hub, "status_socket_failed")
        with open(path) as fh:
            self.assertEqual(fh.read(), "not a socket\n")
        hub.drop(FEED, "q1.csv", csv_bytes(rows("FY2024-25-Q1")))
        hub.wait_done(FEED, "q1.csv")
        got = hub.cli("status", "--config", hub.config)
        self.assertEqual(got.returncode, 1)
        self.assertIn("status.sock", got.stderr)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
