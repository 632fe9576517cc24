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

    The temporary file (``.<name>.<pid>-<random>.tmp``, ``pid`` the writer's process id) is
    flushed to disk and renamed over ``path``; temporary files of ``path`` left by a writer
    that no longer runs (killed with SIGKILL, say) are removed first (see
    :func:`remove_dead_leftovers`);
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
    remove_dead_leftovers(target)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name[:NAME_PART]}.{os.getpid()}-",
        suffix=TEMPORARY_SUFFIX,
        dir=target.parent,
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


def remove_dead_leftovers(path: str | Path) -> list[Path]:
    """Delete the temporary files beside ``path`` whose writer no longer runs (its process id
    is in their name: no process has it now); those of running writers stay. Returns the
    files removed.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".out.csv.999999999-abc.tmp").write_text("half")  # no such process
    >>> [p.name for p in remove_dead_leftovers(folder / "out.csv")], list(folder.iterdir())
    (['.out.csv.999999999-abc.tmp'], [])
    """
    target = Path(path)
    prefix = f".{target.name[:NAME_PART]}."
    removed = []
    for leftover in target.parent.glob(f"{glob.escape(prefix)}*{TEMPORARY_SUFFIX}"):
        writer = leftover.name[len(prefix) :].split("-", 1)[0]
        if writer.isdigit() and not _running(int(writer)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _running(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (this process does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


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


__all__ = [
    "TEMPORARY_SUFFIX",
    "remove_dead_leftovers",
    "remove_leftovers",
    "replace_atomically",
    "write_atomic",
]
