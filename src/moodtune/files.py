"""Writing files all at once or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from moodtune.errors import MoodtuneError


def write_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file beside ``path``, are flushed to disk, and the file is
    renamed into place: an error, a SIGKILL or a power cut never leaves a half-written file.
    ``mode`` sets the file's permissions (e.g. ``0o600`` for a secret, which then never exists
    with wider ones); by default a new file gets what the umask allows, as ``open`` would.

    Raises
    ------
    MoodtuneError
        When the folder of ``path`` does not exist.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise MoodtuneError(f"the folder {str(target.parent)!r} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:  # mkstemp made the file 0600; widen it only when asked to
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


__all__ = ["write_atomic"]
