"""Importing REFI-QDA files that real programs wrote (NVivo, MAXQDA, ATLAS.ti, qc, Taguette).

The files live in ../shared/refi-qda/samples (never in this repository: several have no licence and some hold
real people's words); these tests skip where that folder is absent. Counts are those in its SOURCE.md.
"""

from __future__ import annotations

import pytest

from test_qdpx_helpers import shared_dir
from themeflow import codebook as codebook_mod
from themeflow import sheet as sheet_mod
from themeflow import workspace
from themeflow.qdpx import import_qdc, import_qdpx
from themeflow.qdpx.reader import load_project

SHARED = shared_dir()
SAMPLES = SHARED / "refi-qda" / "samples" if SHARED else None
pytestmark = pytest.mark.skipif(
    SAMPLES is None or not SAMPLES.is_dir(),
    reason="../shared/refi-qda/samples is absent (set THEMEFLOW_SHARED to run these)",
)


def _count(codes) -> int:
    return sum(1 + _count(c.children) for c in codes)


@pytest.mark.parametrize(
    ("name", "sources", "codes", "codings"),
    [
        ("oltas.qdpx", 1, 60, 97),
        ("oltas0517.qdpx", 2, 152, 303),
        ("OltasSzkepticizmus_17June.qdpx", 2, 152, 297),
        ("nvivo_project.qdpx", 2, 262, 0),
        ("demo.qdpx", 2, 262, 205),
        ("2025-06-16_ICLS_Conf_Themes_ALL_just10.zip", 10, 307, 0),
        ("Project.qde", 0, 14, 0),  # its .txt sources are not in the repository it came from
        ("target-atlas-project.qdpx", 0, 3, 0),
    ],
)
def test_each_sample_project_reads_with_its_sources_codes_and_codings(name, sources, codes, codings):
    project = load_project(SAMPLES / name)
    assert (len(project.sources), _count(project.codes), len(project.codings)) == (sources, codes, codings)


def _clean_edges(text: str, start: int, end: int) -> bool:
    """Both ends fall on a word boundary (coders rarely drag a selection to mid-word)."""
    left = start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
    right = end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    return left and right


@pytest.mark.parametrize(
    ("name", "clean"), [("oltas.qdpx", 97), ("oltas0517.qdpx", 300), ("OltasSzkepticizmus_17June.qdpx", 294)]
)
def test_nvivo_utf16_positions_become_code_points_that_cut_on_word_boundaries(name, clean):
    # Read as code points, only 60 of 97 / 49 of 303 / 58 of 297 would: the emoji shift every later position.
    project = load_project(SAMPLES / name)
    texts = {s.guid: s.text for s in project.sources}
    assert sum(_clean_edges(texts[c.source_guid], c.start, c.end) for c in project.codings) == clean


def test_the_qc_demo_project_imports_every_coding_as_an_accepted_unit(tmp_path):
    workspace.init(tmp_path / "ws")
    ws = workspace.load(tmp_path / "ws")
    result = import_qdpx(ws, SAMPLES / "demo.qdpx")  # plainTextPath without internal://, lower-case sources/
    assert sorted(p.name for p in ws.transcripts_dir.iterdir()) == ["admin-1.txt", "board_2017.txt"]
    _header, rows = sheet_mod.read_rows(ws.sheet_path)
    assert result.units == len(rows) == 205
    assert {r["decision"] for r in rows} == {"accept"} and {r["coder"] for r in rows} == {"cp"}
    ingested = {p.stem: p.read_text(encoding="utf-8") for p in (ws.ingest_dir / "transcripts").glob("*.txt")}
    assert all(ingested[r["transcript_id"]][int(r["start"]) : int(r["end"])] == r["text"] for r in rows)
    book = codebook_mod.load(workspace.load(ws.root).codebook_file)
    assert {r["code"] for r in rows} <= set(book.code_ids)


def test_the_atlas_project_unfolds_folded_names_and_reports_missing_sources(tmp_path):
    workspace.init(tmp_path / "ws")
    result = import_qdpx(workspace.load(tmp_path / "ws"), SAMPLES / "Project.qde")
    book = codebook_mod.load(result.codebook)
    coke = next(n for n in book.themes if n.label.en == "Coke")
    assert sorted(c.label.en for c in coke.children) == ["diet Coke", "full-fat Coke"]
    assert not any("::" in n.label.en for n in book.walk())
    assert sum("its text is not in the file" in s for s in result.skipped) == 6
    assert result.units == 0


def test_an_nvivo_project_whose_sources_are_empty_imports_its_codebook_only(tmp_path):
    workspace.init(tmp_path / "ws")
    result = import_qdpx(workspace.load(tmp_path / "ws"), SAMPLES / "nvivo_project.qdpx")
    assert result.transcripts == [] and result.units == 0
    assert sum("its text is empty" in s for s in result.skipped) == 2
    assert len(codebook_mod.load(result.codebook).walk()) == 262


def test_the_taguette_codebook_with_an_empty_sets_element_imports(tmp_path):
    workspace.init(tmp_path / "ws")
    result = import_qdc(workspace.load(tmp_path / "ws"), SAMPLES / "codebook.qdc")
    assert [n.label.en for n in codebook_mod.load(result.codebook).codes] == [
        "xsd:element name",
        "CodeBook",
        "Variables",
    ]
