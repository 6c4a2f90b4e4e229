"""Normalised transcript text: the offset base of everything downstream.

Only layout is normalised (line endings, BOM, trailing spaces, runs of blank lines, control characters);
words and punctuation stay as people wrote them, so quotes read exactly like the source.
"""

from __future__ import annotations

import re
import unicodedata

# Control characters, zero-width spaces and bidirectional formatting (U+202A–202E, U+2066–2069 would show
# quotes reversed in sheets and reports): none is part of what anyone said.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_TRAILING = re.compile(r"[ \t\u3000\xa0]+$", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL.sub("", text)
    text = _TRAILING.sub("", text)
    text = _BLANKS.sub("\n\n", text)
    return text.strip("\n") + "\n"
