"""`agree --prepare` copies are blind, `agree --adopt` merges the consensus into the coder sheet without losing
anything people made, and a bad value in a coder's sheet is reported once (QA findings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_agree_cli import TEXT, _manual, _unit, build_workspace, invoke, settle, sheet_a, sheet_b, write_sheet
from themeflow import sheet
from themeflow.agree import merge

EXTRA = ["translation", "quote", "我的备注"]
COLUMNS = [*sheet.SHEET_COLUMNS, *EXTRA]
ORPHAN_TEXT = "这段话在新的转录稿里已经没有了。"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    monkeypatch.chdir(neutral)
    return build_workspace(tmp_path)


def coder_sheet() -> list[dict[str, str]]:
    """The coder sheet as one coder (qa) left it before the two-coder round: decisions, a recode, memos,
    a translation, a quote, a column of their own, and an orphaned unit that is still decided."""
    rows = [{**r, **dict.fromkeys(EXTRA, "")} for r in sheet_a()]
    rows[0].update(decision="accept", coder="qa", memo="原备注", translation="About three years", quote="x")
    rows[0]["我的备注"] = "自定义"
    rows[2].update(decision="accept", final_code="T1.2", coder="qa", memo="改为T1.2")
    rows[3].update(decision="accept", coder="qa")
    orphan = _unit(1, 1, "T1.2", "accept", final="T1.1", memo="孤儿的备注")
    orphan.update(unit_id="u0rphan0001", text=ORPHAN_TEXT, status="orphaned", coder="qa", translation="gone", quote="")
    orphan["我的备注"] = "保留"
    return rows + [orphan]


def units_path(ws: Path) -> Path:
    return ws / "analysis" / "02-code" / "units.xlsx"


def consensus_path(ws: Path) -> Path:
    return ws / "analysis" / "03-agree" / "consensus.xlsx"


def fill(path: Path, answers: dict[str, tuple[str, str]]) -> None:
    """A coder fills in their prepared copy: decision and memo by unit text."""
    header, rows = sheet.read_rows(path)
    for row in rows:
        if row["text"] in answers:
            row["decision"], row["memo"] = answers[row["text"]]
    sheet.write(path, header, [{k: v for k, v in r.items() if k != "_row"} for r in rows], [], [])


def two_coders_round(ws: Path) -> None:
    """--prepare, both coders decide blind, agree: one disagreement (s3), one unit pending for 李 (s5–s6)."""
    sheet.write(units_path(ws), COLUMNS, coder_sheet(), [], [])
    assert invoke(ws, "--prepare", "王", "李").exit_code == 0
    folder = ws / "analysis" / "03-agree" / "sheets"
    s1, s2, s3, s56 = (r["text"] for r in sheet_a())
    fill(
        folder / "units-王.xlsx", {s1: ("accept", "三年"), s2: ("accept", ""), s3: ("accept", ""), s56: ("accept", "")}
    )
    fill(folder / "units-李.xlsx", {s1: ("接受", "时间长"), s2: ("接受", ""), s3: ("拒绝", "日常陪伴")})
    result = invoke(ws)
    assert result.exit_code == 0, result.output


def by_text(path: Path) -> dict[str, dict[str, str]]:
    return {r["text"]: {k: v for k, v in r.items() if k != "_row"} for r in sheet.read_rows(path)[1]}


# --- --prepare --------------------------------------------------------------------------------------


def test_prepared_copies_blank_every_peoples_column(ws: Path) -> None:
    sheet.write(units_path(ws), COLUMNS, coder_sheet(), [], [])
    result = invoke(ws, "--prepare", "王", "李")
    assert result.exit_code == 0, result.output
    for name in ("王", "李"):
        header, rows = sheet.read_rows(ws / "analysis" / "03-agree" / "sheets" / f"units-{name}.xlsx")
        assert header == COLUMNS  # the columns stay, so the coder can fill them in
        assert len(rows) == 5
        for row in rows:
            assert [row[c] for c in ("decision", "final_code", "memo", *EXTRA)] == [""] * 6, row
            assert row["coder"] == name
        assert [r["text"] for r in rows] == [r["text"] for r in coder_sheet()]  # tool columns as they were


def test_prepare_never_overwrites_a_copy_holding_only_a_translation(ws: Path) -> None:
    target = ws / "analysis" / "03-agree" / "sheets" / "units-李.xlsx"
    rows = [{**r, **dict.fromkeys(["decision", "final_code", "memo", *EXTRA], ""), "coder": "李"} for r in sheet_a()]
    rows[1]["translation"] = "When I first came I knew nobody"
    sheet.write(target, COLUMNS, rows, [], [])
    before = target.read_bytes()
    result = invoke(ws, "--prepare", "王", "李")
    assert result.exit_code == 2
    assert "units-李.xlsx: this coder's sheet already holds decisions" in result.output
    assert target.read_bytes() == before


# --- --adopt ----------------------------------------------------------------------------------------


def test_adopt_refuses_a_consensus_with_disagreements_still_undecided_and_writes_nothing(ws: Path) -> None:
    two_coders_round(ws)
    before = units_path(ws).read_bytes()
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 2
    # disagreements come first in the consensus sheet: s3 is row 2
    assert (
        "consensus.xlsx row 2: still undecided after the meeting (1 disagreement); decide them, then adopt"
        in result.output
    )
    assert units_path(ws).read_bytes() == before
    assert not (ws / "analysis" / "02-code" / "history").exists()


def test_adopt_merges_the_consensus_and_loses_nothing_people_made(ws: Path) -> None:
    two_coders_round(ws)
    s1, s2, s3, s56 = (r["text"] for r in sheet_a())
    settle(consensus_path(ws), {s3: ("accept", "共识会：算结识朋友")})
    before, previous = units_path(ws).read_bytes(), by_text(units_path(ws))
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 0, result.output
    assert "merged analysis/03-agree/consensus.xlsx into analysis/02-code/units.xlsx" in result.output
    assert (ws / "analysis" / "02-code" / "history" / "units-0001.xlsx").read_bytes() == before

    header, rows = sheet.read_rows(units_path(ws))
    assert header == COLUMNS  # no comparison columns, the people's own columns stay
    merged = by_text(units_path(ws))
    assert [r["text"] for r in rows] == list(previous)  # the coder sheet's order, nothing added or dropped

    # agreed: the consensus decision and coders; the memo kept, the coders' memos appended; own columns kept
    # (coders in the order the prepared copies sort: 李, 王)
    assert merged[s1] == {
        **previous[s1],
        "decision": "accept",
        "coder": "李, 王",
        "memo": "原备注 | 李: 时间长 / 王: 三年",
    }
    assert merged[s2]["decision"] == "accept" and merged[s2]["coder"] == "李, 王"
    # settled in the meeting: its decision, final code (the drafted code) and memo appended to the old one
    assert (merged[s3]["decision"], merged[s3]["final_code"], merged[s3]["coder"]) == ("accept", "", "李, 王")
    assert merged[s3]["memo"] == "改为T1.2 | 共识会：算结识朋友"
    # pending for 李 in the consensus: the coder sheet's decision stays
    assert merged[s56] == previous[s56]
    # orphaned (blank in the blind copies, so undecided in the consensus): exactly as it was
    assert merged[ORPHAN_TEXT] == previous[ORPHAN_TEXT]


def test_adopting_the_same_consensus_twice_changes_nothing(ws: Path) -> None:
    two_coders_round(ws)
    settle(consensus_path(ws), {sheet_a()[2]["text"]: ("reject", "共识会")})
    assert invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx").exit_code == 0
    once = units_path(ws).read_bytes()
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 0, result.output
    assert "nothing was written" in result.output
    assert units_path(ws).read_bytes() == once
    assert sorted(p.name for p in (ws / "analysis" / "02-code" / "history").iterdir()) == ["units-0001.xlsx"]


def test_adopt_appends_a_manual_unit_only_the_consensus_has_and_matches_it_once_it_has_an_id(ws: Path) -> None:
    # li added the manual unit 很孤单 in their copy; both settled the disagreement
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    settle(consensus_path(ws), {"后来跟老张成了朋友，每天一起吃午饭。": ("reject", ""), "很孤单": ("accept", "李加的")})
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 0, result.output
    assert "1 unit(s) added" in result.output
    header, rows = sheet.read_rows(units_path(ws))
    assert [r["text"] for r in rows] == [r["text"] for r in sheet_a()] + ["很孤单"]
    manual = rows[-1]
    assert (manual["unit_id"], manual["decision"], manual["memo"]) == ("", "accept", "李加的")
    assert manual["start"] == str(TEXT.index("很孤单"))
    # the code stage gives the manual unit an id; adopting the same consensus again must not add it twice
    for row in rows:
        if row["text"] == "很孤单":
            row.update(unit_id="m0000000001", status="manual")
    sheet.write(units_path(ws), header, [{k: v for k, v in r.items() if k != "_row"} for r in rows], [], [])
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 0, result.output
    assert len(sheet.read_rows(units_path(ws))[1]) == 5


def test_adopt_refuses_a_consensus_of_another_coder_sheet(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    settle(consensus_path(ws), {"后来跟老张成了朋友，每天一起吃午饭。": ("reject", "")})
    other = [{**r, "unit_id": "x" + r["unit_id"]} for r in sheet_a()]
    write_sheet(units_path(ws), other)
    before = units_path(ws).read_bytes()
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 2
    assert "consensus.xlsx: none of its units is in units.xlsx" in result.output
    assert units_path(ws).read_bytes() == before


def test_undecided_means_coders_decided_differently_or_accepted_under_different_codes() -> None:
    header = [*sheet.SHEET_COLUMNS, "agreement"] + [
        f"{part}_{c}" for c in ("王", "李", "赵") for part in ("decision", "final_code", "memo")
    ]

    def row(number: int, decision: str = "", **answers: str) -> dict[str, str]:
        return {"_row": str(number), "code": "T1.1", "decision": decision, **answers}

    rows = [
        row(2, decision_王="accept", decision_李="reject"),  # decided differently
        row(3, decision_王="accept", decision_李="接受", final_code_李="T1.2"),  # different codes
        row(4, decision_王="accept", decision_李="接受", final_code_李="T1.1"),  # same code: agreed, not settled
        row(5, decision_王="accept"),  # pending for 李 and 赵: nothing to settle
        row(6, decision="reject", decision_王="accept", decision_李="reject"),  # settled
        row(7, decision_王="reject", decision_李="reject", decision_赵="accept"),  # three coders
    ]
    assert [r["_row"] for r in merge.unresolved(header, rows)] == ["2", "3", "7"]
    # a sheet without the comparison columns: the agreement column says it
    plain = [{"_row": "2", "decision": "", "agreement": "decided differently"}, {"_row": "3", "decision": ""}]
    assert [r["_row"] for r in merge.unresolved([*sheet.SHEET_COLUMNS, "agreement"], plain)] == ["2"]


def test_memo_merge_keeps_the_current_memo_and_never_repeats() -> None:
    assert merge.merge_memo("原备注", "李: 新") == "原备注 | 李: 新"
    assert merge.merge_memo("", "李: 新") == "李: 新"
    assert merge.merge_memo("原备注", "") == "原备注"
    assert merge.merge_memo("原备注 | 李: 新", "李: 新") == "原备注 | 李: 新"


# --- one problem, one message -------------------------------------------------------------------------


def test_unknown_final_code_is_reported_once(ws: Path) -> None:
    rows = sheet_b()
    rows[3]["final_code"] = "T3.1"  # its drafted code T2.1 is in the codebook
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert 'units-li.xlsx row 5: final_code "T3.1" is not in the codebook' in result.output
    assert result.output.count("T3.1") == 1
    assert not (ws / "analysis" / "03-agree").exists()


def test_unknown_drafted_code_of_an_accepted_unit_and_of_a_manual_unit_are_each_reported_once(ws: Path) -> None:
    rows = sheet_b()
    rows[1]["code"] = "T9.9"  # accepted, no final_code: counts under T9.9
    rows[4] = _manual("很孤单", "T8.8", "accept")
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert 'units-li.xlsx row 3: code was changed from "T1.2" to "T9.9"' in result.output  # typed over the drafted code
    assert 'units-li.xlsx row 6: code "T8.8" is not in the codebook' in result.output
    assert result.output.count("T9.9") == 1 and result.output.count("T8.8") == 1
