"""Table 3 and the participant × code matrix: pure counts over accepted units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from themeflow.codebook import Codebook, Node
from themeflow.themes.inputs import Unit


@dataclass(frozen=True)
class CodeCount:
    theme: Node
    code: Node
    participants: tuple[str, ...]  # who expressed it, natural order
    total: int  # N
    units: int
    orphaned: int  # accepted units whose text is gone from the transcript (still counted, flagged)

    @property
    def n(self) -> int:
        return len(self.participants)

    @property
    def fraction(self) -> str:
        return f"{self.n}/{self.total}"


def theme_node(book: Codebook, code: Node) -> Node:
    chain = book.ancestors(code.id)
    return chain[0] if chain else code


def code_counts(book: Codebook, units: Sequence[Unit], participant_ids: Sequence[str]) -> list[CodeCount]:
    """One row per code, in codebook order; `participant_ids` (natural order) fixes N and the order."""
    order = {p: i for i, p in enumerate(participant_ids)}
    rows: list[CodeCount] = []
    for code in book.codes:
        mine = [u for u in units if u.code == code.id]
        who = sorted({u.participant_id for u in mine}, key=lambda p: (order.get(p, len(order)), p))
        rows.append(
            CodeCount(
                theme_node(book, code),
                code,
                tuple(who),
                len(participant_ids),
                len(mine),
                sum(1 for u in mine if u.orphaned),
            )
        )
    return rows


def theme_participants(counts: Sequence[CodeCount], theme_id: str) -> set[str]:
    """Participants expressing any code of a theme."""
    return {p for c in counts if c.theme.id == theme_id for p in c.participants}


def matrix(book: Codebook, units: Sequence[Unit], participant_ids: Sequence[str]) -> list[list[int]]:
    """Accepted-unit counts, one row per participant, one column per code (codebook order)."""
    index = {code: j for j, code in enumerate(book.code_ids)}
    row_of = {p: i for i, p in enumerate(participant_ids)}
    grid = [[0] * len(index) for _ in participant_ids]
    for unit in units:
        if unit.participant_id in row_of and unit.code in index:
            grid[row_of[unit.participant_id]][index[unit.code]] += 1
    return grid


def interview_codes(units: Sequence[Unit], transcript_ids: Sequence[str]) -> list[frozenset[str]]:
    """The set of codes accepted in each transcript, in the given order (for saturation)."""
    by_transcript: dict[str, set[str]] = {t: set() for t in transcript_ids}
    for unit in units:
        if unit.transcript_id in by_transcript:
            by_transcript[unit.transcript_id].add(unit.code)
    return [frozenset(by_transcript[t]) for t in transcript_ids]
