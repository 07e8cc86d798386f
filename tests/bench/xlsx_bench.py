#!/usr/bin/env python3
"""The XLSX reader against openpyxl's read-only mode, side by side.

A return of ROWS rows (area code, quarter, six counts, a date, a note, as a
partner's template has) is written once with openpyxl's write-only mode
(shared strings off, as openpyxl writes them inline); then the same file is
read whole by build/tests/bench/dahub_xlsx_read and by openpyxl in read-only
mode (values_only), each the fastest of `repeat` runs, with its peak RSS.
Both must count the same rows and cells. bench.py prints the line and
checks the targets; run alone:

    /usr/bin/python3 tests/bench/xlsx_bench.py --build build-bench
"""
import argparse
import datetime
import os
import random
import subprocess
import sys
import time

OPENPYXL_READ = r"""
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = cells = 0
for row in wb.worksheets[0].iter_rows(values_only=True):
    rows += 1
    cells += sum(v is not None for v in row)
print("rows %d cells %d" % (rows, cells))
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("hwm %d" % int(line.split()[1]))
"""


def make(path, rows):
    import openpyxl

    if os.path.exists(path):
        return
    rnd = random.Random(200)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Return")
    ws.append(["Area", "Quarter", "Referrals", "Contacts", "Refuge",
               "Outreach", "IDVA", "MARAC", "Date", "Note"])
    day = datetime.date(2024, 4, 1)
    for r in range(rows):
        ws.append(["E0700%04d" % (129 + r % 9), "FY2024-25-Q%d" % (1 + r % 4)]
                  + [rnd.randrange(200) for _ in range(6)]
                  + [day + datetime.timedelta(days=r % 365),
                     "checked" if r % 17 == 0 else None])
    tmp = path + ".tmp"
    wb.save(tmp)
    os.rename(tmp, path)


def run(build, work, rows=200000, repeat=3):
    path = os.path.join(work, "return-%d.xlsx" % rows)
    os.makedirs(work, exist_ok=True)
    make(path, rows)
    ours = [os.path.join(build, "tests/bench/dahub_xlsx_read"), path]
    theirs = ["/usr/bin/python3", "-c", OPENPYXL_READ, path]
    best = {}
    for name, argv in (("dahub", ours), ("openpyxl", theirs)):
        runs = [rss_run(argv) for _ in range(repeat)]
        best[name] = min(runs)
    if best["dahub"][2] != best["openpyxl"][2]:
        sys.exit("they differ: dahub %s, openpyxl %s"
                 % (best["dahub"][2], best["openpyxl"][2]))
    print("xlsx %d rows (%.1f MB): dahub %.2f s %.1f MiB, openpyxl read-only "
          "%.2f s %.1f MiB, %.1fx" % (
              rows, os.path.getsize(path) / 1e6, best["dahub"][0],
              best["dahub"][1], best["openpyxl"][0], best["openpyxl"][1],
              best["openpyxl"][0] / best["dahub"][0]))
    return {"dahub": best["dahub"][0], "openpyxl": best["openpyxl"][0],
            "dahub_rss": best["dahub"][1]}


def rss_run(argv):
    """Wall seconds, the peak RSS in MiB the program reports, its counts."""
    start = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit("%s failed" % argv[0])
    counts, peak = p.stdout.strip().split("\n")
    return wall, int(peak.split()[1]) / 1024.0, counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", default="/tmp/dahub-bench")
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    run(args.build, args.work, args.rows, args.repeat)


if __name__ == "__main__":
    main()
