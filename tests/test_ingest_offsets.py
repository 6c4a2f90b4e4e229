"""Offsets are the truth: every segment slices back out of the normalised transcript exactly."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themeflow.ingest.normalize import normalise
from themeflow.ingest.segmenter import Segmenter
from themeflow.ingest.stage import process_text


@pytest.fixture(scope="module", params=["jieba-fast", "jieba"])
def segmenter(request: pytest.FixtureRequest) -> Segmenter:
    return Segmenter(request.param, [("阳光心园", None, None)])


PIECES = [
    "访谈者：",
    "受访者：",
    "问：",
    "答:",
    "Q: ",
    "A: ",
    "I: ",
    "P3: ",
    "说话人1 00:03:12\n",
    "发言人2 12:45 ",
    "[00:12:31] ",
    "**访谈者**：",
    "张医生：",
    "小王：",
    "访谈者 00:03:12 ",
    "【访谈者】",
    "[受访者] ",
    "1. ",
    "（2）",
    "访谈者\t",
    "受访者  ",
    "∶",
    "﹕",
    "00:00:12",
    "（00:00:12）",
    "说话人 1(00:00:05):",
    "[笑]",
    "（沉默）",
    "## ",
    "我妈说：",
    "我",
    "们",
    "朋友",
    "阳光心园",
    "吃药",
    "然後離開",
    "醫院",
    "心園",
    "嗯",
    "对",
    "1.5",
    "abc",
    "OK",
    "。",
    "！",
    "？",
    "；",
    "……",
    "...",
    "?",
    "!",
    ";",
    "，",
    "、",
    "“",
    "”",
    "「",
    "」",
    "『",
    "』",
    "（",
    "）",
    "(",
    ")",
    '"',
    "'",
    "：",
    ":",
    " ",
    "　",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u200b",
    "\ufeff",
    "\xa0",
    "😀",
    "𠀀",
    "𪚥",
    "👍🏽",
    "e\u0301",
    "\u2028",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=60).map("".join)


def check(text: str, segmenter: Segmenter) -> None:
    normal = normalise(text)
    _, rows, _, _ = process_text(normal, "t", "P1", segmenter)
    previous_end = -1
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        assert 0 <= start < end <= len(normal)
        assert row["text"] == normal[start:end]
        assert start >= previous_end, "segments overlap or go backwards"
        previous_end = end
        assert "\n" not in row["text"]
        assert row["text"] == row["text"].strip(" \t\u3000\xa0")
        tokens = row["tokens"].split(" ")
        assert all(tokens), "empty token"
        assert "".join(tokens) == re.sub(r"\s", "", row["text"])
        assert row["role"] in {"interviewer", "participant"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_every_segment_slices_back_and_tokens_rebuild_it(segmenter: Segmenter, text: str) -> None:
    check(text, segmenter)


@pytest.mark.parametrize(
    "text",
    [
        "访谈者：你好😀。\n受访者：𠀀好的！👍🏽我们 去 阳光心园。\n",
        "受访者：“好。”\n\n\n……\n（笑）",
        "Q: a b c? A: 1.5 ... OK!\r\nA: \u3000 嗯；对\r\n",
        "\ufeff\u200b访谈者：\n\n受访者：e\u0301好。",
    ],
)
def test_offsets_hold_on_known_hard_cases(segmenter: Segmenter, text: str) -> None:
    check(text, segmenter)


def test_normalised_text_is_stable_so_offsets_never_drift(segmenter: Segmenter) -> None:
    text = normalise("访谈者：你好\r\n受访者：e\u0301好。\r\n")
    assert normalise(text) == text
    _, rows, _, _ = process_text(text, "t", "P1", segmenter)
    assert [r["text"] for r in rows] == ["你好", "é好。"]


def test_segments_never_cross_a_line_or_a_turn(segmenter: Segmenter) -> None:
    text = normalise("访谈者：你好吗\n受访者：还行\n就是有点累\n访谈者：嗯")
    _, rows, _, turns = process_text(text, "t", "P1", segmenter)
    assert [(r["turn"], r["role"], r["text"]) for r in rows] == [
        ("1", "interviewer", "你好吗"),
        ("2", "participant", "还行"),
        ("2", "participant", "就是有点累"),
        ("3", "interviewer", "嗯"),
    ]
    assert turns == 3
    assert [r["segment_id"] for r in rows] == ["t-s0001", "t-s0002", "t-s0003", "t-s0004"]
