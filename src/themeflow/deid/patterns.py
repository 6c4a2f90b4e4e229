"""Numbers and handles found by pattern on the raw text (jieba cuts them into fragments):
mobile and landline phones, resident ID numbers, bank cards, WeChat and QQ IDs, e-mail, street addresses.

Every function takes the detection shadow (Simplified, half-width digits; same length as the text) and
returns spans in it.
"""

from __future__ import annotations

import re

from themeflow.deid.spans import Span

_SEP = r"[ \-\u00a0]?"
MOBILE = re.compile(rf"(?<![\dA-Za-z])(?:(?:\+|00)86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?!\d)")
LANDLINE = re.compile(
    r"(?<![\dA-Za-z])(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[ \-])"
    r"\s?\d{3,4}[ \-]?\d{4}(?:(?:转|-|ext\.?)\d{1,5})?(?!\d)"
)
# A run of digits right after a word that says it is a phone number.
CUED_NUMBER = re.compile(
    r"(?:电话|手机|座机|号码|手机号|联系方式|打)(?:号码|号)?(?:是|为|:|：|\s)*"
    r"((?:\+86)?\d(?:[ \-]?\d){6,11})(?!\d)"
)
ID_18 = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
ID_15 = re.compile(r"(?<![\dA-Za-z])\d{15}(?![\dA-Za-z])")
ID_CUE = re.compile(r"身份证|证件号")
BANK = re.compile(r"(?<![\dA-Za-z])\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)|(?<![\dA-Za-z])\d{16,19}(?!\d)")
BANK_CUE = re.compile(r"银行卡|卡号|储蓄卡|信用卡|工资卡|账号|帐号")
WECHAT = re.compile(
    r"(?:微信号?|微信|威信|V信|v信|VX|Vx|vx|WX|Wx|wx|weixin|WeChat|wechat)(?:号码|号|ID|id)?"
    r"(?:是|为|叫|就是|:|：|\s)*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"
)
# A handle a few words after the cue (微信号写在纸条上塞给我，叫 lanlan_1234): letters with digits or _.
WECHAT_CUE = re.compile(r"微信|威信|V信|v信|VX|vx|Vx|WX|wx|weixin|WeChat|wechat")
HANDLE = re.compile(r"(?<![-_A-Za-z0-9@.])[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9@])")
QQ = re.compile(r"(?:QQ|qq|Qq|扣扣|企鹅)(?:号码|号)?(?:是|为|就是|:|：|\s)*([1-9]\d{4,11})(?!\d)")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Streets: up to five characters of name before 路/街/道/巷/弄, never swallowing 住在/搬到 and the like.
_PLACE = r"[^\W\d_A-Za-z在住于到是的了去从我他她你们家和就搬离附近边旁对往向]{1,6}"
_NUM = r"[\d一二三四五六七八九十百零〇两]+"
ADDRESS = re.compile(
    rf"(?:{_PLACE}(?:大道|路|街|道|巷|胡同|里))?{_NUM}(?:号|弄)(?:{_NUM}(?:号|弄|支弄))?"
    rf"(?:{_NUM}(?:栋|幢|号楼|单元|楼|层))*(?:{_NUM}(?:室|号房))?"
)
ADDRESS_ANCHOR = re.compile(
    rf"(?:大道|路|街|巷|胡同|弄){_NUM}(?:号|弄)|{_NUM}弄{_NUM}号|{_NUM}号{_NUM}室|{_NUM}(?:号楼|栋|幢){_NUM}(?:室|号)"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is a weighted checksum of the first 17 digits."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _birth_date_ok(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _cued(text: str, start: int, cue: re.Pattern[str], reach: int = 12) -> bool:
    return cue.search(text, max(0, start - reach), start) is not None


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def find_phones(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "phone", _digits(m.group())[-11:]) for m in MOBILE.finditer(text)]
    spans += [Span(m.start(), m.end(), "phone", _digits(m.group())) for m in LANDLINE.finditer(text)]
    for m in CUED_NUMBER.finditer(text):
        spans.append(Span(m.start(1), m.end(1), "phone", _digits(m.group(1))))
    return spans


def find_ids(text: str) -> list[Span]:
    spans = []
    for m in ID_18.finditer(text):
        number = m.group()
        if id_checksum_ok(number) or (_birth_date_ok(number[6:14]) and _cued(text, m.start(), ID_CUE)):
            spans.append(Span(m.start(), m.end(), "id_card", number.upper()))
    for m in ID_15.finditer(text):
        number = m.group()
        if _birth_date_ok("19" + number[6:12]) and (m.group()[0] != "0"):
            spans.append(Span(m.start(), m.end(), "id_card", number))
    return spans


def find_bank_cards(text: str) -> list[Span]:
    spans = []
    for m in BANK.finditer(text):
        digits = _digits(m.group())
        if 16 <= len(digits) <= 19 and (luhn_ok(digits) or _cued(text, m.start(), BANK_CUE)):
            spans.append(Span(m.start(), m.end(), "bank_card", digits))
    return spans


def find_handles(text: str) -> list[Span]:
    spans = [Span(m.start(1), m.end(1), "wechat", m.group(1)) for m in WECHAT.finditer(text)]
    for cue in WECHAT_CUE.finditer(text):
        window_end = text.find("\n", cue.end())
        window_end = min(cue.end() + 30, len(text) if window_end < 0 else window_end)
        for m in HANDLE.finditer(text, cue.end(), window_end):
            if any(ch.isdigit() or ch == "_" for ch in m.group()) and not m.group().lower().startswith(("http", "www")):
                spans.append(Span(m.start(), m.end(), "wechat", m.group()))
    spans += [Span(m.start(1), m.end(1), "qq", m.group(1)) for m in QQ.finditer(text)]
    spans += [Span(m.start(), m.end(), "email", m.group().lower()) for m in EMAIL.finditer(text)]
    return spans


def find_addresses(text: str) -> list[Span]:
    spans = []
    for anchor in ADDRESS_ANCHOR.finditer(text):
        # Widen the anchor to the whole address around it.
        for m in ADDRESS.finditer(text, max(0, anchor.start() - 8), min(len(text), anchor.end() + 24)):
            if m.start() <= anchor.start() < m.end():
                spans.append(Span(m.start(), m.end(), "address", m.group()))
                break
        else:
            spans.append(Span(anchor.start(), anchor.end(), "address", anchor.group()))
    return spans


def find_all(text: str) -> list[Span]:
    """Every pattern detection in `text` (overlaps are resolved by the caller)."""
    spans = find_handles(text) + find_addresses(text)
    if any(ch.isdigit() for ch in text):
        spans += find_phones(text) + find_ids(text) + find_bank_cards(text)
    return spans
