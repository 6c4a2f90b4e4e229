"""Table 3, the matrix, quotes and Table 2 against hand-computed answers on a small sheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from test_themes_fixtures import DEFAULT_UNITS, make_workspace, unit
from themeflow import workspace
from themeflow.themes import compute, quotes, table2


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, bytes]:
    return compute(workspace.load(make_workspace(tmp_path)))[1]


def test_table3_counts_only_accepted_units_under_their_final_code(files: dict[str, bytes]) -> None:
    rows = {r["code_id"]: r for r in _csv(files["themes.csv"])}
    assert [(c, rows[c]["participants"], rows[c]["units"]) for c in ("T1.1", "T1.2", "T2.1")] == [
        ("T1.1", "2/5", "3"),  # P1 twice, P4 (接受); P2's rejected unit does not count
        ("T1.2", "2/5", "2"),  # P2, and P1 recoded from T1.1 by final_code
        ("T2.1", "1/5", "1"),  # P3 only: P5's unit is pending
    ]
    assert rows["T1.1"]["n"] == "2" and rows["T1.1"]["N"] == "5"
    assert rows["T1.1"]["theme_participants"] == "3/5" and rows["T2.1"]["theme_participants"] == "1/5"


def test_accepted_orphaned_unit_counts_and_is_flagged(files: dict[str, bytes]) -> None:
    rows = {r["code_id"]: r for r in _csv(files["themes.csv"])}
    assert rows["T2.1"]["orphaned_units"] == "1" and rows["T1.1"]["orphaned_units"] == "0"
    summary = files["summary.md"].decode()
    assert "| T2.1 分享经验 / Sharing experience | 1/5 | 1* |" in summary
    assert "orphaned" in summary


def test_rejected_orphaned_unit_does_not_count(tmp_path: Path) -> None:
    units = [
        unit("u1", "P03", "T2.1", "老病友跟我讲他吃药的经验", decision="reject", status="orphaned"),
        unit("u2", "P01", "T1.1", "和大家聊天"),
    ]
    files = compute(workspace.load(make_workspace(tmp_path, units)))[1]
    rows = {r["code_id"]: r for r in _csv(files["themes.csv"])}
    assert (rows["T2.1"]["units"], rows["T2.1"]["orphaned_units"], rows["T2.1"]["participants"]) == (
        "0",
        "0",
        "0/5",
    )


def test_matrix_has_every_participant_and_accepted_unit_counts(files: dict[str, bytes]) -> None:
    assert files["matrix.csv"].decode("utf-8-sig").splitlines() == [
        "participant_id,T1.1,T1.2,T2.1,total",
        "P1,2,1,0,3",
        "P2,0,1,0,1",
        "P3,0,0,1,1",
        "P4,1,0,0,1",
        "P5,0,0,0,0",
    ]


def test_without_participants_file_n_is_the_interviewed_participants(tmp_path: Path) -> None:
    files = compute(workspace.load(make_workspace(tmp_path, participants=False)))[1]
    rows = {r["code_id"]: r for r in _csv(files["themes.csv"])}
    assert rows["T1.1"]["participants"] == "2/5"
    assert _csv(files["table2.csv"]) == [
        {
            "characteristic": "N",
            "category": "",
            "n": "5",
            "percent": "",
            "mean": "",
            "sd": "",
            "min": "",
            "max": "",
            "summary": "5",
        }
    ]


def test_quotes_are_chosen_from_different_participants_highest_score_first(files: dict[str, bytes]) -> None:
    rows = [r for r in _csv(files["quotes.csv"]) if r["code_id"] == "T1.1"]
    # P1 has two T1.1 units: only the higher-scored (0.9) one is used, then P4's.
    assert [(r["unit_id"], r["participant_id"], r["chosen_by"]) for r in rows] == [
        ("u01", "P1", "auto"),
        ("u07", "P4", "auto"),
    ]
    assert rows[0]["attribution"] == "(P1, 精神分裂症, 男)"
    assert rows[1]["attribution"] == "(P4, 男)"  # P4's diagnosis is blank: left out, not "(P4, , 男)"


def test_quotes_marked_by_coders_replace_automatic_choice(tmp_path: Path) -> None:
    units = [dict(u) for u in DEFAULT_UNITS]
    units[1]["quote"] = "yes"  # P1's lower-scored T1.1 unit
    files = compute(workspace.load(make_workspace(tmp_path, units)))[1]
    rows = [r for r in _csv(files["quotes.csv"]) if r["code_id"] == "T1.1"]
    assert [(r["unit_id"], r["chosen_by"]) for r in rows] == [("u02", "coder")]


def test_quotes_per_code_setting_limits_automatic_quotes(tmp_path: Path) -> None:
    ws = workspace.load(make_workspace(tmp_path, config="themes:\n  quotes_per_code: 1\n"))
    rows = [r for r in _csv(compute(ws)[1]["quotes.csv"]) if r["code_id"] == "T1.1"]
    assert [r["unit_id"] for r in rows] == ["u01"]


def test_translation_travels_with_its_quote(files: dict[str, bytes]) -> None:
    rows = [r for r in _csv(files["quotes.csv"]) if r["unit_id"] == "u04"]
    assert rows[0]["translation"] == "Here I don't have to hide."
    assert "*Here I don't have to hide.*" in files["summary.md"].decode()


@pytest.mark.parametrize(
    ("template", "fields", "expected"),
    [
        (
            "({participant_id}, {diagnosis}, {sex})",
            {"participant_id": "P4", "diagnosis": "精神分裂症", "sex": "男"},
            "(P4, 精神分裂症, 男)",
        ),
        ("({participant_id}, {diagnosis}, {sex})", {"participant_id": "P4", "sex": "男"}, "(P4, 男)"),
        ("({participant_id}, {diagnosis}, {sex})", {"participant_id": "P4"}, "(P4)"),
        ("（{participant_id}，{age}岁）", {"participant_id": "P2", "age": "38"}, "（P2，38岁）"),
        ("[{diagnosis}]", {"participant_id": "P2"}, ""),
    ],
)
def test_attribution_fills_the_template_and_drops_missing_fields(
    template: str, fields: dict[str, str], expected: str
) -> None:
    assert quotes.attribution(template, fields) == expected


def test_table2_matches_pandas_mean_and_sample_sd() -> None:
    import pandas as pd

    people = [
        {"participant_id": f"P{i}", "age": a, "years": y, "sex": s}
        for i, (a, y, s) in enumerate(
            [("45", "3", "男"), ("38", "1.5", "女"), ("52", "", "男"), ("60", "7", "男"), ("41", "2", "女")],
            start=1,
        )
    ]
    result = table2.summarise(["participant_id", "age", "years", "sex"], people)
    frame = pd.DataFrame(people).replace("", None)
    by_column = {s.column: s for s in result.numeric}
    for column in ("age", "years"):
        values = frame[column].dropna().astype(float)
        assert by_column[column].mean == pytest.approx(values.mean())
        assert by_column[column].sd == pytest.approx(values.std())
        assert (by_column[column].minimum, by_column[column].maximum) == (values.min(), values.max())
    assert by_column["years"].n == 4
    assert [(c.category, c.n, c.percent) for c in result.categorical] == [("男", 3, 60.0), ("女", 2, 40.0)]


def test_table2_detects_numeric_and_categorical_and_skips_bookkeeping_columns(
    files: dict[str, bytes],
) -> None:
    rows = _csv(files["table2.csv"])
    assert [r["characteristic"] for r in rows] == [
        "N",
        "sex",
        "sex",
        "age",
        "diagnosis",
        "diagnosis",
        "diagnosis",
        "diagnosis",
    ]
    age = next(r for r in rows if r["characteristic"] == "age")
    assert (age["mean"], age["sd"], age["min"], age["max"], age["summary"]) == (
        "47.20",
        "8.87",
        "38",
        "60",
        "47.2 ± 8.9 (38–60)",
    )
    missing = [r for r in rows if r["category"] == table2.MISSING]
    assert missing and missing[0]["characteristic"] == "diagnosis" and missing[0]["percent"] == "20.0"


def test_configured_columns_are_summarised_exactly(tmp_path: Path) -> None:
    ws = workspace.load(make_workspace(tmp_path, config="themes:\n  categorical_columns: [age]\n"))
    rows = _csv(compute(ws)[1]["table2.csv"])
    assert {r["characteristic"] for r in rows} == {"N", "age"}
    assert all(r["category"] for r in rows if r["characteristic"] == "age")


def test_a_number_written_in_words_does_not_turn_a_numeric_column_into_categories() -> None:
    people = [{"participant_id": f"P{i}", "age": str(age)} for i, age in enumerate([29, 35, 41, 47, 53], start=1)]
    people += [{"participant_id": "P6", "age": "四十"}, {"participant_id": "P7", "age": ""}]
    t2 = table2.summarise(["participant_id", "age"], people)
    [age] = t2.numeric
    assert (age.n, age.mean, age.minimum, age.maximum) == (5, 41.0, 29, 53) and not t2.categorical
    assert t2.unusable == [("age", "P6", "四十")]
    assert age.display.endswith("; n = 5)")  # the report says over how many of N


def test_a_blank_field_takes_its_unit_word_with_it() -> None:
    template = "({participant_id}, {学历}, {age}岁)"
    assert quotes.attribution(template, {"participant_id": "P3", "学历": "大专", "age": ""}) == "(P3, 大专)"
    assert quotes.attribution(template, {"participant_id": "P3", "学历": "大专", "age": "40"}) == "(P3, 大专, 40岁)"
