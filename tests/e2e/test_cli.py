"""`dahub check`, `dahub try`, and `dahub serve` refusing a bad config."""

import json
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (BIN, STOP_TIMEOUT, HubTestCase, csv_bytes,  # noqa: E402
                       long_feed, scaled)

FEED = "demo_long"
Q1 = "FY2024-25-Q1"
ROWS = [
    ["Charnwood", Q1, "helpline_contacts", "M", "31"],
    ["NW Leics", Q1, "helpline_contacts", "Female", "12"],
    ["E07000129", Q1, "helpline_contacts", "female", ""],
    ["E07000133", Q1, "referrals_received", "F", "<5"],
]


def line_of(text, needle):
    """1-based line number of the first line containing needle."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in %r" % (needle, text))


class CheckTest(HubTestCase):

    def check(self, hub, **kw):
        return hub.cli("check", "--config", hub.config, **kw)

    def assertCheckFails(self, hub, *patterns):
        r = self.check(hub)
        self.assertEqual(r.returncode, 1, "dahub check must exit 1\nstdout:%s\nstderr:%s"
                         % (r.stdout, r.stderr))
        for p in patterns:
            self.assertRegex(r.stderr, p)
        return r

    def test_good_config_passes(self):
        hub = self.make_hub()
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        self.assertFalse(os.path.exists(hub.store_path), "check stores nothing")

    def test_syntax_error_names_file_line_and_column(self):
        hub = self.make_hub()
        text = ('{\n'
                '  "spool_dir": "../spool",\n'
                '  "state_dir": "../state",\n'
                '  "settle_ms": 200,,\n'
                '  "vocabulary": "vocabulary.json"\n'
                '}\n')
        hub.write_hub_json(text=text)
        self.assertCheckFails(hub, r"hub\.json:4:\d+: ")

    def test_unknown_key_in_hub_json_is_an_error_naming_it(self):
        hub = self.make_hub()
        conf = dict(hub.hub_conf)
        conf["settle_msec"] = 200
        hub.write_hub_json(conf)
        with open(hub.config) as f:
            line = line_of(f.read(), '"settle_msec"')
        self.assertCheckFails(hub, r"hub\.json:%d:\d+: [^\n]*settle_msec" % line)

    def test_unknown_key_in_limits_is_an_error(self):
        hub = self.make_hub(limits={"max_file_bytes": 1000000, "max_lines": 3})
        self.assertCheckFails(hub, r"hub\.json:\d+:\d+: [^\n]*max_lines")

    def test_unknown_key_is_located_where_it_is_not_where_its_name_first_appears(self):
        # "rescan_ms" is a good key at the top and an unknown one in limits.
        hub = self.make_hub(limits={"max_errors": 10, "rescan_ms": 100})
        with open(hub.config) as f:
            text = f.read()
        top = line_of(text, '"rescan_ms"')
        inner = top + 1 + next(i for i, l in enumerate(text.splitlines()[top:]) if '"rescan_ms"' in l)
        self.assertNotEqual(top, inner)
        r = self.assertCheckFails(hub, r"hub\.json:\d+:\d+: [^\n]*rescan_ms")
        self.assertRegex(r.stderr, r"hub\.json:%d:\d+: [^\n]*rescan_ms" % inner,
                         "the error points at line %d, where the unknown key is (line %d is "
                         "the good top-level key)" % (inner, top))

    def test_unknown_key_in_a_feed_is_an_error_naming_it(self):
        hub = self.make_hub()
        feed = long_feed()
        feed["sourceid"] = "freeva"
        path = hub.write_feed(feed)
        with open(path) as f:
            line = line_of(f.read(), '"sourceid"')
        self.assertCheckFails(hub, r"demo_long\.json:%d:\d+: [^\n]*sourceid" % line)

    def test_unknown_key_in_plugin_options_is_an_error_naming_it(self):
        hub = self.make_hub()
        feed = long_feed()
        feed["options"]["colour"] = "blue"
        path = hub.write_feed(feed)
        with open(path) as f:
            line = line_of(f.read(), '"colour"')
        r = self.assertCheckFails(hub, r"demo_long\.json[^\n]*colour")
        self.assertRegex(r.stderr, r"demo_long\.json:%d:\d+: [^\n]*colour" % line,
                         "a config error names file:line:column")

    def test_unknown_plugin_is_an_error(self):
        hub = self.make_hub()
        feed = long_feed()
        feed["plugin"] = "no_such_plugin"
        hub.write_feed(feed)
        self.assertCheckFails(hub, r"no_such_plugin")

    def test_every_error_is_listed(self):
        hub = self.make_hub(hub_extra={"rescan_msec": 1})
        f1 = long_feed("feed_one")
        f1["plugin"] = "no_such_plugin"
        hub.write_feed(f1)
        f2 = long_feed("feed_two")
        f2["colour"] = "blue"
        hub.write_feed(f2)
        self.assertCheckFails(hub, r"hub\.json:\d+:\d+: [^\n]*rescan_msec",
                              r"no_such_plugin", r"feed_two\.json:\d+:\d+: [^\n]*colour")

    def test_missing_vocabulary_is_an_error(self):
        hub = self.make_hub(hub_extra={"vocabulary": "nope.json"})
        self.assertCheckFails(hub, r"nope\.json")

    def test_broken_vocabulary_names_its_line(self):
        hub = self.make_hub()
        path = os.path.join(hub.conf_dir, "vocabulary.json")
        with open(path) as f:
            lines = f.read().splitlines()
        lines[2] = lines[2] + " @"
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.assertCheckFails(hub, r"vocabulary\.json:3:\d+: ")

    def test_plugin_dir_option_overrides_the_config(self):
        hub = self.make_hub(hub_extra={"plugin_dir": "../no-plugins-here"})
        r = self.check(hub)
        self.assertEqual(r.returncode, 0, "with --plugin-dir\n" + r.stderr)
        r = self.check(hub, plugin_dir=False)
        self.assertEqual(r.returncode, 1, "without --plugin-dir the config's folder is used\n" + r.stderr)

    def test_serve_refuses_a_bad_config_and_creates_no_store(self):
        hub = self.make_hub(hub_extra={"settle_msec": 1})
        r = subprocess.run([BIN, "serve"] + hub.base_args(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace",
                           timeout=scaled(STOP_TIMEOUT), cwd=hub.root)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("settle_msec", r.stderr)
        self.assertFalse(os.path.exists(hub.store_path), "no store for a refused config")
        self.assertFalse(os.path.exists(hub.store_path + "-wal"))

    def test_serve_refuses_an_unknown_plugin(self):
        hub = self.make_hub()
        feed = long_feed()
        feed["plugin"] = "no_such_plugin"
        hub.write_feed(feed)
        r = subprocess.run([BIN, "serve"] + hub.base_args(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace",
                           timeout=scaled(STOP_TIMEOUT), cwd=hub.root)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("no_such_plugin", r.stderr)
        self.assertFalse(os.path.exists(hub.store_path))


class TryTest(HubTestCase):

    def run_try(self, hub, path, feed=FEED):
        return hub.cli("try", "--config", hub.config, "--feed", feed, path)

    def write_input(self, hub, name, data):
        path = os.path.join(hub.outside_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def parse_lines(self, out):
        objs = []
        for line in out.splitlines():
            if line.strip():
                objs.append(json.loads(line))
        return objs

    def test_try_prints_observations_and_stores_nothing(self):
        hub = self.make_hub()
        data = csv_bytes(ROWS)
        path = self.write_input(hub, "return.csv", data)
        r = self.run_try(hub, path)
        self.assertEqual(r.returncode, 0, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        objs = self.parse_lines(r.stdout)
        self.assertEqual(len(objs), 4, r.stdout)
        for o in objs:
            dims = o["dimensions"]
            if isinstance(dims, str):
                dims = json.loads(dims)
            o["dimensions"] = dims
        got = sorted((o["area_code"], o["period"], o["measure_id"], o["dimensions"].get("gender"),
                      o["value"], o["value_status"]) for o in objs)
        self.assertEqual(got, sorted([
            ("E07000130", Q1, "helpline_contacts", "male", 31, "actual"),
            ("E07000134", Q1, "helpline_contacts", "female", 12, "actual"),
            ("E07000129", Q1, "helpline_contacts", "female", None, "missing"),
            ("E07000133", Q1, "referrals_received", "female", None, "suppressed"),
        ]))
        sup = [o for o in objs if o["value_status"] == "suppressed"][0]
        self.assertEqual(sup["bound"], 5, sup)
        for o in objs:
            self.assertEqual(o.get("source_id"), "freeva", o)
            self.assertEqual(o.get("service_id"), "freeva.male_helpline", o)
            self.assertEqual(o.get("unit"), "count", o)
            self.assertRegex(str(o.get("locator")), r"^r[2-5]c5$", o)

        with open(path, "rb") as f:
            self.assertEqual(f.read(), data, "try leaves its input alone")
        self.assertFalse(os.path.exists(hub.store_path), "try creates no store")
        self.assertFalse(os.path.exists(hub.store_path + "-wal"))
        self.assertFalse(os.path.isdir(hub.spool_dir) and any(
            os.listdir(hub.dir(f, s)) for f in os.listdir(hub.spool_dir)
            for s in ("done", "failed", "work") if os.path.isdir(hub.dir(f, s))))

    def test_try_adds_nothing_to_an_existing_store(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "stored.csv", csv_bytes(ROWS[:2]))
        hub.wait_done(FEED, "stored.csv")
        hub.stop()
        before = (hub.scalar("SELECT count(*) FROM observations_v"),
                  hub.scalar("SELECT count(*) FROM ingests"),
                  hub.scalar("SELECT count(*) FROM receipts"))
        path = self.write_input(hub, "new.csv", csv_bytes(ROWS))
        r = self.run_try(hub, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.parse_lines(r.stdout)), 4)
        after = (hub.scalar("SELECT count(*) FROM observations_v"),
                 hub.scalar("SELECT count(*) FROM ingests"),
                 hub.scalar("SELECT count(*) FROM receipts"))
        self.assertEqual(before, after)

    def test_try_reports_bad_input_and_exits_1(self):
        hub = self.make_hub()
        bad = csv_bytes([ROWS[0], ["Charnwood", Q1, "helpline_contactz", "M", "3"]])
        path = self.write_input(hub, "bad.csv", bad)
        r = self.run_try(hub, path)
        self.assertEqual(r.returncode, 1, "stdout:%s\nstderr:%s" % (r.stdout, r.stderr))
        both = r.stdout + r.stderr
        self.assertIn("helpline_contactz", both)
        self.assertRegex(both, r"(?i)\bline\b\D{0,3}3\b|:3:\d+|\"line\":\s*3\b")
        self.assertFalse(os.path.exists(hub.store_path))

    def test_try_with_an_unknown_feed_fails(self):
        hub = self.make_hub()
        path = self.write_input(hub, "x.csv", csv_bytes(ROWS))
        r = self.run_try(hub, path, feed="no_such_feed")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("no_such_feed", r.stderr)
        self.assertEqual(r.stdout.strip(), "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
