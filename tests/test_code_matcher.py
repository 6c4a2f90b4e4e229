"""Cue matching: whole tokens, phrases, regexes, spaCy token patterns, exclusions, Traditional text."""

from __future__ import annotations

import pytest
import yaml

from conftest import CODEBOOK
from themeflow import codebook as codebook_mod
from themeflow.coding.candidates import Sentence, draft
from themeflow.coding.matcher import SentenceMatcher, compile_codebook
from themeflow.ingest.segmenter import Segmenter


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter("jieba-fast", [("做手工", None, None)])


@pytest.fixture(scope="module")
def book() -> codebook_mod.Codebook:
    parsed, problems = codebook_mod.parse(yaml.load(CODEBOOK, Loader=codebook_mod._LineLoader))
    assert not problems and parsed is not None
    return parsed


def _codes_fired(book, segmenter, text):  # type: ignore[no-untyped-def]
    compiled = compile_codebook(book, segmenter.cut)
    matcher = SentenceMatcher(compiled)
    from themeflow.ingest.segmenter import simplified_shadow

    shadow = simplified_shadow(text)
    hits = matcher.match(shadow, [t for t in segmenter.cut(shadow) if t.strip()])
    return {compiled[i].id: cues for i, cues in hits.items()}


def test_keyword_matches_whole_tokens_only(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    assert "T1.1" in _codes_fired(book, segmenter, "我在这里交了朋友。")
    # 朋友 inside 朋友圈 is a different word: jieba keeps 朋友圈 whole, so the keyword must not fire.
    assert "T1.1" not in _codes_fired(book, segmenter, "我每天看朋友圈。")


def test_phrase_needs_consecutive_tokens(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    assert _codes_fired(book, segmenter, "我们一起吃饭。")["T1.1"] == [("phrase", "一起 吃饭")]
    assert "T1.1" not in _codes_fired(book, segmenter, "一起去公园，然后吃饭。")


def test_regex_and_exclude_veto(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    assert "T1.2" in _codes_fired(book, segmenter, "我不想跟他们讲这些。")
    assert "T1.2" not in _codes_fired(book, segmenter, "我不想跟他们讲面条的事。")


def test_spacy_token_pattern(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    fired = _codes_fired(book, segmenter, "我陪他去了医院。")
    assert ("tokens", "陪 他") in fired["T2.1"]


def test_simplified_cues_match_traditional_text(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    assert "T1.2" in _codes_fired(book, segmenter, "我不想跟他們講住院的事。")
    assert "T1.1" in _codes_fired(book, segmenter, "我們一起吃飯。")


def test_unit_takes_in_neighbouring_sentences_of_the_same_answer(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_codebook(book, segmenter.cut)
    texts = [
        "今天天气不错。",
        "我们一起吃饭。",
        "后来又一起做手工。",
        "晚上我回家了。",
        "电视看了一会儿。",
        "明天还来。",
    ]
    sentences, pos = [], 0
    for text in texts:
        tokens = [t for t in segmenter.cut(text) if t.strip()]
        sentences.append(Sentence("T", "P1", "1", pos, pos + len(text), text, tokens))
        pos += len(text)
    units = [c for c in draft(sentences, compiled) if c.code == "T1.1"]
    assert len(units) == 1, "two adjacent hits are one unit, not two decisions"
    # the unit covers both hits plus one sentence of context on each side
    assert (units[0].start, units[0].end) == (0, sum(len(t) for t in texts[:4]))
    short_answer = sentences[:2]
    whole = [c for c in draft(short_answer, compiled) if c.code == "T1.1"]
    assert (whole[0].start, whole[0].end) == (0, len(texts[0]) + len(texts[1])), "a short answer is proposed whole"


def test_spacy_is_built_only_for_a_sentence_that_may_match_a_token_pattern(book, segmenter) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_codebook(book, segmenter.cut)
    matcher = SentenceMatcher(compiled)
    matcher.match("我们一起吃饭。", ["我们", "一起", "吃饭", "。"])
    assert matcher._spacy._matcher is None, "no token of the sentence is an anchor of a token pattern"
    assert matcher.match("我陪他。", ["我", "陪", "他", "。"])
    assert matcher._spacy._matcher is not None


def test_remembering_matcher_asks_only_about_new_sentences() -> None:
    from themeflow.coding.candidates import RememberingMatcher, sentence_key

    asked: list[str] = []

    class Real:
        def match(self, text: str, tokens: list[str]) -> dict[int, list[tuple[str, str]]]:
            asked.append(text)
            return {0: [("keyword", "朋友")]} if "朋友" in tokens else {}

    known = {sentence_key("老句子。", ["老", "句子", "。"]): {1: [("regex", "旧")]}}
    built: list[int] = []

    def build() -> Real:
        built.append(1)
        return Real()

    remembering = RememberingMatcher(build, known)
    assert remembering.match("老句子。", ["老", "句子", "。"]) == {1: [("regex", "旧")]}
    assert not built, "a sentence seen before needs no matcher"
    assert remembering.match("有朋友。", ["有", "朋友", "。"]) == {0: [("keyword", "朋友")]}
    assert asked == ["有朋友。"]
    # Same text, other tokens (the vocabulary changed): a different sentence for the cache.
    remembering.match("老句子。", ["老句子", "。"])
    assert asked == ["有朋友。", "老句子。"]
    assert len(remembering.seen) == 3


def test_a_regex_that_does_not_compile_is_an_input_error_when_matching_too(segmenter) -> None:  # type: ignore[no-untyped-def]
    """Loading a codebook checks its regexes, but a re-run with the very codebook it applied last time skips
    that check: a pattern that no longer compiles (another Python) still ends in a clear error."""
    from themeflow.errors import InputError

    broken = CODEBOOK.replace('regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"', 'regex: "不(想|愿意"')
    parsed, problems = codebook_mod.parse(yaml.load(broken, Loader=codebook_mod._LineLoader))
    assert parsed is not None and not problems
    with pytest.raises(InputError, match="does not compile"):
        compile_codebook(parsed, segmenter.cut)
