"""Good files: what lands in the store, duplicates, numbered names, corrections."""

import json
import os
import sys
import unittest
from decimal import Decimal

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, fy_periods, grid_rows, long_feed  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
Q2 = "FY2024-25-Q2"

# Area, Period, Measure, Gender, Value; the value is column 5.
GOOD_ROWS = [
    ["Charnwood", Q1, "helpline_contacts", "M", "31"],
    ["NW Leics", Q1, "helpline_contacts", "Male", "12"],
    ["E07000129", Q1, "helpline_contacts", "female", ""],
    ["E07000133", Q1, "helpline_contacts", "F", "<5"],
    ["E06000017", Q1, "referrals_received", "not_stated", "0"],
    ["X_UNKNOWN", Q1, "referrals_received", "Female", "7"],
]

# (line, area_code, measure, gender, value, status, bound, raw)
EXPECTED = [
    (2, "E07000130", "helpline_contacts", "male", 31, "actual", None, "31"),
    (3, "E07000134", "helpline_contacts", "male", 12, "actual", None, "12"),
    (4, "E07000129", "helpline_contacts", "female", None, "missing", None, ""),
    (5, "E07000133", "helpline_contacts", "female", None, "suppressed", 5, "<5"),
    (6, "E06000017", "referrals_received", "not_stated", 0, "actual", None, "0"),
    (7, "X_UNKNOWN", "referrals_received", "female", 7, "actual", None, "7"),
]


def rows_for(period, values, areas=("E07000129", "E07000130", "E07000131")):
    return [[a, period, "helpline_contacts", "M", str(v)] for a, v in zip(areas, values)]


class IngestTest(HubTestCase):

    def test_good_long_csv_lands_in_done_with_exact_observations(self):
        hub = self.make_hub()
        hub.start()
        data = csv_bytes(GOOD_ROWS)
        digest = hub.drop(FEED, "freeva_q1.csv", data)
        hub.wait_done(FEED, "freeva_q1.csv")

        with open(hub.path(FEED, "done", "freeva_q1.csv"), "rb") as f:
            self.assertEqual(f.read(), data, "done/ must hold the file byte for byte")
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.listdir(FEED, "done"), ["freeva_q1.csv"],
                         "no note beside a file stored for the first time")

        ingests = hub.query("SELECT * FROM ingests")
        self.assertEqual(len(ingests), 1, ingests)
        ing = ingests[0]
        self.assertEqual(ing["feed"], FEED)
        self.assertEqual(ing["source_id"], "freeva")
        self.assertEqual(ing["plugin"], "mapped")
        self.assertTrue(ing["plugin_version"], "plugin_version is kept with every ingest")
        self.assertEqual(ing["file_name"], "freeva_q1.csv")
        self.assertEqual(ing["sha256"], digest)
        self.assertEqual(ing["size_bytes"], len(data))
        self.assertEqual(ing["observations"], len(EXPECTED))
        self.assertTrue(ing["received_at"] and ing["stored_at"])

        obs = hub.query("SELECT * FROM observations_v ORDER BY obs_id")
        self.assertEqual(len(obs), len(EXPECTED), obs)
        by_loc = {o["locator"]: o for o in obs}
        for line, area, measure, gender, value, status, bound, raw in EXPECTED:
            loc = "r%dc5" % line
            with self.subTest(line=line):
                self.assertIn(loc, by_loc, "locator of the value cell of line %d; got %s"
                              % (line, sorted(by_loc)))
                o = by_loc[loc]
                self.assertEqual(o["ingest_id"], ing["ingest_id"])
                self.assertEqual(o["feed"], FEED)
                self.assertEqual(o["source_id"], "freeva")
                self.assertEqual(o["service_id"], "freeva.male_helpline")
                self.assertEqual(o["area_code"], area)
                self.assertEqual(o["period"], Q1)
                self.assertEqual(o["measure_id"], measure)
                dims = json.loads(o["dimensions"])
                self.assertEqual(dims, {"gender": gender})
                self.assertEqual(list(dims), sorted(dims))
                self.assertEqual(o["value_status"], status)
                self.assertEqual(o["value"], value)
                if status in ("actual", "estimated"):
                    self.assertEqual(o["scale"], 0)
                if bound is not None:
                    self.assertEqual(o["bound"], bound)
                self.assertEqual(o["unit"], "count")
                if raw:
                    self.assertEqual(o["raw"], raw)

        receipts = hub.query("SELECT * FROM receipts")
        self.assertEqual([(r["feed"], r["file_name"], r["sha256"], r["outcome"], r["ingest_id"])
                          for r in receipts],
                         [(FEED, "freeva_q1.csv", digest, "stored", ing["ingest_id"])])
        cur = hub.query("SELECT * FROM current_periods")
        self.assertEqual([(c["feed"], c["period"], c["ingest_id"]) for c in cur],
                         [(FEED, Q1, ing["ingest_id"])])
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), len(EXPECTED))

        evs = self.assertEvent(hub, "file_done", feed=FEED, file="freeva_q1.csv")
        self.assertEqual(evs[0].get("observations"), str(len(EXPECTED)), evs[0])
        self.assertEqual(evs[0]["prio"], 6)
        hub.stop()

    def test_crlf_and_bom_file_gives_the_same_observations(self):
        hub = self.make_hub()
        hub.start()
        data = b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS, eol="\r\n")
        hub.drop(FEED, "excel.csv", data)
        hub.wait_done(FEED, "excel.csv")
        got = hub.query("SELECT area_code, measure_id, value, value_status, dimensions "
                        "FROM observations_v ORDER BY area_code, measure_id")
        want = sorted([(a, m, v, s, json.dumps({"gender": g}, separators=(",", ":")))
                       for _, a, m, g, v, s, _, _ in EXPECTED])
        self.assertEqual(sorted((o["area_code"], o["measure_id"], o["value"], o["value_status"],
                                 json.dumps(json.loads(o["dimensions"]), separators=(",", ":")))
                                for o in got), want)
        hub.stop()

    def test_same_content_twice_is_stored_once(self):
        hub = self.make_hub()
        hub.start()
        data = csv_bytes(GOOD_ROWS)
        digest = hub.drop(FEED, "first.csv", data)
        hub.wait_done(FEED, "first.csv")
        hub.drop(FEED, "second.csv", data)
        hub.wait_done(FEED, "second.csv")
        note = hub.wait_file(FEED, "done", "second.csv.duplicate.json")
        with open(note) as f:
            json.load(f)  # a whole JSON document
        self.assertNotIn("first.csv.duplicate.json", hub.listdir(FEED, "done"))

        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), len(EXPECTED))
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), len(EXPECTED))
        hub.wait_for(lambda: hub.scalar("SELECT count(*) FROM receipts") == 2, what="2 receipts")
        receipts = hub.query("SELECT file_name, sha256, outcome FROM receipts ORDER BY receipt_id")
        self.assertEqual([(r["file_name"], r["sha256"], r["outcome"]) for r in receipts],
                         [("first.csv", digest, "stored"), ("second.csv", digest, "duplicate")])
        self.assertEvent(hub, "file_duplicate", feed=FEED)

        # The same content under a name done/ already holds: numbered, and
        # the note beside it carries the new name.
        hub.drop(FEED, "first.csv", data)
        hub.wait_done(FEED, "first (2).csv")
        hub.wait_file(FEED, "done", "first (2).csv.duplicate.json")
        self.assertEqual(hub.listdir(FEED, "done"),
                         ["first (2).csv", "first (2).csv.duplicate.json", "first.csv",
                          "second.csv", "second.csv.duplicate.json"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), len(EXPECTED))
        self.assertEqual(hub.events("file_done", file="second.csv"), [],
                         "a duplicate is not reported as stored")
        hub.stop()

    def test_same_content_dropped_at_once_is_stored_once(self):
        # Files of one feed may be parsed at the same time: the duplicate
        # check must hold when the copies race each other.
        hub = self.make_hub()
        hub.start()
        data = csv_bytes(grid_rows(3000, fy_periods(2024)[:6]))
        names = ["copy%d.csv" % i for i in range(6)]
        for name in names:
            hub.drop(FEED, name, data)
        for name in names:
            hub.wait_done(FEED, name)
        notes = lambda: [n for n in hub.listdir(FEED, "done") if n.endswith(".duplicate.json")]
        hub.wait_for(lambda: len(notes()) >= len(names) - 1,
                     what="%d .duplicate.json notes" % (len(names) - 1))
        stored = hub.scalar("SELECT file_name FROM ingests")
        self.assertEqual(sorted(notes()), sorted(n + ".duplicate.json" for n in names if n != stored))
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 3000)
        hub.wait_for(lambda: hub.scalar("SELECT count(*) FROM receipts") == len(names),
                     what="%d receipts" % len(names))
        self.assertEqual(hub.query("SELECT outcome, count(*) AS n FROM receipts GROUP BY outcome "
                                   "ORDER BY outcome"),
                         [{"outcome": "duplicate", "n": 5}, {"outcome": "stored", "n": 1}])
        hub.stop()

    def test_same_content_in_two_feeds_is_stored_for_each(self):
        hub = self.make_hub(feeds=[long_feed("feed_a"), long_feed("feed_b", source_id="lwa",
                                                                   service_id=None)])
        hub.start()
        data = csv_bytes(GOOD_ROWS)
        hub.drop("feed_a", "x.csv", data)
        hub.drop("feed_b", "x.csv", data)
        hub.wait_done("feed_a", "x.csv")
        hub.wait_done("feed_b", "x.csv")
        self.assertNotIn("x.csv.duplicate.json", hub.listdir("feed_b", "done"))
        self.assertNotIn("x.csv.duplicate.json", hub.listdir("feed_a", "done"))
        rows = hub.query("SELECT feed, source_id, count(*) AS n FROM observations_v "
                         "GROUP BY feed, source_id ORDER BY feed")
        self.assertEqual([(r["feed"], r["source_id"], r["n"]) for r in rows],
                         [("feed_a", "freeva", len(EXPECTED)), ("feed_b", "lwa", len(EXPECTED))])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v WHERE feed='feed_b' "
                                    "AND service_id IS NOT NULL"), 0,
                         "no fixed service_id: NULL")
        hub.stop()

    def test_no_dimensions_is_an_empty_object_and_money_is_exact(self):
        hub = self.make_hub(feeds=[long_feed("funding", source_id="lcc", service_id=None,
                                             dimensions={})])
        hub.start()
        rows = [["E10000018", "FY2024-25", "funding_allocated", "", "1174689"],
                ["E07000129", "FY2024-25", "funding_allocated", "", "33000.50"],
                ["E06000017", "FY2024-25", "funding_allocated", "", ""]]
        hub.drop("funding", "alloc.csv", csv_bytes(rows))
        hub.wait_done("funding", "alloc.csv")
        got = {o["area_code"]: o for o in hub.query("SELECT * FROM observations_v")}
        self.assertEqual(sorted(got), ["E06000017", "E07000129", "E10000018"])
        for o in got.values():
            self.assertEqual(o["dimensions"], "{}")
            self.assertEqual(o["unit"], "gbp")
            self.assertIsNone(o["service_id"])
        pounds = {a: Decimal(o["value"]).scaleb(-o["scale"]) for a, o in got.items()
                  if o["value"] is not None}
        self.assertEqual(pounds, {"E10000018": Decimal("1174689"), "E07000129": Decimal("33000.50")})
        self.assertEqual(got["E06000017"]["value_status"], "missing")
        hub.stop()

    def test_a_second_file_of_the_same_name_gets_a_number(self):
        hub = self.make_hub()
        hub.start()
        a = csv_bytes(rows_for(Q1, [1, 2, 3]))
        b = csv_bytes(rows_for(Q2, [4, 5, 6]))
        c = csv_bytes(rows_for("FY2024-25-Q3", [7, 8, 9]))
        hub.drop(FEED, "return.csv", a)
        hub.wait_done(FEED, "return.csv")
        hub.drop(FEED, "return.csv", b)
        hub.wait_done(FEED, "return (2).csv")
        hub.drop(FEED, "return.csv", c)
        hub.wait_done(FEED, "return (3).csv")
        for name, data in (("return.csv", a), ("return (2).csv", b), ("return (3).csv", c)):
            with open(hub.path(FEED, "done", name), "rb") as f:
                self.assertEqual(f.read(), data, name)
        self.assertEqual(hub.data_files(FEED, "done"),
                         ["return (2).csv", "return (3).csv", "return.csv"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 3)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 9)
        hub.stop()

    def test_odd_file_names_are_kept_and_logged_on_one_line(self):
        hub = self.make_hub()
        hub.start()
        names = ["Q1 return (final).csv", "na\u00efve \u2013 \u00fcnicode.csv", 'quote"d.csv',
                 "no_extension", "multi.dot.name.csv", "tab\there.csv", "back\\slash.csv",
                 "-dash.csv", "evil\n<6>event=ready forged=1.csv"]
        for i, name in enumerate(names):
            hub.drop(FEED, name, csv_bytes(rows_for(Q1, [i], areas=("E07000130",))))
        for name in names:
            hub.wait_done(FEED, name)
        for i, name in enumerate(names[3:5]):
            hub.drop(FEED, name, csv_bytes(rows_for(Q1, [100 + i], areas=("E07000130",))))
        hub.wait_done(FEED, "no_extension (2)")
        hub.wait_done(FEED, "multi.dot.name (2).csv")
        self.assertEqual(sorted(r["file_name"] for r in hub.query("SELECT file_name FROM ingests")),
                         sorted(names + names[3:5]))
        # One event a line: a file name cannot forge a log line.
        hub.wait_for(lambda: len(hub.events("file_done")) >= len(names) + 2, what="11 file_done lines")
        self.assertEqual(sorted(e["file"] for e in hub.events("file_done")), sorted(names + names[3:5]))
        for line in hub.log_text().splitlines():
            self.assertRegex(line, r"^<[0-7]>event=\w+", "a log line without its own event")
        self.assertEqual(len(hub.events("ready", all_runs=False)), 1)
        hub.stop()

    def test_corrected_return_supersedes_the_period_and_keeps_history(self):
        hub = self.make_hub()
        hub.start()
        first = csv_bytes(rows_for(Q1, [10, 20, 30]) + rows_for(Q2, [1, 2, 3]))
        hub.drop(FEED, "q1.csv", first)
        hub.wait_done(FEED, "q1.csv")
        first_id = hub.scalar("SELECT ingest_id FROM ingests")

        # The correction covers Q1 only, and one area fewer.
        correction = csv_bytes(rows_for(Q1, [11, 21], areas=("E07000129", "E07000130")))
        hub.drop(FEED, "q1_corrected.csv", correction)
        hub.wait_done(FEED, "q1_corrected.csv")
        self.assertNotIn("q1_corrected.csv.duplicate.json", hub.listdir(FEED, "done"))
        second_id = hub.scalar("SELECT ingest_id FROM ingests WHERE file_name='q1_corrected.csv'")
        self.assertNotEqual(first_id, second_id)

        cur = hub.query("SELECT period, area_code, value, ingest_id FROM current_observations "
                        "WHERE feed=? ORDER BY period, area_code", (FEED,))
        self.assertEqual([(c["period"], c["area_code"], c["value"], c["ingest_id"]) for c in cur], [
            (Q1, "E07000129", 11, second_id),
            (Q1, "E07000130", 21, second_id),
            (Q2, "E07000129", 1, first_id),
            (Q2, "E07000130", 2, first_id),
            (Q2, "E07000131", 3, first_id),
        ])
        hist = hub.query("SELECT period, area_code, value FROM observations_v "
                         "WHERE period=? ORDER BY obs_id", (Q1,))
        self.assertEqual(sorted((h["area_code"], h["value"]) for h in hist), [
            ("E07000129", 10), ("E07000129", 11), ("E07000130", 20), ("E07000130", 21),
            ("E07000131", 30)])
        cp = hub.query("SELECT period, ingest_id FROM current_periods WHERE feed=? "
                       "ORDER BY period", (FEED,))
        self.assertEqual([(c["period"], c["ingest_id"]) for c in cp],
                         [(Q1, second_id), (Q2, first_id)])

        # Restarting changes nothing.
        hub.stop()
        hub.start()
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_observations"), 5)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 8)
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
