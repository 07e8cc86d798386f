"""Feedback a provider can act on, and `dahub check` catching what it can
without a file (issue 19).

A bad return goes to failed/ with <name>.error.txt beside <name>.error.json:
where the problem is, as Excel shows it, what we expected and what to do, in
words for the provider's data lead, never quoting a cell of a feed of
personal data. The JSON leaves out what does not apply to an error. `dahub
check` judges every code a mapping names against the vocabulary, quotes a
wrong word and lists the right ones, and names the key a typo was meant to
be; `dahub try` says why a header or a column was not found.

The returns are the bundled Turning Point sample (tab-separated, the
quarter in cell B2, the header row starting "District"), spoilt one way
each. All data is synthetic.
"""

import json
import os
import re
import shutil
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import SOURCE_DIR, HubTestCase, scaled  # noqa: E402
from servers.smtp import SMTPServer  # noqa: E402
from test_feeds import real_feed, read_bytes, sample_path  # noqa: E402

TP = "turning_point"


def sample():
    return read_bytes(sample_path(TP))


def spoilt(old, new, data=None):
    data = sample() if data is None else data
    assert old in data, old
    return data.replace(old, new, 1)


def words(text):
    """Text with its line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def line_of(path, needle):
    with open(path) as f:
        for i, line in enumerate(f.read().splitlines(), 1):
            if needle in line:
                return i
    raise AssertionError("%r not in %s" % (needle, path))


# Each bad input, and what the data lead must read about it.
BAD_INPUTS = {
    "number.tsv": (
        lambda: spoilt(b"Blaby\tCases closed\t<5", b"Blaby\tCases closed\tabout six"),
        "not_a_number",
        ['Row 8, column C (Count): we expected a number and found text ("about six"). '
         "Please enter a number, leave the cell blank if you have no figure, or write "
         "<5 for a small number."]),
    "empty.tsv": (
        lambda: b"",
        "empty_file",
        ["The file is empty: there is nothing in it.",
         "Please check that you are sending the completed return."]),
    "blank.tsv": (
        lambda: b"\r\n\t\t\r\n\t\t\r\n",
        "empty_file",
        ["The file is empty: there is nothing in it."]),
    "semicolons.tsv": (
        lambda: sample().replace(b"\t", b";"),
        "wrong_delimiter",
        ["The columns of the file are separated by semicolons, but this return is "
         "read with its columns separated by tabs.",
         "Please save it again with its columns separated by tabs"]),
    "encoding.tsv": (
        lambda: spoilt(b"Completed by\tService Lead", b"Completed by\tRen\xe9e"),
        "wrong_encoding",
        ["Row 3, column B: the file is not saved as text we can read",
         "Please save it again as text in UTF-8"]),
    "column.tsv": (
        lambda: spoilt(b"District\tMeasure\tCount", b"District\tMeasure\tTotal"),
        "no_column",
        ['We found the row of column headings (row 5), but no column called "Count". '
         "The headings there are: District | Measure | Total.",
         "Please use the current template for this return"]),
    "header.tsv": (
        lambda: spoilt(b"District\tMeasure\tCount", b"Area\tMeasure\tCount"),
        "no_header",
        ['We could not find the table of figures in the file: we looked for a row '
         'starting with "District", the template\'s column headings.',
         "This usually means the file was made from a different or a changed template."]),
    "period.tsv": (
        lambda: spoilt(b"Q1 2024/25", b"Quarter one"),
        "bad_period",
        ['Row 2, column B (period): we could not tell which period the figures are for '
         '("Quarter one"). Please write the period as the template shows it, for '
         'example "Q1 2024/25"']),
    "quarter.tsv": (
        lambda: spoilt(b"Q1 2024/25", b"Q5 2024/25"),
        "bad_period",
        ["Row 2, column B (period): we could not tell which period the figures are for"]),
    "label.tsv": (
        lambda: spoilt(b"Charnwood\tReferrals received", b"Charnwood\tReferals recieved"),
        "unknown_label",
        ['Row 9, column B (Measure): we did not recognise "Referals recieved". Please '
         "use one of the names or categories the template lists"]),
}


class ErrorWordsTest(HubTestCase):

    def test_each_bad_input_is_said_in_plain_words(self):
        hub = self.make_hub(feeds=[real_feed(TP)])
        hub.start()
        for name, (make, _, _) in BAD_INPUTS.items():
            hub.drop(TP, name, make())
        for name, (_, code, said) in BAD_INPUTS.items():
            with self.subTest(file=name):
                report = hub.wait_failed(TP, name)
                self.assertEqual(report.get("code"), code, report)
                self.assertEqual(report["errors"][0].get("code"), code, report)
                text = hub.read_text(TP, "failed", name + ".error.txt")
                self.assertIn('We could not take in your file "%s". Nothing from it '
                              "has been stored" % name, words(text))
                for sentence in said:
                    self.assertIn(sentence, words(text), text)
                self.assertIn('"%s.error.json"' % name, words(text))
                self.assertLessEqual(max(len(l) for l in text.splitlines()), 72, text)
        # nothing of them stored, and the daemon goes on
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations"), 0)
        hub.drop(TP, "good.tsv", sample())
        hub.wait_done(TP, "good.tsv")
        self.assertEqual(hub.data_files(TP, "failed"), sorted(BAD_INPUTS))
        hub.stop()

    def test_the_report_leaves_out_what_does_not_apply(self):
        hub = self.make_hub(feeds=[real_feed(TP)])
        hub.start()
        hub.drop(TP, "empty.tsv", b"")
        hub.drop(TP, "header.tsv", BAD_INPUTS["header.tsv"][0]())
        hub.drop(TP, "number.tsv", BAD_INPUTS["number.tsv"][0]())
        empty = hub.wait_failed(TP, "empty.tsv")
        # a file-wide error has no line, column or cell to give
        for report in (empty, empty["errors"][0]):
            self.assertNotIn("line", report)
            self.assertNotIn("column", report)
        self.assertNotIn("line", hub.wait_failed(TP, "header.tsv")["errors"][0])
        cell = hub.wait_failed(TP, "number.tsv")["errors"][0]
        self.assertEqual((cell["line"], cell["column"], cell["field"], cell["found"]),
                         (8, 3, "Count", "about six"))
        for report in (empty, cell):
            for key, value in report.items():
                self.assertNotIn(value, ("", 0), "%s: %r written as empty" % (key, value))
        hub.stop()

    def test_a_personal_feed_is_never_quoted_in_the_words(self):
        feed = real_feed(TP)
        feed["personal"] = True
        hub = self.make_hub(feeds=[feed])
        hub.start()
        for name in ("number.tsv", "column.tsv", "label.tsv"):
            hub.drop(TP, name, BAD_INPUTS[name][0]())
        for name, secret in (("number.tsv", "about six"), ("column.tsv", "Total"),
                             ("label.tsv", "Referals")):
            with self.subTest(file=name):
                report = hub.wait_failed(TP, name)
                text = hub.read_text(TP, "failed", name + ".error.txt")
                self.assertNotIn(secret, text)
                self.assertNotIn(secret, json.dumps(report))
        said = words(hub.read_text(TP, "failed", "number.tsv.error.txt"))
        self.assertIn("Row 8, column C (Count): we expected a number and found text. "
                      "Please enter a number", said)
        said = words(hub.read_text(TP, "failed", "label.tsv.error.txt"))
        self.assertIn("we did not recognise this entry.", said)
        said = words(hub.read_text(TP, "failed", "column.tsv.error.txt"))
        self.assertIn('no column called "Count"', said)
        self.assertNotIn("The headings there are", said)
        hub.stop()

    def test_many_problems_are_numbered(self):
        # the feed passes districts to the vocabulary as written ("keep"):
        # each row of a misspelt one is a problem of its own
        hub = self.make_hub(feeds=[real_feed(TP)])
        hub.start()
        hub.drop(TP, "three.tsv", sample().replace(b"Blaby\t", b"Blabby\t"))
        report = hub.wait_failed(TP, "three.tsv")
        self.assertEqual(report["error_count"], 3, report)
        self.assertEqual([e["code"] for e in report["errors"]], ["unknown_label"] * 3)
        text = words(hub.read_text(TP, "failed", "three.tsv.error.txt"))
        self.assertIn("please correct the problems below", text)
        for n, row in ((1, 6), (2, 7), (3, 8)):
            self.assertIn('%d. Row %d, column A (area): we did not recognise "Blabby". '
                          "Please use one of the names" % (n, row), text)
        hub.stop()


class ContactMailTest(HubTestCase):
    """A feed's contact gets the plain words of each failed file by e-mail,
    through the outbox and hub.json's "feedback_via" delivery."""

    PASSWORD = "synthetic-smtp-secret-19"

    def make_mailing_hub(self, smtp, feed):
        hub = self.make_hub(feeds=[feed])
        path = os.path.join(hub.conf_dir, "smtp-password")
        with open(path, "w") as f:
            f.write(self.PASSWORD + "\n")
        os.chmod(path, 0o600)
        hub.hub_conf["deliveries"] = [{
            "name": "mail", "kind": "smtp", "url": "smtp://127.0.0.1:%d" % smtp.port,
            "from": "figures@council.example", "to": ["clerk@council.example"],
            "payloads": [], "username": "figures", "password_file": "smtp-password",
            "ca_file": smtp.ca_file}]
        hub.hub_conf["feedback_via"] = "mail"
        hub.write_hub_json(hub.hub_conf)
        return hub

    def test_the_contact_gets_the_words_of_a_failed_file(self):
        feed = real_feed(TP)
        feed["contact"] = "data.lead@turningpoint.example"
        with SMTPServer(starttls=True, require_starttls=True,
                        auth=("figures", self.PASSWORD)) as smtp:
            hub = self.make_mailing_hub(smtp, feed)
            hub.start()
            hub.drop(TP, "number.tsv", BAD_INPUTS["number.tsv"][0]())
            hub.wait_failed(TP, "number.tsv")
            (msg,) = smtp.wait_for_messages(1, timeout=scaled(30))
            # a good file sends nothing
            hub.drop(TP, "good.tsv", sample())
            hub.wait_done(TP, "good.tsv")
            hub.stop()
        self.assertEqual(msg.rcpt_tos, ["data.lead@turningpoint.example"])
        self.assertTrue(msg.tls)
        m = msg.message
        self.assertIn("data.lead@turningpoint.example", m["To"])
        self.assertNotIn("clerk@", m["To"])
        self.assertEqual(m["Subject"], "Your return (turning_point) could not be taken in")
        body = m.get_payload(decode=True) if not m.is_multipart() else \
            m.get_body(("plain",)).get_payload(decode=True)
        text = hub.read_text(TP, "failed", "number.tsv.error.txt")
        self.assertEqual(body.decode("utf-8").replace("\r\n", "\n"), text)
        self.assertEqual(len(smtp.messages), 1, "one e-mail, for the failed file only")
        with hub.db() as db:
            rows = [tuple(r) for r in db.execute(
                "SELECT summary_id, feed, files, recipient, state FROM outbox")]
        self.assertEqual(rows, [(None, TP, "number.tsv.error.txt",
                                 "data.lead@turningpoint.example", "sent")])
        listed = hub.cli("deliveries", "--config", hub.config)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertRegex(listed.stdout, r"turning_point +- +mail +sent")
        self.assertIn("report number.tsv.error.txt to data.lead@turningpoint.example",
                      listed.stdout)
        # the address is in no log line
        self.assertNotIn("data.lead@", hub.log_text(all_runs=True))

    def test_a_contact_needs_a_delivery_to_go_by(self):
        feed = real_feed(TP)
        feed["contact"] = "data.lead@turningpoint.example"
        hub = self.make_hub(feeds=[feed])
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"turning_point\.json:\d+:\d+: contact: hub\.json names "
                                   r"no e-mail delivery to send the reports by "
                                   r'\("feedback_via"\)')
        feed["contact"] = "data lead <lead@tp.example>\r\nBcc: x@y.example"
        hub.write_feed(feed)
        hub.hub_conf["feedback_via"] = "nowhere"
        hub.write_hub_json(hub.hub_conf)
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('feedback_via "nowhere": no delivery of that name', r.stderr)
        self.assertRegex(r.stderr, r'contact "data lead [^\n]*": expected an e-mail '
                                   r"address such as data\.lead@partner\.example")


class CheckWordsTest(HubTestCase):
    """`dahub check` on a mapping that cannot work, before any file comes."""

    def check(self, hub):
        r = hub.cli("check", "--config", hub.config)
        self.assertEqual(r.returncode, 1, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        return r.stderr

    def assertSays(self, stderr, path, line, message):
        """One error, at file:line:col, saying message."""
        self.assertRegex(stderr, r"(?m)^%s:%d:\d+: %s$" % (re.escape(path), line,
                                                          re.escape(message)))

    def test_fixed_codes_are_checked_against_the_vocabulary(self):
        feed = {
            "name": "fixed_codes", "source_id": "freeva", "plugin": "mapped",
            "options": {
                "header": {"row": 1}, "layout": "long",
                "columns": {"area": "Area", "period": "Period", "value": "Value"},
                "fixed": {"measure": "helpline_contact",
                          "service_id": "Freeva male helpline",
                          "dimensions": {"gender": "femal", "sex": "f"}}}}
        hub = self.make_hub(feeds=[feed])
        path = os.path.join(hub.feeds_dir, "fixed_codes.json")
        with open(path, "w") as f:
            json.dump(feed, f, indent=2)
        err = self.check(hub)
        self.assertSays(err, path, line_of(path, '"measure": "helpline_contact"'),
                        'feed "fixed_codes": options.fixed.measure "helpline_contact": '
                        "not a measure id of the vocabulary; did you mean "
                        "`helpline_contacts`?")
        self.assertSays(err, path, line_of(path, '"service_id": "Freeva'),
                        'feed "fixed_codes": options.fixed.service_id "Freeva male '
                        'helpline": expected partner.service in lower-case letters, '
                        'digits and _ ("freeva.male_helpline")')
        self.assertSays(err, path, line_of(path, '"gender": "femal"'),
                        'feed "fixed_codes": options.fixed.dimensions.gender "femal": '
                        "not a code or label of gender (expected one of female, male, "
                        "non_binary_or_other, not_stated, not_known); did you mean "
                        "`female`?")
        self.assertRegex(err, r'%s:%d:\d+: feed "fixed_codes": options.fixed.dimensions'
                              r'\.sex "sex": not a dimension of the vocabulary \(expected '
                              r'one of accommodation_type, age_band, [a-z_, ]*\)\n'
                         % (re.escape(path), line_of(path, '"sex": "f"')))
        self.assertIn("4 error(s)", err)

    def test_values_across_and_counts_are_checked_against_the_vocabulary(self):
        tp = real_feed(TP)
        tp["options"]["values"]["measure"]["Cases closed"] = "case_closed"
        wall = real_feed("wall")
        labels = wall["options"]["values"]["measure"]
        labels["Households leaving - other / not known"]["dimensions"]["end_reason"] = "othr"
        freeva = real_feed("freeva")
        freeva["options"]["across"]["columns"]["Charnwood"] = "Charnwod"
        hub = self.make_hub(feeds=[tp, wall, freeva])
        err = self.check(hub)
        files = {n: os.path.join(hub.feeds_dir, n + ".json") for n in (TP, "wall", "freeva")}
        self.assertSays(err, files[TP], line_of(files[TP], '"Cases closed"'),
                        'feed "turning_point": options.values.measure.Cases closed '
                        '"case_closed": not a measure id of the vocabulary; did you '
                        "mean `cases_closed`?")
        self.assertRegex(err, r'%s:\d+:\d+: feed "wall": options\.values\.measure\.'
                              r'Households leaving - other / not known\.dimensions\.'
                              r'end_reason "othr": not a code or label of end_reason '
                              r'\(expected one of [a-z_, ]*\); did you mean `other`\?'
                         % re.escape(files["wall"]))
        self.assertRegex(err, r'%s:\d+:\d+: feed "freeva": options\.across\.columns\.'
                              r'Charnwood "Charnwod": not an area code, or an area name '
                              r'or label, of the vocabulary; did you mean `Charnwood`\?'
                         % re.escape(files["freeva"]))
        self.assertIn("3 error(s)", err)

    def test_a_cases_layout_count_is_checked(self):
        lwa = real_feed("lwa")
        lwa["options"]["cases"]["count"][1]["measure"] = "case_closed"
        hub = self.make_hub(feeds=[lwa])
        key = os.path.join(hub.conf_dir, lwa["hmac_key_file"])
        os.makedirs(os.path.dirname(key), exist_ok=True)
        shutil.copyfile(os.path.join(SOURCE_DIR, "conf", lwa["hmac_key_file"]), key)
        os.chmod(key, 0o600)
        err = self.check(hub)
        self.assertIn("1 error(s)", err)
        self.assertIn('feed "lwa": options.cases.count[1].measure "case_closed": not a '
                      "measure id of the vocabulary; did you mean `cases_closed`?", err)

    def test_a_wrong_word_is_quoted_with_the_right_ones(self):
        tp = real_feed(TP)
        tp["options"]["layout"] = "lnog"
        hub = self.make_hub(feeds=[tp])
        path = os.path.join(hub.feeds_dir, TP + ".json")
        self.assertSays(self.check(hub), path, line_of(path, '"layout"'),
                        'feed "turning_point": options.layout "lnog": expected one of '
                        "long, wide, cases, json; did you mean `long`?")
        tp["options"]["layout"] = "long"
        tp["options"]["unknown"] = {"area": "kepp"}
        hub.write_feed(tp)
        self.assertSays(self.check(hub), path, line_of(path, '"kepp"'),
                        'feed "turning_point": options.unknown.area "kepp": expected one '
                        "of error, skip, keep; did you mean `keep`?")

    def test_a_unit_of_the_vocabulary_is_one_of_the_units(self):
        hub = self.make_hub()
        path = os.path.join(hub.conf_dir, "vocabulary.json")
        with open(path) as f:
            vocab = json.load(f)
        vocab["measures"]["sa_households_supported"]["unit"] = "households"
        with open(path, "w") as f:
            json.dump(vocab, f, indent=2)
        self.assertSays(self.check(hub), path,
                        line_of(path, '"sa_households_supported"'),
                        'measures.sa_households_supported.unit "households": expected '
                        "one of count, percent, gbp, bedspaces, fte, sessions, days")

    def test_a_near_miss_of_a_key_names_the_key(self):
        tp = real_feed(TP)
        tp["expct"] = tp.pop("expect")
        hub = self.make_hub(feeds=[tp])
        path = os.path.join(hub.feeds_dir, TP + ".json")
        self.assertSays(self.check(hub), path, line_of(path, '"expct"'),
                        "expct: unknown key; did you mean `expect`?")
        tp["expect"] = tp.pop("expct")
        tp["options"]["hedaer"] = tp["options"].pop("header")
        hub.write_feed(tp)
        self.assertSays(self.check(hub), path, line_of(path, '"hedaer"'),
                        'feed "turning_point": options.hedaer: unknown key; did you '
                        "mean `header`?")
        # one nothing like a key is only unknown
        tp["options"]["header"] = tp["options"].pop("hedaer")
        tp["options"]["provenance"] = True
        hub.write_feed(tp)
        self.assertSays(self.check(hub), path, line_of(path, '"provenance"'),
                        'feed "turning_point": options.provenance: unknown key')


    def test_every_bad_option_of_a_mapping_is_said_at_once(self):
        # three mistakes in one mapping: a near miss of a key, a value of the
        # wrong type, a number out of range; each at its own line, none
        # hidden behind the first
        tp = real_feed(TP)
        tp["options"]["delimter"] = ","
        tp["options"]["decimal_comma"] = "yes"
        tp["options"]["max_shared_mib"] = 0
        hub = self.make_hub(feeds=[tp])
        path = os.path.join(hub.feeds_dir, TP + ".json")
        err = self.check(hub)
        self.assertSays(err, path, line_of(path, '"delimter"'),
                        'feed "turning_point": options.delimter: unknown key; did you '
                        "mean `delimiter`?")
        self.assertSays(err, path, line_of(path, '"decimal_comma"'),
                        'feed "turning_point": options.decimal_comma "yes": expected '
                        "true or false")
        self.assertSays(err, path, line_of(path, '"max_shared_mib"'),
                        'feed "turning_point": options.max_shared_mib: expected a whole '
                        "number from 1 to 1024, found a number")
        self.assertIn("3 error(s)", err)
        self.assertNotIn("more in options", err)

    def test_bad_options_in_several_parts_are_said_at_once(self):
        # a mistake in the top level, in the header and in the columns: the
        # data lead reads all three in one check, not one a try
        tp = real_feed(TP)
        tp["options"]["delimter"] = ","
        tp["options"]["header"]["rwo"] = 2
        tp["options"]["columns"]["value"] = 7
        hub = self.make_hub(feeds=[tp])
        path = os.path.join(hub.feeds_dir, TP + ".json")
        err = self.check(hub)
        self.assertSays(err, path, line_of(path, '"delimter"'),
                        'feed "turning_point": options.delimter: unknown key; did you '
                        "mean `delimiter`?")
        self.assertSays(err, path, line_of(path, '"rwo"'),
                        'feed "turning_point": options.header.rwo: unknown key; did '
                        "you mean `row`?")
        self.assertIn('feed "turning_point": options.columns.value', err)
        self.assertIn("3 error(s)", err)


class TryWordsTest(HubTestCase):
    """`dahub try` says why a header or a column was not found."""

    def try_file(self, hub, feed, name, data):
        path = os.path.join(hub.outside_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        r = hub.cli("try", "--config", hub.config, "--feed", feed, path)
        self.assertEqual(r.returncode, 1, r.stderr)
        return r.stderr

    def test_no_such_column_lists_the_headers_found(self):
        hub = self.make_hub(feeds=[real_feed(TP)])
        err = self.try_file(hub, TP, "column.tsv", BAD_INPUTS["column.tsv"][0]())
        self.assertIn(':5:1: error: Count: the header has no such column [field Count] '
                      'expected a column with this header, found "District | Measure | '
                      'Total"', err)

    def test_no_header_says_the_delimiter_looks_wrong(self):
        hub = self.make_hub(feeds=[real_feed(TP), real_feed("wall")])
        err = self.try_file(hub, "wall", "tabs.csv", sample())
        self.assertIn('error: no header: no row starts with "Measure" (the file has '
                      'tabs; the feed reads ";")', err)
        err = self.try_file(hub, TP, "commas.tsv", sample().replace(b"\t", b","))
        self.assertIn('error: no header: no row starts with "District" (the file has '
                      'commas; the feed reads "\\t")', err)
        # a header with another word is a template, not a delimiter
        err = self.try_file(hub, TP, "header.tsv", BAD_INPUTS["header.tsv"][0]())
        self.assertRegex(err, r'error: no header: no row starts with "District" \[')
        # a header row of one cell holding the real delimiter
        wall = real_feed("wall")
        wall["options"]["header"] = {"row": 4}
        hub.write_feed(wall)
        data = read_bytes(sample_path("wall")).replace(b";", b"\t")
        err = self.try_file(hub, "wall", "row.csv", data)
        self.assertIn("error: Measure: the header has no such column (the file has "
                      'tabs; the feed reads ";")', err)

    def test_an_empty_file_is_said_to_be_empty(self):
        hub = self.make_hub(feeds=[real_feed(TP)])
        self.assertIn("error: the file is empty (0 bytes)",
                      self.try_file(hub, TP, "empty.tsv", b""))
        err = self.try_file(hub, TP, "blank.tsv", b"\n\n\t\t\n")
        self.assertIn("error: the file is empty: it has no text in any cell", err)
        self.assertNotIn("no header", err)


if __name__ == "__main__":
    unittest.main()
