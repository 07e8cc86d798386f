"""Excel's "Unicode Text" export dropped into a spool: read as its CSV is.

Excel saves "Unicode Text" as UTF-16LE with a byte order mark, cells
separated by tabs. The real daemon reads it with the demo long feed set to
tabs, and the observations must be those of the same rows as a UTF-8 CSV,
at the same rows and columns. The same text without a byte order mark
fails, and its report tells the officer which encoding to set, not
windows-1252.
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed  # noqa: E402
from test_ingest import EXPECTED, FEED, GOOD_ROWS  # noqa: E402


def tab_feed():
    feed = long_feed()
    feed["options"]["delimiter"] = "\t"
    return feed


def unicode_text(bom=True):
    """GOOD_ROWS as Excel's "Unicode Text": tabs, CRLF, UTF-16LE."""
    text = csv_bytes(GOOD_ROWS, eol="\r\n").decode().replace(",", "\t")
    return (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")


class UnicodeTextTest(HubTestCase):

    def test_unicode_text_gives_the_observations_of_its_csv(self):
        hub = self.make_hub(feeds=[tab_feed()])
        hub.start()
        hub.drop(FEED, "freeva_q1.txt", unicode_text())
        hub.wait_done(FEED, "freeva_q1.txt")
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
                self.assertEqual(o["raw"], raw)
        hub.stop()

    def test_utf16_without_a_mark_says_which_encoding_to_set(self):
        hub = self.make_hub(feeds=[tab_feed()])
        hub.start()
        hub.drop(FEED, "freeva_q1.txt", unicode_text(bom=False))
        report = hub.wait_failed(FEED, "freeva_q1.txt")
        self.assertEqual(report["line"], 1, report)
        self.assertIn("looks like UTF-16", report["message"])
        self.assertIn('set the feed\'s "encoding" to "utf-16le"', report["message"])
        self.assertNotIn("windows-1252", report["message"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations"), 0)
        hub.stop()


if __name__ == "__main__":
    unittest.main()
