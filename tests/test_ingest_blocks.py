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
