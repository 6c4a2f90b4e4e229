"""Per-transcript cache of drafted candidates, so a re-run drafts only the transcripts that changed.

A transcript's candidates depend on its text and participant sentences (offsets, turns, tokens) and on the
codebook, the user vocabulary and the tool version; the cache key covers exactly these. The cache lives in
the private `.themeflow/` folder and is only ever an accelerator: a missing or damaged cache means drafting
everything again, never a different result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from themeflow import __version__, fsio
from themeflow.coding.candidates import Candidate

CACHE_FILE = "code-candidates.json"
# Bump whenever matching or unit drafting changes what a transcript's candidates are (or their evidence).
DRAFT_VERSION = "3"


def global_key(codebook_bytes: bytes, vocabulary: str, engine: str) -> str:
    digest = hashlib.sha256()
    for part in (__version__.encode(), DRAFT_VERSION.encode(), codebook_bytes, vocabulary.encode(), engine.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def transcript_key(text: str, segments_csv: str) -> str:
    """A transcript's text and its lines of segments.csv (sentences, offsets, turns, roles, tokens)."""
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update(b"\x1e")
    digest.update(segments_csv.encode("utf-8"))
    return digest.hexdigest()


def _encode(candidate: Candidate) -> list[Any]:
    return [
        candidate.participant_id,
        candidate.start,
        candidate.end,
        candidate.code,
        candidate.theme,
        candidate.evidence,
        candidate.score,
    ]


def _decode(transcript_id: str, values: list[Any]) -> Candidate:
    participant_id, start, end, code, theme, evidence, score = values
    return Candidate(transcript_id, participant_id, int(start), int(end), code, theme, list(evidence), float(score))


def load(private_dir: Path, key: str) -> dict[str, tuple[str, list[Candidate]]]:
    """transcript_id -> (transcript key, candidates) from a cache made with the same global key."""
    path = private_dir / "cache" / CACHE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return {}
        return {
            tid: (
                entry["key"],
                [Candidate(tid, p, s, e, c, t, list(ev), sc) for p, s, e, c, t, ev, sc in entry["candidates"]],
            )
            for tid, entry in data["transcripts"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def save(private_dir: Path, key: str, entries: dict[str, tuple[str, list[Candidate]]]) -> None:
    data = {
        "key": key,
        "transcripts": {
            tid: {"key": tkey, "candidates": [_encode(c) for c in candidates]}
            for tid, (tkey, candidates) in sorted(entries.items())
        },
    }
    fsio.write_text(
        private_dir / "cache" / CACHE_FILE, json.dumps(data, ensure_ascii=False, separators=(",", ":")), mode=0o600
    )
