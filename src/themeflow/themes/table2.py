"""Table 2: participant characteristics. Numeric columns as mean, SD (sample, n−1, as pandas) and range;
categorical columns as counts and % of N. Which columns are which is detected unless themeflow.yaml says."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from themeflow.themes.inputs import Row

# Bookkeeping columns that describe the interview, not the person.
NOT_CHARACTERISTICS = {
    "participant_id",
    "file",
    "transcript",
    "transcript_id",
    "pseudonym",
    "化名",
    "interview_date",
    "date",
    "访谈日期",
    "日期",
    "order",
    "interview_order",
    "顺序",
    "notes",
    "note",
    "备注",
}
MISSING = "(missing)"


@dataclass(frozen=True)
class NumericSummary:
    column: str
    n: int  # participants with a value
    mean: float
    sd: float | None  # None with fewer than 2 values
    minimum: float
    maximum: float
    total: int = 0  # N; when n is smaller, the summary says over how many

    @property
    def display(self) -> str:
        sd = f" ± {self.sd:.1f}" if self.sd is not None else ""
        over = f"; n = {self.n}" if self.total and self.n < self.total else ""
        return f"{self.mean:.1f}{sd} ({fmt(self.minimum)}–{fmt(self.maximum)}{over})"


@dataclass(frozen=True)
class CategorySummary:
    column: str
    category: str
    n: int
    percent: float

    @property
    def display(self) -> str:
        return f"{self.n} ({self.percent:.1f}%)"


@dataclass(frozen=True)
class Table2:
    total: int
    numeric: list[NumericSummary]
    categorical: list[CategorySummary]
    columns: list[str]  # characteristics in file order
    unusable: list[tuple[str, str, str]] = field(default_factory=list)  # (column, participant, value) not a number


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def classify(
    columns: Sequence[str], rows: Sequence[Row], numeric: Sequence[str] = (), categorical: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(numeric, categorical) columns, in file order. With either list configured, exactly the listed columns
    are summarised; otherwise every characteristic column, numeric when all its values are numbers."""
    if numeric or categorical:
        return [c for c in numeric if c in columns], [c for c in categorical if c in columns]
    nums: list[str] = []
    cats: list[str] = []
    for column in columns:
        if column.strip().lower() in NOT_CHARACTERISTICS:
            continue
        values = [r.get(column, "").strip() for r in rows if r.get(column, "").strip()]
        if not values:
            continue
        numbers = sum(1 for v in values if _is_number(v))
        # Numeric when its values are numbers but for a slip or two (`四十`, `不详`: reported, left out).
        (nums if numbers >= 2 and numbers >= MOSTLY * len(values) else cats).append(column)
    return nums, cats


MOSTLY = 0.8


def summarise(
    columns: Sequence[str], rows: Sequence[Row], numeric: Sequence[str] = (), categorical: Sequence[str] = ()
) -> Table2:
    nums, cats = classify(columns, rows, numeric, categorical)
    total = len(rows)
    numeric_out: list[NumericSummary] = []
    unusable: list[tuple[str, str, str]] = []
    for column in nums:
        values = [float(r[column]) for r in rows if _is_number(r.get(column, "").strip() or "x")]
        unusable += [
            (column, r.get("participant_id", ""), r[column].strip())
            for r in rows
            if r.get(column, "").strip() and not _is_number(r[column].strip())
        ]
        if not values:
            continue
        mean = math.fsum(values) / len(values)
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else None
        numeric_out.append(NumericSummary(column, len(values), mean, sd, min(values), max(values), total))
    categorical_out: list[CategorySummary] = []
    for column in cats:
        counts = Counter(r.get(column, "").strip() or MISSING for r in rows)
        for category, n in sorted(counts.items(), key=lambda kv: (kv[0] == MISSING, -kv[1], kv[0])):
            categorical_out.append(CategorySummary(column, category, n, 100.0 * n / total if total else 0.0))
    ordered = [c for c in columns if c in set(nums) | set(cats)]
    return Table2(total, numeric_out, categorical_out, ordered, unusable)


def rows(table: Table2) -> list[dict[str, str]]:
    """Table 2 as flat rows (for table2.csv and the report), characteristics in file order."""
    out = [
        {
            "characteristic": "N",
            "category": "",
            "n": str(table.total),
            "percent": "",
            "mean": "",
            "sd": "",
            "min": "",
            "max": "",
            "summary": str(table.total),
        }
    ]
    for column in table.columns:
        for s in (x for x in table.numeric if x.column == column):
            out.append(
                {
                    "characteristic": column,
                    "category": "",
                    "n": str(s.n),
                    "percent": "",
                    "mean": f"{s.mean:.2f}",
                    "sd": f"{s.sd:.2f}" if s.sd is not None else "",
                    "min": fmt(s.minimum),
                    "max": fmt(s.maximum),
                    "summary": s.display,
                }
            )
        for c in (x for x in table.categorical if x.column == column):
            out.append(
                {
                    "characteristic": column,
                    "category": c.category,
                    "n": str(c.n),
                    "percent": f"{c.percent:.1f}",
                    "mean": "",
                    "sd": "",
                    "min": "",
                    "max": "",
                    "summary": c.display,
                }
            )
    return out
