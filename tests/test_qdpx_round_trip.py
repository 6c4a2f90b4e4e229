"""A themeflow project through REFI-QDA and back: nothing a coder made is lost, and an import only ever goes
into a new workspace (regressions found by QA: merged units, lost memos, units dropped by de-identification,
imports mixed into a study, a workspace created by accident, a folder given as --out)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from test_qdpx_helpers import build_workspace, snapshot, unit
from themeflow import sheet as sheet_mod
from themeflow import workspace
from themeflow.cli.app import app
from themeflow.qdpx import export_qdpx, import_qdpx, offsets
from themeflow.qdpx.xmlcheck import PROJECT_NS

P = f"{{{PROJECT_NS}}}"
SPAN = "平时就是跟大家聊聊天😊，一起吃饭，挺开心的。"


def new_workspace(path: Path, deid_names: list[str] | None = None) -> workspace.Workspace:
    workspace.init(path)
    if deid_names:
        config = path / "themeflow.yaml"
        text = config.read_text(encoding="utf-8").replace("  names: []", f"  names: [{', '.join(deid_names)}]")
        config.write_text(text, encoding="utf-8")
    return workspace.load(path)


def rows_of(ws: workspace.Workspace) -> list[dict[str, str]]:
    return sheet_mod.read_rows(ws.sheet_path)[1]


def import_cli(file: Path, root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(root)])
    return result.exit_code, result.output


# --- two units on one range and code; memos ------------------------------------------------------


def two_units_one_span() -> list[dict[str, str]]:
    """As in QA's study: a unit recoded at the consensus meeting onto the code another unit of the same span
    already has. Both are accepted; each has its own coder and memo."""
    return [
        unit("u0000000001", "P1", SPAN, "T1.1", coder="王老师", memo="典型的日常陪伴"),
        unit("u0000000007", "P1", SPAN, "T1.2", final_code="T1.1", memo="共识会：改为T1.1"),
    ]


def test_two_units_on_one_range_and_code_stay_two_units_each_with_its_memo(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a", two_units_one_span()))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    result = import_qdpx(target, file)
    rows = rows_of(target)
    assert result.units == 2 and result.exit_code == 0
    assert sorted((r["text"], r["code"], r["coder"], r["memo"]) for r in rows) == [
        (SPAN, "T1.1", "", "共识会：改为T1.1"),
        (SPAN, "T1.1", "王老师", "典型的日常陪伴"),
    ]
    assert len({r["unit_id"] for r in rows}) == 2


def test_every_accepted_memo_is_a_note_on_its_own_selection(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a", two_units_one_span()))
    archive = zipfile.ZipFile(export_qdpx(source, tmp_path / "a.qdpx"))
    root = etree.fromstring(archive.read("project.qde"))
    notes = {n.get("guid"): n.find(f"{P}PlainTextContent").text for n in root.iter(f"{P}Note")}
    memo_of = {
        s.get("name"): [notes[r.get("targetGUID")] for r in s.findall(f"{P}NoteRef")]
        for s in root.iter(f"{P}PlainTextSelection")
    }
    assert memo_of == {"u0000000001": ["典型的日常陪伴"], "u0000000007": ["共识会：改为T1.1"]}


def test_an_exact_repeat_of_one_coding_is_still_one_unit(tmp_path):
    # What the old merge was for: a program writing the very same coding twice is one unit, not two.
    source = workspace.load(build_workspace(tmp_path / "a", [unit("u0000000001", "P1", SPAN, "T1.1")]))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    project = zipfile.ZipFile(file).read("project.qde").decode("utf-8")
    start = project.index("<PlainTextSelection")
    end = project.index("</PlainTextSelection>") + len("</PlainTextSelection>")
    copy = re.sub(r'guid="(.)', lambda m: 'guid="' + ("1" if m.group(1) == "0" else "0"), project[start:end])
    repeated = project[:end] + copy + project[end:]
    members = {n: zipfile.ZipFile(file).read(n) for n in zipfile.ZipFile(file).namelist()}
    members["project.qde"] = repeated.encode("utf-8")
    with zipfile.ZipFile(tmp_path / "twice.qdpx", "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    target = new_workspace(tmp_path / "b")
    assert import_qdpx(target, tmp_path / "twice.qdpx").units == 1


# --- translation and quote -------------------------------------------------------------------------


def test_translation_and_quote_travel_as_headed_notes_and_come_back_into_their_columns(tmp_path):
    units = [
        unit("u0000000001", "P1", SPAN, "T1.1", memo="典型", translation="Just chatting with everyone", quote="yes"),
        unit("u0000000002", "P1", "不用掩饰，大家都一样，我可以做真实的自己。", "T1.2"),
    ]
    source = workspace.load(build_workspace(tmp_path / "a", units, ("translation", "quote")))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    root = etree.fromstring(zipfile.ZipFile(file).read("project.qde"))
    texts = sorted(n.find(f"{P}PlainTextContent").text for n in root.iter(f"{P}Note"))
    assert texts == ["【quote】\nyes", "【translation】\nJust chatting with everyone", "典型"]
    target = new_workspace(tmp_path / "b")
    import_qdpx(target, file)
    header, rows = sheet_mod.read_rows(target.sheet_path)
    assert "translation" in header and "quote" in header
    by_code = {r["code"]: (r["memo"], r["translation"], r["quote"]) for r in rows}
    assert by_code == {"T1.1": ("典型", "Just chatting with everyone", "yes"), "T1.2": ("", "", "")}


# --- de-identification by the importing workspace --------------------------------------------------


def test_a_unit_with_a_name_the_importing_workspace_replaces_is_carried_onto_the_pseudonym(tmp_path):
    # The exporting workspace kept 𠮷姐 (deid.keep does not travel); the importing one replaces it.
    source = workspace.load(build_workspace(tmp_path / "a"))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b", deid_names=["𠮷姐"])
    code, output = import_cli(file, target.root)
    assert code == 0, output
    ingested = (target.ingest_dir / "transcripts" / "P2.txt").read_text(encoding="utf-8")
    assert "𠮷姐" not in ingested
    rows = rows_of(target)
    assert len(rows) == 4
    moved = next(r for r in rows if r["transcript_id"] == "P2" and r["code"] == "T2.1")
    assert moved["text"].endswith("跟我说吃药以后会犯困，要坚持。") and "𠮷姐" not in moved["text"]
    assert moved["text"].startswith("[") and moved["coder"] == "王老师"
    for row in rows:  # offsets are the truth in the de-identified text too
        text = (target.ingest_dir / "transcripts" / f"{row['transcript_id']}.txt").read_text(encoding="utf-8")
        assert text[int(row["start"]) : int(row["end"])] == row["text"]


def test_a_coding_that_cannot_be_placed_makes_the_import_exit_1_naming_it(tmp_path, monkeypatch):
    source = workspace.load(build_workspace(tmp_path / "a"))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b", deid_names=["𠮷姐"])
    monkeypatch.setattr(offsets.ReplacementMap, "build", classmethod(lambda cls, *args: None))
    code, output = import_cli(file, target.root)
    assert code == 1, output
    assert "P2.txt: the T2.1 coding “𠮷姐跟我说吃药以后会犯困，要坚持。”" in output
    assert "not imported; add it by hand" in output
    assert len(rows_of(target)) == 3  # the others are imported


@pytest.mark.parametrize(
    ("before", "replaced", "originals", "span", "expected"),
    [
        ("我和王小明聊天。", "我和[人名1]聊天。", ["王小明"], (2, 7), (2, 9)),  # from the name on
        ("我和王小明聊天。", "我和[人名1]聊天。", ["王小明"], (3, 7), (2, 9)),  # starts inside it
        ("我和王小明聊天。", "我和[人名1]聊天。", [], (5, 7), (7, 9)),  # after it, original unknown
        ("王小明李四来了", "[人名1][人名2]来了", ["王小明"], (0, 7), (0, 12)),  # side by side
    ],
)
def test_positions_map_through_de_identification(before, replaced, originals, span, expected):
    spans = []
    cursor = 0
    while (at := replaced.find("[", cursor)) != -1:
        close = replaced.index("]", at) + 1
        spans.append((at, close, originals if not spans else ["李四"]))
        cursor = close
    mapping = offsets.ReplacementMap.build(before, replaced, spans)
    assert mapping is not None
    assert (mapping.start(span[0]), mapping.end(span[1])) == expected


def test_a_replacement_map_that_does_not_fit_the_texts_is_none():
    assert offsets.ReplacementMap.build("我和王小明聊天。", "他和[人名1]聊天。", [(2, 7, ["王小明"])]) is None


# --- where an import may go --------------------------------------------------------------------------


def test_import_into_a_workspace_with_transcripts_is_refused_and_writes_nothing(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    (target.transcripts_dir / "P01.txt").write_text("访谈者：你好。\n受访者：你好。\n", encoding="utf-8")
    before = snapshot(target.root)
    code, output = import_cli(file, target.root)
    assert code == 2
    assert "already has transcripts (data/transcripts: 1 files)" in output
    assert f"import into a new workspace: themeflow init NEW && themeflow import qdpx {file} -w NEW" in output
    assert snapshot(target.root) == before
    assert "codebook: codebooks/codebook.yaml" in (target.root / "themeflow.yaml").read_text(encoding="utf-8")


def test_import_into_a_workspace_with_a_coder_sheet_is_refused_and_writes_nothing(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    target.code_dir.mkdir(parents=True)
    (target.code_dir / "units.csv").write_text(",".join(sheet_mod.SHEET_COLUMNS) + "\n", encoding="utf-8")
    before = snapshot(target.root)
    code, output = import_cli(file, target.root)
    assert code == 2 and "a coder sheet (analysis/02-code/units.csv)" in output
    assert snapshot(target.root) == before


def test_import_into_a_folder_that_is_not_a_workspace_is_refused_and_creates_nothing(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    folder = tmp_path / "plain"
    folder.mkdir()
    code, output = import_cli(file, folder)
    assert code == 2
    assert "not a themeflow workspace (no themeflow.yaml): run `themeflow init DIR` first" in output
    assert list(folder.iterdir()) == []


def test_import_keeps_a_codebook_the_workspace_names_and_says_where_the_imported_one_is(tmp_path):
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a")), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    config = target.root / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "codebook: codebooks/codebook.yaml", "codebook: codebooks/mine.yaml"
        ),
        encoding="utf-8",
    )
    (target.root / "codebooks" / "codebook.yaml").rename(target.root / "codebooks" / "mine.yaml")
    result = import_qdpx(workspace.load(target.root), file)
    assert workspace.load(target.root).codebook_file == target.root / "codebooks" / "mine.yaml"
    assert result.codebook == target.root / "codebooks" / "imported.yaml"
    assert any("keeps `codebook: codebooks/mine.yaml`" in w for w in result.warnings)
    assert result.units == 4


# --- export --out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["qdpx", "qdc"])
def test_export_to_an_existing_folder_exits_2_and_writes_nothing(tmp_path, kind):
    root = build_workspace(tmp_path / "s")
    folder = tmp_path / f"out.{kind}"
    folder.mkdir()
    result = CliRunner().invoke(app, ["export", kind, "--out", str(folder), "-w", str(root)])
    assert result.exit_code == 2, result.output
    assert f"{folder}: is a folder; export writes one file" in result.output
    assert f"--out {folder / ('study.' + kind)}" in result.output
    assert list(folder.iterdir()) == []


def test_participant_ids_travel_as_written(tmp_path):
    root = build_workspace(tmp_path / "a", two_units_one_span())
    participants = root / "analysis" / "01-ingest" / "participants.csv"
    participants.write_text(participants.read_text(encoding="utf-8").replace("P1,", "P01,"), encoding="utf-8")
    file = export_qdpx(workspace.load(root), tmp_path / "a.qdpx")
    target = new_workspace(tmp_path / "b")
    import_qdpx(target, file)
    imported = (tmp_path / "b" / "data" / "participants.csv").read_text(encoding="utf-8")
    assert "\nP01," in imported and "\nP1," not in imported


def test_an_accepted_unit_left_out_of_an_export_exits_1_and_says_why(tmp_path):
    orphan = unit("u0000000009", "P1", SPAN, "T1.1", status="orphaned")
    orphan["text"] = "这句话已经不在访谈里了。"
    root = build_workspace(tmp_path / "a", two_units_one_span() + [orphan])
    result = CliRunner().invoke(app, ["export", "qdpx", "--out", str(tmp_path / "a.qdpx"), "-w", str(root)])
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "not exported:" in out and "orphaned" in out


def test_a_source_missing_from_the_archive_makes_the_import_exit_1(tmp_path):
    source = workspace.load(build_workspace(tmp_path / "a", two_units_one_span()))
    file = export_qdpx(source, tmp_path / "a.qdpx")
    damaged = tmp_path / "damaged.qdpx"
    with zipfile.ZipFile(file) as original, zipfile.ZipFile(damaged, "w") as copy:
        for item in original.infolist():
            if not item.filename.lower().startswith("sources/"):
                copy.writestr(item, original.read(item.filename))
    new_workspace(tmp_path / "b")
    code, output = import_cli(damaged, tmp_path / "b")
    assert code == 1
    assert "its codings are not imported" in " ".join(output.split())


def test_a_consensus_decided_by_two_coders_exports_two_users(tmp_path):
    units = [unit("u0000000001", "P1", SPAN, "T1.1", coder="王老师, 李老师")]
    file = export_qdpx(workspace.load(build_workspace(tmp_path / "a", units)), tmp_path / "a.qdpx")
    with zipfile.ZipFile(file) as package:
        project = package.read("project.qde").decode("utf-8")
    names = re.findall(r'<User [^>]*name="([^"]+)"', project)
    assert "王老师" in names and "李老师" in names and "王老师, 李老师" not in names
