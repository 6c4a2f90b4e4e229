"""The coder sheet as themeflow last wrote it (private, `.themeflow/cache/`), so a re-run need not parse its
own .xlsx again: parsing 30,000 rows is most of a re-run's reading.

The cache is keyed by the sha256 of the bytes written. When the sheet on disk still has that digest nobody
has saved it since, and its rows are exactly `sheet.rows_as_read` of what was written; any other sheet (edited,
replaced, restored) is read from the file. A missing or damaged cache only means reading the file.
"""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path

from themeflow import fsio
from themeflow.sheet import Row

CACHE_FILE = "sheet-rows.json"
FORMAT = 2  # rows as [cells in header order..., row number]


def _path(private_dir: Path) -> Path:
    return private_dir / "cache" / CACHE_FILE


def encode(header: list[str], cells: list[tuple[str, ...]]) -> str:
    """The cache's JSON for rows given as `sheet.cells_as_read` gives them, but for the digest (see `save`)."""
    return json.dumps({"format": FORMAT, "header": header, "rows": cells}, ensure_ascii=False, separators=(",", ":"))


def save(private_dir: Path, digest: str, encoded: str) -> None:
    """Remember encoded rows for the sheet whose bytes have `digest`."""
    text = '{"sha256":' + json.dumps(digest) + "," + encoded[1:]
    fsio.write_text(_path(private_dir), text, mode=0o600)


def load(private_dir: Path, digest: str | None) -> tuple[list[str], list[Row]] | None:
    """(header, rows) of the sheet whose bytes have `digest`, if that is the sheet last written; with
    digest None, of the sheet last written whatever is on disk now (to see what people changed)."""
    try:
        data = json.loads(_path(private_dir).read_bytes())
        if data.get("format") != FORMAT or (digest is not None and data.get("sha256") != digest):
            return None
        header, cells = data["header"], data["rows"]
        keys = [*header, "_row"]
        if (
            not isinstance(cells, list)
            or set(map(type, header)) - {str}
            or set(map(type, cells)) - {list}
            or set(map(len, cells)) - {len(keys)}
            or set(map(type, chain.from_iterable(cells))) - {str}
        ):
            return None  # not what save() writes
        return header, [dict(zip(keys, values, strict=False)) for values in cells]  # lengths checked above
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remove(private_dir: Path) -> None:
    """Forget the cached rows (the sheet just written could not be cached)."""
    _path(private_dir).unlink(missing_ok=True)
