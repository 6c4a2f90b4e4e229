"""Incremental ingest copies unchanged transcripts' rows through unparsed: the result must equal a run from
scratch, and a damaged segments.csv must be rebuilt, never trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import TRANSCRIPT_A, TRANSCRIPT_B, invoke, make_workspace


def _texts() -> dict[str, str]:
    return {
        "P1_a.txt": TRANSCRIPT_A,
        "P2_b.txt": TRANSCRIPT_B,
        "P3,逗号.txt": TRANSCRIPT_B.replace("孤单", "寂寞"),  # a comma in the name: its ids are quoted in the CSV
    }


def test_incremental_run_equals_a_run_from_scratch(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "inc", _texts())
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    changed = root / "data/transcripts/P2_b.txt"
    changed.write_text(TRANSCRIPT_B + "问：最后呢？\n答：挺好的。\n", encoding="utf-8")
    result = invoke(runner, "ingest", "--workspace", str(root), "--json")
    assert '"reused": [\n    "P1_a",\n    "P3,逗号"\n  ]' in result.output

    fresh = make_workspace(tmp_path / "fresh", _texts())
    shutil.copy(changed, fresh / "data/transcripts/P2_b.txt")
    assert invoke(runner, "ingest", "--workspace", str(fresh)).exit_code == 0
    for name in ("segments.csv", "manifest.json"):
        assert (root / "analysis/01-ingest" / name).read_bytes() == (fresh / "analysis/01-ingest" / name).read_bytes()


def test_damaged_segments_csv_is_rebuilt(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws", _texts())
    invoke(runner, "ingest", "--workspace", str(root))
    segments = root / "analysis/01-ingest/segments.csv"
    good = segments.read_bytes()
    lines = good.decode("utf-8").splitlines(keepends=True)
    segments.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")  # a row lost
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert segments.read_bytes() == good


def test_blocks_cut_by_size_count_and_id_or_else_parsed(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The stages after ingest cut each transcript's rows out of segments.csv by the byte sizes the manifest
    records; a manifest without sizes (older runs) cuts by line counts; any mismatch parses the file. All three
    give the same rows."""
    import json

    from themeflow.ingest.artefacts import read_blocks

    root = make_workspace(tmp_path / "ws", _texts())
    invoke(runner, "ingest", "--workspace", str(root))
    ingest_dir = root / "analysis/01-ingest"
    expected = {tid: block.rows for tid, block in read_blocks(ingest_dir).items()}
    assert sorted(expected) == ["P1_a", "P2_b", "P3,逗号"] and all(expected.values())
    manifest_path = ingest_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    sizes = {tid: entry["segments_bytes"] for tid, entry in manifest["transcripts"].items()}
    header = len("segment_id,transcript_id,participant_id,turn,speaker,role,start,end,text,tokens\n")
    assert header + sum(sizes.values()) == (ingest_dir / "segments.csv").stat().st_size

    def rows_with(change, cut: bool) -> dict[str, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
        edited = json.loads(json.dumps(manifest))
        change(edited["transcripts"])
        manifest_path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
        blocks = read_blocks(ingest_dir)
        assert all((block.raw is not None) == cut for block in blocks.values()), "cut out, not parsed" if cut else ""
        assert all(block.count == len(block.rows) for block in blocks.values())
        return {tid: block.rows for tid, block in blocks.items()}

    assert rows_with(lambda entries: None, cut=True) == expected
    assert rows_with(lambda entries: [entry.pop("segments_bytes") for entry in entries.values()], cut=True) == expected
    assert rows_with(lambda entries: entries["P1_a"].update(segments_bytes=sizes["P1_a"] - 1), cut=False) == expected
    wrong_count = manifest["transcripts"]["P2_b"]["segments"] + 1
    assert rows_with(lambda entries: entries["P2_b"].update(segments=wrong_count), cut=False) == expected


def test_blocks_ingest_just_wrote_are_reused_only_while_the_file_is_untouched(tmp_path: Path) -> None:
    """In one process (`themeflow run`), the code stage takes the blocks ingest just wrote instead of reading
    segments.csv again, unless the file was rewritten since, even to the same size."""
    from themeflow import ingest, workspace
    from themeflow.fsio import sha256_file
    from themeflow.ingest.artefacts import read_blocks_and_digest

    root = make_workspace(tmp_path / "ws", _texts())
    ingest.run(workspace.load(root))
    path = root / "analysis/01-ingest/segments.csv"
    blocks, digest = read_blocks_and_digest(path.parent)
    assert digest == sha256_file(path) and sorted(blocks) == ["P1_a", "P2_b", "P3,逗号"]
    assert all(block.raw is not None and block._rows is None for block in blocks.values())
    data = path.read_bytes()
    edited = data.replace("孤单".encode(), "孤独".encode())
    assert edited != data and len(edited) == len(data)
    path.write_bytes(edited)
    blocks, digest = read_blocks_and_digest(path.parent)
    assert digest == sha256_file(path)
    assert any("孤独" in row["text"] for row in blocks["P2_b"].rows)


def test_segments_edited_to_the_same_size_are_rebuilt_not_trusted(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A re-run skips hashing segments.csv only while it is the very file the last run wrote (its identity is
    kept privately); one changed in place, even to the same size, is hashed, found changed and rebuilt."""
    root = make_workspace(tmp_path / "ws", _texts())
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert (root / ".themeflow/cache/ingest-outputs.json").exists()
    segments = root / "analysis/01-ingest/segments.csv"
    good = segments.read_bytes()
    position = good.index("孤单".encode())
    with open(segments, "r+b") as handle:  # in place: same inode, same size
        handle.seek(position)
        handle.write("寂寞".encode())
    assert segments.read_bytes() != good and len(segments.read_bytes()) == len(good)
    result = invoke(runner, "ingest", "--workspace", str(root), "--json")
    assert result.exit_code == 0 and '"reused": []' in result.output
    assert segments.read_bytes() == good
