"""The re-identification key: pseudonym → original, kept in `.themeflow/reidentification-key.csv`
(mode 0600, outside analysis/). Numbering is stable: existing pseudonyms are reused and new ones are
numbered after the highest of their label, in the order they are first met."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from themeflow import fsio
from themeflow.deid.spans import LABELS, identity_of
from themeflow.errors import InputError

KEY_NAME = "reidentification-key.csv"
KEY_COLUMNS = ["pseudonym", "kind", "original"]
_NUMBERED = re.compile(r"^\[(.+?)(\d+)\]$")
_IN_TEXT = re.compile(r"\[([^\[\]\d\s]{1,8}?)(\d+)\]")


@dataclass
class Key:
    rows: list[dict[str, str]] = field(default_factory=list)
    _index: dict[tuple[str, str], str] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)
    changed: bool = False

    def add_row(self, pseudonym: str, kind: str, original: str) -> None:
        self.rows.append({"pseudonym": pseudonym, "kind": kind, "original": original})
        identity = original if kind == "participant" else identity_of(kind, original)
        self._index.setdefault((kind, identity), pseudonym)
        numbered = _NUMBERED.match(pseudonym)
        if numbered:
            label, number = numbered.group(1), int(numbered.group(2))
            self._counters[label] = max(self._counters.get(label, 0), number)

    def pseudonym(self, kind: str, identity: str, original: str, label: str = "") -> str:
        """The pseudonym of a mention; a new one (and a key row) when it was never seen."""
        found = self._index.get((kind, identity))
        if found is None:
            label = label or LABELS.get(kind, "其他")
            number = self._counters.get(label, 0) + 1
            found = f"[{label}{number}]"
            self.rows.append({"pseudonym": found, "kind": kind, "original": original})
            self._index[(kind, identity)] = found
            self._counters[label] = number
            self.changed = True
        elif kind != "participant" and not any(
            r["original"] == original and r["pseudonym"] == found for r in self.rows
        ):
            # Another written form of a known mention (Traditional / Simplified, spacing): one more key row.
            self.rows.append({"pseudonym": found, "kind": kind, "original": original})
            self.changed = True
        return found

    def reserve(self, texts: Iterable[str]) -> None:
        """Numbers pseudonyms already standing in `texts` (transcripts de-identified elsewhere, imported with
        `[机构1]` in them) are never given out again for something else."""
        for text in texts:
            for match in _IN_TEXT.finditer(text):
                label, number = match.group(1), int(match.group(2))
                self._counters[label] = max(self._counters.get(label, 0), number)

    def typed_clashes(self, text: str) -> list[str]:
        """Pseudonyms standing in a transcript's source text that the key already gives to a name (typed by
        hand elsewhere: `[人名5]` there is not the `[人名5]` of the key)."""
        given = {r["pseudonym"] for r in self.rows}
        return sorted({m.group() for m in _IN_TEXT.finditer(text) if m.group() in given})

    def fixed(self, pseudonym: str, kind: str, original: str) -> str:
        """A participant's own name → the pseudonym the participants file gives."""
        if not any(r["original"] == original and r["pseudonym"] == pseudonym for r in self.rows):
            self.rows.append({"pseudonym": pseudonym, "kind": kind, "original": original})
            self.changed = True
        return pseudonym

    def originals(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for row in self.rows:
            out.setdefault(row["pseudonym"], []).append(row["original"])
        return out

    def csv_bytes(self) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=KEY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(self.rows, key=_row_order))
        return out.getvalue().encode("utf-8")


def _row_order(row: Mapping[str, str]) -> tuple[str, str, int, str]:
    numbered = _NUMBERED.match(row["pseudonym"])
    label, number = (numbered.group(1), int(numbered.group(2))) if numbered else (row["pseudonym"], 0)
    return (row["kind"], label, number, row["original"])


def key_path(private_dir: Path) -> Path:
    return private_dir / KEY_NAME


def read(path: Path) -> Key:
    key = Key()
    if not path.exists():
        return key
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not set(KEY_COLUMNS) <= set(reader.fieldnames):
                raise InputError(f"expected columns {', '.join(KEY_COLUMNS)}", file=path, row=1)
            for number, row in enumerate(reader, start=2):
                if not row.get("pseudonym") or not row.get("kind") or row.get("original") is None:
                    raise InputError("a key row needs pseudonym, kind and original", file=path, row=number)
                key.add_row(row["pseudonym"], row["kind"], row["original"])
    except UnicodeDecodeError as exc:
        raise InputError("the re-identification key is not UTF-8 text", file=path) from exc
    return key


def write(path: Path, key: Key) -> None:
    """Mode 0600 from the first byte; the workspace .gitignore is made to list the private folder."""
    data = key.csv_bytes()
    if not (path.exists() and path.read_bytes() == data):
        fsio.write_bytes(path, data, mode=0o600)
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
