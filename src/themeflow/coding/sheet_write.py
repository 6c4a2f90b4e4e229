"""Writing the coder sheet: the bytes (made by a worker and, for a long sheet, by the main process too), the
copy of the old sheet in history/, and the atomic write that never overwrites a sheet someone saved meanwhile."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow import fsio, sheet, sheet_xlsx
from themeflow.workspace import Workspace


def history_copies(code_dir: Path) -> list[tuple[int, Path]]:
    """The copies in history/ with their numbers (units-0007.xlsx → 7), lowest first."""
    history = code_dir / "history"
    return sorted((int(m.group(1)), p) for p in history.glob("units-*.*") if (m := re.match(r"units-(\d+)\.", p.name)))


def history_path(code_dir: Path, suffix: str) -> Path:
    numbers = [number for number, _ in history_copies(code_dir)]
    return code_dir / "history" / f"units-{max(numbers, default=0) + 1:04d}{suffix}"


def backup(current: Path, code_dir: Path) -> Path:
    """Copy the sheet into history/ before it is rewritten (once: a run that failed after copying it, or
    ran again on the same sheet, does not add the same copy twice). Always a copy of the bytes: a second name
    for the same file would change with it if the sheet were then saved in place."""
    data = current.read_bytes()
    same_format = [path for _, path in history_copies(code_dir) if path.suffix == current.suffix]
    newest = same_format[-1] if same_format else None
    if newest is not None and newest.stat().st_size == len(data) and newest.read_bytes() == data:
        return newest
    target = history_path(code_dir, current.suffix)
    fsio.write_bytes(target, data)
    return target


@dataclass
class SheetWrite:
    """Build the coder sheet's bytes, keep the old sheet in history/ and write the new one atomically."""

    path: Path
    previous_path: Path | None
    read_digest: str
    columns: list[str]
    rows: list[sheet.Row]
    codebook_rows: list[sheet.Row]
    codes: list[str]
    code_dir: Path
    # Where the bytes written are kept too (see coding.stage._keep_last_written); its folder keeps the workbook
    # skeleton (see sheet_xlsx.xlsx_bytes).
    private_copy: Path
    # With a plan, the rows from `split` on arrive as UTF-8 XML on `tail` (made by the main process meanwhile,
    # which sends them on `tail_sender`).
    plan: sheet_xlsx.FastPlan | None = None
    split: int = 0
    tail: Any = None
    tail_sender: Any = None

    def run(self) -> tuple[str, str, Path | None]:
        """(outcome, sha256 of the bytes written, backup): outcome "written", or "saved meanwhile" when someone
        saved the sheet since it was read (then nothing is written: their edits win)."""
        if self.plan is not None and self.tail is not None:
            self.tail_sender.close()  # the main process's end: if it stops before sending, reading ends at once
            head = sheet_xlsx.rows_xml(self.columns, self.rows[: self.split], self.plan.styles, 0)
            tail = self.tail.recv_bytes()  # EOFError if the main process stopped: nothing is written
            pieces: list[str | bytes] = [head, tail]
            data = sheet_xlsx.assemble(self.plan, self.columns, self.rows, self.codebook_rows, self.codes, pieces)
        else:
            data = sheet.sheet_bytes(
                self.path, self.columns, self.rows, self.codebook_rows, self.codes, self.private_copy.parent
            )
        kept_copy = None
        if self.previous_path is not None:
            previous = self.previous_path.read_bytes()
            if fsio.sha256_bytes(previous) != self.read_digest:
                return "saved meanwhile", "", None
            if previous != data:
                if not self.previous_path.stat().st_mode & stat.S_IWUSR:
                    return "read-only", "", None  # people made it read-only to keep it as it is
                kept_copy = backup(self.previous_path, self.code_dir)
        fsio.write_if_changed(self.path, data)
        fsio.write_private_cache(self.private_copy, data, only_if_changed=True)
        return "written", fsio.sha256_bytes(data), kept_copy


SPLIT_ROWS = 4000  # from this many rows, the main process makes the last rows' XML while the worker makes the rest
WORKER_SHARE = 0.75  # the worker also assembles, deflates and writes; the main process also prepares the caches


def plan_split(write: SheetWrite, ws: Workspace) -> Any:
    """Set `write` up to take its last rows' XML from this process (the send end of a pipe is returned), when
    the sheet is long and a worker can be forked; None otherwise."""
    import multiprocessing

    from themeflow.parallel import can_fork

    if write.path.suffix != ".xlsx" or len(write.rows) < SPLIT_ROWS or not can_fork():
        return None
    plan = sheet_xlsx.fast_plan(write.columns, write.rows, write.codebook_rows, write.codes, ws.private_dir / "cache")
    if plan is None:
        return None
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    write.plan, write.split, write.tail, write.tail_sender = plan, round(len(write.rows) * WORKER_SHARE), receive, send
    return send


def send_tail_rows(write: SheetWrite, send: Any) -> Any:
    """Make the XML of the rows the worker expects from this process and send it from a thread (a pipe holds
    little, and the worker reads only once its own rows are made: this process goes on meanwhile)."""
    import threading

    write.tail.close()  # the worker's end: with it closed here, a worker that died makes sending fail, not wait
    assert write.plan is not None
    data = sheet_xlsx.rows_xml(write.columns, write.rows[write.split :], write.plan.styles, write.split).encode("utf-8")

    def deliver() -> None:
        try:
            send.send_bytes(data)
        except Exception:  # noqa: BLE001, S110 - the worker is gone (its own error is the one reported)
            pass
        finally:
            send.close()

    thread = threading.Thread(target=deliver, name="themeflow-sheet-rows")
    thread.start()
    return thread
