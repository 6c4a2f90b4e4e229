"""`themeflow themes` end to end on a hand-made workspace: files, determinism, --check, errors, staleness."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from test_themes_fixtures import DEFAULT_UNITS, make_workspace, unit, write_sheet
from themeflow import themes, workspace
from themeflow.cli.app import app

OUTPUTS = {
    "themes.csv",
    "matrix.csv",
    "quotes.csv",
    "table2.csv",
    "saturation.csv",
    "saturation_sensitivity.csv",
    "summary.md",
    "matrix.svg",
    "saturation.svg",
    "report.html",
    "stage.json",
}


def invoke(root: Path, *args: str):  # noqa: ANN201
    return CliRunner().invoke(app, [*args, "--workspace", str(root)])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_themes_writes_every_artefact_and_prints_table3(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    result = invoke(root, "themes")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (root / "analysis" / "04-themes").iterdir()} == OUTPUTS
    assert "T1.1" in result.output and "2/5" in result.output
    assert "code saturation: base 4 + run 2, ≤5%: not reached" in result.output


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    first = make_workspace(tmp_path / "a")
    second = make_workspace(tmp_path / "b", sheet_format="csv")
    assert invoke(first, "themes").exit_code == 0
    before = snapshot(first / "analysis" / "04-themes")
    assert invoke(first, "themes").exit_code == 0
    assert snapshot(first / "analysis" / "04-themes") == before
    assert invoke(second, "themes").exit_code == 0
    other = snapshot(second / "analysis" / "04-themes")
    assert {k: v for k, v in other.items() if k != "stage.json"} == {
        k: v for k, v in before.items() if k != "stage.json"
    }


def test_xlsx_sheet_gives_the_same_counts_as_csv(tmp_path: Path) -> None:
    csv_ws = workspace.load(make_workspace(tmp_path / "csv"))
    xlsx_ws = workspace.load(make_workspace(tmp_path / "xlsx", sheet_format="xlsx"))
    csv_files, xlsx_files = themes.compute(csv_ws)[1], themes.compute(xlsx_ws)[1]
    assert xlsx_files["themes.csv"] == csv_files["themes.csv"]
    assert xlsx_files["quotes.csv"] == csv_files["quotes.csv"]


def test_check_passes_when_outputs_are_current_and_writes_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    assert invoke(root, "themes").exit_code == 0
    before = snapshot(root / "analysis" / "04-themes")
    result = invoke(root, "themes", "--check")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert snapshot(root / "analysis" / "04-themes") == before


def test_check_fails_after_a_new_decision_naming_the_files_that_differ(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    assert invoke(root, "themes").exit_code == 0
    units = [dict(u) for u in DEFAULT_UNITS]
    units[-1]["decision"] = "accept"  # P5's pending unit is now accepted
    write_sheet(root, units)
    before = snapshot(root / "analysis" / "04-themes")
    result = invoke(root, "themes", "--check")
    assert result.exit_code == 1
    assert "analysis/04-themes/themes.csv: content differs" in result.output
    assert "analysis/04-themes/table2.csv" not in result.output  # participants did not change
    assert snapshot(root / "analysis" / "04-themes") == before


def test_check_reports_missing_outputs_and_json_lists_them(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    result = invoke(root, "themes", "--check", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["current"] is False
    assert "analysis/04-themes/report.html: missing" in data["differences"]
    assert not (root / "analysis" / "04-themes").exists()


def test_bad_decision_is_refused_naming_sheet_and_row_and_nothing_is_written(tmp_path: Path) -> None:
    units = [dict(u) for u in DEFAULT_UNITS]
    units[2]["decision"] = "maybe"
    root = make_workspace(tmp_path, units)
    result = invoke(root, "themes")
    assert result.exit_code == 2
    assert 'units.csv row 4: decision "maybe" is not one of' in result.output
    assert not (root / "analysis" / "04-themes").exists()


def test_accepted_unit_with_a_code_not_in_the_codebook_is_refused(tmp_path: Path) -> None:
    units = [unit("u1", "P01", "T4.2", "和大家聊天")]
    root = make_workspace(tmp_path, units)
    result = invoke(root, "themes")
    assert result.exit_code == 2
    assert 'units.csv row 2: code "T4.2" is not in codebook codebook.yaml' in result.output
    assert "Traceback" not in result.output


def test_rejected_unit_with_an_unknown_code_is_ignored(tmp_path: Path) -> None:
    units = [unit("u1", "P01", "T4.2", "和大家聊天", decision="reject"), unit("u2", "P01", "T1.1", "聊天")]
    assert invoke(make_workspace(tmp_path, units), "themes").exit_code == 0


def test_missing_sheet_says_to_run_code_first(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "analysis" / "02-code" / "units.csv").unlink()
    result = invoke(root, "themes")
    assert result.exit_code == 2
    assert "no coder sheet yet" in result.output and "themeflow code" in result.output


def test_stale_reasons_name_the_changed_sheet_and_settings(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    ws = workspace.load(root)
    assert themes.stale_reasons(ws) == ["it has never run"]
    themes.run(ws)
    assert themes.stale_reasons(ws) == []
    units = [dict(u) for u in DEFAULT_UNITS]
    units[0]["memo"] = "很典型"
    write_sheet(root, units)
    assert themes.stale_reasons(ws) == ["analysis/02-code/units.csv was modified"]
    (root / "themeflow.yaml").write_text("sheet_format: csv\nthemes:\n  quotes_per_code: 2\n", encoding="utf-8")
    assert "settings changed: quotes_per_code" in themes.stale_reasons(workspace.load(root))


def test_stale_reasons_notice_an_edited_output(tmp_path: Path) -> None:
    ws = workspace.load(make_workspace(tmp_path))
    themes.run(ws)
    (ws.themes_dir / "summary.md").write_text("edited by hand\n", encoding="utf-8")
    assert themes.stale_reasons(ws) == ["output analysis/04-themes/summary.md was modified"]


def test_quote_marked_on_a_pending_unit_is_reported_not_used(tmp_path: Path) -> None:
    units = [dict(u) for u in DEFAULT_UNITS]
    units[-1]["quote"] = "是"
    root = make_workspace(tmp_path, units)
    result = invoke(root, "themes")
    assert result.exit_code == 0
    assert "row 9: marked as a quote but not accepted" in result.output


def test_units_of_a_transcript_no_longer_ingested_are_not_counted_or_quoted(tmp_path: Path) -> None:
    # P04 withdrew: the transcript is gone from ingest, its accepted unit is still in the sheet.
    units = [*DEFAULT_UNITS, unit("u09", "P04", "T1.2", "平时就是打打牌", coder="王老师")]
    units = [dict(u, transcript_id="P09") if u["participant_id"] == "P4" else u for u in units]
    root = make_workspace(tmp_path, units)
    result = invoke(root, "themes")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "accepted units of transcripts no longer ingested are not counted or quoted: P09 (2)" in out
    themes_csv = (root / "analysis" / "04-themes" / "themes.csv").read_text(encoding="utf-8")
    quotes_csv = (root / "analysis" / "04-themes" / "quotes.csv").read_text(encoding="utf-8")
    assert "聊聊天" not in quotes_csv and "打打牌" not in quotes_csv
    import csv
    import io

    t11 = next(r for r in csv.DictReader(io.StringIO(themes_csv.lstrip("\ufeff"))) if r["code_id"] == "T1.1")
    assert (t11["units"], t11["participants"]) == ("2", "1/5")  # P1's two units; P4's are not counted


def test_an_orphaned_unit_is_never_chosen_as_a_quote(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)  # u06, T2.1's only accepted unit, is orphaned
    assert invoke(root, "themes").exit_code == 0
    quotes = (root / "analysis" / "04-themes" / "quotes.csv").read_text(encoding="utf-8")
    assert "老病友跟我讲他吃药的经验" not in quotes
