"""Looking up tracks' local audio files without the catalogue's shared connection.

A player asks for a track's audio many times at once; each lookup through the catalogue
would wait for its lock behind recommendations. :class:`AudioPaths` reads the catalogue
file through a read-only SQLite connection per thread (WAL lets it read beside the
catalogue's writer); :class:`moodtune.web.audio.AudioFiles` uses it.

Examples
--------
>>> import tempfile, pathlib
>>> from moodtune.catalogue.builtin import open_catalogue
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.sqlite"
>>> open_catalogue(path).close()
>>> paths = AudioPaths(path)
>>> paths.lookup("nope")
(False, None)
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

__all__ = ["AudioPaths"]


class AudioPaths:
    """The audio paths stored in the catalogue at ``catalogue_path`` (thread-safe)."""

    def __init__(self, catalogue_path: str | Path) -> None:
        self.catalogue_path = Path(catalogue_path)
        self._local = threading.local()

    def lookup(self, track_id: str) -> tuple[bool, str | None]:
        """Whether the catalogue has ``track_id``, and its local audio path as stored (None:
        none; whether the file exists is the caller's to check)."""
        row = (
            self._connection()
            .execute("SELECT audio_path FROM tracks WHERE id = ?", (str(track_id),))
            .fetchone()
        )
        return (False, None) if row is None else (True, row[0])

    def _connection(self) -> sqlite3.Connection:
        """This thread's read-only connection to the catalogue."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            uri = f"{self.catalogue_path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection
