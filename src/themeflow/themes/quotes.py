"""Representative quotes and their attributions ("(P4, 精神分裂症, 男)")."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from themeflow.themes.inputs import Row, Unit, natural_key

_GAP = "\x00"
# A missing field takes one neighbouring separator with it: "(P4, , 男)" → "(P4, 男)".
_SEPARATOR = r"\s*[,，、;；/|·]\s*"
_CHUNK = r"[^,，、;；/|·()（）\[\]\s\x00]*"  # text glued to a field, up to a separator or bracket


@dataclass(frozen=True)
class Quote:
    code: str
    rank: int
    unit: Unit
    attribution: str
    chosen_by: str  # "coder" (marked quote) or "auto"


def attribution(template: str, participant: Mapping[str, str]) -> str:
    """Fill `{column}` fields from the participant's row; missing or blank fields are left out with their
    separator, so a template never prints "None" or ", ,"."""
    parts: list[str] = []
    for literal, field_name, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if field_name is not None:
            value = str(participant.get(field_name, "") or "").strip()
            parts.append(value or _GAP)
    text = "".join(parts)
    # A blank field takes its words with it (`{age}岁` with no age: no stray 岁).
    text = re.sub(_CHUNK + _GAP + _CHUNK, _GAP, text)
    text = re.sub(_SEPARATOR + _GAP, "", text)
    text = re.sub(_GAP + _SEPARATOR, "", text)
    text = text.replace(_GAP, "")
    text = re.sub(r"[(（]\s*[)）]|\[\s*\]", "", text)
    return text.strip()


ALWAYS_FIELDS = ("participant_id", "transcript_id")


def template_notices(template: str, columns: Sequence[str]) -> list[str]:
    """One warning per `{column}` of the attribution template the participants file does not have (such a
    field is left out of every attribution, which is easy to miss)."""
    try:
        fields = [name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return [f"themes.attribution {template!r} is not a valid template ({exc}); fields may be missing"]
    listed = list(dict.fromkeys(["participant_id", *columns]))
    return [
        f'themes.attribution: column "{name}" is not in the participants file (its columns: '
        f"{', '.join(listed)}); it is left out of every quote attribution"
        for name in dict.fromkeys(fields)
        if name not in listed and name not in ALWAYS_FIELDS
    ]


def _auto_order(unit: Unit) -> tuple[bool, float, int, str, int]:
    """Highest score first, then shortest text, then id."""
    return (unit.orphaned, -unit.score, len(unit.text), unit.unit_id, unit.row)


def choose(units: Sequence[Unit], code: str, per_code: int) -> list[tuple[Unit, str]]:
    """Coders' marked quotes when there are any (all of them); else up to `per_code` units from different
    participants, chosen deterministically."""
    mine = [u for u in units if u.code == code]
    marked = [u for u in mine if u.quote]
    if marked:
        return [
            (u, "coder")
            for u in sorted(marked, key=lambda u: (natural_key(u.participant_id), u.transcript_id, u.start, u.row))
        ]
    picked: list[Unit] = []
    seen: set[str] = set()
    # A unit whose text is gone from its transcript (orphaned) is never chosen: a paper would quote words
    # the transcript no longer has. Coders may still mark one as a quote on purpose.
    for unit in sorted((u for u in mine if not u.not_quote and not u.orphaned), key=_auto_order):
        if len(picked) >= per_code:
            break
        if unit.participant_id in seen:
            continue
        seen.add(unit.participant_id)
        picked.append(unit)
    return [(u, "auto") for u in sorted(picked, key=lambda u: (natural_key(u.participant_id), u.start, u.row))]


def select(
    units: Sequence[Unit], code_ids: Sequence[str], participants: Sequence[Row], template: str, per_code: int
) -> list[Quote]:
    by_id = {p["participant_id"]: p for p in participants}
    out: list[Quote] = []
    for code in code_ids:
        for rank, (unit, how) in enumerate(choose(units, code, per_code), start=1):
            fields = {
                **by_id.get(unit.participant_id, {}),
                "participant_id": unit.participant_id,
                "transcript_id": unit.transcript_id,
            }
            out.append(Quote(code, rank, unit, attribution(template, fields), how))
    return out
