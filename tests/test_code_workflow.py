"""The promise users care about most: every human edit in the coder sheet survives every re-run,
transcript edit, codebook change and a killed run. Tests work the way coders work, in the .xlsx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from conftest import TRANSCRIPT_A, invoke, make_workspace
from themeflow import fsio, sheet

PEOPLE = ("decision", "final_code", "coder", "memo", "translation", "quote")


def _rows(path: Path) -> list[dict[str, str]]:
    return sheet.read_rows(path)[1]


def _edit(path: Path, edits: dict[str, dict[str, str]], new_rows: list[dict[str, str]] = ()) -> None:  # type: ignore[assignment]
    """Edit the sheet as a coder would in Excel: by unit_id, plus rows appended at the bottom."""
    workbook = load_workbook(path)
    data = workbook["units"]
    header = [c.value for c in data[1]]
    for extra in ("translation", "quote"):
        if extra not in header:
            header.append(extra)
            data.cell(row=1, column=len(header), value=extra)
    for row in data.iter_rows(min_row=2):
        unit = row[header.index("unit_id")].value
        for column, value in edits.get(unit, {}).items():
            data.cell(row=row[0].row, column=header.index(column) + 1, value=value)
    for new in new_rows:
        data.append([new.get(h, "") for h in header])
    workbook.save(path)


def _set_cells(path: Path, cells: dict[tuple[int, str], object]) -> None:
    """Type into the sheet as a coder would in Excel: `cells` maps (sheet row, column name) to a value; a column
    not in the header yet is added at the end (its name typed into row 1)."""
    workbook = load_workbook(path)
    data = workbook["units"]
    header = [c.value for c in data[1]]
    for _, column in cells:
        if column not in header:
            header.append(column)
            data.cell(row=1, column=len(header), value=column)
    for (row, column), value in cells.items():
        data.cell(row=row, column=header.index(column) + 1, value=value)
    workbook.save(path)


def _people(path: Path) -> dict[str, tuple[str, ...]]:
    return {r["unit_id"]: tuple(r.get(c, "") for c in PEOPLE) for r in _rows(path)}


def _coded(runner, workspace_dir: Path) -> tuple[str, Path]:  # type: ignore[no-untyped-def]
    """Ingest and code the workspace once; the workspace argument and the coder sheet's path."""
    ws = str(workspace_dir)
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    return ws, workspace_dir / "analysis/02-code/units.xlsx"


def _pick(rows, code):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r["code"] == code)


def test_coder_edits_survive_reruns_transcript_edits_and_codebook_changes(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws = str(workspace_dir)
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0, result.output
    units = workspace_dir / "analysis" / "02-code" / "units.xlsx"
    rows = _rows(units)
    assert {r["status"] for r in rows} == {"new"}
    meal = _pick(rows, "T1.1")  # 一起吃饭 (P1)
    disclosure = _pick(rows, "T1.2")  # 不想跟他们讲住院
    helping = _pick(rows, "T2.1")
    lonely = next(r for r in rows if r["code"] == "T1.1" and "孤单" in r["text"])
    _edit(
        units,
        {
            meal["unit_id"]: {"decision": "accept", "coder": "ana", "memo": "老李：固定的饭搭子", "quote": "1"},
            disclosure["unit_id"]: {"decision": "拒绝", "coder": "ana"},
            helping["unit_id"]: {
                "decision": "接受",
                "final_code": "T1.1",
                "coder": "ana",
                "translation": "I kept him company.",
            },
            lonely["unit_id"]: {"decision": "accept", "coder": "ana"},
        },
        [
            {
                "transcript_id": "P1_a",
                "text": "有时候下午还一起下棋。",
                "code": "T1.1",
                "decision": "accept",
                "coder": "ana",
                "memo": "人工添加",
            }
        ],
    )
    before = _people(units)

    # 1. Re-run: nothing changes for people; the manual unit gets an id and offsets.
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    after = _people(units)
    for unit, values in before.items():
        if unit:
            assert after[unit] == values
    manual = [r for r in _rows(units) if r["status"] == "manual"]
    assert len(manual) == 1 and manual[0]["unit_id"].startswith("m")
    assert manual[0]["memo"] == "人工添加" and manual[0]["participant_id"] == "P1"
    transcript = (workspace_dir / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    assert transcript[int(manual[0]["start"]) : int(manual[0]["end"])] == "有时候下午还一起下棋。"
    snapshot = _people(units)
    assert any(p[0] == "拒绝" for p in snapshot.values()), "the Chinese decision word is kept as written"
    history = list((workspace_dir / "analysis/02-code/history").glob("units-*.xlsx"))
    assert history, "the previous sheet is kept before writing"

    # 2. Transcripts change: the helping passage is deleted, text is inserted before the others, a turn appended.
    source = workspace_dir / "data/transcripts/P1_a.txt"
    edited = TRANSCRIPT_A.replace(
        "上个月小张心情不好，我陪他聊了一下午。帮了他以后，我自己也觉得有点用处了。", "忘了。"
    )
    edited = edited.replace(
        "访谈者：你在这边", "访谈者：先简单介绍一下。\n受访者：好的，我姓李，来了三年了。\n访谈者：你在这边"
    )
    edited += "访谈者：还有别的吗？\n受访者：没有了，就这些。\n"
    source.write_text(edited, encoding="utf-8")
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    rows = {r["unit_id"]: r for r in _rows(units)}
    assert rows[helping["unit_id"]]["status"] == "orphaned"
    assert rows[helping["unit_id"]]["text"] == helping["text"], "an orphaned unit is kept as it was"
    transcript = (workspace_dir / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    moved = rows[meal["unit_id"]]
    assert int(moved["start"]) > int(meal["start"]), "offsets follow the text"
    assert transcript[int(moved["start"]) : int(moved["end"])] == moved["text"]
    assert _people(units) == snapshot | {}, "people's columns are unchanged after transcript edits"

    # 3. The codebook no longer proposes a unit: it turns stale, its decision stays.
    book = workspace_dir / "codebooks/test.yaml"
    text = book.read_text(encoding="utf-8").replace("keywords: [朋友, 孤单]", "keywords: [聊天]")
    book.write_text(text.replace(', "一起 做手工"', ""), encoding="utf-8")
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    rows = {r["unit_id"]: r for r in _rows(units)}
    assert rows[lonely["unit_id"]]["status"] == "stale"
    assert rows[lonely["unit_id"]]["decision"] == "accept"
    assert _people(units) == snapshot


def test_killed_run_never_loses_or_corrupts_the_sheet(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {r["unit_id"]: {"decision": "accept", "memo": f"备注{i}"} for i, r in enumerate(rows)})
    expected = _people(units)
    # Make every run rewrite the sheet (a codebook change adds candidates), then kill it at varied moments.
    book = workspace_dir / "codebooks/test.yaml"
    book.write_text(
        book.read_text(encoding="utf-8").replace("keywords: [住院]", "keywords: [住院, 面条, 电视]"), encoding="utf-8"
    )
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for delay in (0.2, 0.5, 0.8, 1.1, 1.4, 1.8):
        process = subprocess.Popen(
            [sys.executable, "-m", "themeflow.cli.app", "code", "--workspace", ws],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = _people(units)  # always a readable, complete sheet: the old one or the new one
        for unit, values in expected.items():
            assert current[unit] == values
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    final = _people(units)
    for unit, values in expected.items():
        assert final[unit] == values
    assert len(final) > len(expected), "the changed codebook's new candidates were added"
    assert not list(units.parent.glob(".*.tmp")), "temporary files of killed runs are cleaned up"


def test_bad_edits_are_refused_with_row_numbers_and_nothing_written(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "maybe"}, rows[1]["unit_id"]: {"final_code": "T9.9"}})
    before = units.read_bytes()
    result = runner.invoke(__import__("themeflow.cli.app", fromlist=["app"]).app, ["code", "--workspace", ws])
    assert result.exit_code == 2
    assert 'units.xlsx row 2: decision "maybe"' in result.output
    assert 'units.xlsx row 3: final_code "T9.9" is not in the codebook' in result.output
    assert "Traceback" not in result.output
    assert units.read_bytes() == before


def test_manual_unit_whose_text_is_not_found_names_the_row(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    count = len(_rows(units))
    _edit(
        units,
        {},
        [
            {"transcript_id": "P1_a", "text": "这句话不在访谈里。", "code": "T1.1"},
            {"transcript_id": "P1_a", "text": "。", "code": "T1.1"},
        ],
    )
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    assert f"units.xlsx row {count + 2}: text of this manual unit is not in transcript P1_a" in result.output
    assert f"units.xlsx row {count + 3}: text of this manual unit occurs" in result.output


def test_missing_column_and_open_sheet_are_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    lock = units.with_name("~$units.xlsx")
    lock.write_bytes(b"lock")
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and "open in Excel or WPS" in result.output
    lock.unlink()
    workbook = load_workbook(units)
    workbook["units"].delete_cols(13)  # final_code
    workbook.save(units)
    before = units.read_bytes()
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and "units.xlsx row 1: missing column final_code" in result.output
    assert units.read_bytes() == before


def test_same_inputs_give_byte_identical_sheet(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_workspace

    outputs = []
    for name in ("one", "two"):
        root = make_workspace(tmp_path / name)
        invoke(runner, "ingest", "--workspace", str(root))
        invoke(runner, "code", "--workspace", str(root))
        outputs.append((root / "analysis/02-code/units.xlsx").read_bytes())
    assert outputs[0] == outputs[1]


def test_csv_sheet_instead_of_xlsx_never_both(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws = str(workspace_dir)
    invoke(runner, "ingest", "--workspace", ws)
    invoke(runner, "code", "--workspace", ws)
    xlsx = workspace_dir / "analysis/02-code/units.xlsx"
    rows = _rows(xlsx)
    _edit(xlsx, {rows[0]["unit_id"]: {"decision": "accept", "memo": "保留"}})
    config = workspace_dir / "themeflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sheet_format: csv\n", encoding="utf-8")
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    csv_path = workspace_dir / "analysis/02-code/units.csv"
    assert csv_path.exists() and not xlsx.exists()
    carried = {r["unit_id"]: r for r in _rows(csv_path)}
    assert carried[rows[0]["unit_id"]]["memo"] == "保留"


def test_candidate_cache_only_accelerates(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws = str(workspace_dir)
    invoke(runner, "ingest", "--workspace", ws)
    invoke(runner, "code", "--workspace", ws)
    invoke(runner, "code", "--workspace", ws)  # second run: every unit `kept`, from the cache
    units = workspace_dir / "analysis/02-code/units.xlsx"
    first = units.read_bytes()
    cache = sorted((workspace_dir / ".themeflow/cache/code-candidates").glob("*.json"))
    assert len(cache) == 2 * 2  # two transcripts: candidates and sentences of each
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in cache)
    assert oct(cache[0].parent.stat().st_mode & 0o777) == "0o700"  # private folders, whatever the umask
    for path in cache:
        path.write_text("{not json", encoding="utf-8")  # damaged: ignored, rebuilt
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert units.read_bytes() == first
    # A changed transcript is drafted again (its cached candidates are not reused).
    source = workspace_dir / "data/transcripts/P2_b.txt"
    source.write_text(
        source.read_text(encoding="utf-8") + "问：还有吗？\n答：我也不想跟他们说住院的事。\n", encoding="utf-8"
    )
    invoke(runner, "ingest", "--workspace", ws)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    rows = _rows(units)
    assert any(r["transcript_id"] == "P2_b" and r["code"] == "T1.2" for r in rows)


def test_formula_in_a_sheet_is_refused_not_blanked(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    _set_cells(units, {(3, "memo"): '="见"&A3'})
    before = units.read_bytes()
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    assert "units.xlsx row 3: memo holds a formula" in result.output
    assert units.read_bytes() == before


def test_people_cells_keep_their_type_and_spaces(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime

    ws, units = _coded(runner, workspace_dir)
    _set_cells(
        units,
        {
            (2, "复核日期"): datetime.date(2024, 5, 6),
            (2, "memo"): "  前后有空格  ",
            (2, "coder"): 42,
            (2, "decision"): "Accept ",
        },
    )
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    after = load_workbook(units)["units"]
    header = [c.value for c in after[1]]
    row = [c.value for c in after[2]]
    assert row[header.index("复核日期")] == datetime.datetime(2024, 5, 6)  # still a date, not text
    assert row[header.index("memo")] == "  前后有空格  "
    assert row[header.index("coder")] == 42
    assert row[header.index("decision")] == "Accept "


def test_deleted_decided_row_comes_back_with_its_decision(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    target = _rows(units)[0]
    _edit(units, {target["unit_id"]: {"decision": "reject", "memo": "与同伴无关"}})
    invoke(runner, "code", "--workspace", ws)
    workbook = load_workbook(units)
    workbook["units"].delete_rows(2)  # the coder deletes the row they rejected
    workbook.save(units)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert f"the row of unit {target['unit_id']} (reject) is missing" in " ".join(result.output.split())
    back = {r["unit_id"]: r for r in _rows(units)}[target["unit_id"]]
    assert (back["decision"], back["memo"]) == ("reject", "与同伴无关")


def test_cell_notes_are_reported_before_a_rewrite(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.comments import Comment

    ws, units = _coded(runner, workspace_dir)
    workbook = load_workbook(units)
    workbook["units"].cell(row=2, column=15).comment = Comment("和本核对", "ana")
    workbook.save(units)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert "has cell notes (comments)" in " ".join(result.output.split())
    assert list((workspace_dir / "analysis/02-code/history").glob("units-*.xlsx"))


def test_manual_units_must_be_one_participant_answer(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    count = len(_rows(units))
    _edit(
        units,
        {},
        [
            {"transcript_id": "P1_a", "text": "你在这边平时跟谁来往比较多？", "code": "T1.1"},
            {"transcript_id": "P1_a", "text": "有时候下午还一起下棋。\n访谈者：那你会跟他们说", "code": "T1.1"},
        ],
    )
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert f"row {count + 2}: this manual unit is interviewer speech" in out
    assert f"row {count + 3}: this manual unit" in out


def test_decisions_follow_units_when_deid_settings_change(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_workspace

    text = (
        "访谈者：平时跟谁来往？\n受访者：我跟老周关系最好，我们经常一起吃饭。\n"
        "访谈者：还有呢？\n受访者：仁和医院的护士也常来，我们不想跟他们讲住院的事。\n"
    )
    root = make_workspace(tmp_path / "ws", {"P1_a.txt": text})
    ws = str(root)
    invoke(runner, "ingest", "--workspace", ws)
    invoke(runner, "code", "--workspace", ws)
    units = root / "analysis/02-code/units.xlsx"
    rows = _rows(units)
    meal = next(r for r in rows if "吃饭" in r["text"])
    assert "老周" not in meal["text"]  # de-identified: 老[人名1]
    disclosure = next(r for r in rows if r["code"] == "T1.2")
    _edit(
        units,
        {meal["unit_id"]: {"decision": "accept", "memo": "固定饭搭子"}, disclosure["unit_id"]: {"decision": "accept"}},
    )

    # People keep 老周 (a false positive) and add the hospital to the names to replace.
    assert invoke(runner, "deid", "review", "--keep", "老周", "--workspace", ws).exit_code == 0
    config = root / "themeflow.yaml"
    settings = config.read_text(encoding="utf-8")
    assert "老周" in settings  # the keep list lives in themeflow.yaml
    config.write_text(settings.replace("keep:", "names: [仁和医院]\n  keep:", 1), encoding="utf-8")
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    after = {r["unit_id"]: r for r in _rows(units)}
    assert after[meal["unit_id"]]["status"] in {"kept", "stale"}, "re-anchored, not orphaned"
    assert after[meal["unit_id"]]["decision"] == "accept" and after[meal["unit_id"]]["memo"] == "固定饭搭子"
    assert "老周" in after[meal["unit_id"]]["text"]
    transcript = (root / "analysis/01-ingest/transcripts/P1_a.txt").read_text(encoding="utf-8")
    for row in after.values():
        if row["status"] != "orphaned":
            assert transcript[int(row["start"]) : int(row["end"])] == row["text"]
    assert not any(
        r["text"] == after[meal["unit_id"]]["text"] and r["unit_id"] != meal["unit_id"] and r["code"] == meal["code"]
        for r in after.values()
    ), "no duplicate of the re-anchored unit"
    hospital = after[disclosure["unit_id"]]
    assert hospital["decision"] == "accept" and "仁和医院" not in hospital["text"], hospital
    import json

    findings = json.loads(invoke(runner, "audit", "--workspace", ws, "--json").output)
    # Only the old copies in history/ (kept as they were, for people) may still hold the hospital's name.
    assert [f for f in findings if "/history/" not in f["file"]] == []


def test_one_run_lists_every_problem_of_the_sheet(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    count = len(rows)
    _edit(
        units,
        {rows[0]["unit_id"]: {"final_code": "T9.9"}},
        [{"transcript_id": "P1_a", "text": "不在文本里。", "code": "T1.1"}],
    )
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert 'row 2: final_code "T9.9"' in out and f"row {count + 2}: text of this manual unit is not in" in out


def test_renaming_a_code_that_accepted_units_use_is_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    target = _pick(_rows(units), "T2.1")
    _edit(units, {target["unit_id"]: {"decision": "accept"}})
    book = workspace_dir / "codebooks/test.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("id: T2.1", "id: T2.9"), encoding="utf-8")
    before = units.read_bytes()
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    assert 'accepted unit counts under code "T2.1", which is no longer in the codebook' in " ".join(
        result.output.split()
    )
    assert units.read_bytes() == before
    _edit(units, {target["unit_id"]: {"final_code": "T2.9"}})  # the coder recodes it: the run goes through
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0


def test_coding_with_another_codebook_than_ingest_used_is_warned(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import CODEBOOK

    ws, _ = _coded(runner, workspace_dir)
    other = workspace_dir / "codebooks/other.yaml"
    other.write_text(CODEBOOK.replace("keywords: [朋友, 孤单]", "keywords: [朋友, 孤单, 日照中心]"), encoding="utf-8")
    result = invoke(runner, "code", "--workspace", ws, "--codebook", str(other))
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "applies to this run only" in out
    assert "segmented without the current keywords of other.yaml" in out


def test_a_sheet_saved_under_another_name_is_pointed_out(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    (units.parent / "units.xlsm").write_bytes(units.read_bytes())
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert "02-code/units.xlsm is not read" in " ".join(result.output.split())


def test_a_rerun_reads_its_own_sheet_from_the_cache_and_an_edited_sheet_from_the_file(  # type: ignore[no-untyped-def]
    runner, workspace_dir: Path, monkeypatch
) -> None:
    ws, units = _coded(runner, workspace_dir)
    cache = workspace_dir / ".themeflow/cache/sheet-rows.json"
    assert cache.exists() and oct(cache.stat().st_mode & 0o777) == "0o600"
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0  # every unit `kept` from now on
    first = units.read_bytes()
    reads: list[Path] = []
    real_read = sheet.read_rows
    monkeypatch.setattr(sheet, "read_rows", lambda path: reads.append(path) or real_read(path))
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert reads == [] and units.read_bytes() == first  # unchanged since written: not parsed again
    unit = _rows(units)[0]["unit_id"]
    reads.clear()
    _edit(units, {unit: {"decision": "accept", "memo": "  同伴陪伴  "}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert units in reads  # saved by someone since: read from the file, and the edit is kept
    assert _people(units)[unit][:4] == ("accept", "", "", "  同伴陪伴  ")
    cache.write_text('{"format": 2, "damaged', encoding="utf-8")
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert _people(units)[unit][0] == "accept"


def test_cached_rows_are_what_the_reader_gets_from_the_written_sheet(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(
        units,
        {rows[0]["unit_id"]: {"decision": "接受", "memo": "第一行\r\n第二行\t", "coder": " 王 "}},
        [{"transcript_id": "P1_a", "text": "我们经常一起吃饭。", "code": "T1.1", "decision": "accept"}],
    )
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    header, read = sheet.read_rows(units)
    from themeflow.coding import sheet_cache

    cached = sheet_cache.load(workspace_dir / ".themeflow", fsio.sha256_file(units))
    assert cached == (header, read)


def test_a_deleted_row_comes_back_with_its_numbers_and_dates(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime

    ws, units = _coded(runner, workspace_dir)
    target = _rows(units)[0]["unit_id"]  # the unit in sheet row 2
    _set_cells(units, {(2, "复核日期"): datetime.date(2024, 5, 6), (2, "coder"): 42, (2, "decision"): "accept"})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    workbook = load_workbook(units)
    workbook["units"].delete_rows(2)
    workbook.save(units)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    after = load_workbook(units)["units"]
    header = [c.value for c in after[1]]
    row = next(r for r in after.iter_rows(min_row=2, values_only=True) if r[header.index("unit_id")] == target)
    assert row[header.index("复核日期")] == datetime.datetime(2024, 5, 6) and row[header.index("coder")] == 42


def test_columns_that_would_lose_text_are_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    before = units.read_bytes()
    workbook = load_workbook(units)
    data = workbook["units"]
    width = data.max_column
    data.cell(row=1, column=width + 1, value="memo")  # a second memo column
    data.cell(row=3, column=width + 3, value="写在没有列名的列里")  # text under a column without a name
    workbook.save(units)
    saved = units.read_bytes()
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and units.read_bytes() == saved != before
    assert "units.xlsx row 1: column memo appears twice" in out
    assert "units.xlsx row 3: column" in out and "has no name in row 1" in out


def test_a_unit_id_typed_over_is_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    first = _rows(units)[0]["unit_id"]
    _edit(units, {first: {"unit_id": "uXXXXXXXXXX", "decision": "accept"}})
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    assert 'unit_id "uXXXXXXXXXX" is not one themeflow gave' in " ".join(result.output.split())


def test_capitalised_column_names_are_read_as_themeflow_s(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    _set_cells(units, {(2, "decision"): "accept", (1, "decision"): "Decision "})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert _rows(units)[0]["decision"] == "accept"


def test_an_emptied_sheet_is_refused_when_units_had_decisions(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    _edit(units, {_rows(units)[0]["unit_id"]: {"decision": "accept"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    workbook = load_workbook(units)
    workbook["units"].delete_rows(2, workbook["units"].max_row)
    workbook.save(units)
    emptied = units.read_bytes()
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and units.read_bytes() == emptied
    assert "the sheet has no rows, but 1 unit had people's decisions" in " ".join(result.output.split())


def test_a_recode_typed_in_the_code_column_is_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    row = _pick(_rows(units), "T1.1")
    _edit(units, {row["unit_id"]: {"code": "T2.1"}})
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert 'code was changed from "T1.1" to "T2.1"' in out and "final_code" in out


def test_a_manual_unit_repeating_a_unit_in_the_sheet_is_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    row = _pick(_rows(units), "T1.1")
    twin = {"transcript_id": row["transcript_id"], "text": row["text"], "code": "T1.1", "decision": "accept"}
    _edit(units, {}, [twin])
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    assert f"already in the sheet as unit {row['unit_id']}" in " ".join(result.output.split())
    other = dict(twin, code="T1.2")  # the same text under another code is a unit of its own
    workbook = load_workbook(units)
    data = workbook["units"]
    data.delete_rows(data.max_row)
    header = [c.value for c in data[1]]
    data.append([other.get(h, "") for h in header])
    workbook.save(units)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0


def test_a_worksheet_of_the_coders_own_is_warned_about(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    workbook = load_workbook(units)
    workbook.create_sheet("我的笔记")["A1"] = "反思日志"
    workbook.save(units)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert "worksheets of your own (我的笔记)" in " ".join(result.output.split())
    history = sorted((workspace_dir / "analysis/02-code/history").glob("units-*.xlsx"))
    assert "我的笔记" in load_workbook(history[-1]).sheetnames


def test_units_follow_a_renamed_transcript(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    decided = next(r for r in _rows(units) if r["transcript_id"] == "P2_b")
    _edit(units, {decided["unit_id"]: {"decision": "accept", "memo": "孤单到有朋友"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    folder = workspace_dir / "data/transcripts"
    (folder / "P2_b.txt").rename(folder / "P2_b_修订.txt")
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert "transcript P2_b is no longer ingested and P2_b_修订 holds all of its units' texts" in " ".join(
        result.output.split()
    )
    rows = _rows(units)
    assert not any(r["status"] == "orphaned" for r in rows)
    moved = next(r for r in rows if r["unit_id"] == decided["unit_id"])
    assert (moved["transcript_id"], moved["decision"], moved["memo"]) == ("P2_b_修订", "accept", "孤单到有朋友")
    spans = [(r["transcript_id"], r["start"], r["end"], r["code"]) for r in rows]
    assert len(spans) == len(set(spans))  # the renamed transcript's candidates are not added a second time


def test_rows_of_a_removed_transcript_are_named(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    count = sum(1 for r in _rows(units) if r["transcript_id"] == "P2_b")
    (workspace_dir / "data/transcripts/P2_b.txt").unlink()
    invoke(runner, "ingest", "--workspace", ws)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert (
        f"rows of transcripts that are not ingested stay, orphaned, and are not counted by themes: P2_b ({count})"
        in out
    )


def test_a_read_only_sheet_is_not_rewritten_and_failed_runs_add_no_copies(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    units.chmod(0o444)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and "the sheet is read-only" in result.output
    units.chmod(0o640)
    first = _rows(units)[0]["unit_id"]
    _edit(units, {first: {"decision": "accept"}})
    units.chmod(0o640)  # people's permissions on the sheet are kept when themeflow rewrites it
    history = workspace_dir / "analysis/02-code/history"
    for _ in range(2):
        assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert oct(units.stat().st_mode & 0o777) == "0o640"
    copies = [p.read_bytes() for p in history.glob("units-*.xlsx")]
    assert len(copies) == len(set(copies))  # the same sheet is never copied twice
    units.chmod(0o444)  # a finished sheet, frozen: a run that would not change it goes through
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert invoke(runner, "run", "--workspace", ws).exit_code == 0


def test_an_older_copy_put_back_is_noticed_and_the_newer_sheet_kept(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    older = units.read_bytes()
    unit = _rows(units)[0]["unit_id"]
    _edit(units, {unit: {"decision": "accept", "memo": "后来才决定的"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    units.write_bytes(older)  # someone copies an older sheet over the newer one
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert result.exit_code == 0 and "1 unit had a decision or memo when themeflow last wrote the sheet" in out
    kept = out.split("the sheet as last written is kept as 02-code/history/")[1].split()[0]
    back = {r["unit_id"]: r for r in sheet.read_rows(workspace_dir / "analysis/02-code/history" / kept)[1]}
    assert (back[unit]["decision"], back[unit]["memo"]) == ("accept", "后来才决定的")


def test_a_text_typo_fixed_in_the_sheet_is_put_back_with_a_warning(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    row = _rows(units)[0]
    _edit(units, {row["unit_id"]: {"text": row["text"] + "（改）"}})
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0 and "the text column is the transcript's and is put back" in result.output
    assert _rows(units)[0]["text"] == row["text"]


def test_a_hand_added_unit_may_have_its_code_changed(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    _edit(units, {}, [{"transcript_id": "P1_a", "text": "有时候下午还一起下棋。", "code": "T1.1"}])
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    manual = next(r for r in _rows(units) if r["unit_id"].startswith("m"))
    _edit(units, {manual["unit_id"]: {"code": "T2.1"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert next(r for r in _rows(units) if r["unit_id"] == manual["unit_id"])["code"] == "T2.1"


def test_a_recode_to_a_theme_and_an_empty_manual_row_get_one_clear_line_each(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    first = _rows(units)[0]["unit_id"]
    _edit(units, {first: {"final_code": "T1"}}, [{"code": "T1.1", "memo": "忘了填原文"}])
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert 'final_code "T1" is a theme, not a code' in out
    assert out.count("needs its text") == 1 and "is not in transcript" not in out
    assert out.count("needs its transcript_id") == 1 and "is not an ingested transcript" not in out


def test_a_manual_unit_that_takes_in_the_speaker_label_is_refused(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    _edit(units, {}, [{"transcript_id": "P1_a", "text": "受访者：一般不说。", "code": "T1.2"}])
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and "begins with text that is not speech" in " ".join(result.output.split())


def test_invisible_characters_in_a_decision_and_a_miscased_code_are_handled(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept\u200b"}, rows[1]["unit_id"]: {"final_code": "t1.2"}})
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert 'final_code "t1.2" is not in the codebook (did you mean "T1.2"?)' in out and "decision" not in out


def test_the_newer_sheet_is_kept_also_when_it_holds_numbers_people_typed(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    older = units.read_bytes()
    unit = _rows(units)[0]["unit_id"]  # the unit in sheet row 2
    _set_cells(units, {(2, "confidence"): 4, (2, "decision"): "accept"})  # a number: not cached as read
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    assert not (workspace_dir / ".themeflow/cache/sheet-rows.sha256").exists()  # no stale cache stands in for it
    units.write_bytes(older)
    result = invoke(runner, "code", "--workspace", ws)
    kept = " ".join(result.output.split()).split("the sheet as last written is kept as 02-code/history/")[1].split()[0]
    back = {r["unit_id"]: r for r in sheet.read_rows(workspace_dir / "analysis/02-code/history" / kept)[1]}
    assert back[unit]["decision"] == "accept" and back[unit]["confidence"] == "4"


def test_a_decided_unit_follows_a_typo_fixed_in_its_transcript(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    target = next(r for r in _rows(units) if "心情不好" in r["text"])
    _edit(units, {target["unit_id"]: {"decision": "accept", "memo": "助人"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    source = workspace_dir / "data/transcripts/P1_a.txt"
    source.write_text(
        source.read_text(encoding="utf-8").replace("陪他聊了一下午", "陪他聊了整整一下午"), encoding="utf-8"
    )
    assert invoke(runner, "ingest", "--workspace", ws).exit_code == 0
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    rows = [r for r in _rows(units) if r["code"] == target["code"] and "心情不好" in r["text"]]
    assert len(rows) == 1  # no pending twin next to the decided unit
    assert (rows[0]["unit_id"], rows[0]["decision"], rows[0]["memo"]) == (target["unit_id"], "accept", "助人")
    assert "整整一下午" in rows[0]["text"] and rows[0]["status"] == "kept"


def test_a_copy_from_history_put_back_is_named_and_the_last_sheet_kept(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0  # the edited sheet goes to history first
    _edit(units, {rows[0]["unit_id"]: {"decision": "reject"}, rows[1]["unit_id"]: {"memo": "后来写的"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    history = workspace_dir / "analysis/02-code/history"
    first_edit = next(
        p for p in sorted(history.glob("units-*.xlsx")) if sheet.read_rows(p)[1][0]["decision"] == "accept"
    )
    units.write_bytes(first_edit.read_bytes())
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert f"units.xlsx is the same as 02-code/history/{first_edit.name}, an older copy" in out
    kept = out.split("the sheet as themeflow last wrote it is kept as 02-code/history/")[1].split()[0]
    last = {r["unit_id"]: r for r in sheet.read_rows(history / kept)[1]}
    assert (last[rows[0]["unit_id"]]["decision"], last[rows[1]["unit_id"]]["memo"]) == ("reject", "后来写的")


def test_decided_units_that_lose_their_text_are_named(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    target = next(r for r in _rows(units) if r["transcript_id"] == "P2_b")
    _edit(units, {target["unit_id"]: {"decision": "accept"}})
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    (workspace_dir / "data/transcripts/P2_b.txt").write_text(
        "（合成测试文本）\n问：最近怎么样？\n答：还行，天天来中心。\n", encoding="utf-8"
    )
    invoke(runner, "ingest", "--workspace", ws)
    result = invoke(runner, "code", "--workspace", ws)
    out = " ".join(result.output.split())
    assert "decided units whose text is gone from the transcript now (status orphaned): 1" in out
    assert target["unit_id"] in out
    again = " ".join(invoke(runner, "code", "--workspace", ws).output.split())
    assert "text is gone from the transcript now" not in again  # said once, when it happens


def test_sentence_cache_gives_what_drafting_from_scratch_gives(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A changed transcript is drafted from its cached sentence matches plus the new sentences; the sheet is
    byte for byte what drafting it from scratch gives (no cache), and a sentence's cached matches are used."""
    import shutil

    sheets = []
    for use_cache in (True, False):
        root = make_workspace(tmp_path / f"ws{use_cache}")
        ws = str(root)
        invoke(runner, "ingest", "--workspace", ws)
        invoke(runner, "code", "--workspace", ws)
        source = root / "data/transcripts/P1_a.txt"
        text = source.read_text(encoding="utf-8").replace(
            "吃的面条，还可以。", "吃的面条。后来我陪他去散步，认识了新朋友。"
        )
        source.write_text(text, encoding="utf-8")
        invoke(runner, "ingest", "--workspace", ws)
        if not use_cache:
            shutil.rmtree(root / ".themeflow/cache/code-candidates")
        assert invoke(runner, "code", "--workspace", ws).exit_code == 0
        sheets.append((root / "analysis/02-code/units.xlsx").read_bytes())
    assert sheets[0] == sheets[1]
    rows = _rows(tmp_path / "wsTrue/analysis/02-code/units.xlsx")
    assert any("陪他去散步" in r["text"] and r["code"] == "T2.1" for r in rows)


def test_cached_sentence_matches_are_what_a_rerun_uses(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Pins that unchanged sentences of a changed transcript are answered from the cache (not matched again):
    a match planted in the cache for one of them shows up in the sheet."""
    import json

    ws = str(workspace_dir)
    invoke(runner, "ingest", "--workspace", ws)
    invoke(runner, "code", "--workspace", ws)
    folder = workspace_dir / ".themeflow/cache/code-candidates"
    for path in folder.glob("*.sentences.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for matches in data["sentences"].values():
            if not matches:
                matches.append([0, [["keyword", "种下的线索"]]])
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    source = workspace_dir / "data/transcripts/P2_b.txt"
    source.write_text(source.read_text(encoding="utf-8") + "问：还有吗？\n答：没有了。\n", encoding="utf-8")
    invoke(runner, "ingest", "--workspace", ws)
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    rows = _rows(workspace_dir / "analysis/02-code/units.xlsx")
    planted = [r for r in rows if "种下的线索" in r["evidence"]]
    assert planted and all(r["transcript_id"] == "P2_b" for r in planted)
    assert not any("没有了" in r["text"] for r in planted), "the new sentence is matched, not taken from the cache"


def test_cached_rows_count_only_once_bound_to_the_sheet(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A run that stopped after writing the rows file but before binding it to the sheet (or whose sheet write
    failed) leaves rows that are never used for the sheet on disk."""
    from themeflow.coding import sheet_cache

    ws, units = _coded(runner, workspace_dir)
    private = workspace_dir / ".themeflow"
    digest = fsio.sha256_file(units)
    header, rows = sheet_cache.load(private, digest) or ([], [])
    assert rows, "the sheet just written is cached"
    other = [tuple(r.get(c, "") for c in header) + (r["_row"],) for r in rows[:1]]
    rows_digest = sheet_cache.prepare(private, sheet_cache.encode(header, other))  # the next run got this far
    assert sheet_cache.load(private, digest) is None
    assert sheet_cache.load(private, None) is None
    sheet_cache.bind(private, digest, rows_digest)
    assert sheet_cache.load(private, digest) == (header, rows[:1])


def test_the_history_copy_keeps_the_old_sheet_when_the_new_one_is_edited_in_place(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The copy in history/ is a copy of the old sheet's bytes, so even a tool that rewrites units.xlsx in place
    (openpyxl's save does) leaves it as it was."""
    ws, units = _coded(runner, workspace_dir)
    before = units.read_bytes()
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept"}})  # openpyxl: written in place
    edited = units.read_bytes()
    assert invoke(runner, "code", "--workspace", ws).exit_code == 0
    copies = sorted((workspace_dir / "analysis/02-code/history").glob("units-*.xlsx"))
    assert copies and copies[-1].read_bytes() == edited and edited != before
    assert copies[-1].stat().st_nlink == 1 and units.stat().st_nlink == 1  # two files, never one with two names
    with open(units, "r+b") as handle:  # rewritten in place, as some tools do
        handle.write(b"PK-damaged")
    assert copies[-1].read_bytes() == edited


def test_a_cache_that_cannot_be_written_never_fails_a_run(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The private cache only speeds runs up: when it cannot be written (a file where its folder should be),
    ingest and code still run, and write what a run with a working cache writes."""
    import shutil

    ws = str(workspace_dir)
    reference = workspace_dir.parent / "reference"
    shutil.copytree(workspace_dir, reference)
    assert invoke(runner, "run", "--workspace", str(reference)).exit_code == 0
    cache = workspace_dir / ".themeflow/cache"
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("not a folder", encoding="utf-8")
    for _ in range(2):
        result = invoke(runner, "run", "--workspace", ws)
        assert result.exit_code == 0, result.output
    for name in ("01-ingest/segments.csv", "02-code/units.xlsx"):
        assert (workspace_dir / "analysis" / name).read_bytes() == (reference / "analysis" / name).read_bytes()


def test_a_missing_ingested_text_is_named_and_run_writes_it_again(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The normalised texts are the offset base: `code` without one stops with a clear error, and `run` sees
    ingest as stale and writes it again."""
    ws = str(workspace_dir)
    assert invoke(runner, "run", "--workspace", ws).exit_code == 0
    text = workspace_dir / "analysis/01-ingest/transcripts/P2_b.txt"
    kept = text.read_bytes()
    text.unlink()
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 2 and "P2_b" in result.output and "Traceback" not in result.output
    assert invoke(runner, "run", "--workspace", ws).exit_code == 0
    assert text.read_bytes() == kept


def test_a_csv_sheet_cell_with_a_lone_carriage_return_reads_back(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from themeflow import sheet

    rows = [{"unit_id": "u0123456789", "memo": "第一行\r第二行", "text": "一句话"}]
    path = workspace_dir / "units.csv"
    path.write_bytes(sheet.csv_bytes(["unit_id", "text", "memo"], rows))
    _, back = sheet.read_rows(path)
    assert [(r["unit_id"], r["memo"]) for r in back] == [("u0123456789", "第一行\r第二行")]


def test_a_long_sheet_made_in_two_processes_is_the_same_sheet(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past SPLIT_ROWS rows the main process makes the XML of the last rows while the worker makes the rest:
    the sheet is byte for byte the one a single process makes."""
    import shutil

    from themeflow.coding import sheet_write as coding_stage

    sheets = []
    for split_rows in (10**9, 2):
        monkeypatch.setattr(coding_stage, "SPLIT_ROWS", split_rows)
        root = make_workspace(tmp_path / f"ws{split_rows}")
        assert invoke(runner, "run", "--workspace", str(root)).exit_code == 0
        shutil.rmtree(root / ".themeflow/cache")  # the second run writes the sheet again, from the file
        assert invoke(runner, "code", "--workspace", str(root)).exit_code == 0
        sheets.append((root / "analysis/02-code/units.xlsx").read_bytes())
    assert sheets[0] == sheets[1]


def test_a_main_process_failing_while_making_the_last_rows_writes_nothing(
    runner, workspace_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The worker waits for the last rows' XML; when the main process fails before sending it, the worker stops
    too (it never writes a sheet without them) and the error is the main process's."""
    from themeflow import sheet_xlsx as sheet_mod
    from themeflow.coding import sheet_write as coding_stage

    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept"}})
    before = units.read_bytes()
    monkeypatch.setattr(coding_stage, "SPLIT_ROWS", 2)
    real = sheet_mod.rows_xml

    def failing(columns, rows, styles, first):  # type: ignore[no-untyped-def]
        if first > 0:
            raise RuntimeError("the main process failed")
        return real(columns, rows, styles, first)

    monkeypatch.setattr(sheet_mod, "rows_xml", failing)
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 3 and "the main process failed" in result.output  # an internal error, reported
    assert units.read_bytes() == before


def test_a_run_stopped_after_keeping_the_old_sheet_is_not_taken_for_an_old_copy_put_back(
    runner, workspace_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    """A run stopped between copying the sheet into history/ and writing the new one leaves the sheet equal to the
    newest copy: the next run must not warn that an older copy was put back, nor add copies."""
    import shutil

    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept", "memo": "留着"}})
    history = workspace_dir / "analysis/02-code/history"
    before = sorted(p.name for p in history.glob("units-*")) if history.exists() else []
    history.mkdir(exist_ok=True)
    number = len(before) + 1
    shutil.copy(units, history / f"units-{number:04d}.xlsx")  # what the stopped run had done
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0
    assert "older copy" not in " ".join(result.output.split())
    assert sorted(p.name for p in history.glob("units-*")) == [*before, f"units-{number:04d}.xlsx"]
    assert _people(units)[rows[0]["unit_id"]][0] == "accept"


def test_an_unreadable_private_copy_of_the_sheet_does_not_fail_a_run(runner, workspace_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ws, units = _coded(runner, workspace_dir)
    rows = _rows(units)
    _edit(units, {rows[0]["unit_id"]: {"decision": "accept"}})
    last = workspace_dir / ".themeflow/cache/last-written.xlsx"
    last.unlink()
    (last / "inside").mkdir(parents=True)  # not a file any more
    result = invoke(runner, "code", "--workspace", ws)
    assert result.exit_code == 0, result.output
    assert _people(units)[rows[0]["unit_id"]][0] == "accept"
