"""Stage 03 orchestration: read the coders' sheets, compute agreement, write agreement.csv and the
consensus sheet; plus `prepare` (blind per-coder copies) and `adopt` (merge a consensus sheet into the
coder sheet).

Everything is checked before anything is written, so a bad sheet leaves every file as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import codebook as codebook_mod
from themeflow import fsio, lock, sheet
from themeflow.agree import consensus, merge, table
from themeflow.agree.sheets import PREPARED_PREFIX, CoderSheet, check_together, read_sheet
from themeflow.agree.units import marks, participant_sentences
from themeflow.errors import InputError, UsageError
from themeflow.workspace import Workspace, holds_lock

STAGE = "agree"
AGREEMENT_FILE = "agreement.csv"
SHEETS_DIR = "sheets"
HISTORY_DIR = "history"
TOOL_COLUMNS = frozenset(sheet.TOOL_COLUMNS)


def people_columns(header: list[str]) -> list[str]:
    """Every column that is not the tool's: decision, final_code, coder, memo, translation, quote and any
    column a person added. `--prepare` blanks all of them so that each coder works blind."""
    return [h for h in header if h and h not in TOOL_COLUMNS and not h.startswith("_")]


@dataclass
class AgreementResult:
    coders: list[str]
    kappa: str  # "cohen" (two coders) or "fleiss"
    sheets: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    units: int
    disagreements: int
    agreement_path: str
    consensus_path: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "notes": self.notes,
            "coders": self.coders,
            "kappa": self.kappa,
            "sheets": self.sheets,
            "rows": self.rows,
            "units": self.units,
            "disagreements": self.disagreements,
            "agreement_path": self.agreement_path,
            "consensus_path": self.consensus_path,
        }


@dataclass
class PrepareResult:
    paths: list[str] = field(default_factory=list)
    units: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"paths": self.paths, "units": self.units}


@dataclass
class AdoptResult:
    installed: str
    backup: str | None
    units: int
    pending: int
    decided: int = 0  # units whose decision the consensus gave
    memos: int = 0  # memos the consensus memo was appended to
    added: int = 0  # units only the consensus had (appended)
    written: bool = True  # False when the coder sheet already held everything (nothing was written)

    def to_dict(self) -> dict[str, Any]:
        return {
            "installed": self.installed,
            "backup": self.backup,
            "units": self.units,
            "pending": self.pending,
            "decided": self.decided,
            "memos": self.memos,
            "added": self.added,
            "written": self.written,
        }


# --- shared inputs --------------------------------------------------------------------------------


def applied_codebook_path(ws: Workspace) -> Path:
    return ws.code_dir / "codebook.yaml"


def applied_codebook(ws: Workspace) -> codebook_mod.Codebook:
    path = applied_codebook_path(ws)
    if not path.exists():
        raise UsageError("no applied codebook yet", file=path, hint="run `themeflow code` first")
    return codebook_mod.load(path)


def consensus_path(ws: Workspace) -> Path:
    return ws.agree_dir / ("consensus.csv" if ws.sheet_format == "csv" else "consensus.xlsx")


def _transcript_reader(ws: Workspace) -> Any:
    cache: dict[str, str | None] = {}
    folder = ws.ingest_dir / "transcripts"

    def read(transcript_id: str) -> str | None:
        if transcript_id not in cache:
            path = folder / f"{transcript_id}.txt"
            ok = transcript_id and "/" not in transcript_id and "\\" not in transcript_id and path.is_file()
            cache[transcript_id] = path.read_text(encoding="utf-8") if ok else None
        return cache[transcript_id]

    return read


def resolve(ws: Workspace, path: Path | str) -> Path:
    """A path as given (relative to the current folder), else relative to the workspace folder."""
    path = Path(path)
    if path.is_absolute() or path.exists() or not (ws.root / path).exists():
        return path
    return ws.root / path


def _sheet_bytes(
    target: Path, columns: list[str], rows: list[dict[str, str]], book: codebook_mod.Codebook | None
) -> bytes:
    """The consensus or a coder's copy, written like the coder sheet (same rows → same bytes)."""
    return sheet.sheet_bytes(
        target, columns, rows, book.reference_rows() if book else [], book.code_ids if book else []
    )


def _rel(path: Path, ws: Workspace) -> str:
    return lock.relative(path, ws.root)


# --- agree -------------------------------------------------------------------------------------------


def prepared_sheets(ws: Workspace) -> list[Path]:
    """The per-coder sheets `--prepare` wrote (in the workspace's sheet format), in name order."""
    folder = ws.agree_dir / SHEETS_DIR
    suffix = ".csv" if ws.sheet_format == "csv" else ".xlsx"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREPARED_PREFIX}*{suffix}") if not p.name.startswith("~$"))


@holds_lock
def run(ws: Workspace, sheet_paths: list[Path] | None = None) -> AgreementResult:
    """Compare two or more coders' sheets (default: the prepared ones in 03-agree/sheets/);
    write agreement.csv and the consensus sheet."""
    sheet_paths = [resolve(ws, p) for p in sheet_paths] if sheet_paths else prepared_sheets(ws)
    if len(sheet_paths) < 2:
        raise UsageError(
            "agree compares at least two coders' sheets",
            hint="themeflow agree SHEET_A SHEET_B, or prepare blank copies with "
            "`themeflow agree --prepare NAME NAME` and compare them once decided",
        )
    book = applied_codebook(ws)
    sentences = participant_sentences(_read_segments(ws))
    reader = _transcript_reader(ws)
    known = set(book.code_ids)
    current, drafted_codes = _current_positions(ws)
    sheets: list[CoderSheet] = [read_sheet(Path(p), known, reader, current, drafted_codes) for p in sheet_paths]
    check_together(sheets)
    marked = [marks(sentences, s.spans) for s in sheets]
    codes = [(c.id, c.label.best("zh")) for c in book.codes]
    rows = table.rows(sentences, codes, marked)
    columns, consensus_rows = consensus.build(sheets)

    undecided = [s for s in sheets if not any(sheet.normalise_decision(r.get("decision", "")) for r in s.rows)]
    if undecided:
        raise UsageError(
            f"{_rel(undecided[0].path, ws)} ({undecided[0].coder}) has no decisions yet: "
            "agreement needs decided sheets",
            hint="each coder decides their copy (accept / reject), then run `themeflow agree` again",
        )
    target = consensus_path(ws)
    sheet.refuse_if_open(target)
    notes = _carry_meeting_decisions(ws, target, consensus_rows)
    agreement_file = ws.agree_dir / AGREEMENT_FILE
    fsio.write_if_changed(agreement_file, table.csv_text(rows, len(sheets)).encode("utf-8"))
    fsio.write_if_changed(target, _sheet_bytes(target, columns, consensus_rows, book))
    deps = lock.hash_paths(list(sheet_paths) + [ws.ingest_dir / "segments.csv", applied_codebook_path(ws)], ws.root)
    outs = lock.hash_paths([agreement_file, target], ws.root)
    lock.write(ws.agree_dir, lock.StageRecord(STAGE, params=_params(ws, sheets), deps=deps, outs=outs))
    return AgreementResult(
        coders=[s.coder for s in sheets],
        kappa="cohen" if len(sheets) == 2 else "fleiss",
        sheets=[{**s.summary(), "sheet": _rel(s.path, ws)} for s in sheets],
        rows=rows,
        units=len(consensus_rows),
        disagreements=sum(
            1 for r in consensus_rows if r[consensus.AGREEMENT_COLUMN] not in (consensus.AGREED, consensus.PENDING)
        ),
        agreement_path=_rel(agreement_file, ws),
        consensus_path=_rel(target, ws),
        notes=notes,
    )


MEETING_COLUMNS = ("decision", "final_code", "coder", "memo")


def _carry_meeting_decisions(ws: Workspace, target: Path, consensus_rows: list[sheet.Row]) -> list[str]:
    """A consensus sheet people edited since agree wrote it (decisions of the consensus meeting, not yet
    adopted) is never overwritten blindly: it is copied to 03-agree/history/, and its decisions and memos
    are carried onto the same units of the new consensus where that one leaves them open."""
    record = lock.read(ws.agree_dir)
    if not target.exists() or record is None:
        return []
    written = record.outs.get(lock.relative(target, ws.root))
    if written is None or written == fsio.sha256_file(target):
        return []  # exactly what agree wrote: nothing people made is in it
    _, edited = sheet.read_rows(target)
    made = {r["unit_id"]: r for r in edited if r.get("unit_id") and any(r.get(c, "").strip() for c in MEETING_COLUMNS)}
    backup = _next_numbered(ws.agree_dir / "history", "consensus", target.suffix)
    fsio.write_bytes(backup, target.read_bytes())
    carried = 0
    for row in consensus_rows:
        earlier = made.get(row.get("unit_id", ""))
        if earlier is None or sheet.normalise_decision(row.get("decision", "")):
            continue
        for column in MEETING_COLUMNS:
            if earlier.get(column, "").strip():
                row[column] = earlier[column]
        carried += 1
    return [
        f"{_rel(target, ws)} had been edited since agree wrote it (the consensus meeting?): kept as "
        f"{_rel(backup, ws)}; its decisions on {carried} unit(s) still open are carried into the new one"
    ]


def _next_numbered(folder: Path, stem: str, suffix: str) -> Path:
    numbers = [int(m.group(1)) for p in folder.glob(f"{stem}-*{suffix}") if (m := re.match(rf"{stem}-(\d+)", p.stem))]
    return folder / f"{stem}-{max(numbers, default=0) + 1:04d}{suffix}"


def _current_positions(ws: Workspace) -> tuple[dict[str, tuple[str, str, str]], dict[str, str]]:
    """Where the workspace coder sheet has each unit now (the code stage keeps it current), for copies made
    before transcripts or de-identification settings changed; and each unit's drafted code, so a recode typed
    into a copy's `code` column is caught."""
    if not ws.sheet_path.exists():
        return {}, {}
    _, rows = sheet.read_rows(ws.sheet_path)
    places = {
        r["unit_id"]: (r.get("start", ""), r.get("end", ""), r.get("text", ""))
        for r in rows
        if r.get("unit_id") and r.get("status") != "orphaned"
    }
    return places, {r["unit_id"]: r.get("code", "") for r in rows if r.get("unit_id")}


def _read_segments(ws: Workspace) -> list[dict[str, str]]:
    from themeflow.ingest.artefacts import read_segments

    return read_segments(ws.ingest_dir)


def _params(ws: Workspace, sheets: list[CoderSheet]) -> dict[str, Any]:
    return {"coders": [s.coder for s in sheets], "sheet_format": ws.sheet_format}


def stale_reasons(ws: Workspace) -> list[str]:
    """Why the last agreement no longer matches its sheets, segments or codebook (empty when fresh)."""
    previous = lock.read(ws.agree_dir)
    if previous is None:
        return ["it has never run"]
    deps = lock.hash_paths([Path(p) if Path(p).is_absolute() else ws.root / p for p in previous.deps], ws.root)
    return lock.stale_reasons(previous, deps, previous.params, ws.root)


# --- prepare -----------------------------------------------------------------------------------------

_NAME = re.compile(r"^[^\s/\\:*?\"<>|.][^/\\:*?\"<>|]*$")


def prepared_path(ws: Workspace, name: str) -> Path:
    suffix = ".csv" if ws.sheet_format == "csv" else ".xlsx"
    return ws.agree_dir / SHEETS_DIR / f"{PREPARED_PREFIX}{name}{suffix}"


@holds_lock
def prepare(ws: Workspace, names: list[str]) -> PrepareResult:
    """Blank per-coder copies of the coder sheet: every people's column emptied (decision, final_code, memo,
    translation, quote, any added column), coder = NAME."""
    names = [n.strip() for n in names] or [str(n).strip() for n in ws.config.get("coders") or []]
    if not names:
        raise UsageError(
            "name the coders", hint="themeflow agree --prepare NAME NAME (or set `coders:` in themeflow.yaml)"
        )
    for name in names:
        if not _NAME.match(name):
            raise UsageError(
                f'coder name "{name}" cannot be part of a file name',
                hint="use letters, digits, - or _ (Chinese is fine)",
            )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise UsageError(f'coder name "{duplicated[0]}" is given twice')
    source = ws.sheet_path
    if not source.exists():
        raise UsageError("no coder sheet yet", file=source, hint="run `themeflow code` first")
    header, rows = sheet.read_rows(source)
    sheet.check_columns(header, source)
    ingested = {p.stem for p in (ws.ingest_dir / "transcripts").glob("*.txt")}
    if ingested:  # a withdrawn participant's transcript is gone: its text goes to no coder
        rows = [r for r in rows if r.get("transcript_id", "").strip() in ingested]
    book = applied_codebook(ws) if applied_codebook_path(ws).exists() else None
    targets = [prepared_path(ws, name) for name in names]
    for target in targets:
        if target.exists():
            existing_header, existing = sheet.read_rows(target)
            written = [c for c in people_columns(existing_header) if c != "coder"]
            if any((r.get(c) or "").strip() for r in existing for c in written):
                raise InputError(
                    "this coder's sheet already holds decisions; it was left as it is",
                    file=target,
                    hint="move it away first if you really want a blank copy",
                )
        sheet.refuse_if_open(target)
    columns = sheet.ordered_columns(header, rows)
    cleared = people_columns(columns)
    result = PrepareResult(units=len(rows))
    for name, target in zip(names, targets, strict=True):
        blank = [
            {
                **{k: v for k, v in r.items() if k != "_row"},
                **dict.fromkeys(cleared, ""),
                "coder": name,
            }
            for r in rows
        ]
        fsio.write_bytes(target, _sheet_bytes(target, columns, blank, book))
        result.paths.append(_rel(target, ws))
    return result


# --- adopt -------------------------------------------------------------------------------------------


def next_history_path(ws: Workspace, suffix: str) -> Path:
    folder = ws.code_dir / HISTORY_DIR
    numbers = [
        int(m.group(1))
        for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := re.fullmatch(r"units-(\d+)\.(?:xlsx|csv)", p.name))
    ]
    # Same numbering as the code stage's backups (units-0001.xlsx, ...), so both share one sequence.
    return folder / f"units-{max(numbers, default=0) + 1:04d}{suffix}"


@holds_lock
def adopt(ws: Workspace, path: Path) -> AdoptResult:
    """Merge a consensus sheet into the workspace coder sheet (see `themeflow.agree.merge`), backing up the
    current one. Refused, with nothing written, while the consensus is invalid or still has disagreements."""
    path = resolve(ws, path)
    book = applied_codebook(ws)
    header, rows = sheet.read_rows(path)
    sheet.check_columns(header, path)
    problems = sheet.validate_rows(rows, path, set(book.code_ids))
    if problems:
        raise InputError.from_problems(
            problems, hint="fix the consensus sheet, then adopt it again (nothing was installed)"
        )
    open_rows = merge.unresolved(header, rows)
    if open_rows:
        numbers = [r["_row"] for r in open_rows]
        shown = ", ".join(numbers[:10]) + (", …" if len(numbers) > 10 else "")
        count = f"{len(numbers)} disagreement{'s' if len(numbers) > 1 else ''}"
        raise InputError(
            f"still undecided after the meeting ({count}); decide them, then adopt",
            file=f"{path.name} row{'s' if len(numbers) > 1 else ''} {shown}",
            hint="fill in `decision` (and `final_code` where the coders chose different codes) on each of "
            "these rows (nothing was installed)",
        )
    target = ws.sheet_path
    sheet.refuse_if_open(target)
    if target.exists():
        current_header, current = sheet.read_rows(target)
        sheet.check_columns(current_header, target)
    else:
        current_header, current = [], []
    ids = {(r.get("unit_id") or "").strip() for r in rows} - {""}
    if current and ids and not ids & {(r.get("unit_id") or "").strip() for r in current}:
        raise InputError(
            f"none of its units is in {target.name}: the consensus comes from another coder sheet",
            file=path.name,
            hint="adopt the consensus drafted from copies of this workspace's coder sheet (nothing was installed)",
        )
    merged = merge.merge(current_header, current, header, rows)
    columns = sheet.ordered_columns(merged.columns, merged.rows)
    data = _sheet_bytes(target, columns, merged.rows, book)
    backup: Path | None = None
    if target.exists():
        if target.read_bytes() == data:
            return _adopted(ws, target, None, merged, written=False)
        backup = next_history_path(ws, target.suffix)
        fsio.write_bytes(backup, target.read_bytes())
    fsio.write_bytes(target, data)
    _acknowledge_consensus(ws, path)
    return _adopted(ws, target, backup, merged)


def _acknowledge_consensus(ws: Workspace, consensus_file: Path) -> None:
    """After adopting, the meeting's edits to the consensus are accounted for: record its current bytes as
    agree's output, so `status` does not call agree stale for them."""
    record = lock.read(ws.agree_dir)
    key = lock.relative(Path(consensus_file), ws.root)
    if record is not None and key in record.outs and Path(consensus_file).exists():
        record.outs[key] = fsio.sha256_file(Path(consensus_file))
        lock.write(ws.agree_dir, record)


def _adopted(
    ws: Workspace, target: Path, backup: Path | None, merged: merge.Merged, *, written: bool = True
) -> AdoptResult:
    pending = sum(1 for r in merged.rows if sheet.normalise_decision(r.get("decision", "")) == "")
    return AdoptResult(
        installed=_rel(target, ws),
        backup=_rel(backup, ws) if backup else None,
        units=len(merged.rows),
        pending=pending,
        decided=merged.decided,
        memos=merged.memos,
        added=len(merged.added),
        written=written,
    )
