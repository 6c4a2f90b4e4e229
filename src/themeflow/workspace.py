"""The workspace: a folder with `themeflow.yaml` saying where inputs live and where outputs go.

Every command works on a workspace (the current folder or `--workspace DIR`); explicit arguments override
what the file says. Paths in the file are relative to the workspace folder.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from themeflow import fsio
from themeflow.errors import InputError, UsageError

T = TypeVar("T")
CONFIG_NAME = "themeflow.yaml"
PRIVATE_DIR = ".themeflow"

DEFAULTS: dict[str, Any] = {
    "transcripts": "data/transcripts",
    "participants": "data/participants.csv",
    "codebook": "codebooks/codebook.yaml",
    "dictionary": "dictionary.txt",
    "output": "analysis",
    "coders": [],
    "sheet_format": "xlsx",
    "segmentation": {"engine": "jieba-fast", "processes": 2},
    "deid": {"enabled": True, "names": [], "terms": [], "keep": []},
    "themes": {
        "attribution": "({participant_id}, {diagnosis}, {sex})",
        "quotes_per_code": 3,
        "saturation": {"base": 4, "run": 2, "threshold": 0.05},
        "numeric_columns": [],
        "categorical_columns": [],
    },
}

CONFIG_TEMPLATE = """\
# themeflow workspace. Paths are relative to this folder. Every key is optional; these are the defaults.

# Folder of interview transcripts (.txt, .md, .docx; UTF-8, GB18030/GBK or Big5).
transcripts: data/transcripts
# Participant characteristics (CSV or XLSX) with a participant_id column; an optional `file` column
# names each participant's transcript. Used for Table 2 and quote attributions.
participants: data/participants.csv
# The codebook applied by `themeflow code` (see codebooks/README.md).
codebook: codebooks/codebook.yaml
# Extra words for jieba's user dictionary (jieba format: word [freq] [tag], one a line). Optional.
dictionary: dictionary.txt
# Where artefacts go. Everything under it is de-identified and may be shared.
output: analysis
# Coders who decide units (names used in the `coder` column and by `themeflow agree --prepare`).
coders: []
# The coder sheet format: xlsx (default) or csv. Never both.
sheet_format: xlsx

segmentation:
  # jieba-fast (a C++ jieba with jieba's own dictionary; about 10x faster) or jieba (the reference).
  engine: jieba-fast
  # Worker processes for segmentation of large corpora.
  processes: 2

deid:
  # De-identify transcripts during ingest (strongly recommended; `--no-deid` turns it off with a warning).
  enabled: true
  # Names to always replace (people, places, hospitals, centres).
  names: []
  terms: []
  # Terms that look like personal information but are not (kept as written).
  keep: []

themes:
  # How quotes are attributed; any participants-file column in braces.
  attribution: "({participant_id}, {diagnosis}, {sex})"
  quotes_per_code: 3
  # Code saturation after Guest, Namey & Chen (2020): base size, run length, new-information threshold.
  saturation: {base: 4, run: 2, threshold: 0.05}
  # Participant columns to summarise as numbers / as categories (detected when empty).
  numeric_columns: []
  categorical_columns: []
"""

GITIGNORE_TEMPLATE = """\
# The re-identification key and caches never leave this machine.
.themeflow/
~$*
"""

CODEBOOK_TEMPLATE = """\
# A starter codebook: replace it with your own. Every field is explained in themeflow's codebooks/README.md;
# check it with `themeflow codebook lint codebooks/codebook.yaml`.
id: my-study
title: {zh: 我的研究, en: My study}
version: 1
defaults:
  window: 3
themes:
  - id: T1
    label: {zh: 主题一, en: Theme one}
    definition: {zh: 请填写主题定义。, en: Write the theme definition.}
    children:
      - id: T1.1
        label: {zh: 子主题, en: Sub-theme}
        definition: {zh: 请填写定义。, en: Write the definition.}
        when_to_use: {zh: 何时使用。, en: When to use.}
        when_not_to_use: {zh: 何时不用。, en: When not to use.}
        examples: []
        keywords: [朋友]
"""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class Workspace:
    """Resolved paths and options of one workspace."""

    root: Path
    config: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    has_config_file: bool = False
    raw_keys: frozenset[str] = frozenset()  # the settings themeflow.yaml itself gives (not defaults)

    # --- inputs -------------------------------------------------------------------------------
    def path(self, key: str) -> Path:
        value = self.config[key]
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    @property
    def transcripts_dir(self) -> Path:
        return self.path("transcripts")

    @property
    def participants_file(self) -> Path:
        return self.path("participants")

    @property
    def codebook_file(self) -> Path:
        return self.path("codebook")

    @property
    def dictionary_file(self) -> Path:
        return self.path("dictionary")

    # --- outputs ------------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path:
        return self.path("output")

    @property
    def ingest_dir(self) -> Path:
        return self.output_dir / "01-ingest"

    @property
    def code_dir(self) -> Path:
        return self.output_dir / "02-code"

    @property
    def agree_dir(self) -> Path:
        return self.output_dir / "03-agree"

    @property
    def themes_dir(self) -> Path:
        return self.output_dir / "04-themes"

    @property
    def private_dir(self) -> Path:
        """Never shared: the re-identification key and caches live here."""
        return self.root / PRIVATE_DIR

    @property
    def sheet_format(self) -> str:
        return str(self.config.get("sheet_format", "xlsx")).lower()

    @property
    def sheet_path(self) -> Path:
        return self.code_dir / ("units.csv" if self.sheet_format == "csv" else "units.xlsx")

    def section(self, name: str) -> dict[str, Any]:
        value = self.config.get(name) or {}
        return value if isinstance(value, dict) else {}


def load(root: Path | str | None = None) -> Workspace:
    """Load the workspace at `root` (default: the current folder). A folder without themeflow.yaml
    is a workspace with default settings, so `themeflow ingest DIR` works anywhere."""
    root_path = Path(root) if root is not None else Path.cwd()
    if not root_path.is_dir():
        raise UsageError(f"workspace folder {root_path} does not exist", hint="run `themeflow init DIR` first")
    config_file = root_path / CONFIG_NAME
    if not config_file.exists():
        return Workspace(root=root_path.resolve())
    try:
        raw = yaml.safe_load(config_file.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=config_file, line=line) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=config_file) from exc
    if not isinstance(raw, dict):
        raise InputError("expected a mapping of settings (key: value)", file=config_file)
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise InputError(
            f"unknown setting {', '.join(repr(k) for k in unknown)}",
            file=config_file,
            hint=f"known settings: {', '.join(DEFAULTS)}",
        )
    _check_types(raw, config_file)
    return Workspace(
        root=root_path.resolve(), config=_merge(DEFAULTS, raw), has_config_file=True, raw_keys=frozenset(raw)
    )


PATH_KEYS = ("transcripts", "participants", "codebook", "dictionary", "output")
SECTION_KEYS = ("segmentation", "deid", "themes")
ENGINES = ("jieba-fast", "jieba")


def _check_types(raw: dict[str, Any], config_file: Path) -> None:
    """Settings of the wrong kind fail here, with the key named, not later as a crash in some stage."""
    for key in PATH_KEYS:
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise InputError(f"`{key}` must be a path (text), not {raw[key]!r}", file=config_file)
    for key in SECTION_KEYS:
        if key in raw and raw[key] is not None and not isinstance(raw[key], dict):
            raise InputError(f"`{key}` must be a group of settings (key: value), not {raw[key]!r}", file=config_file)
    if "coders" in raw and raw["coders"] is not None and not isinstance(raw["coders"], list):
        raise InputError("`coders` must be a list of names, e.g. [lin, zhao]", file=config_file)
    if str(raw.get("sheet_format", "xlsx")).lower() not in {"xlsx", "csv"}:
        raise InputError("sheet_format must be xlsx or csv", file=config_file)
    segmentation = raw.get("segmentation") or {}
    unknown = sorted(set(segmentation) - set(DEFAULTS["segmentation"]))
    if unknown:
        raise InputError(
            f"unknown setting segmentation.{unknown[0]}",
            file=config_file,
            hint=f"known: {', '.join('segmentation.' + k for k in DEFAULTS['segmentation'])}",
        )
    if "engine" in segmentation and segmentation["engine"] not in ENGINES:
        raise InputError(
            f"segmentation.engine {segmentation['engine']!r} is not one of {', '.join(ENGINES)}", file=config_file
        )
    processes = segmentation.get("processes", 1)
    if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
        raise InputError(f"segmentation.processes must be a whole number ≥ 1, not {processes!r}", file=config_file)
    _check_section(raw.get("deid") or {}, "deid", config_file)
    _check_section(raw.get("themes") or {}, "themes", config_file)


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _check_section(section: dict[str, Any], name: str, config_file: Path) -> None:
    """Every setting of `deid:` and `themes:` is known and of its kind."""
    known = DEFAULTS[name]
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise InputError(
            f"unknown setting {name}.{unknown[0]}",
            file=config_file,
            hint=f"known: {', '.join(name + '.' + k for k in known)}",
        )
    rules: dict[str, tuple[Any, str]] = {
        "enabled": (lambda v: isinstance(v, bool), "true or false"),
        "names": (lambda v: isinstance(v, list), "a list, e.g. [仁济医院, 张伟]"),
        "terms": (lambda v: isinstance(v, list), "a list"),
        "keep": (lambda v: isinstance(v, list), "a list"),
        "attribution": (lambda v: isinstance(v, str), 'text, e.g. "({participant_id}, {diagnosis}, {sex})"'),
        "quotes_per_code": (lambda v: _whole(v, 0), "a whole number ≥ 0"),
        "numeric_columns": (lambda v: isinstance(v, list), "a list of column names"),
        "categorical_columns": (lambda v: isinstance(v, list), "a list of column names"),
        "saturation": (lambda v: isinstance(v, dict), "{base: 4, run: 2, threshold: 0.05}"),
    }
    for key, value in section.items():
        check, kind = rules.get(key, (lambda v: True, ""))
        if value is not None and not check(value):
            raise InputError(f"{name}.{key} must be {kind}, not {value!r}", file=config_file)
    saturation = section.get("saturation") or {}
    for key, least in (("base", 1), ("run", 1)):
        if key in saturation and not _whole(saturation[key], least):
            raise InputError(f"themes.saturation.{key} must be a whole number ≥ {least}", file=config_file)
    threshold = saturation.get("threshold", 0.05)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        raise InputError("themes.saturation.threshold must be a share between 0 and 1 (e.g. 0.05)", file=config_file)


def init(directory: Path | str) -> list[Path]:
    """Scaffold a workspace in `directory`; never overwrites a file that exists. Returns what was created."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    files = {
        root / CONFIG_NAME: CONFIG_TEMPLATE,
        root / ".gitignore": GITIGNORE_TEMPLATE,
        root / "codebooks" / "codebook.yaml": CODEBOOK_TEMPLATE,
        root / "dictionary.txt": "# jieba user dictionary: one word a line, optionally a frequency and a tag.\n",
    }
    for folder in (root / "data" / "transcripts", root / "codebooks"):
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
    for path, text in files.items():
        if path.exists():
            if path.name == ".gitignore" and PRIVATE_DIR not in path.read_text(encoding="utf-8", errors="replace"):
                fsio.write_text(path, path.read_text(encoding="utf-8") + "\n" + GITIGNORE_TEMPLATE)
            continue
        fsio.write_text(path, text)
        created.append(path)
    return created


_HELD: dict[str, int] = {}


@contextlib.contextmanager
def exclusive(ws: Workspace) -> Iterator[None]:
    """Hold the workspace's lock while a stage writes: two themeflow commands never write one workspace at
    the same time (a second one stops with a message instead of interleaving its writes). Re-entrant within
    a process, so `themeflow run` can call each stage."""
    key = f"{os.getpid()}:{ws.root}"  # a forked child does not inherit its parent's hold
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no advisory locks on this platform: run without one
        yield
        return
    if not ws.has_config_file and not ws.private_dir.exists():
        yield  # not a workspace (yet): nothing to protect, and nothing is created just to lock it
        return
    ws.private_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(ws.private_dir, 0o700)
    handle = os.open(ws.private_dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                "another themeflow command is working on this workspace right now",
                file=ws.root,
                hint="wait for it to finish, then run this command again (nothing was written)",
            ) from None
        _HELD[key] = 1
        _remove_stale_temps(ws)
        try:
            yield
        finally:
            _HELD[key] = 0
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _remove_stale_temps(ws: Workspace) -> None:
    """Temporary files a killed run left beside the files it was writing (atomic writes: the files themselves are
    whole). Whoever holds the lock is the only writer, so they can go."""
    cache = ws.private_dir / "cache"
    for folder in (
        ws.ingest_dir,
        ws.ingest_dir / "transcripts",
        ws.code_dir,
        ws.code_dir / "history",
        ws.agree_dir,
        ws.agree_dir / "sheets",
        ws.agree_dir / "history",
        ws.themes_dir,
        ws.private_dir,
        cache,
        cache / "code-candidates",
    ):
        fsio.remove_stale_temps(folder)
    for name in (".gitignore", "themeflow.yaml"):  # the files themeflow writes in the workspace folder itself
        fsio.remove_stale_temps(ws.root, f".{name}.*.tmp")


def holds_lock(function: Callable[..., T]) -> Callable[..., T]:
    """Decorator for library functions whose first argument is the workspace they write."""

    @functools.wraps(function)
    def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> T:
        with exclusive(ws):
            return function(ws, *args, **kwargs)

    return wrapper
