"""Faults of the store (issue 8, "Crashes and faults"): the store locked by
another process past the busy timeout, a read-only store, the disk full while
storing. Each time the file stays in work/, the trouble is logged at warning
and retried with backoff, the daemon goes on, and the file is stored exactly
once when the trouble ends: nothing lost, nothing counted twice.

All data is synthetic.
"""

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dahub_e2e  # noqa: E402
from dahub_e2e import HubTestCase, csv_bytes, fy_periods, grid_rows  # noqa: E402

FEED = "demo_long"
BUSY_TIMEOUT_S = 5.0  # hub/store/store.c BUSY_TIMEOUT_MS
PERIODS = fy_periods(2024)


def rows(n, seed=0):
    return grid_rows(n, PERIODS, seed=seed)


def start_limited(hub, fsize_bytes):
    """Hub.start() with RLIMIT_FSIZE set in the child: the same arguments,
    stderr in the hub's next serve-<n>.log so hub.events() and hub.stop() work."""
    if not os.access(dahub_e2e.BIN, os.X_OK):
        raise dahub_e2e.HubError("no daemon binary at %s" % dahub_e2e.BIN)

    def pre():
        dahub_e2e._die_with_parent()
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_bytes, fsize_bytes))

    hub.runs += 1
    hub.log_path = os.path.join(hub.logs_dir, "serve-%d.log" % hub.runs)
    hub._log_files.append(hub.log_path)
    hub._err = open(hub.log_path, "wb")
    hub._out = open(os.path.join(hub.logs_dir, "serve-%d.stdout" % hub.runs), "wb")
    hub.proc = subprocess.Popen([dahub_e2e.BIN, "serve"] + hub.base_args(),
                                stdin=subprocess.DEVNULL, stdout=hub._out, stderr=hub._err,
                                cwd=hub.root, preexec_fn=pre)
    hub.wait_ready()
    return hub.proc


def chattr(flag, paths):
    for p in paths:
        if os.path.exists(p):
            r = subprocess.run(["chattr", flag, p], capture_output=True, text=True)
            if r.returncode != 0:
                return "chattr %s %s: %s" % (flag, p, r.stderr.strip())
    return None


class FaultsTest(HubTestCase):

    def assertRetriedNotFailed(self, hub, name):
        """Waits for a logged retry of `name`; the file must be in work/."""
        ev = self.assertEvent(hub, "retry_scheduled", timeout=BUSY_TIMEOUT_S + 15, file=name)
        self.assertEqual(ev[0]["prio"], 4, "a retry is logged as a warning: %s" % ev)
        retry = hub.events("file_retry", file=name)
        self.assertTrue(retry, "event=file_retry with the reason is logged")
        self.assertEqual(retry[0]["prio"], 4, retry)
        self.assertTrue(retry[0].get("reason"), retry)
        self.assertEqual(hub.listdir(FEED, "work"), [name], hub.spool_state())
        self.assertEqual(hub.listdir(FEED, "failed"), [], hub.spool_state())
        self.assertNotIn(name, hub.data_files(FEED, "done"))
        return retry

    def assertStoredOnce(self, hub, name, data, n_obs):
        hub.wait_done(FEED, name, timeout=30)
        ing = hub.query("SELECT file_name, observations FROM ingests WHERE file_name = ?", (name,))
        self.assertEqual(ing, [{"file_name": name, "observations": n_obs}])
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests WHERE sha256 = ?",
                                    (dahub_e2e.sha256(data),)), 1)
        self.assertEqual(hub.listdir(FEED, "failed"), [])
        self.assertEqual(hub.listdir(FEED, "work"), [])

    # ---------------------------------------------------------- locked

    def test_store_locked_past_the_busy_timeout_is_retried_then_stored_once(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "first.csv", csv_bytes(rows(10)))
        hub.wait_done(FEED, "first.csv")

        con = sqlite3.connect(hub.store_path, timeout=1, isolation_level=None)
        self.addCleanup(con.close)
        con.execute("BEGIN EXCLUSIVE")
        held_from = time.monotonic()
        data = csv_bytes(rows(50, seed=1))
        hub.drop(FEED, "locked.csv", data)
        # Never failed while the lock is held (beyond the 5 s busy timeout).
        released = False
        try:
            self.assertRetriedNotFailed(hub, "locked.csv")
            hold = 8.0  # the daemon's busy timeout is 5 s whatever the build
            while time.monotonic() - held_from < hold:
                self.assertEqual(hub.listdir(FEED, "failed"), [], hub.spool_state())
                self.assertNotIn("locked.csv", hub.data_files(FEED, "done"))
                self.assertTrue(hub.running())
                time.sleep(0.05)
            con.execute("ROLLBACK")
            released = True
        finally:
            if not released:
                con.execute("ROLLBACK")
        self.assertStoredOnce(hub, "locked.csv", data, 50)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 60)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests"), 2)
        hub.stop()

    # ---------------------------------------------------------- read-only

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("chattr"),
                         "chattr +i needs root (chmod does not stop root)")
    def test_read_only_store_is_retried_then_stored_once(self):
        hub = self.make_hub()
        hub.start()
        hub.drop(FEED, "first.csv", csv_bytes(rows(10)))
        hub.wait_done(FEED, "first.csv")
        # The -shm file is mmapped: leave it writable (a write fault there
        # would be SIGBUS, not the error a read-only disk gives).
        files = [hub.store_path, hub.store_path + "-wal", hub.store_path + "-journal"]
        why = chattr("+i", files)
        self.addCleanup(chattr, "-i", files)
        if why is not None:
            self.skipTest("cannot make the store immutable here: %s" % why)
        data = csv_bytes(rows(50, seed=2))
        hub.drop(FEED, "ro.csv", data)
        made_writable = False
        try:
            self.assertRetriedNotFailed(hub, "ro.csv")
            # At least a second attempt while still read-only: backoff, not one try.
            hub.wait_for(lambda: len(hub.events("retry_scheduled", file="ro.csv")) >= 2,
                         timeout=15, what="a second retry")
            attempts = [int(e["attempt"]) for e in hub.events("retry_scheduled", file="ro.csv")]
            self.assertEqual(attempts, sorted(set(attempts)), attempts)
            self.assertEqual(hub.listdir(FEED, "work"), ["ro.csv"])
            self.assertTrue(hub.running())
            self.assertIsNone(chattr("-i", files))
            made_writable = True
        finally:
            if not made_writable:
                chattr("-i", files)
        self.assertStoredOnce(hub, "ro.csv", data, 50)
        self.assertEqual(hub.scalar("SELECT count(*) FROM observations_v"), 60)
        # Later files go straight through.
        hub.drop(FEED, "after.csv", csv_bytes(rows(5, seed=3)[:5]))
        hub.wait_done(FEED, "after.csv")
        hub.stop()

    # ---------------------------------------------------------- disk full

    def test_disk_full_while_storing_keeps_the_file_and_stores_it_once_later(self):
        hub = self.make_hub()
        # A first run without a limit makes the store, so the limited run
        # only has to grow it.
        hub.start()
        hub.drop(FEED, "first.csv", csv_bytes(rows(10)))
        hub.wait_done(FEED, "first.csv")
        hub.stop()
        sizes = sum(os.path.getsize(os.path.join(hub.state_dir, n))
                    for n in os.listdir(hub.state_dir))
        limit = max(512 << 10, 2 * sizes)
        start_limited(hub, limit)
        # several MB of WAL even in the narrow table: four years of figures
        data = csv_bytes(grid_rows(36000, sum((fy_periods(y) for y in range(2024, 2028)), []),
                                   seed=4))
        hub.drop(FEED, "big.csv", data)
        try:
            ev = hub.wait_for(lambda: hub.events("file_retry", all_runs=False, file="big.csv")
                              or hub.proc.poll() is not None,
                              timeout=30, what="event=file_retry for big.csv",
                              need_running=False)
            if hub.proc.poll() is not None:
                self.fail("the daemon died (exit %s, %s) when a write passed RLIMIT_FSIZE: "
                          "SIGXFSZ is not ignored\n%s"
                          % (hub.proc.returncode,
                             signal.Signals(-hub.proc.returncode).name
                             if hub.proc.returncode < 0 else "-", hub.log_tail()))
            self.assertEqual(ev[0]["prio"], 4, ev)
            self.assertTrue(ev[0].get("reason"), ev)
            self.assertEvent(hub, "retry_scheduled", file="big.csv")
            self.assertIn("big.csv", hub.listdir(FEED, "work") + hub.listdir(FEED, "incoming"))
            self.assertEqual(hub.listdir(FEED, "failed"), [])
            self.assertNotIn("big.csv", hub.data_files(FEED, "done"))
            # The daemon keeps going: a small file still fits.
            hub.drop(FEED, "small.csv", csv_bytes(rows(3, seed=5)[:3]))
            hub.wait_outcome(FEED, "small.csv", timeout=30)
            self.assertTrue(hub.running())
            hub.stop()
        finally:
            hub.kill()
        hub.start(ready_timeout=60)   # space is back
        self.assertStoredOnce(hub, "big.csv", data, 36000)
        self.assertEqual(hub.scalar("SELECT count(*) FROM ingests WHERE file_name = 'small.csv'"), 1)
        hub.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
