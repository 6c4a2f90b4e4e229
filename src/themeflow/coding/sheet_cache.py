"""The coder sheet as themeflow last wrote it (private, `.themeflow/cache/`), so a re-run need not parse its
own .xlsx again: parsing 30,000 rows is most of a re-run's reading.

The cache is keyed by the sha256 of the bytes written. When the sheet on disk still has that digest nobody
has saved it since, and its rows are exactly `sheet_xlsx.rows_as_read` of what was written; any other sheet (edited,
replaced, restored) is read from the file. A missing or damaged cache only means reading the file.

Two files: the rows (`sheet-rows.json`, written while the sheet itself is still being written) and a small
record binding them to the sheet (`sheet-rows.sha256`: the sheet's digest and the rows file's), written once
the sheet is. Rows whose file is not the one the record names are never used: a run that stopped in between
leaves a cache that is only ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

from themeflow import fsio
from themeflow.sheet import Row

CACHE_FILE = "sheet-rows.json"
BINDING_FILE = "sheet-rows.sha256"
FORMAT = 3  # the rows column by column (header order, then row numbers), each joined by SEPARATOR when it can be
SEPARATOR = "\x1f"  # a control character: a cell holds one only if people typed it (then that column is a list)


def _path(private_dir: Path, name: str = CACHE_FILE) -> Path:
    return private_dir / "cache" / name


def encode(header: list[str], cells: list[tuple[str, ...]]) -> bytes:
    """The rows file for rows given as `sheet_xlsx.cells_as_read` gives them. Each column is stored as one string
    (JSON reads one long string much faster than thousands of short ones), or as a list when a cell of it
    holds the separator."""
    columns: list[str | list[str]] = []
    for values in zip(*cells, strict=True) if cells else [() for _ in range(len(header) + 1)]:
        joined = SEPARATOR.join(values)
        columns.append(joined if joined.count(SEPARATOR) == max(len(values) - 1, 0) else list(values))
    data = {"format": FORMAT, "header": header, "count": len(cells), "columns": columns}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def prepare(private_dir: Path, encoded: bytes) -> str | None:
    """Write the rows file (before the sheet they stand for is written); returns its digest for `bind` (None
    when the cache cannot be written)."""
    if not fsio.write_private_cache(_path(private_dir), encoded):
        return None
    return fsio.sha256_bytes(encoded)


def bind(private_dir: Path, sheet_digest: str, rows_digest: str) -> None:
    """Record that the rows file with `rows_digest` is the sheet whose bytes have `sheet_digest` (or, when
    that cannot be written, forget the cache: an older binding must not stand for this sheet)."""
    record = json.dumps({"sheet": sheet_digest, "rows": rows_digest}).encode("utf-8")
    if not fsio.write_private_cache(_path(private_dir, BINDING_FILE), record):
        remove(private_dir)


def load(private_dir: Path, digest: str | None) -> tuple[list[str], list[Row]] | None:
    """(header, rows) of the sheet whose bytes have `digest`, if that is the sheet last written; with
    digest None, of the sheet last written whatever is on disk now (to see what people changed)."""
    try:
        binding = json.loads(_path(private_dir, BINDING_FILE).read_bytes())
        if digest is not None and binding["sheet"] != digest:
            return None
        raw = _path(private_dir).read_bytes()
        if fsio.sha256_bytes(raw) != binding["rows"]:
            return None
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            return None
        # The file is the one bound to the sheet by its digest: what encode() wrote, so only its shape is checked.
        header, count = data["header"], data["count"]
        keys = [*header, "_row"]
        columns = [value.split(SEPARATOR) if isinstance(value, str) else value for value in data["columns"]]
        if len(columns) != len(keys) or any(len(column) != count for column in columns if count):
            return None
        rows = zip(*columns, strict=True)
        return header, [dict(zip(keys, values, strict=False)) for values in rows] if count else []  # widths checked
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remove(private_dir: Path) -> None:
    """Forget the cached rows (the sheet just written could not be cached)."""
    fsio.forget_private_cache(*(_path(private_dir, name) for name in (BINDING_FILE, CACHE_FILE)))
