"""`themeflow run` (each stage only if stale, saying why) and `themeflow status`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from test_themes_fixtures import DEFAULT_UNITS, make_workspace, write_sheet
from themeflow import pipeline, workspace
from themeflow.cli.app import app

REPO = Path(__file__).resolve().parents[1]


def invoke(root: Path, *args: str):  # noqa: ANN201
    return CliRunner().invoke(app, [*args, "--workspace", str(root)])


class FakeStage:
    """Stands in for a stage module: stale until it runs once."""

    def __init__(self, name: str, calls: list[str], reasons: list[str] | None = None, exit_code: int = 0) -> None:
        self.name, self.calls, self.exit_code = name, calls, exit_code
        self.reasons = ["it has never run"] if reasons is None else reasons

    def stale_reasons(self, ws: Any) -> list[str]:
        return list(self.reasons)

    def run(self, ws: Any) -> Any:
        self.calls.append(self.name)
        self.reasons = []
        return SimpleNamespace(exit_code=self.exit_code, warnings=[f"{self.name} warned"], skipped=[])


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, FakeStage], list[str]]:
    calls: list[str] = []
    stages = {
        "ingest": FakeStage("ingest", calls, reasons=[]),
        "code": FakeStage("code", calls, reasons=["data/transcripts/P03.txt was modified"]),
        "themes": FakeStage("themes", calls),
    }
    monkeypatch.setattr(pipeline, "_module", lambda stage: stages[stage])
    return stages, calls


def test_run_runs_only_stale_stages_in_order_and_says_why(tmp_path: Path, fakes: Any) -> None:
    _stages, calls = fakes
    result = invoke(tmp_path, "run")
    assert result.exit_code == 0, result.output
    assert calls == ["code", "themes"]
    assert "skipping ingest: up to date" in result.output
    assert "running code: data/transcripts/P03.txt was modified" in result.output
    assert "running themes: it has never run" in result.output


def test_second_run_skips_everything(tmp_path: Path, fakes: Any) -> None:
    _stages, calls = fakes
    invoke(tmp_path, "run")
    calls.clear()
    result = invoke(tmp_path, "run")
    assert calls == [] and "ran nothing (all up to date)" in result.output


def test_force_runs_every_stage_and_says_so(tmp_path: Path, fakes: Any) -> None:
    _stages, calls = fakes
    result = invoke(tmp_path, "run", "--force")
    assert calls == ["ingest", "code", "themes"]
    assert "running ingest: --force" in result.output


def test_staleness_is_judged_after_earlier_stages_ran(tmp_path: Path, fakes: Any) -> None:
    stages, calls = fakes
    stages["themes"].reasons = []
    original = stages["code"].run

    def code_then_sheet_changes(ws: Any) -> Any:
        stages["themes"].reasons = ["analysis/02-code/units.xlsx was modified"]
        return original(ws)

    stages["code"].run = code_then_sheet_changes  # type: ignore[method-assign]
    steps = pipeline.run(workspace.load(tmp_path)).steps
    assert [(s.stage, s.action) for s in steps] == [("ingest", "skip"), ("code", "run"), ("themes", "run")]
    assert calls == ["code", "themes"]


def test_run_exit_code_is_the_worst_stage_exit_code(tmp_path: Path, fakes: Any) -> None:
    stages, _calls = fakes
    stages["code"].exit_code = 1  # e.g. ingest/code reported skipped files
    result = invoke(tmp_path, "run")
    assert result.exit_code == 1
    assert "code: code warned" in result.output


def test_run_json_lists_every_step(tmp_path: Path, fakes: Any) -> None:
    result = invoke(tmp_path, "run", "--json")
    data = json.loads(result.stdout)
    assert [(s["stage"], s["action"]) for s in data["steps"]] == [
        ("ingest", "skip"),
        ("code", "run"),
        ("themes", "run"),
    ]


def test_a_stage_error_stops_the_run_with_its_message(tmp_path: Path, fakes: Any) -> None:
    from themeflow.errors import InputError

    stages, calls = fakes

    def broken(ws: Any) -> Any:
        raise InputError('code "T9" is not in the codebook', file="units.xlsx", row=7)

    stages["code"].run = broken  # type: ignore[method-assign]
    result = invoke(tmp_path, "run")
    assert result.exit_code == 2
    assert 'units.xlsx row 7: code "T9" is not in the codebook' in result.output
    assert calls == []  # themes never ran


# --- status ----------------------------------------------------------------------------------------


def test_status_counts_decisions_per_coder_and_transcript(tmp_path: Path) -> None:
    report = pipeline.status(workspace.load(make_workspace(tmp_path)))
    progress = report["progress"]
    assert progress["total"] == {
        "units": 8,
        "pending": 1,
        "accepted": 6,
        "rejected": 1,
        "stale": 0,
        "orphaned": 1,
    }
    assert list(progress["by_coder"]) == ["李老师", "王老师", "(unassigned)"]
    assert progress["by_coder"]["李老师"] == {
        "units": 3,
        "pending": 0,
        "accepted": 2,
        "rejected": 1,
        "stale": 0,
        "orphaned": 1,
    }
    assert progress["by_coder"]["(unassigned)"]["pending"] == 1
    assert progress["by_transcript"]["P05"] == {
        "units": 1,
        "pending": 1,
        "accepted": 0,
        "rejected": 0,
        "stale": 0,
        "orphaned": 0,
    }


def test_status_says_which_stages_are_stale_and_why(tmp_path: Path) -> None:
    from themeflow import themes

    root = make_workspace(tmp_path)
    ws = workspace.load(root)
    states = {s["stage"]: s for s in pipeline.status(ws)["stages"]}
    assert states["themes"] == {"stage": "themes", "state": "not run", "reasons": ["it has never run"]}
    themes.run(ws)
    assert {s["stage"]: s["state"] for s in pipeline.status(ws)["stages"]}["themes"] == "fresh"
    units = [dict(u) for u in DEFAULT_UNITS]
    units[-1]["decision"] = "拒绝"
    write_sheet(root, units)
    states = {s["stage"]: s for s in pipeline.status(ws)["stages"]}
    assert states["themes"]["state"] == "stale"
    assert states["themes"]["reasons"] == [
        "the coder sheet analysis/02-code/units.csv was revised (run `themeflow run`)"
    ]
    assert "agree" not in states


def test_status_json_is_the_library_result(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    result = invoke(root, "status", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(json.dumps(pipeline.status(workspace.load(root))))


def test_status_prints_progress_tables(tmp_path: Path) -> None:
    result = invoke(make_workspace(tmp_path), "status")
    assert result.exit_code == 0
    assert "Coder progress" in result.output and "王老师" in result.output and "(unassigned)" in result.output


def test_status_without_a_sheet_says_to_run_code(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "analysis" / "02-code" / "units.csv").unlink()
    result = invoke(root, "status")
    assert result.exit_code == 0
    assert "no coder sheet yet" in result.output


def test_status_lists_agree_when_it_has_run(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "analysis" / "03-agree").mkdir(parents=True)
    states = [s["stage"] for s in pipeline.status(workspace.load(root))["stages"]]
    assert states == ["ingest", "code", "agree", "themes"]


def test_coder_progress_counts_chinese_decisions() -> None:
    rows = [
        {"decision": "接受", "coder": "甲", "transcript_id": "P1"},
        {"decision": "拒绝", "coder": "甲", "transcript_id": "P1", "status": "stale"},
    ]
    total = pipeline.coder_progress(rows)["total"]
    assert (total["accepted"], total["rejected"], total["stale"]) == (1, 1, 1)


# --- the real pipeline ----------------------------------------------------------------------------


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """A workspace over three of the demo transcripts with the demo codebook."""
    root = tmp_path / "demo"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    sources = sorted((REPO / "data" / "transcripts").glob("P0[1-3]*"))
    assert sources, "demo transcripts missing"
    for source in sources:
        shutil.copy(source, root / "data" / "transcripts" / source.name)
    shutil.copy(REPO / "data" / "participants.csv", root / "data" / "participants.csv")
    shutil.copy(REPO / "codebooks" / "peer-support.yaml", root / "codebooks" / "codebook.yaml")
    return root


def test_real_pipeline_runs_each_stage_once_then_only_themes_after_decisions(demo_workspace: Path) -> None:
    from themeflow import sheet

    first = invoke(demo_workspace, "run")
    assert first.exit_code in (0, 1), first.output  # 1 only if a transcript were skipped
    assert "running ingest: it has never run" in first.output
    assert "running themes: it has never run" in first.output
    assert (demo_workspace / "analysis" / "04-themes" / "report.html").exists()
    again = invoke(demo_workspace, "run")
    assert "running" not in again.output and "ran nothing" in again.output

    ws = workspace.load(demo_workspace)
    header, rows = sheet.read_rows(ws.sheet_path)
    for row in rows:
        row["decision"] = "accept"
    assert invoke(demo_workspace, "themes", "--check").exit_code == 0
    sheet.write(
        ws.sheet_path,
        sheet.ordered_columns(header, rows),
        [{k: v for k, v in r.items() if k != "_row"} for r in rows],
        [],
        [],
    )
    assert invoke(demo_workspace, "themes", "--check").exit_code == 1
    third = invoke(demo_workspace, "run")
    assert (
        "skipping ingest" in third.output
        and "running code: the coder sheet analysis/02-code/units.xlsx was revised" in third.output
        and "running themes: the coder sheet analysis/02-code/units.xlsx was revised" in third.output
    )
    assert invoke(demo_workspace, "themes", "--check").exit_code == 0
    status = pipeline.status(ws)
    assert {s["stage"]: s["state"] for s in status["stages"]} == {
        "ingest": "fresh",
        "code": "fresh",
        "themes": "fresh",
    }
    assert status["progress"]["total"]["accepted"] == len(rows)


# --- reasons in people's words ---------------------------------------------------------------------


def test_run_help_says_code_re_reads_a_revised_sheet() -> None:
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "only `themes` runs" not in text
    assert "after revising the coder sheet: code and themes run" in text


@pytest.fixture
def coded_workspace(tmp_path: Path) -> Path:
    """A small real workspace (conftest's transcripts and codebook) after one `themeflow run`."""
    from conftest import make_workspace as make_real_workspace

    root = make_real_workspace(tmp_path / "real")
    first = invoke(root, "run")
    assert first.exit_code == 0, first.output
    return root


def test_status_reads_a_revised_coder_sheet_as_expected_work(coded_workspace: Path) -> None:
    from themeflow import sheet

    ws = workspace.load(coded_workspace)
    header, rows = sheet.read_rows(ws.sheet_path)
    rows[0]["decision"] = "accept"
    sheet.write(ws.sheet_path, header, [{k: v for k, v in r.items() if k != "_row"} for r in rows], [], [])
    states = {s["stage"]: s for s in pipeline.status(ws)["stages"]}
    revised = "the coder sheet analysis/02-code/units.xlsx was revised (run `themeflow run`)"
    assert states["code"] == {"stage": "code", "state": "stale", "reasons": [revised]}
    assert states["themes"]["reasons"] == [revised]
    shown = invoke(coded_workspace, "status")
    assert "was modified" not in shown.output
    again = invoke(coded_workspace, "run")
    assert "running code: the coder sheet analysis/02-code/units.xlsx was revised" in again.output
    assert "(run `themeflow run`)" not in again.output


def test_changing_the_codebook_setting_is_not_reported_as_a_removed_file(coded_workspace: Path) -> None:
    (coded_workspace / "codebooks" / "test.yaml").rename(coded_workspace / "codebooks" / "other.yaml")
    (coded_workspace / "codebooks" / "test.yaml").write_text(
        (coded_workspace / "codebooks" / "other.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = coded_workspace / "themeflow.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("codebooks/test.yaml", "codebooks/other.yaml"), encoding="utf-8"
    )
    result = invoke(coded_workspace, "run")
    assert result.exit_code == 0, result.output
    code_line = next(line for line in result.output.splitlines() if line.startswith("running code: "))
    assert "codebooks/test.yaml is no longer the codebook in themeflow.yaml (the file is still there)" in code_line
    assert "codebooks/other.yaml is the codebook in themeflow.yaml now" in code_line
    assert "was removed" not in result.output


def test_a_codebook_deleted_from_disk_is_still_reported_as_removed(coded_workspace: Path) -> None:
    (coded_workspace / "codebooks" / "test.yaml").unlink()
    reasons = {s["stage"]: s["reasons"] for s in pipeline.status(workspace.load(coded_workspace))["stages"]}
    assert "codebooks/test.yaml was removed" in reasons["code"]


def test_quiet_status_prints_only_what_is_not_fresh_and_init_speaks_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from themeflow.cli.app import app

    runner = CliRunner()
    created = runner.invoke(app, ["init", str(tmp_path / "ws"), "--json"])
    assert created.exit_code == 0
    assert any(p.endswith("themeflow.yaml") for p in json.loads(created.output)["created"])
    quiet = runner.invoke(app, ["status", "--quiet", "--workspace", str(tmp_path / "ws")])
    assert quiet.exit_code == 0
    assert "ingest: not run" in quiet.output and "Coder progress" not in quiet.output


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("- tokens: 5", "test.yaml"),  # not a pattern at all
        ("- tokens: [{TEXT: {REGEX: '(病友'}}]", "token pattern"),  # spaCy refuses it (checked only for a new codebook)
    ],
)
def test_run_with_a_broken_codebook_writes_nothing(tmp_path: Path, pattern: str, said: str) -> None:
    """`run` checks the codebook before ingest: a codebook `code` would refuse stops it with the file and line,
    exit 2, before stage 01 writes anything."""
    import conftest

    broken = conftest.CODEBOOK.replace('- tokens: [{ORTH: "陪"}, {ORTH: "他"}]', pattern)
    assert broken != conftest.CODEBOOK
    root = conftest.make_workspace(tmp_path / "ws", codebook=broken)
    result = conftest.invoke(CliRunner(), "run", "--workspace", str(root))
    assert result.exit_code == 2 and said in result.output
    assert not (root / "analysis/01-ingest/segments.csv").exists()
