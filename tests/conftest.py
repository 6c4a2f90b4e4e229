"""Shared fixtures: small synthetic workspaces (all text here is written for these tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themeflow.cli.app import app

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("THEMEFLOW_SHARED", REPO.parent / "shared"))

# Synthetic interview fragments (day-care members talking about peers), marked as such.
TRANSCRIPT_A = """（合成测试文本）
访谈者：你在这边平时跟谁来往比较多？
受访者：我跟老李关系最好，我们经常一起吃饭。有时候下午还一起下棋。
访谈者：那你会跟他们说自己生病的事吗？
受访者：一般不说。我不想跟他们讲我住院的事情，讲了也没用。药的事情嘛，偶尔提一下。
访谈者：今天中午吃的什么？
受访者：吃的面条，还可以。
访谈者：帮过别人吗？
受访者：上个月小张心情不好，我陪他聊了一下午。帮了他以后，我自己也觉得有点用处了。
"""

TRANSCRIPT_B = """（合成测试文本）
问：来这里以后有什么变化？
答：以前我一个人在家，很孤单。现在有朋友了，大家一起做手工，心里踏实多了。
问：你们平时聊什么？
答：什么都聊，天气啊，电视啊。
"""

CODEBOOK = """\
id: test-book
title: {zh: 测试码本, en: Test codebook}
version: 1
defaults: {window: 2}
themes:
  - id: T1
    label: {zh: 社交, en: Social}
    definition: {zh: 与同伴交往, en: Being with peers}
    children:
      - id: T1.1
        label: {zh: 一起做事, en: Doing things together}
        definition: {zh: 一起吃饭、做事、聊天, en: "Eating, doing and chatting together"}
        when_to_use: {zh: 提到和同伴一起, en: Mentions doing things with peers}
        when_not_to_use: {zh: 只和家人, en: Only with family}
        keywords: [朋友, 孤单]
        phrases: ["一起 吃饭", "一起 做手工"]
      - id: T1.2
        label: {zh: 选择性披露, en: Selective disclosure}
        definition: {zh: 决定说不说病情, en: Deciding whether to tell}
        when_to_use: {zh: 谈到说或不说, en: Talk of telling or not}
        when_not_to_use: {zh: 只是吃药, en: Only medication}
        keywords: [住院]
        patterns:
          - regex: "不(想|愿意)(跟|和).{0,6}(说|讲)"
        exclude: [面条]
  - id: T2
    label: {zh: 意义, en: Meaning}
    definition: {zh: 帮助他人, en: Helping others}
    children:
      - id: T2.1
        label: {zh: 助人自助, en: Helping others helps me}
        definition: {zh: 帮助同伴后自己也有收获, en: Helping peers and gaining from it}
        when_to_use: {zh: 帮助同伴, en: Helping a peer}
        when_not_to_use: {zh: 被帮助, en: Being helped}
        keywords: [帮]
        patterns:
          - tokens: [{ORTH: "陪"}, {ORTH: "他"}]
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def make_workspace(root: Path, transcripts: dict[str, str] | None = None, codebook: str = CODEBOOK) -> Path:
    from themeflow import workspace

    workspace.init(root)
    (root / "themeflow.yaml").write_text(
        "transcripts: data/transcripts\ncodebook: codebooks/test.yaml\ncoders: [ana, ben]\n", encoding="utf-8"
    )
    (root / "codebooks" / "test.yaml").write_text(codebook, encoding="utf-8")
    for name, text in (transcripts or {"P1_a.txt": TRANSCRIPT_A, "P2_b.txt": TRANSCRIPT_B}).items():
        (root / "data" / "transcripts" / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture(autouse=True)
def _run_outside_the_repo(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository is itself a workspace: no test may read or write its analysis/ by accident."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
