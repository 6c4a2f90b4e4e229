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
    """One transcript's rows of segments.csv: parsed rows, or the exact CSV lines kept from the last run.

    A reused transcript's lines are copied through unparsed, so a re-run costs little more than what changed."""

    count: int
    participant_count: int
    raw: str | None = None
    _rows: list[dict[str, str]] | None = None

    @classmethod
    def of_rows(cls, rows: list[dict[str, str]]) -> SegmentBlock:
        return cls(len(rows), sum(1 for r in rows if r["role"] == "participant"), None, rows)

    @property
    def rows(self) -> list[dict[str, str]]:
        if self._rows is None:
            reader = csv.reader(io.StringIO(self.raw or "", newline=""))
            self._rows = [dict(zip(SEGMENT_COLUMNS, values, strict=False)) for values in reader]
        return self._rows

    def first_row(self) -> dict[str, str]:
        """The block's first row, parsing nothing else."""
        if self._rows is not None:
            return self._rows[0] if self._rows else {}
        values = next(csv.reader(io.StringIO(self.raw or "", newline="")), [])
        return dict(zip(SEGMENT_COLUMNS, values, strict=False))

    def csv_body(self) -> str:
        if self.raw is not None:
            return self.raw
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([r.get(c, "") for c in SEGMENT_COLUMNS] for r in self.rows)
        return out.getvalue()


def _starts_with_id(line: str, transcript_id: str) -> bool:
    return line.startswith(transcript_id + "-s") or line.startswith('"' + transcript_id.replace('"', '""') + "-s")


def outputs_intact(ingest_dir: Path) -> bool:
    """True when segments.csv and manifest.json are exactly what the last run wrote (its stage record has
    their hashes). Anything else — edited, damaged, half-restored — is rebuilt from the sources."""
    record = lock.read(ingest_dir)
    if record is None:
        return False
    for name in ("segments.csv", "manifest.json"):
        wanted = next((digest for path, digest in record.outs.items() if path.endswith(f"01-ingest/{name}")), None)
        if wanted is None or fsio.sha256_file(ingest_dir / name) != wanted:
            return False
    return True


def read_previous(ingest_dir: Path) -> tuple[dict[str, Any], dict[str, SegmentBlock]]:
    """The last run's manifest entries and each transcript's block of segments.csv, when both are exactly what
    that run wrote (anything else is rebuilt from the sources: a damaged cache is never trusted)."""
    if not (ingest_dir / "manifest.json").exists() or not (ingest_dir / "segments.csv").exists():
        return {}, {}
    if not outputs_intact(ingest_dir):
        return {}, {}
    try:
        return _read_blocks(ingest_dir)
    except (ValueError, KeyError, TypeError, OSError, csv.Error):
        return {}, {}


def read_blocks(ingest_dir: Path) -> dict[str, SegmentBlock]:
    """Each transcript's block of segments.csv, for the stages after ingest: cut out, not parsed, when the file
    is laid out as the manifest says; parsed when not (edited by hand, no manifest)."""
    path = ingest_dir / "segments.csv"
    if not path.exists():
        raise UsageError("no ingested transcripts yet", file=path, hint="run `themeflow ingest` first")
    try:
        transcripts, blocks = _read_blocks(ingest_dir)
    except (ValueError, KeyError, TypeError, csv.Error):
        transcripts, blocks = {}, {}
    if transcripts:
        return blocks
    return parse_blocks(path.read_text(encoding="utf-8").splitlines(keepends=True))


def _read_blocks(ingest_dir: Path) -> tuple[dict[str, Any], dict[str, SegmentBlock]]:
    """segments.csv holds each transcript's rows together, in sorted order, one line per row (sentences never
    cross a line), with the row counts in the manifest: blocks are cut out by count and checked by their
    segment ids, without parsing. Anything unexpected falls back to parsing. ({}, {}) without a manifest."""
    manifest_path = ingest_dir / "manifest.json"
    if not manifest_path.exists():
        return {}, {}
    transcripts = json.loads(manifest_path.read_text(encoding="utf-8")).get("transcripts", {})
    lines = (ingest_dir / "segments.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != ",".join(SEGMENT_COLUMNS):
        return {}, {}
    blocks: dict[str, SegmentBlock] = {}
    position = 1
    for transcript_id in sorted(transcripts):
        entry = transcripts[transcript_id]
        count = int(entry["segments"])
        chunk = lines[position : position + count]
        ends = chunk[:1] + chunk[-1:]
        if len(chunk) != count or not all(_starts_with_id(line, transcript_id) for line in ends):
            return transcripts, parse_blocks(lines)
        blocks[transcript_id] = SegmentBlock(count, int(entry["participant_segments"]), "".join(chunk))
        position += count
    if position != len(lines):
        return transcripts, parse_blocks(lines)
    return transcripts, blocks


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
