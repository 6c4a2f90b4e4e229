"""What a detector finds: a span of text, its kind, and the identity that picks its pseudonym."""

from __future__ import annotations

from dataclasses import dataclass

# kind -> the label its pseudonyms carry ([人名3], [电话1], ...). `participant` uses the participants file.
LABELS: dict[str, str] = {
    "person": "人名",
    "phone": "电话",
    "id_card": "身份证号",
    "wechat": "微信号",
    "qq": "QQ号",
    "email": "邮箱",
    "bank_card": "银行卡号",
    "address": "地址",
    "term": "机构",
    "institution": "机构",
    "participant": "受访者",
}

# When two detections overlap, the lower number wins (then the longer span).
PRIORITY: dict[str, int] = {
    "participant": 0,
    "email": 1,
    "id_card": 2,
    "bank_card": 3,
    "wechat": 4,
    "qq": 5,
    "phone": 6,
    "address": 7,
    "term": 8,
    "institution": 9,
    "person": 10,
}


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: str
    identity: str  # what the key is looked up by: the simplified original (or a term's configured label)
    label: str = ""  # overrides LABELS[kind] (configured terms may name their own label, e.g. 地名)


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep a set of non-overlapping spans: by priority of kind, then longer first, then earlier."""
    ranked = sorted(spans, key=lambda s: (PRIORITY.get(s.kind, 99), -(s.end - s.start), s.start))
    taken: list[Span] = []
    occupied: set[int] = set()
    for span in ranked:
        positions = range(span.start, span.end)
        if span.end > span.start and not any(p in occupied for p in positions):
            taken.append(span)
            occupied.update(positions)
    return sorted(taken)


def identity_of(kind: str, original: str) -> str:
    """What makes two mentions the same thing: digits for numbers, lower case for e-mail, the Simplified
    form for names, places and terms (张醫生 and 张医生 are one person)."""
    if kind in {"phone", "bank_card"}:
        digits = "".join(ch for ch in original if ch.isdigit())
        if kind == "phone" and len(digits) > 11 and digits.startswith(("86", "0086")) and digits[-11] == "1":
            return digits[-11:]
        return digits
    if kind == "id_card":
        return original.upper()
    if kind == "email":
        return original.lower()
    if kind in {"wechat", "qq"}:
        return original
    from themeflow.ingest.segmenter import simplified_shadow

    return simplified_shadow(original)
