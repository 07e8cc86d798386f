"""Retention: partner files leave done/ and failed/ when their feed's "retain"
period is over, with their .error.json / .duplicate.json, while the store
keeps the receipt, the SHA-256 and the figures. A case-level extract is gone
from done/ as soon as it is stored. Nothing in work/ or incoming/, no link
and nothing outside the feed's folders is ever touched.

All data is synthetic.
"""

import glob
import json
import os
import shutil
import signal
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (SOURCE_DIR, HubTestCase, csv_bytes, long_feed,  # noqa: E402
                       sha256)

CONF = os.path.join(SOURCE_DIR, "conf")
DAY = 86400


def rows(period="FY2024-25-Q1", base=0):
    return [["E07000130", period, "helpline_contacts", g, str(base + i)]
            for i, g in enumerate(["female", "male", "not_known"])]


BAD = csv_bytes([["E07000130", "FY2024-25-Q1", "helpline_contacts", "female", "lots"]])


def with_retain(feed, **retain):
    feed = dict(feed)
    feed["retain"] = retain
    return feed


def age(path, days):
    """Sets path's mtime (and atime) days back, as if it arrived then."""
    t = time.time() - days * DAY
    os.utime(path, (t, t), follow_symlinks=False)


class RetentionTest(HubTestCase):

    def lwa_hub(self, **kw):
        """A hub with the shipped case-level feed (lwa) and its key."""
        hub = self.make_hub(feeds=[], **kw)
        with open(os.path.join(CONF, "feeds.d", "lwa.json")) as f:
            feed = json.load(f)
        self.assertNotIn("retain", feed, "the shipped lwa feed relies on the default")
        hub.write_feed(feed)
        dest = os.path.join(hub.conf_dir, feed["hmac_key_file"])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(CONF, feed["hmac_key_file"]), dest)
        os.chmod(dest, 0o600)
        return hub

    def wait_gone(self, hub, feed, sub, name, timeout=20):
        p = hub.path(feed, sub, name)
        hub.wait_for(lambda: not os.path.lexists(p), timeout,
                     "%s/%s/%s to be removed" % (feed, sub, name))

    def test_case_level_file_leaves_done_once_stored_and_its_receipt_stays(self):
        # The default check is hourly: only the removal right after the
        # file is stored can make it go within seconds.
        hub = self.lwa_hub()
        hub.start()
        sample = sorted(glob.glob(os.path.join(SOURCE_DIR, "spool", "lwa", "sample", "*")))[0]
        name = os.path.basename(sample)
        with open(sample, "rb") as f:
            data = f.read()
        hub.drop("lwa", name, data)

        stored = hub.wait_for(lambda: hub.query(
            "SELECT ingest_id, sha256, observations FROM ingests WHERE feed = 'lwa'"
            " AND file_name = ?", (name,)), what="the extract's ingest in the store")
        self.assertEqual(stored[0]["sha256"], sha256(data))
        self.assertGreater(stored[0]["observations"], 0)
        removed = self.assertEvent(hub, "file_removed", feed="lwa", folder="done", file=name)
        self.assertEqual(removed[0]["prio"], 6)
        self.assertLess(int(removed[0]["age_s"]), 10)
        hub.wait_spool_empty("lwa", subs=("incoming", "work", "done", "failed"))
        self.assertGreater(hub.scalar("SELECT count(*) FROM observations_v WHERE feed = 'lwa'"), 0)

        # The same bytes again: the hash in the store still knows them, and
        # the repeat and its note leave done/ too.
        hub.drop("lwa", "again.csv", data)
        self.assertEvent(hub, "file_duplicate", feed="lwa", file="again.csv")
        self.assertEvent(hub, "file_removed", feed="lwa", folder="done", file="again.csv")
        hub.wait_spool_empty("lwa", subs=("incoming", "work", "done", "failed"))
        receipts = hub.query("SELECT file_name, sha256, outcome, ingest_id FROM receipts"
                             " WHERE feed = 'lwa' ORDER BY receipt_id")
        self.assertEqual(receipts, [
            {"file_name": name, "sha256": sha256(data), "outcome": "stored",
             "ingest_id": stored[0]["ingest_id"]},
            {"file_name": "again.csv", "sha256": sha256(data), "outcome": "duplicate",
             "ingest_id": stored[0]["ingest_id"]}])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests WHERE feed = 'lwa'"), 1)
        hub.stop()
        stopped = hub.events("stopped")[-1]
        self.assertEqual((stopped["removed"], stopped["remove_failures"]), ("2", "0"))

    def test_a_short_period_removes_the_file_and_the_default_keeps_it(self):
        hub = self.make_hub(feeds=[with_retain(long_feed("brief"), done="2s"),
                                   long_feed("kept")],
                            hub_extra={"retention_check_ms": 200})
        hub.start()
        hub.drop("brief", "q1.csv", csv_bytes(rows()))
        hub.drop("kept", "q1.csv", csv_bytes(rows()))
        hub.wait_done("brief", "q1.csv")
        hub.wait_done("kept", "q1.csv")
        self.wait_gone(hub, "brief", "done", "q1.csv", timeout=10)
        # logged just after the unlink: wait for the line too
        ev = self.assertEvent(hub, "file_removed", feed="brief", file="q1.csv")
        self.assertEqual(len(ev), 1, ev)
        self.assertEqual(ev[0]["folder"], "done")
        self.assertGreaterEqual(int(ev[0]["age_s"]), 2, "removed before its 2 s were up")
        self.assertLess(int(ev[0]["age_s"]), 8)
        # 400 days by default: still there after ten checks and more
        self.assertEqual(hub.listdir("kept", "done"), ["q1.csv"])
        self.assertEqual(hub.events("file_removed", feed="kept"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 2)
        hub.stop()

    def test_a_file_ages_from_its_arrival_not_from_its_upload_time(self):
        # sftp -p keeps the partner's own mtime, which may be months old;
        # rename() into done/ keeps it too. The hub must not take it for
        # the file's age.
        feed = "demo_long"
        hub = self.make_hub(feeds=[with_retain(long_feed(), done="1d")],
                            hub_extra={"retention_check_ms": 200})
        hub.start()
        part = hub.path(feed, "incoming", "q1.csv.part")
        with open(part, "wb") as f:
            f.write(csv_bytes(rows()))
        age(part, 40)
        os.rename(part, hub.path(feed, "incoming", "q1.csv"))
        done = hub.wait_done(feed, "q1.csv")
        self.assertLess(time.time() - os.stat(done).st_mtime, 60)
        marker = hub.path(feed, "done", "marker.csv")
        with open(marker, "wb") as f:
            f.write(b"x")
        age(marker, 2)
        self.wait_gone(hub, feed, "done", "marker.csv")
        self.assertEqual(hub.listdir(feed, "done"), ["q1.csv"])
        hub.stop()

    def test_an_old_failed_file_goes_with_its_report_and_a_fresh_one_stays(self):
        hub = self.make_hub(feeds=[with_retain(long_feed(), failed="30d")],
                            hub_extra={"retention_check_ms": 300})
        feed = "demo_long"
        hub.start()
        hub.drop(feed, "old.csv", BAD)
        hub.drop(feed, "fresh.csv", BAD)
        hub.wait_failed(feed, "old.csv")
        hub.wait_failed(feed, "fresh.csv")
        age(hub.path(feed, "failed", "old.csv"), 40)
        age(hub.path(feed, "failed", "fresh.csv.error.json"), 40)  # the file decides
        self.wait_gone(hub, feed, "failed", "old.csv")
        self.wait_gone(hub, feed, "failed", "old.csv.error.json")
        self.wait_gone(hub, feed, "failed", "old.csv.error.txt")
        ev = self.assertEvent(hub, "file_removed", feed=feed, file="old.csv")
        self.assertEqual(ev[0]["folder"], "failed")
        self.assertEqual(ev[0]["companions"], "2")
        self.assertGreaterEqual(int(ev[0]["age_s"]), 40 * DAY)

        # Another old one, put there by hand: its removal shows a later
        # check ran, and the fresh file and its report are still there.
        with open(hub.path(feed, "failed", "marker.csv"), "wb") as f:
            f.write(BAD)
        age(hub.path(feed, "failed", "marker.csv"), 31)
        self.wait_gone(hub, feed, "failed", "marker.csv")
        self.assertEqual(hub.listdir(feed, "failed"), ["fresh.csv", "fresh.csv.error.json",
                                                         "fresh.csv.error.txt"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM receipts WHERE outcome = 'failed'"), 2)
        hub.stop()

    def test_work_incoming_links_and_the_outside_are_never_touched(self):
        feed = "demo_long"
        hub = self.make_hub(feeds=[with_retain(long_feed(), done="0s", failed="0s")],
                            hub_extra={"retention_check_ms": 200})
        hub.start()
        # Old enough for any period, but in work/ (a file being ingested,
        # as far as anyone knows) or an upload in progress in incoming/.
        work = hub.path(feed, "work", "being_ingested.csv")
        part = hub.path(feed, "incoming", "upload.csv.part")
        secret = os.path.join(hub.outside_dir, "secret.csv")
        for p in (work, part, secret):
            with open(p, "wb") as f:
                f.write(csv_bytes(rows()))
            age(p, 4000)
        link = hub.path(feed, "done", "link.csv")
        os.symlink(secret, link)
        age(link, 4000)
        os.symlink(hub.outside_dir, hub.path(feed, "failed", "outside"))
        os.mkdir(hub.path(feed, "failed", "folder"))
        inner = os.path.join(hub.dir(feed, "failed"), "folder", "inner.csv")
        with open(inner, "wb") as f:
            f.write(BAD)
        age(inner, 4000)
        # A sweep ran after all that: the next file stored goes at once.
        hub.drop(feed, "stored.csv", csv_bytes(rows()))
        self.assertEvent(hub, "file_removed", feed=feed, folder="done", file="stored.csv")
        marker = hub.path(feed, "failed", "marker.csv")
        with open(marker, "wb") as f:
            f.write(BAD)
        self.wait_gone(hub, feed, "failed", "marker.csv")
        self.assertEvent(hub, "file_removed", feed=feed, folder="failed", file="marker.csv")

        for p in (work, part, secret, inner):
            self.assertTrue(os.path.isfile(p), p)
        self.assertTrue(os.path.islink(link))
        self.assertTrue(os.path.islink(hub.path(feed, "failed", "outside")))
        self.assertEqual(os.listdir(hub.outside_dir), ["secret.csv"])
        removed = sorted(e["file"] for e in hub.events("file_removed"))
        self.assertEqual(removed, ["marker.csv", "stored.csv"])
        hub.stop()

    def test_files_too_old_are_removed_once_started(self):
        feed = "demo_long"
        hub = self.make_hub(feeds=[long_feed()])  # the hourly default
        hub.start()
        hub.drop(feed, "q1.csv", csv_bytes(rows()))
        hub.drop(feed, "bad.csv", BAD)
        hub.wait_done(feed, "q1.csv")
        hub.wait_failed(feed, "bad.csv")
        hub.stop()
        age(hub.path(feed, "done", "q1.csv"), 401)
        age(hub.path(feed, "failed", "bad.csv"), 91)
        hub.start()
        self.wait_gone(hub, feed, "done", "q1.csv")
        self.wait_gone(hub, feed, "failed", "bad.csv")
        self.wait_gone(hub, feed, "failed", "bad.csv.error.json")
        self.assertEqual(hub.listdir(feed, "done"), [])
        self.assertEqual(hub.listdir(feed, "failed"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        hub.stop()

    def test_a_reload_brings_new_periods_and_a_new_interval(self):
        feed = "demo_long"
        hub = self.make_hub(feeds=[long_feed()])  # 400 days, hourly checks
        hub.start()
        hub.drop(feed, "q1.csv", csv_bytes(rows()))
        hub.wait_done(feed, "q1.csv")
        hub.write_feed(with_retain(long_feed(), done="1s"))
        hub.hub_conf["retention_check_ms"] = 200
        hub.write_hub_json(hub.hub_conf)
        n = len(hub.events("reloaded"))
        hub.proc.send_signal(signal.SIGHUP)
        hub.wait_for(lambda: len(hub.events("reloaded")) > n, what="event=reloaded")
        self.wait_gone(hub, feed, "done", "q1.csv", timeout=10)
        hub.stop()

    def test_check_names_a_bad_duration_with_line_and_column(self):
        hub = self.make_hub(feeds=[])
        path = hub.write_feed(file_name="demo_long.json", text=(
            '{\n'
            '  "name": "demo_long",\n'
            '  "source_id": "freeva",\n'
            '  "plugin": "mapped",\n'
            '  "options": %s,\n'
            '  "retain": {"done": "1y", "faild": "30d"}\n'
            '}\n') % json.dumps(long_feed()["options"]))
        res = hub.cli("check", "--config", hub.config)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('%s:6:14: retain.done "1y": expected a duration such as "30d", '
                      '"12h", "15m" or "45s", at most 3650d' % path, res.stderr)
        self.assertIn("%s:6:28: retain.faild: unknown key; did you mean `failed`?" % path,
                      res.stderr)

        hub.write_feed(with_retain(long_feed(), done="0d", failed="3650d"))
        res = hub.cli("check", "--config", hub.config)
        self.assertEqual(res.returncode, 0, res.stderr)


if __name__ == "__main__":
    unittest.main()
