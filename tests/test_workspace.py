"""The workspace: themeflow.yaml, defaults, paths relative to the workspace, and settings checked early."""

from __future__ import annotations

from pathlib import Path

import pytest

from themeflow import workspace
from themeflow.errors import InputError, UsageError


def test_folder_without_config_is_a_workspace_with_defaults(tmp_path: Path) -> None:
    ws = workspace.load(tmp_path)
    assert not ws.has_config_file
    assert ws.transcripts_dir == tmp_path.resolve() / "data" / "transcripts"
    assert ws.ingest_dir == tmp_path.resolve() / "analysis" / "01-ingest"
    assert ws.private_dir == tmp_path.resolve() / ".themeflow"
    assert ws.sheet_path.name == "units.xlsx"


def test_the_scaffolded_config_loads_to_the_defaults(tmp_path: Path) -> None:
    workspace.init(tmp_path)
    ws = workspace.load(tmp_path)
    assert ws.has_config_file and ws.config == workspace.DEFAULTS


def test_init_returns_what_it_created_and_then_nothing(tmp_path: Path) -> None:
    created = workspace.init(tmp_path / "s")
    assert (tmp_path / "s" / "themeflow.yaml") in created
    assert workspace.init(tmp_path / "s") == []


def test_settings_merge_into_defaults_and_paths_are_relative_to_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "themeflow.yaml").write_text(
        "transcripts: 访谈/原始\noutput: out\nsheet_format: CSV\nsegmentation: {engine: jieba}\n"
        f"participants: {tmp_path / 'elsewhere.xlsx'}\n",
        encoding="utf-8",
    )
    ws = workspace.load(tmp_path)
    assert ws.transcripts_dir == tmp_path.resolve() / "访谈" / "原始"
    assert ws.participants_file == tmp_path / "elsewhere.xlsx"
    assert ws.code_dir == tmp_path.resolve() / "out" / "02-code"
    assert ws.sheet_path.name == "units.csv"
    assert ws.section("segmentation") == {"engine": "jieba", "processes": 2}
    assert ws.section("deid")["enabled"] is True


def test_empty_config_and_bom_are_fine(tmp_path: Path) -> None:
    (tmp_path / "themeflow.yaml").write_bytes(b"\xef\xbb\xbf# nothing set\n")
    assert workspace.load(tmp_path).config == workspace.DEFAULTS


@pytest.mark.parametrize(
    "config, message",
    [
        ("transcripts: [a\n", "not valid YAML"),
        ("output: out\nfoo: 1\n", "unknown setting 'foo'"),
        ("42\n", "expected a mapping of settings"),
        ("sheet_format: ods\n", "sheet_format must be xlsx or csv"),
        ("transcripts: 3\n", "`transcripts` must be a path"),
        ("codebook: ''\n", "`codebook` must be a path"),
        ("themes: [a]\n", "`themes` must be a group of settings"),
        ("coders: lin\n", "`coders` must be a list"),
        ("segmentation: {engine: thulac}\n", "segmentation.engine 'thulac' is not one of jieba-fast, jieba"),
        ("segmentation: {procs: 2}\n", "unknown setting segmentation.procs"),
        ("segmentation: {processes: two}\n", "segmentation.processes must be a whole number"),
    ],
)
def test_bad_settings_are_input_errors_naming_the_file(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "themeflow.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(InputError) as info:
        workspace.load(tmp_path)
    assert "themeflow.yaml" in str(info.value) and message in str(info.value)


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "themeflow.yaml").write_text("output: out\ncoders: [lin\nsheet_format: csv\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        workspace.load(tmp_path)
    assert info.value.problem.line is not None and info.value.problem.line >= 2


def test_config_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "themeflow.yaml").write_bytes("output: 结果\n".encode("gbk"))
    with pytest.raises(InputError, match="not UTF-8"):
        workspace.load(tmp_path)


def test_missing_workspace_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        workspace.load(tmp_path / "nowhere")


def test_theme_and_deid_settings_of_the_wrong_kind_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from themeflow import workspace
    from themeflow.errors import InputError

    for text, message in (
        ("themes: {quotes_per_code: three}\n", "themes.quotes_per_code must be a whole number"),
        ("themes: {quotes_per_code: -1}\n", "themes.quotes_per_code must be a whole number"),
        ("themes: {saturation: {threshold: 5}}\n", "themes.saturation.threshold must be a share"),
        ("themes: {quote_per_code: 2}\n", "unknown setting themes.quote_per_code"),
        ("deid: {enabled: maybe}\n", "deid.enabled must be true or false"),
        ("deid: {names: 张伟}\n", "deid.names must be a list"),
    ):
        (tmp_path / "themeflow.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            workspace.load(tmp_path)
