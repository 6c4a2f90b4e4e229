"""Word segmentation with jieba, and the Simplified shadow that lets Traditional text segment well.

Two engines give the same kind of tokens: `jieba` (the reference) and `jieba-fast` (jieba_fast_dat, a C++
jieba pointed at jieba's own dictionary: ~14x faster, 98.8% of lines identical; it differs on some decimals
and Traditional runs; `tests/test_segmenter.py` pins the differences on a fixed text). User words (the
built-in domain list, the workspace dictionary and every codebook term) are added to either engine.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

ENGINES = ("jieba-fast", "jieba")


@functools.lru_cache(maxsize=1)
def _opencc_t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def simplified_shadow(text: str) -> str:
    """A Simplified copy of `text` with exactly the same length, so offsets carry over unchanged.

    OpenCC converts phrase by phrase; where that changes the length (rare), fall back to converting
    character by character and keep any character whose conversion is not a single character."""
    if not text or text.isascii():
        return text
    converter = _opencc_t2s()
    shadow = converter.convert(text)
    if len(shadow) == len(text):
        return shadow
    out = []
    for ch in text:
        conv = converter.convert(ch)
        out.append(conv if len(conv) == 1 else ch)
    return "".join(out)


@functools.lru_cache(maxsize=1)
def jieba_dictionary() -> str:
    """The path of jieba's own dictionary (dict.txt), found without importing jieba: its import pulls in
    pkg_resources, ~0.1 s of every run, and only the file is needed where jieba_fast_dat does the cutting."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:  # pragma: no cover - jieba is a dependency
        raise ImportError("jieba is not installed")
    return os.path.join(os.path.dirname(spec.origin), "dict.txt")


def builtin_words() -> list[str]:
    data = resources.files("themeflow").joinpath("resources/domain_words.txt").read_text(encoding="utf-8")
    return [line.split()[0] for line in data.splitlines() if line.strip() and not line.startswith("#")]


def read_dictionary(path: Path | None) -> list[tuple[str, int | None, str | None]]:
    """Entries of a jieba-format user dictionary (word [freq] [tag]); a missing file is empty."""
    if path is None or not Path(path).is_file():
        return []
    from themeflow.ingest.readers import decode_bytes

    text, _ = decode_bytes(Path(path).read_bytes()) if Path(path).stat().st_size else ("", "")
    entries: list[tuple[str, int | None, str | None]] = []
    for line in text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else (parts[1] if len(parts) > 1 and not parts[1].isdigit() else None)
        entries.append((parts[0], freq, tag))
    return entries


def engine_version(engine: str) -> str:
    from importlib.metadata import version

    base = f"jieba {version('jieba')}"
    return base + (f" + jieba_fast_dat {version('jieba-fast-dat')}" if engine == "jieba-fast" else "")


def vocabulary_digest(entries: Iterable[tuple[str, int | None, str | None]]) -> str:
    """A hash of the user vocabulary; segments depend on it, so it is part of every cache key."""
    digest = hashlib.sha256()
    for word, freq, tag in sorted(set(entries), key=lambda e: (e[0], e[1] or 0, e[2] or "")):
        digest.update(f"{word}\t{freq}\t{tag}\n".encode())
    return digest.hexdigest()[:16]


class Segmenter:
    """A jieba tokenizer with the user vocabulary loaded. Instances are independent of jieba's globals."""

    def __init__(self, engine: str = "jieba-fast", words: Iterable[tuple[str, int | None, str | None]] = ()) -> None:
        if engine not in ENGINES:
            from themeflow.errors import InputError

            raise InputError(f"segmentation engine {engine!r} is not one of {', '.join(ENGINES)}")
        self.engine = engine
        logging.getLogger("jieba").setLevel(logging.WARNING)
        if engine == "jieba-fast":
            import jieba_fast_dat

            logging.getLogger("jieba_fast_dat").setLevel(logging.WARNING)
            self._tokenizer = jieba_fast_dat.Tokenizer(jieba_dictionary())
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word, freq, tag in words:
            self._tokenizer.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        """Tokens of `text`, in order; they concatenate back to `text` exactly (spaces included)."""
        return list(self._tokenizer.cut(text, HMM=True))

    def cut_original(self, text: str, shadow: str | None = None) -> list[str]:
        """Tokens of `text` as written, cut where its Simplified shadow segments (better for Traditional).

        `shadow` is `simplified_shadow(text)` when the caller has it already (ingest converts a whole
        transcript once rather than sentence by sentence)."""
        if shadow is None:
            shadow = simplified_shadow(text)
        if shadow == text:
            return self.cut(text)
        out, pos = [], 0
        for token in self.cut(shadow):
            out.append(text[pos : pos + len(token)])
            pos += len(token)
        return out
