"""Random tables shaped like the hub's publications, for the attacker.

A table is cells and lines as the truth has them. Each cell: its true
value, threshold, protection, whether the partner suppressed it at source
("<5": the value is known to the test only), whether it is the headline,
and, for a cell published before, the state it was published in. Each
line: members, total, and what the truth makes of it: "sum" (the members
add up to the total), "partial" (some members unrecorded: they add up to
less) or "over" (a member counted twice: more).

engine_json() is what the summary gives the disclosure module: a
partner's "<5" is in no sum, so each line loses its suppressed members
(and then usually no longer adds up); a line left with no member goes.
"""

import itertools
import json
import random


class Table:
    def __init__(self, rng, suppress_zeros):
        self.rng = rng
        self.suppress_zeros = suppress_zeros
        self.cells = []
        self.lines = []  # (members, total, kind)

    def cell(self, value, threshold, protection=0, source=False, bound=4,
             headline=False, fixed=None):
        self.cells.append(dict(value=value, threshold=threshold,
                               protection=protection, source=source,
                               bound=bound, headline=headline, fixed=fixed))
        return len(self.cells) - 1

    def line(self, members, total):
        s = sum(self.cells[m]["value"] for m in members)
        t = self.cells[total]["value"]
        kind = "sum" if s == t else ("partial" if s < t else "over")
        self.lines.append((list(members), total, kind))

    def protection(self, c):
        cell = self.cells[c]
        p = cell["protection"] or cell["threshold"]
        return p if p > 0 else 1

    def engine_lines(self):
        out = []
        for members, total, _ in self.lines:
            if self.cells[total]["source"]:
                continue
            kept = [m for m in members if not self.cells[m]["source"]]
            if kept:
                out.append((kept, total))
        return out

    def engine_json(self):
        cells = [{k: c[k] for k in ("value", "threshold", "protection",
                                    "source", "headline", "fixed")}
                 for c in self.cells]
        return json.dumps({
            "suppress_zeros": self.suppress_zeros, "cells": cells,
            "lines": [{"members": m, "total": t}
                      for m, t in self.engine_lines()]})


def count(rng):
    """Counts as partners send them: many small, some zeros, a few large."""
    r = rng.random()
    if r < 0.1:
        return 0
    if r < 0.35:
        return rng.randint(1, 9)
    if r < 0.85:
        return rng.randint(5, 60)
    return rng.randint(60, 400)


class Gen:
    """Draws thresholds and leaf cells for one table."""

    def __init__(self, rng, t):
        self.rng = rng
        self.t = t
        self.base = rng.choice([3, 5, 5, 5, 10])
        self.protect = rng.random() < 0.2  # a protection wider than it
        self.sources = rng.random() < 0.3  # the partner suppresses "<5"

    def threshold(self, small_area=False):
        if small_area:
            return 10  # Rutland's
        if self.rng.random() < 0.1:
            return self.rng.choice([3, 5, 10])
        return self.base

    def leaf(self, value=None, small_area=False):
        rng = self.rng
        v = count(rng) if value is None else value
        thr = self.threshold(small_area)
        prot = rng.randint(thr, 2 * thr) if self.protect else 0
        if self.sources and v < 5 and rng.random() < 0.3:
            return self.t.cell(v, thr, prot, source=True, bound=4)
        return self.t.cell(v, thr, prot)

    def total(self, value, headline=False, small_area=False):
        thr = self.threshold(small_area)
        prot = self.rng.randint(thr, 2 * thr) if self.protect else 0
        return self.t.cell(value, thr, prot, headline=headline)


def value_of(t, cs):
    return sum(t.cells[c]["value"] for c in cs)


def hierarchy(g):
    """Districts to counties; counties and unitaries to the partnership.
    Some counties report figures of their own (the line then misses);
    each area may have a breakdown whose members do not all add up."""
    rng, t = g.rng, g.t
    areas = []
    for _ in range(rng.randint(1, 2)):
        districts = [g.leaf() for _ in range(rng.randint(2, 5))]
        direct = rng.randint(1, 6) if rng.random() < 0.15 else 0
        county = g.total(value_of(t, districts) + direct)
        t.line(districts, county)
        areas.append(county)
    for _ in range(rng.randint(0, 2)):
        areas.append(g.leaf(small_area=rng.random() < 0.5))
    if len(areas) < 2:
        areas.append(g.leaf(small_area=True))
    part = g.total(value_of(t, areas), headline=True)
    t.line(areas, part)
    for a in list(areas):
        if rng.random() < 0.25 and not t.cells[a]["source"]:
            breakdown(g, a)


def breakdown(g, total):
    """A figure split by a dimension: members add up, or (unrecorded
    values, a victim counted under two) miss."""
    rng, t = g.rng, g.t
    v = t.cells[total]["value"]
    k = rng.randint(2, 4)
    cuts = sorted(rng.randint(0, v) for _ in range(k - 1))
    parts = [b - a for a, b in zip([0] + cuts, cuts + [v])]
    r = rng.random()
    if r < 0.2 and parts[-1] > 0:
        parts[-1] -= rng.randint(1, parts[-1])  # unrecorded
    elif r < 0.3:
        parts[0] += rng.randint(1, 3)  # counted twice
    members = [g.leaf(value=p) for p in parts]
    t.line(members, total)


def grid(g, dims):
    """A table of len(dims) dimensions with every margin: each cell is in
    one line per dimension, totals in the lines of totals."""
    rng, t = g.rng, g.t
    shape = [d + 1 for d in dims]
    values = {}
    for idx in itertools.product(*[range(d) for d in dims]):
        values[idx] = count(rng)
    full = {}
    for idx in itertools.product(*[range(s) for s in shape]):
        inner = [range(dims[k]) if idx[k] == dims[k] else [idx[k]]
                 for k in range(len(dims))]
        full[idx] = sum(values[j] for j in itertools.product(*inner))
    ids = {}
    top = tuple(dims)
    for idx in itertools.product(*[range(s) for s in shape]):
        if all(idx[k] < dims[k] for k in range(len(dims))):
            ids[idx] = g.leaf(value=full[idx],
                              small_area=idx[0] == 0 and rng.random() < 0.3)
        else:
            ids[idx] = g.total(full[idx], headline=idx == top)
    for k in range(len(dims)):
        for idx in itertools.product(*[range(s) for s in shape]):
            if idx[k] != dims[k]:
                continue
            members = [ids[idx[:k] + (i,) + idx[k + 1:]]
                       for i in range(dims[k])]
            t.line(members, ids[idx])


def row(g):
    rng, t = g.rng, g.t
    members = [g.leaf() for _ in range(rng.randint(2, 6))]
    extra = rng.randint(1, 5) if rng.random() < 0.2 else 0
    t.line(members, g.total(value_of(t, members) + extra))


def table(rng):
    """One random table: one to three blocks, each a hierarchy, a row, a
    two-way or a three-way table."""
    t = Table(rng, suppress_zeros=rng.random() < 0.7)
    g = Gen(rng, t)
    for _ in range(rng.choice([1, 1, 1, 2])):
        r = rng.random()
        if r < 0.35:
            hierarchy(g)
        elif r < 0.5:
            row(g)
        elif r < 0.85:
            grid(g, [rng.randint(2, 4), rng.randint(2, 4)])
        else:
            grid(g, [rng.randint(2, 3), rng.randint(2, 3), 2])
    return t


def periods(rng):
    """Overlapping periods: one table for the quarter published before
    (period a), one for this quarter (b), one for the half year (a + b),
    cell by cell. Returns (a, full): a alone, to be applied first; full,
    whose first len(a.cells) cells are a's, to be marked fixed in the
    states a was published in."""
    shape = rng.random()
    dims = [rng.randint(2, 4), rng.randint(2, 4)] if shape < 0.6 else None
    seed = rng.random()

    def build(t, g):
        # the same structure drawn twice with the same seed, other counts
        if dims is not None:
            grid(g, dims)
        else:
            r2 = random.Random(seed)
            members = [g.leaf() for _ in range(r2.randint(2, 5))]
            t.line(members, g.total(value_of(t, members)))

    zeros = rng.random() < 0.7
    a = Table(rng, zeros)
    ga = Gen(rng, a)
    ga.sources = False  # every cell of a has its half-year partner
    build(a, ga)
    full = Table(rng, zeros)
    for c in a.cells:
        full.cells.append(dict(c))
    full.lines = [(list(m), tt, k) for m, tt, k in a.lines]
    n = len(a.cells)
    gb = Gen(rng, full)
    gb.sources = False
    build(full, gb)
    if len(full.cells) != 2 * n:  # a row drew another length: no pairing
        return a, None
    for i in range(n):  # half year = a + b, same threshold as b's
        cb = full.cells[n + i]
        h = full.cell(full.cells[i]["value"] + cb["value"], cb["threshold"],
                      cb["protection"])
        full.line([i, n + i], h)
    for m, tt, _ in list(full.lines[:len(a.lines)]):
        full.line([2 * n + x for x in m], 2 * n + tt)
    return a, full
