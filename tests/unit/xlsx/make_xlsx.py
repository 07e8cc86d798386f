#!/usr/bin/env python3
"""Makes the XLSX reader's test workbooks in OUTDIR (synthetic data only).

Most are written by openpyxl, as a partner's Excel would write them. What
openpyxl 3.0 cannot write (shared strings, rich-text runs, cached formula
values, cells and rows without r) is put into an openpyxl workbook by
replacing its sheet part, so the rest of the container stays openpyxl's.
The hostile files are made with zipfile directly.

Usage: make_xlsx.py OUTDIR
"""
import datetime
import os
import random
import struct
import sys
import zipfile

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"


def rewrite(src, dst, parts):
    """Copies the zip src to dst with the parts in `parts` replaced/added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(
        dst, "w", zipfile.ZIP_DEFLATED
    ) as zout:
        for item in zin.infolist():
            data = parts.pop(item.filename, None)
            zout.writestr(item.filename, data if data is not None else zin.read(item))
        for name, data in parts.items():
            zout.writestr(name, data)


def sheet_xml(rows_xml, tail=""):
    return f"<worksheet {NS}><sheetData>{rows_xml}</sheetData>{tail}</worksheet>"


def values(out):
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Synthetic return for tests"
    ws = wb.create_sheet("Q1 return")
    ws.append(["Area", "Contacts", "Rate", "Open", "Status", "Date", "US date"])
    ws.append(["E07000130", 31, 0.25, True, "#N/A",
               datetime.date(2024, 4, 1), None])
    ws["G2"] = datetime.date(2024, 6, 30)
    ws["G2"].number_format = "mm-dd-yy"  # built-in format 14
    ws.append(["E07000129", 0, -1.5, False, None,
               datetime.datetime(2024, 5, 2, 9, 30), None])
    ws["A5"] = "after a gap"  # rows 4 is left out
    ws["D5"] = 12             # B5, C5 blank
    ws["A7"] = "Charnwood"
    ws.merge_cells("A7:C8")
    ws["E7"] = 5
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3),
                   titles_from_data=True)
    wb.create_chartsheet("Chart").add_chart(chart)
    wb.save(os.path.join(out, "values.xlsx"))
    # the same workbook with its parts in another folder, as the package's
    # relationships (_rels/.rels) allow: found by them, not by name
    with zipfile.ZipFile(os.path.join(out, "values.xlsx")) as zin, \
            zipfile.ZipFile(os.path.join(out, "moved.xlsx"), "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            name = item.filename
            if name.startswith("xl/"):
                name = "book/" + name[len("xl/"):]
            if name.endswith(".rels") or name == "[Content_Types].xml":
                data = data.replace(b"/xl/", b"/book/").replace(
                    b'Target="xl/', b'Target="book/')
            zout.writestr(name, data)


def mapped_return(out):
    """A partner's return for the mapped plugin's tests (test_mapped_xlsx):
    a title merged across the top, the header on row 3, a district merged
    down two rows, a suppressed count and a count a formula made."""
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active["A1"] = "Synthetic return"
    ws = wb.create_sheet("Q1 return")
    ws["A1"] = "Referrals by district"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["District", "Quarter", "Measure", "Gender", "Count"])
    ws.append(["Blaby", "Q1 2024/25", "Referrals received", "Female", 12])
    ws.append([None, "Q1 2024/25", "Referrals received", "Male", "<5"])
    ws.merge_cells("A4:A5")
    ws.append(["NW Leics", "Jul-Sep 2024", "Referrals received", "Female", 7])
    wb.save(os.path.join(out, "return.xlsx"))


def shared_parts(base):
    """The workbook's relationships and content types, naming a shared-
    string part (openpyxl writes its strings inline)."""
    with zipfile.ZipFile(base) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdSst" Target="sharedStrings.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings"/></Relationships>',
    )
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>",
    )
    return rels, types


def shared(out):
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    base = os.path.join(out, "shared-base.xlsx")
    wb.save(base)
    sst = (
        f'<sst {NS} count="5" uniqueCount="5">'
        "<si><t>Blaby</t></si>"
        "<si><r><rPr><b/></rPr><t>Harborough</t></r><r><t xml:space=\"preserve\"> District</t></r></si>"
        "<si><t>Melton</t><rPh sb=\"0\" eb=\"1\"><t>IGNORED</t></rPh></si>"
        "<si><t>caf\u00e9 &amp; more</t></si>"
        "<si><t>line_x000D_break _x005F_x0041_ _x0000_</t></si>"
        "</sst>"
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><r><t>North </t></r><r><t>West</t></r></is></c>'
        '<c r="B2"><f>C2*2</f><v>42</v></c>'
        '<c r="C2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="D2"><f>1/0</f></c>'
        '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="F2" t="b"><v>1</v></c>'
        '<c r="G2" t="s"><v>4</v></c>'
        '<c r="H2" t="inlineStr"><is><t>tab_x0009_here</t></is></c></row>'
        # cells without r follow the one before; a row without r follows too
        '<row r="4"><c><v>1</v></c><c><v>2</v></c><c r="E4"><v>5</v></c><c><v>6</v></c></row>'
        "<row><c><v>7</v></c></row>"
    )
    rels, types = shared_parts(base)
    rewrite(base, os.path.join(out, "shared.xlsx"), {
        SHEET: sheet_xml(rows),
        "xl/sharedStrings.xml": sst,
        "xl/_rels/workbook.xml.rels": rels,
        "[Content_Types].xml": types,
    })
    # a shared string that does not exist, and rows that go back
    rewrite(base, os.path.join(out, "bad-shared.xlsx"), {
        SHEET: sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c>'
                         '<c r="B1" t="s"><v>9</v></c></row>'),
        "xl/sharedStrings.xml": sst,
        "xl/_rels/workbook.xml.rels": rels,
    })
    rewrite(base, os.path.join(out, "bad-order.xlsx"), {
        SHEET: sheet_xml('<row r="3"><c r="A3"><v>1</v></c></row>'
                         '<row r="2"><c r="A2"><v>1</v></c></row>'),
    })
    rewrite(base, os.path.join(out, "bad-nesting.xlsx"), {
        SHEET: sheet_xml('<row r="1"><c r="A1"><v>1</v></c>'
                         '<row r="2"><c r="A2"><v>2</v></c></row></row>'),
    })
    rewrite(base, os.path.join(out, "bad-number.xlsx"), {
        SHEET: sheet_xml('<row r="1"><c r="A1"><v>1</v></c>'
                         '<c r="B1" t="n"><v>twelve</v></c></row>'),
    })
    # merged range whose rows the sheet leaves out
    rewrite(base, os.path.join(out, "merge-gap.xlsx"), {
        SHEET: sheet_xml('<row r="2"><c r="B2" t="inlineStr"><is><t>Rutland</t></is></c></row>'
                         '<row r="5"><c r="A5"><v>9</v></c></row>',
                         '<mergeCells count="1"><mergeCell ref="B2:C4"/></mergeCells>'),
    })
    os.remove(base)


def dates(out):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dates"
    # serials as Excel stores them, under the 1900 system
    for i, serial in enumerate([1, 59, 60, 61, 45383, 0.5, 45383.75], 1):
        ws.cell(row=i, column=1, value=serial).number_format = "yyyy-mm-dd"
    formats = ["dd/mm/yyyy", "[h]:mm", '"Day "0', "0.00", "[Red]0",
               "yyyy-mm-dd;@", "General", "\\d0", "[$-809]d mmmm yyyy"]
    for i, fmt in enumerate(formats, 1):
        ws.cell(row=i, column=2, value=45383).number_format = fmt
    wb.save(os.path.join(out, "dates1900.xlsx"))

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Mac"
    ws["A1"] = datetime.date(2024, 4, 1)
    ws["A2"] = 0
    ws["A2"].number_format = "yyyy-mm-dd"
    ws["A3"] = datetime.date(1904, 1, 2)
    wb.save(os.path.join(out, "dates1904.xlsx"))


def mixed(out):
    """300 rows of every kind of value, seeded, for the xlsx2csv check."""
    rnd = random.Random(19)
    words = ["Blaby", "Oadby & Wigston", 'say "hi"', "a,b", "caf\u00e9",
             "North West Leicestershire", "  spaced  ", "#REF"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mixed"
    for r in range(1, 301):
        for c in range(1, 9):
            kind = rnd.randrange(7)
            if kind == 0:
                v = rnd.randrange(-1000, 100000)
            elif kind == 1:
                v = round(rnd.uniform(-500, 500), rnd.randrange(1, 4))
            elif kind == 2:
                v = rnd.choice(words)
            elif kind == 3:
                v = rnd.random() < 0.5
            elif kind == 4:
                v = datetime.date(2020, 1, 1) + datetime.timedelta(
                    days=rnd.randrange(2000))
            elif kind == 5:
                v = "#N/A"
            else:
                v = None
            ws.cell(row=r, column=c, value=v)
    ws.merge_cells("B2:D3")
    wb.save(os.path.join(out, "mixed.xlsx"))


def liar(base, dst):
    """A bomb whose zip directory says its 64 MiB sheet is 1,000 bytes."""
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(
            dst, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            if item.filename != SHEET:
                z.writestr(item.filename, zin.read(item))
        z.writestr(SHEET, f"<worksheet {NS}><sheetData>".encode()
                   + b" " * (64 << 20) + b"</sheetData></worksheet>")
    with zipfile.ZipFile(dst) as z:
        local = z.getinfo(SHEET).header_offset
    data = bytearray(open(dst, "rb").read())
    struct.pack_into("<I", data, local + 22, 1000)  # the local header's
    name = SHEET.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # and the central directory's
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n] == name:
            struct.pack_into("<I", data, at + 24, 1000)
        at = data.find(b"PK\x01\x02", at + 4)
    with open(dst, "wb") as f:
        f.write(data)


def hostile(out):
    wb = openpyxl.Workbook()
    wb.active.title = "Evil"
    base = os.path.join(out, "hostile-base.xlsx")
    wb.save(base)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
            for i in range(1, 10)
        )
        + f"]><worksheet {NS}><sheetData><row r=\"1\"><c r=\"A1\" "
        't="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    rewrite(base, os.path.join(out, "laughs.xlsx"), {SHEET: laughs})
    deep = "<x>" * 200 + "</x>" * 200
    rewrite(base, os.path.join(out, "deep.xlsx"),
            {SHEET: f"<worksheet {NS}>{deep}<sheetData/></worksheet>"})
    # a zip bomb: 1 GiB of spaces in the sheet, deflated a thousand times
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(
            os.path.join(out, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            if item.filename != SHEET:
                z.writestr(item.filename, zin.read(item))
        with z.open(SHEET, "w", force_zip64=True) as f:
            f.write(f"<worksheet {NS}><sheetData>".encode())
            block = b" " * (1 << 20)
            for _ in range(1024):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    liar(base, os.path.join(out, "liar.xlsx"))
    # a sheet that is simply large: 200 MB of ordinary rows
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(
            os.path.join(out, "large.xlsx"), "w", zipfile.ZIP_DEFLATED,
            compresslevel=1) as z:
        for item in zin.infolist():
            if item.filename != SHEET:
                z.writestr(item.filename, zin.read(item))
        with z.open(SHEET, "w", force_zip64=True) as f:
            f.write(f"<worksheet {NS}><sheetData>".encode())
            row, written = 1, 0
            while written < 200_000_000:
                chunk = "".join(
                    f'<row r="{r}"><c r="A{r}"><v>{r * 7919 % 100003}</v></c>'
                    f'<c r="B{r}"><v>{r % 977}.{r % 13}</v></c>'
                    f'<c r="C{r}"><v>{r % 31}</v></c><c r="D{r}"><v>{r % 7}</v></c>'
                    f'<c r="E{r}"><v>{r % 1009}</v></c><c r="F{r}"><v>{r % 3}</v></c></row>'
                    for r in range(row, row + 10000)).encode()
                f.write(chunk)
                written += len(chunk)
                row += 10000
            f.write(b"</sheetData></worksheet>")
    # many entries
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(
            os.path.join(out, "entries.xlsx"), "w") as z:
        for item in zin.infolist():
            z.writestr(item.filename, zin.read(item))
        for i in range(2000):
            z.writestr(f"xl/media/pad{i}.bin", b"x")
    with zipfile.ZipFile(os.path.join(out, "noworkbook.xlsx"), "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with open(os.path.join(out, "notzip.xlsx"), "w") as f:
        f.write("Area,Contacts\nE07000130,31\n")
    # the OLE container of an .xls, or of an .xlsx with a password
    with open(os.path.join(out, "ole.xlsx"), "wb") as f:
        f.write(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    os.remove(base)
    # 16,384 columns, as wide as Excel goes
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Wide"
    for c in range(1, 16385):
        ws.cell(row=1, column=c, value=c)
    wb.save(os.path.join(out, "wide.xlsx"))


def many_strings(out):
    """A return whose notes are 15,000 distinct shared strings, as Excel
    writes them: a table of about 1.6 MB, for the feed's limit on it
    (test_mapped_xlsx)."""
    wb = openpyxl.Workbook()
    wb.active.title = "Return"
    base = os.path.join(out, "many-strings-base.xlsx")
    wb.save(base)
    texts = ["Area", "Note", "Count", "E07000129"]
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
            '</c><c r="C1" t="s"><v>2</v></c></row>']
    for r in range(15000):
        texts.append("note %05d " % r + "x" * 96)
        rows.append('<row r="%d"><c r="A%d" t="s"><v>3</v></c><c r="B%d" '
                    't="s"><v>%d</v></c><c r="C%d"><v>1</v></c></row>'
                    % (r + 2, r + 2, r + 2, len(texts) - 1, r + 2))
    sst = (f'<sst {NS} count="{len(texts)}" uniqueCount="{len(texts)}">'
           + "".join("<si><t>%s</t></si>" % t for t in texts) + "</sst>")
    rels, types = shared_parts(base)
    rewrite(base, os.path.join(out, "many-strings.xlsx"), {
        SHEET: sheet_xml("".join(rows)),
        "xl/sharedStrings.xml": sst,
        "xl/_rels/workbook.xml.rels": rels,
        "[Content_Types].xml": types,
    })


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    values(out)
    mapped_return(out)
    many_strings(out)
    shared(out)
    dates(out)
    mixed(out)
    hostile(out)


if __name__ == "__main__":
    main()
