"""Placeholder engine: passes text through unchanged until the detectors land (issue: de-identification)."""

from __future__ import annotations

from typing import Any


class Deidentifier:
    enabled = False

    def settings_digest(self) -> str:
        return "off"

    def apply(self, transcript_id: str, text: str) -> tuple[str, list[dict[str, Any]]]:
        return text, []

    def save(self, transcript_ids: list[str]) -> None:
        return None


def prepare(workspace: Any, participants: Any, enabled: bool = True) -> Deidentifier:
    return Deidentifier()
