"""Sentence rules: split on Chinese and Western sentence punctuation, keep closing quotes and brackets."""

from __future__ import annotations

import pytest

from themeflow.ingest.sentences import split_span


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_span(text, 0, len(text))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我来了。你呢？挺好！", ["我来了。", "你呢？", "挺好！"]),
        ("第一；第二；第三", ["第一；", "第二；", "第三"]),
        ("嗯……我不知道。", ["嗯……", "我不知道。"]),
        ("Yes? 我去! 好; 行", ["Yes?", "我去!", "好;", "行"]),
        ("真的吗？！对。", ["真的吗？！", "对。"]),
        ("好...行吧", ["好...", "行吧"]),
        ("就这样⋯⋯算了", ["就这样⋯⋯", "算了"]),
    ],
)
def test_splits_on_sentence_punctuation(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("他说：“我不去。”然后走了。", ["他说：“我不去。”", "然后走了。"]),
        ("她说「好。」然后", ["她说「好。」", "然后"]),
        ("『真的嗎？』他問。", ["『真的嗎？』", "他問。"]),
        ("（笑）我也不知道。）嗯", ["（笑）我也不知道。）", "嗯"]),
        ('他说:"我不去。"然后走了。', ['他说:"我不去。"', "然后走了。"]),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("好。“你去吗？”他问。", ["好。", "“你去吗？”", "他问。"]),
        ('我说好。"你去吗？"他问。', ["我说好。", '"你去吗？"', "他问。"]),
        ("好。「走吧。」", ["好。", "「走吧。」"]),
    ],
)
def test_an_opening_quote_stays_with_its_own_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_stray_ellipsis_joins_the_sentence_before_it() -> None:
    assert sentences("我不知道。……") == ["我不知道。……"]
    assert sentences("好吧。 …… 嗯。") == ["好吧。 ……", "嗯。"]


def test_a_span_of_only_punctuation_gives_no_sentence() -> None:
    assert sentences("……") == []
    assert sentences("　（ ）") == []


def test_decimals_and_times_do_not_split() -> None:
    assert sentences("吃了1.5片药，3:30睡的。") == ["吃了1.5片药，3:30睡的。"]


def test_spaces_around_sentences_are_trimmed_not_kept() -> None:
    text = "  我来了。　你呢？ "
    spans = split_span(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == ["我来了。", "你呢？"]


def test_split_respects_the_span_it_is_given() -> None:
    text = "访谈者：你好。\n受访者：还行。挺好的。\n"
    start = text.index("还行")
    end = text.index("\n", start)
    assert [text[s:e] for s, e in split_span(text, start, end)] == ["还行。", "挺好的。"]
    assert all(start <= s < e <= end for s, e in split_span(text, start, end))
