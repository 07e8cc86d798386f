"""A careful reader of published board summaries: the tests' own attacker.

Written from the attacker model in docs/disclosure.md, not from the hub's
code. The reader holds every summary document published (every version,
every period of the year) and knows:

- every shown value, and which cells carry the confidential marker;
- every sum that holds: districts -> county, counties and other areas ->
  partnership, partners -> all partners, a breakdown's values -> the figure
  without that dimension (a partner's services -> its figure over all
  areas); quarters -> half -> year of the same figure; and
  that a figure listing the same ingests in two versions of a period is the
  same number in both;
- that counts are whole and never negative.

Which sums hold is decided from the true figures (the test computes them
from the store with its own aggregation, below): a reader who knows exactly
which sums hold is the strongest reader the model allows. For every hidden
cell the reader solves two linear programmes (scipy's HiGHS), the smallest
and the largest value consistent with all of it at once.
"""

import json
import math
import sqlite3

from scipy.optimize import linprog

COUNTY_PREFIX = "E10"
ALL = "all"


def canon(dims):
    return json.dumps(dims, sort_keys=True, separators=(",", ":"))


def key_of(fig):
    return (fig["measure"], fig["source_id"], fig["area"], canon(fig["dimensions"]))


# ---- periods: months of the financial year as bits (April = bit 0) ----

def months(period):
    rest = period[len("FY2024-25"):]
    if rest == "":
        return (1 << 12) - 1
    kind, n = rest[1], int(rest[2:])
    first, length = {"H": ((n - 1) * 6, 6), "Q": ((n - 1) * 3, 3),
                     "M": (n - 1, 1)}[kind]
    return ((1 << length) - 1) << first


def year_of(period):
    return period[:len("FY2024-25")]


# ---- the true figures, aggregated independently from the store ----

def true_cells(db_path, period, vocab):
    """Every count cell of period's summary: key -> (known sum, has a
    known part). Parts inside the period are put together as a board
    officer would: the period itself when reported, else the largest parts
    that do not overlap; a level (snapshot) takes its latest part."""
    con = sqlite3.connect(db_path)
    rows = con.execute(
        "SELECT feed, source_id, coalesce(service_id, ''), measure_id, area_code,"
        " dimensions, period, value_status, value FROM current_observations"
        " WHERE substr(period, 1, 9) = ?", (year_of(period),)).fetchall()
    con.close()
    return true_cells_of(rows, period, vocab)


def true_cells_of(rows, period, vocab):
    """As true_cells(), from rows of (feed, source_id, service_id or '',
    measure_id, area_code, dimensions, period, value_status, value): the
    current figures of the period's year, from whichever store."""
    want = months(period)
    measures = vocab["measures"]
    parents = {code: a.get("parent") for code, a in vocab["areas"].items()}
    figures = {}
    for feed, src, svc, measure, area, dims, per, status, value in rows:
        m = measures.get(measure)
        if m is None or m["unit"] != "count":
            continue
        mask = months(per)
        if mask & ~want:
            continue
        figures.setdefault((feed, src, svc, measure, area, dims), []).append(
            (mask, status, value))
    cells = {}
    for (feed, src, svc, measure, area, dims), parts in figures.items():
        snapshot = measures[measure].get("basis") == "snapshot"
        if snapshot:
            chosen = [max(parts, key=lambda p: p[0].bit_length())]
        else:
            chosen, covered = [], 0
            for p in sorted(parts, key=lambda p: (-bin(p[0]).count("1"), -p[0])):
                if p[0] & covered:
                    continue
                covered |= p[0]
                chosen.append(p)
        known = [p[2] for p in chosen if p[1] in ("actual", "estimated")]
        up = parents.get(area)
        up = up if up is not None and up.startswith(COUNTY_PREFIX) else None
        keys = [(measure, s, a, dims) for s in (src, ALL)
                for a in (area, up, ALL) if a is not None]
        # a service's figure is also its partner's figure by service, over
        # all areas: a breakdown called "service" (docs/summaries.md)
        if svc and dims == "{}" and measures[measure].get("basis") != "average":
            keys.append((measure, src, ALL, canon({"service": svc})))
        for k in keys:
            total, has = cells.get(k, (0, False))
            cells[k] = (total + sum(known), has or bool(known))
    return cells


# ---- the sums a reader knows, from the cells' names alone ----

def structure_lines(keys, parents):
    """(members, total) for every sum the summary's tables make."""
    keys = set(keys)
    groups = {}
    for (m, s, a, d) in keys:
        if a != ALL:
            up = parents.get(a)
            if up is not None and up.startswith(COUNTY_PREFIX):
                groups.setdefault(("county", m, s, up, d), []).append((m, s, a, d))
            else:
                groups.setdefault(("partnership", m, s, ALL, d), []).append((m, s, a, d))
        if s != ALL:
            groups.setdefault(("partners", m, ALL, a, d), []).append((m, s, a, d))
        dims = json.loads(d)
        for name in dims:
            rest = dict(dims)
            del rest[name]
            groups.setdefault(("breakdown:" + name, m, s, a, canon(rest)),
                              []).append((m, s, a, d))
    for (kind, m, s, a, d), members in groups.items():
        total = (m, s, a, d)
        if total in keys:
            yield sorted(members), total


class Reader:
    def __init__(self, vocab):
        self.vocab = vocab
        self.parents = {c: a.get("parent") for c, a in vocab["areas"].items()}
        self.tables = []  # (period, version, {key: fig}, truth)
        self.boards = []  # per table: its board, or None
        self.regions = {}  # table -> the boards a region's summary adds up

    def add(self, doc, truth, board=None):
        """A summary the reader holds; board names whose it is when the
        reader holds several boards' (and a region's, which says its
        boards in "region" and has no version: 0)."""
        figs = {key_of(f): f for f in doc["figures"] if f["unit"] == "count"}
        if "region" in doc:
            self.regions[len(self.tables)] = doc["region"]["boards"]
            board = "region:" + ",".join(doc["region"]["boards"])
        self.tables.append((doc["period"]["id"], doc.get("version", 0), figs,
                            truth))
        self.boards.append(board)

    # -- the reader's unknowns and equations --

    def _system(self, markers, small):
        var = {}     # (table, key) -> column
        known = {}   # (table, key) -> value
        cells = {}   # (table, key) -> the figure
        for t, (_, _, figs, truth) in enumerate(self.tables):
            for k, f in figs.items():
                if f.get("marker") in markers:
                    var[(t, k)] = len(var)
                elif f.get("value") is not None:
                    known[(t, k)] = f["value"]
                cells[(t, k)] = f
        rows = []

        def truth_of(t, k):
            return self.tables[t][3].get(k, (None, False))

        def add(members, total):
            """members and total as (table, key); kept only where it holds.
            A member with no known part (suppressed at source, or blank) is
            in no sum: the totals add up what is known."""
            members = [c for c in members if truth_of(*c)[1]]
            if not members or not truth_of(*total)[1]:
                return
            cs = members + [total]
            if any(c not in var and c not in known for c in cs):
                return
            vals = [truth_of(*c)[0] for c in cs]
            if sum(vals[:-1]) != vals[-1]:
                return  # does not hold: forces nothing
            row, rhs = {}, 0
            for c, coef in zip(cs, [1] * len(members) + [-1]):
                if c in var:
                    row[var[c]] = row.get(var[c], 0) + coef
                else:
                    rhs -= coef * known[c]
            if row:
                rows.append((row, rhs))

        latest = {}  # board -> period -> its newest table
        for t, (period, version, figs, _) in enumerate(self.tables):
            mine = latest.setdefault(self.boards[t], {})
            for members, total in structure_lines(figs.keys(), self.parents):
                add([(t, k) for k in members], (t, total))
            prev = mine.get(period)
            if prev is not None:  # versions: same ingests, same number
                for k, f in figs.items():
                    o = self.tables[prev][2].get(k)
                    if o is not None and sorted(o["ingests"]) == sorted(f["ingests"]):
                        add([(prev, k)], (t, k))
            mine[period] = t
        for per_board in latest.values():
            self._time_lines(per_board, add)
        # a region's cell is the sum of its boards' cells of the same key
        for t, boards in self.regions.items():
            period = self.tables[t][0]
            twins = [latest[b][period] for b in boards
                     if period in latest.get(b, {})]
            for k in self.tables[t][2]:
                members = [(u, k) for u in twins if k in self.tables[u][2]]
                if members:
                    add(members, (t, k))
        return var, cells, rows

    def _time_lines(self, latest, add):
        def parts_of(period):
            fy, rest = year_of(period), period[len("FY2024-25"):]
            if rest == "":
                return [[fy + "-H1", fy + "-H2"], [fy + "-Q%d" % i for i in range(1, 5)],
                        [fy + "-H1", fy + "-Q3", fy + "-Q4"],
                        [fy + "-Q1", fy + "-Q2", fy + "-H2"]]
            if rest[1] == "H":
                n = int(rest[2:])
                return [[fy + "-Q%d" % (2 * n - 1), fy + "-Q%d" % (2 * n)]]
            return []

        for period, t in latest.items():
            for tiling in parts_of(period):
                if not all(p in latest for p in tiling):
                    continue
                for k in self.tables[t][2]:
                    snapshot = self.vocab["measures"][k[0]].get("basis") == "snapshot"
                    members = [(latest[p], k) for p in tiling]
                    if not all(k in self.tables[latest[p]][2] for p in tiling):
                        continue
                    add(members[-1:] if snapshot else members, (t, k))

    def bounds(self, markers, small=(), threshold_of=None):
        """(table, key) -> (lo, hi) for every hidden cell; hi None: open.
        A cell whose marker is in small is known to be below its area's
        threshold (a marker that tells which rule hid it says so)."""
        var, cells, rows = self._system(markers, small)
        n = len(var)
        if n == 0:
            return {}
        # Groups of unknowns linked by some equation: solved apart.
        parent = list(range(n))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for row, _ in rows:
            cols = list(row)
            for c in cols[1:]:
                parent[find(c)] = find(cols[0])
        groups = {}
        for c in range(n):
            groups.setdefault(find(c), []).append(c)
        row_group = {}
        for i, (row, _) in enumerate(rows):
            row_group.setdefault(find(next(iter(row))), []).append(i)
        names = {c: name for name, c in var.items()}
        upper = {c: threshold_of(names[c][1][2]) - 1 for c in range(n)
                 if cells[names[c]].get("marker") in small}
        out = {}
        for root, cols in groups.items():
            local = {c: j for j, c in enumerate(cols)}
            a_eq, b_eq = [], []
            for i in row_group.get(root, []):
                row, rhs = rows[i]
                line = [0.0] * len(cols)
                for c, coef in row.items():
                    line[local[c]] = coef
                a_eq.append(line)
                b_eq.append(rhs)
            for c in cols:
                obj = [0.0] * len(cols)
                ends = []
                for sign in (1, -1):
                    obj[local[c]] = sign
                    if not a_eq:
                        ends.append(0 if sign == 1 else upper.get(c))
                        continue
                    r = linprog(obj, A_eq=a_eq, b_eq=b_eq,
                                bounds=[(0, upper.get(x)) for x in cols],
                                method="highs")
                    if r.status == 3:  # unbounded
                        ends.append(None)
                    elif r.status == 0:
                        ends.append(sign * r.fun)
                    else:
                        raise AssertionError("the reader's LP failed: %s" % r.message)
                lo = math.ceil(ends[0] - 1e-6)
                hi = None if ends[1] is None else math.floor(ends[1] + 1e-6)
                out[names[c]] = (lo, hi)
        return out

    def weaknesses(self, markers, threshold_of, suppress_zeros=True, small=()):
        """Hidden cells determined exactly, and small ones narrowed below
        their protection (their threshold) or shown to be below it."""
        found = []
        for (t, k), (lo, hi) in self.bounds(markers, small, threshold_of).items():
            truth = self.tables[t][3].get(k, (None, False))[0]
            thr = threshold_of(k[2])
            where = "%s%s v%d %s" % (
                self.boards[t] + " " if self.boards[t] else "",
                self.tables[t][0], self.tables[t][1], "|".join(k))
            if hi is not None and hi == lo:
                found.append("%s: worked out exactly (%d)" % (where, lo))
            elif truth is not None and truth < thr and (truth or suppress_zeros):
                if hi is not None and hi < thr:
                    found.append("%s: shown to be below %d ([%d, %d])" % (where, thr, lo, hi))
                elif hi is not None and hi - lo < thr:
                    found.append("%s: narrowed to [%d, %d]" % (where, lo, hi))
        return found



def main(argv):
    """reader.py STORE SUMMARY.json VOCABULARY.json [THRESHOLD [AREA=T ...]]:
    attacks one published summary, prints what it found and how long the
    reader took (the benchmark's reference for the hub's audit)."""
    import time
    store, summary, vocab_path = argv[1:4]
    threshold = int(argv[4]) if len(argv) > 4 else 5
    per_area = dict((a, int(t)) for a, t in (x.split("=") for x in argv[5:]))
    with open(vocab_path) as f:
        vocab = json.load(f)
    with open(summary) as f:
        doc = json.load(f)
    t0 = time.monotonic()
    r = Reader(vocab)
    r.add(doc, true_cells(store, doc["period"]["id"], vocab))
    marker = doc["disclosure"].get("marker", "[c]")
    found = r.weaknesses({marker}, lambda a: per_area.get(a, threshold))
    hidden = sum(1 for f in doc["figures"] if f.get("marker") == marker)
    print("reader: %d hidden cells, %d weak, %.2f s"
          % (hidden, len(found), time.monotonic() - t0))
    return 1 if found else 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
