"""Every bundled CSV return, re-saved as an Excel workbook, gives the same
observations.

Partners keep their returns in Excel and save them as CSV, or send the
workbook itself. For each feed of conf/feeds.d/ whose bundled sample
(spool/<feed>/sample/) is CSV text, the test re-saves it as a workbook
with Debian's python3-openpyxl, as Excel would (whole numbers become
numbers, everything else stays text, each record one row), and `dahub try`
with the feed's own mapping, unchanged, must print exactly the same
observations for both files: the same figures, rows, columns and raw text.

All data is synthetic.
"""

import csv
import io
import os
import re
import sys
import unittest

import openpyxl

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_feeds  # noqa: E402
from dahub_e2e import HubTestCase  # noqa: E402

WHOLE = re.compile(r"-?(0|[1-9][0-9]*)")


def csv_samples():
    """(feed, path) of every bundled sample that is CSV text."""
    out = []
    for feed in test_feeds.FEEDS:
        path = test_feeds.sample_path(feed)
        if path.endswith((".csv", ".tsv", ".txt")):
            out.append((feed, path))
    return out


def as_xlsx(feed, path):
    """The CSV file, read with the feed's delimiter and encoding, as the
    bytes of a one-sheet workbook."""
    options = test_feeds.real_feed(feed)["options"]
    encoding = ("cp1252" if options.get("encoding") == "windows-1252"
                else "utf-8-sig")
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=options.get("delimiter", ",")))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Return"
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            if text == "":
                continue
            ws.cell(row=r, column=c,
                    value=int(text) if WHOLE.fullmatch(text) else text)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class SamplesAsXlsxTest(HubTestCase):

    def test_every_csv_sample_as_xlsx_gives_the_same_observations(self):
        samples = csv_samples()
        self.assertGreaterEqual(len(samples), 8, samples)
        hub = test_feeds.FeedsTest.make_real_hub(self, [f for f, _ in samples])
        for feed, path in samples:
            with self.subTest(feed=feed):
                book = os.path.join(hub.outside_dir, feed + ".xlsx")
                with open(book, "wb") as f:
                    f.write(as_xlsx(feed, path))
                want = hub.cli("try", "--config", hub.config, "--feed", feed, path)
                got = hub.cli("try", "--config", hub.config, "--feed", feed, book)
                self.assertEqual(want.returncode, 0, want.stderr[-2000:])
                self.assertEqual(got.returncode, 0, got.stderr[-2000:])
                self.assertGreater(len(want.stdout.splitlines()), 0)
                self.assertEqual(got.stdout.splitlines(), want.stdout.splitlines())


if __name__ == "__main__":
    unittest.main()
