"""`themeflow agree` end to end on a tiny hand-built workspace (one interview, two coders)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themeflow import agree, fsio, sheet, workspace
from themeflow.cli.app import app
from themeflow.coding.ids import unit_id
from themeflow.ingest.artefacts import segments_csv

CODEBOOK = """\
id: mini
title: {zh: 小型编码本, en: Mini codebook}
themes:
  - id: T1
    label: {zh: 重建社交网络, en: Rebuilding a social network}
    children:
      - id: T1.1
        label: {zh: 结识朋友, en: Making friends}
      - id: T1.2
        label: {zh: 摆脱孤独, en: Leaving loneliness behind}
  - id: T2
    label: {zh: 互相帮助, en: Helping each other}
    children:
      - id: T2.1
        label: {zh: 互相帮助, en: Mutual help}
"""

# (role, text): the interview, one sentence per entry.
INTERVIEW = [
    ("interviewer", "你来心园多久了？"),
    ("participant", "差不多三年了。"),
    ("participant", "刚来的时候谁都不认识，很孤单。"),
    ("participant", "后来跟老张成了朋友，每天一起吃午饭。"),
    ("interviewer", "平时大家会互相帮忙吗？"),
    ("participant", "会的，我教他们做手工，他们提醒我按时吃药。"),
    ("participant", "这让我觉得自己还有用。"),
]


def _offsets() -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for _, sentence in INTERVIEW:
        spans.append((len(text), len(text) + len(sentence)))
        text += sentence
    return text, spans


TEXT, SPANS = _offsets()


def _unit(first: int, last: int, code: str, decision: str, final: str = "", memo: str = "") -> dict[str, str]:
    start, end = SPANS[first][0], SPANS[last][1]
    body = TEXT[start:end]
    return {
        "unit_id": unit_id("T1", code, body),
        "transcript_id": "T1",
        "participant_id": "P1",
        "start": str(start),
        "end": str(end),
        "text": body,
        "code": code,
        "theme": code.split(".")[0],
        "evidence": "",
        "score": "1.0",
        "status": "new",
        "decision": decision,
        "final_code": final,
        "coder": "",
        "memo": memo,
    }


def _manual(text: str, code: str, decision: str) -> dict[str, str]:
    return {
        "unit_id": "",
        "transcript_id": "T1",
        "participant_id": "P1",
        "start": "",
        "end": "",
        "text": text,
        "code": code,
        "theme": "",
        "evidence": "",
        "score": "",
        "status": "",
        "decision": decision,
        "final_code": "",
        "coder": "",
        "memo": "",
    }


def sheet_a() -> list[dict[str, str]]:
    return [
        _unit(1, 1, "T1.1", ""),  # pending: ignored
        _unit(2, 2, "T1.2", "accept"),
        _unit(3, 3, "T1.1", "accept", memo="他说的是朋友"),
        _unit(5, 6, "T2.1", "accept"),
    ]


def sheet_b() -> list[dict[str, str]]:
    return [
        _unit(1, 1, "T1.1", "reject"),
        _unit(2, 2, "T1.2", "接受"),
        _unit(3, 3, "T1.1", "reject", memo="更像日常陪伴"),
        _unit(5, 6, "T2.1", "accept", final="T2.1"),
        # covers 3 of the 15 characters of its sentence: counted in the consensus, not as a mark
        _manual("很孤单", "T2.1", "accept"),
    ]


def write_sheet(path: Path, rows: list[dict[str, str]], coder: str = "") -> Path:
    rows = [{**r, "coder": coder} if coder else r for r in rows]
    sheet.write(path, list(sheet.SHEET_COLUMNS), rows, [], [])
    return path


def build_workspace(tmp_path: Path) -> Path:
    """A workspace as ingest and code would leave it, plus two coders' sheets under sheets/."""
    root = tmp_path / "study"
    ingest = root / "analysis" / "01-ingest"
    fsio.write_text(ingest / "transcripts" / "T1.txt", TEXT)
    segments = [
        {
            "segment_id": f"T1-{i + 1:04d}",
            "transcript_id": "T1",
            "participant_id": "P1",
            "turn": str(i),
            "speaker": "访谈者" if role == "interviewer" else "受访者",
            "role": role,
            "start": str(SPANS[i][0]),
            "end": str(SPANS[i][1]),
            "text": text,
            "tokens": "",
        }
        for i, (role, text) in enumerate(INTERVIEW)
    ]
    fsio.write_text(ingest / "segments.csv", segments_csv(segments))
    fsio.write_text(root / "analysis" / "02-code" / "codebook.yaml", CODEBOOK)
    write_sheet(root / "analysis" / "02-code" / "units.xlsx", sheet_a())
    write_sheet(root / "sheets" / "units-wang.xlsx", sheet_a(), coder="王")
    write_sheet(root / "sheets" / "units-li.xlsx", sheet_b())
    return root


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Sheet paths resolve against the current folder first: run from a neutral folder, never the repo
    # (which is itself a workspace with its own analysis/).
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    monkeypatch.chdir(neutral)
    return build_workspace(tmp_path)


def invoke(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--workspace", str(root), "agree", *args])


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_agreement_csv_matches_hand_computed_figures(ws: Path) -> None:
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in read_csv(ws / "analysis" / "03-agree" / "agreement.csv")}
    # 5 participant sentences s1 s2 s3 s5 s6 (list positions). Marks:
    #   王: (s2,T1.2) (s3,T1.1) (s5,T2.1) (s6,T2.1)   李: (s2,T1.2) (s5,T2.1) (s6,T2.1)
    # T1.1: 0 0 1 0 0 vs all 0 → 80 %; po = 4/5 = pe → κ = 0; α: n = 10, n1 = 1, Do = 2/10, De = 18/90 → 0
    assert rows["T1.1"]["sentences"] == "5" and rows["T1.1"]["coded_by_any"] == "1"
    assert float(rows["T1.1"]["percent_agreement"]) == 80.0
    assert float(rows["T1.1"]["cohen_kappa"]) == pytest.approx(0.0)
    assert float(rows["T1.1"]["krippendorff_alpha"]) == pytest.approx(0.0)
    assert float(rows["T2.1"]["cohen_kappa"]) == 1.0  # the manual unit 很孤单 covers too little to count
    # ALL: 15 pairs, one disagreement → 14/15; 王 4 ones, 李 3:
    #   pe = 4/15·3/15 + 11/15·12/15 = 144/225 → κ = (210 − 144)/(225 − 144) = 66/81
    #   α: n = 30, n1 = 7, n0 = 23; Do = 2/30, De = 2·23·7/(30·29) → α = 1 − 29/161 = 132/161
    pooled = rows["ALL"]
    assert pooled["sentences"] == "15" and pooled["coded_by_any"] == "4"
    assert float(pooled["percent_agreement"]) == pytest.approx(93.33)
    assert float(pooled["cohen_kappa"]) == pytest.approx(66 / 81, abs=1e-4)
    assert float(pooled["krippendorff_alpha"]) == pytest.approx(132 / 161, abs=1e-4)
    # coded only: s1 (差不多三年了) drops out → 12 pairs, 11 agree; pe = 4/12·3/12 + 8/12·9/12 = 84/144
    #   κ = (132 − 84)/(144 − 84) = 0.8; α: n = 24, n1 = 7, n0 = 17 → 1 − (2/24)/(238/552) = 192/238
    assert pooled["sentences_coded_only"] == "12"
    assert float(pooled["percent_agreement_coded_only"]) == pytest.approx(91.67)
    assert float(pooled["cohen_kappa_coded_only"]) == pytest.approx(0.8)
    assert float(pooled["krippendorff_alpha_coded_only"]) == pytest.approx(192 / 238, abs=1e-4)


def test_terminal_shows_bands_and_reports_pending_rows(ws: Path) -> None:
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0
    assert "almost perfect" in result.output and "reliable" in result.output
    assert "1 pending unit(s) ignored" in result.output
    assert "3 to discuss" in result.output


def test_json_output_is_the_library_result(ws: Path) -> None:
    result = invoke(ws, "--json", "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    library = agree.run(workspace.load(ws), [ws / "sheets" / "units-wang.xlsx", ws / "sheets" / "units-li.xlsx"])
    assert printed == json.loads(json.dumps(library.to_dict()))
    assert printed["coders"] == ["王", "li"]
    assert [s["pending"] for s in printed["sheets"]] == [1, 0]


def test_consensus_sheet_lists_disagreements_first_with_each_coders_decision(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    header, rows = sheet.read_rows(ws / "analysis" / "03-agree" / "consensus.xlsx")
    assert header[: len(sheet.SHEET_COLUMNS)] == sheet.SHEET_COLUMNS
    assert header[-7:] == [
        "agreement",
        "decision_王",
        "final_code_王",
        "memo_王",
        "decision_li",
        "final_code_li",
        "memo_li",
    ]
    assert [(r["text"], r["decision"], r["agreement"]) for r in rows] == [
        ("差不多三年了。", "", "pending for 王"),
        ("很孤单", "", "only in li's sheet"),
        ("后来跟老张成了朋友，每天一起吃午饭。", "", "decided differently"),
        ("刚来的时候谁都不认识，很孤单。", "accept", "agreed"),
        ("会的，我教他们做手工，他们提醒我按时吃药。这让我觉得自己还有用。", "accept", "agreed"),
    ]
    manual = rows[1]
    assert (manual["unit_id"], manual["start"], manual["end"]) == (
        "",
        str(TEXT.index("很孤单")),
        str(TEXT.index("很孤单") + 3),
    )
    assert rows[2]["decision_王"] == "accept" and rows[2]["decision_li"] == "reject"
    assert rows[2]["memo"] == "王: 他说的是朋友 / li: 更像日常陪伴"


def test_same_inputs_give_byte_identical_outputs(ws: Path) -> None:
    out = ws / "analysis" / "03-agree"
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    first = {p: (out / p).read_bytes() for p in ("agreement.csv", "consensus.xlsx")}
    (out / "consensus.xlsx").unlink()
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    assert {p: (out / p).read_bytes() for p in first} == first
    assert agree.stale_reasons(workspace.load(ws)) == []


def test_csv_workspace_writes_a_csv_consensus(ws: Path) -> None:
    fsio.write_text(ws / "themeflow.yaml", "sheet_format: csv\n")
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    assert (ws / "analysis" / "03-agree" / "consensus.csv").exists()
    assert not (ws / "analysis" / "03-agree" / "consensus.xlsx").exists()


def test_three_coders_report_fleiss_kappa(ws: Path) -> None:
    write_sheet(ws / "sheets" / "units-zhao.xlsx", sheet_a(), coder="赵")
    result = invoke(ws, "--json", "sheets/units-wang.xlsx", "sheets/units-li.xlsx", "sheets/units-zhao.xlsx")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["kappa"] == "fleiss"
    assert "fleiss_kappa" in printed["rows"][0]


def _nothing_written(ws: Path) -> bool:
    return not (ws / "analysis" / "03-agree").exists()


def test_duplicated_coder_names_are_refused(ws: Path) -> None:
    write_sheet(ws / "sheets" / "copy.xlsx", sheet_a(), coder="王")
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/copy.xlsx")
    assert result.exit_code == 2
    assert 'copy.xlsx: coder "王" also decided units-wang.xlsx' in result.output
    assert _nothing_written(ws)


def test_two_names_in_one_sheet_are_refused_naming_the_row(ws: Path) -> None:
    rows = sheet_b()
    rows[0]["coder"], rows[2]["coder"] = "李", "刘"
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert 'units-li.xlsx row 4: coder "刘" differs from "李" (row 2)' in result.output
    assert _nothing_written(ws)


def test_sheets_of_different_transcripts_do_not_belong_together(ws: Path) -> None:
    rows = sheet_b()
    rows[0]["transcript_id"] = "T9"
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert 'units-li.xlsx row 2: transcript "T9" is not in units-wang.xlsx' in result.output
    assert _nothing_written(ws)


def test_unknown_final_code_is_refused_naming_sheet_and_row(ws: Path) -> None:
    rows = sheet_b()
    rows[1]["final_code"] = "T4.2"
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert 'units-li.xlsx row 3: final_code "T4.2" is not in the codebook' in result.output
    assert _nothing_written(ws)


def test_manual_unit_whose_text_is_not_in_the_transcript_is_refused(ws: Path) -> None:
    write_sheet(ws / "sheets" / "units-li.xlsx", sheet_b()[:4] + [_manual("我从来不来心园", "T1.1", "accept")])
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert "units-li.xlsx row 6: the text of this manual unit is not found in transcript T1" in result.output


def test_manual_unit_whose_text_repeats_is_refused(ws: Path) -> None:
    write_sheet(ws / "sheets" / "units-li.xlsx", sheet_b()[:4] + [_manual("他们", "T2.1", "accept")])
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert "row 6: the text of this manual unit is found 2 times in transcript T1" in result.output


def test_sheet_whose_offsets_no_longer_hold_its_text_is_refused(ws: Path) -> None:
    rows = sheet_b()
    rows[1]["start"], rows[1]["end"] = "0", "5"
    rows[1]["unit_id"] = "u-only-in-this-copy"  # the coder sheet cannot say where this unit is now
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert "units-li.xlsx row 3: start/end 0–5 no longer hold this unit's text in transcript T1" in result.output
    assert _nothing_written(ws)


def test_a_copy_made_before_the_transcripts_changed_is_compared_where_its_units_are_now(ws: Path) -> None:
    rows = sheet_b()
    rows[1]["start"], rows[1]["end"] = "0", "5"  # stale offsets; the coder sheet knows the unit's place now
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0, result.output


def test_missing_column_is_refused(ws: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "decision"} for r in sheet_b()]
    sheet.write(ws / "sheets" / "units-li.xlsx", [c for c in sheet.SHEET_COLUMNS if c != "decision"], rows, [], [])
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 2
    assert "units-li.xlsx row 1: missing column decision" in result.output


def test_one_sheet_is_not_enough(ws: Path) -> None:
    result = invoke(ws, "sheets/units-wang.xlsx")
    assert result.exit_code == 2
    assert "at least two coders' sheets" in result.output


def test_prepare_writes_blank_copies_per_coder(ws: Path) -> None:
    result = invoke(ws, "--prepare", "王", "李")
    assert result.exit_code == 0, result.output
    for name in ("王", "李"):
        _, rows = sheet.read_rows(ws / "analysis" / "03-agree" / "sheets" / f"units-{name}.xlsx")
        assert len(rows) == 4
        assert all(r["decision"] == r["final_code"] == r["memo"] == "" and r["coder"] == name for r in rows)


def test_prepare_never_overwrites_a_coders_decisions(ws: Path) -> None:
    target = ws / "analysis" / "03-agree" / "sheets" / "units-李.xlsx"
    write_sheet(target, sheet_b(), coder="李")
    before = target.read_bytes()
    result = invoke(ws, "--prepare", "王", "李")
    assert result.exit_code == 2
    assert "units-李.xlsx: this coder's sheet already holds decisions" in result.output
    assert target.read_bytes() == before
    assert not (target.parent / "units-王.xlsx").exists()


def test_without_sheets_agree_compares_the_prepared_copies(ws: Path) -> None:
    assert invoke(ws, "--prepare", "王", "李").exit_code == 0
    folder = ws / "analysis" / "03-agree" / "sheets"
    write_sheet(folder / "units-王.xlsx", sheet_a(), coder="王")
    write_sheet(folder / "units-李.xlsx", sheet_b(), coder="李")
    result = invoke(ws, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["coders"] == ["李", "王"]


def test_without_sheets_or_prepared_copies_agree_explains_what_to_do(ws: Path) -> None:
    result = invoke(ws)
    assert result.exit_code == 2
    assert "at least two coders' sheets" in result.output and "--prepare" in result.output


def settle(path: Path, decisions: dict[str, tuple[str, str]]) -> None:
    """What the consensus meeting does: fill in `decision` (and `memo`) of the rows with these texts."""
    header, rows = sheet.read_rows(path)
    for row in rows:
        if row["text"] in decisions:
            row["decision"], row["memo"] = decisions[row["text"]]
    sheet.write(path, header, [{k: v for k, v in r.items() if k != "_row"} for r in rows], [], [])


MEETING = {"后来跟老张成了朋友，每天一起吃午饭。": ("reject", "共识会：日常陪伴，不算结识朋友")}


def test_adopt_installs_consensus_and_keeps_the_old_sheet_in_history(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    settle(ws / "analysis" / "03-agree" / "consensus.xlsx", MEETING)
    old = (ws / "analysis" / "02-code" / "units.xlsx").read_bytes()
    fsio.write_bytes(ws / "analysis" / "02-code" / "history" / "units-0001.xlsx", b"older")
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx")
    assert result.exit_code == 0, result.output
    assert (ws / "analysis" / "02-code" / "history" / "units-0002.xlsx").read_bytes() == old
    header, rows = sheet.read_rows(ws / "analysis" / "02-code" / "units.xlsx")
    assert header == sheet.SHEET_COLUMNS
    # the 4 units of the coder sheet plus the manual unit only li added; 2 agreed accepts, 1 settled reject
    assert len(rows) == 5 and sum(1 for r in rows if r["decision"] == "accept") == 2
    assert [r["decision"] for r in rows if r["text"] in MEETING] == ["reject"]
    assert "2 unit(s) still have no decision" in result.output


def test_adopt_refuses_an_invalid_consensus_and_installs_nothing(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    path = ws / "analysis" / "03-agree" / "consensus.xlsx"
    header, rows = sheet.read_rows(path)
    rows[0]["decision"] = "maybe"
    sheet.write(path, header, rows, [], [])
    before = (ws / "analysis" / "02-code" / "units.xlsx").read_bytes()
    result = invoke(ws, "--adopt", str(path))
    assert result.exit_code == 2
    assert 'consensus.xlsx row 2: decision "maybe" is not one of' in result.output
    assert (ws / "analysis" / "02-code" / "units.xlsx").read_bytes() == before
    assert not (ws / "analysis" / "02-code" / "history").exists()


def test_editing_a_sheet_makes_the_agreement_stale(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    rows = sheet_b()
    rows[2]["decision"] = "accept"
    write_sheet(ws / "sheets" / "units-li.xlsx", rows)
    assert agree.stale_reasons(workspace.load(ws)) == ["sheets/units-li.xlsx was modified"]


def test_prepare_uses_the_coders_of_the_workspace_and_adopt_works_in_csv(ws: Path) -> None:
    fsio.write_text(ws / "themeflow.yaml", "sheet_format: csv\ncoders: [王, 李]\n")
    code_dir = ws / "analysis" / "02-code"
    write_sheet(code_dir / "units.csv", sheet_a())
    (code_dir / "units.xlsx").unlink()
    assert invoke(ws, "--prepare").exit_code == 0
    folder = ws / "analysis" / "03-agree" / "sheets"
    assert sorted(p.name for p in folder.iterdir()) == ["units-李.csv", "units-王.csv"]
    write_sheet(folder / "units-王.csv", sheet_a(), coder="王")
    write_sheet(folder / "units-李.csv", sheet_b(), coder="李")
    assert invoke(ws).exit_code == 0
    settle(ws / "analysis" / "03-agree" / "consensus.csv", MEETING)
    result = invoke(ws, "--adopt", "analysis/03-agree/consensus.csv")
    assert result.exit_code == 0, result.output
    header, rows = sheet.read_rows(code_dir / "units.csv")
    assert header == sheet.SHEET_COLUMNS and len(rows) == 5
    assert (code_dir / "history" / "units-0001.csv").exists()


def test_prepare_and_adopt_together_is_a_usage_error(ws: Path) -> None:
    result = invoke(ws, "--prepare", "--adopt", "x.xlsx", "王")
    assert result.exit_code == 2
    assert "either --prepare or --adopt" in result.output


def test_running_agree_again_keeps_the_meetings_decisions(ws: Path) -> None:
    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    consensus_file = ws / "analysis" / "03-agree" / "consensus.xlsx"
    settle(consensus_file, MEETING)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0, result.output
    assert "had been edited since agree wrote it" in " ".join(result.output.split())
    _, rows = sheet.read_rows(consensus_file)
    settled = [r for r in rows if r["text"] in MEETING]
    assert [(r["decision"], r["memo"]) for r in settled] == [MEETING[settled[0]["text"]]]
    assert list((ws / "analysis" / "03-agree" / "history").glob("consensus-0001.xlsx"))


def test_agree_on_sheets_nobody_decided_yet_is_refused(ws: Path) -> None:
    blank = [{**r, "decision": ""} for r in sheet_a()]
    write_sheet(ws / "sheets" / "units-zhao.xlsx", blank, coder="赵")
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-zhao.xlsx")
    assert result.exit_code == 2
    assert "has no decisions yet" in " ".join(result.output.split())
    assert not (ws / "analysis" / "03-agree" / "consensus.xlsx").exists()


def test_status_calls_agree_fresh_after_the_consensus_is_adopted(ws: Path) -> None:
    from themeflow import agree, workspace

    assert invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx").exit_code == 0
    settle(ws / "analysis" / "03-agree" / "consensus.xlsx", MEETING)
    assert invoke(ws, "--adopt", "analysis/03-agree/consensus.xlsx").exit_code == 0
    assert not [r for r in agree.stale_reasons(workspace.load(ws)) if "consensus" in r]


def test_a_coder_writing_their_name_in_another_case_is_one_coder(ws: Path) -> None:
    rows = [{**r, "coder": "Ana" if i < 2 else "ana"} for i, r in enumerate(sheet_a())]
    write_sheet(ws / "sheets" / "units-wang.xlsx", rows)
    result = invoke(ws, "sheets/units-wang.xlsx", "sheets/units-li.xlsx")
    assert result.exit_code == 0, result.output


def test_prepared_copies_leave_out_transcripts_no_longer_ingested(ws: Path) -> None:
    units = ws / "analysis" / "02-code" / "units.xlsx"
    withdrawn = {**sheet_a()[0], "unit_id": "u9999999999", "transcript_id": "T9", "text": "退出的受访者说的话"}
    write_sheet(units, [*sheet_a(), withdrawn])
    assert invoke(ws, "--prepare", "王", "李").exit_code == 0
    _, rows = sheet.read_rows(ws / "analysis" / "03-agree" / "sheets" / "units-王.xlsx")
    assert len(rows) == 4 and all(r["transcript_id"] == "T1" for r in rows)
