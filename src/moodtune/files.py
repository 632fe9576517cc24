"""Writing files all at once or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from moodtune.errors import MoodtuneError


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file beside ``path``, are flushed to disk, and the file is
    renamed into place: an error, a SIGKILL or a power cut never leaves a half-written file.

    Raises
    ------
    MoodtuneError
        When the folder of ``path`` does not exist.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise MoodtuneError(f"the folder {str(target.parent)!r} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


__all__ = ["write_atomic"]
