"""Deterministic .xlsx bytes. XlsxWriter, writing in memory, dates every zip member 1980-01-01; the document
properties take this fixed time instead of the time of writing, so the same sheet is the same bytes (CI diffs
artefacts)."""

from __future__ import annotations

import datetime as _dt

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)
