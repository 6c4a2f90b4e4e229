"""Per-transcript cache of drafted candidates and of each sentence's matches, so a re-run drafts only the
transcripts that changed, and in those matches only the sentences it has not seen.

A transcript's candidates depend on its text and participant sentences (offsets, turns, tokens) and on the
codebook, the user vocabulary and the tool versions: the global key covers what all transcripts share, each
entry's key the transcript itself. A sentence's matches depend only on its text and tokens (and the global
key), so a changed transcript's unchanged sentences are answered from its last entry.

The cache lives in the private `.themeflow/cache/code-candidates/` folder, one file per transcript (named by
a digest of its id: ids may differ only in case) and one more for its sentences, read only when the transcript
is drafted again. It is only ever an accelerator: a missing, damaged or foreign file means drafting again,
never a different result.
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain
from pathlib import Path
from typing import Any

from themeflow import __version__, fsio
from themeflow.coding.candidates import Candidate, Matches

CACHE_DIR = "code-candidates"
LEGACY_FILE = "code-candidates.json"  # one file for every transcript (themeflow 0.1 sessions 1-2)
# Bump whenever matching or unit drafting changes what a transcript's candidates are (or their evidence).
DRAFT_VERSION = "5"


# The libraries whose versions decide what a codebook matches: spaCy (its Matcher, and which token patterns it
# accepts), OpenCC (the Simplified shadow cues match), RE2 (the regex set) and jieba (how phrases are cut).
MATCHING_LIBRARIES = ("spacy", "OpenCC", "google-re2", "jieba", "jieba-fast-dat")


def global_key(codebook_bytes: bytes, vocabulary: str, engine: str) -> str:
    """What every transcript's candidates depend on: the codebook, the user vocabulary, the segmenter, and the
    versions of themeflow and of the libraries matching uses."""
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for name in MATCHING_LIBRARIES:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            versions.append(f"{name} none")
    digest = hashlib.sha256()
    for part in (__version__, DRAFT_VERSION, *versions, vocabulary, engine):
        digest.update(hashlib.sha256(part.encode()).digest())
    digest.update(hashlib.sha256(codebook_bytes).digest())
    return digest.hexdigest()


def transcript_key(text: str, segments_csv: bytes) -> str:
    """A transcript's text and its lines of segments.csv (sentences, offsets, turns, roles, tokens)."""
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update(b"\x1e")
    digest.update(segments_csv)
    return digest.hexdigest()


def _folder(private_dir: Path) -> Path:
    return private_dir / "cache" / CACHE_DIR


def _stem(transcript_id: str) -> str:
    return hashlib.sha256(transcript_id.encode("utf-8")).hexdigest()[:24]


def _entry_path(private_dir: Path, transcript_id: str) -> Path:
    return _folder(private_dir) / f"{_stem(transcript_id)}.json"


def _sentences_path(private_dir: Path, transcript_id: str) -> Path:
    return _folder(private_dir) / f"{_stem(transcript_id)}.sentences.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


CANDIDATE_FIELDS = ("unit_id", "participant_id", "start", "end", "code", "theme", "evidence", "score")


def candidate_values(candidate: Candidate) -> list[str]:
    """A candidate with its unit id as the cache keeps it: its sheet row's cells but the transcript's id and
    text (`CANDIDATE_FIELDS`)."""
    row = candidate.row("")
    return [row[name] for name in CANDIDATE_FIELDS]


def load(private_dir: Path, key: str, transcript_ids: list[str]) -> dict[str, tuple[str, list[list[str]]]]:
    """transcript_id -> (transcript key, its candidates as `candidate_values`), for the entries made with the
    same global key."""
    out: dict[str, tuple[str, list[list[str]]]] = {}
    width = len(CANDIDATE_FIELDS)
    for transcript_id in transcript_ids:
        data = _read_json(_entry_path(private_dir, transcript_id))
        try:
            if data["global"] != key or data["transcript_id"] != transcript_id:
                continue
            candidates = data["candidates"]
            if set(map(len, candidates)) - {width} or set(map(type, chain.from_iterable(candidates))) - {str}:
                continue
            out[transcript_id] = (str(data["key"]), candidates)
        except (KeyError, TypeError, ValueError):
            continue
    return out


def entry_keys(private_dir: Path, key: str, transcript_ids: list[str]) -> dict[str, str]:
    """transcript_id -> its transcript key, for the entries made with the same global key."""
    return {tid: transcript for tid, (transcript, _) in load(private_dir, key, transcript_ids).items()}


def load_sentences(private_dir: Path, key: str, transcript_id: str) -> dict[str, Matches]:
    """sentence key -> matches, as the last drafting of this transcript found them (same global key)."""
    data = _read_json(_sentences_path(private_dir, transcript_id))
    try:
        if data["global"] != key:
            return {}
        return {
            str(sentence): {int(index): [(str(kind), str(cue)) for kind, cue in cues] for index, cues in found}
            for sentence, found in data["sentences"].items()
        }
    except (KeyError, TypeError, ValueError):
        return {}


def save(
    private_dir: Path,
    key: str,
    transcript_id: str,
    transcript: str,
    candidates: list[Candidate],
    sentences: dict[str, Matches],
) -> None:
    """Remember one transcript's candidates (with their unit ids) and its sentences' matches."""
    entry = {
        "global": key,
        "transcript_id": transcript_id,
        "key": transcript,
        "candidates": [candidate_values(c) for c in candidates],
    }
    found = {sentence: sorted(matches.items()) for sentence, matches in sorted(sentences.items())}
    for path, data in (
        (_sentences_path(private_dir, transcript_id), {"global": key, "sentences": found}),
        (_entry_path(private_dir, transcript_id), entry),
    ):
        fsio.write_private_cache(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def prune(private_dir: Path, transcript_ids: list[str]) -> None:
    """Forget transcripts that are no longer ingested (and the single-file cache of earlier versions)."""
    fsio.forget_private_cache(private_dir / "cache" / LEGACY_FILE)
    folder = _folder(private_dir)
    if not folder.is_dir():
        return
    keep = {_stem(t) for t in transcript_ids}
    fsio.forget_private_cache(*(path for path in folder.glob("*.json") if path.name.split(".", 1)[0] not in keep))
