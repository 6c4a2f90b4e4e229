"""Turn a transcript file into text: .txt/.md in UTF-8 (with or without BOM), GB18030/GBK or Big5, and .docx.

Anything that is empty, binary or undecodable raises `SourceError`, which ingest reports by file name and
skips, so one bad file never stops a corpus.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | DOCX_SUFFIXES


class SourceError(Exception):
    """A transcript that cannot be read; the message says why, for a researcher."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    format: str


def read_source(path: Path, data: bytes | None = None) -> Decoded:
    data = Path(path).read_bytes() if data is None else data
    suffix = Path(path).suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return Decoded(read_docx(data), "docx", "docx")
    text, encoding = decode_bytes(data)
    return Decoded(text, encoding, "md" if suffix in {".md", ".markdown"} else "txt")


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    common = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "，。！？：；、“”「」（）…")
    return common / len(text)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode transcript bytes; return (text, encoding name as reported in the manifest)."""
    if not data.strip():
        raise SourceError("the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise SourceError(f"starts with a UTF-8 BOM but is not UTF-8 (byte {exc.start + 3})") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SourceError("starts with a UTF-16 BOM but is not UTF-16") from exc
    if b"\x00" in data[:4096]:
        raise SourceError("looks like a binary file, not text (save it as .txt or .docx)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 decodes almost any byte string, and so, less often, does Big5: decode with every candidate
    # that succeeds strictly and keep the one that reads most like Chinese (charset-normalizer's guess breaks ties).
    candidates: list[tuple[float, str, str]] = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_cjk_share(text) + _frequent_share(text), encoding, text))
    if not candidates:
        guess = _charset_normalizer_guess(data)
        if guess is None:
            raise SourceError("cannot be decoded as UTF-8, GB18030/GBK or Big5 (save it as UTF-8)")
        return guess
    candidates.sort(key=lambda c: (-c[0], c[1]))
    _, encoding, text = candidates[0]
    if _cjk_share(text) < 0.2:
        raise SourceError("cannot be decoded as UTF-8, GB18030/GBK or Big5 (save it as UTF-8)")
    return text, encoding


# The most frequent characters of spoken Chinese, Simplified and Traditional. Text decoded with the wrong
# codec is rich in rare characters; the right one is rich in these.
_FREQUENT = set(
    "的一是不了人我在有他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政"
    "美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "們個來這時說會為對學還過麼們點覺得說話醫院別問題開後給關係樣讓們實東們這裡們裏們們嗯啊吧呢嘛就是那個"
)


def _frequent_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if ch in _FREQUENT) / len(text)


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    if _cjk_share(text) < 0.2:
        return None
    return text, best.encoding


def read_docx(data: bytes) -> str:
    """Paragraphs of a Word document (and the cells of its tables), one per line."""
    import io

    try:
        from docx import Document
        from docx.opc.exceptions import PackageNotFoundError

        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise SourceError("is not a readable .docx (damaged, or not a Word document)") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises assorted errors on broken parts
        raise SourceError(f"is not a readable .docx ({exc.__class__.__name__})") from exc
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row:
                        if cell.tag.endswith("}tc"):
                            cells.append("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t")))
                    lines.append("\t".join(cells))
    text = "\n".join(lines)
    if not text.strip():
        raise SourceError("the document has no text")
    return text
