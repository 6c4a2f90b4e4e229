"""`make eval`: the overlap rule, and the shipped codebook on the held-out demo transcripts."""

from __future__ import annotations

from conftest import REPO
from themeflow import workspace
from themeflow.evaluate import Span, evaluate, overlap_ok, score


def test_overlap_is_at_least_half_of_the_shorter_span() -> None:
    gold = Span("T", "C1", 10, 20)
    assert overlap_ok(gold, Span("T", "C1", 15, 40))  # shares 5 of the shorter 10
    assert not overlap_ok(gold, Span("T", "C1", 16, 40))  # shares 4
    assert overlap_ok(gold, Span("T", "C1", 0, 100))  # a long candidate covering it
    assert not overlap_ok(gold, Span("T", "C2", 10, 20))  # another code
    assert not overlap_ok(gold, Span("U", "C1", 10, 20))  # another transcript


def test_recall_and_precision_by_hand() -> None:
    gold = [Span("T", "C1", 0, 10), Span("T", "C1", 50, 60), Span("T", "C2", 0, 10)]
    candidates = [Span("T", "C1", 0, 12), Span("T", "C1", 30, 40), Span("T", "C2", 5, 10), Span("T", "C2", 5, 9)]
    result = score(gold, candidates)
    # gold surfaced: (C1 0-10) and (C2 0-10) → 2/3; useful candidates: 0-12, C2 5-10, C2 5-9 → 3/4
    assert result["recall"] == round(2 / 3, 3) and result["precision"] == 0.75


def test_shipped_codebook_meets_the_targets_on_unseen_transcripts() -> None:
    result = evaluate(workspace.load(REPO), REPO / "data" / "gold")
    assert result["gold_units"] >= 40
    assert result["recall"] >= 0.70, result
    assert result["precision"] >= 0.33, result
