"""The order interviews were held in, for saturation: an `order` column, else `interview_date`, else the
participant order (P1, P2, … P10). Ties keep participant order, then transcript id."""

from __future__ import annotations

import re
from collections.abc import Sequence

from themeflow.themes.inputs import Row, natural_key

ORDER_COLUMNS = ("order", "interview_order", "顺序")
DATE_COLUMNS = ("interview_date", "date", "访谈日期", "日期")


def _numbers(value: str) -> tuple[float, ...]:
    """`2023-05-12`, `2023/5/12`, `2023年5月12日` → (2023, 5, 12); `3` → (3,). Blank sorts last."""
    found = re.findall(r"\d+(?:\.\d+)?", value or "")
    return tuple(float(n) for n in found) if found else (float("inf"),)


def order_column(columns: Sequence[str]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    for name in ORDER_COLUMNS + DATE_COLUMNS:
        if name in lowered:
            return lowered[name]
    return None


def ordered(
    transcripts: Sequence[tuple[str, str]], participants: Sequence[Row], columns: Sequence[str]
) -> list[tuple[str, str]]:
    """(transcript_id, participant_id) pairs in interview order."""
    column = order_column(columns)
    by_id = {p["participant_id"]: p for p in participants}

    def key(pair: tuple[str, str]) -> tuple[tuple[float, ...], tuple[str, int, str], str]:
        transcript_id, participant_id = pair
        value = by_id.get(participant_id, {}).get(column, "") if column else ""
        return (_numbers(value) if column else (0.0,), natural_key(participant_id), transcript_id)

    return sorted(transcripts, key=key)
