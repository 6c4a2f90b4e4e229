"""Atomic file writes and content hashes: the only way themeflow puts bytes on disk.

Every artefact is written to a temporary file in the same folder, flushed to disk and renamed over the
target, so a crash or a kill leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` atomically.

    `mode` (e.g. 0o600) is applied at creation, so the file is never readable by others, even briefly.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is not None and not mode & 0o077:
        # A private file lives in private folders (.themeflow/ and every folder in it), whatever the umask.
        parents = list(target.parents)
        names = [folder.name for folder in parents]
        if ".themeflow" in names:
            for folder in parents[: names.index(".themeflow") + 1]:
                os.chmod(folder, 0o700)
    if mode is None:
        # A file people made read-only (or shared with their group) keeps its permissions when rewritten.
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        keep_mode = False
    else:
        keep_mode = True
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, mode | stat.S_IWUSR)  # writable while it is being written
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        if keep_mode:
            os.chmod(target, mode)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: Path, data: bytes, mode: int | None = None) -> None:
    with atomic_path(target, mode) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str, mode: int | None = None) -> None:
    """Write UTF-8 text with LF line endings, atomically."""
    write_bytes(target, text.encode("utf-8"), mode)


def write_if_changed(target: Path, data: bytes, mode: int | None = None) -> bool:
    """Write only when the bytes differ (keeps mtimes, and git, quiet). Returns True when written."""
    target = Path(target)
    try:
        same_size = target.stat().st_size == len(data)
    except OSError:
        same_size = False
    if same_size and target.read_bytes() == data:
        return False
    write_bytes(target, data, mode)
    return True


def write_private_cache(target: Path, data: bytes, only_if_changed: bool = False) -> bool:
    """Write a private file that only speeds runs up or keeps a spare copy (mode 0600, atomically); False when
    it cannot be written (a read-only or damaged cache folder): such a file never fails a run."""
    try:
        if only_if_changed:
            write_if_changed(target, data, mode=0o600)
        else:
            write_bytes(target, data, mode=0o600)
    except OSError:
        return False
    return True


def forget_private_cache(*paths: Path) -> None:
    """Delete private cache files, as far as the file system lets us (see `write_private_cache`)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def remove_stale_temps(directory: Path, pattern: str = ".*.tmp") -> list[Path]:
    """Delete temporary files a killed run left behind (`.<name>.<random>.tmp`; `pattern` narrows them down,
    e.g. to one file's)."""
    directory = Path(directory)
    removed = []
    if directory.is_dir():
        for leftover in directory.glob(pattern):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


MAX_UNZIPPED = 300 * 1024 * 1024  # no transcript or coder sheet comes anywhere near this
MAX_RATIO = 200  # deflate rarely does better than 10–20× on real documents


def member_chunks(package: Any, member: Any, size: int = 1 << 20) -> Iterator[bytes]:
    """A zip member's bytes in chunks of `size`: zipfile inflates a whole read at once (up to 2 GB), so a
    part that understates its size would take that much memory; chunks keep it to `size`."""
    with package.open(member) as part:
        while chunk := part.read(size):
            yield chunk


def zip_sizes_lie(data: bytes) -> str | None:
    """Why a zip's parts are not what its directory says (a part that inflates beyond its declared size, a
    damaged part), found by inflating each part in bounded chunks; None when they are. Readers that inflate a
    part whole (python-docx) would otherwise take gigabytes on a part that understates its size."""
    import io
    import zipfile
    import zlib

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip at all: the reader reports that in its own words
    with package:
        for member in package.infolist():
            try:
                for _ in member_chunks(package, member):
                    pass
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
                return f"a part is damaged or larger than it says ({exc.__class__.__name__})"
    return None


def zip_bomb_reason(source: Path | bytes) -> str | None:
    """Why a .docx/.xlsx (a zip) looks like a zip bomb, from its directory alone (nothing is unpacked); None
    when it looks like a document."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip at all: the reader reports that in its own words
    total = sum(m.file_size for m in members)
    if len(members) > 10_000 or total > MAX_UNZIPPED:
        return f"unpacks to {total // (1024 * 1024)} MB in {len(members)} parts"
    for member in members:
        if member.file_size > 10 * 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return f"a part expands {member.file_size // max(member.compress_size, 1)}-fold"
    return None
