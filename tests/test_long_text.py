"""Text nobody would write but a tool might export: a 1 MB answer on one line, without sentence ends."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from conftest import invoke, make_workspace
from themeflow.ingest.sentences import MAX_SENTENCE, split_span


def test_a_run_without_sentence_ends_is_cut_into_bounded_sentences() -> None:
    text = "我们一起吃饭，" * 500
    spans = split_span(text, 0, len(text))
    assert all(e - s <= MAX_SENTENCE for s, e in spans)
    assert "".join(text[s:e] for s, e in spans) == text


def test_a_huge_one_line_answer_is_ingested_and_coded(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answer = "我跟朋友一起吃饭，聊聊天，心里不孤单" * 40000  # ~720 000 characters, no sentence end
    root = make_workspace(tmp_path / "ws", {"P1_long.txt": "访谈者：平时做什么？\n受访者：" + answer + "\n"})
    assert invoke(runner, "ingest", "--workspace", str(root)).exit_code == 0
    result = invoke(runner, "code", "--workspace", str(root))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(root / "analysis/02-code/units.xlsx", read_only=True)["units"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    texts = [row[header.index("text")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert texts and max(len(t) for t in texts) < 32767  # every unit fits in a spreadsheet cell, whole
