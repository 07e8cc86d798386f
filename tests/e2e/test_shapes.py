"""A partner that switches template between quarters, on one feed.

Freeva sent its 2024/25 returns as a long CSV (one figure per row) and
changed, from 2025/26, to an Excel workbook with the districts across and
the quarter in a title cell. Its feed lists both shapes; the real daemon
reads each file with the shape whose header fits, both quarters land under
the one feed, and the summary's completeness shows Freeva as reported for
each quarter (with two feeds, one of them would show it late). `dahub try`
says which shape read a file and why the other did not; a file in a third
template fails with each shape's reason in its report.

The workbook is made here with Debian's python3-openpyxl. All data is
synthetic.
"""

import io
import json
import os
import sys
import unittest

import openpyxl

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "freeva"
Q4 = "FY2024-25-Q4"
Q1 = "FY2025-26-Q1"

LONG_2024 = {
    "name": "2024/25 template",
    "layout": "long",
    "header": {"match": "Area"},
    "columns": {"area": "Area", "period": "Quarter", "measure": "Measure",
                "value": "Count"},
    "fixed": {"service_id": "freeva.male_helpline"},
}
WIDE_2025 = {
    "name": "2025/26 workbook",
    "sheet": "Return",
    "layout": "wide",
    "header": {"row": 3},
    "cells": {"period": {"row": 1, "col": 2}},
    "columns": {"measure": "Measure"},
    "fixed": {"service_id": "freeva.male_helpline"},
    "across": {"field": "area", "columns": {"Blaby": "E07000129",
                                            "Charnwood": "E07000130",
                                            "Harborough": "E07000131"}},
}
SUMMARY = {
    "outbox_dir": "../outbox",
    "sinks": ["json"],
    "threshold": 5,
    "meetings": [],
    "days_before": 10,
}


def feed():
    return {"name": FEED, "source_id": "freeva", "plugin": "mapped",
            "options": {"shapes": [LONG_2024, WIDE_2025]}}


def q4_csv():
    rows = [["Blaby", Q4, "helpline_contacts", "21"],
            ["Charnwood", Q4, "helpline_contacts", "34"],
            ["Harborough", Q4, "referrals_received", "17"]]
    return csv_bytes(rows, header=["Area", "Quarter", "Measure", "Count"])


def q1_xlsx():
    """The 2025/26 workbook: a title cell with the quarter, then a grid."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Return"
    ws.append(["Quarter", "Q1 2025/26 (1 April 2025 - 30 June 2025)"])
    ws.append([])
    ws.append(["Measure", "Blaby", "Charnwood", "Harborough"])
    ws.append(["helpline_contacts", 25, 38, 19])
    ws.append(["referrals_received", 11, 14, 16])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class ShapesTest(HubTestCase):

    def make_shapes_hub(self):
        return self.make_hub(feeds=[feed()], hub_extra={"summary": SUMMARY})

    def summary(self, hub, period):
        r = hub.cli("report", "--config", hub.config, "--period", period)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(hub.root, "outbox", period, "v1",
                               "summary.json")) as f:
            return json.load(f)

    def test_template_switch_between_quarters_on_one_feed(self):
        hub = self.make_shapes_hub()
        hub.start()
        hub.drop(FEED, "freeva_2024-25_q4.csv", q4_csv())
        hub.wait_done(FEED, "freeva_2024-25_q4.csv")
        hub.drop(FEED, "freeva_2025-26_q1.xlsx", q1_xlsx())
        hub.wait_done(FEED, "freeva_2025-26_q1.xlsx")
        hub.stop()

        rows = hub.query("SELECT i.feed, o.period, o.area_code, o.measure_id, "
                         "o.value FROM observations_v o JOIN ingests i "
                         "USING (ingest_id) ORDER BY o.period, o.measure_id, "
                         "o.area_code")
        got = [(r["feed"], r["period"], r["area_code"], r["measure_id"],
                r["value"]) for r in rows]
        self.assertEqual(got, [
            (FEED, Q4, "E07000129", "helpline_contacts", 21),
            (FEED, Q4, "E07000130", "helpline_contacts", 34),
            (FEED, Q4, "E07000131", "referrals_received", 17),
            (FEED, Q1, "E07000129", "helpline_contacts", 25),
            (FEED, Q1, "E07000130", "helpline_contacts", 38),
            (FEED, Q1, "E07000131", "helpline_contacts", 19),
            (FEED, Q1, "E07000129", "referrals_received", 11),
            (FEED, Q1, "E07000130", "referrals_received", 14),
            (FEED, Q1, "E07000131", "referrals_received", 16),
        ])
        for period in (Q4, Q1):
            with self.subTest(period=period):
                doc = self.summary(hub, period)
                comp = {c["feed"]: c for c in doc["completeness"]}
                self.assertEqual(list(comp), [FEED])
                self.assertEqual(comp[FEED]["status"], "reported")
                self.assertEqual(comp[FEED]["ingests"], 1)

    def try_file(self, hub, name, data):
        """`dahub try` on data, written outside the spool as name."""
        path = os.path.join(hub.outside_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        r = hub.cli("try", "--config", hub.config, "--feed", FEED, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_try_says_which_shape_and_why_not_the_other(self):
        hub = self.make_shapes_hub()
        r = self.try_file(hub, "q1.xlsx", q1_xlsx())
        self.assertIn('note: read with shape 2 ("2025/26 workbook")', r.stderr)
        self.assertIn('note: shape 1 ("2024/25 template") does not fit: no '
                      'header: no row starts with "Area"', r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 6, r.stdout)
        r = self.try_file(hub, "q4.csv", q4_csv())
        self.assertIn('note: read with shape 1 ("2024/25 template")', r.stderr)
        self.assertNotIn("does not fit", r.stderr)

    def test_check_places_an_error_in_the_second_shape(self):
        """A typo inside the second shape is placed at its line and
        column, not lost because the first shape's "header" is fine."""
        hub = self.make_hub(feeds=[])
        hub.write_feed(file_name="freeva.json", text=(
            '{"name": "freeva", "source_id": "freeva", "plugin": "mapped",\n'
            ' "options": {"shapes": [\n'
            '  {"layout": "long", "header": {"match": "Area"},\n'
            '   "columns": {"area": "Area", "value": "Count"},\n'
            '   "fixed": {"measure": "m", "period": "FY2024-25-Q1"}},\n'
            '  {"layout": "long", "header": {"rwo": 2},\n'
            '   "columns": {"area": "Area", "value": "Count"}}]}}\n'))
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('freeva.json:6:33: feed "freeva": '
                      'options.shapes[1].header.rwo: unknown key', r.stderr)

    def test_a_third_template_fails_with_each_reason(self):
        hub = self.make_shapes_hub()
        hub.start()
        data = csv_bytes([["Blaby", "4"]], header=["District", "Calls"])
        hub.drop(FEED, "new_template.csv", data)
        report = hub.wait_failed(FEED, "new_template.csv")
        self.assertIn("fits none of the feed's 2 shapes", report["message"])
        reasons = [w["message"] for w in report["warnings"]]
        self.assertEqual(len(reasons), 2, report)
        self.assertIn('shape 1 ("2024/25 template") does not fit', reasons[0])
        self.assertIn('shape 2 ("2025/26 workbook") does not fit', reasons[1])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations"), 0)
        hub.stop()

    def test_a_workbook_gets_no_delimiter_hint(self):
        """A workbook has cells, not delimiters: a sheet whose text holds
        semicolons is not said to be a file split by ";"."""
        hub = self.make_shapes_hub()
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Return"
        for row in (["District;Quarter;Calls"], ["Blaby;Q1;4"],
                    ["Charnwood;Q1;7"], ["Harborough;Q1;9"]):
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        path = os.path.join(hub.root, "semicolons.xlsx")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        r = hub.cli("try", "--config", hub.config, "--feed", FEED, path)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn('shape 1 ("2024/25 template") does not fit', r.stderr)
        self.assertNotIn("the file has semicolons", r.stderr)
        self.assertNotIn("the feed reads", r.stderr)


if __name__ == "__main__":
    unittest.main()
