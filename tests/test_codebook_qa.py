"""Codebook problems a new user met: numeric ids, keys written twice, where a bad pattern is reported, Python's
regex warnings, themes with no children."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml

from conftest import CODEBOOK, invoke
from themeflow import codebook as codebook_mod
from themeflow.codebook_lint import lint
from themeflow.errors import InputError

NUMERIC = """\
id: numeric
version: 1.10
themes:
  - id: 1
    label: {zh: 社交, en: Social}
    children:
      - id: 1.1
        keywords: [聊天]
      - id: 1.10
        keywords: [孤单, 2.10]
      - id: 1.0
        keywords: [朋友]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _loader(kind: str) -> type:
    """The loader themeflow uses (libyaml's when PyYAML has it), or the same on PyYAML's pure-Python SafeLoader."""
    return codebook_mod._LineLoader if kind == "default" else codebook_mod._line_loader(yaml.SafeLoader)


def test_numeric_ids_stay_as_written(tmp_path: Path) -> None:
    book = codebook_mod.load(_write(tmp_path, NUMERIC))
    assert book.code_ids == ["1.1", "1.10", "1.0"]
    assert [t.id for t in book.themes] == ["1"]
    assert book.version == "1.10"
    assert book.node("1.10").keywords == ["孤单", "2.10"]


@pytest.mark.parametrize("kind", ["default", "pure-python"])
def test_numbers_written_as_text_fields_keep_their_text_with_either_loader(kind: str) -> None:
    data, problems = codebook_mod.parse_yaml(NUMERIC + "        color: 000000\n", "book.yaml", _loader(kind))
    assert problems == []
    codes = data["themes"][0]["children"]
    assert [c["id"] for c in codes] == ["1.1", "1.10", "1.0"]
    assert codes[2]["color"] == "000000"
    assert data["version"] == "1.10"


def test_numbers_that_are_numbers_stay_numbers() -> None:
    text = "themes:\n  - id: A\n    window: 4\n    patterns:\n      - tokens: [{LENGTH: 2}]\n"
    data, _ = codebook_mod.parse_yaml(text, "book.yaml")
    node = data["themes"][0]
    assert node["window"] == 4 and node["patterns"][0]["tokens"][0]["LENGTH"] == 2


def test_one_dot_one_and_one_dot_ten_are_two_ids(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, NUMERIC)))
    assert result.exit_code == 0, result.output
    assert "used twice" not in result.output


def test_a_key_written_twice_is_an_error_naming_both_lines(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace(
        "        keywords: [住院]\n", "        keywords: [住院]\n        window: 2\n        keywords: [孤单]\n"
    )
    first, again = _line_of(text, "keywords: [住院]"), _line_of(text, "keywords: [孤单]")
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
    assert result.exit_code == 2
    assert f"book.yaml line {again}: key 'keywords' appears twice (lines {first} and {again})" in result.output
    with pytest.raises(InputError, match="appears twice"):
        codebook_mod.load(tmp_path / "book.yaml")


@pytest.mark.parametrize("kind", ["default", "pure-python"])
def test_repeated_keys_are_found_with_either_loader_and_merge_keys_may_override(kind: str) -> None:
    text = "base: &b {window: 2}\nthemes:\n  - <<: *b\n    window: 3\n    id: A\n    id: B\n"
    data, problems = codebook_mod.parse_yaml(text, "book.yaml", _loader(kind))
    assert [p.message for p in problems] == ["key 'id' appears twice (lines 5 and 6)"]
    assert data["themes"][0]["window"] == 3


def test_a_bad_regex_is_reported_at_its_own_line(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace('regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', 'regex: "不(想"').replace(
        "exclude: [面条]", "exclude:\n          - 面条\n          - {regex: '(x'}"
    )
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    pattern_line, exclude_line = _line_of(text, 'regex: "不(想"'), _line_of(text, "{regex: '(x'}")
    assert f"book.yaml line {pattern_line}: T1.2: regex '不(想' does not compile" in out
    assert f"book.yaml line {exclude_line}: T1.2: regex '(x' does not compile" in out


def test_a_plain_string_pattern_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = CODEBOOK.replace(
        '          - regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', '          - ok\n          - "不(想"'
    )
    with pytest.raises(InputError) as caught:
        codebook_mod.load(_write(tmp_path, text))
    assert caught.value.problem.line == _line_of(text, '- "不(想"')


def test_a_bad_token_pattern_is_reported_at_its_own_line(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace('{ORTH: "陪"}', '{ORTH: "陪", BADKEY: 1}')
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
    assert result.exit_code == 2
    assert f"book.yaml line {_line_of(text, 'BADKEY')}: T2.1: token pattern" in " ".join(result.output.split())


def test_python_regex_warnings_become_lint_warnings(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace('regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', 'regex: "[[:alpha:]]+"')
    path = _write(tmp_path, text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        re.compile("[[:alpha:]]+")  # compiled (and cached) earlier in the process: still reported
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        report = lint(path)
        codebook_mod.load(path)
    assert leaked == []
    assert report.errors == []
    line = _line_of(text, "[[:alpha:]]+")
    assert [str(w) for w in report.warnings if "regex" in str(w)] == [
        f"book.yaml line {line}: T1.2: regex '[[:alpha:]]+' may not mean what it seems: "
        "Python warns 'Possible nested set at position 1'"
    ]
    result = invoke(runner, "codebook", "lint", str(path), "--strict")
    assert result.exit_code == 1 and ".py" not in result.output and "FutureWarning" not in result.output


@pytest.mark.parametrize("empty", ["children: []", "children:"])
def test_a_theme_with_no_children_is_an_error(runner, tmp_path: Path, empty: str) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK + f"  - id: T3\n    label: {{zh: 未完成, en: Unfinished}}\n    {empty}\n"
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert f"book.yaml line {_line_of(text, 'id: T3')}: T3: `children:` is empty" in out
    with pytest.raises(InputError, match="is empty"):
        codebook_mod.load(tmp_path / "book.yaml")


def test_patterns_are_checked_as_the_code_stage_matches_them(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Cues match the Simplified shadow of the text, so a regex must compile once its Traditional characters
    are made Simplified ([爱-鬆] becomes the reversed range [爱-松]); a token pattern's REGEX predicate that does
    not compile is a pattern error too. Both: the file and line, exit 2, never an internal error."""
    text = CODEBOOK.replace('regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', "regex: '[爱-鬆]'").replace(
        '{ORTH: "陪"}', '{TEXT: {REGEX: "(一"}}'
    )
    path = _write(tmp_path, text)
    result = invoke(runner, "codebook", "lint", str(path))
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert f"book.yaml line {_line_of(text, '[爱-鬆]')}: T1.2: regex '[爱-鬆]' does not compile" in out
    assert "made Simplified" in out
    assert f"book.yaml line {_line_of(text, 'REGEX')}: T2.1: token pattern" in out
    assert "internal error" not in out
