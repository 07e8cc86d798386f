"""The spool: files still being written are left alone; dotfiles, .part/.tmp
names and folders in incoming/ are never claimed; symlinks and FIFOs are
moved into failed/ unread, with a report."""

import errno
import hashlib
import json
import os
import stat
import sys
import unittest
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, csv_bytes  # noqa: E402

FEED = "demo_long"
AREAS = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133",
         "E07000134", "E07000135", "E10000018", "E06000017", "X_UNKNOWN"]
GENDERS = ["female", "male", "non_binary_or_other", "not_stated", "not_known"]
MEASURES = ["helpline_contacts", "referrals_received"]


def many_rows(period="FY2024-25-Q1", base=0):
    """100 distinct rows (10 areas x 5 genders x 2 measures)."""
    return [[a, period, m, g, str(base + i)]
            for i, (a, g, m) in enumerate((a, g, m) for a in AREAS for g in GENDERS for m in MEASURES)]


class SpoolTest(HubTestCase):

    def test_part_file_is_not_claimed_until_renamed(self):
        hub = self.make_hub(settle_ms=200, rescan_ms=500)
        hub.start()
        data = csv_bytes(many_rows())
        part = hub.path(FEED, "incoming", "slow.csv.part")
        half = len(data) // 2 + 7  # mid-line
        with open(part, "wb") as f:
            for i in range(0, half, 400):
                f.write(data[i:min(i + 400, half)])
                f.flush()
                time.sleep(0.05)
            # Left alone, half written, far longer than settle_ms and a rescan.
            idle_until = time.monotonic() + 3 * (hub.settle_s + hub.rescan_s)
            while time.monotonic() < idle_until:
                self.assertTrue(os.path.exists(part), "the .part file was taken away")
                self.assertEqual(hub.listdir(FEED, "work"), [])
                self.assertEqual(hub.listdir(FEED, "done"), [])
                self.assertEqual(hub.listdir(FEED, "failed"), [])
                time.sleep(0.02)
            f.write(data[half:])
        os.rename(part, hub.path(FEED, "incoming", "slow.csv"))
        hub.wait_done(FEED, "slow.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 100)
        self.assertEqual(hub.scalar("SELECT sha256 FROM ingests"), hashlib.sha256(data).hexdigest())
        hub.stop()

    def test_slow_writer_under_the_final_name_is_ingested_whole(self):
        # Pauses of 100 ms against a settle time of 600 ms: the file keeps
        # changing, so it must not be claimed until the last write.
        hub = self.make_hub(settle_ms=600, rescan_ms=300)
        hub.start()
        data = csv_bytes(many_rows())
        path = hub.path(FEED, "incoming", "trickle.csv")
        hub.write_slowly(path, data, chunks=15, pause_s=0.1)
        hub.wait_done(FEED, "trickle.csv")
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 100)
        ing = hub.query("SELECT sha256, size_bytes FROM ingests")
        self.assertEqual(ing, [{"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}])
        hub.stop()

    def test_a_slow_writer_does_not_hold_up_other_files(self):
        hub = self.make_hub(settle_ms=600, rescan_ms=300)
        hub.start()
        data = csv_bytes(many_rows())
        path = hub.path(FEED, "incoming", "trickle.csv")
        writer = threading.Thread(target=hub.write_slowly, args=(path, data, 40, 0.1))
        writer.start()
        try:
            hub.drop(FEED, "quick.csv", csv_bytes(many_rows("FY2024-25-Q2")))
            hub.wait_done(FEED, "quick.csv")
            self.assertTrue(writer.is_alive(), "the slow writer finished first: the test proves nothing")
        finally:
            writer.join()
        hub.wait_done(FEED, "trickle.csv")
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 200)
        hub.stop()

    def test_a_file_removed_or_replaced_while_settling(self):
        hub = self.make_hub(settle_ms=1000, rescan_ms=200)
        hub.start()
        data = csv_bytes(many_rows())
        gone = hub.path(FEED, "incoming", "gone.csv")
        with open(gone, "wb") as f:
            f.write(data[:500])
        swap = hub.path(FEED, "incoming", "swap.csv")
        with open(swap, "wb") as f:
            f.write(data[:700])
        time.sleep(0.25)  # seen, not yet settled
        os.unlink(gone)
        hub.drop(FEED, "swap.csv", data)  # renamed over the half file
        hub.wait_done(FEED, "swap.csv")
        hub.drop(FEED, "after.csv", csv_bytes(many_rows("FY2024-25-Q2")))
        hub.wait_done(FEED, "after.csv")
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.query("SELECT file_name, size_bytes, observations FROM ingests ORDER BY 1"),
                         [{"file_name": "after.csv", "size_bytes": len(csv_bytes(many_rows("FY2024-25-Q2"))),
                           "observations": 100},
                          {"file_name": "swap.csv", "size_bytes": len(data), "observations": 100}])
        hub.stop()

    def test_dotfiles_part_and_tmp_names_are_ignored(self):
        hub = self.make_hub()
        hub.start()
        content = csv_bytes(many_rows())
        ignored = [".hidden.csv", ".x", "upload.csv.part", "upload.csv.tmp", "x.part", "y.tmp"]
        for name in ignored:
            with open(hub.path(FEED, "incoming", name), "wb") as f:
                f.write(content)
        hub.drop(FEED, "sentinel.csv", csv_bytes(many_rows("FY2024-25-Q2")))
        hub.wait_done(FEED, "sentinel.csv")
        # Two more rescans after the sentinel is done.
        until = time.monotonic() + 2 * hub.rescan_s + hub.settle_s
        while time.monotonic() < until:
            time.sleep(0.05)
        self.assertEqual(hub.listdir(FEED, "incoming"), sorted(ignored))
        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertEqual(hub.listdir(FEED, "done"), ["sentinel.csv"])
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        hub.stop()

    def test_symlinks_and_fifos_go_to_failed_unread_folders_stay(self):
        hub = self.make_hub()
        hub.start()
        secret = os.path.join(hub.outside_dir, "outside.csv")
        outside_data = csv_bytes(many_rows())
        with open(secret, "wb") as f:
            f.write(outside_data)
        # atime before mtime: any read of the file, even under relatime,
        # moves its atime
        st = os.stat(secret)
        os.utime(secret, ns=(1000000000, st.st_mtime_ns))
        st0 = os.stat(secret)
        incoming = hub.dir(FEED, "incoming")
        os.symlink(secret, os.path.join(incoming, "link.csv"))
        os.symlink(hub.outside_dir, os.path.join(incoming, "dirlink"))
        os.symlink(os.path.join(hub.outside_dir, "nothing-here"), os.path.join(incoming, "dangling.csv"))
        os.mkfifo(os.path.join(incoming, "pipe.csv"))
        os.mkdir(os.path.join(incoming, "folder"))
        with open(os.path.join(incoming, "folder", "inner.csv"), "wb") as f:
            f.write(outside_data)

        set_aside = ["dangling.csv", "dirlink", "link.csv", "pipe.csv"]
        for name in set_aside:
            hub.wait_file(FEED, "failed", name + ".error.json")
        # the daemon goes on taking ordinary files
        hub.drop(FEED, "sentinel.csv", csv_bytes(many_rows("FY2024-25-Q2")))
        hub.wait_done(FEED, "sentinel.csv")
        until = time.monotonic() + 2 * hub.rescan_s + hub.settle_s
        while time.monotonic() < until:
            time.sleep(0.05)

        self.assertTrue(hub.running())
        self.assertEqual(os.listdir(incoming), ["folder"])
        self.assertTrue(os.path.isfile(os.path.join(incoming, "folder", "inner.csv")))
        failed = hub.dir(FEED, "failed")
        self.assertEqual(sorted(os.listdir(failed)),
                         sorted(set_aside + [n + ".error.json" for n in set_aside]
                                + [n + ".error.txt" for n in set_aside]))
        # moved as they were: the links still point where they did
        self.assertEqual(os.readlink(os.path.join(failed, "link.csv")), secret)
        self.assertEqual(os.readlink(os.path.join(failed, "dirlink")), hub.outside_dir)
        self.assertTrue(stat.S_ISFIFO(os.lstat(os.path.join(failed, "pipe.csv")).st_mode))
        # nobody holds the pipe open for reading: a writer finds no reader
        with self.assertRaises(OSError) as no_reader:
            os.open(os.path.join(failed, "pipe.csv"), os.O_WRONLY | os.O_NONBLOCK)
        self.assertEqual(no_reader.exception.errno, errno.ENXIO)
        # the file the link pointed at was never read, moved or changed
        st1 = os.stat(secret)
        self.assertEqual((st1.st_ino, st1.st_size, st1.st_mtime_ns, st1.st_atime_ns),
                         (st0.st_ino, st0.st_size, st0.st_mtime_ns, st0.st_atime_ns))
        with open(secret, "rb") as f:
            self.assertEqual(f.read(), outside_data)
        self.assertEqual(os.listdir(hub.outside_dir), ["outside.csv"])

        for name, kind in (("link.csv", "a symbolic link"), ("dirlink", "a symbolic link"),
                           ("dangling.csv", "a symbolic link"),
                           ("pipe.csv", "a named pipe (FIFO)")):
            report = hub.read_json(FEED, "failed", name + ".error.json")
            self.assertEqual(report["feed"], FEED)
            self.assertEqual(report["file"], name)
            self.assertEqual(report["found"], kind)
            self.assertEqual(report["error_count"], 1)
            self.assertIn("it is %s, not a file" % kind, report["message"])
            self.assertIn("upload the return itself", report["message"])
            # nothing was read: no line, column, field or hash to give
            for key in ("line", "column", "field", "sha256"):
                self.assertNotIn(key, report)
            self.assertEqual(len(hub.events("file_refused", file=name)), 1, name)
            # and in plain words for the data lead who dropped it
            words = hub.read_text(FEED, "failed", name + ".error.txt")
            self.assertIn("it is %s, not an ordinary file" % kind, " ".join(words.split()))

        self.assertEqual(hub.listdir(FEED, "work"), [])
        self.assertEqual(hub.listdir(FEED, "done"), ["sentinel.csv"])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 1)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 100)
        # `dahub status` counts each as a failed file, as the data lead sees it
        got = hub.cli("status", "--config", hub.config, "--json")
        self.assertEqual(got.returncode, 0, got.stderr)
        counts = {f["feed"]: f for f in json.loads(got.stdout)["feeds"]}[FEED]
        self.assertEqual((counts["stored"], counts["failed"]), (1, len(set_aside)))
        said = [l for l in hub.log_text().splitlines() if "folder" in l]
        self.assertLessEqual(len(said), 1, "the folder logged again on every "
                             "rescan:\n" + "\n".join(said))
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
