"""A transcript's file name becomes its id in every shareable artefact: one carrying a name or a phone
number is refused by name, and nothing of it reaches analysis/ (all data fictional)."""

from __future__ import annotations

from pathlib import Path

from conftest import TRANSCRIPT_A, TRANSCRIPT_B, invoke, make_workspace


def test_file_name_with_personal_information_is_skipped(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": TRANSCRIPT_A, "P2_李秀兰_13700001111.txt": TRANSCRIPT_B})
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 1
    assert "its file name contains personal information" in " ".join(result.output.split())
    for path in (root / "analysis").rglob("*"):
        if path.is_file():
            assert "李秀兰".encode() not in path.read_bytes() and b"13700001111" not in path.read_bytes()
            assert "李秀兰" not in path.name


def test_a_participant_called_by_her_given_name_is_replaced(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "访谈者：丽娟，今天聊聊你的朋友吧。\n受访者：好的。她们都叫我丽娟姐，国庆节我们一起去公园。\n"
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": text})
    (root / "data/participants.csv").write_text("participant_id,name,pseudonym\nP1,马丽娟,阿娟\n", encoding="utf-8")
    config = root / "themeflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "participants: data/participants.csv\n", encoding="utf-8")
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    written = (root / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    assert "丽娟" not in written and "[阿娟]姐" in written and "国庆节" in written


def test_a_file_name_holding_a_name_stays_out_of_the_shareable_participants_table(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": TRANSCRIPT_A, "马秀英_访谈.txt": TRANSCRIPT_B})
    (root / "data" / "participants.csv").write_text(
        "participant_id,name,file,sex\nP1,周某某,P1_a.txt,男\nP2,马秀英,马秀英_访谈.txt,女\n", encoding="utf-8"
    )
    (root / "themeflow.yaml").write_text(
        (root / "themeflow.yaml").read_text(encoding="utf-8") + "participants: data/participants.csv\n",
        encoding="utf-8",
    )
    invoke(runner, "ingest", "--workspace", str(root))
    shared = (root / "analysis" / "01-ingest" / "participants.csv").read_text(encoding="utf-8")
    assert "马秀英" not in shared and "P1_a.txt" in shared and "P2" in shared


P05 = "（合成测试文本）\n访谈者：最近谁来看过您？\n受访者：上次吴芳姐住院了，我们都去看她。\n"
P07 = "（合成测试文本）\n访谈者：您怎么来的中心？\n受访者：是吴芳带着我来的，她人很好。\n"


def _ingested(root: Path) -> str:
    out = root / "analysis" / "01-ingest"
    return "".join(
        p.read_text(encoding="utf-8") for p in [out / "segments.csv", *sorted((out / "transcripts").glob("*"))]
    )


def test_a_name_found_in_one_transcript_is_replaced_in_every_one(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    together = make_workspace(tmp_path / "together", {"P05_a.txt": P05, "P07_b.txt": P07})
    invoke(runner, "ingest", "--workspace", str(together))
    assert "吴芳" not in _ingested(together)
    # Found only when a later transcript arrives: the earlier one, unchanged, is de-identified again.
    later = make_workspace(tmp_path / "later", {"P05_a.txt": P05})
    invoke(runner, "ingest", "--workspace", str(later))
    (later / "data" / "transcripts" / "P07_b.txt").write_text(P07, encoding="utf-8")
    invoke(runner, "ingest", "--workspace", str(later))
    assert "吴芳" not in _ingested(later)
    assert _ingested(later) == _ingested(together)


def test_pseudonyms_already_in_a_transcript_are_not_given_out_again(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # An interview de-identified elsewhere (imported): [机构1] stands for a hospital there.
    text = "（合成测试文本）\n访谈者：您在哪里看病？\n受访者：在[机构1]看的，后来去康宁医院复查。\n"
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": text})
    invoke(runner, "ingest", "--workspace", str(root))
    out = (root / "analysis" / "01-ingest" / "transcripts" / "P1_a.txt").read_text(encoding="utf-8")
    assert "康宁医院" not in out and out.count("[机构1]") == 1 and "[机构2]" in out


def test_keeping_a_surname_does_not_keep_the_full_names_it_starts(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "（合成测试文本）\n访谈者：谁跟您聊得来？\n受访者：跟周建国聊得来，还有小周，护士也好。\n"
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": text})
    (root / "themeflow.yaml").write_text(
        (root / "themeflow.yaml").read_text(encoding="utf-8") + "deid: {keep: [周]}\n", encoding="utf-8"
    )
    invoke(runner, "ingest", "--workspace", str(root))
    out = (root / "analysis" / "01-ingest" / "transcripts" / "P1_a.txt").read_text(encoding="utf-8")
    assert "周建国" not in out and "小周" in out


def test_pseudonyms_typed_in_a_transcript_are_reserved_across_runs(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    typed = "（合成测试文本）\n访谈者：谁对您好？\n受访者：[人名1]跟我最好，[人名2]也不错。\n"
    later = "（合成测试文本）\n访谈者：还有谁？\n受访者：是吴芳带着我来的，张医生也很好。\n"
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": typed})
    invoke(runner, "ingest", "--workspace", str(root))
    (root / "data" / "transcripts" / "P2_b.txt").write_text(later, encoding="utf-8")
    invoke(runner, "ingest", "--workspace", str(root))
    out = (root / "analysis" / "01-ingest" / "transcripts" / "P2_b.txt").read_text(encoding="utf-8")
    assert "[人名1]" not in out and "[人名2]" not in out and "吴芳" not in out
