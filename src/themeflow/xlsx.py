"""Deterministic .xlsx bytes: openpyxl stamps the time into document properties and zip entries;
we pin both so the same sheet is the same bytes (CI diffs artefacts)."""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from typing import Any

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)


def workbook_bytes(workbook: Any) -> bytes:
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "themeflow"
    workbook.properties.lastModifiedBy = "themeflow"
    raw = io.BytesIO()
    workbook.save(raw)
    return normalise_zip(raw.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and a stable order of members."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
