"""`themeflow run`: every stage in order, each only if stale, always saying why."""

from __future__ import annotations

from pathlib import Path

import typer

from themeflow.cli._util import (
    JsonOpt,
    Opt,
    QuietOpt,
    WorkspaceOpt,
    app,
    console,
    guarded,
    is_quiet,
    load_workspace,
    print_json,
    wants_json,
    warn,
)


@app.command("run")
def run_cli(
    force: bool = Opt(False, "--force", "-f", help="Run every stage, stale or not."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run ingest → code → themes, each only when its inputs, settings or outputs changed.

    After coders revised the coder sheet, `code` re-reads it (keeping every decision, memo and manual unit,
    and locating manual units) and `themes` recounts; `ingest` is skipped.

    Example: themeflow run            (after revising the coder sheet: code and themes run)
    Example: themeflow run --force
    """
    from themeflow import pipeline

    ws = guarded(lambda: load_workspace(workspace))
    quiet = is_quiet(quiet) or wants_json(as_json)

    def say(step: pipeline.StageStep) -> None:
        if quiet:
            return
        verb = "[bold]running[/bold]" if step.action == "run" else "[dim]skipping[/dim]"
        why = "; ".join(step.reasons[:5]) + (f"; and {len(step.reasons) - 5} more" if len(step.reasons) > 5 else "")
        console.print(f"{verb} {step.stage}: {why}", soft_wrap=True)

    result = guarded(lambda: pipeline.run(ws, force=force, on_step=say))
    if wants_json(as_json):
        print_json(result.to_dict())
    else:
        for step in result.steps:
            for message in getattr(step.result, "warnings", None) or []:
                warn(f"{step.stage}: {message}")
            for file, reason in getattr(step.result, "skipped", None) or []:
                warn(f"{step.stage}: skipped {file}: {reason}")
        if not any(s.stage == "ingest" and s.action == "run" for s in result.steps):
            from themeflow.ingest.stage import skipped_last_time

            for file, reason in skipped_last_time(ws).items():  # unchanged since: still not ingested
                warn(f"ingest: not ingested: {file}: {reason}")
        if not quiet:
            ran = [s.stage for s in result.steps if s.action == "run"]
            console.print(
                f"done: ran {', '.join(ran) if ran else 'nothing (all up to date)'} → {ws.themes_dir / 'report.html'}",
                soft_wrap=True,
            )
    raise typer.Exit(code=result.exit_code)
