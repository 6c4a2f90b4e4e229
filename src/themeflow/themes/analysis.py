"""From loaded inputs and the `themes:` settings to every figure stage 04 reports (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from themeflow.themes import counts, interviews, quotes, saturation, table2
from themeflow.themes.inputs import ThemesInputs

DEFAULT_ATTRIBUTION = "({participant_id}, {diagnosis}, {sex})"


@dataclass
class Analysis:
    inputs: ThemesInputs
    participant_ids: list[str]
    codes: list[counts.CodeCount]
    grid: list[list[int]]
    quotes: list[quotes.Quote]
    table2: table2.Table2
    order: list[tuple[str, str]]  # (transcript_id, participant_id) in interview order
    order_column: str | None
    steps: list[saturation.Step]
    assessment: saturation.Assessment
    sensitivity: list[saturation.Assessment]
    notices: list[str] = field(default_factory=list)  # for the person running it; not in any artefact

    @property
    def interview_labels(self) -> list[str]:
        """Participant ids, or transcript ids where a participant gave several interviews."""
        owners = [p for _, p in self.order]
        return [p if owners.count(p) == 1 else t for t, p in self.order]

    @property
    def orphaned_units(self) -> int:
        return sum(1 for u in self.inputs.units if u.orphaned)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def analyse(inputs: ThemesInputs, settings: dict[str, Any]) -> Analysis:
    book = inputs.codebook
    template = str(settings.get("attribution") or DEFAULT_ATTRIBUTION)
    notices = list(inputs.notices)
    if inputs.has_participants_file:  # without one every attribution is the bare id, as expected
        notices += quotes.template_notices(template, inputs.participant_columns)
    participant_ids = [p["participant_id"] for p in inputs.participants]
    code_counts = counts.code_counts(book, inputs.units, participant_ids)
    grid = counts.matrix(book, inputs.units, participant_ids)
    chosen = quotes.select(
        inputs.units,
        book.code_ids,
        inputs.participants,
        template,
        max(0, _int(settings.get("quotes_per_code"), 3)),
    )
    t2 = table2.summarise(
        inputs.participant_columns,
        inputs.participants,
        list(settings.get("numeric_columns") or []),
        list(settings.get("categorical_columns") or []),
    )
    notices += [
        f'Table 2: {column} of {participant} is "{value}", not a number: left out of the mean (write it as a number)'
        for column, participant, value in t2.unusable
    ]
    order = interviews.ordered(inputs.transcripts, inputs.participants, inputs.participant_columns)
    sets = counts.interview_codes(inputs.units, [t for t, _ in order])
    sat = settings.get("saturation") or {}
    base = max(1, _int(sat.get("base"), 4))
    run = max(1, _int(sat.get("run"), 2))
    threshold = _float(sat.get("threshold"), 0.05)
    return Analysis(
        inputs=inputs,
        participant_ids=participant_ids,
        codes=code_counts,
        grid=grid,
        quotes=chosen,
        table2=t2,
        order=order,
        order_column=interviews.order_column(inputs.participant_columns),
        steps=saturation.curve(sets),
        assessment=saturation.assess(sets, base, run, threshold),
        sensitivity=saturation.sensitivity(sets),
        notices=notices,
    )
