"""`dahub report --period P`: the summary from the store through every sink into
the outbox, once per set of figures."""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes, long_feed  # noqa: E402

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
FY = "FY2024-25"

SUMMARY = {
    "outbox_dir": "../outbox",
    "sinks": ["json", "csv"],
    "threshold": 5,
    "area_thresholds": {"E06000017": 10},
    "suppress_zeros": True,
    "meetings": [],
    "days_before": 10,
}

# Area, Period, Measure, Gender, Value. Rutland's 7 is under its threshold
# of 10; everything else shows.
ROWS = [
    ["Charnwood", Q1, "helpline_contacts", "M", "31"],
    ["Blaby", Q1, "helpline_contacts", "F", "12"],
    ["Harborough", Q1, "helpline_contacts", "F", "40"],
    ["Rutland", Q1, "referrals_received", "F", "7"],
]

CSV_HEADER = ("period,area,area_name,source_id,measure,unit,dimensions,value,marker,"
              "partial,previous_value,change_on_previous,year_ago_value,"
              "change_on_year_ago\r\n")


def figure(doc, measure, source, area, dims):
    found = [f for f in doc["figures"]
             if f["measure"] == measure and f["source_id"] == source
             and f["area"] == area and f["dimensions"] == dims]
    if len(found) != 1:
        raise AssertionError("%d figures for %s %s %s %s" % (len(found), measure, source,
                                                            area, dims))
    return found[0]


class ReportTest(HubTestCase):

    def make_stored_hub(self, rows=ROWS, name="q1.csv"):
        """A hub whose store holds rows (the daemon ingested them), stopped."""
        hub = self.make_hub(feeds=[long_feed(service_id=None)],
                            hub_extra={"summary": SUMMARY})
        hub.start()
        hub.drop(FEED, name, csv_bytes(rows))
        hub.wait_done(FEED, name)
        hub.stop()
        return hub

    def report(self, hub, period):
        return hub.cli("report", "--config", hub.config, "--period", period)

    def outbox(self, hub, *parts):
        return os.path.join(hub.root, "outbox", *parts)

    def assertReportOk(self, r):
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))

    def test_report_writes_v1_and_prints_the_folder(self):
        hub = self.make_stored_hub()
        r = self.report(hub, Q1)
        self.assertReportOk(r)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 4, r.stdout)
        prefix = "%s summary written as version 1 in " % Q1
        self.assertTrue(lines[0].startswith(prefix), lines[0])
        folder = lines[0][len(prefix):]
        self.assertEqual(os.path.realpath(folder), os.path.realpath(self.outbox(hub, Q1, "v1")))
        # how much each rule hid, as the document says
        with open(os.path.join(folder, "summary.json")) as f:
            rules = json.load(f)["disclosure"]["hidden_by_rule"]
        self.assertTrue(lines[1].startswith(
            "  hidden: %d below the threshold, %d by secondary suppression, %d more "
            "for the audit;" % (rules["primary"], rules["secondary"], rules["audit"])),
            lines[1])
        self.assertEqual(lines[2], "  %s/summary.json" % folder)
        self.assertEqual(lines[3], "  %s/summary.csv" % folder)
        self.assertEqual(sorted(os.listdir(self.outbox(hub))), [Q1])
        self.assertEqual(sorted(os.listdir(self.outbox(hub, Q1))), ["v1"])
        self.assertEqual(sorted(os.listdir(self.outbox(hub, Q1, "v1"))),
                         ["summary.csv", "summary.json"])

        with open(self.outbox(hub, Q1, "v1", "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["schema"], "dahub.summary/1")
        self.assertEqual(doc["version"], 1)
        self.assertIsNone(doc["meeting"])
        self.assertEqual(doc["period"], {"id": Q1, "start": "2024-04-01", "end": "2024-06-30",
                                         "previous": "FY2023-24-Q4",
                                         "year_ago": "FY2023-24-Q1"})
        male = {"gender": "male"}
        female = {"gender": "female"}
        self.assertEqual(figure(doc, "helpline_contacts", "freeva", "E07000130", male)["value"], 31)
        self.assertEqual(figure(doc, "helpline_contacts", "freeva", "E10000018", female)["value"],
                         52)
        self.assertEqual(figure(doc, "helpline_contacts", "all", "all", female)["value"], 52)
        hidden = figure(doc, "referrals_received", "freeva", "E06000017", female)
        self.assertIsNone(hidden["value"])
        self.assertEqual(hidden["marker"], "[c]")
        comp = {c["feed"]: c for c in doc["completeness"]}
        self.assertEqual(comp[FEED]["status"], "reported")
        self.assertEqual(comp[FEED]["ingests"], 1)
        self.assertEqual(comp[FEED]["corrections"], 0)
        store_rows = hub.query("SELECT period, version, meeting FROM summaries")
        self.assertEqual(store_rows, [{"period": Q1, "version": 1, "meeting": None}])

    def test_csv_opens_in_excel_bom_and_crlf(self):
        hub = self.make_stored_hub()
        self.assertReportOk(self.report(hub, Q1))
        with open(self.outbox(hub, Q1, "v1", "summary.csv"), "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"), data[:10])
        text = data[3:].decode("utf-8")
        self.assertTrue(text.startswith(CSV_HEADER), text[:200])
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\n", text.replace("\r\n", ""), "every line ends with CRLF")
        self.assertIn("\r\n%s,E07000130,Charnwood,freeva,helpline_contacts,count,gender=male,"
                      "31,,,,,,\r\n" % Q1, text)
        self.assertIn("\r\n%s,E06000017,Rutland,freeva,referrals_received,count,gender=female,"
                      ",[c],,,,,\r\n" % Q1, text)
        with open(self.outbox(hub, Q1, "v1", "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual(text.count("\r\n"), 1 + len(doc["figures"]) + len(doc["rates"]))
        # the hidden 7 is in neither file
        self.assertNotIn(",7,", text)
        self.assertNotIn('"value": 7', json.dumps(doc))

    def test_reports_at_once_take_one_version_between_them(self):
        """The daemon and an officer may report the same period at the same
        moment: one writes v1, the others find it unchanged; none fails or
        writes into another's folder."""
        import subprocess
        import dahub_e2e
        hub = self.make_stored_hub()
        argv = [dahub_e2e.BIN, "report", "--config", hub.config, "--period", Q1,
                "--plugin-dir", os.path.abspath(dahub_e2e.PLUGIN_DIR)]
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=hub.root) for _ in range(4)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        written = [o for o, _ in outs if "summary written as version 1" in o]
        self.assertEqual(len(written), 1, outs)
        self.assertEqual(sorted(os.listdir(self.outbox(hub, Q1))), ["v1"])
        with hub.db() as db:
            self.assertEqual(db.execute("SELECT count(*) FROM summaries").fetchone()[0], 1)

    def test_second_run_with_no_change_is_unchanged_and_writes_no_v2(self):
        hub = self.make_stored_hub()
        self.assertReportOk(self.report(hub, Q1))
        with open(self.outbox(hub, Q1, "v1", "summary.json"), "rb") as f:
            v1 = f.read()
        r = self.report(hub, Q1)
        self.assertReportOk(r)
        first = r.stdout.splitlines()[0]
        self.assertRegex(first, r"^%s unchanged since version 1 in .*/%s/v1$" % (Q1, Q1))
        self.assertNotIn("written", r.stdout)
        self.assertEqual(sorted(os.listdir(self.outbox(hub, Q1))), ["v1"])
        with open(self.outbox(hub, Q1, "v1", "summary.json"), "rb") as f:
            self.assertEqual(f.read(), v1, "v1 is not rewritten")
        self.assertEqual(hub.scalar("SELECT count(*) FROM summaries"), 1)

    def test_a_correction_makes_v2(self):
        hub = self.make_stored_hub()
        self.assertReportOk(self.report(hub, Q1))
        hub.start()
        corrected = [r[:] for r in ROWS]
        corrected[0][4] = "35"
        hub.drop(FEED, "q1-corrected.csv", csv_bytes(corrected))
        hub.wait_done(FEED, "q1-corrected.csv")
        hub.stop()
        r = self.report(hub, Q1)
        self.assertReportOk(r)
        self.assertTrue(r.stdout.startswith("%s summary written as version 2 in " % Q1), r.stdout)
        self.assertEqual(sorted(os.listdir(self.outbox(hub, Q1))), ["v1", "v2"])
        with open(self.outbox(hub, Q1, "v2", "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["version"], 2)
        self.assertEqual(figure(doc, "helpline_contacts", "freeva", "E07000130",
                                {"gender": "male"})["value"], 35)
        comp = {c["feed"]: c for c in doc["completeness"]}
        self.assertEqual(comp[FEED]["corrections"], 1)

    def test_a_financial_year(self):
        rows = ROWS + [["Charnwood", "FY2024-25-Q2", "helpline_contacts", "M", "9"]]
        hub = self.make_stored_hub(rows)
        r = self.report(hub, FY)
        self.assertReportOk(r)
        with open(self.outbox(hub, FY, "v1", "summary.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["period"]["id"], FY)
        self.assertEqual(doc["period"]["previous"], "FY2023-24")
        charnwood = figure(doc, "helpline_contacts", "freeva", "E07000130", {"gender": "male"})
        self.assertEqual(charnwood["value"], 40)
        self.assertTrue(charnwood["partial"], "Q3 and Q4 are not in yet")

    def test_bad_period_exits_1_with_a_clear_message(self):
        hub = self.make_stored_hub()
        r = self.report(hub, "FY2024-26")
        self.assertEqual(r.returncode, 1, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout, "")
        self.assertIn('"FY2024-26" is not a period such as FY2024-25-Q4 or FY2024-25', r.stderr)
        self.assertFalse(os.path.exists(self.outbox(hub)), "nothing is written")
        r = self.report(hub, "FY2024-25/../../x")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertFalse(os.path.exists(self.outbox(hub)))

    def test_report_without_a_period_is_a_usage_error(self):
        hub = self.make_stored_hub()
        r = hub.cli("report", "--config", hub.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--period", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
