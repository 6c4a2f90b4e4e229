"""The participants file (CSV in UTF-8 or GBK, or XLSX) and matching transcripts to participants.

`participant_id` is required. A `file` column, when present, names each participant's transcript;
otherwise the id comes from the file name (`P01_访谈.txt` → `P1`, leading zeros ignored).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from themeflow.errors import InputError

# Transcripts may hold very long lines; the csv module's default field limit (128 KiB) must not break reading.
csv.field_size_limit(2**31 - 1)

_ID_IN_NAME = re.compile(r"(?:^|[^A-Za-z])[Pp]\s*[-_]?\s*(\d{1,4})(?!\d)")
_ID_AFTER_WORD = re.compile(r"(?:受访者|受訪者|参与者|參與者|participant|interviewee)\s*[-_]?\s*(\d{1,4})", re.I)
_ID_FORM = re.compile(r"^([A-Za-z]+)\s*[-_]?\s*0*(\d+)$")


def normalise_id(value: str) -> str:
    """`P01` → `P1`, `p 3` → `P3`; other ids are kept as written (trimmed)."""
    value = str(value).strip()
    match = _ID_FORM.match(value)
    if match:
        return f"{match.group(1).upper()}{int(match.group(2))}"
    if value.isdigit():
        return f"P{int(value)}"
    return value


def id_from_filename(name: str) -> str | None:
    """The participant id a file name carries, with its number as written (`P01_访谈.txt` → `P01`,
    `受访者3.docx` → `P3`); None when it carries none."""
    stem = Path(name).stem
    for pattern in (_ID_IN_NAME, _ID_AFTER_WORD):
        match = pattern.search(stem)
        if match:
            return f"P{match.group(1)}"
    return None


@dataclass
class Participants:
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    source: Path | None = None

    def by_id(self) -> dict[str, dict[str, str]]:
        return {r["participant_id"]: r for r in self.rows}

    def id_for_file(self, name: str) -> str | None:
        """The participant of a transcript file: by the `file` column, else by the file name (`P1_访谈.txt` is
        participant `P01` when the participants file writes it so; without a listing, the id as the file name
        writes it)."""
        if "file" in self.columns:
            wanted = {Path(name).name, Path(name).stem}
            for row in self.rows:
                listed = row.get("file", "").strip()
                if listed and (listed in wanted or Path(listed).stem in wanted):
                    return row["participant_id"]
        derived = id_from_filename(name)
        if derived is None:
            return None
        as_written = {normalise_id(r["participant_id"]): r["participant_id"] for r in self.rows}
        return as_written.get(normalise_id(derived), derived)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read(path: Path) -> Participants:
    """Read a participants file; errors name the file and row."""
    path = Path(path)
    if not path.exists():
        raise InputError("participants file not found", file=path)
    suffix = path.suffix.lower()
    table: list[list[object]]
    if suffix in {".xlsx", ".xlsm"}:
        table = _read_xlsx(path)
    elif suffix in {".csv", ".txt", ".tsv"}:
        table = [list[object](row) for row in _read_csv(path, "\t" if suffix == ".tsv" else ",")]
    else:
        raise InputError("a participants file must be .csv or .xlsx", file=path.name)
    if not table:
        raise InputError("the participants file is empty", file=path.name)
    header = [_cell(h).lstrip("\ufeff") for h in table[0]]
    lowered = [h.lower() for h in header]
    aliases = {"participant_id", "participant", "id", "编号", "受访者编号", "参与者编号"}
    id_column = next((i for i, h in enumerate(lowered) if h in aliases and h == "participant_id"), None)
    if id_column is None:
        id_column = next((i for i, h in enumerate(lowered) if h in aliases), None)
    if id_column is None:
        raise InputError(
            "no participant_id column", file=path.name, row=1, hint="name the first column participant_id (P1, P2, ...)"
        )
    header[id_column] = "participant_id"
    file_aliases = {"file", "文件", "文件名", "访谈文件", "转录文件", "transcript", "transcript_file", "filename"}
    if "file" not in lowered:
        file_column = next((i for i, h in enumerate(lowered) if h in file_aliases and i != id_column), None)
        if file_column is not None:
            header[file_column] = "file"
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    files: dict[str, int] = {}
    for number, values in enumerate(table[1:], start=2):
        cells = [_cell(v) for v in values] + [""] * max(0, len(header) - len(values))
        if not any(cells):
            continue
        row = {name: cells[i] for i, name in enumerate(header) if name}
        if not row["participant_id"]:
            raise InputError("participant_id is empty", file=path.name, row=number)
        # Ids stay as the researcher wrote them (P01 stays P01); P01 and P1 are the same participant.
        key = normalise_id(row["participant_id"])
        if key in seen:
            raise InputError(
                f"participant {row['participant_id']} is listed twice (also row {seen[key]})",
                file=path.name,
                row=number,
            )
        seen[key] = number
        listed = row.get("file", "").strip()
        if listed:
            if listed in files:
                raise InputError(
                    f"file {listed} is given to two participants (also row {files[listed]})", file=path.name, row=number
                )
            files[listed] = number
        rows.append(row)
    return Participants([h for h in header if h], rows, path)


def _read_csv(path: Path, delimiter: str) -> list[list[str]]:
    import csv
    import io

    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("the participants file is not UTF-8, GBK or Big5 text", file=path.name)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path) -> list[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError("not a readable .xlsx workbook", file=path.name) from exc
    try:
        return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def csv_text(participants: Participants, drop: set[str] | None = None) -> str:
    """The participants table as CSV text (as kept in 01-ingest/participants.csv), sorted by id."""
    import csv
    import io

    drop = drop or set()
    columns = [c for c in participants.columns if c not in drop]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in sorted(participants.rows, key=lambda r: sort_key(r["participant_id"])):
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def sort_key(participant_id: str) -> tuple[str, int, str]:
    """P2 before P10."""
    match = re.match(r"^([A-Za-z]*)(\d+)(.*)$", participant_id)
    if match:
        return (match.group(1), int(match.group(2)), match.group(3))
    return (participant_id, 0, "")
