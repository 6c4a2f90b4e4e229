"""Typed errors that carry what a researcher needs to fix their input.

Library code raises these; the CLI turns them into one line on stderr and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Problem:
    """One problem with one place in one file (used when several are reported together)."""

    message: str
    file: str | None = None
    row: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.row is not None:
            where += f" row {self.row}"
        if self.line is not None:
            where += f" line {self.line}"
        return f"{where.strip()}: {self.message}" if where.strip() else self.message


class ThemeflowError(Exception):
    """A user-facing error: bad input or bad usage. Exit code 2 unless stated."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        line: int | None = None,
        hint: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.problem = Problem(message, str(file) if file is not None else None, row, line)
        self.hint = hint
        self.problems = problems or []
        super().__init__(str(self.problem))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Raised in a forked worker, the error reaches the parent whole (file, row, hint, problems).
        return _rebuild, (type(self), self.problem, self.hint, self.problems)

    def lines(self) -> list[str]:
        """Every message line the CLI should print, first the headline, then one per problem."""
        out = [str(self.problem)] + [str(p) for p in self.problems]
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out


def _rebuild(kind: type[ThemeflowError], problem: Problem, hint: str | None, problems: list[Problem]) -> ThemeflowError:
    return kind(problem.message, file=problem.file, row=problem.row, line=problem.line, hint=hint, problems=problems)


class InputError(ThemeflowError):
    """Bad input data (a transcript, a sheet, a codebook, an exchange file)."""

    @classmethod
    def from_problems(cls, problems: list[Problem], hint: str | None = None) -> InputError:
        """One error listing every problem found (the first as the headline), in file and row order."""
        ordered = sorted(problems, key=lambda p: (p.file or "", p.row or 0, p.line or 0))
        first = ordered[0]
        return cls(first.message, file=first.file, row=first.row, line=first.line, problems=ordered[1:], hint=hint)


class UsageError(ThemeflowError):
    """A command was called in a way that cannot work (missing workspace, missing argument)."""


class CheckFailed(ThemeflowError):
    """A check found something (stale summaries, personal information): exit code 1."""

    exit_code = 1


@dataclass
class Warnings:
    """Collects non-fatal messages (skipped files, unknown participants) for the caller to show."""

    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.items.append(message)

    def __bool__(self) -> bool:
        return bool(self.items)


class WorkerStopped(ThemeflowError):
    """A worker process ended without its result (killed from outside, e.g. for lack of memory): no file was
    left half-written, and running the command again finishes the work. Exit code 1."""

    exit_code = 1
