"""Code saturation after Guest, Namey & Chen (2020), PLoS ONE 15(5): e0232076.

Pure functions over an ordered list of interviews, each the set of codes coders accepted in it:
- *base size* b: the first b interviews; their unique codes are the denominator;
- *run length* r: the r interviews right after the base; their codes not seen in any earlier interview are
  the new information;
- *new-information threshold* t: saturation is reached at the first run whose new codes ÷ base codes ≤ t.
The run slides forward one interview at a time (interviews b+1..b+r, then b+2..b+r+1, ...); the base stays
the first b interviews. Saturation is reported at k, the last interview of that run.

This is *code* saturation; reflexive thematic analysis does not use saturation at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Interviews = Sequence[frozenset[str] | set[str]]

SENSITIVITY_BASES = (4, 5, 6)
SENSITIVITY_RUNS = (2, 3)
SENSITIVITY_THRESHOLDS = (0.0, 0.05)
_EPSILON = 1e-9  # 1 new code of 20 is exactly 5%: compare without float noise


@dataclass(frozen=True)
class Step:
    """One interview on the curve."""

    position: int  # 1-based
    codes: frozenset[str]
    new: frozenset[str]
    cumulative: int


@dataclass(frozen=True)
class Assessment:
    """Where (if anywhere) saturation is reached for one choice of base, run and threshold."""

    base: int
    run: int
    threshold: float
    base_codes: int  # unique codes in the base (the denominator)
    reached_at: int | None  # 1-based interview k, or None
    new_in_run: int | None  # new codes in the run that reached it (None when not reached)

    @property
    def label(self) -> str:
        rule = f"base {self.base} + run {self.run}, ≤{percent(self.threshold)}"
        return f"{rule}: reached at interview {self.reached_at}" if self.reached_at else f"{rule}: not reached"


def percent(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def curve(interviews: Interviews) -> list[Step]:
    """New codes and cumulative unique codes, interview by interview."""
    seen: set[str] = set()
    steps: list[Step] = []
    for position, codes in enumerate(interviews, start=1):
        codes = frozenset(codes)
        new = frozenset(codes - seen)
        seen |= codes
        steps.append(Step(position, codes, new, len(seen)))
    return steps


def assess(interviews: Interviews, base: int = 4, run: int = 2, threshold: float = 0.05) -> Assessment:
    """The first run after the base whose new codes ÷ base codes ≤ threshold (see the module docstring)."""
    if base < 1 or run < 1:
        raise ValueError("base and run must be at least 1")
    steps = curve(interviews)
    base_steps = steps[:base]
    base_codes = base_steps[-1].cumulative if base_steps else 0
    if len(steps) < base + run or base_codes == 0:
        return Assessment(base, run, threshold, base_codes, None, None)
    for start in range(base, len(steps) - run + 1):  # 0-based index of the run's first interview
        new = sum(len(steps[i].new) for i in range(start, start + run))
        if new <= threshold * base_codes + _EPSILON:
            return Assessment(base, run, threshold, base_codes, start + run, new)
    return Assessment(base, run, threshold, base_codes, None, None)


def sensitivity(
    interviews: Interviews,
    bases: Sequence[int] = SENSITIVITY_BASES,
    runs: Sequence[int] = SENSITIVITY_RUNS,
    thresholds: Sequence[float] = SENSITIVITY_THRESHOLDS,
) -> list[Assessment]:
    """Every combination, ordered by threshold, base, run (how the paper tabulates them)."""
    return [assess(interviews, b, r, t) for t in thresholds for b in bases for r in runs]
