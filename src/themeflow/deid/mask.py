"""Show enough of a finding to recognise it, never the whole value: 138****5678, 张*, z***@163.com."""

from __future__ import annotations


def mask(kind: str, value: str) -> str:
    value = value.strip()
    if not value:
        return value
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = sum(ch.isdigit() for ch in value)
    if digits >= 7:
        compact = "".join(ch for ch in value if ch.isalnum())
        return f"{compact[:3]}{'*' * max(4, len(compact) - 7)}{compact[-4:]}"
    if len(value) <= 1:
        return "*"
    if all("\u4e00" <= ch <= "\u9fff" for ch in value) and len(value) <= 4:
        return value[0] + "*" * (len(value) - 1)
    keep = max(1, len(value) // 4)
    return value[:keep] + "*" * (len(value) - keep)
