"""Files people have that ingest cannot read are reported by name, and a configured participants file that
is missing is said so (all text synthetic)."""

from __future__ import annotations

from pathlib import Path

from conftest import invoke, make_workspace


def test_old_word_and_pdf_files_are_reported_not_ignored(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    (root / "data/transcripts/P3_旧格式.doc").write_bytes(b"\xd0\xcf\x11\xe0old word")
    (root / "data/transcripts/P4_扫描.pdf").write_bytes(b"%PDF-1.4")
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "P3_旧格式.doc: Word 97-2003 .doc is not supported: save it as .docx" in out
    assert "P4_扫描.pdf: PDF is not supported" in out


def test_configured_participants_file_that_is_missing_is_a_warning(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    config = root / "themeflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "participants: data/people.csv\n", encoding="utf-8")
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 0
    assert "participants file data/people.csv (set in themeflow.yaml) not found" in " ".join(result.output.split())
    quiet = invoke(runner, "ingest", "--workspace", str(root), "--quiet")
    assert "warning" not in quiet.output
