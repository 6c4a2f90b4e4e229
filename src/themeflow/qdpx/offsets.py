"""Positions: REFI-QDA selections → code points of the source text → offsets in themeflow's normalised text.

REFI-QDA 1.5 counts Unicode code points, end exclusive. NVivo counts UTF-16 code units instead (an emoji or
a CJK Extension B character counts twice; Windows exports keep CRLF, which counts as two), so positions are
converted per producer (`origin`). Ingest then normalises the text (line endings, trailing spaces, blank
lines), which only deletes characters; `deletion_map` maps every source position to the normalised one.
"""

from __future__ import annotations

import bisect
import unicodedata


def counts_utf16(origin: str) -> bool:
    """Producers known to count positions in UTF-16 code units (see ../shared/refi-qda/samples/SOURCE.md)."""
    return "nvivo" in (origin or "").lower()


class Utf16Index:
    """Converts UTF-16 code-unit positions of a text into code-point positions."""

    def __init__(self, text: str) -> None:
        self.astral_units: list[int] = []  # UTF-16 position of each astral character
        units = 0
        for ch in text:
            if ord(ch) > 0xFFFF:
                self.astral_units.append(units)
                units += 2
            else:
                units += 1
        self.length = units

    def to_code_point(self, position: int) -> int:
        # Each astral character that ends at or before `position` took two units for one code point.
        return position - bisect.bisect_right(self.astral_units, position - 2)


def deletion_map(source: str, target: str) -> list[int] | None:
    """For each position 0..len(source) in `source`, the position in `target`, when `target` is `source` with
    characters deleted (what ingest's normalisation does to NFC text). None when it is not."""
    positions = [0] * (len(source) + 1)
    j = 0
    for i, ch in enumerate(source):
        positions[i] = j
        if j < len(target) and target[j] == ch:
            j += 1
    positions[len(source)] = j
    return positions if j == len(target) else None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so that it neither starts nor ends with whitespace (units never do)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def locate(text: str, needle: str, near: int) -> int | None:
    """The occurrence of `needle` in `text` that starts nearest to `near` (None when absent)."""
    best: int | None = None
    index = text.find(needle)
    while index != -1:
        if best is None or abs(index - near) < abs(best - near):
            best = index
        if index > near:
            break
        index = text.find(needle, index + 1)
    return best


class ReplacementMap:
    """Maps positions of a text onto the same text after de-identification replaced some of its spans.

    `replaced` holds (start, end, originals) per replacement, sorted, with start/end in the de-identified
    text (redactions.csv) and the texts it may stand for (from the re-identification key; may be empty).
    Everything between replacements is verbatim, so a position there maps exactly; a position inside a
    replaced original maps to the edge of its pseudonym (a start to its start, an end to its end)."""

    def __init__(self, pieces: list[tuple[int, int, int]], replaced: list[tuple[int, int, int, int]]) -> None:
        self.pieces = pieces  # (before_start, after_start, length) of each verbatim stretch
        self.replaced = replaced  # (before_start, before_end, after_start, after_end) of each replacement

    @classmethod
    def build(cls, before: str, after: str, replaced: list[tuple[int, int, list[str]]]) -> ReplacementMap | None:
        """The map, or None when `after` is not `before` with exactly these spans replaced."""
        pieces: list[tuple[int, int, int]] = []
        spans: list[tuple[int, int, int, int]] = []
        b = a = 0
        ordered = sorted(replaced, key=lambda r: (r[0], r[1]))
        for index, (start, end, originals) in enumerate(ordered):
            if start < a or end < start or end > len(after):
                return None
            verbatim = after[a:start]
            if not before.startswith(verbatim, b):
                return None
            pieces.append((b, a, len(verbatim)))
            b += len(verbatim)
            following = after[end : ordered[index + 1][0]] if index + 1 < len(ordered) else after[end:]
            last = index + 1 == len(ordered)
            resume = _resume(before, b, following, originals, last)
            if resume is None:
                return None
            spans.append((b, resume, start, end))
            b, a = resume, end
        if before[b:] != after[a:]:
            return None
        pieces.append((b, a, len(after) - a))
        return cls(pieces, spans)

    def start(self, position: int) -> int:
        return self._map(position, at_end=False)

    def end(self, position: int) -> int:
        return self._map(position, at_end=True)

    def _map(self, position: int, at_end: bool) -> int:
        for before, after, length in self.pieces:
            if before <= position <= before + length:
                return after + position - before
        for before_start, before_end, after_start, after_end in self.replaced:
            if before_start < position < before_end:
                return after_end if at_end else after_start
        raise ValueError(f"position {position} is outside the text")


def _resume(before: str, at: int, following: str, originals: list[str], last: bool) -> int | None:
    """Where the verbatim text after a replacement starts in `before`, the replaced original starting at `at`."""
    if last:
        resume = len(before) - len(following)
        return resume if resume > at and before.endswith(following) else None
    for original in sorted(originals, key=len, reverse=True):
        if original and before.startswith(original, at) and before.startswith(following, at + len(original)):
            return at + len(original)
    if not following:
        return None  # two replacements side by side: where one ends is unknown without its original
    found = before.find(following, at + 1)
    return found if found != -1 else None
