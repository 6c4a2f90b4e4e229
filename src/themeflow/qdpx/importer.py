"""`themeflow import qdpx|qdc`: bring another program's project or codebook into a workspace.

A project goes into a NEW workspace (one made by `themeflow init`, with no transcripts and no coder sheet
yet) and becomes: transcripts in the workspace's transcripts folder, `codebooks/imported.yaml` (which
themeflow.yaml then points at, unless it names a codebook of its own), a participants file from the cases,
an ingest run, and one ACCEPTED manual unit per coding in the coder sheet. Ingest de-identifies the
transcripts with this workspace's settings; units are carried through those replacements onto the text
ingest wrote. Everything is read and checked first (`reader`), and the whole plan is computed before the
first byte is written; if a write fails, files already written are put back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from themeflow import codebook as codebook_mod
from themeflow import fsio
from themeflow import sheet as sheet_mod
from themeflow import workspace as workspace_mod
from themeflow.errors import InputError, UsageError
from themeflow.qdpx import codes as codes_mod
from themeflow.qdpx import offsets, reader
from themeflow.workspace import Workspace, holds_lock

IMPORTED_CODEBOOK = "codebooks/imported.yaml"
_UNSAFE_NAME = re.compile(r"[\s/\\:*?\"<>|#\x00-\x1f]+")
_SOURCE_SUFFIX = re.compile(r"\.(txt|docx?|rtf|pdf|md|odt|html?)$", re.IGNORECASE)


@dataclass
class ImportResult:
    file: Path
    origin: str = ""
    transcripts: list[Path] = field(default_factory=list)
    codebook: Path | None = None
    participants: Path | None = None
    sheet: Path | None = None
    codes: int = 0
    units: int = 0
    cases: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # codings that did not become units: exit code 1

    @property
    def exit_code(self) -> int:
        # A coding that could not be placed, or a source whose text (and so its codings) could not be read.
        return 1 if self.unplaced or any(m.startswith("source ") for m in self.skipped) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "origin": self.origin,
            "transcripts": [str(p) for p in self.transcripts],
            "codebook": str(self.codebook) if self.codebook else None,
            "participants": str(self.participants) if self.participants else None,
            "sheet": str(self.sheet) if self.sheet else None,
            "codes": self.codes,
            "units": self.units,
            "cases": self.cases,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "unplaced": self.unplaced,
            "exit_code": self.exit_code,
        }


@dataclass
class PlannedUnit:
    transcript: str  # file name of the transcript this import writes
    start: int  # code points into normalise(source text)
    end: int
    code: str
    coder: str
    memo: str
    columns: dict[str, str] = field(default_factory=dict)  # translation, quote


def unplaced_message(transcript: str, code: str, text: str, why: str) -> str:
    """One line naming a coding that did not become a unit, and what to do about it."""
    head = " ".join(text.split())
    head = head if len(head) <= 20 else head[:20] + "…"
    return (
        f"{transcript}: the {code} coding “{head}” {why}, so it was not imported; add it by hand "
        f"(a row with an empty unit_id, code {code} and its text as ingest wrote it)"
    )


# --- codebook -----------------------------------------------------------------------------------


def codebook_plan(
    codes: list[codes_mod.ImportedCode], used: set[str], title: str, source: str
) -> tuple[str, dict[str, str]]:
    """YAML text of the imported codebook and a map code guid → themeflow code id.

    themeflow assigns only leaves; a coding on a code that has sub-codes goes to an added first child
    `<id>.0 … (general)`."""
    codes = codes_mod.unfold_folded_names(codes)
    by_guid = codes_mod.assign_ids(codes)
    taken = {c.id for c in by_guid.values()}
    target: dict[str, str] = {g: c.id for g, c in by_guid.items()}
    for code_guid in sorted(used):
        parent = by_guid.get(code_guid)
        if parent is None or not parent.children:
            continue
        new_id = f"{parent.id}.0"
        while new_id in taken:
            new_id += "0"
        taken.add(new_id)
        general = codes_mod.ImportedCode(
            guid=codes_mod.guid("general", code_guid),
            name=f"{parent.name}（总体 general）",
            color=parent.color,
            id=new_id,
        )
        parent.children.insert(0, general)
        target[code_guid] = new_id
    slug = _UNSAFE_NAME.sub("-", title).strip("-").lower() or "imported"
    data = codes_mod.to_yaml_data(codes, slug, title or "Imported codebook", source)
    text = codes_mod.yaml_text(data)
    book, problems = codebook_mod.parse(yaml.safe_load(text), IMPORTED_CODEBOOK)
    problems += [] if book is None else codebook_mod.duplicate_ids(book)
    if problems:  # a bug rather than bad input, but never write a codebook themeflow cannot load
        raise InputError(f"the imported codebook would not load: {problems[0]}", file=IMPORTED_CODEBOOK)
    return text, target


@holds_lock
def import_codebook(ws: Workspace, file: Path | str) -> ImportResult:
    """A REFI-QDA codebook (.qdc) → codebooks/imported.yaml (or imported-2.yaml, … when that exists)."""
    file = Path(file)
    origin, codes = reader.load_codebook(file)
    if not codes:
        raise InputError("the codebook has no codes", file=file.name)
    text, _ = codebook_plan(codes, set(), file.stem, f"Imported from {file.name}" + (f" ({origin})" if origin else ""))
    target = _free_path(ws.root / IMPORTED_CODEBOOK, text.encode("utf-8"))
    fsio.write_text(target, text)
    book = codebook_mod.load(target)
    return ImportResult(file, origin, codebook=target, codes=len(book.codes))


def _free_path(path: Path, data: bytes) -> Path:
    """`path`, or `stem-2.suffix`, … : the first that is free or already holds exactly `data`."""
    candidate, number = path, 1
    while candidate.exists() and candidate.read_bytes() != data:
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


# --- transcripts and units ----------------------------------------------------------------------


MAX_NAME_BYTES = 150  # file systems allow 255 bytes a name; room for "-NN.txt" and a margin


def _fits_a_file_name(base: str) -> str:
    """`base` cut (at a character) to what a file name can hold: long Chinese source names are common."""
    while len(base.encode("utf-8")) > MAX_NAME_BYTES:
        base = base[:-1]
    return base


def transcript_names(sources: list[reader.Source], folder: Path) -> dict[str, str]:
    """A safe, unique .txt file name per source guid (reusing a file that holds the same text)."""
    from themeflow.ingest.stage import transcript_id_for

    taken_ids = {transcript_id_for(p) for p in folder.glob("*") if p.is_file()} if folder.is_dir() else set()
    names: dict[str, str] = {}
    for source in sources:
        base = _UNSAFE_NAME.sub("_", _SOURCE_SUFFIX.sub("", Path(source.name.replace("\\", "/")).name)).strip("._")
        base = _fits_a_file_name(base or "source")
        name, number = f"{base}.txt", 1
        while True:
            existing = folder / name
            same = existing.exists() and existing.read_bytes() == source.text.encode("utf-8")
            if same or (transcript_id_for(existing) not in taken_ids and name not in names.values()):
                break
            number += 1
            name = f"{base}-{number}.txt"
        names[source.guid] = name
    return names


def plan_units(
    project: reader.Project, names: dict[str, str], code_ids: dict[str, str], result: ImportResult
) -> tuple[list[PlannedUnit], dict[str, str]]:
    """Units with offsets in each transcript's normalised text (what ingest will write)."""
    from themeflow.ingest.normalize import normalise

    sources = {s.guid: s for s in project.sources}
    normalised: dict[str, str] = {}
    units: list[PlannedUnit] = []
    seen: set[tuple[object, ...]] = set()
    for coding in project.codings:
        source = sources[coding.source_guid]
        name = names[source.guid]
        if name not in normalised:
            normalised[name] = normalise(source.text)
        target = normalised[name]
        text = source.text
        mapping = offsets.deletion_map(text, target) if offsets.nfc(text) == text else None
        if mapping is not None:
            start, end = offsets.trim(target, mapping[coding.start], mapping[coding.end])
        else:
            needle = normalise(text[coding.start : coding.end]).strip()
            found = (
                offsets.locate(target, needle, round(coding.start * len(target) / max(len(text), 1)))
                if needle
                else None
            )
            if found is None:
                result.unplaced.append(
                    unplaced_message(
                        source.name,
                        code_ids[coding.code_guid],
                        text[coding.start : coding.end],
                        f"(selection {coding.start}–{coding.end}) could not be placed in the normalised text",
                    )
                )
                continue
            start, end = found, found + len(needle)
        if start >= end:
            result.skipped.append(f"{source.name}: selection {coding.start}–{coding.end} holds only white space")
            continue
        code = code_ids[coding.code_guid]
        # Two codings of one range with one code are two units (two coders, two memos). Only an exact
        # repeat, the same selection written twice with nothing of its own, is one unit.
        key = (name, start, end, code, coding.name, coding.user, coding.memo, tuple(sorted(coding.columns.items())))
        if key in seen:
            continue
        seen.add(key)
        units.append(PlannedUnit(name, start, end, code, coding.user, coding.memo, dict(coding.columns)))
    units.sort(key=lambda u: (u.transcript, u.start, u.end, u.code, u.coder, u.memo))
    return units, normalised


def participants_csv(project: reader.Project, names: dict[str, str], result: ImportResult) -> str | None:

    cases = [c for c in project.cases if c.name]
    if not cases:
        return None
    columns = ["participant_id", "file", *project.variables]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for case in cases:
        files = [names[g] for g in case.source_guids if g in names]
        if len(files) > 1:
            result.warnings.append(f"case {case.name} has {len(files)} sources; only {files[0]} is linked to it")
        # Case names are the participant ids as the researcher wrote them (P01 stays P01).
        row = {"participant_id": case.name.strip(), "file": files[0] if files else "", **case.values}
        writer.writerow([row.get(c, "") for c in columns])
    result.cases = len(cases)
    return out.getvalue()


def _set_config(text: str, key: str, value: str) -> str:
    line = f"{key}: {value}"
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(line, text, count=1)
    return text.rstrip("\n") + "\n" + line + "\n"


class _Writes:
    """Atomic writes that can be undone together if a later step fails."""

    def __init__(self) -> None:
        self.previous: list[tuple[Path, bytes | None]] = []

    def write(self, path: Path, data: bytes) -> None:
        self.previous.append((path, path.read_bytes() if path.exists() else None))
        fsio.write_bytes(path, data)

    def undo(self) -> None:
        for path, data in reversed(self.previous):
            if data is None:
                path.unlink(missing_ok=True)
            else:
                fsio.write_bytes(path, data)


def refuse_unless_new(ws: Workspace, file: Path) -> None:
    """A project is imported into a workspace of its own: one with themeflow.yaml and nothing coded yet."""
    if not ws.has_config_file:
        raise UsageError(
            "not a themeflow workspace (no themeflow.yaml): run `themeflow init DIR` first",
            file=ws.root,
            hint=f"themeflow init NEW && themeflow import qdpx {file} -w NEW",
        )
    found: list[str] = []
    for folder in (ws.transcripts_dir, ws.ingest_dir / "transcripts"):
        files = (
            [f for f in folder.iterdir() if f.is_file() and not f.name.startswith((".", "~$"))]
            if folder.is_dir()
            else []
        )
        if files:
            found.append(f"transcripts ({_shown(ws, folder)}: {len(files)} files)")
            break
    for sheet in sorted({ws.sheet_path, ws.code_dir / "units.xlsx", ws.code_dir / "units.csv"}):
        if sheet.exists():
            found.append(f"a coder sheet ({_shown(ws, sheet)})")
    if found:
        raise UsageError(
            f"the workspace already has {' and '.join(found)}; importing a project into it would mix the two "
            "studies, so nothing was imported",
            file=ws.root,
            hint=f"import into a new workspace: themeflow init NEW && themeflow import qdpx {file} -w NEW (if an "
            "earlier import here was interrupted, that is the way to start again)",
        )


def _shown(ws: Workspace, path: Path) -> str:
    try:
        return path.relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def _codebook_setting(config: str) -> str | None:
    """The `codebook:` themeflow.yaml names (None when it names none)."""
    try:
        data = yaml.safe_load(config) or {}
    except yaml.YAMLError:
        return None
    value = data.get("codebook") if isinstance(data, dict) else None
    return str(value) if value else None


@holds_lock
def import_project(ws: Workspace, file: Path | str) -> ImportResult:
    """Import a REFI-QDA project (.qdpx, or a bare project.qde) into a new workspace (see `refuse_unless_new`)."""
    file = Path(file)
    refuse_unless_new(ws, file)
    project = reader.load_project(file)
    result = ImportResult(file, project.origin, skipped=list(project.skipped))
    if not project.codes:
        raise InputError("the project has no codes to import", file=file.name)
    if project.origin.startswith("themeflow"):  # themeflow's default user stands for "no coder named"
        for coding in project.codings:
            coding.user = "" if coding.user == "themeflow" else coding.user
    kept_sources = []
    for source in project.sources:
        if source.text.strip():
            kept_sources.append(source)
        else:
            result.skipped.append(f"source {source.name!r}: its text is empty")
    kept = {s.guid for s in kept_sources}
    project.codings = [c for c in project.codings if c.source_guid in kept]
    project.sources = kept_sources
    title = project.name or file.stem
    yaml_text, code_ids = codebook_plan(
        project.codes,
        {c.code_guid for c in project.codings},
        title,
        f"Imported from {file.name}" + (f" ({project.origin})" if project.origin else ""),
    )
    names = transcript_names(project.sources, ws.transcripts_dir)
    units, normalised = plan_units(project, names, code_ids, result)
    people = participants_csv(project, names, result)
    sheet_path = ws.sheet_path
    sheet_mod.refuse_if_open(sheet_path)

    codebook_path = _free_path(ws.root / IMPORTED_CODEBOOK, yaml_text.encode("utf-8"))
    participants_path = ws.participants_file
    if (
        people is not None
        and participants_path.exists()
        and participants_path.read_text(encoding="utf-8-sig") != people
    ):
        participants_path = participants_path.with_name("participants-imported.csv")
        result.warnings.append(
            f"{ws.participants_file.name} exists; the imported cases are in {participants_path.name}: "
            "merge them into it by hand"
        )
    config_path = ws.root / workspace_mod.CONFIG_NAME
    config = config_path.read_text(encoding="utf-8-sig")
    imported_setting = codebook_path.relative_to(ws.root).as_posix()
    current = _codebook_setting(config)
    if current in (None, workspace_mod.DEFAULTS["codebook"], imported_setting):
        config = _set_config(config, "codebook", imported_setting)
    else:  # the researcher chose a codebook: never switch it behind their back
        result.warnings.append(
            f"themeflow.yaml keeps `codebook: {current}`; the imported codes are in {imported_setting}: "
            f"set `codebook: {imported_setting}` to code with them"
        )

    writes = _Writes()
    try:
        for source in project.sources:
            path = ws.transcripts_dir / names[source.guid]
            if not (path.exists() and path.read_bytes() == source.text.encode("utf-8")):
                writes.write(path, source.text.encode("utf-8"))
            result.transcripts.append(path)
        writes.write(codebook_path, yaml_text.encode("utf-8"))
        if people is not None:
            writes.write(participants_path, people.encode("utf-8"))
            result.participants = participants_path
        writes.write(config_path, config.encode("utf-8"))
        result.codebook = codebook_path
        ws = workspace_mod.load(ws.root)
        book = codebook_mod.load(codebook_path)
        result.codes = len(book.codes)
        if project.sources:
            from themeflow import ingest

            ingested = ingest.run(ws)
            result.warnings += [f"ingest: {w}" for w in ingested.warnings]
            result.skipped += [f"ingest skipped {f}: {r}" for f, r in ingested.skipped]
            rows = sheet_rows(ws, units, normalised, book, file, result)
            _write_sheet(ws, rows, book, writes)
            result.sheet = sheet_path
            result.units = len(rows)
    except BaseException:
        writes.undo()
        raise
    return result


def sheet_rows(
    ws: Workspace,
    units: list[PlannedUnit],
    normalised: dict[str, str],
    book: codebook_mod.Codebook,
    file: Path,
    result: ImportResult,
) -> list[dict[str, str]]:
    """Sheet rows for the planned units, with offsets (and text) in the text ingest actually wrote.

    Ingest de-identifies with this workspace's settings, which may replace names inside a unit (also in a
    project themeflow exported: the exporting workspace's `deid.keep` did not travel). Such a unit is carried
    through the replacements (redactions.csv) and its text becomes the de-identified text."""
    from themeflow.coding.ids import manual_unit_id
    from themeflow.ingest.artefacts import read_segments
    from themeflow.ingest.stage import transcript_id_for

    segments = read_segments(ws.ingest_dir)
    participant_of = {s["transcript_id"]: s["participant_id"] for s in segments}
    texts: dict[str, str | None] = {}
    maps: dict[str, offsets.ReplacementMap | None] = {}
    replacements: dict[str, list[tuple[int, int, list[str]]]] | None = None
    rows: list[dict[str, str]] = []
    occurrences: dict[tuple[str, str], int] = {}
    for unit in units:
        transcript_id = transcript_id_for(Path(unit.transcript))
        if transcript_id not in texts:
            path = ws.ingest_dir / "transcripts" / f"{transcript_id}.txt"
            texts[transcript_id] = path.read_text(encoding="utf-8") if path.exists() else None
        actual = texts[transcript_id]
        planned = normalised[unit.transcript]
        text = planned[unit.start : unit.end]
        start, end = unit.start, unit.end
        if actual is None:
            result.unplaced.append(
                unplaced_message(unit.transcript, unit.code, text, "is in a transcript ingest did not read")
            )
            continue
        if actual != planned:  # de-identification replaced something: carry the unit through it
            if transcript_id not in maps:
                if replacements is None:
                    replacements = _replacements(ws)
                maps[transcript_id] = offsets.ReplacementMap.build(planned, actual, replacements.get(transcript_id, []))
            mapping = maps[transcript_id]
            placed: tuple[int, int] | None = None
            if mapping is not None:
                placed = offsets.trim(actual, mapping.start(unit.start), mapping.end(unit.end))
            else:
                found = offsets.locate(actual, text, round(unit.start * len(actual) / max(len(planned), 1)))
                placed = (found, found + len(text)) if found is not None else None
            if placed is None or placed[0] >= placed[1]:
                result.unplaced.append(
                    unplaced_message(
                        unit.transcript, unit.code, text, "could not be found again in the de-identified text"
                    )
                )
                continue
            start, end = placed
            text = actual[start:end]
        occurrence = occurrences.get((transcript_id, text), 0)
        occurrences[(transcript_id, text)] = occurrence + 1
        row = {
            "unit_id": manual_unit_id(transcript_id, text, occurrence),
            "transcript_id": transcript_id,
            "participant_id": participant_of.get(transcript_id, ""),
            "start": str(start),
            "end": str(end),
            "text": text,
            "code": unit.code,
            "theme": book.theme_of(unit.code),
            "evidence": f"imported from {file.name}",
            "score": "",
            "status": "manual",
            "decision": "accept",
            "final_code": "",
            "coder": unit.coder,
            "memo": unit.memo,
        }
        row.update({column: value for column, value in unit.columns.items() if column not in row})
        rows.append(row)
    return rows


def _replacements(ws: Workspace) -> dict[str, list[tuple[int, int, list[str]]]]:
    """What ingest's de-identification replaced, per transcript: (start, end) in the de-identified text and
    the originals the pseudonym stands for (read from the local key, used only to measure them)."""
    from themeflow.deid import key as key_mod
    from themeflow.deid import redactions as redactions_mod

    originals: dict[str, list[str]] = {}
    for row in key_mod.read(key_mod.key_path(ws.private_dir)).rows:
        originals.setdefault(row["pseudonym"], []).append(row["original"])
    out: dict[str, list[tuple[int, int, list[str]]]] = {}
    for row in redactions_mod.read(ws.ingest_dir):
        try:
            span = (int(row["start"]), int(row["end"]))
        except ValueError:
            continue
        out.setdefault(row["transcript_id"], []).append((*span, originals.get(row["pseudonym"], [])))
    return out


def _write_sheet(ws: Workspace, new_rows: list[dict[str, str]], book: codebook_mod.Codebook, writes: _Writes) -> None:
    path = ws.sheet_path
    header: list[str] = list(sheet_mod.SHEET_COLUMNS)
    rows: list[dict[str, str]] = []
    if path.exists():
        header, rows = sheet_mod.read_rows(path)
        rows = [{k: v for k, v in r.items() if k != "_row"} for r in rows]
    present = {r.get("unit_id") for r in rows}
    rows += [r for r in new_rows if r["unit_id"] not in present]
    columns = sheet_mod.ordered_columns(header, rows)
    data = sheet_mod.sheet_bytes(path, columns, rows, book.reference_rows(), book.code_ids)
    sheet_mod.refuse_if_open(path)
    writes.write(path, data)


# --- the library API named in the issue -------------------------------------------------------


def import_qdpx(ws: Workspace, file: Path | str) -> ImportResult:
    return import_project(ws, file)


def import_qdc(ws: Workspace, file: Path | str) -> ImportResult:
    return import_codebook(ws, file)
