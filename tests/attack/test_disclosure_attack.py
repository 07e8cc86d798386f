"""Property test of disclosure control: thousands of random tables through
the module (tests/unit/disclosure_driver), each attacked by an independent
reader (attacker.py) with linear programmes of its own.

Asserted, for every table the module publishes: no hidden cell worked out
exactly; no primary cell proven below its threshold or narrowed below its
protection; every interval the module reports lies inside the reader's;
no secondary cell that could be shown with the reader still held off
(checked on a sample); few tables hidden whole. The reader here is the one
the module answers to: every line the module was given, as an equation
where it holds and as "at most" or "at least" where it misses; counts
whole and never negative; cells published before in the states they were
published in.

Measured and printed, not asserted: what a reader learns from more than
that (see docs/disclosure.md, "What the audit does not model"): a
partner's "<5" (a count between 0 and 4) inside a line that holds with
it.

Usage: test_disclosure_attack.py DRIVER [TABLES]. Fixed seed; about 30 s,
most of it in the reader's programmes.
"""

import json
import math
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attacker  # noqa: E402
import tables  # noqa: E402

SEED = 20261207
HIDDEN = ("primary", "secondary")


def drive(driver, batch):
    """One driver run over a batch of tables: their answers, in order."""
    text = "".join(t.engine_json() + "\n" for t in batch)
    timeout = 120 * float(os.environ.get("DAHUB_E2E_TIMEOUT_SCALE", "1"))
    p = subprocess.run([driver], input=text, capture_output=True, text=True,
                       timeout=timeout, check=False)
    if p.returncode != 0:
        raise SystemExit(f"driver exited {p.returncode}: {p.stderr}")
    answers = [json.loads(x) for x in p.stdout.splitlines()]
    if len(answers) != len(batch):
        raise SystemExit(f"driver answered {len(answers)} of {len(batch)}")
    return answers


def miss(t, members, total):
    """0 when the members add up to the total, -1 when to less, 1 more."""
    s = sum(t.cells[m]["value"] for m in members)
    v = t.cells[total]["value"]
    return 0 if s == v else (-1 if s < v else 1)


def module_reader(t, states, show=()):
    """The reader the module answers to: the lines it was given, as
    equations where they hold and as inequalities where they miss."""
    shown = {c: t.cells[c]["value"] for c, s in enumerate(states)
             if s == "shown" or c in show}
    hidden = [c for c, s in enumerate(states) if s in HIDDEN and c not in show]
    lines = [(m, tot, miss(t, m, tot)) for m, tot in t.engine_lines()]
    return attacker.Reader(
        shown, hidden, equations=[(m, x) for m, x, k in lines if k == 0],
        at_most=[(m, x) for m, x, k in lines if k < 0],
        at_least=[(m, x) for m, x, k in lines if k > 0])


def wider_reader(t, states):
    """A reader who also puts each partner's "<5" (0 to 4) back into the
    lines it belongs to."""
    shown = {c: t.cells[c]["value"] for c, s in enumerate(states)
             if s == "shown"}
    hidden = [c for c, s in enumerate(states) if s in HIDDEN]
    bounded = {c: t.cells[c]["bound"] for c, s in enumerate(states)
               if s == "source"}
    eqs = [(m, tot) for m, tot, k in t.lines if k == "sum"]
    le = [(m, tot) for m, tot, k in t.lines if k == "partial"]
    ge = [(m, tot) for m, tot, k in t.lines if k == "over"]
    return attacker.Reader(shown, hidden, bounded, eqs, le, ge)


def needs_wider(t):
    return any(t.cells[m]["source"] for ms, _, _ in t.lines for m in ms)


def judge(t, states):
    primary = {c for c, s in enumerate(states) if s == "primary"}
    thr = [c["threshold"] for c in t.cells]
    prot = [t.protection(c) for c in range(len(t.cells))]
    return primary, thr, prot


class Tally:
    def __init__(self):
        self.tables = self.cells = self.hidden = self.refused = 0
        self.secondary = self.sampled = self.unneeded = self.all_hidden = 0
        self.wider_tables = self.wider_breaches = self.wider_leaky = 0
        self.lps = 0
        self.failures = []
        self.example = None


def check(t, ans, tally, sample):
    states = ans["states"]
    n = len(t.cells)
    tally.tables += 1
    tally.cells += n
    tally.hidden += sum(s in HIDDEN for s in states)
    primary, thr, prot = judge(t, states)

    # the module's own rules, seen from outside
    for c, cell in enumerate(t.cells):
        s = states[c]
        if cell["source"]:
            ok = s == "source"
        elif cell["fixed"] is not None:
            ok = s == {"shown": "shown", "hidden_primary": "primary",
                       "hidden_secondary": "secondary"}[cell["fixed"]]
        elif cell["value"] < cell["threshold"] and (
                cell["value"] != 0 or t.suppress_zeros):
            ok = s in ("primary", "shown")  # shown only when determined
        else:
            ok = s in ("shown", "secondary")
        if not ok:
            tally.failures.append(f"cell {c} {cell} published {s}")

    values = [c["value"] for c in t.cells]
    reader = module_reader(t, states)
    iv = reader.intervals(values=values, primary=primary)
    tally.lps += reader.lps
    for c, why in attacker.breaches(iv, primary, thr, prot):
        tally.failures.append(
            f"cell {c} ({states[c]}) {why}: reader {iv[c]}, "
            f"value {t.cells[c]['value']}, threshold {thr[c]}, "
            f"protection {prot[c]}; table {t.engine_json()}")
    for c, b in enumerate(ans["bounds"]):
        if b is None:
            continue
        lo, hi = b[0], math.inf if b[1] is None else b[1]
        rlo, rhi = iv[c]
        if rlo is not None and not (rlo <= lo and hi <= rhi):
            tally.failures.append(
                f"cell {c}: module reports [{lo}, {hi}], reader "
                f"[{rlo}, {rhi}]; table {t.engine_json()}")

    # hidden whole, secondaries and all
    free = [c for c in range(n) if not t.cells[c]["source"]
            and t.cells[c]["fixed"] is None]
    if free and all(states[c] in HIDDEN for c in free) and \
            any(states[c] == "secondary" for c in free):
        tally.all_hidden += 1

    # every secondary needed: showing any one lets the reader in
    secondaries = [c for c in range(n) if states[c] == "secondary"
                   and t.cells[c]["fixed"] is None]
    tally.secondary += len(secondaries)
    if sample:
        for c in secondaries:
            tally.sampled += 1
            r = module_reader(t, states, show={c})
            if not attacker.breaches(r.intervals(values=values,
                                                 primary=primary),
                                     primary, thr, prot):
                tally.unneeded += 1
            tally.lps += r.lps

    if needs_wider(t):
        r = wider_reader(t, states)
        found = attacker.breaches(r.intervals(values=values, primary=primary),
                                  primary, thr, prot)
        tally.lps += r.lps
        tally.wider_tables += 1
        tally.wider_breaches += len(found)
        tally.wider_leaky += bool(found)
        if found and tally.example is None and len(t.cells) <= 12:
            tally.example = (t.engine_json(), states, found)


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: test_disclosure_attack.py DRIVER [TABLES]")
    driver = sys.argv[1]
    n_tables = int(sys.argv[2]) if len(sys.argv) > 2 else 1800
    n_periods = n_tables // 8
    rng = random.Random(SEED)
    start = time.monotonic()
    tally = Tally()

    # bad input answers with a code, and the driver carries on
    p = subprocess.run([driver], input='garbage\n{"cells": [{"value": 1, '
                       '"threshold": 5, "source": true}, {"value": 1, '
                       '"threshold": 5}], "lines": [{"members": [0], '
                       '"total": 1}]}\n', capture_output=True, text=True,
                       check=True)
    assert [x.split(",")[0] for x in p.stdout.splitlines()] == \
        ['{"rc":-22'] * 2, p.stdout

    batches = 4
    per = n_tables // batches
    drive_s = 0.0
    for b in range(batches):
        batch = [tables.table(rng) for _ in range(per)]
        if b == 0:  # overlapping periods: the earlier one first
            pairs = [tables.periods(rng) for _ in range(n_periods)]
            pairs = [(a, f) for a, f in pairs if f is not None]
            t0 = time.monotonic()
            first = drive(driver, [a for a, _ in pairs])
            drive_s += time.monotonic() - t0
            for (a, full), ans in zip(pairs, first):
                assert ans["rc"] == 0, ans
                for c, s in enumerate(ans["states"]):
                    full.cells[c]["fixed"] = {
                        "shown": "shown", "primary": "hidden_primary",
                        "secondary": "hidden_secondary"}[s]
                batch += [full]
        t0 = time.monotonic()
        answers = drive(driver, batch)
        drive_s += time.monotonic() - t0
        for i, (t, ans) in enumerate(zip(batch, answers)):
            if ans["rc"] == -33:  # -EDOM: refused, nothing published
                tally.refused += 1
                if not any(c["fixed"] for c in t.cells):
                    tally.failures.append(f"refused: {t.engine_json()}")
                continue
            if ans["rc"] != 0:
                tally.failures.append(f"rc {ans['rc']}: {t.engine_json()}")
                continue
            check(t, ans, tally, sample=i % 8 == 0)

    took = time.monotonic() - start
    print(f"tables {tally.tables} (refused {tally.refused}), cells "
          f"{tally.cells}, hidden {tally.hidden} "
          f"({100.0 * tally.hidden / max(tally.cells, 1):.1f}%), reader's "
          f"programmes {tally.lps}; module {drive_s:.1f} s, all {took:.1f} s")
    print(f"secondary cells {tally.secondary}; sampled {tally.sampled}, of "
          f"which could be shown: {tally.unneeded}; tables hidden whole "
          f"with a secondary: {tally.all_hidden}")
    print(f"wider reader (a partner's <5 back in its lines): "
          f"{tally.wider_tables} tables with one, {tally.wider_breaches} "
          f"cells learnt in {tally.wider_leaky} of them")
    if tally.example is not None:
        print("for example:", tally.example)
    for f in tally.failures[:10]:
        print("FAIL", f)
    assert not tally.failures, f"{len(tally.failures)} failures"
    assert tally.tables >= n_tables * 0.95
    assert tally.refused <= n_tables // 50
    assert tally.hidden > tally.tables  # the tables need hiding: can fail
    assert tally.sampled >= 100
    assert tally.unneeded <= tally.sampled // 50, "too many cells hidden"
    assert tally.all_hidden <= tally.tables // 50, "tables hidden whole"


if __name__ == "__main__":
    main()
