"""Row writers for the three export formats: each streams rows to a binary file as they come.

None of them holds the export in memory: CSV and JSON write each row at once (the JSON file is
one array written element by element), XLSX uses xlsxwriter's `constant_memory` mode, which
flushes each row to a temporary file as soon as the next one starts.

What an export may carry is decided by the columns in app/exports/rows.py: never the ticket's
hash (the customer's credential) or a confirmation token.
"""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO, Protocol

XLSX_CELL_MAX = 32_767  # Excel's limit for one cell's text
CUT_MARKER = " [...cut: the export keeps 32,767 characters of a cell]"

# OWASP's advice against CSV/formula injection: a cell a spreadsheet would read as a formula gets a
# leading apostrophe, which spreadsheets show as text. Tab and carriage return start formulas too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def defuse(value: str) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cut(value: str, limit: int = XLSX_CELL_MAX) -> str:
    """At most `limit` characters, with a visible marker where text was cut."""
    if len(value) <= limit:
        return value
    return value[: limit - len(CUT_MARKER)] + CUT_MARKER


class RowWriter(Protocol):
    def write(self, row: dict) -> None: ...

    def close(self) -> None: ...


def _flat(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(_post_text(v) for v in value) if value and isinstance(value[0], dict) else ", ".join(value)
    return str(value)


def _post_text(post: dict) -> str:
    """One post of the thread in a text cell: a header line (when, who, what) and the text."""
    return f"[{post['created']} {post['kind']}: {post['author']}]\n{post['body']}"


class CsvWriter:
    """UTF-8 with a byte-order mark (so Excel reads the accents right), one header line."""

    def __init__(self, out: BinaryIO, columns: list[str]) -> None:
        self.out = out
        self.columns = columns
        self.text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        self.csv = csv.writer(self.text)
        self.csv.writerow(columns)

    def write(self, row: dict) -> None:
        # The hot loop of a large export: plain strings take the short path.
        cells = []
        for c in self.columns:
            v = row.get(c)
            if v is None:
                cells.append("")
            elif type(v) is str:
                cells.append("'" + v if v[:1] in _FORMULA_FIRST else v)
            elif type(v) is int:
                cells.append(v)
            else:
                cells.append(defuse(_flat(v)))
        self.csv.writerow(cells)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # leave the underlying file to its owner


class JsonWriter:
    """One JSON array, written element by element (a reader can stream it back too)."""

    def __init__(self, out: BinaryIO, columns: list[str]) -> None:
        self.out = out
        self.columns = columns
        self.first = True
        out.write(b"[")

    def write(self, row: dict) -> None:
        item = {c: row.get(c) for c in self.columns if c in row}
        self.out.write((b"\n" if self.first else b",\n") + json.dumps(item, ensure_ascii=False).encode())
        self.first = False

    def close(self) -> None:
        self.out.write(b"\n]\n" if not self.first else b"]\n")


class XlsxWriter:
    """One worksheet, header row frozen; text cells cut at Excel's 32,767 characters."""

    def __init__(self, out: BinaryIO, columns: list[str]) -> None:
        import xlsxwriter  # imported here: only XLSX exports pay for it

        self.columns = columns
        self.book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False})
        self.sheet = self.book.add_worksheet("Tickets")
        self.sheet.freeze_panes(1, 0)
        for col, name in enumerate(columns):
            self.sheet.write_string(0, col, name)
        self.row = 1

    def write(self, row: dict) -> None:
        for col, name in enumerate(self.columns):
            value = row.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                self.sheet.write_number(self.row, col, value)
            else:
                # write_string: never a formula, whatever the text starts with
                self.sheet.write_string(self.row, col, cut(_flat(value)))
        self.row += 1

    def close(self) -> None:
        self.book.close()


def writer_for(fmt: str, out: BinaryIO, columns: list[str]) -> RowWriter:
    return {"csv": CsvWriter, "json": JsonWriter, "xlsx": XlsxWriter}[fmt](out, columns)
