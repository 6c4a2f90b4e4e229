"""What every command shares: the app, option aliases, console, and turning errors into exit codes."""

from __future__ import annotations

import errno
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from themeflow.errors import ThemeflowError

Arg = typer.Argument
Opt = typer.Option

app = typer.Typer(
    name="themeflow",
    help="Codebook-driven thematic analysis of Chinese qualitative interviews.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# When output goes to a file or a pipe, rich would cut tables at 80 columns: give them room instead.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 200)

T = TypeVar("T")


@dataclass
class GlobalState:
    workspace: Path | None = None
    quiet: bool = False
    json: bool = False
    debug: bool = bool(os.environ.get("THEMEFLOW_DEBUG"))


state = GlobalState()

# Options every command accepts (also accepted before the command name).
WorkspaceOpt = Opt(None, "--workspace", "-w", help="Workspace folder (default: the current folder).")
QuietOpt = Opt(False, "--quiet", "-q", help="Print only errors.")
JsonOpt = Opt(False, "--json", help="Print the result as JSON (for scripts).")


def load_workspace(workspace: Path | None, deid_warning: bool = True) -> Any:
    """Load the workspace; every command that reads analysis/ warns loudly when it is not de-identified."""
    from themeflow import workspace as ws

    loaded = ws.load(workspace or state.workspace)
    if deid_warning:
        from themeflow.deid.status import warning_for

        message = warning_for(loaded)
        if message:
            warn(message)
    return loaded


def is_quiet(quiet: bool) -> bool:
    return quiet or state.quiet


def wants_json(as_json: bool) -> bool:
    return as_json or state.json


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n")


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {message}", markup=True, soft_wrap=True)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body: user mistakes become one clear message and exit 2 (checks: 1); anything
    unexpected says so briefly, with a traceback only under --debug."""
    try:
        return action()
    except ThemeflowError as exc:
        for index, line in enumerate(exc.lines()):
            prefix = "error: " if index == 0 else "  "
            err_console.print(prefix + line, markup=False, soft_wrap=True)
        if state.debug:
            traceback.print_exc()
        raise typer.Exit(code=exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print(
            "interrupted: no file was left half-written (each is as it was, or as written); run the command again",
            markup=False,
        )
        raise typer.Exit(code=130) from None
    except typer.Exit:
        raise
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
        # The machine refused a write or a read: the person can fix it (permissions, a full or read-only disk).
        where = exc.filename or ""
        folder = Path(where).parent if where else ""
        err_console.print(
            f"error: cannot use {folder or where}: {exc.strerror} (check the folder's permissions; nothing was "
            "written half-way)",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=2) from None
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EROFS, errno.EDQUOT):
            raise _internal(exc) from None
        err_console.print(
            f"error: {exc.strerror} ({exc.filename or 'disk'}): nothing was written half-way",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=2) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a user sees a traceback
        raise _internal(exc) from None


def _internal(exc: BaseException) -> typer.Exit:
    if state.debug:
        traceback.print_exc()
    err_console.print(
        f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for details; please report it)",
        markup=False,
        soft_wrap=True,
    )
    return typer.Exit(code=3)
