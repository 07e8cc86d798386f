"""Every partner's feed, as shipped in conf/feeds.d/, on its bundled return.

The real feed files and vocabulary are copied into a temporary installation
(with the LWA demo key, mode 600) and the real daemon ingests each bundled
sample from spool/<feed>/sample/: the figures the board papers state must
come out of the store exactly. A partner whose file shape no sample has is
added by a mapping written here, with no C. The case-level test shows that
no case reference (nor its HMAC) reaches the store, the log or any output.

All data is synthetic.
"""

import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import SOURCE_DIR, HubTestCase  # noqa: E402

CONF = os.path.join(SOURCE_DIR, "conf")
FEEDS = sorted(os.path.basename(p)[:-5]
               for p in glob.glob(os.path.join(CONF, "feeds.d", "*.json")))
CASE_LEVEL = "lwa"
LWA_REF = re.compile(r"LWA-[0-9A-F]{6}")


def real_feed(name):
    with open(os.path.join(CONF, "feeds.d", name + ".json")) as f:
        return json.load(f)


def sample_path(feed):
    files = sorted(glob.glob(os.path.join(SOURCE_DIR, "spool", feed, "sample", "*")))
    if len(files) != 1:
        raise AssertionError("spool/%s/sample/ should hold one return, has %s"
                             % (feed, files))
    return files[0]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class FeedsTest(HubTestCase):

    def make_real_hub(self, names):
        """A hub with these feeds of conf/feeds.d/, as shipped."""
        hub = self.make_hub(feeds=[])
        for n in names:
            feed = real_feed(n)
            hub.write_feed(feed)
            key = feed.get("hmac_key_file")
            if key is not None:
                dest = os.path.join(hub.conf_dir, key)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(os.path.join(CONF, key), dest)
                os.chmod(dest, 0o600)  # git keeps 644; the hub wants 600
        return hub

    def ingest(self, hub, names):
        """Starts the daemon, drops each feed's sample, waits for done/."""
        hub.start()
        for n in names:
            path = sample_path(n)
            hub.drop(n, os.path.basename(path), read_bytes(path))
        for n in names:
            name = os.path.basename(sample_path(n))
            if n == CASE_LEVEL:
                # personal data: the extract leaves done/ once it is stored
                self.assertEvent(hub, "file_removed", feed=n, folder="done", file=name)
            else:
                hub.wait_done(n, name)

    def figures(self, hub, feed, measure, period=None, dims=None):
        sql = ("SELECT * FROM current_observations WHERE feed = ? AND measure_id = ?")
        args = [feed, measure]
        if period is not None:
            sql += " AND period = ?"
            args.append(period)
        if dims is not None:
            sql += " AND dimensions = ?"
            args.append(json.dumps(dims, sort_keys=True, separators=(",", ":")))
        return hub.query(sql, args)

    def one(self, hub, feed, measure, period=None, dims=None, **where):
        rows = [r for r in self.figures(hub, feed, measure, period, dims)
                if all(r[k] == v for k, v in where.items())]
        self.assertEqual(len(rows), 1, "expected one %s %s %s %s, found %s"
                         % (feed, measure, period, where, rows))
        return rows[0]

    def try_feed(self, hub, feed, path):
        return hub.cli("try", "--config", hub.config, "--feed", feed, path)

    # ------------------------------------------------------------ all feeds

    def test_every_partner_has_a_feed_and_a_sample(self):
        for n in ("freeva", "lwa", "wall", "rcc", "lcc", "marac_llr", "turning_point",
                  "leics_gate", "lgbt_centre", "panahghar", "blaby_dc"):
            self.assertIn(n, FEEDS)
            self.assertTrue(os.path.isfile(sample_path(n)))

    def test_check_passes_on_the_shipped_configuration(self):
        hub = self.make_real_hub(FEEDS)
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))

    def test_every_sample_passes_try(self):
        hub = self.make_real_hub(FEEDS)
        for n in FEEDS:
            r = self.try_feed(hub, n, sample_path(n))
            self.assertEqual(r.returncode, 0, "%s:\n%s" % (n, r.stderr[-3000:]))
            self.assertRegex(r.stderr, r"would be stored: [1-9]\d* observations, 0 errors")

    def test_every_sample_ingests_by_the_daemon(self):
        names = [n for n in FEEDS if n != CASE_LEVEL]
        hub = self.make_real_hub(names)
        self.ingest(hub, names)
        for n in names:
            self.assertEqual(hub.data_files(n, "failed"), [], n)
            count = hub.scalar("SELECT count(*) FROM current_observations WHERE feed = ?",
                               (n,))
            self.assertGreater(count, 0, n)
        self.check_rutland(hub)
        self.check_freeva(hub)
        self.check_lcc(hub)
        self.check_marac(hub)
        self.check_wall(hub)
        hub.stop()

    # ------------------------------------------------------------ figures

    def check_rutland(self, hub):
        h1 = self.one(hub, "rcc", "cs_single_assessments_completed", "FY2023-24-H1")
        self.assertEqual((h1["value"], h1["value_status"], h1["area_code"]),
                         (86, "actual", "E06000017"))
        self.assertEqual(h1["raw"], "86 (Q1+Q2)")
        self.assertEqual(self.one(hub, "rcc", "cs_single_assessments_completed",
                                  "FY2023-24-H2")["value"], 130)
        self.assertEqual(self.one(hub, "rcc", "cs_single_assessments_completed",
                                  "FY2023-24")["value"], 216)
        self.assertEqual(self.one(hub, "rcc", "cs_single_assessments_da_factor",
                                  "FY2023-24")["value"], 70)
        pct = self.one(hub, "rcc", "cs_single_assessments_da_pct", "FY2023-24", {})
        self.assertEqual((pct["value"], pct["unit"]), (32, "percent"))
        fund = self.one(hub, "rcc", "funding_allocated", "FY2024-25",
                        {"funding_source": "dluhc_da_act_part4"})
        self.assertEqual((fund["value"], fund["scale"]), (6300000, 2))  # £63,000

    def check_freeva(self, hub):
        g = self.one(hub, "freeva", "helpline_contacts", "FY2024-25-Q1",
                     area_code="E07000130")
        self.assertEqual((g["value"], g["value_status"], g["locator"]), (31, "actual", "r6c4"))
        melton = self.one(hub, "freeva", "helpline_contacts", "FY2024-25-Q1",
                          area_code="E07000133")
        self.assertEqual((melton["value"], melton["value_status"], melton["bound"]),
                         (None, "suppressed", 5))
        suppressed = hub.scalar("SELECT count(*) FROM current_observations WHERE "
                                "feed = 'freeva' AND value_status = 'suppressed'")
        self.assertEqual(suppressed, 22)
        # The unsuppressed TOTAL column (column 11) is never stored.
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v WHERE "
                                    "feed = 'freeva' AND locator LIKE '%c11'"), 0)

    def check_lcc(self, hub):
        pence = {"FY2021-22": 112720500, "FY2022-23": 113032600,
                 "FY2023-24": 115293600, "FY2024-25": 117468900}
        for period, value in pence.items():
            g = self.one(hub, "lcc", "funding_allocated", period, area_code="E10000018")
            self.assertEqual((g["value"], g["scale"], g["unit"]), (value, 2, "gbp"))
        tcv = self.figures(hub, "lcc", "contract_value_total", "FY2024-25")
        self.assertEqual(len(tcv), 11)
        self.assertEqual(sum(r["value"] for r in tcv), 113704100)  # £1,137,041
        self.assertTrue(all(r["scale"] == 2 for r in tcv))
        records = hub.query("SELECT fields FROM records WHERE feed = 'lcc' AND "
                            "kind = 'contract'")
        self.assertEqual(len(records), 14)
        fields = [json.loads(r["fields"]) for r in records]
        tp = [f for f in fields if f["provider"] == "Turning Point"]
        self.assertEqual(len(tp), 1)
        self.assertEqual((tp[0]["value_gbp"], tp[0]["end_date"], tp[0]["service_id"]),
                         ("12486400", "2025-06-12", "turning_point.substance_misuse"))
        self.assertEqual(sum(int(f["value_gbp"]) for f in fields if f["lot"] == ""),
                         113704100)

    def check_marac(self, hub):
        cases = self.figures(hub, "marac_llr", "marac_cases_discussed", "FY2024-25-Q1")
        self.assertEqual(sum(r["value"] for r in cases), 175)
        self.assertEqual(self.one(hub, "marac_llr", "marac_meetings_held",
                                  "FY2024-25-Q1")["value"], 7)
        police = self.one(hub, "marac_llr", "marac_referrals_by_agency", "FY2024-25-Q1",
                          {"referral_source": "police"})
        self.assertEqual(police["value"], 110)

    def check_wall(self, hub):
        stay = self.one(hub, "wall", "sa_average_stay_days", "FY2024-25-Q2",
                        service_id="wall.sa_lot3_refuge")
        self.assertEqual((stay["value"], stay["scale"], stay["raw"]), (965, 1, "96,5"))
        women = self.one(hub, "wall", "sa_individuals_supported", "FY2024-25-Q2",
                         {"person_type": "woman"}, service_id="wall.sa_lot3_refuge")
        self.assertEqual(women["value"], 12)

    # ------------------------------------------------------------ a new partner

    NEW_MAPPING = {
        "header": {"match": "District"},
        "layout": "wide",
        "cells": {"financial_year": {"row": 2, "col": 2}},
        "fixed": {"measure": "professionals_trained"},
        "columns": {"area": "District"},
        "across": {"field": "period",
                   "columns": {"Apr-Jun": "Q1", "Jul-Sep": "Q2", "Whole year": "FY"}},
        "total": {"row": {"column": "District", "match": "All districts"}},
        "text": "skip",
        "footer": {"match": ["Source"]},
        "unknown": {"area": "keep"},
    }
    NEW_FILE = ("Sanctuary and awareness training - district returns\r\n"
                "Financial year:\t2024/25\r\n"
                "\r\n"
                "District\tApr-Jun\tJul-Sep\tWhole year\r\n"
                "Hinckley and Bosworth\t12\t*\tn/a\r\n"
                "NW Leicestershire\t7\t3\t\r\n"
                "Oadby & Wigston\t<5\t0\t\r\n"
                "All districts\t25\t5\t\r\n"
                "Source: district community safety teams\r\n").encode("utf-8")

    def test_a_new_partner_shape_needs_only_a_mapping(self):
        mapping = dict(self.NEW_MAPPING, delimiter="\t")
        feed = {"name": "districts_training", "source_id": "districts_training",
                "plugin": "mapped", "service_id": "districts_training.da_awareness",
                "options": mapping}
        hub = self.make_hub(feeds=[feed])
        path = os.path.join(hub.outside_dir, "training.tsv")
        with open(path, "wb") as f:
            f.write(self.NEW_FILE)
        r = self.try_feed(hub, "districts_training", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The text cell is skipped with a warning that does not quote it;
        # the Apr-Jun total (12 + 7 + 0..4 = 19..23) is not 25.
        self.assertRegex(r.stderr, r":5:4: warning: Whole year: text where a number belongs")
        self.assertNotIn("n/a", r.stderr)
        self.assertRegex(r.stderr, r":8:2: warning: Apr-Jun, All districts row does not "
                                   r"add up: the rows above give 19 to 23, the total is 25")
        hub.start()
        hub.drop("districts_training", "training.tsv", self.NEW_FILE)
        hub.wait_done("districts_training", "training.tsv")
        hb = self.one(hub, "districts_training", "professionals_trained", "FY2024-25-Q1",
                      area_code="E07000132")
        self.assertEqual((hb["value"], hb["service_id"]), (12, "districts_training.da_awareness"))
        star = self.one(hub, "districts_training", "professionals_trained", "FY2024-25-Q2",
                        area_code="E07000132")
        self.assertEqual((star["value_status"], star["bound"]), ("suppressed", None))
        self.assertEqual(self.one(hub, "districts_training", "professionals_trained",
                                  "FY2024-25", area_code="E07000134")["value_status"],
                         "missing")
        # Nothing from the total row.
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v WHERE "
                                    "locator LIKE 'r8c%'"), 0)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 8)
        hub.stop()

    # ------------------------------------------------------------ case level

    def test_case_level_counts_and_keeps_no_case_reference(self):
        hub = self.make_real_hub([CASE_LEVEL])
        path = sample_path(CASE_LEVEL)
        data = read_bytes(path)
        refs = sorted(set(LWA_REF.findall(data.decode("utf-8"))))
        self.assertEqual(len(refs), 28)
        with open(os.path.join(CONF, "keys", "lwa.key"), "rb") as f:
            key = f.read()
        macs = [hmac.new(key, r.encode(), hashlib.sha256).digest() for r in refs]

        tried = self.try_feed(hub, CASE_LEVEL, path)
        self.assertEqual(tried.returncode, 0, tried.stderr)
        self.ingest(hub, [CASE_LEVEL])
        referrals = self.figures(hub, CASE_LEVEL, "referrals_received", "FY2024-25-Q1", {})
        self.assertEqual(sum(r["value"] for r in referrals), 28)
        supported = self.figures(hub, CASE_LEVEL, "individuals_supported", "FY2024-25-Q1")
        self.assertEqual(sum(r["value"] for r in supported), 24)
        closed = self.figures(hub, CASE_LEVEL, "cases_closed", "FY2024-25-Q1",
                              {"end_reason": "moved_out_of_area"})
        self.assertEqual(sum(r["value"] for r in closed), 3)
        blaby = self.one(hub, CASE_LEVEL, "referrals_received", "FY2024-25-Q1", {},
                         area_code="E07000129", service_id="lwa.outreach")
        self.assertEqual((blaby["value"], blaby["locator"], blaby["raw"]), (3, "r4c3", None))
        hub.stop()
        report = hub.cli("report", "--config", hub.config, "--period", "FY2024-25-Q1")
        self.assertEqual(report.returncode, 0, report.stderr)

        # The partner's own file is gone from done/ (retention: a case-level
        # extract is personal data), and no byte the hub wrote holds a
        # reference.
        own = os.path.join(hub.spool_dir, CASE_LEVEL, "done", os.path.basename(path))
        self.assertFalse(os.path.lexists(own), "the extract is still in done/")
        written = []
        for root, _dirs, files in os.walk(hub.root):
            if os.path.abspath(root).startswith(os.path.abspath(hub.conf_dir)):
                continue
            for name in files:
                p = os.path.join(root, name)
                if p != own and name != "training.tsv":
                    written.append(p)
        self.assertTrue(any(p.startswith(hub.state_dir) for p in written))
        blobs = [(p, read_bytes(p)) for p in written]
        blobs += [("try stdout", tried.stdout.encode()), ("try stderr", tried.stderr.encode()),
                  ("report stdout", report.stdout.encode())]
        for where, blob in blobs:
            for ref in refs:
                self.assertNotIn(ref.encode(), blob, "%s holds %s" % (where, ref))
            self.assertIsNone(LWA_REF.search(blob.decode("latin-1")), where)
            for mac in macs:
                self.assertNotIn(mac, blob, "%s holds an HMAC" % where)
                self.assertNotIn(mac.hex().encode(), blob, "%s holds an HMAC" % where)


if __name__ == "__main__":
    unittest.main()
