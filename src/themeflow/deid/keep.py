"""`themeflow deid review --keep TERM`: add TERM to `deid.keep` in themeflow.yaml.

The file is edited line by line (comments and layout stay as people wrote them), then read back: the edit is
written only when the result parses to the same settings plus the new term; otherwise nothing is written.
Because `deid` settings are part of ingest's cache key, the next ingest de-identifies again and leaves
TERM as written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from themeflow import fsio
from themeflow.errors import UsageError
from themeflow.workspace import CONFIG_NAME

_DEID = re.compile(r"^deid:\s*(#.*)?$")
_DEID_FLOW = re.compile(r"^deid:\s*(\{.*\})\s*(#.*)?$")
_KEEP = re.compile(r"^(\s+)keep:\s*(.*?)\s*(#.*)?$")


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()


def _load(text: str, path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"not valid YAML ({exc})", file=path) from exc
    if not isinstance(data, dict):
        raise UsageError("expected a mapping of settings", file=path)
    return data


def with_kept_term(text: str, term: str, path: Path) -> str:
    """`text` (a themeflow.yaml) with `term` added to deid.keep."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        flow = _DEID_FLOW.match(line)
        if flow:
            section = yaml.safe_load(flow.group(1)) or {}
            section["keep"] = list(section.get("keep") or []) + [term]
            lines[index] = "deid: " + _flow(section)
            return "\n".join(lines) + "\n"
        if not _DEID.match(line):
            continue
        block_end = index + 1
        while block_end < len(lines) and (not lines[block_end].strip() or lines[block_end][:1] in " \t#"):
            block_end += 1
        for inner in range(index + 1, block_end):
            keep = _KEEP.match(lines[inner])
            if not keep:
                continue
            indent, value = keep.group(1), keep.group(2)
            if value:  # keep: [a, b]
                current = yaml.safe_load(value) or []
                lines[inner] = f"{indent}keep: {_flow(list(current) + [term])}" + (
                    f"  {keep.group(3)}" if keep.group(3) else ""
                )
                return "\n".join(lines) + "\n"
            last, item_indent = inner, indent + "  "
            for follow in range(inner + 1, block_end):
                item = re.match(r"^(\s*)- ", lines[follow])
                if item and len(item.group(1)) > len(indent) - 2:
                    last, item_indent = follow, item.group(1)
                elif lines[follow].strip() and not lines[follow].lstrip().startswith("#"):
                    break
            lines.insert(last + 1, f"{item_indent}- {_flow([term])[1:-1]}")
            return "\n".join(lines) + "\n"
        child = next(
            (
                lines[i]
                for i in range(index + 1, block_end)
                if lines[i].strip() and not lines[i].lstrip().startswith("#")
            ),
            "  x",
        )
        indent = child[: len(child) - len(child.lstrip())] or "  "
        lines.insert(index + 1, f"{indent}keep: {_flow([term])}")
        return "\n".join(lines) + "\n"
    prefix = text if not text or text.endswith("\n") else text + "\n"
    return prefix + f"deid:\n  keep: {_flow([term])}\n"


def keep_term(root: Path, term: str) -> bool:
    """Add `term` to deid.keep of the workspace at `root`. Returns False when it was already kept."""
    term = term.strip()
    if not term:
        raise UsageError("--keep needs a term")
    path = Path(root) / CONFIG_NAME
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    before = _load(text, path)
    raw = before.get("deid")
    section: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if term in [str(k) for k in (section.get("keep") or [])]:
        return False
    if "deid" in before and not isinstance(before["deid"], dict):
        raise UsageError("`deid:` must be a mapping (enabled, names, terms, keep)", file=path)
    new_text = with_kept_term(text, term, path)
    after = _load(new_text, path)
    expected = dict(before)
    expected["deid"] = dict(section, keep=list(section.get("keep") or []) + [term])
    if after != expected:
        raise UsageError(
            "could not add the term to deid.keep without changing other settings; nothing was written",
            file=path,
            hint=f"add it by hand under deid: keep: [{term}]",
        )
    fsio.write_text(path, new_text)
    return True
