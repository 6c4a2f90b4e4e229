"""`themeflow audit`: scan shareable artefacts for personal information left in; exit 1 on findings."""

from __future__ import annotations

from pathlib import Path

import typer

from themeflow.cli._util import (
    Arg,
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


@app.command("audit")
def audit_cli(
    paths: list[Path] = Arg(None, help="Exports or folders to scan as well (e.g. a .qdpx)."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Scan every file under analysis/ (and PATHS) for names, phone and ID numbers, WeChat/QQ ids, e-mail,
    bank cards, addresses and anything in the re-identification key. Exit 1 when something is found.

    Example: themeflow audit exports/study.qdpx
    """
    from themeflow.deid.audit import scan

    ws = guarded(lambda: load_workspace(workspace))
    findings = guarded(lambda: scan(ws, list(paths or [])))
    if wants_json(as_json):
        print_json([f.to_dict() for f in findings])
    elif findings:
        from rich.table import Table

        table = Table(title="Personal information found (values masked)")
        for column in ("file", "line", "kind", "value"):
            table.add_column(column)
        for f in findings:
            table.add_row(f.file, f.line, f.kind, f.masked)
        console.print(table)
        console.print(
            f"{len(findings)} finding(s): replace them, add names to deid.names and re-ingest, "
            "or keep a false positive with `themeflow deid review --keep TERM`",
            markup=False,
        )
    elif not is_quiet(quiet):
        console.print("audit: no personal information found", markup=False)
    raise typer.Exit(code=1 if findings else 0)
