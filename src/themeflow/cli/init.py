"""`themeflow init DIR`: scaffold a workspace."""

from __future__ import annotations

from pathlib import Path

from themeflow.cli._util import Arg, app, console, guarded


@app.command("init")
def init_cli(directory: Path = Arg(..., help="Folder to create the workspace in (created if missing).")) -> None:
    """Scaffold a workspace: themeflow.yaml, .gitignore, data/transcripts/, codebooks/.

    Example: themeflow init my-study && cd my-study && themeflow ingest
    """
    from themeflow import workspace

    created = guarded(lambda: workspace.init(directory))
    for path in created:
        console.print(f"created {path}")
    console.print(f"workspace ready in {directory}: put transcripts in data/transcripts/, then run `themeflow ingest`")
