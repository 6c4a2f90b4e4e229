"""`themeflow export qdc|qdpx`: schema-valid, offsets exact, only accepted units, deterministic."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from test_qdpx_helpers import TRANSCRIPTS, build_workspace
from themeflow import workspace
from themeflow.cli.app import app
from themeflow.qdpx import export_codebook, export_project, export_qdc, export_qdpx
from themeflow.qdpx.xmlcheck import CODEBOOK_NS, PROJECT_NS, schema

P = f"{{{PROJECT_NS}}}"
C = f"{{{CODEBOOK_NS}}}"


@pytest.fixture()
def ws(tmp_path: Path) -> workspace.Workspace:
    return workspace.load(build_workspace(tmp_path / "study"))


def project_of(path: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    archive = zipfile.ZipFile(path)
    root = etree.fromstring(archive.read("project.qde"))
    assert schema(PROJECT_NS).validate(root), schema(PROJECT_NS).error_log
    return root, archive


def test_qdc_export_is_schema_valid_with_themes_nesting_their_codes(ws, tmp_path):
    out = export_qdc(ws, tmp_path / "codebook.qdc")
    root = etree.parse(str(out)).getroot()
    assert schema(CODEBOOK_NS).validate(root), schema(CODEBOOK_NS).error_log
    themes = root.findall(f"{C}Codes/{C}Code")
    assert [t.get("name") for t in themes] == ["T1 重建社交网络", "T2 应对疾病"]
    assert [c.get("name") for c in themes[0].findall(f"{C}Code")] == [
        "T1.1 普通的人际联结",
        "T1.2 做真实的自己",
    ]


def test_qdc_marks_only_leaves_codable_and_colours_each_theme(ws, tmp_path):
    root = etree.parse(str(export_qdc(ws, tmp_path / "c.qdc"))).getroot()
    codable = {c.get("name").split()[0]: c.get("isCodable") for c in root.iter(f"{C}Code")}
    assert codable == {"T1": "false", "T1.1": "true", "T1.2": "true", "T2": "false", "T2.1": "true"}
    colours = {c.get("name").split()[0]: c.get("color") for c in root.iter(f"{C}Code")}
    assert colours["T2"] == "#AA3300" and colours["T2.1"] == "#AA3300"  # the theme's own colour, inherited
    assert colours["T1"] == colours["T1.1"] != colours["T2"]


def test_qdc_description_carries_macqueen_parts_in_both_languages(ws, tmp_path):
    root = etree.parse(str(export_qdc(ws, tmp_path / "c.qdc"))).getroot()
    code = next(c for c in root.iter(f"{C}Code") if c.get("name").startswith("T1.1"))
    text = code.find(f"{C}Description").text
    for part in (
        "与同伴轻松地相处。",
        "Relaxed everyday companionship",
        "描述聊天、一起吃饭。",
        "Chatting or eating",
        "谈论病情时不用。",
        "平时就是跟大家聊聊天。",
        "An ordinary interpersonal connection",
    ):
        assert part in text


def test_qdpx_export_is_schema_valid_and_holds_each_transcript(ws, tmp_path):
    root, archive = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    sources = root.findall(f"{P}Sources/{P}TextSource")
    assert [s.get("name") for s in sources] == ["P1", "P2"]
    for source in sources:
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        member = "Sources/" + path[len("internal://") :]
        assert archive.read(member).decode("utf-8") == TRANSCRIPTS[source.get("name")]


def test_every_selection_slices_its_source_to_the_unit_text_in_code_points(ws, tmp_path):
    root, archive = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    sliced = []
    for source in root.iter(f"{P}TextSource"):
        text = archive.read("Sources/" + source.get("plainTextPath")[len("internal://") :]).decode("utf-8")
        for selection in source.findall(f"{P}PlainTextSelection"):
            sliced.append(text[int(selection.get("startPosition")) : int(selection.get("endPosition"))])
    assert "平时就是跟大家聊聊天😊，一起吃饭，挺开心的。" in sliced
    assert "𠮷姐跟我说吃药以后会犯困，要坚持。" in sliced


def test_only_accepted_units_are_exported_under_their_recoded_code(ws, tmp_path):
    root, _ = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    code_of = {c.get("guid"): c.get("name").split()[0] for c in root.iter(f"{P}Code")}
    exported = sorted(
        (s.get("name"), code_of[s.find(f"{P}Coding/{P}CodeRef").get("targetGUID")])
        for s in root.iter(f"{P}PlainTextSelection")
    )
    # u4 was rejected and u5 is pending; u3 was recoded T1.1 → T2.1; u6 was accepted as 接受.
    assert exported == [
        ("u0000000001", "T1.1"),
        ("u0000000002", "T1.2"),
        ("u0000000003", "T2.1"),
        ("u0000000006", "T1.1"),
    ]


def test_each_coder_is_a_user_who_created_their_codings(ws, tmp_path):
    root, _ = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert sorted(users.values()) == ["themeflow", "李老师", "王老师"]
    by_unit = {
        s.get("name"): users[s.find(f"{P}Coding").get("creatingUser")] for s in root.iter(f"{P}PlainTextSelection")
    }
    assert by_unit == {
        "u0000000001": "王老师",
        "u0000000002": "李老师",
        "u0000000003": "王老师",
        "u0000000006": "themeflow",
    }


def test_memos_travel_as_notes_referenced_by_their_selection(ws, tmp_path):
    root, _ = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    notes = {n.get("guid"): n.find(f"{P}PlainTextContent").text for n in root.iter(f"{P}Note")}
    selection = next(s for s in root.iter(f"{P}PlainTextSelection") if s.get("name") == "u0000000001")
    assert notes[selection.find(f"{P}NoteRef").get("targetGUID")] == "典型的日常陪伴"
    assert len(notes) == 1


def test_cases_carry_participant_variables_and_their_transcripts(ws, tmp_path):
    root, _ = project_of(export_qdpx(ws, tmp_path / "study.qdpx"))
    variables = {v.get("guid"): (v.get("name"), v.get("typeOfVariable")) for v in root.iter(f"{P}Variable")}
    assert sorted(variables.values()) == [
        ("age", "Integer"),
        ("diagnosis", "Text"),
        ("interview_date", "Date"),
        ("sex", "Text"),
    ]
    sources = {s.get("guid"): s.get("name") for s in root.iter(f"{P}TextSource")}
    cases = {c.get("name"): c for c in root.iter(f"{P}Case")}
    assert sorted(cases) == ["P1", "P2", "P3"]
    values = {
        variables[v.find(f"{P}VariableRef").get("targetGUID")][0]: v[1].text
        for v in cases["P2"].findall(f"{P}VariableValue")
    }
    assert values == {"sex": "男", "age": "52", "diagnosis": "双相情感障碍", "interview_date": "2023-05-08"}
    assert [sources[r.get("targetGUID")] for r in cases["P2"].findall(f"{P}SourceRef")] == ["P2"]
    assert cases["P3"].findall(f"{P}SourceRef") == []  # a participant without a transcript is still a case


def test_same_inputs_export_byte_identical_files(ws, tmp_path):
    first = export_qdpx(ws, tmp_path / "a.qdpx").read_bytes()
    second = export_qdpx(ws, tmp_path / "b.qdpx").read_bytes()
    assert first == second
    assert export_qdc(ws, tmp_path / "a.qdc").read_bytes() == export_qdc(ws, tmp_path / "b.qdc").read_bytes()
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(first)).infolist())


def test_export_result_counts_what_went_in(ws, tmp_path):
    result = export_project(ws, tmp_path / "s.qdpx")
    assert (result.sources, result.codes, result.codings, result.cases) == (2, 5, 4, 3)
    assert export_codebook(ws, tmp_path / "c.qdc").codes == 5


def test_a_unit_whose_text_moved_is_left_out_and_reported(tmp_path):
    from test_qdpx_helpers import UNITS

    moved = [dict(UNITS[0], start="0", end="5")] + UNITS[1:2]
    ws = workspace.load(build_workspace(tmp_path / "s", moved))
    result = export_project(ws, tmp_path / "s.qdpx")
    assert result.codings == 1
    assert "units.xlsx row 2" in result.skipped[0] and "re-anchor" in result.skipped[0]


def test_cli_export_writes_both_files_and_says_so(ws, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["export", "qdpx", "--out", str(tmp_path / "s.qdpx"), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "4 accepted unit(s)" in result.output and (tmp_path / "s.qdpx").exists()
    result = runner.invoke(app, ["export", "qdc", "--out", str(tmp_path / "c.qdc"), "-w", str(ws.root), "--json"])
    assert result.exit_code == 0 and '"codes": 5' in result.output


def test_export_without_a_coder_sheet_exits_2_and_names_the_missing_step(tmp_path):
    root = build_workspace(tmp_path / "s")
    (root / "analysis" / "02-code" / "units.xlsx").unlink()
    result = CliRunner().invoke(app, ["export", "qdpx", "--out", str(tmp_path / "s.qdpx"), "-w", str(root)])
    assert result.exit_code == 2
    assert "no coder sheet yet" in result.output and "themeflow code" in result.output
    assert not (tmp_path / "s.qdpx").exists()


def test_export_refuses_an_accepted_unit_recoded_to_an_unknown_code(tmp_path):
    from test_qdpx_helpers import UNITS

    root = build_workspace(tmp_path / "s", [dict(UNITS[0], final_code="T9.9")])
    result = CliRunner().invoke(app, ["export", "qdpx", "--out", str(tmp_path / "s.qdpx"), "-w", str(root)])
    assert result.exit_code == 2
    assert 'units.xlsx row 2: code "T9.9" is not in the codebook' in result.output
    assert not (tmp_path / "s.qdpx").exists()


def test_control_characters_people_pasted_into_a_memo_do_not_break_the_export(ws, tmp_path):
    from themeflow import sheet as sheet_mod

    header, rows = sheet_mod.read_rows(ws.sheet_path)
    accepted = next(r for r in rows if sheet_mod.normalise_decision(r.get("decision", "")) == "accept")
    accepted["memo"] = "第一行\x0b第二行\x01"
    columns = sheet_mod.ordered_columns(header, rows)
    sheet_mod.write(ws.sheet_path, columns, rows, [], [])
    out = tmp_path / "memo.qdpx"
    export_project(ws, out)
    root, _ = project_of(out)
    assert "第一行\n第二行" in [n.text for n in root.iter(f"{P}PlainTextContent")]
