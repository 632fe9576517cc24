"""Writing files all at once or not at all."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from moodtune.errors import MoodtuneError

#: Ending of the temporary files written beside their destination (see ``remove_leftovers``).
TEMPORARY_SUFFIX = ".tmp"
#: At most this much of the destination's name goes into a temporary file's name (a name at
#: the file system's limit must still leave room for the rest).
NAME_PART = 100


def replace_atomically(
    path: str | Path, write: Callable[[Path], None], *, mode: int | None = None
) -> Path:
    """Replace ``path`` all at once or not at all: ``write`` fills a temporary file beside it.

    The temporary file (``.<name>.<random>.tmp``) is flushed to disk and renamed over ``path``;
    the folder is synced too, so readers see the old file or the whole new one after an
    error, a SIGKILL or a crash of the machine. ``mode`` sets the permissions (e.g. ``0o600``
    for a secret, which then never exists with wider ones); by default the file keeps those
    of the file it replaces, and a new file gets what the umask allows, as ``open`` would.

    Raises
    ------
    MoodtuneError
        When the folder of ``path`` does not exist.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise MoodtuneError(f"the folder {str(target.parent)!r} does not exist")
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name[:NAME_PART]}.", suffix=TEMPORARY_SUFFIX, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:  # mkstemp made the file private (0600)
        if mode is None:
            mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        write(temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return target


def write_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` with :func:`replace_atomically`."""
    return replace_atomically(path, lambda temporary: temporary.write_bytes(data), mode=mode)


def remove_leftovers(path: str | Path) -> None:
    """Delete the temporary files a killed writer may have left beside ``path`` (never
    renamed into place, so never anyone's data)."""
    target = Path(path)
    pattern = f".{glob.escape(target.name[:NAME_PART])}.*{TEMPORARY_SUFFIX}"
    for leftover in target.parent.glob(pattern):
        leftover.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory handles
        return
    try:
        os.fsync(handle)
    except OSError:  # pragma: no cover - a file system that cannot sync folders
        pass
    finally:
        os.close(handle)


__all__ = ["TEMPORARY_SUFFIX", "remove_leftovers", "replace_atomically", "write_atomic"]
