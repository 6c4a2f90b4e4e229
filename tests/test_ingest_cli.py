"""`themeflow init` + `themeflow ingest` through the real CLI: demo corpus, exit codes and messages."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themeflow.cli.app import app

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def flat(output: str) -> str:
    """Rich wraps long lines at the terminal width; compare messages with whitespace collapsed."""
    return re.sub(r"\s+", " ", output)


@pytest.fixture()
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    result = invoke("init", str(root))
    assert result.exit_code == 0, result.output
    (root / "data" / "transcripts" / "P01_访谈.txt").write_text(
        "访谈者：你在心园最好的朋友是谁？\n受访者：老周吧。我们俩一起来的。\n", encoding="utf-8"
    )
    (root / "data" / "transcripts" / "P02_访谈.txt").write_text(
        "问：你平时都做些什么？\n答：上午做手工，下午打打牌。\n", encoding="utf-8"
    )
    return root


def test_init_scaffolds_a_workspace_and_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = invoke("init", str(root))
    assert result.exit_code == 0
    for name in (
        "themeflow.yaml",
        ".gitignore",
        "codebooks/codebook.yaml",
        "dictionary.txt",
        "data/transcripts",
    ):
        assert (root / name).exists(), name
    assert ".themeflow/" in (root / ".gitignore").read_text(encoding="utf-8")
    (root / "themeflow.yaml").write_text("output: results\n", encoding="utf-8")
    assert invoke("init", str(root)).exit_code == 0
    assert (root / "themeflow.yaml").read_text(encoding="utf-8") == "output: results\n"


def test_init_adds_the_private_folder_to_an_existing_gitignore(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    invoke("init", str(root))
    text = (root / ".gitignore").read_text(encoding="utf-8")
    assert text.startswith("*.pyc\n") and ".themeflow/" in text


def test_ingest_in_the_workspace_writes_artefacts_and_says_so(study: Path) -> None:
    result = invoke("--workspace", str(study), "ingest")
    assert result.exit_code == 0, result.output
    assert "ingested 2 transcript(s), reused 0 unchanged" in flat(result.output)
    assert (study / "analysis" / "01-ingest" / "segments.csv").exists()
    again = invoke("ingest", "--workspace", str(study))
    assert "ingested 0 transcript(s), reused 2 unchanged" in flat(again.output)


def test_json_output_reports_processed_skipped_and_counts(study: Path) -> None:
    result = invoke("ingest", "--workspace", str(study), "--json")
    data = json.loads(result.stdout)
    assert data["processed"] == ["P01_访谈", "P02_访谈"] and data["skipped"] == [] and data["segments"] == 5


def test_quiet_prints_nothing_on_success(study: Path) -> None:
    result = invoke("ingest", "-w", str(study), "--quiet")
    assert (result.exit_code, result.output.strip()) == (0, "")


def test_explicit_folder_overrides_the_workspace(study: Path, tmp_path: Path) -> None:
    other = tmp_path / "more"
    other.mkdir()
    (other / "P07.md").write_text("Q: 你好?\nA: 你好。\n", encoding="utf-8")
    result = invoke("ingest", str(other), "-w", str(study), "--json")
    assert json.loads(result.stdout)["processed"] == ["P07"]


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("P03_空.txt", b"", "skipped data/transcripts/P03_空.txt: the file is empty"),
        (
            "P03_图.txt",
            b"\x00\x01\x02PNG" * 50,
            "skipped data/transcripts/P03_图.txt: looks like a binary file",
        ),
        (
            "P03_乱码.txt",
            b"\x80\x81\xff\xfe\x80" * 40,
            "skipped data/transcripts/P03_乱码.txt: cannot be decoded as UTF-8, GB18030/GBK or Big5",
        ),
        (
            "P03_坏.docx",
            b"PK\x03\x04 broken",
            "skipped data/transcripts/P03_坏.docx: is not a readable .docx",
        ),
    ],
)
def test_bad_transcript_is_named_skipped_and_exit_code_is_1(study: Path, name: str, data: bytes, message: str) -> None:
    (study / "data" / "transcripts" / name).write_bytes(data)
    result = invoke("ingest", "-w", str(study))
    assert result.exit_code == 1
    assert message in flat(result.output)
    assert "Traceback" not in result.output
    assert "ingested 2 transcript(s)" in flat(result.output)
    segments = (study / "analysis" / "01-ingest" / "segments.csv").read_text(encoding="utf-8")
    assert "P01_访谈" in segments and "P03" not in segments


def test_missing_transcripts_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    result = invoke("ingest", "-w", str(tmp_path))
    assert result.exit_code == 2
    assert f"error: transcripts folder {tmp_path / 'data' / 'transcripts'} not found" in flat(result.output)
    assert "Traceback" not in result.output
    assert not (tmp_path / "analysis").exists()


def test_missing_workspace_folder_exits_2(tmp_path: Path) -> None:
    result = invoke("ingest", "-w", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "does not exist" in flat(result.output)


@pytest.mark.parametrize(
    "config, message",
    [
        ("transcripts: [unclosed\n", "themeflow.yaml line 2: not valid YAML"),
        ("transcript: data\n", "themeflow.yaml: unknown setting 'transcript'"),
        ("deid: yes please\n", "themeflow.yaml: `deid` must be a group of settings"),
        ("output: [a, b]\n", "themeflow.yaml: `output` must be a path"),
        ("segmentation: {engine: hanlp}\n", "themeflow.yaml: segmentation.engine 'hanlp' is not one of"),
        ("- just\n- a list\n", "themeflow.yaml: expected a mapping of settings"),
    ],
)
def test_bad_config_exits_2_with_one_line_naming_the_file(study: Path, config: str, message: str) -> None:
    (study / "themeflow.yaml").write_text(config, encoding="utf-8")
    result = invoke("ingest", "-w", str(study))
    assert result.exit_code == 2
    assert message in flat(result.output)
    assert "Traceback" not in result.output
    assert not (study / "analysis").exists()


def test_participants_file_without_participant_id_exits_2_naming_file_and_row(study: Path) -> None:
    (study / "data" / "participants.csv").write_text("姓名,性别\n周,男\n", encoding="utf-8")
    result = invoke("ingest", "-w", str(study))
    assert result.exit_code == 2
    assert "error: participants.csv row 1: no participant_id column" in flat(result.output)
    assert not (study / "analysis").exists()


def test_participants_row_without_id_exits_2_naming_the_row(study: Path, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("participant_id,sex\nP1,男\n,女\n", encoding="utf-8")
    result = invoke("ingest", "-w", str(study), "--participants", str(people))
    assert result.exit_code == 2
    assert "error: people.csv row 3: participant_id is empty" in flat(result.output)


def test_unknown_participant_is_warned_but_ingested(study: Path) -> None:
    (study / "data" / "participants.csv").write_text("participant_id\nP1\nP5\n", encoding="utf-8")
    result = invoke("ingest", "-w", str(study))
    assert result.exit_code == 0
    text = flat(result.output)
    assert "warning: data/transcripts/P02_访谈.txt: participant P02 is not in participants.csv" in text
    assert "warning: participants without a transcript: P5" in text


def test_removed_transcript_is_reported(study: Path) -> None:
    invoke("ingest", "-w", str(study))
    (study / "data" / "transcripts" / "P02_访谈.txt").unlink()
    result = invoke("ingest", "-w", str(study))
    assert "removed P02_访谈 (its source file is gone)" in flat(result.output)


def test_demo_corpus_ingests_with_every_format_decoded(tmp_path: Path) -> None:
    if not (DEMO / "transcripts").is_dir():
        pytest.fail("the demo corpus data/transcripts is missing")
    root = tmp_path / "demo"
    assert invoke("init", str(root)).exit_code == 0
    for source in (DEMO / "transcripts").iterdir():
        shutil.copy(source, root / "data" / "transcripts" / source.name)
    shutil.copy(DEMO / "participants.csv", root / "data" / "participants.csv")
    result = invoke("ingest", "-w", str(root))
    assert result.exit_code == 0, result.output
    out = root / "analysis" / "01-ingest"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["transcripts"]
    assert len(manifest) == 14
    assert sorted((e["participant_id"] for e in manifest.values()), key=lambda p: int(p[1:])) == [
        f"P{i}" for i in range(1, 15)
    ]
    encodings = {e["encoding"] for e in manifest.values()}
    assert {"gb18030", "big5", "docx", "utf-8"} <= encodings
    assert all(e["warnings"] == [] for e in manifest.values())
    with open(out / "segments.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for transcript_id, _entry in manifest.items():
        mine = [r for r in rows if r["transcript_id"] == transcript_id]
        roles = {r["role"] for r in mine}
        assert roles == {"interviewer", "participant"}, transcript_id
        participant = sum(r["role"] == "participant" for r in mine)
        assert participant > len(mine) / 2, f"{transcript_id}: the interviewer should not speak most"
        text = (out / "transcripts" / f"{transcript_id}.txt").read_text(encoding="utf-8")
        assert all(text[int(r["start"]) : int(r["end"])] == r["text"] for r in mine)
        assert "\ufffd" not in text, f"{transcript_id} was decoded with replacement characters"
    traditional = [e for e in manifest.values() if e["encoding"] == "big5"]
    assert traditional
    big5_text = (out / "transcripts" / f"{Path(traditional[0]['source']).stem}.txt").read_text(encoding="utf-8")
    assert "訪談" in big5_text
    kept = (out / "participants.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "name" not in kept and "participant_id" in kept


def test_files_left_out_are_named_by_status_and_run_until_fixed(study: Path) -> None:
    (study / "data" / "transcripts" / "P09_访谈.txt").write_bytes(b"")
    assert invoke("ingest", "-w", str(study)).exit_code == 1
    status = flat(invoke("status", "-w", str(study)).output)
    assert "not ingested: data/transcripts/P09_访谈.txt: the file is empty" in status
    run = flat(invoke("run", "-w", str(study)).output)  # ingest is up to date: nothing re-read, still said
    assert "not ingested: data/transcripts/P09_访谈.txt" in run
