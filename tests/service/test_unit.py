#!/usr/bin/env python3
"""systemd/dahub.service: hardened, and still the service the daemon needs.

`systemd-analyze security --offline=true` must rate its exposure at most
MAX_EXPOSURE (systemd 252, Debian 12, is the oldest that has --offline);
`systemd-analyze verify` must pass on it. verify checks that each Exec*
program exists, so it runs on a copy whose /usr/bin/dahub is the binary
just built, and without looking up the man page (not installed here).
Skipped (77) only where systemd-analyze is missing.

usage: test_unit.py UNIT DAHUB_BINARY
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MAX_EXPOSURE = 1.5
UNIT, DAHUB = sys.argv[1:3]


def fail(msg):
    sys.exit("failed: " + msg)


def analyze(*args):
    return subprocess.run(["systemd-analyze"] + list(args), capture_output=True,
                          text=True, timeout=60)


def check_keeps_the_service(text):
    for line in ["Type=notify", "WatchdogSec=30s", "User=dahub",
                 "ExecReload=/bin/kill -HUP $MAINPID", "IPAddressDeny=any",
                 "UMask=0077", "PrivateUsers=yes"]:
        if not re.search("^" + re.escape(line) + "$", text, re.M):
            fail("the unit has no line %r" % line)


def check_exposure():
    got = analyze("security", "--offline=true", "--no-pager", UNIT)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", got.stdout)
    if m is None:
        fail("no exposure level in:\n%s%s" % (got.stdout, got.stderr))
    level = float(m.group(1))
    if level > MAX_EXPOSURE:
        flagged = [l for l in got.stdout.splitlines() if l.startswith("✗")]
        fail("exposure %.1f > %.1f; still flagged:\n%s" %
             (level, MAX_EXPOSURE, "\n".join(flagged)))
    return level


def check_verify(text):
    tmp = tempfile.mkdtemp(prefix="dahub-unit-")
    try:
        unit = os.path.join(tmp, "dahub.service")
        with open(unit, "w") as f:
            f.write(text.replace("/usr/bin/dahub", os.path.abspath(DAHUB)))
        got = analyze("verify", "--man=no", unit)
        if got.returncode != 0 or got.stderr.strip():
            fail("systemd-analyze verify:\n%s%s" % (got.stdout, got.stderr))
    finally:
        shutil.rmtree(tmp)


def main():
    if shutil.which("systemd-analyze") is None:
        print("skipped: systemd-analyze is not installed")
        sys.exit(77)
    with open(UNIT) as f:
        text = f.read()
    check_keeps_the_service(text)
    level = check_exposure()
    check_verify(text)
    print("systemd unit: exposure %.1f, verify ok" % level)


if __name__ == "__main__":
    main()
