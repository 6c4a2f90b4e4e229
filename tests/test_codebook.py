"""Codebook loading and `themeflow codebook lint|show`: errors with line numbers, warnings, exit codes."""

from __future__ import annotations

from pathlib import Path

from conftest import CODEBOOK, REPO, invoke
from themeflow import codebook as codebook_mod


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_codebook_has_the_studys_three_themes_and_eight_codes() -> None:
    book = codebook_mod.load(REPO / "codebooks" / "peer-support.yaml")
    assert [t.id for t in book.themes] == ["T1", "T2", "T3"]
    assert book.code_ids == ["T1.1", "T1.2", "T1.3", "T2.1", "T2.2", "T3.1", "T3.2", "T3.3"]
    for code in book.codes:
        assert code.label.zh and code.label.en and code.definition.zh and code.definition.en
        assert code.when_to_use.both() and code.when_not_to_use.both() and code.examples
        assert code.keywords, code.id


def test_shipped_codebook_lints_clean_under_strict(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "codebook", "lint", str(REPO / "codebooks" / "peer-support.yaml"), "--strict")
    assert result.exit_code == 0, result.output


def test_malformed_yaml_names_file_and_line(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "id: x\nthemes:\n  - id: T1\n    label: [unclosed\n")
    result = invoke(runner, "codebook", "lint", str(path))
    assert result.exit_code == 2
    assert "book.yaml line" in result.output and "not valid YAML" in result.output
    assert "Traceback" not in result.output


def test_schema_errors_carry_line_numbers(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace("        keywords: [住院]", "        keyword: [住院]")
    path = _write(tmp_path, text)
    line = text.splitlines().index("        keyword: [住院]")
    result = invoke(runner, "codebook", "lint", str(path))
    assert result.exit_code == 2
    assert "unknown key 'keyword'" in result.output
    # the message points at the code's mapping, which starts a few lines above the bad key
    reported = int(result.output.split("book.yaml line ")[1].split(":")[0])
    assert line - 8 <= reported <= line + 1


def test_warnings_exit_1_only_with_strict(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace("keywords: [住院]", "keywords: [住院, 朋友, 好 朋友]").replace(
        "definition: {zh: 帮助同伴后自己也有收获, en: Helping peers and gaining from it}", "definition: ''"
    )
    path = _write(tmp_path, text)
    result = invoke(runner, "codebook", "lint", str(path))
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "cue '朋友' is shared by T1.1, T1.2" in out
    assert "T2.1: empty definition" in out
    assert "keyword '好 朋友' is segmented as" in out
    assert invoke(runner, "codebook", "lint", str(path), "--strict").exit_code == 1


def test_what_the_code_stage_refuses_is_a_lint_error(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = {
        "regex": CODEBOOK.replace('regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', 'regex: "不(想"'),
        "duplicate": CODEBOOK.replace("id: T2.1", "id: T1.1"),
        "tokens": CODEBOOK.replace('{ORTH: "陪"}', '{ORTH: "陪", BADKEY: 1}'),
    }
    for kind, text in broken.items():
        result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
        assert result.exit_code == 2, (kind, result.output)
        assert "error" in result.output and "book.yaml line" in result.output, kind


def test_duplicate_ids_refused_by_code_stage(tmp_path: Path) -> None:
    import pytest

    from themeflow.errors import InputError

    path = _write(tmp_path, CODEBOOK.replace("id: T2.1", "id: T1.1"))
    with pytest.raises(InputError, match="used twice"):
        codebook_mod.load(path)


def test_show_prints_the_tree(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "codebook", "show", str(REPO / "codebooks" / "peer-support.yaml"))
    assert result.exit_code == 0
    assert "T3.3" in result.output and "重建社交网络" in result.output


def test_invalid_token_pattern_is_a_clear_error(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_workspace

    root = make_workspace(tmp_path / "ws", codebook=CODEBOOK.replace('{ORTH: "陪"}', '{NOPE: "陪"}'))
    invoke(runner, "ingest", "--workspace", str(root))
    result = invoke(runner, "code", "--workspace", str(root))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "test.yaml line" in out and "T2.1: token pattern" in out and "internal error" not in out


def test_a_comma_that_splits_a_text_is_an_error(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CODEBOOK.replace('en: "Eating, doing and chatting together"', "en: Eating, doing and chatting together")
    result = invoke(runner, "codebook", "lint", str(_write(tmp_path, text)))
    assert result.exit_code == 2
    assert "T1.1: definition has unknown part" in " ".join(result.output.split())
