"""What people had written in the sheet the last time themeflow wrote it (private, `.themeflow/cache/`).

Coders sometimes delete a row they consider irrelevant. The candidate comes back on the next run, and without
this record its decision and memo would be gone. With it, a deleted row the codebook still proposes returns with
what people had decided, and every deleted decision is reported; a deleted row the codebook no longer proposes
stays deleted (it is in `history/`).
"""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path

from themeflow import fsio
from themeflow.sheet import TOOL_COLUMNS, TYPES_KEY, Row

SNAPSHOT_FILE = "sheet-people.json"


def people_values(rows: list[Row]) -> dict[str, dict[str, str]]:
    """unit_id -> people's non-empty cells, for rows where people wrote anything (with which of them were
    numbers or dates, so a restored row keeps their types)."""
    tool = set(TOOL_COLUMNS)
    people = [k for k in dict.fromkeys(chain.from_iterable(rows)) if k not in tool and not k.startswith("_")]
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        values = {k: v for k in people if (v := row.get(k)) and v.strip()}
        unit = row.get("unit_id", "")
        if unit and values:
            if row.get(TYPES_KEY):
                values[TYPES_KEY] = row[TYPES_KEY]
            out[unit] = values
    return out


def load(private_dir: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((private_dir / "cache" / SNAPSHOT_FILE).read_text(encoding="utf-8"))
        return {str(k): {str(c): str(v) for c, v in values.items()} for k, values in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def encode(rows: list[Row]) -> str:
    return json.dumps(people_values(rows), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def save(private_dir: Path, encoded: str) -> None:
    """Remember what `encode` made of the rows just written."""
    fsio.write_private_cache(private_dir / "cache" / SNAPSHOT_FILE, encoded.encode("utf-8"))
