"""Warnings are kept, not lost: what a stored file's mapping could not use
(a text where a number belongs, a text that means no figure, a TOTAL that does
not add up, a row left out) is kept with its ingest in the store, written
beside the file in done/ as <name>.warnings.json, and listed in the summary's
data notes per feed, with completeness saying how many cells were not usable.
A mapping's "missing" texts ("N/A") are a gap, not a smaller total."""

import json
import os
import re
import shutil
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "returns"
Q1 = "FY2024-25-Q1"
BLABY, CHARNWOOD, MELTON, HARBOROUGH = "E07000129", "E07000130", "E07000133", "E07000131"

SUMMARY = {
    "outbox_dir": "../outbox",
    "sinks": ["json", "boardpack", "xlsx"],
    "threshold": 5,
    "area_thresholds": {"E06000017": 10},
    "suppress_zeros": True,
    "meetings": [],
    "days_before": 10,
}

HEADER = ["Area", "Referrals", "Contacts", "TOTAL"]
# Each row of the return says something the figures cannot: Blaby's contacts
# are "N/A" (the mapping reads it as missing), Charnwood's are a name typed
# where a number belongs (left out; a name is never quoted), Melton's TOTAL
# does not add up, and "Out of area" is a row the mapping leaves out.
ROWS = [
    ["Blaby", "12", "N/A", "12"],
    ["Charnwood", "20", "Jane Doe", "20"],
    ["Melton", "7", "5", "99"],
    ["Out of area", "3", "4", "7"],
    ["Harborough", "30", "40", "70"],
]


def feed(missing=True):
    options = {
        "header": {"row": 1},
        "layout": "wide",
        "columns": {"area": "Area"},
        "fixed": {"period": Q1},
        "across": {"field": "measure",
                   "columns": {"Referrals": "referrals_received",
                               "Contacts": "helpline_contacts"}},
        "total": {"column": "TOTAL"},
        "values": {"area": {"Out of area": {"skip": "not one of ours"}}},
        "unknown": {"area": "keep"},
        "text": "skip",
    }
    if missing:
        options["missing"] = ["N/A"]
    return {"name": FEED, "source_id": "freeva", "plugin": "mapped", "options": options}


def figure(doc, measure, source, area):
    found = [f for f in doc["figures"] if f["measure"] == measure and
             f["source_id"] == source and f["area"] == area and f["dimensions"] == {}]
    if len(found) != 1:
        raise AssertionError("%d figures for %s %s %s" % (len(found), measure, source, area))
    return found[0]


class WarningsTest(HubTestCase):

    def store(self, hub, rows, name):
        """Drops rows as name and waits until it is settled with its notes
        (event=file_done is logged once they are written)."""
        hub.drop(FEED, name, csv_bytes(rows, header=HEADER))
        hub.wait_done(FEED, name)
        self.assertEvent(hub, "file_done", file=name)

    def stored_hub(self, rows=ROWS, name="q1.csv", missing=True):
        """A hub whose daemon stored rows as name, still running."""
        hub = self.make_hub(feeds=[feed(missing)], hub_extra={"summary": SUMMARY})
        hub.start()
        self.store(hub, rows, name)
        return hub

    def summary(self, hub, period=Q1):
        """Runs `dahub report`; the summary document and the board pack (the
        workbook is left in self.folder)."""
        r = hub.cli("report", "--config", hub.config, "--period", period)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.folder = re.search(r" in (\S+)$", r.stdout.splitlines()[0]).group(1)
        with open(os.path.join(self.folder, "summary.json")) as f:
            doc = json.load(f)
        with open(os.path.join(self.folder, "board-pack.html"), encoding="utf-8") as f:
            return doc, f.read()

    def notes_of(self, doc):
        notes = [n for n in doc.get("notes", []) if n["feed"] == FEED]
        self.assertEqual(len(notes), 1, doc.get("notes"))
        return notes[0]

    def completeness_of(self, doc):
        return [c for c in doc["completeness"] if c["feed"] == FEED][0]

    def test_na_mapped_to_missing_is_a_gap_in_the_figures_and_a_note(self):
        hub = self.stored_hub(rows=[["Blaby", "12", "N/A", "12"],
                                    ["Harborough", "30", "40", "70"]])
        # stored as missing: no value, never a zero
        obs = hub.query("SELECT area_code, value_status, value FROM observations_v"
                        " WHERE measure_id = 'helpline_contacts' ORDER BY area_code")
        self.assertEqual(obs, [{"area_code": BLABY, "value_status": "missing", "value": None},
                               {"area_code": HARBOROUGH, "value_status": "actual",
                                "value": 40}])
        hub.stop()
        doc, pack = self.summary(hub)
        # the board sees a gap: Blaby marked missing, the county's total only
        # what is known and marked partial, not a smaller total passed as whole
        self.assertEqual(figure(doc, "helpline_contacts", "freeva", BLABY)["marker"], "missing")
        county = figure(doc, "helpline_contacts", "freeva", "E10000018")
        self.assertEqual(county["value"], 40)
        self.assertIs(county.get("partial"), True)
        # and the data notes say where and why, with the mapping's word
        note = self.notes_of(doc)
        self.assertEqual(note["source_id"], "freeva")
        self.assertEqual(note["warning_count"], 1)
        self.assertEqual(note["warnings"], [{
            "file": "q1.csv", "line": 2, "column": 3, "cell": "C2",
            "message": 'Contacts: "N/A" read as missing, no figure (options.missing)'}])
        self.assertNotIn("not_listed", note)
        self.assertEqual(self.completeness_of(doc)["cells_not_usable"], 1)
        self.assertIn("received, 1 cell not usable", pack)
        self.assertIn("&quot;N/A&quot; read as missing", pack)

    def test_without_missing_na_is_a_text_the_mapping_skips(self):
        hub = self.stored_hub(rows=[["Blaby", "12", "N/A", "12"]], missing=False)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"
                                    " WHERE measure_id = 'helpline_contacts'"), 0)
        note = hub.read_json(FEED, "done", "q1.csv.warnings.json")
        self.assertEqual(note["warnings"][0]["message"],
                         "Contacts: text where a number belongs, left out (options.text)")

    def test_warnings_are_kept_in_done_in_the_store_and_in_the_summary(self):
        hub = self.stored_hub()
        sha = hub.scalar("SELECT sha256 FROM ingests")
        ingest = hub.scalar("SELECT ingest_id FROM ingests")
        self.assertEqual(hub.listdir(FEED, "done"), ["q1.csv", "q1.csv.warnings.json"])
        note = hub.read_json(FEED, "done", "q1.csv.warnings.json")
        expected = [
            {"message": 'Contacts: "N/A" read as missing, no figure (options.missing)',
             "line": 2, "column": 3},
            {"message": "Contacts: text where a number belongs, left out (options.text)",
             "line": 3, "column": 3},
            {"message": "TOTAL does not add up: the columns give 12, the total is 99",
             "line": 4, "column": 4},
            {"message": "row left out: not one of ours (options.values.area)",
             "line": 5, "column": 1},
        ]
        self.assertEqual(note, {"feed": FEED, "file": "q1.csv", "sha256": sha,
                                "ingest_id": ingest, "warning_count": 4,
                                "warnings": expected})
        # kept with the ingest in the store, the same list
        row = hub.query("SELECT ingest_id, warnings, cells, kept FROM ingest_warnings")
        self.assertEqual(len(row), 1)
        self.assertEqual((row[0]["ingest_id"], row[0]["warnings"], row[0]["cells"]),
                         (ingest, 4, 4))
        self.assertEqual(json.loads(row[0]["kept"]), expected)
        hub.stop()
        doc, pack = self.summary(hub)
        notes = self.notes_of(doc)
        self.assertEqual(notes["warning_count"], 4)
        self.assertEqual([(w["file"], w["line"], w["column"], w["cell"])
                          for w in notes["warnings"]],
                         [("q1.csv", 2, 3, "C2"), ("q1.csv", 3, 3, "C3"),
                          ("q1.csv", 4, 4, "D4"), ("q1.csv", 5, 1, "A5")])
        # a figure in a warning has not been through disclosure control: the
        # board reads the warning without it
        self.assertEqual(notes["warnings"][2]["message"],
                         "TOTAL does not add up: the columns give \u2026, the total is \u2026")
        self.assertEqual(self.completeness_of(doc)["cells_not_usable"], 4)
        self.assertIn("received, 4 cells not usable", pack)
        self.assertIn("<caption>Warnings the returns came with</caption>", pack)
        self.assertIn("not one of ours", pack)
        # the workbook's notes: the cells beside the return, and the warnings
        import openpyxl  # Debian's python3-openpyxl, as test_xlsx.py
        sheet = openpyxl.load_workbook(os.path.join(self.folder, "summary.xlsx"))["Notes"]
        rows = [r for r in sheet.iter_rows(values_only=True)]
        head = rows.index(("Return", "Partner", "Status", "Last received", "Files",
                           "Corrections", "Due", "Cells not usable"))
        self.assertEqual([r[7] for r in rows[head + 1:] if r[0] == FEED], [4])
        self.assertIn(("D4", FEED, "q1.csv",
                       "TOTAL does not add up: the columns give \u2026, the total is \u2026"),
                      [r[:4] for r in rows])
        # the name typed in a figure's place is nowhere: not in the note beside
        # the file, the store's warnings, the summary or the pack
        for text in (json.dumps(note), row[0]["kept"], json.dumps(doc), pack):
            self.assertNotIn("Jane", text)

    def test_warnings_beyond_the_bound_are_counted_not_listed(self):
        # 75 rows of two texts each where numbers belong: 150 cells left out,
        # 150 warnings; Harborough's row gives the file its figures
        rows = [["Blaby", "none", "unknown", ""]] * 75 + [["Harborough", "30", "40", "70"]]
        hub = self.stored_hub(rows=rows)
        note = hub.read_json(FEED, "done", "q1.csv.warnings.json")
        self.assertEqual(note["warning_count"], 150)
        self.assertEqual(len(note["warnings"]), 100)
        self.assertEqual(note["not_listed"], 50)
        self.assertEqual(hub.query("SELECT warnings, cells FROM ingest_warnings"),
                         [{"warnings": 150, "cells": 150}])
        hub.stop()
        doc, pack = self.summary(hub)
        notes = self.notes_of(doc)
        self.assertEqual((notes["warning_count"], len(notes["warnings"]), notes["not_listed"]),
                         (150, 100, 50))
        self.assertEqual(self.completeness_of(doc)["cells_not_usable"], 150)
        self.assertIn("And 90 more warnings, not listed.", pack)  # 60 rows shown

    def test_a_corrected_file_without_warnings_leaves_no_notes(self):
        hub = self.stored_hub()
        self.store(hub, [["Blaby", "12", "0", "12"], ["Harborough", "30", "40", "70"]],
                   "q1_corrected.csv")
        self.assertNotIn("q1_corrected.csv.warnings.json", hub.listdir(FEED, "done"))
        hub.stop()
        doc, pack = self.summary(hub)
        # the earlier file's warnings are moot: its figures were replaced
        self.assertNotIn("notes", doc)
        self.assertNotIn("cells_not_usable", self.completeness_of(doc))
        self.assertIn("No return in this pack came with a warning.", pack)

    def test_a_file_recovered_after_its_commit_gets_its_note_from_the_store(self):
        hub = self.stored_hub()
        first = hub.read_json(FEED, "done", "q1.csv.warnings.json")
        hub.stop()
        # as after a crash between the commit and the move to done/
        os.remove(hub.path(FEED, "done", "q1.csv.warnings.json"))
        shutil.move(hub.path(FEED, "done", "q1.csv"), hub.path(FEED, "work", "q1.csv"))
        hub.start()  # work/ is settled before event=ready
        self.assertEqual(hub.listdir(FEED, "done"), ["q1.csv", "q1.csv.warnings.json"])
        self.assertEqual(hub.read_json(FEED, "done", "q1.csv.warnings.json"), first)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingest_warnings"), 1)


if __name__ == "__main__":
    unittest.main()
