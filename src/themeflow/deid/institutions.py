"""Hospitals, clinics, schools and local offices named in speech: 仁济医院, 长宁区天山路街道社区卫生服务中心,
上海市精神卫生中心, 龙华街道, 复旦大学附属中山医院.

A suffix (医院, 卫生服务中心, 街道, 派出所, 大学, ...) anchors the match; the name is the run of jieba tokens
right before it that can be part of a proper name (place and organisation names, nouns, words jieba does not
know, ordinals like 第六), walking back until a word that cannot (在, 去, 的, 这家, 女儿, 今年, ...). Generic
modifiers do not name anything (社区医院, 精神病医院, 三甲医院, 区精卫中心, 市第一人民医院): a name needs two
characters or more that are not generic. A department after the institution (内分泌科, 精神科, 三病房) is
not part of the match and stays as written: `瑞金医院内分泌科` → `[机构2]内分泌科`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from themeflow.deid.spans import Span

# Longest first, so 社区卫生服务中心 wins over 卫生服务中心 and 中心医院 over 医院 at the same position.
SUFFIXES = tuple(
    sorted(
        (
            "医院 卫生院 卫生服务中心 社区卫生服务中心 精神卫生中心 精卫中心 中心医院 人民医院 中医医院 门诊部 "
            "诊所 疗养院 康复中心 保健院 街道 街道办 街道办事处 居委会 村委会 派出所 大学 学院 中学 小学"
        ).split(),
        key=lambda s: (-len(s), s),
    )
)
SUFFIX = re.compile("|".join(SUFFIXES))

# Words that describe rather than name: a match made only of these is not an institution.
GENERIC = frozenset(
    (
        # what kind of hospital or school
        "大 小 好 新 老 精神病 精神科 精神 心理 专科 三甲 二甲 三级 二级 一级 综合 私人 私立 公立 民营 民办 公办 "
        "儿童 肿瘤 妇幼 妇产 妇女 中医 西医 中西医 中西医结合 附属 人民 中心 康复 护理 口腔 眼科 骨科 传染病 胸科 "
        "牙科 军队 部队 定点 指定 医保 社区 社区卫生 卫生 精卫 老年 重点 普通 正规 名牌 实验 职业 技术 医科 医学 "
        "师范 理工 财经 开放 广播电视 电视 成人 业余 寄宿 私营 外资 合资 国际 国立 省立 市立 区立 县立 "
        # where, said generically
        "区 市 县 省 镇 乡 村 街 区里 市里 县里 镇上 镇里 乡里 村里 当地 本地 外地 附近 隔壁 旁边 对面 楼下 周边 "
        "周围 老家 本区 本市 本省 外省 城里 城区 市区 郊区 乡镇 乡下 农村 城市 县城 小区 户籍 户口 所在 所属 辖区 "
        "家门口 门口 大型 小型 国家 全国 国内 国外 外国 省级 市级 区级 县级 上级 下级 这边 那边 那里 这里"
    ).split()
)

# Nouns that end a name walking back (女儿大学毕业, 病友医院): people, time, and the like.
STOP_WORDS = frozenset(
    (
        "女儿 儿子 孩子 小孩 孙子 孙女 外孙 外孙女 侄女 侄子 外甥 外甥女 妹妹 弟弟 哥哥 姐姐 老公 老婆 爱人 "
        "丈夫 妻子 太太 先生 爸爸 妈妈 父亲 母亲 爸妈 父母 家里 家人 家属 亲戚 同学 朋友 同事 邻居 病友 病人 "
        "患者 医生 护士 大夫 老师 社工 领导 干部 工作人员 时候 以前 后来 现在 那时 当年 之前 之后 最后 主任"
    ).split()
)

# jieba tags of words that can be part of a proper name: nouns (n, nr, ns, nt, nz, ...), abbreviations (j),
# distinguishing words (b: 附属), places (s: 东方).
_NAME_TAGS = ("n", "j", "b", "s")
_PROPER_TAGS = ("nr", "ns", "nt", "nz", "j")
_FUNCTION_TAGS = ("v", "r", "d", "c", "u")
_COMMON_CHAR_FREQ = 10_000
_RARE_WORD_FREQ = 100
_REACH = 16  # characters of name looked at before a suffix


def _cjk(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _ordinal(word: str) -> bool:
    return len(word) <= 4 and word.startswith("第")


def _function_char(ch: str, tags: Mapping[str, tuple[int, str]]) -> bool:
    entry = tags.get(ch)
    return entry is not None and entry[1].startswith(_FUNCTION_TAGS) and entry[0] >= _COMMON_CHAR_FREQ


def _may_name(word: str, tags: Mapping[str, tuple[int, str]]) -> bool:
    if not _cjk(word) or word in STOP_WORDS:
        return False
    if word in GENERIC or _ordinal(word) or word in SUFFIXES:
        return True
    entry = tags.get(word)
    if entry is not None and entry[1].startswith(_PROPER_TAGS):
        return True
    if entry is None or entry[0] < _RARE_WORD_FREQ:
        # A word jieba does not know (or barely: 带我去 is in its dictionary as a noun), unless it holds a
        # common verb, adjective or function word its HMM glued on (看大医院, 一个人去医院).
        if any(_function_char(ch, tags) for ch in word):
            return False
    return entry is None or entry[1].startswith(_NAME_TAGS)


def _name_start(shadow: str, end: int) -> int:
    """Where the name before `shadow[end:]` (a suffix) starts; `end` when there is none."""
    from themeflow.deid import names

    begin = end
    while begin > max(0, end - _REACH) and "\u4e00" <= shadow[begin - 1] <= "\u9fff":
        begin -= 1
    if end - begin < 2:
        return end
    words = names.tokenizer().lcut(shadow[begin:end])
    tags = names.word_tags()
    taken: list[str] = []
    for word in reversed(words):
        if not _may_name(word, tags):
            break
        taken.insert(0, word)
    # Generic words in front are not part of the name (隔壁龙华街道 → 龙华街道).
    while taken and (taken[0] in GENERIC or _ordinal(taken[0])):
        taken.pop(0)
    specific = sum(len(w) for w in taken if w not in GENERIC and not _ordinal(w) and w not in SUFFIXES)
    if specific < 2:
        return end
    return end - sum(len(w) for w in taken)


def find_institutions(shadow: str) -> list[Span]:
    """Institution spans in a Simplified shadow: name + suffix (identity: the Simplified text)."""
    spans: list[Span] = []
    for m in SUFFIX.finditer(shadow):
        start = _name_start(shadow, m.start())
        if start < m.start():
            spans.append(Span(start, m.end(), "institution", shadow[start : m.end()]))
    return spans


def looks_like_institution(term: str) -> bool:
    """A configured name that is an institution rather than a person (仁济医院, 天山路街道)."""
    term = term.strip()
    # Two characters of name at least: 王大学 or 李学院 may be people.
    return any(term.endswith(s) and len(term) - len(s) >= 2 for s in SUFFIXES)
