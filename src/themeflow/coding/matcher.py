"""Compile a codebook's cues and find which codes fire on a sentence.

Keywords match whole jieba tokens (so 朋友 never fires inside an unrelated word), phrases match runs of
consecutive tokens, regex patterns match the sentence text, token patterns run through spaCy's Matcher on a
Doc built from the same tokens. Everything matches the Simplified shadow of the text, so Simplified cues
match Traditional transcripts. `exclude` cues veto a code on the sentence where they fire.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from themeflow.codebook import Codebook
from themeflow.ingest.segmenter import simplified_shadow

Tokenize = Callable[[str], list[str]]

# Weights of each kind of cue in a unit's score: a multi-token phrase or a pattern is stronger evidence
# than a single keyword.
WEIGHTS = {"keyword": 1.0, "phrase": 2.0, "regex": 2.0, "tokens": 2.0}


@dataclass
class CueSet:
    """One code's cues (or its exclusions), compiled."""

    keywords: dict[str, str] = field(default_factory=dict)  # shadow token -> cue as written
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    regexes: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    token_patterns: list[tuple[list[dict[str, Any]], str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.keywords or self.phrases or self.regexes or self.token_patterns)


@dataclass
class CompiledCode:
    id: str
    theme: str
    window: int
    cues: CueSet
    exclude: CueSet


def _phrase_tokens(phrase: str, tokenize: Tokenize) -> tuple[str, ...]:
    shadow = simplified_shadow(phrase.strip())
    if " " in shadow:
        return tuple(t for t in shadow.split() if t)
    return tuple(t for t in tokenize(shadow) if t.strip())


def _compile_cues(keywords: list[str], phrases: list[str], patterns: list[Any], tokenize: Tokenize) -> CueSet:
    cues = CueSet()
    for keyword in keywords:
        cues.keywords[simplified_shadow(keyword)] = keyword
    for phrase in phrases:
        tokens = _phrase_tokens(phrase, tokenize)
        if len(tokens) == 1:
            cues.keywords[tokens[0]] = phrase
        elif tokens:
            cues.phrases[tokens] = phrase
    for pattern in patterns:
        if isinstance(pattern, str):  # a plain string in `exclude`: a keyword or a phrase
            tokens = _phrase_tokens(pattern, tokenize)
            if len(tokens) == 1:
                cues.keywords[tokens[0]] = pattern
            elif tokens:
                cues.phrases[tokens] = pattern
        elif "regex" in pattern:
            source = str(pattern["regex"])
            with warnings.catch_warnings():  # what Python warns about a pattern, `codebook lint` reports
                warnings.simplefilter("ignore")
                try:
                    cues.regexes.append((re.compile(simplified_shadow(source)), source))
                except re.error as exc:  # loading the codebook checks this; a re-run may have skipped that
                    from themeflow.errors import InputError

                    raise InputError(f"regex {source!r} does not compile ({exc})") from exc
        elif "tokens" in pattern:
            cues.token_patterns.append(
                (pattern["tokens"], str(pattern.get("name") or token_pattern_label(pattern["tokens"])))
            )
    return cues


def token_pattern_label(pattern: list[dict[str, Any]]) -> str:
    """A spaCy token pattern as people read it in `evidence`: [{ORTH: 不}, {ORTH: {IN: [敢, 想]}}, {OP: ?}] →
    "不 (敢|想) *?"."""
    parts = []
    for spec in pattern:
        text = "*"
        for key in ("ORTH", "TEXT", "LOWER", "NORM"):
            value = spec.get(key)
            if isinstance(value, str):
                text = value
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                text = "(" + "|".join(str(v) for v in value["IN"]) + ")"
            if text != "*":
                break
        parts.append(text + (str(spec["OP"]) if spec.get("OP") else ""))
    return " ".join(parts)


def compile_codebook(book: Codebook, tokenize: Tokenize) -> list[CompiledCode]:
    out = []
    for code in book.codes:
        cues = _compile_cues(code.keywords, code.phrases, code.patterns, tokenize)
        exclude = _compile_cues([], [], code.exclude, tokenize)
        out.append(CompiledCode(code.id, book.theme_of(code.id), code.window, cues, exclude))
    return out


def codebook_terms(book: Codebook) -> list[str]:
    """Words to add to jieba's user dictionary: every keyword (Simplified), so codebook and
    transcripts segment the same way."""
    return sorted({simplified_shadow(k) for c in book.codes for k in c.keywords if " " not in k.strip()})


class SentenceMatcher:
    """Finds, for one sentence (shadow text + shadow tokens), the codes that fire and the cues behind them."""

    def __init__(self, codes: list[CompiledCode]) -> None:
        self.codes = codes
        self._keyword_index: dict[str, list[tuple[int, str]]] = {}
        self._phrase_index: dict[str, list[tuple[int, tuple[str, ...], str, bool]]] = {}
        for index, code in enumerate(codes):
            for cue_set, veto in ((code.cues, False), (code.exclude, True)):
                for token, cue in cue_set.keywords.items():
                    self._keyword_index.setdefault(token, []).append((index, ("!" if veto else "") + cue))
                for tokens, cue in cue_set.phrases.items():
                    self._phrase_index.setdefault(tokens[0], []).append((index, tokens, cue, veto))
        self._regexes = _RegexSet(codes)
        self._token_codes = [i for i, c in enumerate(codes) if c.cues.token_patterns or c.exclude.token_patterns]
        self._spacy: Any = None
        if self._token_codes:
            self._spacy = _SpacyTokenMatcher(codes, self._token_codes)

    def prepare(self) -> None:
        """Build now what is otherwise built on first need (spaCy's Matcher), e.g. before forking workers."""
        if self._spacy is not None:
            self._spacy.prepare()

    def match(self, text: str, tokens: list[str]) -> dict[int, list[tuple[str, str]]]:
        """code index -> [(kind, cue)] for the codes that fire and are not vetoed."""
        hits: dict[int, list[tuple[str, str]]] = {}
        vetoed: set[int] = set()
        for position, token in enumerate(tokens):
            for index, cue in self._keyword_index.get(token, ()):
                if cue.startswith("!"):
                    vetoed.add(index)
                else:
                    hits.setdefault(index, []).append(("keyword", cue))
            for index, phrase, cue, veto in self._phrase_index.get(token, ()):
                if tuple(tokens[position : position + len(phrase)]) == phrase:
                    if veto:
                        vetoed.add(index)
                    else:
                        hits.setdefault(index, []).append(("phrase", cue))
        for index, cue, veto in self._regexes.matches(text):
            if veto:
                vetoed.add(index)
            else:
                hits.setdefault(index, []).append(("regex", cue))
        if self._spacy is not None and self._spacy.may_match(tokens):
            found, vetoes = self._spacy.match(tokens)
            vetoed |= vetoes
            for index, cue in found:
                hits.setdefault(index, []).append(("tokens", cue))
        return {i: cues for i, cues in hits.items() if i not in vetoed}


class _SpacyTokenMatcher:
    """spaCy Matcher over Docs built from jieba's tokens (no model, no download: a blank Chinese vocab).

    spaCy is imported, and the Matcher built, on the first sentence that may match (`may_match`): a re-run
    that matches only a few new sentences, none holding a pattern's anchor, never pays for the import."""

    def __init__(self, codes: list[CompiledCode], indices: list[int]) -> None:
        self.codes = codes
        self.patterns: list[tuple[str, list[dict[str, Any]], tuple[int, str, bool]]] = []
        # Building a Doc costs more than matching: only sentences holding a token that some pattern
        # requires can match. None = a pattern without such an anchor (always try).
        self.anchors: set[str] | None = set()
        for index in indices:
            code = codes[index]
            for veto, cue_set in ((False, code.cues), (True, code.exclude)):
                for number, (pattern, cue) in enumerate(cue_set.token_patterns):
                    shadow = shadow_pattern(pattern)
                    anchors = _anchor_strings(shadow)
                    if anchors is None:
                        self.anchors = None
                    elif self.anchors is not None:
                        self.anchors |= anchors
                    self.patterns.append((f"{index}:{int(veto)}:{number}", shadow, (index, cue, veto)))
        self._matcher: Any = None

    def prepare(self) -> None:
        """Import spaCy and build the Matcher now (before forking workers, so they inherit it)."""
        if self._matcher is not None:
            return
        from spacy.matcher import Matcher
        from spacy.vocab import Vocab

        self.vocab = Vocab()
        matcher = Matcher(self.vocab, validate=True)
        self.labels: dict[int, tuple[int, str, bool]] = {}
        for key, pattern, label in self.patterns:
            try:
                matcher.add(key, [pattern])
            except (ValueError, TypeError, re.error) as exc:  # spaCy's MatchPatternError is a ValueError
                from themeflow.errors import InputError

                first = str(exc).strip().splitlines()[-1].strip("- ")
                raise InputError(
                    f"code {self.codes[label[0]].id}: token pattern {label[1]} is not a valid spaCy pattern ({first})"
                ) from exc
            self.labels[self.vocab.strings[key]] = label
        self._matcher = matcher

    def may_match(self, tokens: list[str]) -> bool:
        return (
            self.anchors is None
            or not self.anchors.isdisjoint(tokens)
            or not self.anchors.isdisjoint(t.lower() for t in tokens)
        )

    def match(self, tokens: list[str]) -> tuple[list[tuple[int, str]], set[int]]:
        from spacy.tokens import Doc

        if not tokens:
            return [], set()
        self.prepare()
        doc = Doc(self.vocab, words=tokens, spaces=[False] * len(tokens))
        found, vetoes = [], set()
        for match_id, _start, _end in self._matcher(doc):
            index, cue, veto = self.labels[match_id]
            if veto:
                vetoes.add(index)
            else:
                found.append((index, cue))
        return found, vetoes


class _RegexSet:
    """Every regex cue of the codebook, matched in one pass.

    Python's `re` scans a sentence once per pattern, and a codebook has dozens of alternation-heavy patterns:
    that was most of the code stage's time. RE2's multi-pattern set answers "which patterns match" in one
    linear scan. Patterns RE2 does not support (look-behind, back-references) stay with `re`; both give the
    same yes/no for the patterns RE2 accepts."""

    def __init__(self, codes: list[CompiledCode]) -> None:
        self.entries: list[tuple[int, str, bool]] = []
        self.fallback: list[tuple[re.Pattern[str], int]] = []
        self.set_entries: dict[int, int] = {}  # RE2 set id -> entry
        try:
            import re2

            options = re2.Options()
            options.log_errors = False  # unsupported syntax falls back to `re` silently
            # The set's DFA cache: at RE2's default (8 MB) a real codebook's patterns thrash it and matching
            # runs ~13x slower; the cache grows only as far as needed.
            options.max_mem = 128 << 20
            regex_set: Any = re2.Set.SearchSet(options)
        except ImportError:  # pragma: no cover - google-re2 is a dependency; keep working without it
            regex_set = None
        for index, code in enumerate(codes):
            for veto, regexes in ((False, code.cues.regexes), (True, code.exclude.regexes)):
                for pattern, cue in regexes:
                    entry = len(self.entries)
                    self.entries.append((index, cue, veto))
                    try:
                        self.set_entries[regex_set.Add(pattern.pattern)] = entry
                    except Exception:  # noqa: BLE001 - no RE2, or syntax RE2 lacks (its own error type)
                        self.fallback.append((pattern, entry))
        self._set = regex_set if self.set_entries else None
        if self._set is not None:
            self._set.Compile()

    def matches(self, text: str) -> list[tuple[int, str, bool]]:
        found = [self.set_entries[i] for i in (self._set.Match(text) or [])] if self._set is not None else []
        found.extend(entry for pattern, entry in self.fallback if pattern.search(text))
        return [self.entries[e] for e in sorted(found)]


def _anchor_strings(pattern: list[dict[str, Any]]) -> set[str] | None:
    """Literal token texts of which a match must contain at least one: from the first token spec that is
    required (no `?`/`*` operator) and names ORTH/TEXT/LOWER as a string or an IN list. None if no such spec."""
    for spec in pattern:
        if spec.get("OP") in {"?", "*"}:
            continue
        for key in ("ORTH", "TEXT", "LOWER"):
            value = spec.get(key)
            if isinstance(value, str):
                return {value}
            if isinstance(value, dict) and isinstance(value.get("IN"), list):
                return {str(v) for v in value["IN"]}
    return None


def shadow_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Simplified shadow of the strings inside a token pattern, so it matches the shadow tokens."""

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return simplified_shadow(value)
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return [convert(token) for token in pattern]
