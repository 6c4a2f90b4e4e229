"""What coders write in `quote`: a yes marks a representative quote; a no keeps a unit out of the automatic
choice."""

from __future__ import annotations

from themeflow.themes.inputs import Unit
from themeflow.themes.quotes import choose


def _unit(unit_id: str, participant: str, score: float, quote: str = "") -> Unit:
    from themeflow import sheet

    row = {"quote": quote}
    return Unit(
        unit_id,
        2,
        "T1",
        participant,
        "C1",
        "文本" * int(score),
        0,
        score,
        False,
        sheet.is_quote(row),
        "",
        sheet.is_not_quote(row),
    )


def test_a_no_keeps_a_unit_out_of_the_automatic_choice() -> None:
    units = [_unit("u1", "P1", 9, quote="否"), _unit("u2", "P2", 5), _unit("u3", "P3", 1, quote="no")]
    assert [u.unit_id for u, how in choose(units, "C1", 3)] == ["u2"]


def test_a_yes_in_any_form_marks_the_quote() -> None:
    units = [_unit("u1", "P1", 9), _unit("u2", "P2", 5, quote="是"), _unit("u3", "P3", 1, quote="1")]
    assert [(u.unit_id, how) for u, how in choose(units, "C1", 3)] == [("u2", "coder"), ("u3", "coder")]
