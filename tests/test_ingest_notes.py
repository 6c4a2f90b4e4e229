"""Transcribers' notes, separators and whole-line annotations are nobody's speech."""

from __future__ import annotations

from themeflow.ingest.speakers import is_note_line, split_turns


def test_trailing_notes_and_separators_are_not_participant_speech() -> None:
    text = (
        "访谈者：你好。\n受访者：还好吧。\n（笑）\n有时候也累。\n---\n（录音结束）\n备注：录音质量一般\n转录人：小赵\n"
    )
    turns = split_turns(text).turns
    spoken = [text[s:e] for turn in turns for s, e in turn.spans]
    assert spoken == ["你好。", "还好吧。", "有时候也累。"]


def test_a_note_key_never_becomes_a_speaker() -> None:
    text = "张医生：最近怎么样？\n小王：还行。\n备注：这里停顿\n张医生：睡得好吗？\n小王：一般。\n备注：受访者叹气\n"
    speakers = {turn.speaker for turn in split_turns(text).turns}
    assert speakers == {"张医生", "小王"}


def test_speech_that_only_mentions_notes_is_kept() -> None:
    assert not is_note_line("我记了备注，没什么用。")
    assert not is_note_line("（他后来）跟我说了很多很多事情，我们一直到现在都有联系，真的帮了我很多很多。")
    assert is_note_line("[00:15:01 停顿]")


def test_bidirectional_controls_are_removed_from_the_text() -> None:
    from themeflow.ingest.normalize import normalise

    assert normalise("受访者：我\u202e觉得\u202c还行\u2066。\n") == "受访者：我觉得还行。\n"


def test_private_folders_stay_private_whatever_the_umask(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from themeflow import fsio

    old = os.umask(0)
    try:
        fsio.write_text(tmp_path / ".themeflow" / "cache" / "x.json", "{}", mode=0o600)
    finally:
        os.umask(old)
    assert oct((tmp_path / ".themeflow").stat().st_mode & 0o777) == "0o700"
    assert oct((tmp_path / ".themeflow" / "cache").stat().st_mode & 0o777) == "0o700"
    assert oct((tmp_path / ".themeflow" / "cache" / "x.json").stat().st_mode & 0o777) == "0o600"
