"""`themeflow ingest`: stage 01."""

from __future__ import annotations

from pathlib import Path

import typer

from themeflow.cli._util import (
    Arg,
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


@app.command("ingest")
def ingest_cli(
    transcripts: Path = Arg(None, help="Folder of transcripts (default: `transcripts:` in themeflow.yaml)."),
    participants: Path = Opt(None, "--participants", "-p", help="Participants file (CSV or XLSX)."),
    no_deid: bool = Opt(False, "--no-deid", help="Do NOT de-identify (keeps names and numbers in analysis/)."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Read, normalise, de-identify, split speakers and sentences, and segment transcripts (stage 01).

    Example: themeflow ingest data/transcripts --participants data/participants.csv
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from themeflow import ingest

    ws = guarded(lambda: load_workspace(workspace, deid_warning=False))
    quiet = is_quiet(quiet) or wants_json(as_json)
    if participants is not None and Path(participants).resolve() != ws.participants_file.resolve():
        warn(
            f"--participants {participants} applies to this run only: set `participants:` in themeflow.yaml so "
            "that `themeflow run` uses it too"
        )
    if no_deid or not ws.section("deid").get("enabled", True):
        warn("de-identification is OFF: analysis/ will contain names and numbers; do not share it")
    with Progress(
        TextColumn("ingest {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=quiet or not console.is_terminal,  # no bar (nor the blank line it leaves) in logs
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name)

        result = guarded(
            lambda: ingest.run(
                ws, transcripts, participants, deid_enabled=False if no_deid else None, progress=progress
            )
        )
    if wants_json(as_json):
        print_json(result.to_dict())
    else:
        for file, reason in result.skipped:
            console.print(f"[red]skipped[/red] {file}: {reason}", soft_wrap=True)
        if not quiet:  # --quiet: errors and skipped files only
            for message in result.warnings:
                warn(message)
        if not quiet:
            console.print(
                f"ingested {len(result.processed)} transcript(s), reused {len(result.reused)} unchanged, "
                f"{result.segments} sentences, {result.characters} characters → {result.output_dir}"
            )
            for removed in result.removed:
                console.print(f"removed {removed} (its source file is gone)")
    raise typer.Exit(code=result.exit_code)
