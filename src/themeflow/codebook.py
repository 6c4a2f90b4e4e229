"""The codebook: themes → sub-themes (any depth) → codes, each with MacQueen et al.'s (1998) parts and the
cues that draft candidate units. Loading validates the YAML and reports problems with line numbers.
"""

from __future__ import annotations

import re
import warnings
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
_ITEM_LINES = "__item_lines__"
_MARKERS = frozenset({_LINE, _ITEM_LINES})


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
    # The line of each pattern and exclude entry (same order), for messages about one of them.
    pattern_lines: list[int | None] = field(default_factory=list)
    exclude_lines: list[int | None] = field(default_factory=list)

    @property
    def is_code(self) -> bool:
        return not self.children

    def cue_patterns(self) -> list[tuple[dict[str, Any], int | None]]:
        """Every regex or token pattern, from `patterns` and `exclude`, with its line (the node's if unknown)."""
        cues = list(zip(self.patterns, _fit(self.pattern_lines, len(self.patterns), self.line), strict=True))
        excluded = zip(self.exclude, _fit(self.exclude_lines, len(self.exclude), self.line), strict=True)
        return cues + [(e, line) for e, line in excluded if isinstance(e, dict)]


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


# Fields whose value is text even when YAML would read it as a number, a boolean or a date: `id: 2.10` is the
# code "2.10" (not the float 2.1), `version: 1.10` is "1.10", `color: 000000` is "000000".
_TEXT_KEYS = frozenset(
    {"id", "version", "title", "description", "source", "memo", "label", "definition", "when_to_use"}
    | {"when_not_to_use", "zh", "en", "color", "colour", "regex"}
)
_TEXT_LIST_KEYS = frozenset({"keywords", "phrases", "examples", "exclude", "patterns"})
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _as_written(node: yaml.Node, value: Any) -> Any:
    """A plain scalar YAML resolved to something other than text (2.10 → 2.1, 010 → 8, yes → True) as the
    text the author wrote; text, null and collections unchanged."""
    if isinstance(node, yaml.ScalarNode) and value is not None and not isinstance(value, str):
        return node.value
    return value


def _duplicate_keys(loader: Any, node: yaml.MappingNode) -> list[tuple[str, int, int]]:
    """(key, first line, repeated line) for every key written more than once in one mapping (a `<<` merge
    may be overridden: that is what merging is for)."""
    first: dict[str, int] = {}
    out: list[tuple[str, int, int]] = []
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in first:
            out.append((key, first[key], line))
        else:
            first[key] = line
    return out


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[str, Any]:
    """A mapping with its line (and the line of each item of its lists), text fields as written, and every
    repeated key noted on the loader (YAML would silently keep the last)."""
    loader.duplicate_keys.extend(_duplicate_keys(loader, node))
    loader.flatten_mapping(node)
    mapping: dict[str, Any] = {}
    item_lines: dict[str, list[int]] = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        value = loader.construct_object(value_node, deep=True)
        if key in _TEXT_KEYS or key in _TEXT_LIST_KEYS:  # a lone text stands for a one-item list
            value = _as_written(value_node, value)
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [item.start_mark.line + 1 for item in value_node.value]
            if key in _TEXT_LIST_KEYS and isinstance(value, list):
                value[:] = [_as_written(item, v) for item, v in zip(value_node.value, value, strict=True)]
        mapping[key] = value
    mapping[_LINE] = node.start_mark.line + 1
    if item_lines:
        mapping[_ITEM_LINES] = item_lines
    return mapping


def _line_loader(base: type[Any]) -> type[Any]:
    """A SafeLoader subclass that builds mappings with `_construct_mapping` (works on libyaml's and on
    PyYAML's pure-Python SafeLoader alike)."""

    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.duplicate_keys: list[tuple[str, int, int]] = []

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return Loader


# libyaml's SafeLoader when PyYAML has it: ~10x faster on a large codebook.
_LineLoader = _line_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _strip_lines(value: Any) -> Any:
    """Remove the line markers the loader adds, at any depth (token patterns are nested mappings)."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in _MARKERS}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _item_lines(raw: dict[str, Any], key: str, count: int, default: int | None) -> list[int | None]:
    """The line of each item of the list `raw[key]` (the mapping's own line where unknown)."""
    return _fit(raw.get(_ITEM_LINES, {}).get(key, []), count, default)


def _fit(lines: list[int | None], count: int, default: int | None) -> list[int | None]:
    """`count` lines: those known, then `default` (a Node built in code, not read from a file, has none)."""
    return [line if line is not None else default for line in list(lines)[:count]] + [default] * (count - len(lines))


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


def _patterns(
    raw: dict[str, Any], node_id: str, line: int | None, file: str, problems: list[Problem]
) -> tuple[list[dict[str, Any]], list[int | None]]:
    """A node's `patterns` (a plain string is a regex) with the line of each; problems named at that line."""
    raw_patterns = raw.get("patterns") or []
    if not isinstance(raw_patterns, list):
        problems.append(Problem(f"{node_id}: patterns must be a list", file, line=line))
        return [], []
    patterns: list[dict[str, Any]] = []
    lines: list[int | None] = []
    item_lines = _item_lines(raw, "patterns", len(raw_patterns), line)
    for pattern, item_line in zip(raw_patterns, item_lines, strict=True):
        if isinstance(pattern, str):
            pattern = {"regex": pattern}
        if not isinstance(pattern, dict) or not ({"regex", "tokens"} & set(pattern)):
            message = f"{node_id}: a pattern is {{regex: ...}} or {{tokens: [...]}}"
            problems.append(Problem(message, file, line=item_line))
        elif "tokens" in pattern and not (
            isinstance(pattern["tokens"], list) and all(isinstance(t, dict) for t in pattern["tokens"])
        ):
            problems.append(Problem(f"{node_id}: tokens must be a list of spaCy token patterns", file, line=item_line))
        else:
            patterns.append(_strip_lines(pattern))
            lines.append(item_line)
    return patterns, lines


def _exclude(
    raw: dict[str, Any], node_id: str, line: int | None, file: str, problems: list[Problem]
) -> tuple[list[Any], list[int | None]]:
    """A node's `exclude` entries (texts, or {regex: ...} / {tokens: [...]}) with the line of each."""
    raw_exclude = raw.get("exclude") or []
    if isinstance(raw_exclude, list):
        item_lines = _item_lines(raw, "exclude", len(raw_exclude), line)
    else:
        raw_exclude, item_lines = [raw_exclude], [line]
    exclude: list[Any] = []
    lines: list[int | None] = []
    for item, item_line in zip(raw_exclude, item_lines, strict=True):
        if isinstance(item, dict) and ("regex" in item or "tokens" in item):
            exclude.append(_strip_lines(item))
        elif isinstance(item, (str, int)):
            exclude.append(str(item))
        else:
            problems.append(Problem(f"{node_id}: exclude entries are texts or {{regex: ...}}", file, line=item_line))
            continue
        lines.append(item_line)
    return exclude, lines


def parse(data: Any, file: str = "codebook") -> tuple[Codebook | None, list[Problem]]:
    """Build a Codebook from parsed YAML; return it with every schema problem found (with lines)."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem("a codebook is a mapping with a `themes:` list", file, line=1)]
    top_line = data.get(_LINE)
    for key in sorted(k for k in data if k not in _MARKERS and k not in TOP_KEYS):
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
        for key in sorted(k for k in raw if k not in _MARKERS and k not in NODE_KEYS):
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
        patterns, pattern_lines = _patterns(raw, node_id, line, file, problems)
        exclude, exclude_lines = _exclude(raw, node_id, line, file, problems)
        for part in ("label", "definition", "when_to_use", "when_not_to_use"):
            value = raw.get(part)
            if isinstance(value, dict):
                stray = sorted(str(k) for k in value if k not in {"zh", "en"} | _MARKERS)
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
            pattern_lines=pattern_lines,
            exclude_lines=exclude_lines,
            window=window,
            color=str(raw.get("color") or raw.get("colour") or ""),
            parent=parent,
            line=line,
        )
        children = raw.get("children") or []
        if "children" in raw and not children:
            problems.append(
                Problem(
                    f"{node_id}: `children:` is empty; a theme needs at least one code under it "
                    f"(to make {node_id} a code, delete the `children:` line)",
                    file,
                    line=line,
                )
            )
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


def _regex_verdict(source: str) -> tuple[str | None, list[str]]:
    """Why a regex does not compile (None when it does), and what Python warns about it (e.g. "possible nested
    set" for a POSIX class like [[:alpha:]], which Python does not have). The warnings are kept, not shown: they
    would print a Python source path."""
    from themeflow.ingest.segmenter import simplified_shadow

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            re.compile(source)
        except re.error as exc:
            return str(exc), []
        shadow = simplified_shadow(source)  # what the code stage matches with (Simplified text)
        if shadow != source:
            try:
                re.compile(shadow)
            except re.error as exc:
                return f"{exc}, once its Traditional characters are made Simplified: {shadow!r}", []
    return None, list(dict.fromkeys(str(w.message) for w in caught))


def _regex_verdicts(book: Codebook) -> list[tuple[Node, str, int | None, str | None, list[str]]]:
    """(code, regex, line, error, warnings) for every regex cue. re caches what it compiled, and a cached
    pattern warns no more: the cache is emptied first so the answer does not depend on what ran before."""
    re.purge()
    seen: dict[str, tuple[str | None, list[str]]] = {}
    out = []
    for code in book.codes:
        for cue, line in code.cue_patterns():
            if "regex" in cue:
                source = str(cue["regex"])
                if source not in seen:
                    seen[source] = _regex_verdict(source)
                out.append((code, source, line, *seen[source]))
    return out


def bad_regexes(book: Codebook) -> list[Problem]:
    """Regexes that do not compile, at the line of the pattern."""
    return [
        Problem(f"{code.id}: regex {source!r} does not compile ({error})", line=line)
        for code, source, line, error, _ in _regex_verdicts(book)
        if error is not None
    ]


def regex_warnings(book: Codebook) -> list[Problem]:
    """Regexes Python compiles but warns about (they may not match what they seem to say)."""
    return [
        Problem(f"{code.id}: regex {source!r} may not mean what it seems: Python warns {message!r}", line=line)
        for code, source, line, _, messages in _regex_verdicts(book)
        for message in messages
    ]


def bad_token_patterns(book: Codebook) -> list[Problem]:
    """spaCy Matcher token patterns that spaCy would refuse (checked only when a codebook has any)."""
    patterns = [(code, cue, line) for code in book.codes for cue, line in code.cue_patterns() if "tokens" in cue]
    if not patterns:
        return []
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    from themeflow.coding.matcher import shadow_pattern

    matcher = Matcher(Vocab(), validate=True)
    out: list[Problem] = []
    for number, (code, cue, line) in enumerate(patterns):
        try:
            matcher.add(f"p{number}", [cue["tokens"]])
            matcher.add(f"s{number}", [shadow_pattern(cue["tokens"])])  # as the code stage matches it
        except (ValueError, TypeError, re.error) as exc:  # spaCy's MatchPatternError is a ValueError
            detail = str(exc).strip().splitlines()[-1].strip("- ")
            out.append(
                Problem(f"{code.id}: token pattern {cue['tokens']} is not a valid spaCy pattern ({detail})", line=line)
            )
    return out


def parse_yaml(text: str, file: str, loader: type[Any] = _LineLoader) -> tuple[Any, list[Problem]]:
    """YAML text → data with line markers, and the keys written twice in one mapping (YAML would silently keep
    the last one). Raises InputError (with the line) when the text is not YAML."""
    reader = loader(text)
    try:
        data = reader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=file,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    finally:
        reader.dispose()
    problems = [
        Problem(f"key {key!r} appears twice (lines {first} and {again})", file, line=again)
        for key, first, again in reader.duplicate_keys
    ]
    return data, problems


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """A codebook file's YAML (see `parse_yaml`)."""
    path = Path(path)
    if not path.exists():
        raise InputError("codebook not found", file=path, hint="check the path (and `codebook:` in themeflow.yaml)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the codebook is not UTF-8 text", file=path.name) from exc
    return parse_yaml(text, path.name)


def load(path: Path | str, check_token_patterns: bool = False, check_regexes: bool = True) -> Codebook:
    """Load a codebook for use: any schema problem, repeated key, duplicated id or broken regex is an error.
    Token patterns are checked with spaCy only when asked (lint, and the code stage before it drafts):
    importing spaCy costs a second that stages which never match patterns should not pay. Regexes are
    compiled to check them unless `check_regexes` is False (ingest, which needs only the keywords)."""
    path = Path(path)
    data, problems = read_yaml(path)
    book, schema_problems = parse(data, path.name)
    problems += schema_problems
    if book is not None:
        found = duplicate_ids(book) + (bad_regexes(book) if check_regexes else [])
        found += bad_token_patterns(book) if check_token_patterns else []
        problems += [Problem(p.message, path.name, line=p.line) for p in found]
    if problems or book is None:
        raise InputError.from_problems([Problem(p.message, path.name, line=p.line) for p in problems])
    if not book.codes:
        raise InputError("the codebook has no codes", file=path.name)
    book.path = path
    return book
