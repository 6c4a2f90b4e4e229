"""Two themeflow commands never write one workspace at the same time, and a sheet saved by someone while
`code` runs is never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import invoke, make_workspace
from themeflow import coding, workspace
from themeflow.errors import InputError, UsageError


def test_a_second_command_stops_while_the_workspace_is_busy(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    ws = workspace.load(root)
    with workspace.exclusive(ws):
        from multiprocessing import get_context

        with get_context("fork").Pool(1) as pool:
            message = pool.apply(_try_ingest, (str(root),))
    assert "another themeflow command is working on this workspace" in message


def _try_ingest(root: str) -> str:
    from themeflow import ingest

    try:
        ingest.run(workspace.load(root))
    except UsageError as exc:
        return str(exc)
    return "ran"


def test_the_lock_is_reentrant_within_one_command(tmp_path: Path) -> None:
    ws = workspace.load(make_workspace(tmp_path / "ws"))
    with workspace.exclusive(ws), workspace.exclusive(ws):
        pass


def test_a_sheet_saved_during_the_run_is_not_overwritten(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    assert invoke(runner, "code", "--workspace", str(root)).exit_code == 0
    units = root / "analysis/02-code/units.xlsx"
    from themeflow.coding import stage

    real = stage.merge

    def merge_while_a_coder_saves(*args, **kwargs):  # type: ignore[no-untyped-def]
        units.write_bytes(units.read_bytes() + b"")  # same bytes: not a change
        saved = units.read_bytes()
        result = real(*args, **kwargs)
        units.write_bytes(saved[:-1] + bytes([saved[-1] ^ 1]))  # the coder's save lands mid-run
        return result

    monkeypatch.setattr(stage, "merge", merge_while_a_coder_saves)
    before_run = None
    with pytest.raises(InputError, match="saved by someone else while themeflow was running"):
        before_run = units.read_bytes()
        coding.run(workspace.load(root))
    assert units.read_bytes() != before_run  # the coder's bytes are there, untouched by themeflow


def test_temporary_files_of_a_killed_run_go_when_the_next_run_takes_the_lock(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Atomic writes leave `.<name>.<random>.tmp` beside a file when the run is killed; the next command that
    writes the workspace removes them from every folder themeflow writes (a half file never stays around in
    the shareable analysis/ folder)."""
    ws = str(workspace_dir)
    assert invoke(runner, "run", "--workspace", ws).exit_code == 0
    leftovers = [
        workspace_dir / "analysis/01-ingest/.segments.csv.a1b2c3.tmp",
        workspace_dir / "analysis/01-ingest/transcripts/.P1_a.txt.a1b2c3.tmp",
        workspace_dir / "analysis/04-themes/.report.html.a1b2c3.tmp",
        workspace_dir / ".themeflow/cache/.sheet-rows.json.a1b2c3.tmp",
        workspace_dir / "analysis/03-agree/sheets/.units-ana.xlsx.a1b2c3.tmp",
        workspace_dir / ".themeflow.yaml.a1b2c3.tmp",
    ]
    (workspace_dir / "analysis/03-agree/sheets").mkdir(parents=True, exist_ok=True)
    mine = workspace_dir / ".notes.tmp"  # a file of the researcher's own, not one themeflow writes
    mine.write_text("mine", encoding="utf-8")
    for path in leftovers:
        path.write_text("half", encoding="utf-8")
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    assert not [path for path in leftovers if path.exists()]
    assert mine.exists()
