"""`themeflow export qdpx|qdc` and `themeflow import qdpx|qdc`: REFI-QDA exchange with other QDA programs."""

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
    err_console,
    guarded,
    is_quiet,
    load_workspace,
    print_json,
    wants_json,
    warn,
)

export_app = typer.Typer(help="Export the codebook or the coded project as REFI-QDA files.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import a REFI-QDA project or codebook from NVivo, ATLAS.ti, MAXQDA, QualCoder…",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")

OutOpt = Opt(..., "--out", "-o", help="File to write (a file name, not a folder).")


def _report(result: object, quiet: bool, as_json: bool, summary: str, label: str = "not exported") -> None:
    if wants_json(as_json):
        print_json(result.to_dict())  # type: ignore[attr-defined]
        return
    for message in [] if is_quiet(quiet) else getattr(result, "warnings", []):  # --quiet: errors only
        warn(message)
    skipped = getattr(result, "skipped", [])
    if not is_quiet(quiet):
        for message in skipped:
            console.print(f"[yellow]{label}:[/yellow] {message}", soft_wrap=True, markup=True)
        console.print(summary, soft_wrap=True, markup=False)
    for message in getattr(result, "unplaced", []):  # lost units are errors: shown even with --quiet
        err_console.print(f"error: {message}", soft_wrap=True, markup=False)


@export_app.command("qdpx")
def export_qdpx_cli(
    out: Path = OutOpt, workspace: Path = WorkspaceOpt, quiet: bool = QuietOpt, as_json: bool = JsonOpt
) -> None:
    """Export the coded project (accepted units, transcripts, codebook, participants) as a .qdpx file.

    Example: themeflow export qdpx --out study.qdpx
    """
    from themeflow import qdpx

    result = guarded(lambda: qdpx.export_project(load_workspace(workspace), out))
    _report(
        result,
        quiet,
        as_json,
        f"wrote {result.path}: {result.sources} transcript(s), {result.codes} codes, "
        f"{result.codings} accepted unit(s), {result.cases} participant(s)",
    )
    # An accepted unit left out of the export is a result people must know about: exit 1.
    raise typer.Exit(code=1 if getattr(result, "skipped", []) else 0)


@export_app.command("qdc")
def export_qdc_cli(
    out: Path = OutOpt, workspace: Path = WorkspaceOpt, quiet: bool = QuietOpt, as_json: bool = JsonOpt
) -> None:
    """Export the codebook (themes, sub-themes, MacQueen definitions) as a .qdc file.

    Example: themeflow export qdc --out codebook.qdc
    """
    from themeflow import qdpx

    result = guarded(lambda: qdpx.export_codebook(load_workspace(workspace), out))
    _report(result, quiet, as_json, f"wrote {result.path}: {result.codes} themes and codes")


@import_app.command("qdpx")
def import_qdpx_cli(
    file: Path = Arg(..., help="A .qdpx project (or a bare project.qde)."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Import a REFI-QDA project into a new workspace: transcripts, codebook, cases, and every coding as an
    accepted unit. Exit 1 when a coding could not be placed (each is named).

    Example: themeflow init study && themeflow import qdpx nvivo-export.qdpx -w study
    """
    from themeflow import qdpx

    result = guarded(lambda: qdpx.import_project(load_workspace(workspace), file))
    _report(
        result,
        quiet,
        as_json,
        f"imported {len(result.transcripts)} transcript(s), {result.codes} codes → {result.codebook}, "
        f"{result.units} accepted unit(s) → {result.sheet or 'no sheet'}, {result.cases} case(s)",
        label="not imported",
    )
    raise typer.Exit(code=result.exit_code)


@import_app.command("qdc")
def import_qdc_cli(
    file: Path = Arg(..., help="A .qdc codebook."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Import a REFI-QDA codebook as codebooks/imported.yaml (cues empty: add them before `themeflow code`).

    Example: themeflow import qdc codebook.qdc
    """
    from themeflow import qdpx

    result = guarded(lambda: qdpx.import_codebook(load_workspace(workspace), file))
    _report(result, quiet, as_json, f"imported {result.codes} codes → {result.codebook}")
