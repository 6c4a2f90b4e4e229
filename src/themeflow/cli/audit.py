"""`themeflow audit`: scan shareable artefacts for personal information left in; exit 1 on findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def print_rows(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as a rich table in a terminal (cells fold, never cut short); as plain tab-separated lines, one
    per row under a header, when the output goes to a file or a pipe (where tables would be cut at 80
    columns and `grep` wants whole lines)."""
    if not console.is_terminal:
        for row in [list(columns), *rows]:
            typer.echo("\t".join(str(cell).replace("\t", " ").replace("\n", " ") for cell in row))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in row))
    console.print(table)


@app.command("audit")
def audit_cli(
    paths: list[Path] = Arg(None, help="Exports or folders to scan as well (e.g. a .qdpx)."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Scan every file under analysis/ (and PATHS) for names, hospitals and other institutions, phone and ID
    numbers, WeChat/QQ ids, e-mail, bank cards, addresses and anything in the re-identification key. Exit 1
    when something is found.

    Example: themeflow audit exports/study.qdpx
    """
    from themeflow.deid.audit import advice, scan

    ws = guarded(lambda: load_workspace(workspace))
    findings = guarded(lambda: scan(ws, list(paths or [])))
    if wants_json(as_json):
        print_json([f.to_dict() for f in findings])
    elif findings:
        print_rows(
            "Personal information found (values masked)",
            ("file", "line", "kind", "value"),
            [(f.file, f.line, f.kind, f.masked) for f in findings],
        )
        for line in advice(ws, findings):
            console.print(line, markup=False, soft_wrap=True)
    elif not is_quiet(quiet):
        console.print("audit: no personal information found", markup=False)
    raise typer.Exit(code=1 if findings else 0)
