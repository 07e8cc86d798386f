"""The board pack in a real browser: the real daemon ingests the bundled
sample returns, `dahub report` writes board-pack.html beside the JSON and
CSV, and Debian's headless Chromium, cut off from every network, takes a
screenshot and prints it to PDF, which poppler's pdfinfo and pdftotext
read back: each section starts a page, the headings and key figures are
in the text. A second hub seeds a table whose secondary suppression must
hide a distinctive figure (4,321): it is nowhere in the HTML or the PDF,
and the primary-suppressed cell shows the marker and a hatched bar.

DAHUB_BOARDPACK_SCREENSHOT=<path> also copies the screenshot of the
sample pack there (how docs/board-pack.png is made; see README.md).
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import CLI_TIMEOUT, HubTestCase, csv_bytes, long_feed, scaled  # noqa: E402
import test_feeds  # noqa: E402  (its helpers, not its tests)

CHROMIUM = shutil.which("chromium")
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
PERIOD = "FY2024-25-Q1"
BOARD = "Leicestershire and Rutland Domestic Abuse Local Partnership Board"
SECTIONS = ["Key figures", "By area", "Breakdowns", "Safe accommodation",
            "MARAC", "Funding and contracts", "Data notes"]
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv", "boardpack"],
           "sink_options": {"boardpack": {"board": BOARD}},
           "threshold": 5, "area_thresholds": {"E06000017": 10},
           "meetings": [], "contract_warning_months": 6}
SEED = 4321  # a figure only secondary suppression can hide
# The LCC register's DLUHC Part 4 allocations to the county, by year.
ALLOCATIONS = [("FY2021-22", "2021/22", 1127205), ("FY2022-23", "2022/23", 1130326),
               ("FY2023-24", "2023/24", 1152936), ("FY2024-25", "2024/25", 1174689)]

# What a pack must never load: anything but a chart's own #pattern.
LEAVES = re.compile(r"""(?ix) \b(?:src|href|srcset|action|formaction|poster)\s*=
                    | url\(\s*(?!['"]?\#) | @import | <\s*(?:script|link|img|iframe|
                    object|embed|base|meta\s+http-equiv) """)


def browser(*args, timeout=120):
    """Headless Chromium with no network at all: every host name resolves to
    nothing, so a reference out of the file could only fail."""
    profile = tempfile.mkdtemp(prefix="dahub-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run",
             "--host-resolver-rules=MAP * ~NOTFOUND",
             "--user-data-dir=" + profile] + list(args),
            capture_output=True, text=True, timeout=scaled(timeout))
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit PNG, unfiltered."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("%s is not a PNG" % path)
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or colour not in (2, 6):
        raise AssertionError("unexpected PNG format %d/%d" % (depth, colour))
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else
                                      b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def pdf_pages(path):
    """The text of each page of a PDF, by pdftotext."""
    r = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("pdftotext: %s" % r.stderr)
    pages = r.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def first_line(page):
    for line in page.splitlines():
        if line.strip():
            return line.strip()
    return ""


@unittest.skipIf(CHROMIUM is None, "chromium is not installed (scripts/deps.sh "
                 "chromium poppler-utils)")
@unittest.skipIf(not POPPLER, "poppler-utils is not installed")
class BoardPackTest(HubTestCase):

    def report(self, hub, period=PERIOD):
        r = hub.cli("report", "--config", hub.config, "--period", period)
        self.assertEqual(r.returncode, 0, r.stderr)
        folder = os.path.join(hub.root, "outbox", period, "v1")
        pack = os.path.join(folder, "board-pack.html")
        self.assertIn(os.path.relpath(pack, hub.conf_dir), r.stdout)
        with open(os.path.join(folder, "summary.json")) as f:
            summary = json.load(f)
        with open(pack, encoding="utf-8") as f:
            return summary, pack, f.read()

    def print_pdf(self, hub, pack):
        pdf = os.path.join(hub.root, "board-pack.pdf")
        r = browser("--no-pdf-header-footer", "--print-to-pdf=" + pdf,
                    "file://" + pack)
        self.assertTrue(os.path.isfile(pdf), r.stderr[-2000:])
        return pdf

    def sample_hub(self):
        """A stopped hub holding every bundled sample return."""
        names = test_feeds.FEEDS
        hub = test_feeds.FeedsTest.make_real_hub(self, names)
        hub.hub_conf["summary"] = SUMMARY
        hub.write_hub_json(hub.hub_conf)
        test_feeds.FeedsTest.ingest(self, hub, names)
        hub.stop()
        return hub

    def assert_stays_inside(self, html):
        self.assertEqual(LEAVES.findall(html), [])
        self.assertNotIn("http://", html)
        self.assertNotIn("https://", html)

    def test_sample_pack_in_a_browser(self):
        hub = self.sample_hub()
        summary, pack, html = self.report(hub)

        self.assert_stays_inside(html)
        self.assertTrue(html.startswith("<!DOCTYPE html>\n<html lang=\"en-GB\">"))
        self.assertEqual(html.count("<svg "), html.count("<title id=\"svg-t-"))
        self.assertEqual(html.count("<svg "), html.count("<desc id=\"svg-d-"))
        self.assertGreater(html.count("<svg "), 5)
        self.assertEqual(html.count("<table>") + html.count("<table "),
                         html.count("<caption>"))
        for k in range(1, 7):  # headings in order: none skipped
            if "<h%d" % (k + 1) in html:
                self.assertIn("<h%d" % k, html)

        # the same summary, the same bytes: a second rendering by a new version
        # would differ only by what the summary says
        r = hub.cli("report", "--config", hub.config, "--period", PERIOD)
        self.assertIn("unchanged since version 1", r.stdout)

        shot = os.path.join(hub.root, "board-pack.png")
        r = browser("--hide-scrollbars", "--window-size=1000,1400",
                    "--screenshot=" + shot, "file://" + pack)
        self.assertTrue(os.path.isfile(shot), r.stderr[-2000:])
        w, h, bpp, rows = png_pixels(shot)
        self.assertEqual((w, h), (1000, 1400))
        colours, inked = set(), 0
        for row in rows[::4]:
            for x in range(0, w * bpp, bpp * 4):
                px = row[x:x + 3]
                colours.add(px)
                inked += px != b"\xff\xff\xff"
        self.assertGreater(len(colours), 8, "the screenshot is blank")
        self.assertGreater(inked, (w // 4) * (h // 4) // 50)
        if os.environ.get("DAHUB_BOARDPACK_SCREENSHOT"):
            shutil.copyfile(shot, os.environ["DAHUB_BOARDPACK_SCREENSHOT"])

        pdf = self.print_pdf(hub, pack)
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True,
                              timeout=60).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        self.assertIsNotNone(size, info)
        self.assertAlmostEqual(float(size.group(1)), 595.3, delta=2)  # A4
        self.assertAlmostEqual(float(size.group(2)), 841.9, delta=2)  # portrait
        pages = pdf_pages(pdf)
        self.assertEqual(int(re.search(r"Pages:\s+(\d+)", info).group(1)), len(pages))
        tops = [first_line(p) for p in pages]
        for heading in SECTIONS:
            self.assertIn(heading, tops, "%s does not start a page" % heading)
        self.assertLess(tops.index("Key figures"), tops.index("Data notes"))
        text = " ".join("\n".join(pages).split())  # as read, not as wrapped
        self.assertIn(BOARD, " ".join(pages[0].split()))
        self.assertIn("Q1 2024/25, 1 April – 30 June 2024", pages[0])
        self.assertIn("expected returns received", pages[0])
        # the key figures as the summary gives them
        for f in summary["figures"]:
            if (f["source_id"], f["area"], f["dimensions"]) == ("all", "all", {}) \
                    and f["measure"] in ("referrals_received", "marac_cases_discussed"):
                self.assertIsNotNone(f["value"], f)
                self.assertIn("{:,}".format(f["value"]), text)
        # the register's contracts, in the table and the chart alike
        for c in summary["contracts"]["contracts"]:
            value = "£{:,.2f}".format(float(c["value_gbp"]))
            self.assertGreaterEqual(text.count(value), 2, value)
            self.assertIn(c["provider"].split()[0], text)
        # their timeline, with the register's end dates in its label
        self.assertRegex(text, r"(No contract ends|\d+ of \d+ contracts? ends?) "
                               r"within 6 months")
        self.assertIn("ends 12 June 2025", html)
        # the register's allocations by year reach a quarter's pack: in the
        # summary, in the table and in the chart's accessible label
        lcc = [s for s in summary["allocations"]["series"]
               if s["source_id"] == "lcc"]
        self.assertEqual(len(lcc), 1, summary["allocations"])
        # money as the summary writes it: pounds and pence, as text
        self.assertEqual([(y["period"], y["value"]) for y in lcc[0]["years"]],
                         [(p, "%d.00" % v) for p, _, v in ALLOCATIONS])
        labels = " ".join(re.findall(r"<desc id=\"svg-d-\d+\">(.*?)</desc>", html))
        for _, year, v in ALLOCATIONS:
            amount = "£{:,}".format(v)
            self.assertIn("<td class=\"num\">%s</td>" % amount, html)
            self.assertIn("%s %s" % (year, amount), labels)
            self.assertIn(amount, text)
        self.assertIn("Allocations rose from £1,127,205 in 2021/22 to "
                      "£1,174,689 in 2024/25", text)
        # the data notes list each cell a partner left blank (its own figure
        # of an area), and say where text in a figure's place went
        blank = [f for f in summary["figures"] if f.get("marker") == "missing"
                 and f["source_id"] != "all" and f["area"] != "all"]
        self.assertTrue(blank, "the samples have blank cells")
        table = re.search(r"<caption>Cells partners left blank</caption>(.*?)</table>",
                          html, re.S)
        self.assertIsNotNone(table)
        rows = re.findall(r"<tr><th scope=\"row\">([^<]*)</th><td>[^<]*</td>"
                          r"<td>([^<]*)</td>", table.group(1))
        self.assertEqual(sorted(rows), sorted((f["source_id"], f["area_name"])
                                              for f in blank))
        # per service: each partner's figures by service, as published
        services = [f for f in summary["figures"] if list(f["dimensions"]) == ["service"]]
        self.assertTrue(services, "the samples name services")
        for f in services:
            self.assertNotEqual(f["source_id"], "all", f)
            self.assertEqual(f["area"], "all", f)
        table = re.search(r"<caption>Each service&#39;s figures, all areas</caption>"
                          r"(.*?)</table>", html, re.S)
        self.assertIsNotNone(table)
        cells = [(who, re.sub(r" <abbr.*", "", fig)) for who, fig in re.findall(
            r"</th><td>([^<]*)</td><td class=\"num[^\"]*\">(.*?)</td>",
            table.group(1))]
        self.assertEqual(len(cells), len(services))
        self.assertEqual(sorted(cells), sorted(
            (f["source_id"], "{:,}".format(f["value"]) if f["value"] is not None
             else f["marker"] if f["marker"] == summary["disclosure"]["marker"]
             else {"suppressed_at_source": "[low]"}.get(f["marker"], "[x]"))
            for f in services))
        self.assertIn("none grouped into “other” by the pack", text)
        self.assertIn("Cells partners left blank", text)
        self.assertIn("instead of a number", text)

    def test_rutland_year_as_the_board_read_it(self):
        # Rutland's FY2023-24 return, as the June 2024 pack gave it in prose:
        # 216 single assessments, 70 with a domestic abuse factor, 32.4 %
        hub = self.sample_hub()
        summary, pack, html = self.report(hub, "FY2023-24")
        mine = [f for f in summary["figures"]
                if f["source_id"] == "rcc" and f["dimensions"] == {}]
        values = {f["value"] for f in mine}
        self.assertIn(216, values, mine)
        self.assertIn(70, values, mine)
        rates = [r for r in summary.get("rates", []) if r.get("source_id") == "rcc"]
        self.assertTrue(any(r.get("value") is not None and
                            abs(float(r["value"]) - 32.4) < 0.05 for r in rates),
                        rates)
        labels = " ".join(re.findall(r"<desc id=\"svg-d-\d+\">(.*?)</desc>", html))
        for v in ("216", "70"):
            self.assertTrue("<td class=\"num\">%s</td>" % v in html, v)
            self.assertRegex(labels, r"\b%s\b" % v)
        rates = re.search(r"<caption>Rates</caption>(.*?)</table>", html, re.S)
        self.assertIsNotNone(rates, "the pack has no table of rates")
        self.assertIn("32.4", rates.group(1))

    def test_hidden_figures_never_reach_the_pack(self):
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
        summary, pack, html = self.report(hub)

        figs = {f["area"]: f for f in summary["figures"]
                if f["measure"] == "helpline_contacts" and f["source_id"] == "all"
                and f["dimensions"] == {}}
        marker = summary["disclosure"]["marker"]
        self.assertEqual(figs["E07000129"]["marker"], marker)  # primary
        self.assertIsNone(figs["E07000130"]["value"])  # the seed: secondary
        self.assertEqual(figs["E07000130"]["marker"], marker)
        self.assertGreaterEqual(summary["disclosure"]["hidden_by_rule"]["secondary"], 1)
        self.assertEqual(figs["E07000131"]["value"], 9870)  # shown

        self.assert_stays_inside(html)
        for seed in (str(SEED), "{:,}".format(SEED)):
            self.assertNotIn(seed, html)
        self.assertIn("Charnwood</th><td class=\"num marker\">%s</td>" % marker, html)
        self.assertIn("Blaby</th><td class=\"num marker\">%s</td>" % marker, html)
        self.assertIn("fill=\"url(#hatch-", html)
        self.assertIn("9,870", html)

        pdf = self.print_pdf(hub, pack)
        text = "\n".join(pdf_pages(pdf))
        for seed in (str(SEED), "{:,}".format(SEED)):
            self.assertNotIn(seed, text)
        self.assertIn("9,870", text)
        self.assertRegex(text, r"Charnwood\s+%s" % re.escape(marker))

    def test_trend_and_corrections_repeat_only_what_was_published(self):
        hub = self.make_hub(feeds=[long_feed(dimensions={})])
        hub.hub_conf["summary"] = dict(SUMMARY, area_thresholds={})
        hub.hub_conf["summary"]["sink_options"] = {
            "boardpack": {"board": BOARD, "headline": ["helpline_contacts"]}}
        hub.write_hub_json(hub.hub_conf)
        header = ["Area", "Period", "Measure", "Value"]

        def rows(period, charnwood):
            return [["Blaby", period, "helpline_contacts", "12"],
                    ["Charnwood", period, "helpline_contacts", str(charnwood)],
                    ["Harborough", period, "helpline_contacts", "50"],
                    ["Melton", period, "helpline_contacts", "3"]]

        hub.start()
        hub.drop("demo_long", "q4.csv", csv_bytes(rows("FY2023-24-Q4", 29), header))
        hub.wait_done("demo_long", "q4.csv")
        hub.drop("demo_long", "q1.csv", csv_bytes(rows(PERIOD, 31), header))
        hub.wait_done("demo_long", "q1.csv")
        for period in ("FY2023-24-Q4", PERIOD):
            r = hub.cli("report", "--config", hub.config, "--period", period)
            self.assertEqual(r.returncode, 0, r.stderr)
        # a corrected return: Charnwood 31 -> 33, so version 2
        hub.drop("demo_long", "q1-corrected.csv", csv_bytes(rows(PERIOD, 33), header))
        hub.wait_done("demo_long", "q1-corrected.csv")
        hub.stop()
        r = hub.cli("report", "--config", hub.config, "--period", PERIOD)
        self.assertIn("version 2", r.stdout)
        folder = os.path.join(hub.root, "outbox", PERIOD, "v2")
        with open(os.path.join(folder, "summary.json")) as f:
            doc = json.load(f)
        with open(os.path.join(folder, "board-pack.html"), encoding="utf-8") as f:
            html = f.read()

        figs = {f["area"]: f for f in doc["figures"]
                if f["measure"] == "helpline_contacts" and f["source_id"] == "all"
                and f["dimensions"] == {}}
        # Melton's 3 is hidden in each quarter, and Blaby's 12 with it; the
        # partnership total is shown: the trend holds it and nothing else
        q4_total = 12 + 29 + 50 + 3
        self.assertEqual(figs["all"]["trend"],
                         [{"period": "FY2023-24-Q4", "value": q4_total}])
        self.assertEqual(figs["E07000130"]["last_version"], {"value": 31, "change": 2})
        self.assertNotIn("last_version", figs["E07000131"])  # unchanged
        self.assertIsNone(figs["E07000129"]["value"])
        for f in doc["figures"]:
            if f["value"] is None:  # hidden now: no history to place it
                self.assertNotIn("trend", f)
                self.assertNotIn("last_version", f)
            for old in [f.get("last_version")] + (f.get("trend") or []):
                if old is not None:
                    self.assertIsInstance(old["value"], int)

        self.assert_stays_inside(html)
        self.assertIn("Helpline contacts, the last 2 quarters", html)
        self.assertIn("Q4 2023/24 %d; Q1 2024/25 %d." % (q4_total, q4_total + 4), html)
        self.assertIn("<polyline", html)
        self.assertIn("Figures changed since version 1", html)
        self.assertIn("Charnwood</th><td>all</td><td class=\"num\">31</td>"
                      "<td class=\"num\">33</td>", html)


if __name__ == "__main__":
    unittest.main()
