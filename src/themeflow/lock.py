"""Stage records: what a stage was given (input hashes, parameters, tool version) and what it wrote.

Like DVC's lock file, a record is sorted and free of timestamps, so git diffs stay readable, and a stage is
stale exactly when a dependency, a parameter, the tool version or an output changed; `stale_reasons` says
which, cheapest check first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import __version__, fsio

RECORD_NAME = "stage.json"


@dataclass
class StageRecord:
    stage: str
    tool_version: str = __version__
    params: dict[str, Any] = field(default_factory=dict)
    deps: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    outs: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def to_json(self) -> str:
        data = {
            "stage": self.stage,
            "tool_version": self.tool_version,
            "params": self.params,
            "deps": dict(sorted(self.deps.items())),
            "outs": dict(sorted(self.outs.items())),
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def hash_paths(paths: list[Path], root: Path, known: dict[Path, str] | None = None) -> dict[str, str]:
    """Hash files (and, for folders, every file inside by relative path and bytes). `known`: digests of files
    the caller has just read and hashed (by path), used instead of reading them again."""
    out: dict[str, str] = {}
    known = known or {}
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("~$", "."))):
                digest = known.get(child)
                out[relative(child, root)] = digest if digest is not None else fsio.sha256_file(child)
        elif path.is_file():
            out[relative(path, root)] = fsio.sha256_file(path)
        else:
            out[relative(path, root)] = "missing"
    return out


def hash_folder(folder: Path, root: Path, known: dict[Path, str] | None = None) -> dict[str, str]:
    """One digest for a whole folder (every file's relative path and bytes), under the folder's own name
    (`known`: see `hash_paths`).

    Used where file names themselves may be sensitive (transcripts named after people): the record then
    says that the folder changed, never which names it holds."""
    digest = hashlib.sha256()
    for path, file_digest in sorted(hash_paths([folder], folder, known).items()):
        digest.update(f"{path}\x1f{file_digest}\n".encode())
    return {relative(folder, root).rstrip("/") + "/": digest.hexdigest() if folder.is_dir() else "missing"}


def read(stage_dir: Path) -> StageRecord | None:
    path = stage_dir / RECORD_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StageRecord(
            stage=data["stage"],
            tool_version=data.get("tool_version", ""),
            params=data.get("params", {}),
            deps=data.get("deps", {}),
            outs=data.get("outs", {}),
        )
    except (ValueError, KeyError):
        return None


def write(stage_dir: Path, record: StageRecord) -> None:
    fsio.write_text(stage_dir / RECORD_NAME, record.to_json())


def stale_reasons(previous: StageRecord | None, deps: dict[str, str], params: dict[str, Any], root: Path) -> list[str]:
    """Why a stage must run again; empty when it is fresh."""
    if previous is None:
        return ["it has never run"]
    reasons: list[str] = []
    if previous.tool_version != __version__:
        reasons.append(f"themeflow changed ({previous.tool_version} → {__version__})")
    if previous.params != json.loads(json.dumps(params)):
        changed = sorted(k for k in set(previous.params) | set(params) if previous.params.get(k) != params.get(k))
        reasons.append(f"settings changed: {', '.join(changed)}")
    for path in sorted(set(previous.deps) | set(deps)):
        before, now = previous.deps.get(path), deps.get(path)
        if before == now:
            continue
        if before is None:
            reasons.append(f"{path} is new")
        elif now is None or now == "missing":
            reasons.append(f"{path} was removed")
        else:
            reasons.append(f"{path} was modified")
    for path, digest in sorted(previous.outs.items()):
        target = root / path
        if not target.exists():
            reasons.append(f"output {path} is missing")
        elif fsio.sha256_file(target) != digest:
            reasons.append(f"output {path} was modified")
    return reasons
