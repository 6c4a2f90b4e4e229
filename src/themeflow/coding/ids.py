"""Stable unit ids: the same unit gets the same id on every run, even when its offsets move.

An id is derived from what a unit *is* (transcript, code, text, and which occurrence of that text), never
from where it sits, so inserting text before a unit re-anchors it without changing its id.
"""

from __future__ import annotations

import hashlib


def unit_id(transcript_id: str, code: str, text: str, occurrence: int = 0) -> str:
    key = "\x1f".join([transcript_id, code, text, str(occurrence)])
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def manual_unit_id(transcript_id: str, text: str, occurrence: int = 0) -> str:
    """Ids of units people added by hand (their code may be changed later by people, so it is not in the id)."""
    key = "\x1f".join(["manual", transcript_id, text, str(occurrence)])
    return "m" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
