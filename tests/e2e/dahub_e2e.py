"""Shared harness for dahub's end-to-end tests (Python standard library only).

A Hub is one temporary installation: <root>/conf/hub.json, conf/feeds.d/*.json,
conf/vocabulary.json (copied from $DAHUB_SOURCE_DIR/conf/vocabulary.json), a
spool and a state dir. Hub.start() runs the real `dahub serve` with stderr in
<root>/logs/serve-<n>.log and waits, with a deadline, for `event=ready`.

Every wait polls visible state (files, the log, the store) every 20 ms up to a
deadline and fails with the tail of the daemon log. Nothing sleeps to "let the
daemon catch up".

Environment:
  DAHUB_BIN, DAHUB_PLUGIN_DIR, DAHUB_SOURCE_DIR  set by ctest; when unset the
      defaults are <source>/build/dahub and <source>/build/plugins, with the
      source dir two levels above this file.
  DAHUB_E2E_TIMEOUT_SCALE  multiplies every deadline (default 1).
  DAHUB_E2E_KEEP=1         keep the temporary dirs (their paths are printed).
  DAHUB_E2E_SEED           seed for the tests that use random timing.
  DAHUB_E2E_STORE=postgresql  each hub's store in a database of its own in
      the cluster DAHUB_TEST_PG names (pg_e2e.py); without DAHUB_TEST_PG the
      file exits 77 (skipped).

All data is synthetic.
"""

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import pg_e2e
from pg_e2e import ON_PG  # noqa: F401 (for the tests)

pg_e2e.skip_without_cluster()

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("DAHUB_SOURCE_DIR") or os.path.normpath(
    os.path.join(HERE, "..", ".."))
BIN = os.environ.get("DAHUB_BIN") or os.path.join(SOURCE_DIR, "build", "dahub")
PLUGIN_DIR = os.environ.get("DAHUB_PLUGIN_DIR") or os.path.join(
    SOURCE_DIR, "build", "plugins")
SCALE = float(os.environ.get("DAHUB_E2E_TIMEOUT_SCALE", "1") or "1")
KEEP = os.environ.get("DAHUB_E2E_KEEP") == "1"

POLL_S = 0.02
READY_TIMEOUT = 30.0      # start to event=ready (ASan builds start slower)
FILE_TIMEOUT = 20.0       # a small file from incoming/ to done/ or failed/
STOP_TIMEOUT = 15.0       # SIGTERM to exit
CLI_TIMEOUT = 60.0        # one `dahub check` / `dahub try`

# The mapping of the generic "mapped" plugin for a long-layout CSV: one row per
# observation. Kept in one place so a renamed key is fixed once.
HEADER = ["Area", "Period", "Measure", "Gender", "Value"]
HEADER_AGE = ["Area", "Period", "Measure", "Gender", "Age", "Value"]


def long_mapping(service_id="freeva.male_helpline", dimensions=None):
    m = {
        "delimiter": ",",
        "header": {"row": 1},
        "layout": "long",
        "columns": {
            "area": "Area",
            "period": "Period",
            "measure": "Measure",
            "value": "Value",
        },
    }
    if dimensions is None:
        dimensions = {"gender": "Gender"}
    if dimensions:
        m["columns"]["dimensions"] = dimensions
    if service_id is not None:
        m["fixed"] = {"service_id": service_id}
    return m


def long_feed(name="demo_long", source_id="freeva",
              service_id="freeva.male_helpline", dimensions=None):
    return {"name": name, "source_id": source_id, "plugin": "mapped",
            "options": long_mapping(service_id, dimensions)}


def age_feed(name="demo_age", source_id="freeva", service_id="freeva.male_helpline"):
    """A long-layout feed with two dimensions: rows in HEADER_AGE order."""
    return long_feed(name, source_id, service_id, {"gender": "Gender", "age_band": "Age"})


# Synthetic grids: every row a distinct (period, measure, area, gender[, age])
# key, so no test depends on how duplicates within one file are treated.
AREA_CODES = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133",
              "E07000134", "E07000135", "E10000018", "E06000017", "X_UNKNOWN"]
GENDERS = ["female", "male", "non_binary_or_other", "not_stated", "not_known"]
COUNT_MEASURES = ["referrals_received", "referrals_accepted", "individuals_supported",
                  "children_supported", "cases_opened", "cases_closed",
                  "caseload_open_at_end", "helpline_contacts",
                  "cases_risk_reduced_at_close", "professionals_trained"]
AGE_BANDS = ["0-5", "6-10", "11-15", "16-17", "18-24", "25-34", "35-44", "45-54",
             "55-64", "65-74", "75-84", "85+", "not_known"]


def fy_periods(start_year):
    fy = "FY%d-%02d" % (start_year, (start_year + 1) % 100)
    return ([fy] + ["%s-Q%d" % (fy, q) for q in range(1, 5)] + [fy + "-H1", fy + "-H2"]
            + ["%s-M%02d" % (fy, m) for m in range(1, 13)])


def grid_rows(n, periods, with_age=False, seed=0):
    """n rows, each a distinct key; values depend on seed so files differ.
    At most len(periods) * 500 rows (* 13 with ages)."""
    out = []
    ages = AGE_BANDS if with_age else [None]
    for p in periods:
        for m in COUNT_MEASURES:
            for a in AREA_CODES:
                for g in GENDERS:
                    for age in ages:
                        if len(out) == n:
                            return out
                        v = str((len(out) * 7 + seed * 13) % 1000)
                        out.append([a, p, m, g, v] if age is None else [a, p, m, g, age, v])
    if len(out) < n:
        raise ValueError("grid too small for %d rows" % n)
    return out


def csv_bytes(rows, header=HEADER, eol="\n"):
    """rows: sequences of cells in HEADER order. Quotes only where needed."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=eol)
    if header is not None:
        w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def scaled(seconds):
    return seconds * SCALE


# ---------------------------------------------------------------- log lines

_PRIO = re.compile(r"^<([0-7])>")
_KV = re.compile(r'([A-Za-z_][A-Za-z0-9_.\-]*)=("(?:[^"\\]|\\.)*"|\S*)')


def _unquote(v):
    if v.startswith('"') and v.endswith('"') and len(v) >= 2:
        try:
            return json.loads(v)
        except ValueError:
            return v[1:-1]
    return v


def parse_event(line):
    """'<6>event=file_done feed=x file="a b.csv" observations=3' ->
    {'prio': 6, 'event': 'file_done', 'feed': 'x', 'file': 'a b.csv', ...}
    or None when the line carries no event=."""
    m = _PRIO.match(line)
    prio = int(m.group(1)) if m else None
    rest = line[m.end():] if m else line
    fields = {k: _unquote(v) for k, v in _KV.findall(rest)}
    if "event" not in fields:
        return None
    fields["prio"] = prio
    return fields


def parse_events(text):
    out = []
    for line in text.splitlines():
        ev = parse_event(line)
        if ev is not None:
            out.append(ev)
    return out


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


class HubError(AssertionError):
    pass


def _die_with_parent():
    """Runs in the forked child: a daemon outlives no aborted test run."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- the hub


class Hub:
    """One temporary dahub installation and, at most, one running daemon."""

    def __init__(self, feeds=None, settle_ms=200, rescan_ms=500,
                 shutdown_grace_ms=10000, limits=None, hub_extra=None,
                 label="hub", store_of=None, pg_cluster=None):
        """store_of: another Hub whose PostgreSQL database and board this one
        shares (a standby of the same board), with a spool and state of its
        own. pg_cluster: the superuser's conninfo of a cluster of the test's
        own, where this hub's database is made whatever the run's store."""
        self.root = tempfile.mkdtemp(prefix="dahub-e2e-%s-" % label)
        self.conf_dir = os.path.join(self.root, "conf")
        self.feeds_dir = os.path.join(self.conf_dir, "feeds.d")
        self.spool_dir = os.path.join(self.root, "spool")
        self.state_dir = os.path.join(self.root, "state")
        self.logs_dir = os.path.join(self.root, "logs")
        self.outside_dir = os.path.join(self.root, "outside")
        for d in (self.feeds_dir, self.logs_dir, self.outside_dir):
            os.makedirs(d)
        vocab_src = os.path.join(SOURCE_DIR, "conf", "vocabulary.json")
        if not os.path.isfile(vocab_src):
            shutil.rmtree(self.root, ignore_errors=True)
            raise HubError("no vocabulary at %s (set DAHUB_SOURCE_DIR)" % vocab_src)
        shutil.copyfile(vocab_src, os.path.join(self.conf_dir, "vocabulary.json"))
        self.hub_conf = {
            "spool_dir": "../spool",
            "state_dir": "../state",
            "plugin_dir": os.path.abspath(PLUGIN_DIR),
            "vocabulary": "vocabulary.json",
            "settle_ms": settle_ms,
            "rescan_ms": rescan_ms,
            "shutdown_grace_ms": shutdown_grace_ms,
        }
        if limits is not None:
            self.hub_conf["limits"] = limits
        if hub_extra:
            self.hub_conf.update(hub_extra)
        self.pg = None
        if ON_PG or store_of is not None or pg_cluster is not None:
            try:
                self.pg = pg_e2e.Database(
                    self.conf_dir, of=store_of.pg if store_of is not None else None,
                    superuser=pg_cluster)
            except BaseException:
                shutil.rmtree(self.root, ignore_errors=True)
                raise
            self.hub_conf.setdefault("store", self.pg.store_conf())
        self.settle_s = settle_ms / 1000.0
        self.rescan_s = rescan_ms / 1000.0
        self.write_hub_json(self.hub_conf)
        self.feed_names = []
        for f in (feeds if feeds is not None else [long_feed()]):
            self.write_feed(f)
        self.proc = None
        self.runs = 0
        self.log_path = None
        self._log_files = []

    # ------------------------------------------------------------ config

    @property
    def config(self):
        return os.path.join(self.conf_dir, "hub.json")

    @property
    def store_path(self):
        return os.path.join(self.state_dir, "dahub.sqlite")

    def write_hub_json(self, obj=None, text=None):
        if text is None:
            text = json.dumps(obj, indent=2) + "\n"
        with open(self.config, "w") as f:
            f.write(text)

    def write_feed(self, feed=None, file_name=None, text=None):
        if file_name is None:
            file_name = feed["name"] + ".json"
        if text is None:
            text = json.dumps(feed, indent=2) + "\n"
            if feed.get("name") and feed["name"] not in self.feed_names:
                self.feed_names.append(feed["name"])
        path = os.path.join(self.feeds_dir, file_name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # ------------------------------------------------------------ paths

    def dir(self, feed, sub):
        return os.path.join(self.spool_dir, feed, sub)

    def path(self, feed, sub, name):
        return os.path.join(self.spool_dir, feed, sub, name)

    def listdir(self, feed, sub):
        try:
            return sorted(os.listdir(self.dir(feed, sub)))
        except FileNotFoundError:
            return []

    def data_files(self, feed, sub):
        """Names in done/ or failed/ less the .error.json, .error.txt,
        .duplicate.json and .warnings.json notes."""
        return [n for n in self.listdir(feed, sub)
                if not n.endswith((".error.json", ".error.txt", ".duplicate.json",
                                   ".warnings.json"))]

    def spool_state(self):
        lines = []
        for feed in sorted(os.listdir(self.spool_dir)) if os.path.isdir(self.spool_dir) else []:
            for sub in ("incoming", "work", "done", "failed"):
                lines.append("  %s/%s: %s" % (feed, sub, self.listdir(feed, sub)))
        return "\n".join(lines)

    # ------------------------------------------------------------ the log

    def log_text(self, all_runs=False):
        paths = self._log_files if all_runs else self._log_files[-1:]
        out = []
        for p in paths:
            try:
                with open(p, "r", errors="replace") as f:
                    out.append(f.read())
            except FileNotFoundError:
                pass
        return "".join(out)

    def events(self, event=None, all_runs=True, **match):
        evs = parse_events(self.log_text(all_runs=all_runs))
        if event is not None:
            evs = [e for e in evs if e.get("event") == event]
        for k, v in match.items():
            evs = [e for e in evs if e.get(k) == v]
        return evs

    def log_tail(self, n=40):
        text = self.log_text(all_runs=True)
        lines = text.splitlines()
        tail = "\n".join(lines[-n:])
        return ("--- daemon log (last %d of %d lines, run %d, %s) ---\n%s\n"
                "--- spool ---\n%s" % (min(n, len(lines)), len(lines), self.runs,
                                        self.root, tail, self.spool_state()))

    def fail(self, msg):
        raise HubError("%s\n%s" % (msg, self.log_tail()))

    def sanitizer_reports(self):
        text = self.log_text(all_runs=True)
        return [l for l in text.splitlines() if any(m in l for m in SANITIZER_MARKERS)]

    # ------------------------------------------------------------ the daemon

    def base_args(self, *extra):
        return ["--config", self.config, "--plugin-dir", os.path.abspath(PLUGIN_DIR)] + list(extra)

    def start(self, wait_ready=True, extra_args=(), ready_timeout=READY_TIMEOUT,
              env=None):
        """Starts `dahub serve`; waits for event=ready unless told not to.
        Give a longer ready_timeout when work/ holds a large file: it is
        ingested before event=ready. env: variables added to the daemon's
        environment (the test hooks')."""
        if self.proc is not None and self.proc.poll() is None:
            raise HubError("daemon already running")
        if not os.access(BIN, os.X_OK):
            raise HubError("no daemon binary at %s (set DAHUB_BIN)" % BIN)
        self.runs += 1
        self.log_path = os.path.join(self.logs_dir, "serve-%d.log" % self.runs)
        self._log_files.append(self.log_path)
        self._err = open(self.log_path, "wb")
        self._out = open(os.path.join(self.logs_dir, "serve-%d.stdout" % self.runs), "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve"] + self.base_args(*extra_args),
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err,
            cwd=self.root, preexec_fn=_die_with_parent,
            env=dict(os.environ, **env) if env else None)
        if wait_ready:
            self.wait_ready(ready_timeout)
        return self.proc

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + scaled(timeout)
        while True:
            if "event=ready" in self.log_text():
                return
            rc = self.proc.poll()
            if rc is not None:
                self._close_files()
                self.fail("daemon exited with %s before event=ready" % rc)
            if time.monotonic() > deadline:
                self.fail("no event=ready within %.1fs" % scaled(timeout))
            time.sleep(POLL_S)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _close_files(self):
        for f in (getattr(self, "_err", None), getattr(self, "_out", None)):
            if f is not None and not f.closed:
                f.close()

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT, expect_rc=0):
        """Sends sig and waits; asserts the exit code (0 by default)."""
        if self.proc is None or self.proc.poll() is not None:
            rc = None if self.proc is None else self.proc.returncode
            self._close_files()
            self.fail("daemon not running when asked to stop (exit code %s)" % rc)
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._close_files()
            self.fail("daemon still running %.1fs after %s" % (scaled(timeout), sig.name))
        self._close_files()
        self.last_stop_seconds = time.monotonic() - t0
        if expect_rc is not None and rc != expect_rc:
            self.fail("daemon exited with %s after %s, expected %s" % (rc, sig.name, expect_rc))
        return rc

    def kill(self):
        """SIGKILL: no chance to clean up, as in a crash or an OOM kill."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    def cli(self, *args, timeout=CLI_TIMEOUT, plugin_dir=True):
        """Runs `dahub <args>`; returns CompletedProcess with text output."""
        if not os.access(BIN, os.X_OK):
            raise HubError("no daemon binary at %s (set DAHUB_BIN)" % BIN)
        argv = [BIN] + list(args)
        if plugin_dir:
            argv += ["--plugin-dir", os.path.abspath(PLUGIN_DIR)]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=scaled(timeout),
                              cwd=self.root)

    # ------------------------------------------------------------ waiting

    def wait_for(self, predicate, timeout=FILE_TIMEOUT, what="condition",
                 need_running=True):
        """Polls predicate every 20 ms; returns its first truthy value."""
        deadline = time.monotonic() + scaled(timeout)
        while True:
            v = predicate()
            if v:
                return v
            if need_running and self.proc is not None and self.proc.poll() is not None:
                self._close_files()
                self.fail("daemon exited with %s while waiting for %s"
                          % (self.proc.returncode, what))
            if time.monotonic() > deadline:
                self.fail("timed out after %.1fs waiting for %s" % (scaled(timeout), what))
            time.sleep(POLL_S)

    def wait_file(self, feed, sub, name, timeout=FILE_TIMEOUT):
        p = self.path(feed, sub, name)
        self.wait_for(lambda: os.path.exists(p), timeout, "%s/%s/%s" % (feed, sub, name))
        return p

    def wait_outcome(self, feed, name, timeout=FILE_TIMEOUT):
        """Waits until `name` has left incoming/ and work/ and sits in done/ or
        failed/; returns "done" or "failed"."""
        def where():
            for sub in ("done", "failed"):
                if os.path.exists(self.path(feed, sub, name)) and not any(
                        os.path.lexists(self.path(feed, s, name)) for s in ("incoming", "work")):
                    return sub
            return None
        return self.wait_for(where, timeout, "%s/%s in done/ or failed/" % (feed, name))

    def wait_done(self, feed, name, timeout=FILE_TIMEOUT):
        sub = self.wait_outcome(feed, name, timeout)
        if sub != "done":
            self.fail("%s/%s went to %s/, expected done/; error report:\n%s"
                      % (feed, name, sub, self.read_text(feed, "failed", name + ".error.json")))
        return self.path(feed, "done", name)

    def wait_failed(self, feed, name, timeout=FILE_TIMEOUT):
        sub = self.wait_outcome(feed, name, timeout)
        if sub != "failed":
            self.fail("%s/%s went to %s/, expected failed/" % (feed, name, sub))
        report = self.wait_file(feed, "failed", name + ".error.json", timeout)
        return self.wait_for(lambda: self._load_json(report), timeout,
                             "a whole JSON document in %s" % report)

    def wait_spool_empty(self, feed, timeout=FILE_TIMEOUT, subs=("incoming", "work")):
        self.wait_for(lambda: not any(self.listdir(feed, s) for s in subs), timeout,
                      "%s empty for feed %s" % ("/ and ".join(subs), feed))

    @staticmethod
    def _load_json(path):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def read_text(self, feed, sub, name):
        try:
            with open(self.path(feed, sub, name), errors="replace") as f:
                return f.read()
        except OSError as e:
            return "(%s)" % e

    def read_json(self, feed, sub, name):
        with open(self.path(feed, sub, name)) as f:
            return json.load(f)

    # ------------------------------------------------------------ dropping files

    def drop(self, feed, name, data):
        """Drops a file the way an SFTP client with atomic upload does: write
        <name>.part in incoming/, fsync, rename. Returns its SHA-256."""
        incoming = self.dir(feed, "incoming")
        if not os.path.isdir(incoming):
            self.fail("no %s (the daemon creates it at start)" % incoming)
        part = os.path.join(incoming, name + ".part")
        with open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(part, os.path.join(incoming, name))
        return sha256(data)

    @staticmethod
    def write_slowly(path, data, chunks, pause_s):
        """Writes data to path in `chunks` pieces with pause_s between them,
        cutting mid-line so a file claimed too early is visibly truncated."""
        step = max(1, -(-len(data) // chunks))
        with open(path, "wb") as f:
            for i in range(0, len(data), step):
                if i:
                    time.sleep(pause_s)
                f.write(data[i:i + step])
                f.flush()

    # ------------------------------------------------------------ the store

    @contextlib.contextmanager
    def db(self):
        """A read-only connection to the store, closed on exit: sqlite3's,
        or one that asks PostgreSQL's through psql (pg_e2e.Connection)."""
        if self.pg is not None:
            yield pg_e2e.Connection(self.pg)
            return
        if not os.path.exists(self.store_path):
            self.fail("no store at %s" % self.store_path)
        con = sqlite3.connect("file:%s?mode=ro" % self.store_path, uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            yield con
        finally:
            con.close()

    def store_text(self):
        """The store's content as text (the SQLite file's bytes, or
        PostgreSQL's data dumped), to look for what must not be in it."""
        if self.pg is not None:
            return self.pg.dump()
        if not os.path.exists(self.store_path):
            return ""
        with open(self.store_path, "rb") as f:
            return f.read().decode("latin-1")

    def query(self, sql, params=()):
        with self.db() as con:
            return [dict(r) for r in con.execute(sql, params).fetchall()]

    def scalar(self, sql, params=()):
        with self.db() as con:
            return con.execute(sql, params).fetchone()[0]

    # ------------------------------------------------------------ cleanup

    def cleanup(self):
        self.kill()
        if self.pg is not None and not KEEP:
            self.pg.drop()
        if KEEP:
            sys.stderr.write("kept %s\n" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


class HubTestCase(unittest.TestCase):
    """Gives each test its own hubs, killed and removed afterwards; fails a
    test whose daemon printed a sanitizer report."""

    maxDiff = None

    def make_hub(self, **kw):
        kw.setdefault("label", self._testMethodName[:40])
        hub = Hub(**kw)
        self.addCleanup(self._finish_hub, hub)
        return hub

    def _finish_hub(self, hub):
        try:
            reports = hub.sanitizer_reports()
            if reports:
                raise HubError("sanitizer report in the daemon log:\n%s\n%s"
                               % ("\n".join(reports[:20]), hub.log_tail(80)))
        finally:
            hub.cleanup()

    def assertEvent(self, hub, event, timeout=FILE_TIMEOUT, **match):
        """Waits for a log line with event=<event> and the given fields (the
        daemon may log just after it moves the file)."""
        return hub.wait_for(lambda: hub.events(event, **match), timeout,
                            "a log line with event=%s %s" % (event, match))
