"""The agreement table: one row per code plus `ALL`, on participant sentence × code presence, over every
sentence and again over only the sentences some coder coded (agreement on uncoded text swamps kappa).
"""

from __future__ import annotations

import csv
import io

from themeflow.agree import measures
from themeflow.agree.units import Sentence, rating_table

ALL = "ALL"
CODED_ONLY = "_coded_only"


def kappa_column(coders: int) -> str:
    """`cohen_kappa` for two coders; `fleiss_kappa` when there are more."""
    return "cohen_kappa" if coders == 2 else "fleiss_kappa"


def columns(coders: int) -> list[str]:
    figures = ["percent_agreement", kappa_column(coders), "krippendorff_alpha"]
    return (
        ["code", "label", "sentences", "coded_by_any"]
        + figures
        + ["sentences" + CODED_ONLY]
        + [f + CODED_ONLY for f in figures]
        + ["note"]
    )


def _round(figure: measures.Figure, digits: int) -> float | None:
    return None if figure.value is None else round(figure.value, digits)


def _figures(ratings: list[tuple[int, ...]], coders: int, suffix: str) -> tuple[dict[str, object], str]:
    percent = measures.percent_agreement(ratings)
    kappa = measures.kappa(ratings)
    alpha = measures.krippendorff_alpha(ratings)
    out: dict[str, object] = {
        "sentences" + suffix if suffix else "_items": len(ratings),
        "percent_agreement" + suffix: _round(percent, 2),
        kappa_column(coders) + suffix: _round(kappa, 4),
        "krippendorff_alpha" + suffix: _round(alpha, 4),
    }
    return out, kappa.note or alpha.note or percent.note


def rows(
    sentences: list[Sentence], codes: list[tuple[str, str]], marked: list[set[tuple[str, str]]]
) -> list[dict[str, object]]:
    """The agreement rows. `codes` are (id, label) in codebook order; `marked` is one set per coder."""
    coders = len(marked)
    code_ids = [code for code, _ in codes]
    table = rating_table(sentences, code_ids, marked)
    coded = {segment for m in marked for segment, _ in m}
    keep = [i for i, s in enumerate(sentences) if s.segment_id in coded]
    out: list[dict[str, object]] = []
    entries = [(code, label, table[code]) for code, label in codes]
    pooled = [item for code in code_ids for item in table[code]]
    pooled_coded = [table[code][i] for code in code_ids for i in keep]
    for code, label, ratings in entries + [(ALL, "every code", pooled)]:
        subset = pooled_coded if code == ALL else [ratings[i] for i in keep]
        row: dict[str, object] = {
            "code": code,
            "label": label,
            "sentences": len(ratings),
            "coded_by_any": sum(1 for item in ratings if any(item)),
        }
        full, note_full = _figures(ratings, coders, "")
        only, note_only = _figures(subset, coders, CODED_ONLY)
        full.pop("_items")
        row.update(full)
        row.update(only)
        notes = []
        if note_full:
            notes.append(f"all sentences: {note_full}")
        if note_only:
            notes.append(f"coded sentences only: {note_only}")
        row["note"] = "; ".join(notes)
        out.append({name: row[name] for name in columns(coders)})
    return out


def csv_text(table_rows: list[dict[str, object]], coders: int) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns(coders), lineterminator="\n")
    writer.writeheader()
    for row in table_rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
