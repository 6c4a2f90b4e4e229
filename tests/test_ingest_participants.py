"""The participants file: CSV (UTF-8 or GBK) or XLSX, ids from a `file` column or from file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from themeflow.errors import InputError
from themeflow.ingest import participants

CSV = "participant_id,pseudonym,sex,age,diagnosis\nP01,小周,男,41,精神分裂症\nP2,小陈,女,35,双相情感障碍\nP10,小孙,男,29,抑郁症\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk_is_read_with_ids_as_written(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "participants.csv"
    path.write_bytes(CSV.encode(encoding))
    table = participants.read(path)
    assert table.columns == ["participant_id", "pseudonym", "sex", "age", "diagnosis"]
    assert [r["participant_id"] for r in table.rows] == ["P01", "P2", "P10"]  # as the researcher wrote them
    assert table.by_id()["P2"]["diagnosis"] == "双相情感障碍"
    assert table.id_for_file("P1_访谈.txt") == "P01" and table.id_for_file("p02.txt") == "P2"


def test_xlsx_is_read_and_numbers_lose_their_decimal_point(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["participant_id", "sex", "age", "years_in_daycare"])
    sheet.append(["P01", "男", 41, 7.0])
    sheet.append([None, None, None, None])
    sheet.append(["P3", "女", 38.5, 2])
    workbook.save(tmp_path / "participants.xlsx")
    table = participants.read(tmp_path / "participants.xlsx")
    assert table.rows == [
        {"participant_id": "P01", "sex": "男", "age": "41", "years_in_daycare": "7"},
        {"participant_id": "P3", "sex": "女", "age": "38.5", "years_in_daycare": "2"},
    ]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("P01_访谈.txt", "P01"),
        ("p3.docx", "P3"),
        ("访谈_P12_转写.md", "P12"),
        ("P-07 interview.txt", "P07"),
        ("受访者05.txt", "P05"),
        ("interviewee_14.txt", "P14"),
        ("访谈记录.txt", None),
        ("Pilot.txt", None),
    ],
)
def test_id_from_file_name_keeps_the_number_as_written(name: str, expected: str | None) -> None:
    assert participants.id_from_filename(name) == expected


def test_file_column_maps_transcripts_to_participants(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("participant_id,file\nP4,周先生访谈.txt\nP5,wang\n", encoding="utf-8")
    table = participants.read(path)
    assert table.id_for_file("周先生访谈.txt") == "P4"
    assert table.id_for_file("wang.docx") == "P5"
    assert table.id_for_file("P09_访谈.txt") == "P09"  # not listed: the id as the file name writes it


def test_missing_participant_id_column_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,sex\n周,男\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        participants.read(path)
    assert str(info.value) == "people.csv row 1: no participant_id column"


def test_empty_participant_id_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("participant_id,sex\nP1,男\n,女\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"people.csv row 3: participant_id is empty"):
        participants.read(path)


def test_duplicate_participant_is_refused_with_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("participant_id\nP1\nP01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: participant P01 is listed twice \(also row 2\)"):
        participants.read(path)


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="bad.xlsx: not a readable .xlsx"):
        participants.read(tmp_path / "bad.xlsx")
    with pytest.raises(InputError, match="must be .csv or .xlsx"):
        participants.read(tmp_path / "bad.json")
    with pytest.raises(InputError, match="empty"):
        participants.read(tmp_path / "empty.csv")
    with pytest.raises(InputError, match="not found"):
        participants.read(tmp_path / "nowhere.csv")


def test_csv_text_is_sorted_naturally_and_drops_identifying_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("participant_id,name,sex\nP10,孙某,男\nP2,陈某,女\n", encoding="utf-8")
    assert participants.csv_text(participants.read(path), {"name"}) == "participant_id,sex\nP2,女\nP10,男\n"


def test_normalise_id_and_sort_key() -> None:
    assert [participants.normalise_id(v) for v in ["P01", "p 3", "7", "S-02", "甲"]] == [
        "P1",
        "P3",
        "P7",
        "S2",
        "甲",
    ]
    assert sorted(["P10", "P2", "P1"], key=participants.sort_key) == ["P1", "P2", "P10"]


def test_file_column_in_chinese_and_a_file_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("编号,文件\nP1,一号访谈.txt\nP2,二号访谈.txt\n", encoding="utf-8")
    assert participants.read(path).id_for_file("二号访谈.txt") == "P2"
    path.write_text("participant_id,file\nP1,a.txt\nP2,a.txt\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: file a.txt is given to two participants \(also row 2\)"):
        participants.read(path)
