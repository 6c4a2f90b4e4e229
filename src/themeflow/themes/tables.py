"""The CSV artefacts of stage 04 (UTF-8 with a BOM so Excel and WPS show the Chinese; LF line ends)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from themeflow.themes import table2
from themeflow.themes.analysis import Analysis
from themeflow.themes.saturation import percent


def csv_bytes(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


THEMES_COLUMNS = [
    "theme_id",
    "theme_zh",
    "theme_en",
    "theme_participants",
    "code_id",
    "code_zh",
    "code_en",
    "participants",
    "n",
    "N",
    "units",
    "orphaned_units",
    "quotes",
]


def themes_rows(a: Analysis) -> list[dict[str, object]]:
    from themeflow.themes.counts import theme_participants

    by_code: dict[str, list[str]] = {}
    for q in a.quotes:
        by_code.setdefault(q.code, []).append(f"{q.unit.text} {q.attribution}".strip())
    rows: list[dict[str, object]] = []
    for c in a.codes:
        theme_n = len(theme_participants(a.codes, c.theme.id))
        rows.append(
            {
                "theme_id": c.theme.id,
                "theme_zh": c.theme.label.zh,
                "theme_en": c.theme.label.en,
                "theme_participants": f"{theme_n}/{c.total}",
                "code_id": c.code.id,
                "code_zh": c.code.label.zh,
                "code_en": c.code.label.en,
                "participants": c.fraction,
                "n": c.n,
                "N": c.total,
                "units": c.units,
                "orphaned_units": c.orphaned,
                "quotes": "\n".join(by_code.get(c.code.id, [])),
            }
        )
    return rows


def matrix_rows(a: Analysis) -> tuple[list[str], list[dict[str, object]]]:
    codes = a.inputs.codebook.code_ids
    columns = ["participant_id", *codes, "total"]
    rows: list[dict[str, object]] = []
    for participant, values in zip(a.participant_ids, a.grid, strict=True):
        rows.append({"participant_id": participant, **dict(zip(codes, values, strict=True)), "total": sum(values)})
    return columns, rows


QUOTES_COLUMNS = [
    "code_id",
    "theme_id",
    "rank",
    "chosen_by",
    "unit_id",
    "participant_id",
    "transcript_id",
    "attribution",
    "text",
    "translation",
    "orphaned",
]


def quotes_rows(a: Analysis) -> list[dict[str, object]]:
    theme_of = {c.code.id: c.theme.id for c in a.codes}
    return [
        {
            "code_id": q.code,
            "theme_id": theme_of.get(q.code, ""),
            "rank": q.rank,
            "chosen_by": q.chosen_by,
            "unit_id": q.unit.unit_id,
            "participant_id": q.unit.participant_id,
            "transcript_id": q.unit.transcript_id,
            "attribution": q.attribution,
            "text": q.unit.text,
            "translation": q.unit.translation,
            "orphaned": "yes" if q.unit.orphaned else "",
        }
        for q in a.quotes
    ]


TABLE2_COLUMNS = ["characteristic", "category", "n", "percent", "mean", "sd", "min", "max", "summary"]

SATURATION_COLUMNS = [
    "interview",
    "transcript_id",
    "participant_id",
    "order_by",
    "codes",
    "new_codes",
    "new_code_ids",
    "cumulative_codes",
]


def saturation_rows(a: Analysis) -> list[dict[str, object]]:
    by_id = {p["participant_id"]: p for p in a.inputs.participants}
    code_order = {c: i for i, c in enumerate(a.inputs.codebook.code_ids)}
    rows: list[dict[str, object]] = []
    for step, (transcript_id, participant_id) in zip(a.steps, a.order, strict=True):
        order_by = by_id.get(participant_id, {}).get(a.order_column, "") if a.order_column else ""
        rows.append(
            {
                "interview": step.position,
                "transcript_id": transcript_id,
                "participant_id": participant_id,
                "order_by": order_by,
                "codes": len(step.codes),
                "new_codes": len(step.new),
                "new_code_ids": " ".join(sorted(step.new, key=lambda c: (code_order.get(c, 1 << 30), c))),
                "cumulative_codes": step.cumulative,
            }
        )
    return rows


SENSITIVITY_COLUMNS = ["base", "run", "threshold", "base_codes", "reached_at", "new_in_run", "result"]


def sensitivity_rows(a: Analysis) -> list[dict[str, object]]:
    return [
        {
            "base": s.base,
            "run": s.run,
            "threshold": percent(s.threshold),
            "base_codes": s.base_codes,
            "reached_at": s.reached_at or "",
            "new_in_run": "" if s.new_in_run is None else s.new_in_run,
            "result": s.label,
        }
        for s in a.sensitivity
    ]


def csv_files(a: Analysis) -> dict[str, bytes]:
    matrix_columns, matrix = matrix_rows(a)
    return {
        "themes.csv": csv_bytes(THEMES_COLUMNS, themes_rows(a)),
        "matrix.csv": csv_bytes(matrix_columns, matrix),
        "quotes.csv": csv_bytes(QUOTES_COLUMNS, quotes_rows(a)),
        "table2.csv": csv_bytes(TABLE2_COLUMNS, table2.rows(a.table2)),  # type: ignore[arg-type]
        "saturation.csv": csv_bytes(SATURATION_COLUMNS, saturation_rows(a)),
        "saturation_sensitivity.csv": csv_bytes(SENSITIVITY_COLUMNS, sensitivity_rows(a)),
    }
