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
