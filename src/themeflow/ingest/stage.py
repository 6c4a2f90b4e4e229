"""Stage 01 orchestration: read every transcript, normalise, de-identify, split, segment, write artefacts.

Pure per-transcript work lives in `process_text`; this module does the I/O around it: which files changed
(content hash + tool, vocabulary and de-identification settings), reusing unchanged results, atomic writes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import __version__, fsio, lock
from themeflow.errors import InputError, UsageError
from themeflow.ingest import participants as participants_mod
from themeflow.ingest.artefacts import (
    SegmentBlock,
    read_previous,
    remember_identities,
    remember_written,
    segments_csv,
)
from themeflow.ingest.normalize import normalise
from themeflow.ingest.readers import SUPPORTED_SUFFIXES, Decoded, SourceError, read_source
from themeflow.ingest.segmenter import (
    Segmenter,
    builtin_words,
    engine_version,
    read_dictionary,
    simplified_shadow,
    vocabulary_digest,
)
from themeflow.ingest.sentences import split_span
from themeflow.ingest.speakers import is_bracketed_note, split_turns
from themeflow.workspace import Workspace, holds_lock

# Transcripts may hold very long lines; the csv module's default field limit (128 KiB) must not break reading.
csv.field_size_limit(2**31 - 1)

IDENTIFYING_COLUMNS = {"name", "real_name", "full_name", "姓名", "真实姓名", "phone", "电话", "手机", "address", "地址"}
STAGE = "ingest"
NAME_HAS_PERSONAL_INFORMATION = (
    "its file name contains personal information (a name or a number): rename it, e.g. P02_访谈.txt"
)

Progress = Callable[[int, int, str], None]


@dataclass
class TranscriptRecord:
    transcript_id: str
    participant_id: str
    source: str
    encoding: str
    format: str
    sha256: str
    cache_key: str
    scheme: str
    text: str
    segments: SegmentBlock
    warnings: list[str] = field(default_factory=list)
    turns: int = 0

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "participant_id": self.participant_id,
            "encoding": self.encoding,
            "format": self.format,
            "sha256": self.sha256,
            "cache_key": self.cache_key,
            "speaker_scheme": self.scheme,
            "characters": len(self.text),
            "turns": self.turns,
            "segments": self.segments.count,
            "segments_bytes": len(self.segments.csv_bytes()),
            "participant_segments": self.segments.participant_count,
            "warnings": self.warnings,
        }


@dataclass
class IngestResult:
    processed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)
    segments: int = 0
    characters: int = 0
    output_dir: Path | None = None
    source_digests: dict[Path, str] = field(default_factory=dict, repr=False)  # sha256 of each file read

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "processed": self.processed,
            "reused": self.reused,
            "removed": self.removed,
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "warnings": self.warnings,
            "segments": self.segments,
            "characters": self.characters,
            "output_dir": str(self.output_dir) if self.output_dir else None,
        }


# --- pure per-transcript work -------------------------------------------------------------------


def process_text(
    text: str, transcript_id: str, participant_id: str, segmenter: Segmenter
) -> tuple[str, list[dict[str, str]], list[str], int]:
    """Split normalised text into turns and sentences and segment them.

    Returns (scheme, segment rows, warnings, number of turns). Every row satisfies
    `row["text"] == text[int(row["start"]):int(row["end"])]`."""
    split = split_turns(text)
    shadow = simplified_shadow(text)  # same length as text, so sentence offsets index it too
    rows: list[dict[str, str]] = []
    spoken = [(turn, sentences) for turn in split.turns if (sentences := _spoken_sentences(text, turn.spans))]
    for turn_number, (turn, sentences) in enumerate(spoken, start=1):
        for start, end in sentences:
            sentence = text[start:end]
            tokens = [t for t in segmenter.cut_original(sentence, shadow[start:end]) if t.strip()]
            rows.append(
                {
                    "segment_id": f"{transcript_id}-s{len(rows) + 1:04d}",
                    "transcript_id": transcript_id,
                    "participant_id": participant_id,
                    "turn": str(turn_number),
                    "speaker": turn.speaker,
                    "role": turn.role,
                    "start": str(start),
                    "end": str(end),
                    "text": sentence,
                    "tokens": " ".join(tokens),
                }
            )
    return split.scheme, rows, split.warnings, len(spoken)


def _spoken_sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The turn's sentences without the ones that are only a transcriber's note (`我不知道。（沉默）`)."""
    return [
        (start, end)
        for span_start, span_end in spans
        for start, end in split_span(text, span_start, span_end)
        if not is_bracketed_note(text[start:end])
    ]


_UNSAFE = re.compile(r"[\s/\\:*?\"<>|#]+")


def transcript_id_for(path: Path) -> str:
    return _UNSAFE.sub("_", path.stem).strip("_") or "transcript"


# --- I/O around it ------------------------------------------------------------------------------


# Formats people have that ingest cannot read: reported by name, never passed over in silence.
UNSUPPORTED_SUFFIXES = {
    ".doc": "Word 97-2003 .doc is not supported: save it as .docx",
    ".wps": "WPS .wps is not supported: save it as .docx",
    ".rtf": ".rtf is not supported: save it as .docx or .txt",
    ".odt": ".odt is not supported: save it as .docx",
    ".pdf": "PDF is not supported: export the text as .txt or .docx",
    ".pages": ".pages is not supported: export it as .docx",
}


def _unsupported(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and p.suffix.lower() in UNSUPPORTED_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def _sources(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise UsageError(
            f"transcripts folder {directory} not found", hint="pass a folder or set `transcripts:` in themeflow.yaml"
        )
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith(("~$", "."))
        and p.name.lower() != "readme.md"
    )


def vocabulary(ws: Workspace, extra_words: list[str] | None = None) -> list[tuple[str, int | None, str | None]]:
    """Built-in domain words, the workspace dictionary and `extra_words` (codebook terms)."""
    words: list[tuple[str, int | None, str | None]] = [(w, None, None) for w in builtin_words()]
    try:
        words += read_dictionary(ws.dictionary_file)
    except SourceError as exc:
        raise InputError(f"user dictionary {exc}", file=ws.dictionary_file) from exc
    words += [(w, None, None) for w in (extra_words or []) if w and " " not in w]
    return words


def codebook_terms(ws: Workspace) -> list[str]:
    """Keywords of the workspace codebook, so transcripts and codebook segment the same way."""
    path = ws.codebook_file
    if not path.exists():
        return []
    from themeflow import codebook as codebook_mod
    from themeflow.coding.matcher import codebook_terms as terms_of

    try:
        book = codebook_mod.load(path, check_regexes=False)  # only its keywords are needed here
    except InputError:
        return []  # `themeflow code` reports codebook problems; ingest must not depend on them
    return terms_of(book)


def stage_inputs(
    ws: Workspace, transcripts_dir: Path, participants_file: Path | None, known: dict[Path, str] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The stage's inputs and parameters as its record keeps them (`known`: digests of transcripts this run
    read, by path)."""
    # The transcripts folder is recorded as one digest: file names may hold names, and the record is shared.
    deps = lock.hash_folder(transcripts_dir, ws.root, known)
    if participants_file:
        deps.update(lock.hash_paths([participants_file], ws.root))
    if ws.dictionary_file.exists():
        deps.update(lock.hash_paths([ws.dictionary_file], ws.root))
    if ws.codebook_file.exists():
        deps.update(lock.hash_paths([ws.codebook_file], ws.root))
    seg = ws.section("segmentation")
    deid = ws.section("deid")
    # The stage record is shareable: it keeps a digest of the de-identification settings, never the names
    # and terms they list.
    digest = hashlib.sha256(json.dumps(deid, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    params = {
        "engine": str(seg.get("engine", "jieba-fast")),
        "deid": {"enabled": bool(deid.get("enabled", True)), "settings": digest},
    }
    return deps, params


def skipped_last_time(ws: Workspace) -> dict[str, str]:
    """Transcript files the last ingest could not read (file -> reason), from its manifest."""
    try:
        manifest = json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    skipped = manifest.get("skipped") if isinstance(manifest, dict) else None
    return {str(k): str(v) for k, v in skipped.items()} if isinstance(skipped, dict) else {}


def stale_reasons(ws: Workspace) -> list[str]:
    participants = ws.participants_file if ws.participants_file.exists() else None
    deps, params = stage_inputs(ws, ws.transcripts_dir, participants)
    reasons = lock.stale_reasons(lock.read(ws.ingest_dir), deps, params, ws.root)
    return reasons or missing_texts(ws)


def missing_texts(ws: Workspace) -> list[str]:
    """Ingested transcripts whose normalised text (the offset base, not in the stage record) is gone."""
    try:
        manifest = json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))
        ingested = list(manifest.get("transcripts", {}))
    except (OSError, ValueError, AttributeError):
        return []
    folder = ws.ingest_dir / "transcripts"
    return [
        f"{lock.relative(folder / f'{tid}.txt', ws.root)} is missing"
        for tid in ingested
        if not (folder / f"{tid}.txt").exists()
    ]


@dataclass
class _Pending:
    """A transcript read and normalised, waiting for de-identification and segmentation."""

    rel: str
    transcript_id: str
    participant_id: str
    decoded: Any
    digest: str
    text: str
    participant_warning: str | None


# Bump when speaker, sentence, note or decoding rules change what a transcript's segments are: every
# transcript is then ingested again (it is part of each transcript's cache key).
RULES_VERSION = "rules-4"

# Below this many characters, forking workers costs more than it saves.
MIN_PARALLEL_CHARS = 200_000


def _detect(deidentifier: Any, text: str) -> list[Any]:
    return deidentifier.detect(text)  # type: ignore[no-any-return]


def _segment(segmenter: Segmenter, item: tuple[str, str, str]) -> tuple[str, SegmentBlock, list[str], int]:
    """One transcript segmented, its rows already as segments.csv lines (a worker sends back one bytes object)."""
    scheme, rows, warnings, turns = process_text(item[0], item[1], item[2], segmenter)
    return scheme, SegmentBlock.of_rows(rows).unparsed(), warnings, turns


def _process_pending(
    pending: list[_Pending],
    deidentifier: Any,
    engine: str,
    words: list[tuple[str, int | None, str | None]],
    processes: int,
    cache_key: str,
    records: dict[str, TranscriptRecord],
    result: IngestResult,
) -> None:
    """De-identify and segment the transcripts that changed. Detection and segmentation run on both cores
    for large corpora; pseudonyms are given out in one process, in file order, so numbering is stable."""
    from themeflow.parallel import fork_map

    workers = processes if sum(len(p.text) for p in pending) >= MIN_PARALLEL_CHARS else 1
    if deidentifier.enabled:
        if workers > 1:
            deidentifier.prepare_for_workers()
        found = fork_map(_detect, deidentifier, [p.text for p in pending], workers)
        for item, spans in zip(pending, found, strict=True):
            item.text, _ = deidentifier.apply(item.transcript_id, item.text, spans)
    segmenter = Segmenter(engine, words)
    segmented = fork_map(_segment, segmenter, [(p.text, p.transcript_id, p.participant_id) for p in pending], workers)
    for item, (scheme, block, warnings, turns) in zip(pending, segmented, strict=True):
        if not block.count:
            result.skipped.append((item.rel, "has no speech to segment"))
            continue
        if item.participant_warning:
            result.warnings.append(item.participant_warning)
        warnings = [*item.decoded.warnings, *warnings]
        result.warnings.extend(f"{item.rel}: {warning}" for warning in warnings)
        records[item.transcript_id] = TranscriptRecord(
            item.transcript_id,
            item.participant_id,
            item.rel,
            item.decoded.encoding,
            item.decoded.format,
            item.digest,
            cache_key,
            scheme,
            item.text,
            block,
            warnings,
            turns,
        )
        result.processed.append(item.transcript_id)


def _still_naming(
    names: set[str],
    records: dict[str, TranscriptRecord],
    originals: dict[str, str],
    ws: Workspace,
    result: IngestResult,
) -> list[_Pending]:
    """Transcripts whose de-identified text still holds a name another transcript revealed in this run
    (`吴芳` found in P07 after P05, which says 吴芳姐, was done), ready to be de-identified again from their
    source text. They leave `result.reused`/`processed` and are processed again."""
    from themeflow.deid.detect import detection_shadow

    if not names:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))
    out: list[_Pending] = []
    for transcript_id in sorted(records):
        record = records[transcript_id]
        if not pattern.search(detection_shadow(record.text)):
            continue
        text = originals.get(transcript_id)
        decoded = None
        if text is None:  # reused this run: read its source again
            try:
                decoded = read_source(ws.root / record.source)
            except (SourceError, OSError):
                continue
            text = normalise(decoded.text)
        else:
            decoded = Decoded(text, record.encoding, record.format)
        out.append(_Pending(record.source, transcript_id, record.participant_id, decoded, record.sha256, text, None))
        del records[transcript_id]
        for done in (result.reused, result.processed):
            if transcript_id in done:
                done.remove(transcript_id)
    return out


def _previous_record(
    old: dict[str, Any], transcript_id: str, rel: str, cached_text: Path, blocks: dict[str, SegmentBlock]
) -> TranscriptRecord:
    """A transcript as the last run ingested it (its manifest entry, text and block of segments.csv)."""
    return TranscriptRecord(
        transcript_id,
        str(old["participant_id"]),
        rel,
        old["encoding"],
        old["format"],
        str(old["sha256"]),
        str(old["cache_key"]),
        old.get("speaker_scheme", ""),
        cached_text.read_text(encoding="utf-8"),
        blocks[transcript_id],
        list(old.get("warnings", [])),
        int(old.get("turns", 0)),
    )


@holds_lock
def run(
    ws: Workspace,
    transcripts_dir: Path | None = None,
    participants_file: Path | None = None,
    *,
    deid_enabled: bool | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest the workspace's transcripts into `<output>/01-ingest/`. Unchanged files are reused."""
    transcripts_dir = Path(transcripts_dir) if transcripts_dir else ws.transcripts_dir
    missing_participants = None
    if participants_file is None and ws.participants_file.exists():
        participants_file = ws.participants_file
    elif participants_file is None and ws.has_config_file and "participants" in ws.raw_keys:
        missing_participants = lock.relative(ws.participants_file, ws.root)
    participants = participants_mod.read(participants_file) if participants_file else participants_mod.Participants()
    sources = _sources(transcripts_dir)
    result = IngestResult(output_dir=ws.ingest_dir)
    for path in _unsupported(transcripts_dir):
        result.skipped.append((lock.relative(path, ws.root), UNSUPPORTED_SUFFIXES[path.suffix.lower()]))
    if missing_participants:
        result.warnings.append(
            f"participants file {missing_participants} (set in themeflow.yaml) not found: Table 2 and quote "
            "attributions will have participant ids only"
        )
    if not sources:
        raise UsageError(f"no transcripts (.txt, .md, .docx) in {transcripts_dir}")

    seg_settings = ws.section("segmentation")
    engine = str(seg_settings.get("engine", "jieba-fast"))
    words = vocabulary(ws, codebook_terms(ws))
    vocab = vocabulary_digest(words)
    deid_settings = dict(ws.section("deid"))
    if deid_enabled is not None:
        deid_settings["enabled"] = deid_enabled
    from themeflow import deid

    deidentifier = deid.prepare(ws, participants, enabled=bool(deid_settings.get("enabled", True)))
    cache_key = "|".join([__version__, RULES_VERSION, engine_version(engine), vocab, deidentifier.settings_digest()])

    previous_manifest, previous_segments = read_previous(ws.ingest_dir, ws.private_dir / "cache")
    transcripts_out = ws.ingest_dir / "transcripts"
    records: dict[str, TranscriptRecord] = {}
    pending: list[_Pending] = []
    seen_ids: dict[str, str] = {}
    known = participants.by_id()
    for index, path in enumerate(sources, start=1):
        rel = lock.relative(path, ws.root)
        if progress:
            progress(index - 1, len(sources), path.name)
        transcript_id = transcript_id_for(path)
        if transcript_id in seen_ids:
            result.skipped.append((rel, f"has the same name as {seen_ids[transcript_id]}; rename one of them"))
            continue
        seen_ids[transcript_id] = rel
        if _names_someone(deidentifier, transcript_id):
            # The file name becomes the transcript id in every shareable artefact.
            result.skipped.append((rel, NAME_HAS_PERSONAL_INFORMATION))
            continue
        participant_id = participants.id_for_file(path.name)
        participant_warning = None
        if participant_id is None:
            participant_id = transcript_id
            participant_warning = (
                f"{rel}: no participant id in the file name or the participants file; using {transcript_id}"
            )
        elif known and participant_id not in known:
            listed_in = participants_file.name if participants_file else "the participants file"
            participant_warning = f"{rel}: participant {participant_id} is not in {listed_in}"
        data = path.read_bytes()
        digest = result.source_digests[path] = fsio.sha256_bytes(data)
        old = previous_manifest.get(transcript_id)
        cached_text = transcripts_out / f"{transcript_id}.txt"
        reusable = (
            old is not None
            and old.get("cache_key") == cache_key
            and old.get("participant_id") == participant_id
            and cached_text.exists()
            and transcript_id in previous_segments
        )
        if reusable and old is not None and old.get("sha256") == digest:
            records[transcript_id] = _previous_record(old, transcript_id, rel, cached_text, previous_segments)
            result.reused.append(transcript_id)
            if participant_warning:
                result.warnings.append(participant_warning)
            continue
        try:
            decoded = read_source(path, data)
        except SourceError as exc:
            if reusable and old is not None:
                # Damaged since the last run (a failed sync, a bad save): its coded units must not be orphaned.
                records[transcript_id] = _previous_record(old, transcript_id, rel, cached_text, previous_segments)
                result.skipped.append((rel, f"{exc}; the version ingested before is kept until it can be read"))
            else:
                result.skipped.append((rel, str(exc)))
            continue
        pending.append(
            _Pending(rel, transcript_id, participant_id, decoded, digest, normalise(decoded.text), participant_warning)
        )
    processes = int(seg_settings.get("processes", 2) or 1)
    known_names = deidentifier.names_everywhere() if deidentifier.enabled else set()
    originals = {item.transcript_id: item.text for item in pending}
    if deidentifier.enabled:
        # Pseudonyms people typed into transcripts (de-identified elsewhere) are never given out again.
        for item in pending:
            clash = deidentifier.key.typed_clashes(item.text)
            if clash:
                result.warnings.append(
                    f"{item.rel}: {', '.join(clash)} typed in the transcript also stand for other names in the "
                    "re-identification key: renumber them by hand (e.g. [人名90]) so one pseudonym means one person"
                )
        deidentifier.key.reserve([*originals.values(), *(r.text for r in records.values())])
    if pending:
        _process_pending(pending, deidentifier, engine, words, processes, cache_key, records, result)
    for _ in range(3):  # a name found in one transcript is a name in every one (usually settled at once)
        found = deidentifier.names_everywhere() - known_names if deidentifier.enabled else set()
        again = _still_naming(found, records, originals, ws, result)
        if not again:
            break
        known_names |= found
        deidentifier.forget_detector()
        _process_pending(again, deidentifier, engine, words, processes, cache_key, records, result)
    if progress:
        progress(len(sources), len(sources), "")

    result.warnings = list(dict.fromkeys(result.warnings))  # a transcript processed again warns once
    # A file that is still there but could not be read this time was skipped, not removed.
    unreadable = {transcript_id_for(Path(file)) for file, _ in result.skipped}
    result.removed = sorted(set(previous_manifest) - set(records) - unreadable)
    if participants.rows:
        listed = {r["participant_id"] for r in participants.rows}
        missing = sorted(listed - {r.participant_id for r in records.values()}, key=participants_mod.sort_key)
        if missing:
            result.warnings.append(f"participants without a transcript: {', '.join(missing)}")
    _write(ws, records, participants, engine, vocab, deidentifier, result, transcripts_dir, participants_file)
    return result


def _names_someone(deidentifier: Any, file_stem: str) -> bool:
    """A file name holding personal information (`P2_李秀兰_13700001111`): its parts read as words."""
    return bool(deidentifier.enabled and deidentifier.detect(file_stem.replace("_", " ")))


def _without_named_files(
    participants: participants_mod.Participants, deidentifier: Any
) -> participants_mod.Participants:
    """The participants table for analysis/: a transcript file name that holds a name (`马秀英_访谈.txt`, refused
    by ingest for the same reason) is left out of its `file` cell."""
    if "file" not in participants.columns or not deidentifier.enabled:
        return participants
    rows = []
    for row in participants.rows:
        name = row.get("file", "")
        if name and _names_someone(deidentifier, Path(name).stem):
            row = dict(row, file="")
        rows.append(row)
    return participants_mod.Participants(participants.columns, rows, participants.source)


def _write(
    ws: Workspace,
    records: dict[str, TranscriptRecord],
    participants: participants_mod.Participants,
    engine: str,
    vocab: str,
    deidentifier: Any,
    result: IngestResult,
    transcripts_dir: Path,
    participants_file: Path | None,
) -> None:
    out = ws.ingest_dir
    transcripts_out = out / "transcripts"
    ordered = sorted(records)
    reused = set(result.reused)  # their text was just read from the file they would be written to
    for transcript_id in ordered:
        if transcript_id not in reused:
            fsio.write_if_changed(transcripts_out / f"{transcript_id}.txt", records[transcript_id].text.encode("utf-8"))
    if transcripts_out.exists():
        for stale in transcripts_out.glob("*.txt"):
            if stale.stem not in records:
                stale.unlink()
    result.segments = sum(records[tid].segments.count for tid in ordered)
    result.characters = sum(len(records[t].text) for t in ordered)
    written: dict[Path, bytes] = {}  # the outputs the stage record lists, as written
    body = b"".join(records[tid].segments.csv_bytes() for tid in ordered)
    written[out / "segments.csv"] = segments_csv([]).encode("utf-8") + body
    drop = {c for c in participants.columns if c.strip().lower() in IDENTIFYING_COLUMNS}
    shareable = _without_named_files(participants, deidentifier)
    written[out / "participants.csv"] = participants_mod.csv_text(shareable, drop).encode("utf-8")
    deidentifier.save(ordered)
    manifest = {
        "tool": {
            "themeflow": __version__,
            "segmenter": engine,
            "segmenter_version": engine_version(engine),
            "user_vocabulary": vocab,
            "deid": deidentifier.settings_digest(),
        },
        "participants_file": lock.relative(participants_file, ws.root) if participants_file else None,
        "transcripts": {tid: records[tid].manifest_entry() for tid in ordered},
        "skipped": {f: r for f, r in sorted(result.skipped) if r != NAME_HAS_PERSONAL_INFORMATION},
    }
    written[out / "manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(
        "utf-8"
    )
    # Hashing tens of megabytes and writing them both release the GIL: the digests are made in a thread meanwhile.
    with ThreadPoolExecutor(max_workers=1) as hashing:
        hashed = hashing.map(fsio.sha256_bytes, written.values())
        for path, data in written.items():
            fsio.write_if_changed(path, data)
        outs = {lock.relative(path, ws.root): digest for path, digest in zip(written, hashed, strict=True)}
    deps, params = stage_inputs(ws, transcripts_dir, participants_file, result.source_digests)
    segments_digest = outs[lock.relative(out / "segments.csv", ws.root)]
    remember_written(out, segments_digest, {t: records[t].segments for t in ordered})
    manifest_digest = outs[lock.relative(out / "manifest.json", ws.root)]
    digests = {"segments.csv": segments_digest, "manifest.json": manifest_digest}
    remember_identities(ws.private_dir / "cache", out, digests)
    record = lock.StageRecord(STAGE, params=json.loads(json.dumps(params)), deps=deps, outs=outs)
    # Like every artefact, the record is rewritten only when it changes: a no-op run touches nothing.
    fsio.write_if_changed(out / lock.RECORD_NAME, record.to_json().encode("utf-8"))
