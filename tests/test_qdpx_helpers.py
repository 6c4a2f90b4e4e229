"""A tiny coded workspace built by hand (no ingest or code run), shared by the REFI-QDA tests."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from themeflow import codebook as codebook_mod
from themeflow import sheet as sheet_mod
from themeflow.ingest.artefacts import segments_csv

CODEBOOK = """\
id: tiny
title: {zh: 同伴支持小样, en: Tiny peer-support codebook}
version: 1
themes:
  - id: T1
    label: {zh: 重建社交网络, en: Reconstructing a social network}
    definition: {zh: 通过同伴重建社交网络。, en: Rebuilding a social network through peers.}
    children:
      - id: T1.1
        label: {zh: 普通的人际联结, en: An ordinary interpersonal connection}
        definition: {zh: 与同伴轻松地相处。, en: Relaxed everyday companionship with peers.}
        when_to_use: {zh: 描述聊天、一起吃饭。, en: Chatting or eating together.}
        when_not_to_use: {zh: 谈论病情时不用。, en: Not for talk about symptoms.}
        examples: [平时就是跟大家聊聊天。]
        keywords: [聊天]
      - id: T1.2
        label: {zh: 做真实的自己, en: Being one's genuine self}
        definition: {zh: 不必掩饰自己的问题。}
        keywords: [掩饰]
  - id: T2
    label: {zh: 应对疾病, en: Coping with illness}
    color: "#AA3300"
    children:
      - id: T2.1
        label: {zh: 分享服药经验, en: Sharing medication experience}
        keywords: [吃药]
"""

# Both transcripts hold characters outside the BMP (an emoji and 𠮷, CJK Extension B), so positions
# counted in UTF-16 units would drift from code points.
TRANSCRIPTS = {
    "P1": "访谈者：你平时在中心做什么？\n受访者：平时就是跟大家聊聊天😊，一起吃饭，挺开心的。\n"
    "访谈者：在这里需要掩饰吗？\n受访者：不用掩饰，大家都一样，我可以做真实的自己。\n",
    "P2": "访谈者：你们会聊吃药的事情吗？\n受访者：会的，𠮷姐跟我说吃药以后会犯困，要坚持。\n"
    "访谈者：还有别的吗？\n受访者：我们也一起聊天，说说笑笑。\n",
}

PARTICIPANTS = [
    {
        "participant_id": "P1",
        "sex": "女",
        "age": "45",
        "diagnosis": "精神分裂症",
        "interview_date": "2023-05-01",
    },
    {
        "participant_id": "P2",
        "sex": "男",
        "age": "52",
        "diagnosis": "双相情感障碍",
        "interview_date": "2023-05-08",
    },
    {"participant_id": "P3", "sex": "男", "age": "38", "diagnosis": "抑郁症", "interview_date": "2023-05-15"},
]


def span(transcript: str, text: str) -> tuple[int, int]:
    start = TRANSCRIPTS[transcript].index(text)
    return start, start + len(text)


def unit(uid: str, transcript: str, text: str, code: str, decision: str = "accept", **extra: str) -> dict[str, str]:
    start, end = span(transcript, text)
    row = {
        "unit_id": uid,
        "transcript_id": transcript,
        "participant_id": transcript,
        "start": str(start),
        "end": str(end),
        "text": text,
        "code": code,
        "theme": code.split(".")[0],
        "evidence": "",
        "score": "1.0",
        "status": "new",
        "decision": decision,
        "final_code": "",
        "coder": "",
        "memo": "",
    }
    row.update(extra)
    return row


UNITS = [
    unit(
        "u0000000001",
        "P1",
        "平时就是跟大家聊聊天😊，一起吃饭，挺开心的。",
        "T1.1",
        coder="王老师",
        memo="典型的日常陪伴",
    ),
    unit("u0000000002", "P1", "不用掩饰，大家都一样，我可以做真实的自己。", "T1.2", coder="李老师"),
    unit("u0000000003", "P2", "𠮷姐跟我说吃药以后会犯困，要坚持。", "T1.1", final_code="T2.1", coder="王老师"),
    unit("u0000000004", "P2", "我们也一起聊天，说说笑笑。", "T1.1", decision="reject", coder="王老师"),
    unit("u0000000005", "P2", "会的", "T2.1", decision=""),
    unit("u0000000006", "P2", "我们也一起聊天，说说笑笑。", "T1.1", decision="接受"),
]


def _csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def build_workspace(root: Path, units: list[dict[str, str]] | None = None, extra_columns: tuple[str, ...] = ()) -> Path:
    """Write the artefacts export reads: 01-ingest, 02-code/codebook.yaml and the coder sheet."""
    ingest = root / "analysis" / "01-ingest"
    (ingest / "transcripts").mkdir(parents=True)
    segments = []
    for tid, text in TRANSCRIPTS.items():
        (ingest / "transcripts" / f"{tid}.txt").write_text(text, encoding="utf-8")
        offset = 0
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            body = line.rstrip("\n")
            segments.append(
                {
                    "segment_id": f"{tid}-s{number:04d}",
                    "transcript_id": tid,
                    "participant_id": tid,
                    "turn": str(number),
                    "speaker": body[:3],
                    "role": "participant" if number % 2 == 0 else "interviewer",
                    "start": str(offset),
                    "end": str(offset + len(body)),
                    "text": body,
                    "tokens": "",
                }
            )
            offset += len(line)
    (ingest / "segments.csv").write_text(segments_csv(segments), encoding="utf-8")
    (ingest / "participants.csv").write_text(_csv(list(PARTICIPANTS[0]), PARTICIPANTS), encoding="utf-8")
    code_dir = root / "analysis" / "02-code"
    code_dir.mkdir(parents=True)
    (code_dir / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    book = codebook_mod.load(code_dir / "codebook.yaml")
    rows = UNITS if units is None else units
    columns = [*sheet_mod.SHEET_COLUMNS, *extra_columns]
    sheet_mod.write(code_dir / "units.xlsx", columns, rows, book.reference_rows(), book.code_ids)
    return root


def shared_dir() -> Path | None:
    """../shared of the repository (or $THEMEFLOW_SHARED), where the REFI-QDA samples live."""
    env = os.environ.get("THEMEFLOW_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared")
    return next((c for c in candidates if (c / "refi-qda").is_dir()), None)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes, to show that a refused import wrote nothing (the workspace's
    empty lock file, `.themeflow/lock`, is how commands take turns, not content)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() != ".themeflow/lock"
    }
