"""The codebook: themes → sub-themes (any depth) → codes, each with MacQueen et al.'s (1998) parts and the
cues that draft candidate units. Loading validates the YAML and reports problems with line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from themeflow.errors import InputError, Problem

NODE_KEYS = {
    "id",
    "label",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "examples",
    "children",
    "keywords",
    "phrases",
    "patterns",
    "exclude",
    "window",
    "color",
    "colour",
    "memo",
}
TOP_KEYS = {"id", "title", "version", "description", "source", "defaults", "themes", "memo"}
DEFAULT_WINDOW = 3
_LINE = "__line__"


@dataclass(frozen=True)
class Text:
    """A bilingual text (Chinese and English); either may be empty."""

    zh: str = ""
    en: str = ""

    def best(self, prefer: str = "zh") -> str:
        return (self.zh or self.en) if prefer == "zh" else (self.en or self.zh)

    def both(self) -> str:
        return " / ".join(t for t in (self.zh, self.en) if t)


@dataclass
class Node:
    """A theme or a code. A node without children is a code that coders assign."""

    id: str
    label: Text
    definition: Text = field(default_factory=Text)
    when_to_use: Text = field(default_factory=Text)
    when_not_to_use: Text = field(default_factory=Text)
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)
    exclude: list[Any] = field(default_factory=list)
    window: int = DEFAULT_WINDOW
    color: str = ""
    children: list[Node] = field(default_factory=list)
    parent: str = ""
    line: int | None = None

    @property
    def is_code(self) -> bool:
        return not self.children


@dataclass
class Codebook:
    id: str
    title: Text
    version: str
    description: Text
    source: str
    themes: list[Node]
    path: Path | None = None

    def walk(self) -> list[Node]:
        """Every node, depth first, in file order."""
        out: list[Node] = []

        def visit(node: Node) -> None:
            out.append(node)
            for child in node.children:
                visit(child)

        for theme in self.themes:
            visit(theme)
        return out

    @property
    def codes(self) -> list[Node]:
        return [n for n in self.walk() if n.is_code]

    @property
    def code_ids(self) -> list[str]:
        return [n.id for n in self.codes]

    def node(self, node_id: str) -> Node:
        for n in self.walk():
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def ancestors(self, node_id: str) -> list[Node]:
        """From the top theme down to the node's parent."""
        by_id = {n.id: n for n in self.walk()}
        chain: list[Node] = []
        node = by_id.get(node_id)
        while node is not None and node.parent:
            node = by_id.get(node.parent)
            if node is not None:
                chain.append(node)
        return list(reversed(chain))

    def theme_of(self, code_id: str) -> str:
        """The id of the top-level theme a code belongs to ('' for a top-level code)."""
        chain = self.ancestors(code_id)
        return chain[0].id if chain else ""

    def reference_rows(self) -> list[dict[str, str]]:
        """One row per code, for the reference worksheet of the coder sheet."""
        return [
            {
                "id": c.id,
                "theme": self.theme_of(c.id),
                "label_zh": c.label.zh,
                "label_en": c.label.en,
                "definition": c.definition.both(),
                "when_to_use": c.when_to_use.both(),
                "when_not_to_use": c.when_not_to_use.both(),
            }
            for c in self.codes
        ]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (libyaml's when PyYAML has it: ~10x faster on a large codebook) that remembers the line of
    every mapping, for messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    """Remove the line markers the loader adds, at any depth (token patterns are nested mappings)."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _text(value: Any) -> Text:
    if value is None:
        return Text()
    if isinstance(value, dict):
        return Text(str(value.get("zh") or "").strip(), str(value.get("en") or "").strip())
    text = str(value).strip()
    return Text(zh=text) if _has_cjk(text) else Text(en=text)


def _strings(value: Any, where: str, problems: list[Problem], file: str, line: int | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        problems.append(Problem(f"{where} must be a list of texts", file, line=line))
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def parse(data: Any, file: str = "codebook") -> tuple[Codebook | None, list[Problem]]:
    """Build a Codebook from parsed YAML; return it with every schema problem found (with lines)."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem("a codebook is a mapping with a `themes:` list", file, line=1)]
    top_line = data.get(_LINE)
    for key in sorted(k for k in data if k != _LINE and k not in TOP_KEYS):
        problems.append(Problem(f"unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})", file, line=top_line))
    defaults = data.get("defaults") or {}
    default_window = defaults.get("window", DEFAULT_WINDOW) if isinstance(defaults, dict) else DEFAULT_WINDOW
    if not isinstance(default_window, int) or isinstance(default_window, bool) or default_window < 1:
        line = defaults.get(_LINE) if isinstance(defaults, dict) else top_line
        problems.append(Problem("defaults: window must be a whole number ≥ 1", file, line=line))
        default_window = DEFAULT_WINDOW
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        problems.append(Problem("`themes:` must be a non-empty list of themes", file, line=top_line))
        themes_raw = []

    def build(raw: Any, parent: str, default_line: int | None) -> Node | None:
        if not isinstance(raw, dict):
            problems.append(Problem("each theme or code must be a mapping with an `id`", file, line=default_line))
            return None
        line = raw.get(_LINE, default_line)
        for key in sorted(k for k in raw if k != _LINE and k not in NODE_KEYS):
            problems.append(Problem(f"unknown key {key!r} (known: {', '.join(sorted(NODE_KEYS))})", file, line=line))
        node_id = raw.get("id")
        if node_id is None or str(node_id).strip() == "":
            problems.append(Problem("a theme or code has no `id`", file, line=line))
            return None
        node_id = str(node_id).strip()
        window = raw.get("window", default_window)
        if "window" in raw and (not isinstance(window, int) or isinstance(window, bool) or window < 1):
            problems.append(Problem(f"{node_id}: window must be a whole number ≥ 1", file, line=line))
            window = DEFAULT_WINDOW
        patterns: list[dict[str, Any]] = []
        raw_patterns = raw.get("patterns") or []
        if not isinstance(raw_patterns, list):
            problems.append(Problem(f"{node_id}: patterns must be a list", file, line=line))
            raw_patterns = []
        for pattern in raw_patterns:
            if isinstance(pattern, str):
                pattern = {"regex": pattern}
            if not isinstance(pattern, dict) or not ({"regex", "tokens"} & set(pattern)):
                problems.append(
                    Problem(f"{node_id}: a pattern is {{regex: ...}} or {{tokens: [...]}}", file, line=line)
                )
                continue
            if "tokens" in pattern and not (
                isinstance(pattern["tokens"], list) and all(isinstance(t, dict) for t in pattern["tokens"])
            ):
                problems.append(Problem(f"{node_id}: tokens must be a list of spaCy token patterns", file, line=line))
                continue
            patterns.append(_strip_lines(pattern))
        exclude_raw = raw.get("exclude") or []
        if not isinstance(exclude_raw, list):
            exclude_raw = [exclude_raw]
        exclude: list[Any] = []
        for item in exclude_raw:
            if isinstance(item, dict) and ("regex" in item or "tokens" in item):
                exclude.append(_strip_lines(item))
            elif isinstance(item, (str, int)):
                exclude.append(str(item))
            else:
                problems.append(Problem(f"{node_id}: exclude entries are texts or {{regex: ...}}", file, line=line))
        for part in ("label", "definition", "when_to_use", "when_not_to_use"):
            value = raw.get(part)
            if isinstance(value, dict):
                stray = sorted(str(k) for k in value if k not in {"zh", "en", _LINE})
                if stray:
                    problems.append(
                        Problem(
                            f"{node_id}: {part} has unknown part {', '.join(repr(k) for k in stray)} (only zh and en; "
                            "a comma inside {…} splits the text: put the text in quotes)",
                            file,
                            line=value.get(_LINE, line),
                        )
                    )
        examples = _strings(raw.get("examples"), f"{node_id}: examples", problems, file, line)
        node = Node(
            id=node_id,
            label=_text(raw.get("label")) if raw.get("label") is not None else Text(zh=node_id),
            definition=_text(raw.get("definition")),
            when_to_use=_text(raw.get("when_to_use")),
            when_not_to_use=_text(raw.get("when_not_to_use")),
            examples=examples,
            keywords=_strings(raw.get("keywords"), f"{node_id}: keywords", problems, file, line),
            phrases=_strings(raw.get("phrases"), f"{node_id}: phrases", problems, file, line),
            patterns=patterns,
            exclude=exclude,
            window=window,
            color=str(raw.get("color") or raw.get("colour") or ""),
            parent=parent,
            line=line,
        )
        children = raw.get("children") or []
        if not isinstance(children, list):
            problems.append(Problem(f"{node_id}: children must be a list", file, line=line))
            children = []
        for child in children:
            built = build(child, node_id, line)
            if built is not None:
                node.children.append(built)
        return node

    themes = [n for n in (build(t, "", top_line) for t in themes_raw) if n is not None]
    book = Codebook(
        id=str(data.get("id") or "codebook"),
        title=_text(data.get("title")),
        version=str(data.get("version") or ""),
        description=_text(data.get("description")),
        source=str(data.get("source") or ""),
        themes=themes,
    )
    return book, problems


def duplicate_ids(book: Codebook) -> list[Problem]:
    seen: dict[str, int | None] = {}
    out: list[Problem] = []
    for node in book.walk():
        if node.id in seen:
            out.append(Problem(f"id {node.id!r} is used twice (also line {seen[node.id]})", line=node.line))
        else:
            seen[node.id] = node.line
    return out


def bad_regexes(book: Codebook) -> list[Problem]:
    out: list[Problem] = []
    for code in book.codes:
        for cue in code.patterns + [e for e in code.exclude if isinstance(e, dict)]:
            if "regex" in cue:
                try:
                    re.compile(str(cue["regex"]))
                except re.error as exc:
                    out.append(Problem(f"{code.id}: regex {cue['regex']!r} does not compile ({exc})", line=code.line))
    return out


def bad_token_patterns(book: Codebook) -> list[Problem]:
    """spaCy Matcher token patterns that spaCy would refuse (checked only when a codebook has any)."""
    patterns = [
        (code, cue)
        for code in book.codes
        for cue in code.patterns + [e for e in code.exclude if isinstance(e, dict)]
        if "tokens" in cue
    ]
    if not patterns:
        return []
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    out: list[Problem] = []
    for number, (code, cue) in enumerate(patterns):
        try:
            matcher.add(f"p{number}", [cue["tokens"]])
        except (ValueError, TypeError) as exc:  # spaCy's MatchPatternError is a ValueError
            detail = str(exc).strip().splitlines()[-1].strip("- ")
            out.append(
                Problem(
                    f"{code.id}: token pattern {cue['tokens']} is not a valid spaCy pattern ({detail})", line=code.line
                )
            )
    return out


def read_yaml(path: Path) -> Any:
    path = Path(path)
    if not path.exists():
        raise InputError("codebook not found", file=path, hint="check the path (and `codebook:` in themeflow.yaml)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the codebook is not UTF-8 text", file=path.name) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=path.name,
            line=mark.line + 1 if mark is not None else None,
        ) from exc


def load(path: Path | str, check_token_patterns: bool = False) -> Codebook:
    """Load a codebook for use: any schema problem, duplicated id or broken regex is an error. Token patterns
    are checked with spaCy only when asked (lint, and the code stage before it drafts): importing spaCy costs a
    second that stages which never match patterns should not pay."""
    path = Path(path)
    book, problems = parse(read_yaml(path), path.name)
    if book is not None:
        found = duplicate_ids(book) + bad_regexes(book) + (bad_token_patterns(book) if check_token_patterns else [])
        problems += [Problem(p.message, path.name, line=p.line) for p in found]
    if problems or book is None:
        raise InputError.from_problems([Problem(p.message, path.name, line=p.line) for p in problems])
    if not book.codes:
        raise InputError("the codebook has no codes", file=path.name)
    book.path = path
    return book
