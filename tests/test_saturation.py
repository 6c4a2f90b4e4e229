"""Code saturation (Guest, Namey & Chen 2020) on worked examples with answers computed by hand."""

from __future__ import annotations

import pytest

from themeflow.themes import saturation
from themeflow.themes.interviews import ordered

# Interviews 1–4 (the base) hold 20 unique codes A–T; 5 adds U, 6 adds V, 7–9 add nothing.
BASE = [set("ABCDE"), set("AFGH"), set("BIJ"), set("KLMNOPQRST")]
WORKED = BASE + [set("AU"), set("BV"), set("A"), set("C"), set("D")]


def test_curve_counts_new_and_cumulative_codes_per_interview() -> None:
    steps = saturation.curve(WORKED)
    assert [len(s.new) for s in steps] == [5, 3, 2, 10, 1, 1, 0, 0, 0]
    assert [s.cumulative for s in steps] == [5, 8, 10, 20, 21, 22, 22, 22, 22]
    assert steps[4].new == frozenset("U")


def test_default_rule_slides_past_a_run_above_threshold_and_reaches_at_exactly_five_percent() -> None:
    # run 5–6 brings 2 new codes (10% of 20): not yet; run 6–7 brings 1 (exactly 5%): reached at 7.
    result = saturation.assess(WORKED, base=4, run=2, threshold=0.05)
    assert (result.base_codes, result.reached_at, result.new_in_run) == (20, 7, 1)
    assert result.label == "base 4 + run 2, ≤5%: reached at interview 7"


@pytest.mark.parametrize(
    ("base", "run", "threshold", "expected"),
    [
        (4, 2, 0.0, 8),  # runs 5–6 (2), 6–7 (1), 7–8 (0)
        (4, 3, 0.05, 8),  # 5–7 (2 of 20), 6–8 (1 of 20)
        (4, 3, 0.0, 9),  # 7–9 is the first run without new codes
        (5, 2, 0.05, 7),  # base 21 codes; run 6–7 brings 1 (4.8%)
        (5, 3, 0.0, 9),
        (6, 2, 0.0, 8),
        (6, 3, 0.05, 9),
    ],
)
def test_other_rules_reach_saturation_where_computed_by_hand(
    base: int, run: int, threshold: float, expected: int
) -> None:
    assert saturation.assess(WORKED, base, run, threshold).reached_at == expected


def test_not_reached_when_every_run_brings_new_codes() -> None:
    steady = BASE + [{c} for c in "UVWXYZ"]  # one new code per interview: 2 of 20 = 10% per run
    result = saturation.assess(steady, 4, 2, 0.05)
    assert result.reached_at is None and result.new_in_run is None
    assert result.label == "base 4 + run 2, ≤5%: not reached"


def test_not_reached_when_there_are_too_few_interviews_for_base_and_run() -> None:
    assert saturation.assess(BASE + [set()], 4, 2, 0.05).reached_at is None
    assert saturation.assess(BASE + [set(), set()], 4, 2, 0.05).reached_at == 6


def test_not_reached_when_the_base_has_no_codes() -> None:
    assert saturation.assess([set()] * 8, 4, 2, 0.05).reached_at is None


def test_sensitivity_covers_base_4_to_6_run_2_to_3_and_thresholds_0_and_5_percent() -> None:
    table = saturation.sensitivity(WORKED)
    assert [(s.base, s.run, s.threshold) for s in table][:3] == [(4, 2, 0.0), (4, 3, 0.0), (5, 2, 0.0)]
    assert len(table) == 12
    assert {(s.base, s.run, s.threshold): s.reached_at for s in table}[(4, 2, 0.05)] == 7


def test_interviews_on_the_same_date_keep_participant_order() -> None:
    transcripts = [("P10", "P10"), ("P2", "P2"), ("P3", "P3"), ("P1", "P1")]
    people = [
        {"participant_id": "P1", "interview_date": "2023-05-09"},
        {"participant_id": "P2", "interview_date": "2023/5/2"},
        {"participant_id": "P3", "interview_date": "2023-05-02"},
        {"participant_id": "P10", "interview_date": "2023年5月1日"},
    ]
    order = ordered(transcripts, people, ["participant_id", "interview_date"])
    assert [p for _, p in order] == ["P10", "P2", "P3", "P1"]


def test_without_an_order_column_interviews_follow_natural_participant_order() -> None:
    transcripts = [("b", "P10"), ("a", "P2"), ("c", "P1")]
    order = ordered(transcripts, [], ["participant_id"])
    assert [p for _, p in order] == ["P1", "P2", "P10"]


def test_an_order_column_wins_over_the_interview_date() -> None:
    people = [
        {"participant_id": "P1", "order": "2", "interview_date": "2023-01-01"},
        {"participant_id": "P2", "order": "1", "interview_date": "2023-02-01"},
    ]
    order = ordered([("x", "P1"), ("y", "P2")], people, ["participant_id", "order", "interview_date"])
    assert [p for _, p in order] == ["P2", "P1"]
