"""Feeds the hub fetches over HTTPS: the real `dahub serve` against a real
HTTPS server on 127.0.0.1 with a certificate from a test CA.

Checked: a scheduled pull is stored as a spooled file would be, with its
URL and ETag kept; the next is a 304 and stores nothing; a changed body
supersedes; an unchanged body without validators is recognised by its hash;
a server down, slow, failing, truncating or oversending is logged with its
reason and leaves nothing behind while dropped files are still ingested;
a feed failing longer than stale_after shows as stale (in the log, in
`dahub status` and in the summary's completeness); the partner's token
never appears in a log or the store."""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402
from servers.https import HTTPSServer  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
TOKEN = "Bearer synthetic-partner-token-93"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json"], "meetings": []}
V1 = [["Charnwood", Q1, "helpline_contacts", "M", "31"],
      ["Blaby", Q1, "helpline_contacts", "F", "12"]]
V2 = [["Charnwood", Q1, "helpline_contacts", "M", "33"],
      ["Blaby", Q1, "helpline_contacts", "F", "12"]]


class PullTest(HubTestCase):

    def make_pulling_hub(self, web, path="/returns/q1.csv", **pull):
        feed = long_feed(service_id=None)
        feed["pull"] = dict({"url": web.url + path, "every": "2s",
                             "ca_file": web.ca_file, "auth_file": "partner-token",
                             "headers": {"Accept": "text/csv"}}, **pull)
        hub = self.make_hub(feeds=[feed], hub_extra={"summary": SUMMARY})
        token = os.path.join(hub.conf_dir, "partner-token")
        with open(token, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token, 0o600)
        return hub

    def query(self, hub, sql):
        with hub.db() as db:
            return [tuple(r) for r in db.execute(sql)]

    def values(self, hub):
        return sorted(r[0] for r in self.query(
            hub, "SELECT value FROM current_observations"))

    def assertNoSecret(self, hub):
        for text in (hub.log_text(all_runs=True), hub.store_text()):
            self.assertNotIn(TOKEN.split()[1], text)

    def assertStatusStale(self, hub):
        """`dahub status` says what the sysadmin must know of a feed whose
        pulls keep failing: stale, never fetched, failing since when."""
        got = hub.cli("status", "--config", hub.config, "--json")
        self.assertEqual(got.returncode, 0, got.stderr)
        (f,) = [f for f in json.loads(got.stdout)["feeds"] if f["feed"] == FEED]
        pull = f["pull"]
        self.assertIs(pull["stale"], True, pull)
        self.assertIsNone(pull["last_ok"], pull)
        self.assertIsNotNone(pull["failing_since"], pull)
        self.assertGreaterEqual(pull["failures"], 5, pull)
        # the file dropped meanwhile was stored all the same
        self.assertEqual((f["stored"], f["last_result"]), (1, "stored"))
        got = hub.cli("status", "--config", hub.config)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertRegex(got.stdout, r"(?m)^  pull: last ok never, failing "
                         r"since \S+ \(\d+ in a row\), stale$")

    def test_scheduled_pulls_store_then_304_then_supersede(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_resource("/returns/q1.csv", csv_bytes(V1), etag='"v1"')
            hub = self.make_pulling_hub(web)
            hub.start()
            self.assertEvent(hub, "pull_stored", timeout=scaled(20), feed=FEED)
            hub.wait_for(lambda: self.values(hub) == [12, 31], scaled(20), "V1 stored")
            (pull,) = self.query(hub, "SELECT url, etag, file_name FROM pulls")
            self.assertEqual(pull[0], web.url + "/returns/q1.csv")
            self.assertEqual(pull[1], '"v1"')
            self.assertTrue(pull[2].startswith("demo_long-pull-"), pull[2])
            hub.wait_done(FEED, pull[2])
            # the next fetch asks whether it changed, and stores nothing
            self.assertEvent(hub, "pull_unchanged", timeout=scaled(20),
                             reason="not_modified")
            conditional = [r for r in web.requests_for("/returns/q1.csv")
                           if r.headers.get("If-None-Match") == '"v1"']
            self.assertTrue(conditional)
            self.assertEqual(conditional[0].headers["Accept"], "text/csv")
            self.assertEqual(len(self.query(hub, "SELECT * FROM ingests")), 1)
            # a changed body supersedes the first
            web.set_resource("/returns/q1.csv", csv_bytes(V2), etag='"v2"')
            hub.wait_for(lambda: self.values(hub) == [12, 33], scaled(20), "V2 stored")
            self.assertEqual(len(self.query(hub, "SELECT * FROM pulls")), 2)
            self.assertNoSecret(hub)

    def test_a_body_without_validators_is_recognised_by_its_hash(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_default("/returns/q1.csv", {"status": 200, "body": csv_bytes(V1)})
            hub = self.make_pulling_hub(web)
            hub.start()
            self.assertEvent(hub, "pull_stored", timeout=scaled(20), feed=FEED)
            self.assertEvent(hub, "pull_unchanged", timeout=scaled(20),
                             reason="same_sha256")
            self.assertEqual(len(self.query(hub, "SELECT * FROM pulls")), 1)

    def test_failures_leave_nothing_and_the_feed_goes_stale(self):
        with HTTPSServer(authorization=TOKEN) as web:
            big = b"Area,Period,Measure,Gender,Value\n" + b"x" * 5000
            web.queue("/returns/q1.csv",
                      {"status": 500},
                      {"reset": True},
                      {"status": 200, "body": csv_bytes(V1), "truncate": 100},
                      {"status": 200, "body": big},
                      {"status": 200, "body": csv_bytes(V1), "delay": 4})
            web.set_default("/returns/q1.csv", {"status": 503})
            hub = self.make_pulling_hub(web, timeout="2s", max_bytes=4096,
                                        stale_after="4s")
            hub.start()
            # each failure named: a 500, the connection reset and the body cut
            # short (libcurl words these by timing: "recv failure", "poll
            # returned error", "... bytes remaining to read"), a body over
            # max_bytes, a server too slow for the timeout
            def scripted():
                return [e["reason"] for e in hub.events("pull_failed")
                        if e["reason"] != "status_503"]
            hub.wait_for(lambda: len(scripted()) >= 5, scaled(60),
                         "five scripted failures")
            reasons = scripted()[:5]
            self.assertEqual(reasons[0], "status_500")
            self.assertTrue(all(not r.startswith("status_") for r in reasons[1:3]), reasons)
            self.assertTrue(reasons[3].startswith("body_over_max_bytes"), reasons)
            self.assertIn("timed out", reasons[4])
            # dropped files are still ingested meanwhile
            hub.drop(FEED, "dropped.csv", csv_bytes(V2))
            hub.wait_done(FEED, "dropped.csv")
            self.assertEvent(hub, "pull_stale", timeout=scaled(30), feed=FEED)
            self.assertStatusStale(hub)
            self.assertEqual(self.query(hub, "SELECT * FROM pulls"), [])
            self.assertEqual(len(self.query(hub, "SELECT * FROM ingests")), 1)
            leftovers = [n for n in os.listdir(hub.dir(FEED, "incoming"))]
            self.assertEqual(leftovers, [])
            # delays grow between failures
            times = [r.time for r in web.requests_for("/returns/q1.csv")]
            self.assertGreater(times[-1] - times[-2], times[1] - times[0])
            r = hub.cli("report", "--config", hub.config, "--period", Q1)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(hub.root, "outbox", Q1, "v1", "summary.json")) as f:
                doc = json.load(f)
            (c,) = [c for c in doc["completeness"] if c["feed"] == FEED]
            self.assertIs(c.get("stale"), True)
            self.assertNoSecret(hub)

    def test_a_redirect_to_plain_http_is_refused(self):
        with HTTPSServer(authorization=TOKEN) as web:
            web.set_default("/returns/q1.csv", {
                "status": 302, "headers": {"Location": "http://127.0.0.1:9/q1.csv"}})
            hub = self.make_pulling_hub(web)
            hub.start()
            hub.wait_for(lambda: hub.events("pull_failed"), scaled(20), "pull_failed")
            self.assertEqual(self.query(hub, "SELECT * FROM pulls"), [])
            # the next attempt may be under way: stopped, none leaves a file
            hub.stop()
            self.assertEqual(os.listdir(hub.dir(FEED, "incoming")), [])

    def test_pull_config_mistakes_are_named(self):
        feed = long_feed(service_id=None)
        feed["pull"] = {"url": "http://partner.example/q1.csv", "every": "1h",
                        "daily": "06:30",
                        "headers": {"Authorization": "x", "X-Api-Key": "y"},
                        "max_bytes": 0}
        hub = self.make_hub(feeds=[feed])
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1)
        for want in ("pull.url: expected an https:// URL",
                     "pull: expected \"every\" or \"daily\" (one of them)",
                     "pull.headers.Authorization: expected a header name",
                     "pull.headers.X-Api-Key: expected a header name",
                     "max_bytes"):
            self.assertIn(want, r.stderr)


if __name__ == "__main__":
    unittest.main()
