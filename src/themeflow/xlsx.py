"""Deterministic .xlsx bytes, and a fast path for the rows of a large worksheet.

XlsxWriter, writing in memory, dates every zip member 1980-01-01; the document properties take this fixed
time instead of the time of writing, so the same sheet is the same bytes (CI diffs artefacts).

XlsxWriter spends ~6 µs of Python per cell, which on a coder sheet of 30,000 units is most of a re-run. So a
large worksheet is written in two steps: XlsxWriter writes the workbook with everything but the data rows
(styles, column widths, frozen header, dropdowns, filter, other worksheets), then `splice_rows` puts the rows
into that worksheet's `<sheetData>` as the XML XlsxWriter itself writes in its constant-memory mode: inline
strings with the same escaping, numbers as `%.16G`. Only text and numbers take this path; anything else
(dates, booleans) goes through XlsxWriter cell by cell.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)

Cell = str | int | float | None

# Excel's limit on a cell's text (UTF-16 code units); XlsxWriter truncates to it as well.
MAX_CELL_UTF16 = 32767
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
# An underscore that would start an _xHHHH_ escape as the reader sees it: before `xHHHH_`, or before `xHHHH` and
# a control character (whose own escape begins with `_`). Matched without consuming, so `_x005F_x0041_` is safe.
_ESCAPED_LOOKALIKE = re.compile(r"_(?=x[0-9a-fA-F]{4}(?:_|[\x00-\x08\x0b-\x1f]))")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _utf16_truncate(text: str) -> str:
    if len(text) <= MAX_CELL_UTF16 // 2 or len(text.encode("utf-16-le")) // 2 <= MAX_CELL_UTF16:
        return text
    out, units = [], 0
    for ch in text:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > MAX_CELL_UTF16:
            break
        out.append(ch)
    return "".join(out)


def _text_xml(text: str) -> str:
    """A string as XlsxWriter writes it inline: control characters as _xHHHH_ (and a literal _xHHHH_
    protected), then & < > escaped."""
    if _NEEDS_ESCAPE.search(text):
        text = _ESCAPED_LOOKALIKE.sub("_x005F_", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def as_parsed(text: str) -> str:
    """The text a reader gets back for a string cell written by `rows_xml` (control characters, \r among
    them, travel as _xHHHH_ escapes and come back as they were): cut at Excel's limit."""
    return _utf16_truncate(text)


def rows_xml(rows: Iterable[Sequence[Cell]], styles: Sequence[int], first_row: int) -> str:
    """`<row>` elements for worksheet rows numbered from `first_row` (1-based). A row's cells are given column
    by column; None and "" are empty cells; str is text, int/float a number. `styles[i]` is the format index
    of column i's cells. (The inner loop of every re-run: kept free of function calls for plain text.)"""
    text_open = [f'" s="{style}" t="inlineStr"><is><t' for style in styles]
    number_open = [f'" s="{style}"><v>' for style in styles]
    refs = ['<c r="' + column_letter(i) for i in range(len(styles))]
    long_text = MAX_CELL_UTF16 // 2
    needs_escape = _NEEDS_ESCAPE.search
    parts: list[str] = []
    append = parts.append
    for number, row in enumerate(rows, start=first_row):
        row_number = str(number)
        append('<row r="' + row_number + '">')
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if value.__class__ is str:
                text = value if len(value) <= long_text else _utf16_truncate(value)
                if needs_escape(text):
                    text = _text_xml(text)
                space = ' xml:space="preserve">' if value[0].isspace() or value[-1].isspace() else ">"
                append(refs[index] + row_number + text_open[index] + space + text + "</t></is></c>")
            else:
                append(f"{refs[index]}{row_number}{number_open[index]}{value:.16G}</v></c>")
        append("</row>")
    return "".join(parts)


def is_plain_number(value: object) -> bool:
    """A value `rows_xml` writes as a number and a reader gets back exactly: a finite int or float (not bool)
    that its 16 significant digits hold (a longer one is written as text, as people typed it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return math.isfinite(value) and float(f"{value:.16G}") == value


def splice_rows(workbook: bytes, member: str, rows: str, last_row: int, last_column: int) -> bytes:
    """`workbook` (XlsxWriter's bytes) with `rows` appended to the `<sheetData>` of worksheet `member`
    (e.g. "xl/worksheets/sheet1.xml") and its dimension set to A1 through (`last_row`, `last_column`), both
    1-based. Every other zip member is copied as it was, in order, with its date and attributes."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            level = None
            if info.filename == member:
                if b"</sheetData>" not in data:
                    raise ValueError(f"{member} has no <sheetData> to fill")
                dimension = f'<dimension ref="A1:{column_letter(last_column - 1)}{last_row}"/>'.encode()
                data = _DIMENSION.sub(dimension, data, count=1)
                data = data.replace(b"</sheetData>", rows.encode("utf-8") + b"</sheetData>", 1)
                level = 1  # tens of megabytes of XML: fast deflate matters more than a smaller file
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            target.writestr(copy, data, compresslevel=level)
    return out.getvalue()
