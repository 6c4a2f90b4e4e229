"""What de-identification replaced, for a person to check locally: each replacement with its original (from
the private key) and a little of the de-identified text around it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from themeflow.deid import key as key_mod
from themeflow.deid import redactions as redactions_mod
from themeflow.deid.spans import LABELS
from themeflow.errors import UsageError

KINDS = tuple(LABELS)  # every kind a replacement can have (person, phone, ..., institution, participant)


@dataclass(frozen=True)
class ReviewItem:
    transcript_id: str
    start: int
    end: int
    kind: str
    pseudonym: str
    originals: str  # every written form the key holds for this pseudonym, joined by " / "
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _line_context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    right = len(text) if right < 0 else right
    return text[max(left, start - width) : start], text[end : min(right, end + width)]


def review_items(ws: Any, width: int = 12, kind: str | None = None) -> list[ReviewItem]:
    """Every replacement, in transcript order. Raises UsageError for an unknown `kind` and when nothing was
    de-identified yet."""
    if kind and kind not in KINDS:
        raise UsageError(f'unknown kind "{kind}"', hint=f"--kind is one of: {', '.join(KINDS)}")
    rows = redactions_mod.read(ws.ingest_dir)
    if not rows and not (ws.ingest_dir / redactions_mod.REDACTIONS_NAME).exists():
        raise UsageError(
            "no de-identification to review yet",
            file=ws.ingest_dir / redactions_mod.REDACTIONS_NAME,
            hint="run `themeflow ingest` first (with de-identification on)",
        )
    originals = key_mod.read(key_mod.key_path(ws.private_dir)).originals()
    texts: dict[str, str] = {}
    items = []
    for row in rows:
        if kind and row["kind"] != kind:
            continue
        tid = row["transcript_id"]
        if tid not in texts:
            path = ws.ingest_dir / "transcripts" / f"{tid}.txt"
            texts[tid] = path.read_text(encoding="utf-8") if path.exists() else ""
        start, end = int(row["start"]), int(row["end"])
        before, after = _line_context(texts[tid], start, end, width)
        items.append(
            ReviewItem(
                tid,
                start,
                end,
                row["kind"],
                row["pseudonym"],
                " / ".join(sorted(set(originals.get(row["pseudonym"], ["?"])))),
                before,
                after,
            )
        )
    return items
