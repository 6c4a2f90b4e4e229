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
