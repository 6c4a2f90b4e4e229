"""`analysis/01-ingest/redactions.csv`: where each replacement sits in the de-identified text, with no
originals (those are only in the key)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

REDACTIONS_NAME = "redactions.csv"
COLUMNS = ["transcript_id", "start", "end", "kind", "pseudonym"]


def read(ingest_dir: Path) -> list[dict[str, str]]:
    path = ingest_dir / REDACTIONS_NAME
    if not path.exists():
        return []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            places = [header.index(c) if c in header else None for c in COLUMNS]
            return [
                {
                    c: (values[i] if i is not None and i < len(values) else "")
                    for c, i in zip(COLUMNS, places, strict=True)
                }
                for values in reader
                if values
            ]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    ordered = sorted(rows, key=lambda r: (r["transcript_id"], int(r["start"]), int(r["end"])))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")  # DictWriter is ~3x slower
    writer.writerow(COLUMNS)
    writer.writerows([str(r[c]) for c in COLUMNS] for r in ordered)
    return out.getvalue().encode("utf-8")
