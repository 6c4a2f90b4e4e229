"""Map a function over items on both cores, for the heavy per-transcript work of ingest and code.

Workers are forked, so they inherit what the parent prepared (jieba's dictionary with the user words, the
compiled codebook, the de-identification detector) and the items themselves instead of rebuilding or
pickling them: only item numbers go to the workers, only results come back. Where fork is not
available, or the work is small, the map runs in this process. Results come back in input order, so the
output never depends on which worker finished first.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_TASK: list[tuple[Callable[[Any, Any], Any], Any, Sequence[Any]]] = []


def _call(index: int) -> Any:
    function, state, items = _TASK[0]
    return function(state, items[index])


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def fork_map(function: Callable[[Any, T], R], state: Any, items: Sequence[T], processes: int) -> list[R]:
    """`[function(state, item) for item in items]`, spread over `processes` forked workers when worthwhile."""
    if processes <= 1 or len(items) < 2 or not can_fork():
        return [function(state, item) for item in items]
    _TASK[:] = [(function, state, items)]
    try:
        chunk = max(1, len(items) // (processes * 4))
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            return pool.map(_call, range(len(items)), chunksize=chunk)
    finally:
        _TASK.clear()


class Forked(Generic[R]):
    """A call running in a forked process (see `fork_call`)."""

    def __init__(self, process: Any, receive: Any) -> None:
        self._process = process
        self._receive = receive

    def result(self) -> R:
        """Wait for the call and return its result, or raise what it raised."""
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            code = self._process.exitcode
            from themeflow.errors import WorkerStopped

            how = f"by signal {-code}" if code is not None and code < 0 else f"with exit code {code}"
            raise WorkerStopped(
                f"a worker process was stopped {how} before it finished (out of memory?)",
                hint="no file was left half-written; run the command again",
            ) from None
        self._process.join()
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def finish(self) -> None:
        """Wait for a call whose result no longer matters (the caller is failing with an error of its own):
        the worker is never left running, and its own error does not replace the caller's."""
        try:
            self.result()
        except Exception:  # noqa: BLE001, S110 - the caller's error is the one to report
            pass

    def cancel(self) -> None:
        """Stop a call that writes nothing (its result is not wanted any more) without waiting for it, with the
        workers it forked (its process group): none is left to fail noisily on a pipe nobody reads."""
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
        except (AttributeError, OSError):  # no process groups here, or it is gone already
            self._process.terminate()
        self._process.join()


class _Done(Forked[R]):
    """A call that already ran in this process (no fork on this platform, or nothing to do)."""

    def __init__(self, function: Callable[..., R], *args: Any) -> None:
        self._value: R | None = None
        self._error: BaseException | None = None
        try:
            self._value = function(*args)
        except Exception as exc:  # noqa: BLE001 - raised by result(), like a worker's error
            self._error = exc

    def result(self) -> R:
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def cancel(self) -> None:
        pass


def fork_call(function: Callable[..., R], *args: Any) -> Forked[R]:
    """Start `function(*args)` in a forked process and return its handle: `result()` waits for it. The
    arguments are inherited, not pickled; only the result comes back. Where fork is not available the call
    runs here, at once. Callers always end the call (result, finish or cancel), also when they fail."""
    if not can_fork():
        return _Done(function, *args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def target() -> None:
        # Only the parent reads: if it dies, sending fails (instead of blocking on a full pipe forever) and the
        # worker ends, releasing what it inherited (the workspace lock among them).
        receive.close()
        with contextlib.suppress(AttributeError, OSError):
            os.setpgid(0, 0)  # a group of its own, with the workers it forks: `cancel` stops them all
        result: tuple[bool, Any]
        try:
            result = (True, function(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting parent, which raises it
            result = (False, exc)
        try:
            send.send(result)
        except (BrokenPipeError, OSError):
            pass  # the parent is gone: nobody wants the result

    process = context.Process(target=target)  # not a daemon: it may fork workers of its own
    process.start()
    send.close()
    return Forked(process, receive)


def done(function: Callable[..., R], *args: Any) -> Forked[R]:
    """`function(*args)` run here and now, behind the same handle as `fork_call` (for work too small to fork)."""
    return _Done(function, *args)
