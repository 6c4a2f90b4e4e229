"""The coder sheet (`02-code/units.xlsx` or `.csv`): reading, validating and writing it.

The sheet is the one file people edit. Tool columns are written by themeflow; people's columns
(`decision`, `final_code`, `coder`, `memo`, `translation`, `quote`, and any column a person adds) are read
and written back exactly as people left them.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow import fsio, xlsx
from themeflow.errors import InputError, Problem

# Transcripts may hold very long lines; the csv module's default field limit (128 KiB) must not break reading.
csv.field_size_limit(2**31 - 1)

TOOL_COLUMNS = [
    "unit_id",
    "transcript_id",
    "participant_id",
    "start",
    "end",
    "text",
    "code",
    "theme",
    "evidence",
    "score",
    "status",
]
PEOPLE_COLUMNS = ["decision", "final_code", "coder", "memo"]
OPTIONAL_PEOPLE_COLUMNS = ["translation", "quote"]
SHEET_COLUMNS = TOOL_COLUMNS + PEOPLE_COLUMNS
REQUIRED_COLUMNS = SHEET_COLUMNS

DECISION_WORDS = {"accept": "accept", "接受": "accept", "reject": "reject", "拒绝": "reject", "拒絕": "reject"}
DECISION_CHOICES = ["accept", "reject", "接受", "拒绝"]
STATUSES = ("new", "kept", "stale", "orphaned", "manual")
DATA_SHEET = "units"
CODEBOOK_SHEET = "codebook"

Row = dict[str, str]


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width characters pasted along


def normalise_decision(value: str) -> str | None:
    """'' for pending, 'accept' or 'reject'; None when the word is not a decision."""
    word = (value or "").translate(_INVISIBLE).strip()
    if not word:
        return ""
    return DECISION_WORDS.get(word.lower())


def effective_code(row: Row) -> str:
    """The code a row counts under: the coder's `final_code` when given, else the drafted `code`."""
    return (row.get("final_code") or "").strip() or (row.get("code") or "").strip()


NOT_A_QUOTE = {"0", "no", "false", "否", "n", "不", "不是"}


def is_quote(row: Row) -> bool:
    """People mark a representative quote with anything in `quote` (1, yes, 是, x…) except a no."""
    return (row.get("quote") or "").strip().lower() not in {""} | NOT_A_QUOTE


def is_not_quote(row: Row) -> bool:
    """People said explicitly that this unit is not to be quoted (0, no, 否…): never chosen automatically."""
    return (row.get("quote") or "").strip().lower() in NOT_A_QUOTE


def coder_names(value: str) -> list[str]:
    """The people in a `coder` cell: one name, or several joined by commas (a consensus: "王, 李")."""
    return [name.strip() for name in re.split(r"[,，、;；/]", value or "") if name.strip()]


def lock_file(path: Path) -> Path:
    """The lock file Excel / WPS leave beside a workbook while it is open."""
    return path.with_name("~$" + path.name)


def refuse_if_open(path: Path) -> None:
    lock = lock_file(path)
    if lock.exists():
        raise InputError(
            "the sheet is open in Excel or WPS (lock file ~$" + path.name + " beside it)",
            file=path,
            hint="save and close it, then run again (nothing was written)",
        )


# --- reading ------------------------------------------------------------------------------------


TYPES_KEY = "_types"  # people's cells that were numbers, dates or booleans: "column\x1ekind" joined by \x1f


def _cell(value: Any, strip: bool = True) -> str:
    """A cell as text. Tool columns are trimmed; people's cells keep exactly what they typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() if strip else value
    return str(value)


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, _dt.datetime):
        return "datetime"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, _dt.time):
        return "time"
    return None


def cell_kinds(row: Row) -> dict[str, str]:
    """Which of a row's people's cells were typed values (number, date, …) rather than text."""
    packed = row.get(TYPES_KEY, "")
    return dict(item.split("\x1e", 1) for item in packed.split("\x1f") if item) if packed else {}


def read_rows(path: Path) -> tuple[list[str], list[Row]]:
    """Columns and rows of a sheet. Each row also carries `_row`, its 1-based row number in the file
    (the header is row 1), for messages; people's cells that held numbers or dates are listed in `_types`
    so they are written back as numbers and dates. Fully blank rows are skipped."""
    path = Path(path)
    if not path.exists():
        raise InputError("sheet not found", file=path)
    if path.suffix.lower() == ".csv":
        table = _read_csv(path)
    elif path.suffix.lower() in {".xlsx", ".xlsm"}:
        table = _read_xlsx(path)
    else:
        raise InputError("a coder sheet must be .xlsx or .csv", file=path)
    if not table:
        raise InputError("the sheet is empty (no header row)", file=path)
    header = _header(table[0])
    while header and not header[-1]:
        header.pop()
    problems = _header_problems(header, path.name)
    tool = [name in TOOL_COLUMNS for name in header]
    rows: list[Row] = []
    for number, values in enumerate(table[1:], start=2):
        unnamed = [
            i for i, v in enumerate(values) if (i >= len(header) or not header[i]) and _cell(v, strip=True) != ""
        ]
        if unnamed:
            problems.append(
                Problem(
                    f"column {xlsx.column_letter(unnamed[0])} holds text but has no name in row 1: name the column "
                    "(or move the text to memo)",
                    path.name,
                    number,
                )
            )
        values = list(values[: len(header)]) + [None] * max(0, len(header) - len(values))
        cells = [_cell(v, strip=tool[i]) for i, v in enumerate(values)]
        if not any(c.strip() for c in cells):
            continue
        row = {name: cells[i] for i, name in enumerate(header) if name}
        kinds = [f"{name}\x1e{k}" for i, name in enumerate(header) if name and not tool[i] and (k := _kind(values[i]))]
        if kinds:
            row[TYPES_KEY] = "\x1f".join(kinds)
        row["_row"] = str(number)
        rows.append(row)
    if problems:
        raise InputError.from_problems(problems, hint="nothing was written")
    return header, rows


_KNOWN_COLUMNS = {name.lower(): name for name in SHEET_COLUMNS + OPTIONAL_PEOPLE_COLUMNS}


def _header(cells: list[Any]) -> list[str]:
    """Column names as people left them, with themeflow's own names recognised whatever their case
    (`Decision`, `MEMO`)."""
    names = [_cell(h) for h in cells]
    return [_KNOWN_COLUMNS.get(name.lower(), name) for name in names]


def _header_problems(header: list[str], file_name: str) -> list[Problem]:
    """Column names the next write would lose a column by: given twice, or starting with `_` (themeflow's own
    row keys)."""
    first: dict[str, int] = {}
    problems = []
    for index, name in enumerate(header):
        if not name:
            continue
        if name.startswith("_"):
            problems.append(
                Problem(f"column {name}: names starting with _ are themeflow's own: rename the column", file_name, 1)
            )
        if name in first:
            problems.append(
                Problem(
                    f"column {name} appears twice (columns {xlsx.column_letter(first[name])} and "
                    f"{xlsx.column_letter(index)}): rename or merge one of them",
                    file_name,
                    1,
                )
            )
        first.setdefault(name, index)
    return problems


def _read_csv(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("not UTF-8 or GB18030 text", file=path)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: Path) -> list[list[Any]]:
    """Cells of the units worksheet (python-calamine: a Rust reader, ~6x faster than openpyxl here)."""
    from python_calamine import CalamineWorkbook

    bomb = fsio.zip_bomb_reason(path)
    if bomb:
        raise InputError(f"refused as a possible zip bomb ({bomb})", file=path.name)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name = DATA_SHEET if DATA_SHEET in workbook.sheet_names else workbook.sheet_names[0]
        table = [list(r) for r in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for damaged files
        raise InputError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})",
            file=path,
            hint="the copy saved before each run is in 02-code/history/ (the newest units-NNNN.xlsx)",
        ) from exc
    formulas = _formula_cells(path, name)
    if formulas:
        header = [_cell(h) for h in table[0]] if table else []
        problems = [
            Problem(
                f"{header[col] if col < len(header) else 'column ' + str(col + 1)} holds a formula; themeflow keeps "
                "what people typed, not formulas: paste it as a value",
                path.name,
                row,
            )
            for row, col in formulas
        ]
        raise InputError.from_problems(problems, hint="nothing was written")
    return table


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def _formula_cells(path: Path, sheet_name: str) -> list[tuple[int, int]]:
    """(row, column index) of cells holding formulas in the named worksheet. Read straight from the
    worksheet XML (calamine gives values only); a quick byte search skips sheets without formulas."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as package:
            workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = package.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            match = re.search(r'<sheet\b[^>]*\bname="' + re.escape(sheet_name) + r'"[^>]*\br:id="([^"]+)"', workbook)
            if match is None:
                return []
            target = re.search(
                r'<Relationship\b[^>]*\bId="' + re.escape(match.group(1)) + r'"[^>]*\bTarget="([^"]+)"', rels
            )
            if target is None:
                target = re.search(
                    r'<Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="' + re.escape(match.group(1)) + '"', rels
                )
            if target is None:
                return []
            part = target.group(1).lstrip("/")
            part = part if part.startswith("xl/") else "xl/" + part
            xml = package.read(part)
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    if b"<f>" not in xml and b"<f " not in xml:
        return []
    found = []
    for cell in re.finditer(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', xml, re.S):
        body = cell.group(3) or b""
        if body.startswith(b"<f>") or body.startswith(b"<f "):
            found.append((int(cell.group(2)), _column_number(cell.group(1).decode())))
    return found


def check_columns(header: Sequence[str], path: Path, required: Iterable[str] = REQUIRED_COLUMNS) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            file=path.name,
            row=1,
            hint="restore the header row from the previous sheet in 02-code/history/",
        )


def validate_rows(rows: list[Row], path: Path, known_codes: set[str], theme_ids: Iterable[str] = ()) -> list[Problem]:
    """Problems people can fix in the sheet: unknown decisions or codes, duplicated unit ids. `theme_ids`:
    the codebook's themes, named as such when someone recodes a unit to one."""
    themes = set(theme_ids)
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    name = Path(path).name
    for row in rows:
        number = int(row["_row"])
        unit_id = row.get("unit_id", "").strip()
        if unit_id:
            if unit_id in seen:
                problems.append(Problem(f'unit_id "{unit_id}" is duplicated (also row {seen[unit_id]})', name, number))
            seen.setdefault(unit_id, str(number))
        if normalise_decision(row.get("decision", "")) is None:
            problems.append(
                Problem(
                    f'decision "{row["decision"]}" is not one of {", ".join(DECISION_CHOICES)} (or blank)', name, number
                )
            )
        final = row.get("final_code", "").strip()
        if final and final in themes:
            problems.append(
                Problem(f'final_code "{final}" is a theme, not a code: give one of its codes', name, number)
            )
        elif final and final not in known_codes:
            near = [c for c in known_codes if c.casefold() == final.casefold()]
            hint = f' (did you mean "{near[0]}"?)' if len(near) == 1 else ""
            problems.append(Problem(f'final_code "{final}" is not in the codebook{hint}', name, number))
        if not unit_id:
            if not row.get("text", "").strip():
                problems.append(Problem("a manual unit (empty unit_id) needs its text", name, number))
            if not row.get("transcript_id", "").strip():
                problems.append(Problem("a manual unit (empty unit_id) needs its transcript_id", name, number))
            if not (final or row.get("code", "").strip()):
                problems.append(Problem("a manual unit (empty unit_id) needs a code or final_code", name, number))
            elif not final and row.get("code", "").strip() not in known_codes:
                problems.append(Problem(f'code "{row["code"]}" is not in the codebook', name, number))
    return problems


def code_column_edits(rows: list[Row], drafted: dict[str, str], sheet_name: str) -> list[Problem]:
    """Drafted units whose `code` people changed (`drafted`: unit id -> the code themeflow wrote): the column is
    themeflow's and would be put back, losing the recode (a drafted unit's code is part of its id). A unit
    added by hand (m…) keeps the code its author gives it."""
    out = []
    for row in rows:
        unit, code = row.get("unit_id", "").strip(), row.get("code", "").strip()
        if unit.startswith("u") and unit in drafted and code != drafted[unit]:
            out.append(
                Problem(
                    f'code was changed from "{drafted[unit]}" to "{code}": the code column is themeflow\'s — put '
                    f'"{drafted[unit]}" back and write the new code in final_code',
                    sheet_name,
                    int(row["_row"]),
                )
            )
    return out


# --- writing ------------------------------------------------------------------------------------


def ordered_columns(header_hint: Sequence[str], rows: list[Row]) -> list[str]:
    """Standard columns first, then optional people's columns and any column people added, in their order."""
    columns = list(SHEET_COLUMNS)
    for name in list(header_hint) + OPTIONAL_PEOPLE_COLUMNS:
        if name and name not in columns and not name.startswith("_"):
            if name in OPTIONAL_PEOPLE_COLUMNS and name not in header_hint and not any(r.get(name) for r in rows):
                continue
            columns.append(name)
    return columns


def sheet_bytes(
    path: Path,
    columns: list[str],
    rows: list[Row],
    codebook_rows: list[Row],
    codes: list[str],
    skeleton_cache: Path | None = None,
) -> bytes:
    """The sheet's bytes, as .csv or .xlsx by `path`'s suffix (`skeleton_cache`: see `xlsx_bytes`)."""
    if Path(path).suffix.lower() == ".csv":
        return csv_bytes(columns, rows)
    return xlsx_bytes(columns, rows, codebook_rows, codes, skeleton_cache)


def write(path: Path, columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str]) -> None:
    """Write the sheet atomically (refusing while it is open in Excel / WPS)."""
    refuse_if_open(Path(path))
    fsio.write_bytes(Path(path), sheet_bytes(path, columns, rows, codebook_rows, codes))


def csv_bytes(columns: list[str], rows: list[Row]) -> bytes:
    out = io.StringIO(newline="")
    # Lines end in CRLF (as Excel writes them): the csv module quotes a cell holding any character of the line
    # ending, so a cell holding a lone \r (a memo pasted from an old Mac file) still reads back whole.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    # A BOM so Excel and WPS open the UTF-8 CSV with Chinese intact.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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
