"""Board summaries against a careful reader (reader.py), end to end.

The real daemon ingests every partner's sample return; `dahub report`
publishes the summaries; the reader takes everything published at once,
with the true figures the test aggregates itself from the store, and tries
to work out or narrow every hidden cell.
"""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase  # noqa: E402
import reader  # noqa: E402
import test_feeds  # noqa: E402  (its helpers, not its tests)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("DAHUB_SOURCE_DIR", os.path.join(HERE, "..", ".."))
RUTLAND, MELTON = "E06000017", "E07000133"
Q1, Q2, H1, YEAR = "FY2024-25-Q1", "FY2024-25-Q2", "FY2024-25-H1", "FY2024-25"
MARKER = "[c]"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv"],
           "threshold": 5, "area_thresholds": {RUTLAND: 10}, "meetings": []}
FEEDS = sorted(d for d in os.listdir(os.path.join(SOURCE, "spool"))
               if os.path.isdir(os.path.join(SOURCE, "spool", d, "sample")))


def threshold_of(area):
    return SUMMARY["area_thresholds"].get(area, SUMMARY["threshold"])


def vocabulary():
    with open(os.path.join(SOURCE, "conf", "vocabulary.json")) as f:
        return json.load(f)


class DisclosureReaderTest(HubTestCase):

    def demo_hub(self):
        hub = test_feeds.FeedsTest.make_real_hub(self, FEEDS)
        hub.hub_conf["summary"] = SUMMARY
        hub.write_hub_json(hub.hub_conf)
        test_feeds.FeedsTest.ingest(self, hub, FEEDS)
        return hub

    def publish(self, hub, period):
        """`dahub report`, then the newest version's document."""
        r = hub.cli("report", "--config", hub.config, "--period", period)
        self.assertEqual(r.returncode, 0, r.stderr)
        folder = os.path.join(hub.root, "outbox", period)
        newest = max(os.listdir(folder), key=lambda v: int(v[1:]))
        with open(os.path.join(folder, newest, "summary.json")) as f:
            return json.load(f)

    def check_shown(self, doc, truth):
        """Every shown count is the true figure; nothing small is shown."""
        for fig in doc["figures"]:
            if fig["unit"] != "count" or fig.get("marker") is not None:
                continue
            value, _ = truth[reader.key_of(fig)]
            self.assertEqual(fig["value"], value, fig)
            if value != 0:
                self.assertGreaterEqual(value, threshold_of(fig["area"]), fig)

    def test_demo_quarter_holds_against_the_reader(self):
        hub = self.demo_hub()
        doc = self.publish(hub, Q1)
        truth = reader.true_cells(hub.store_path, Q1, vocabulary())
        self.check_shown(doc, truth)
        r = reader.Reader(vocabulary())
        r.add(doc, truth)
        self.assertEqual(r.weaknesses({MARKER}, threshold_of), [])
        hidden = [f for f in doc["figures"] if f.get("marker") == MARKER]
        # One marker: nothing published says which rule hid a cell.
        self.assertNotIn("suppressed_secondary", json.dumps(doc))
        self.assertEqual(doc["disclosure"]["hidden_cells"],
                         len(hidden) + doc["disclosure"]["suppressed_at_source"])
        rules = doc["disclosure"]["hidden_by_rule"]
        self.assertEqual(sum(rules.values()), len(hidden))
        # No partnership total of all partners is hidden unless it is small
        # itself: another cell could always be chosen in the demo.
        for f in hidden:
            if f["area"] == "all" and f["source_id"] == "all" and not f["dimensions"]:
                self.assertLess(truth[reader.key_of(f)][0], threshold_of("all"), f)
        # Rutland's and Melton's MARAC cases (9 and 4) stay hidden.
        for area in (RUTLAND, MELTON):
            fig = [f for f in doc["figures"] if f["measure"] == "marac_cases_discussed"
                   and f["source_id"] == "all" and f["area"] == area
                   and not f["dimensions"]][0]
            self.assertEqual(fig.get("marker"), MARKER, fig)

    def test_the_reader_finds_what_line_by_line_suppression_left(self):
        """The demo quarter as line-by-line suppression published it (the
        fixture; the same samples): the reader works Rutland's 9 and
        Melton's 4 MARAC cases out, as a board member could by hand."""
        hub = self.demo_hub()
        hub.stop()
        truth = reader.true_cells(hub.store_path, Q1, vocabulary())
        with open(os.path.join(HERE, "fixtures", "line_by_line_q1.json")) as f:
            old = json.load(f)
        r = reader.Reader(vocabulary())
        r.add(old, truth)
        # "suppressed" (not "suppressed_secondary") told the reader a cell
        # was below its threshold: Melton at most 4, Rutland at most 9.
        found = r.weaknesses({"suppressed", "suppressed_secondary"}, threshold_of,
                             small={"suppressed"})
        text = "\n".join(found)
        self.assertIn("marac_cases_discussed|all|%s|{}: worked out exactly (9)" % RUTLAND,
                      text)
        self.assertIn("marac_cases_discussed|all|%s|{}: worked out exactly (4)" % MELTON,
                      text)
        self.assertGreater(len(found), 20)

    def test_versions_and_overlapping_periods_hold_together(self):
        hub = self.demo_hub()
        vocab = vocabulary()
        r = reader.Reader(vocab)
        for period in (Q1, Q2, H1):
            r.add(self.publish(hub, period),
                  reader.true_cells(hub.store_path, period, vocab))
        # A corrected freeva return for Q1: one district's calls change.
        path = test_feeds.sample_path("freeva")
        with open(path, "rb") as f:
            data = f.read()
        fixed = data.replace(b"Calls, texts and emails handled\",14,",
                             b"Calls, texts and emails handled\",15,")
        self.assertNotEqual(fixed, data)
        hub.drop("freeva", "freeva_Q1_corrected.csv", fixed)
        hub.wait_done("freeva", "freeva_Q1_corrected.csv")
        for period in (Q1, YEAR):
            doc = self.publish(hub, period)
            truth = reader.true_cells(hub.store_path, period, vocab)
            self.check_shown(doc, truth)
            r.add(doc, truth)
        self.assertEqual([(t[0], t[1]) for t in r.tables],
                         [(Q1, 1), (Q2, 1), (H1, 1), (Q1, 2), (YEAR, 1)])
        self.assertEqual(r.weaknesses({MARKER}, threshold_of), [])


if __name__ == "__main__":
    unittest.main()
