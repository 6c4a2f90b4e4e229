"""Reading .qdpx archives defensively and writing them deterministically.

A .qdpx is a ZIP with `project.qde` and the source files. Archives come from other people's machines, so
reading refuses members that would escape a folder (zip-slip), absurd sizes or member counts (zip bombs)
and damaged archives before anything is decompressed into memory.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from themeflow import fsio
from themeflow.errors import InputError

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # tiny members may compress extremely well without being a threat
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
PROJECT_MEMBER = "project.qde"


def unsafe_member(name: str) -> bool:
    """True for member names that are absolute or climb out of the extraction folder."""
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(part == ".." for part in parts)


@dataclass
class Archive:
    """The members of a checked archive, read on demand (case-insensitive lookup)."""

    path: Path
    zip: zipfile.ZipFile
    names: dict[str, str]  # lower-case name -> name as stored

    def find(self, name: str) -> str | None:
        return self.names.get(name.replace("\\", "/").lstrip("/").lower())

    def read(self, name: str) -> bytes:
        stored = self.find(name)
        if stored is None:
            raise InputError(f"the archive has no member {name}", file=self.path.name)
        try:
            return b"".join(fsio.member_chunks(self.zip, stored))  # bounded: a member may understate its size
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise InputError(f"member {stored} is damaged ({exc})", file=self.path.name) from exc


def open_archive(path: Path) -> Archive:
    """Open and check an archive; every refusal names the file and says why."""
    path = Path(path)
    try:
        handle = zipfile.ZipFile(path)
        infos = handle.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError("not a readable .qdpx archive (the ZIP is damaged or not a ZIP)", file=path.name) from exc
    if len(infos) > MAX_MEMBERS:
        raise InputError(
            f"the archive has {len(infos)} members (more than {MAX_MEMBERS}); refusing a possible zip bomb",
            file=path.name,
        )
    total = 0
    names: dict[str, str] = {}
    for info in infos:
        if unsafe_member(info.filename):
            raise InputError(
                f"member {info.filename!r} has a path that escapes the archive; refusing it", file=path.name
            )
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"member {info.filename} expands {info.file_size // max(info.compress_size, 1)}-fold; "
                "refusing a possible zip bomb",
                file=path.name,
            )
        if not info.is_dir():
            names[info.filename.lower()] = info.filename
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            f"the archive would expand to {total >> 20} MB (limit {MAX_TOTAL_BYTES >> 20} MB); "
            "refusing a possible zip bomb",
            file=path.name,
        )
    return Archive(path, handle, names)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A ZIP of `members` in sorted order with fixed times, so equal inputs give equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(members, key=lambda n: (n != PROJECT_MEMBER, n)):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, members[name])
    return out.getvalue()
