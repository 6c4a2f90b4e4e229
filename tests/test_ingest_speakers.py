"""Speaker schemes: every way people label turns gives each turn a speaker and a role."""

from __future__ import annotations

import pytest

from themeflow.ingest.normalize import normalise
from themeflow.ingest.speakers import INTERVIEWER, PARTICIPANT, split_turns

I, P = INTERVIEWER, PARTICIPANT  # noqa: E741


def turns_of(raw: str) -> list[tuple[str, str, list[str]]]:
    text = normalise(raw)
    return [(t.speaker, t.role, [text[s:e] for s, e in t.spans]) for t in split_turns(text).turns]


@pytest.mark.parametrize(
    "raw, speakers",
    [
        ("访谈者：你最近睡得好吗？\n受访者：还可以。\n", ("访谈者", "受访者")),
        ("研究者:你在心园多久了?\n受访者:三年了。\n", ("研究者", "受访者")),
        ("问：你觉得这里的病友怎么样？\n答：都挺好的。\n", ("问", "答")),
        ("Q: 你平时做什么?\nA: 看看书.\n", ("Q", "A")),
        ("I: 你平时做什么？\nP3: 看看书。\n", ("I", "P3")),
        ("訪談者：你最近睡得好嗎？\n受訪者：還可以。\n", ("訪談者", "受訪者")),
        ("访谈者1：你最近睡得好吗？\n受访者1：还可以。\n", ("访谈者1", "受访者1")),
        ("Interviewer: 你最近睡得好吗？\nInterviewee: 还可以。\n", ("Interviewer", "Interviewee")),
        ("**访谈者**：你最近睡得好吗？\n\n**受访者**：还可以。\n", ("访谈者", "受访者")),
        ("**访谈者：** 你最近睡得好吗？\n**受访者：** 还可以。\n", ("访谈者", "受访者")),
        ("> 访谈者：你最近睡得好吗？\n> 受访者：还可以。\n", ("访谈者", "受访者")),
    ],
)
def test_inline_labels_give_speakers_and_roles(raw: str, speakers: tuple[str, str]) -> None:
    asked, answered = speakers
    turns = turns_of(raw)
    assert [(s, r) for s, r, _ in turns] == [(asked, I), (answered, P)]
    assert turns[1][2][0] in {"还可以。", "還可以。", "看看书.", "看看书。", "都挺好的。", "三年了。"}


@pytest.mark.parametrize("separator", [" ", "\n", "\n\n"])
def test_label_with_timestamp_takes_text_on_the_same_or_the_next_line(separator: str) -> None:
    raw = f"访谈者 00:03:12{separator}你最近睡得好吗？\n受访者 00:03:20{separator}还可以，就是醒得早。\n"
    assert turns_of(raw) == [("访谈者", I, ["你最近睡得好吗？"]), ("受访者", P, ["还可以，就是醒得早。"])]
    assert split_turns(normalise(raw)).scheme == "labels-with-timestamps"


@pytest.mark.parametrize(
    "raw",
    [
        "访谈者（00:03:12）：你好吗？\n受访者（00:03:20）：还行。\n",
        "访谈者 [00:03:12]：你好吗？\n受访者 [00:03:20]：还行。\n",
    ],
)
def test_bracketed_timestamp_between_label_and_colon(raw: str) -> None:
    assert turns_of(raw) == [("访谈者", I, ["你好吗？"]), ("受访者", P, ["还行。"])]


@pytest.mark.parametrize(
    "raw",
    [
        "说话人1 00:03:12\n你最近睡得好吗？\n说话人2 00:03:20\n还可以，就是醒得早。\n说话人1 00:03:40\n几点醒呢？\n说话人2 00:03:45\n五点多吧。\n",
        "发言人1 12:45\n你最近睡得好吗？\n发言人2 12:50\n还可以，就是醒得早。\n发言人1 13:01\n几点醒呢？\n发言人2 13:05\n五点多吧。\n",
        "说话人 1 00:03:12 你最近睡得好吗？\n说话人 2 00:03:20 还可以，就是醒得早。\n说话人 1 00:03:40 几点醒呢？\n说话人 2 00:03:45 五点多吧。\n",
    ],
)
def test_transcription_service_exports_find_the_asker_as_interviewer(raw: str) -> None:
    turns = turns_of(raw)
    assert [r for _, r, _ in turns] == [I, P, I, P]
    assert turns[3][2] == ["五点多吧。"]
    assert split_turns(normalise(raw)).scheme == "service-export"


def test_service_export_where_the_participant_speaks_first() -> None:
    raw = (
        "说话人1 00:00:01\n好了吗？开始了？\n说话人2 00:00:03\n开始了。你来心园几年了？\n说话人1 00:00:09\n五年了。\n"
        "说话人2 00:00:12\n平时跟谁聊得多？\n说话人1 00:00:15\n老李。\n"
    )
    assert [r for _, r, _ in turns_of(raw)] == [P, I, P, I, P]


def test_bracketed_timestamps_before_labels_are_not_speech() -> None:
    raw = "[00:12:31] 访谈者：你好吗？\n[00:12:35] 受访者：挺好。\n00:12:40 受访者：真的挺好。\n"
    assert turns_of(raw) == [
        ("访谈者", I, ["你好吗？"]),
        ("受访者", P, ["挺好。"]),
        ("受访者", P, ["真的挺好。"]),
    ]


def test_recurring_unknown_labels_find_the_asker_as_interviewer() -> None:
    raw = "小王：嗯，好的。\n张医生：最近怎么样？睡得好吗？\n小王：还行。\n张医生：药按时吃了吗？\n小王：吃了。\n"
    turns = turns_of(raw)
    assert [(s, r) for s, r, _ in turns] == [
        ("小王", P),
        ("张医生", I),
        ("小王", P),
        ("张医生", I),
        ("小王", P),
    ]
    assert split_turns(normalise(raw)).scheme == "recurring-labels"


def test_recurring_unknown_labels_with_timestamps() -> None:
    raw = "张医生 00:01:02\n最近怎么样？\n小王 00:01:10\n还行。\n张医生 00:01:20\n药吃了吗？\n小王 00:01:25\n吃了。\n"
    assert [(s, r) for s, r, _ in turns_of(raw)] == [("张医生", I), ("小王", P)] * 2


def test_a_third_speaker_who_recurs_gets_turns_of_their_own() -> None:
    raw = "访谈者：他最近怎么样？\n受访者：挺好。\n家属：他最近挺好的。\n受访者：嗯。\n家属：就是睡得晚。\n"
    assert [s for s, _, _ in turns_of(raw)] == ["访谈者", "受访者", "家属", "受访者", "家属"]


def test_quoted_speech_at_line_start_is_not_a_speaker() -> None:
    raw = "访谈者：你妈怎么说？\n受访者：她就说了一句。\n我妈说：你要按时吃药。\n我妈说：别老熬夜。\n"
    assert turns_of(raw)[1] == (
        "受访者",
        P,
        ["她就说了一句。", "我妈说：你要按时吃药。", "我妈说：别老熬夜。"],
    )


def test_preamble_before_the_first_label_is_not_segmented() -> None:
    raw = "阳光心园访谈记录\n访谈日期：2021年7月12日　地点：活动室\n\n访谈者：你好。\n受访者：你好。\n"
    turns = turns_of(raw)
    assert turns == [("访谈者", I, ["你好。"]), ("受访者", P, ["你好。"])]


def test_continuation_lines_belong_to_the_turn_above() -> None:
    raw = "访谈者：\n你好，最近怎么样？\n受访者：我想想。\n就是那个时候吧。\n\n后来就好了。\n"
    assert turns_of(raw) == [
        ("访谈者", I, ["你好，最近怎么样？"]),
        ("受访者", P, ["我想想。", "就是那个时候吧。", "后来就好了。"]),
    ]


def test_file_without_labels_is_one_participant_turn_with_a_warning() -> None:
    split = split_turns(normalise("我觉得心园挺好的。\n大家都很照顾我。\n"))
    assert split.scheme == "none"
    assert [(t.role, len(t.spans)) for t in split.turns] == [(P, 2)]
    assert split.warnings == ["no speaker labels recognised: read as one participant turn"]


def test_file_with_only_interviewer_turns_warns() -> None:
    split = split_turns("访谈者：你好。\n访谈者：在吗？\n")
    assert split.warnings == ["no participant turns found"]


def test_every_span_is_trimmed_and_inside_the_text() -> None:
    text = normalise("访谈者：　你好。 \n受访者：  还行。\n")
    for turn in split_turns(text).turns:
        for s, e in turn.spans:
            assert text[s:e] == text[s:e].strip(" \t\u3000") and text[s:e]
