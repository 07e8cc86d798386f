"""Bad input (issue 8): each file goes to failed/ with an error report that
says what is wrong and where, nothing of it is stored, and the daemon goes on
(a good file dropped afterwards is stored). Also: odd file names, a device
node in incoming/, formula-like cells, a 60 MiB line with bounded memory.

test_bad_files.py covers validation errors and crude garbage; this file pins
the message, line and column of each kind of malformed text.

All data is synthetic.
"""

import json
import os
import stat
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed, parse_event, scaled  # noqa: E402
from test_feeds import real_feed  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
HEAD = b"Area,Period,Measure,Gender,Value\n"
ROW = b"E07000130,FY2024-25-Q1,helpline_contacts,M,"
GOOD = ["E07000131", Q1, "helpline_contacts", "F", "17"]
LIMITS_1MIB = {"max_file_bytes": 104857600, "max_line_bytes": 1048576, "max_errors": 100}


def vm_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


class BadInputTest(HubTestCase):

    # ---------------------------------------------------------- helpers

    def assertNothingStored(self, hub):
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 0)

    def assertGoesOn(self, hub, feed=FEED, name="after.csv", rows=(GOOD,), expect_obs=1):
        """The daemon is alive and stores a good file dropped afterwards."""
        before = hub.scalar("SELECT count(*) FROM observations_v")
        hub.drop(feed, name, csv_bytes(list(rows)))
        hub.wait_done(feed, name)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v") - before, expect_obs)
        self.assertTrue(hub.running())

    def assertFailedWith(self, hub, name, message_has, line=None, column=None,
                         field=None, found=None, feed=FEED):
        report = hub.wait_failed(feed, name)
        self.assertEqual((report.get("feed"), report.get("file")), (feed, name), report)
        msg = report.get("message") or ""
        for word in ([message_has] if isinstance(message_has, str) else message_has):
            self.assertIn(word, msg.lower(), report)
        if line is not None:
            self.assertEqual(report.get("line"), line, report)
        if column is not None:
            self.assertEqual(report.get("column"), column, report)
        if field is not None:
            self.assertEqual(report.get("field"), field, report)
        if found is not None:
            self.assertEqual(report.get("found"), found, report)
        self.assertGreaterEqual(report.get("error_count", 0), 1, report)
        self.assertEqual(report["errors"][0]["message"], report["message"], report)
        ev = hub.wait_for(lambda: hub.events("file_failed", feed=feed, file=name),
                          what="event=file_failed for %r" % name)
        self.assertEqual(ev[0]["prio"], 4, ev)
        return report

    # ---------------------------------------------------------- empty

    def test_empty_file_fails_with_a_clear_error(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "empty.csv", b"")
        report = self.assertFailedWith(hub, "empty.csv", ["the file is empty", "0 bytes"])
        self.assertEqual(report.get("code"), "empty_file", report)
        self.assertEqual(hub.data_files(FEED, "done"), [])
        self.assertNothingStored(hub)
        self.assertEqual(report["sha256"],
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        self.assertGoesOn(hub)
        hub.stop()

    def test_header_only_file_fails_with_a_clear_error(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "header_only.csv", HEAD)
        hub.drop(FEED, "header_crlf.csv", HEAD.replace(b"\n", b"\r\n"))
        for name in ("header_only.csv", "header_crlf.csv"):
            with self.subTest(file=name):
                report = self.assertFailedWith(hub, name, "no figures")
                self.assertEqual(report.get("found"), "none", report)
        self.assertEqual(hub.data_files(FEED, "done"), [])
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    # ---------------------------------------------------------- malformed text

    def test_malformed_text_names_line_and_column(self):
        hub = self.make_hub()
        hub.start()
        good_line = ROW + b"1\n"
        cases = {
            # NUL inside the Value cell of line 3.
            "nul.csv": (HEAD + good_line + ROW + b"1\x002\n", ["nul byte"], 3, 5),
            # C3 then "(": a cut-short sequence in the Gender cell of line 3.
            "bad_utf8.csv": (HEAD + good_line + b"E07000130,FY2024-25-Q1,helpline_contacts,M\xc3(,1\n",
                             ["invalid utf-8"], 3, 4),
            # An overlong "/" (C0 AF) in the Area cell.
            "overlong.csv": (HEAD + good_line + b"\xc0\xafE07000130,FY2024-25-Q1,helpline_contacts,M,1\n",
                             ["utf-8"], 3, 1),
            # A quote opened in the last cell of the last line, never closed.
            "unterminated.csv": (HEAD + good_line + ROW + b'"12\n', ["quote", "never closed"], 3, 5),
            "unterminated_no_eol.csv": (HEAD + good_line + ROW + b'"12', ["quote", "never closed"], 3, 5),
        }
        for name, (data, _, _, _) in cases.items():
            hub.drop(FEED, name, data)
        for name, (data, words, line, col) in cases.items():
            with self.subTest(file=name):
                self.assertFailedWith(hub, name, words, line=line, column=col)
                with open(hub.path(FEED, "failed", name), "rb") as f:
                    self.assertEqual(f.read(), data, "failed/ keeps the bytes as sent")
        self.assertEqual(hub.data_files(FEED, "done"), [])
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    def test_60_mib_without_a_newline_fails_fast_in_bounded_memory(self):
        hub = self.make_hub(limits=LIMITS_1MIB)
        hub.start()
        hwm0 = vm_kib(hub.proc.pid, "VmHWM")
        part = hub.path(FEED, "incoming", "one_line.csv.part")
        chunk = b"x" * (1 << 20)
        with open(part, "wb") as f:
            f.write(b"Area,Period,")
            for _ in range(60):
                f.write(chunk)
        self.assertGreater(os.path.getsize(part), 60 << 20)
        os.rename(part, hub.path(FEED, "incoming", "one_line.csv"))
        t0 = time.monotonic()
        report = self.assertFailedWith(hub, "one_line.csv", ["longer than 1048576"], line=1)
        took = time.monotonic() - t0
        # settle_ms is 0.2 s; the read stops at the limit, not at 60 MiB.
        self.assertLess(took, scaled(4.0), "a 60 MiB line took %.1fs to fail" % took)
        # Growth, not the peak itself: what the daemon links and the
        # sanitizers' shadow memory move the baseline, a 60 MiB line held in
        # memory would move the growth.
        hwm = vm_kib(hub.proc.pid, "VmHWM")
        self.assertLess(hwm - hwm0, 24 * 1024, "VmHWM %d KiB (was %d KiB at start): the "
                        "line was held in memory" % (hwm, hwm0))
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    # ---------------------------------------------------------- columns

    def test_more_cells_than_the_header_are_ignored_and_figures_right(self):
        # Behaviour pinned: the mapped plugin reads the mapped columns by
        # header name; cells past the header have no name and are ignored.
        hub = self.make_hub()
        hub.start()
        data = (HEAD + ROW + b"12,extra,=1+2\n"
                + b"E07000131,FY2024-25-Q1,helpline_contacts,F,7,,,,\n")
        hub.drop(FEED, "wide_rows.csv", data)
        hub.wait_done(FEED, "wide_rows.csv")
        rows = hub.query("SELECT area_code, dimensions, value, raw FROM observations_v "
                         "ORDER BY area_code")
        self.assertEqual([(r["area_code"], r["value"], r["raw"]) for r in rows],
                         [("E07000130", 12, "12"), ("E07000131", 7, "7")], rows)
        self.assertEqual(hub.scalar("SELECT observations FROM ingests"), 2)
        hub.stop()

    def test_10000_columns_exceeds_the_4096_cell_limit(self):
        hub = self.make_hub()
        hub.start()
        wide_header = HEAD.rstrip(b"\n") + b"".join(b",c%d" % i for i in range(9995)) + b"\n"
        self.assertEqual(wide_header.count(b",") + 1, 10000)
        hub.drop(FEED, "wide_header.csv", wide_header + ROW + b"1\n")
        hub.drop(FEED, "wide_row.csv", HEAD + ROW + b"1" + b",x" * 9995 + b"\n")
        for name, line in (("wide_header.csv", 1), ("wide_row.csv", 2)):
            with self.subTest(file=name):
                self.assertFailedWith(hub, name, ["4096 cells"], line=line, column=4097)
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    # ---------------------------------------------------------- numbers and formulas

    def test_a_400_digit_number_is_a_clear_error(self):
        hub = self.make_hub()
        hub.start()
        digits = "9" * 400
        hub.drop(FEED, "digits.csv", HEAD + ROW + digits.encode() + b"\n")
        report = self.assertFailedWith(hub, "digits.csv", "too large", line=2, column=5,
                                       field="Value")
        self.assertIn("digits", report["expected"], report)
        self.assertTrue(digits.startswith(report["found"]) and len(report["found"]) >= 18, report)
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    def test_signed_numbers_keep_their_raw_text(self):
        # "+5" is the number 5; the cell is kept exactly in observations.raw.
        # ("-5" is a negative count: test_bad_files.py covers it.)
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "plus.csv", HEAD + ROW + b"+5\n")
        hub.wait_done(FEED, "plus.csv")
        self.assertEqual(hub.query("SELECT value, raw FROM observations_v"),
                         [{"value": 5, "raw": "+5"}])
        hub.stop()

    def test_formula_like_cells_are_text_and_reported_exactly(self):
        # A value cell beginning = + - @ that is not a number is text: the
        # file fails, and the report quotes the cell exactly as sent.
        f = long_feed()
        f["options"]["unknown"] = {"gender": "keep"}
        hub = self.make_hub(feeds=[f])
        hub.start()
        cells = {"eq.csv": "=1+2", "plus.csv": "+cmd|' /C calc'!A0", "minus.csv": "-2+3",
                 "at.csv": "@SUM(A1:A9)"}
        for name, cell in cells.items():
            hub.drop(FEED, name, csv_bytes([["E07000130", Q1, "helpline_contacts", "M", cell]]))
        # A label column kept as written: the text reaches validation unchanged.
        hub.drop(FEED, "label.csv", csv_bytes([["E07000130", Q1, "helpline_contacts", "=HYPERLINK(1)", "3"]]))
        for name, cell in cells.items():
            with self.subTest(file=name):
                self.assertFailedWith(hub, name, "not a number", line=2, column=5,
                                      field="Value", found=cell)
        report = hub.wait_failed(FEED, "label.csv")
        self.assertEqual((report["line"], report["column"], report["field"], report["found"]),
                         (2, 4, "gender", "=HYPERLINK(1)"), report)
        self.assertNothingStored(hub)
        self.assertGoesOn(hub)
        hub.stop()

    # ---------------------------------------------------------- dates

    def test_impossible_date_names_row_and_column(self):
        hub = self.make_hub(feeds=[real_feed("panahghar")])
        hub.start()
        data = (b"Month starting,Measure,Value\n"
                b"01/04/2024,Households supported,3\n"
                b"31/02/2024,Households supported,4\n"
                b"01/06/2024,Households supported,5\n")
        hub.drop("panahghar", "feb31.csv", data)
        report = self.assertFailedWith(hub, "feb31.csv", "no such date", line=3, column=1,
                                       field="Month starting", found="31/02/2024",
                                       feed="panahghar")
        self.assertEqual(report["error_count"], 1, report)
        self.assertNothingStored(hub)
        hub.drop("panahghar", "ok.csv", data.replace(b"31/02/2024", b"01/05/2024"))
        hub.wait_done("panahghar", "ok.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 3)
        hub.stop()

    def test_failed_log_line_quotes_a_field_with_spaces(self):
        # The log is key=value; a header name with a space ("Month starting")
        # must be quoted or the field is cut at the space.
        hub = self.make_hub(feeds=[real_feed("panahghar")])
        hub.start()
        hub.drop("panahghar", "feb30.csv", b"Month starting,Measure,Value\n"
                                          b"30/02/2024,Households supported,4\n")
        hub.wait_failed("panahghar", "feb30.csv")
        ev = self.assertEvent(hub, "file_failed", file="feb30.csv")
        self.assertEqual(ev[0].get("field"), "Month starting", ev)
        hub.stop()

    # ---------------------------------------------------------- names and nodes

    def test_file_names_with_dots_quotes_newlines_and_spaces(self):
        hub = self.make_hub()
        hub.start()
        # (A name starting with "." is a dotfile, ignored by design.)
        good_name = "q1 ..%2f..\n'q' \"dq\" x.csv"
        bad_name = "bad .. \n\"b\" ..%2fy.csv"
        dots = "a..b...csv"
        hub.drop(FEED, good_name, csv_bytes([GOOD]))
        hub.drop(FEED, bad_name, csv_bytes([["Atlantis", Q1, "helpline_contacts", "M", "1"]]))
        hub.drop(FEED, dots, csv_bytes([["E07000132", Q1, "helpline_contacts", "M", "2"]]))
        hub.wait_done(FEED, good_name)
        hub.wait_done(FEED, dots)
        report = hub.wait_failed(FEED, bad_name)
        self.assertEqual(report["file"], bad_name, report)
        self.assertEqual(report["found"], "Atlantis", report)
        self.assertEqual(sorted(hub.data_files(FEED, "done")), sorted([good_name, dots]))
        self.assertEqual(hub.data_files(FEED, "failed"), [bad_name])
        self.assertEqual(sorted(r["file_name"] for r in hub.query("SELECT file_name FROM ingests")),
                         sorted([good_name, dots]))
        # Nothing escaped the spool: no stray files beside it.
        self.assertEqual(sorted(os.listdir(hub.spool_dir)), [FEED])
        self.assertEqual(os.listdir(hub.outside_dir), [])
        # Each event is one log line; the name round-trips through the quoting.
        hub.wait_for(lambda: hub.events("file_failed", file=bad_name), what="file_failed")
        self.assertEqual(len(hub.events("file_done", file=good_name)), 1)
        for line in hub.log_text().splitlines():
            self.assertRegex(line, r"^<[0-7]>event=", "a log line not starting an event "
                             "(a raw newline from a file name?): %r" % line)
        for name in (good_name, bad_name):
            lines = [l for l in hub.log_text().splitlines()
                     if (parse_event(l) or {}).get("file") == name]
            self.assertTrue(lines, name)
            for l in lines:
                self.assertNotIn("\n", l)
        hub.stop()

    @unittest.skipUnless(os.geteuid() == 0, "mknod of a device needs root")
    def test_a_device_node_is_moved_to_failed_never_opened(self):
        hub = self.make_hub(rescan_ms=200)
        hub.start()
        rdev = os.stat("/dev/null").st_rdev
        dev = hub.path(FEED, "incoming", "dev.csv")
        os.mknod(dev, 0o600 | stat.S_IFCHR, rdev)
        os.utime(dev, ns=(1000000000, os.stat(dev).st_mtime_ns))
        atime0 = os.stat(dev).st_atime_ns
        report = hub.wait_file(FEED, "failed", "dev.csv.error.json")
        hub.drop(FEED, "sentinel.csv", csv_bytes([GOOD]))
        hub.wait_done(FEED, "sentinel.csv")
        self.assertEvent(hub, "file_refused", file="dev.csv")
        # Several more rescans: logged once, nothing more made of it.
        until = time.monotonic() + 5 * hub.rescan_s + hub.settle_s
        while time.monotonic() < until:
            time.sleep(0.05)
        moved = hub.path(FEED, "failed", "dev.csv")
        self.assertFalse(os.path.lexists(dev), "device left in incoming/")
        self.assertTrue(stat.S_ISCHR(os.lstat(moved).st_mode))
        self.assertEqual(os.lstat(moved).st_rdev, rdev)
        self.assertEqual(os.stat(moved).st_atime_ns, atime0, "the device was read")
        said = [l for l in hub.log_text().splitlines() if "dev.csv" in l]
        self.assertEqual(len(said), 1, "logged once, not on every rescan:\n" + "\n".join(said))
        self.assertIn("never followed or opened", said[0])
        with open(report) as f:
            doc = json.load(f)
        self.assertEqual(doc["found"], "a device")
        self.assertIn("it is a device, not a file", doc["message"])
        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertEqual(sorted(os.listdir(hub.dir(FEED, "failed"))),
                         ["dev.csv", "dev.csv.error.json", "dev.csv.error.txt"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
