"""Detectors as pure functions: checksums, separators, Traditional characters, full-width digits, masking."""

from __future__ import annotations

from themeflow.deid.detect import Detector
from themeflow.deid.mask import mask
from themeflow.deid.patterns import id_checksum_ok, luhn_ok
from themeflow.deid.spans import Span, identity_of, resolve_overlaps


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in Detector().detect(text)]


def test_resident_id_checksum_follows_gb11643() -> None:
    assert id_checksum_ok("110101199003074514")
    assert not id_checksum_ok("110101199003074515")
    assert id_checksum_ok("11010519491231002X")


def test_eighteen_digits_with_a_wrong_checksum_are_not_an_id_without_a_cue() -> None:
    assert ("id_card", "110101199003074515") not in kinds("编号110101199003074515，请核对。")
    assert ("id_card", "110101199003074515") in kinds("身份证号是110101199003074515。")


def test_bank_card_needs_luhn_or_a_cue() -> None:
    assert luhn_ok("6222021234567890128")
    assert ("bank_card", "6222021234567890128") in kinds("转到6222021234567890128就行。")
    assert kinds("订单号1234567812345678已经取消。") == []


def test_mobile_numbers_with_country_code_and_separators_are_one_phone() -> None:
    for written in ("13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "0086-13912345678"):
        found = kinds(f"你打{written}找我。")
        assert found == [("phone", written)], found


def test_the_same_number_written_two_ways_has_one_identity() -> None:
    assert identity_of("phone", "+86 139-1234-5678") == identity_of("phone", "13912345678")


def test_full_width_digits_and_traditional_characters_are_found() -> None:
    assert kinds("我的手機是１３９１２３４５６７８。") == [("phone", "１３９１２３４５６７８")]
    assert kinds("張醫生說我好多了。") == [("person", "張")]


def test_wechat_and_qq_need_a_cue_word() -> None:
    assert kinds("加我微信：chen_xiaoli99 就行。") == [("wechat", "chen_xiaoli99")]
    assert kinds("我QQ是284913576。") == [("qq", "284913576")]
    assert kinds("我今天走了284913576步。") == []


def test_title_forms_replace_only_the_surname() -> None:
    assert kinds("刘阿姨和老周都来了。") == [("person", "刘"), ("person", "周")]


def test_look_alike_words_are_not_names() -> None:
    assert kinds("这个办法很高明，黎明前我们向东走，到了常德。") == []


def test_overlaps_keep_the_more_specific_kind() -> None:
    spans = [Span(0, 11, "phone", "x"), Span(0, 18, "id_card", "y"), Span(20, 22, "person", "z")]
    assert [s.kind for s in resolve_overlaps(spans)] == ["id_card", "person"]


def test_masks_show_only_the_ends_of_a_value() -> None:
    assert mask("phone", "13812345678") == "138****5678"
    assert mask("person", "张伟") == "张*"
    assert mask("email", "zhou@163.com") == "z***@163.com"
    assert "0013" not in mask("phone", "+86 138-0013-8000")


def test_word_tags_answers_as_a_dict_of_jiebas_dictionary_would() -> None:
    """The bisection lookup over jieba's dict.txt gives, for every word, what a dict built from the file gives
    (last well-formed line wins, words of up to four characters only)."""
    import os

    import jieba

    from themeflow.deid.names import WordTags, word_tags

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    expected: dict[str, tuple[int, str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and len(parts[0]) <= 4:
                expected[parts[0]] = (int(parts[1]), parts[2])
    tags = word_tags()
    assert all(tags.get(word) == entry for word, entry in expected.items())
    for absent in ("", "不是一个词的长串", "王丽娟", "a b", "朋友 "):
        assert absent not in tags and tags.get(absent) is None
    small = WordTags([line.encode() for line in ["朋友 300 n", "朋友们 20 n", "朋友 5 nr", "坏行", "长长长长长 3 n"]])
    assert small["朋友"] == (5, "nr") and "坏行" not in small and "长长长长长" not in small
    assert dict(small) == {"朋友": (5, "nr"), "朋友们": (20, "n")}
