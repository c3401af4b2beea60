"""Read exports back the way a program would: the csv module, json, and an XLSX file through
zipfile + its XML (openpyxl is not a dependency)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark (for Excel)"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_json(data: bytes) -> list[dict]:
    return json.loads(data)


def read_xlsx(data: bytes) -> list[dict]:
    """The first sheet as dicts keyed by the header row (inline or shared strings, numbers)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    table: list[list] = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells = []
        for c in row.findall("m:c", NS):
            kind = c.get("t")
            if kind == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
            elif kind == "s":
                cells.append(shared[int(c.find("m:v", NS).text)])
            else:
                v = c.find("m:v", NS)
                cells.append(int(float(v.text)) if v is not None else "")
        table.append(cells)
    header, *rows = table
    return [dict(zip(header, r, strict=False)) for r in rows]
