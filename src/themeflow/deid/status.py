"""Whether the artefacts under analysis/ were de-identified, and the warning every command that reads
them shows when they were not."""

from __future__ import annotations

import json
from typing import Any

OFF_WARNING = (
    "de-identification was OFF when these transcripts were ingested: analysis/ contains names and numbers; "
    "do not share it (run `themeflow ingest` without --no-deid to de-identify)"
)


def deid_was_off(ws: Any) -> bool:
    path = ws.ingest_dir / "manifest.json"
    if not path.exists():
        return False
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False
    return str((manifest.get("tool") or {}).get("deid", "")) == "off"


def warning_for(ws: Any) -> str | None:
    """The loud warning to print when ingest ran without de-identification, else None."""
    return OFF_WARNING if deid_was_off(ws) else None
