"""Draft candidate meaning units from matched sentences.

A meaning unit in a semi-structured interview is usually a run of sentences within one answer, often the
whole answer. So: within one participant turn, sentences that carry the same code and lie within `window`
sentences of each other form one unit; a short answer (no longer than `window` + 1 sentences) is proposed
whole; a longer unit takes in one neighbouring sentence on each side as context, never leaving the turn.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from themeflow.coding.ids import unit_id
from themeflow.coding.matcher import WEIGHTS, CompiledCode, SentenceMatcher
from themeflow.ingest.artefacts import SegmentBlock
from themeflow.ingest.segmenter import simplified_shadow

Matches = dict[int, list[tuple[str, str]]]  # code index -> [(kind of cue, cue)] for one sentence


class UnitRules(Protocol):
    """What drafting units needs of a code (a `CompiledCode`, or just these three)."""

    @property
    def id(self) -> str: ...

    @property
    def theme(self) -> str: ...

    @property
    def window(self) -> int: ...


class CodeRules(NamedTuple):
    id: str
    theme: str
    window: int


class Matcher(Protocol):
    def match(self, text: str, tokens: list[str]) -> Matches: ...


def sentence_key(text: str, tokens: list[str]) -> str:
    """What a sentence's matches depend on (its Simplified text and tokens), as a short digest."""
    return hashlib.sha1("\x1f".join([text, *tokens]).encode("utf-8")).hexdigest()[:20]


class RememberingMatcher:
    """Answers the sentences matched before from `known` (sentence key -> matches) and asks the real
    matcher, built by `build` on first need, only about new ones; `seen` collects every answer given."""

    def __init__(self, build: Callable[[], Matcher], known: Mapping[str, Matches] | None = None) -> None:
        self._build = build
        self._known = known or {}
        self.seen: dict[str, Matches] = {}

    def match(self, text: str, tokens: list[str]) -> Matches:
        key = sentence_key(text, tokens)
        found = self._known.get(key)
        if found is None:
            found = self._build().match(text, tokens)
        self.seen[key] = found
        return found


class Sentence(NamedTuple):
    """A participant sentence as the matcher sees it (a tuple: there are hundreds of thousands)."""

    transcript_id: str
    participant_id: str
    turn: str
    start: int
    end: int
    text: str
    tokens: list[str]


@dataclass
class Candidate:
    transcript_id: str
    participant_id: str
    start: int
    end: int
    code: str
    theme: str
    evidence: list[str]
    score: float
    unit_id: str = ""

    def row(self, text: str) -> dict[str, str]:
        return {
            "unit_id": self.unit_id,
            "transcript_id": self.transcript_id,
            "participant_id": self.participant_id,
            "start": str(self.start),
            "end": str(self.end),
            "text": text,
            "code": self.code,
            "theme": self.theme,
            "evidence": "; ".join(self.evidence),
            "score": f"{self.score:g}",
        }


def sentences_from_segments(rows: Iterable[dict[str, str]]) -> list[Sentence]:
    """Participant sentences only: interviewer speech is context, never coded."""
    return [
        Sentence(
            r["transcript_id"],
            r["participant_id"],
            r["turn"],
            int(r["start"]),
            int(r["end"]),
            r["text"],
            r["tokens"].split(" ") if r["tokens"] else [],
        )
        for r in rows
        if r["role"] == "participant"
    ]


MAX_UNIT_SENTENCES = 12  # a unit never grows past this (a spreadsheet cell holds at most 32,767 characters)


def _clusters(hit_positions: list[int], window: int) -> list[list[int]]:
    clusters: list[list[int]] = []
    for position in hit_positions:
        if (
            clusters
            and position - clusters[-1][-1] <= window
            and position - clusters[-1][0] + 2 < MAX_UNIT_SENTENCES  # room for a sentence of context each side
        ):
            clusters[-1].append(position)
        else:
            clusters.append([position])
    return clusters


def _shadow_tokens(sentence: Sentence, shadow_text: str) -> list[str]:
    """The sentence's tokens cut from its Simplified shadow (same offsets; Traditional text only)."""
    if shadow_text == sentence.text:
        return sentence.tokens
    out, position = [], 0
    for token in sentence.tokens:
        found = sentence.text.find(token, position)
        if found < 0:
            return simplified_shadow(" ".join(sentence.tokens)).split(" ")
        out.append(shadow_text[found : found + len(token)])
        position = found + len(token)
    return out


def draft_transcript(
    sentences: list[Sentence], matcher: Matcher, codes: Sequence[UnitRules], shadow: str | None = None
) -> list[Candidate]:
    """Candidate units of one transcript's participant sentences. `shadow` is the transcript's Simplified
    shadow (computed here when not given)."""
    turns: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        turns[sentence.turn].append(sentence)
    out: list[Candidate] = []
    for turn_sentences in turns.values():
        turn_sentences.sort(key=lambda s: s.start)
        hits_by_code: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(dict)
        for position, sentence in enumerate(turn_sentences):
            text = shadow[sentence.start : sentence.end] if shadow is not None else simplified_shadow(sentence.text)
            for code_index, cues in matcher.match(text, _shadow_tokens(sentence, text)).items():
                hits_by_code[code_index][position] = cues
        for code_index, hits in hits_by_code.items():
            code = codes[code_index]
            last = len(turn_sentences) - 1
            for cluster in _clusters(sorted(hits), code.window):
                if last + 1 <= code.window + 1:
                    first_pos, last_pos = 0, last
                else:
                    first_pos, last_pos = max(0, cluster[0] - 1), min(last, cluster[-1] + 1)
                evidence = sorted({f"{kind}:{cue}" for p in cluster for kind, cue in hits[p]})
                score = sum(WEIGHTS[kind] for p in cluster for kind, _ in set(hits[p]))
                first, final = turn_sentences[first_pos], turn_sentences[last_pos]
                out.append(
                    Candidate(
                        first.transcript_id,
                        first.participant_id,
                        first.start,
                        final.end,
                        code.id,
                        code.theme,
                        evidence,
                        round(score, 2),
                    )
                )
    return out


def _draft_one(
    state: tuple[SentenceMatcher, list[CompiledCode], dict[str, str]], group: list[Sentence]
) -> list[Candidate]:
    matcher, codes, shadows = state
    return draft_transcript(group, matcher, codes, shadows.get(group[0].transcript_id)) if group else []


MIN_PARALLEL_SENTENCES = 20000  # below this, forking workers costs more than it saves


def draft(
    sentences: list[Sentence],
    codes: list[CompiledCode],
    shadows: dict[str, str] | None = None,
    processes: int = 1,
    min_parallel: int = MIN_PARALLEL_SENTENCES,
) -> list[Candidate]:
    """Candidate units for every code, ordered by transcript, start, code. With `processes` > 1 and at least
    `min_parallel` sentences, transcripts are drafted in forked workers (same result, both cores)."""
    from themeflow.parallel import fork_map

    by_transcript: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_transcript[sentence.transcript_id].append(sentence)
    groups = [by_transcript[t] for t in sorted(by_transcript)]
    state = (SentenceMatcher(codes), codes, shadows or {})
    workers = processes if len(sentences) >= min_parallel else 1
    if workers > 1:
        state[0].prepare()  # spaCy imported once, before forking
    return _ordered([c for part in fork_map(_draft_one, state, groups, workers) for c in part])


@dataclass
class Drafted:
    """One transcript's candidates, and the matches of each of its participant sentences (by sentence key)."""

    candidates: list[Candidate]
    sentences: dict[str, Matches] = field(default_factory=dict)


@dataclass
class _BlockDrafting:
    build: Callable[[], Matcher]
    codes: Sequence[UnitRules]
    shadows: dict[str, str]
    known: dict[str, dict[str, Matches]]


def _draft_block(state: _BlockDrafting, block: SegmentBlock) -> Drafted:
    sentences = sentences_from_segments(block.rows)
    if not sentences:
        return Drafted([])
    transcript_id = sentences[0].transcript_id
    matcher = RememberingMatcher(state.build, state.known.get(transcript_id))
    found = draft_transcript(sentences, matcher, state.codes, state.shadows.get(transcript_id))
    return Drafted(_ordered(found), matcher.seen)


def draft_blocks(
    blocks: list[SegmentBlock],
    codes: Sequence[UnitRules],
    build_matcher: Callable[[], SentenceMatcher],
    known: dict[str, dict[str, Matches]] | None = None,
    shadows: dict[str, str] | None = None,
    processes: int = 1,
) -> list[Drafted]:
    """`draft` for transcripts given as blocks of segments.csv (one transcript each; the workers parse them,
    so reading the segments costs the parent nothing). Sentences in `known` (transcript -> sentence key ->
    matches, from the last run) are not matched again; the matcher is built only when a sentence is new, and
    before forking when the work is spread over workers (so they inherit it, spaCy included)."""
    from themeflow.parallel import fork_map

    build = functools.cache(build_matcher)  # built once, on first need
    workers = processes if sum(b.participant_count for b in blocks) >= MIN_PARALLEL_SENTENCES else 1
    if workers > 1:
        build().prepare()
    state = _BlockDrafting(build, codes, shadows or {}, known or {})
    return fork_map(_draft_block, state, blocks, workers)


def _ordered(candidates: list[Candidate]) -> list[Candidate]:
    candidates.sort(key=lambda c: (c.transcript_id, c.start, c.end, c.code))
    return candidates


def assign_ids(candidates: list[Candidate], text: str) -> None:
    """Give one transcript's candidates (in order) their stable ids; `text` is the transcript's. The same text
    coded the same way twice is told apart by its occurrence count."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for candidate in candidates:
        unit_text = text[candidate.start : candidate.end]
        key = (candidate.code, unit_text)
        candidate.unit_id = unit_id(candidate.transcript_id, candidate.code, unit_text, seen[key])
        seen[key] += 1
