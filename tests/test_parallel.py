"""Both cores, same result: forked ingest and drafting give byte-identical artefacts and coder sheets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import TRANSCRIPT_A, TRANSCRIPT_B, invoke, make_workspace
from themeflow import parallel
from themeflow.coding import candidates
from themeflow.ingest import stage


def _square(offset: int, item: int) -> int:
    return item * item + offset


def test_fork_map_keeps_input_order() -> None:
    items = list(range(50))
    assert parallel.fork_map(_square, 1, items, 2) == [i * i + 1 for i in items]


def _pid_and_sum(numbers: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def _fails(message: str) -> None:
    raise OSError(message)


@pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork worker processes")
def test_fork_call_runs_elsewhere_and_hands_back_result_or_error() -> None:
    pid, total = parallel.fork_call(_pid_and_sum, list(range(10))).result()
    assert total == 45 and pid != os.getpid()
    with pytest.raises(OSError, match="disk full"):
        parallel.fork_call(_fails, "disk full").result()
    parallel.fork_call(_fails, "ignored").finish()  # the caller's own error is the one that counts
    slow = parallel.fork_call(time.sleep, 30)
    started = time.monotonic()
    slow.cancel()
    assert time.monotonic() - started < 10 and slow._process.exitcode is not None
    pid, total = parallel.done(_pid_and_sum, [1, 2]).result()
    assert pid == os.getpid() and total == 3


def _artefacts(root: Path) -> dict[str, bytes]:
    out = root / "analysis"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork worker processes")
def test_parallel_ingest_and_code_match_one_process(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    texts = {
        f"P{i}_x.txt": (TRANSCRIPT_A if i % 2 else TRANSCRIPT_B).replace("老李", f"老{'赵钱孙李周吴'[i % 6]}")
        for i in range(1, 7)
    }
    results = []
    for name, forced in (("serial", False), ("forked", True)):
        root = make_workspace(tmp_path / name, texts)
        config = root / "themeflow.yaml"
        config.write_text(
            config.read_text(encoding="utf-8") + f"segmentation: {{processes: {2 if forced else 1}}}\n",
            encoding="utf-8",
        )
        if forced:
            monkeypatch.setattr(stage, "MIN_PARALLEL_CHARS", 0)
            monkeypatch.setattr(candidates, "MIN_PARALLEL_SENTENCES", 0)
        assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
        assert invoke(runner, "code", "--workspace", str(root)).exit_code == 0
        results.append(_artefacts(root))
    assert results[0].keys() == results[1].keys()
    for name in results[0]:
        if name.endswith("stage.json"):
            continue  # records the processes setting itself
        assert results[0][name] == results[1][name], name


@pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork worker processes")
def test_a_worker_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A result larger than a pipe holds, and the parent killed before reading it: the worker must end (it
    holds the workspace lock), not wait forever."""
    import signal
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from themeflow import parallel\n"
        "handle = parallel.fork_call(lambda: b'x' * 10_000_000)\n"
        "print(handle._process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())  # type: ignore[union-attr]
    time.sleep(1)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{worker}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":  # ended; only waiting to be reaped
            return
        time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the worker outlived its parent")


def _fork_a_sleeper(pid_file: str) -> None:
    """A worker that forks a worker of its own (as drafting forks a pool) and waits."""
    import multiprocessing
    import time
    from pathlib import Path

    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    child.start()
    Path(pid_file).write_text(str(child.pid), encoding="utf-8")
    child.join()


def test_cancel_stops_the_workers_a_worker_forked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Cancelling a forked call stops the processes it forked too (its process group): none is left running,
    or failing noisily later on a pipe nobody reads."""
    from themeflow.parallel import fork_call

    pid_file = tmp_path / "pid"
    call = fork_call(_fork_a_sleeper, str(pid_file))
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text(encoding="utf-8"):
            break
        time.sleep(0.02)
    grandchild = int(pid_file.read_text(encoding="utf-8"))
    call.cancel()
    for _ in range(100):
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        os.kill(grandchild, 9)
        raise AssertionError("the worker's own worker was left running")


def _killed() -> None:
    os.kill(os.getpid(), 9)


def test_a_worker_killed_from_outside_is_a_clear_error() -> None:
    """A worker killed before it finished (the out-of-memory killer) is reported as such, exit code 1, with
    what to do: not an internal error."""
    from themeflow.errors import WorkerStopped

    with pytest.raises(WorkerStopped) as caught:
        parallel.fork_call(_killed).result()
    assert caught.value.exit_code == 1
    assert "signal 9" in str(caught.value) and "run the command again" in " ".join(caught.value.lines())
