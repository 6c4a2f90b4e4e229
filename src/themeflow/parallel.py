"""Map a function over items on both cores, for the heavy per-transcript work of ingest and code.

Workers are forked, so they inherit what the parent prepared (jieba's dictionary with the user words, the
compiled codebook, the de-identification detector) and the items themselves instead of rebuilding or
pickling them: only item numbers go to the workers, only results come back. Where fork is not
available, or the work is small, the map runs in this process. Results come back in input order, so the
output never depends on which worker finished first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

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


def fork_call(function: Callable[..., R], *args: Any) -> Callable[[], R]:
    """Start `function(*args)` in a forked process and return a function that waits for its result (raising
    what it raised). The arguments are inherited, not pickled; only the result comes back. Where fork is not
    available the call runs here, at once. Callers always wait, also when their own work fails."""
    if not can_fork():
        result = function(*args)
        return lambda: result
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def target() -> None:
        try:
            send.send((True, function(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting parent, which raises it
            send.send((False, exc))

    process = context.Process(target=target)  # not a daemon: it may fork workers of its own
    process.start()
    send.close()

    def wait() -> R:
        try:
            ok, value = receive.recv()
        except EOFError:
            process.join()
            raise RuntimeError(f"a worker process ended without a result (exit code {process.exitcode})") from None
        process.join()
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return wait


def finish(wait: Callable[[], Any]) -> None:
    """Wait for a `fork_call` whose result no longer matters (the caller is failing with an error of its
    own): the worker is never left running, and its own error does not replace the caller's."""
    try:
        wait()
    except Exception:  # noqa: BLE001, S110 - the caller's error is the one to report
        pass
