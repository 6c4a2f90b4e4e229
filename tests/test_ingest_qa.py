"""Findings of a new-user QA pass over `themeflow ingest`: label forms people use, timestamps and transcribers'
notes that are nobody's speech, files with a few bad bytes, UTF-16 without a BOM, and what a broken .docx is
called. All interview text here is synthetic, written for these tests (day-care members talking about their
days), never taken from a real interview."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from conftest import invoke, make_workspace
from test_ingest_readers import docx_bytes
from themeflow.ingest.normalize import normalise
from themeflow.ingest.readers import SourceError, decode_with_warnings, read_docx
from themeflow.ingest.segmenter import Segmenter
from themeflow.ingest.speakers import INTERVIEWER, PARTICIPANT, split_turns
from themeflow.ingest.stage import process_text

I, P = INTERVIEWER, PARTICIPANT  # noqa: E741


def turns_of(raw: str) -> list[tuple[str, str, list[str]]]:
    text = normalise(raw)
    return [(t.speaker, t.role, [text[s:e] for s, e in t.spans]) for t in split_turns(text).turns]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter("jieba", [])


def sentences_of(raw: str, segmenter: Segmenter) -> list[tuple[str, str, str]]:
    text = normalise(raw)
    _, rows, _, _ = process_text(text, "t", "P1", segmenter)
    for row in rows:
        assert row["text"] == text[int(row["start"]) : int(row["end"])]
    return [(row["turn"], row["role"], row["text"]) for row in rows]


ASKED, ANSWERED = "您最近睡得怎么样？", "还可以，就是醒得早。"
EXPECTED = [("访谈者", I, [ASKED]), ("受访者", P, [ANSWERED])]


# --- 1. speaker labels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        f"1. 访谈者：{ASKED}\n2. 受访者：{ANSWERED}\n",
        f"1、访谈者：{ASKED}\n2、受访者：{ANSWERED}\n",
        f"（1）访谈者：{ASKED}\n（2）受访者：{ANSWERED}\n",
        f"(1) 访谈者：{ASKED}\n(2) 受访者：{ANSWERED}\n",
        f"1\t访谈者：{ASKED}\n2\t受访者：{ANSWERED}\n",
        f"[00:00:05] 1. 访谈者：{ASKED}\n[00:00:09] 2. 受访者：{ANSWERED}\n",
    ],
)
def test_numbered_labels_are_labels(raw: str) -> None:
    assert turns_of(raw) == EXPECTED


@pytest.mark.parametrize(
    "raw",
    [
        f"【访谈者】{ASKED}\n【受访者】{ANSWERED}\n",
        f"[访谈者] {ASKED}\n[受访者] {ANSWERED}\n",
        f"【访谈者】：{ASKED}\n【受访者】：{ANSWERED}\n",
    ],
)
def test_bracketed_labels_are_labels(raw: str) -> None:
    assert turns_of(raw) == EXPECTED


@pytest.mark.parametrize("gap", ["\t", "  ", "   ", "\u3000"])
def test_a_label_followed_by_a_tab_or_spaces_without_a_colon(gap: str) -> None:
    assert turns_of(f"访谈者{gap}{ASKED}\n受访者{gap}{ANSWERED}\n") == EXPECTED


def test_unknown_words_before_two_spaces_or_in_brackets_are_not_labels() -> None:
    raw = f"访谈者：{ASKED}\n受访者：{ANSWERED}\n然后  就去吃饭了。\n[笑] 真的。\n"
    assert turns_of(raw)[1] == ("受访者", P, [ANSWERED, "然后  就去吃饭了。", "[笑] 真的。"])


@pytest.mark.parametrize("colon", ["\u2236", "\ufe55"])
def test_look_alike_colons_after_a_label(colon: str) -> None:
    raw = f"访谈者{colon}{ASKED}\n受访者{colon}{ANSWERED}\n"
    assert normalise(raw) == raw  # the text keeps what was written; only recognition folds the colons
    assert turns_of(raw) == EXPECTED


def test_label_timestamp_and_text_on_three_lines() -> None:
    raw = f"访谈者\n00:00:05\n{ASKED}\n受访者\n00:00:09\n{ANSWERED}\n访谈者\n00:00:15\n几点醒呢？\n"
    assert turns_of(raw) == [*EXPECTED, ("访谈者", I, ["几点醒呢？"])]


def test_a_whole_interview_on_one_line_is_split_at_known_labels() -> None:
    raw = (
        "访谈者：您最近睡眠怎么样？受访者：还可以。就是我妈说：你早点睡。我就早点睡了。"
        "访谈者：那白天呢？受访者：白天来心园，跟老李下下棋。\n"
    )
    assert turns_of(raw) == [
        ("访谈者", I, ["您最近睡眠怎么样？"]),
        ("受访者", P, ["还可以。就是我妈说：你早点睡。我就早点睡了。"]),
        ("访谈者", I, ["那白天呢？"]),
        ("受访者", P, ["白天来心园，跟老李下下棋。"]),
    ]


def test_a_role_word_inside_a_sentence_does_not_split() -> None:
    raw = "访谈者：后来呢？\n受访者：医生问：最近睡得好吗？我说还行。\n"
    assert turns_of(raw)[1] == ("受访者", P, ["医生问：最近睡得好吗？我说还行。"])


def test_docx_table_with_a_numbering_column() -> None:
    def build(document) -> None:  # type: ignore[no-untyped-def]
        table = document.add_table(rows=2, cols=3)
        for row, values in zip(table.rows, [("1", "访谈者：", ASKED), ("2", "受访者：", ANSWERED)], strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value

    text = read_docx(docx_bytes(build))
    assert text.split("\n") == [f"访谈者：{ASKED}", f"受访者：{ANSWERED}"]
    assert turns_of(text) == EXPECTED


# --- 2. timestamps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["00:00:12", "[00:00:12]", "(00:12)", "【00:00:12】"])
def test_a_line_that_is_only_a_timestamp_is_not_a_speaker_or_speech(stamp: str) -> None:
    raw = (
        f"{stamp}\n访谈者：{ASKED}\n{stamp}\n受访者：{ANSWERED}\n{stamp}\n家属：他最近挺好的。\n"
        f"{stamp}\n家属：就是话少。\n"
    )
    turns = turns_of(raw)
    assert [s for s, _, _ in turns] == ["访谈者", "受访者", "家属", "家属"]
    assert all(stamp not in said for _, _, spans in turns for said in spans)


@pytest.mark.parametrize("stamp", ["（00:00:12）", " [00:01:35]", " 00:01:30", "[00:01:35]"])
def test_a_timestamp_closing_an_utterance_is_not_speech(stamp: str) -> None:
    raw = f"访谈者：您今天怎么来的？{stamp}\n受访者：我是坐公交来的。{stamp}\n"
    assert turns_of(raw) == [("访谈者", I, ["您今天怎么来的？"]), ("受访者", P, ["我是坐公交来的。"])]


def test_a_time_said_inside_speech_stays() -> None:
    raw = "访谈者：几点睡的？\n受访者：大概11:30\n"
    assert turns_of(raw)[1] == ("受访者", P, ["大概11:30"])


def test_service_export_with_a_bracketed_timestamp_after_the_label() -> None:
    raw = f"说话人 1(00:00:05):\n{ASKED}\n说话人 2(00:00:09):\n{ANSWERED}\n说话人 1(00:00:15):\n几点醒呢？\n"
    assert [(r, spans) for _, r, spans in turns_of(raw)] == [(I, [ASKED]), (P, [ANSWERED]), (I, ["几点醒呢？"])]


# --- 3. transcribers' notes and headings ---------------------------------------------------------------


def test_a_turn_that_is_only_a_note_gives_no_sentence(segmenter: Segmenter) -> None:
    raw = f"访谈者：{ASKED}\n受访者：[笑]\n受访者：（沉默）\n访谈者：没关系，慢慢说。\n受访者：{ANSWERED}\n"
    assert sentences_of(raw, segmenter) == [
        ("1", I, ASKED),
        ("2", I, "没关系，慢慢说。"),
        ("3", P, ANSWERED),
    ]


@pytest.mark.parametrize("note", ["（笑）", "[听不清]", "（停顿5秒）", "【哭】", "(沉默)"])
def test_a_sentence_that_is_only_a_note_is_not_coded(segmenter: Segmenter, note: str) -> None:
    raw = f"访谈者：{ASKED}\n受访者：我也不知道。{note}\n后来慢慢就好一点了。{note}。\n"
    assert [text for _, role, text in sentences_of(raw, segmenter) if role == P] == [
        "我也不知道。",
        "后来慢慢就好一点了。",
    ]


def test_a_note_inside_a_sentence_stays_with_it(segmenter: Segmenter) -> None:
    raw = f"访谈者：{ASKED}\n受访者：（笑）我也说不好。\n"
    assert sentences_of(raw, segmenter)[-1] == ("2", P, "（笑）我也说不好。")


def test_a_markdown_heading_is_not_speech() -> None:
    raw = f"# 访谈记录（合成）\n\n访谈者：{ASKED}\n受访者：{ANSWERED}\n\n## 第二部分\n\n访谈者：还有吗？\n"
    assert turns_of(raw) == [*EXPECTED, ("访谈者", I, ["还有吗？"])]


# --- 4. a few bad bytes ---------------------------------------------------------------------------------

LONG = "（合成测试文本）\n" + f"访谈者：{ASKED}\n受访者：{ANSWERED}白天来心园做做手工，心里踏实一点。\n" * 60


def with_stray_byte(data: bytes, line: int, byte: bytes) -> bytes:
    """`byte` put at the start of line `line` (1-based)."""
    lines = data.split(b"\n")
    lines[line - 1] = byte + lines[line - 1]
    return b"\n".join(lines)


def test_utf8_file_with_one_stray_byte_is_read_with_a_warning() -> None:
    data = with_stray_byte(LONG.encode("utf-8"), 41, b"\x93")
    text, encoding, warnings = decode_with_warnings(data)
    assert encoding == "utf-8"
    assert text == with_stray_byte(LONG.encode("utf-8"), 41, b"\xef\xbf\xbd").decode("utf-8")
    assert len(warnings) == 1 and "UTF-8" in warnings[0] and "line 41" in warnings[0]


def test_gbk_file_with_two_bad_bytes_is_read_with_a_warning() -> None:
    data = with_stray_byte(with_stray_byte(LONG.encode("gbk"), 3, b"\x80"), 90, b"\xff")
    text, encoding, warnings = decode_with_warnings(data)
    assert encoding == "gb18030" and text.count("\ufffd") == 2
    assert "lines 3, 90" in warnings[0]


def test_many_bad_bytes_are_still_refused() -> None:
    data = LONG.encode("utf-8")
    for line in range(1, 100, 9):
        data = with_stray_byte(data, line, b"\x93")
    with pytest.raises(SourceError, match="cannot be decoded"):
        decode_with_warnings(data)


def test_ingest_names_the_file_and_line_of_replaced_bytes(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_workspace(tmp_path / "ws")
    (root / "data/transcripts/P5_访谈.txt").write_bytes(with_stray_byte(LONG.encode("utf-8"), 7, b"\x93"))
    result = invoke(runner, "ingest", "--workspace", str(root))
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "P5_访谈.txt: read as UTF-8" in out and "(line 7)" in out


# --- 5. UTF-16 without a BOM ------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [LONG, f"访谈者：{ASKED}\n受访者：{ANSWERED}\n", "Q: How are you?\nA: Fine.\n"])
def test_utf16_without_bom_is_read(codec: str, text: str) -> None:
    assert decode_with_warnings(text.encode(codec)) == (text, codec, [])


def test_binary_with_nul_bytes_is_still_binary() -> None:
    with pytest.raises(SourceError, match="binary"):
        decode_with_warnings(b"\x00\x01\x02\x03" * 64 + bytes(range(256)))


# --- 6. messages about .docx that are not Word documents ------------------------------------------------


def test_zip_with_a_broken_document_part_says_damaged() -> None:
    good = zipfile.ZipFile(io.BytesIO(docx_bytes(lambda document: document.add_paragraph(ASKED))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for item in good.infolist():
            part = good.read(item.filename)
            broken.writestr(item, b"<w:document broken" if item.filename == "word/document.xml" else part)
    with pytest.raises(SourceError) as caught:
        read_docx(out.getvalue())
    assert str(caught.value) == "is not a readable .docx (damaged, or not a Word document)"


def test_text_file_named_docx_says_rename_it() -> None:
    with pytest.raises(SourceError, match="this is a text file, not a Word document: rename it to .txt"):
        read_docx(LONG.encode("utf-8"))


def test_old_word_file_named_docx_says_save_as_docx() -> None:
    with pytest.raises(SourceError, match="Word 97-2003"):
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


# --- second pass: speech that only looks like a label, a timestamp or a note ---------------------------


def test_a_role_word_quoted_inside_an_answer_starts_no_turn() -> None:
    raw = (
        "张医生：最近怎么样？\n老李：还行。我问自己为什么？问：为什么一般？就是想不通。\n"
        "张医生：那后来呢？\n老李：后来就好了。上面写着。答：多休息。\n"
    )
    turns = turns_of(raw)
    assert [(speaker, role) for speaker, role, _ in turns] == [("张医生", I), ("老李", P), ("张医生", I), ("老李", P)]
    assert "问：为什么一般？" in "".join(turns[1][2])


@pytest.mark.parametrize(
    "line",
    ["I  don't know 为什么要吃两种。", "A  B两种药我都吃。", "问  题目我没听清。", "Q3"],
)
def test_speech_that_starts_like_a_label_without_a_colon_stays_speech(line: str) -> None:
    raw = f"访谈者：{ASKED}\n受访者：{ANSWERED}\n{line}\n访谈者：好的。\n"
    turns = turns_of(raw)
    assert [role for _, role, _ in turns] == [I, P, I]
    assert line in turns[1][2] or line.split()[-1] in "".join(turns[1][2])


@pytest.mark.parametrize("said", ["（我不太想讲这个，可以跳过吗）", "（好多了）", "【我记得很清楚】", "(真的挺好的)"])
def test_speech_in_brackets_is_kept(said: str) -> None:
    turns = turns_of(f"访谈者：{ASKED}\n受访者：{said}\n访谈者：好。\n")
    assert turns[1][2] == [said]


def test_notes_in_brackets_are_still_dropped() -> None:
    for note in ("（笑）", "[听不清]", "（停顿5秒）", "【哭】", "（沉默）", "(laughs)"):
        turns = turns_of(f"访谈者：{ASKED}\n受访者：{note}\n{ANSWERED}\n")
        assert turns[1][2] == [ANSWERED], note


def test_answers_that_start_with_time_or_place_words_and_spoken_times_are_kept() -> None:
    answer = ["时间：我也记不清了，反正是冬天。", "地点：就是我们区里的那个医院。", "7:30 我就出门了。"]
    turns = turns_of("访谈者：什么时候？\n受访者：\n" + "\n".join(answer) + "\n")
    assert turns[1][2] == answer
    dated = turns_of(f"访谈者：{ASKED}\n受访者：{ANSWERED}\n时间：2021年7月12日\n")
    assert dated[1][2] == [ANSWERED]  # a date line is a note


def test_a_line_starting_with_a_hash_is_speech_unless_it_is_a_short_heading() -> None:
    turns = turns_of("访谈者：住哪里？\n受访者：\n# 1号楼，靠马路那边。\n## 第二部分\n")
    assert turns[1][2] == ["# 1号楼，靠马路那边。"]


def test_speaker_labels_that_were_names_stay_labels_after_de_identification() -> None:
    raw = (
        "小[人名2]  00:00:02\n您好，最近怎么样？\n老[人名3]  00:00:06\n还行，就是睡不好。\n"
        "小[人名2]  00:00:12\n睡不好多久了？\n老[人名3]  00:00:15\n有半年了吧。\n"
    )
    turns = turns_of(raw)
    assert [(speaker, role) for speaker, role, _ in turns] == [
        ("小[人名2]", I),
        ("老[人名3]", P),
        ("小[人名2]", I),
        ("老[人名3]", P),
    ]
    assert turns[1][2] == ["还行，就是睡不好。"]


def test_a_turn_pasted_onto_the_previous_line_is_split_in_an_ordinary_transcript() -> None:
    raw = (
        "访谈者：您好，最近怎么样？受访者：还行吧。访谈者：睡得好吗？受访者：不太好，老做梦。\n"
        "访谈者：做什么梦？\n受访者：乱七八糟的。\n访谈者：醒了还记得吗？\n受访者：记不清了。\n"
    )
    turns = turns_of(raw)
    assert [role for _, role, _ in turns] == [I, P, I, P, I, P, I, P]
    assert turns[1][2] == ["还行吧。"]


def test_labels_with_details_in_brackets_keep_their_role() -> None:
    raw = "访谈者（L）：您好，先介绍一下自己吧。\n受访者（P07，男，45岁）：我四十五，以前在工厂上班。\n"
    assert [(role, spans) for _, role, spans in turns_of(raw)] == [
        (I, ["您好，先介绍一下自己吧。"]),
        (P, ["我四十五，以前在工厂上班。"]),
    ]


def test_closing_lines_are_not_speech() -> None:
    for closing in ("访谈结束。", "——访谈结束——", "录音结束", "（全文完）", "核对人：小周"):
        turns = turns_of(f"访谈者：{ASKED}\n受访者：{ANSWERED}\n{closing}\n")
        assert turns[-1][2] == [ANSWERED], closing


def test_people_a_participant_quotes_and_spoken_lists_are_not_speakers() -> None:
    raw = (
        f"访谈者：{ASKED}\n受访者：我妈每天都问。\n我妈：你最近药按时吃了吗？\n我：吃了。\n我妈：那就好。\n我：嗯。\n"
        "访谈者：出门前要注意什么？\n受访者：\n第一：吃药。\n第二：看天气。\n第一：关煤气。\n"
    )
    turns = turns_of(raw)
    assert [(speaker, role) for speaker, role, _ in turns] == [
        ("访谈者", I),
        ("受访者", P),
        ("访谈者", I),
        ("受访者", P),
    ]
    assert "我妈：你最近药按时吃了吗？" in turns[1][2] and "第一：吃药。" in turns[3][2]


def test_a_participant_named_in_the_labels_is_still_a_speaker_after_de_identification() -> None:
    raw = "访谈者：您好，最近怎么样？\n[阿英]：还行吧，睡得不太好。\n访谈者：多久了？\n[阿英]：一个多月了。\n"
    turns = turns_of(raw)
    assert [(speaker, role) for speaker, role, _ in turns] == [
        ("访谈者", I),
        ("[阿英]", P),
        ("访谈者", I),
        ("[阿英]", P),
    ]
    exported = "[阿英]  00:00:02\n您好？\n[小陈]  00:00:05\n还行吧。\n[阿英]  00:00:09\n睡得好吗？\n[小陈]  00:00:12\n不太好。\n"
    assert [role for _, role, _ in turns_of(exported)] == [I, P, I, P]
    bracketed_role = turns_of("[访谈者]：您好？\n[受访者]：还行吧。\n")
    assert [(speaker, role) for speaker, role, _ in bracketed_role] == [("访谈者", I), ("受访者", P)]
