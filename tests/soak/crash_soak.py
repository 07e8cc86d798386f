#!/usr/bin/env python3
"""Crash soak: kill -9 the real daemon at random moments, restart, repeat.

Each round drops a few new partner files (distinct contents, some large
enough that a kill lands mid-parse or mid-commit), starts `dahub serve`,
waits a random 0..400 ms (claim, parse, commit, the move to done/ all happen
in that window) and kills it with SIGKILL. After every kill no file may be
lost: each dropped content is still in exactly one of incoming/, work/,
done/ or failed/. At the end one clean run drains the spool and the store
must hold exactly what one clean run produces: every file stored once, the
expected number of observations, no duplicate hashes, nothing in failed/.

Then a delivery phase: summaries are recorded (`dahub report`) for the
board, delivered by HTTPS POST to a real server on 127.0.0.1 that answers
slowly, while the daemon is killed again at random moments (many kills land
mid-attempt). At the end every delivery of every version is sent, and the
server saw exactly the outbox's keys: none lost, none invented.

    tests/soak/crash_soak.py --kills 200      # the full run the README records
    tests/soak/crash_soak.py --kills 25       # what the test suite runs

Synthetic data only. Uses the e2e harness (tests/e2e/dahub_e2e.py).
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
import dahub_e2e as e2e  # noqa: E402
from servers.https import HTTPSServer  # noqa: E402

FEED = "demo_long"
SUBS = ("incoming", "work", "done", "failed")


def contents_in_spool(hub):
    """sha256 -> number of copies across the feed's four folders."""
    seen = {}
    for sub in SUBS:
        d = hub.dir(FEED, sub)
        for name in os.listdir(d):
            if name.startswith(".") or name.endswith(".json") and sub != "incoming":
                continue  # sidecars (error/duplicate reports), temp files
            with open(os.path.join(d, name), "rb") as f:
                h = e2e.sha256(f.read())
            seen[h] = seen.get(h, 0) + 1
    return seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=25)
    ap.add_argument("--files-per-round", type=int, default=2)
    ap.add_argument("--delivery-kills", type=int, default=15)
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("DAHUB_E2E_SEED", "20241127")))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    periods = e2e.fy_periods(2024)
    hub = e2e.Hub(settle_ms=20, rescan_ms=100, label="soak")
    dropped = {}  # sha -> observation count
    t0 = time.monotonic()
    try:
        hub.start()  # creates the spool folders
        hub.stop()
        for k in range(args.kills):
            for j in range(args.files_per_round):
                n = rng.choice((40, 400, 3000))
                rows = e2e.grid_rows(n, periods, seed=len(dropped) + 1)
                data = e2e.csv_bytes(rows)
                name = "round%03d-%d.csv" % (k, j)
                dropped[hub.drop(FEED, name, data)] = n
            hub.start(wait_ready=False)
            time.sleep(rng.uniform(0, 0.4) * e2e.SCALE)
            hub.kill()
            seen = contents_in_spool(hub)
            lost = [h for h in dropped if seen.get(h, 0) == 0]
            doubled = [h for h, c in seen.items() if c > 1]
            if lost or doubled:
                hub.fail("after kill %d: %d files lost, %d in two places"
                         % (k + 1, len(lost), len(doubled)))
        hub.start()
        hub.wait_spool_empty(FEED, timeout=120)
        hub.stop()
        with hub.db() as con:
            ingests = con.execute("SELECT count(*) FROM ingests"
                                  " WHERE sha256 IS NOT NULL").fetchone()[0]
            dup = con.execute("SELECT count(*) FROM (SELECT sha256 FROM ingests"
                              " WHERE sha256 IS NOT NULL GROUP BY feed, sha256"
                              " HAVING count(*) > 1)").fetchone()[0]
            hashes = {r[0] for r in con.execute(
                "SELECT sha256 FROM ingests WHERE sha256 IS NOT NULL")}
            obs = con.execute("SELECT count(*) FROM observations_v o JOIN ingests i"
                              " ON i.ingest_id = o.ingest_id"
                              " WHERE i.sha256 IS NOT NULL").fetchone()[0]
        failed = hub.data_files(FEED, "failed")
        want_obs = sum(dropped.values())
        problems = []
        if ingests != len(dropped):
            problems.append("%d ingests, expected %d" % (ingests, len(dropped)))
        if hashes != set(dropped):
            problems.append("stored hashes differ from dropped files")
        if dup:
            problems.append("%d hashes stored twice" % dup)
        if obs != want_obs:
            problems.append("%d observations, expected %d" % (obs, want_obs))
        if failed:
            problems.append("files in failed/: %s" % failed)
        seen = contents_in_spool(hub)
        if set(seen) != set(dropped) or any(c != 1 for c in seen.values()):
            problems.append("done/ does not hold each file exactly once")
        if problems:
            hub.fail("; ".join(problems))
        sent = delivery_phase(hub, rng, args.delivery_kills)
        print("crash soak: %d kills, %d files, %d observations, all stored once,"
              " nothing lost; %d more kills while delivering, %d deliveries all"
              " sent (%.0f s, seed %d)"
              % (args.kills, len(dropped), obs, args.delivery_kills, sent,
                 time.monotonic() - t0, args.seed))
        print("1 passed, 0 failed")
    finally:
        hub.cleanup()


PERIODS = ("FY2024-25-Q1", "FY2024-25-Q2", "FY2024-25-H1", "FY2024-25-Q3",
           "FY2024-25-Q4", "FY2024-25-H2", "FY2024-25")


def delivery_phase(hub, rng, kills):
    """Records summaries and kills the daemon while it delivers them; returns
    how many deliveries were sent."""
    with HTTPSServer(authorization="Bearer synthetic-soak-token") as web:
        web.set_default("/board", {"status": 201, "delay": 0.15})
        token = os.path.join(hub.conf_dir, "board-token")
        with open(token, "w") as f:
            f.write("Bearer synthetic-soak-token\n")
        os.chmod(token, 0o600)
        hub.hub_conf["summary"] = {"outbox_dir": "../outbox", "sinks": ["json", "csv"],
                                   "meetings": []}
        hub.hub_conf["deliveries"] = [{
            "name": "board", "kind": "https", "url": web.url + "/board",
            "payloads": ["json", "csv"], "auth_file": "board-token",
            "ca_file": web.ca_file, "timeout": "5s"}]
        hub.write_hub_json(hub.hub_conf)
        periods = list(PERIODS)
        mid_attempt = 0
        for k in range(kills):
            if periods and (k % 2 == 0):
                r = hub.cli("report", "--config", hub.config, "--period", periods.pop(0))
                if r.returncode != 0:
                    hub.fail("dahub report: %s" % r.stderr)
            hub.start(wait_ready=False)
            time.sleep(rng.uniform(0.05, 0.6) * e2e.SCALE)
            hub.kill()
            if os.path.exists(hub.store_path):
                with hub.db() as con:
                    mid_attempt += con.execute("SELECT count(*) FROM outbox"
                                               " WHERE state = 'sending'").fetchone()[0] > 0
        for p in periods:
            r = hub.cli("report", "--config", hub.config, "--period", p)
            if r.returncode != 0:
                hub.fail("dahub report: %s" % r.stderr)
        hub.start()

        def rows():
            with hub.db() as con:
                return [tuple(r) for r in con.execute(
                    "SELECT key, state FROM outbox ORDER BY outbox_id")]
        hub.wait_for(lambda: all(st == "sent" for _, st in rows()), 120,
                     "every delivery sent: %s" % rows())
        hub.stop()
        keys = {k for k, _ in rows()}
        seen = set(web.idempotency_counts())
        if len(keys) != 2 * len(PERIODS):
            hub.fail("%d deliveries recorded, expected %d" % (len(keys), 2 * len(PERIODS)))
        if seen != keys:
            hub.fail("the server saw %d keys, the outbox holds %d (missing %s, unknown %s)"
                     % (len(seen), len(keys), keys - seen, seen - keys))
        if any(c["processed"] < 1 for c in web.idempotency_counts().values()):
            hub.fail("a key was never answered 2xx")
        print("delivery phase: %d of %d kills left a delivery mid-attempt"
              % (mid_attempt, kills))
        return len(keys)


if __name__ == "__main__":
    main()
