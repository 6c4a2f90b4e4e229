"""Stage 02 orchestration: apply the codebook to ingested sentences and merge into the coder sheet."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import codebook as codebook_mod
from themeflow import fsio, lock, sheet, sheet_xlsx
from themeflow.coding import cache as candidate_cache
from themeflow.coding import sheet_cache, snapshot
from themeflow.coding.candidates import Candidate, CodeRules, assign_ids, draft_blocks
from themeflow.coding.matcher import SentenceMatcher, codebook_terms, compile_codebook
from themeflow.coding.merge import follow_renamed, merge, missing_transcripts
from themeflow.coding.sheet_write import SheetWrite, backup, history_copies, plan_split, send_tail_rows
from themeflow.errors import InputError, Problem
from themeflow.ingest.artefacts import SegmentBlock, read_blocks_and_digest
from themeflow.parallel import fork_call
from themeflow.workspace import Workspace, holds_lock

STAGE = "code"
Vocabulary = list[tuple[str, int | None, str | None]]  # jieba user words: (word, frequency, tag)
APPLIED_CODEBOOK = "codebook.yaml"


@dataclass
class CodeResult:
    sheet_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    backup: Path | None = None
    written: bool = True
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": str(self.sheet_path),
            "candidates": self.candidates,
            "rows": self.counts,
            "decisions": self.decisions,
            "backup": str(self.backup) if self.backup else None,
            "warnings": self.warnings,
        }


def _other_format(path: Path) -> Path:
    return path.with_suffix(".csv" if path.suffix == ".xlsx" else ".xlsx")


def load_previous(
    path: Path,
    known_codes: set[str],
    as_written: tuple[list[str], list[sheet.Row]] | None = None,
    theme_ids: Iterable[str] = (),
) -> tuple[list[str], list[sheet.Row], list[Problem]]:
    """Read the sheet people edited and find what they must fix (reported together with the merge's own
    problems, so one run lists every problem). `as_written`: its header and rows from the cache, when the
    file is still exactly what themeflow last wrote."""
    header, rows = as_written if as_written is not None else sheet.read_rows(path)
    sheet.check_columns(header, path)
    problems = sheet.validate_rows(rows, path, known_codes, theme_ids)
    problems += unknown_unit_ids(rows, path)
    problems += removed_codes(rows, path, known_codes)
    return header, rows, problems


UNIT_ID_FORM = re.compile(r"^[um][0-9a-f]{10}$")  # coding/ids.py: drafted (u…) and hand-added (m…) units


def unknown_unit_ids(rows: list[sheet.Row], path: Path) -> list[Problem]:
    """Ids themeflow never gives (typed over, pasted): the row would become a unit of its own next to the
    one it was, and the unit's decision would count twice."""
    return [
        Problem(
            f'unit_id "{unit}" is not one themeflow gave: put back the id the row had (see 02-code/history/), or '
            "leave unit_id empty to add a unit by hand",
            Path(path).name,
            int(row["_row"]),
        )
        for row in rows
        if (unit := row.get("unit_id", "").strip()) and not UNIT_ID_FORM.match(unit)
    ]


def removed_codes(rows: list[sheet.Row], path: Path, known_codes: set[str]) -> list[Problem]:
    """Accepted units that count under a code the codebook no longer has (renamed or removed): they would
    silently drop out of the themes. People recode them (final_code) or keep the code in the codebook."""
    out = []
    for row in rows:
        code = row.get("code", "").strip()
        if (
            row.get("unit_id", "").strip()
            and sheet.normalise_decision(row.get("decision", "")) == "accept"
            and not row.get("final_code", "").strip()
            and code
            and code not in known_codes
        ):
            out.append(
                Problem(
                    f'accepted unit counts under code "{code}", which is no longer in the codebook: give it a '
                    "final_code (or keep the code in the codebook)",
                    Path(path).name,
                    int(row["_row"]),
                )
            )
    return out


def _first_few(items: list[str], shown: int = 5) -> str:
    """`a, b, c, d, e…`: the first items of a long list in a warning."""
    return ", ".join(items[:shown]) + ("…" if len(items) > shown else "")


def text_column_edits(rows: list[sheet.Row], last_written: list[sheet.Row], sheet_name: str) -> list[str]:
    """Drafted units whose `text` people changed since themeflow wrote the sheet: the text is the
    transcript's and is put back (a typo is fixed in the transcript, then `themeflow ingest`)."""
    written = {r.get("unit_id", ""): r.get("text", "") for r in last_written}
    changed = [
        r["_row"]
        for r in rows
        if (unit := r.get("unit_id", "").strip()).startswith("u")
        and unit in written
        and r.get("text", "").strip() != written[unit].strip()
    ]
    if not changed:
        return []
    return [
        f"{sheet_name}: the text of {len(changed)} drafted unit{'s' if len(changed) != 1 else ''} was changed (row "
        f"{_first_few(changed)}): the text column is the transcript's and is put "
        "back — correct the transcript and run `themeflow ingest`, or add a unit by hand"
    ]


def cleared_since_written(rows: list[sheet.Row], remembered: dict[str, dict[str, str]]) -> list[str]:
    """Units whose decision or memo is blank now but was not when themeflow last wrote the sheet: cleared on
    purpose, or an older copy of the sheet was put back over the newer one."""
    present = {r.get("unit_id", "").strip(): r for r in rows}
    return sorted(
        unit
        for unit, values in remembered.items()
        if unit in present
        and any(values.get(c, "").strip() and not present[unit].get(c, "").strip() for c in ("decision", "memo"))
    )


LAST_WRITTEN = "last-written"  # .themeflow/cache/last-written.xlsx: the sheet exactly as themeflow last wrote it


def _last_written_copy(ws: Workspace, suffix: str) -> Path:
    return ws.private_dir / "cache" / f"{LAST_WRITTEN}{suffix}"


def _older_copy_put_back(ws: Workspace, sheet_path: Path, digest: str) -> Path | None:
    """The copy in history/ the sheet is byte for byte (an older sheet put back), unless it is the sheet as
    themeflow last wrote it, or the newest copy was made of this very sheet after that (by a run that was
    stopped before it wrote the new one)."""
    last = _last_written_copy(ws, sheet_path.suffix)
    try:
        if last.exists() and fsio.sha256_file(last) == digest:
            return None
        last_written_at = last.stat().st_mtime_ns if last.exists() else None
    except OSError:  # the private copy cannot be read: as if there were none
        last_written_at = None
    size = sheet_path.stat().st_size
    copies = [copy for _, copy in history_copies(ws.code_dir) if copy.suffix == sheet_path.suffix]
    for copy in copies:
        if copy.stat().st_size == size and fsio.sha256_file(copy) == digest:
            made_since = last_written_at is not None and copy.stat().st_mtime_ns > last_written_at
            return None if copy == copies[-1] and made_since else copy
    return None


def _keep_last_written(ws: Workspace) -> Path | None:
    """Put the sheet as themeflow last wrote it into history/, when the file on disk is not it any more and has
    lost decisions: an older copy put back over it leaves no other copy of it."""
    kept = _last_written_copy(ws, ws.sheet_path.suffix)
    try:
        return backup(kept, ws.code_dir) if kept.is_file() else None
    except OSError:  # the private copy cannot be read: there is nothing to keep
        return None


def newly_orphaned(previous: list[sheet.Row], rows: list[sheet.Row], sheet_name: str) -> list[str]:
    """Decided units whose text left their transcript in this run (an answer deleted or rewritten): people
    should look at them, since an accepted one still counts."""
    before = {r.get("unit_id", "").strip(): r.get("status", "") for r in previous}
    units = [
        r["unit_id"]
        for r in rows
        if r.get("status") == "orphaned"
        and before.get(r.get("unit_id", ""), "orphaned") != "orphaned"
        and sheet.normalise_decision(r.get("decision", ""))
    ]
    if not units:
        return []
    return [
        f"{sheet_name}: decided units whose text is gone from the transcript now (status orphaned): {len(units)} "
        f"({_first_few(units)}) — an accepted one still counts: re-decide or delete it"
    ]


def _stop(problems: list[Problem]) -> None:
    if problems:
        raise InputError.from_problems(problems, hint="fix the sheet and run again; nothing was written")


def applied_before(ws: Workspace, codebook_file: Path) -> bool:
    """Whether the last code run, with this version of themeflow, applied these very codebook bytes (so its
    regexes compiled then, and need not be compiled again only to check them)."""
    from themeflow import __version__

    record = lock.read(ws.code_dir)
    applied = applied_codebook_path(ws)
    try:
        same = applied.read_bytes() == codebook_file.read_bytes()
    except OSError:
        return False
    return same and record is not None and record.tool_version == __version__


def applied_codebook_path(ws: Workspace) -> Path:
    return ws.code_dir / APPLIED_CODEBOOK


def load_applied_codebook(ws: Workspace) -> codebook_mod.Codebook:
    """The codebook the code stage last applied (later stages use this one), else the workspace's."""
    path = applied_codebook_path(ws)
    return codebook_mod.load(path if path.exists() else ws.codebook_file)


def _read_transcripts(ws: Workspace) -> dict[str, str]:
    folder = ws.ingest_dir / "transcripts"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def stage_inputs(ws: Workspace, codebook_file: Path, segments_digest: str | None = None) -> dict[str, str]:
    """The code stage's inputs and their digests (`segments_digest`: of the segments.csv this run read)."""
    if segments_digest is None:
        return lock.hash_paths([ws.ingest_dir / "segments.csv", codebook_file], ws.root)
    deps = lock.hash_paths([codebook_file], ws.root)
    deps[lock.relative(ws.ingest_dir / "segments.csv", ws.root)] = segments_digest
    return deps


def stale_reasons(ws: Workspace) -> list[str]:
    return lock.stale_reasons(
        lock.read(ws.code_dir), stage_inputs(ws, ws.codebook_file), {"sheet": ws.sheet_format}, ws.root
    )


def deid_rewordings(ws: Workspace) -> tuple[Callable[[str], list[str]], Callable[[str], str]] | None:
    """Other forms a unit's text may take after the de-identification settings changed: with pseudonyms
    turned back into what people chose to keep, and de-identified as ingest does now. None when ingest did not
    de-identify (nothing to reword)."""
    from themeflow import deid
    from themeflow.deid.status import deid_was_off
    from themeflow.ingest import participants as participants_mod

    if deid_was_off(ws) or not ws.section("deid").get("enabled", True):
        return None
    people = participants_mod.read(ws.participants_file) if ws.participants_file.exists() else None
    deidentifier = deid.prepare(ws, people or participants_mod.Participants(), enabled=True)
    originals = sorted(((r["pseudonym"], r["original"]) for r in deidentifier.key.rows), key=lambda pair: -len(pair[0]))

    from themeflow.deid.surnames import TITLES

    # The key forwards: whole originals, and a surname's familiar and title forms (小蔡, 蔡医生), as ingest
    # replaced them in context.
    forward: list[tuple[str, str]] = []
    for pseudonym, original in originals:
        if len(original) >= 2:
            forward.append((original, pseudonym))
        elif original:
            forward += [(prefix + original, prefix + pseudonym) for prefix in ("老", "小")]
            forward += [(original + title, pseudonym + title) for title in TITLES]
    forward.sort(key=lambda pair: -len(pair[0]))

    def rewordings(text: str) -> list[str]:
        out: list[str] = []
        restored = text
        for pseudonym, original in originals:
            restored = restored.replace(pseudonym, original)
        keyed = text
        for original, pseudonym in forward:
            keyed = keyed.replace(original, pseudonym)
        for form in (restored, keyed, deidentifier.apply("", text)[0], deidentifier.apply("", restored)[0]):
            if form != text and form not in out:
                out.append(form)
        return out

    def deidentify(text: str) -> str:
        return deidentifier.apply("", text)[0]

    return rewordings, deidentify


def _deidentify_orphans(rows: list[sheet.Row], deidentify: Callable[[str], str]) -> None:
    """An orphaned unit keeps its row, but not personal information its old text may still hold (the
    settings changed since it was drafted): its text is de-identified as ingest does now."""
    for row in rows:
        if row.get("status") == "orphaned":
            row["text"] = deidentify(row.get("text", ""))


def vocabulary_warnings(ws: Workspace, words: Vocabulary, codebook_file: Path) -> list[str]:
    """Keywords match whole jieba tokens, and ingest adds the workspace codebook's keywords to jieba's
    dictionary: coding with a codebook whose keywords ingest did not add can miss matches. `words`: the user
    vocabulary this codebook needs."""
    import json

    from themeflow.ingest.segmenter import vocabulary_digest

    try:
        manifest = json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    used = (manifest.get("tool") or {}).get("user_vocabulary")
    if used is None or used == vocabulary_digest(words):
        return []
    configured = codebook_file.resolve() == ws.codebook_file.resolve()
    advice = (
        "run `themeflow ingest` (or `themeflow run`) so its keywords segment as whole words"
        if configured
        else f"set `codebook: {lock.relative(codebook_file, ws.root)}` in themeflow.yaml and run `themeflow ingest`"
    )
    return [
        f"the transcripts were segmented without the current keywords of {codebook_file.name}, so some may not "
        f"match: {advice}"
    ]


def stray_sheets(ws: Workspace) -> list[str]:
    """Copies of the coder sheet people may have saved under another name (Excel's "Save As" .xlsm,
    `units (1).xlsx`): themeflow reads only units.xlsx, so their decisions would be missed."""
    sheet_path = ws.sheet_path
    others = sorted(
        p.name
        for p in ws.code_dir.glob("units*")
        if p.is_file()
        and p != sheet_path
        and p.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".csv", ".ods"}
        and not p.name.startswith("~$")
    )
    return [
        f"02-code/{name} is not read: themeflow reads only {sheet_path.name}; if it holds decisions, save it as "
        f"{sheet_path.name}"
        for name in others
    ]


def sheet_warnings(path: Path) -> list[str]:
    """What people put in the workbook that a rewrite cannot keep (it stays in the copy under history/)."""
    import zipfile

    if path.suffix.lower() != ".xlsx":
        return []
    try:
        with zipfile.ZipFile(path) as package:
            has_notes = any(name.startswith("xl/comments") for name in package.namelist())
            workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError):
        return []
    out = []
    if has_notes:
        out.append(
            f"{path.name} has cell notes (comments): they are not kept when themeflow rewrites the sheet; "
            "the sheet with its notes is kept in 02-code/history/ — write notes in the memo column instead"
        )
    names = [html.unescape(n) for n in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', workbook)]
    extra = [n for n in names if n not in {sheet.DATA_SHEET, sheet.CODEBOOK_SHEET}]
    if extra and sheet.DATA_SHEET in names:
        out.append(
            f"{path.name} has worksheets of your own ({', '.join(extra)}): themeflow keeps only its units and codebook "
            "worksheets when it rewrites the sheet; the workbook as it was is kept in 02-code/history/ — keep other "
            "notes in a file of their own"
        )
    return out


def restore_deleted_rows(
    remembered: dict[str, dict[str, str]], previous: list[sheet.Row], candidates: list[sheet.Row], sheet_name: str
) -> tuple[list[sheet.Row], list[str]]:
    """Rows people deleted although they had decided them. A deleted row the codebook still proposes comes
    back with what people had written (the candidate would come back anyway, undecided); one it no longer
    proposes stays deleted. Both are reported."""
    present = {r.get("unit_id", "") for r in previous}
    proposed = {c["unit_id"]: c for c in candidates}
    restored: list[sheet.Row] = []
    notes: list[str] = []
    for unit, values in sorted(remembered.items()):
        if unit in present:
            continue
        decision = values.get("decision", "").strip() or "no decision"
        if unit in proposed:
            row = dict(proposed[unit])
            row.update(values)
            restored.append(row)
            notes.append(
                f"{sheet_name}: the row of unit {unit} ({decision}) is missing (deleted, or the sheet was replaced "
                "by an older copy); the codebook still proposes it, so it is back with what people had written in the "
                "sheet themeflow last wrote — to discard a candidate, reject it"
            )
        else:
            notes.append(
                f"{sheet_name}: the row of unit {unit} ({decision}) is missing (deleted, or the sheet was replaced "
                "by an older copy) and stays out; a copy is in 02-code/history/"
            )
    return restored, notes


@dataclass
class _Drafting:
    """What the drafting worker did: each transcript's cache key, and the transcripts it drafted (their
    candidates with ids, now cached); every other transcript's candidates are in the cache under its key."""

    cache_key: str
    transcript_keys: dict[str, str]
    drafted: dict[str, list[Candidate]]


def _drafting_key(ws: Workspace, codebook_file: Path, words: Vocabulary) -> str:
    from themeflow.ingest.segmenter import vocabulary_digest

    engine = str(ws.section("segmentation").get("engine", "jieba-fast"))
    return candidate_cache.global_key(codebook_file.read_bytes(), vocabulary_digest(words), engine)


def _draft_changed(
    ws: Workspace,
    book: codebook_mod.Codebook,
    codebook_file: Path,
    words: Vocabulary,
    blocks: dict[str, SegmentBlock],
    transcripts: dict[str, str],
) -> _Drafting:
    """Draft the transcripts the candidate cache cannot answer (their text or segments changed since they were
    cached), on both cores for large corpora; give their candidates ids and cache them. Their sentences matched
    last time are answered from the cache: the codebook is compiled, and spaCy imported, only for sentences
    that are new. (Runs in a worker while the main process reads the coder sheet.)"""
    from themeflow.ingest.segmenter import Segmenter, simplified_shadow

    cache_key = _drafting_key(ws, codebook_file, words)
    keys = {
        tid: candidate_cache.transcript_key(transcripts.get(tid, ""), block.csv_bytes())
        for tid, block in blocks.items()
    }
    cached = candidate_cache.entry_keys(ws.private_dir, cache_key, sorted(blocks))
    ordered = sorted(tid for tid in blocks if cached.get(tid) != keys[tid])
    result = _Drafting(cache_key, keys, {})
    if not ordered:
        return result
    if not cached:
        # Entries made with this codebook (and spaCy) exist only when it passed this check before.
        broken = codebook_mod.bad_token_patterns(book)
        if broken:
            raise InputError.from_problems([Problem(p.message, codebook_file.name, line=p.line) for p in broken])
    settings = ws.section("segmentation")

    def build_matcher() -> SentenceMatcher:
        segmenter = Segmenter(str(settings.get("engine", "jieba-fast")), words)
        return SentenceMatcher(compile_codebook(book, segmenter.cut))

    rules = [CodeRules(code.id, book.theme_of(code.id), code.window) for code in book.codes]
    known = {tid: candidate_cache.load_sentences(ws.private_dir, cache_key, tid) for tid in ordered}
    shadows = {tid: simplified_shadow(transcripts[tid]) for tid in ordered if tid in transcripts}
    processes = int(settings.get("processes", 2) or 1)
    drafted = draft_blocks([blocks[tid] for tid in ordered], rules, build_matcher, known, shadows, processes)
    for transcript_id, found in zip(ordered, drafted, strict=True):
        assign_ids(found.candidates, transcripts.get(transcript_id, ""))
        candidate_cache.save(
            ws.private_dir, cache_key, transcript_id, keys[transcript_id], found.candidates, found.sentences
        )
        result.drafted[transcript_id] = found.candidates  # their sentences stay in the cache only
    return result


def _candidate_rows(ws: Workspace, drafting: _Drafting, transcripts: dict[str, str]) -> list[sheet.Row]:
    """Sheet rows of every transcript's candidates (with their unit ids), in order: drafted this run, or
    from the cache."""
    entries = {tid: [candidate_cache.candidate_values(c) for c in found] for tid, found in drafting.drafted.items()}
    wanted = sorted(set(drafting.transcript_keys) - set(entries))
    for transcript_id, (key, found) in candidate_cache.load(ws.private_dir, drafting.cache_key, wanted).items():
        if key == drafting.transcript_keys[transcript_id]:
            entries[transcript_id] = found
    missing = [tid for tid in wanted if tid not in entries]
    if missing:  # pragma: no cover - the worker found them cached a moment ago, and the workspace is locked
        raise RuntimeError(f"cached candidates of {', '.join(missing)} disappeared while themeflow was running")
    candidate_cache.prune(ws.private_dir, sorted(drafting.transcript_keys))
    rows: list[sheet.Row] = []
    for transcript_id in sorted(entries):
        text = transcripts[transcript_id] if entries[transcript_id] else ""
        rows += [
            {
                "unit_id": unit,
                "transcript_id": transcript_id,
                "participant_id": participant,
                "start": start,
                "end": end,
                "text": text[int(start) : int(end)],
                "code": code,
                "theme": theme,
                "evidence": evidence,
                "score": score,
            }
            for unit, participant, start, end, code, theme, evidence, score in entries[transcript_id]
        ]
    return rows


class _Speech(Mapping[str, list[tuple[int, int, str, str]]]):
    """Per transcript, its sentences as (start, end, turn, role), parsed only for the transcripts asked about
    (the merge asks for those with new manual units)."""

    def __init__(self, blocks: dict[str, SegmentBlock]) -> None:
        self._blocks = blocks
        self._parsed: dict[str, list[tuple[int, int, str, str]]] = {}

    def __getitem__(self, transcript_id: str) -> list[tuple[int, int, str, str]]:
        if transcript_id not in self._parsed:
            rows = self._blocks[transcript_id].rows
            self._parsed[transcript_id] = [(int(r["start"]), int(r["end"]), r["turn"], r["role"]) for r in rows]
        return self._parsed[transcript_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)


@holds_lock
def run(ws: Workspace, codebook_file: Path | None = None) -> CodeResult:
    """Draft candidates with the codebook and merge them into the coder sheet (02-code/units.xlsx)."""
    codebook_file = Path(codebook_file) if codebook_file else ws.codebook_file
    book = codebook_mod.load(codebook_file, check_regexes=not applied_before(ws, codebook_file))
    sheet_path = ws.sheet_path
    sheet.refuse_if_open(sheet_path)
    previous_path = sheet_path if sheet_path.exists() else None
    if previous_path is None and _other_format(sheet_path).exists():
        previous_path = _other_format(sheet_path)  # sheet_format changed: carry the sheet over, never both
    from themeflow.ingest.stage import vocabulary

    words = vocabulary(ws, codebook_terms(book))  # the user words ingest should have used for this codebook
    blocks, segments_digest = read_blocks_and_digest(ws.ingest_dir, ws.private_dir / "cache")
    transcripts = _read_transcripts(ws)
    missing = sorted(set(blocks) - set(transcripts))
    if missing:
        raise InputError(
            f"the ingested text of {_first_few(missing)} is missing from analysis/01-ingest/transcripts/",
            hint="run `themeflow ingest` (or `themeflow run`): it writes them again",
        )
    # Deciding what to draft, and drafting it, run in a forked worker while this process reads the sheet.
    drafting = fork_call(_draft_changed, ws, book, codebook_file, words, blocks, transcripts)
    try:
        known = set(book.code_ids)
        header: list[str] = []
        previous: list[sheet.Row] = []
        problems: list[Problem] = []
        read_digest = ""
        cached_sheet = None
        if previous_path is not None:
            sheet.refuse_if_open(previous_path)
            read_digest = fsio.sha256_file(previous_path)
            cached_sheet = sheet_cache.load(ws.private_dir, read_digest)
            themes = [n.id for n in book.walk() if not n.is_code]
            header, previous, problems = load_previous(previous_path, known, cached_sheet, themes)
        warnings = sheet_warnings(previous_path) if previous_path is not None else []
        warnings += vocabulary_warnings(ws, words, codebook_file)
        warnings += [w for w in stray_sheets(ws) if previous_path is None or f"02-code/{previous_path.name} " not in w]
        remembered = snapshot.load(ws.private_dir) if previous_path is not None else {}
        if previous_path is not None and not previous and remembered:
            raise InputError(
                f"the sheet has no rows, but {len(remembered)} unit{'s' if len(remembered) != 1 else ''} had "
                "people's decisions or notes when themeflow last wrote it",
                file=previous_path.name,
                hint="restore it from 02-code/history/ (the newest units-NNNN file); to start over, delete the sheet",
            )
        if previous_path is not None and cached_sheet is None:
            last_written = sheet_cache.load(ws.private_dir, None)
            if last_written is not None:
                written_codes = {r.get("unit_id", ""): r.get("code", "") for r in last_written[1]}
                problems += sheet.code_column_edits(previous, written_codes, previous_path.name)
                warnings += text_column_edits(previous, last_written[1], previous_path.name)
            cleared = cleared_since_written(previous, remembered)
            older = _older_copy_put_back(ws, previous_path, read_digest) if previous_path == sheet_path else None
            if older is not None:
                kept = _keep_last_written(ws)
                where = f"kept as 02-code/history/{kept.name}" if kept else "in 02-code/history/"
                warnings.append(
                    f"{previous_path.name} is the same as 02-code/history/{older.name}, an older copy: decisions and "
                    f"memos made since then are not in it; the sheet as themeflow last wrote it is {where}"
                )
            elif cleared and previous_path == sheet_path:
                kept = _keep_last_written(ws)
                where = f" is kept as 02-code/history/{kept.name}" if kept else " may be in 02-code/history/"
                warnings.append(
                    f"{previous_path.name}: {len(cleared)} unit{'s' if len(cleared) != 1 else ''} had a decision "
                    f"or memo when themeflow last wrote the sheet and have none now ({_first_few(cleared)}); if an "
                    f"older copy was put back, the sheet as last written{where}"
                )
        deid_forms = deid_rewordings(ws) if previous else None
    except BaseException:
        drafting.cancel()  # it writes nothing; this process's error is the one to report
        raise
    candidates = _candidate_rows(ws, drafting.result(), transcripts)
    participants = {tid: block.first_row().get("participant_id", "") for tid, block in blocks.items()}
    sheet_name = previous_path.name if previous_path else sheet_path.name
    if previous_path is not None:
        restored, notes = restore_deleted_rows(remembered, previous, candidates, sheet_name)
        previous += restored
        warnings += notes
    previous, moved = follow_renamed(previous, transcripts, participants)
    warnings += moved + missing_transcripts(previous, transcripts, sheet_name)
    speech = _Speech(blocks)
    merged = merge(
        previous, candidates, transcripts, participants, sheet_name, speech, deid_forms[0] if deid_forms else None
    )
    if deid_forms is not None:
        _deidentify_orphans(merged.rows, deid_forms[1])
    warnings += newly_orphaned(previous, merged.rows, sheet_name)
    _stop(problems + merged.problems)
    columns = sheet.ordered_columns(header, merged.rows)
    write = SheetWrite(
        sheet_path,
        previous_path,
        read_digest,
        columns,
        merged.rows,
        book.reference_rows(),
        book.code_ids,
        ws.code_dir,
        _last_written_copy(ws, sheet_path.suffix),
    )
    # The sheet is built and written in a forked worker while this process makes the XML of its last rows (sent
    # to the worker) and prepares the caches.
    tail = plan_split(write, ws)
    written = fork_call(write.run)
    sending = None
    try:
        if tail is not None:
            sending = send_tail_rows(write, tail)
        as_read = sheet_xlsx.cells_as_read(columns, merged.rows) if sheet_path.suffix == ".xlsx" else None
        cached_rows = (
            sheet_cache.prepare(ws.private_dir, sheet_cache.encode(columns, as_read)) if as_read is not None else None
        )
        people = snapshot.encode(merged.rows)
    except BaseException:
        if tail is not None and sending is None:
            tail.close()  # nothing was sent: the worker waiting for the rows stops, writing nothing
        written.finish()  # a sheet being written is never cut short (rows being sent are delivered)
        raise
    finally:
        if sending is not None:
            sending.join()
    outcome, digest, backup = written.result()
    if outcome == "read-only":
        raise InputError(
            "the sheet is read-only",
            file=sheet_path.name,
            hint="make it writable to let themeflow update it (this run would change it; nothing was written)",
        )
    if outcome == "saved meanwhile":
        # Someone saved the sheet (Excel, WPS) while this run was working: their edits win; nothing is written.
        raise InputError(
            "the sheet was saved by someone else while themeflow was running",
            file=previous_path.name if previous_path else sheet_path.name,
            hint="nothing was written; run `themeflow code` again to include those edits",
        )
    snapshot.save(ws.private_dir, people)
    if cached_rows is not None:
        sheet_cache.bind(ws.private_dir, digest, cached_rows)
    else:
        sheet_cache.remove(ws.private_dir)  # a cache of an earlier sheet must never stand for this one
    if previous_path is not None and previous_path != sheet_path:
        previous_path.unlink()  # its content is in history/ and in the new sheet
    fsio.write_if_changed(applied_codebook_path(ws), codebook_file.read_bytes())
    decisions = {"pending": 0, "accept": 0, "reject": 0}
    for row in merged.rows:
        decisions[sheet.normalise_decision(row.get("decision", "")) or "pending"] += 1
    outs = lock.hash_paths([applied_codebook_path(ws)], ws.root)
    outs[lock.relative(sheet_path, ws.root)] = digest  # the bytes just written
    deps = stage_inputs(ws, codebook_file, segments_digest)
    lock.write(ws.code_dir, lock.StageRecord(STAGE, params={"sheet": ws.sheet_format}, deps=deps, outs=outs))
    return CodeResult(sheet_path, merged.counts, len(candidates), decisions, backup, warnings=warnings)
