"""Word segmentation: the jieba-fast engine against reference jieba, user words, and Traditional text."""

from __future__ import annotations

from pathlib import Path

import pytest

from themeflow.errors import InputError
from themeflow.ingest import segmenter as segmenter_mod
from themeflow.ingest.segmenter import (
    Segmenter,
    builtin_words,
    read_dictionary,
    simplified_shadow,
    vocabulary_digest,
)

# A fixed text of interview-like sentences (synthetic). Both engines must agree on all of it except the
# differences pinned in ENGINE_DIFFERENCES (documented in docs/ingest.md).
FIXED_TEXT = [
    "我来阳光心园差不多有五年了，刚来的时候谁也不认识。",
    "那时候我每天吃1.5片药，吃完就想睡觉。",
    "后来慢慢地跟老李他们熟了，中午一起吃饭，下午一起打乒乓球。",
    "我是2016年确诊的，医生说是精神分裂症。",
    "一开始我不信，觉得自己没有病，就是压力大。",
    "住院住了三个月，出院以后在家里待了大半年。",
    "我妈说你不能老在家里躺着，就带我来了日间照料中心。",
    "这里的社工对我们挺好的，有什么事都可以找她聊。",
    "病友之间有时候也会吵架，不过吵完就好了。",
    "小张是双相情感障碍，高兴的时候话特别多，低落的时候一句话也不说。",
    "我们会互相提醒吃药，谁忘了就说他两句。",
    "有一次我复发了，是小王第一个发现的，他跟老师说我最近不对劲。",
    "说实话，我挺感激他的，要不是他，我可能又要住院了。",
    "周末没地方去，我就在家里看看电视，刷刷手机。",
    "过年的时候亲戚来了，问我在干什么，我不知道怎么回答。",
    "我不想让别人知道我有病，怕他们用另外的眼光看我。",
    "在心园里就不一样，大家都一样，没有人会笑话你。",
    "我觉得这里就像第二个家。",
    "我們在陽光心園認識的，然後離開了醫院就常常見面。",
    "他說話很慢，可是每次都會聽我講完。",
    "有時候我覺得很孤單，但是想到這些朋友就好多了。",
    "去年冬天我们一起去了一趟公园，拍了好多照片。",
    "老师教我们做手工，我做了一个小篮子送给我妈。",
    "药的副作用挺大的，手抖，体重涨了10.5公斤，占了差不多20%。",
    "现在一个月去一次精神卫生中心复诊，配配药。",
    "我希望以后能找个工作，哪怕一个月挣2000块也行。",
    "可是现在外面的单位一听说你有这个病，就不要你了。",
    "嗯……怎么说呢，我也不是很确定。",
    "OK，那我们今天就聊到这里吧？",
    "谢谢你，跟你聊天挺开心的！",
]

# sentence index -> (jieba tokens, jieba-fast tokens) where they differ: jieba_fast_dat splits decimals
# at the point and a number from its percent sign; jieba keeps `1.5` and `20%` whole.
ENGINE_DIFFERENCES = {
    1: (
        "那|时候|我|每天|吃|1.5|片药|，|吃|完|就|想|睡觉|。",
        "那|时候|我|每天|吃|1|.|5|片药|，|吃|完|就|想|睡觉|。",
    ),
    23: (
        "药|的|副作用|挺大|的|，|手抖|，|体重|涨|了|10.5|公斤|，|占|了|差不多|20%|。",
        "药|的|副作用|挺大|的|，|手抖|，|体重|涨|了|10|.|5|公斤|，|占|了|差不多|20|%|。",
    ),
}

DOMAIN_WORDS = ["阳光心园", "精神分裂症", "双相情感障碍", "日间照料"]


@pytest.fixture(scope="module")
def engines() -> dict[str, Segmenter]:
    words = [(w, None, None) for w in builtin_words()] + [("心园", None, None)]
    return {name: Segmenter(name, words) for name in ("jieba", "jieba-fast")}


def test_jieba_fast_matches_jieba_except_the_pinned_differences(engines: dict[str, Segmenter]) -> None:
    differences = {}
    for index, sentence in enumerate(FIXED_TEXT):
        ref = "|".join(engines["jieba"].cut_original(sentence))
        fast = "|".join(engines["jieba-fast"].cut_original(sentence))
        if ref != fast:
            differences[index] = (ref, fast)
    assert differences == ENGINE_DIFFERENCES


@pytest.mark.parametrize("engine", ["jieba", "jieba-fast"])
def test_domain_words_and_workspace_dictionary_words_stay_whole(engine: str, tmp_path: Path) -> None:
    dictionary = tmp_path / "dictionary.txt"
    dictionary.write_text("# 工作区词典\n康复手工坊 10 n\n同伴小组\n", encoding="utf-8")
    words = [(w, None, None) for w in builtin_words()] + read_dictionary(dictionary)
    seg = Segmenter(engine, words)
    sentence = "我在阳光心园的日间照料认识了精神分裂症和双相情感障碍的朋友，周三去康复手工坊，周五参加同伴小组。"
    tokens = seg.cut_original(sentence)
    for word in DOMAIN_WORDS + ["康复手工坊", "同伴小组"]:
        assert word in tokens, f"{word} split: {tokens}"


@pytest.mark.parametrize("engine", ["jieba", "jieba-fast"])
def test_traditional_text_segments_through_its_simplified_shadow(engine: str) -> None:
    seg = Segmenter(engine)
    sentence = "我們然後離開了醫院"
    assert "然後離" in seg.cut(sentence)  # what raw jieba does with Traditional text
    tokens = seg.cut_original(sentence)
    assert tokens == ["我們", "然後", "離開", "了", "醫院"]  # as written, cut where Simplified cuts
    assert "".join(tokens) == sentence


def test_traditional_domain_words_stay_whole_through_the_shadow(engines: dict[str, Segmenter]) -> None:
    for seg in engines.values():
        assert "陽光心園" in seg.cut_original("我們在陽光心園認識的")


def test_shadow_keeps_length_so_offsets_carry_over() -> None:
    text = "我們然後離開了醫院，裏面還有一隻貓。😀"
    shadow = simplified_shadow(text)
    assert shadow == "我们然后离开了医院，里面还有一只猫。😀"
    assert len(shadow) == len(text)
    assert simplified_shadow("hello") == "hello" and simplified_shadow("") == ""


def test_shadow_falls_back_to_characters_when_a_phrase_changes_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Converter:
        def convert(self, text: str) -> str:
            return {"後": "后", "離": "离"}.get(text, text) if len(text) == 1 else text + "多"

    monkeypatch.setattr(segmenter_mod, "_opencc_t2s", lambda: Converter())
    assert simplified_shadow("然後離開") == "然后离開"


def test_segmenters_are_independent_of_each_other() -> None:
    plain = Segmenter("jieba-fast")
    extended = Segmenter("jieba-fast", [("康复手工坊", None, None)])
    assert "康复手工坊" in extended.cut("去康复手工坊")
    assert "康复手工坊" not in plain.cut("去康复手工坊")


def test_unknown_engine_is_an_input_error() -> None:
    with pytest.raises(InputError, match="segmentation engine 'hanlp' is not one of jieba-fast, jieba"):
        Segmenter("hanlp")


def test_dictionary_entries_parse_word_frequency_and_tag_in_gbk_too(tmp_path: Path) -> None:
    path = tmp_path / "dictionary.txt"
    path.write_bytes("阳光心园 100 nz\n病友 n\n\n# 注释\n同伴支持\n".encode("gbk"))
    assert read_dictionary(path) == [("阳光心园", 100, "nz"), ("病友", None, "n"), ("同伴支持", None, None)]
    assert read_dictionary(tmp_path / "missing.txt") == []


def test_vocabulary_digest_ignores_order_and_duplicates_but_not_words() -> None:
    a = vocabulary_digest([("病友", None, None), ("心园", 5, "n")])
    assert a == vocabulary_digest([("心园", 5, "n"), ("病友", None, None), ("病友", None, None)])
    assert a != vocabulary_digest([("病友", None, None)])
