"""`themeflow deid review`: show, in this terminal only, what de-identification replaced;
keep false positives."""

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

deid_app = typer.Typer(
    name="deid", help="Review de-identification (locally) and keep false positives.", no_args_is_help=True
)
app.add_typer(deid_app, name="deid")


@deid_app.command("review")
def review_cli(
    keep: list[str] = Opt(None, "--keep", help="Keep TERM as written from the next ingest on (adds it to deid.keep)."),
    kind: str = Opt(
        None,
        "--kind",
        help="Show only one kind (person, institution, phone, id_card, wechat, qq, email, bank_card, address, term, "
        "participant).",
    ),
    workspace: Path = WorkspaceOpt,
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show each replacement with its original and context. The originals come from the private key:
    this output is for your eyes only; do not paste it anywhere.

    Example: themeflow deid review --keep 高明
    """
    from themeflow.deid.keep import keep_term
    from themeflow.deid.review import review_items
    from themeflow.deid.status import warning_for

    ws = guarded(lambda: load_workspace(workspace))
    if keep:
        for term in keep:

            def add(term: str = term) -> bool:
                return keep_term(ws.root, term)

            added = guarded(add)
            if not is_quiet(quiet):
                console.print(
                    f"{'kept' if added else 'already kept'}: {term} (deid.keep in themeflow.yaml; "
                    "run `themeflow ingest` to apply)",
                    markup=False,
                )
        return
    off = warning_for(ws)
    if off:
        warn(off)
    items = guarded(lambda: review_items(ws, kind=kind))
    if wants_json(as_json):
        print_json([i.to_dict() for i in items])
        return
    if is_quiet(quiet):
        return
    from rich.text import Text

    from themeflow.cli.audit import print_rows

    rows = []
    for item in items:
        context = Text(item.before)
        context.append(item.pseudonym, style="bold")
        context.append(item.after)
        rows.append((item.transcript_id, item.kind, item.pseudonym, item.originals, context))
    print_rows(
        "De-identification (private: originals shown)", ("transcript", "kind", "pseudonym", "original", "context"), rows
    )
    console.print(
        f"{len(items)} replacement(s). Keep a false positive with: themeflow deid review --keep TERM",
        markup=False,
    )
