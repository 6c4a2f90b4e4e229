"""Deterministic .xlsx bytes: openpyxl stamps the time into document properties and zip entries;
we pin both so the same sheet is the same bytes (CI diffs artefacts)."""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from typing import Any

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)
FIXED_STAMP = b"2000-01-01T00:00:00Z"
# openpyxl stamps the save time into <dcterms:modified> whatever the properties say: pin both times.
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)([^<]*)(</dcterms:(?:created|modified)>)")


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
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>" + FIXED_STAMP + rb"\g<3>", data)
            target.writestr(fixed, data)
    return out.getvalue()
