"""`themeflow import qdpx|qdc`: round trip, files as other programs write them, NVivo positions, codebooks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import yaml
from typer.testing import CliRunner

from test_qdpx_helpers import TRANSCRIPTS, UNITS, build_workspace, snapshot
from themeflow import codebook as codebook_mod
from themeflow import sheet as sheet_mod
from themeflow import workspace
from themeflow.cli.app import app
from themeflow.qdpx import export_qdc, export_qdpx, import_qdc, import_qdpx

NS = 'xmlns="urn:QDA-XML:project:1.0"'
G = "00000000-0000-4000-8000-{:012d}"  # readable GUIDs for hand-written projects


def new_workspace(path: Path) -> workspace.Workspace:
    workspace.init(path)
    return workspace.load(path)


def qdpx(path: Path, project: str, members: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project.encode("utf-8"))
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return path


def accepted(ws: workspace.Workspace) -> list[tuple[str, int, int, str, str, str, str]]:
    _header, rows = sheet_mod.read_rows(ws.sheet_path)
    ingested = {p.stem: p.read_text(encoding="utf-8") for p in (ws.ingest_dir / "transcripts").glob("*.txt")}
    out = []
    for row in rows:
        if sheet_mod.normalise_decision(row["decision"]) != "accept":
            continue
        start, end = int(row["start"]), int(row["end"])
        assert ingested[row["transcript_id"]][start:end] == row["text"]  # offsets are the truth
        out.append(
            (
                row["transcript_id"],
                start,
                end,
                row["text"],
                sheet_mod.effective_code(row),
                row["coder"],
                row["memo"],
            )
        )
    return sorted(out)


def test_an_exported_project_round_trips_transcripts_units_codes_and_coders(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a"))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    result = import_qdpx(target, file)
    target = workspace.load(target.root)
    for tid, text in TRANSCRIPTS.items():
        assert (target.transcripts_dir / f"{tid}.txt").read_text(encoding="utf-8") == text
        assert (target.ingest_dir / "transcripts" / f"{tid}.txt").read_text(encoding="utf-8") == text
    expected = sorted(
        (
            u["transcript_id"],
            int(u["start"]),
            int(u["end"]),
            u["text"],
            sheet_mod.effective_code(u),
            u["coder"],
            u["memo"],
        )
        for u in UNITS
        if sheet_mod.normalise_decision(u["decision"]) == "accept"
    )
    assert accepted(target) == expected
    assert result.units == 4 and result.cases == 3
    assert target.codebook_file == target.root / "codebooks" / "imported.yaml"
    assert codebook_mod.load(target.codebook_file).code_ids == ["T1.1", "T1.2", "T2.1"]


def test_imported_units_are_manual_accepted_and_attributed_to_participants(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    import_qdpx(target, file)
    _header, rows = sheet_mod.read_rows(target.sheet_path)
    assert {(r["status"], r["decision"]) for r in rows} == {("manual", "accept")}
    assert {r["transcript_id"]: r["participant_id"] for r in rows} == {"P1": "P1", "P2": "P2"}
    assert all(r["unit_id"].startswith("m") for r in rows)
    people = (target.root / "data" / "participants.csv").read_text(encoding="utf-8")
    assert people.splitlines()[:2] == [
        "participant_id,file,sex,age,diagnosis,interview_date",
        "P1,P1.txt,女,45,精神分裂症,2023-05-01",
    ]


def test_importing_the_same_project_twice_is_refused_and_adds_nothing(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    import_qdpx(target, file)
    before = snapshot(target.root)
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(target.root)])
    assert result.exit_code == 2
    assert "already has transcripts" in result.output and "themeflow init NEW" in result.output
    assert snapshot(target.root) == before
    assert len(sheet_mod.read_rows(target.sheet_path)[1]) == 4


QUALCODER_STYLE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="同伴支持访谈" origin="QualCoder 3.5">
  <Users><User guid="{G.format(1)}" name="张老师"/></Users>
  <CodeBook><Codes>
    <Code guid="{G.format(10)}" name="T1 重建社交网络" isCodable="true">
      <Description>通过同伴重建社交网络。</Description>
      <Code guid="{G.format(11)}" name="T1.1 普通的人际联结" isCodable="true"/>
      <Code guid="{G.format(12)}" name="做真实的自己" isCodable="true" color="#3366cc"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{G.format(20)}" name="受访者01.docx" plainTextPath="受访者01.txt">
      <PlainTextSelection guid="{G.format(30)}" startPosition="12" endPosition="23" creatingUser="{G.format(1)}">
        <Coding guid="{G.format(40)}"><CodeRef targetGUID="{G.format(11)}"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{G.format(21)}" name="受访者02">
      <PlainTextContent>访谈者：你们平时聊什么？
受访者：什么都聊，在这里我不用掩饰自己。</PlainTextContent>
      <PlainTextSelection guid="{G.format(31)}" startPosition="22" endPosition="33">
        <Coding guid="{G.format(41)}" creatingUser="{G.format(1)}"><CodeRef targetGUID="{G.format(12)}"/></Coding>
        <Coding guid="{G.format(42)}" creatingUser="{G.format(1)}"><CodeRef targetGUID="{G.format(10)}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
QUALCODER_TEXT = "访谈者：你好。\n受访者：我每天都来中心聊聊天。\n"


def test_a_qualcoder_style_project_imports_sources_nested_codes_and_codings(tmp_path):
    file = qdpx(tmp_path / "qc.qdpx", QUALCODER_STYLE, {"sources/受访者01.txt": QUALCODER_TEXT.encode("utf-8")})
    ws = new_workspace(tmp_path / "ws")
    result = import_qdpx(ws, file)
    ws = workspace.load(ws.root)
    assert sorted(p.name for p in ws.transcripts_dir.iterdir()) == ["受访者01.txt", "受访者02.txt"]
    book = codebook_mod.load(ws.codebook_file)
    tree = {n.id: (n.parent, n.label.zh) for n in book.walk()}
    # ids from the names where they lead them, C1 otherwise; a coding on a parent goes to its added `.0` leaf
    assert tree == {
        "T1": ("", "重建社交网络"),
        "T1.0": ("T1", "重建社交网络（总体 general）"),
        "T1.1": ("T1", "普通的人际联结"),
        "C1": ("T1", "做真实的自己"),
    }
    assert book.node("T1").definition.zh == "通过同伴重建社交网络。"
    assert book.node("C1").color == "#3366CC"
    units = [(u[0], u[3], u[4], u[5]) for u in accepted(ws)]
    assert units == [
        ("受访者01", "我每天都来中心聊聊天。", "T1.1", "张老师"),
        ("受访者02", "在这里我不用掩饰自己。", "C1", "张老师"),
        ("受访者02", "在这里我不用掩饰自己。", "T1.0", "张老师"),
    ]
    assert result.units == 3
    unit_ids = [r["unit_id"] for r in sheet_mod.read_rows(ws.sheet_path)[1]]
    assert len(set(unit_ids)) == 3  # one range under two codes is two units with two ids


def _nvivo_windows_project(text: str, start16: int, end16: int) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="Untitled" origin="NVivo for Windows 12.6">
  <Users><User guid="{G.format(1)}" name="陈老师"/></Users>
  <CodeBook><Codes><Code guid="{G.format(10)}" name="服药经验" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{G.format(20)}" name="P07 访谈" plainTextPath="internal://{G.format(20)}.txt">
      <PlainTextSelection guid="{G.format(30)}" name="" startPosition="{start16}" endPosition="{end16}">
        <Description />
        <Coding guid="{G.format(40)}" creatingUser="{G.format(1)}"><CodeRef targetGUID="{G.format(10)}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""


def test_nvivo_positions_in_utf16_units_with_crlf_become_exact_code_point_units(tmp_path):
    text = "访谈者：最近怎么样？😊😊\r\n受访者：𠮷姐教我按时吃药，现在睡得好多了。\r\n"
    quote = "按时吃药，现在睡得好多了。"
    start = text.index(quote)
    start16 = len(text[:start].encode("utf-16-le")) // 2  # the two emoji and 𠮷 each count twice, CRLF twice
    end16 = start16 + len(quote.encode("utf-16-le")) // 2
    assert start16 - start == 3
    file = qdpx(
        tmp_path / "nvivo.qdpx",
        _nvivo_windows_project(text, start16, end16),
        {f"Sources/{G.format(20)}.txt": b"\xef\xbb\xbf" + text.encode("utf-8")},
    )
    ws = new_workspace(tmp_path / "ws")
    import_qdpx(ws, file)
    [(transcript, _s, _e, unit_text, code, coder, _memo)] = accepted(workspace.load(ws.root))
    assert (transcript, unit_text, code, coder) == ("P07_访谈", quote, "C1", "陈老师")


def test_a_selection_beyond_the_utf16_length_of_an_nvivo_source_is_refused(tmp_path):
    text = "受访者：好的😊\r\n"
    file = qdpx(
        tmp_path / "nvivo.qdpx",
        _nvivo_windows_project(text, 2, 12),
        {f"Sources/{G.format(20)}.txt": text.encode("utf-8")},
    )
    ws = new_workspace(tmp_path / "ws")
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(ws.root)])
    assert result.exit_code == 2
    assert "selection 2–12 of source 'P07 访谈' lies outside its text (10 UTF-16 units)" in result.output


def test_qdc_round_trip_keeps_ids_hierarchy_and_macqueen_parts(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a"))
    file = export_qdc(source, tmp_path / "book.qdc")
    target = new_workspace(tmp_path / "b")
    result = import_qdc(target, file)
    before = codebook_mod.load(source.code_dir / "codebook.yaml")
    after = codebook_mod.load(result.codebook)
    assert result.codebook == target.root / "codebooks" / "imported.yaml"
    fields = ("id", "parent", "label", "definition", "when_to_use", "when_not_to_use", "examples")
    assert [[getattr(n, f) for f in fields] for n in after.walk()] == [
        [getattr(n, f) for f in fields] for n in before.walk()
    ]
    assert all(not n.keywords for n in after.walk())  # cues stay empty


def test_atlas_folded_names_unfold_into_a_hierarchy(tmp_path):
    book = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti 8.4.0"><Codes>
  <Code guid="{G.format(1)}" name="家庭::父母" isCodable="true"/>
  <Code guid="{G.format(2)}" name="家庭::配偶" isCodable="true"/>
  <Code guid="{G.format(3)}" name="工作" isCodable="true"/>
</Codes></CodeBook>"""
    (tmp_path / "atlas.qdc").write_text(book, encoding="utf-8")
    ws = new_workspace(tmp_path / "ws")
    result = import_qdc(ws, tmp_path / "atlas.qdc")
    imported = codebook_mod.load(result.codebook)
    assert [(n.id, n.parent, n.label.zh) for n in imported.walk()] == [
        ("C1", "", "家庭"),
        ("C2", "C1", "父母"),
        ("C3", "C1", "配偶"),
        ("C4", "", "工作"),
    ]


def test_importing_a_codebook_never_overwrites_an_edited_one(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a"))
    file = export_qdc(source, tmp_path / "book.qdc")
    ws = new_workspace(tmp_path / "ws")
    (ws.root / "codebooks" / "imported.yaml").write_text("# edited by hand\n", encoding="utf-8")
    result = import_qdc(ws, file)
    assert result.codebook.name == "imported-2.yaml"
    assert (ws.root / "codebooks" / "imported.yaml").read_text(encoding="utf-8") == "# edited by hand\n"


def test_cli_import_qdc_reports_codes_and_path(tmp_path):
    file = export_qdc(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "book.qdc")
    ws = new_workspace(tmp_path / "ws")
    result = CliRunner().invoke(app, ["import", "qdc", str(file), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "imported 3 codes" in result.output
    data = yaml.safe_load((ws.root / "codebooks" / "imported.yaml").read_text(encoding="utf-8"))
    assert [t["id"] for t in data["themes"]] == ["T1", "T2"]


def test_a_bare_project_qde_without_sources_imports_its_codebook(tmp_path):
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="只有编码本" origin="ATLAS.ti 23"><CodeBook><Codes>
  <Code guid="{G.format(1)}" name="T1 支持" isCodable="true"><Code guid="{G.format(2)}" name="T1.1 陪伴" isCodable="true"/></Code>
</Codes></CodeBook></Project>"""
    (tmp_path / "project.qde").write_text(project, encoding="utf-8")
    ws = new_workspace(tmp_path / "ws")
    result = import_qdpx(ws, tmp_path / "project.qde")
    assert result.units == 0 and result.sheet is None
    assert codebook_mod.load(result.codebook).code_ids == ["T1.1"]
