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
