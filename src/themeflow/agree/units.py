"""Which participant sentences a coder marked with which code: pure coverage arithmetic.

A coder marks code c on a sentence when one of their accepted units whose final code is c covers at least
half of the sentence: the overlap of the two [start, end) ranges is ≥ half the sentence's length.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sentence:
    segment_id: str
    transcript_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """An accepted unit reduced to what coverage needs."""

    transcript_id: str
    start: int
    end: int
    code: str


def covers(span_start: int, span_end: int, sentence_start: int, sentence_end: int) -> bool:
    """True when [span_start, span_end) covers at least half of [sentence_start, sentence_end)."""
    length = sentence_end - sentence_start
    overlap = min(span_end, sentence_end) - max(span_start, sentence_start)
    return length > 0 and overlap > 0 and 2 * overlap >= length


def participant_sentences(segments: Iterable[dict[str, str]]) -> list[Sentence]:
    """The items of the agreement table: participant sentences (interviewer speech is never coded)."""
    out = [
        Sentence(row["segment_id"], row["transcript_id"], int(row["start"]), int(row["end"]))
        for row in segments
        if (row.get("role") or "").strip() == "participant"
    ]
    return sorted(out, key=lambda s: (s.transcript_id, s.start, s.end, s.segment_id))


def marks(sentences: list[Sentence], spans: Iterable[Span]) -> set[tuple[str, str]]:
    """The (segment_id, code) pairs a coder marked, given their accepted spans."""
    by_transcript: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_transcript.setdefault(sentence.transcript_id, []).append(sentence)
    starts = {tid: [s.start for s in rows] for tid, rows in by_transcript.items()}
    out: set[tuple[str, str]] = set()
    for span in spans:
        rows = by_transcript.get(span.transcript_id, [])
        # Sentences of one transcript do not overlap, so only those starting before the span ends can be hit;
        # step back one for the sentence the span starts inside.
        index = max(bisect.bisect_left(starts.get(span.transcript_id, []), span.start) - 1, 0)
        while index < len(rows) and rows[index].start < span.end:
            sentence = rows[index]
            if covers(span.start, span.end, sentence.start, sentence.end):
                out.add((sentence.segment_id, span.code))
            index += 1
    return out


def rating_table(
    sentences: list[Sentence], codes: list[str], marked: list[set[tuple[str, str]]]
) -> dict[str, list[tuple[int, ...]]]:
    """Per code, one tuple of 0/1 per sentence (one value per coder, in coder order)."""
    return {code: [tuple(int((s.segment_id, code) in m) for m in marked) for s in sentences] for code in codes}
