"""Agreement statistics on presence/absence ratings: pure functions, no I/O.

A rating table is a list of items (sentence × code pairs), each a tuple with one 0/1 per coder. Every
measure returns a `Figure`: the value, or None with a note saying why it is undefined (no items, or every
coder gave the same answer on every item, so chance agreement is 1 and kappa/alpha divide by zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ratings = Sequence[Sequence[int]]

NO_ITEMS = "no sentences to compare"
NO_VARIATION = "every coder gave the same answer on every sentence, so chance-corrected figures are undefined"


@dataclass(frozen=True)
class Figure:
    value: float | None
    note: str = ""


def percent_agreement(ratings: Ratings) -> Figure:
    """Share of items on which every coder gave the same answer, as a percentage."""
    if not ratings:
        return Figure(None, NO_ITEMS)
    same = sum(1 for item in ratings if len(set(item)) == 1)
    return Figure(100.0 * same / len(ratings))


def _constant(ratings: Ratings) -> bool:
    return len({value for item in ratings for value in item}) <= 1


def cohen_kappa(ratings: Ratings) -> Figure:
    """Cohen's kappa for two coders (scikit-learn), blank when undefined."""
    if not ratings:
        return Figure(None, NO_ITEMS)
    if any(len(item) != 2 for item in ratings):
        raise ValueError("Cohen's kappa compares exactly two coders")
    if _constant(ratings):
        return Figure(None, NO_VARIATION)
    from sklearn.metrics import cohen_kappa_score

    first = [item[0] for item in ratings]
    second = [item[1] for item in ratings]
    return Figure(float(cohen_kappa_score(first, second, labels=[0, 1])))


def fleiss_kappa(ratings: Ratings) -> Figure:
    """Fleiss' kappa (1971) for any fixed number of coders ≥ 2 and categories {0, 1}.

    P_i = (Σ_j n_ij² − n) / (n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N n), P̄e = Σ_j p_j²,
    κ = (P̄ − P̄e) / (1 − P̄e).
    """
    if not ratings:
        return Figure(None, NO_ITEMS)
    coders = len(ratings[0])
    if coders < 2 or any(len(item) != coders for item in ratings):
        raise ValueError("Fleiss' kappa needs the same number (≥ 2) of ratings on every item")
    if _constant(ratings):
        return Figure(None, NO_VARIATION)
    items = len(ratings)
    p_bar = 0.0
    ones_total = 0
    for item in ratings:
        ones = sum(1 for value in item if value)
        zeros = coders - ones
        ones_total += ones
        p_bar += (ones * ones + zeros * zeros - coders) / (coders * (coders - 1))
    p_bar /= items
    p_one = ones_total / (items * coders)
    p_e = p_one * p_one + (1 - p_one) * (1 - p_one)
    return Figure((p_bar - p_e) / (1 - p_e))


def kappa(ratings: Ratings) -> Figure:
    """Cohen's kappa for two coders, Fleiss' kappa for more."""
    if ratings and len(ratings[0]) == 2:
        return cohen_kappa(ratings)
    return fleiss_kappa(ratings)


def krippendorff_alpha(ratings: Ratings) -> Figure:
    """Krippendorff's alpha, nominal level, via the `krippendorff` package (any number of coders)."""
    if not ratings:
        return Figure(None, NO_ITEMS)
    if _constant(ratings):
        return Figure(None, NO_VARIATION)
    import krippendorff
    import numpy as np

    data = np.array(ratings, dtype=float).T  # coders × items
    return Figure(float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")))


def kappa_band(value: float | None) -> str:
    """Landis & Koch (1977) label for a kappa."""
    if value is None:
        return ""
    if value < 0:
        return "poor"
    for upper, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if value <= upper + 1e-12:
            return label
    return "almost perfect"


def alpha_band(value: float | None) -> str:
    """Krippendorff's (2004) thresholds: ≥ .800 reliable, ≥ .667 tentative conclusions, else unreliable."""
    if value is None:
        return ""
    if value >= 0.800 - 1e-12:
        return "reliable"
    if value >= 0.667 - 1e-12:
        return "tentative"
    return "unreliable"
