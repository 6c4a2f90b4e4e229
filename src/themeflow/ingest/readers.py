"""Turn a transcript file into text: .txt/.md in UTF-8 (with or without BOM), GB18030/GBK or Big5, and .docx.

Anything that is empty, binary or undecodable raises `SourceError`, which ingest reports by file name and
skips, so one bad file never stops a corpus.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from themeflow.ingest.speakers import COLONS

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
    warnings: tuple[str, ...] = ()


def read_source(path: Path, data: bytes | None = None) -> Decoded:
    data = Path(path).read_bytes() if data is None else data
    suffix = Path(path).suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return Decoded(read_docx(data), "docx", "docx")
    text, encoding, warnings = decode_with_warnings(data)
    return Decoded(text, encoding, "md" if suffix in {".md", ".markdown"} else "txt", tuple(warnings))


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    common = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "，。！？：；、“”「」（）…")
    return common / len(text)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode transcript bytes; return (text, encoding name as reported in the manifest)."""
    text, encoding, _ = decode_with_warnings(data)
    return text, encoding


UNDECODABLE = "cannot be decoded as UTF-8, GB18030/GBK or Big5 (save it as UTF-8)"


def decode_with_warnings(data: bytes) -> tuple[str, str, list[str]]:
    """Decode transcript bytes; return (text, encoding, warnings). A warning says where bytes that did not
    decode were replaced with U+FFFD (a file overwhelmingly valid in one encoding, with a few bad bytes)."""
    if not data.strip():
        raise SourceError("the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError as exc:
            raise SourceError(f"starts with a UTF-8 BOM but is not UTF-8 (byte {exc.start + 3})") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise SourceError("starts with a UTF-16 BOM but is not UTF-16") from exc
    if b"\x00" in data[:4096]:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise SourceError("looks like a binary file, not text (save it as .txt or .docx)")
        return utf16[0], utf16[1], []
    strict = _strict_decode(data)
    if strict is not None:
        return strict[0], strict[1], []
    lenient = _lenient_decode(data)
    if lenient is not None:
        return lenient
    guess = _charset_normalizer_guess(data)
    if guess is None:
        raise SourceError(UNDECODABLE)
    return guess[0], guess[1], []


def _strict_decode(data: bytes) -> tuple[str, str] | None:
    # Strict decodes of every candidate, scored by how much they read like Chinese. UTF-8 wins outright
    # on a long file; a short one (a few words) can be valid UTF-8 *and* valid GBK or Big5 (GBK 谢谢 is
    # UTF-8 "лл"), so there the best-reading decode wins, UTF-8 on ties. GB18030 beats Big5 on ties.
    candidates: list[tuple[float, int, str, str]] = []
    for rank, encoding in enumerate(("utf-8", "gb18030", "big5")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and len(data) >= _SURE_UTF8_BYTES:
            return text, "utf-8"
        candidates.append((_plausibility(text), rank, encoding, text))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-(c[0] + (_UTF8_MARGIN if c[2] == "utf-8" else 0.0)), c[1]))
    _, _, encoding, text = candidates[0]
    if encoding != "utf-8" and _cjk_share(text) < 0.2:
        raise SourceError(UNDECODABLE)
    return text, encoding


# A file is decoded with replacement characters only when it is overwhelmingly valid in one encoding: at most
# this many bad bytes, and at most one in MAX_BAD_SHARE of its bytes (0.5 %).
MAX_BAD_BYTES = 8
MAX_BAD_SHARE = 200


def _decode_replacing(data: bytes, encoding: str, limit: int) -> tuple[str, list[int]] | None:
    """`data` decoded with U+FFFD for each undecodable sequence, and the byte offsets replaced; None when
    more than `limit` sequences are bad."""
    parts: list[str] = []
    bad: list[int] = []
    pos = 0
    while True:
        try:
            parts.append(data[pos:].decode(encoding))
            return "".join(parts), bad
        except UnicodeDecodeError as exc:
            if len(bad) >= limit:
                return None
            parts.append(data[pos : pos + exc.start].decode(encoding))
            parts.append("\ufffd")
            bad.append(pos + exc.start)
            pos += exc.end


def _lenient_decode(data: bytes) -> tuple[str, str, list[str]] | None:
    """The encoding in which the file has fewest bad bytes (within the limits) and reads as Chinese."""
    limit = min(MAX_BAD_BYTES, len(data) // MAX_BAD_SHARE)
    best: tuple[int, float, int, str, str, list[int]] | None = None
    for rank, encoding in enumerate(("utf-8", "gb18030", "big5")):
        decoded = _decode_replacing(data, encoding, limit)
        if decoded is None:
            continue
        text, bad = decoded
        score = _plausibility(text.replace("\ufffd", ""))
        if score < 0.6:
            continue
        candidate = (len(bad), -score, rank, encoding, text, bad)
        if best is None or candidate[:3] < best[:3]:
            best = candidate
    if best is None:
        return None
    _, _, _, encoding, text, bad = best
    return text, encoding, [_replaced_warning(data, encoding, bad)]


def _replaced_warning(data: bytes, encoding: str, bad: list[int]) -> str:
    lines = sorted({data.count(b"\n", 0, offset) + 1 for offset in bad})
    places = f"{len(bad)} place{'s' if len(bad) > 1 else ''}"
    where = f"line{'s' if len(lines) > 1 else ''} {', '.join(str(n) for n in lines)}"
    return (
        f"read as {_ENCODING_NAMES.get(encoding, encoding)}, but bytes that are not valid in it were replaced with "
        f"\ufffd in {places} ({where}): check those lines against the original"
    )


_ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030/GBK", "big5": "Big5"}


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a BOM (NUL bytes beside every ASCII character): the byte order whose decoding has
    no control characters and reads as Chinese (or as plain text) wins."""
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_CHARS.search(text):
            continue
        score = _plausibility(text)
        if score >= 0.7 and (best is None or score > best[0]):
            best = (score, encoding, text)
    return (best[2], best[1]) if best else None


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Valid UTF-8 this long is UTF-8: a GBK or Big5 file of 256 bytes practically never decodes as UTF-8.
_SURE_UTF8_BYTES = 256
_UTF8_MARGIN = 0.25
_CJK_PUNCT = set("，。！？：；、“”‘’「」『』（）《》〈〉【】…—～·")


# The most frequent characters of spoken Chinese, Simplified and Traditional: short files (a line or two)
# decode validly in more than one codec, and the right decode is the one rich in these.
_FREQUENT = frozenset(
    "的一是不了人我在有他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日者意无力它与长把机十第公此已工使情明性知全三又关点正外将两高间由问很最重并物手应向头文体"
    "相见被利什二等产或新己制身果加月话合回特代内信表化老给位次度门任常先通教儿原东声提立及比员"
    "们個來這時說會為對學還過麼點覺得話醫院別問題開後給關係樣讓實東裡裏嗯啊吧呢嘛哦呀哈唉谢謝吗嗎"
    "觉别题开关系让实医药藥吃睡朋友病们聊聊"
)


@functools.lru_cache(maxsize=1)
def _common_hanzi() -> frozenset[str]:
    """The most frequent characters, Simplified and Traditional, without shipping a frequency list:
    GB2312 level 1 (3,755 characters, rows 0xB0-0xD7) and Big5's frequently used block (0xA440-0xC67E).
    Text decoded with the wrong codec is rich in rare characters, kana, Cyrillic or private-use ones.
    Both blocks are decoded whole (byte pairs in code order), not looked up character by character."""
    gb2312 = bytes(byte for high in range(0xB0, 0xD8) for low in range(0xA1, 0xFF) for byte in (high, low))
    big5_lows = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    big5 = bytes(
        byte
        for high in range(0xA4, 0xC7)
        for low in big5_lows
        if 0xA440 <= (high << 8 | low) <= 0xC67E
        for byte in (high, low)
    )
    decoded = gb2312.decode("gb2312", errors="replace") + big5.decode("big5", errors="replace")
    return frozenset(ch for ch in decoded if "\u4e00" <= ch <= "\u9fff")


def _plausibility(text: str, limit: int = 4000) -> float:
    """Mean score of the non-ASCII characters: 1 a very frequent hanzi of speech or Chinese punctuation,
    0.8 another common hanzi, 0.6 a Latin letter with a diacritic, 0.3 another hanzi, 0 anything else
    (kana, Cyrillic, private use: what a wrong codec produces). ASCII-only text scores 1."""
    common = _common_hanzi()
    total = count = 0.0
    for ch in text[:limit]:
        if ch.isascii() or ch.isspace():
            continue
        count += 1
        if ch in _FREQUENT or ch in _CJK_PUNCT or "\uff01" <= ch <= "\uff5e":
            total += 1.0
        elif ch in common:
            total += 0.8
        elif "\u00c0" <= ch <= "\u024f":
            total += 0.6
        elif "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            total += 0.3
    return total / count if count else 1.0


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
    """Paragraphs of a Word document, one per line (soft line breaks too), and its tables row by row.

    A table row whose first cell is a speaker (`访谈者 | 你好…` or `访谈者 | 00:03:12 | 你好…`) becomes a
    labelled line (`访谈者：你好…`, `访谈者 00:03:12 你好…`), as a transcript written as a table means it."""
    import io

    from themeflow.fsio import zip_bomb_reason, zip_sizes_lie

    if not data.startswith(b"PK"):
        raise SourceError(_not_a_zip(data))
    bomb = zip_bomb_reason(data)
    if bomb:
        raise SourceError(f"is refused as a possible zip bomb ({bomb})")
    lie = zip_sizes_lie(data)
    if lie:
        raise SourceError(f"is refused: {lie}")
    try:
        from docx import Document

        document = Document(io.BytesIO(data))
        body = document.element.body
    except Exception as exc:  # noqa: BLE001 - python-docx raises assorted errors on broken parts
        raise SourceError(NOT_A_DOCX) from exc
    lines: list[str] = []
    _docx_block(body, lines)
    text = "\n".join(lines)
    if not text.strip():
        raise SourceError("the document has no text")
    return text


NOT_A_DOCX = "is not a readable .docx (damaged, or not a Word document)"


def _not_a_zip(data: bytes) -> str:
    """What a .docx that is no zip at all really is, in words that say what to do."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "is a Word 97-2003 .doc file named .docx: open it in Word and save it as .docx"
    try:
        decode_bytes(data)
    except SourceError:
        return NOT_A_DOCX
    return "this is a text file, not a Word document: rename it to .txt"


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _docx_paragraph(paragraph: object) -> str:
    """The text of a w:p: runs' text, tabs as tabs, line and carriage breaks as newlines."""
    parts: list[str] = []
    for node in paragraph.iter():  # type: ignore[attr-defined]
        name = _local(node.tag)
        if name == "t":
            parts.append(node.text or "")
        elif name == "tab" and _local(node.getparent().tag) == "r":
            parts.append("\t")
        elif name in {"br", "cr"}:
            parts.append("\n")
    return "".join(parts)


def _docx_block(container: object, lines: list[str]) -> None:
    for child in container.iterchildren():  # type: ignore[attr-defined]
        name = _local(child.tag)
        if name == "p":
            lines.append(_docx_paragraph(child))
        elif name == "tbl":
            for row in child.iterchildren():
                if _local(row.tag) == "tr":
                    lines.append(_docx_row(row))
        elif name in {"sdt", "sdtContent", "customXml"}:
            _docx_block(child, lines)


_TIMESTAMP_CELL = re.compile(r"^[\[【(（]?\d{1,2}:\d{2}(?::\d{2})?[\]】)）]?$")
_NUMBER_CELL = re.compile(r"^[（(]?\d{1,4}[）)]?[.、．]?$")
_SENTENCE_MARK = re.compile(r"[。！？!?，,；;…]")


def _docx_row(row: object) -> str:
    cells: list[str] = []
    for cell in row.iterchildren():  # type: ignore[attr-defined]
        if _local(cell.tag) == "tc":
            inner: list[str] = []
            _docx_block(cell, inner)
            cells.append(" ".join(x.strip() for x in inner if x.strip()))
    cells = [c for c in cells if c]
    if len(cells) >= 3 and _NUMBER_CELL.match(cells[0]):
        cells = cells[1:]  # a numbering column (`1 | 访谈者： | 您好…`)
    if len(cells) >= 2 and len(cells[0]) <= 12 and not _SENTENCE_MARK.search(cells[0]):
        label, rest = cells[0], cells[1:]
        if _TIMESTAMP_CELL.match(rest[0]):
            return " ".join([label] + rest)
        if label.endswith(tuple(COLONS)):
            return label + " ".join(rest)
        return f"{label}：{' '.join(rest)}"
    return "\t".join(cells)
