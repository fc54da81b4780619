#!/usr/bin/env python3
"""Writes the .xlsx fixtures of XlsxFixtureTests into Fixtures/ (next to this script).

    python3 -m venv /tmp/xlsxvenv && /tmp/xlsxvenv/bin/pip install openpyxl
    /tmp/xlsxvenv/bin/python Tests/DatasetsTests/make_xlsx_fixtures.py

df_action.xlsx is exactly what openpyxl writes: inline strings, deflated parts, no cached formula values.

AR_metadata.xlsx is written by openpyxl and then repacked the way Excel saves a workbook, so the reader
also sees that writer's habits: every string moved to xl/sharedStrings.xml (a rich-text cell keeps its
<r><t> runs there), formula cells given their cached values (<f>A2+1</f><v>2</v>, t="str" for text
results), and every part deflated with general-purpose bit 3 set and a data descriptor after its data.

The values here are the ones XlsxFixtureTests.swift expects; change both together. Reruns differ only in
timestamps openpyxl stamps (docProps/core.xml, df_action.xlsx's zip entry times), not in any cell.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

FIXTURES = Path(__file__).resolve().parent / "Fixtures"
WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5)


def new_workbook():
    book = openpyxl.Workbook()
    book.properties.created = WHEN
    book.properties.modified = WHEN
    book.properties.creator = "vimo fixtures"
    return book


def write_df_action(path):
    book = new_workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["S/N", "action_category", "action", "index", "segment", "count"])
    sheet.append([125, "Movement", "Abseiling", 0, "tail", 4])
    sheet.append([17, "Aggressive", "Attacking", 1, "head", 511])
    sheet.append([7, "Sensing", "Attending", 2, "head", 2368])
    sheet.append([52, "Communication", "Barking", 3, None, 73])  # empty segment cell
    sheet.append([121, "Transport", "Being Carried", 4, "tail", 5])
    book.save(path)


def write_ar_metadata(path):
    book = new_workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Animal Kingdom — action recognition metadata"
    notes["A2"] = "formula"
    notes["B2"] = '=CONCATENATE("vi","mo")'   # cached value "vimo" (t="str") added below
    notes["A3"] = "error"
    notes["B3"] = "#N/A"                       # openpyxl writes it as an error cell (t="e")

    ar = book.create_sheet("AR")
    ar.append(["S/N", "video_id", "type", "labels", "list_animal_action", "duration", "checked"])
    ar.append([1, "AAACXZTV", "train", "2,40", "[('Common Crane', 'Attending'), ('Common Crane', 'Eating')]", 3.5, True])
    ar.append(["=A2+1", "AABCQPTK", "train", "2,15",
               CellRichText([TextBlock(InlineFont(b=True), "[('Singing Nightingale', 'Attending'), "),
                             "('Singing Nightingale', 'Chirping')]"]), 12.25, False])
    ar.append(["=A3+1", "AABKMGHE", "test", 78, "[('Snake', 'Moving')]", 0.1, True])   # labels: a bare number
    # Row 5 is left out: the sheet skips from row 4 to row 6.
    for column, value in zip("ABCDEF", ["=A4+1", "ZYXWVUTS", "test", "1,5,9",
                                        "[('Grévy’s zebra', 'Eating'), ('狐狸', 'Sleeping')] 🦓", 7]):
        ar[f"{column}6"] = value                                # G6 stays empty
    book.save(path)
    repack_like_excel(path, cached={"AR": {"A3": ("n", "2"), "A4": ("n", "3"), "A6": ("n", "4")},
                                    "Notes": {"B2": ("str", "vimo")}})


INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', re.S)
FORMULA = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v ?/></c>', re.S)


def repack_like_excel(path, cached):
    book = zipfile.ZipFile(path)
    parts = {info.filename: book.read(info.filename) for info in book.infolist()}
    book.close()
    names = re.findall(r'<sheet name="([^"]+)"', parts["xl/workbook.xml"].decode())
    strings, index = [], {}

    def share(match):
        body = match.group(3)
        if body not in index:
            index[body] = len(strings)
            strings.append(body)
        return f'<c {match.group(1)}t="s"{match.group(2)}><v>{index[body]}</v></c>'

    for number, name in enumerate(names, start=1):
        part = f"xl/worksheets/sheet{number}.xml"
        xml = INLINE.sub(share, parts[part].decode())

        def fill(match, values=cached.get(name, {})):
            cell, attributes, formula = match.groups()
            kind, value = values[cell]
            kind_attribute = ' t="str"' if kind == "str" else ""
            return f'<c r="{cell}"{attributes}{kind_attribute}><f>{formula}</f><v>{value}</v></c>'

        parts[part] = FORMULA.sub(fill, xml).encode()

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si>{body}</si>" for body in strings)
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                     f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>').encode()
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Type="{relation}" Target="sharedStrings.xml" Id="rIdStrings" /></Relationships>'.encode())
    content = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content}" /></Types>'.encode())

    # zipfile sets bit 3 and writes a data descriptor after each entry when it cannot seek back.
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buffer = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buffer += data
            return len(data)

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name in ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
                     "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/theme/theme1.xml",
                     "xl/sharedStrings.xml"] + [f"xl/worksheets/sheet{n}.xml" for n in range(1, len(names) + 1)]:
            info = zipfile.ZipInfo(name, date_time=WHEN.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, parts.pop(name))
    assert not parts, f"parts not repacked: {sorted(parts)}"
    path.write_bytes(bytes(stream.buffer))


def main():
    FIXTURES.mkdir(exist_ok=True)
    write_df_action(FIXTURES / "df_action.xlsx")
    write_ar_metadata(FIXTURES / "AR_metadata.xlsx")
    for name in ["df_action.xlsx", "AR_metadata.xlsx"]:
        with zipfile.ZipFile(FIXTURES / name) as book:
            flags = {hex(info.flag_bits) for info in book.infolist()}
            print(f"{name}: {(FIXTURES / name).stat().st_size} bytes, {len(book.infolist())} parts, flags {sorted(flags)}")


if __name__ == "__main__":
    main()
