"""Person names in Chinese speech, found on jieba tokens and confirmed by surname, given-name characters,
titles and context (jieba's own `nr` tags alone miss title forms and tag 高明/常德/华为 as names).

Rules, each returning the span to replace:
- a token that is a surname plus one or two characters, new to jieba's dictionary or a rare `nr` word
  (王丽娟, 陈浩); a trailing 会/是/也 that jieba glued on is trimmed (赵敏会 → 赵敏);
- a surname token followed by a token of given-name characters (周/建国, 马/志强, 欧阳/娜娜);
- a given-name token glued after a word ending in a surname (员林/晓雯 → 林晓雯);
- a surname before a title or kin term: only the surname is replaced (张医生 → [人名2]医生);
- 老 or 小 before a common surname: only the surname is replaced (老周 → 老[人名4]);
- 姓 before a surname.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import accumulate

from themeflow.deid.spans import Span
from themeflow.deid.surnames import (
    COMPOUND_SURNAMES,
    SURNAMES,
    TITLE_SURNAMES,
    TITLES,
)

# Characters common in given names (and rarely the start of an ordinary word after a surname).
GIVEN_CHARS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玲梅莉晓燕浩淑芬雯美辉鹏飞宇鑫波斌宁"
    "海峰俊琳婷慧颖琴云倩萍文凤洁欣雪玉珍红亮健林彬凯婕佳怡嘉睿晨昊轩梓涵子萱轶瑶璐薇琪娟妍颖蕾蓉"
    "荣庆春秋冬松柏竹菊兵斌民忠诚德仁义礼信智勤俭福禄寿喜元光宏伦东西南北中恒毅远达瑞祥立新建军"
    "永长宝贵金银铁山川江河湖泉峻岚霖雨霜露彤丹青翠绿紫蓝翔鹤鹰龙凤麟虎豹秀丽娴婉雅静怡悦欢乐"
    "少小晓思念雯文武彦斯博铭铮锋钢铜卫保国安家邦振兴旺盛昌隆升腾跃志远鸿浩瀚涛波澜清明朗月星辰"
    "玮琦瑾瑜璇璋珊琛琼瑛蔚蕙芸莹茜芝兰蓓蕊菲萌琦桦楠梓杉柳桐枫榕森淼焱鑫垚磊岩峰崇岭巍嵩"
)

# Characters jieba glues onto a name that belong to the next word.
_TRAILING = set("会是在也就都和跟的了着过把被给让要能说讲来去还又才很教帮叫问陪找做打对")
# Words that are surname-initial `nr` (or look-alike) in jieba's dictionary but ordinary words in speech.
STOPWORDS = frozenset(
    "高明 黎明 常德 华为 向东 向东走 张开 王者 周到 周末 周围 周期 高兴 高中 高度 石头 金钱 黄金 马上 林业 "
    "宋体 程序 方法 方面 安全 白天 江湖 文明 康复 于是 和平 任务 任何 朱红 田野 时间 雷锋 龙头 江南 "
    "小时 小包 小孔 小费 小车 小牛 小曲 小房 小钱 小解 小龙 小景 小石 小熊 小苗 小段 小项 小成 小季 小温 "
    "小毛 小童 小金 小叶 小史 老房 老牛 老成 老包 老汤 老庄 老边 老毛 老景 小于 小心 老是 "
    "冷清 万一 万分 管理 祝福 钟头 司机 商量 严重 毛病 孔子 包括 "
    "邓小平 毛泽东 周恩来 孙子 关心 华人 温暖 谢谢 谢谢你 谢谢您 多谢".split()
)
_NUMERAL_BEFORE = set("一二两三四五六七八九十几每这那哪某半整")
_RARE_NAME_FREQ = 300
_COMMON_BIGRAM_FREQ = 300  # a surname ending a word this frequent is part of that word (主任, 历史, 语文)
_ORDINARY_WORD_FREQ = 1000
_PREFIXES = ("老", "小")
_NAME_WORDS: frozenset[str] = frozenset()
_TRIGGERS = frozenset(SURNAMES | set(_PREFIXES) | {c[0] for c in COMPOUND_SURNAMES})


class WordTags(Mapping[str, tuple[int, str]]):
    """jieba's dictionary as a read-only mapping word -> (frequency, part-of-speech tag), for words of up to
    four characters. Looked up by bisection in the dictionary's lines, sorted as UTF-8 bytes (the order of
    code points): building a dict of its 350,000 entries took ~0.3 s of every run that de-identifies, for a
    few hundred lookups."""

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = sorted(lines)  # the file is nearly sorted already: this is fast

    def _line(self, word: str) -> list[bytes] | None:
        if not word or len(word) > 4 or any(ch.isspace() for ch in word):
            return None
        key = word.encode("utf-8") + b" "
        position = bisect.bisect_left(self._lines, key)
        found = None
        # A word listed twice counts as its last well-formed line (as a dict built from the file would).
        while position < len(self._lines) and self._lines[position].startswith(key):
            parts = self._lines[position].split()
            if len(parts) == 3:
                found = parts
            position += 1
        return found

    def __getitem__(self, word: str) -> tuple[int, str]:
        parts = self._line(word)
        if parts is None:
            raise KeyError(word)
        return int(parts[1]), parts[2].decode("utf-8")

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._line(word) is not None

    def __iter__(self) -> Iterator[str]:
        seen = None
        for line in self._lines:
            word = line.split(b" ", 1)[0].decode("utf-8")
            if word != seen and word in self:
                seen = word
                yield word

    def __len__(self) -> int:
        return sum(1 for _ in self)


@functools.lru_cache(maxsize=1)
def word_tags() -> WordTags:
    """jieba's dictionary: word -> (frequency, part-of-speech tag), for words of up to four characters."""
    from themeflow.ingest.segmenter import jieba_dictionary

    with open(jieba_dictionary(), "rb") as handle:
        return WordTags(handle.read().splitlines())


@functools.lru_cache(maxsize=1)
def tokenizer():  # type: ignore[no-untyped-def]
    """jieba_fast_dat over jieba's own dictionary (as the ingest segmenter uses), no user words."""
    import jieba_fast_dat

    from themeflow.ingest.segmenter import jieba_dictionary

    logging.getLogger("jieba_fast_dat").setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba_fast_dat.Tokenizer(jieba_dictionary())
    tok.initialize()
    return tok


def _cjk(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _surname_len(word: str) -> int:
    if word[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if word[:1] in SURNAMES else 0


def _is_given(word: str) -> bool:
    return 1 <= len(word) <= 2 and all(ch in GIVEN_CHARS for ch in word)


def _name_like_token(word: str, tags: Mapping[str, tuple[int, str]]) -> bool:
    """A surname + given-name token that jieba does not know as an ordinary word."""
    sur = _surname_len(word)
    if not sur or not 1 <= len(word) - sur <= 2 or not _cjk(word) or word in STOPWORDS:
        return False
    entry = tags.get(word)
    if not _is_given(word[sur:]) or (len(word) == 3 and word[:2] in tags and word[:2] not in _NAME_WORDS):
        return False
    entry = tags.get(word)
    return entry is None or (entry[1].startswith("nr") and entry[0] < _RARE_NAME_FREQ)


def find_names(text: str, tokens: Iterable[str] | None = None) -> list[Span]:
    """Person-name spans in `text` (a Simplified shadow); `tokens` are its jieba tokens (cut here if None)."""
    words = list(tokens) if tokens is not None else tokenizer().lcut(text)
    tags = word_tags()
    starts = list(accumulate(map(len, words), initial=0))
    spans: list[Span] = []

    def add(start: int, end: int) -> None:
        spans.append(Span(start, end, "person", text[start:end]))

    count = len(words)
    # Only tokens that start with a surname (or 老/小), or follow a word ending in one, can be names.
    candidates = [i for i, w in enumerate(words) if w[0] in _TRIGGERS]
    candidates += [i + 1 for i, w in enumerate(words[:-1]) if w[-1] in TITLE_SURNAMES and len(words[i + 1]) == 2]
    for i in sorted(set(candidates)):
        word = words[i]
        prev = words[i - 1] if i else ""
        start = starts[i]
        nxt = words[i + 1] if i + 1 < count else ""
        after = words[i + 2] if i + 2 < count else ""
        if not _cjk(word[:1]) or (prev and prev[-1] in _NUMERAL_BEFORE and len(prev) <= 2):
            continue
        # 赵敏会 → 赵敏, 李是 → 李: jieba glued the next word's first character on.
        core = word
        while len(core) > 1 and core[-1] in _TRAILING and (core not in tags or _name_like_token(core, tags)):
            core = core[:-1]
        if prev in _PREFIXES and core in TITLE_SURNAMES and prev + core not in STOPWORDS:
            add(start, start + 1)  # 老/周, 小/李是
            continue
        if len(core) == 2 and core[0] in _PREFIXES and core[1] in TITLE_SURNAMES and core not in STOPWORDS:
            add(start + 1, start + 2)  # 老周, 小李
            continue
        sur = _surname_len(core)
        if sur and len(core) == sur:
            # A surname standing alone: before a title, a given name, or after 姓.
            if prev and prev[-1] in _NUMERAL_BEFORE:
                continue
            if nxt in TITLES and core in TITLE_SURNAMES | {c for c in COMPOUND_SURNAMES}:
                add(start, start + sur)
            elif prev == "姓" or prev.endswith("姓"):
                add(start, start + sur)
            elif (
                _is_given(nxt)
                and nxt not in STOPWORDS
                and core + nxt not in tags
                and (core in TITLE_SURNAMES or sur == 2 or tags.get(nxt, (0, "nr"))[1].startswith("nr"))
            ):
                add(start, start + sur + len(nxt))  # 周/建国, 欧阳/娜娜
            continue
        if sur and core[sur:] in TITLES and core[:sur] in TITLE_SURNAMES | COMPOUND_SURNAMES:
            add(start, start + sur)  # 许姐 as one token
            continue
        if _name_like_token(core, tags):
            add(start, start + len(core))
            continue
        if sur and core in tags and tags[core][1].startswith("nr") and tags[core][0] >= _ORDINARY_WORD_FREQ:
            continue  # frequent enough to be an ordinary word first (谢谢 is tagged nr)
        if sur and core in tags and tags[core][1].startswith("nr") and len(core) == sur + 1:
            # A common word that is also a name (高明): a name only with a third character or a title.
            if len(nxt) == 1 and nxt in GIVEN_CHARS and nxt not in _TRAILING and after[:1] not in GIVEN_CHARS:
                add(start, start + len(core) + 1)  # 高明/远
            elif nxt in TITLES and core not in STOPWORDS:
                add(start, start + len(core))
            continue
        if (
            len(core) == 2
            and _is_given(core)
            and (core not in tags or tags[core][1].startswith("nr"))
            and len(prev) >= 2
            and prev[-1] in TITLE_SURNAMES
            and prev not in STOPWORDS
        ):
            add(start - 1, start + 2)  # 员林/晓雯 → 林晓雯
    return spans


# Words that, right before 老X / 小X, say a person is meant (社工小钱, 病友老陆).
_ROLE_WORDS = ("社工", "病友", "同事", "朋友", "邻居", "同学", "学员", "志愿者", "师傅", "室友", "工友")
_CHAR_TITLES = tuple(sorted((t for t in TITLES if len(t) >= 2), key=len, reverse=True))
_FAMILIAR = re.compile("[老小](?P<s>[" + "".join(sorted(TITLE_SURNAMES)) + "])")
_BEFORE_TITLE = re.compile("(?P<s>[" + "".join(sorted(TITLE_SURNAMES)) + "])(?=" + "|".join(_CHAR_TITLES) + ")")
_PUNCT_OR_END = set("，。！？；：、,.!?;:…—）)」”’ \n")


def find_names_by_characters(text: str) -> list[Span]:
    """Names jieba's tokens hide because it glued the surname to a neighbour (给钱/阿姨, 帮周/老师, 小/吴带):
    a surname right before a two-character title, unless it ends a common word (主任医生, 历史老师); and
    老X / 小X after a role word (社工小钱) or before punctuation or a following verb (小吴带…), unless it is a
    common word (小钱 as money: only after a role word)."""
    tags = word_tags()
    spans: list[Span] = []
    for match in _BEFORE_TITLE.finditer(text):
        start = match.start("s")
        before = text[start - 1 : start + 1] if start else ""
        if before and tags.get(before, (0, ""))[0] >= _COMMON_BIGRAM_FREQ:
            continue
        spans.append(Span(start, start + 1, "person", text[start]))
    for match in _FAMILIAR.finditer(text):
        start = match.start("s")
        form = match.group()
        after = text[start + 1 : start + 2]
        after_role = any(text.endswith(role, 0, match.start()) for role in _ROLE_WORDS)
        if after_role or (form not in STOPWORDS and (not after or after in _PUNCT_OR_END or after in _TRAILING)):
            spans.append(Span(start, start + 1, "person", text[start]))
    return spans


# Right after a kin or role word, surname + one or two given-name characters is a person even when jieba
# knows it as a frequent word or a celebrity (我女儿李娜, 我老公王刚): the context decides.
_KIN = (
    "女儿",
    "儿子",
    "老婆",
    "老公",
    "妻子",
    "丈夫",
    "爱人",
    "妈妈",
    "爸爸",
    "母亲",
    "父亲",
    "哥哥",
    "姐姐",
    "弟弟",
    "妹妹",
    "孙子",
    "孙女",
    "外孙",
    "侄子",
    "侄女",
    "表哥",
    "表姐",
    "表弟",
    "表妹",
    "堂哥",
    "堂姐",
    "男朋友",
    "女朋友",
    "对象",
    "同事",
    "邻居",
    "室友",
    "同学",
    "病友",
    "朋友",
    "叫",
    "名叫",
    "名字叫",
)
_AFTER_KIN = re.compile(
    "(?:"
    + "|".join(sorted(_KIN, key=len, reverse=True))
    + ")"
    + "(?P<name>["
    + "".join(sorted(SURNAMES))
    + "]["
    + "".join(sorted(GIVEN_CHARS))
    + "]{1,2})"
)


def find_names_after_kin(text: str) -> list[Span]:
    tags = word_tags()
    spans: list[Span] = []
    for match in _AFTER_KIN.finditer(text):
        name = match.group("name")
        entry = tags.get(name)
        if name in STOPWORDS or (entry is not None and not entry[1].startswith("nr")):
            continue  # an ordinary word that happens to start with a surname (我女儿高中毕业, 我妈妈周末来)
        spans.append(Span(match.start("name"), match.end("name"), "person", name))
    return spans
