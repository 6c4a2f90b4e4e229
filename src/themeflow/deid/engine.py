"""De-identification inside ingest: detect, replace with stable pseudonyms, keep the key private.

Interface used by ingest (`themeflow.ingest.stage`): `prepare(...)`, `Deidentifier.enabled`,
`.settings_digest()` (part of ingest's cache key), `.apply(transcript_id, text)`, `.save(transcript_ids)`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from themeflow import fsio
from themeflow.deid import key as key_mod
from themeflow.deid import redactions as redactions_mod
from themeflow.deid.detect import Detector, detection_shadow
from themeflow.deid.institutions import looks_like_institution
from themeflow.deid.settings import Settings, read_settings
from themeflow.deid.terms import Term, TermMatcher

# Bump when detection changes what it finds: cached transcripts are then de-identified again.
DETECTOR_VERSION = "9"  # bump whenever detection rules change: re-ingest follows
PRIVATE_IGNORE = ".themeflow/"


class Deidentifier:
    def __init__(self, root: Path, private_dir: Path, ingest_dir: Path, settings: Settings, enabled: bool) -> None:
        self.root = root
        self.enabled = enabled
        self.settings = settings
        self.key_path = key_mod.key_path(private_dir)
        self.ingest_dir = ingest_dir
        self.key = key_mod.read(self.key_path) if enabled else key_mod.Key()
        self._applied: dict[str, list[dict[str, str]]] = {}
        self._detector: Detector | None = None

    def settings_digest(self) -> str:
        if not self.enabled:
            return "off"
        data = json.dumps([DETECTOR_VERSION, self.settings.digest_data()], ensure_ascii=False, sort_keys=True)
        return "deid-" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]

    def detector(self) -> Detector:
        if self._detector is None:
            terms = [Term(detection_shadow(t), "term", detection_shadow(t), label) for t, label in self.settings.terms]
            terms += [Term(detection_shadow(n), name_kind(n), detection_shadow(n)) for n in self.settings.names]
            terms += [Term(detection_shadow(n), "participant", pid) for pid, n, _ in self.settings.participants]
            # People call participants by their given name (丽娟姐, 建华): replaced too, unless it is also an
            # everyday word (国庆, 海涛) that would be replaced all over the corpus.
            terms += [
                Term(detection_shadow(given), "participant", pid)
                for pid, n, _ in self.settings.participants
                if (given := given_name(n))
            ]
            # Names already in the key are names everywhere (a person or hospital found in one interview).
            terms += [Term(shadow, kind, shadow) for shadow, kind in self._key_names()]
            self._detector = Detector(TermMatcher(terms), self.settings.keep)
        return self._detector

    def names_everywhere(self) -> set[str]:
        """The people and institutions in the key that every transcript must have replaced (the detector's
        key terms), in the form detection matches (its shadow)."""
        return {shadow for shadow, _ in self._key_names()}

    def _key_names(self) -> list[tuple[str, str]]:
        """(shadow, kind) of the key's people and institutions long enough to search for everywhere."""
        return [
            (detection_shadow(r["original"]), r["kind"])
            for r in self.key.rows
            if r["kind"] in {"person", "institution"} and len(r["original"]) >= 2
        ]

    def forget_detector(self) -> None:
        """Rebuild the detector on next use (the key gained names since it was built)."""
        self._detector = None

    def prepare_for_workers(self) -> None:
        """Build everything detection loads on first use (the detector, jieba's tokenizer and its tagged
        dictionary), so forked workers inherit it instead of each building it again."""
        if self.enabled:
            from themeflow.deid import names

            self.detector()
            names.tokenizer()
            names.word_tags()

    def detect(self, text: str) -> list[Any]:
        """The spans `apply` would replace (pure: safe to run in worker processes)."""
        return self.detector().detect(text) if self.enabled else []

    def apply(self, transcript_id: str, text: str, spans: list[Any] | None = None) -> tuple[str, list[dict[str, Any]]]:
        """Replace personal information in `text` (spans from `detect`, found here when not given). Call in
        a fixed order (ingest: sorted transcripts): pseudonym numbers are given out in that order."""
        if not self.enabled:
            return text, []
        if spans is None:
            spans = self.detector().detect(text)
        pseudonyms = {pid: pseudonym for pid, _, pseudonym in self.settings.participants}
        out: list[str] = []
        rows: list[dict[str, Any]] = []
        pos = length = 0
        for span in spans:
            original = text[span.start : span.end]
            if span.kind == "participant":
                pseudonym = self.key.fixed(pseudonyms[span.identity], "participant", original)
            else:
                pseudonym = self.key.pseudonym(span.kind, span.identity, original, span.label)
            out.append(text[pos : span.start])
            length += span.start - pos
            rows.append(
                {
                    "transcript_id": transcript_id,
                    "start": length,
                    "end": length + len(pseudonym),
                    "kind": span.kind,
                    "pseudonym": pseudonym,
                }
            )
            out.append(pseudonym)
            length += len(pseudonym)
            pos = span.end
        out.append(text[pos:])
        self._applied[transcript_id] = [{k: str(v) for k, v in r.items()} for r in rows]
        return "".join(out), rows

    def save(self, transcript_ids: list[str]) -> None:
        path = self.ingest_dir / redactions_mod.REDACTIONS_NAME
        if not self.enabled:
            if path.exists():
                path.unlink()  # stale positions of an earlier de-identified run would mislead
            return
        wanted = set(transcript_ids)
        rows = [
            values
            for values in redactions_mod.read_values(self.ingest_dir)
            if values[0] in wanted and values[0] not in self._applied
        ]
        columns = redactions_mod.COLUMNS
        rows += [
            [str(r[c]) for c in columns] for tid, applied in self._applied.items() if tid in wanted for r in applied
        ]
        if self.key.rows or self.key_path.exists():
            key_mod.write(self.key_path, self.key)
            ensure_gitignore(self.root)
        fsio.write_if_changed(path, redactions_mod.values_csv_bytes(rows))


def name_kind(name: str) -> str:
    """`deid.names` lists people and, often, hospitals and centres: 仁济医院 is an institution ([机构N])."""
    return "institution" if looks_like_institution(name) else "person"


def ensure_gitignore(root: Path) -> None:
    """The workspace .gitignore must list the private folder (the key must never be committed)."""
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    if any(line.strip().rstrip("/") in {".themeflow", "/.themeflow"} for line in text.splitlines()):
        return
    prefix = text if not text or text.endswith("\n") else text + "\n"
    fsio.write_text(path, prefix + "# The re-identification key never leaves this machine.\n" + PRIVATE_IGNORE + "\n")


def given_name(full_name: str) -> str:
    """A participant's given name when it is safe to replace on its own: two or more characters after the
    surname, and not an ordinary word of jieba's dictionary (国庆 is a holiday, 海涛 waves; 建华 is a name)."""
    from themeflow.deid.names import word_tags
    from themeflow.deid.surnames import COMPOUND_SURNAMES, SURNAMES

    name = full_name.strip()
    surname = 2 if name[:2] in COMPOUND_SURNAMES else (1 if name[:1] in SURNAMES else 0)
    given = name[surname:] if surname else ""
    entry = word_tags().get(given)
    if len(given) < 2 or len(name) > 4 or (entry is not None and not entry[1].startswith("nr")):
        return ""
    return given


def prepare(workspace: Any, participants: Any, enabled: bool = True) -> Deidentifier:
    settings = read_settings(workspace, participants)
    return Deidentifier(workspace.root, workspace.private_dir, workspace.ingest_dir, settings, enabled)
