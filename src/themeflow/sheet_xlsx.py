"""The coder sheet as .xlsx: XlsxWriter's workbook (frozen header, widths and wrapping for Chinese text,
dropdowns, people's columns shaded, the codebook worksheet), the rows spliced in as XML on the fast path, and
what reading the written sheet back gives (the re-run cache's rows)."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow import fsio, xlsx
from themeflow.sheet import (
    CODEBOOK_SHEET,
    DATA_SHEET,
    DECISION_CHOICES,
    TOOL_COLUMNS,
    TYPES_KEY,
    Row,
    _cell,
    cell_kinds,
)

WIDTHS = {"text": 60, "memo": 30, "translation": 40, "evidence": 24, "unit_id": 14, "transcript_id": 14}
WRAPPED = {"text", "memo", "translation", "evidence"}
NUMERIC = {"start", "end", "score"}


def _number(column: str, value: str) -> int | float | None:
    if column not in NUMERIC or value in ("", None):
        return None
    try:
        return int(value) if column != "score" else float(value)
    except ValueError:
        return None


def _write_typed(sheet: Any, row: int, col: int, value: str, kind: str, formats: dict[str, Any], top: Any) -> None:
    """Write a people's cell back as the number, date or boolean it was (never turn it into text)."""
    try:
        if kind == "number":
            sheet.write_number(row, col, float(value) if any(c in value for c in ".eE") else int(value), top)
        elif kind == "bool":
            sheet.write_boolean(row, col, value == "TRUE", top)
        elif kind == "datetime":
            sheet.write_datetime(row, col, _dt.datetime.fromisoformat(value), formats["datetime"])
        elif kind == "date":
            sheet.write_datetime(row, col, _dt.date.fromisoformat(value), formats["date"])
        elif kind == "time":
            sheet.write_datetime(row, col, _dt.time.fromisoformat(value), formats["time"])
        else:
            sheet.write_string(row, col, value, top)
    except ValueError:
        sheet.write_string(row, col, value, top)


def xlsx_bytes(
    columns: list[str],
    rows: list[Row],
    codebook_rows: list[Row],
    codes: list[str],
    skeleton_cache: Path | None = None,
) -> bytes:
    """The coder sheet as .xlsx (XlsxWriter): frozen header, widths and wrapping for Chinese text, dropdowns for
    `decision` and `final_code`, people's columns shaded, and a second worksheet listing the codebook.

    Rows of text and numbers only (the usual case) are spliced into a workbook XlsxWriter wrote without them
    (see xlsx.py). That workbook depends on the rows only through their count, so it is made for one row and
    set to the real count (`_for_row_count`); with `skeleton_cache` (a private folder) it is kept there, and a
    re-run with the same columns and codebook does not need XlsxWriter at all. (`fast_plan`, `rows_xml` and
    `assemble` are the same in steps, for callers that make the rows' XML in pieces.)"""
    plan = fast_plan(columns, rows, codebook_rows, codes, skeleton_cache)
    if plan is None:
        return _workbook(columns, rows, codebook_rows, codes, len(rows), write_rows=True)[0]
    return assemble(plan, columns, rows, codebook_rows, codes, [rows_xml(columns, rows, plan.styles, 0)])


@dataclass(frozen=True)
class FastPlan:
    """What splicing rows into a workbook needs besides the rows: XlsxWriter's skeleton, the format index of
    each column's cells, and how many dropdown columns the skeleton has."""

    skeleton: bytes
    styles: list[int]
    dropdowns: int


def fast_plan(
    columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str], skeleton_cache: Path | None
) -> FastPlan | None:
    """The fast path's plan, or None when XlsxWriter must write the rows itself (none, or people's cells that
    are dates, numbers or booleans)."""
    if not rows or any(row.get(TYPES_KEY) for row in rows):
        return None
    skeleton, (wrap, top) = _skeleton(columns, codebook_rows, codes, skeleton_cache)
    styles = [wrap if name in WRAPPED else top for name in columns]
    dropdowns = int("decision" in columns) + int("final_code" in columns and bool(codes))
    return FastPlan(skeleton, styles, dropdowns)


def rows_xml(columns: list[str], rows: list[Row], styles: list[int], first: int) -> str:
    """The worksheet XML of `rows`, the first of which is data row `first` (0-based; sheet row `first` + 2)."""
    return xlsx.columns_xml([_column_cells(column, rows) for column in columns], styles, first + 2, len(rows))


def assemble(
    plan: FastPlan,
    columns: list[str],
    rows: list[Row],
    codebook_rows: list[Row],
    codes: list[str],
    pieces: list[str | bytes],
) -> bytes:
    """The workbook with `pieces` (the XML of all `rows`, in order; bytes are UTF-8) as its data rows."""
    try:
        return xlsx.splice_rows(
            plan.skeleton,
            "xl/worksheets/sheet1.xml",
            pieces,
            len(rows) + 1,
            len(columns),
            edit=lambda name, data: _for_row_count(name, data, len(rows), plan.dropdowns),
        )
    except _NotTheSkeleton:  # pragma: no cover - a skeleton XlsxWriter wrote otherwise: write this one whole
        return _workbook(columns, rows, codebook_rows, codes, len(rows), write_rows=True)[0]


SKELETON_FORMAT = "1"
# The data row count the skeleton is made for, and the two places a count shows in it: the autofilter (rows)
# and the dropdowns (rows + 500, for units people add).
_SKELETON_ROWS = 1
_AUTOFILTER = re.compile(rb'(<autoFilter ref="A1:[A-Z]+)2("/>)')
_FILTER_NAME = re.compile(rb'(<definedName name="_xlnm\._FilterDatabase"[^>]*>[^<]*:\$[A-Z]+\$)2(</definedName>)')
_DROPDOWN = re.compile(rb'(sqref="([A-Z]+)2:\2)503(")')


class _NotTheSkeleton(ValueError):
    """The skeleton does not hold the row counts `_for_row_count` rewrites."""


def _for_row_count(name: str, data: bytes, count: int, dropdowns: int) -> bytes:
    """A member of the skeleton (made for `_SKELETON_ROWS` data rows, with `dropdowns` dropdown columns) as
    XlsxWriter writes it for `count`."""
    if name == "xl/workbook.xml":
        data, found = _FILTER_NAME.subn(rb"\g<1>%d\g<2>" % (max(count, 1) + 1), data)
        if found != 1:
            raise _NotTheSkeleton(name)
    elif name == "xl/worksheets/sheet1.xml":
        data, found = _AUTOFILTER.subn(rb"\g<1>%d\g<2>" % (max(count, 1) + 1), data)
        data, patched = _DROPDOWN.subn(rb"\g<1>%d\g<3>" % (max(count + 1, 2) + 501), data)
        if found != 1 or patched != dropdowns:
            raise _NotTheSkeleton(name)
    return data


def _skeleton(
    columns: list[str], codebook_rows: list[Row], codes: list[str], cache: Path | None
) -> tuple[bytes, tuple[int, int]]:
    """XlsxWriter's workbook for these columns and codebook with one data row, not written, and the format
    indexes of wrapped and top-aligned cells; from `cache` when made there before with the same XlsxWriter."""
    from importlib.metadata import version

    from themeflow import __version__

    made_by = [SKELETON_FORMAT, __version__, version("xlsxwriter")]
    key = json.dumps([*made_by, columns, codebook_rows, codes], ensure_ascii=False)
    path = None
    if cache is not None:
        path = cache / f"sheet-skeleton-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.json"
        try:
            kept = json.loads(path.read_bytes())
            if kept["key"] == key:
                return base64.b64decode(kept["workbook"]), (int(kept["styles"][0]), int(kept["styles"][1]))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass
    data, styles = _workbook(columns, [{}] * _SKELETON_ROWS, codebook_rows, codes, _SKELETON_ROWS, write_rows=False)
    if path is not None:
        fsio.forget_private_cache(*path.parent.glob("sheet-skeleton-*.json"))
        record = {"key": key, "styles": list(styles), "workbook": base64.b64encode(data).decode("ascii")}
        fsio.write_private_cache(path, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return data, styles


def _workbook(
    columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str], count: int, write_rows: bool
) -> tuple[bytes, tuple[int, int]]:
    """The workbook as XlsxWriter writes it for `count` data rows, with `rows` written cell by cell or (for the
    fast path) without them; and the format indexes of wrapped and top-aligned data cells."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": xlsx.FIXED_TIME, "author": "themeflow"})
    tool_head = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "valign": "top"})
    people_head = workbook.add_format({"bold": True, "bg_color": "#FFF4D6", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    data = workbook.add_worksheet(DATA_SHEET)
    for index, name in enumerate(columns):
        data.write_string(0, index, name, tool_head if name in TOOL_COLUMNS else people_head)
        data.set_column(index, index, WIDTHS.get(name, 11), wrap if name in WRAPPED else top)
    typed = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"}),
        "time": workbook.add_format({"num_format": "hh:mm:ss", "valign": "top"}),
    }
    for number, row in enumerate(rows if write_rows else [], start=1):
        kinds = cell_kinds(row) if TYPES_KEY in row else {}
        for index, column in enumerate(columns):
            value = row.get(column, "")
            numeric = _number(column, value)
            if numeric is not None:
                data.write_number(number, index, numeric)
            elif column in kinds and value:
                _write_typed(data, number, index, value, kinds[column], typed, top)
            elif value:
                data.write_string(number, index, str(value), wrap if column in WRAPPED else top)
    data.freeze_panes(1, 0)
    last = max(count + 1, 2) + 500  # room for manual units people add
    if "decision" in columns:
        col = columns.index("decision")
        data.data_validation(
            1,
            col,
            last,
            col,
            {
                "validate": "list",
                "source": DECISION_CHOICES,
                "ignore_blank": True,
                "error_message": "accept / reject / 接受 / 拒绝, or leave blank",
            },
        )
    if "final_code" in columns and codes:
        col = columns.index("final_code")
        data.data_validation(
            1,
            col,
            last,
            col,
            {
                "validate": "list",
                "source": f"={CODEBOOK_SHEET}!$A$2:$A${len(codes) + 1}",
                "ignore_blank": True,
                "error_message": "a code id from the codebook worksheet, or leave blank",
            },
        )
    data.autofilter(0, 0, max(count, 1), len(columns) - 1)

    reference = workbook.add_worksheet(CODEBOOK_SHEET)
    ref_columns = ["id", "theme", "label_zh", "label_en", "definition", "when_to_use", "when_not_to_use"]
    bold = workbook.add_format({"bold": True})
    for index, name in enumerate(ref_columns):
        reference.write_string(0, index, name, bold)
        reference.set_column(index, index, 40 if index > 3 else 14, wrap)
    for number, entry in enumerate(codebook_rows, start=1):
        for index, name in enumerate(ref_columns):
            if entry.get(name):
                reference.write_string(number, index, str(entry[name]), wrap)
    reference.freeze_panes(1, 0)
    workbook.close()  # in memory, XlsxWriter dates every zip member 1980-01-01: same rows, same bytes
    return out.getvalue(), (wrap.xf_index, top.xf_index)


def _column_cells(column: str, rows: list[Row]) -> list[xlsx.Cell] | xlsx.Numbers:
    """A column's cells for the fast path (`_plain_cell` of each, offsets that are plain digits taken as they
    are: most of a sheet's numbers)."""
    values = [row.get(column, "") for row in rows]
    if column not in NUMERIC:
        if set(map(type, values)) <= {str}:
            return values  # type: ignore[return-value]
        return [v if v.__class__ is str else _plain_cell(column, v) for v in values]
    if column == "score":  # drafted scores: short decimals (2, 3.5)
        return [
            float(v)
            if v.__class__ is str and v.replace(".", "", 1).isdigit() and v.isascii() and len(v) < 16
            else _plain_cell(column, v)
            for v in values
        ]
    if all(
        v.__class__ is str and v.isdigit() and v.isascii() and len(v) < 16 and v[0] != "0" or v == "0" for v in values
    ):
        return xlsx.Numbers(values)  # offsets, as %.16G writes them already
    return [
        int(v) if v.__class__ is str and v.isdigit() and v.isascii() and len(v) < 16 else _plain_cell(column, v)
        for v in values
    ]


def rows_as_read(columns: list[str], rows: list[Row]) -> list[Row] | None:
    """What `read_rows` returns for the .xlsx that `xlsx_bytes(columns, rows, …)` writes, without writing or
    reading it: numbers as the reader renders them, text cut at Excel's limit, tool columns trimmed, blank
    rows skipped, `_row` numbers. None when rows hold typed people's cells (not modelled). A test pins this
    against the real round trip."""
    cells = cells_as_read(columns, rows)
    if cells is None:
        return None
    keys = [*columns, "_row"]
    return [dict(zip(keys, values, strict=True)) for values in cells]


def cells_as_read(columns: list[str], rows: list[Row]) -> list[tuple[str, ...]] | None:
    """`rows_as_read` as tuples of cells in `columns` order, the row number last (the re-run cache's form).
    Worked out a column at a time: this runs on every re-run, over every row."""
    if any(row.get(TYPES_KEY) for row in rows):
        return None
    long_text = xlsx.MAX_CELL_UTF16 // 2  # shorter strings cannot exceed the limit
    table: list[list[str]] = []
    for column in columns:
        values = [row.get(column, "") or "" for row in rows]
        if max(map(len, values), default=0) > long_text:
            values = [xlsx.as_parsed(v) for v in values]
        if column in NUMERIC:
            values = [
                v if v.isdigit() and v.isascii() and (v == "0" or v[0] != "0") else _number_as_read(column, v)
                for v in values
            ]  # an offset is read back as written
        elif column in TOOL_COLUMNS:
            values = list(map(str.strip, values))
        table.append(values)
    numbers = [str(n) for n in range(2, len(rows) + 2)]
    return [cells for cells in zip(*table, numbers, strict=True) if "".join(cells[:-1]).strip()]


def _number_as_read(column: str, value: str) -> str:
    """A numeric column's cell as the reader renders it: the number written, or the text trimmed."""
    cell = _plain_cell(column, value)
    if isinstance(cell, str):
        return xlsx.as_parsed(cell).strip()
    return "" if cell is None else _cell(float(f"{cell:.16G}"))


def _plain_cell(column: str, value: str) -> xlsx.Cell:
    """A cell of the fast path: a number where the column is numeric and the value reads as one, else text."""
    numeric = _number(column, value)
    if numeric is not None and xlsx.is_plain_number(numeric):
        return numeric
    return str(value) if value else None
