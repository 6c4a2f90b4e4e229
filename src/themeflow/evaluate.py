"""Candidate quality of a codebook against gold meaning units (`make eval`).

Gold files (`data/gold/*.csv`, columns transcript, code, text) list the units a careful coder marks in
transcripts the codebook was NOT tuned on. A gold unit is surfaced when a candidate with the same code
shares at least half of the shorter of the two spans; precision is the share of candidates (in the gold
transcripts) that surface a gold unit of their code. De-identification is off in this in-memory run, so gold
texts are found as written.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.workspace import Workspace


@dataclass(frozen=True)
class Span:
    transcript_id: str
    code: str
    start: int
    end: int


def overlap_ok(a: Span, b: Span) -> bool:
    shared = min(a.end, b.end) - max(a.start, b.start)
    return (
        a.transcript_id == b.transcript_id and a.code == b.code and shared * 2 >= min(a.end - a.start, b.end - b.start)
    )


def score(gold: list[Span], candidates: list[Span]) -> dict[str, Any]:
    surfaced = [g for g in gold if any(overlap_ok(g, c) for c in candidates)]
    useful = [c for c in candidates if any(overlap_ok(g, c) for g in gold)]
    return {
        "gold_units": len(gold),
        "candidates": len(candidates),
        "recall": round(len(surfaced) / len(gold), 3) if gold else None,
        "precision": round(len(useful) / len(candidates), 3) if candidates else None,
    }


def read_gold(gold_dir: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(Path(gold_dir).glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                row["_file"], row["_row"] = path.name, str(number)
                rows.append(row)
    if not rows:
        raise InputError("no gold units found", file=gold_dir)
    return rows


def evaluate(ws: Workspace, gold_dir: Path) -> dict[str, Any]:
    from themeflow import codebook as codebook_mod
    from themeflow import ingest
    from themeflow.coding.candidates import draft, sentences_from_segments
    from themeflow.coding.matcher import codebook_terms, compile_codebook
    from themeflow.ingest.artefacts import read_segments
    from themeflow.ingest.segmenter import Segmenter
    from themeflow.ingest.stage import transcript_id_for, vocabulary

    gold_rows = read_gold(gold_dir)
    book = codebook_mod.load(ws.codebook_file)
    with tempfile.TemporaryDirectory() as scratch:
        config = dict(ws.config, output=str(Path(scratch) / "analysis"))
        temp_ws = Workspace(root=ws.root, config=config, has_config_file=ws.has_config_file)
        ingest.run(temp_ws, deid_enabled=False)
        segments = read_segments(temp_ws.ingest_dir)
        transcripts = {
            p.stem: p.read_text(encoding="utf-8") for p in (temp_ws.ingest_dir / "transcripts").glob("*.txt")
        }
    gold: list[Span] = []
    for row in gold_rows:
        transcript_id = transcript_id_for(Path(row["transcript"]))
        text = transcripts.get(transcript_id, "")
        position = text.find(row["text"])
        if position < 0:
            raise InputError(f"gold text not found in {row['transcript']}", file=row["_file"], row=int(row["_row"]))
        gold.append(Span(transcript_id, row["code"].strip(), position, position + len(row["text"])))
    gold_ids = {g.transcript_id for g in gold}
    engine = str(ws.section("segmentation").get("engine", "jieba-fast"))
    segmenter = Segmenter(engine, vocabulary(ws, codebook_terms(book)))
    found = draft(
        [s for s in sentences_from_segments(segments) if s.transcript_id in gold_ids],
        compile_codebook(book, segmenter.cut),
    )
    candidates = [Span(c.transcript_id, c.code, c.start, c.end) for c in found]
    result = score(gold, candidates)
    result["per_transcript"] = {
        t: score([g for g in gold if g.transcript_id == t], [c for c in candidates if c.transcript_id == t])
        for t in sorted(gold_ids)
    }
    result["per_code"] = {
        code: score([g for g in gold if g.code == code], [c for c in candidates if c.code == code])
        for code in book.code_ids
    }
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse

    from themeflow import workspace

    parser = argparse.ArgumentParser(description="Candidate quality against gold units.")
    parser.add_argument("gold_dir", type=Path)
    parser.add_argument("--workspace", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    try:
        result = evaluate(workspace.load(args.workspace), args.gold_dir)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{'':14} {'gold':>5} {'cand':>5} {'recall':>7} {'precision':>9}")
    for name, part in list(result["per_transcript"].items()) + list(result["per_code"].items()):
        print(
            f"{name:14} {part['gold_units']:>5} {part['candidates']:>5} {part['recall']!s:>7} {part['precision']!s:>9}"
        )
    print(
        f"{'ALL':14} {result['gold_units']:>5} {result['candidates']:>5} "
        f"{result['recall']!s:>7} {result['precision']!s:>9}"
    )
    print("targets: recall >= 0.70, precision >= 0.33 (on transcripts the codebook was not tuned on)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
