"""No cell of a personal feed in anything the hub writes.

Bad LWA-shaped case-level extracts go into the real daemon's spool: a case
reference typed into a date or the age column, rows shifted by one comma so
a person's name lands in a date, a number or a label column, a name as an
unknown label. Each fails with a report that says where the cell is and
describes it ("text of 18 characters (letters and spaces)"); then every file
the hub wrote (failed/*.error.json, done/*.duplicate.json, the daemon's
stderr and stdout, the SQLite files, and as text through sqlite3), and
`dahub try` on the same files, is searched for the reference and the name:
neither may appear. A feed marked "personal": true is treated the same way;
any other feed's cell is quoted, cut to 40 characters.

The key file must belong to root or to the user the daemon runs as.

All data is synthetic: the reference and the name are made up.
"""

import json
import os
import shutil
import sqlite3
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import SOURCE_DIR, HubTestCase, csv_bytes, long_feed  # noqa: E402

CONF = os.path.join(SOURCE_DIR, "conf")
CASES = "lwa"
PERSONAL = "personal_long"
PLAIN = "demo_long"
Q1 = "FY2024-25-Q1"

REF = "LWA-2024-0001234"
NAME = "Jane Exampleperson"
NEEDLES = (REF, NAME, "Exampleperson", "0001234")
REF_SAYS = "text of 16 characters (letters, digits and other characters)"
NAME_SAYS = "text of 18 characters (letters and spaces)"

HEADER = ["client_ref", "service", "referral_date", "date_first_contact", "district",
          "postcode_district", "age_at_referral", "gender", "ethnicity",
          "dash_risk_at_intake", "referral_source", "children_in_household",
          "closed_date", "closure_reason", "dash_risk_at_close"]
GOOD = ["LWA-2024-0009999", "Outreach", "01/05/2024", "03/05/2024", "Blaby", "LE19", "34",
        "F", "White - British", "Medium", "Police", "1", "", "", ""]


def with_cell(col, text, row=GOOD):
    r = list(row)
    r[HEADER.index(col)] = text
    r[0] = REF
    return r


def shifted(before_col, text):
    """The row with one cell too many: text typed in before before_col, so
    it and everything after it sit one column to the right."""
    r = list(GOOD)
    r.insert(HEADER.index(before_col), text)
    r[0] = REF
    return r


# name -> (the bad row, line 3 after a good line 2; the column the report
# must name; its header; what it must say was found)
BAD_EXTRACTS = {
    "ref_in_date.csv": (with_cell("referral_date", REF), 3, "referral_date", REF_SAYS),
    # The name sits in the referral date, but the district, read first,
    # now holds the first contact's date.
    "shifted_past_service.csv": (shifted("referral_date", NAME), 5, "district",
                                 "text of 10 characters (digits and other characters)"),
    "shifted_into_date.csv": (shifted("closed_date", NAME), 13, "closed_date", NAME_SAYS),
    "shifted_into_age.csv": (shifted("age_at_referral", NAME), 7, "age_at_referral",
                             NAME_SAYS),
    "ref_in_age.csv": (with_cell("age_at_referral", REF), 7, "age_at_referral", REF_SAYS),
    "name_as_source.csv": (with_cell("referral_source", NAME), 11, "referral_source",
                           NAME_SAYS),
    "name_as_district.csv": (with_cell("district", NAME), 5, "district", NAME_SAYS),
    "name_in_closed_date.csv": (with_cell("closed_date", NAME), 13, "closed_date",
                                NAME_SAYS),
    "shifted_into_service.csv": (shifted("service", NAME), 2, "service", NAME_SAYS),
}
# Stored: the reference as a case's own, the name in a column the mapping
# does not read. Neither may reach the store.
GOOD_EXTRACT = ("good_extract.csv",
                [GOOD, with_cell("gender", NAME, with_cell("client_ref", REF))])

PLAIN_HEADER = ["Area", "Period", "Measure", "Gender", "Value"]
PLAIN_GOOD = ["E07000130", Q1, "helpline_contacts", "M", "31"]
LONG_TEXT = "Call back on Tuesday after the review meeting with housing"


def lwa_feed():
    with open(os.path.join(CONF, "feeds.d", CASES + ".json")) as f:
        return json.load(f)


def install_key(hub, feed):
    dest = os.path.join(hub.conf_dir, feed["hmac_key_file"])
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copyfile(os.path.join(CONF, feed["hmac_key_file"]), dest)
    os.chmod(dest, 0o600)  # git keeps 644; the hub wants 600
    return dest


class PrivacyTest(HubTestCase):

    def make_privacy_hub(self):
        # Personal feeds keep their files a year here, against the default
        # (removed once stored), so that every file the hub writes stays to
        # be searched.
        keep = {"done": "400d", "failed": "400d"}
        personal = long_feed(PERSONAL)
        personal["personal"] = True
        personal["retain"] = keep
        hub = self.make_hub(feeds=[long_feed(PLAIN), personal])
        feed = lwa_feed()
        feed["retain"] = keep
        hub.write_feed(feed)
        install_key(hub, feed)
        return hub

    def write_input(self, hub, name, data):
        path = os.path.join(hub.outside_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def assertNoNeedle(self, text, where):
        for n in NEEDLES:
            self.assertNotIn(n, text, "%s quotes %r" % (where, n))

    def hub_written_files(self, hub, dropped):
        """Every file under the hub's tree but the config and the returns
        themselves (the partners' own bytes, moved, not written)."""
        out = []
        for top in (hub.spool_dir, hub.state_dir, hub.logs_dir):
            for d, _, names in os.walk(top):
                for n in names:
                    if os.path.basename(d) in ("done", "failed") and n in dropped:
                        continue
                    out.append(os.path.join(d, n))
        return out

    def test_nothing_the_hub_writes_quotes_a_personal_cell(self):
        hub = self.make_privacy_hub()
        hub.start()
        dropped = {}
        for name, (row, _, _, _) in BAD_EXTRACTS.items():
            dropped[name] = (CASES, csv_bytes([GOOD, row], header=HEADER))
        good_name, good_rows = GOOD_EXTRACT
        dropped[good_name] = (CASES, csv_bytes(good_rows, header=HEADER))
        # The personal long feed: a name as a value, and as a label that
        # the hub's vocabulary judges; a good file with a suppressed cell.
        dropped["personal_value.csv"] = (PERSONAL, csv_bytes(
            [PLAIN_GOOD, ["E07000130", Q1, "helpline_contacts", "F", NAME]]))
        dropped["personal_label.csv"] = (PERSONAL, csv_bytes(
            [PLAIN_GOOD, ["E07000130", Q1, "helpline_contacts", NAME, "4"]]))
        dropped["personal_good.csv"] = (PERSONAL, csv_bytes(
            [PLAIN_GOOD, ["E07000130", Q1, "helpline_contacts", "F", "<5"]]))
        for name, (feed, data) in dropped.items():
            hub.drop(feed, name, data)

        for name, (row, column, field, says) in BAD_EXTRACTS.items():
            with self.subTest(file=name):
                report = hub.wait_failed(CASES, name)
                # Still a report a data lead can act on: where, and what.
                self.assertEqual((report["line"], report["column"], report["field"]),
                                 (3, column, field), report)
                self.assertEqual(report["found"], says, report)
                self.assertTrue(report["expected"], report)
        hub.wait_done(CASES, good_name)
        report = hub.wait_failed(PERSONAL, "personal_value.csv")
        self.assertEqual((report["line"], report["column"], report["found"]),
                         (3, 5, NAME_SAYS), report)
        report = hub.wait_failed(PERSONAL, "personal_label.csv")
        self.assertEqual((report["line"], report["column"], report["field"],
                          report["found"]), (3, 4, "gender", NAME_SAYS), report)
        hub.wait_done(PERSONAL, "personal_good.csv")
        # The same extract again: a duplicate note the hub writes in done/.
        hub.drop(CASES, "again.csv", dropped[good_name][1])
        dropped["again.csv"] = dropped[good_name]
        hub.wait_file(CASES, "done", "again.csv.duplicate.json")
        hub.wait_for(lambda: len(hub.events("file_failed")) == len(BAD_EXTRACTS) + 2,
                     what="a file_failed line for each bad file")
        hub.stop()

        # Something was stored, from both personal feeds, without text.
        self.assertGreater(hub.scalar(
            "SELECT count(*) FROM observations_v WHERE feed = ?", (CASES,)), 0)
        self.assertEqual(hub.query(
            "SELECT value_status, raw FROM observations_v WHERE feed = ? ORDER BY obs_id",
            (PERSONAL,)), [{"value_status": "actual", "raw": None},
                           {"value_status": "suppressed", "raw": None}])

        files = self.hub_written_files(hub, dropped)
        names = [os.path.basename(p) for p in files]
        self.assertEqual(sum(n.endswith(".error.json") for n in names),
                         len(BAD_EXTRACTS) + 2, names)
        self.assertIn("again.csv.duplicate.json", names)
        self.assertIn("dahub.sqlite", names)
        self.assertTrue(any(n.startswith("serve-") and n.endswith(".log") for n in names))
        for p in files:
            with open(p, "rb") as f:
                data = f.read()
            for n in NEEDLES:
                self.assertNotIn(n.encode(), data, "%s holds %r" % (p, n))
        con = sqlite3.connect("file:%s?mode=ro" % hub.store_path, uri=True)
        try:
            dump = "\n".join(con.iterdump())
        finally:
            con.close()
        self.assertIn("INSERT INTO", dump)
        self.assertNoNeedle(dump, "the store")

        # `dahub try` on the same files: stderr's errors, stdout's figures.
        for name, (feed, data) in dropped.items():
            with self.subTest(try_file=name):
                path = self.write_input(hub, name, data)
                r = hub.cli("try", "--config", hub.config, "--feed", feed, path)
                self.assertIn(r.returncode, (0, 1), r.stderr)
                self.assertNoNeedle(r.stdout, "dahub try's output")
                self.assertNoNeedle(r.stderr, "dahub try's errors")
                if name in BAD_EXTRACTS:
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn(BAD_EXTRACTS[name][3], r.stderr)

    def test_other_feeds_quote_at_most_40_characters(self):
        hub = self.make_privacy_hub()
        hub.start()
        value = csv_bytes([PLAIN_GOOD, ["E07000130", Q1, "helpline_contacts", "M", LONG_TEXT]])
        label = csv_bytes([PLAIN_GOOD, ["E07000130", Q1, "helpline_contacts", LONG_TEXT, "3"]])
        hub.drop(PLAIN, "value.csv", value)
        hub.drop(PLAIN, "label.csv", label)
        for name, column in (("value.csv", 5), ("label.csv", 4)):
            with self.subTest(file=name):
                report = hub.wait_failed(PLAIN, name)
                self.assertEqual((report["line"], report["column"]), (3, column), report)
                self.assertEqual(report["found"], LONG_TEXT[:40], report)
                self.assertEqual(report["errors"][0]["found"], LONG_TEXT[:40], report)
        hub.stop()
        r = hub.cli("try", "--config", hub.config, "--feed", PLAIN,
                    self.write_input(hub, "value.csv", value))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('found "%s"' % LONG_TEXT[:40], r.stderr)
        self.assertNotIn(LONG_TEXT[:41], r.stderr)

    def test_a_personal_feed_keeps_no_records(self):
        # The register's contracts are records: texts from the file, kept as
        # they are. Marked personal, the feed may not store them.
        with open(os.path.join(CONF, "feeds.d", "lcc.json")) as f:
            feed = json.load(f)
        feed["personal"] = True
        hub = self.make_hub(feeds=[feed])
        hub.start()
        sample = os.path.join(SOURCE_DIR, "spool", "lcc", "sample",
                              "lcc_commissioning_and_funding_register_2024-06.csv")
        with open(sample, "rb") as f:
            hub.drop("lcc", "register.csv", f.read())
        report = hub.wait_failed("lcc", "register.csv")
        self.assertIn("keeps no records", report["message"], report)
        self.assertEqual(report["field"], "record", report)
        hub.stop()
        self.assertEqual(hub.scalar("SELECT count(*) FROM records"), 0)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 0)

    def test_key_file_owned_by_another_user_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("giving a file to another user takes root")
        hub = self.make_hub(feeds=[])
        feed = lwa_feed()
        hub.write_feed(feed)
        key = install_key(hub, feed)
        os.chown(key, 65534, 65534)
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.assertIn(key, r.stderr)
        self.assertIn("owned by uid 65534", r.stderr)
        self.assertIn("root or to the user dahub runs as", r.stderr)
        os.chown(key, 0, 0)
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))


if __name__ == "__main__":
    unittest.main()
