"""`themeflow export qdc|qdpx`: the codebook, or the whole coded project, as REFI-QDA files.

What is exported is what people decided: only ACCEPTED units, under their effective code (the recode when
given), with the de-identified normalised transcripts from 01-ingest as sources, so selection positions are
themeflow's own code-point offsets. Every GUID derives from a themeflow id, and the ZIP has fixed times,
so the same inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import __version__, fsio
from themeflow import codebook as codebook_mod
from themeflow import sheet as sheet_mod
from themeflow.errors import InputError, UsageError
from themeflow.qdpx import archive
from themeflow.qdpx import notes as notes_mod
from themeflow.qdpx.codes import code_elements, guid
from themeflow.qdpx.xmlcheck import CODEBOOK_NS, PROJECT_NS, validate
from themeflow.workspace import Workspace

DEFAULT_USER = "themeflow"
ORIGIN = f"themeflow {__version__}"
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ExportResult:
    path: Path
    sources: int = 0
    codes: int = 0
    codings: int = 0
    cases: int = 0
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sources": self.sources,
            "codes": self.codes,
            "codings": self.codings,
            "cases": self.cases,
            "skipped": self.skipped,
        }


def applied_codebook(ws: Workspace) -> codebook_mod.Codebook:
    """The codebook the code stage applied (02-code/codebook.yaml), else the workspace's."""
    kept = ws.code_dir / "codebook.yaml"
    return codebook_mod.load(kept if kept.exists() else ws.codebook_file)


def _xml_bytes(root: Any) -> bytes:
    from lxml import etree

    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)


def qdc_bytes(book: codebook_mod.Codebook) -> bytes:
    from lxml import etree

    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    root.append(code_elements(book, CODEBOOK_NS))
    validate(root, "export", CODEBOOK_NS)
    return _xml_bytes(root)


def check_out(out: Path, suffix: str) -> None:
    """Refuse an output path that cannot be a file, before any work is done."""
    if out.is_dir():
        raise UsageError(
            "is a folder; export writes one file",
            file=out,
            hint=f"name the file to write, e.g. --out {out / ('study' + suffix)}",
        )


def write_out(out: Path, data: bytes) -> None:
    try:
        fsio.write_bytes(out, data)
    except OSError as exc:
        raise UsageError(f"cannot write the file ({exc.strerror or exc})", file=out) from exc


def export_codebook(ws: Workspace, out: Path | str) -> ExportResult:
    """Write the workspace codebook as a REFI-QDA codebook (.qdc)."""
    out = Path(out)
    check_out(out, ".qdc")
    book = applied_codebook(ws)
    write_out(out, qdc_bytes(book))
    return ExportResult(out, codes=len(book.walk()))


# --- project ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.exists():
        return [], []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def variable_type(values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if present and all(_INT.match(v) for v in present):
        return "Integer"
    if present and all(_FLOAT.match(v) for v in present):
        return "Float"
    if present and all(_DATE.match(v) for v in present):
        return "Date"
    return "Text"


VALUE_ELEMENT = {"Integer": "IntegerValue", "Float": "FloatValue", "Date": "DateValue", "Text": "TextValue"}


def accepted_units(
    rows: list[dict[str, str]], texts: dict[str, str], known: set[str], sheet: Path, skipped: list[str]
) -> list[dict[str, str]]:
    """Accepted rows that can be placed in their transcript, with `code` set to the effective code."""
    units: list[dict[str, str]] = []
    for row in rows:
        if sheet_mod.normalise_decision(row.get("decision", "")) != "accept":
            continue
        code = sheet_mod.effective_code(row)
        where = f"{sheet.name} row {row.get('_row')}"
        if code not in known:
            raise InputError(
                f'code "{code}" is not in the codebook',
                file=sheet.name,
                row=int(row["_row"]),
                hint="fix the code or run `themeflow code` again, then export",
            )
        text = texts.get(row.get("transcript_id", ""))
        if text is None:
            skipped.append(f"{where}: transcript {row.get('transcript_id')!r} is not in 01-ingest")
            continue
        try:
            start, end = int(row.get("start", "")), int(row.get("end", ""))
        except ValueError:
            skipped.append(f"{where}: no offsets (status {row.get('status') or 'unknown'})")
            continue
        if not (0 <= start <= end <= len(text)) or text[start:end] != row.get("text", ""):
            advice = (
                "its text is gone from the transcript (orphaned): recode it by hand or reject it"
                if row.get("status") == "orphaned"
                else "run `themeflow code` to re-anchor it"
            )
            skipped.append(f"{where}: its text is no longer at {start}–{end} of {row.get('transcript_id')}; {advice}")
            continue
        units.append({**row, "code": code, "start": str(start), "end": str(end)})
    units.sort(key=lambda u: (u["transcript_id"], int(u["start"]), int(u["end"]), u["code"], u.get("unit_id", "")))
    return units


def unit_notes(unit: dict[str, str], key: str) -> list[tuple[str, str, str]]:
    """The notes of one unit (guid, name, text): its memo, then its translation and quote (see `notes`)."""
    out: list[tuple[str, str, str]] = []
    memo = (unit.get("memo") or "").strip()
    if memo:
        out.append((guid("note", key), "memo", memo))
    for column in notes_mod.CARRIED_COLUMNS:
        value = (unit.get(column) or "").strip()
        if value:
            out.append((guid(f"note-{column}", key), column, notes_mod.column_note(column, value)))
    return out


def project_bytes(ws: Workspace, result: ExportResult) -> bytes:
    from lxml import etree

    book = applied_codebook(ws)
    sheet = ws.sheet_path
    if not sheet.exists():
        raise UsageError("no coder sheet yet", file=sheet, hint="run `themeflow code` first")
    _header, rows = sheet_mod.read_rows(sheet)
    transcripts_dir = ws.ingest_dir / "transcripts"
    if not transcripts_dir.is_dir():
        raise UsageError("no ingested transcripts yet", file=transcripts_dir, hint="run `themeflow ingest` first")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(transcripts_dir.glob("*.txt"))}
    units = accepted_units(rows, texts, set(book.code_ids), sheet, result.skipped)
    _cols, segments = _read_csv(ws.ingest_dir / "segments.csv")
    participant_of = {s["transcript_id"]: s["participant_id"] for s in segments}
    for unit in units:
        participant_of.setdefault(unit["transcript_id"], unit.get("participant_id", ""))
    p_columns, participants = _read_csv(ws.ingest_dir / "participants.csv")

    def tag(name: str) -> str:
        return f"{{{PROJECT_NS}}}{name}"

    # A consensus decided by several coders reads "王, 李": each is a user; the first is the coding's creator.
    coders = sorted({name for u in units for name in sheet_mod.coder_names(u.get("coder") or "")})
    user_guid = {name: guid("user", name) for name in [DEFAULT_USER, *coders]}
    root = etree.Element(
        tag("Project"),
        nsmap={None: PROJECT_NS},
        name=ws.root.name or "themeflow",
        origin=ORIGIN,
        creatingUserGUID=user_guid[DEFAULT_USER],
    )
    users = etree.SubElement(root, tag("Users"))
    for name, value in user_guid.items():
        etree.SubElement(users, tag("User"), guid=value, name=name)
    etree.SubElement(root, tag("CodeBook")).append(code_elements(book, PROJECT_NS))

    variables = [c for c in p_columns if c not in {"participant_id", "file"}]
    types = {v: variable_type([r.get(v, "") for r in participants]) for v in variables}
    if variables and participants:
        block = etree.SubElement(root, tag("Variables"))
        for variable in variables:
            etree.SubElement(
                block,
                tag("Variable"),
                guid=guid("variable", variable),
                name=variable,
                typeOfVariable=types[variable],
            )
    if participants:
        block = etree.SubElement(root, tag("Cases"))
        for person in participants:
            pid = person["participant_id"]
            case = etree.SubElement(block, tag("Case"), guid=guid("case", pid), name=pid)
            for variable in variables:
                value = person.get(variable, "")
                if value == "":
                    continue
                holder = etree.SubElement(case, tag("VariableValue"))
                etree.SubElement(holder, tag("VariableRef"), targetGUID=guid("variable", variable))
                etree.SubElement(holder, tag(VALUE_ELEMENT[types[variable]])).text = xml_safe(value)
            for transcript_id in sorted(t for t, p in participant_of.items() if p == pid and t in texts):
                etree.SubElement(case, tag("SourceRef"), targetGUID=guid("source", transcript_id))
        result.cases = len(participants)

    members: dict[str, bytes] = {}
    notes: list[tuple[str, str, str]] = []  # guid, name, text
    if texts:
        block = etree.SubElement(root, tag("Sources"))
        for transcript_id, text in texts.items():
            source_guid = guid("source", transcript_id)
            members[f"Sources/{source_guid}.txt"] = text.encode("utf-8")
            source = etree.SubElement(
                block,
                tag("TextSource"),
                guid=source_guid,
                name=transcript_id,
                plainTextPath=f"internal://{source_guid}.txt",
                creatingUser=user_guid[DEFAULT_USER],
            )
            for unit in (u for u in units if u["transcript_id"] == transcript_id):
                key = f"{unit.get('unit_id') or ''}|{unit['start']}|{unit['end']}|{unit['code']}"
                names = sheet_mod.coder_names(unit.get("coder") or "")
                user = user_guid[names[0]] if names else user_guid[DEFAULT_USER]
                selection = etree.SubElement(
                    source,
                    tag("PlainTextSelection"),
                    guid=guid("selection", key),
                    name=unit.get("unit_id") or "",
                    startPosition=unit["start"],
                    endPosition=unit["end"],
                    creatingUser=user,
                )
                coding = etree.SubElement(selection, tag("Coding"), guid=guid("coding", key), creatingUser=user)
                etree.SubElement(coding, tag("CodeRef"), targetGUID=guid("code", unit["code"]))
                for note_guid, note_name, note_text in unit_notes(unit, key):
                    notes.append((note_guid, note_name, note_text))
                    etree.SubElement(selection, tag("NoteRef"), targetGUID=note_guid)
                result.codings += 1
    if notes:
        block = etree.SubElement(root, tag("Notes"))
        for note_guid, note_name, note_text in notes:
            note = etree.SubElement(
                block, tag("Note"), guid=note_guid, name=note_name, creatingUser=user_guid[DEFAULT_USER]
            )
            etree.SubElement(note, tag("PlainTextContent")).text = xml_safe(note_text)
    validate(root, "export", PROJECT_NS)
    members[archive.PROJECT_MEMBER] = _xml_bytes(root)
    result.sources = len(texts)
    result.codes = len(book.walk())
    return archive.zip_bytes(members)


_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})  # Word's manual line break, pasted into a cell
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text XML 1.0 can hold: a vertical tab or form feed (a line break pasted from Word) becomes a line
    break, other control characters are dropped."""
    return _NOT_XML.sub("", text.translate(_LINE_BREAKS))


def export_project(ws: Workspace, out: Path | str) -> ExportResult:
    """Write the coded project as a REFI-QDA project (.qdpx); the result counts what went in."""
    out = Path(out)
    check_out(out, ".qdpx")
    result = ExportResult(out)
    data = project_bytes(ws, result)
    write_out(out, data)
    return result


def export_qdpx(ws: Workspace, out: Path | str) -> Path:
    return export_project(ws, out).path


def export_qdc(ws: Workspace, out: Path | str) -> Path:
    return export_codebook(ws, out).path
