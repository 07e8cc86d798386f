"""A reader's attack on a published table: what can be learnt of each
hidden cell from everything published at once.

Written from the reader's side, not from the hub's code. The reader sees
every shown value, knows which cells are hidden, knows every line that
holds (members that add up to a total) and that counts are whole and
never negative. A cell a partner suppressed at source ("<5") is a count
between 0 and its bound. A line the reader knows to miss members (a
breakdown with unrecorded members, a county that also reports directly)
gives only "members add up to at most the total"; one that counts some
members twice, "at least".

For each hidden cell, the smallest and the largest value it can take over
all that (two linear programmes), rounded inwards to whole numbers. The
relaxation can only leave an interval wider than whole-number reasoning
would: for the tables the hub publishes (one- and two-way margins and
hierarchies) the two agree.
"""

import math

import numpy as np
from scipy.optimize import linprog

EPS = 1e-6


class Reader:
    """What a reader knows of one table.

    shown: {cell: value} for every published value.
    hidden: cells published as a marker (ours).
    bounded: {cell: bound} for cells the partner suppressed ("<bound+1").
    equations: [(members, total)], lines that hold.
    at_most: [(members, total)], sum(members) <= total.
    at_least: [(members, total)], sum(members) >= total.
    """

    def __init__(self, shown, hidden, bounded=None, equations=(), at_most=(),
                 at_least=()):
        self.shown = dict(shown)
        self.hidden = list(hidden)
        self.bounded = dict(bounded or {})
        self.equations = list(equations)
        self.at_most = list(at_most)
        self.at_least = list(at_least)
        self.lps = 0

    def _unknown(self, c):
        return c not in self.shown

    def intervals(self, only=None, values=None, primary=()):
        """{cell: (lo, hi)} for each hidden cell (or those in only); hi is
        math.inf when nothing bounds the cell from above.

        values (the true counts, for a test that knows them) only saves
        work for the cells not in primary, where all that matters is
        whether the reader pins them down: the true values and every
        optimum found on the way are points the reader cannot rule out,
        and a cell seen at two values gets (None, None), not determined,
        without a programme of its own.
        """
        self.values = values
        self.primary = set(primary)
        rows = []  # (coefficients {cell: +-1}, sense, rhs)
        for kind, lines in (("eq", self.equations), ("le", self.at_most),
                            ("ge", self.at_least)):
            for members, total in lines:
                coef, rhs = {}, 0.0
                for c, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
                    if self._unknown(c):
                        coef[c] = coef.get(c, 0.0) + sign
                    else:
                        rhs -= sign * self.shown[c]
                coef = {c: v for c, v in coef.items() if v != 0.0}
                if coef:
                    rows.append((coef, kind, rhs))
        # groups of unknowns that share a row
        parent = {}

        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for coef, _, _ in rows:
            cs = list(coef)
            for c in cs[1:]:
                parent[find(c)] = find(cs[0])
        groups = {}
        for coef, kind, rhs in rows:
            groups.setdefault(find(next(iter(coef))), []).append(
                (coef, kind, rhs))
        want = [c for c in self.hidden if only is None or c in only]
        out = {}
        for c in want:
            if c not in parent:  # in no row: only its own bounds
                out[c] = (0, self.bounded.get(c, math.inf))
        by_group = {}
        for c in want:
            if c in parent:
                by_group.setdefault(find(c), []).append(c)
        for root, targets in by_group.items():
            out.update(self._solve(groups[root], targets))
        return out

    def _solve(self, rows, targets):
        cols = sorted({c for coef, _, _ in rows for c in coef})
        index = {c: i for i, c in enumerate(cols)}
        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        for coef, kind, rhs in rows:
            r = np.zeros(len(cols))
            for c, v in coef.items():
                r[index[c]] = v
            if kind == "eq":
                a_eq.append(r)
                b_eq.append(rhs)
            elif kind == "le":
                a_ub.append(r)
                b_ub.append(rhs)
            else:
                a_ub.append(-r)
                b_ub.append(-rhs)
        bounds = [(0, self.bounded.get(c)) for c in cols]
        args = dict(bounds=bounds, method="highs")
        if a_eq:
            args.update(A_eq=np.array(a_eq), b_eq=np.array(b_eq))
        if a_ub:
            args.update(A_ub=np.array(a_ub), b_ub=np.array(b_ub))
        out = {}
        values = self.values
        seen = None
        if values is not None:
            seen = {c: [values[c], values[c]] for c in cols}
        # primaries first: their optima are points for the others
        for c in sorted(targets, key=lambda c: c not in self.primary):
            if seen is not None and c not in self.primary and \
                    math.floor(seen[c][1] + EPS) > math.ceil(seen[c][0] - EPS):
                out[c] = (None, None)
                continue
            obj = np.zeros(len(cols))
            obj[index[c]] = 1.0
            hi = linprog(-obj, **args)
            lo = linprog(obj, **args)
            self.lps += 2
            if lo.status != 0 or hi.status not in (0, 3):
                raise RuntimeError(
                    f"reader's programme failed: {lo.message} / {hi.message}")
            for r in (lo, hi) if seen is not None else ():
                if r.status == 0:
                    for k, x in zip(cols, r.x):
                        seen[k][0] = min(seen[k][0], x)
                        seen[k][1] = max(seen[k][1], x)
            out[c] = (math.ceil(lo.fun - EPS),
                      math.inf if hi.status == 3 else
                      math.floor(-hi.fun + EPS))
        return out


def breaches(intervals, primary, threshold, protection):
    """The hidden cells a reader learns too much about: (cell, why) for a
    primary cell proven below its threshold or narrowed below its
    protection, and for any hidden cell worked out exactly."""
    found = []
    for c, (lo, hi) in sorted(intervals.items()):
        if lo is None:
            continue  # seen at two values: not determined
        if hi <= lo:
            found.append((c, "determined"))
        elif c in primary and hi < threshold[c]:
            found.append((c, "below threshold"))
        elif c in primary and hi - lo < protection[c]:
            found.append((c, "narrowed"))
    return found
