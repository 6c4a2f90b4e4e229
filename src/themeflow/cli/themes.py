"""`themeflow themes`: stage 04 (tables, quotes, saturation, report); `--check` for CI."""

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


@app.command("themes")
def themes_cli(
    check: bool = Opt(
        False,
        "--check",
        help="Write nothing; exit 1 if analysis/04-themes differs from what the inputs give now (for CI).",
    ),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Summaries from coders' decisions: Table 3, Table 2, quotes, matrix, code saturation, report (stage 04).

    Example: themeflow themes            (then open analysis/04-themes/report.html)
    Example: themeflow themes --check    (in CI: fails when summaries are out of date)
    """
    from themeflow import themes

    ws = guarded(lambda: load_workspace(workspace))
    quiet = is_quiet(quiet)
    if check:
        # CI's check: summaries current AND nothing personal left in the shareable artefacts.
        from themeflow.deid.audit import scan

        if wants_json(as_json):
            differences = guarded(lambda: themes.check(ws))
            findings = guarded(lambda: scan(ws, []))
            print_json(
                {
                    "current": not differences,
                    "differences": differences,
                    "audit": [f.to_dict() for f in findings],
                    "warnings": themes.notices(ws),
                }
            )
            raise typer.Exit(code=1 if differences or findings else 0)
        for message in themes.notices(ws):
            warn(message)
        guarded(lambda: themes.verify(ws))
        findings = guarded(lambda: scan(ws, []))
        for f in findings:
            console.print(f"audit: {f.file} line {f.line}: {f.kind} {f.masked}", markup=False)
        if findings:
            console.print(f"{len(findings)} audit finding(s): run `themeflow audit` for details", markup=False)
            raise typer.Exit(code=1)
        if not quiet:
            console.print("04-themes is up to date with the coder sheet, codebook and participants; audit clean")
        raise typer.Exit(code=0)
    result = guarded(lambda: themes.run(ws))
    if wants_json(as_json):
        print_json(result.to_dict())
        raise typer.Exit(code=0)
    for message in [] if quiet else result.warnings:  # --quiet: errors only
        warn(message)
    if quiet:
        raise typer.Exit(code=0)
    from rich.table import Table

    table = Table(title=f"Themes ({result.accepted_units} accepted units, N = {result.participants})")
    for column in ("theme", "code", "participants", "units"):
        table.add_column(column, justify="right" if column in {"participants", "units"} else "left")
    for row in result.codes:
        flag = "*" if row["orphaned_units"] else ""
        table.add_row(row["theme"], row["code"], row["participants"], f"{row['units']}{flag}")
    console.print(table)
    if any(r["orphaned_units"] for r in result.codes):
        console.print("* includes accepted units whose text is gone from the transcript (orphaned)")
    console.print(f"code saturation: {result.saturation}")
    changed = f"{len(result.written)} file(s) written" if result.written else "no file changed"
    console.print(f"{changed} → {result.output_dir / 'report.html'}", soft_wrap=True)
    raise typer.Exit(code=0)
