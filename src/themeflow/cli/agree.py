"""`themeflow agree`: inter-coder agreement and the consensus sheet (stage 03)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from themeflow.errors import UsageError


@app.command("agree")
def agree_cli(
    sheets: list[str] = Arg(
        None,
        metavar="SHEET_A SHEET_B [SHEET_C ...]",
        help="Each coder's copy of the coder sheet (default: the prepared copies in "
        "analysis/03-agree/sheets/; with --prepare: coder names).",
    ),
    prepare: bool = Opt(False, "--prepare", help="Write blank per-coder copies for the coders NAMEd, to work blind."),
    adopt: Path = Opt(
        None, "--adopt", metavar="FILE", help="Validate a consensus sheet and merge its decisions into the coder sheet."
    ),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Inter-coder agreement on participant sentence × code, and a consensus sheet (stage 03).

    Example: themeflow agree --prepare 王老师 李老师, then, once both have decided their copy,
    themeflow agree analysis/03-agree/sheets/units-王老师.xlsx analysis/03-agree/sheets/units-李老师.xlsx,
    and after the consensus meeting: themeflow agree --adopt analysis/03-agree/consensus.xlsx
    """
    from themeflow import agree

    ws = guarded(lambda: load_workspace(workspace))
    quiet = is_quiet(quiet)
    names = list(sheets or [])
    if prepare and adopt is not None:
        guarded(lambda: _raise(UsageError("use either --prepare or --adopt, not both")))
    if adopt is not None:
        if names:
            guarded(lambda: _raise(UsageError("--adopt takes one consensus sheet and no other sheets")))
        adopted = guarded(lambda: agree.adopt(ws, adopt))
        if wants_json(as_json):
            print_json(adopted.to_dict())
        elif not quiet:
            if adopted.backup:
                console.print(f"kept the previous coder sheet as {adopted.backup}")
            if adopted.written:
                added = f", {adopted.added} unit(s) added" if adopted.added else ""
                console.print(
                    f"merged {adopt} into {adopted.installed}: {adopted.decided} decision(s) from the consensus, "
                    f"{adopted.memos} memo(s) added to{added} ({adopted.units} units)",
                    soft_wrap=True,
                )
            else:
                console.print(
                    f"{adopted.installed} already holds everything in {adopt}; nothing was written", soft_wrap=True
                )
        if adopted.pending and not wants_json(as_json):
            warn(f"{adopted.pending} unit(s) still have no decision")
        raise typer.Exit()
    if prepare:
        prepared = guarded(lambda: agree.prepare(ws, names))
        if wants_json(as_json):
            print_json(prepared.to_dict())
        elif not quiet:
            for path in prepared.paths:
                console.print(f"wrote {path} ({prepared.units} units, no decisions)")
        raise typer.Exit()
    result = guarded(lambda: agree.run(ws, [Path(p) for p in names]))
    if wants_json(as_json):
        print_json(result.to_dict())
        raise typer.Exit()
    for note in result.notes:
        warn(note)
    for item in result.sheets:
        if item["pending"]:
            warn(f"{item['sheet']} ({item['coder']}): {item['pending']} pending unit(s) ignored")
        if item["orphaned_ignored"]:
            warn(
                f"{item['sheet']} ({item['coder']}): {item['orphaned_ignored']} accepted orphaned unit(s) "
                "ignored (their text is gone from the transcript)"
            )
    if not quiet:
        _render(result.to_dict())


def _raise(error: Exception) -> None:
    raise error


def _figure(value: Any, band: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}%" if band == "%" else f"{value:.3f}"
    return text if band in ("", "%") else f"{text} {band}"


def _render(result: dict[str, Any]) -> None:
    from rich.table import Table

    from themeflow.agree import measures, table

    kappa_name = table.kappa_column(len(result["coders"]))
    kappa_title = "Cohen's κ" if result["kappa"] == "cohen" else "Fleiss' κ"
    with_label = console.width >= 100
    for suffix, scope in (
        ("", "every participant sentence"),
        (table.CODED_ONLY, "sentences some coder coded"),
    ):
        grid = Table(title=f"Agreement of {', '.join(result['coders'])}: {scope} × code", title_justify="left")
        headers = (
            ["code"] + (["label"] if with_label else []) + ["n", "coded", "agree", kappa_title, "Krippendorff's α"]
        )
        for name in headers:
            grid.add_column(
                name, justify="left" if name in ("code", "label") or "κ" in name or "α" in name else "right"
            )
        for row in result["rows"]:
            kappa = row[kappa_name + suffix]
            alpha = row["krippendorff_alpha" + suffix]
            cells = [str(row["code"])] + ([str(row["label"])] if with_label else [])
            cells += [
                str(row["sentences" + suffix] if suffix else row["sentences"]),
                str(row["coded_by_any"]),
                _figure(row["percent_agreement" + suffix], "%"),
                _figure(kappa, measures.kappa_band(kappa)),
                _figure(alpha, measures.alpha_band(alpha)),
            ]
            grid.add_row(*cells, style="bold" if row["code"] == table.ALL else None)
        console.print(grid)
    for row in result["rows"]:
        if row["note"]:
            console.print(f"[dim]{row['code']}: {row['note']}[/dim]", soft_wrap=True)
    console.print(
        "[dim]n: sentences (ALL: sentence × code pairs). κ: Landis & Koch (<0 poor, ≤.20 slight, ≤.40 fair, "
        "≤.60 moderate, ≤.80 substantial, else almost perfect); α: ≥.800 reliable, ≥.667 tentative, "
        "else unreliable[/dim]"
    )
    console.print(
        f"wrote {result['agreement_path']} and {result['consensus_path']} "
        f"({result['units']} units, {result['disagreements']} to discuss)",
        soft_wrap=True,
    )
