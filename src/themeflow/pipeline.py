"""The pipeline as a whole: `run` (every stage in order, each only if stale, saying why) and `status`
(per stage fresh/stale and why; coder progress). Stage modules load lazily, so `status` stays fast."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from themeflow import lock
from themeflow.errors import ThemeflowError, UsageError
from themeflow.workspace import Workspace, holds_lock

STAGES = ("ingest", "code", "themes")
MODULES = {
    "ingest": "themeflow.ingest",
    "code": "themeflow.coding",
    "themes": "themeflow.themes",
    "agree": "themeflow.agree",
}


@dataclass
class StageStep:
    """What `run` did with one stage and why."""

    stage: str
    action: str  # "run" or "skip"
    reasons: list[str]
    result: Any = None
    exit_code: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "action": self.action,
            "reasons": self.reasons,
            "exit_code": self.exit_code,
        }
        if self.result is not None and hasattr(self.result, "to_dict"):
            out["result"] = self.result.to_dict()
        return out


@dataclass
class RunResult:
    steps: list[StageStep] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return max((s.exit_code for s in self.steps), default=0)

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [s.to_dict() for s in self.steps], "exit_code": self.exit_code}


def _module(stage: str) -> Any:
    return importlib.import_module(MODULES[stage])


def _runnable(stage: str) -> Any:
    try:
        module = _module(stage)
    except ImportError:
        module = None
    if module is None or not hasattr(module, "run") or not hasattr(module, "stale_reasons"):
        raise UsageError(f"the {stage} stage is not available in this installation of themeflow")
    return module


def _role_swaps(ws: Workspace, reasons: list[str]) -> dict[str, tuple[str, str]]:
    """Files a stage record lists as removed while they are still on disk, because themeflow.yaml now names
    another file for the same role: {old path: (role, new path)}."""
    roles = {
        lock.relative(ws.codebook_file, ws.root): "the codebook",
        lock.relative(ws.participants_file, ws.root): "the participants file",
        lock.relative(ws.dictionary_file, ws.root): "the dictionary",
    }
    new = [path for path in roles if f"{path} is new" in reasons]
    swaps: dict[str, tuple[str, str]] = {}
    for reason in reasons:
        if not reason.endswith(" was removed") or reason.startswith("output "):
            continue
        old = reason[: -len(" was removed")]
        if not (ws.root / old).exists():
            continue
        suffix = old.rsplit(".", 1)[-1].lower()
        match = next((p for p in new if p.rsplit(".", 1)[-1].lower() == suffix), new[0] if new else "")
        swaps[old] = (roles[match], match) if match else ("an input", "")
    return swaps


def explain(ws: Workspace, reasons: list[str], advice: str = "") -> list[str]:
    """Stage records speak of files; say what they mean to the people using the workspace. A coder sheet
    people edited is expected work, not damage (`advice`, e.g. what to run, is added to that reason); a file
    "removed" from a stage's inputs while it is still on disk was swapped out in themeflow.yaml."""
    sheet = lock.relative(ws.sheet_path, ws.root)
    swaps = _role_swaps(ws, reasons)
    replaced = {new: role for role, new in swaps.values() if new}
    out: list[str] = []
    for reason in reasons:
        if reason in (f"output {sheet} was modified", f"{sheet} was modified"):
            text = f"the coder sheet {sheet} was revised" + (f" ({advice})" if advice else "")
            if text not in out:
                out.append(text)
        elif reason.endswith(" was removed") and reason[: -len(" was removed")] in swaps:
            old = reason[: -len(" was removed")]
            out.append(f"{old} is no longer {swaps[old][0]} in themeflow.yaml (the file is still there)")
        elif reason.endswith(" is new") and reason[: -len(" is new")] in replaced:
            new = reason[: -len(" is new")]
            out.append(f"{new} is {replaced[new]} in themeflow.yaml now")
        else:
            out.append(reason)
    return out


def stage_reasons(ws: Workspace, stage: str) -> list[str]:
    """Why a stage is stale (empty when fresh)."""
    return explain(ws, list(_runnable(stage).stale_reasons(ws)))


def _run_stage(ws: Workspace, stage: str) -> Any:
    return _runnable(stage).run(ws)


@holds_lock
def run(
    ws: Workspace,
    force: bool = False,
    on_step: Callable[[StageStep], None] | None = None,
    stages: tuple[str, ...] = STAGES,
) -> RunResult:
    """Run ingest → code → themes, each only when stale (or all with `force`). `on_step` hears about each
    stage before it runs (action and reasons) so a caller can say why while the work happens. Staleness is
    judged just before each stage, after the stages before it have run. A codebook the code stage could not
    load stops the run before any stage writes."""
    if "code" in stages and ws.codebook_file.exists():
        from themeflow import codebook as codebook_mod
        from themeflow.coding.stage import applied_before

        # Raises InputError (file, line) for what `themeflow code` would refuse; spaCy checks token patterns only
        # of a codebook the code stage has not applied before (importing it takes a second).
        codebook_mod.load(ws.codebook_file, check_token_patterns=not applied_before(ws, ws.codebook_file))
    result = RunResult()
    for stage in stages:
        reasons = stage_reasons(ws, stage)
        if force:
            reasons = ["--force"] + reasons
        step = StageStep(
            stage,
            "run" if reasons else "skip",
            reasons or ["up to date: inputs, settings and outputs unchanged since the last run"],
        )
        if on_step:
            on_step(step)
        if step.action == "run":
            step.result = _run_stage(ws, stage)
            step.exit_code = int(getattr(step.result, "exit_code", 0) or 0)
        result.steps.append(step)
    return result


# --- status ---------------------------------------------------------------------------------------

PROGRESS_KEYS = ("units", "pending", "accepted", "rejected", "stale", "orphaned")
UNASSIGNED = "(unassigned)"


def _stage_dir(ws: Workspace, stage: str) -> Any:
    return {"ingest": ws.ingest_dir, "code": ws.code_dir, "agree": ws.agree_dir, "themes": ws.themes_dir}[stage]


def _recorded_reasons(ws: Workspace, stage: str) -> list[str]:
    """Staleness from a stage's own record alone (re-hash what it recorded): for stages without a
    `stale_reasons` of their own."""
    previous = lock.read(_stage_dir(ws, stage))
    if previous is None:
        return ["it has never run"]
    deps = lock.hash_paths([ws.root / path for path in previous.deps], ws.root)
    return lock.stale_reasons(previous, deps, previous.params, ws.root)


def stage_state(ws: Workspace, stage: str) -> dict[str, Any]:
    try:
        module = _module(stage)
        reasons = list(module.stale_reasons(ws)) if hasattr(module, "stale_reasons") else _recorded_reasons(ws, stage)
        reasons = explain(ws, reasons, advice=f"run `themeflow {'agree' if stage == 'agree' else 'run'}`")
    except ImportError:
        reasons = _recorded_reasons(ws, stage)
    except ThemeflowError as exc:
        return {"stage": stage, "state": "blocked", "reasons": [str(exc)]}
    if reasons == ["it has never run"]:
        state = "not run"
    else:
        state = "stale" if reasons else "fresh"
    return {"stage": stage, "state": state, "reasons": reasons}


def _empty() -> dict[str, int]:
    return {k: 0 for k in PROGRESS_KEYS}


def coder_progress(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Units pending / accepted / rejected (decisions) and stale / orphaned (status), overall, per coder and
    per transcript. Pure."""
    from themeflow.sheet import normalise_decision

    total = _empty()
    by_coder: dict[str, dict[str, int]] = {}
    by_transcript: dict[str, dict[str, int]] = {}
    for row in rows:
        decision = normalise_decision(row.get("decision", ""))
        keys = [
            "units",
            {"": "pending", "accept": "accepted", "reject": "rejected"}.get(decision or "", "pending"),
        ]
        status = (row.get("status") or "").strip()
        if status in {"stale", "orphaned"}:
            keys.append(status)
        coder = (row.get("coder") or "").strip() or UNASSIGNED
        transcript = (row.get("transcript_id") or "").strip() or "(none)"
        for bucket in (
            total,
            by_coder.setdefault(coder, _empty()),
            by_transcript.setdefault(transcript, _empty()),
        ):
            for key in keys:
                bucket[key] += 1
    from themeflow.ingest.participants import sort_key

    return {
        "total": total,
        "by_coder": dict(sorted(by_coder.items(), key=lambda kv: (kv[0] == UNASSIGNED, kv[0]))),
        "by_transcript": dict(sorted(by_transcript.items(), key=lambda kv: sort_key(kv[0]))),
    }


def status(ws: Workspace) -> dict[str, Any]:
    """Per stage fresh / stale / not run / blocked, with reasons; coder progress on the sheet."""
    stages = list(STAGES)
    if ws.agree_dir.exists():
        stages.insert(2, "agree")
    from themeflow.ingest.stage import skipped_last_time

    out: dict[str, Any] = {
        "workspace": str(ws.root),
        "stages": [stage_state(ws, s) for s in stages],
        "sheet": lock.relative(ws.sheet_path, ws.root),
        "skipped": skipped_last_time(ws),
        "progress": None,
    }
    if ws.sheet_path.exists():
        from themeflow import sheet

        try:
            _header, rows = sheet.read_rows(ws.sheet_path)
        except ThemeflowError as exc:
            out["sheet_error"] = str(exc)
        else:
            out["progress"] = coder_progress(rows)
    return out
