"""systemd's watchdog: WATCHDOG=1 arrives on the NOTIFY_SOCKET the test
creates at half of the WATCHDOG_USEC it is given, and stops for as long as
the loop is stuck, so systemd would restart a hung daemon. A daemon that
pinged from a thread of its own would keep pinging through the stall and
fail here.

The loop is blocked by the test hook of daemon_hooks.c (SIGUSR2, only in a
build with DAHUB_TEST_HOOKS and a daemon started with DAHUB_TEST_HOOKS=1);
test_notify.py checks READY, RELOADING and STOPPING."""

import os
import signal
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, scaled  # noqa: E402
from test_notify import Notifications  # noqa: E402

WATCHDOG_USEC = 2000000  # a ping every second
STALL_MS = 3500          # the loop is blocked this long
HOOKS_BUILT = os.environ.get("DAHUB_TEST_HOOKS_BUILT", "ON").upper() in (
    "ON", "1", "TRUE", "YES")


class Listening:
    """Reads the notifications on a thread of its own, so each datagram
    is timed as it arrives while the test waits on the log."""

    def __init__(self, note):
        self.note = note
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            self.note.read(0.05)

    def stop(self):
        self.done.set()
        self.thread.join()


@unittest.skipUnless(HOOKS_BUILT, "built without DAHUB_TEST_HOOKS")
class WatchdogTest(HubTestCase):

    def start_under_systemd(self, hub):
        note = Notifications(os.path.join(hub.root, "notify.sock"))
        self.addCleanup(note.close)
        env = {"NOTIFY_SOCKET": note.sock.getsockname(),
               "WATCHDOG_USEC": str(WATCHDOG_USEC),
               "DAHUB_TEST_HOOKS": "1",
               "DAHUB_TEST_STALL_MS": str(STALL_MS)}
        os.environ.update(env)
        try:
            hub.start()
        finally:
            for k in env:
                del os.environ[k]
        note.wait_for("READY=1", 10)
        listening = Listening(note)
        self.addCleanup(listening.stop)
        return note

    def pings(self, note, since, until=float("inf")):
        return [t for t, l in note.got
                if l == "WATCHDOG=1" and since <= t < until]

    def test_pings_follow_the_interval_and_stop_while_the_loop_is_stuck(self):
        hub = self.make_hub()
        note = self.start_under_systemd(hub)
        self.assertEvent(hub, "test_hooks")
        interval = WATCHDOG_USEC / 2e6

        # at the configured interval: neither faster nor slower
        t0 = time.monotonic()
        time.sleep(4.0)
        steady = self.pings(note, t0)
        self.assertGreaterEqual(len(steady), 3, note.lines())
        self.assertLessEqual(len(steady), 5, note.lines())
        gaps = [b - a for a, b in zip(steady, steady[1:])]
        self.assertGreater(min(gaps), interval * 0.6, gaps)
        self.assertLess(max(gaps), interval * 1.6, gaps)

        # the loop blocked: no ping for as long as it is stuck
        before = self.pings(note, 0)[-1]
        hub.proc.send_signal(signal.SIGUSR2)
        self.assertEvent(hub, "test_stall", timeout=5)
        time.sleep(STALL_MS / 1000.0 + 2 * interval)
        self.assertEvent(hub, "test_stall_over", timeout=5)
        stall = hub.events("test_stall")
        self.assertEqual(len(stall), 1, stall)
        # then pings again, at the interval, with the daemon alive
        resumed = time.monotonic()
        time.sleep(3 * interval)
        self.assertTrue(hub.running(), "the daemon survives the stall")
        after = self.pings(note, before)
        gaps = [b - a for a, b in zip(after, after[1:])]
        self.assertTrue(gaps, note.lines())
        # one gap spans the stall (less the part of an interval already
        # run when the loop stuck); a ping from another thread would have
        # filled it
        longest = max(gaps)
        self.assertGreaterEqual(longest, STALL_MS / 1000.0 - interval * 0.5,
                                gaps)
        self.assertGreaterEqual(len(self.pings(note, resumed)), 2,
                                "pings again once the loop runs")
        hub.stop()


if __name__ == "__main__":
    unittest.main()
