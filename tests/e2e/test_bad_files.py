"""Bad files: failed/ with a report that names line, column, field and what was
found; nothing stored from them; the daemon goes on."""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
GOOD = ["E07000130", Q1, "helpline_contacts", "M", "31"]
ERROR_KEYS = ("line", "column", "field", "expected", "found", "message")


class BadFilesTest(HubTestCase):

    def setUp(self):
        self.columns = []  # (file, field, found, column wanted, column got): see checkColumns

    def assertReport(self, report, name, line, column, field, found):
        """Checks an error report; the column is only noted here and checked
        by checkColumns() at the end, so a wrong column does not hide the
        rest of the test."""
        self.assertEqual(report.get("feed"), FEED, report)
        self.assertEqual(report.get("file"), name, report)
        self.assertEqual(report.get("line"), line, report)
        self.assertIsInstance(report.get("column"), int, report)
        self.columns.append((name, field, found, column, report.get("column")))
        self.assertIn(field, str(report.get("field")).lower(), report)
        self.assertEqual(report.get("found"), found, report)
        self.assertTrue(report.get("expected"), report)
        self.assertTrue(report.get("message"), report)
        errors = report.get("errors")
        self.assertIsInstance(errors, list, report)
        self.assertGreaterEqual(len(errors), 1, report)
        self.assertEqual(report.get("error_count"), len(errors), report)
        first = errors[0]
        for k in ERROR_KEYS:
            self.assertIn(k, first, first)
            self.assertEqual(first[k], report[k], "top-level %s repeats the first error" % k)

    def checkColumns(self):
        """The column names the cell that holds the text found (1-based, as a
        spreadsheet counts), not the value cell of the row."""
        wrong = ["%s: %s %r is in column %d, report says %s" % (n, f, found, want, got)
                 for n, f, found, want, got in self.columns if got != want]
        self.assertEqual(wrong, [], "error reports point at the wrong column")

    def assertNothingStored(self, hub):
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 0)
        self.assertEqual(hub.scalar("SELECT count(*) FROM current_periods"), 0)

    def test_unknown_measure_on_line_3_fails_and_the_daemon_goes_on(self):
        hub = self.make_hub()
        hub.start()
        bad = csv_bytes([GOOD, ["Charnwood", Q1, "helpline_contactz", "F", "4"], GOOD[:4] + ["9"]])
        hub.drop(FEED, "bad.csv", bad)
        report = hub.wait_failed(FEED, "bad.csv")
        self.assertReport(report, "bad.csv", 3, 3, "measure", "helpline_contactz")
        self.assertEqual(report["error_count"], 1, report)
        with open(hub.path(FEED, "failed", "bad.csv"), "rb") as f:
            self.assertEqual(f.read(), bad, "failed/ keeps the file as sent")
        self.assertNothingStored(hub)
        hub.wait_for(lambda: hub.query("SELECT outcome, ingest_id FROM receipts"), what="a receipt")
        self.assertEqual(hub.query("SELECT file_name, outcome, ingest_id FROM receipts"),
                         [{"file_name": "bad.csv", "outcome": "failed", "ingest_id": None}])
        ev = self.assertEvent(hub, "file_failed", feed=FEED, file="bad.csv")
        self.assertEqual(ev[0]["prio"], 4, "a failed file is logged as a warning")

        # Still alive: a good file dropped afterwards is stored.
        hub.drop(FEED, "good.csv", csv_bytes([GOOD]))
        hub.wait_done(FEED, "good.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 1)
        self.assertEqual(hub.scalar("SELECT value FROM observations_v"), 31)
        hub.stop()
        self.checkColumns()

    def test_each_validation_error_fails_the_whole_file(self):
        hub = self.make_hub()
        hub.start()
        # name -> (bad row, column, field word, found). The bad row is line 3,
        # after a good line 2, so nothing may be stored from a partly good file.
        cases = {
            "unknown_area.csv": (["Atlantis", Q1, "helpline_contacts", "M", "3"], 1, "area", "Atlantis"),
            "bad_period.csv": (["E07000130", "FY2024-25-Q5", "helpline_contacts", "M", "3"], 2, "period",
                               "FY2024-25-Q5"),
            "bad_month.csv": (["E07000130", "FY2024-25-M13", "helpline_contacts", "M", "3"], 2, "period",
                              "FY2024-25-M13"),
            "bad_half.csv": (["E07000130", "FY2024-25-H3", "helpline_contacts", "M", "3"], 2, "period",
                             "FY2024-25-H3"),
            "unknown_gender.csv": (["E07000130", Q1, "helpline_contacts", "Zz", "3"], 4, "gender", "Zz"),
            "negative_count.csv": (["E07000130", Q1, "helpline_contacts", "M", "-3"], 5, "value", "-3"),
            "text_value.csv": (["E07000130", Q1, "helpline_contacts", "M", "twelve"], 5, "value", "twelve"),
        }
        for name, (row, _, _, _) in cases.items():
            hub.drop(FEED, name, csv_bytes([GOOD, row]))
        for name, (row, column, field, found) in cases.items():
            with self.subTest(file=name):
                report = hub.wait_failed(FEED, name)
                self.assertReport(report, name, 3, column, field, found)
        self.assertEqual(hub.data_files(FEED, "done"), [])
        self.assertNothingStored(hub)
        self.assertTrue(hub.running())
        hub.stop()
        self.checkColumns()

    def test_every_error_is_listed(self):
        hub = self.make_hub()
        hub.start()
        rows = [GOOD,
                ["E07000130", Q1, "no_such_measure", "M", "1"],   # line 3
                GOOD,
                ["Atlantis", Q1, "helpline_contacts", "M", "2"],  # line 5
                ["E07000130", Q1, "helpline_contacts", "M", "-7"]]  # line 6
        hub.drop(FEED, "many.csv", csv_bytes(rows))
        report = hub.wait_failed(FEED, "many.csv")
        self.assertReport(report, "many.csv", 3, 3, "measure", "no_such_measure")
        self.assertEqual(report["error_count"], 3, report)
        self.assertEqual([(e["line"], e["found"]) for e in report["errors"]],
                         [(3, "no_such_measure"), (5, "Atlantis"), (6, "-7")])
        for e, (f, col) in zip(report["errors"][1:], [("area", 1), ("value", 5)]):
            self.columns.append(("many.csv", f, e["found"], col, e["column"]))
        self.assertNothingStored(hub)
        hub.stop()
        self.checkColumns()

    def test_max_errors_caps_the_report(self):
        hub = self.make_hub(limits={"max_file_bytes": 104857600, "max_line_bytes": 1048576,
                                    "max_errors": 5})
        hub.start()
        rows = [["E07000130", Q1, "no_such_measure", "M", str(i)] for i in range(50)]
        hub.drop(FEED, "flood.csv", csv_bytes(rows))
        report = hub.wait_failed(FEED, "flood.csv")
        self.assertEqual(report["line"], 2, report)
        self.assertLessEqual(len(report["errors"]), 5, report)
        self.assertNothingStored(hub)
        hub.stop()

    def test_a_second_failed_file_of_the_same_name_gets_a_number(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "bad.csv", csv_bytes([["Atlantis", Q1, "helpline_contacts", "M", "3"]]))
        hub.wait_failed(FEED, "bad.csv")
        hub.drop(FEED, "bad.csv", csv_bytes([["Lyonesse", Q1, "helpline_contacts", "M", "3"]]))
        report = hub.wait_failed(FEED, "bad (2).csv")
        self.assertEqual(report["found"], "Lyonesse", report)
        self.assertEqual(report["line"], 2, report)
        self.assertEqual(hub.read_json(FEED, "failed", "bad.csv.error.json")["found"], "Atlantis")
        self.assertEqual(hub.listdir(FEED, "failed"),
                         ["bad (2).csv", "bad (2).csv.error.json", "bad (2).csv.error.txt",
                          "bad.csv", "bad.csv.error.json", "bad.csv.error.txt"])
        hub.stop()

    def test_report_of_a_file_whose_name_is_not_utf8(self):
        # A Windows SFTP client may send "Q1 \x96 return.csv" (an en dash in
        # Windows-1252): the report must still say which file it is.
        hub = self.make_hub()
        hub.start()
        name = os.fsdecode(b"Q1 \x96 return.csv")
        hub.drop(FEED, name, csv_bytes([["Atlantis", Q1, "helpline_contacts", "M", "3"]]))
        report = hub.wait_failed(FEED, name)
        self.assertEqual(report.get("found"), "Atlantis", report)
        self.assertIsInstance(report.get("file"), str, "error.json names the file: %s" % report)
        self.assertTrue(report["file"].startswith("Q1 ") and report["file"].endswith(" return.csv"),
                        report)
        self.assertTrue(hub.running())
        hub.stop()

    def test_oversized_file_and_overlong_line_fail(self):
        hub = self.make_hub(limits={"max_file_bytes": 4096, "max_line_bytes": 256,
                                    "max_errors": 100})
        hub.start()
        big = csv_bytes([GOOD] * 200)            # ~ 7 KB, lines short
        self.assertGreater(len(big), 4096)
        long_line = csv_bytes([GOOD, ["E07000130", Q1, "helpline_contacts", "M", "1" * 400]])
        hub.drop(FEED, "big.csv", big)
        hub.drop(FEED, "long_line.csv", long_line)
        big_report = hub.wait_failed(FEED, "big.csv")
        report = hub.wait_failed(FEED, "long_line.csv")
        self.assertEqual(report["line"], 3, report)
        for name, r in (("big.csv", big_report), ("long_line.csv", report)):
            self.assertEqual((r.get("feed"), r.get("file")), (FEED, name), r)
            self.assertTrue(r.get("message"), r)
        self.assertNothingStored(hub)
        hub.drop(FEED, "small.csv", csv_bytes([GOOD]))
        hub.wait_done(FEED, "small.csv")
        hub.stop()

    def test_garbage_is_failed_not_a_crash(self):
        hub = self.make_hub()
        hub.start()
        junk = {
            "empty.csv": b"",
            "binary.csv": bytes(range(256)) * 8,
            "no_header.csv": b"1,2,3\n4,5,6\n",
            "half_quote.csv": b'Area,Period,Measure,Gender,Value\n"E07000130,FY2024-25-Q1,x,M,1\n',
            "nul.csv": b"Area,Period,Measure,Gender,Value\nE07000130\x00,FY2024-25-Q1,helpline_contacts,M,1\n",
            "bad_utf8.csv": b"Area,Period,Measure,Gender,Value\n\xff\xfe,FY2024-25-Q1,helpline_contacts,M,1\n",
            "huge_number.csv": b"Area,Period,Measure,Gender,Value\n"
                               b"E07000130,FY2024-25-Q1,helpline_contacts,M,99999999999999999999999999\n",
        }
        for name, data in junk.items():
            hub.drop(FEED, name, data)
        outcomes = {name: hub.wait_outcome(FEED, name) for name in junk}
        for name in junk:
            with self.subTest(file=name):
                if name == "empty.csv":
                    continue  # no observations either way; only the daemon's survival counts
                self.assertEqual(outcomes[name], "failed", outcomes)
                report = hub.wait_failed(FEED, name)
                self.assertTrue(report.get("message"), report)
                self.assertEqual((report.get("feed"), report.get("file")), (FEED, name), report)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)
        self.assertEqual([r["file_name"] for r in hub.query("SELECT file_name FROM ingests")
                          if r["file_name"] != "empty.csv"], [])
        hub.drop(FEED, "good.csv", csv_bytes([GOOD]))
        hub.wait_done(FEED, "good.csv")
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
