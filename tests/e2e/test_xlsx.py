"""The Excel summary: the real daemon ingests the bundled sample returns,
`dahub report` writes summary.xlsx beside summary.json and summary.csv,
and Debian's openpyxl reads it back: every shown figure a number cell
equal to the summary's, the summary's one marker in every confidential
cell, the header row frozen and filtered, columns sized, a Notes sheet
with the returns and what the markers mean. A second hub seeds a figure
only secondary suppression hides (4,321): it is in no part of the
workbook (every XML part of the zip unpacked and searched), while a shown
neighbour (9,870) is.
"""

import datetime
import json
import os
import sys
import unittest
import zipfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed  # noqa: E402
import test_feeds  # noqa: E402  (its helpers, not its tests)

try:
    import openpyxl
except ImportError:  # scripts/test.sh installs python3-openpyxl
    openpyxl = None

PERIOD = "FY2024-25-Q1"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv", "xlsx"],
           "threshold": 5, "area_thresholds": {"E06000017": 10},
           "meetings": [], "contract_warning_months": 6}
SEED = 4321  # a figure only secondary suppression can hide
HEADER = ["Period", "Measure", "Partner", "Area code", "Area", "Breakdown",
          "Unit", "Value", "Note"]
VALUE_COL = HEADER.index("Value")


def number(v):
    """A summary value as Excel should hold it: an int, or a decimal string
    ("32.4", "124864.00") as a float."""
    return v if isinstance(v, int) else float(v)


@unittest.skipIf(openpyxl is None, "python3-openpyxl is not installed "
                 "(scripts/deps.sh python3-openpyxl)")
class XlsxTest(HubTestCase):

    def report(self, hub):
        r = hub.cli("report", "--config", hub.config, "--period", PERIOD)
        self.assertEqual(r.returncode, 0, r.stderr)
        folder = os.path.join(hub.root, "outbox", PERIOD, "v1")
        book = os.path.join(folder, "summary.xlsx")
        self.assertIn(os.path.relpath(book, hub.conf_dir), r.stdout)
        self.assertTrue(os.path.isfile(os.path.join(folder, "summary.csv")))
        with open(os.path.join(folder, "summary.json")) as f:
            return json.load(f), book

    def test_sample_summary_as_a_workbook(self):
        names = test_feeds.FEEDS
        hub = test_feeds.FeedsTest.make_real_hub(self, names)
        hub.hub_conf["summary"] = SUMMARY
        hub.write_hub_json(hub.hub_conf)
        test_feeds.FeedsTest.ingest(self, hub, names)
        hub.stop()
        summary, book = self.report(hub)
        marker = summary["disclosure"]["marker"]
        wb = openpyxl.load_workbook(book)
        self.assertEqual(wb.sheetnames, ["Figures", "Notes"])
        # the workbook's time is the summary's, not the clock's
        made = datetime.datetime.strptime(summary["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(wb.properties.created, made)

        ws = wb["Figures"]
        rows = list(ws.iter_rows())
        expected = ([(f, "measure") for f in summary["figures"]] +
                    [(r, "rate") for r in summary["rates"]])
        self.assertEqual(len(rows), 1 + len(expected))
        self.assertEqual([c.value for c in rows[0][:len(HEADER)]], HEADER)
        self.assertEqual(ws.freeze_panes, "A2")
        self.assertEqual(ws.auto_filter.ref, "A1:M%d" % len(rows))
        for col in "ABCDEFGHIJKLM":
            width = ws.column_dimensions[col].width
            self.assertTrue(6 <= width <= 63, "column %s is %r wide" % (col, width))
        self.assertGreater(ws.column_dimensions["E"].width, 20)  # area names

        shown = confidential = 0
        for row, (f, key) in zip(rows[1:], expected):
            where = "%s %s %s %s" % (f[key], f["source_id"], f["area"], f.get("dimensions"))
            self.assertEqual(row[0].value, PERIOD)
            self.assertEqual(row[1].value, f[key])
            self.assertEqual(row[3].value, f["area"])
            cell = row[VALUE_COL]
            if f["value"] is not None:
                self.assertEqual(cell.data_type, "n", where)
                self.assertEqual(cell.value, number(f["value"]), where)
                self.assertNotEqual(cell.number_format, "General", where)
                shown += 1
            elif f["marker"] == marker:
                self.assertEqual((cell.data_type, cell.value), ("s", marker), where)
                self.assertEqual(row[VALUE_COL + 1].value, "confidential")
                confidential += 1
            elif f["marker"] == "suppressed_at_source":
                self.assertEqual(cell.value, "[low]", where)
            else:
                self.assertEqual(cell.value, "[x]", where)
            for k, col in (("previous", 9), ("year_ago", 11)):
                cmp = f.get(k)
                if cmp is None:
                    self.assertIsNone(row[col].value, where)
                else:
                    self.assertEqual(row[col].data_type, "n", where)
                    self.assertEqual(row[col].value, number(cmp["value"]), where)
                    self.assertEqual(row[col + 1].value, number(cmp["change"]), where)
        self.assertGreater(shown, 100)
        self.assertGreater(confidential, 100)
        # a total the board reads first, as a number Excel can add up
        total = [r for r in rows[1:] if r[1].value == "referrals_received"
                 and r[2].value == "all partners" and r[3].value == "all"
                 and r[5].value == "total"]
        self.assertEqual(len(total), 1)
        self.assertIsInstance(total[0][VALUE_COL].value, int)

        notes = {}
        for r in wb["Notes"].iter_rows(values_only=True):
            if r[0] is not None:
                notes[r[0]] = r[1:]
        for c in summary["completeness"]:
            self.assertIn(c["feed"], notes)
            self.assertEqual(notes[c["feed"]][1], {"reported": "received", "late": "late",
                                                   "not_yet_due": "not yet due",
                                                   "not_expected": "not expected"}[c["status"]])
        self.assertTrue(any(c["status"] == "late" for c in summary["completeness"]))
        self.assertTrue(notes[marker][0].startswith("Confidential"))
        self.assertIn("[low]", notes)
        self.assertEqual(notes["Confidential figures"][0],
                         summary["disclosure"]["hidden_cells"])
        self.assertEqual(notes["Threshold"][0], 5)
        self.assertEqual(notes["Threshold in E06000017"][0], 10)
        self.assertEqual(notes["Figures not reported ([x])"][0],
                         sum(f.get("marker") == "missing" for f in summary["figures"]))

    def test_hidden_figures_are_in_no_part_of_the_workbook(self):
        hub = self.make_hub(feeds=[long_feed(dimensions={})])
        hub.hub_conf["summary"] = dict(SUMMARY, area_thresholds={})
        hub.write_hub_json(hub.hub_conf)
        hub.start()
        # one line, districts to the county: Blaby's 2 is below the
        # threshold; the smallest other member hides with it, so the county
        # total cannot give it away
        rows = [["Blaby", PERIOD, "helpline_contacts", "2"],
                ["Charnwood", PERIOD, "helpline_contacts", str(SEED)],
                ["Harborough", PERIOD, "helpline_contacts", "9870"],
                ["Melton", PERIOD, "helpline_contacts", "8765"]]
        hub.drop("demo_long", "q1.csv",
                 csv_bytes(rows, header=["Area", "Period", "Measure", "Value"]))
        hub.wait_done("demo_long", "q1.csv")
        hub.stop()
        summary, book = self.report(hub)

        figs = {f["area"]: f for f in summary["figures"]
                if f["measure"] == "helpline_contacts" and f["source_id"] == "all"
                and f["dimensions"] == {}}
        marker = summary["disclosure"]["marker"]
        self.assertEqual(figs["E07000129"]["marker"], marker)  # primary
        self.assertEqual(figs["E07000130"]["marker"], marker)  # the seed: secondary
        self.assertGreaterEqual(summary["disclosure"]["hidden_by_rule"]["secondary"], 1)
        self.assertEqual(figs["E07000131"]["value"], 9870)  # shown

        with zipfile.ZipFile(book) as z:
            names = z.namelist()
            self.assertIn("xl/worksheets/sheet1.xml", names)
            parts = {n: z.read(n) for n in names}
        for n, data in parts.items():
            for seed in (str(SEED), "{:,}".format(SEED)):
                self.assertNotIn(seed.encode(), data, "%s holds %s" % (n, seed))
        self.assertIn(b"<v>9870</v>", parts["xl/worksheets/sheet1.xml"])

        ws = openpyxl.load_workbook(book)["Figures"]
        got = {(r[2].value, r[3].value): r[VALUE_COL].value
               for r in ws.iter_rows(min_row=2)
               if r[1].value == "helpline_contacts" and r[5].value == "total"}
        self.assertEqual(got[("all partners", "E07000130")], marker)
        self.assertEqual(got[("all partners", "E07000129")], marker)
        self.assertEqual(got[("all partners", "E07000131")], 9870)


if __name__ == "__main__":
    unittest.main(verbosity=2)
