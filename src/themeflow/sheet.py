"""The coder sheet (`02-code/units.xlsx` or `.csv`): reading, validating and writing it.

The sheet is the one file people edit. Tool columns are written by themeflow; people's columns
(`decision`, `final_code`, `coder`, `memo`, `translation`, `quote`, and any column a person adds) are read
and written back exactly as people left them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from themeflow import fsio
from themeflow.errors import InputError, Problem

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


def normalise_decision(value: str) -> str | None:
    """'' for pending, 'accept' or 'reject'; None when the word is not a decision."""
    word = (value or "").strip()
    if not word:
        return ""
    return DECISION_WORDS.get(word.lower())


def effective_code(row: Row) -> str:
    """The code a row counts under: the coder's `final_code` when given, else the drafted `code`."""
    return (row.get("final_code") or "").strip() or (row.get("code") or "").strip()


def is_quote(row: Row) -> bool:
    return (row.get("quote") or "").strip().lower() not in {"", "0", "no", "false", "否", "n"}


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if isinstance(value, str) else str(value)


def read_rows(path: Path) -> tuple[list[str], list[Row]]:
    """Columns and rows of a sheet. Each row also carries `_row`, its 1-based row number in the file
    (the header is row 1), for messages. Fully blank rows are skipped."""
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
    header = [_cell(h) for h in table[0]]
    while header and not header[-1]:
        header.pop()
    rows: list[Row] = []
    for number, values in enumerate(table[1:], start=2):
        cells = [_cell(v) for v in values] + [""] * max(0, len(header) - len(values))
        if not any(cells[: len(header)]):
            continue
        row = {name: cells[i] for i, name in enumerate(header) if name}
        row["_row"] = str(number)
        rows.append(row)
    return header, rows


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
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=path) from exc
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def check_columns(header: Sequence[str], path: Path, required: Iterable[str] = REQUIRED_COLUMNS) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            file=path.name,
            row=1,
            hint="restore the header row from the previous sheet in 02-code/history/",
        )


def validate_rows(rows: list[Row], path: Path, known_codes: set[str]) -> list[Problem]:
    """Problems people can fix in the sheet: unknown decisions or codes, duplicated unit ids."""
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
                Problem(f'decision "{row["decision"]}" is not one of {", ".join(DECISION_CHOICES)} (or blank)', name, number)
            )
        final = row.get("final_code", "").strip()
        if final and final not in known_codes:
            problems.append(Problem(f'final_code "{final}" is not in the codebook', name, number))
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


def sheet_bytes(path: Path, columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str]) -> bytes:
    if Path(path).suffix.lower() == ".csv":
        return csv_bytes(columns, rows)
    return xlsx_bytes(columns, rows, codebook_rows, codes)


def write(path: Path, columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str]) -> None:
    """Write the sheet atomically (refusing while it is open in Excel / WPS)."""
    refuse_if_open(Path(path))
    fsio.write_bytes(Path(path), sheet_bytes(path, columns, rows, codebook_rows, codes))


def csv_bytes(columns: list[str], rows: list[Row]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    # A BOM so Excel and WPS open the UTF-8 CSV with Chinese intact.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


WIDTHS = {"text": 60, "memo": 30, "translation": 40, "evidence": 24, "unit_id": 14, "transcript_id": 14}


def xlsx_bytes(columns: list[str], rows: list[Row], codebook_rows: list[Row], codes: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from themeflow.xlsx import workbook_bytes

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(columns)
    numeric = {"start", "end", "score"}
    for row in rows:
        values: list[Any] = []
        for column in columns:
            value = row.get(column, "")
            if column in numeric and value not in ("", None):
                try:
                    values.append(int(value) if column != "score" else float(value))
                    continue
                except ValueError:
                    pass
            values.append(value)
        sheet.append(values)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    people_fill = PatternFill("solid", fgColor="FFF4D6")
    for index, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = people_fill if name not in TOOL_COLUMNS else header_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 11)
    wrap = Alignment(wrap_text=True, vertical="top")
    for name in ("text", "memo", "translation", "evidence"):
        if name in columns:
            letter = get_column_letter(columns.index(name) + 1)
            for cell in sheet[letter][1:]:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    last = max(len(rows) + 1, 2) + 500  # room for manual units people add
    if "decision" in columns:
        letter = get_column_letter(columns.index("decision") + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(DECISION_CHOICES) + '"', allow_blank=True)
        dv.error = "accept / reject / 接受 / 拒绝, or leave blank"
        dv.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(dv)
    if "final_code" in columns and codes:
        letter = get_column_letter(columns.index("final_code") + 1)
        dv = DataValidation(type="list", formula1=f"={CODEBOOK_SHEET}!$A$2:$A${len(codes) + 1}", allow_blank=True)
        dv.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(dv)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"

    reference = workbook.create_sheet(CODEBOOK_SHEET)
    ref_columns = ["id", "theme", "label_zh", "label_en", "definition", "when_to_use", "when_not_to_use"]
    reference.append(ref_columns)
    for entry in codebook_rows:
        reference.append([entry.get(c, "") for c in ref_columns])
    for index, name in enumerate(ref_columns, start=1):
        reference.cell(row=1, column=index).font = Font(bold=True)
        reference.column_dimensions[get_column_letter(index)].width = 40 if index > 4 else 14
        for cell in reference[get_column_letter(index)][1:]:
            cell.alignment = wrap
    reference.freeze_panes = "A2"
    return workbook_bytes(workbook)
