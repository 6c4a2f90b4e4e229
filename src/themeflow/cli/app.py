"""The `themeflow` application: global options and the command modules it is made of.

Command modules import only typer and rich at import time; pandas, jieba and spaCy load inside the commands
that need them, so `themeflow --help` and `themeflow status` start instantly.
"""

from __future__ import annotations

from pathlib import Path

import typer

from themeflow import __version__
from themeflow.cli import agree as _agree  # noqa: F401,E402
from themeflow.cli import audit as _audit  # noqa: F401,E402
from themeflow.cli import code as _code  # noqa: F401,E402
from themeflow.cli import codebook as _codebook  # noqa: F401,E402
from themeflow.cli import deid as _deid  # noqa: F401,E402
from themeflow.cli import exchange as _exchange  # noqa: F401,E402
from themeflow.cli import ingest as _ingest  # noqa: F401,E402

# Each import registers its commands on `app`.
from themeflow.cli import init as _init  # noqa: F401,E402
from themeflow.cli import run as _run  # noqa: F401,E402
from themeflow.cli import status as _status  # noqa: F401,E402
from themeflow.cli import themes as _themes  # noqa: F401,E402
from themeflow.cli._util import Opt, app, state


def _version(value: bool) -> None:
    if value:
        typer.echo(f"themeflow {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    workspace: Path = Opt(None, "--workspace", "-w", help="Workspace folder (default: the current folder)."),
    quiet: bool = Opt(False, "--quiet", "-q", help="Print only errors."),
    as_json: bool = Opt(False, "--json", help="Print results as JSON (for scripts)."),
    debug: bool = Opt(False, "--debug", help="Show a traceback on errors."),
    version: bool = Opt(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Codebook-driven thematic analysis of Chinese qualitative interviews.

    Stages: ingest → code → (coders revise the sheet) → agree → themes; export/import REFI-QDA.
    """
    state.workspace = workspace
    state.quiet = quiet
    state.json = as_json
    state.debug = debug or state.debug


def main() -> None:
    app()


if __name__ == "__main__":
    main()
