"""Exact terms: names and places listed in themeflow.yaml, participants' own names, and names already in the
key (so a person found once is replaced everywhere). One compiled alternation, longest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from themeflow.deid.spans import Span


@dataclass(frozen=True)
class Term:
    text: str  # as matched (Simplified shadow form)
    kind: str  # person | participant | term | institution
    identity: str  # key identity (participant: the participant id)
    label: str = ""


class TermMatcher:
    def __init__(self, terms: list[Term]) -> None:
        self._by_text: dict[str, Term] = {}
        for term in sorted(terms, key=lambda t: (_rank(t.kind), t.text)):
            if term.text.strip():
                self._by_text.setdefault(term.text, term)
        words = sorted(self._by_text, key=lambda w: (-len(w), w))
        self._pattern = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, text: str) -> list[Span]:
        if self._pattern is None:
            return []
        spans = []
        for m in self._pattern.finditer(text):
            term = self._by_text[m.group()]
            spans.append(Span(m.start(), m.end(), term.kind, term.identity, term.label))
        return spans


def _rank(kind: str) -> int:
    return {"participant": 0, "term": 1, "institution": 2, "person": 3}.get(kind, 4)


def configured_terms(entries: Any) -> list[tuple[str, str]]:
    """`deid.terms` as (term, label): a list of strings (label 机构) or of {term: label} mappings."""
    out: list[tuple[str, str]] = []
    if isinstance(entries, dict):
        entries = [entries]
    for entry in entries or []:
        if isinstance(entry, dict):
            out += [(str(k).strip(), str(v).strip() or "机构") for k, v in entry.items()]
        elif entry is not None and str(entry).strip():
            out.append((str(entry).strip(), "机构"))
    return [(t, label) for t, label in out if t]
