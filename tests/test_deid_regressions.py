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


def test_a_hospital_in_deid_names_is_labelled_an_institution(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": "访谈者：你好。\n受访者：周建国陪我去仁济医院看的病。\n"})
    config = root / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "deid: {names: [仁济医院, 周建国], terms: [{龙华镇: 地名}]}\n",
        encoding="utf-8",
    )
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    key = (root / ".themeflow" / "reidentification-key.csv").read_text(encoding="utf-8").splitlines()
    assert "[机构1],institution,仁济医院" in key
    assert "[人名1],person,周建国" in key
    text = (root / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    assert "[人名1]陪我去[机构1]看的病" in text


def test_review_of_an_unknown_kind_is_a_usage_error_listing_the_kinds(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": "访谈者：你好。\n受访者：我在仁济医院住过院。\n"})
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    result = invoke(runner, "deid", "review", "--kind", "bogus", "--workspace", str(root))
    assert result.exit_code == 2
    assert 'unknown kind "bogus"' in result.output
    assert "person" in result.output and "institution" in result.output
    result = invoke(runner, "deid", "review", "--kind", "institution", "--workspace", str(root))
    assert result.exit_code == 0
    assert "仁济医院" in result.output and "1 replacement(s)" in result.output


def test_piped_review_and_audit_print_whole_lines_never_cut_short(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name = "P1_transcription-service-export-2023-11-05-session-two"
    root = make_workspace(
        tmp_path / "ws", {f"{name}.txt": "访谈者：你好。\n受访者：我在长宁区天山路街道社区卫生服务中心听讲座。\n"}
    )
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    result = invoke(runner, "deid", "review", "--workspace", str(root))
    assert result.exit_code == 0
    assert f"{name}\tinstitution\t[机构1]\t长宁区天山路街道社区卫生服务中心\t" in result.output
    notes = root / "analysis" / "04-themes" / "exports-for-the-ethics-committee" / "quotes-selected-by-both-coders.csv"
    notes.parent.mkdir(parents=True)
    notes.write_text("quote\n她手机是13812345678。\n", encoding="utf-8")
    result = invoke(runner, "audit", "--workspace", str(root))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "file\tline\tkind\tvalue"
    assert f"{notes.relative_to(root).as_posix()}\t2\tphone\t138****5678" in lines


def _history_sheet(root: Path, number: int, text: str) -> Path:
    from openpyxl import Workbook

    path = root / "analysis" / "02-code" / "history" / f"units-{number:04d}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.active.title = "units"
    book.active["F2"] = text
    book.save(path)
    return path


def test_audit_says_old_coder_sheets_under_history_can_be_deleted_once_the_sheet_is_clean(
    runner, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert invoke(runner, "code", "--workspace", str(root)).exit_code == 0
    _history_sheet(root, 1, "我在仁济医院住过院。")
    _history_sheet(root, 2, "我在仁济医院住过院。")
    result = invoke(runner, "audit", "--workspace", str(root))
    assert result.exit_code == 1
    assert "analysis/02-code/history/units-0001.xlsx\tunits!F2\tinstitution\t仁***" in result.output
    assert "2 finding(s) in 2 file(s) under analysis/02-code/history/: these are old copies of the coder sheet" in (
        result.output
    )
    assert "The current sheet analysis/02-code/units.xlsx is clean: delete them" in result.output
    assert "replace them, add names to deid.names" not in result.output  # nothing else was found


def test_audit_says_to_clean_the_current_sheet_before_deleting_old_copies(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    _history_sheet(root, 1, "我在仁济医院住过院。")
    sheet = _history_sheet(root, 2, "我在仁济医院住过院。")
    sheet.replace(root / "analysis" / "02-code" / "units.xlsx")
    result = invoke(runner, "audit", "--workspace", str(root))
    assert result.exit_code == 1
    assert "1 finding(s): replace them" in result.output
    assert "First make the current sheet analysis/02-code/units.xlsx clean" in result.output


def test_a_relatives_full_name_after_a_kin_word_is_replaced() -> None:
    assert _found("我女儿李娜在医院上班。") == ["李娜"]
    assert _found("我老公王刚人很好，他叫王刚。") == ["王刚", "王刚"]
    assert _found("我女儿高中毕业了，我妈妈周末来。") == []


def test_a_participants_given_name_is_replaced_unless_it_is_an_everyday_word() -> None:
    from themeflow.deid.engine import given_name

    assert given_name("马丽娟") == "丽娟"  # 丽娟姐，这里我只信你
    assert given_name("孙国庆") == ""  # 国庆 is the national holiday
    assert given_name("何俊") == ""  # one character: too short to replace on its own
