"""`themeflow codebook lint`: schema errors (with line numbers) and warnings a codebook author should see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import codebook as codebook_mod
from themeflow.errors import Problem


@dataclass
class LintReport:
    file: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    codes: int = 0
    themes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "codes": self.codes,
            "themes": self.themes,
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
        }


def _empty(text: codebook_mod.Text) -> bool:
    return not (text.zh or text.en)


def lint(path: Path, engine: str = "jieba-fast") -> LintReport:
    """Every problem of a codebook file. Raises InputError only when the file is not YAML at all."""
    path = Path(path)
    report = LintReport(path.name)
    data, problems = codebook_mod.read_yaml(path)
    book, schema_problems = codebook_mod.parse(data, path.name)
    report.errors = problems + schema_problems
    if book is None:
        return report
    report.codes = len(book.codes)
    report.themes = len(book.walk()) - len(book.codes)
    name = path.name
    # What `themeflow code` refuses is an error here too: duplicated ids, regexes that do not compile, token
    # patterns spaCy rejects.
    broken = codebook_mod.duplicate_ids(book) + codebook_mod.bad_regexes(book) + codebook_mod.bad_token_patterns(book)
    report.errors += [Problem(p.message, name, line=p.line) for p in broken]
    report.warnings += [Problem(p.message, name, line=p.line) for p in codebook_mod.regex_warnings(book)]
    for node in book.walk():
        if _empty(node.definition):
            report.warnings.append(Problem(f"{node.id}: empty definition", name, line=node.line))
        if node.is_code:
            if _empty(node.when_to_use) or _empty(node.when_not_to_use):
                report.warnings.append(
                    Problem(f"{node.id}: when_to_use / when_not_to_use missing", name, line=node.line)
                )
            if not (node.keywords or node.phrases or node.patterns):
                report.warnings.append(
                    Problem(f"{node.id}: no cues, so it never drafts a candidate", name, line=node.line)
                )
    owners: dict[str, set[str]] = defaultdict(set)
    lines: dict[str, int | None] = {}
    from themeflow.ingest.segmenter import simplified_shadow

    for code in book.codes:
        for cue in code.keywords + code.phrases:
            key = simplified_shadow(" ".join(cue.split()))
            owners[key].add(code.id)
            lines.setdefault(key, code.line)
    for cue, codes in sorted(owners.items()):
        if len(codes) > 1:
            report.warnings.append(
                Problem(f"cue {cue!r} is shared by {', '.join(sorted(codes))}", name, line=lines[cue])
            )
    report.warnings += _split_keywords(book, name, engine)
    return report


def _split_keywords(book: codebook_mod.Codebook, name: str, engine: str) -> list[Problem]:
    """Keywords that jieba still cuts into several tokens with the user dictionary loaded (they would
    never match a whole token): typically ones with spaces, punctuation or mixed scripts."""
    from themeflow.coding.matcher import codebook_terms
    from themeflow.ingest.segmenter import Segmenter, builtin_words, simplified_shadow

    segmenter = Segmenter(engine, [(w, None, None) for w in builtin_words() + codebook_terms(book)])
    out = []
    for code in book.codes:
        for keyword in code.keywords:
            tokens = [t for t in segmenter.cut(simplified_shadow(keyword)) if t.strip()]
            if len(tokens) > 1:
                out.append(
                    Problem(
                        f"{code.id}: keyword {keyword!r} is segmented as {' / '.join(tokens)}; make it a phrase "
                        f'("{" ".join(tokens)}")',
                        name,
                        line=code.line,
                    )
                )
    return out
