"""The board summary from the partners' real sample returns, as shipped.

The seed's Rutland children's-services table comes out of the Rutland
return through the real daemon and `dahub report`: 86 single assessments in
Q1+Q2, 130 in Q3+Q4, 216 in the year, 70 with a domestic abuse factor, a
rate of 32.4 %. The LCC register gives the summary's contracts section.
"""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase  # noqa: E402
import test_feeds  # noqa: E402  (its helpers, not its tests)

RUTLAND = "E06000017"
SUMMARY = {"outbox_dir": "../outbox", "sinks": ["json", "csv"],
           "threshold": 5, "area_thresholds": {RUTLAND: 10},
           "meetings": [], "contract_warning_months": 6}


def figure(doc, measure, source, area):
    found = [f for f in doc["figures"] if f["measure"] == measure
             and f["source_id"] == source and f["area"] == area
             and f["dimensions"] == {}]
    if len(found) != 1:
        raise AssertionError("%d figures for %s %s %s"
                             % (len(found), measure, source, area))
    return found[0]


class BoardSamplesTest(HubTestCase):

    def report(self, hub, period):
        r = hub.cli("report", "--config", hub.config, "--period", period)
        self.assertEqual(r.returncode, 0, r.stderr)
        folder = os.path.join(hub.root, "outbox", period, "v1")
        with open(os.path.join(folder, "summary.json")) as f:
            return json.load(f)

    def test_rutland_table_and_contracts_from_the_samples(self):
        hub = test_feeds.FeedsTest.make_real_hub(self, ["rcc", "lcc"])
        hub.hub_conf["summary"] = SUMMARY
        hub.write_hub_json(hub.hub_conf)
        test_feeds.FeedsTest.ingest(self, hub, ["rcc", "lcc"])
        hub.stop()

        year = self.report(hub, "FY2023-24")
        done = "cs_single_assessments_completed"
        da = "cs_single_assessments_da_factor"
        self.assertEqual(figure(year, done, "rcc", RUTLAND)["value"], 216)
        self.assertEqual(figure(year, da, "rcc", RUTLAND)["value"], 70)
        rate = [r for r in year["rates"]
                if r["rate"] == "cs_single_assessments_da_share"
                and r["source_id"] == "rcc" and r["area"] == RUTLAND]
        self.assertEqual(len(rate), 1, year["rates"])
        self.assertEqual(rate[0]["value"], "32.4")
        self.assertEqual((rate[0]["numerator"], rate[0]["denominator"]),
                         (70, 216))
        rcc = [f for f in year["completeness"] if f["feed"] == "rcc"][0]
        self.assertEqual(rcc["status"], "reported")

        h1 = self.report(hub, "FY2023-24-H1")
        h2 = self.report(hub, "FY2023-24-H2")
        self.assertEqual(figure(h1, done, "rcc", RUTLAND)["value"], 86)
        self.assertEqual(figure(h2, done, "rcc", RUTLAND)["value"], 130)

        q1 = self.report(hub, "FY2024-25-Q1")
        contracts = q1["contracts"]["contracts"]
        tcv = [c for c in contracts if c.get("financial_year") == "FY2024-25"
               and c.get("value_gbp") is not None]
        self.assertGreaterEqual(len(contracts), 11)
        self.assertIn("as_of", q1["contracts"])
        total = sum(int(c["value_gbp"].replace(".", ""))
                    for c in contracts if "lot" not in c or not c["lot"])
        self.assertTrue(tcv, contracts)
        self.assertEqual(total, 113704100, contracts)


if __name__ == "__main__":
    unittest.main()
