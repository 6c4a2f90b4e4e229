"""The coder sheet's .xlsx: rows spliced in after XlsxWriter (the fast path) read back exactly, in themeflow's
reader and in openpyxl, and keep the workbook's styles, dropdowns, filter and codebook worksheet."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from themeflow import sheet, sheet_xlsx, xlsx

COLUMNS = [*sheet.SHEET_COLUMNS]
CODEBOOK_ROWS = [{"id": "peer.company", "theme": "同伴", "label_zh": "陪伴"}]


def _row(number: int, text: str, memo: str = "") -> dict[str, str]:
    return {
        "unit_id": f"u{number:04d}",
        "transcript_id": "P01",
        "participant_id": "P01",
        "start": str(number * 10),
        "end": str(number * 10 + 7),
        "text": text,
        "code": "peer.company",
        "theme": "peer",
        "evidence": "keyword:朋友",
        "score": "2.5",
        "memo": memo,
    }


def _read_back(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]], Path]:
    path = tmp_path / "units.xlsx"
    path.write_bytes(sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"]))
    header, back = sheet.read_rows(path)
    return header, back, path


def _without_row_numbers(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if not k.startswith("_") and v != ""} for r in rows]


TRICKY = [
    "我跟小组里的朋友一起去吃饭。",
    "  前后有空格  ",
    "a < b && c > d",
    "_x0041_ 是字面的，不是转义",
    "控制字符\x01在中间\x1f",
    "表情😊和扩展B字𠀀",
    "换行\n也在里面",
    "引号\"和'单引号",
    "P3 said _x0041\r\nnext line",
    "_x005F_x0041_ 也是字面的",
]


def test_tricky_text_reads_back_exactly(tmp_path: Path) -> None:
    rows = [_row(i, text, memo=text) for i, text in enumerate(TRICKY, start=1)]
    _, back, path = _read_back(tmp_path, rows)
    # The reader trims tool columns (text); people's columns (memo) keep exactly what was there.
    expected = [dict(r, text=r["text"].strip()) for r in rows]
    assert _without_row_numbers(back) == _without_row_numbers(expected)
    book = openpyxl.load_workbook(path)
    units = book[sheet.DATA_SHEET]
    texts = [units.cell(row=i + 2, column=COLUMNS.index("text") + 1).value for i in range(len(TRICKY))]
    # openpyxl does not decode Excel's _xHHHH_ escapes (Excel and calamine do), so those two are left out.
    plain = [i for i, t in enumerate(TRICKY) if "_x" not in t and "\x01" not in t]
    assert [texts[i] for i in plain] == [TRICKY[i] for i in plain]
    assert units.cell(row=2, column=COLUMNS.index("start") + 1).value == 10  # a number, not text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t), min_size=1, max_size=8))
def test_any_text_round_trips(tmp_path_factory, texts: list[str]) -> None:
    # The reader trims tool columns, so generated texts have no outer whitespace (tested above separately).
    rows = [_row(i, text) for i, text in enumerate(texts, start=1)]
    _, back, _ = _read_back(tmp_path_factory.mktemp("rt"), rows)
    assert [r["text"] for r in back] == [t.strip() for t in texts]


def test_workbook_keeps_styles_dropdowns_filter_and_codebook(tmp_path: Path) -> None:
    rows = [_row(i, f"第{i}句话。") for i in range(1, 40)]
    _, _, path = _read_back(tmp_path, rows)
    book = openpyxl.load_workbook(path)
    units = book[sheet.DATA_SHEET]
    assert units.dimensions == f"A1:{xlsx.column_letter(len(COLUMNS) - 1)}{len(rows) + 1}"
    assert units.freeze_panes == "A2"
    assert units.auto_filter.ref == f"A1:{xlsx.column_letter(len(COLUMNS) - 1)}{len(rows) + 1}"
    assert len(units.data_validations.dataValidation) == 2
    text_cell = units.cell(row=2, column=COLUMNS.index("text") + 1)
    assert text_cell.alignment.wrap_text and text_cell.alignment.vertical == "top"
    assert book[sheet.CODEBOOK_SHEET]["A2"].value == "peer.company"


def test_same_rows_same_bytes() -> None:
    rows = [_row(i, f"第{i}句话。") for i in range(1, 5)]
    first = sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"])
    assert first == sheet_xlsx.xlsx_bytes(COLUMNS, [dict(r) for r in rows], CODEBOOK_ROWS, ["peer.company"])
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_typed_people_cells_still_written_as_typed(tmp_path: Path) -> None:
    rows = [_row(1, "一句话。"), _row(2, "另一句。")]
    rows[0]["memo"] = "2021-07-12"
    rows[0][sheet.TYPES_KEY] = "memo\x1edate"
    path = tmp_path / "units.xlsx"
    path.write_bytes(sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"]))
    units = openpyxl.load_workbook(path)[sheet.DATA_SHEET]
    assert units.cell(row=2, column=COLUMNS.index("memo") + 1).is_date
    assert units.cell(row=3, column=COLUMNS.index("text") + 1).value == "另一句。"


def test_overlong_text_is_cut_at_excels_limit() -> None:
    assert len(xlsx._utf16_truncate("字" * 40000)) == xlsx.MAX_CELL_UTF16
    assert len(xlsx._utf16_truncate("😊" * 20000)) == xlsx.MAX_CELL_UTF16 // 2  # two UTF-16 units each


def test_column_letters() -> None:
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


_values = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(
        ["  前后空格 ", "1", "2.5", "1e-05", "0.30000000000000004", "-3", "abc", "\r\n", "_x000D_", "_x0041\r"]
        + ["_x005F_x0041_", "12345678901234567", "083"]
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: _values for c in COLUMNS}), min_size=1, max_size=6))
def test_rows_as_read_is_what_the_reader_returns(tmp_path_factory, rows: list[dict[str, str]]) -> None:
    """The re-run cache stands in for reading the sheet back: it must be exactly what reading gives."""
    path = tmp_path_factory.mktemp("asread") / "units.xlsx"
    path.write_bytes(sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"]))
    header, read = sheet.read_rows(path)
    assert header == COLUMNS
    assert sheet_xlsx.rows_as_read(COLUMNS, rows) == read


_cells = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=10),
    st.sampled_from([" 前后空格 ", "a<b&c", "_x0041_", "\x01控制", "\x1f", "\r\n", "😊", "字" * 16390])
    | st.sampled_from(["(?<!不)舒服", "分\ue000隔<", "_x00\ue00041_"]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False).filter(xlsx.is_plain_number),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_cells, min_size=3, max_size=3), min_size=1, max_size=6))
def test_spliced_rows_are_the_xml_xlsxwriter_writes(rows: list[list[xlsx.Cell]]) -> None:
    """The fast path writes a worksheet's rows as XlsxWriter itself does in its constant-memory mode (inline
    strings, its escaping, numbers as %.16G): the same `<sheetData>`, cell for cell."""
    import re
    import tempfile

    import xlsxwriter

    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]  # XlsxWriter skips empty rows
    # XlsxWriter writes a text that looks like rich-text XML (<r>…</r>) unescaped; themeflow escapes every text.
    rows = [row for row in rows if not any(isinstance(c, str) and c.startswith("<r>") for c in row)]
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": folder, "strings_to_numbers": False})
        data = book.add_worksheet()
        styles = [
            book.add_format({"valign": "top"}),
            book.add_format({"text_wrap": True}),
            book.add_format({"bold": 1}),
        ]
        for number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                if isinstance(cell, str) and cell:
                    data.write_string(number, column, cell, styles[column])
                elif cell not in (None, "") and not isinstance(cell, str):
                    data.write_number(number, column, cell, styles[column])
        book.close()
    written = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml").decode("utf-8")
    expected = re.search(r"<sheetData>(.*)</sheetData>", written, re.S)
    indices = [s.xf_index for s in styles]
    columns = [[row[i] for row in rows] for i in range(3)]
    assert xlsx.columns_xml(columns, indices, 2, len(rows)) == (expected.group(1) if expected else "")


def test_zip_container_keeps_names_dates_attributes_and_checks() -> None:
    """The archive writer behind the fast path: every member comes back byte for byte (CRC checked), with its
    name (UTF-8 too), date and permissions, in order."""
    members = []
    for number, name in enumerate(["[Content_Types].xml", "xl/worksheets/sheet1.xml", "说明/备注.txt", "empty"]):
        info = zipfile.ZipInfo(name, date_time=(1980 + number, 1 + number, 1 + number, number, 2 * number, 2 * number))
        info.external_attr = (0o600 + number) << 16
        info.create_system = 3
        members.append((info, (name * 1000).encode("utf-8") if name != "empty" else b""))
    with zipfile.ZipFile(io.BytesIO(xlsx.zip_bytes(members))) as package:
        assert package.testzip() is None
        infos = package.infolist()
        assert [i.filename for i in infos] == [info.filename for info, _ in members]
        assert [i.date_time for i in infos] == [info.date_time for info, _ in members]
        assert [i.external_attr for i in infos] == [info.external_attr for info, _ in members]
        assert [package.read(i) for i in infos] == [data for _, data in members]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)


def test_a_kept_skeleton_gives_the_workbook_xlsxwriter_writes_for_any_row_count(tmp_path: Path) -> None:
    """The fast path takes a workbook XlsxWriter made for one data row and sets it to the real count; kept in a
    folder, it serves any later sheet with the same columns and codebook. Either way the bytes are those of the
    workbook XlsxWriter makes for that count (its autofilter, filter name and dropdown ranges)."""
    import re

    def reference(rows: list[dict[str, str]]) -> dict[str, bytes]:
        """The members of the workbook XlsxWriter writes for these rows, the data rows taken out."""
        workbook, _ = sheet_xlsx._workbook(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"], len(rows), write_rows=False)
        with zipfile.ZipFile(io.BytesIO(workbook)) as package:
            return {info.filename: package.read(info) for info in package.infolist()}

    def members(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            out = {info.filename: package.read(info) for info in package.infolist()}
        sheet1 = out["xl/worksheets/sheet1.xml"]
        # the spliced rows and dimension out, to compare with XlsxWriter's own workbook without rows
        sheet1 = re.sub(rb'<dimension ref="[^"]*"/>', b"", sheet1)
        out["xl/worksheets/sheet1.xml"] = re.sub(rb'<row r="(?:[2-9]|[1-9][0-9]+)">.*?</row>', b"", sheet1)
        return out

    folder = tmp_path / "cache"
    folder.mkdir()
    for count in (1, 2, 7, 1234, 3):
        rows = [_row(i, f"第{i}句话。") for i in range(1, count + 1)]
        fresh = sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"])
        assert sheet_xlsx.xlsx_bytes(COLUMNS, rows, CODEBOOK_ROWS, ["peer.company"], folder) == fresh
        expected = reference(rows)
        expected["xl/worksheets/sheet1.xml"] = re.sub(
            rb'<dimension ref="[^"]*"/>', b"", expected["xl/worksheets/sheet1.xml"]
        )
        assert members(fresh) == expected
    assert len(list(folder.glob("sheet-skeleton-*.json"))) == 1
