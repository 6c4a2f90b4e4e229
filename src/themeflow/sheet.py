"""The coder sheet (`02-code/units.xlsx` or `.csv`): reading, validating and writing it.

The sheet is the one file people edit. Tool columns are written by themeflow; people's columns
(`decision`, `final_code`, `coder`, `memo`, `translation`, `quote`, and any column a person adds) are read
and written back exactly as people left them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Iterable, Sequence
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
    """The sheet's bytes, as .csv or .xlsx by `path`'s suffix (`skeleton_cache`: see `sheet_xlsx.xlsx_bytes`)."""
    if Path(path).suffix.lower() == ".csv":
        return csv_bytes(columns, rows)
    from themeflow.sheet_xlsx import xlsx_bytes

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
