"""Playlists out: the recommended tracks as M3U8, XSPF, JSPF or CSV.

>>> from datetime import UTC, datetime
>>> from moodtune.playlists import PlaylistEntry, render_playlist
>>> entry = PlaylistEntry("Clair de lune", "Debussy", "spotify:track:x", None,
...                       "spotify:track:x", 0.9, "calm and tender")
>>> print(render_playlist([entry], "m3u8", title="calm", created=datetime(2026, 1, 1)).decode())
#EXTM3U
#PLAYLIST:calm
#EXTINF:-1,Debussy - Clair de lune
spotify:track:x
<BLANKLINE>

Local files are listed by path; a track only Spotify plays by its ``spotify:track:ID`` URI
(in XSPF and JSPF as an ``identifier``, with its open.spotify.com link, never as a
``location``). Names are cleaned of control characters and CSV cells neutralised against
formulas (see :mod:`moodtune.playlists._formats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from moodtune.errors import MoodtuneError
from moodtune.files import write_atomic
from moodtune.playlists._entries import PlaylistEntry, entries_from
from moodtune.playlists._formats import FORMATS, PlaylistFormat

#: The format the API and the page give when none is asked for.
DEFAULT_FORMAT = "xspf"


def playlist_format(name: str) -> str:
    """The format of a file name or format name (``"out.xspf"`` or ``"xspf"``) → ``".xspf"``."""
    suffix = Path(name).suffix.lower() or f".{name.lower().lstrip('.')}"
    if suffix not in FORMATS:
        raise MoodtuneError(
            f"cannot write a playlist as {name!r}: use one of "
            + ", ".join(s.lstrip(".") for s in FORMATS)
        )
    return suffix


def render_playlist(
    entries: Sequence[PlaylistEntry],
    kind: str,
    *,
    title: str = "moodtune",
    created: datetime | None = None,
) -> bytes:
    """The playlist file's bytes, in format ``kind`` (``m3u8``, ``xspf``, ``jspf``, ``csv``).

    Raises
    ------
    MoodtuneError
        For an unknown format, or an M3U8 playlist with a track that has nowhere to be played.
    """
    suffix = playlist_format(kind)
    if suffix == ".m3u8":
        unplayable = [e.title for e in entries if not e.location]
        if unplayable:
            raise MoodtuneError(
                f"{len(unplayable)} tracks have no audio file, Spotify id or URL, so they cannot "
                f"be in an M3U8 playlist (e.g. {unplayable[0]!r}): use .xspf, .jspf or .csv"
            )
    return FORMATS[suffix].render(entries, title, created or datetime.now(UTC))


def write_playlist(
    entries: Sequence[PlaylistEntry], path: str | Path, *, title: str = "moodtune"
) -> Path:
    """Write the playlist to ``path`` in the format its suffix names, all at once."""
    return write_atomic(path, render_playlist(entries, str(path), title=title))


def media_type(kind: str) -> str:
    """The HTTP media type of a playlist format."""
    return FORMATS[playlist_format(kind)].media_type


def format_names() -> tuple[str, ...]:
    """The names of the playlist formats (``"m3u8"``, ``"xspf"``, …), in the registry's order."""
    return tuple(suffix.lstrip(".") for suffix in FORMATS)


def format_labels() -> dict[str, str]:
    """Format name → how the page names it, :data:`DEFAULT_FORMAT` first."""
    labels = {suffix.lstrip("."): fmt.label for suffix, fmt in FORMATS.items()}
    return {DEFAULT_FORMAT: labels.pop(DEFAULT_FORMAT), **labels}


__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "PlaylistEntry",
    "PlaylistFormat",
    "entries_from",
    "format_labels",
    "format_names",
    "media_type",
    "playlist_format",
    "render_playlist",
    "write_playlist",
]
