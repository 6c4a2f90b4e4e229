"""The ingest stage as a library: artefacts, incremental re-runs and determinism."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from themeflow import ingest, lock, workspace
from themeflow.errors import UsageError
from themeflow.ingest.artefacts import read_segments

FILES = {
    "P01_访谈.txt": (
        "访谈记录\n访谈者：你来阳光心园多久了？\n受访者：三年多了。刚来的时候谁也不认识。\n"
        "访谈者：现在呢？\n受访者：现在好多了，跟老李他们天天一起吃饭。\n"
    ).encode(),
    "P02_访谈.txt": ("问：平时谁跟你聊得最多？\r\n答：小陈吧。她也是双相情感障碍，我们能聊到一块去。\r\n").encode(
        "gb18030"
    ),
    "P03_訪談.txt": "訪談者：你覺得這裡的朋友怎麼樣？\n受訪者：挺好的，然後離開醫院以後就常常見面。\n".encode("big5"),
    "P04_转写.md": "说话人1 00:00:03\n今天谢谢你来。\n说话人2 00:00:06\n没事，我也想聊聊。\n".encode(),
}


def make_workspace(root: Path, files: dict[str, bytes] = FILES) -> workspace.Workspace:
    workspace.init(root)
    for name, data in files.items():
        (root / "data" / "transcripts" / name).write_bytes(data)
    (root / "data" / "participants.csv").write_text(
        "participant_id,name,sex,age\nP1,周某,男,41\nP2,陈某,女,35\nP3,林某,女,38\nP4,孙某,男,52\n",
        encoding="utf-8",
    )
    return workspace.load(root)


def artefacts(ws: workspace.Workspace) -> dict[str, bytes]:
    root = ws.ingest_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def ws(tmp_path: Path) -> workspace.Workspace:
    return make_workspace(tmp_path / "study")


def test_first_run_writes_every_artefact_with_exact_offsets(ws: workspace.Workspace) -> None:
    result = ingest.run(ws)
    assert (result.processed, result.skipped, result.exit_code) == (
        ["P01_访谈", "P02_访谈", "P03_訪談", "P04_转写"],
        [],
        0,
    )
    rows = read_segments(ws.ingest_dir)
    assert list(rows[0]) == [
        "segment_id",
        "transcript_id",
        "participant_id",
        "turn",
        "speaker",
        "role",
        "start",
        "end",
        "text",
        "tokens",
    ]
    for row in rows:
        transcript = (ws.ingest_dir / "transcripts" / f"{row['transcript_id']}.txt").read_text(encoding="utf-8")
        assert transcript[int(row["start"]) : int(row["end"])] == row["text"]
    assert {r["transcript_id"]: r["participant_id"] for r in rows} == {
        "P01_访谈": "P1",
        "P02_访谈": "P2",
        "P03_訪談": "P3",
        "P04_转写": "P4",
    }
    assert "访谈记录" not in {r["text"] for r in rows}  # the preamble is not speech
    traditional = [r for r in rows if r["transcript_id"] == "P03_訪談" and r["role"] == "participant"]
    assert traditional[0]["text"] == "挺好的，然後離開醫院以後就常常見面。"
    assert "然後 離開 醫院" in traditional[0]["tokens"]


def test_manifest_reports_encoding_format_scheme_and_counts(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    manifest = json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["transcripts"]
    assert {t: (e["encoding"], e["format"], e["speaker_scheme"]) for t, e in entries.items()} == {
        "P01_访谈": ("utf-8", "txt", "labels"),
        "P02_访谈": ("gb18030", "txt", "labels"),
        "P03_訪談": ("big5", "txt", "labels"),
        "P04_转写": ("utf-8", "md", "service-export"),
    }
    assert entries["P01_访谈"]["segments"] == 5 and entries["P01_访谈"]["participant_segments"] == 3
    assert entries["P01_访谈"]["source"] == "data/transcripts/P01_访谈.txt"
    assert manifest["tool"]["segmenter"] == "jieba-fast" and manifest["tool"]["user_vocabulary"]


def test_participants_are_kept_without_identifying_columns(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    kept = (ws.ingest_dir / "participants.csv").read_text(encoding="utf-8")
    assert kept == "participant_id,sex,age\nP1,男,41\nP2,女,35\nP3,女,38\nP4,男,52\n"


def test_second_run_reuses_everything_and_rewrites_nothing(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    before = {p: p.stat().st_mtime_ns for p in ws.ingest_dir.rglob("*") if p.is_file()}
    result = ingest.run(ws)
    assert result.processed == [] and len(result.reused) == 4
    assert {p: p.stat().st_mtime_ns for p in ws.ingest_dir.rglob("*") if p.is_file()} == before
    assert ingest.stale_reasons(ws) == []


def test_changing_one_file_reprocesses_only_that_file(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    source = ws.transcripts_dir / "P01_访谈.txt"
    source.write_bytes(source.read_bytes() + "访谈者：还有别的吗？\n受访者：没有了，谢谢。\n".encode())
    # The record names the folder, never the file: file names may hold names, and the record is shared.
    assert ingest.stale_reasons(ws) == ["data/transcripts/ was modified"]
    result = ingest.run(ws)
    assert result.processed == ["P01_访谈"] and len(result.reused) == 3
    assert "没有了，谢谢。" in {r["text"] for r in read_segments(ws.ingest_dir)}


def test_removed_file_disappears_from_the_artefacts_and_is_reported(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    (ws.transcripts_dir / "P02_访谈.txt").unlink()
    result = ingest.run(ws)
    assert result.removed == ["P02_访谈"]
    assert "P02_访谈" not in {r["transcript_id"] for r in read_segments(ws.ingest_dir)}
    assert not (ws.ingest_dir / "transcripts" / "P02_访谈.txt").exists()
    assert "P02_访谈" not in json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))["transcripts"]
    assert "participants without a transcript: P2" in result.warnings


def test_file_that_becomes_unreadable_keeps_its_previous_version(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    before = artefacts(ws)
    source = ws.transcripts_dir / "P02_访谈.txt"
    good = source.read_bytes()
    for damaged in (b"", good + b"\xff\xfe\x00\x00\x00garbage" * 50):
        source.write_bytes(damaged)
        result = ingest.run(ws)
        assert result.removed == [] and result.exit_code == 1
        [(name, reason)] = result.skipped
        assert name == "data/transcripts/P02_访谈.txt" and "the version ingested before is kept" in reason
        # Its transcript and segments stay, so its coded units are not orphaned.
        assert artefacts(ws)["segments.csv"] == before["segments.csv"]
        assert (ws.ingest_dir / "transcripts" / "P02_访谈.txt").exists()
    source.write_bytes(good)
    assert ingest.run(ws).skipped == [] and artefacts(ws) == before


def test_changing_the_dictionary_reprocesses_everything(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    ws.dictionary_file.write_text("一起吃饭\n", encoding="utf-8")
    assert "dictionary.txt was modified" in ingest.stale_reasons(ws)
    result = ingest.run(ws)
    assert sorted(result.processed) == ["P01_访谈", "P02_访谈", "P03_訪談", "P04_转写"] and result.reused == []
    assert any("一起吃饭" in r["tokens"].split(" ") for r in read_segments(ws.ingest_dir))


def test_changing_the_engine_reprocesses_everything(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    config = ws.root / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("engine: jieba-fast", "engine: jieba"), encoding="utf-8"
    )
    ws2 = workspace.load(ws.root)
    assert ingest.stale_reasons(ws2) == ["settings changed: engine"]
    assert len(ingest.run(ws2).processed) == 4


def test_a_damaged_cache_is_rebuilt_not_trusted(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    expected = artefacts(ws)
    (ws.ingest_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    result = ingest.run(ws)
    assert len(result.processed) == 4 and artefacts(ws) == expected


def test_two_runs_in_two_folders_give_byte_identical_artefacts(tmp_path: Path) -> None:
    first = make_workspace(tmp_path / "a")
    second = make_workspace(tmp_path / "elsewhere" / "b")
    ingest.run(first)
    ingest.run(second)
    assert artefacts(first) == artefacts(second)
    lock_a, lock_b = lock.read(first.ingest_dir), lock.read(second.ingest_dir)
    assert lock_a is not None and lock_b is not None and lock_a.deps == lock_b.deps


def test_explicit_folder_and_participants_override_the_workspace(ws: workspace.Workspace, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ws.transcripts_dir / "P01_访谈.txt", other / "第七次访谈.txt")
    people = tmp_path / "people.csv"
    people.write_text("participant_id,file\nP7,第七次访谈.txt\n", encoding="utf-8")
    result = ingest.run(ws, other, people)
    assert result.processed == ["第七次访谈"]
    assert {r["participant_id"] for r in read_segments(ws.ingest_dir)} == {"P7"}


def test_unknown_participants_and_missing_ids_are_warned(ws: workspace.Workspace) -> None:
    (ws.transcripts_dir / "P09_访谈.txt").write_text("访谈者：你好。\n受访者：你好。\n", encoding="utf-8")
    (ws.transcripts_dir / "补充访谈.txt").write_text("访谈者：你好。\n受访者：你好。\n", encoding="utf-8")
    result = ingest.run(ws)
    assert "data/transcripts/P09_访谈.txt: participant P09 is not in participants.csv" in result.warnings
    assert any(w.startswith("data/transcripts/补充访谈.txt: no participant id") for w in result.warnings)


def test_file_without_labels_is_ingested_as_one_participant_turn_with_a_warning(
    ws: workspace.Workspace,
) -> None:
    (ws.transcripts_dir / "P05_笔记.txt").write_text("我觉得这里挺好的。大家都很照顾我。\n", encoding="utf-8")
    result = ingest.run(ws)
    assert (
        "data/transcripts/P05_笔记.txt: no speaker labels recognised: read as one participant turn" in result.warnings
    )
    rows = [r for r in read_segments(ws.ingest_dir) if r["transcript_id"] == "P05_笔记"]
    assert [(r["role"], r["turn"]) for r in rows] == [("participant", "1"), ("participant", "1")]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("P05_空.txt", b"", "the file is empty"),
        ("P05_图.txt", b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)), "looks like a binary file"),
        ("P05_乱码.txt", b"\x80\x81\xff\xfe\x80" * 40, "cannot be decoded as UTF-8, GB18030/GBK or Big5"),
        ("P05_坏.docx", b"PK\x03\x04 broken", "is not a readable .docx"),
        ("P05_标题.txt", "……\n——\n（ ）\n".encode(), "has no speech to segment"),
    ],
)
def test_bad_file_is_skipped_by_name_and_the_rest_still_ingests(
    ws: workspace.Workspace, name: str, data: bytes, reason: str
) -> None:
    (ws.transcripts_dir / name).write_bytes(data)
    result = ingest.run(ws)
    assert [(f, r[: len(reason)]) for f, r in result.skipped] == [(f"data/transcripts/{name}", reason)]
    assert len(result.processed) == 4 and result.exit_code == 1
    manifest = json.loads((ws.ingest_dir / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["skipped"]) == [f"data/transcripts/{name}"]


def test_missing_transcripts_folder_is_a_usage_error(tmp_path: Path) -> None:
    ws = workspace.load(tmp_path)
    with pytest.raises(UsageError, match="transcripts folder .* not found"):
        ingest.run(ws)
    assert not ws.ingest_dir.exists()


def test_folder_without_transcripts_is_a_usage_error(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "study", files={"说明.docx.bak": b"x"})
    with pytest.raises(UsageError, match="no transcripts"):
        ingest.run(ws)


def test_segments_csv_is_sorted_by_transcript_then_position(ws: workspace.Workspace) -> None:
    ingest.run(ws)
    with open(ws.ingest_dir / "segments.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [(r["transcript_id"], int(r["start"])) for r in rows]
    assert keys == sorted(keys)
    assert len({r["segment_id"] for r in rows}) == len(rows)
