"""De-identification through `themeflow ingest`: the key, stable pseudonyms, redactions, review and --keep."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from typer.testing import CliRunner

from themeflow import workspace
from themeflow.cli.app import app
from themeflow.deid import warning_for

runner = CliRunner()

P1 = """访谈者：您好，今天想听您讲讲在中心的生活。
受访者：好的。我的病友里面，王丽娟对我最好，她每天都跟我打招呼。
受访者：高明的办法是每天早上一起散步。张医生也说散步对身体好。
"""
P2 = """访谈者：您平时跟谁来往比较多？
受访者：跟王丽娟吧，我们常常一起做手工。她手机是139 1234 5678，有事就打给她。
"""
P3 = """访谈者：最近怎么样？
受访者：还可以。上个礼拜王丽娟带我去公园，张医生让我多出去走走。
"""


def make_workspace(tmp_path: Path, transcripts: dict[str, str], participants: str | None = None) -> Path:
    root = tmp_path / "ws"
    workspace.init(root)
    for name, text in transcripts.items():
        (root / "data" / "transcripts" / name).write_text(text, encoding="utf-8")
    if participants is not None:
        (root / "data" / "participants.csv").write_text(participants, encoding="utf-8")
    return root


def ingest(root: Path, *extra: str) -> None:
    result = runner.invoke(app, ["ingest", "--workspace", str(root), "--quiet", *extra])
    assert result.exit_code == 0, result.output


def transcript(root: Path, transcript_id: str) -> str:
    return (root / "analysis" / "01-ingest" / "transcripts" / f"{transcript_id}.txt").read_text(encoding="utf-8")


def key_rows(root: Path) -> list[dict[str, str]]:
    with open(root / ".themeflow" / "reidentification-key.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_key_is_private_and_outside_analysis(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1})
    ingest(root)
    key = root / ".themeflow" / "reidentification-key.csv"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert not list((root / "analysis").rglob("reidentification-key*"))
    assert ".themeflow/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"pseudonym": "[人名1]", "kind": "person", "original": "王丽娟"} in key_rows(root)


def test_gitignore_without_the_private_folder_gets_it_when_the_key_is_saved(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1})
    (root / ".gitignore").write_text("*.pyc", encoding="utf-8")
    ingest(root)
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[0] == "*.pyc"
    assert ".themeflow/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_same_name_gets_same_pseudonym_in_two_transcripts_and_across_ingests(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1, "P2_访谈.txt": P2})
    ingest(root)
    assert "王丽娟" not in transcript(root, "P1_访谈") + transcript(root, "P2_访谈")
    assert "[人名1]对我最好" in transcript(root, "P1_访谈")
    assert "跟[人名1]吧" in transcript(root, "P2_访谈")
    assert "[电话1]" in transcript(root, "P2_访谈")
    # A later, incremental ingest with a new transcript reuses the key and numbers new people after.
    (root / "data" / "transcripts" / "P3_访谈.txt").write_text(P3, encoding="utf-8")
    ingest(root)
    third = transcript(root, "P3_访谈")
    assert "[人名1]带我去公园" in third
    assert "[人名2]医生让我" in third and "[人名2]医生也说" in transcript(root, "P1_访谈")


def test_redactions_list_positions_without_originals(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1, "P2_访谈.txt": P2})
    ingest(root)
    path = root / "analysis" / "01-ingest" / "redactions.csv"
    text = path.read_text(encoding="utf-8")
    assert "王丽娟" not in text and "1234" not in text
    rows = list(csv.DictReader(text.splitlines()))
    assert rows == sorted(rows, key=lambda r: (r["transcript_id"], int(r["start"])))
    for row in rows:
        body = transcript(root, row["transcript_id"])
        assert body[int(row["start"]) : int(row["end"])] == row["pseudonym"]
    # Re-running without changes writes byte-identical files.
    before = path.read_bytes(), (root / ".themeflow" / "reidentification-key.csv").read_bytes()
    ingest(root)
    assert before == (path.read_bytes(), (root / ".themeflow" / "reidentification-key.csv").read_bytes())


def test_participants_own_names_become_their_pseudonyms(tmp_path: Path) -> None:
    people = "participant_id,file,name,pseudonym\nP1,P1_访谈.txt,王丽娟,阿娟\n"
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1}, participants=people)
    ingest(root)
    assert "[阿娟]对我最好" in transcript(root, "P1_访谈")
    shared = (root / "analysis" / "01-ingest" / "participants.csv").read_text(encoding="utf-8")
    assert "王丽娟" not in shared


def test_keep_leaves_a_false_positive_as_written_on_the_next_ingest(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1})
    ingest(root)
    assert "[人名2]医生" in transcript(root, "P1_访谈")
    result = runner.invoke(app, ["deid", "review", "--workspace", str(root), "--keep", "张医生"])
    assert result.exit_code == 0, result.output
    assert "kept: 张医生" in result.output
    assert workspace.load(root).section("deid")["keep"] == ["张医生"]
    ingest(root)
    assert "张医生也说" in transcript(root, "P1_访谈")
    assert "[人名1]对我最好" in transcript(root, "P1_访谈")


def test_review_shows_originals_with_context_in_the_terminal(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P2_访谈.txt": P2})
    ingest(root)
    result = runner.invoke(app, ["deid", "review", "--workspace", str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert '"originals": "王丽娟"' in result.output
    assert '"originals": "139 1234 5678"' in result.output
    assert '"before": "受访者：跟"' in result.output
    table = runner.invoke(app, ["deid", "review", "--workspace", str(root)])
    assert table.exit_code == 0 and "王丽娟" in table.output and "[人名1]" in table.output


def test_review_before_any_ingest_says_what_to_do(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1})
    result = runner.invoke(app, ["deid", "review", "--workspace", str(root)])
    assert result.exit_code == 2
    assert "run `themeflow ingest` first" in result.output


def test_no_deid_keeps_names_and_every_reader_is_warned(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, {"P1_访谈.txt": P1})
    ingest(root)
    assert warning_for(workspace.load(root)) is None
    ingest(root, "--no-deid")
    assert "王丽娟" in transcript(root, "P1_访谈")
    assert not (root / "analysis" / "01-ingest" / "redactions.csv").exists()
    message = warning_for(workspace.load(root))
    assert message is not None and "OFF" in message
    result = runner.invoke(app, ["audit", "--workspace", str(root)])
    assert result.exit_code == 1
    assert "de-identification was OFF" in result.output


def test_configured_names_and_terms_are_replaced(tmp_path: Path) -> None:
    root = make_workspace(
        tmp_path, {"P1_访谈.txt": "访谈者：您在哪里住院？\n受访者：在阳光医院住了半年，阿珍陪着我。\n"}
    )
    config = root / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  names: []\n  terms: []\n", "  names: [阿珍]\n  terms: [阳光医院]\n"
        ),
        encoding="utf-8",
    )
    ingest(root)
    assert "在[机构1]住了半年，[人名1]陪着我" in transcript(root, "P1_访谈")
