"""The meeting calendar in the real daemon: a board meeting a few seconds past
its `days_before` window, a quarterly return in the spool, and the summary in
the outbox exactly once, not again after a restart, and again (v2) for a
correction that arrives before the meeting."""

import datetime
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import FILE_TIMEOUT, HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402

FEED = "demo_long"
LEAD_S = 10   # the window opens this long after the test starts
QUIET_S = 3   # how long "nothing more appears" is watched


def quarter_before(when):
    """The latest financial-year quarter that ended before `when` (a UTC
    datetime): FY2024-25-Q1 for 27 Sep 2024."""
    fy = when.year if when.month >= 4 else when.year - 1
    q = (when.month - 4) % 12 // 3 + 1
    q -= 1
    if q == 0:
        q, fy = 4, fy - 1
    return "FY%d-%02d-Q%d" % (fy, (fy + 1) % 100, q)


def meeting_window_in(seconds):
    """A meeting a day and `seconds` from now (days_before 1: its window
    opens in `seconds`): its id, when its window opens (a Unix time) and
    the quarter its summary is of."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    meeting = now + datetime.timedelta(days=1, seconds=seconds)
    if (meeting.hour, meeting.minute, meeting.second) == (0, 0, 0):
        meeting += datetime.timedelta(seconds=1)  # a time, not a whole day
    return (meeting.strftime("%Y-%m-%dT%H:%M:%SZ"), meeting.timestamp() - 86400,
            quarter_before(meeting))


def rows(period, charnwood):
    return [
        ["Charnwood", period, "helpline_contacts", "M", str(charnwood)],
        ["Blaby", period, "helpline_contacts", "F", "12"],
        ["Harborough", period, "helpline_contacts", "F", "40"],
    ]


def charnwood_of(doc):
    found = [f["value"] for f in doc["figures"]
             if f["measure"] == "helpline_contacts" and f["source_id"] == "freeva"
             and f["area"] == "E07000130" and f["dimensions"] == {"gender": "male"}]
    if len(found) != 1:
        raise AssertionError("figures for Charnwood: %r" % found)
    return found[0]


class BoardTest(HubTestCase):

    def test_meeting_summary_once_not_after_restart_v2_on_correction(self):
        self.assertEqual(quarter_before(datetime.datetime(2024, 9, 27)), "FY2024-25-Q1")
        self.assertEqual(quarter_before(datetime.datetime(2024, 4, 1)), "FY2023-24-Q4")
        self.assertEqual(quarter_before(datetime.datetime(2025, 6, 20)), "FY2024-25-Q4")

        meeting_id, window_opens, period = meeting_window_in(LEAD_S)

        hub = self.make_hub(feeds=[long_feed(service_id=None)], hub_extra={"summary": {
            "outbox_dir": "../outbox",
            "sinks": ["json", "csv"],
            "threshold": 5,
            "area_thresholds": {"E06000017": 10},
            "suppress_zeros": True,
            "meetings": [meeting_id],
            "days_before": 1,
        }})
        outbox = os.path.join(hub.root, "outbox", period)

        def versions():
            try:
                return sorted(os.listdir(outbox))
            except FileNotFoundError:
                return []

        def published(v):
            folder = os.path.join(outbox, v)
            names = ["summary.csv", "summary.json"]
            return (os.path.isdir(folder) and sorted(os.listdir(folder)) == names
                    and hub._load_json(os.path.join(folder, "summary.json")))

        def stays(expected, seconds):
            deadline = time.monotonic() + scaled(seconds)
            while time.monotonic() < deadline:
                self.assertEqual(versions(), expected, hub.log_tail())
                time.sleep(0.05)

        hub.start()
        hub.drop(FEED, "q.csv", csv_bytes(rows(period, 31)))
        hub.wait_done(FEED, "q.csv")
        if time.time() < window_opens - 0.5:
            self.assertEqual(versions(), [], "nothing goes out before the window opens")

        doc = hub.wait_for(lambda: published("v1"), LEAD_S + FILE_TIMEOUT,
                           "%s/v1 with summary.json and summary.csv" % period)
        self.assertGreaterEqual(time.time(), window_opens - 1,
                                "published before its window opened")
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["meeting"], meeting_id)
        self.assertEqual(doc["period"]["id"], period)
        self.assertEqual(charnwood_of(doc), 31)
        with open(os.path.join(outbox, "v1", "summary.csv"), "rb") as f:
            csv1 = f.read()
        self.assertTrue(csv1.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b",E07000130,Charnwood,freeva,helpline_contacts,count,gender=male,31,",
                      csv1)
        self.assertEvent(hub, "summary_published", period=period, version="1",
                         meeting=meeting_id)
        stays(["v1"], QUIET_S)
        self.assertEqual(len(hub.events("summary_published")), 1)

        # a restart in the window: the meeting already has its summary
        hub.stop()
        hub.start()
        stays(["v1"], QUIET_S)
        self.assertEqual(len(hub.events("summary_published")), 1)
        self.assertEqual(hub.events("summary_failed"), [])
        self.assertEqual(hub.query("SELECT period, version, meeting FROM summaries"),
                         [{"period": period, "version": 1, "meeting": meeting_id}])

        # a corrected return before the meeting: version 2, the new figure
        hub.drop(FEED, "q-corrected.csv", csv_bytes(rows(period, 35)))
        hub.wait_done(FEED, "q-corrected.csv")
        doc2 = hub.wait_for(lambda: published("v2"), FILE_TIMEOUT, "%s/v2" % period)
        self.assertEqual(doc2["version"], 2)
        self.assertEqual(doc2["meeting"], meeting_id)
        self.assertEqual(charnwood_of(doc2), 35)
        comp = {c["feed"]: c for c in doc2["completeness"]}
        self.assertEqual(comp[FEED]["corrections"], 1)
        self.assertEvent(hub, "summary_published", period=period, version="2")
        with open(os.path.join(outbox, "v1", "summary.csv"), "rb") as f:
            self.assertEqual(f.read(), csv1, "v1 stays as it was sent")
        with open(os.path.join(outbox, "v1", "summary.json")) as f:
            self.assertEqual(charnwood_of(json.load(f)), 31)
        stays(["v1", "v2"], QUIET_S)
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
