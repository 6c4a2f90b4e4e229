"""`themeflow code`: stage 02."""

from __future__ import annotations

from pathlib import Path

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


@app.command("code")
def code_cli(
    codebook: Path = Opt(None, "--codebook", "-c", help="Codebook YAML (default: `codebook:` in themeflow.yaml)."),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Apply the codebook, draft candidate meaning units and merge them into the coder sheet (stage 02).

    Every decision, recode, memo and manual unit people made in the sheet is kept.

    Example: themeflow code --codebook codebooks/peer-support.yaml
    """
    from themeflow import coding

    ws = guarded(lambda: load_workspace(workspace))
    if codebook is not None and Path(codebook).resolve() != ws.codebook_file.resolve():
        warn(
            f"--codebook {codebook} applies to this run only: set `codebook:` in themeflow.yaml so that ingest and "
            "`themeflow run` use it too"
        )
    result = guarded(lambda: coding.run(ws, codebook))
    if wants_json(as_json):
        print_json(result.to_dict())
        return
    for message in [] if is_quiet(quiet) else result.warnings:  # --quiet: errors only
        warn(message)
    if is_quiet(quiet):
        return
    counts = result.counts
    console.print(
        f"{result.candidates} candidate units; sheet rows: {counts.get('new', 0)} new, {counts.get('kept', 0)} kept, "
        f"{counts.get('stale', 0)} stale, {counts.get('orphaned', 0)} orphaned, {counts.get('manual', 0)} manual"
    )
    d = result.decisions
    console.print(f"decisions: {d['accept']} accepted, {d['reject']} rejected, {d['pending']} pending")
    if result.backup:
        console.print(f"previous sheet kept as {result.backup}")
    console.print(f"coder sheet: {result.sheet_path}")
