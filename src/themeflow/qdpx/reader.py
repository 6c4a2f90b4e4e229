"""Reading a REFI-QDA project (.qdpx archive or bare project.qde) into plain data.

Everything is checked here, before the importer writes a byte: the archive, the XML, the schema, that every
CodeRef names a code, and that every selection lies inside its source text. Positions come out as code
points of the source text (converted from UTF-16 units for NVivo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.qdpx import archive, offsets
from themeflow.qdpx.codes import ImportedCode, read_codes
from themeflow.qdpx.notes import split_notes
from themeflow.qdpx.xmlcheck import CODEBOOK_NS, PROJECT_NS, parse

P = f"{{{PROJECT_NS}}}"


@dataclass
class Source:
    guid: str
    name: str
    text: str  # decoded, BOM removed, exactly as in the file (CRLF kept): the position base
    line: int | None = None


@dataclass
class Coding:
    source_guid: str
    start: int  # code points into Source.text, end exclusive
    end: int
    code_guid: str
    user: str  # user name ('' when unknown)
    memo: str = ""
    line: int | None = None
    name: str = ""  # the selection's name (themeflow writes the unit id there)
    columns: dict[str, str] = field(default_factory=dict)  # translation, quote (from themeflow's notes)


@dataclass
class Case:
    name: str
    values: dict[str, str]
    source_guids: list[str]


@dataclass
class Project:
    name: str
    origin: str
    codes: list[ImportedCode]
    sources: list[Source] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # what could not be imported, for the report


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _decode(data: bytes, where: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"source text {where} is not UTF-8 (byte {exc.start})", file=where) from exc


def _source_path(path: str) -> str:
    """`internal://x.txt` → `sources/x.txt`; qc writes a bare `x.txt`; `relative://` and absolute paths are
    outside the archive and are not read."""
    if path.startswith("internal://"):
        return "sources/" + path[len("internal://") :]
    if "://" in path or archive.unsafe_member(path):
        return ""
    return "sources/" + path


def load_codebook(file: Path) -> tuple[str, list[ImportedCode]]:
    """Origin and codes of a .qdc codebook."""
    file = Path(file)
    if not file.exists():
        raise InputError("file not found", file=file)
    root = parse(file.read_bytes(), file.name, CODEBOOK_NS)
    return root.get("origin") or "", read_codes(root.find(f"{{{CODEBOOK_NS}}}Codes"), CODEBOOK_NS)


def load_project(file: Path) -> Project:
    file = Path(file)
    if not file.exists():
        raise InputError("file not found", file=file)
    head = file.read_bytes()[:512].lstrip()
    bundle: archive.Archive | None = None
    if head.startswith((b"<", b"\xef\xbb\xbf<")):
        data = file.read_bytes()  # a bare project.qde: codes and codings, sources only as PlainTextContent
    else:
        bundle = archive.open_archive(file)
        data = bundle.read(archive.PROJECT_MEMBER)
    name = f"{file.name}:{archive.PROJECT_MEMBER}" if bundle else file.name
    root = parse(data, name, PROJECT_NS)
    return build_project(root, bundle, name)


def build_project(root: Any, bundle: archive.Archive | None, name: str) -> Project:
    origin = root.get("origin") or ""
    users = {_guid(u.get("guid")): (u.get("name") or u.get("id") or "").strip() for u in root.iter(P + "User")}
    codebook = root.find(P + "CodeBook")
    codes = read_codes(codebook.find(P + "Codes") if codebook is not None else None, PROJECT_NS)
    project = Project(name=root.get("name") or "", origin=origin, codes=codes, users=users)
    known_codes: set[str] = set()

    def collect(items: list[ImportedCode]) -> None:
        for code in items:
            if code.guid in known_codes:
                # Two codes with one guid: every coding of either would land on one of them.
                raise InputError(
                    f'two codes share the guid {code.guid} ("{code.name}" is one): the project is damaged',
                    file=name,
                    hint="export it again from the program that made it",
                )
            known_codes.add(code.guid)
            collect(code.children)

    collect(codes)
    notes = _notes(root, bundle)
    utf16 = offsets.counts_utf16(origin)
    sources = root.find(P + "Sources")
    for element in sources if sources is not None else []:
        if element.tag != P + "TextSource":
            kind = element.tag.rsplit("}", 1)[-1]
            project.skipped.append(
                f"{kind} {element.get('name') or element.get('guid')}: only text sources are imported"
            )
            continue
        source = _read_source(element, bundle, name, project)
        if source is None:
            continue
        project.sources.append(source)
        index = offsets.Utf16Index(source.text) if utf16 else None
        length = index.length if index else len(source.text)
        unit = "UTF-16 units" if index else "characters"
        for selection in element.findall(P + "PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if start < 0 or end > length or start > end:
                raise InputError(
                    f"selection {start}–{end} of source {source.name!r} lies outside its text ({length} {unit})",
                    file=name,
                    line=selection.sourceline,
                )
            if index:
                start, end = index.to_code_point(start), index.to_code_point(end)
            selection_notes = [notes.get(_guid(r.get("targetGUID")), "") for r in selection.findall(P + "NoteRef")]
            sel_user = users.get(_guid(selection.get("creatingUser")), "")
            for coding in selection.findall(P + "Coding"):
                ref = coding.find(P + "CodeRef")
                target = _guid(ref.get("targetGUID"))
                if target not in known_codes:
                    raise InputError(
                        f"a coding refers to code {ref.get('targetGUID')}, which is not in the codebook",
                        file=name,
                        line=ref.sourceline,
                    )
                coding_notes = [notes.get(_guid(r.get("targetGUID")), "") for r in coding.findall(P + "NoteRef")]
                memo, columns = split_notes(selection_notes + coding_notes)
                user = users.get(_guid(coding.get("creatingUser")), "") or sel_user
                project.codings.append(
                    Coding(
                        source.guid,
                        start,
                        end,
                        target,
                        user,
                        memo,
                        selection.sourceline,
                        (selection.get("name") or "").strip(),
                        columns,
                    )
                )
        if element.findall(P + "Coding"):
            project.skipped.append(f"source {source.name!r}: codings of a whole source are not imported")
    by_var = {_guid(v.get("guid")): v.get("name") or "" for v in root.iter(P + "Variable")}
    project.variables = [v for v in by_var.values() if v]
    cases = root.find(P + "Cases")
    for case in cases if cases is not None else []:
        values: dict[str, str] = {}
        for value in case.findall(P + "VariableValue"):
            variable = by_var.get(_guid(value.find(P + "VariableRef").get("targetGUID")), "")
            content = next((c for c in value if c.tag != P + "VariableRef"), None)
            if variable and content is not None:
                values[variable] = (content.text or "").strip()
        project.cases.append(
            Case(
                (case.get("name") or "").strip(),
                values,
                [_guid(s.get("targetGUID")) for s in case.findall(P + "SourceRef")],
            )
        )
    return project


def _read_source(element: Any, bundle: archive.Archive | None, name: str, project: Project) -> Source | None:
    label = element.get("name") or element.get("guid")
    content = element.find(P + "PlainTextContent")
    if content is not None and content.text is not None:
        text = content.text
    else:
        path = _source_path(element.get("plainTextPath") or "")
        if not path or bundle is None or bundle.find(path) is None:
            where = f" (no {path} in the archive)" if path else " (no plainTextPath or PlainTextContent)"
            project.skipped.append(
                f"source {label!r}: its text is not in the file{where}; its codings are not imported"
            )
            return None
        text = _decode(bundle.read(path), f"{bundle.path.name}:{bundle.find(path)}")
    path_name = (element.get("plainTextPath") or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = element.get("name") or path_name or _guid(element.get("guid"))
    return Source(_guid(element.get("guid")), name, text, element.sourceline)


def _notes(root: Any, bundle: archive.Archive | None) -> dict[str, str]:
    out: dict[str, str] = {}
    notes = root.find(P + "Notes")
    for note in notes if notes is not None else []:
        content = note.find(P + "PlainTextContent")
        text = content.text if content is not None else None
        if text is None and bundle is not None:
            path = _source_path(note.get("plainTextPath") or "")
            if path and bundle.find(path):
                text = _decode(bundle.read(path), path)
        out[_guid(note.get("guid"))] = (text or "").strip()
    return out
