"""Stage 04 behaviour QA testers found missing: unlocated manual units, unknown attribution columns, the sheet
open in Excel, participants never interviewed, and reports of studies ingested without de-identification."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from test_themes_fixtures import DEFAULT_UNITS, make_workspace, unit
from themeflow import themes, workspace
from themeflow.cli.app import app


def invoke(root: Path, *args: str):  # noqa: ANN201
    return CliRunner().invoke(app, [*args, "--workspace", str(root)])


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _outputs(root: Path) -> dict[str, bytes]:
    folder = root / "analysis" / "04-themes"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "stage.json"}


# --- manual units `code` has not located yet --------------------------------------------------------


def _with_unlocated_manual_unit(text: str) -> list[dict[str, str]]:
    """A row people added (empty unit_id, no offsets yet), accepted."""
    manual = unit("", "P01", "T1.1", text, coder="王老师", status="")
    manual.update(start="", end="")
    return [*DEFAULT_UNITS, manual]


def test_themes_refuses_a_manual_unit_code_has_not_located_yet(tmp_path: Path) -> None:
    # "我们" is not in P01's transcript: `themeflow code` would refuse it, so themes must not count it.
    root = make_workspace(tmp_path, _with_unlocated_manual_unit("我们一起打牌"), sheet_format="xlsx")
    result = invoke(root, "themes")
    assert result.exit_code == 2
    assert (
        "units.xlsx row 10: a manual unit not yet located: run `themeflow code` (or `themeflow run`) first"
        in result.output
    )
    assert "Traceback" not in result.output
    assert not (root / "analysis" / "04-themes").exists()


def test_themes_check_refuses_a_manual_unit_code_has_not_located_yet(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    assert invoke(root, "themes").exit_code == 0
    from test_themes_fixtures import write_sheet

    write_sheet(root, _with_unlocated_manual_unit("心里舒服多了"))  # even text that is there once
    result = invoke(root, "themes", "--check")
    assert result.exit_code == 2
    assert "units.csv row 10: a manual unit not yet located" in result.output


def test_a_located_manual_unit_counts(tmp_path: Path) -> None:
    units = [*DEFAULT_UNITS, unit("m-P01-0001", "P01", "T2.1", "心里舒服多了", status="manual")]
    files = themes.compute(workspace.load(make_workspace(tmp_path, units)))[1]
    rows = {r["code_id"]: r for r in _csv(files["themes.csv"])}
    assert rows["T2.1"]["participants"] == "2/5"


# --- attribution template naming a column the participants file lacks -----------------------------


def test_unknown_attribution_column_is_warned_once_and_left_out(tmp_path: Path) -> None:
    config = 'themes:\n  attribution: "({participant_id}, {education})"\n'
    root = make_workspace(tmp_path, config=config)
    result = invoke(root, "themes")
    assert result.exit_code == 0, result.output
    assert result.output.count('column "education" is not in the participants file') == 1
    assert "participant_id, file, pseudonym, sex, age, diagnosis, interview_date" in result.output
    quotes = _csv((root / "analysis" / "04-themes" / "quotes.csv").read_bytes())
    assert {q["participant_id"]: q["attribution"] for q in quotes}["P1"] == "(P1)"
    assert "education" not in (root / "analysis" / "04-themes" / "summary.md").read_text(encoding="utf-8")


def test_known_attribution_columns_and_the_default_template_give_no_warning(tmp_path: Path) -> None:
    config = 'themes:\n  attribution: "({participant_id}, {transcript_id}, {sex})"\n'
    assert "themes.attribution" not in invoke(make_workspace(tmp_path / "a", config=config), "themes").output
    without_file = make_workspace(tmp_path / "b", participants=False)  # default template: diagnosis, sex absent
    assert "themes.attribution" not in invoke(without_file, "themes").output


# --- the sheet open in Excel / WPS -----------------------------------------------------------------


def test_themes_warns_when_the_sheet_is_open_in_excel_and_writes_the_same_report(tmp_path: Path) -> None:
    closed = make_workspace(tmp_path / "closed", sheet_format="xlsx")
    opened = make_workspace(tmp_path / "open", sheet_format="xlsx")
    (opened / "analysis" / "02-code" / "~$units.xlsx").write_bytes(b"\x00owner")
    result = invoke(opened, "themes")
    assert result.exit_code == 0, result.output
    assert "units.xlsx is open in Excel/WPS: unsaved edits are not included" in result.output
    assert invoke(closed, "themes").exit_code == 0
    assert _outputs(opened) == _outputs(closed)  # the warning is for the person, not in the artefacts
    check = invoke(opened, "themes", "--check")
    assert check.exit_code == 0, check.output
    assert "units.xlsx is open in Excel/WPS" in check.output


def test_themes_is_quiet_about_excel_when_the_sheet_is_closed(tmp_path: Path) -> None:
    result = invoke(make_workspace(tmp_path, sheet_format="xlsx"), "themes")
    assert result.exit_code == 0
    assert "Excel" not in result.output


# --- participants listed but never interviewed -----------------------------------------------------


def test_participants_without_a_transcript_are_not_counted_in_n_and_are_named(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    participants = root / "analysis" / "01-ingest" / "participants.csv"
    participants.write_text(
        participants.read_text(encoding="utf-8") + "P99,P99_访谈.txt,小赵,女,30,抑郁症,2023-06-01\n", encoding="utf-8"
    )
    result = invoke(root, "themes")
    assert result.exit_code == 0, result.output
    assert "participants without a transcript, not counted: P99" in result.output
    out = root / "analysis" / "04-themes"
    rows = {r["code_id"]: r for r in _csv((out / "themes.csv").read_bytes())}
    assert rows["T1.1"]["participants"] == "2/5" and rows["T1.1"]["N"] == "5"
    table2 = _csv((out / "table2.csv").read_bytes())
    assert table2[0]["summary"] == "5"
    assert {r["category"]: r["n"] for r in table2 if r["characteristic"] == "sex"} == {"男": "3", "女": "2"}
    assert [r["participant_id"] for r in _csv((out / "matrix.csv").read_bytes())] == ["P1", "P2", "P3", "P4", "P5"]


# --- reports of a study ingested without de-identification -----------------------------------------


def _ingest_deid(root: Path, state: str) -> None:
    manifest = root / "analysis" / "01-ingest" / "manifest.json"
    manifest.write_text(json.dumps({"tool": {"deid": state}, "transcripts": {}}), encoding="utf-8")


def test_report_and_summary_carry_a_banner_when_ingest_ran_without_deid(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    _ingest_deid(root, "off")
    assert invoke(root, "themes").exit_code == 0
    out = root / "analysis" / "04-themes"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[0].startswith("> **⚠ NOT DE-IDENTIFIED: do not share this report.**")
    html = (out / "report.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1].lstrip()
    assert body.startswith('<div class="deid-off" role="alert"')
    assert "NOT DE-IDENTIFIED: do not share this report" in body.split("<h1>", 1)[0]


def test_de_identified_reports_have_no_banner(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    _ingest_deid(root, "on")
    assert invoke(root, "themes").exit_code == 0
    out = root / "analysis" / "04-themes"
    assert "NOT DE-IDENTIFIED" not in (out / "summary.md").read_text(encoding="utf-8")
    assert "NOT DE-IDENTIFIED" not in (out / "report.html").read_text(encoding="utf-8")


def test_ingesting_without_deid_makes_the_themes_stage_stale(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    _ingest_deid(root, "on")
    ws = workspace.load(root)
    themes.run(ws)
    assert themes.stale_reasons(ws) == []
    _ingest_deid(root, "off")
    assert themes.stale_reasons(ws) == ["settings changed: ingested_without_deid"]
    assert invoke(root, "themes", "--check").exit_code == 1


def test_an_interviewed_participant_missing_from_the_participants_file_is_counted_with_a_warning(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path)
    participants = root / "analysis" / "01-ingest" / "participants.csv"
    participants.write_text(
        "".join(
            line for line in participants.read_text(encoding="utf-8").splitlines(True) if not line.startswith("P5,")
        ),
        encoding="utf-8",
    )
    result = invoke(root, "themes")
    assert result.exit_code == 0, result.output
    assert "participants with a transcript but not in participants.csv (counted, characteristics missing): P5" in (
        result.output
    )
    table2 = _csv((root / "analysis" / "04-themes" / "table2.csv").read_bytes())
    assert table2[0]["summary"] == "5"
