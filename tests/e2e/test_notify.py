"""What systemd hears from the daemon (Type=notify, WatchdogSec=): READY=1
once it is ready, WATCHDOG=1 at half of WATCHDOG_USEC from its loop,
RELOADING=1 then READY=1 around a reload, STOPPING=1 on SIGTERM, all on
the NOTIFY_SOCKET a test creates as systemd would."""

import os
import signal
import socket
import sys
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import HubTestCase, scaled  # noqa: E402

WATCHDOG_USEC = 1000000  # the daemon pings every half second


class Notifications:
    """The datagram socket systemd would listen on, and what came in."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.got = []  # (monotonic time, line)

    def read(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return
            now = time.monotonic()
            self.got.extend((now, l) for l in data.decode().split("\n") if l)

    def wait_for(self, line, seconds):
        deadline = time.monotonic() + scaled(seconds)
        while line not in self.lines():
            if time.monotonic() > deadline:
                raise AssertionError("no %s within %ss; got %r" %
                                     (line, seconds, self.lines()))
            self.read(0.1)

    def lines(self):
        return [l for _, l in self.got]

    def close(self):
        self.sock.close()


class NotifyTest(HubTestCase):

    def start_under_systemd(self, hub):
        note = Notifications(os.path.join(hub.root, "notify.sock"))
        self.addCleanup(note.close)
        env = {"NOTIFY_SOCKET": note.sock.getsockname(),
               "WATCHDOG_USEC": str(WATCHDOG_USEC)}
        os.environ.update(env)
        try:
            hub.start()
        finally:
            for k in env:
                del os.environ[k]
        return note

    def test_ready_watchdog_reload_and_stop(self):
        hub = self.make_hub()
        note = self.start_under_systemd(hub)
        note.wait_for("READY=1", 10)
        started = time.monotonic()
        note.read(3.0)
        pings = [t for t, l in note.got if l == "WATCHDOG=1" and t >= started]
        # every half second for three seconds; never a gap systemd would
        # take for a hung daemon
        self.assertGreaterEqual(len(pings), 4, note.lines())
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), WATCHDOG_USEC / 1e6, gaps)

        hub.proc.send_signal(signal.SIGHUP)
        self.assertEvent(hub, "reloaded")
        note.wait_for("RELOADING=1", 10)
        after = note.lines()[note.lines().index("RELOADING=1"):]
        self.assertIn("READY=1", after, "READY=1 again after the reload")

        hub.stop()
        note.wait_for("STOPPING=1", 10)

    def test_no_watchdog_unless_systemd_asks(self):
        hub = self.make_hub()
        note = Notifications(os.path.join(hub.root, "notify.sock"))
        self.addCleanup(note.close)
        os.environ["NOTIFY_SOCKET"] = note.sock.getsockname()
        try:
            hub.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        note.wait_for("READY=1", 10)
        note.read(1.5)
        self.assertNotIn("WATCHDOG=1", note.lines())
        hub.stop()


if __name__ == "__main__":
    unittest.main()
