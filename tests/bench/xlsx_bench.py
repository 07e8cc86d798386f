#!/usr/bin/env python3
"""The XLSX reader against openpyxl's read-only mode, side by side.

A return of ROWS rows (area code, quarter, six counts, a date, a note, as a
partner's template has) is written once with openpyxl's write-only mode
(shared strings off, as openpyxl writes them inline); then the same file is
read whole by build/tests/bench/dahub_xlsx_read and by openpyxl in read-only
mode (values_only), each the fastest of `repeat` runs, with its peak RSS.
Both must count the same rows and cells. Excel itself keeps a workbook's
texts in a shared-string table, which the reader holds while it reads the
sheet: the same return is also rewritten that way (every note made
distinct, so the table is not trivial) and read by dahub, which must count
the same cells. bench.py prints the lines and checks the targets (peak
RSS of either read under 64 MiB); run alone:

    /usr/bin/python3 tests/bench/xlsx_bench.py --build build-bench
"""
import argparse
import datetime
import os
import random
import re
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


INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>([^<]*)</t>'
                    r'</is></c>')
SST_REL = ('<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://'
           'schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'sharedStrings"/></Relationships>')
SST_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/></Types>')


def make_shared(src, dst):
    """src with its inline texts moved to a shared-string table, as Excel
    writes a workbook; each note gets its row's number, so the table holds
    one string per note."""
    import zipfile

    if os.path.exists(dst):
        return
    index = {}

    def shared(m):
        ref, text = m.group(1), m.group(2)
        if ref.startswith("J") and ref != "J1":
            text = "%s (row %s)" % (text, ref[1:])
        i = index.setdefault(text, len(index))
        return '<c r="%s" t="s"><v>%d</v></c>' % (ref, i)

    tmp = dst + ".tmp"
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = INLINE.sub(shared, data.decode()).encode()
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.decode().replace("</Relationships>", SST_REL).encode()
            elif item.filename == "[Content_Types].xml":
                data = data.decode().replace("</Types>", SST_TYPE).encode()
            zout.writestr(item.filename, data)
        texts = sorted(index, key=index.get)
        zout.writestr("xl/sharedStrings.xml", (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            'main" count="%d" uniqueCount="%d">%s</sst>' % (
                len(texts), len(texts),
                "".join("<si><t>%s</t></si>" % t for t in texts))).encode())
    os.rename(tmp, dst)


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
    spath = os.path.join(work, "return-%d-shared.xlsx" % rows)
    make_shared(path, spath)
    argv = [os.path.join(build, "tests/bench/dahub_xlsx_read"), spath]
    shared = min(rss_run(argv) for _ in range(repeat))
    if shared[2] != best["dahub"][2]:
        sys.exit("the shared-string copy differs: %s, %s"
                 % (shared[2], best["dahub"][2]))
    print("xlsx %d rows with shared strings (%.1f MB): dahub %.2f s %.1f MiB"
          % (rows, os.path.getsize(spath) / 1e6, shared[0], shared[1]))
    return {"dahub": best["dahub"][0], "openpyxl": best["openpyxl"][0],
            "dahub_rss": max(best["dahub"][1], shared[1])}


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
