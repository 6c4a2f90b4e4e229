"""A .docx transcript or an .xlsx coder sheet that unpacks to gigabytes is refused from its directory alone."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from conftest import invoke, make_workspace


def _bomb(parts: dict[str, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, size in parts.items():
            package.writestr(name, b"0" * size)
    return out.getvalue()


def test_docx_zip_bomb_is_skipped_by_name(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    (root / "data/transcripts/P9_bomb.docx").write_bytes(_bomb({"word/document.xml": 60 * 1024 * 1024}))
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 1
    assert "P9_bomb.docx: is refused as a possible zip bomb" in " ".join(result.output.split())


def test_xlsx_zip_bomb_sheet_is_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    units = root / "analysis/02-code/units.xlsx"
    units.parent.mkdir(parents=True, exist_ok=True)
    units.write_bytes(_bomb({"xl/worksheets/sheet1.xml": 60 * 1024 * 1024}))
    result = invoke(runner, "code", "--workspace", str(root))
    assert result.exit_code == 2
    assert "refused as a possible zip bomb" in result.output


def _understated(name: str, size: int, declared: int) -> bytes:
    """A zip whose member inflates to `size` bytes but whose headers say `declared`."""
    import struct

    data = bytearray(_bomb({name: size}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        at = data.find(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", declared)
    return bytes(data)


def test_a_member_that_understates_its_size_is_read_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    import pytest

    from themeflow.errors import InputError
    from themeflow.qdpx.archive import open_archive

    path = tmp_path / "lie.qdpx"
    path.write_bytes(_understated("Sources/a.txt", 150 * 1024 * 1024, 1000))
    archive = open_archive(path)  # the headers look harmless
    tracemalloc.start()
    with pytest.raises(InputError, match="is damaged"):
        archive.read("Sources/a.txt")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_a_docx_part_that_understates_its_size_is_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    (root / "data/transcripts/P9_lie.docx").write_bytes(_understated("word/document.xml", 80 * 1024 * 1024, 2000))
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 1
    assert "P9_lie.docx: is refused: a part is damaged or larger than it says" in " ".join(result.output.split())
