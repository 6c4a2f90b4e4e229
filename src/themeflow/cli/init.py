"""`themeflow init DIR`: scaffold a workspace."""

from __future__ import annotations

from pathlib import Path

from themeflow.cli._util import Arg, JsonOpt, QuietOpt, app, console, guarded, is_quiet, print_json, wants_json


@app.command("init")
def init_cli(
    directory: Path = Arg(..., help="Folder to create the workspace in (created if missing)."),
    quiet: bool = QuietOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Scaffold a workspace: themeflow.yaml, .gitignore, data/transcripts/, codebooks/.

    Example: themeflow init my-study && cd my-study && themeflow ingest
    """
    from themeflow import workspace

    created = guarded(lambda: workspace.init(directory))
    if wants_json(as_json):
        print_json({"workspace": str(directory), "created": [str(p) for p in created]})
        return
    if is_quiet(quiet):
        return
    for path in created:
        console.print(f"created {path}")
    console.print(
        f"workspace ready in {directory}: put transcripts in data/transcripts/, describe participants in "
        "data/participants.csv (or set `participants:` in themeflow.yaml), then run `themeflow ingest`"
    )
