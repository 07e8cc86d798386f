"""An .xlsx return dropped into a mapped feed's spool: read as its CSV is.

The workbook is made here with Debian's python3-openpyxl. The feed is the
demo long feed of test_ingest.py, whose mapping says nothing about Excel:
the file is told by its content, and its observations must be those the
same rows give as CSV, at the same rows and columns. A zip bomb dropped
the same way goes to failed/ with a report that says so.
"""

import io
import os
import sys
import unittest
import zipfile

import openpyxl

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HEADER, HubTestCase, csv_bytes  # noqa: E402
from test_ingest import EXPECTED, FEED, GOOD_ROWS  # noqa: E402


def xlsx_bytes(rows):
    """The rows in a workbook; figures as numbers, "" as an empty cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Return"
    ws.append(HEADER)
    for r in rows:
        ws.append([int(c) if c.isdigit() else (c or None) for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bomb_bytes():
    """A workbook whose sheet inflates from 1 MB to 1 GiB."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD_ROWS)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item.filename, good.read(item))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b"<worksheet><sheetData>")
            block = b" " * (1 << 20)
            for _ in range(1024):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


class XlsxReturnTest(HubTestCase):

    def test_xlsx_gives_the_observations_of_its_csv(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "freeva_q1.xlsx", xlsx_bytes(GOOD_ROWS))
        hub.wait_done(FEED, "freeva_q1.xlsx")
        obs = hub.query("SELECT * FROM observations_v ORDER BY obs_id")
        self.assertEqual(len(obs), len(EXPECTED), obs)
        by_loc = {o["locator"]: o for o in obs}
        for line, area, measure, gender, value, status, bound, raw in EXPECTED:
            with self.subTest(line=line):
                o = by_loc["r%dc5" % line]
                self.assertEqual(o["area_code"], area)
                self.assertEqual(o["measure_id"], measure)
                self.assertEqual(o["value_status"], status)
                self.assertEqual(o["value"], value)
                if bound is not None:
                    self.assertEqual(o["bound"], bound)
        hub.stop()

    def test_xlsx_named_csv_is_still_an_xlsx(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "freeva_q1.csv", xlsx_bytes(GOOD_ROWS))
        hub.wait_done(FEED, "freeva_q1.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"),
                         len(EXPECTED))
        hub.stop()

    def test_errors_name_sheet_and_cell_as_excel_does(self):
        """The hub's own checks (an unknown area) and the plugin's (text
        where a number belongs) both name the sheet and the cell."""
        hub = self.make_hub()
        hub.start()
        rows = [["Atlantis", "FY2024-25-Q1", "helpline_contacts", "F", "3"],
                ["Blaby", "FY2024-25-Q1", "helpline_contacts", "F", "lots"]]
        hub.drop(FEED, "bad.xlsx", xlsx_bytes(rows))
        report = hub.wait_failed(FEED, "bad.xlsx")
        msgs = [(e["line"], e["column"], e["message"]) for e in report["errors"]]
        self.assertEqual(len(msgs), 2, report)
        self.assertEqual(msgs[0][:2], (2, 1))
        self.assertTrue(msgs[0][2].startswith('sheet "Return" cell A2: '), msgs)
        self.assertEqual(msgs[1], (3, 5, 'sheet "Return" cell E3: Value: not a '
                                         'number'))
        # a CSV file's say row and column, as before
        hub.drop(FEED, "bad.csv", csv_bytes(rows))
        report = hub.wait_failed(FEED, "bad.csv")
        self.assertEqual(report["errors"][1]["message"], "Value: not a number")
        hub.stop()

    def test_zip_bomb_fails_with_a_report(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "bomb.xlsx", bomb_bytes())
        report = hub.wait_failed(FEED, "bomb.xlsx")
        self.assertIn("zip bomb", report.get("message", ""), report)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)
        self.assertTrue(hub.running())
        hub.stop()


if __name__ == "__main__":
    unittest.main()
