#!/usr/bin/env python3
"""The same work as dahub's ingest, written as an analyst would.

    reference.py MAPPING.json KEYFILE EXTRACT.csv STORE.sqlite
    reference.py --wide MAPPING.json RETURN.csv STORE.sqlite

Plain Python 3 (csv, hmac, sqlite3): reads the LWA-shaped extract, maps the
labels with the feed mapping's own "values" tables, puts each date in its
financial-year quarter, bands ages, replaces each case reference by its
HMAC-SHA256 under the feed's key, counts referrals (total and by age band,
risk and referral source), closures (by reason) and distinct people per
service, area and quarter, keeps the latest quarter, and stores the figures
in SQLite in one transaction. The benchmark checks that dahub stores the
same figures.
"""

import csv
import hashlib
import hmac
import json
import sqlite3
import sys


def fold(s):
    """A label as dahub/label.h folds it: ASCII lower case, "&" as "and",
    "+" as "plus", other punctuation (and the no-break space, dashes and
    curly quotes office software types) as a space, runs of spaces as one."""
    out, space = [], True
    for ch in s:
        word = {"&": "and", "+": "plus"}.get(ch)
        if ch in "\u00a0\u2013\u2014\u2018\u2019\u201a\u201b\u201c\u201d":
            ch = " "
        if word is None and (ch.isascii() and ch.isalnum() or ord(ch) >= 0x80):
            out.append(ch.lower() if ch.isascii() else ch)
            space = False
            continue
        if not space:
            out.append(" ")
        space = True
        if word is not None:
            out.append(word + " ")
    return "".join(out).strip()


def quarter(d):
    day, month, year = (int(x) for x in d.split("/"))
    fy = year if month >= 4 else year - 1
    fm = month - 3 if month >= 4 else month + 9
    return "FY%d-%02d-Q%d" % (fy, (fy + 1) % 100, (fm - 1) // 3 + 1)


def band_of(age, bands):
    for b in bands:
        if b.endswith("+"):
            if age >= int(b[:-1]):
                return b
        else:
            lo, hi = (int(x) for x in b.split("-"))
            if lo <= age <= hi:
                return b
    raise ValueError("no band for %d" % age)


def wide(mapping_path, path, store):
    """A wide return: services and measures as rows, districts as columns;
    blank cells are missing, "<5" suppressed, the rest numbers with
    thousands separators."""
    opts = json.load(open(mapping_path))["options"]
    services = opts["values"]["service_id"]
    areas = opts["across"]["columns"]
    out = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        for header in rows:
            if header and header[0] == "Service":
                break
        cols = [(i, areas[h]) for i, h in enumerate(header) if h in areas]
        for r in rows:
            if not r or not r[0]:
                continue
            svc, measure, period = services[r[0]], r[1], r[2]
            for i, area in cols:
                cell = r[i].strip()
                if cell == "" or cell.startswith("<"):
                    continue
                out.append((svc, area, period, measure, "{}",
                            int(cell.replace(",", ""))))
    db = sqlite3.connect(store)
    db.execute("CREATE TABLE IF NOT EXISTS figures(service_id, area_code,"
               " period, measure_id, dimensions, value)")
    with db:
        db.executemany("INSERT INTO figures VALUES(?,?,?,?,?,?)", out)
    db.close()


def main():
    if sys.argv[1] == "--wide":
        wide(*sys.argv[2:5])
        return
    mapping_path, key_path, extract, store = sys.argv[1:5]
    opts = json.load(open(mapping_path))["options"]
    key = open(key_path, "rb").read()
    values = {f: {fold(k): v for k, v in t.items()}
              for f, t in opts["values"].items()}
    cols = opts["columns"]
    dims = cols["dimensions"]
    age = dims["age_band"]
    dim_cols = {d: (c if isinstance(c, str) else c["column"])
                for d, c in dims.items()}
    counts = {}
    seen = set()
    with open(extract, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            svc = values["service_id"][fold(row[cols["service_id"]])]
            area = values["area"][fold(row[cols["area"]])]

            def label(d):
                if d == "age_band":
                    a = row[age["column"]].strip()
                    return age["blank"] if a == "" else band_of(int(a), age["bands"])
                return values[d][fold(row[dim_cols[d]])]

            for spec in opts["cases"]["count"]:
                date = row[spec["date"]].strip()
                if not date:
                    continue
                q = quarter(date)
                base = (svc, area, q, spec["measure"])
                if spec.get("distinct"):
                    ref = hmac.new(key, row[opts["cases"]["reference"]].encode(),
                                   hashlib.sha256).digest()
                    if (base, ref) in seen:
                        continue
                    seen.add((base, ref))
                counts[base + ("{}",)] = counts.get(base + ("{}",), 0) + 1
                for d in spec.get("by", []):
                    k = base + (json.dumps({d: label(d)}, separators=(",", ":")),)
                    counts[k] = counts.get(k, 0) + 1
    latest = max(k[2] for k in counts)
    db = sqlite3.connect(store)
    db.execute("CREATE TABLE IF NOT EXISTS figures(service_id, area_code,"
               " period, measure_id, dimensions, value)")
    with db:
        db.executemany("INSERT INTO figures VALUES(?,?,?,?,?,?)",
                       [k + (v,) for k, v in counts.items() if k[2] == latest])
    db.close()


if __name__ == "__main__":
    main()
