"""`themeflow audit`: scan shareable artefacts for personal information left in.

Every file under analysis/ (text, CSV, Markdown, HTML, JSON, XML, xlsx cells, docx paragraphs, and the
members of .qdpx/.zip packages) and any export given is read line by line; pseudonym tokens ([人名3],
[P4]) are blanked first, then the detectors of ingest run, plus a search for every original value in the
key (two characters or more). Terms in `deid.keep` are not findings. Findings carry the value masked.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from themeflow.deid import key as key_mod
from themeflow.deid.detect import Detector, detection_shadow
from themeflow.deid.engine import name_kind
from themeflow.deid.mask import mask
from themeflow.deid.settings import read_settings
from themeflow.deid.spans import LABELS
from themeflow.deid.terms import Term, TermMatcher
from themeflow.errors import UsageError

TEXT_SUFFIXES = {
    ".txt",
    ".md",
    ".csv",
    ".tsv",
    ".json",
    ".html",
    ".htm",
    ".xml",
    ".qde",
    ".qdc",
    ".yaml",
    ".yml",
    ".svg",
}
ZIP_SUFFIXES = {".qdpx", ".zip"}
_PSEUDONYM = re.compile(r"\[(?:" + "|".join(sorted(LABELS.values(), key=len, reverse=True)) + r"|[^\[\]\n]{0,6}?)\d*\]")
_BLANK = "■"


@dataclass(frozen=True)
class Finding:
    file: str
    line: str  # a line number, `Sheet!B12` for a spreadsheet cell, `member:line` inside a package
    kind: str
    masked: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text_lines(data: bytes) -> Iterator[tuple[str, str]]:
    text = data.decode("utf-8-sig", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        yield str(number), line


def _xlsx_cells(source: Any) -> Iterator[tuple[str, str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.strip():
                        yield f"{sheet.title}!{cell.coordinate}", cell.value
    finally:
        workbook.close()


def _docx_lines(data: bytes) -> Iterator[tuple[str, str]]:
    from themeflow.ingest.readers import SourceError, read_docx

    try:
        yield from _text_lines(read_docx(data).encode("utf-8"))
    except SourceError:
        return


def _lines(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    import io

    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        yield from _text_lines(data)
    elif suffix in {".xlsx", ".xlsm"}:
        try:
            yield from _xlsx_cells(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            return
    elif suffix == ".docx":
        yield from _docx_lines(data)
    elif suffix in ZIP_SUFFIXES:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                for member in sorted(package.namelist()):
                    if member.endswith("/"):
                        continue
                    for where, line in _lines(member, package.read(member)):
                        yield f"{member}:{where}", line
        except zipfile.BadZipFile:
            return


def files_to_scan(ws: Any, extra_paths: list[Path]) -> list[Path]:
    roots = ([ws.output_dir] if ws.output_dir.exists() else []) + [Path(p) for p in extra_paths]
    out: list[Path] = []
    for root in roots:
        if not root.exists():
            raise UsageError(f"{root} does not exist", hint="give files or folders to audit")
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        out += [p for p in candidates if p.is_file() and not p.name.startswith((".", "~$"))]
    return sorted(set(out))


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _shared_participants(ws: Any) -> Any:
    """The participants table ingest kept (its pseudonym column lists values that are not findings)."""
    from themeflow.errors import InputError
    from themeflow.ingest import participants

    path = ws.ingest_dir / "participants.csv"
    try:
        return participants.read(path) if path.exists() and path.stat().st_size > 1 else None
    except InputError:
        return None


def coder_names(ws: Any) -> list[str]:
    """Coders are the researchers who decide units: their names in the `coder` column (and in
    `themeflow.yaml`) are not personal information of the people interviewed."""
    from themeflow import sheet
    from themeflow.errors import InputError

    names = {str(c) for c in (ws.config.get("coders") or [])}
    if ws.sheet_path.exists():
        try:
            _, rows = sheet.read_rows(ws.sheet_path)
        except InputError:
            rows = []
        for row in rows:
            names.update(sheet.coder_names(row.get("coder", "")))
    names.update(_agree_coders(ws))
    return sorted(n for n in names if n.strip())


def _agree_coders(ws: Any) -> set[str]:
    """The coders of the two-coder round: named in agree's stage record and in the copies' file names."""
    import json

    from themeflow.agree.sheets import PREPARED_PREFIX

    names: set[str] = set()
    try:
        record = json.loads((ws.agree_dir / "stage.json").read_text(encoding="utf-8"))
        names.update(str(c) for c in (record.get("params") or {}).get("coders") or [])
    except (OSError, ValueError, AttributeError):
        pass
    for copy in (ws.agree_dir / "sheets").glob(f"{PREPARED_PREFIX}*"):
        names.add(copy.stem[len(PREPARED_PREFIX) :])
    return names


def scan(ws: Any, extra_paths: list[Path] | None = None) -> list[Finding]:
    """Personal information in analysis/ and in `extra_paths`, sorted by file and position."""
    key = key_mod.read(key_mod.key_path(ws.private_dir))
    settings = read_settings(ws, _shared_participants(ws))
    kept = {detection_shadow(k) for k in settings.keep}
    known = [
        Term(detection_shadow(r["original"]), "key", r["kind"])
        for r in key.rows
        if len(r["original"].strip()) >= 2 and detection_shadow(r["original"]) not in kept
    ]
    # A surname alone is too common to search for, but its familiar and title forms (小蔡, 蔡医生) are names.
    from themeflow.deid.surnames import TITLES

    surnames = {
        r["original"].strip()
        for r in key.rows
        if r["kind"] == "person" and len(r["original"].strip()) == 1 and detection_shadow(r["original"]) not in kept
    }
    forms = {p + s for s in surnames for p in ("老", "小")} | {s + t for s in surnames for t in TITLES}
    known += [Term(detection_shadow(f), "key", "person") for f in sorted(forms) if detection_shadow(f) not in kept]
    known += [Term(detection_shadow(t), "key", "term") for t, _ in settings.terms]
    known += [Term(detection_shadow(n), "key", name_kind(n)) for n in settings.names]
    coders = coder_names(ws)
    detector = Detector(TermMatcher([]), list(settings.keep) + coders)
    key_terms = TermMatcher(known)
    # Pseudonyms and the coders' own names are blanked before the key's names are searched (王老师 the coder
    # is not 王 the person in the key).
    pseudonyms = sorted({r["pseudonym"] for r in key.rows} | set(coders), key=len, reverse=True)
    findings: list[Finding] = []
    for path in files_to_scan(ws, list(extra_paths or [])):
        shown = _display(path, ws.root)
        for where, line in _lines(path.name, path.read_bytes()):
            findings += _scan_line(shown, where, line, detector, key_terms, pseudonyms)
    return findings


def _scan_line(
    file: str, where: str, line: str, detector: Detector, key_terms: TermMatcher, pseudonyms: list[str]
) -> list[Finding]:
    for pseudonym in pseudonyms:
        if pseudonym in line:
            line = line.replace(pseudonym, _BLANK * len(pseudonym))
    line = _PSEUDONYM.sub(lambda m: _BLANK * len(m.group()), line)
    spans = [(s.start, s.end, s.kind) for s in detector.detect(line)]
    shadow = detection_shadow(line)
    for span in key_terms.find(shadow):
        if not any(s < span.end and span.start < e for s, e, _ in spans):
            spans.append((span.start, span.end, span.identity))
    return [Finding(file, where, kind, mask(kind, line[s:e])) for s, e, kind in sorted(spans)]


def advice(ws: Any, findings: list[Finding]) -> list[str]:
    """What to do about `findings`, one line each: in general, and for old copies of the coder sheet."""
    if not findings:
        return []
    history = _display(ws.code_dir / "history", ws.root)
    current = _display(ws.sheet_path, ws.root)
    old = sorted({f.file for f in findings if f.file.startswith(history + "/")})
    rest = len(findings) - sum(1 for f in findings if f.file in old)
    lines = []
    if rest:
        lines.append(
            f"{rest} finding(s): replace them, add names to deid.names and re-ingest, "
            "or keep a false positive with `themeflow deid review --keep TERM`"
        )
    if old:
        sheet_clean = ws.sheet_path.exists() and not any(f.file == current for f in findings)
        lines.append(
            f"{len(findings) - rest} finding(s) in {len(old)} file(s) under {history}/: these are old copies of "
            "the coder sheet, saved before each `themeflow code` run, with the text they held then (before "
            "de-identification last changed). "
            + (
                f"The current sheet {current} is clean: delete them (rm {history}/units-*) once you no longer "
                "need to go back to an earlier version."
                if sheet_clean
                else f"First make the current sheet {current} clean (re-ingest, then `themeflow code`), then "
                f"delete them (rm {history}/units-*)."
            )
        )
    return lines
