"""`themeflow status`: per stage fresh/stale and why; coder progress on the sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from themeflow.cli._util import (
    JsonOpt,
    QuietOpt,
    WorkspaceOpt,
    app,
    console,
    guarded,
    is_quiet,
    load_workspace,
    print_json,
    wants_json,
)

STATE_STYLE = {"fresh": "green", "stale": "yellow", "not run": "dim", "blocked": "red"}
COLUMNS = ("units", "pending", "accepted", "rejected", "stale", "orphaned")


@app.command("status")
def status_cli(workspace: Path = WorkspaceOpt, quiet: bool = QuietOpt, as_json: bool = JsonOpt) -> None:
    """Which stages are fresh or stale (and why), which transcript files the last ingest left out, and how far
    coders are with the sheet. With --quiet, only the stages that are not fresh and the files left out.

    Example: themeflow status
    Example: themeflow status --json
    """
    from themeflow import pipeline

    ws = guarded(lambda: load_workspace(workspace))
    report = guarded(lambda: pipeline.status(ws))
    if wants_json(as_json):
        print_json(report)
        raise typer.Exit(code=0)
    if is_quiet(quiet):
        for stage in report.get("stages", []):
            if stage.get("state") != "fresh":
                reasons = "; ".join(stage.get("reasons", []))
                console.print(f"{stage.get('stage')}: {stage.get('state')}: {reasons}", markup=False, soft_wrap=True)
        for file, reason in report.get("skipped", {}).items():
            console.print(f"not ingested: {file}: {reason}", markup=False, soft_wrap=True)
        raise typer.Exit(code=0)
    from rich.table import Table

    stages = Table(title="Stages")
    stages.add_column("stage")
    stages.add_column("state")
    stages.add_column("why")
    for entry in report["stages"]:
        style = STATE_STYLE.get(entry["state"], "")
        why = "\n".join(entry["reasons"][:6]) + (
            f"\n… {len(entry['reasons']) - 6} more" if len(entry["reasons"]) > 6 else ""
        )
        stages.add_row(entry["stage"], f"[{style}]{entry['state']}[/{style}]" if style else entry["state"], why or "")
    console.print(stages)
    for file, reason in report.get("skipped", {}).items():
        console.print(f"[yellow]not ingested: {file}: {reason}[/yellow]", soft_wrap=True)
    if report.get("sheet_error"):
        console.print(f"[red]{report['sheet_error']}[/red]", soft_wrap=True)
    progress = report["progress"]
    if progress is None:
        console.print(f"no coder sheet yet ({report['sheet']}): run `themeflow code`")
        raise typer.Exit(code=0)
    console.print(_table(f"Coder progress ({report['sheet']})", "coder", progress["by_coder"], progress["total"]))
    console.print(_table("Per transcript", "transcript", progress["by_transcript"], progress["total"]))
    raise typer.Exit(code=0)


def _table(title: str, key: str, groups: dict[str, dict[str, int]], total: dict[str, int]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    table.add_column(key)
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for name, counts in groups.items():
        table.add_row(name, *(str(counts[c]) for c in COLUMNS))
    table.add_row("[bold]all[/bold]", *(f"[bold]{total[c]}[/bold]" for c in COLUMNS))
    return table
