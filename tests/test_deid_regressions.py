"""De-identification cases found by trying the tool as a new user would (all names fictional)."""

from __future__ import annotations

from pathlib import Path

from conftest import invoke, make_workspace
from themeflow.deid.detect import Detector


def _found(text: str) -> list[str]:
    return [text[s.start : s.end] for s in Detector().detect(text)]


def test_thanks_is_not_a_name_even_before_a_title() -> None:
    assert _found("没有了，谢谢医生。") == []
    assert _found("今天谢谢您来参加访谈。") == []


def test_familiar_forms_are_replaced_everywhere_they_occur() -> None:
    text = "访谈者：您好，我是研究员小陈。\n受访者：小陈你好。我的主管医生是小赵。\n转录人：小赵"
    assert _found(text) == ["陈", "陈", "赵", "赵"]


def test_everyday_words_with_lao_and_xiao_stay() -> None:
    assert _found("小时候我很小，老是这样，小心点。") == []


def test_configured_names_never_reach_the_shareable_stage_record(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    config = root / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "deid: {names: [欧阳娜娜], terms: [康宁医院]}\n", encoding="utf-8"
    )
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    for path in (root / "analysis").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert "欧阳娜娜".encode() not in data and "康宁医院".encode() not in data, path


def test_a_kept_term_is_not_an_audit_finding(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": "访谈者：你好。\n受访者：我跟老周常常一起吃饭，老周人很好。\n"})
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert "老周" not in (root / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    assert invoke(runner, "deid", "review", "--keep", "老周", "--workspace", str(root)).exit_code == 0
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert "老周" in (root / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    result = invoke(runner, "audit", "--workspace", str(root))
    assert result.exit_code == 0, result.output
