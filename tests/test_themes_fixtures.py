"""A small hand-made workspace for the themes, run and status tests (synthetic data, natural Mandarin).

Five participants; codebook T1 (T1.1, T1.2) and T2 (T2.1). The hand-computed answers are in the tests.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from themeflow import sheet
from themeflow.ingest.artefacts import segments_csv

CODEBOOK = """\
id: mini
title: {zh: 日间照料中的同伴支持, en: Peer support in day-care}
version: 2
themes:
  - id: T1
    label: {zh: 重建社交网络, en: Rebuilding a social network}
    definition: {zh: 结识新朋友，不再孤单。, en: Meeting new friends.}
    children:
      - id: T1.1
        label: {zh: 普通的人际联结, en: An ordinary connection}
        definition: {zh: 与同伴轻松地聊天、一起活动。, en: Relaxed contact with peers.}
        when_to_use: {zh: 描述日常相处。, en: Everyday companionship.}
        keywords: [聊天]
      - id: T1.2
        label: {zh: 做真实的自己, en: Being oneself}
        definition: {zh: 在同伴面前不用掩饰。, en: No need to hide.}
        keywords: [掩饰]
  - id: T2
    label: {zh: 互相帮助, en: Helping each other}
    children:
      - id: T2.1
        label: {zh: 分享经验, en: Sharing experience}
        definition: {zh: 交流吃药和复发的经验。, en: Sharing experience of medication.}
        keywords: [经验]
"""

PARTICIPANTS = [
    # participant_id, file, pseudonym, sex, age, diagnosis, interview_date
    ("P1", "P01_访谈.txt", "小王", "男", "45", "精神分裂症", "2023-05-03"),
    ("P2", "P02_访谈.txt", "小李", "女", "38", "双相情感障碍", "2023-05-01"),
    ("P3", "P03_访谈.txt", "小张", "男", "52", "精神分裂症", "2023-05-02"),
    ("P4", "P04_访谈.txt", "小陈", "男", "60", "", "2023-05-04"),
    ("P5", "P05_访谈.txt", "小刘", "女", "41", "抑郁症", "2023-05-05"),
]

TEXTS = {
    "P01": "我每天来这里和大家聊天，心里舒服多了。",
    "P02": "在这里不用掩饰自己，大家都一样。",
    "P03": "老病友跟我讲他吃药的经验，我学到很多。",
    "P04": "平时就是打打牌，聊聊天。",
    "P05": "我也不知道说什么好。",
}


def _csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def unit(uid: str, transcript: str, code: str, text: str, decision: str = "accept", **extra: str) -> dict[str, str]:
    participant = "P" + str(int(transcript[1:]))
    start = TEXTS[transcript].find(text)
    row = {
        "unit_id": uid,
        "transcript_id": transcript,
        "participant_id": participant,
        "start": str(max(start, 0)),
        "end": str(max(start, 0) + len(text)),
        "text": text,
        "code": code,
        "theme": code.split(".")[0],
        "evidence": "",
        "score": "0.5",
        "status": "kept",
        "decision": decision,
        "final_code": "",
        "coder": "",
        "memo": "",
    }
    row.update(extra)
    return row


# Hand-computed answers for these units:
#   T1.1: P1 (2 units), P4 (1)            → 2/5 participants, 3 units
#   T1.2: P2 (1), P1 via final_code (1)   → 2/5, 2 units
#   T2.1: P3 (1, orphaned)                → 1/5, 1 unit (flagged)
#   rejected and pending rows do not count.
DEFAULT_UNITS = [
    unit("u01", "P01", "T1.1", "我每天来这里和大家聊天", score="0.9", coder="王老师"),
    unit("u02", "P01", "T1.1", "心里舒服多了", score="0.4", coder="王老师"),
    unit("u03", "P01", "T1.1", "我每天来这里", final_code="T1.2", coder="王老师"),
    unit("u04", "P02", "T1.2", "在这里不用掩饰自己", coder="李老师", translation="Here I don't have to hide."),
    unit("u05", "P02", "T1.1", "大家都一样", decision="reject", coder="李老师"),
    unit("u06", "P03", "T2.1", "老病友跟我讲他吃药的经验", status="orphaned", coder="李老师"),
    unit("u07", "P04", "T1.1", "聊聊天", decision="接受"),
    unit("u08", "P05", "T2.1", "我也不知道说什么好", decision=""),
]


def segments() -> list[dict[str, str]]:
    rows = []
    for tid, text in TEXTS.items():
        rows.append(
            {
                "segment_id": f"{tid}-s0001",
                "transcript_id": tid,
                "participant_id": "P" + str(int(tid[1:])),
                "turn": "1",
                "speaker": "受访者",
                "role": "participant",
                "start": "0",
                "end": str(len(text)),
                "text": text,
                "tokens": "",
            }
        )
    return rows


def make_workspace(
    root: Path,
    units: list[dict[str, str]] | None = None,
    *,
    sheet_format: str = "csv",
    config: str = "",
    participants: bool = True,
) -> Path:
    """Write the workspace: themeflow.yaml, 01-ingest (segments, participants, transcripts), 02-code
    (codebook, sheet). Returns the root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "themeflow.yaml").write_text(f"sheet_format: {sheet_format}\n{config}", encoding="utf-8")
    ingest = root / "analysis" / "01-ingest"
    (ingest / "transcripts").mkdir(parents=True, exist_ok=True)
    for tid, text in TEXTS.items():
        (ingest / "transcripts" / f"{tid}.txt").write_text(text, encoding="utf-8")
    (ingest / "segments.csv").write_text(segments_csv(segments()), encoding="utf-8")
    if participants:
        pcols = ["participant_id", "file", "pseudonym", "sex", "age", "diagnosis", "interview_date"]
        prow = [dict(zip(pcols, p, strict=True)) for p in PARTICIPANTS]
        (ingest / "participants.csv").write_text(_csv(pcols, prow), encoding="utf-8")
    code = root / "analysis" / "02-code"
    code.mkdir(parents=True, exist_ok=True)
    (code / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    write_sheet(root, DEFAULT_UNITS if units is None else units, sheet_format)
    return root


def write_sheet(root: Path, units: list[dict[str, str]], sheet_format: str = "csv") -> Path:
    path = root / "analysis" / "02-code" / ("units.csv" if sheet_format == "csv" else "units.xlsx")
    columns = sheet.ordered_columns(list(units[0].keys()) if units else [], units)
    sheet.write(path, columns, units, [], ["T1.1", "T1.2", "T2.1"])
    return path


def test_fixture_workspace_loads(tmp_path: Path) -> None:
    from themeflow import workspace

    ws = workspace.load(make_workspace(tmp_path))
    header, rows = sheet.read_rows(ws.sheet_path)
    assert len(rows) == len(DEFAULT_UNITS)
    assert "translation" in header
