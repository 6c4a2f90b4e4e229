"""The consensus sheet: agreed decisions filled in, every disagreement left undecided with each coder's
decision, final code and memo beside it, disagreements first. Pure: rows in, rows out.
"""

from __future__ import annotations

from themeflow import sheet
from themeflow.agree.sheets import CoderSheet

Row = dict[str, str]
AGREEMENT_COLUMN = "agreement"
PER_CODER = ("decision", "final_code", "memo")
AGREED = "agreed"
DIFFERENT = "decided differently"
PENDING = "pending"


def comparison_columns(coders: list[str]) -> list[str]:
    """The columns `--adopt` drops again: the agreement flag and each coder's decision, final code, memo."""
    return [AGREEMENT_COLUMN] + [f"{part}_{coder}" for coder in coders for part in PER_CODER]


def coders_in_header(header: list[str]) -> list[str]:
    """Coder names that have all three comparison columns in a consensus sheet's header."""
    names = [h[len("decision_") :] for h in header if h.startswith("decision_") and len(h) > len("decision_")]
    return [n for n in names if f"final_code_{n}" in header and f"memo_{n}" in header]


def _sort_key(row: Row) -> tuple[int, str, int, int, str, str]:
    """Disagreements first, then units nobody decided yet, then agreed units; each by position."""

    def number(value: str) -> int:
        try:
            return int(value)
        except ValueError:
            return -1

    return (
        {AGREED: 2, PENDING: 1}.get(row[AGREEMENT_COLUMN], 0),
        row.get("transcript_id", ""),
        number(row.get("start", "")),
        number(row.get("end", "")),
        sheet.effective_code(row),
        row.get("unit_id", ""),
    )


def merged_memo(memos: list[tuple[str, str]]) -> str:
    """Each memo under its coder's name (one line when the coders wrote the same words), so a memo never
    loses its author on its way into the coder sheet."""
    written = [(coder, memo.strip()) for coder, memo in memos if memo.strip()]
    if not written:
        return ""
    if len({memo for _, memo in written}) == 1:
        return f"{', '.join(coder for coder, _ in written)}: {written[0][1]}"
    return " / ".join(f"{coder}: {memo}" for coder, memo in written)


def build(sheets: list[CoderSheet]) -> tuple[list[str], list[Row]]:
    """Columns and rows of the consensus sheet."""
    coders = [s.coder for s in sheets]
    keys = sorted({key for s in sheets for key in s.units})
    header_hint: list[str] = []
    for item in sheets:
        header_hint += [h for h in item.header if h not in header_hint]
    rows: list[Row] = []
    for key in keys:
        present = [(s.coder, s.units[key]) for s in sheets if key in s.units]
        base = dict(present[0][1])
        for _, row in present[1:]:
            for column, value in row.items():
                if not base.get(column) and value:
                    base[column] = value  # e.g. a translation only one coder wrote
        decisions = {coder: sheet.normalise_decision(row.get("decision", "")) or "" for coder, row in present}
        codes = {coder: sheet.effective_code(row) for coder, row in present}
        finals = {(row.get("final_code") or "").strip() for _, row in present}
        agreed = (
            len(present) == len(sheets)
            and len(set(decisions.values())) == 1
            and next(iter(decisions.values())) != ""
            and (next(iter(decisions.values())) == "reject" or len(set(codes.values())) == 1)
        )
        out = {k: v for k, v in base.items() if not k.startswith("_")}
        out["memo"] = merged_memo([(coder, row.get("memo", "")) for coder, row in present])
        out["final_code"] = next(iter(finals)) if len(finals) == 1 else ""
        if agreed:
            out["decision"] = next(iter(decisions.values()))
            out["coder"] = ", ".join(coders)
            out[AGREEMENT_COLUMN] = AGREED
        else:
            out["decision"] = ""
            out["coder"] = ""
            missing = [c for c in coders if c not in decisions]
            undecided = [c for c in coders if decisions.get(c) == ""]
            if missing:
                out[AGREEMENT_COLUMN] = f"only in {', '.join(c for c in coders if c in decisions)}'s sheet"
            elif len(undecided) == len(coders):
                out[AGREEMENT_COLUMN] = PENDING
            elif undecided:
                out[AGREEMENT_COLUMN] = f"pending for {', '.join(undecided)}"
            else:
                out[AGREEMENT_COLUMN] = DIFFERENT
        by_coder = dict(present)
        for coder in coders:
            row = by_coder.get(coder, {})
            out[f"decision_{coder}"] = (row.get("decision") or "").strip()
            out[f"final_code_{coder}"] = (row.get("final_code") or "").strip()
            out[f"memo_{coder}"] = (row.get("memo") or "").strip()
        rows.append(out)
    rows.sort(key=_sort_key)
    columns = sheet.ordered_columns([h for h in header_hint if h not in comparison_columns(coders)], rows)
    return columns + comparison_columns(coders), rows
