"""Reading the per-coder sheets that `agree` compares: who coded them, whether they belong together, and
each coder's accepted units as spans of the normalised transcripts (manual units located by their text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from themeflow import sheet
from themeflow.agree.units import Span
from themeflow.errors import InputError, Problem

Row = dict[str, str]
PREPARED_PREFIX = "units-"


@dataclass
class CoderSheet:
    path: Path
    coder: str
    header: list[str]
    rows: list[Row]  # manual rows carry the start/end found by locating their text
    units: dict[str, Row] = field(default_factory=dict)  # unit key -> row
    spans: list[Span] = field(default_factory=list)  # accepted units
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    orphaned: int = 0  # accepted rows whose text is gone from the transcript: not counted

    def summary(self) -> dict[str, object]:
        return {
            "coder": self.coder,
            "sheet": str(self.path),
            "units": len(self.rows),
            "accepted": self.accepted,
            "rejected": self.rejected,
            "pending": self.pending,
            "orphaned_ignored": self.orphaned,
        }


def unit_key(row: Row) -> str:
    """A unit's identity across coders' sheets: its unit_id, or for a manual unit (no id yet) its
    transcript, text and code."""
    unit_id = (row.get("unit_id") or "").strip()
    if unit_id:
        return unit_id
    return "\x1f".join(
        [
            "manual",
            row.get("transcript_id", "").strip(),
            row.get("text", "").strip(),
            sheet.effective_code(row),
        ]
    )


def coder_name(path: Path, rows: list[Row]) -> str:
    """The one name in the sheet's `coder` column, else the file name (without a leading `units-`)."""
    first: tuple[str, str] | None = None
    for row in rows:
        name = (row.get("coder") or "").strip()
        if not name:
            continue
        if first is None:
            first = (name, row["_row"])
        elif name.casefold() != first[0].casefold():
            raise InputError(
                f'coder "{name}" differs from "{first[0]}" (row {first[1]}): one sheet holds one coder\'s decisions',
                file=path.name,
                row=int(row["_row"]),
            )
    if first is not None:
        return first[0]
    stem = path.stem
    return (
        stem[len(PREPARED_PREFIX) :] if stem.startswith(PREPARED_PREFIX) and len(stem) > len(PREPARED_PREFIX) else stem
    )


def locate(text: str, transcript: str) -> list[int]:
    """Every start offset of `text` in `transcript` (overlapping occurrences included)."""
    out: list[int] = []
    position = transcript.find(text)
    while position >= 0:
        out.append(position)
        position = transcript.find(text, position + 1)
    return out


def _offset(row: Row, column: str, path: Path) -> int:
    value = (row.get(column) or "").strip()
    try:
        return int(value)
    except ValueError:
        raise InputError(f'{column} "{value}" is not a whole number', file=path.name, row=int(row["_row"])) from None


def _check_offsets(row: Row, start: int, end: int, body: str | None, path: Path) -> None:
    """An accepted unit's offsets must still point at its text: a sheet from an older ingest would
    otherwise be compared on the wrong sentences."""
    tid = row["transcript_id"].strip()
    if body is None:
        raise InputError(
            f'transcript "{tid}" is not in 01-ingest/transcripts',
            file=path.name,
            row=int(row["_row"]),
            hint="the sheet comes from another ingest: run `themeflow code` "
            "and compare sheets prepared from the current coder sheet",
        )
    if body[start:end].strip() != (row.get("text") or "").strip():
        raise InputError(
            f"start/end {start}–{end} no longer hold this unit's text in transcript {tid}",
            file=path.name,
            row=int(row["_row"]),
            hint="the sheet comes from an older ingest: run `themeflow code`, then compare sheets "
            "prepared from the current coder sheet",
        )


def read_sheet(
    path: Path,
    known_codes: set[str],
    transcript: Callable[[str], str | None],
    current: dict[str, tuple[str, str, str]] | None = None,
    drafted_codes: dict[str, str] | None = None,
) -> CoderSheet:
    """Read and check one coder's sheet. `transcript(tid)` returns a normalised transcript or None.
    `current` maps unit ids to where the workspace coder sheet has them now (start, end, text): a copy made
    before transcripts or de-identification changed is compared where its units are now."""
    path = Path(path)
    header, rows = sheet.read_rows(path)
    sheet.check_columns(header, path)
    problems = sheet.validate_rows(rows, path, known_codes)
    recoded = sheet.code_column_edits(rows, drafted_codes or {}, path.name)
    problems += recoded
    said = {p.row for p in recoded}
    for row in rows:
        if int(row["_row"]) in said:
            continue
        # An accepted unit counts under its drafted `code` when it has no `final_code`. `validate_rows` has
        # already reported an unknown final_code, and an unknown code of a manual unit: each problem once.
        final = (row.get("final_code") or "").strip()
        code = (row.get("code") or "").strip()
        if (
            not final
            and (row.get("unit_id") or "").strip()
            and sheet.normalise_decision(row.get("decision", "")) == "accept"
            and code not in known_codes
        ):
            message = f'code "{code}" is not in the codebook' if code else "an accepted unit needs a code or final_code"
            problems.append(Problem(message, path.name, int(row["_row"])))
    if problems:
        raise InputError.from_problems(problems, hint="fix the coder's sheet and run again (nothing was written)")
    result = CoderSheet(path=path, coder=coder_name(path, rows), header=header, rows=[])
    for original in rows:
        row = dict(original)
        number = int(row["_row"])
        if not row.get("unit_id", "").strip():
            tid = row["transcript_id"].strip()
            body = transcript(tid)
            if body is None:
                raise InputError(
                    f'transcript "{tid}" of this manual unit is not in 01-ingest/transcripts',
                    file=path.name,
                    row=number,
                    hint="check transcript_id, or run `themeflow ingest`",
                )
            text = row["text"].strip()
            found = locate(text, body)
            if len(found) != 1:
                what = "not found" if not found else f"found {len(found)} times"
                raise InputError(
                    f"the text of this manual unit is {what} in transcript {tid}",
                    file=path.name,
                    row=number,
                    hint="copy the exact words from the transcript (a longer passage if it repeats)",
                )
            row["start"], row["end"] = str(found[0]), str(found[0] + len(text))
            row["status"] = row.get("status") or "manual"
        key = unit_key(row)
        if key in result.units:
            raise InputError(
                f"this unit appears twice (also row {result.units[key]['_row']})", file=path.name, row=number
            )
        result.units[key] = row
        result.rows.append(row)
        decision = sheet.normalise_decision(row.get("decision", ""))
        if decision == "":
            result.pending += 1
        elif decision == "reject":
            result.rejected += 1
        else:
            result.accepted += 1
            if (row.get("status") or "").strip() == "orphaned":
                result.orphaned += 1
                continue
            now = (current or {}).get(row.get("unit_id", "").strip())
            if now is not None:
                row["start"], row["end"], row["text"] = now
            start, end = _offset(row, "start", path), _offset(row, "end", path)
            _check_offsets(row, start, end, transcript(row["transcript_id"].strip()), path)
            result.spans.append(Span(row["transcript_id"].strip(), start, end, sheet.effective_code(row)))
    return result


def check_together(sheets: list[CoderSheet]) -> None:
    """Sheets compared must come from one coder sheet: distinct coders, the same transcripts."""
    seen: dict[str, Path] = {}
    for item in sheets:
        if item.coder in seen:
            raise InputError(
                f'coder "{item.coder}" also decided {seen[item.coder].name}: each sheet must be a different coder\'s',
                file=item.path.name,
                hint="fill the `coder` column (or name the files units-NAME.xlsx)",
            )
        seen[item.coder] = item.path
    first = sheets[0]
    reference = {r["transcript_id"].strip() for r in first.rows}
    for item in sheets[1:]:
        mine = {r["transcript_id"].strip() for r in item.rows}
        if mine == reference:
            continue
        extra = sorted(mine - reference)
        if extra:
            row = next(r for r in item.rows if r["transcript_id"].strip() == extra[0])
            raise InputError(
                f'transcript "{extra[0]}" is not in {first.path.name}: the sheets do not belong together',
                file=item.path.name,
                row=int(row["_row"]),
                hint="compare copies of the same coder sheet (themeflow agree --prepare NAME...)",
            )
        missing = sorted(reference - mine)
        raise InputError(
            f"transcript{'s' if len(missing) > 1 else ''} {', '.join(missing[:5])} of {first.path.name} "
            "missing: the sheets do not belong together",
            file=item.path.name,
            hint="compare copies of the same coder sheet (themeflow agree --prepare NAME...)",
        )
