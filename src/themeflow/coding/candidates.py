"""Draft candidate meaning units from matched sentences.

A meaning unit in a semi-structured interview is usually a run of sentences within one answer, often the
whole answer. So: within one participant turn, sentences that carry the same code and lie within `window`
sentences of each other form one unit; a short answer (no longer than `window` + 1 sentences) is proposed
whole; a longer unit takes in one neighbouring sentence on each side as context, never leaving the turn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from themeflow.coding.ids import unit_id
from themeflow.coding.matcher import WEIGHTS, CompiledCode, SentenceMatcher
from themeflow.ingest.segmenter import simplified_shadow


@dataclass(frozen=True)
class Sentence:
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


def sentences_from_segments(rows: list[dict[str, str]]) -> list[Sentence]:
    """Participant sentences only: interviewer speech is context, never coded."""
    return [
        Sentence(r["transcript_id"], r["participant_id"], r["turn"], int(r["start"]), int(r["end"]), r["text"],
                 r["tokens"].split(" ") if r["tokens"] else [])
        for r in rows
        if r["role"] == "participant"
    ]


def _clusters(hit_positions: list[int], window: int) -> list[list[int]]:
    clusters: list[list[int]] = []
    for position in hit_positions:
        if clusters and position - clusters[-1][-1] <= window:
            clusters[-1].append(position)
        else:
            clusters.append([position])
    return clusters


def draft(sentences: list[Sentence], codes: list[CompiledCode]) -> list[Candidate]:
    """Candidate units for every code, ordered by transcript, start, code."""
    matcher = SentenceMatcher(codes)
    turns: dict[tuple[str, str], list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        turns[(sentence.transcript_id, sentence.turn)].append(sentence)
    out: list[Candidate] = []
    for (_transcript, _turn), turn_sentences in turns.items():
        turn_sentences.sort(key=lambda s: s.start)
        hits_by_code: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(dict)
        for position, sentence in enumerate(turn_sentences):
            shadow_tokens = simplified_shadow(" ".join(sentence.tokens)).split(" ") if sentence.tokens else []
            for code_index, cues in matcher.match(simplified_shadow(sentence.text), shadow_tokens).items():
                hits_by_code[code_index][position] = cues
        for code_index, hits in hits_by_code.items():
            code = codes[code_index]
            last = len(turn_sentences) - 1
            for cluster in _clusters(sorted(hits), code.window):
                if last + 1 <= code.window + 1:
                    first_pos, last_pos = 0, last
                else:
                    first_pos, last_pos = max(0, cluster[0] - 1), min(last, cluster[-1] + 1)
                cues = sorted({f"{kind}:{cue}" for p in cluster for kind, cue in hits[p]})
                score = sum(WEIGHTS[kind] for p in cluster for kind, _ in set(hits[p]))
                first, final = turn_sentences[first_pos], turn_sentences[last_pos]
                out.append(
                    Candidate(first.transcript_id, first.participant_id, first.start, final.end, code.id,
                              code.theme, cues, round(score, 2))
                )
    out.sort(key=lambda c: (c.transcript_id, c.start, c.end, c.code))
    return out


def assign_ids(candidates: list[Candidate], transcripts: dict[str, str]) -> list[dict[str, str]]:
    """Sheet rows for candidates, with stable ids (occurrence counts repeated identical texts)."""
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = []
    for candidate in candidates:
        text = transcripts[candidate.transcript_id][candidate.start : candidate.end]
        key = (candidate.transcript_id, candidate.code, text)
        candidate.unit_id = unit_id(candidate.transcript_id, candidate.code, text, seen[key])
        seen[key] += 1
        rows.append(candidate.row(text))
    return rows
