"""The artefacts of stage 01 on disk: segments.csv (one row per sentence) and how a run reads back what the
previous one wrote, so unchanged transcripts are copied through without being parsed again."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow import fsio, lock
from themeflow.errors import UsageError

# Transcripts may hold very long lines; the csv module's default field limit (128 KiB) must not break reading.
csv.field_size_limit(2**31 - 1)

SEGMENT_COLUMNS = [
    "segment_id",
    "transcript_id",
    "participant_id",
    "turn",
    "speaker",
    "role",
    "start",
    "end",
    "text",
    "tokens",
]


@dataclass
class SegmentBlock:
    """One transcript's rows of segments.csv: parsed rows, or the exact CSV lines (UTF-8) kept from the last
    run.

    A reused transcript's lines are copied through as bytes, neither decoded nor parsed, so a re-run costs
    little more than what changed."""

    count: int
    participant_count: int
    raw: bytes | None = None
    _rows: list[dict[str, str]] | None = None

    @classmethod
    def of_rows(cls, rows: list[dict[str, str]]) -> SegmentBlock:
        return cls(len(rows), sum(1 for r in rows if r["role"] == "participant"), None, rows)

    @property
    def rows(self) -> list[dict[str, str]]:
        if self._rows is None:
            reader = csv.reader(io.StringIO((self.raw or b"").decode("utf-8"), newline=""))
            self._rows = [dict(zip(SEGMENT_COLUMNS, values, strict=False)) for values in reader]
        return self._rows

    def first_row(self) -> dict[str, str]:
        """The block's first row, parsing nothing else."""
        if self._rows is not None:
            return self._rows[0] if self._rows else {}
        first = (self.raw or b"").split(b"\n", 1)[0].decode("utf-8")
        values = next(csv.reader(io.StringIO(first, newline="")), [])
        return dict(zip(SEGMENT_COLUMNS, values, strict=False))

    def csv_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([r.get(c, "") for c in SEGMENT_COLUMNS] for r in self.rows)
        return out.getvalue().encode("utf-8")

    def unparsed(self) -> SegmentBlock:
        """The same block holding only its CSV lines (what a worker sends back: one bytes object)."""
        return SegmentBlock(self.count, self.participant_count, self.csv_bytes())


def _starts_with_id(line: bytes, transcript_id: str) -> bool:
    plain = (transcript_id + "-s").encode("utf-8")
    quoted = ('"' + transcript_id.replace('"', '""') + "-s").encode("utf-8")
    return line.startswith(plain) or line.startswith(quoted)


HEADER = ",".join(SEGMENT_COLUMNS).encode("utf-8")


def _recorded_digest(record: lock.StageRecord | None, name: str) -> str | None:
    if record is None:
        return None
    return next((digest for path, digest in record.outs.items() if path.endswith(f"01-ingest/{name}")), None)


def outputs_intact(ingest_dir: Path) -> bool:
    """True when segments.csv and manifest.json are exactly what the last run wrote (its stage record has
    their hashes). Anything else — edited, damaged, half-restored — is rebuilt from the sources."""
    record = lock.read(ingest_dir)
    for name in ("segments.csv", "manifest.json"):
        wanted = _recorded_digest(record, name)
        if wanted is None or fsio.sha256_file(ingest_dir / name) != wanted:
            return False
    return True


IDENTITIES_FILE = "ingest-outputs.json"  # in the private cache folder: see `remember_identities`
OUTPUTS = ("segments.csv", "manifest.json")  # what the stages after ingest read of its outputs


def _file_identity(path: Path) -> list[int]:
    """What changes when anything writes a file: its size, inode, and modification and change times (ns)."""
    info = path.stat()
    return [info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def remember_identities(cache_dir: Path, ingest_dir: Path, digests: dict[str, str]) -> None:
    """Keep, privately, the identity and sha256 of segments.csv and manifest.json as ingest just wrote them, so
    the next run (or stage) reading them unchanged need not hash them again (`known_digests`)."""
    data = {name: [*_file_identity(ingest_dir / name), digests[name]] for name in OUTPUTS}
    fsio.write_private_cache(cache_dir / IDENTITIES_FILE, json.dumps(data, sort_keys=True).encode("utf-8"))


def known_digests(cache_dir: Path | None, ingest_dir: Path) -> dict[str, str]:
    """name -> sha256 of the ingest outputs that are still the files `remember_identities` saw (call after
    reading them: a file written since has another inode or change time)."""
    if cache_dir is None:
        return {}
    try:
        data = json.loads((cache_dir / IDENTITIES_FILE).read_bytes())
        return {
            name: str(entry[-1])
            for name, entry in data.items()
            if name in OUTPUTS and entry[:-1] == _file_identity(ingest_dir / name)
        }
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        return {}


def read_previous(ingest_dir: Path, cache_dir: Path | None = None) -> tuple[dict[str, Any], dict[str, SegmentBlock]]:
    """The last run's manifest entries and each transcript's block of segments.csv, when both are exactly what
    that run wrote (anything else is rebuilt from the sources: a damaged cache is never trusted). `cache_dir`:
    the private cache where the last run noted the files' identities (`remember_identities`)."""
    try:
        manifest = (ingest_dir / "manifest.json").read_bytes()
        segments = (ingest_dir / "segments.csv").read_bytes()
    except OSError:
        return {}, {}
    record = lock.read(ingest_dir)
    known = known_digests(cache_dir, ingest_dir)
    for name, data in (("manifest.json", manifest), ("segments.csv", segments)):
        if _recorded_digest(record, name) != (known.get(name) or fsio.sha256_bytes(data)):
            return {}, {}
    try:
        return _cut_blocks(manifest, segments)
    except (ValueError, KeyError, TypeError, AttributeError, csv.Error):
        return {}, {}


def read_blocks(ingest_dir: Path) -> dict[str, SegmentBlock]:
    """Each transcript's block of segments.csv, for the stages after ingest: cut out, not parsed, when the file
    is laid out as the manifest says; parsed when not (edited by hand, no manifest)."""
    return read_blocks_and_digest(ingest_dir)[0]


# The segments.csv this process wrote last, so the stage after ingest in the same run (`themeflow run`, a
# notebook) need not read, hash and cut it again: (ingest folder, the identity of segments.csv and
# manifest.json when written, sha256 of segments.csv, blocks).
_WRITTEN: list[tuple[Path, tuple[int, ...], str, dict[str, SegmentBlock]]] = []


def _identity(ingest_dir: Path) -> tuple[int, ...]:
    """What changes when anything rewrites segments.csv or manifest.json (see `_file_identity`)."""
    return tuple(number for name in OUTPUTS for number in _file_identity(ingest_dir / name))


def remember_written(ingest_dir: Path, digest: str, blocks: dict[str, SegmentBlock]) -> None:
    """Note that this process just wrote `ingest_dir`'s segments.csv (with this digest and these blocks) and
    manifest.json."""
    _WRITTEN[:] = [(ingest_dir.resolve(), _identity(ingest_dir), digest, dict(blocks))]


def read_blocks_and_digest(ingest_dir: Path, cache_dir: Path | None = None) -> tuple[dict[str, SegmentBlock], str]:
    """`read_blocks`, and the sha256 of the segments.csv they come from (for the reading stage's record;
    `cache_dir`: see `read_previous`)."""
    path = ingest_dir / "segments.csv"
    if not path.exists():
        raise UsageError("no ingested transcripts yet", file=path, hint="run `themeflow ingest` first")
    if _WRITTEN and _WRITTEN[0][0] == ingest_dir.resolve():
        try:
            if _WRITTEN[0][1] == _identity(ingest_dir):
                return dict(_WRITTEN[0][3]), _WRITTEN[0][2]
        except OSError:
            pass
    segments = path.read_bytes()
    digest = known_digests(cache_dir, ingest_dir).get("segments.csv") or fsio.sha256_bytes(segments)
    try:
        transcripts, blocks = _cut_blocks((ingest_dir / "manifest.json").read_bytes(), segments)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, csv.Error):
        transcripts, blocks = {}, {}
    if transcripts:
        return blocks, digest
    return parse_blocks(segments.decode("utf-8").splitlines(keepends=True)), digest


def _cut_blocks(manifest: bytes, segments: bytes) -> tuple[dict[str, Any], dict[str, SegmentBlock]]:
    """segments.csv holds each transcript's rows together, in sorted order, one line per row (sentences never
    cross a line), with the row counts and byte sizes in the manifest: blocks are cut out by size (or, for a
    manifest without sizes, by count) and checked by their line counts and segment ids, without decoding or
    parsing. Anything unexpected falls back to parsing."""
    transcripts = json.loads(manifest).get("transcripts", {})
    if transcripts and all("segments_bytes" in entry for entry in transcripts.values()):
        by_size = _cut_by_size(transcripts, segments)
        return transcripts, by_size if by_size is not None else _parse_all(segments)
    lines = segments.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # after the last line's newline
    else:
        return transcripts, _parse_all(segments)
    if not lines or lines[0] != HEADER:
        return transcripts, _parse_all(segments)
    blocks: dict[str, SegmentBlock] = {}
    position = 1
    for transcript_id in sorted(transcripts):
        entry = transcripts[transcript_id]
        count = int(entry["segments"])
        chunk = lines[position : position + count]
        ends = chunk[:1] + chunk[-1:]
        if len(chunk) != count or not all(_starts_with_id(line, transcript_id) for line in ends):
            return transcripts, _parse_all(segments)
        raw = b"\n".join(chunk) + b"\n" if chunk else b""
        blocks[transcript_id] = SegmentBlock(count, int(entry["participant_segments"]), raw)
        position += count
    if position != len(lines):
        return transcripts, _parse_all(segments)
    return transcripts, blocks


def _cut_by_size(transcripts: dict[str, Any], segments: bytes) -> dict[str, SegmentBlock] | None:
    """The blocks, cut by the byte sizes the manifest records; None when the file is not laid out that way."""
    position = len(HEADER) + 1
    if segments[:position] != HEADER + b"\n":
        return None
    blocks: dict[str, SegmentBlock] = {}
    for transcript_id in sorted(transcripts):
        entry = transcripts[transcript_id]
        size, count = int(entry["segments_bytes"]), int(entry["segments"])
        raw = segments[position : position + size]
        last = raw.rfind(b"\n", 0, len(raw) - 1) + 1
        if (
            len(raw) != size
            or raw.count(b"\n") != count
            or (count and (not raw.endswith(b"\n") or not _starts_with_id(raw, transcript_id)))
            or (count and not _starts_with_id(raw[last:], transcript_id))
        ):
            return None
        blocks[transcript_id] = SegmentBlock(count, int(entry["participant_segments"]), raw)
        position += size
    return blocks if position == len(segments) else None


def _parse_all(segments: bytes) -> dict[str, SegmentBlock]:
    return parse_blocks(segments.decode("utf-8").splitlines(keepends=True))


def parse_blocks(lines: list[str]) -> dict[str, SegmentBlock]:
    by_transcript: dict[str, list[dict[str, str]]] = {}
    for values in csv.reader(lines[1:]):
        row = dict(zip(SEGMENT_COLUMNS, values, strict=False))
        by_transcript.setdefault(row["transcript_id"], []).append(row)
    return {tid: SegmentBlock.of_rows(rows) for tid, rows in by_transcript.items()}


def segments_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEGMENT_COLUMNS)
    writer.writerows([row.get(c, "") for c in SEGMENT_COLUMNS] for row in rows)  # DictWriter is ~3x slower
    return out.getvalue()


def read_segments(ingest_dir: Path) -> list[dict[str, str]]:
    path = ingest_dir / "segments.csv"
    if not path.exists():
        raise UsageError("no ingested transcripts yet", file=path, hint="run `themeflow ingest` first")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        return [dict(zip(header, values, strict=False)) for values in reader]  # ~2x DictReader on 100 k rows
