"""Speaker turns: detect how a transcript labels its speakers and give every turn a speaker and a role.

Schemes handled (detected per file, see DESIGN.md "Inputs ingest must handle"):
- inline labels: `访谈者：…`, `受访者:`, `研究者:`, `问：/答：`, `Q:/A:`, `I:/P3:`, `**访谈者**：` (Markdown);
- label + timestamp: `访谈者 00:03:12` with the utterance on that line or the next;
- transcription-service exports: a `说话人1 00:03:12` / `发言人2 12:45` line, then the utterance;
- `[00:12:31]` timestamps before any of these;
- other repeated labels (`张医生：`, `小王：`), whose roles are inferred (the one who asks is the interviewer).
Interviewer speech is kept for context; only participant speech is coded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

INTERVIEWER = "interviewer"
PARTICIPANT = "participant"

INTERVIEWER_LABELS = {
    "访谈者",
    "訪談者",
    "采访者",
    "採訪者",
    "访问者",
    "訪問者",
    "研究者",
    "研究员",
    "研究員",
    "主持人",
    "访员",
    "訪員",
    "调查员",
    "調查員",
    "访谈员",
    "訪談員",
    "采访人",
    "採訪人",
    "访谈人",
    "訪談人",
    "问",
    "問",
    "q",
    "i",
    "int",
    "interviewer",
    "researcher",
    "访",
    "訪",
}
PARTICIPANT_LABELS = {
    "受访者",
    "受訪者",
    "被访者",
    "被訪者",
    "被采访者",
    "被採訪者",
    "受访人",
    "受訪人",
    "被访人",
    "被訪人",
    "访谈对象",
    "訪談對象",
    "参与者",
    "參與者",
    "答",
    "a",
    "p",
    "r",
    "resp",
    "participant",
    "respondent",
    "interviewee",
    "受",
}
SERVICE_LABEL = r"(?:说话人|說話人|发言人|發言人|讲话人|講話人|speaker|spk|说话者|說話者)\s*\d{1,2}"
TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# Colons people type after a label: ASCII, full-width, and two look-alikes (∶ U+2236 RATIO, ﹕ U+FE55 small colon)
# that input methods and OCR produce. The text keeps them as written; only label recognition folds them.
COLONS = ":：∶﹕"
COLON = f"[{COLONS}]"

_BRACKETED_TIME = rf"[\[【(（]\s*{TIME}\s*[\]】)）]"
# A timestamp before the label or utterance, or a line that is only a timestamp: never speech.
_SPOKEN_TIME = re.compile(r"^\s*\d{1,2}:\d{2}\s+\S")
_LEADING_TIME = re.compile(rf"^\s*{_BRACKETED_TIME}\s*|^\s*{TIME}\s+(?=\S)|^\s*{TIME}\s*$")
# A timestamp closing an utterance (`…来的。（00:00:12）`, `… 00:01:30`): a bare one only as hh:mm:ss after a
# space or punctuation, so `3:30` said inside a sentence stays.
_TRAILING_TIME = re.compile(
    rf"(?:\s*{_BRACKETED_TIME}|(?<=[\s。！？!?；;，,…])\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,3}})?)\s*$"
)
_TIME_ENDS = frozenset("0123456789]】)）")
# Numbering before a label (`1. 访谈者：`, `（1）访谈者：`, `1<TAB>访谈者：`); stripped only when a label follows.
_LEADING_NUMBER = re.compile(r"^\s*(?:[（(]\d{1,4}[）)]|\d{1,4}\s*[.、．](?!\d)|\d{1,4}(?=[ \t\u3000]))\s*")
_SERVICE_LINE = re.compile(
    rf"^(?P<label>{SERVICE_LABEL})\s*{COLON}?\s*(?:(?P<ts>{TIME})\s*|{_BRACKETED_TIME}\s*)?{COLON}?\s*(?P<rest>.*)$",
    re.I,
)
_LABEL_TIME_LINE = re.compile(
    rf"^[*#>\s]*(?P<label>[^\s{COLONS}\d\[【(（*]{{1,8}}\d{{0,2}})\**\s*(?:(?P<ts>{TIME})|{_BRACKETED_TIME})\s*{COLON}?\s*(?P<rest>.*)$"
)
_INLINE = re.compile(
    rf"^[*#>\s]*(?P<label>[^\s{COLONS}*]{{1,24}}?)\s*\**\s*(?:{_BRACKETED_TIME}\s*)?{COLON}\s*\**\s*(?P<rest>.*)$"
)
# Forms taken for known role words only (an unknown `[笑]` or `张医生  你好` is not a label):
# `【访谈者】你好`, `[受访者] 还行`; `访谈者<TAB>你好` or two spaces; a label alone on its line (two characters
# or more: a lone `A` or `问` may be an answer).
_BRACKET_LABEL = re.compile(
    rf"^[*#>\s]*[【\[〔]\s*(?P<label>[^\]】〔〕\s]{{1,12}})\s*[】\]〕]\s*{COLON}?\s*(?P<rest>.*)$"
)
_SPACED_LABEL = re.compile(rf"^[*#>\s]*(?P<label>[^\s{COLONS}]{{1,12}})(?:\t|[ \u3000]{{2,}}|\u3000)\s*(?P<rest>\S.*)$")
_BARE_LABEL = re.compile(rf"^[*#>\s]*(?P<label>[^\s{COLONS}]{{2,12}})\s*(?P<rest>)$")
_KNOWN_ONLY_KINDS = {"bracket", "spaced", "bare"}
# Every label form needs one of these near the start of its line (a colon, a timestamp, a bracket, a tab or
# a wide space), unless the line is short enough to be a label alone.
_HEAD_HINT = re.compile(rf"[{COLONS}\t\u3000\[【〔(（]| {{2}}|\d:\d")
_HEAD_SPAN = 64
_BARE_MAX = 14
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}\d{0,2}$")
_PATTERNS = (
    ("service", _SERVICE_LINE),
    ("label-time", _LABEL_TIME_LINE),
    ("bracket", _BRACKET_LABEL),
    ("inline", _INLINE),
    ("spaced", _SPACED_LABEL),
    ("bare", _BARE_LABEL),
)
# `受访者(P3)`, `访谈者1`: the role comes from the label without its number or bracketed note.
_PSEUDONYM = re.compile(r"\[(?:人名|机构|地址|电话|受访者)\d+\]")
# A bracketed word where a speaker label stands: at a line start (after 小/老), before a timestamp or a colon.
_LABEL_PSEUDONYM = re.compile(
    rf"^([ \t\u3000]*[小老]?)\[[^\[\]\n\d{COLONS}]{{1,12}}\]"  # a word, not a timestamp
    rf"(?=[^\n{COLONS}]{{0,4}}?(?:[ \t\u3000]+\d{{1,2}}:\d{{2}}|{COLON}|[(（]\d))",
    re.M,
)
_LABEL_SUFFIX = re.compile(r"(?:\s*[（(【\[][^）)】\]]{0,20}[）)】\]]|\s*\d{1,2})$")
# A line-start `X说：` is speech quoted inside a turn, not a speaker label.
_SPEECH_VERB = ("说", "說", "讲", "講", "问", "問", "道", "想", "讲过", "说过")
_PARTICIPANT_CODE = re.compile(r"^(?:p|参与者|參與者|受访者|受訪者)\s*0*\d{1,3}$", re.I)


@dataclass
class Turn:
    speaker: str
    role: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # utterance text, one span per line


@dataclass
class SpeakerSplit:
    scheme: str
    turns: list[Turn]
    warnings: list[str] = field(default_factory=list)


def _known_role(label: str) -> str | None:
    key = label.strip().lower()
    if key not in INTERVIEWER_LABELS and key not in PARTICIPANT_LABELS:
        key = _LABEL_SUFFIX.sub("", key) or key
    if key in INTERVIEWER_LABELS:
        return INTERVIEWER
    if key in PARTICIPANT_LABELS or _PARTICIPANT_CODE.match(key):
        return PARTICIPANT
    return None


@dataclass
class _Line:
    start: int  # offset of the utterance part of the line
    end: int
    label: str | None  # None: a continuation line
    kind: str = ""  # "service", "label-time", "inline"
    label_at: tuple[int, int] = (0, 0)  # where the label stands in the text


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _inline_labels() -> re.Pattern[str]:
    """Known role words inside a line, after sentence-final punctuation (`…怎么样？受访者：还可以`): a new turn.
    Only the known vocabulary splits, so quoted speech (`我妈说：`) stays inside the turn."""
    words = sorted(INTERVIEWER_LABELS | PARTICIPANT_LABELS, key=lambda w: (-len(w), w))
    alternation = "|".join(re.escape(w) for w in words)
    return re.compile(
        rf"(?<=[。！？!?；;…）)」』”])[ \t\u3000]*"
        rf"(?P<label>(?:{alternation})\d{{0,2}}|p\d{{1,3}})[ \t\u3000]*{COLON}[ \t\u3000]*",
        re.I,
    )


_INLINE_LABEL = _inline_labels()
_ANY_COLON = re.compile(COLON)


def _parse_head(offset: int, line: str, accept_label: Callable[[str, str], bool]) -> _Line:
    """The line's label (after any timestamp or numbering before it) and where its utterance starts."""
    if len(line) > _BARE_MAX and not _HEAD_HINT.search(line, 0, _HEAD_SPAN):
        return _Line(offset, offset + len(line), None)  # most lines: speech going on, nothing a label needs
    stripped_time = _LEADING_TIME.match(line)
    skip = stripped_time.end() if stripped_time else 0
    number = _LEADING_NUMBER.match(line[skip:])
    for start in (skip, skip + number.end()) if number else (skip,):
        body = line[start:]
        for kind, pattern in _PATTERNS:
            match = pattern.match(body)
            if match and accept_label(match.group("label"), kind):
                rest_start = start + match.start("rest")
                at = (offset + start + match.start("label"), offset + start + match.end("label"))
                return _Line(offset + rest_start, offset + len(line), match.group("label").strip("*# "), kind, at)
    if stripped_time and _SPOKEN_TIME.match(line):
        skip = 0  # `7:30 我就出门了`: a time said, not a timestamp (those have seconds, or a label after them)
    return _Line(offset + skip, offset + len(line), None)


InlineRule = Callable[[str | None, str], bool]  # (label the line began with, label met inside) -> a new turn?


def _parse_line(
    offset: int, line: str, accept_label: Callable[[str, str], bool], inline: InlineRule | None = None
) -> list[_Line]:
    """The line as pieces: its head, then (when `inline` agrees) one piece per known label met inside the
    line after a sentence end."""
    pieces = [_parse_head(offset, line, accept_label)]
    utterance = pieces[0].start - offset
    if inline is None or not _ANY_COLON.search(line, utterance):
        return pieces  # most utterances: no colon, no label inside (the scan below is the costly part)
    for match in _INLINE_LABEL.finditer(line, utterance):
        if not inline(pieces[-1].label, match.group("label")):
            continue
        pieces[-1].end = offset + match.start()
        at = (offset + match.start("label"), offset + match.end("label"))
        pieces.append(_Line(offset + match.end(), offset + len(line), match.group("label"), "inline", at))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\u3000\xa0":
        start += 1
    while end > start and text[end - 1] in " \t\u3000\xa0":
        end -= 1
    return start, end


def _speech_span(text: str, piece: _Line) -> tuple[int, int] | None:
    """The utterance of a piece of a line: trimmed, without a closing timestamp; None when it is no speech
    (empty, a transcriber's note, a separator or a heading)."""
    start, end = _trim(text, piece.start, piece.end)
    if start < end and text[end - 1] in _TIME_ENDS:
        closing = _TRAILING_TIME.search(text, max(start, end - 40), end)  # a timestamp is short: search the tail
        if closing:
            start, end = _trim(text, start, closing.start())
    if start >= end:
        return None
    utterance = text[start:end]
    if is_bracketed_note(utterance) or (piece.label is None and is_note_line(utterance)):
        return None
    return start, end


# Lines that are not anyone's speech, wherever they stand: transcribers' notes (`备注：…`, `转录人：…`),
# separators (`---`), and whole-line annotations (`（录音结束）`, `[停顿]`).
NOTE_KEYS = (
    "备注",
    "注",
    "附注",
    "转录人",
    "转写人",
    "转录",
    "转写",
    "记录人",
    "记录员",
    "整理人",
    "整理",
    "校对",
    "校对人",
    "访谈时长",
    "录音时长",
    "时长",
    "访谈日期",
    "访谈时间",
    "访谈地点",
    "日期",
    "时间",
    "地点",
    "录音编号",
    "访谈编号",
    "文件名",
    "录音文件",
    "核对人",
    "核對人",
    "转录说明",
    "轉錄說明",
    "備註",
    "轉錄人",
    "記錄人",
    "整理人",
    "訪談日期",
    "訪談時間",
    "訪談地點",
    "日期",
    "時間",
    "地點",
)
# One bracketed annotation, nothing else but sentence punctuation: `（笑）`, `[听不清]`, `（停顿5秒）`, `【哭】`.
# Keys that are also ordinary words at the start of an answer (`时间：我也记不清了`): a note only with a date or a
# number in it (`时间：2021年7月12日`).
_METADATA_KEYS = ("日期", "时间", "地点", "時間", "地點")
_BRACKETED = re.compile(r"^[（(\[【〔](?P<note>[^（）()\[\]【】〔〕\n]{1,40})[）)\]】〕][。，,.！？!?；;…\s]*$")
# What transcribers write in brackets; speech in brackets (`（好多了）`, `（我不太想讲这个）`) stays speech.
_NOTE_WORDS = re.compile(
    r"笑|哭|哽咽|流泪|沉默|停顿|停頓|叹气|嘆氣|叹息|咳|清嗓|听不清|聽不清|听不到|不清楚|模糊|杂音|噪音|中断|中斷|打断|"
    r"插话|点头|點頭|摇头|搖頭|手势|录音|錄音|暂停|电话|電話|敲门|进来|离开|離開|省略|略去|隐去|删去|匿名|方言|音频|"
    r"\d+\s*(?:秒|分钟|分鐘)|inaudible|laugh|pause|crosstalk|silence|unclear|sigh|cough|cries",
    re.I,
)
_HEADING = re.compile(r"^#{1,6}\s+[^。，,！？!?；;…]{1,30}$")
# How transcripts close: `访谈结束。`, `——访谈结束——`, `录音结束`, `（全文完）`.
_CLOSING = re.compile(
    r"^[-—=*·\s]*[（(\[【]?(?:(?:访谈|訪談|采访|採訪|录音|錄音|转录|轉錄)(?:到此)?(?:结束|結束|完毕|完畢)|全文完)"
    r"[）)\]】]?[。.!！]?[-—=*·\s]*$"
)
_NOTE_LINE = re.compile(
    r"^(?:[-=*_~—–·]{3,}|(?:"
    + "|".join(k for k in NOTE_KEYS if k not in _METADATA_KEYS)
    + rf")\s*{COLON}.*|(?:"
    + "|".join(_METADATA_KEYS)
    + rf")\s*{COLON}.*\d.*)$"
)


def is_bracketed_note(text: str) -> bool:
    """A transcriber's bracketed annotation standing alone (a line, an utterance or a sentence): `（笑）`,
    `[听不清]`, `（停顿5秒）`, `【哭】` — not speech. Bracketed words of the speaker's own are kept."""
    match = _BRACKETED.match(text.strip())
    if match is None:
        return False
    note = match.group("note")
    return bool(_NOTE_WORDS.search(note)) and not any(ch in note for ch in "我你您")


def is_note_line(line: str) -> bool:
    """A line that is a note, a separator or a Markdown heading (`## 第二部分`), not speech (only lines
    without a speaker label are tested)."""
    stripped = line.strip()
    return is_bracketed_note(stripped) or bool(
        _NOTE_LINE.match(stripped) or _HEADING.match(stripped) or _CLOSING.match(stripped)
    )


def _candidate_labels(lines: list[tuple[int, str]]) -> dict[str, int]:
    """Labels (`X：`, `X 00:01:02`) at the start of lines and how often each occurs."""
    counts: dict[str, int] = {}
    for _, line in lines:
        leading = _LEADING_TIME.match(line)
        body = line[leading.end() :] if leading else line
        number = _LEADING_NUMBER.match(body)
        body = body[number.end() :] if number else body
        match = _LABEL_TIME_LINE.match(body) or _INLINE.match(body)
        if match and _could_be_speaker(label := match.group("label").strip("*# ")):
            counts[label] = counts.get(label, 0) + 1
    return counts


_QUOTED_SPEAKER = re.compile(r"^(?:我|你|您|他|她|咱)|^第[一二三四五六七八九十百\d]")


def _may_speak(label: str) -> bool:
    """A recurring `X：` that can name a speaker of the interview: not someone a speaker quotes (`我妈：`,
    `我：`) and not a spoken list (`第一：`)."""
    return not _QUOTED_SPEAKER.match(label)


def _could_be_speaker(label: str) -> bool:
    """Not quoted speech (`我妈说`), a note key (`备注`), a number or a bracketed note (`[笑]`)."""
    return bool(label) and not (
        label.endswith(_SPEECH_VERB) or label in NOTE_KEYS or label.isdigit() or label[0] in "[【〔(（"
    )


def _question_share(text: str, turns: list[Turn]) -> float:
    asked = 0
    for turn in turns:
        utterance = "".join(text[s:e] for s, e in turn.spans)
        if re.search(r"[？?]|[吗呢嘛][。.]?$", utterance):
            asked += 1
    return asked / len(turns) if turns else 0.0


def _without_leading_time(line: str) -> str:
    match = _LEADING_TIME.match(line)
    return line[match.end() :] if match else line


def _parse_lines(
    lines: list[tuple[int, str]], accept_label: Callable[[str, str], bool], inline: InlineRule | None = None
) -> list[_Line]:
    return [piece for offset, line in lines for piece in _parse_line(offset, line, accept_label, inline)]


# In an interview crammed into this few labelled lines, every known label met inside a line starts a turn.
CRAMMED_LINES = 2


def _inline_rule(labelled: list[_Line]) -> InlineRule:
    """When a label met inside a line starts a turn. Crammed interviews: always. Otherwise only a label this
    file also uses at line starts, of the other role than the line's own (a turn pasted onto the previous
    one) — a role word a speaker quotes (`上面写着。问：…` in a 问/答 file is still split; `我问自己。问：…` in a
    file labelled with names is not)."""
    if len(labelled) <= CRAMMED_LINES:
        return lambda head, label: True
    used = {p.label for p in labelled if p.label and _known_role(p.label)}

    def rule(head: str | None, label: str) -> bool:
        role = _known_role(head) if head else None
        return role is not None and label in used and _known_role(label) not in {None, role}

    return rule


def _first_labelled_line(lines: list[tuple[int, str]], parsed: list[_Line]) -> int:
    first = next(p for p in parsed if p.label is not None)
    return next(i for i, (offset, line) in enumerate(lines) if offset <= first.start <= offset + len(line))


def _pseudonyms_masked(text: str) -> str:
    """`text` with de-identification's pseudonyms ([人名2], and a participant's own, [阿英], where a label
    stands) as words of the same length (〈人名二〉), so a speaker label that was a name (`小王  00:00:02` →
    `小[人名2]  00:00:02`, `刘秀英：` → `[阿英]：`) is still read as a label."""
    if "[" not in text:
        return text
    masked = _PSEUDONYM.sub(lambda m: m.group().translate(_AS_WORD), text)

    def plain(match: re.Match[str]) -> str:
        word = match.group()[len(match.group(1)) + 1 : -1]
        if _known_role(word) is not None:
            return match.group()  # `[访谈者]：` is a bracketed role label, read as such
        return match.group().translate(_AS_WORD)

    return _LABEL_PSEUDONYM.sub(plain, masked)


# A pseudonym read as a word of its own, one character for one: [人名2] → 〈人名二〉 (distinct names stay distinct).
_AS_WORD = str.maketrans("[]0123456789", "〈〉〇一二三四五六七八九")


def split_turns(text: str) -> SpeakerSplit:
    real = text
    text = _pseudonyms_masked(text)  # labels are read here; speakers and spans are taken from `real`
    lines = _lines(text)
    service = any(_SERVICE_LINE.match(_without_leading_time(line)) for _, line in lines)

    def known_only(label: str, kind: str) -> bool:
        if kind == "service":
            return True
        if kind in {"spaced", "bare"} and not _CJK_WORD.match(label.strip("*# ")):
            return False  # `I  don't know`, `A  B两种药`, a line `Q3`: speech, not labels
        return _known_role(label.strip("*# ")) is not None

    def known_or(labels: set[str]) -> Callable[[str, str], bool]:
        def accept(label: str, kind: str) -> bool:
            if known_only(label, kind):
                return True
            return kind not in _KNOWN_ONLY_KINDS and kind != "service" and label.strip("*# ") in labels

        return accept

    parsed = _parse_lines(lines, known_only)
    labelled = [p for p in parsed if p.label is not None]
    if labelled and not service and _INLINE_LABEL.search(text):  # parsed again only if a label sits inside a line
        parsed = _parse_lines(lines, known_only, inline=_inline_rule(labelled))
        labelled = [p for p in parsed if p.label is not None]
    scheme = "service-export" if service else ("labels" if labelled else "")
    counts = _candidate_labels(lines)
    recurring = {label for label, n in counts.items() if n >= 2 and len(label) <= 8}
    if len(labelled) >= 2:
        # A third speaker (`家属：`) who speaks more than once gets turns of their own, after the first
        # known label only, so a preamble (`地点：`) never becomes speech.
        extra = {label for label in recurring if _known_role(label) is None and len(label) <= 6 and _may_speak(label)}
        if extra:
            first = _first_labelled_line(lines, parsed)
            parsed = _parse_lines(lines[:first], known_only) + _parse_lines(lines[first:], known_or(extra))
            labelled = [p for p in parsed if p.label is not None]
    elif len(recurring := {label for label in recurring if _may_speak(label)}) >= 2:
        # No known labels: accept labels that recur at the start of lines (`张医生：`, `小王 00:01:02`).
        parsed = _parse_lines(lines, known_or(recurring))
        labelled = [p for p in parsed if p.label is not None]
        scheme = "recurring-labels"
    if not labelled:
        spans = [span for p in parsed if (span := _speech_span(text, p))]
        turn = Turn("participant", PARTICIPANT, spans)
        return SpeakerSplit(
            "none", [turn] if turn.spans else [], ["no speaker labels recognised: read as one participant turn"]
        )

    turns: list[Turn] = []
    current: Turn | None = None
    for p in parsed:
        if p.label is not None:
            current = Turn(real[p.label_at[0] : p.label_at[1]].strip("*# ") or p.label, "", [])
            turns.append(current)
        if current is None:
            continue  # a preamble (title, date, notes) before the first turn is not speech
        span = _speech_span(text, p)
        if span:
            current.spans.append(span)
    _assign_roles(text, turns)
    if any(p.kind == "label-time" for p in parsed if p.label) and scheme == "labels":
        scheme = "labels-with-timestamps"
    warnings = []
    if not any(t.role == PARTICIPANT for t in turns):
        warnings.append("no participant turns found")
    return SpeakerSplit(scheme, [t for t in turns if t.spans], warnings)


def _assign_roles(text: str, turns: list[Turn]) -> None:
    unknown: dict[str, list[Turn]] = {}
    for turn in turns:
        role = _known_role(turn.speaker)
        if role is None:
            unknown.setdefault(turn.speaker, []).append(turn)
        else:
            turn.role = role
    if not unknown:
        return
    has_interviewer = any(t.role == INTERVIEWER for t in turns)
    order = list(unknown)
    if has_interviewer:
        interviewer = None
    else:
        # The interviewer asks: the speaker whose turns most often ask a question; ties go to who spoke first.
        interviewer = max(order, key=lambda s: (round(_question_share(text, unknown[s]), 6), -order.index(s)))
    for speaker, its_turns in unknown.items():
        for turn in its_turns:
            turn.role = INTERVIEWER if speaker == interviewer else PARTICIPANT
