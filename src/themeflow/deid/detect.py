"""Find personal information in one text: patterns, configured terms, known and new names, minus what
people chose to keep. Detection runs on a shadow of the text (Simplified characters, half-width digits and
letters; same length), so Traditional transcripts and full-width numbers are found too."""

from __future__ import annotations

import re
from collections.abc import Iterable

from themeflow.deid import institutions, names, patterns
from themeflow.deid.spans import Span, identity_of, resolve_overlaps
from themeflow.deid.surnames import SURNAMES
from themeflow.deid.terms import TermMatcher

# Full-width digits, letters and the characters of e-mail and phone numbers (０-９, Ａ-ｚ, ＠＋－．＿) to
# half-width, one character for one; Chinese punctuation (，：（）) stays.
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0b\uff0d\uff0e\uff3f]")
_SURNAMES_CLASS = "[" + "".join(sorted(SURNAMES)) + "]"
# A line can hold a name only where a surname starts a Chinese word, or follows 老/小 (研究员小陈，).
_SURNAME_LINE = re.compile(_SURNAMES_CLASS + "[\u4e00-\u9fff]|[老小]" + _SURNAMES_CLASS)


def detection_shadow(text: str) -> str:
    from themeflow.ingest.segmenter import simplified_shadow

    shadow = _FULL_WIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), simplified_shadow(text))
    return shadow if len(shadow) == len(text) else text


def find_name_spans(shadow: str) -> list[Span]:
    """Names, line by line; lines without a surname followed by a Chinese character are not cut at all."""
    spans: list[Span] = []
    offset = 0
    for line in shadow.splitlines(keepends=True):
        if _SURNAME_LINE.search(line):
            found = names.find_names(line) + names.find_names_by_characters(line) + names.find_names_after_kin(line)
            spans += [Span(s.start + offset, s.end + offset, s.kind, s.identity) for s in found]
        offset += len(line)
    return spans


def _mostly_kept(span: Span, kept_start: int, kept_end: int) -> bool:
    """A kept term covers more than half of the span: what people chose to keep (小白, 阳光心园). A kept
    surname (周) inside a full name (周建国) does not keep the name."""
    overlap = min(span.end, kept_end) - max(span.start, kept_start)
    return overlap * 2 > span.end - span.start


class Detector:
    """Everything to replace in a text. `terms` are exact terms (configured, participants', the key's);
    `keep` are terms that people reviewed and keep as written."""

    def __init__(self, terms: TermMatcher | None = None, keep: Iterable[str] = ()) -> None:
        self.terms = terms or TermMatcher([])
        kept = sorted({detection_shadow(k) for k in keep if k and k.strip()}, key=lambda k: (-len(k), k))
        self._keep = re.compile("|".join(re.escape(k) for k in kept)) if kept else None

    def detect(self, text: str) -> list[Span]:
        shadow = detection_shadow(text)
        places = institutions.find_institutions(shadow)
        found = patterns.find_all(shadow) + self.terms.find(shadow) + places
        # A name inside an institution is the institution's (康宁医院 is no person 康宁).
        inside = {i for p in places for i in range(p.start, p.end)}
        people = [s for s in find_name_spans(shadow) if s.start not in inside]
        found += people
        # A name found once is a name everywhere in this text (he was 周建国 before he was 老周's friend),
        # and so is a familiar form found once (小陈 greeted in one line is 小陈 in every line).
        seen = {shadow[s.start : s.end] for s in people if s.end - s.start >= 2}
        familiar = {
            shadow[s.start - 1 : s.end]
            for s in people
            if s.end - s.start == 1 and s.start and shadow[s.start - 1] in "老小"
        }
        for form in familiar:
            index = shadow.find(form)
            while index >= 0:
                found.append(Span(index + 1, index + 2, "person", form[1]))
                index = shadow.find(form, index + 2)
        for name in seen:
            index = shadow.find(name)
            while index >= 0:
                found.append(Span(index, index + len(name), "person", name))
                index = shadow.find(name, index + len(name))
        found = [self._with_identity(s, shadow) for s in found]
        if self._keep is not None:
            kept = [(m.start(), m.end()) for m in self._keep.finditer(shadow)]
            found = [s for s in found if not any(_mostly_kept(s, b, e) for b, e in kept)]
        return resolve_overlaps(found)

    @staticmethod
    def _with_identity(span: Span, shadow: str) -> Span:
        if span.kind in {"participant", "term", "institution"}:
            return span
        return Span(span.start, span.end, span.kind, identity_of(span.kind, shadow[span.start : span.end]), span.label)
