"""Audio answers that never wait for the catalogue or behind other work.

A player asks for a track's audio in ranges (64 KB and up, often many at once while it
seeks). Each such request used to look the track up through the catalogue's shared
connection (waiting for its lock behind recommendations) and then hop to a worker thread five
times (stat, open, seek, read, close) in the thread pool every other request shares: 1.75 s
per 64 KB under mixed load. :class:`AudioFiles` does it all in one hop to a worker thread of
its own (:data:`FILE_THREADS` at once), through
:class:`~moodtune.catalogue.audio_paths.AudioPaths` (a read-only connection per thread,
beside the catalogue's own): look up the path, stat the file and, for a
single range of at most :data:`MAX_READ_AT_ONCE` bytes, read it. Larger answers (a whole
file) stream through Starlette's ``FileResponse`` with the stat already made; the event loop
never reads a file. (uvicorn offers no ``sendfile`` to an ASGI app; reads of a file in the
page cache are as fast.)

Examples
--------
>>> files = AudioFiles("missing.sqlite")
>>> files.threads.total_tokens == FILE_THREADS
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread

from moodtune.catalogue.audio_paths import AudioPaths
from moodtune.web.bodies import check_range
from moodtune.web.service import NotFoundError

__all__ = ["FILE_THREADS", "MAX_READ_AT_ONCE", "AudioFiles", "Fetched"]

#: Worker threads reading audio files at once (their own: never behind readings).
FILE_THREADS = 8
#: A single range of at most this many bytes is read in the same hop and sent at once.
MAX_READ_AT_ONCE = 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """A track's audio file, its ``os.stat``, and the one range read (``start``, ``end``
    exclusive, the bytes) when the request asked for one small enough."""

    path: Path
    stat: os.stat_result
    part: tuple[int, int, bytes] | None = None


class AudioFiles:
    """Finds and reads the audio of the catalogue at ``catalogue_path`` (see the module)."""

    def __init__(self, catalogue_path: str | Path) -> None:
        self.catalogue_path = Path(catalogue_path)
        self.threads = anyio.CapacityLimiter(FILE_THREADS)
        self._paths = AudioPaths(self.catalogue_path)

    async def fetch(self, track_id: str, header: str | None) -> Fetched:
        """The file of ``track_id`` and, for a small single ``Range`` ``header``, its bytes;
        one hop to a worker thread. :class:`NotFoundError` (404) for an unknown track or
        one without local audio; a bad Range is a 400 or 416 (``check_range``)."""
        return await anyio.to_thread.run_sync(self._fetch, track_id, header, limiter=self.threads)

    def _fetch(self, track_id: str, header: str | None) -> Fetched:
        path = self.path(track_id)
        try:
            stat = path.stat()
        except OSError:
            raise NotFoundError(f"the track {track_id!r} has no local audio") from None
        if header is None:
            return Fetched(path, stat)
        check_range(header, path)
        from starlette.responses import FileResponse

        ranges = FileResponse._parse_range_header(header, stat.st_size)
        if len(ranges) != 1 or ranges[0][1] - ranges[0][0] > MAX_READ_AT_ONCE:
            return Fetched(path, stat)
        start, end = ranges[0]
        with open(path, "rb") as file:
            file.seek(start)
            data = file.read(end - start)
        return Fetched(path, stat, (start, start + len(data), data))

    def path(self, track_id: str) -> Path:
        """The local audio file of a catalogue track (the path comes from the catalogue)."""
        known, stored = self._paths.lookup(track_id)
        if not known:
            raise NotFoundError(f"no track {track_id!r} in the catalogue")
        if stored is None or not Path(stored).is_file():
            raise NotFoundError(f"the track {track_id!r} has no local audio")
        return Path(stored)
