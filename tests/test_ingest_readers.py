"""Reading transcript files: formats (.txt, .md, .docx) and encodings, and what cannot be read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from themeflow.ingest.normalize import normalise
from themeflow.ingest.readers import SourceError, decode_bytes, read_docx, read_source

INTERVIEW = "访谈者：你来阳光心园多久了？\n受访者：三年多了。刚来的时候谁也不认识，后来慢慢就熟了。\n"
TRADITIONAL = "訪談者：你來陽光心園多久了？\n受訪者：三年多了。剛來的時候誰也不認識，後來慢慢就熟了。\n"


def docx_bytes(build) -> bytes:  # type: ignore[no-untyped-def]
    from docx import Document

    document = Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- encodings ----------------------------------------------------------------------------------


def test_utf8_without_bom_is_read_as_utf8() -> None:
    assert decode_bytes(INTERVIEW.encode("utf-8")) == (INTERVIEW, "utf-8")


def test_utf8_bom_is_dropped_and_reported() -> None:
    text, encoding = decode_bytes(b"\xef\xbb\xbf" + INTERVIEW.encode("utf-8"))
    assert (text, encoding) == (INTERVIEW, "utf-8-sig")


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_gb_encoded_transcript_is_detected(codec: str) -> None:
    assert decode_bytes(INTERVIEW.encode(codec)) == (INTERVIEW, "gb18030")


def test_big5_transcript_is_detected() -> None:
    assert decode_bytes(TRADITIONAL.encode("big5")) == (TRADITIONAL, "big5")


@pytest.mark.parametrize(
    "text", ["受訪者：還好，謝謝。", "問：你好嗎？\n答：還可以吧。", "然後離開了", "謝謝", "醫院", "嗯，對。"]
)
def test_short_big5_file_is_not_mistaken_for_gb18030(text: str) -> None:
    assert decode_bytes(text.encode("big5")) == (text, "big5")


@pytest.mark.parametrize("text", ["谢谢", "医院", "朋友", "吃药", "好的", "受访者：好的。"])
def test_short_gbk_file_is_not_mistaken_for_utf8_or_big5(text: str) -> None:
    # GBK 谢谢 is also valid UTF-8 ("лл"), GBK 朋友 valid Big5 (攬衭): the Chinese reading wins.
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")


def test_traditional_text_saved_as_gb18030_is_read_as_gb18030() -> None:
    assert decode_bytes("謝謝你們".encode("gb18030")) == ("謝謝你們", "gb18030")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_read(codec: str) -> None:
    data = INTERVIEW.encode(codec)
    if codec != "utf-16":
        data = (b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff") + data
    text, encoding = decode_bytes(data)
    assert text == INTERVIEW and encoding == "utf-16"


def test_empty_and_blank_files_are_refused() -> None:
    for data in (b"", b"  \r\n\t\n"):
        with pytest.raises(SourceError, match="empty"):
            decode_bytes(data)


def test_binary_file_is_refused_as_binary() -> None:
    with pytest.raises(SourceError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_undecodable_bytes_are_refused_with_advice() -> None:
    with pytest.raises(SourceError, match="cannot be decoded.*save it as UTF-8"):
        decode_bytes(b"\x80\x81\xff\xfe\x80" * 40)


def test_bom_that_lies_is_refused() -> None:
    with pytest.raises(SourceError, match="UTF-8 BOM"):
        decode_bytes(b"\xef\xbb\xbf" + "你好".encode("gbk") + b"\xff")


# --- layout normalisation --------------------------------------------------------------------------


def test_crlf_and_lone_cr_become_lf() -> None:
    assert (
        normalise("访谈者：你好。\r\n受访者：你好。\r问：好吗？\r\n") == "访谈者：你好。\n受访者：你好。\n问：好吗？\n"
    )


def test_normalise_keeps_full_and_half_width_punctuation_as_written() -> None:
    text = "Q: 你好,今天怎么样?\nA: 还行！就是有点累；(笑)\n"
    assert normalise(text) == text


def test_normalise_trims_trailing_spaces_and_runs_of_blank_lines_but_not_inner_spaces() -> None:
    raw = "\n\n访谈者：你好　 \n\n\n\n受访者：我 还好。\t\n"
    assert normalise(raw) == "访谈者：你好\n\n受访者：我 还好。\n"


def test_normalise_drops_zero_width_and_control_characters() -> None:
    assert normalise("受访\u200b者：好\x07的\ufeff。") == "受访者：好的。\n"


def test_normalise_is_idempotent() -> None:
    once = normalise("\ufeff访谈者：你好\r\n\r\n\r\n受访者：好。  \r\n")
    assert normalise(once) == once


# --- formats ----------------------------------------------------------------------------------------


def test_txt_and_md_formats_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "b.md").write_text("# 访谈\n\n" + INTERVIEW, encoding="utf-8")
    assert read_source(tmp_path / "a.txt").format == "txt"
    decoded = read_source(tmp_path / "b.md")
    assert (decoded.format, decoded.text) == ("md", "# 访谈\n\n" + INTERVIEW)


def test_docx_paragraphs_become_lines_and_continuation_paragraphs_stay_separate() -> None:
    def build(document) -> None:  # type: ignore[no-untyped-def]
        document.add_heading("阳光心园访谈（P3）", level=1)
        document.add_paragraph("访谈者：你平时和谁一起吃饭？")
        document.add_paragraph("受访者：一般跟老李他们。")
        document.add_paragraph("有时候也一个人，看心情吧。")

    text = read_docx(docx_bytes(build))
    assert text.split("\n") == [
        "阳光心园访谈（P3）",
        "访谈者：你平时和谁一起吃饭？",
        "受访者：一般跟老李他们。",
        "有时候也一个人，看心情吧。",
    ]


def test_docx_soft_line_breaks_split_lines() -> None:
    def build(document) -> None:  # type: ignore[no-untyped-def]
        from docx.enum.text import WD_BREAK

        paragraph = document.add_paragraph("访谈者：你好。")
        run = paragraph.add_run()
        run.add_break(WD_BREAK.LINE)
        paragraph.add_run("受访者：你好。")

    assert read_docx(docx_bytes(build)) == "访谈者：你好。\n受访者：你好。"


def test_docx_table_rows_with_a_speaker_cell_become_labelled_lines() -> None:
    def build(document) -> None:  # type: ignore[no-untyped-def]
        document.add_paragraph("访谈记录")
        table = document.add_table(rows=3, cols=2)
        for row, (who, said) in zip(  # noqa: B905
            table.rows,
            [("访谈者", "你觉得这里的朋友怎么样？"), ("受访者", "挺好的，大家互相帮忙。"), ("", "")],
        ):
            row.cells[0].text, row.cells[1].text = who, said
        timed = document.add_table(rows=1, cols=3)
        for cell, value in zip(timed.rows[0].cells, ["访谈者", "00:03:12", "还有别的吗？"], strict=True):
            cell.text = value

    lines = read_docx(docx_bytes(build)).split("\n")
    assert lines == [
        "访谈记录",
        "访谈者：你觉得这里的朋友怎么样？",
        "受访者：挺好的，大家互相帮忙。",
        "",
        "访谈者 00:03:12 还有别的吗？",
    ]


def test_corrupt_docx_is_refused() -> None:
    with pytest.raises(SourceError, match="not a readable .docx"):
        read_docx(b"PK\x03\x04 this is not really a zip")


def test_zip_that_is_not_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "你好")
    with pytest.raises(SourceError, match="not a readable .docx"):
        read_docx(out.getvalue())


def test_docx_without_text_is_refused() -> None:
    with pytest.raises(SourceError, match="no text"):
        read_docx(docx_bytes(lambda document: document.add_paragraph("   ")))


def test_common_hanzi_are_gb2312_level_one_and_big5_frequent_characters() -> None:
    """The block decoding gives exactly the characters whose GB2312 code is in level 1 (rows 0xB0-0xD7) or
    whose Big5 code is in the frequently used block (0xA440-0xC67E), as a character-by-character check does."""
    from themeflow.ingest.readers import _common_hanzi

    expected = set()
    for code in range(0x4E00, 0xA000):
        ch = chr(code)
        try:
            if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
                expected.add(ch)
                continue
        except UnicodeEncodeError:
            pass
        try:
            if 0xA440 <= int.from_bytes(ch.encode("big5"), "big") <= 0xC67E:
                expected.add(ch)
        except UnicodeEncodeError:
            pass
    assert _common_hanzi() == expected
    assert "的" in expected and "們" in expected and "丂" not in expected
