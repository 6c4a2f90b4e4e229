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
import struct
import zipfile
from collections.abc import Callable, Sequence
from itertools import chain, repeat

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)

Cell = str | int | float | None

# Excel's limit on a cell's text (UTF-16 code units); XlsxWriter truncates to it as well.
MAX_CELL_UTF16 = 32767
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
# An underscore that would start an _xHHHH_ escape as the reader sees it: before `xHHHH_`, or before `xHHHH` and
# a control character (whose own escape begins with `_`). Matched without consuming, so `_x005F_x0041_` is safe.
_ESCAPED_LOOKALIKE = re.compile(r"_(?=x[0-9a-fA-F]{4}(?:_|[\x00-\x08\x0b-\x1f]))")
_ESCAPED_CHARACTER = re.compile(r"[&<>\x00-\x08\x0b-\x1f]")
_ESCAPE_LOOKALIKE = re.compile(r"_x[0-9a-fA-F]{4}")
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


def _needs_escape(text: str) -> bool:
    """Whether `_text_xml` changes `text` (two scans: one regex with both alternatives is ~4x slower)."""
    return bool(_ESCAPED_CHARACTER.search(text)) or ("_x" in text and bool(_ESCAPE_LOOKALIKE.search(text)))


def _text_xml(text: str) -> str:
    """A string as XlsxWriter writes it inline: control characters as _xHHHH_ (and a literal _xHHHH_
    protected), then & < > escaped."""
    if _needs_escape(text):
        text = _ESCAPED_LOOKALIKE.sub("_x005F_", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def as_parsed(text: str) -> str:
    """The text a reader gets back for a string cell written by `columns_xml` (control characters, \r among
    them, travel as _xHHHH_ escapes and come back as they were): cut at Excel's limit."""
    return _utf16_truncate(text)


_SEPARATOR = "\ue000"  # joins a column's texts to scan them at once: a character that is never escaped


def columns_xml(columns: Sequence[Sequence[Cell]], styles: Sequence[int], first_row: int, count: int) -> str:
    """`<row>` elements for `count` worksheet rows numbered from `first_row` (1-based), given column by column
    (`columns[i][r]` is row r's cell in column i): None and "" are empty cells, str is text, int/float a
    number; `styles[i]` is the format index of column i's cells.

    This is the inner loop of every re-run (30,000 rows of 15 cells): a column's cells are made by one list
    comprehension, and what only some cells need (escaping, cutting at Excel's limit, keeping outer spaces) is
    looked for in the whole column at once and done cell by cell only where the column has it."""
    numbers = [str(n) for n in range(first_row, first_row + count)]
    cells = [_column_cells(column_letter(i), styles[i], values, numbers) for i, values in enumerate(columns)]
    opening = [f'<row r="{n}">' for n in numbers]
    return "".join(chain.from_iterable(zip(opening, *cells, repeat("</row>", count), strict=True)))


class Numbers(list[str]):
    """A column of numbers given as the text `%.16G` makes of them (a sheet's offsets: "0", "1207"), written as
    numbers without being parsed and formatted again."""


def _column_cells(letter: str, style: int, values: Sequence[Cell], numbers: list[str]) -> list[str]:
    """One column's `<c>` elements, "" for an empty cell."""
    head = f'<c r="{letter}'
    if isinstance(values, Numbers):
        number = f'" s="{style}"><v>'
        return [f"{head}{n}{number}{v}</v></c>" if v else "" for n, v in zip(numbers, values, strict=True)]
    kinds = set(map(type, values))
    if kinds - _TEXT_KINDS:  # numbers (offsets, scores), perhaps with some text
        number = f'" s="{style}"><v>'
        return [
            f"{head}{n}{number}{v:.16G}</v></c>"
            if v.__class__ is not str and v is not None
            else (_text_cell(head, n, style, v) if v else "")  # type: ignore[arg-type]
            for n, v in zip(numbers, values, strict=True)
        ]
    if not any(values):
        return [""] * len(numbers)  # an empty column (people's columns, before they work)
    strings: list[str] = [v or "" for v in values] if type(None) in kinds else values  # type: ignore[assignment,misc]
    texts = strings
    joined = _SEPARATOR.join(strings)
    if max(map(len, strings), default=0) > MAX_CELL_UTF16 // 2:
        texts = [_text_xml(_utf16_truncate(t)) if t else t for t in strings]
    elif _needs_escape(joined):
        # Escaping is character by character and never reaches across the separator: done on the whole
        # column at once, unless a cell holds the separator itself.
        texts = _text_xml(joined).split(_SEPARATOR)
        if len(texts) != len(strings):
            texts = [_text_xml(t) for t in strings]
    plain = f'" s="{style}" t="inlineStr"><is><t>'
    if any(map(str.__ne__, texts, map(str.strip, texts))):  # some text begins or ends with a space
        kept = f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        return [
            f"{head}{n}{kept if t[0].isspace() or t[-1].isspace() else plain}{t}</t></is></c>" if t else ""
            for n, t in zip(numbers, texts, strict=True)
        ]
    return [f"{head}{n}{plain}{t}</t></is></c>" if t else "" for n, t in zip(numbers, texts, strict=True)]


_TEXT_KINDS = {str, type(None)}


def _text_cell(head: str, number: str, style: int, value: str) -> str:
    """One text cell (`_column_cells` for a text in a column of numbers)."""
    text = _text_xml(_utf16_truncate(value))
    space = ' xml:space="preserve">' if text[0].isspace() or text[-1].isspace() else ">"
    return f'{head}{number}" s="{style}" t="inlineStr"><is><t{space}{text}</t></is></c>'


def is_plain_number(value: object) -> bool:
    """A value `columns_xml` writes as a number and a reader gets back exactly: a finite int or float (not bool)
    that its 16 significant digits hold (a longer one is written as text, as people typed it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return math.isfinite(value) and float(f"{value:.16G}") == value


def splice_rows(
    workbook: bytes,
    member: str,
    rows: list[str | bytes],
    last_row: int,
    last_column: int,
    edit: Callable[[str, bytes], bytes] | None = None,
) -> bytes:
    """`workbook` (XlsxWriter's bytes) with `rows` (XML in pieces; bytes are UTF-8) appended to the
    `<sheetData>` of worksheet `member`
    (e.g. "xl/worksheets/sheet1.xml") and its dimension set to A1 through (`last_row`, `last_column`), both
    1-based. Every other zip member is kept as it was (but for `edit(name, bytes)`), in order, with its date
    and attributes."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    members: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info in source.infolist():
        data = source.read(info)
        if edit is not None:
            data = edit(info.filename, data)
        if info.filename == member:
            if b"</sheetData>" not in data:
                raise ValueError(f"{member} has no <sheetData> to fill")
            dimension = f'<dimension ref="A1:{column_letter(last_column - 1)}{last_row}"/>'.encode()
            head, tail = _DIMENSION.sub(dimension, data, count=1).split(b"</sheetData>", 1)
            pieces = [piece.encode("utf-8") if isinstance(piece, str) else piece for piece in rows]
            data = b"".join([head, *pieces, b"</sheetData>", tail])
        members.append((info, data))
    return zip_bytes(members)


def zip_bytes(members: Sequence[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip archive of `members` (each with the name, date and attributes of its ZipInfo), deflated with
    ISA-L (python-isal): a coder sheet's worksheet is tens of megabytes of XML, and zlib's fastest level took
    a third of writing it; ISA-L takes a quarter of that for about the same size. `zipfile` can neither use
    another deflater nor take data already deflated, so the container (PKWARE APPNOTE 4.3: local headers,
    central directory, end record; no zip64 — refused above 4 GB) is written here."""
    from isal import isal_zlib

    body = io.BytesIO()
    directory = io.BytesIO()
    for info, data in members:
        name = info.filename.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
        compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        crc = isal_zlib.crc32(data)
        year, month, day, hour, minute, second = info.date_time
        dos_time = hour << 11 | minute << 5 | second // 2
        dos_date = (year - 1980) << 9 | month << 5 | day
        offset = body.tell()
        if max(len(data), len(packed), offset) >= 0xFFFFFFFF or len(members) >= 0xFFFF:
            raise ValueError("a workbook this large needs zip64")
        fields = (20, flags, zipfile.ZIP_DEFLATED, dos_time, dos_date, crc, len(packed), len(data), len(name))
        body.write(struct.pack("<4s5H3LHH", b"PK\x03\x04", *fields, 0))
        body.write(name)
        body.write(packed)
        made_by = info.create_system << 8 | 20
        directory.write(
            struct.pack("<4sH5H3L5HLL", b"PK\x01\x02", made_by, *fields, 0, 0, 0, 0, info.external_attr, offset)
        )
        directory.write(name)
    start = body.tell()
    body.write(directory.getvalue())
    count = len(members)
    body.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory.getvalue()), start, 0))
    return body.getvalue()
