"""What de-identification is told: `deid:` in themeflow.yaml (names, terms, keep) and the participants'
own names with their pseudonyms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from themeflow.deid.terms import configured_terms

NAME_COLUMNS = ("name", "姓名", "real_name", "full_name", "真实姓名")
PSEUDONYM_COLUMNS = ("pseudonym", "化名", "假名")


@dataclass
class Settings:
    names: list[str] = field(default_factory=list)
    terms: list[tuple[str, str]] = field(default_factory=list)  # (term, label)
    keep: list[str] = field(default_factory=list)
    participants: list[tuple[str, str, str]] = field(default_factory=list)  # (participant_id, name, pseudonym)

    def digest_data(self) -> dict[str, Any]:
        return {
            "names": sorted(set(self.names)),
            "terms": sorted(set(self.terms)),
            "keep": sorted(set(self.keep)),
            "participants": sorted(self.participants),
        }


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _column(row: dict[str, str], names: tuple[str, ...]) -> str:
    lowered = {k.strip().lower(): v for k, v in row.items() if k}
    return next((str(lowered[n]).strip() for n in names if str(lowered.get(n, "") or "").strip()), "")


def participant_pseudonym(participant_id: str, pseudonym: str) -> str:
    value = pseudonym or participant_id
    return value if value.startswith("[") and value.endswith("]") else f"[{value}]"


def read_settings(workspace: Any, participants: Any) -> Settings:
    section = workspace.section("deid") if hasattr(workspace, "section") else {}
    people = []
    for row in getattr(participants, "rows", []) or []:
        name = _column(row, NAME_COLUMNS)
        if name:
            pid = row["participant_id"]
            people.append((pid, name, participant_pseudonym(pid, _column(row, PSEUDONYM_COLUMNS))))
    # A participant's pseudonym (阿明, 老孙) is already de-identified: kept as written wherever it occurs.
    own_pseudonyms = [_column(r, PSEUDONYM_COLUMNS) for r in getattr(participants, "rows", []) or []]
    return Settings(
        names=_strings(section.get("names")),
        terms=configured_terms(section.get("terms")),
        keep=_strings(section.get("keep")) + [p for p in own_pseudonyms if p],
        participants=people,
    )
