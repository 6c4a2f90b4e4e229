"""Everything stage 04 reads, loaded and validated once: the coder sheet, the applied codebook, the
participants kept by ingest and the segments (which transcript belongs to whom)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import sheet as sheet_mod
from themeflow.codebook import Codebook
from themeflow.errors import InputError, Problem, UsageError
from themeflow.lock import relative
from themeflow.workspace import Workspace

Row = dict[str, str]


@dataclass
class Unit:
    """An accepted unit, as the themes stage counts it."""

    unit_id: str
    row: int  # spreadsheet row, for messages
    transcript_id: str
    participant_id: str
    code: str
    text: str
    start: int
    score: float
    orphaned: bool
    quote: bool
    translation: str
    not_quote: bool = False  # people said no (quote = 0 / no / 否): never picked automatically


@dataclass
class ThemesInputs:
    codebook: Codebook
    units: list[Unit]  # accepted units only
    participants: list[Row]  # characteristics, natural participant order
    participant_columns: list[str]
    transcripts: list[tuple[str, str]]  # (transcript_id, participant_id) of every ingested transcript
    sheet_name: str
    warnings: list[str] = field(default_factory=list)  # about the data: shown by the CLI and in the report
    # For the person running the command only, never written into an artefact (outputs stay a pure
    # function of the inputs): e.g. the sheet is open in Excel right now.
    notices: list[str] = field(default_factory=list)
    deid_warning: str | None = None  # ingest ran with de-identification off: the report says so on top
    has_participants_file: bool = False  # ingest kept a participants file (else participants are bare ids)


DEID_OFF_PARAM = "ingested_without_deid"


def codebook_path(ws: Workspace) -> Path:
    """The codebook the code stage applied, else the workspace codebook."""
    applied = ws.code_dir / "codebook.yaml"
    return applied if applied.exists() else ws.codebook_file


def dependency_paths(ws: Workspace) -> list[Path]:
    return [
        ws.sheet_path,
        codebook_path(ws),
        ws.ingest_dir / "participants.csv",
        ws.ingest_dir / "segments.csv",
    ]


def natural_key(participant_id: str) -> tuple[str, int, str]:
    from themeflow.ingest.participants import sort_key

    return sort_key(participant_id)


def _read_csv(path: Path) -> tuple[list[str], list[Row]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
        return list(reader.fieldnames or []), rows


def _transcripts(ws: Workspace) -> list[tuple[str, str]]:
    path = ws.ingest_dir / "segments.csv"
    if not path.exists():
        raise UsageError(
            "no ingested transcripts yet", file=relative(path, ws.root), hint="run `themeflow ingest` first"
        )
    pairs: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pairs.setdefault(row["transcript_id"], row["participant_id"])
    return sorted(pairs.items(), key=lambda p: (natural_key(p[1]), p[0]))


def open_sheet_notice(ws: Workspace) -> str | None:
    """A warning when the coder sheet is open in Excel / WPS right now: what is read is the last saved file."""
    sheet_path = ws.sheet_path
    if sheet_mod.lock_file(sheet_path).exists():
        return f"{sheet_path.name} is open in Excel/WPS: unsaved edits are not included (save it and run again)"
    return None


def unlocated_manual_units(rows: list[Row], sheet_name: str) -> list[Problem]:
    """Rows people added (empty unit_id) that `themeflow code` has not located in the transcript yet: until
    it has, nobody knows whether their text is there once, so stage 04 cannot count them."""
    return [
        Problem(
            "a manual unit not yet located: run `themeflow code` (or `themeflow run`) first",
            sheet_name,
            int(row["_row"]),
        )
        for row in rows
        if not row.get("unit_id", "").strip()
    ]


def _number(value: str, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def load(ws: Workspace) -> ThemesInputs:
    """Read and validate every input; raise InputError naming the file and row on a problem."""
    from themeflow import codebook as codebook_mod
    from themeflow.deid.status import warning_for

    sheet_path = ws.sheet_path
    if not sheet_path.exists():
        raise UsageError("no coder sheet yet", file=relative(sheet_path, ws.root), hint="run `themeflow code` first")
    book = codebook_mod.load(codebook_path(ws))
    transcripts = _transcripts(ws)
    owner = dict(transcripts)

    participants_file = ws.ingest_dir / "participants.csv"
    columns: list[str] = []
    participants: list[Row] = []
    if participants_file.exists():
        columns, participants = _read_csv(participants_file)
        participants = [p for p in participants if p.get("participant_id")]
    has_participants_file = bool(participants)
    if not participants:  # no participants file: those who were interviewed (see _counted_participants)
        columns = ["participant_id"]

    header, rows = sheet_mod.read_rows(sheet_path)
    sheet_mod.check_columns(header, sheet_path)
    known = set(book.code_ids)
    invalid = sheet_mod.validate_rows(rows, sheet_path, known, [n.id for n in book.walk() if not n.is_code])
    problems = invalid + unlocated_manual_units(rows, sheet_path.name)
    if problems:
        raise InputError.from_problems(
            problems,
            hint="fix the sheet and run again (nothing was written)"
            if invalid
            else "`themeflow code` finds each manual unit's text in its transcript and gives it an id",
        )
    units: list[Unit] = []
    warnings: list[str] = []
    book_name = codebook_path(ws).name
    removed: dict[str, int] = {}  # accepted units of transcripts no longer ingested
    for row in rows:
        number = int(row["_row"])
        decision = sheet_mod.normalise_decision(row.get("decision", ""))
        if decision != "accept":
            if sheet_mod.is_quote(row):
                warnings.append(f"{sheet_path.name} row {number}: marked as a quote but not accepted; not used")
            continue
        transcript_id = row.get("transcript_id", "").strip()
        if owner and transcript_id not in owner:
            # Its transcript was removed (a participant withdrew, a file was taken out): not counted, not quoted.
            removed[transcript_id] = removed.get(transcript_id, 0) + 1
            continue
        code = sheet_mod.effective_code(row)
        if code not in known:
            raise InputError(
                f'code "{code}" is not in codebook {book_name}',
                file=sheet_path.name,
                row=number,
                hint="recode it in final_code, or reject it",
            )
        transcript_id = row.get("transcript_id", "").strip()
        participant_id = row.get("participant_id", "").strip() or owner.get(transcript_id, "")
        if not participant_id:
            raise InputError(
                f'transcript "{transcript_id}" is not an ingested transcript',
                file=sheet_path.name,
                row=number,
                hint="give the participant_id, or correct the transcript_id",
            )
        units.append(
            Unit(
                unit_id=row.get("unit_id", "").strip(),
                row=number,
                transcript_id=transcript_id,
                participant_id=participant_id,
                code=code,
                text=row.get("text", "").strip(),
                start=int(_number(row.get("start", ""), 0)),
                score=_number(row.get("score", "")),
                orphaned=row.get("status", "").strip() == "orphaned",
                quote=sheet_mod.is_quote(row),
                translation=row.get("translation", "").strip(),
                not_quote=sheet_mod.is_not_quote(row),
            )
        )
    if removed:
        listed = ", ".join(f"{tid} ({count})" for tid, count in sorted(removed.items()))
        warnings.append(
            f"accepted units of transcripts no longer ingested are not counted or quoted: {listed} — restore the "
            f"transcripts, or delete those rows from {sheet_path.name}"
        )
    participants, participant_warnings = _counted_participants(
        participants, {p for p in owner.values() if p}, {u.participant_id for u in units}, participants_file.name
    )
    warnings += participant_warnings
    notice = open_sheet_notice(ws)
    return ThemesInputs(
        book,
        units,
        participants,
        columns,
        transcripts,
        sheet_path.name,
        warnings,
        notices=[notice] if notice else [],
        deid_warning=warning_for(ws),
        has_participants_file=has_participants_file,
    )


def _counted_participants(
    listed: list[Row], interviewed: set[str], with_units: set[str], file_name: str
) -> tuple[list[Row], list[str]]:
    """The participants N counts: everyone with an ingested transcript (and anyone an accepted unit names),
    with their characteristics where the participants file has them. Those listed but never ingested are
    left out and named in a warning."""
    counted = interviewed | with_units
    by_id = {p["participant_id"]: p for p in listed}
    warnings: list[str] = []
    absent = sorted(set(by_id) - counted, key=natural_key)
    if absent:
        warnings.append(f"participants without a transcript, not counted: {', '.join(absent)} (listed in {file_name})")
    if by_id:
        unlisted = sorted(with_units - set(by_id), key=natural_key)
        if unlisted:
            warnings.append(f"participants with accepted units but not in {file_name}: {', '.join(unlisted)}")
        unlisted_interviewed = sorted(interviewed - set(by_id) - with_units, key=natural_key)
        if unlisted_interviewed:
            warnings.append(
                f"participants with a transcript but not in {file_name} (counted, characteristics missing): "
                + ", ".join(unlisted_interviewed)
            )
    rows = [by_id.get(p) or {"participant_id": p} for p in counted]
    return sorted(rows, key=lambda p: natural_key(p["participant_id"])), warnings


def params(ws: Workspace) -> dict[str, Any]:
    """The settings that shape stage 04's outputs (recorded in its stage record). Whether ingest ran without
    de-identification is one of them (the report carries a banner then); recorded only when it did, so
    records of de-identified workspaces stay as they were."""
    import json

    from themeflow.deid.status import deid_was_off

    settings = json.loads(json.dumps(ws.section("themes"), sort_keys=True))
    if deid_was_off(ws):
        settings[DEID_OFF_PARAM] = True
    return settings
