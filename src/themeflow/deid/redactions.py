"""`analysis/01-ingest/redactions.csv`: where each replacement sits in the de-identified text, with no
originals (those are only in the key)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

REDACTIONS_NAME = "redactions.csv"
COLUMNS = ["transcript_id", "start", "end", "kind", "pseudonym"]


def read(ingest_dir: Path) -> list[dict[str, str]]:
    return [dict(zip(COLUMNS, values, strict=True)) for values in read_values(ingest_dir)]


def read_values(ingest_dir: Path) -> list[list[str]]:
    """The rows of redactions.csv as lists of cells in COLUMNS order ("" where a column is missing)."""
    path = ingest_dir / REDACTIONS_NAME
    if not path.exists():
        return []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            if header == COLUMNS:
                return [values for values in reader if len(values) == len(COLUMNS)]
            places = [header.index(c) if c in header else None for c in COLUMNS]
            return [
                [values[i] if i is not None and i < len(values) else "" for i in places] for values in reader if values
            ]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    return values_csv_bytes([[str(r[c]) for c in COLUMNS] for r in rows])


def values_csv_bytes(rows: list[list[str]]) -> bytes:
    """redactions.csv for rows given as lists of cells in COLUMNS order, sorted by transcript and place."""
    ordered = sorted(rows, key=lambda r: (r[0], int(r[1]), int(r[2])))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")  # DictWriter is ~3x slower
    writer.writerow(COLUMNS)
    writer.writerows(ordered)
    return out.getvalue().encode("utf-8")
