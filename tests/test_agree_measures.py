"""Agreement statistics and coverage, checked against arithmetic done by hand (written out in each test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themeflow.agree import consensus, measures, table
from themeflow.agree.sheets import CoderSheet, coder_name, unit_key
from themeflow.agree.units import Sentence, Span, covers, marks, participant_sentences


def test_percent_agreement_counts_items_where_every_coder_agrees() -> None:
    # 3 of 4 items identical → 75 %
    assert measures.percent_agreement([(0, 0), (1, 1), (0, 1), (0, 0)]).value == 75.0
    # three coders: only items where all three agree count: 2 of 4 → 50 %
    assert measures.percent_agreement([(1, 1, 1), (1, 1, 0), (0, 0, 0), (1, 0, 0)]).value == 50.0


def test_cohen_kappa_matches_hand_computation() -> None:
    # A = 0 0 1 0, B = 0 1 1 0: po = 3/4; pA1 = 1/4, pB1 = 2/4 → pe = 1/4·2/4 + 3/4·2/4 = 1/2
    # κ = (3/4 − 1/2) / (1 − 1/2) = 0.5
    assert measures.cohen_kappa([(0, 0), (0, 1), (1, 1), (0, 0)]).value == pytest.approx(0.5)


def test_cohen_kappa_is_zero_when_one_coder_never_codes() -> None:
    # A = 0 0 1 0 0, B all 0: po = 4/5, pe = 1/5·0 + 4/5·1 = 4/5 → κ = 0
    figure = measures.cohen_kappa([(0, 0), (0, 0), (1, 0), (0, 0), (0, 0)])
    assert figure.value == pytest.approx(0.0)
    assert figure.note == ""


def test_constant_ratings_leave_kappa_and_alpha_blank_with_a_note() -> None:
    ratings = [(0, 0), (0, 0), (0, 0)]
    for figure in (
        measures.cohen_kappa(ratings),
        measures.krippendorff_alpha(ratings),
        measures.fleiss_kappa(ratings),
    ):
        assert figure.value is None
        assert "same answer" in figure.note
    assert measures.percent_agreement(ratings).value == 100.0


def test_no_items_leave_every_figure_blank_with_a_note() -> None:
    for figure in (measures.percent_agreement([]), measures.kappa([]), measures.krippendorff_alpha([])):
        assert figure.value is None
        assert figure.note == measures.NO_ITEMS


def test_fleiss_kappa_matches_hand_computation_for_three_coders() -> None:
    # items (1,1,1) (1,1,0) (0,0,0) (1,0,0), n = 3 coders:
    # P_i = (Σ n_ij² − 3) / 6 = 1, 1/3, 1, 1/3 → P̄ = 2/3; p1 = 6/12 = 1/2 → P̄e = 1/4 + 1/4 = 1/2
    # κ = (2/3 − 1/2) / (1 − 1/2) = 1/3
    ratings = [(1, 1, 1), (1, 1, 0), (0, 0, 0), (1, 0, 0)]
    assert measures.fleiss_kappa(ratings).value == pytest.approx(1 / 3)
    assert measures.kappa(ratings).value == pytest.approx(1 / 3)


def test_krippendorff_alpha_nominal_matches_hand_computation() -> None:
    # two coders, A = 0 0 1 0, B = 0 1 1 0:
    # coincidences o00 = 4, o01 = o10 = 1, o11 = 2; n = 8, n0 = 5, n1 = 3
    # Do = 2/8, De = 2·5·3 / (8·7) = 30/56 → α = 1 − (2/8)/(30/56) = 1 − 14/30 = 16/30
    assert measures.krippendorff_alpha([(0, 0), (0, 1), (1, 1), (0, 0)]).value == pytest.approx(16 / 30)
    # three coders, same items as the Fleiss case: o11 = 4, o00 = 4, o01 = o10 = 2; n = 12, n0 = n1 = 6
    # Do = 4/12, De = 2·6·6 / (12·11) = 72/132 → α = 1 − 528/864 = 7/18
    ratings = [(1, 1, 1), (1, 1, 0), (0, 0, 0), (1, 0, 0)]
    assert measures.krippendorff_alpha(ratings).value == pytest.approx(7 / 18)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda coders: st.lists(st.tuples(*[st.integers(0, 1)] * coders), min_size=1, max_size=30)
    )
)
def test_fleiss_kappa_agrees_with_the_krippendorff_package(ratings: list[tuple[int, ...]]) -> None:
    # With no missing values, Do = 1 − P̄ and De = n/(n − 1)·(1 − P̄e) for n = N·m pairable values, so
    # α = 1 − (1 − κ_Fleiss)·(n − 1)/n: an independent check of the hand-written Fleiss kappa.
    kappa, alpha = measures.fleiss_kappa(ratings), measures.krippendorff_alpha(ratings)
    if kappa.value is None:
        assert alpha.value is None
        return
    n = len(ratings) * len(ratings[0])
    assert alpha.value == pytest.approx(1 - (1 - kappa.value) * (n - 1) / n, abs=1e-9)
    swapped = [tuple(reversed(item)) for item in ratings]
    assert measures.fleiss_kappa(swapped).value == pytest.approx(kappa.value)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-0.1, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.4, "fair"),
        (0.55, "moderate"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (None, ""),
    ],
)
def test_landis_koch_bands(value: float | None, band: str) -> None:
    assert measures.kappa_band(value) == band


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0.8, "reliable"),
        (0.95, "reliable"),
        (0.667, "tentative"),
        (0.7, "tentative"),
        (0.66, "unreliable"),
        (None, ""),
    ],
)
def test_krippendorff_thresholds(value: float | None, band: str) -> None:
    assert measures.alpha_band(value) == band


def test_a_unit_must_cover_at_least_half_of_a_sentence() -> None:
    # sentence [10, 20): 5 characters of overlap is half → covered; 4 is not
    assert covers(15, 40, 10, 20)
    assert covers(0, 15, 10, 20)
    assert not covers(16, 40, 10, 20)
    assert not covers(0, 14, 10, 20)
    assert not covers(20, 30, 10, 20)  # touching is not overlapping
    assert not covers(0, 30, 10, 10)  # an empty sentence is never coded


def test_marks_only_count_participant_sentences_in_the_same_transcript() -> None:
    segments = [
        {"segment_id": "T1-1", "transcript_id": "T1", "role": "interviewer", "start": "0", "end": "8"},
        {"segment_id": "T1-2", "transcript_id": "T1", "role": "participant", "start": "8", "end": "16"},
        {"segment_id": "T1-3", "transcript_id": "T1", "role": "participant", "start": "16", "end": "30"},
        {"segment_id": "T2-1", "transcript_id": "T2", "role": "participant", "start": "0", "end": "10"},
    ]
    sentences = participant_sentences(segments)
    assert [s.segment_id for s in sentences] == ["T1-2", "T1-3", "T2-1"]
    # a unit over the interviewer's question and the first answer sentence; another over 7 of 14 characters
    spans = [Span("T1", 0, 16, "T1.1"), Span("T1", 16, 23, "T2.1"), Span("T1", 24, 30, "T1.2")]
    assert marks(sentences, spans) == {("T1-2", "T1.1"), ("T1-3", "T2.1")}


def _sheet(coder: str, rows: list[dict[str, str]]) -> CoderSheet:
    for number, row in enumerate(rows, start=2):
        row["_row"] = str(number)
    return CoderSheet(
        path=Path(f"units-{coder}.xlsx"),
        coder=coder,
        header=list(rows[0]),
        rows=rows,
        units={unit_key(r): r for r in rows},
    )


def _unit(
    unit_id: str, start: int, decision: str, code: str = "T1.1", final: str = "", memo: str = ""
) -> dict[str, str]:
    return {
        "unit_id": unit_id,
        "transcript_id": "T1",
        "participant_id": "P1",
        "start": str(start),
        "end": str(start + 5),
        "text": "我们一起做饭",
        "code": code,
        "theme": "T1",
        "evidence": "",
        "score": "",
        "status": "new",
        "decision": decision,
        "final_code": final,
        "coder": "",
        "memo": memo,
    }


def test_consensus_keeps_agreed_decisions_and_empties_disagreements_first() -> None:
    a = _sheet(
        "王",
        [
            _unit("u1", 0, "accept"),
            _unit("u2", 10, "accept", memo="讲的是朋友"),
            _unit("u3", 20, "reject"),
            _unit("u4", 30, "accept", final="T1.2"),
        ],
    )
    b = _sheet(
        "李",
        [
            _unit("u1", 0, "接受"),
            _unit("u2", 10, "reject", memo="更像日常陪伴"),
            _unit("u3", 20, "拒绝", final="T1.2"),
            _unit("u4", 30, "accept", final="T2.1"),
        ],
    )
    columns, rows = consensus.build([a, b])
    assert columns[-7:] == [
        "agreement",
        "decision_王",
        "final_code_王",
        "memo_王",
        "decision_李",
        "final_code_李",
        "memo_李",
    ]
    by_id = {r["unit_id"]: r for r in rows}
    assert [r["unit_id"] for r in rows] == ["u2", "u4", "u1", "u3"]  # disagreements first, then by position
    assert by_id["u1"]["decision"] == "accept" and by_id["u1"]["agreement"] == "agreed"
    assert by_id["u3"]["decision"] == "reject"  # both rejected: the recode of a rejected unit does not matter
    assert by_id["u2"]["decision"] == "" and by_id["u2"]["decision_李"] == "reject"
    assert by_id["u2"]["memo"] == "王: 讲的是朋友 / 李: 更像日常陪伴"
    assert by_id["u4"]["decision"] == "" and by_id["u4"]["final_code"] == ""  # accepted under different codes
    assert by_id["u4"]["agreement"] == "decided differently"


def test_unit_in_only_one_sheet_is_a_disagreement() -> None:
    manual = _unit("", 40, "accept")
    a = _sheet("王", [_unit("u1", 0, "accept"), manual])
    b = _sheet("李", [_unit("u1", 0, "accept")])
    _, rows = consensus.build([a, b])
    assert rows[0]["unit_id"] == "" and rows[0]["decision"] == ""
    assert rows[0]["agreement"] == "only in 王's sheet"
    assert rows[0]["decision_王"] == "accept" and rows[0]["decision_李"] == ""


def test_coder_name_comes_from_the_coder_column_else_the_file_name() -> None:
    assert coder_name(Path("units-lin.xlsx"), [{"coder": "", "_row": "2"}, {"coder": "林", "_row": "3"}]) == "林"
    assert coder_name(Path("units-lin.xlsx"), [{"coder": "", "_row": "2"}]) == "lin"
    assert coder_name(Path("zhang.csv"), []) == "zhang"


def test_agreement_rows_pool_every_sentence_code_pair_into_all() -> None:
    sentences = [Sentence(f"s{i}", "T1", i * 10, i * 10 + 10) for i in range(4)]
    # code A: coder 1 marks s0, s1; coder 2 marks s0. Code B: both mark s2. s3 uncoded by anyone.
    marked = [{("s0", "A"), ("s1", "A"), ("s2", "B")}, {("s0", "A"), ("s2", "B")}]
    rows = table.rows(sentences, [("A", "甲"), ("B", "乙")], marked)
    assert [r["code"] for r in rows] == ["A", "B", "ALL"]
    a, b, pooled = rows
    # A: 1 1 0 0 vs 1 0 0 0 → 3/4 agree; po = 3/4, pe = 2/4·1/4 + 2/4·3/4 = 1/2 → κ = 1/2
    assert (a["sentences"], a["coded_by_any"], a["percent_agreement"]) == (4, 2, 75.0)
    assert a["cohen_kappa"] == pytest.approx(0.5)
    # B: identical 0 0 1 0 → 100 %, κ = 1, α = 1
    assert (b["percent_agreement"], b["cohen_kappa"], b["krippendorff_alpha"]) == (100.0, 1.0, 1.0)
    # ALL: 8 pairs, one disagreement → 87.5 %; coder 1 has 3 ones, coder 2 has 2:
    # pe = 3/8·2/8 + 5/8·6/8 = 36/64 → κ = (56/64 − 36/64) / (28/64) = 20/28
    assert (pooled["sentences"], pooled["coded_by_any"], pooled["percent_agreement"]) == (8, 3, 87.5)
    assert pooled["cohen_kappa"] == pytest.approx(20 / 28, abs=1e-4)
    # coded only drops s3: A on s0..s2 is 1 1 0 vs 1 0 0 → 2/3;
    # pe = 2/3·1/3 + 1/3·2/3 = 4/9 → κ = (6/9 − 4/9)/(5/9) = 0.4
    assert a["sentences_coded_only"] == 3
    assert a["percent_agreement_coded_only"] == pytest.approx(66.67)
    assert a["cohen_kappa_coded_only"] == pytest.approx(0.4)
    assert pooled["sentences_coded_only"] == 6


def test_three_coders_get_fleiss_kappa_column() -> None:
    sentences = [Sentence(f"s{i}", "T1", i * 10, i * 10 + 10) for i in range(4)]
    # the Fleiss case above: (1,1,1) (1,1,0) (0,0,0) (1,0,0) → κ = 1/3, α = 7/18
    marked = [{("s0", "A"), ("s1", "A"), ("s3", "A")}, {("s0", "A"), ("s1", "A")}, {("s0", "A")}]
    rows = table.rows(sentences, [("A", "甲")], marked)
    assert "fleiss_kappa" in rows[0] and "cohen_kappa" not in rows[0]
    assert rows[0]["fleiss_kappa"] == pytest.approx(1 / 3, abs=1e-4)
    assert rows[0]["krippendorff_alpha"] == pytest.approx(7 / 18, abs=1e-4)


def test_code_nobody_used_is_blank_with_a_note_not_a_crash() -> None:
    sentences = [Sentence("s0", "T1", 0, 10), Sentence("s1", "T1", 10, 20)]
    rows = table.rows(sentences, [("A", "甲"), ("B", "乙")], [{("s0", "A")}, {("s0", "A")}])
    unused = rows[1]
    assert unused["cohen_kappa"] is None and unused["krippendorff_alpha"] is None
    assert unused["percent_agreement"] == 100.0
    assert "same answer" in unused["note"]
    text = table.csv_text(rows, 2)
    assert text.splitlines()[0].startswith("code,label,sentences,coded_by_any,percent_agreement,cohen_kappa")
    assert "\nB,乙,2,0,100.0,,," in text


def test_a_consensus_memo_always_names_its_author() -> None:
    from themeflow.agree.consensus import merged_memo

    assert merged_memo([("志强", "重点是工作分心"), ("美玲", "")]) == "志强: 重点是工作分心"
    assert merged_memo([("志强", "同上"), ("美玲", "同上")]) == "志强, 美玲: 同上"
    assert merged_memo([("志强", "甲"), ("美玲", "乙")]) == "志强: 甲 / 美玲: 乙"
    assert merged_memo([("志强", ""), ("美玲", " ")]) == ""
