#!/usr/bin/env python3
"""Compares the XLSX reader with Debian's xlsx2csv, where both apply.

Usage: crosscheck.py XLSX_DUMP FIXTURES_DIR

For each workbook and sheet below, xlsx_dump -c and xlsx2csv must give the
same cells, once three known differences are set aside: xlsx2csv does not
fill merged ranges (their cells other than the top-left are compared blank),
pads rows to the sheet's width (trailing empty cells are dropped on both
sides) and writes every date with a time (a time of 00:00:00 is dropped).
Dates under 1 March 1900 are not compared: xlsx2csv does not know Excel's
fictitious 29 February 1900 and is a day out before it.
"""
import csv
import io
import subprocess
import sys

import openpyxl

# workbook, sheet, cells (row, column) not compared and why
CASES = [
    ("values.xlsx", "Cover", set()),
    ("values.xlsx", "Q1 return", set()),
    ("mixed.xlsx", "Mixed", set()),
    # xlsx2csv reads day 0 as a time of day, even under the 1904 system
    ("dates1904.xlsx", "Mac", {(2, 1)}),
]


def strip(out):
    for r in out:
        while r and r[-1] == "":
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def as_xlsx2csv(cell):
    """A number as xlsx2csv writes a number in a General cell."""
    try:
        float(cell)
    except ValueError:
        return cell
    return ("%f" % float(cell)).rstrip("0").rstrip(".")


def rows(text, skip, numbers=False):
    out = [r for r in csv.reader(io.StringIO(text))]
    out = [[c[: -len("T00:00:00")] if c.endswith("T00:00:00") else c
            for c in r] for r in out]
    if numbers:
        out = [[as_xlsx2csv(c) for c in r] for r in out]
    for (r, c) in skip:
        if r <= len(out) and c <= len(out[r - 1]):
            out[r - 1][c - 1] = ""
    return strip(out)


def merged_others(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    cells = set()
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    cells.add((r, c))
    return cells


def main():
    dump, folder = sys.argv[1], sys.argv[2]
    failed = passed = 0
    for name, sheet, skip in CASES:
        path = f"{folder}/{name}"
        ours = subprocess.run([dump, "-c", "-s", sheet, path], check=True,
                              capture_output=True, text=True).stdout
        theirs = subprocess.run(
            ["xlsx2csv", "-f", "%Y-%m-%dT%H:%M:%S", "-n", sheet, path],
            check=True, capture_output=True, text=True).stdout
        a = rows(ours, skip | merged_others(path, sheet), numbers=True)
        b = rows(theirs, skip)
        if a == b:
            passed += 1
            continue
        failed += 1
        for i, (x, y) in enumerate(zip(a, b), 1):
            if x != y:
                print(f"{name} {sheet} row {i}: ours {x}, xlsx2csv {y}")
                break
        else:
            print(f"{name} {sheet}: {len(a)} rows, xlsx2csv {len(b)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
